/* Open Inference Protocol v2 bodies through cJSON: inference requests in (JSON tensors, flat or
 * nested, and Triton's binary tensor extension), responses, metadata and config out. */
#include "serve/protocol.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"

/* Integers beyond 2^53 do not survive JSON numbers (cJSON parses them as doubles); such values
 * must come as binary data. */
#define EXACT_INT_LIMIT 9007199254740992.0

/* Shapes beyond this many elements per dim are certainly not a real request; the bound keeps
 * the element-count arithmetic far from overflow. */
#define MAX_DIM ((int64_t)1 << 40)

/* --- a growable byte buffer ---------------------------------------------------------------- */

typedef struct sbuf {
  char *p;
  size_t len, cap;
  bool oom;
} sbuf;

static bool sb_reserve(sbuf *b, size_t extra) {
  if (b->oom) return false;
  if (b->len + extra + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1) {
    if (cap > SIZE_MAX / 2) {
      b->oom = true;
      return false;
    }
    cap *= 2;
  }
  char *p = realloc(b->p, cap);
  if (!p) {
    b->oom = true;
    return false;
  }
  b->p = p;
  b->cap = cap;
  return true;
}

static void sb_put(sbuf *b, const void *s, size_t n) {
  if (!sb_reserve(b, n)) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

/* --- parsing -------------------------------------------------------------------------------- */

void trt_srv_request_free(trt_srv_request *req) {
  if (!req) return;
  free(req->id);
  for (int i = 0; i < req->n_inputs; i++) {
    free((char *)req->inputs[i].name);
    trt_srv_tensor_free(&req->inputs[i].t);
  }
  for (int i = 0; i < req->n_outputs; i++) free(req->outputs[i].name);
  memset(req, 0, sizeof *req);
}

static char *dup_str(const char *s) {
  size_t n = strlen(s);
  char *d = malloc(n + 1);
  if (d) memcpy(d, s, n + 1);
  return d;
}

static const char *json_kind(const cJSON *v) {
  if (cJSON_IsString(v)) return "a string";
  if (cJSON_IsNull(v)) return "null";
  if (cJSON_IsObject(v)) return "an object";
  if (cJSON_IsArray(v)) return "an array";
  if (cJSON_IsBool(v)) return "a boolean";
  return "a number";
}

/* Reads a JSON number that must be an integer in [lo, hi]. */
static bool json_int(const cJSON *v, double lo, double hi, int64_t *out) {
  if (!cJSON_IsNumber(v)) return false;
  double d = v->valuedouble;
  if (!(d >= lo && d <= hi) || d != floor(d)) return false;
  *out = (int64_t)d;
  return true;
}

static bool int_range(tinyrt_dtype t, double *lo, double *hi) {
  switch (t) {
    case TINYRT_INT8: *lo = -128; *hi = 127; return true;
    case TINYRT_INT16: *lo = -32768; *hi = 32767; return true;
    case TINYRT_INT32: *lo = -2147483648.0; *hi = 2147483647.0; return true;
    case TINYRT_INT64: *lo = -EXACT_INT_LIMIT; *hi = EXACT_INT_LIMIT; return true;
    case TINYRT_UINT8: *lo = 0; *hi = 255; return true;
    case TINYRT_UINT16: *lo = 0; *hi = 65535; return true;
    case TINYRT_UINT32: *lo = 0; *hi = 4294967295.0; return true;
    case TINYRT_UINT64: *lo = 0; *hi = EXACT_INT_LIMIT; return true;
    default: return false;
  }
}

/* Stores JSON value v as element idx of dst (of type t). */
static int put_leaf(const cJSON *v, tinyrt_dtype t, void *dst, int64_t idx, const char *name,
                    tinyrt_error *err) {
  if (t == TINYRT_BOOL) {
    int64_t b;
    if (cJSON_IsBool(v))
      ((uint8_t *)dst)[idx] = cJSON_IsTrue(v) ? 1 : 0;
    else if (json_int(v, 0, 1, &b))
      ((uint8_t *)dst)[idx] = (uint8_t)b;
    else
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': data element %lld is %s, expected"
                       " true or false", name, (long long)idx, json_kind(v));
    return TINYRT_OK;
  }
  if (!cJSON_IsNumber(v))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': data element %lld is %s, expected a"
                     " number", name, (long long)idx, json_kind(v));
  double d = v->valuedouble, lo, hi;
  if (t == TINYRT_FLOAT) {
    ((float *)dst)[idx] = (float)d;
    return TINYRT_OK;
  }
  if (t == TINYRT_DOUBLE) {
    ((double *)dst)[idx] = d;
    return TINYRT_OK;
  }
  int64_t iv;
  if (!int_range(t, &lo, &hi))
    return trt_error(err, TINYRT_ERR_INTERNAL, "input '%s': no conversion for datatype %s", name,
                     trt_srv_dtype_name(t));
  if (!json_int(v, lo, hi, &iv))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': data element %lld (%.17g) is not an"
                     " integer in the range of %s%s", name, (long long)idx, d,
                     trt_srv_dtype_name(t),
                     hi == EXACT_INT_LIMIT ? " that JSON numbers carry exactly (|v| <= 2^53);"
                                             " send larger values as binary data" : "");
  switch (t) {
    case TINYRT_INT8: ((int8_t *)dst)[idx] = (int8_t)iv; break;
    case TINYRT_INT16: ((int16_t *)dst)[idx] = (int16_t)iv; break;
    case TINYRT_INT32: ((int32_t *)dst)[idx] = (int32_t)iv; break;
    case TINYRT_INT64: ((int64_t *)dst)[idx] = iv; break;
    case TINYRT_UINT8: ((uint8_t *)dst)[idx] = (uint8_t)iv; break;
    case TINYRT_UINT16: ((uint16_t *)dst)[idx] = (uint16_t)iv; break;
    case TINYRT_UINT32: ((uint32_t *)dst)[idx] = (uint32_t)iv; break;
    default: ((uint64_t *)dst)[idx] = (uint64_t)iv; break;
  }
  return TINYRT_OK;
}

