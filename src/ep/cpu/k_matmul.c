/* Matrix products on the CPU EP: MatMul and Gemm through the packed-weight SGEMM. */
#include "ep/cpu/cpu_ops.h"

/* --- MatMul with constant 2-D weights: B packed once at bind ------------------------------- */

static bool matmul_const_supports(const trt_graph *g, const trt_node *n) {
  const trt_tensor *b = cpu_const(g, n->inputs[1]);
  return cpu_all_float(g, n) && b && b->rank == 2 && b->dims[0] > 0 && b->dims[1] > 0;
}

static int matmul_const_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                            int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  int64_t kd = st->packed.k;
  int64_t m = (int64_t)(trt_tensor_numel(&in[0]) / (size_t)kd);
  return trt_sgemm_packed_run(k->pool, m, in[0].data, kd, &st->packed, out[0].data, st->packed.n,
                              NULL, err);
}

static int matmul_const_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                             cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  kernel->run = matmul_const_run;
  return cpu_pack_b(cpu, st, cpu_const(g, n->inputs[1]), false, NULL, 1.0f, err);
}

/* --- MatMul of two run-time operands (attention scores, context): batched, broadcast ------ */

static bool matmul_dyn_supports(const trt_graph *g, const trt_node *n) {
  return cpu_all_float(g, n) && !cpu_const(g, n->inputs[1]);
}

static size_t matmul_dyn_scratch(const trt_kernel_ctx *k, const trt_tensor *in, int n_in,
                                 const trt_tensor *out, int n_out) {
  const cpu_node_state *st = k->state;
  const trt_tensor *b = &in[1];
  if (in[0].rank < 2 || b->rank < 2) return 0;
  return trt_sgemm_scratch_size(st->cpu->isa, b->dims[b->rank - 2], b->dims[b->rank - 1], false);
}

static int matmul_dyn_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                          int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  const trt_tensor *a = &in[0], *b = &in[1], *y = &out[0];
  if (a->rank < 2 || b->rank < 2) {
    /* 1-D operands are rare in encoders; the reference kernel handles them */
    const trt_op_def *def = trt_op_get(TRT_OP_MATMUL);
    return def->ref(k, in, n_in, out, n_out, err);
  }
  int64_t m = a->dims[a->rank - 2], kd = a->dims[a->rank - 1], n = b->dims[b->rank - 1];
  /* batch strides (in matrices) of A and B for each output batch dim; 0 where broadcast */
  int yr = y->rank - 2;
  int64_t astride[TRT_MAX_RANK] = {0}, bstride[TRT_MAX_RANK] = {0};
  int64_t sa = 1, sb = 1;
  for (int d = yr - 1; d >= 0; d--) {
    int da = d - (yr - (a->rank - 2)), db = d - (yr - (b->rank - 2));
    if (da >= 0) {
      astride[d] = a->dims[da] == 1 ? 0 : sa;
      sa *= a->dims[da];
    }
    if (db >= 0) {
      bstride[d] = b->dims[db] == 1 ? 0 : sb;
      sb *= b->dims[db];
    }
  }
  int64_t batches = 1;
  for (int d = 0; d < yr; d++) batches *= y->dims[d];
  const float *A = a->data, *B = b->data;
  float *Y = y->data;
  for (int64_t bi = 0; bi < batches; bi++) {
    int64_t rem = bi, ia = 0, ib = 0;
    for (int d = yr - 1; d >= 0; d--) {
      int64_t idx = rem % y->dims[d];
      rem /= y->dims[d];
      ia += idx * astride[d];
      ib += idx * bstride[d];
    }
    int rc = trt_sgemm(k->pool, st->cpu->isa, m, n, kd, A + ia * m * kd, kd, B + ib * kd * n, n,
                       false, Y + bi * m * n, n, NULL, k->scratch, k->scratch_size, err);
    if (rc) return rc;
  }
  return TINYRT_OK;
}

static int matmul_dyn_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                           cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  kernel->run = matmul_dyn_run;
  kernel->scratch = matmul_dyn_scratch;
  return TINYRT_OK;
}

/* --- Gemm: Y = alpha · A · B(ᵀ) + beta · C with constant B and a row-vector C -------------- */

static bool gemm_supports(const trt_graph *g, const trt_node *n) {
  const trt_tensor *b = cpu_const(g, n->inputs[1]);
  if (!cpu_all_float(g, n) || !b || b->rank != 2) return false;
  if (trt_attr_int(n, "transA", 0) != 0) return false;
  if (trt_attr_float(n, "alpha", 1.0f) == 0.0f) return false; /* the epilogue reads 0 as 1 */
  int64_t nd = trt_attr_int(n, "transB", 0) ? b->dims[0] : b->dims[1];
  if (n->n_inputs > 2 && n->inputs[2] >= 0) {
    const trt_tensor *c = cpu_const(g, n->inputs[2]);
    if (!c || (int64_t)trt_tensor_numel(c) != nd) return false;
    if (c->rank > 2 || (c->rank == 2 && c->dims[0] != 1)) return false;
  }
  return true;
}

static int gemm_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                    int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  trt_sgemm_epilogue ep = {st->alpha, st->bias, TRT_SGEMM_ACT_NONE, NULL, 0};
  return trt_sgemm_packed_run(k->pool, in[0].dims[0], in[0].data, in[0].dims[1], &st->packed,
                              out[0].data, st->packed.n, &ep, err);
}

static int gemm_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                     cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  const trt_tensor *c = n->n_inputs > 2 ? cpu_const(g, n->inputs[2]) : NULL;
  st->alpha = trt_attr_float(n, "alpha", 1.0f);
  kernel->run = gemm_run;
  return cpu_pack_b(cpu, st, cpu_const(g, n->inputs[1]), trt_attr_int(n, "transB", 0) != 0, c,
                    trt_attr_float(n, "beta", 1.0f), err);
}

const cpu_op cpu_ops_matmul[] = {
    {TRT_OP_MATMUL, matmul_const_supports, matmul_const_bind},
    {TRT_OP_MATMUL, matmul_dyn_supports, matmul_dyn_bind},
    {TRT_OP_GEMM, gemm_supports, gemm_bind},
};
const int cpu_ops_matmul_count = (int)TRT_ARRAY_LEN(cpu_ops_matmul);
