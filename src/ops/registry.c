/* Lookup of op definitions across the group tables. */
#include <string.h>

#include "ops/ops.h"

typedef struct op_group {
  const trt_op_def *defs;
  const int *count;
} op_group;

static const op_group groups[] = {
    {trt_ops_elementwise, &trt_ops_elementwise_count},
    {trt_ops_shape, &trt_ops_shape_count},
    {trt_ops_math, &trt_ops_math_count},
    {trt_ops_reduce, &trt_ops_reduce_count},
    {trt_ops_fused, &trt_ops_fused_count},
    {trt_ops_packed, &trt_ops_packed_count},
    {trt_ops_embed, &trt_ops_embed_count},
};

const trt_op_def *trt_op_get(int id) {
  for (size_t g = 0; g < TRT_ARRAY_LEN(groups); g++)
    for (int i = 0; i < *groups[g].count; i++)
      if ((int)groups[g].defs[i].id == id) return &groups[g].defs[i];
  return NULL;
}

static bool is_default_domain(const char *d) { return !d || !*d || strcmp(d, "ai.onnx") == 0; }

const trt_op_def *trt_op_find(const char *domain, const char *op_type) {
  for (size_t g = 0; g < TRT_ARRAY_LEN(groups); g++) {
    for (int i = 0; i < *groups[g].count; i++) {
      const trt_op_def *d = &groups[g].defs[i];
      bool same_domain = is_default_domain(domain) ? is_default_domain(d->domain)
                                                   : strcmp(domain, d->domain) == 0;
      if (same_domain && strcmp(d->name, op_type) == 0) return d;
    }
  }
  return NULL;
}

int trt_broadcast_shapes(int ra, const int64_t *da, int rb, const int64_t *db, int *r_out,
                         int64_t *d_out, tinyrt_error *err) {
  int r = ra > rb ? ra : rb;
  for (int i = 0; i < r; i++) {
    int ia = i - (r - ra), ib = i - (r - rb);
    int64_t a = ia >= 0 ? da[ia] : 1, b = ib >= 0 ? db[ib] : 1;
    if (a == b || b == 1) {
      d_out[i] = a;
    } else if (a == 1) {
      d_out[i] = b;
    } else {
      char sa[160], sb[160];
      return trt_error(err, TINYRT_ERR_SHAPE, "cannot broadcast shapes %s and %s (dim %d: %lld vs %lld)",
                       trt_shape_str(ra, da, sa, sizeof sa), trt_shape_str(rb, db, sb, sizeof sb), i,
                       (long long)a, (long long)b);
    }
  }
  *r_out = r;
  return TINYRT_OK;
}

int trt_normalize_axis(int64_t axis, int rank, int *out, tinyrt_error *err) {
  if (axis < -rank || axis >= rank)
    return trt_error(err, TINYRT_ERR_MODEL, "axis %lld is out of range for rank %d",
                     (long long)axis, rank);
  *out = (int)(axis < 0 ? axis + rank : axis);
  return TINYRT_OK;
}

int64_t trt_tensor_get_int(const trt_tensor *t, size_t i) {
  switch (t->dtype) {
    case TINYRT_INT64: return ((const int64_t *)t->data)[i];
    case TINYRT_INT32: return ((const int32_t *)t->data)[i];
    default: return 0;
  }
}
