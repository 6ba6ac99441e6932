/* Ops of the elementwise group (see ops.h): binary arithmetic, comparison and logic, Where, and
 * the table of the whole group. Unary math, Cast, Clip and Identity are in unary.c.
 *
 * Integers follow two's complement wrap-around like numpy and ONNX Runtime: signed arithmetic is
 * done in uint64_t and narrowed, because signed overflow is undefined in C. Bool tensors are read
 * as bytes (uint8_t) and any non-zero byte is true, so a stray 2 in caller data cannot become an
 * invalid C bool. */
#include <math.h>
#include <string.h>

#include "ops/elementwise_impl.h"
#include "ops/op_util.h"

/* X(dtype, C type, division helper) */
#define SIGNED_TYPES(X)                                                                        \
  X(TINYRT_INT8, int8_t, sdiv) X(TINYRT_INT16, int16_t, sdiv) X(TINYRT_INT32, int32_t, sdiv)    \
  X(TINYRT_INT64, int64_t, sdiv)
#define UNSIGNED_TYPES(X)                                                                      \
  X(TINYRT_UINT8, uint8_t, udiv) X(TINYRT_UINT16, uint16_t, udiv)                               \
  X(TINYRT_UINT32, uint32_t, udiv) X(TINYRT_UINT64, uint64_t, udiv)
#define INT_TYPES(X) SIGNED_TYPES(X) UNSIGNED_TYPES(X)
#define FLOAT_TYPES(X) X(TINYRT_FLOAT, float, _) X(TINYRT_DOUBLE, double, _)
#define NUMERIC_TYPES(X) FLOAT_TYPES(X) INT_TYPES(X)

/* Walks the broadcast `bc` of operands A (TA) and B (TB) into O (TO); EXPR sees `a` and `b`. */
#define BCAST_BINARY(bc, A, TA, B, TB, O, TO, EXPR)                                            \
  do {                                                                                         \
    const TA *A_ = (const TA *)(A);                                                            \
    const TB *B_ = (const TB *)(B);                                                            \
    TO *O_ = (TO *)(O);                                                                        \
    const int64_t sa_ = (bc).inner_stride[0], sb_ = (bc).inner_stride[1];                      \
    trt_bcast_iter it_;                                                                        \
    trt_bcast_start(&(bc), &it_);                                                              \
    for (int64_t r_ = 0; r_ < (bc).rows; r_++, trt_bcast_next(&(bc), &it_)) {                  \
      const TA *pa_ = A_ + it_.off[0];                                                         \
      const TB *pb_ = B_ + it_.off[1];                                                         \
      TO *po_ = O_ + r_ * (bc).inner;                                                          \
      for (int64_t j_ = 0; j_ < (bc).inner; j_++) {                                            \
        TA a = pa_[j_ * sa_];                                                                  \
        TB b = pb_[j_ * sb_];                                                                  \
        po_[j_] = (TO)(EXPR);                                                                  \
      }                                                                                        \
    }                                                                                          \
  } while (0)

static int bcast2(trt_bcast *bc, const trt_tensor *in, const trt_tensor *out, tinyrt_error *err) {
  const trt_tensor *ops[2] = {&in[0], &in[1]};
  return trt_bcast_init_tensors(bc, out, ops, 2, err);
}

static void copy_shape(trt_tensor *o, const trt_tensor *i, int dt) {
  o->dtype = (tinyrt_dtype)dt;
  o->rank = i->rank;
  for (int d = 0; d < i->rank; d++) o->dims[d] = i->dims[d];
}

/* --- Add Sub Mul Div ------------------------------------------------------------------------- */

/* Truncating division like C and ONNX Runtime; the one overflowing case (MIN / -1) wraps to MIN.
 * Division by zero is reported by the caller (it is undefined for integers). */
static inline int64_t sdiv(int64_t a, int64_t b, bool *zero) {
  if (b == 0) {
    *zero = true;
    return 0;
  }
  if (b == -1) return (int64_t)(0 - (uint64_t)a);
  return a / b;
}

static inline uint64_t udiv(uint64_t a, uint64_t b, bool *zero) {
  if (b == 0) {
    *zero = true;
    return 0;
  }
  return a / b;
}

static int infer_arith(trt_infer_ctx *c, tinyrt_error *err) {
  int rc = trt_check_present(c, 0, err);
  if (rc) return rc;
  int dt = c->in[0].dtype;
  rc = trt_check_dtype(dt, TRT_DT_NUMERIC, TRT_DT_NUMERIC | TRT_DT_HALFS, "input 0", err);
  if (!rc) rc = trt_check_same_dtype(c, 0, 2, dt, err);
  if (!rc) rc = trt_infer_broadcast(c, 0, 2, dt, err);
  return rc;
}