/* Walks `data` (flat, or nested up to the tensor's rank) in document order, which is row-major.
 * With dst NULL it only counts the leaves into *n; otherwise it converts them into dst, which
 * holds exactly `cap` elements (the count was checked first). */
static int walk_data(const cJSON *a, int depth, int rank, tinyrt_dtype t, void *dst, int64_t cap,
                     int64_t *n, const char *name, tinyrt_error *err) {
  const cJSON *v;
  cJSON_ArrayForEach(v, a) {
    if (cJSON_IsArray(v)) {
      if (depth + 1 >= rank)
        return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': data is nested deeper than the"
                         " shape's %d dimensions", name, rank);
      int rc = walk_data(v, depth + 1, rank, t, dst, cap, n, name, err);
      if (rc) return rc;
      continue;
    }
    if (dst) {
      if (*n >= cap) return trt_error(err, TINYRT_ERR_INTERNAL, "input '%s': data overrun", name);
      int rc = put_leaf(v, t, dst, *n, name, err);
      if (rc) return rc;
    }
    (*n)++;
  }
  return TINYRT_OK;
}

static int parse_shape(const cJSON *shape, const char *name, trt_srv_tensor *t,
                       tinyrt_error *err) {
  if (!cJSON_IsArray(shape))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': 'shape' must be an array of"
                     " integers", name);
  int rank = cJSON_GetArraySize(shape);
  if (rank > TINYRT_MAX_RANK)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': shape has %d dimensions, at most %d"
                     " are supported", name, rank, TINYRT_MAX_RANK);
  t->rank = rank;
  int d = 0;
  const cJSON *v;
  cJSON_ArrayForEach(v, shape) {
    int64_t x;
    if (!json_int(v, 0, (double)MAX_DIM, &x))
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': shape[%d] must be a non-negative"
                       " integer", name, d);
    t->dims[d++] = x;
  }
  return TINYRT_OK;
}

