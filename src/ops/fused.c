/* Ops made by the graph optimizer (src/opt): shape inference and reference kernels.
 *
 * Semantics (float32 only; every op normalizes or transforms along the last axis):
 *
 *   Gelu (com.microsoft)            y = 0.5·x·(1 + erf(x/√2))
 *   FastGelu (com.microsoft)        y = 0.5·u·(1 + tanh(√(2/π)·(u + 0.044715·u³))), u = x (+ bias)
 *   BiasGelu (com.microsoft)        y = Gelu(a + bias), bias 1-D over the last axis
 *   SkipLayerNormalization          s = input (+ bias) + skip; y = LN(s)·γ (+ β) over the last axis,
 *     (com.microsoft)               attribute epsilon (default 1e-12); outputs y and optionally s
 *                                   (4th output, input_skip_bias_sum); mean and inv_std_var
 *                                   (outputs 2, 3) are not supported.
 *   FusedGemm (tinyrt)              y = act(A·B (+ bias)), A [..., K], B [K, N] (2-D), bias [N];
 *                                   attribute activation: "none" (default), "gelu" (erf),
 *                                   "gelu_tanh" (the FastGelu formula).
 *   GemmSkipLayerNorm (tinyrt)      FusedGemm (activation none) feeding SkipLayerNormalization:
 *                                   inputs A [..., K], B [K, N], bias [N] (optional), skip (the
 *                                   GEMM output's shape), gamma [N], beta [N] (optional),
 *                                   skip_bias [N] (optional); attribute epsilon (default 1e-12).
 *                                   g = A·B (+ bias); s = (g (+ skip_bias)) + skip;
 *                                   y = LN(s)·γ (+ β) over the last axis. Outputs y and optionally
 *                                   s (output 1). Made by the optimizer so that the CPU EP can
 *                                   normalize each block of rows while the GEMM still has it in
 *                                   cache.
 *   Attention (tinyrt)              BERT self-attention over merged projections:
 *                                   X [B,S,Hin], W [Hin, 3H], bias [3H] (optional), mask [B,S]
 *                                   (optional; int64, int32 or float). qkv = X·W + bias, split into
 *                                   Q | K | V, each into num_heads heads of H/num_heads columns.
 *                                   For key j of batch row b, m = (float)mask[b,j] and the additive
 *                                   mask term is a = (1 − m)·mask_filter_value (mask_where = 0, the
 *                                   classic HF export) or a = ((1 − m) ≠ 0 ? mask_filter_value :
 *                                   1 − m) (mask_where = 1, the masked_fill export); a = 0 without
 *                                   a mask. scores x_j = (q·k_j)·scale + a_j, p = softmax(x),
 *                                   y = Σ p_j·v_j, heads concatenated: Y [B,S,H].
 *                                   Keys whose a_j ≤ -1e4 are skipped when the row has any other
 *                                   key: their exp() underflows to exactly 0 in float32, so the
 *                                   result is the full softmax's. A row with no such other key
 *                                   takes the softmax over every key with its a_j, exactly like
 *                                   the unfused graph (uniform weights for a mask of finfo.min).
 *
 * The reference kernels evaluate each formula in the order the exported decomposed graph does
 * (e.g. Gelu divides by √2 rather than multiplying by 1/√2), so that fused and unfused graphs on the
 * ref EP differ only by the summation order inside reductions and products. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"

/* Below this additive mask value a key's softmax weight is exactly 0 whenever the row has a key
 * without mask: exp(-1e4 + O(scores)) underflows float32 (whose smallest denormal is e^-103). */
#define ATTN_SKIP_BELOW (-1e4f)

static int need_float(const trt_tensor *t, const char *what, tinyrt_error *err) {
  if (t->dtype != TINYRT_FLOAT)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "%s has type %s; only float is supported", what,
                     tinyrt_dtype_name(t->dtype));
  return TINYRT_OK;
}

static bool present(const trt_infer_ctx *c, int i) {
  return i < c->n_in && c->in[i].dtype != TINYRT_UNDEFINED;
}

/* A 1-D tensor of n elements (the per-channel parameters: bias, gamma, beta). */
static int need_vector(const trt_tensor *t, int64_t n, const char *what, tinyrt_error *err) {
  int rc = need_float(t, what, err);
  if (rc) return rc;
  if (t->rank != 1 || t->dims[0] != n) {
    char sh[160];
    return trt_error(err, TINYRT_ERR_SHAPE, "%s must have shape [%lld], got %s", what,
                     (long long)n, trt_shape_str(t->rank, t->dims, sh, sizeof sh));
  }
  return TINYRT_OK;
}

