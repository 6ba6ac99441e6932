/* Single-precision matrix product with a fused epilogue, for the CPU execution provider:
 *
 *   C[M,N] = act(scale * A[M,K] . B[K,N] + bias[N]) + residual[M,N]
 *
 * All matrices are row-major with explicit leading dimensions (elements between the starts of
 * consecutive rows): A is A[i*lda + k], C is C[i*ldc + j], residual is R[i*ld_residual + j].
 * B comes either as [K,N] (B[k*ldb + n], MatMul's weight layout) or transposed as [N,K]
 * (B[n*ldb + k], Gemm with transB=1, or the keys in Q.K^T).
 *
 * Two ways to run:
 *  - Constant B (weights): pack it once at session creation with trt_sgemm_pack into memory
 *    the caller allocates (trt_sgemm_packed_size bytes, 64-byte aligned), then call
 *    trt_sgemm_packed for every run. The packed data is read-only and may be shared by
 *    concurrent runs.
 *  - B computed at run time (attention): trt_sgemm, which packs what it needs of B into scratch
 *    memory the caller provides (trt_sgemm_scratch_size bytes, 64-byte aligned, contents
 *    irrelevant), so the run path never allocates.
 *
 * Kernels: register-blocked micro-kernels per instruction set (portable C, AVX2+FMA,
 * AVX-512), picked by the caller through trt_isa (see cpuid.h); packed B is specific to the ISA
 * it was packed for. Work is spread over the pool's threads by rows of C (or columns when C has
 * few rows); every element of C is computed by one thread with the same sequence of operations
 * whatever the thread count, so results are bit-identical for any pool size (for one ISA).
 *
 * Memory: the caller allocates everything (packed B, scratch, A, C); nothing here allocates
 * or keeps pointers after returning. Packed storage and scratch must be 64-byte aligned (the
 * session allocator's alignment); A, B, C, bias and residual need only float alignment.
 * Every function is reentrant: concurrent calls are fine (on one pool they take turns).
 *
 * Errors (bad dimensions or leading dimensions, NULL pointers, scratch too small or
 * misaligned, aliasing that is not allowed, an unknown activation) are returned as
 * TINYRT_ERR_ARGUMENT / TINYRT_ERR_SHAPE with a message naming the problem; nothing is
 * computed then. */
#ifndef TRT_SGEMM_H
#define TRT_SGEMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common.h"
#include "ep/cpu/cpuid.h"
#include "exec/threadpool.h"

typedef enum trt_sgemm_act {
  TRT_SGEMM_ACT_NONE = 0,
  TRT_SGEMM_ACT_GELU_ERF,  /* x/2 (1 + erf(x/sqrt2)), exact GELU */
  TRT_SGEMM_ACT_GELU_TANH, /* x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
} trt_sgemm_act;

/* A row post-op: called on finished rows [i0, i1) of C, all N columns, epilogue applied; c is
 * C's row i0 (rows ldc floats apart). It may rewrite those rows in place. The driver calls it
 * right after computing each block of rows when one cache block spans all N columns (then the
 * rows are still in L1), else once per task on the task's rows; tasks own whole rows then. Calls
 * run on the pool's threads, on disjoint rows, grouped differently for different thread counts:
 * for results independent of the thread count it must treat each row on its own. */
typedef void (*trt_sgemm_rows_fn)(void *ctx, int64_t i0, int64_t i1, float *c, int64_t ldc);

/* What happens to each element of A.B before it is stored, in this order. A zero-initialized
 * struct (or a NULL pointer) means plain C = A.B. Applied to each block of C while it is still
 * in registers; then the row post-op, if any, over whole rows. */
typedef struct trt_sgemm_epilogue {
  float scale;            /* multiplies A.B; 0 is read as 1 so that {0} is the identity */
  const float *bias;      /* [N], added to every row; NULL: none */
  trt_sgemm_act act;
  const float *residual;  /* [M, ld_residual], added after act; NULL: none. May be C itself
                             (same ld as C: each element is read before it is written), but
                             must not otherwise overlap C */
  int64_t ld_residual;
  trt_sgemm_rows_fn rows; /* NULL: none */
  void *rows_ctx;
} trt_sgemm_epilogue;

/* A packed B: the descriptor filled by trt_sgemm_pack; `data` points into the caller's
 * memory. */
typedef struct trt_sgemm_packed {
  trt_isa isa;
  int64_t k, n;
  const float *data;
} trt_sgemm_packed;

/* Bytes of packed storage for a K x N B on isa (0 when K or N is 0; -1 cast to size_t, i.e.
 * SIZE_MAX, on overflow or negative sizes). */
size_t trt_sgemm_packed_size(trt_isa isa, int64_t k, int64_t n);

/* Packs B (K x N logical; trans_b: stored as [N,K]) into dst, which holds
 * trt_sgemm_packed_size(isa, k, n) bytes and is 64-byte aligned. Single-threaded; meant for
 * session creation. */
int trt_sgemm_pack(trt_isa isa, const float *b, int64_t ldb, bool trans_b, int64_t k, int64_t n,
                   void *dst, size_t dst_size, trt_sgemm_packed *out, tinyrt_error *err);

/* C = epilogue(A . packed B), with M rows; K and N come from the packed B (which also fixes
 * the ISA: the one it was packed for). pool may be NULL (run on the caller's thread). C must
 * not overlap A or the packed B. */
int trt_sgemm_packed_run(trt_threadpool *pool, int64_t m, const float *a, int64_t lda,
                         const trt_sgemm_packed *b, float *c, int64_t ldc,
                         const trt_sgemm_epilogue *ep, tinyrt_error *err);

/* Scratch bytes trt_sgemm needs for these sizes on isa (0 when none). Independent of M and of
 * the thread count. */
size_t trt_sgemm_scratch_size(trt_isa isa, int64_t k, int64_t n, bool trans_b);

/* C = epilogue(A . B) for a B that changes from run to run. scratch: at least
 * trt_sgemm_scratch_size(isa, k, n, trans_b) bytes, 64-byte aligned (NULL when that is 0). */
int trt_sgemm(trt_threadpool *pool, trt_isa isa, int64_t m, int64_t n, int64_t k,
              const float *a, int64_t lda, const float *b, int64_t ldb, bool trans_b, float *c,
              int64_t ldc, const trt_sgemm_epilogue *ep, void *scratch, size_t scratch_size,
              tinyrt_error *err);

#endif
