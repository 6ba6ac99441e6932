#include "analyze/profile.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static bool slots_grow(trt_profile *p) {
  size_t n = p->n_slots ? p->n_slots * 2 : 1024;
  int32_t *slots = malloc(n * sizeof *slots);
  if (!slots) return false;
  for (size_t i = 0; i < n; i++) slots[i] = -1;
  for (int32_t id = 0; id < p->n_strs; id++) {
    const char *s = p->pool + p->offs[id];
    size_t h = (size_t)hash_bytes(s, strlen(s)) & (n - 1);
    while (slots[h] >= 0) h = (h + 1) & (n - 1);
    slots[h] = id;
  }
  free(p->slots);
  p->slots = slots;
  p->n_slots = n;
  return true;
}

/* Returns the id of s[0..n), adding it when new; -1 when memory runs out. */
static int32_t intern(trt_profile *p, const char *s, size_t n) {
  /* keep the table at most half full so probe chains stay short */
  if (((size_t)p->n_strs + 1) * 2 > p->n_slots && !slots_grow(p)) return -1;
  size_t mask = p->n_slots - 1, h = (size_t)hash_bytes(s, n) & mask;
  for (; p->slots[h] >= 0; h = (h + 1) & mask) {
    const char *t = p->pool + p->offs[p->slots[h]];
    if (!strncmp(t, s, n) && t[n] == '\0') return p->slots[h];
  }
  if (p->n_strs == INT32_MAX) return -1;
  if (p->n_strs == p->cap_strs) {
    int32_t cap = p->cap_strs ? p->cap_strs * 2 : 256;
    size_t *offs = realloc(p->offs, (size_t)cap * sizeof *offs);
    if (!offs) return -1;
    p->offs = offs;
    p->cap_strs = cap;
  }
  if (p->pool_len + n + 1 > p->pool_cap) {
    size_t cap = p->pool_cap ? p->pool_cap : 4096;
    while (cap < p->pool_len + n + 1) cap *= 2;
    char *pool = realloc(p->pool, cap);
    if (!pool) return -1;
    p->pool = pool;
    p->pool_cap = cap;
  }
  memcpy(p->pool + p->pool_len, s, n);
  p->pool[p->pool_len + n] = '\0';
  p->offs[p->n_strs] = p->pool_len;
  p->pool_len += n + 1;
  p->slots[h] = p->n_strs;
  return p->n_strs++;
}

const char *trt_profile_str(const trt_profile *p, int32_t id) {
  if (id < 0 || id >= p->n_strs) return "";
  return p->pool + p->offs[id];
}

void trt_profile_free(trt_profile *p) {
  if (!p) return;
  free(p->events);
  free(p->pool);
  free(p->offs);
  free(p->slots);
  memset(p, 0, sizeof *p);
}

static bool ends_with(const char *s, size_t n, const char *suffix, size_t *stem) {
  size_t k = strlen(suffix);
  if (n < k || memcmp(s + n - k, suffix, k) != 0) return false;
  *stem = n - k;
  return true;
}