static void copy_shape(trt_tensor *out, const trt_tensor *in) {
  out->dtype = in->dtype;
  out->rank = in->rank;
  memcpy(out->dims, in->dims, sizeof(int64_t) * (size_t)in->rank);
}

static int64_t last_dim(const trt_tensor *t) { return t->rank ? t->dims[t->rank - 1] : 1; }

/* --- GELU family ---------------------------------------------------------------------------- */

static inline float gelu_erf(float x) { return x * (erff(x / 1.41421356f) + 1.0f) * 0.5f; }

static inline float gelu_tanh(float x) {
  float cube = x * (x * x);
  return x * (tanhf(0.797884583f * (x + 0.044715f * cube)) + 1.0f) * 0.5f;
}

/* X and, when bias_index < n_in and present, a bias over the last axis. */
static int infer_act(trt_infer_ctx *c, int bias_index, bool bias_required, tinyrt_error *err) {
  int rc = need_float(&c->in[0], "input", err);
  if (rc) return rc;
  if (c->in[0].rank < 1 && present(c, bias_index))
    return trt_error(err, TINYRT_ERR_SHAPE, "a bias needs an input of rank >= 1");
  if (bias_required && !present(c, bias_index))
    return trt_error(err, TINYRT_ERR_MODEL, "the bias input is missing");
  if (present(c, bias_index) &&
      (rc = need_vector(&c->in[bias_index], last_dim(&c->in[0]), "bias", err)))
    return rc;
  copy_shape(&c->out[0], &c->in[0]);
  return TINYRT_OK;
}

static int infer_gelu(trt_infer_ctx *c, tinyrt_error *err) { return infer_act(c, 1, false, err); }
static int infer_bias_gelu(trt_infer_ctx *c, tinyrt_error *err) { return infer_act(c, 1, true, err); }

static int ref_gelu(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                    tinyrt_error *err) {
  const float *x = in[0].data;
  float *y = out[0].data;
  size_t n = trt_tensor_numel(&in[0]);
  for (size_t i = 0; i < n; i++) y[i] = gelu_erf(x[i]);
  return TINYRT_OK;
}

/* FastGelu and BiasGelu: optional bias over the last axis, then the activation. */
static int ref_biased(const trt_tensor *in, int n_in, trt_tensor *out, bool tanh_form) {
  const float *x = in[0].data;
  const float *b = n_in > 1 && in[1].dtype != TINYRT_UNDEFINED ? in[1].data : NULL;
  float *y = out[0].data;
  size_t n = trt_tensor_numel(&in[0]), h = (size_t)last_dim(&in[0]);
  for (size_t i = 0; i < n; i++) {
    float u = b ? x[i] + b[i % h] : x[i];
    y[i] = tanh_form ? gelu_tanh(u) : gelu_erf(u);
  }
  return TINYRT_OK;
}

static int ref_fast_gelu(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                         int n_out, tinyrt_error *err) {
  return ref_biased(in, n_in, out, true);
}

static int ref_bias_gelu(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                         int n_out, tinyrt_error *err) {
  return ref_biased(in, n_in, out, false);
}

/* --- SkipLayerNormalization ----------------------------------------------------------------- */

static int infer_skip_ln(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *x = &c->in[0], *skip = &c->in[1];
  int rc;
  if ((rc = need_float(x, "input", err)) || (rc = need_float(skip, "skip", err))) return rc;
  if (x->rank < 1) return trt_error(err, TINYRT_ERR_SHAPE, "input must have rank >= 1");
  if (skip->rank != x->rank || memcmp(skip->dims, x->dims, sizeof(int64_t) * (size_t)x->rank)) {
    char a[160], b[160];
    return trt_error(err, TINYRT_ERR_SHAPE, "skip %s must have the input's shape %s",
                     trt_shape_str(skip->rank, skip->dims, b, sizeof b),
                     trt_shape_str(x->rank, x->dims, a, sizeof a));
  }
  int64_t h = last_dim(x);
  if ((rc = need_vector(&c->in[2], h, "gamma", err))) return rc;
  if (present(c, 3) && (rc = need_vector(&c->in[3], h, "beta", err))) return rc;
  if (present(c, 4) && (rc = need_vector(&c->in[4], h, "bias", err))) return rc;
  const trt_node *n = c->node;
  for (int i = 1; i < 3 && n && i < n->n_outputs; i++)
    if (n->outputs[i] >= 0)
      return trt_error(err, TINYRT_ERR_UNSUPPORTED,
                       "the mean and inv_std_var outputs are not supported");
  copy_shape(&c->out[0], x);
  if (c->n_out > 3) copy_shape(&c->out[3], x);
  return TINYRT_OK;
}

