/* Unary ops of the elementwise group: math functions, Neg, Relu, Cast, Clip, Identity. The group
 * table is in elementwise.c. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "ops/elementwise_impl.h"
#include "ops/op_util.h"

static void copy_shape(trt_tensor *o, const trt_tensor *i, int dt) {
  o->dtype = (tinyrt_dtype)dt;
  o->rank = i->rank;
  for (int d = 0; d < i->rank; d++) o->dims[d] = i->dims[d];
}

static int infer_unary(trt_infer_ctx *c, uint32_t impl, uint32_t spec, tinyrt_error *err) {
  int rc = trt_check_present(c, 0, err);
  if (!rc) rc = trt_check_dtype(c->in[0].dtype, impl, spec, "input 0", err);
  if (!rc) copy_shape(&c->out[0], &c->in[0], c->in[0].dtype);
  return rc;
}

int trt_infer_unary_float(trt_infer_ctx *c, tinyrt_error *err) {
  /* Erf-13 also admits integers; the rest float types only. Either way tinyrt computes floats. */
  uint32_t spec = TRT_DT_FLOATS | TRT_DT_HALFS;
  if (c->node && c->node->op == TRT_OP_ERF) spec |= TRT_DT_INTS;
  return infer_unary(c, TRT_DT_FLOATS, spec, err);
}

int trt_infer_unary_signed(trt_infer_ctx *c, tinyrt_error *err) {
  uint32_t types = TRT_DT_FLOATS | TRT_DT_SIGNED;
  return infer_unary(c, types, types | TRT_DT_HALFS, err);
}

/* --- math functions -------------------------------------------------------------------------- */

/* exp() of a non-positive argument only, so neither branch overflows for large |x|. */
static inline float sigmoidf_(float x) {
  if (x >= 0) return 1.0f / (1.0f + expf(-x));
  float e = expf(x);
  return e / (1.0f + e);
}
static inline double sigmoid_(double x) {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  double e = exp(x);
  return e / (1.0 + e);
}

#define UNARY_FLOAT_REF(NAME, FF, FD)                                                          \
  TRT_DECLARE_REF(NAME) {                                                                      \
    size_t n = trt_tensor_numel(&out[0]);                                                      \
    if (in[0].dtype == TINYRT_FLOAT) {                                                         \
      const float *x = in[0].data;                                                             \
      float *y = out[0].data;                                                                  \
      for (size_t i = 0; i < n; i++) y[i] = FF(x[i]);                                          \
    } else if (in[0].dtype == TINYRT_DOUBLE) {                                                 \
      const double *x = in[0].data;                                                            \
      double *y = out[0].data;                                                                 \
      for (size_t i = 0; i < n; i++) y[i] = FD(x[i]);                                          \
    } else {                                                                                   \
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "dtype %s", trt_dtype_label(in[0].dtype)); \
    }                                                                                          \
    return TINYRT_OK;                                                                          \
  }

UNARY_FLOAT_REF(trt_sqrt_ref, sqrtf, sqrt)
UNARY_FLOAT_REF(trt_erf_ref, erff, erf)
UNARY_FLOAT_REF(trt_tanh_ref, tanhf, tanh)
UNARY_FLOAT_REF(trt_exp_ref, expf, exp)
UNARY_FLOAT_REF(trt_log_ref, logf, log)
UNARY_FLOAT_REF(trt_sigmoid_ref, sigmoidf_, sigmoid_)

/* --- Neg Relu -------------------------------------------------------------------------------- */

/* X(dtype, C type) */
#define SIGNED_TYPES(X)                                                                        \
  X(TINYRT_INT8, int8_t) X(TINYRT_INT16, int16_t) X(TINYRT_INT32, int32_t) X(TINYRT_INT64, int64_t)
#define UNSIGNED_TYPES(X)                                                                      \
  X(TINYRT_UINT8, uint8_t) X(TINYRT_UINT16, uint16_t) X(TINYRT_UINT32, uint32_t)               \
  X(TINYRT_UINT64, uint64_t)
#define FLOAT_TYPES(X) X(TINYRT_FLOAT, float) X(TINYRT_DOUBLE, double)

#define MAP_LOOP(T, EXPR)                                                                      \
  do {                                                                                         \
    const T *x_ = in[0].data;                                                                  \
    T *y_ = out[0].data;                                                                       \
    size_t n_ = trt_tensor_numel(&out[0]);                                                     \
    for (size_t i_ = 0; i_ < n_; i_++) {                                                       \
      T x = x_[i_];                                                                            \
      y_[i_] = (T)(EXPR);                                                                      \
    }                                                                                          \
  } while (0)

