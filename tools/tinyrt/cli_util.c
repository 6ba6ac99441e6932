#include "cli_util.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool cli_parse_int(const char *opt, const char *arg, long long lo, long long hi, long long *out) {
  char *end;
  errno = 0;
  long long v = arg ? strtoll(arg, &end, 10) : 0;
  if (!arg || !*arg || *end || errno || v < lo || v > hi) {
    fprintf(stderr, "tinyrt: %s needs an integer in [%lld, %lld], got '%s'\n", opt, lo, hi,
            arg ? arg : "");
    return false;
  }
  *out = v;
  return true;
}

bool cli_parse_dims(const char *arg, cli_dims *dims) {
  return cli_parse_dims_opt("--shape", arg, dims);
}

bool cli_parse_dims_opt(const char *opt, const char *arg, cli_dims *dims) {
  const char *p = arg;
  while (*p) {
    const char *eq = strchr(p, '=');
    const char *comma = strchr(p, ',');
    if (!comma) comma = p + strlen(p);
    if (!eq || eq > comma || eq == p || (size_t)(eq - p) >= sizeof dims->names[0]) {
      fprintf(stderr, "tinyrt: %s expects NAME=N[,NAME=N...], got '%s'\n", opt, arg);
      return false;
    }
    char num[32];
    size_t nlen = (size_t)(comma - eq - 1);
    if (nlen == 0 || nlen >= sizeof num) {
      fprintf(stderr, "tinyrt: %s: bad value in '%s'\n", opt, arg);
      return false;
    }
    memcpy(num, eq + 1, nlen);
    num[nlen] = '\0';
    long long v;
    if (!cli_parse_int(opt, num, 0, INT32_MAX, &v)) return false;
    size_t klen = (size_t)(eq - p);
    int slot = -1;
    for (int i = 0; i < dims->n; i++)
      if (strlen(dims->names[i]) == klen && strncmp(dims->names[i], p, klen) == 0) slot = i;
    if (slot < 0) {
      if (dims->n == CLI_MAX_DIMS) {
        fprintf(stderr, "tinyrt: %s: too many dims\n", opt);
        return false;
      }
      slot = dims->n++;
      memcpy(dims->names[slot], p, klen);
      dims->names[slot][klen] = '\0';
    }
    dims->d[slot].name = dims->names[slot];
    dims->d[slot].value = v;
    p = *comma ? comma + 1 : comma;
  }
  return true;
}

/* xorshift64*: a fixed, platform-independent sequence */
static uint64_t next_rand(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ull;
}

static bool looks_like_mask(const char *name) { return strstr(name, "mask") != NULL; }

bool cli_make_inputs(const tinyrt_session *s, const cli_dims *dims, tinyrt_tensor **inputs_out,
                     int *n_out) {
  int n = tinyrt_input_count(s);
  tinyrt_tensor *in = calloc((size_t)n + 1, sizeof *in);
  if (!in) return false;
  uint64_t seed = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < n; i++) {
    tinyrt_io_info info;
    tinyrt_input_info(s, i, &info);
    tinyrt_tensor *t = &in[i];
    t->name = info.name;
    t->dtype = info.dtype;
    t->rank = info.rank;
    if (info.rank < 0) {
      fprintf(stderr, "tinyrt: input '%s' has an unknown rank; give it with --input\n", info.name);
      goto fail;
    }
    size_t numel = 1;
    for (int d = 0; d < info.rank; d++) {
      int64_t v = info.dims[d];
      if (v < 0) {
        v = -1;
        for (int k = 0; k < dims->n && info.dim_names[d]; k++)
          if (strcmp(dims->d[k].name, info.dim_names[d]) == 0) v = dims->d[k].value;
        if (v < 0) {
          fprintf(stderr, "tinyrt: input '%s' dim %d ('%s') needs a value: --shape %s=N\n",
                  info.name, d, info.dim_names[d] ? info.dim_names[d] : "?",
                  info.dim_names[d] ? info.dim_names[d] : "NAME");
          goto fail;
        }
      }
      t->dims[d] = v;
      numel *= (size_t)v;
    }
    size_t es = tinyrt_dtype_size(t->dtype);
    if (es == 0) {
      fprintf(stderr, "tinyrt: input '%s' has type %s, which synthetic inputs do not cover\n",
              info.name, tinyrt_dtype_name(t->dtype));
      goto fail;
    }
    t->data = calloc(numel ? numel : 1, es);
    if (!t->data) goto fail;
    t->capacity = numel * es;
    int64_t bound = 0;
    bool is_index = tinyrt_input_index_bound(s, i, &bound) == TINYRT_OK && bound > 0;
    bool mask = looks_like_mask(info.name);
    for (size_t k = 0; k < numel; k++) {
      uint64_t r = next_rand(&seed);
      int64_t iv = mask ? 1 : is_index ? (int64_t)(r % (uint64_t)bound) : 0;
      double fv = (double)(r >> 11) / 9007199254740992.0 * 2.0 - 1.0;
      switch (t->dtype) {
        case TINYRT_INT64: ((int64_t *)t->data)[k] = iv; break;
        case TINYRT_INT32: ((int32_t *)t->data)[k] = (int32_t)iv; break;
        case TINYRT_FLOAT: ((float *)t->data)[k] = mask ? 1.0f : (float)fv; break;
        case TINYRT_DOUBLE: ((double *)t->data)[k] = mask ? 1.0 : fv; break;
        case TINYRT_BOOL: ((uint8_t *)t->data)[k] = 1; break;
        default: break; /* zeros */
      }
    }
  }
  *inputs_out = in;
  *n_out = n;
  return true;
fail:
  cli_free_inputs(in, n);
  return false;
}

void cli_pad_masks(tinyrt_tensor *inputs, int n, double fraction) {
  for (int i = 0; i < n; i++) {
    tinyrt_tensor *t = &inputs[i];
    if (!looks_like_mask(t->name) || t->rank != 2) continue;
    int64_t rows = t->dims[0], len = t->dims[1];
    int64_t real = len - (int64_t)(fraction * (double)len);
    if (real < 1) real = 1;
    for (int64_t r = 0; r < rows; r++)
      for (int64_t s = real; s < len; s++) {
        if (t->dtype == TINYRT_INT64) ((int64_t *)t->data)[r * len + s] = 0;
        if (t->dtype == TINYRT_INT32) ((int32_t *)t->data)[r * len + s] = 0;
        if (t->dtype == TINYRT_FLOAT) ((float *)t->data)[r * len + s] = 0;
      }
  }
}

void cli_free_inputs(tinyrt_tensor *inputs, int n) {
  if (!inputs) return;
  for (int i = 0; i < n; i++) free(inputs[i].data);
  free(inputs);
}

const char *cli_shape_str(const tinyrt_tensor *t, char *buf, size_t len) {
  size_t off = (size_t)snprintf(buf, len, "[");
  for (int d = 0; d < t->rank && off < len; d++)
    off += (size_t)snprintf(buf + off, len - off, "%s%lld", d ? "," : "", (long long)t->dims[d]);
  if (off < len) snprintf(buf + off, len - off, "]");
  return buf;
}

bool cli_mkdirs(const char *path) {
  char buf[4096];
  if (strlen(path) >= sizeof buf) return false;
  strcpy(buf, path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(buf, 0777);
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST) return false;
  struct stat st;
  return stat(buf, &st) == 0 && S_ISDIR(st.st_mode);
}