/* Parses one element of "inputs" into in; *bin_pos walks the binary section. */
static int parse_input(const cJSON *o, int index, const char *body, size_t len, int64_t header_len,
                       size_t *bin_pos, trt_srv_named *in, tinyrt_error *err) {
  if (!cJSON_IsObject(o))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "inputs[%d] must be an object", index);
  const cJSON *jname = cJSON_GetObjectItemCaseSensitive(o, "name");
  if (!cJSON_IsString(jname) || !jname->valuestring[0])
    return trt_error(err, TINYRT_ERR_ARGUMENT, "inputs[%d] has no 'name' string", index);
  const char *name = jname->valuestring;
  in->name = dup_str(name);
  if (!in->name) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  const cJSON *jtype = cJSON_GetObjectItemCaseSensitive(o, "datatype");
  if (!cJSON_IsString(jtype))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s' has no 'datatype' string", name);
  tinyrt_dtype t = trt_srv_dtype_parse(jtype->valuestring);
  if (t == TINYRT_UNDEFINED)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s' has unknown datatype '%s'", name,
                     jtype->valuestring);
  if (t == TINYRT_FLOAT16 || t == TINYRT_STRING)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "input '%s': datatype %s is not supported by"
                     " this server (supported: BOOL, INT8, INT16, INT32, INT64, UINT8, UINT16,"
                     " UINT32, UINT64, FP32, FP64)", name, jtype->valuestring);
  in->t.dtype = t;
  int rc = parse_shape(cJSON_GetObjectItemCaseSensitive(o, "shape"), name, &in->t, err);
  if (rc) return rc;
  int64_t numel = trt_shape_numel(in->t.rank, in->t.dims);
  size_t es = tinyrt_dtype_size(t);
  char sh[160];
  trt_shape_str(in->t.rank, in->t.dims, sh, sizeof sh);
  if (numel < 0 || (uint64_t)numel > SIZE_MAX / 16)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': shape %s is too large", name, sh);
  size_t need = (size_t)numel * es;

  const cJSON *data = cJSON_GetObjectItemCaseSensitive(o, "data");
  const cJSON *params = cJSON_GetObjectItemCaseSensitive(o, "parameters");
  const cJSON *bds = cJSON_IsObject(params)
                         ? cJSON_GetObjectItemCaseSensitive(params, "binary_data_size") : NULL;
  if (bds) {
    int64_t size;
    if (header_len < 0)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s' has binary_data_size but the request"
                       " has no Inference-Header-Content-Length header", name);
    if (data)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s' has both 'data' and"
                       " binary_data_size", name);
    if (!json_int(bds, 0, EXACT_INT_LIMIT, &size))
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': binary_data_size must be a"
                       " non-negative integer", name);
    if ((uint64_t)size != need)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': binary_data_size is %lld bytes but"
                       " shape %s of %s needs %zu", name, (long long)size, sh,
                       trt_srv_dtype_name(t), need);
    if (need > len - *bin_pos)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': binary_data_size %zu exceeds the %zu"
                       " bytes of binary data left in the body", name, need, len - *bin_pos);
    in->t.data = malloc(need ? need : 1);
    if (!in->t.data) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
    memcpy(in->t.data, body + *bin_pos, need);
    in->t.nbytes = need;
    *bin_pos += need;
    return TINYRT_OK;
  }
  if (!data)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s' has no 'data' (and no"
                     " binary_data_size)", name);
  if (!cJSON_IsArray(data))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': 'data' must be an array", name);
  int64_t count = 0;
  rc = walk_data(data, 0, in->t.rank, t, NULL, 0, &count, name, err);
  if (rc) return rc;
  if (count != numel)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s' has %lld elements in 'data' but shape"
                     " %s needs %lld", name, (long long)count, sh, (long long)numel);
  in->t.data = malloc(need ? need : 1);
  if (!in->t.data) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  in->t.nbytes = need;
  count = 0;
  return walk_data(data, 0, in->t.rank, t, in->t.data, numel, &count, name, err);
}