TRT_DECLARE_REF(trt_neg_ref) {
  switch ((int)in[0].dtype) {
#define NEG_FLOAT(DT, T) case DT: MAP_LOOP(T, -x); break;
    /* -INT_MIN wraps to INT_MIN, as in two's complement hardware */
#define NEG_INT(DT, T) case DT: MAP_LOOP(T, 0 - (uint64_t)x); break;
    FLOAT_TYPES(NEG_FLOAT)
    SIGNED_TYPES(NEG_INT)
#undef NEG_FLOAT
#undef NEG_INT
    default:
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "dtype %s", trt_dtype_label(in[0].dtype));
  }
  return TINYRT_OK;
}

TRT_DECLARE_REF(trt_relu_ref) {
  switch ((int)in[0].dtype) {
    /* `x < 0 ? 0 : x` keeps NaN as NaN, like the spec's max(0, x) in numpy */
#define RELU_CASE(DT, T) case DT: MAP_LOOP(T, x < 0 ? 0 : x); break;
    FLOAT_TYPES(RELU_CASE)
    SIGNED_TYPES(RELU_CASE)
#undef RELU_CASE
    default:
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "dtype %s", trt_dtype_label(in[0].dtype));
  }
  return TINYRT_OK;
}

/* --- Cast ------------------------------------------------------------------------------------ */

#define CAST_TYPES (TRT_DT_NUMERIC | TRT_DT_BOOL_BIT)

int trt_infer_cast(trt_infer_ctx *c, tinyrt_error *err) {
  int rc = trt_check_present(c, 0, err);
  if (rc) return rc;
  const trt_attr *a = trt_node_attr(c->node, "to");
  if (!a || a->type != TRT_ATTR_INT)
    return trt_error(err, TINYRT_ERR_MODEL, "attribute 'to' is missing or not an int");
  /* ONNX 1.12 knows data types 1..16 */
  if (a->i <= 0 || a->i > TRT_DT_BFLOAT16)
    return trt_error(err, TINYRT_ERR_MODEL, "attribute 'to' = %lld is not a data type",
                     (long long)a->i);
  rc = trt_check_dtype((int)a->i, CAST_TYPES, ~0u, "target type 'to'", err);
  if (!rc) rc = trt_check_dtype(c->in[0].dtype, CAST_TYPES, ~0u, "input 0", err);
  if (!rc) copy_shape(&c->out[0], &c->in[0], (int)a->i);
  return rc;
}

/* Conversions from the three source kinds: floating (f2), signed or bool (i2), unsigned (u2).
 * Float to integer truncates toward zero; out-of-range values saturate and NaN becomes 0 (C leaves
 * them undefined; ONNX does too). Integer to integer wraps modulo 2^bits like numpy's astype.
 * Anything non-zero (NaN included) is true. */
#define CVT_TO_FLOAT(NAME, T)                                                                  \
  static inline T f2_##NAME(double x) { return (T)x; }                                         \
  static inline T i2_##NAME(int64_t x) { return (T)x; }                                        \
  static inline T u2_##NAME(uint64_t x) { return (T)x; }
#define CVT_TO_INT(NAME, T, LO, HI)                                                            \
  static inline T f2_##NAME(double x) {                                                        \
    if (x != x) return 0;                                                                      \
    if (x <= (double)(LO)) return LO;                                                          \
    if (x >= (double)(HI)) return HI;                                                          \
    return (T)x;                                                                               \
  }                                                                                            \
  static inline T i2_##NAME(int64_t x) { return (T)x; }                                        \
  static inline T u2_##NAME(uint64_t x) { return (T)x; }
CVT_TO_FLOAT(f32, float)
CVT_TO_FLOAT(f64, double)
CVT_TO_INT(i8, int8_t, INT8_MIN, INT8_MAX)
CVT_TO_INT(i16, int16_t, INT16_MIN, INT16_MAX)
CVT_TO_INT(i32, int32_t, INT32_MIN, INT32_MAX)
CVT_TO_INT(i64, int64_t, INT64_MIN, INT64_MAX)
CVT_TO_INT(u8, uint8_t, 0, UINT8_MAX)
CVT_TO_INT(u16, uint16_t, 0, UINT16_MAX)
CVT_TO_INT(u32, uint32_t, 0, UINT32_MAX)
CVT_TO_INT(u64, uint64_t, 0, UINT64_MAX)
static inline uint8_t f2_b(double x) { return x != 0; }
static inline uint8_t i2_b(int64_t x) { return x != 0; }
static inline uint8_t u2_b(uint64_t x) { return x != 0; }