static int arith(trt_op_id op, const trt_tensor *in, trt_tensor *out, tinyrt_error *err) {
  trt_bcast bc;
  int rc = bcast2(&bc, in, out, err);
  if (rc) return rc;
  bool zero = false;
  switch ((int)out->dtype) {
#define FLOAT_CASE(DT, T, DIV)                                                                 \
  case DT:                                                                                     \
    switch (op) {                                                                              \
      case TRT_OP_ADD: BCAST_BINARY(bc, in[0].data, T, in[1].data, T, out->data, T, a + b); break; \
      case TRT_OP_SUB: BCAST_BINARY(bc, in[0].data, T, in[1].data, T, out->data, T, a - b); break; \
      case TRT_OP_MUL: BCAST_BINARY(bc, in[0].data, T, in[1].data, T, out->data, T, a * b); break; \
      default: BCAST_BINARY(bc, in[0].data, T, in[1].data, T, out->data, T, a / b); break;     \
    }                                                                                          \
    break;
#define INT_CASE(DT, T, DIV)                                                                   \
  case DT:                                                                                     \
    switch (op) {                                                                              \
      case TRT_OP_ADD:                                                                         \
        BCAST_BINARY(bc, in[0].data, T, in[1].data, T, out->data, T,                           \
                     (uint64_t)a + (uint64_t)b);                                               \
        break;                                                                                 \
      case TRT_OP_SUB:                                                                         \
        BCAST_BINARY(bc, in[0].data, T, in[1].data, T, out->data, T,                           \
                     (uint64_t)a - (uint64_t)b);                                               \
        break;                                                                                 \
      case TRT_OP_MUL:                                                                         \
        BCAST_BINARY(bc, in[0].data, T, in[1].data, T, out->data, T,                           \
                     (uint64_t)a * (uint64_t)b);                                               \
        break;                                                                                 \
      default:                                                                                 \
        BCAST_BINARY(bc, in[0].data, T, in[1].data, T, out->data, T, DIV(a, b, &zero));        \
        break;                                                                                 \
    }                                                                                          \
    break;
    FLOAT_TYPES(FLOAT_CASE)
    INT_TYPES(INT_CASE)
#undef FLOAT_CASE
#undef INT_CASE
    default:
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "dtype %s", trt_dtype_label(out->dtype));
  }
  if (zero) return trt_error(err, TINYRT_ERR_ARGUMENT, "integer division by zero");
  return TINYRT_OK;
}

static int add_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                   tinyrt_error *err) {
  return arith(TRT_OP_ADD, in, out, err);
}
static int sub_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                   tinyrt_error *err) {
  return arith(TRT_OP_SUB, in, out, err);
}
static int mul_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                   tinyrt_error *err) {
  return arith(TRT_OP_MUL, in, out, err);
}
static int div_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                   tinyrt_error *err) {
  return arith(TRT_OP_DIV, in, out, err);
}

/* --- Pow ------------------------------------------------------------------------------------- */

#define POW_BASE_IMPL (TRT_DT_FLOATS | TRT_DT_BIT(TINYRT_INT32) | TRT_DT_BIT(TINYRT_INT64))

static int infer_pow(trt_infer_ctx *c, tinyrt_error *err) {
  int rc = trt_check_present(c, 0, err);
  if (!rc) rc = trt_check_present(c, 1, err);
  if (rc) return rc;
  int dt = c->in[0].dtype, de = c->in[1].dtype;
  if (c->opset < 12) { /* Pow-7: float base and exponent of the same type */
    rc = trt_check_dtype(dt, TRT_DT_FLOATS, TRT_DT_FLOATS | TRT_DT_HALFS, "input 0", err);
    if (!rc) rc = trt_check_same_dtype(c, 0, 2, dt, err);
  } else {
    rc = trt_check_dtype(dt, POW_BASE_IMPL, POW_BASE_IMPL | TRT_DT_HALFS, "base (input 0)", err);
    if (!rc)
      rc = trt_check_dtype(de, TRT_DT_NUMERIC, TRT_DT_NUMERIC | TRT_DT_HALFS,
                           "exponent (input 1)", err);
  }
  if (!rc) rc = trt_infer_broadcast(c, 0, 2, dt, err);
  return rc;
}

/* Integer results of a real power: truncated toward zero, saturated at the type's range, NaN as 0
 * (C leaves out-of-range conversion undefined; ONNX does not specify it). */
