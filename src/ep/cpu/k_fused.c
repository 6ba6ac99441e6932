/* The optimizer's fused ops on the CPU EP (semantics in src/ops/fused.c): GEMM with bias and
 * GELU epilogue, GELU variants and skip + LayerNorm (self-attention is in k_attention.c). */
#include <math.h>
#include <string.h>

#include "ep/cpu/cpu_ops.h"

/* --- FusedGemm: act(A · B + bias), B and bias constant -------------------------------------- */

static int gemm_act(const trt_node *n) {
  const char *a = trt_attr_string(n, "activation", "none");
  if (!strcmp(a, "none")) return TRT_SGEMM_ACT_NONE;
  if (!strcmp(a, "gelu")) return TRT_SGEMM_ACT_GELU_ERF;
  if (!strcmp(a, "gelu_tanh")) return TRT_SGEMM_ACT_GELU_TANH;
  return -1;
}

static bool fused_gemm_supports(const trt_graph *g, const trt_node *n) {
  const trt_tensor *b = cpu_const(g, n->inputs[1]);
  bool bias_ok = n->n_inputs < 3 || n->inputs[2] < 0 || cpu_const(g, n->inputs[2]);
  return cpu_all_float(g, n) && b && b->rank == 2 && bias_ok && gemm_act(n) >= 0;
}

static int fused_gemm_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                          int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  int64_t kd = st->packed.k, m = (int64_t)(trt_tensor_numel(&in[0]) / (size_t)kd);
  trt_sgemm_epilogue ep = {1.0f, st->bias, (trt_sgemm_act)st->act, NULL, 0};
  return trt_sgemm_packed_run(k->pool, m, in[0].data, kd, &st->packed, out[0].data, st->packed.n,
                              &ep, err);
}

static int fused_gemm_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                           cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  st->act = gemm_act(n);
  kernel->run = fused_gemm_run;
  const trt_tensor *bias = n->n_inputs > 2 ? cpu_const(g, n->inputs[2]) : NULL;
  return cpu_pack_b(cpu, st, cpu_const(g, n->inputs[1]), false, bias, 1.0f, err);
}

/* --- Gelu, FastGelu, BiasGelu: y = gelu(x (+ bias)) ----------------------------------------- */

typedef struct gelu_job {
  const trt_vmath *vm;
  const float *x, *bias;
  float *y;
  int64_t width;
  bool tanh_form;
} gelu_job;

static void gelu_rows(void *ctx, int64_t first, int64_t count) {
  const gelu_job *j = ctx;
  for (int64_t r = first; r < first + count; r++) {
    const float *x = j->x + r * j->width;
    float *y = j->y + r * j->width;
    const float *src = x;
    if (j->bias) {
      for (int64_t i = 0; i < j->width; i++) y[i] = x[i] + j->bias[i];
      src = y;
    }
    (j->tanh_form ? j->vm->gelu_tanh : j->vm->gelu_erf)(src, y, j->width);
  }
}

static bool gelu_supports(const trt_graph *g, const trt_node *n) { return cpu_all_float(g, n); }

static int gelu_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                    tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  const trt_tensor *x = &in[0];
  bool has_bias = n_in > 1 && in[1].dtype != TINYRT_UNDEFINED;
  int64_t width = x->rank ? x->dims[x->rank - 1] : 1;
  int64_t numel = (int64_t)trt_tensor_numel(x);
  if (!has_bias) { /* one long row: no per-row bookkeeping */
    width = numel;
  }
  if (width == 0) return TINYRT_OK;
  gelu_job j = {st->cpu->vm, x->data, has_bias ? in[1].data : NULL, out[0].data, width,
                k->node->op == TRT_OP_FAST_GELU};
  if (!has_bias && numel > 4096) {
    /* split a long row into blocks so threads can share it */
    j.width = 1024;
    int64_t blocks = numel / 1024;
    cpu_parallel_rows(k->pool, blocks, 8, gelu_rows, &j);
    if (numel % 1024) {
      gelu_job tail = j;
      tail.x += blocks * 1024;
      tail.y += blocks * 1024;
      tail.width = numel % 1024;
      gelu_rows(&tail, 0, 1);
    }
    return TINYRT_OK;
  }
  cpu_parallel_rows(k->pool, numel / width, 16, gelu_rows, &j);
  return TINYRT_OK;
}