static int parse_outputs(const cJSON *outs, trt_srv_request *req, tinyrt_error *err) {
  if (!outs) return TINYRT_OK;
  if (!cJSON_IsArray(outs))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "'outputs' must be an array");
  if (cJSON_GetArraySize(outs) > TRT_SRV_MAX_IO)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "'outputs' lists more than %d outputs",
                     TRT_SRV_MAX_IO);
  const cJSON *o;
  int k = 0;
  cJSON_ArrayForEach(o, outs) {
    const cJSON *jname = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, "name") : NULL;
    if (!cJSON_IsString(jname))
      return trt_error(err, TINYRT_ERR_ARGUMENT, "outputs[%d] has no 'name' string", k);
    for (int j = 0; j < req->n_outputs; j++)
      if (!strcmp(req->outputs[j].name, jname->valuestring))
        return trt_error(err, TINYRT_ERR_ARGUMENT, "output '%s' is requested more than once",
                         jname->valuestring);
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(o, "parameters");
    bool binary = req->binary_all;
    if (cJSON_IsObject(params)) {
      const cJSON *b = cJSON_GetObjectItemCaseSensitive(params, "binary_data");
      if (b && !cJSON_IsBool(b))
        return trt_error(err, TINYRT_ERR_ARGUMENT, "output '%s': binary_data must be true or"
                         " false", jname->valuestring);
      if (b) binary = cJSON_IsTrue(b);
      if (cJSON_GetObjectItemCaseSensitive(params, "classification"))
        return trt_error(err, TINYRT_ERR_UNSUPPORTED, "output '%s': the classification extension"
                         " is not supported by this server", jname->valuestring);
    }
    req->outputs[k].name = dup_str(jname->valuestring);
    if (!req->outputs[k].name) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
    req->outputs[k].binary = binary;
    req->n_outputs = ++k;
  }
  return TINYRT_OK;
}

int trt_srv_parse_infer(const char *body, size_t len, int64_t header_len, trt_srv_request *req,
                        tinyrt_error *err) {
  memset(req, 0, sizeof *req);
  size_t json_len = len;
  if (header_len >= 0) {
    if ((uint64_t)header_len > len)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "Inference-Header-Content-Length is %lld but the"
                       " body has only %zu bytes", (long long)header_len, len);
    json_len = (size_t)header_len;
  }
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(body, json_len, &end, 0);
  int rc = TINYRT_OK;
  if (!root) {
    size_t at = end && end >= body && end <= body + json_len ? (size_t)(end - body) : 0;
    return trt_error(err, TINYRT_ERR_ARGUMENT, "malformed JSON in the request body near byte %zu",
                     at);
  }
  for (const char *p = end; p < body + json_len; p++)
    if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
      rc = trt_error(err, TINYRT_ERR_ARGUMENT, "malformed JSON in the request body: unexpected"
                     " data at byte %zu after the top-level value", (size_t)(p - body));
      goto fail;
    }
  if (!cJSON_IsObject(root)) {
    rc = trt_error(err, TINYRT_ERR_ARGUMENT, "the request body must be a JSON object");
    goto fail;
  }
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
  if (id) {
    if (!cJSON_IsString(id)) {
      rc = trt_error(err, TINYRT_ERR_ARGUMENT, "'id' must be a string");
      goto fail;
    }
    req->id = dup_str(id->valuestring);
    if (!req->id) {
      rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
      goto fail;
    }
  }
  const cJSON *params = cJSON_GetObjectItemCaseSensitive(root, "parameters");
  if (cJSON_IsObject(params)) {
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(params, "binary_data_output");
    if (b && !cJSON_IsBool(b)) {
      rc = trt_error(err, TINYRT_ERR_ARGUMENT, "parameters.binary_data_output must be true or"
                     " false");
      goto fail;
    }
    req->binary_all = cJSON_IsTrue(b);
  }
  const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(root, "inputs");
  if (!cJSON_IsArray(inputs) || cJSON_GetArraySize(inputs) == 0) {
    rc = trt_error(err, TINYRT_ERR_ARGUMENT, "the request has no 'inputs' array");
    goto fail;
  }
  if (cJSON_GetArraySize(inputs) > TRT_SRV_MAX_IO) {
    rc = trt_error(err, TINYRT_ERR_ARGUMENT, "the request has %d inputs, at most %d are accepted",
                   cJSON_GetArraySize(inputs), TRT_SRV_MAX_IO);
    goto fail;
  }
  size_t bin_pos = json_len;
  const cJSON *o;
  cJSON_ArrayForEach(o, inputs) {
    int k = req->n_inputs++;
    rc = parse_input(o, k, body, len, header_len, &bin_pos, &req->inputs[k], err);
    if (rc) goto fail;
  }
  if (bin_pos != len) {
    rc = trt_error(err, TINYRT_ERR_ARGUMENT, "%zu bytes of binary data follow the JSON header but"
                   " the inputs' binary_data_size account for %zu", len - json_len,
                   bin_pos - json_len);
    goto fail;
  }
  rc = parse_outputs(cJSON_GetObjectItemCaseSensitive(root, "outputs"), req, err);
  if (rc) goto fail;
  cJSON_Delete(root);
  return TINYRT_OK;
