/* GemmSkipLayerNorm on the CPU EP (semantics in src/ops/fused.c): the packed-B GEMM with the GEMM
 * bias, and the skip when there is no skip bias, in its epilogue; the LayerNorm runs as the
 * GEMM's row post-op on each block of rows right after the GEMM finishes it, while the block is
 * still in L1, instead of in a second pass that reads the whole output back from memory.
 *
 * The sum is formed as the unfused FusedGemm and SkipLayerNormalization kernels form it:
 * (A·B + bias) + skip in the GEMM epilogue, or ((A·B + bias) + skip_bias) + skip here. */
#include <string.h>

#include "ep/cpu/cpu_ops.h"
#include "ep/cpu/gemm_ln.h"

static void ln_rows_portable(float *y, int64_t ldy, int64_t rows, const float *gamma,
                             const float *beta, int64_t n, float eps) {
  for (int64_t r = 0; r < rows; r++, y += ldy) {
    float mean, rstd;
    cpu_row_stats(y, n, eps, &mean, &rstd);
    if (beta)
      for (int64_t i = 0; i < n; i++) y[i] = (y[i] - mean) * rstd * gamma[i] + beta[i];
    else
      for (int64_t i = 0; i < n; i++) y[i] = (y[i] - mean) * rstd * gamma[i];
  }
}

static trt_ln_rows_fn ln_rows_for(trt_isa isa) {
  return isa == TRT_ISA_PORTABLE ? ln_rows_portable : trt_ln_rows_avx2;
}

typedef struct gemm_ln_job {
  trt_ln_rows_fn norm;
  const float *skip, *gamma, *beta, *skip_bias;
  float *sum; /* the pre-normalization sum (output 1), or NULL */
  int64_t n;
  float eps;
} gemm_ln_job;

/* The row post-op: rows [i0, i1) of Y hold A·B + bias (+ skip). Each row is computed on its
 * own, so the grouping of rows into calls (which follows the thread count) does not change
 * results. */
static void gemm_ln_rows(void *ctx, int64_t i0, int64_t i1, float *c, int64_t ldc) {
  const gemm_ln_job *j = ctx;
  const int64_t n = j->n;
  for (int64_t r = i0; r < i1; r++) {
    float *y = c + (r - i0) * ldc;
    if (j->skip_bias) {
      const float *s = j->skip + r * n, *b = j->skip_bias;
      for (int64_t i = 0; i < n; i++) y[i] = (y[i] + b[i]) + s[i];
    }
    if (j->sum) memcpy(j->sum + r * n, y, sizeof(float) * (size_t)n);
  }
  j->norm(c, ldc, i1 - i0, j->gamma, j->beta, n, j->eps);
}

static const float *present_data(const trt_tensor *in, int n_in, int i) {
  return i < n_in && in[i].dtype != TINYRT_UNDEFINED ? in[i].data : NULL;
}

static bool gemm_ln_supports(const trt_graph *g, const trt_node *n) {
  const trt_tensor *b = cpu_const(g, n->inputs[1]);
  bool bias_ok = n->inputs[2] < 0 || cpu_const(g, n->inputs[2]);
  return cpu_all_float(g, n) && b && b->rank == 2 && bias_ok;
}

static int gemm_ln_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                       int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  const int64_t kd = st->packed.k, n = st->packed.n;
  if (n == 0) return TINYRT_OK;
  int64_t m = (int64_t)(kd ? trt_tensor_numel(&in[0]) / (size_t)kd
                           : trt_tensor_numel(&out[0]) / (size_t)n);
  gemm_ln_job j = {ln_rows_for(st->cpu->isa),
                   in[3].data,
                   in[4].data,
                   present_data(in, n_in, 5),
                   present_data(in, n_in, 6),
                   n_out > 1 && out[1].dtype != TINYRT_UNDEFINED ? out[1].data : NULL,
                   n,
                   st->f0};
  trt_sgemm_epilogue ep = {1.0f, st->bias, TRT_SGEMM_ACT_NONE, j.skip_bias ? NULL : j.skip, n,
                           gemm_ln_rows, &j};
  return trt_sgemm_packed_run(k->pool, m, in[0].data, kd, &st->packed, out[0].data, n, &ep, err);
}

static int gemm_ln_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                        cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  st->f0 = trt_attr_float(n, "epsilon", 1e-12f);
  kernel->run = gemm_ln_run;
  const trt_tensor *bias = n->inputs[2] >= 0 ? cpu_const(g, n->inputs[2]) : NULL;
  return cpu_pack_b(cpu, st, cpu_const(g, n->inputs[1]), false, bias, 1.0f, err);
}

const cpu_op cpu_ops_gemm_ln[] = {
    {TRT_OP_GEMM_SKIP_LAYER_NORM, gemm_ln_supports, gemm_ln_bind},
};
const int cpu_ops_gemm_ln_count = (int)TRT_ARRAY_LEN(cpu_ops_gemm_ln);
