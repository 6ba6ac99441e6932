/* Ops of the math group (see ops.h): MatMul and Gemm.
 *
 * Accumulation order: every output element C[i][j] is the sum over k = 0, 1, ..., K-1 of
 * A[i][k] * B[k][j], added one term at a time in that order in the element type (float for
 * float: no double accumulator, no pairwise or blocked summation). The loops run i-k-j so that B
 * and C are walked along rows, but each C[i][j] still receives its terms in increasing k, which
 * is exactly the naive i-j-k dot product. Faster kernels may reorder; tests compare them to this
 * with a tolerance. */
#include <string.h>

#include "ops/op_util.h"

#define MATMUL_IMPL (TRT_DT_FLOATS | TRT_DT_BIT(TINYRT_INT32) | TRT_DT_BIT(TINYRT_INT64) |     \
                     TRT_DT_BIT(TINYRT_UINT32) | TRT_DT_BIT(TINYRT_UINT64))

/* --- MatMul ---------------------------------------------------------------------------------- */

/* numpy matmul shapes: a 1-D A is a row [1,K] and a 1-D B a column [K,1], the added dim being
 * dropped from the result; leading (batch) dims broadcast. */
typedef struct mm_shape {
  int64_t m, k, n;
  int batch_rank;
  int64_t batch[TRT_MAX_RANK];
  int a_batch_rank, b_batch_rank;
  const int64_t *a_batch, *b_batch;
} mm_shape;

static int mm_shapes(const trt_tensor *a, const trt_tensor *b, mm_shape *s, tinyrt_error *err) {
  char sa[160], sb[160];
  if (a->rank < 1 || b->rank < 1)
    return trt_error(err, TINYRT_ERR_SHAPE, "MatMul needs inputs of rank >= 1, got %s and %s",
                     trt_shape_str(a->rank, a->dims, sa, sizeof sa),
                     trt_shape_str(b->rank, b->dims, sb, sizeof sb));
  s->m = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
  s->k = a->dims[a->rank - 1];
  int64_t kb = b->rank >= 2 ? b->dims[b->rank - 2] : b->dims[0];
  s->n = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
  if (s->k != kb)
    return trt_error(err, TINYRT_ERR_SHAPE,
                     "MatMul inner dims differ: %s x %s (%lld vs %lld)",
                     trt_shape_str(a->rank, a->dims, sa, sizeof sa),
                     trt_shape_str(b->rank, b->dims, sb, sizeof sb), (long long)s->k,
                     (long long)kb);
  s->a_batch_rank = a->rank > 2 ? a->rank - 2 : 0;
  s->b_batch_rank = b->rank > 2 ? b->rank - 2 : 0;
  s->a_batch = a->dims;
  s->b_batch = b->dims;
  return trt_broadcast_shapes(s->a_batch_rank, a->dims, s->b_batch_rank, b->dims, &s->batch_rank,
                              s->batch, err);
}

static int infer_matmul(trt_infer_ctx *c, tinyrt_error *err) {
  int rc = trt_check_present(c, 0, err);
  if (rc) return rc;
  int dt = c->in[0].dtype;
  rc = trt_check_dtype(dt, MATMUL_IMPL, MATMUL_IMPL | TRT_DT_HALFS, "input 0", err);
  if (!rc) rc = trt_check_same_dtype(c, 0, 2, dt, err);
  mm_shape s;
  if (!rc) rc = mm_shapes(&c->in[0], &c->in[1], &s, err);
  if (rc) return rc;
  trt_tensor *o = &c->out[0];
  o->dtype = (tinyrt_dtype)dt;
  o->rank = 0;
  for (int d = 0; d < s.batch_rank; d++) o->dims[o->rank++] = s.batch[d];
  if (c->in[0].rank >= 2) o->dims[o->rank++] = s.m;
  if (c->in[1].rank >= 2) o->dims[o->rank++] = s.n;
  return TINYRT_OK;
}

/* C[m,n] = A[m,k] B[k,n] for one matrix; ACC(acc, a, b) adds a*b to acc. */
#define MM_BLOCK(T, A, B, C, M, K, N, ACC)                                                      \
  do {                                                                                         \
    for (int64_t i_ = 0; i_ < (M); i_++) {                                                     \
      T *c_ = (C) + i_ * (N);                                                                  \
      for (int64_t j_ = 0; j_ < (N); j_++) c_[j_] = 0;                                         \
      for (int64_t k_ = 0; k_ < (K); k_++) {                                                   \
        const T a_ = (A)[i_ * (K) + k_];                                                       \
        const T *b_ = (B) + k_ * (N);                                                          \
        for (int64_t j_ = 0; j_ < (N); j_++) ACC(c_[j_], a_, b_[j_]);                          \
      }                                                                                        \
    }                                                                                          \
  } while (0)