static inline int64_t pow_to_i64(double x, int64_t lo, int64_t hi) {
  if (x != x) return 0;
  if (x <= (double)lo) return lo;
  if (x >= (double)hi) return hi;
  return (int64_t)x;
}

/* Integer base and integer exponent: exact, wrapping like integer multiplication (numpy). A
 * negative exponent gives the truncated real result: 1 and -1 stay +-1, larger bases give 0, and
 * 0 saturates (1/0). */
static inline int64_t ipow(int64_t base, int64_t e, int64_t lo, int64_t hi) {
  if (e < 0) return pow_to_i64(pow((double)base, (double)e), lo, hi);
  uint64_t r = 1, b = (uint64_t)base;
  while (e) {
    if (e & 1) r *= b;
    b *= b;
    e >>= 1;
  }
  return (int64_t)r;
}

#define POW_FLT_EXP(DT, TE, DIV)                                                               \
  case DT:                                                                                     \
    BCAST_BINARY(bc, in[0].data, TB, in[1].data, TE, out->data, TB,                            \
                 POW_FLT_EXPR(a, b));                                                          \
    break;
#define POW_INT_EXP(DT, TE, DIV)                                                               \
  case DT:                                                                                     \
    BCAST_BINARY(bc, in[0].data, TB, in[1].data, TE, out->data, TB,                            \
                 POW_INT_EXPR(a, b));                                                          \
    break;

static int pow_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                   tinyrt_error *err) {
  trt_bcast bc;
  int rc = bcast2(&bc, in, out, err);
  if (rc) return rc;
  int de = in[1].dtype;
  switch ((int)in[0].dtype) {
    case TINYRT_FLOAT:
      if (de == TINYRT_FLOAT) {
        BCAST_BINARY(bc, in[0].data, float, in[1].data, float, out->data, float, powf(a, b));
        return TINYRT_OK;
      }
      switch (de) {
#define TB float
#define POW_FLT_EXPR(a, b) pow((double)(a), (double)(b))
#define POW_INT_EXPR(a, b) pow((double)(a), (double)(b))
        NUMERIC_TYPES(POW_FLT_EXP)
        default: break;
      }
      break;
#undef TB
    case TINYRT_DOUBLE:
      switch (de) {
#define TB double
        NUMERIC_TYPES(POW_FLT_EXP)
        default: break;
      }
      break;
#undef TB
#undef POW_FLT_EXPR
#undef POW_INT_EXPR
    case TINYRT_INT32:
      switch (de) {
#define TB int32_t
#define POW_FLT_EXPR(a, b) pow_to_i64(pow((double)(a), (double)(b)), INT32_MIN, INT32_MAX)
#define POW_INT_EXPR(a, b) ipow((a), (int64_t)(b), INT32_MIN, INT32_MAX)
        FLOAT_TYPES(POW_FLT_EXP)
        SIGNED_TYPES(POW_INT_EXP)
        UNSIGNED_TYPES(POW_INT_EXP)
        default: break;
      }
      break;
#undef TB
#undef POW_FLT_EXPR
#undef POW_INT_EXPR
    case TINYRT_INT64:
      switch (de) {
#define TB int64_t
#define POW_FLT_EXPR(a, b) pow_to_i64(pow((double)(a), (double)(b)), INT64_MIN, INT64_MAX)
#define POW_INT_EXPR(a, b) ipow((a), (int64_t)(b), INT64_MIN, INT64_MAX)
        FLOAT_TYPES(POW_FLT_EXP)
        SIGNED_TYPES(POW_INT_EXP)
        UNSIGNED_TYPES(POW_INT_EXP)
        default: break;
      }
      break;
#undef TB
#undef POW_FLT_EXPR
#undef POW_INT_EXPR
    default: break;
  }
  if (de == TINYRT_UNDEFINED || !trt_dt_in(de, TRT_DT_NUMERIC) ||
      !trt_dt_in(in[0].dtype, POW_BASE_IMPL))
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "Pow of %s by %s",
                     trt_dtype_label(in[0].dtype), trt_dtype_label(de));
  return TINYRT_OK;
}
#undef POW_FLT_EXP
#undef POW_INT_EXP

/* --- Equal Less Greater Not ------------------------------------------------------------------ */

static int infer_compare(trt_infer_ctx *c, uint32_t impl, uint32_t spec, tinyrt_error *err) {
  int rc = trt_check_present(c, 0, err);
  if (rc) return rc;
  int dt = c->in[0].dtype;
  rc = trt_check_dtype(dt, impl, spec, "input 0", err);
  if (!rc) rc = trt_check_same_dtype(c, 0, 2, dt, err);
  if (!rc) rc = trt_infer_broadcast(c, 0, 2, TINYRT_BOOL, err);
  return rc;
}

