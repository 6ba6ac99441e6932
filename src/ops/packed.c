/* Ops of padding removal (domain "tinyrt"), inserted by src/opt/remove_padding.c:
 *
 *   PackTokens(x [B, S, ...], mask [B, S])   → y [T, ...]: the rows x[b, s] with mask[b, s] = 1,
 *                                              in row-major order; T = number of ones.
 *   UnpackTokens(y [T, ...], mask [B, S])    → x [B, S, ...]: y's rows back in place, zeros at
 *                                              positions whose mask is 0.
 *   PackedAttention(x [T, Hin], W [Hin, 3H], bias [3H], mask [B, S])
 *                                            → [T, H]: tinyrt's Attention where each sequence's
 *                                              packed tokens attend to each other only. For the
 *                                              real tokens this is what Attention computes over
 *                                              the padded batch when masked keys get weight 0 —
 *                                              which the Attention fusion guarantees (additive
 *                                              mask ≤ -1e4).
 * The mask must hold only 0 and 1 (an attention_mask); anything else is an error naming the
 * value, since packing would then change the results. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"

static int check_mask(const trt_tensor *m, int64_t *ones, tinyrt_error *err) {
  if (m->dtype != TINYRT_INT64 && m->dtype != TINYRT_INT32)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "mask must be int64 or int32, got %s",
                     tinyrt_dtype_name(m->dtype));
  if (m->rank != 2) return trt_error(err, TINYRT_ERR_SHAPE, "mask must have rank 2, got %d", m->rank);
  if (!m->data) return TRT_NEED_VALUE;
  int64_t n = 0, total = (int64_t)trt_tensor_numel(m);
  for (int64_t i = 0; i < total; i++) {
    int64_t v = trt_tensor_get_int(m, (size_t)i);
    if (v != 0 && v != 1)
      return trt_error(err, TINYRT_ERR_ARGUMENT,
                       "padding removal needs an attention mask of 0s and 1s; element %lld is %lld",
                       (long long)i, (long long)v);
    n += v;
  }
  *ones = n;
  return TINYRT_OK;
}

static size_t row_bytes(const trt_tensor *t, int from_dim) {
  size_t n = tinyrt_dtype_size(t->dtype);
  for (int d = from_dim; d < t->rank; d++) n *= (size_t)t->dims[d];
  return n;
}

/* --- PackTokens ------------------------------------------------------------------------------ */

static int infer_pack(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *x = &c->in[0], *m = &c->in[1];
  if (x->rank < 2 || m->rank != 2 || x->dims[0] != m->dims[0] || x->dims[1] != m->dims[1])
    return trt_error(err, TINYRT_ERR_SHAPE, "input must be [B, S, ...] with mask [B, S]");
  int64_t ones = 0;
  int rc = check_mask(m, &ones, err);
  if (rc) return rc;
  c->out[0].dtype = x->dtype;
  c->out[0].rank = x->rank - 1;
  c->out[0].dims[0] = ones;
  for (int d = 2; d < x->rank; d++) c->out[0].dims[d - 1] = x->dims[d];
  return TINYRT_OK;
}

static int ref_pack(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                    tinyrt_error *err) {
  const trt_tensor *x = &in[0], *m = &in[1];
  size_t rb = row_bytes(x, 2), tokens = trt_tensor_numel(m), t = 0;
  for (size_t i = 0; i < tokens; i++) {
    if (!trt_tensor_get_int(m, i)) continue;
    if ((int64_t)t >= out[0].dims[0])
      return trt_error(err, TINYRT_ERR_SHAPE, "mask has more ones than the output has rows");
    memcpy((char *)out[0].data + t * rb, (const char *)x->data + i * rb, rb);
    t++;
  }
  return TINYRT_OK;
}

/* --- UnpackTokens ---------------------------------------------------------------------------- */

static int infer_unpack(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *y = &c->in[0], *m = &c->in[1];
  if (y->rank < 1 || m->rank != 2 || y->rank + 1 > TRT_MAX_RANK)
    return trt_error(err, TINYRT_ERR_SHAPE, "input must be [T, ...] with mask [B, S]");
  c->out[0].dtype = y->dtype;
  c->out[0].rank = y->rank + 1;
  c->out[0].dims[0] = m->dims[0];
  c->out[0].dims[1] = m->dims[1];
  for (int d = 1; d < y->rank; d++) c->out[0].dims[d + 1] = y->dims[d];
  return TINYRT_OK;
}

static int ref_unpack(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                      int n_out, tinyrt_error *err) {
  const trt_tensor *y = &in[0], *m = &in[1];
  size_t rb = row_bytes(y, 1), tokens = trt_tensor_numel(m), t = 0;
  for (size_t i = 0; i < tokens; i++) {
    char *dst = (char *)out[0].data + i * rb;
    if (!trt_tensor_get_int(m, i)) {
      memset(dst, 0, rb);
      continue;
    }
    if ((int64_t)t >= y->dims[0])
      return trt_error(err, TINYRT_ERR_SHAPE, "mask has %zu or more ones, the input %lld rows", t + 1,
                       (long long)y->dims[0]);
    memcpy(dst, (const char *)y->data + t * rb, rb);
    t++;
  }
  if ((int64_t)t != y->dims[0])
    return trt_error(err, TINYRT_ERR_SHAPE, "mask has %zu ones, the input %lld rows", t,
                     (long long)y->dims[0]);
  return TINYRT_OK;
}