#define ACC_FLOAT(acc, a, b) acc += (a) * (b)
/* integers wrap like numpy (unsigned arithmetic; signed overflow is undefined in C) */
#define ACC_INT(acc, a, b) acc = (__typeof__(acc))((uint64_t)(acc) + (uint64_t)(a) * (uint64_t)(b))

static int matmul_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                      int n_out, tinyrt_error *err) {
  mm_shape s;
  int rc = mm_shapes(&in[0], &in[1], &s, err);
  if (rc) return rc;
  /* Walk the batch grid with the broadcast iterator; offsets come out in matrices. */
  trt_bcast bc;
  int ranks[2] = {s.a_batch_rank, s.b_batch_rank};
  const int64_t *dims[2] = {s.a_batch, s.b_batch};
  rc = trt_bcast_init(&bc, s.batch_rank, s.batch, 2, ranks, dims, err);
  if (rc) return rc;
  const int64_t mat_a = s.m * s.k, mat_b = s.k * s.n, mat_c = s.m * s.n;
  trt_bcast_iter it;
  trt_bcast_start(&bc, &it);
  for (int64_t r = 0; r < bc.rows; r++, trt_bcast_next(&bc, &it)) {
    for (int64_t j = 0; j < bc.inner; j++) {
      int64_t ia = it.off[0] + j * bc.inner_stride[0], ib = it.off[1] + j * bc.inner_stride[1];
      int64_t ic = r * bc.inner + j;
      switch ((int)out[0].dtype) {
#define MM_CASE(DT, T, ACC)                                                                    \
  case DT:                                                                                     \
    MM_BLOCK(T, (const T *)in[0].data + ia * mat_a, (const T *)in[1].data + ib * mat_b,        \
             (T *)out[0].data + ic * mat_c, s.m, s.k, s.n, ACC);                               \
    break;
        MM_CASE(TINYRT_FLOAT, float, ACC_FLOAT)
        MM_CASE(TINYRT_DOUBLE, double, ACC_FLOAT)
        MM_CASE(TINYRT_INT32, int32_t, ACC_INT)
        MM_CASE(TINYRT_INT64, int64_t, ACC_INT)
        MM_CASE(TINYRT_UINT32, uint32_t, ACC_INT)
        MM_CASE(TINYRT_UINT64, uint64_t, ACC_INT)
#undef MM_CASE
        default:
          return trt_error(err, TINYRT_ERR_UNSUPPORTED, "MatMul of dtype %s",
                           trt_dtype_label(out[0].dtype));
      }
    }
  }
  return TINYRT_OK;
}

/* --- Gemm ------------------------------------------------------------------------------------ */

static bool has_input(const trt_tensor *in, int n_in, int i) {
  return i < n_in && in[i].dtype != TINYRT_UNDEFINED;
}

static int infer_gemm(trt_infer_ctx *c, tinyrt_error *err) {
  int rc = trt_check_present(c, 0, err);
  if (rc) return rc;
  int dt = c->in[0].dtype;
  uint32_t spec = TRT_DT_FLOATS | TRT_DT_HALFS | TRT_DT_BIT(TINYRT_INT32) |
                  TRT_DT_BIT(TINYRT_INT64) | TRT_DT_BIT(TINYRT_UINT32) |
                  TRT_DT_BIT(TINYRT_UINT64);
  rc = trt_check_dtype(dt, TRT_DT_FLOATS, spec, "input 0", err);
  if (!rc) rc = trt_check_same_dtype(c, 0, 2, dt, err);
  if (rc) return rc;
  bool has_c = has_input(c->in, c->n_in, 2);
  if (!has_c && c->opset < 11)
    return trt_error(err, TINYRT_ERR_MODEL, "input C is required before opset 11");
  if (has_c && (rc = trt_check_same_dtype(c, 2, 1, dt, err))) return rc;
  const trt_tensor *a = &c->in[0], *b = &c->in[1];
  char sa[160], sb[160];
  if (a->rank != 2 || b->rank != 2)
    return trt_error(err, TINYRT_ERR_SHAPE, "Gemm needs 2-D A and B, got %s and %s",
                     trt_shape_str(a->rank, a->dims, sa, sizeof sa),
                     trt_shape_str(b->rank, b->dims, sb, sizeof sb));
  const trt_attr *ta = trt_node_attr(c->node, "transA"), *tb = trt_node_attr(c->node, "transB");
  if ((ta && ta->type != TRT_ATTR_INT) || (tb && tb->type != TRT_ATTR_INT))
    return trt_error(err, TINYRT_ERR_MODEL, "attributes transA/transB must be ints");
  const trt_attr *al = trt_node_attr(c->node, "alpha"), *be = trt_node_attr(c->node, "beta");
  if ((al && al->type != TRT_ATTR_FLOAT) || (be && be->type != TRT_ATTR_FLOAT))
    return trt_error(err, TINYRT_ERR_MODEL, "attributes alpha/beta must be floats");
  int64_t trans_a = trt_attr_int(c->node, "transA", 0), trans_b = trt_attr_int(c->node, "transB", 0);
  int64_t m = trans_a ? a->dims[1] : a->dims[0], ka = trans_a ? a->dims[0] : a->dims[1];
  int64_t kb = trans_b ? b->dims[1] : b->dims[0], n = trans_b ? b->dims[0] : b->dims[1];
  if (ka != kb)
    return trt_error(err, TINYRT_ERR_SHAPE,
                     "Gemm inner dims differ: A %s (transA=%lld) x B %s (transB=%lld)",
                     trt_shape_str(a->rank, a->dims, sa, sizeof sa), (long long)trans_a,
                     trt_shape_str(b->rank, b->dims, sb, sizeof sb), (long long)trans_b);
  trt_tensor *o = &c->out[0];
  o->dtype = (tinyrt_dtype)dt;
  o->rank = 2;
  o->dims[0] = m;
  o->dims[1] = n;
  if (has_c) { /* C broadcasts one way: to [M, N], never the other way round */
    trt_bcast bc;
    const trt_tensor *ops[1] = {&c->in[2]};
    if (trt_bcast_init_tensors(&bc, o, ops, 1, err) != TINYRT_OK) {
      const trt_tensor *ct = &c->in[2];
      return trt_error(err, TINYRT_ERR_SHAPE, "C of shape %s does not broadcast to [%lld,%lld]",
                       trt_shape_str(ct->rank, ct->dims, sa, sizeof sa), (long long)m,
                       (long long)n);
    }
  }
  return TINYRT_OK;
}