/* X(source kind, dtype, C type, name) */
#define CAST_TARGETS(X, K)                                                                     \
  X(K, TINYRT_FLOAT, float, f32) X(K, TINYRT_DOUBLE, double, f64)                              \
  X(K, TINYRT_INT8, int8_t, i8) X(K, TINYRT_INT16, int16_t, i16)                               \
  X(K, TINYRT_INT32, int32_t, i32) X(K, TINYRT_INT64, int64_t, i64)                            \
  X(K, TINYRT_UINT8, uint8_t, u8) X(K, TINYRT_UINT16, uint16_t, u16)                           \
  X(K, TINYRT_UINT32, uint32_t, u32) X(K, TINYRT_UINT64, uint64_t, u64)                        \
  X(K, TINYRT_BOOL, uint8_t, b)
#define CAST_TO(K, DT, T, NAME)                                                                \
  case DT: {                                                                                   \
    T *d = out[0].data;                                                                        \
    for (size_t i = 0; i < n; i++) d[i] = K##2_##NAME(s[i]);                                   \
    break;                                                                                     \
  }
#define CAST_FROM(DT, TS, K)                                                                   \
  case DT: {                                                                                   \
    const TS *s = in[0].data;                                                                  \
    switch ((int)out[0].dtype) {                                                               \
      CAST_TARGETS(CAST_TO, K)                                                                 \
      default: goto unsupported;                                                               \
    }                                                                                          \
    break;                                                                                     \
  }

TRT_DECLARE_REF(trt_cast_ref) {
  size_t n = trt_tensor_numel(&out[0]);
  switch ((int)in[0].dtype) {
    CAST_FROM(TINYRT_FLOAT, float, f)
    CAST_FROM(TINYRT_DOUBLE, double, f)
    CAST_FROM(TINYRT_INT8, int8_t, i)
    CAST_FROM(TINYRT_INT16, int16_t, i)
    CAST_FROM(TINYRT_INT32, int32_t, i)
    CAST_FROM(TINYRT_INT64, int64_t, i)
    CAST_FROM(TINYRT_UINT8, uint8_t, u)
    CAST_FROM(TINYRT_UINT16, uint16_t, u)
    CAST_FROM(TINYRT_UINT32, uint32_t, u)
    CAST_FROM(TINYRT_UINT64, uint64_t, u)
    /* bytes of a bool tensor: normalize first so a stray 2 still means true (1) */
    case TINYRT_BOOL: {
      const uint8_t *raw = in[0].data;
#define BOOL_TO(K, DT, T, NAME)                                                                \
  case DT: {                                                                                   \
    T *d = out[0].data;                                                                        \
    for (size_t i = 0; i < n; i++) d[i] = (T)(raw[i] != 0);                                    \
    break;                                                                                     \
  }
      switch ((int)out[0].dtype) {
        CAST_TARGETS(BOOL_TO, i)
        default: goto unsupported;
      }
#undef BOOL_TO
      break;
    }
    default:
      goto unsupported;
  }
  return TINYRT_OK;
unsupported:
  return trt_error(err, TINYRT_ERR_UNSUPPORTED, "Cast from %s to %s",
                   trt_dtype_label(in[0].dtype), trt_dtype_label(out[0].dtype));
}
#undef CAST_FROM
#undef CAST_TO
#undef CAST_TARGETS

/* --- Clip ------------------------------------------------------------------------------------ */

static bool input_present(const trt_tensor *in, int n_in, int i) {
  return i < n_in && in[i].dtype != TINYRT_UNDEFINED;
}