/* The SkipLayerNormalization of rows × h values; x may be y (in place: each element is read
 * before it is written). beta, bias and sum_out may be NULL. */
static void skip_ln_rows(const float *x, const float *skip, const float *gamma, const float *beta,
                         const float *bias, float eps, size_t rows, size_t h, float *y,
                         float *sum_out) {
  /* The sum is formed in float as the unfused Add nodes do ((input + bias) + skip), then
   * normalized as LayerNormalization's reference kernel does (trt_ln_row_ref). */
  for (size_t r = 0; r < rows; r++) {
    const float *xr = x + r * h, *sr = skip + r * h;
    float *yr = y + r * h;
    double sum = 0;
    for (size_t i = 0; i < h; i++) {
      yr[i] = (bias ? xr[i] + bias[i] : xr[i]) + sr[i];
      sum += yr[i];
    }
    if (sum_out) memcpy(sum_out + r * h, yr, h * sizeof(float));
    trt_ln_row_ref(yr, h, sum, eps, gamma, beta);
  }
}

void trt_ln_row_ref(float *y, size_t h, double sum, float eps, const float *gamma,
                    const float *beta) {
  double mean = sum / (double)h, sq = 0;
  for (size_t i = 0; i < h; i++) sq += (y[i] - mean) * (y[i] - mean);
  double inv = 1.0 / sqrt(sq / (double)h + eps);
  for (size_t i = 0; i < h; i++) {
    double v = (y[i] - mean) * inv * gamma[i];
    if (beta) v += beta[i];
    y[i] = (float)v;
  }
}

static const float *opt_data(const trt_tensor *in, int n_in, int i) {
  return i < n_in && in[i].dtype != TINYRT_UNDEFINED ? in[i].data : NULL;
}

static int ref_skip_ln(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                       int n_out, tinyrt_error *err) {
  float *sum_out = n_out > 3 && out[3].data ? out[3].data : NULL;
  float eps = trt_attr_float(k->node, "epsilon", 1e-12f);
  size_t h = (size_t)last_dim(&in[0]), rows = h ? trt_tensor_numel(&in[0]) / h : 0;
  skip_ln_rows(in[0].data, in[1].data, in[2].data, opt_data(in, n_in, 3), opt_data(in, n_in, 4),
               eps, rows, h, out[0].data, sum_out);
  return TINYRT_OK;
}

/* --- FusedGemm ------------------------------------------------------------------------------ */

typedef enum gemm_act { ACT_NONE, ACT_GELU, ACT_GELU_TANH } gemm_act;

static int gemm_activation(const trt_node *n, gemm_act *act, tinyrt_error *err) {
  const char *s = n ? trt_attr_string(n, "activation", "none") : "none";
  if (!strcmp(s, "none")) *act = ACT_NONE;
  else if (!strcmp(s, "gelu")) *act = ACT_GELU;
  else if (!strcmp(s, "gelu_tanh")) *act = ACT_GELU_TANH;
  else
    return trt_error(err, TINYRT_ERR_MODEL,
                     "activation '%s' is not one of none, gelu, gelu_tanh", s);
  return TINYRT_OK;
}

static int infer_fused_gemm(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *a = &c->in[0], *b = &c->in[1];
  int rc;
  gemm_act act = ACT_NONE;
  if ((rc = need_float(a, "A", err)) || (rc = need_float(b, "B", err))) return rc;
  if ((rc = gemm_activation(c->node, &act, err))) return rc;
  if (a->rank < 1 || b->rank != 2)
    return trt_error(err, TINYRT_ERR_SHAPE, "A must have rank >= 1 and B rank 2 (got %d and %d)",
                     a->rank, b->rank);
  if (last_dim(a) != b->dims[0])
    return trt_error(err, TINYRT_ERR_SHAPE, "A's last dim %lld does not match B's rows %lld",
                     (long long)last_dim(a), (long long)b->dims[0]);
  if (present(c, 2) && (rc = need_vector(&c->in[2], b->dims[1], "bias", err))) return rc;
  copy_shape(&c->out[0], a);
  c->out[0].dims[a->rank - 1] = b->dims[1];
  return TINYRT_OK;
}