/* Y = alpha * A' B' + beta * C, A' = transA ? A^T : A, B' likewise. */
#define GEMM_BODY(T)                                                                           \
  do {                                                                                         \
    const T *A = in[0].data, *B = in[1].data;                                                  \
    T *Y = out[0].data;                                                                        \
    const T alpha_ = (T)alpha, beta_ = (T)beta;                                                \
    for (int64_t i = 0; i < m; i++) {                                                          \
      T *y = Y + i * n;                                                                        \
      for (int64_t j = 0; j < n; j++) y[j] = 0;                                                \
      for (int64_t p = 0; p < kk; p++) {                                                       \
        const T a = trans_a ? A[p * m + i] : A[i * kk + p];                                    \
        if (trans_b)                                                                           \
          for (int64_t j = 0; j < n; j++) y[j] += a * B[j * kk + p];                           \
        else                                                                                   \
          for (int64_t j = 0; j < n; j++) y[j] += a * B[p * n + j];                            \
      }                                                                                        \
      for (int64_t j = 0; j < n; j++) y[j] *= alpha_;                                          \
    }                                                                                          \
    if (has_c) {                                                                               \
      const T *C = in[2].data;                                                                 \
      trt_bcast_iter it;                                                                       \
      trt_bcast_start(&bc, &it);                                                               \
      for (int64_t r = 0; r < bc.rows; r++, trt_bcast_next(&bc, &it))                          \
        for (int64_t j = 0; j < bc.inner; j++)                                                 \
          Y[r * bc.inner + j] += beta_ * C[it.off[0] + j * bc.inner_stride[0]];                \
    }                                                                                          \
  } while (0)

static int gemm_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                    int n_out, tinyrt_error *err) {
  const trt_node *node = k ? k->node : NULL;
  int64_t trans_a = node ? trt_attr_int(node, "transA", 0) : 0;
  int64_t trans_b = node ? trt_attr_int(node, "transB", 0) : 0;
  float alpha = node ? trt_attr_float(node, "alpha", 1.0f) : 1.0f;
  float beta = node ? trt_attr_float(node, "beta", 1.0f) : 1.0f;
  int64_t m = out[0].dims[0], n = out[0].dims[1];
  int64_t kk = trans_a ? in[0].dims[0] : in[0].dims[1];
  bool has_c = has_input(in, n_in, 2);
  trt_bcast bc;
  if (has_c) {
    const trt_tensor *ops[1] = {&in[2]};
    int rc = trt_bcast_init_tensors(&bc, &out[0], ops, 1, err);
    if (rc) return rc;
  }
  switch ((int)out[0].dtype) {
    case TINYRT_FLOAT: GEMM_BODY(float); break;
    case TINYRT_DOUBLE: GEMM_BODY(double); break;
    default:
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "Gemm of dtype %s",
                       trt_dtype_label(out[0].dtype));
  }
  return TINYRT_OK;
}

/* --- the group table ------------------------------------------------------------------------- */

const trt_op_def trt_ops_math[] = {
    {TRT_OP_MATMUL, "MatMul", "", 1, 2, 2, 1, 1, infer_matmul, matmul_ref},
    /* Gemm-7 dropped the `broadcast` attribute (C broadcasts unidirectionally) */
    {TRT_OP_GEMM, "Gemm", "", 7, 2, 3, 1, 1, infer_gemm, gemm_ref},
};
const int trt_ops_math_count = (int)TRT_ARRAY_LEN(trt_ops_math);