fail:
  cJSON_Delete(root);
  trt_srv_request_free(req);
  return rc;
}

int trt_srv_outputs_select(const trt_srv_sig *sig, const trt_srv_request *req, bool want[],
                           bool binary[], tinyrt_error *err) {
  for (int o = 0; o < sig->n_outputs; o++) {
    want[o] = req->n_outputs == 0;
    binary[o] = req->binary_all;
  }
  for (int k = 0; k < req->n_outputs; k++) {
    int found = -1;
    for (int o = 0; o < sig->n_outputs && found < 0; o++)
      if (!strcmp(sig->outputs[o].name, req->outputs[k].name)) found = o;
    if (found < 0)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "unexpected inference output '%s'",
                       req->outputs[k].name);
    want[found] = true;
    binary[found] = req->outputs[k].binary;
  }
  return TINYRT_OK;
}

/* --- formatting ----------------------------------------------------------------------------- */

static int body_from_json(cJSON *root, trt_srv_body *body) {
  body->data = NULL;
  body->len = body->json_len = 0;
  if (!root) return -1;
  char *s = cJSON_PrintUnformatted(root);
  cJSON_Delete(root);
  if (!s) return -1;
  body->data = s;
  body->len = body->json_len = strlen(s);
  return 0;
}

int trt_srv_format_error(const char *msg, trt_srv_body *body) {
  cJSON *root = cJSON_CreateObject();
  if (root && !cJSON_AddStringToObject(root, "error", msg)) {
    cJSON_Delete(root);
    root = NULL;
  }
  return body_from_json(root, body);
}

/* JSON text of a tensor's elements as a flat array. float keeps 9 significant digits and double
 * 17: enough to read back the exact value. JSON has no NaN or infinity: they become null. */
static void data_text(sbuf *b, const trt_srv_tensor *t) {
  int64_t n = trt_shape_numel(t->rank, t->dims);
  char num[40];
  sb_reserve(b, (size_t)(n > 0 ? n : 0) * 8 + 2);
  sb_put(b, "[", 1);
  for (int64_t i = 0; i < n && !b->oom; i++) {
    int k = 0;
    if (i) sb_put(b, ",", 1);
    switch (t->dtype) {
      case TINYRT_FLOAT: {
        float v = ((const float *)t->data)[i];
        k = isfinite(v) ? snprintf(num, sizeof num, "%.9g", (double)v) : snprintf(num, sizeof num, "null");
        break;
      }
      case TINYRT_DOUBLE: {
        double v = ((const double *)t->data)[i];
        k = isfinite(v) ? snprintf(num, sizeof num, "%.17g", v) : snprintf(num, sizeof num, "null");
        break;
      }
      case TINYRT_BOOL:
        k = snprintf(num, sizeof num, "%s", ((const uint8_t *)t->data)[i] ? "true" : "false");
        break;
      case TINYRT_INT8: k = snprintf(num, sizeof num, "%d", ((const int8_t *)t->data)[i]); break;
      case TINYRT_INT16: k = snprintf(num, sizeof num, "%d", ((const int16_t *)t->data)[i]); break;
      case TINYRT_INT32: k = snprintf(num, sizeof num, "%d", ((const int32_t *)t->data)[i]); break;
      case TINYRT_INT64:
        k = snprintf(num, sizeof num, "%lld", (long long)((const int64_t *)t->data)[i]);
        break;
      case TINYRT_UINT8: k = snprintf(num, sizeof num, "%u", ((const uint8_t *)t->data)[i]); break;
      case TINYRT_UINT16:
        k = snprintf(num, sizeof num, "%u", ((const uint16_t *)t->data)[i]);
        break;
      case TINYRT_UINT32:
        k = snprintf(num, sizeof num, "%u", ((const uint32_t *)t->data)[i]);
        break;
      case TINYRT_UINT64:
        k = snprintf(num, sizeof num, "%llu", (unsigned long long)((const uint64_t *)t->data)[i]);
        break;
      default: k = snprintf(num, sizeof num, "null"); break;
    }
    sb_put(b, num, (size_t)k);
  }
  sb_put(b, "]", 1);
}

