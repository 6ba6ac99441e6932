/* Normalization on the CPU EP: LayerNormalization over the last axis. */
#include <math.h>

#include "ep/cpu/cpu_ops.h"

/* Mean and 1/sqrt(var + eps) of one row, two passes with 8 partial sums (vectorizable; the
 * reassociation error is far below the 1e-5 output tolerance for rows up to thousands wide). */
void cpu_row_stats(const float *x, int64_t n, float eps, float *mean_out, float *rstd_out) {
  float s[8] = {0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) s[l] += x[i + l];
  float sum = 0;
  for (int l = 0; l < 8; l++) sum += s[l];
  for (; i < n; i++) sum += x[i];
  float mean = sum / (float)n;
  float q[8] = {0};
  for (i = 0; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) {
      float d = x[i + l] - mean;
      q[l] += d * d;
    }
  float var = 0;
  for (int l = 0; l < 8; l++) var += q[l];
  for (; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
  var /= (float)n;
  *mean_out = mean;
  *rstd_out = 1.0f / sqrtf(var + eps);
}

typedef struct ln_job {
  const float *x, *gamma, *beta;
  float *y;
  int64_t width;
  float eps;
} ln_job;

static void ln_rows(void *ctx, int64_t first, int64_t count) {
  const ln_job *j = ctx;
  for (int64_t r = first; r < first + count; r++) {
    const float *x = j->x + r * j->width;
    float *y = j->y + r * j->width;
    float mean, rstd;
    cpu_row_stats(x, j->width, j->eps, &mean, &rstd);
    if (j->beta)
      for (int64_t i = 0; i < j->width; i++) y[i] = (x[i] - mean) * rstd * j->gamma[i] + j->beta[i];
    else
      for (int64_t i = 0; i < j->width; i++) y[i] = (x[i] - mean) * rstd * j->gamma[i];
  }
}

static bool ln_supports(const trt_graph *g, const trt_node *n) {
  if (!cpu_all_float(g, n) || n->n_outputs > 1) return false;
  int64_t axis = trt_attr_int(n, "axis", -1);
  const trt_value *x = &g->values[n->inputs[0]];
  bool last = axis == -1 || (x->rank > 0 && axis == x->rank - 1);
  return last && trt_attr_int(n, "stash_type", 1) == 1;
}

static int ln_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                  tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  const trt_tensor *x = &in[0];
  int64_t width = x->rank ? x->dims[x->rank - 1] : 1;
  if ((int64_t)trt_tensor_numel(&in[1]) != width ||
      (n_in > 2 && in[2].data && (int64_t)trt_tensor_numel(&in[2]) != width)) {
    const trt_op_def *def = trt_op_get(TRT_OP_LAYER_NORM); /* other scale shapes: reference */
    return def->ref(k, in, n_in, out, n_out, err);
  }
  int64_t rows = width ? (int64_t)trt_tensor_numel(x) / width : 0;
  ln_job j = {x->data, in[1].data, n_in > 2 ? in[2].data : NULL, out[0].data, width, st->f0};
  cpu_parallel_rows(k->pool, rows, 16, ln_rows, &j);
  return TINYRT_OK;
}

static int ln_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n, cpu_node_state *st,
                   trt_kernel *kernel, tinyrt_error *err) {
  st->f0 = trt_attr_float(n, "epsilon", 1e-5f);
  kernel->run = ln_run;
  return TINYRT_OK;
}

const cpu_op cpu_ops_norm[] = {
    {TRT_OP_LAYER_NORM, ln_supports, ln_bind},
};
const int cpu_ops_norm_count = (int)TRT_ARRAY_LEN(cpu_ops_norm);
