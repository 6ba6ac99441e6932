/* The CPU execution provider: optimized kernels for the ops that dominate transformer encoders;
 * everything it does not claim falls back to `ref`. */
#include <string.h>

#include "ep/cpu/cpu_ops.h"

typedef struct op_group {
  const cpu_op *ops;
  const int *count;
} op_group;

static const op_group groups[] = {
    {cpu_ops_matmul, &cpu_ops_matmul_count},
    {cpu_ops_norm, &cpu_ops_norm_count},
    {cpu_ops_act, &cpu_ops_act_count},
    {cpu_ops_fused, &cpu_ops_fused_count},
    {cpu_ops_attention, &cpu_ops_attention_count},
    {cpu_ops_embed, &cpu_ops_embed_count},
    {cpu_ops_gemm_ln, &cpu_ops_gemm_ln_count},
};

static const cpu_op *find_op(const trt_graph *g, const trt_node *n) {
  for (size_t k = 0; k < TRT_ARRAY_LEN(groups); k++)
    for (int i = 0; i < *groups[k].count; i++) {
      const cpu_op *op = &groups[k].ops[i];
      if ((int)op->op == n->op && op->supports(g, n)) return op;
    }
  return NULL;
}

bool cpu_is_float(const trt_graph *g, int v) {
  if (v < 0) return true; /* absent optional */
  const trt_value *val = &g->values[v];
  tinyrt_dtype dt = val->kind == TRT_VALUE_CONSTANT ? val->constant.dtype : val->dtype;
  return dt == TINYRT_FLOAT;
}

bool cpu_all_float(const trt_graph *g, const trt_node *n) {
  for (int k = 0; k < n->n_inputs; k++)
    if (!cpu_is_float(g, n->inputs[k])) return false;
  for (int k = 0; k < n->n_outputs; k++)
    if (!cpu_is_float(g, n->outputs[k])) return false;
  return true;
}

const trt_tensor *cpu_const(const trt_graph *g, int v) {
  if (v < 0 || g->values[v].kind != TRT_VALUE_CONSTANT) return NULL;
  return &g->values[v].constant;
}

int cpu_pack_b(const cpu_impl *cpu, cpu_node_state *st, const trt_tensor *b, bool trans_b,
               const trt_tensor *bias, float bias_scale, tinyrt_error *err) {
  int64_t k = trans_b ? b->dims[1] : b->dims[0], n = trans_b ? b->dims[0] : b->dims[1];
  size_t size = trt_sgemm_packed_size(cpu->isa, k, n);
  if (size == SIZE_MAX) return trt_error(err, TINYRT_ERR_SHAPE, "weights too large to pack");
  size_t bias_off = (size + 63) & ~(size_t)63;
  size_t total = bias_off + (bias ? (size_t)n * sizeof(float) : 0);
  st->packed_mem = trt_malloc(st->al, total ? total : 1);
  if (!st->packed_mem) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory packing weights");
  int rc = trt_sgemm_pack(cpu->isa, b->data, b->dims[1], trans_b, k, n, st->packed_mem, size,
                          &st->packed, err);
  if (rc || !bias) return rc;
  if ((int64_t)trt_tensor_numel(bias) != n)
    return trt_error(err, TINYRT_ERR_SHAPE, "bias has %zu elements, %lld expected",
                     trt_tensor_numel(bias), (long long)n);
  float *dst = (float *)((char *)st->packed_mem + bias_off);
  for (int64_t j = 0; j < n; j++) {
    float v;
    memcpy(&v, (const char *)bias->data + j * 4, sizeof v);
    dst[j] = bias_scale * v;
  }
  st->bias = dst;
  return TINYRT_OK;
}

typedef struct rows_job {
  cpu_rows_fn fn;
  void *ctx;
  int64_t rows, per_task;
} rows_job;

static void rows_task(void *ctx, int64_t task, int thread) {
  const rows_job *j = ctx;
  int64_t first = task * j->per_task;
  int64_t count = TRT_MIN(j->per_task, j->rows - first);
  if (count > 0) j->fn(j->ctx, first, count);
}

void cpu_parallel_rows(trt_threadpool *pool, int64_t rows, int64_t min_rows, cpu_rows_fn fn,
                       void *ctx) {
  int threads = trt_threadpool_size(pool);
  if (min_rows < 1) min_rows = 1;
  if (threads <= 1 || rows < 2 * min_rows) {
    if (rows > 0) fn(ctx, 0, rows);
    return;
  }
  int64_t tasks = TRT_MIN(rows / min_rows, (int64_t)threads * 4);
  rows_job j = {fn, ctx, rows, (rows + tasks - 1) / tasks};
  trt_parallel_for(pool, (rows + j.per_task - 1) / j.per_task, rows_task, &j);
}

/* --- the EP interface --------------------------------------------------------------------- */

static bool cpu_supports(const trt_ep *ep, const trt_graph *g, const trt_node *n) {
  return find_op(g, n) != NULL;
}

static void cpu_release(const trt_ep *ep, void *state) {
  cpu_node_state *st = state;
  if (!st) return;
  trt_free(st->al, st->packed_mem);
  trt_free(st->al, st);
}

static int cpu_bind(const trt_ep *ep, const trt_graph *g, const trt_node *n, trt_kernel *kernel,
                    void **state, tinyrt_error *err) {
  const cpu_op *op = find_op(g, n);
  if (!op) return trt_error(err, TINYRT_ERR_INTERNAL, "cpu: no kernel for %s", n->op_type);
  cpu_node_state *st = trt_calloc(ep->al, 1, sizeof *st);
  if (!st) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  st->cpu = ep->impl;
  st->al = ep->al;
  memset(kernel, 0, sizeof *kernel);
  int rc = op->bind(ep->impl, g, n, st, kernel, err);
  if (rc) {
    cpu_release(ep, st);
    return rc;
  }
  *state = st;
  return TINYRT_OK;
}

static void cpu_destroy(trt_ep *ep) {
  trt_free(ep->al, ep->impl);
  trt_free(ep->al, ep);
}

int trt_ep_cpu_create(const trt_alloc *al, const tinyrt_options *opts, trt_ep **out,
                      tinyrt_error *err) {
  trt_isa isa;
  int rc = trt_isa_select(opts ? opts->cpu_isa : NULL, &isa, err);
  if (rc) return rc;
  trt_ep *ep = trt_calloc(al, 1, sizeof *ep);
  cpu_impl *impl = trt_calloc(al, 1, sizeof *impl);
  if (!ep || !impl) {
    trt_free(al, ep);
    trt_free(al, impl);
    return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  }
  impl->isa = isa;
  impl->vm = trt_vmath_for(isa);
  ep->name = "cpu";
  ep->provider_name = "tinyrt.cpu";
  ep->impl = impl;
  ep->al = al;
  ep->supports = cpu_supports;
  ep->bind = cpu_bind;
  ep->release = cpu_release;
  ep->destroy = cpu_destroy;
  *out = ep;
  return TINYRT_OK;
}