/* y [m, nd] = act(a [m, kd] · b [kd, nd] (+ bias)): MatMul's reference loop order, then the
 * bias and the activation one element at a time. */
static void gemm_rows(const float *a, const float *b, const float *bias, gemm_act act, size_t m,
                      size_t kd, size_t nd, float *y) {
  for (size_t i = 0; i < m; i++) {
    float *yr = y + i * nd;
    for (size_t j = 0; j < nd; j++) yr[j] = 0;
    for (size_t p = 0; p < kd; p++) {
      float av = a[i * kd + p];
      const float *br = b + p * nd;
      for (size_t j = 0; j < nd; j++) yr[j] += av * br[j];
    }
    for (size_t j = 0; j < nd; j++) {
      float v = bias ? yr[j] + bias[j] : yr[j];
      yr[j] = act == ACT_GELU ? gelu_erf(v) : act == ACT_GELU_TANH ? gelu_tanh(v) : v;
    }
  }
}

/* Rows of A: from A when K > 0, else from the output (A is then [..., 0]). */
static size_t gemm_m(const trt_tensor *a, const trt_tensor *b, const trt_tensor *y) {
  size_t kd = (size_t)b->dims[0], nd = (size_t)b->dims[1];
  return kd ? trt_tensor_numel(a) / kd : trt_tensor_numel(y) / (nd ? nd : 1);
}

static int ref_fused_gemm(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                          int n_out, tinyrt_error *err) {
  gemm_act act = ACT_NONE;
  int rc = gemm_activation(k->node, &act, err);
  if (rc) return rc;
  gemm_rows(in[0].data, in[1].data, opt_data(in, n_in, 2), act, gemm_m(&in[0], &in[1], &out[0]),
            (size_t)in[1].dims[0], (size_t)in[1].dims[1], out[0].data);
  return TINYRT_OK;
}

/* --- GemmSkipLayerNorm ---------------------------------------------------------------------- */

/* Inputs: 0 A, 1 B, 2 bias (optional), 3 skip, 4 gamma, 5 beta (optional), 6 skip_bias
 * (optional); outputs: 0 Y, 1 the pre-normalization sum (optional). */
static int infer_gemm_skip_ln(trt_infer_ctx *c, tinyrt_error *err) {
  trt_infer_ctx g = *c; /* the GEMM part is FusedGemm's with activation none */
  g.n_in = present(c, 2) ? 3 : 2;
  g.n_out = 1;
  g.node = NULL;
  int rc = infer_fused_gemm(&g, err);
  if (rc) return rc;
  const trt_tensor *y = &c->out[0], *skip = &c->in[3];
  if ((rc = need_float(skip, "skip", err))) return rc;
  if (skip->rank != y->rank || memcmp(skip->dims, y->dims, sizeof(int64_t) * (size_t)y->rank)) {
    char a[160], b[160];
    return trt_error(err, TINYRT_ERR_SHAPE, "skip %s must have the GEMM output's shape %s",
                     trt_shape_str(skip->rank, skip->dims, b, sizeof b),
                     trt_shape_str(y->rank, y->dims, a, sizeof a));
  }
  int64_t h = last_dim(y);
  if ((rc = need_vector(&c->in[4], h, "gamma", err))) return rc;
  if (present(c, 5) && (rc = need_vector(&c->in[5], h, "beta", err))) return rc;
  if (present(c, 6) && (rc = need_vector(&c->in[6], h, "skip_bias", err))) return rc;
  if (c->n_out > 1) copy_shape(&c->out[1], y);
  return TINYRT_OK;
}

static int ref_gemm_skip_ln(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                            int n_out, tinyrt_error *err) {
  size_t m = gemm_m(&in[0], &in[1], &out[0]), nd = (size_t)in[1].dims[1];
  float *y = out[0].data;
  /* exactly FusedGemm (activation none) into Y, then SkipLayerNormalization of Y in place */
  gemm_rows(in[0].data, in[1].data, opt_data(in, n_in, 2), ACT_NONE, m, (size_t)in[1].dims[0], nd,
            y);
  skip_ln_rows(y, in[3].data, in[4].data, opt_data(in, n_in, 5), opt_data(in, n_in, 6),
               trt_attr_float(k->node, "epsilon", 1e-12f), m, nd, y,
               n_out > 1 && out[1].data ? out[1].data : NULL);
  return TINYRT_OK;
}

/* --- Attention ------------------------------------------------------------------------------ */