/* Converts a JSON position into line:column for the error message. */
static void text_position(const char *text, size_t len, size_t at, int *line, int *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < at && i < len; i++) {
    if (text[i] == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

static const char *json_type_name(const cJSON *v) {
  if (cJSON_IsArray(v)) return "an array";
  if (cJSON_IsObject(v)) return "an object";
  if (cJSON_IsString(v)) return "a string";
  if (cJSON_IsNumber(v)) return "a number";
  if (cJSON_IsBool(v)) return "a boolean";
  if (cJSON_IsNull(v)) return "null";
  return "an unknown value";
}

/* An arg is a string in ORT's profiles; a number is accepted too (tinyrt may write either). */
static int read_int_arg(const cJSON *v, int64_t *out) {
  if (cJSON_IsNumber(v)) {
    double d = v->valuedouble;
    if (d != floor(d) || d < -9e15 || d > 9e15) return -1;
    *out = (int64_t)d;
    return 0;
  }
  if (cJSON_IsString(v) && v->valuestring[0]) {
    char *end = NULL;
    errno = 0;
    long long x = strtoll(v->valuestring, &end, 10);
    if (errno || *end) return -1;
    *out = x;
    return 0;
  }
  return -1;
}

/* Parses one event object into ev. Returns TINYRT_OK or an error naming event i. */
static int parse_event(trt_profile *p, const cJSON *e, size_t i, trt_pev *ev,
                       tinyrt_error *err) {
  memset(ev, 0, sizeof *ev);
  ev->node_index = -1;
  ev->op = ev->provider = ev->shape = -1;
  if (!cJSON_IsObject(e))
    return trt_error(err, TINYRT_ERR_MODEL, "event %zu is %s, not an object", i, json_type_name(e));
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
  if (!cJSON_IsString(name))
    return trt_error(err, TINYRT_ERR_MODEL, "event %zu: \"name\" is %s, expected a string", i,
                     name ? json_type_name(name) : "missing");
  const char *nm = name->valuestring;
  size_t nlen = strlen(nm), stem = nlen;

  const cJSON *ph = cJSON_GetObjectItemCaseSensitive(e, "ph");
  if (ph && !cJSON_IsString(ph))
    return trt_error(err, TINYRT_ERR_MODEL, "event %zu ('%.200s'): \"ph\" is %s, expected a string",
                     i, nm, json_type_name(ph));
  /* ORT and tinyrt write only complete events; other phases are counted but not timed */
  ev->timed = !ph || !strcmp(ph->valuestring, "X");
  if (ev->timed) {
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(e, "ts");
    const cJSON *dur = cJSON_GetObjectItemCaseSensitive(e, "dur");
    if (!cJSON_IsNumber(ts))
      return trt_error(err, TINYRT_ERR_MODEL, "event %zu ('%.200s'): \"ts\" is %s, expected a number",
                       i, nm, ts ? json_type_name(ts) : "missing");
    if (!cJSON_IsNumber(dur))
      return trt_error(err, TINYRT_ERR_MODEL,
                       "event %zu ('%.200s'): \"dur\" is %s, expected a number", i, nm,
                       dur ? json_type_name(dur) : "missing");
    if (dur->valuedouble < 0)
      return trt_error(err, TINYRT_ERR_MODEL, "event %zu ('%.200s'): negative \"dur\" %g", i, nm,
                       dur->valuedouble);
    ev->ts = ts->valuedouble;
    ev->dur = dur->valuedouble;
  }

  if (ends_with(nm, nlen, "_kernel_time", &stem)) {
    ev->kind = TRT_PEV_KERNEL;
  } else if (ends_with(nm, nlen, "_fence_before", &stem) || ends_with(nm, nlen, "_fence_after", &stem)) {
    ev->kind = TRT_PEV_FENCE;
  } else if (!strcmp(nm, "model_run")) {
    ev->kind = TRT_PEV_RUN;
  } else if (!strcmp(nm, "session_initialization")) {
    ev->kind = TRT_PEV_SESSION_INIT;
  } else if (!strcmp(nm, "model_loading_uri") || !strcmp(nm, "model_loading_array")) {
    ev->kind = TRT_PEV_MODEL_LOAD;
  } else {
    ev->kind = TRT_PEV_OTHER;
  }
  if ((ev->name = intern(p, nm, stem)) < 0) goto nomem;

  if (ev->kind == TRT_PEV_KERNEL) {
    if (!ev->timed)
      return trt_error(err, TINYRT_ERR_MODEL,
                       "event %zu ('%.200s'): a kernel event must be a complete event (ph \"X\")", i,
                       nm);
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(e, "args");
    if (!cJSON_IsObject(args))
      return trt_error(err, TINYRT_ERR_MODEL, "event %zu ('%.200s'): \"args\" is %s, expected an object",
                       i, nm, args ? json_type_name(args) : "missing");
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(args, "op_name");
    const cJSON *prov = cJSON_GetObjectItemCaseSensitive(args, "provider");
    if (!cJSON_IsString(op))
      return trt_error(err, TINYRT_ERR_MODEL,
                       "event %zu ('%.200s'): args.op_name is %s, expected a string", i, nm,
                       op ? json_type_name(op) : "missing");
    if (!cJSON_IsString(prov))
      return trt_error(err, TINYRT_ERR_MODEL,
                       "event %zu ('%.200s'): args.provider is %s, expected a string", i, nm,
                       prov ? json_type_name(prov) : "missing");
    if ((ev->op = intern(p, op->valuestring, strlen(op->valuestring))) < 0) goto nomem;
    if ((ev->provider = intern(p, prov->valuestring, strlen(prov->valuestring))) < 0) goto nomem;
    const cJSON *idx = cJSON_GetObjectItemCaseSensitive(args, "node_index");
    if (idx && (read_int_arg(idx, &ev->node_index) < 0 || ev->node_index < 0))
      return trt_error(err, TINYRT_ERR_MODEL,
                       "event %zu ('%.200s'): args.node_index is not a non-negative integer", i, nm);
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(args, "input_type_shape");
    if (cJSON_IsString(shape)) {
      if ((ev->shape = intern(p, shape->valuestring, strlen(shape->valuestring))) < 0) goto nomem;
    } else if (shape) {
      char *txt = cJSON_PrintUnformatted(shape);
      if (!txt) goto nomem;
      ev->shape = intern(p, txt, strlen(txt));
      cJSON_free(txt);
      if (ev->shape < 0) goto nomem;
    }
  }
  return TINYRT_OK;
nomem:
  return trt_error(err, TINYRT_ERR_NOMEM, "out of memory reading event %zu", i);
}

static bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

static size_t skip_ws(const char *text, size_t len, size_t at) {
  while (at < len && is_ws(text[at])) at++;
  return at;
}

static int json_error(const char *text, size_t len, const char *end, tinyrt_error *err) {
  int line, col;
  size_t at = end && end >= text ? (size_t)(end - text) : 0;
  text_position(text, len, at, &line, &col);
  return trt_error(err, TINYRT_ERR_MODEL, "not valid JSON (parse error at line %d, column %d%s)",
                   line, col, at + 1 >= len ? ": the file ends early, truncated?" : "");
}

static int trailing_error(const char *text, size_t len, size_t at, tinyrt_error *err) {
  int line, col;
  text_position(text, len, at, &line, &col);
  return trt_error(err, TINYRT_ERR_MODEL,
                   "not valid JSON (unexpected text after the end at line %d, column %d)", line, col);
}

static int push_event(trt_profile *p, size_t *cap, const cJSON *e, tinyrt_error *err) {
  if (p->n_events == *cap) {
    size_t nc = *cap ? *cap * 2 : 1024;
    trt_pev *ev = realloc(p->events, nc * sizeof *ev);
    if (!ev) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory for %zu events", nc);
    p->events = ev;
    *cap = nc;
  }
  int rc = parse_event(p, e, p->n_events, &p->events[p->n_events], err);
  if (!rc) p->n_events++;
  return rc;
}

/* A top-level array is read one event at a time, so memory holds the file and the compact table
 * but never a JSON tree of the whole profile (ORT's profiles of long runs reach hundreds of MB). */
static int parse_array_stream(const char *text, size_t len, size_t at, trt_profile *p,
                              tinyrt_error *err) {
  size_t cap = 0;
  at = skip_ws(text, len, at + 1); /* past '[' */
  if (at < len && text[at] == ']') return trt_error(err, TINYRT_ERR_MODEL, "the profile has no events");
  for (;;) {
    const char *end = NULL;
    cJSON *e = cJSON_ParseWithLengthOpts(text + at, len - at, &end, false);
    if (!e) return json_error(text, len, end, err);
    int rc = push_event(p, &cap, e, err);
    cJSON_Delete(e);
    if (rc) return rc;
    at = skip_ws(text, len, (size_t)(end - text));
    if (at >= len)
      return trt_error(err, TINYRT_ERR_MODEL,
                       "not valid JSON: the file ends after event %zu without ']' (truncated?)",
                       p->n_events - 1);
    if (text[at] == ']') break;
    if (text[at] != ',') return json_error(text, len, text + at, err);
    at++;
  }
  at = skip_ws(text, len, at + 1);
  return at < len ? trailing_error(text, len, at, err) : TINYRT_OK;
}

int trt_profile_parse(const char *text, size_t len, trt_profile *p, tinyrt_error *err) {
  memset(p, 0, sizeof *p);
  int rc = TINYRT_OK;
  cJSON *root = NULL;
  size_t at = skip_ws(text, len, 0);
  if (at < len && text[at] == '[') {
    rc = parse_array_stream(text, len, at, p, err);
    goto done;
  }
  const char *end = NULL;
  root = cJSON_ParseWithLengthOpts(text, len, &end, false);
  if (!root) {
    rc = json_error(text, len, end, err);
    goto done;
  }
  /* cJSON stops after the first value; anything but whitespace after it is a broken file */
  at = skip_ws(text, len, (size_t)(end - text));
  if (at < len) {
    rc = trailing_error(text, len, at, err);
    goto done;
  }
  const cJSON *arr = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "traceEvents") : NULL;
  if (cJSON_IsObject(root) && !cJSON_IsArray(arr)) {
    rc = trt_error(err, TINYRT_ERR_MODEL,
                   "the profile is a JSON object without a \"traceEvents\" array; expected an "
                   "array of trace events or {\"traceEvents\": [...]}");
    goto done;
  }
  if (!arr) {
    rc = trt_error(err, TINYRT_ERR_MODEL,
                   "the profile is %s; expected a JSON array of trace events", json_type_name(root));
    goto done;
  }
  if (!arr->child) {
    rc = trt_error(err, TINYRT_ERR_MODEL, "the profile has no events");
    goto done;
  }
  size_t cap = 0;
  for (const cJSON *e = arr->child; e && !rc; e = e->next) rc = push_event(p, &cap, e, err);
done:
  cJSON_Delete(root);
  if (rc) trt_profile_free(p);
  return rc;
}

int trt_profile_load(const char *path, trt_profile *p, tinyrt_error *err) {
  memset(p, 0, sizeof *p);
  int rc = TINYRT_OK;
  char *buf = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return trt_error(err, TINYRT_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  size_t cap = 1 << 16, len = 0;
  buf = malloc(cap);
  if (!buf) {
    rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory reading '%s'", path);
    goto done;
  }
  for (;;) {
    if (len == cap) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory reading '%s'", path);
        goto done;
      }
      buf = nb;
      cap *= 2;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  if (ferror(f)) {
    rc = trt_error(err, TINYRT_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    goto done;
  }
  rc = trt_profile_parse(buf, len, p, err);
  if (rc) trt_error_prefix(err, rc, "%s", path);
done:
  free(buf);
  fclose(f);
  return rc;
}