static int infer_equal(trt_infer_ctx *c, tinyrt_error *err) {
  uint32_t types = TRT_DT_NUMERIC | TRT_DT_BOOL_BIT;
  return infer_compare(c, types, types | TRT_DT_HALFS, err);
}

static int infer_order(trt_infer_ctx *c, tinyrt_error *err) {
  return infer_compare(c, TRT_DT_NUMERIC, TRT_DT_NUMERIC | TRT_DT_HALFS, err);
}

static int compare(trt_op_id op, const trt_tensor *in, trt_tensor *out, tinyrt_error *err) {
  trt_bcast bc;
  int rc = bcast2(&bc, in, out, err);
  if (rc) return rc;
  switch ((int)in[0].dtype) {
#define CMP_CASE(DT, T, DIV)                                                                   \
  case DT:                                                                                     \
    if (op == TRT_OP_EQUAL)                                                                    \
      BCAST_BINARY(bc, in[0].data, T, in[1].data, T, out->data, uint8_t, a == b);              \
    else if (op == TRT_OP_LESS)                                                                \
      BCAST_BINARY(bc, in[0].data, T, in[1].data, T, out->data, uint8_t, a < b);               \
    else                                                                                       \
      BCAST_BINARY(bc, in[0].data, T, in[1].data, T, out->data, uint8_t, a > b);               \
    break;
    NUMERIC_TYPES(CMP_CASE)
#undef CMP_CASE
    case TINYRT_BOOL:
      if (op != TRT_OP_EQUAL) goto unsupported;
      BCAST_BINARY(bc, in[0].data, uint8_t, in[1].data, uint8_t, out->data, uint8_t,
                   (a != 0) == (b != 0));
      break;
    default:
      goto unsupported;
  }
  return TINYRT_OK;
unsupported:
  return trt_error(err, TINYRT_ERR_UNSUPPORTED, "comparison of dtype %s",
                   trt_dtype_label(in[0].dtype));
}

static int equal_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                     int n_out, tinyrt_error *err) {
  return compare(TRT_OP_EQUAL, in, out, err);
}
static int less_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                    tinyrt_error *err) {
  return compare(TRT_OP_LESS, in, out, err);
}
static int greater_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                       int n_out, tinyrt_error *err) {
  return compare(TRT_OP_GREATER, in, out, err);
}

static int infer_not(trt_infer_ctx *c, tinyrt_error *err) {
  int rc = trt_check_present(c, 0, err);
  if (!rc) rc = trt_check_dtype(c->in[0].dtype, TRT_DT_BOOL_BIT, TRT_DT_BOOL_BIT, "input 0", err);
  if (!rc) copy_shape(&c->out[0], &c->in[0], TINYRT_BOOL);
  return rc;
}

static int not_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                   tinyrt_error *err) {
  const uint8_t *x = in[0].data;
  uint8_t *y = out[0].data;
  size_t n = trt_tensor_numel(&out[0]);
  for (size_t i = 0; i < n; i++) y[i] = x[i] == 0;
  return TINYRT_OK;
}

/* --- Where ----------------------------------------------------------------------------------- */

static int infer_where(trt_infer_ctx *c, tinyrt_error *err) {
  int rc = trt_check_present(c, 0, err);
  if (!rc) rc = trt_check_present(c, 1, err);
  if (rc) return rc;
  rc = trt_check_dtype(c->in[0].dtype, TRT_DT_BOOL_BIT, TRT_DT_BOOL_BIT, "condition (input 0)",
                       err);
  int dt = c->in[1].dtype;
  if (!rc) rc = trt_check_dtype(dt, TRT_DT_FIXED_SIZE, ~0u, "input 1", err);
  if (!rc) rc = trt_check_same_dtype(c, 1, 2, dt, err);
  if (!rc) rc = trt_infer_broadcast(c, 0, 3, dt, err);
  return rc;
}