typedef struct attn_dims {
  int64_t batch, seq, in_hidden, hidden, heads, head_size;
} attn_dims;

static int attn_check(const trt_node *n, const trt_tensor *in, int n_in, attn_dims *d,
                      tinyrt_error *err) {
  const trt_tensor *x = &in[0], *w = &in[1];
  int rc;
  if ((rc = need_float(x, "input", err)) || (rc = need_float(w, "weights", err))) return rc;
  if (x->rank != 3) return trt_error(err, TINYRT_ERR_SHAPE, "input must have rank 3, got %d", x->rank);
  if (w->rank != 2 || w->dims[0] != x->dims[2] || w->dims[1] % 3)
    return trt_error(err, TINYRT_ERR_SHAPE,
                     "weights must have shape [%lld, 3*hidden], got rank %d [%lld, %lld]",
                     (long long)x->dims[2], w->rank, (long long)w->dims[0],
                     (long long)(w->rank > 1 ? w->dims[1] : 0));
  d->batch = x->dims[0];
  d->seq = x->dims[1];
  d->in_hidden = x->dims[2];
  d->hidden = w->dims[1] / 3;
  d->heads = n ? trt_attr_int(n, "num_heads", 0) : 0;
  if (d->heads < 1 || d->hidden % d->heads)
    return trt_error(err, TINYRT_ERR_MODEL, "num_heads %lld must be >= 1 and divide hidden %lld",
                     (long long)d->heads, (long long)d->hidden);
  d->head_size = d->hidden / d->heads;
  if (n_in > 2 && in[2].dtype != TINYRT_UNDEFINED &&
      (rc = need_vector(&in[2], 3 * d->hidden, "bias", err)))
    return rc;
  if (n_in > 3 && in[3].dtype != TINYRT_UNDEFINED) {
    const trt_tensor *m = &in[3];
    if (m->dtype != TINYRT_INT64 && m->dtype != TINYRT_INT32 && m->dtype != TINYRT_FLOAT)
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "mask has type %s; int64, int32 or float needed",
                       tinyrt_dtype_name(m->dtype));
    if (m->rank != 2 || m->dims[0] != d->batch || m->dims[1] != d->seq)
      return trt_error(err, TINYRT_ERR_SHAPE, "mask must have shape [%lld, %lld]",
                       (long long)d->batch, (long long)d->seq);
  }
  return TINYRT_OK;
}

static int infer_attention(trt_infer_ctx *c, tinyrt_error *err) {
  attn_dims d = {0};
  int rc = attn_check(c->node, c->in, c->n_in, &d, err);
  if (rc) return rc;
  c->out[0].dtype = TINYRT_FLOAT;
  c->out[0].rank = 3;
  c->out[0].dims[0] = d.batch;
  c->out[0].dims[1] = d.seq;
  c->out[0].dims[2] = d.hidden;
  return TINYRT_OK;
}

/* One batch row's projections (seq × 3·hidden) and one row of scores (seq). */
static size_t attn_scratch_floats(const attn_dims *d) {
  return (size_t)d->seq * (size_t)(3 * d->hidden) + (size_t)d->seq;
}

static size_t scratch_attention(const trt_kernel_ctx *k, const trt_tensor *in, int n_in,
                                const trt_tensor *out, int n_out) {
  attn_dims d = {0};
  if (attn_check(k->node, in, n_in, &d, NULL)) return 0;
  return attn_scratch_floats(&d) * sizeof(float);
}

static float mask_term(const trt_tensor *m, size_t i, bool where, float filter) {
  float v = m->dtype == TINYRT_FLOAT ? ((const float *)m->data)[i] : (float)trt_tensor_get_int(m, i);
  float inv = 1.0f - v;
  if (where) return inv != 0.0f ? filter : inv;
  return inv * filter;
}