int trt_infer_clip(trt_infer_ctx *c, tinyrt_error *err) {
  int rc = trt_check_present(c, 0, err);
  if (rc) return rc;
  int dt = c->in[0].dtype;
  /* integers since Clip-12 */
  uint32_t impl = c->opset < 12 ? TRT_DT_FLOATS : TRT_DT_NUMERIC;
  rc = trt_check_dtype(dt, impl, impl | TRT_DT_HALFS, "input 0", err);
  if (rc) return rc;
  bool has_attr = trt_node_attr(c->node, "min") || trt_node_attr(c->node, "max");
  if (c->opset < 11) {
    for (int i = 1; i < c->n_in; i++)
      if (input_present(c->in, c->n_in, i))
        return trt_error(err, TINYRT_ERR_MODEL,
                         "Clip before opset 11 takes min/max as attributes, not inputs");
    const char *names[2] = {"min", "max"};
    for (int i = 0; i < 2; i++) {
      const trt_attr *a = trt_node_attr(c->node, names[i]);
      if (a && a->type != TRT_ATTR_FLOAT)
        return trt_error(err, TINYRT_ERR_MODEL, "attribute '%s' is not a float", names[i]);
    }
  } else {
    if (has_attr)
      return trt_error(err, TINYRT_ERR_MODEL,
                       "Clip from opset 11 takes min/max as inputs, not attributes");
    const char *names[3] = {"", "min (input 1)", "max (input 2)"};
    for (int i = 1; i < c->n_in; i++) {
      if (!input_present(c->in, c->n_in, i)) continue;
      if ((int)c->in[i].dtype != dt)
        return trt_error(err, TINYRT_ERR_MODEL, "%s has dtype %s but input 0 has %s", names[i],
                         trt_dtype_label(c->in[i].dtype), trt_dtype_label(dt));
      /* the spec says a scalar; a one-element 1-D tensor is accepted as the same value */
      if (c->in[i].rank > 1 || trt_shape_numel(c->in[i].rank, c->in[i].dims) != 1) {
        char s[160];
        return trt_error(err, TINYRT_ERR_SHAPE, "%s must be a scalar, got shape %s", names[i],
                         trt_shape_str(c->in[i].rank, c->in[i].dims, s, sizeof s));
      }
    }
  }
  copy_shape(&c->out[0], &c->in[0], dt);
  return TINYRT_OK;
}

/* X(dtype, C type, lowest, highest): the defaults of absent bounds (numeric_limits) */
#define CLIP_TYPES(X)                                                                          \
  X(TINYRT_FLOAT, float, -FLT_MAX, FLT_MAX) X(TINYRT_DOUBLE, double, -DBL_MAX, DBL_MAX)         \
  X(TINYRT_INT8, int8_t, INT8_MIN, INT8_MAX) X(TINYRT_INT16, int16_t, INT16_MIN, INT16_MAX)     \
  X(TINYRT_INT32, int32_t, INT32_MIN, INT32_MAX) X(TINYRT_INT64, int64_t, INT64_MIN, INT64_MAX) \
  X(TINYRT_UINT8, uint8_t, 0, UINT8_MAX) X(TINYRT_UINT16, uint16_t, 0, UINT16_MAX)             \
  X(TINYRT_UINT32, uint32_t, 0, UINT32_MAX) X(TINYRT_UINT64, uint64_t, 0, UINT64_MAX)

TRT_DECLARE_REF(trt_clip_ref) {
  const trt_node *node = k ? k->node : NULL;
  bool attrs = k && k->opset < 11;
  const trt_attr *amin = attrs && node ? trt_node_attr(node, "min") : NULL;
  const trt_attr *amax = attrs && node ? trt_node_attr(node, "max") : NULL;
  bool has_min = !attrs && input_present(in, n_in, 1);
  bool has_max = !attrs && input_present(in, n_in, 2);
  switch ((int)in[0].dtype) {
    /* lo/hi are applied as max then min, so min > max gives max everywhere (the spec's rule),
     * and NaN passes through (both comparisons are false). */
#define CLIP_CASE(DT, T, LOWEST, HIGHEST)                                                      \
  case DT: {                                                                                   \
    T lo = LOWEST, hi = HIGHEST;                                                               \
    if (amin) lo = (T)amin->f;                                                                 \
    if (amax) hi = (T)amax->f;                                                                 \
    if (has_min) lo = ((const T *)in[1].data)[0];                                              \
    if (has_max) hi = ((const T *)in[2].data)[0];                                              \
    const T *x = in[0].data;                                                                   \
    T *y = out[0].data;                                                                        \
    size_t n = trt_tensor_numel(&out[0]);                                                      \
    for (size_t i = 0; i < n; i++) {                                                           \
      T v = x[i];                                                                              \
      if (v < lo) v = lo;                                                                      \
      if (v > hi) v = hi;                                                                      \
      y[i] = v;                                                                                \
    }                                                                                          \
    break;                                                                                     \
  }
    CLIP_TYPES(CLIP_CASE)
#undef CLIP_CASE
    default:
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "dtype %s", trt_dtype_label(in[0].dtype));
  }
  return TINYRT_OK;
}

/* --- Identity -------------------------------------------------------------------------------- */

int trt_infer_identity(trt_infer_ctx *c, tinyrt_error *err) {
  return infer_unary(c, TRT_DT_FIXED_SIZE, ~0u, err);
}

TRT_DECLARE_REF(trt_identity_ref) {
  size_t nbytes = trt_tensor_nbytes(&out[0]);
  if (nbytes && out[0].data != in[0].data) memcpy(out[0].data, in[0].data, nbytes);
  return TINYRT_OK;
}