/* --- PackedAttention ------------------------------------------------------------------------- */

static int infer_packed_attention(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *x = &c->in[0], *w = &c->in[1], *m = &c->in[3];
  if (x->dtype != TINYRT_FLOAT || w->dtype != TINYRT_FLOAT)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "input and weights must be float");
  if (x->rank != 2 || w->rank != 2 || w->dims[0] != x->dims[1] || w->dims[1] % 3)
    return trt_error(err, TINYRT_ERR_SHAPE, "input must be [T, Hin] and weights [Hin, 3H]");
  int64_t heads = trt_attr_int(c->node, "num_heads", 0), hidden = w->dims[1] / 3;
  if (heads < 1 || hidden % heads)
    return trt_error(err, TINYRT_ERR_MODEL, "num_heads %lld must divide hidden %lld",
                     (long long)heads, (long long)hidden);
  if (c->n_in > 2 && c->in[2].dtype != TINYRT_UNDEFINED &&
      (c->in[2].dtype != TINYRT_FLOAT || (int64_t)trt_tensor_numel(&c->in[2]) != 3 * hidden))
    return trt_error(err, TINYRT_ERR_SHAPE, "bias must be float [%lld]", (long long)(3 * hidden));
  if (m->dtype != TINYRT_INT64 && m->dtype != TINYRT_INT32)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "mask must be int64 or int32");
  if (m->rank != 2) return trt_error(err, TINYRT_ERR_SHAPE, "mask must have rank 2");
  c->out[0].dtype = TINYRT_FLOAT;
  c->out[0].rank = 2;
  c->out[0].dims[0] = x->dims[0];
  c->out[0].dims[1] = hidden;
  return TINYRT_OK;
}

static int ref_packed_attention(trt_kernel_ctx *k, const trt_tensor *in, int n_in,
                                trt_tensor *out, int n_out, tinyrt_error *err) {
  const trt_tensor *x = &in[0], *w = &in[1], *m = &in[3];
  const float *bias = n_in > 2 && in[2].dtype != TINYRT_UNDEFINED ? in[2].data : NULL;
  int64_t T = x->dims[0], Hin = x->dims[1], H = w->dims[1] / 3, H3 = 3 * H;
  int64_t heads = trt_attr_int(k->node, "num_heads", 1), hs = H / heads;
  float scale = trt_attr_float(k->node, "scale", 1.0f / sqrtf((float)hs));
  int64_t ones = 0;
  int rc = check_mask(m, &ones, err);
  if (rc) return rc;
  if (ones != T)
    return trt_error(err, TINYRT_ERR_SHAPE, "mask has %lld ones, the input %lld tokens",
                     (long long)ones, (long long)T);
  int64_t B = m->dims[0], S = m->dims[1];
  float *qkv = malloc(sizeof(float) * (size_t)(T * H3 + S) + 1);
  if (!qkv) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  double *p = malloc(sizeof(double) * (size_t)S + 1);
  if (!p) {
    free(qkv);
    return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  }
  const float *xd = x->data, *wd = w->data;
  for (int64_t t = 0; t < T; t++)
    for (int64_t j = 0; j < H3; j++) {
      float acc = 0;
      for (int64_t q = 0; q < Hin; q++) acc += xd[t * Hin + q] * wd[q * H3 + j];
      qkv[t * H3 + j] = bias ? acc + bias[j] : acc;
    }
  float *y = out[0].data;
  int64_t off = 0;
  for (int64_t b = 0; b < B; b++) {
    int64_t len = 0;
    for (int64_t s = 0; s < S; s++) len += trt_tensor_get_int(m, (size_t)(b * S + s));
    for (int64_t h = 0; h < heads; h++)
      for (int64_t i = 0; i < len; i++) {
        const float *q = qkv + (off + i) * H3 + h * hs;
        double mx = -INFINITY, sum = 0;
        for (int64_t j = 0; j < len; j++) {
          const float *kk = qkv + (off + j) * H3 + H + h * hs;
          float dot = 0;
          for (int64_t d = 0; d < hs; d++) dot += q[d] * kk[d];
          p[j] = (double)(dot * scale);
          if (p[j] > mx) mx = p[j];
        }
        for (int64_t j = 0; j < len; j++) sum += (p[j] = exp(p[j] - mx));
        float *yo = y + (off + i) * H + h * hs;
        for (int64_t d = 0; d < hs; d++) {
          double acc = 0;
          for (int64_t j = 0; j < len; j++) acc += p[j] / sum * qkv[(off + j) * H3 + 2 * H + h * hs + d];
          yo[d] = (float)acc;
        }
      }
    off += len;
  }
  free(p);
  free(qkv);
  return TINYRT_OK;
}

const trt_op_def trt_ops_packed[] = {
    {TRT_OP_PACK_TOKENS, "PackTokens", "tinyrt", 1, 2, 2, 1, 1, infer_pack, ref_pack, NULL},
    {TRT_OP_UNPACK_TOKENS, "UnpackTokens", "tinyrt", 1, 2, 2, 1, 1, infer_unpack, ref_unpack, NULL},
    {TRT_OP_PACKED_ATTENTION, "PackedAttention", "tinyrt", 1, 4, 4, 1, 1, infer_packed_attention,
     ref_packed_attention, NULL},
};
const int trt_ops_packed_count = (int)TRT_ARRAY_LEN(trt_ops_packed);