static cJSON *shape_json(int rank, const int64_t *dims) {
  cJSON *a = cJSON_CreateArray();
  for (int d = 0; a && d < rank; d++) {
    cJSON *n = cJSON_CreateNumber((double)dims[d]);
    if (!n || !cJSON_AddItemToArray(a, n)) {
      cJSON_Delete(n);
      cJSON_Delete(a);
      return NULL;
    }
  }
  return a;
}

static bool add_output(cJSON *outs, const char *name, const trt_srv_tensor *t, bool binary,
                       sbuf *tail) {
  cJSON *o = cJSON_CreateObject();
  if (!o || !cJSON_AddItemToArray(outs, o)) {
    cJSON_Delete(o);
    return false;
  }
  if (!cJSON_AddStringToObject(o, "name", name) ||
      !cJSON_AddStringToObject(o, "datatype", trt_srv_dtype_name(t->dtype)))
    return false;
  cJSON *shape = shape_json(t->rank, t->dims);
  if (!shape || !cJSON_AddItemToObject(o, "shape", shape)) {
    cJSON_Delete(shape);
    return false;
  }
  if (binary) {
    cJSON *p = cJSON_AddObjectToObject(o, "parameters");
    if (!p || !cJSON_AddNumberToObject(p, "binary_data_size", (double)t->nbytes)) return false;
    sb_put(tail, t->data, t->nbytes);
    return !tail->oom;
  }
  sbuf text = {0};
  data_text(&text, t);
  bool ok = !text.oom && cJSON_AddRawToObject(o, "data", text.p) != NULL;
  free(text.p);
  return ok;
}

int trt_srv_format_infer(const trt_srv_sig *sig, const char *model_name, const trt_srv_request *req,
                         const trt_srv_tensor *outs, const bool binary[], trt_srv_body *body,
                         tinyrt_error *err) {
  sbuf tail = {0};
  memset(body, 0, sizeof *body);
  cJSON *root = cJSON_CreateObject();
  bool ok = root && cJSON_AddStringToObject(root, "model_name", model_name) &&
            cJSON_AddStringToObject(root, "model_version", "1") &&
            (!req->id || cJSON_AddStringToObject(root, "id", req->id));
  cJSON *arr = ok ? cJSON_AddArrayToObject(root, "outputs") : NULL;
  ok = ok && arr;
  int order[TRT_SRV_MAX_IO], n = 0;
  if (req->n_outputs == 0) {
    for (int o = 0; o < sig->n_outputs; o++) order[n++] = o;
  } else {
    for (int k = 0; k < req->n_outputs; k++)
      for (int o = 0; o < sig->n_outputs; o++)
        if (!strcmp(sig->outputs[o].name, req->outputs[k].name)) order[n++] = o;
  }
  for (int k = 0; ok && k < n; k++) {
    int o = order[k];
    if (!outs[o].data) continue;
    ok = add_output(arr, sig->outputs[o].name, &outs[o], binary[o], &tail);
  }
  char *json = ok ? cJSON_PrintUnformatted(root) : NULL;
  cJSON_Delete(root);
  if (!json) {
    free(tail.p);
    return trt_error(err, TINYRT_ERR_NOMEM, "out of memory formatting the response");
  }
  size_t jl = strlen(json);
  if (tail.len == 0) {
    free(tail.p);
    body->data = json;
    body->len = body->json_len = jl;
    return TINYRT_OK;
  }
  body->data = malloc(jl + tail.len);
  if (!body->data) {
    free(json);
    free(tail.p);
    return trt_error(err, TINYRT_ERR_NOMEM, "out of memory formatting the response");
  }
  memcpy(body->data, json, jl);
  memcpy(body->data + jl, tail.p, tail.len);
  body->len = jl + tail.len;
  body->json_len = jl;
  free(json);
  free(tail.p);
  return TINYRT_OK;
}