static int ref_attention(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                         int n_out, tinyrt_error *err) {
  attn_dims d = {0};
  int rc = attn_check(k->node, in, n_in, &d, err);
  if (rc) return rc;
  const float *x = in[0].data, *w = in[1].data;
  const float *bias = n_in > 2 && in[2].dtype != TINYRT_UNDEFINED ? in[2].data : NULL;
  const trt_tensor *mask = n_in > 3 && in[3].dtype != TINYRT_UNDEFINED ? &in[3] : NULL;
  float scale = trt_attr_float(k->node, "scale", 1.0f / sqrtf((float)d.head_size));
  float filter = trt_attr_float(k->node, "mask_filter_value", -10000.0f);
  bool where = trt_attr_int(k->node, "mask_where", 0) != 0;
  size_t S = (size_t)d.seq, H = (size_t)d.hidden, H3 = 3 * H, Hin = (size_t)d.in_hidden;
  size_t hs = (size_t)d.head_size, need = attn_scratch_floats(&d) * sizeof(float);
  /* The ref EP provides scratch; direct callers (tests, plan-time folding) may not. */
  float *qkv = k->scratch, *owned = NULL;
  if (!qkv || k->scratch_size < need) {
    qkv = owned = malloc(need ? need : 1);
    if (!owned) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory (%zu bytes)", need);
  }
  float *row = qkv + S * H3;
  float *y = out[0].data;
  for (size_t b = 0; b < (size_t)d.batch; b++) {
    const float *xb = x + b * S * Hin;
    for (size_t i = 0; i < S; i++) {
      float *r = qkv + i * H3;
      for (size_t j = 0; j < H3; j++) r[j] = 0;
      for (size_t p = 0; p < Hin; p++) {
        float xv = xb[i * Hin + p];
        const float *wr = w + p * H3;
        for (size_t j = 0; j < H3; j++) r[j] += xv * wr[j];
      }
      if (bias)
        for (size_t j = 0; j < H3; j++) r[j] += bias[j];
    }
    bool any_kept = !mask;
    for (size_t j = 0; j < S && !any_kept; j++)
      any_kept = mask_term(mask, b * S + j, where, filter) > ATTN_SKIP_BELOW;
    for (size_t h = 0; h < (size_t)d.heads; h++) {
      for (size_t i = 0; i < S; i++) {
        const float *q = qkv + i * H3 + h * hs;
        /* scores in float as the unfused graph stores them; softmax in double like the Softmax
         * reference kernel; skipped keys keep -inf and get weight 0 */
        double mx = -INFINITY;
        for (size_t j = 0; j < S; j++) {
          float a = mask ? mask_term(mask, b * S + j, where, filter) : 0.0f;
          if (any_kept && a <= ATTN_SKIP_BELOW) {
            row[j] = -INFINITY;
            continue;
          }
          const float *kk = qkv + j * H3 + H + h * hs;
          float dot = 0;
          for (size_t p = 0; p < hs; p++) dot += q[p] * kk[p];
          row[j] = dot * scale + a;
          mx = fmax(mx, (double)row[j]);
        }
        double sum = 0;
        for (size_t j = 0; j < S; j++)
          if (row[j] != -INFINITY) sum += exp((double)row[j] - mx);
        float *yo = y + (b * S + i) * H + h * hs;
        for (size_t p = 0; p < hs; p++) yo[p] = 0;
        for (size_t j = 0; j < S; j++) {
          if (row[j] == -INFINITY) continue;
          float pj = (float)(exp((double)row[j] - mx) / sum);
          const float *vv = qkv + j * H3 + 2 * H + h * hs;
          for (size_t p = 0; p < hs; p++) yo[p] += pj * vv[p];
        }
      }
    }
  }
  free(owned);
  return TINYRT_OK;
}

const trt_op_def trt_ops_fused[] = {
    {TRT_OP_GELU, "Gelu", "com.microsoft", 1, 1, 1, 1, 1, infer_gelu, ref_gelu},
    {TRT_OP_FAST_GELU, "FastGelu", "com.microsoft", 1, 1, 2, 1, 1, infer_gelu, ref_fast_gelu},
    {TRT_OP_BIAS_GELU, "BiasGelu", "com.microsoft", 1, 2, 2, 1, 1, infer_bias_gelu, ref_bias_gelu},
    {TRT_OP_SKIP_LAYER_NORM, "SkipLayerNormalization", "com.microsoft", 1, 3, 5, 1, 4,
     infer_skip_ln, ref_skip_ln},
    {TRT_OP_FUSED_GEMM, "FusedGemm", "tinyrt", 1, 2, 3, 1, 1, infer_fused_gemm, ref_fused_gemm},
    {TRT_OP_ATTENTION, "Attention", "tinyrt", 1, 2, 4, 1, 1, infer_attention, ref_attention,
     scratch_attention},
    {TRT_OP_GEMM_SKIP_LAYER_NORM, "GemmSkipLayerNorm", "tinyrt", 1, 5, 7, 1, 2,
     infer_gemm_skip_ln, ref_gemm_skip_ln},
};
const int trt_ops_fused_count = (int)TRT_ARRAY_LEN(trt_ops_fused);