static int gelu_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                     cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  kernel->run = gelu_run;
  return TINYRT_OK;
}

/* --- SkipLayerNormalization: s = x + skip (+ bias); y = LN(s) · gamma (+ beta) -------------- */

typedef struct skip_ln_job {
  const float *x, *skip, *gamma, *beta, *bias;
  float *y, *sum;
  int64_t width;
  float eps;
} skip_ln_job;

static void skip_ln_rows(void *ctx, int64_t first, int64_t count) {
  const skip_ln_job *j = ctx;
  int64_t w = j->width;
  for (int64_t r = first; r < first + count; r++) {
    const float *x = j->x + r * w, *s = j->skip + r * w;
    float *y = j->y + r * w;
    /* the same association as the reference: (x + bias) + skip */
    if (j->bias)
      for (int64_t i = 0; i < w; i++) y[i] = (x[i] + j->bias[i]) + s[i];
    else
      for (int64_t i = 0; i < w; i++) y[i] = x[i] + s[i];
    if (j->sum) memcpy(j->sum + r * w, y, sizeof(float) * (size_t)w);
    float mean, rstd;
    cpu_row_stats(y, w, j->eps, &mean, &rstd);
    int64_t i;
    if (j->beta)
      for (i = 0; i < w; i++) y[i] = (y[i] - mean) * rstd * j->gamma[i] + j->beta[i];
    else
      for (i = 0; i < w; i++) y[i] = (y[i] - mean) * rstd * j->gamma[i];
  }
}

static bool skip_ln_supports(const trt_graph *g, const trt_node *n) {
  /* the mean and inverse-std outputs (1, 2) are not produced by this kernel */
  for (int k = 1; k < n->n_outputs && k < 3; k++)
    if (n->outputs[k] >= 0) return false;
  return cpu_all_float(g, n);
}

static int skip_ln_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                       int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  const trt_tensor *x = &in[0];
  int64_t w = x->rank ? x->dims[x->rank - 1] : 1;
  if (w == 0) return TINYRT_OK;
  skip_ln_job j = {x->data,
                   in[1].data,
                   in[2].data,
                   n_in > 3 && in[3].dtype != TINYRT_UNDEFINED ? in[3].data : NULL,
                   n_in > 4 && in[4].dtype != TINYRT_UNDEFINED ? in[4].data : NULL,
                   out[0].data,
                   n_out > 3 && out[3].dtype != TINYRT_UNDEFINED ? out[3].data : NULL,
                   w,
                   st->f0};
  cpu_parallel_rows(k->pool, (int64_t)trt_tensor_numel(x) / w, 16, skip_ln_rows, &j);
  return TINYRT_OK;
}

static int skip_ln_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                        cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  st->f0 = trt_attr_float(n, "epsilon", 1e-12f);
  kernel->run = skip_ln_run;
  return TINYRT_OK;
}

const cpu_op cpu_ops_fused[] = {
    {TRT_OP_FUSED_GEMM, fused_gemm_supports, fused_gemm_bind},
    {TRT_OP_GELU, gelu_supports, gelu_bind},
    {TRT_OP_FAST_GELU, gelu_supports, gelu_bind},
    {TRT_OP_BIAS_GELU, gelu_supports, gelu_bind},
    {TRT_OP_SKIP_LAYER_NORM, skip_ln_supports, skip_ln_bind},
};
const int cpu_ops_fused_count = (int)TRT_ARRAY_LEN(cpu_ops_fused);