int trt_srv_format_server_meta(trt_srv_body *body) {
  cJSON *root = cJSON_CreateObject();
  cJSON *ext = root ? cJSON_AddArrayToObject(root, "extensions") : NULL;
  bool ok = ext && cJSON_AddStringToObject(root, "name", "tinyrt") &&
            cJSON_AddStringToObject(root, "version", TINYRT_VERSION);
  const char *names[] = {"binary_tensor_data", "model_configuration", "statistics"};
  for (size_t i = 0; ok && i < TRT_ARRAY_LEN(names); i++) {
    cJSON *s = cJSON_CreateString(names[i]);
    ok = s && cJSON_AddItemToArray(ext, s);
    if (!ok) cJSON_Delete(s);
  }
  if (!ok) {
    cJSON_Delete(root);
    root = NULL;
  }
  return body_from_json(root, body);
}

static cJSON *io_meta(const trt_srv_io *io, bool batchable) {
  cJSON *o = cJSON_CreateObject();
  int64_t dims[TINYRT_MAX_RANK];
  int rank = io->rank < 0 ? 0 : io->rank;
  for (int d = 0; d < rank; d++) dims[d] = (d == 0 && batchable) || io->seq[d] ? -1 : io->dims[d];
  cJSON *shape = shape_json(rank, dims);
  if (!o || !shape || !cJSON_AddStringToObject(o, "name", io->name) ||
      !cJSON_AddStringToObject(o, "datatype", trt_srv_dtype_name(io->dtype)) ||
      !cJSON_AddItemToObject(o, "shape", shape)) {
    cJSON_Delete(o);
    cJSON_Delete(shape);
    return NULL;
  }
  return o;
}

static bool add_ios(cJSON *root, const char *key, const trt_srv_io *ios, int n,
                    cJSON *(*one)(const trt_srv_io *, bool), bool batchable) {
  cJSON *arr = cJSON_AddArrayToObject(root, key);
  for (int i = 0; arr && i < n; i++) {
    cJSON *o = one(&ios[i], batchable);
    if (!o || !cJSON_AddItemToArray(arr, o)) {
      cJSON_Delete(o);
      return false;
    }
  }
  return arr != NULL;
}

int trt_srv_format_model_meta(const trt_srv_sig *sig, const char *model_name, trt_srv_body *body) {
  cJSON *root = cJSON_CreateObject();
  cJSON *versions = root ? cJSON_AddArrayToObject(root, "versions") : NULL;
  cJSON *v1 = cJSON_CreateString("1");
  bool ok = versions && v1 && cJSON_AddItemToArray(versions, v1);
  if (!ok) cJSON_Delete(v1);
  ok = ok && cJSON_AddStringToObject(root, "name", model_name) &&
       cJSON_AddStringToObject(root, "platform", "tinyrt_onnx") &&
       add_ios(root, "inputs", sig->inputs, sig->n_inputs, io_meta, sig->batchable) &&
       add_ios(root, "outputs", sig->outputs, sig->n_outputs, io_meta, sig->batchable);
  if (!ok) {
    cJSON_Delete(root);
    root = NULL;
  }
  return body_from_json(root, body);
}

/* Triton spells types in model configs as TYPE_<name>, except BYTES which is TYPE_STRING. */
static cJSON *io_config(const trt_srv_io *io, bool batchable) {
  char type[32];
  snprintf(type, sizeof type, "TYPE_%s",
           io->dtype == TINYRT_STRING ? "STRING" : trt_srv_dtype_name(io->dtype));
  int64_t dims[TINYRT_MAX_RANK];
  int rank = 0;
  for (int d = batchable ? 1 : 0; d < io->rank; d++) dims[rank++] = io->seq[d] ? -1 : io->dims[d];
  cJSON *o = cJSON_CreateObject();
  cJSON *shape = shape_json(rank, dims);
  if (!o || !shape || !cJSON_AddStringToObject(o, "name", io->name) ||
      !cJSON_AddStringToObject(o, "data_type", type) || !cJSON_AddItemToObject(o, "dims", shape)) {
    cJSON_Delete(o);
    cJSON_Delete(shape);
    return NULL;
  }
  return o;
}

