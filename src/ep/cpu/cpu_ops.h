/* The CPU execution provider's internals: its op table and what kernels share.
 *
 * An op is one row in the table of ep_cpu.c: which nodes it claims (`supports`, by op, dtypes,
 * attributes and which inputs are constant) and how it binds them (`bind`: choose the kernel and
 * build per-node state, e.g. pack constant weights for the GEMM). Kernels live in k_*.c files.
 * Every kernel computes each output row the same way whatever the thread count, so results do
 * not depend on it. */
#ifndef TRT_CPU_OPS_H
#define TRT_CPU_OPS_H

#include "ep/cpu/cpuid.h"
#include "ep/cpu/sgemm.h"
#include "ep/cpu/vmath.h"
#include "ep/ep.h"
#include "exec/threadpool.h"

typedef struct cpu_impl {
  trt_isa isa;
  const trt_vmath *vm;
} cpu_impl;

/* Per-node state. Kernels read it through k->state. */
typedef struct cpu_node_state {
  const cpu_impl *cpu;
  const trt_alloc *al;
  trt_sgemm_packed packed;   /* constant B of MatMul/Gemm/fused GEMM, packed at bind */
  void *packed_mem;
  float alpha;               /* Gemm */
  int act;                   /* trt_sgemm_act of fused GEMMs */
  int64_t i0, i1, i2;        /* op-specific integers (e.g. heads) */
  float f0, f1;              /* op-specific floats (e.g. epsilon) */
  const float *bias;         /* a constant bias kept with the packed weights */
} cpu_node_state;

typedef struct cpu_op {
  trt_op_id op;
  bool (*supports)(const trt_graph *g, const trt_node *n);
  int (*bind)(const cpu_impl *cpu, const trt_graph *g, const trt_node *n, cpu_node_state *st,
              trt_kernel *kernel, tinyrt_error *err);
} cpu_op;

/* Op rows, one per k_*.c file group. */
extern const cpu_op cpu_ops_matmul[];
extern const int cpu_ops_matmul_count;
extern const cpu_op cpu_ops_norm[];
extern const int cpu_ops_norm_count;
extern const cpu_op cpu_ops_act[];
extern const int cpu_ops_act_count;
extern const cpu_op cpu_ops_fused[];
extern const int cpu_ops_fused_count;
extern const cpu_op cpu_ops_attention[];
extern const int cpu_ops_attention_count;
extern const cpu_op cpu_ops_embed[];
extern const int cpu_ops_embed_count;
extern const cpu_op cpu_ops_gemm_ln[];
extern const int cpu_ops_gemm_ln_count;

/* --- helpers for supports() --------------------------------------------------------------- */

/* Value v (may be -1) is float32, as far as type inference knows. */
bool cpu_is_float(const trt_graph *g, int v);
/* Every present input and output of n is float32. */
bool cpu_all_float(const trt_graph *g, const trt_node *n);
/* The constant tensor of value v, or NULL when v is not a constant. */
const trt_tensor *cpu_const(const trt_graph *g, int v);

/* Packs constant B ([K,N], or [N,K] when trans_b) into st; with bias (may be NULL: none) a
 * copy of the constant bias [N], scaled by bias_scale, is kept after it in st->bias. */
int cpu_pack_b(const cpu_impl *cpu, cpu_node_state *st, const trt_tensor *b, bool trans_b,
               const trt_tensor *bias, float bias_scale, tinyrt_error *err);

/* Mean and 1/sqrt(variance + eps) of one row of n floats (LayerNorm's statistics). */
void cpu_row_stats(const float *x, int64_t n, float eps, float *mean, float *rstd);

/* Splits rows [0, rows) into tasks of at least min_rows and runs fn(ctx, first, count) on the
 * pool. Small jobs run on the caller's thread (a hand-off costs more than the work). */
typedef void (*cpu_rows_fn)(void *ctx, int64_t first, int64_t count);
void cpu_parallel_rows(trt_threadpool *pool, int64_t rows, int64_t min_rows, cpu_rows_fn fn,
                       void *ctx);

#endif
