/* Helpers shared by the op groups: dtype classes and checks, N-ary numpy broadcasting for shape
 * inference and for kernels.
 *
 * Broadcast iteration. Kernels walk the output in rows: trt_bcast_init() computes, once per call,
 * each operand's element stride along every output dim (0 where the operand is broadcast) and
 * merges adjacent dims that every operand walks contiguously, so that [3,4,5]+[3,4,5] is one row
 * of 60 and [3,4,5]+[5] is 12 rows of 5. A kernel then loops
 *
 *     trt_bcast_iter it;
 *     trt_bcast_start(&b, &it);
 *     for (int64_t r = 0; r < b.rows; r++, trt_bcast_next(&b, &it))
 *       for (int64_t j = 0; j < b.inner; j++)
 *         out[r * b.inner + j] = f(x[it.off[0] + j * b.inner_stride[0]],
 *                                  y[it.off[1] + j * b.inner_stride[1]]);
 *
 * with no division per element. The same iterator walks any "grid of blocks" (MatMul's batch
 * dims): offsets are then in blocks, and the caller scales them. */
#ifndef TRT_OP_UTIL_H
#define TRT_OP_UTIL_H

#include "ops/ops.h"

/* --- dtype classes ----------------------------------------------------------------------------
 * Masks are sets of dtypes, bit (1u << dtype). ONNX's bfloat16 (16) has no tinyrt_dtype entry but
 * may appear in a model, so it gets a bit too. */
#define TRT_DT_BFLOAT16 16
#define TRT_DT_BIT(dt) (1u << (dt))
#define TRT_DT_FLOATS (TRT_DT_BIT(TINYRT_FLOAT) | TRT_DT_BIT(TINYRT_DOUBLE))
#define TRT_DT_HALFS (TRT_DT_BIT(TINYRT_FLOAT16) | TRT_DT_BIT(TRT_DT_BFLOAT16))
#define TRT_DT_SIGNED                                                                          \
  (TRT_DT_BIT(TINYRT_INT8) | TRT_DT_BIT(TINYRT_INT16) | TRT_DT_BIT(TINYRT_INT32) |             \
   TRT_DT_BIT(TINYRT_INT64))
#define TRT_DT_UNSIGNED                                                                        \
  (TRT_DT_BIT(TINYRT_UINT8) | TRT_DT_BIT(TINYRT_UINT16) | TRT_DT_BIT(TINYRT_UINT32) |         \
   TRT_DT_BIT(TINYRT_UINT64))
#define TRT_DT_INTS (TRT_DT_SIGNED | TRT_DT_UNSIGNED)
/* numeric types tinyrt computes with (no half floats) */
#define TRT_DT_NUMERIC (TRT_DT_FLOATS | TRT_DT_INTS)
#define TRT_DT_BOOL_BIT TRT_DT_BIT(TINYRT_BOOL)
/* every dtype with a fixed element size tinyrt can move around (copy, select) */
#define TRT_DT_FIXED_SIZE (TRT_DT_NUMERIC | TRT_DT_BOOL_BIT | TRT_DT_BIT(TINYRT_FLOAT16))

static inline bool trt_dt_in(int dt, uint32_t mask) {
  return dt >= 0 && dt < 32 && (mask & TRT_DT_BIT(dt)) != 0;
}

/* ONNX name of a dtype, including those tinyrt_dtype lacks ("bfloat16"). */
const char *trt_dtype_label(int dt);

/* Checks that `dt`, the dtype of the op's input `what` ("input 0", "min"...), is one the kernel
 * implements. Outside `implemented`: TINYRT_ERR_UNSUPPORTED when the ONNX spec allows it for the
 * op (`spec_allowed`), TINYRT_ERR_MODEL otherwise (the model is invalid); the message names the
 * dtype. */
int trt_check_dtype(int dt, uint32_t implemented, uint32_t spec_allowed, const char *what,
                    tinyrt_error *err);

/* Checks that inputs [first, first+n) all have dtype `dt` (TINYRT_ERR_MODEL naming the first that
 * differs) and are present. */
int trt_check_same_dtype(const trt_infer_ctx *c, int first, int n, int dt, tinyrt_error *err);

/* Checks that input i is present (not an absent optional input). */
int trt_check_present(const trt_infer_ctx *c, int i, tinyrt_error *err);

/* Output 0 gets the numpy broadcast of the shapes of inputs [first, first+n) and dtype `dt`. */
int trt_infer_broadcast(trt_infer_ctx *c, int first, int n, int dt, tinyrt_error *err);

/* --- broadcast iteration ---------------------------------------------------------------------- */
#define TRT_BCAST_MAX_OPERANDS 4

typedef struct trt_bcast {
  int n;                      /* operands */
  int rank;                   /* dims after merging, >= 1 */
  int64_t dims[TRT_MAX_RANK];
  int64_t strides[TRT_BCAST_MAX_OPERANDS][TRT_MAX_RANK]; /* elements; 0 = broadcast */
  int64_t inner;              /* dims[rank - 1]: the length of one row */
  int64_t inner_stride[TRT_BCAST_MAX_OPERANDS];         /* strides[k][rank - 1] */
  int64_t rows;               /* number of rows (0 when the output is empty) */
} trt_bcast;

typedef struct trt_bcast_iter {
  int64_t idx[TRT_MAX_RANK];
  int64_t off[TRT_BCAST_MAX_OPERANDS]; /* offset of the current row's first element per operand */
} trt_bcast_iter;

/* Prepares walking the output shape (out_rank, out_dims) over n operands with shapes
 * (ranks[k], dims[k]), each of which must broadcast to it (dims 1 or equal, rank not larger):
 * fails with TINYRT_ERR_SHAPE naming the operand otherwise. */
int trt_bcast_init(trt_bcast *b, int out_rank, const int64_t *out_dims, int n, const int *ranks,
                   const int64_t *const *dims, tinyrt_error *err);
/* Same for tensors: out and ins[0..n). */
int trt_bcast_init_tensors(trt_bcast *b, const trt_tensor *out, const trt_tensor *const *ins,
                           int n, tinyrt_error *err);

static inline void trt_bcast_start(const trt_bcast *b, trt_bcast_iter *it) {
  for (int d = 0; d < b->rank; d++) it->idx[d] = 0;
  for (int k = 0; k < b->n; k++) it->off[k] = 0;
}

/* Advances to the next row (an odometer over dims [0, rank-1)). */
static inline void trt_bcast_next(const trt_bcast *b, trt_bcast_iter *it) {
  for (int d = b->rank - 2; d >= 0; d--) {
    if (++it->idx[d] < b->dims[d]) {
      for (int k = 0; k < b->n; k++) it->off[k] += b->strides[k][d];
      return;
    }
    it->idx[d] = 0;
    for (int k = 0; k < b->n; k++) it->off[k] -= b->strides[k][d] * (b->dims[d] - 1);
  }
}

#endif