int trt_srv_format_model_config(const trt_srv_sig *sig, const char *model_name,
                                const trt_srv_batcher_opts *opts, trt_srv_body *body) {
  cJSON *root = cJSON_CreateObject();
  bool ok = root && cJSON_AddStringToObject(root, "name", model_name) &&
            cJSON_AddStringToObject(root, "platform", "tinyrt_onnx") &&
            cJSON_AddStringToObject(root, "backend", "tinyrt") &&
            cJSON_AddNumberToObject(root, "max_batch_size", sig->batchable ? opts->max_batch : 0) &&
            add_ios(root, "input", sig->inputs, sig->n_inputs, io_config, sig->batchable) &&
            add_ios(root, "output", sig->outputs, sig->n_outputs, io_config, sig->batchable);
  cJSON *groups = ok ? cJSON_AddArrayToObject(root, "instance_group") : NULL;
  cJSON *g = cJSON_CreateObject();
  ok = ok && groups && g && cJSON_AddItemToArray(groups, g);
  if (!ok) cJSON_Delete(g);
  ok = ok && cJSON_AddNumberToObject(g, "count", 1) && cJSON_AddStringToObject(g, "kind", "KIND_CPU");
  if (ok && sig->batchable && !opts->no_batching) {
    cJSON *db = cJSON_AddObjectToObject(root, "dynamic_batching");
    cJSON *pref = db ? cJSON_AddArrayToObject(db, "preferred_batch_size") : NULL;
    cJSON *pb = cJSON_CreateNumber(opts->max_batch);
    ok = pref && pb && cJSON_AddItemToArray(pref, pb);
    if (!ok) cJSON_Delete(pb);
    cJSON *qp = ok ? cJSON_AddObjectToObject(db, "default_queue_policy") : NULL;
    ok = ok && qp &&
         cJSON_AddNumberToObject(db, "max_queue_delay_microseconds",
                                 (double)opts->max_queue_delay_us) &&
         cJSON_AddBoolToObject(db, "preserve_ordering", 0) &&
         cJSON_AddStringToObject(qp, "timeout_action", "REJECT") &&
         cJSON_AddNumberToObject(qp, "default_timeout_microseconds", (double)opts->timeout_us) &&
         cJSON_AddBoolToObject(qp, "allow_timeout_override", 0) &&
         cJSON_AddNumberToObject(qp, "max_queue_size", opts->max_queue);
  }
  if (!ok) {
    cJSON_Delete(root);
    root = NULL;
  }
  return body_from_json(root, body);
}

static bool add_duration(cJSON *parent, const char *key, uint64_t count, double seconds) {
  cJSON *o = cJSON_AddObjectToObject(parent, key);
  return o && cJSON_AddNumberToObject(o, "count", (double)count) &&
         cJSON_AddNumberToObject(o, "ns", (double)llround(seconds * 1e9));
}

int trt_srv_format_stats(const char *model_name, const trt_srv_stats *st, trt_srv_body *body) {
  cJSON *root = cJSON_CreateObject();
  cJSON *arr = root ? cJSON_AddArrayToObject(root, "model_stats") : NULL;
  cJSON *m = cJSON_CreateObject();
  bool ok = arr && m && cJSON_AddItemToArray(arr, m);
  if (!ok) cJSON_Delete(m);
  cJSON *inf = NULL;
  ok = ok && cJSON_AddStringToObject(m, "name", model_name) &&
       cJSON_AddStringToObject(m, "version", "1") &&
       cJSON_AddNumberToObject(m, "last_inference", (double)st->last_inference_ms) &&
       cJSON_AddNumberToObject(m, "inference_count", (double)st->inferences) &&
       cJSON_AddNumberToObject(m, "execution_count", (double)st->executions) &&
       (inf = cJSON_AddObjectToObject(m, "inference_stats")) != NULL &&
       add_duration(inf, "success", st->success, st->success_s) &&
       add_duration(inf, "fail", st->fail, st->fail_s) &&
       add_duration(inf, "queue", st->queued, st->queue_s) &&
       add_duration(inf, "compute_input", st->inferences, 0) &&
       add_duration(inf, "compute_infer", st->inferences, st->compute_per_request_s) &&
       add_duration(inf, "compute_output", st->inferences, 0) &&
       add_duration(inf, "cache_hit", 0, 0) && add_duration(inf, "cache_miss", 0, 0) &&
       cJSON_AddArrayToObject(m, "batch_stats") != NULL;
  if (!ok) {
    cJSON_Delete(root);
    root = NULL;
  }
  return body_from_json(root, body);
}