/* Selection only moves elements, so it works on their bytes: one loop per element size. */
static int where_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                     int n_out, tinyrt_error *err) {
  trt_bcast bc;
  const trt_tensor *ops[3] = {&in[0], &in[1], &in[2]};
  int rc = trt_bcast_init_tensors(&bc, out, ops, 3, err);
  if (rc) return rc;
  const uint8_t *cond = in[0].data;
  const int64_t sc = bc.inner_stride[0], sx = bc.inner_stride[1], sy = bc.inner_stride[2];
  trt_bcast_iter it;
#define WHERE_LOOP(T)                                                                          \
  do {                                                                                         \
    const T *x = in[1].data, *y = in[2].data;                                                  \
    T *o = out[0].data;                                                                        \
    trt_bcast_start(&bc, &it);                                                                 \
    for (int64_t r = 0; r < bc.rows; r++, trt_bcast_next(&bc, &it)) {                          \
      const uint8_t *pc = cond + it.off[0];                                                    \
      const T *px = x + it.off[1], *py = y + it.off[2];                                        \
      T *po = o + r * bc.inner;                                                                \
      for (int64_t j = 0; j < bc.inner; j++) po[j] = pc[j * sc] ? px[j * sx] : py[j * sy];     \
    }                                                                                          \
  } while (0)
  switch (tinyrt_dtype_size(out[0].dtype)) {
    case 1: WHERE_LOOP(uint8_t); break;
    case 2: WHERE_LOOP(uint16_t); break;
    case 4: WHERE_LOOP(uint32_t); break;
    case 8: WHERE_LOOP(uint64_t); break;
    default:
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "Where of dtype %s",
                       trt_dtype_label(out[0].dtype));
  }
#undef WHERE_LOOP
  return TINYRT_OK;
}

/* --- the group table ------------------------------------------------------------------------- */

const trt_op_def trt_ops_elementwise[] = {
    /* numpy broadcasting since opset 7; older versions had a `broadcast` attribute */
    {TRT_OP_ADD, "Add", "", 7, 2, 2, 1, 1, infer_arith, add_ref},
    {TRT_OP_SUB, "Sub", "", 7, 2, 2, 1, 1, infer_arith, sub_ref},
    {TRT_OP_MUL, "Mul", "", 7, 2, 2, 1, 1, infer_arith, mul_ref},
    {TRT_OP_DIV, "Div", "", 7, 2, 2, 1, 1, infer_arith, div_ref},
    {TRT_OP_POW, "Pow", "", 7, 2, 2, 1, 1, infer_pow, pow_ref},
    {TRT_OP_EQUAL, "Equal", "", 7, 2, 2, 1, 1, infer_equal, equal_ref},
    {TRT_OP_LESS, "Less", "", 7, 2, 2, 1, 1, infer_order, less_ref},
    {TRT_OP_GREATER, "Greater", "", 7, 2, 2, 1, 1, infer_order, greater_ref},
    {TRT_OP_NOT, "Not", "", 1, 1, 1, 1, 1, infer_not, not_ref},
    {TRT_OP_WHERE, "Where", "", 9, 3, 3, 1, 1, infer_where, where_ref},
    /* opset 6 dropped the `consumed_inputs` attribute of the unary ops */
    {TRT_OP_SQRT, "Sqrt", "", 6, 1, 1, 1, 1, trt_infer_unary_float, trt_sqrt_ref},
    {TRT_OP_ERF, "Erf", "", 9, 1, 1, 1, 1, trt_infer_unary_float, trt_erf_ref},
    {TRT_OP_TANH, "Tanh", "", 6, 1, 1, 1, 1, trt_infer_unary_float, trt_tanh_ref},
    {TRT_OP_EXP, "Exp", "", 6, 1, 1, 1, 1, trt_infer_unary_float, trt_exp_ref},
    {TRT_OP_LOG, "Log", "", 6, 1, 1, 1, 1, trt_infer_unary_float, trt_log_ref},
    {TRT_OP_NEG, "Neg", "", 6, 1, 1, 1, 1, trt_infer_unary_signed, trt_neg_ref},
    {TRT_OP_RELU, "Relu", "", 6, 1, 1, 1, 1, trt_infer_unary_signed, trt_relu_ref},
    {TRT_OP_SIGMOID, "Sigmoid", "", 6, 1, 1, 1, 1, trt_infer_unary_float, trt_sigmoid_ref},
    /* Cast-1 spelled `to` as a string */
    {TRT_OP_CAST, "Cast", "", 6, 1, 1, 1, 1, trt_infer_cast, trt_cast_ref},
    /* Clip-6 takes min/max as attributes, Clip-11 as optional inputs */
    {TRT_OP_CLIP, "Clip", "", 6, 1, 3, 1, 1, trt_infer_clip, trt_clip_ref},
    {TRT_OP_IDENTITY, "Identity", "", 1, 1, 1, 1, 1, trt_infer_identity, trt_identity_ref},
};
const int trt_ops_elementwise_count = (int)TRT_ARRAY_LEN(trt_ops_elementwise);
