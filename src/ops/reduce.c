/* Ops of the reduce group (see ops.h): ReduceMean, ReduceSum, Softmax, LayerNormalization.
 * These are the oracle for the fast kernels, so floating-point sums accumulate in double. */
#include <math.h>
#include <string.h>

#include "ops/shape_group.h"

/* Advances a row-major multi-index idx over dims[n] by one, keeping *off (sum of idx * strides)
 * in step. */
static inline void odometer_next(int n, const int64_t *dims, const int64_t *strides, int64_t *idx,
                                 int64_t *off) {
  for (int a = n - 1; a >= 0; a--) {
    if (++idx[a] < dims[a]) {
      *off += strides[a];
      return;
    }
    *off -= strides[a] * (dims[a] - 1);
    idx[a] = 0;
  }
}

static bool is_float_type(tinyrt_dtype dt) { return dt == TINYRT_FLOAT || dt == TINYRT_DOUBLE; }

/* ---- ReduceMean, ReduceSum --------------------------------------------------------------- */

/* Which axes to reduce. The axes come from the `axes` attribute before opset `input_since`
 * (13 for ReduceSum, 18 for ReduceMean) and from the optional second input from then on, where
 * `noop_with_empty_axes` also exists. No axes: reduce all, or with noop_with_empty_axes=1 none
 * (*noop). */
static int reduce_axes(const trt_node *node, int64_t opset, int input_since, const trt_tensor *in,
                       int n_in, bool *reduced, bool *noop, tinyrt_error *err) {
  int rank = in[0].rank, n, rc;
  int64_t axes[TRT_MAX_RANK];
  *noop = false;
  if (opset >= input_since) {
    n = 0;
    if (trt_in_present(in, n_in, 1)) {
      if (!in[1].data) return TRT_NEED_VALUE;
      if ((rc = trt_read_int_list(&in[1], "axes", TRT_MAX_RANK, axes, &n, err))) return rc;
    }
    if (n == 0 && trt_attr_int(node, "noop_with_empty_axes", 0) != 0) *noop = true;
  } else {
    bool found;
    if (trt_in_present(in, n_in, 1))
      return trt_error(err, TINYRT_ERR_MODEL, "axes as an input needs opset %d (model has %lld)",
                       input_since, (long long)opset);
    if ((rc = trt_attr_int_list(node, "axes", TRT_MAX_RANK, axes, &n, &found, err))) return rc;
  }
  if ((rc = trt_normalize_axes(axes, n, rank, "axes", err))) return rc;
  for (int i = 0; i < rank; i++) reduced[i] = n == 0 && !*noop;
  for (int i = 0; i < n; i++) reduced[axes[i]] = true;
  return TINYRT_OK;
}

static int reduce_infer(trt_infer_ctx *c, int input_since, tinyrt_error *err) {
  const trt_tensor *x = &c->in[0];
  if (x->dtype != TINYRT_FLOAT && x->dtype != TINYRT_DOUBLE && x->dtype != TINYRT_INT32 &&
      x->dtype != TINYRT_INT64)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "unsupported element type %s",
                     trt_dtype_label(x->dtype));
  bool reduced[TRT_MAX_RANK], noop;
  int rc = reduce_axes(c->node, c->opset, input_since, c->in, c->n_in, reduced, &noop, err);
  if (rc) return rc;
  bool keep = trt_attr_int(c->node, "keepdims", 1) != 0;
  trt_tensor *y = &c->out[0];
  y->dtype = x->dtype;
  y->rank = 0;
  for (int i = 0; i < x->rank; i++) {
    if (!reduced[i])
      y->dims[y->rank++] = x->dims[i];
    else if (keep)
      y->dims[y->rank++] = 1;
  }
  return TINYRT_OK;
}

static int reduce_sum_infer(trt_infer_ctx *c, tinyrt_error *err) { return reduce_infer(c, 13, err); }
static int reduce_mean_infer(trt_infer_ctx *c, tinyrt_error *err) { return reduce_infer(c, 18, err); }

/* The input's axes split into kept ones (walked once, in output order) and reduced ones (walked
 * for every output element). */
typedef struct reduce_plan {
  int nk, nr;
  int64_t kd[TRT_MAX_RANK], ks[TRT_MAX_RANK], rd[TRT_MAX_RANK], rs[TRT_MAX_RANK];
  size_t n_out, n_red;
} reduce_plan;

#define REDUCE_LOOP(T, ACC, MEAN)                                                    \
  do {                                                                               \
    const T *x_ = x->data;                                                           \
    T *y_ = y->data;                                                                 \
    int64_t ki[TRT_MAX_RANK] = {0}, kbase = 0;                                       \
    for (size_t o = 0; o < p.n_out; o++) {                                           \
      int64_t ri[TRT_MAX_RANK] = {0}, off = kbase;                                   \
      ACC acc = 0;                                                                   \
      for (size_t r = 0; r < p.n_red; r++) {                                         \
        acc += (ACC)x_[off];                                                         \
        odometer_next(p.nr, p.rd, p.rs, ri, &off);                                   \
      }                                                                              \
      y_[o] = (T)(MEAN);                                                             \
      odometer_next(p.nk, p.kd, p.ks, ki, &kbase);                                   \
    }                                                                                \
  } while (0)

static int reduce_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                      int input_since, bool mean, tinyrt_error *err) {
  const trt_tensor *x = &in[0], *y = &out[0];
  bool reduced[TRT_MAX_RANK], noop;
  int rc = reduce_axes(k->node, k->opset, input_since, in, n_in, reduced, &noop, err);
  if (rc) return rc;
  if (noop) {
    trt_copy_bytes(y->data, x->data, trt_tensor_nbytes(x));
    return TINYRT_OK;
  }
  reduce_plan p = {0};
  int64_t strides[TRT_MAX_RANK];
  trt_dense_strides(x->rank, x->dims, strides);
  p.n_out = p.n_red = 1;
  for (int i = 0; i < x->rank; i++) {
    if (reduced[i]) {
      p.rd[p.nr] = x->dims[i];
      p.rs[p.nr++] = strides[i];
      p.n_red *= (size_t)x->dims[i];
    } else {
      p.kd[p.nk] = x->dims[i];
      p.ks[p.nk++] = strides[i];
      p.n_out *= (size_t)x->dims[i];
    }
  }
  /* sums of no elements are 0; their means NaN (float) or 0 (integers, avoiding a division by
   * zero) */
  double fden = p.n_red ? (double)p.n_red : NAN;
  int64_t iden = p.n_red ? (int64_t)p.n_red : 1;
  switch (x->dtype) {
    case TINYRT_FLOAT: REDUCE_LOOP(float, double, mean ? acc / fden : acc); break;
    case TINYRT_DOUBLE: REDUCE_LOOP(double, double, mean ? acc / fden : acc); break;
    /* integer sums wrap like the element type would, without signed overflow */
    case TINYRT_INT32:
      REDUCE_LOOP(int32_t, uint64_t, mean ? (int64_t)acc / iden : (int64_t)acc);
      break;
    case TINYRT_INT64:
      REDUCE_LOOP(int64_t, uint64_t, mean ? (int64_t)acc / iden : (int64_t)acc);
      break;
    default:
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "unsupported element type %s",
                       trt_dtype_label(x->dtype));
  }
  return TINYRT_OK;
}

static int reduce_sum_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                          int n_out, tinyrt_error *err) {
  return reduce_ref(k, in, n_in, out, 13, false, err);
}

static int reduce_mean_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                           int n_out, tinyrt_error *err) {
  return reduce_ref(k, in, n_in, out, 18, true, err);
}

/* ---- Softmax ----------------------------------------------------------------------------- */

/* Softmax runs over n elements spaced `inner` apart, for outer * inner such runs. From opset 13
 * that is one axis (default -1); before, the input is coerced to 2-D at `axis` (default 1) and
 * each row of the flattened dims axis..rank-1 is one run. */
static int softmax_layout(const trt_node *node, int64_t opset, const trt_tensor *x, size_t *outer,
                          size_t *n, size_t *inner, tinyrt_error *err) {
  int axis;
  if (x->rank < 1) return trt_error(err, TINYRT_ERR_SHAPE, "input must have rank >= 1, not 0");
  int rc = trt_normalize_axis(trt_attr_int(node, "axis", opset >= 13 ? -1 : 1), x->rank, &axis, err);
  if (rc) return rc;
  *outer = trt_dims_prod(x->dims, 0, axis);
  if (opset >= 13) {
    *n = (size_t)x->dims[axis];
    *inner = trt_dims_prod(x->dims, axis + 1, x->rank);
  } else {
    *n = trt_dims_prod(x->dims, axis, x->rank);
    *inner = 1;
  }
  return TINYRT_OK;
}

static int softmax_infer(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *x = &c->in[0];
  if (!is_float_type(x->dtype))
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "unsupported element type %s",
                     trt_dtype_label(x->dtype));
  size_t outer, n, inner;
  int rc = softmax_layout(c->node, c->opset, x, &outer, &n, &inner, err);
  if (rc) return rc;
  c->out[0] = *x;
  c->out[0].data = NULL;
  return TINYRT_OK;
}

/* exp(x - max) / sum, with the max subtracted so that large inputs do not overflow */
#define SOFTMAX_LOOP(T)                                                              \
  do {                                                                               \
    const T *x_ = x->data;                                                           \
    T *y_ = out[0].data;                                                             \
    for (size_t o = 0; o < outer; o++) {                                             \
      for (size_t i = 0; i < inner; i++) {                                           \
        size_t base = o * n * inner + i;                                             \
        double mx = -INFINITY, sum = 0;                                              \
        for (size_t j = 0; j < n; j++) mx = fmax(mx, (double)x_[base + j * inner]);  \
        for (size_t j = 0; j < n; j++) sum += exp((double)x_[base + j * inner] - mx); \
        for (size_t j = 0; j < n; j++)                                               \
          y_[base + j * inner] = (T)(exp((double)x_[base + j * inner] - mx) / sum);  \
      }                                                                              \
    }                                                                                \
  } while (0)

static int softmax_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                       int n_out, tinyrt_error *err) {
  const trt_tensor *x = &in[0];
  size_t outer, n, inner;
  int rc = softmax_layout(k->node, k->opset, x, &outer, &n, &inner, err);
  if (rc) return rc;
  if (x->dtype == TINYRT_FLOAT)
    SOFTMAX_LOOP(float);
  else
    SOFTMAX_LOOP(double);
  return TINYRT_OK;
}

/* ---- LayerNormalization ------------------------------------------------------------------ */

/* Element strides of a Scale/B tensor broadcast (unidirectionally) onto the normalized dims
 * ndims[nr] = X.dims[axis..]: 0 on its size-1 and missing leading axes. */
static int ln_param_strides(const trt_tensor *t, const char *what, int nr, const int64_t *ndims,
                            int64_t *strides, tinyrt_error *err) {
  char st[160], sn[160];
  if (t->dtype != TINYRT_FLOAT)
    return trt_error(err, TINYRT_ERR_MODEL, "%s is %s, not float like X", what,
                     trt_dtype_label(t->dtype));
  int64_t dense[TRT_MAX_RANK];
  trt_dense_strides(t->rank, t->dims, dense);
  for (int i = 0; i < t->rank - nr; i++)
    if (t->dims[i] != 1) goto mismatch;
  for (int i = 0; i < nr; i++) {
    int ti = i - (nr - t->rank);
    int64_t d = ti >= 0 ? t->dims[ti] : 1;
    if (d != 1 && d != ndims[i]) goto mismatch;
    strides[i] = d == 1 ? 0 : dense[ti];
  }
  return TINYRT_OK;
mismatch:
  return trt_error(err, TINYRT_ERR_SHAPE, "%s of shape %s does not broadcast to the normalized shape %s",
                   what, trt_shape_str(t->rank, t->dims, st, sizeof st),
                   trt_shape_str(nr, ndims, sn, sizeof sn));
}

typedef struct ln_plan {
  int axis, nr;              /* normalized dims: X.dims[axis..rank-1], nr of them */
  size_t rows, cols;
  int64_t sstr[TRT_MAX_RANK], bstr[TRT_MAX_RANK]; /* Scale / B strides over the normalized dims */
  bool has_bias;
  double eps;
} ln_plan;

static int ln_make_plan(const trt_node *node, const trt_tensor *in, int n_in, ln_plan *p,
                        tinyrt_error *err) {
  const trt_tensor *x = &in[0];
  if (x->dtype != TINYRT_FLOAT)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "unsupported element type %s",
                     trt_dtype_label(x->dtype));
  if (x->rank < 1) return trt_error(err, TINYRT_ERR_SHAPE, "X must have rank >= 1, not 0");
  int64_t stash = trt_attr_int(node, "stash_type", 1);
  if (stash != TINYRT_FLOAT)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "stash_type %lld is not supported (only 1, float)",
                     (long long)stash);
  int rc = trt_normalize_axis(trt_attr_int(node, "axis", -1), x->rank, &p->axis, err);
  if (rc) return rc;
  p->nr = x->rank - p->axis;
  p->rows = trt_dims_prod(x->dims, 0, p->axis);
  p->cols = trt_dims_prod(x->dims, p->axis, x->rank);
  p->eps = trt_attr_float(node, "epsilon", 1e-5f);
  const int64_t *ndims = x->dims + p->axis;
  if ((rc = ln_param_strides(&in[1], "Scale", p->nr, ndims, p->sstr, err))) return rc;
  p->has_bias = trt_in_present(in, n_in, 2);
  if (p->has_bias && (rc = ln_param_strides(&in[2], "B", p->nr, ndims, p->bstr, err))) return rc;
  return TINYRT_OK;
}

static int layer_norm_infer(trt_infer_ctx *c, tinyrt_error *err) {
  ln_plan p;
  int rc = ln_make_plan(c->node, c->in, c->n_in, &p, err);
  if (rc) return rc;
  const trt_tensor *x = &c->in[0];
  c->out[0] = *x;
  c->out[0].data = NULL;
  /* Mean and InvStdDev: X's shape with the normalized dims set to 1 */
  for (int i = 1; i < c->n_out && i < 3; i++) {
    trt_tensor *s = &c->out[i];
    *s = *x;
    s->data = NULL;
    for (int d = p.axis; d < x->rank; d++) s->dims[d] = 1;
  }
  return TINYRT_OK;
}

static int layer_norm_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                          int n_out, tinyrt_error *err) {
  ln_plan p;
  int rc = ln_make_plan(k->node, in, n_in, &p, err);
  if (rc) return rc;
  const float *scale = in[1].data, *bias = p.has_bias ? in[2].data : NULL;
  float *mean_out = n_out > 1 ? out[1].data : NULL, *inv_out = n_out > 2 ? out[2].data : NULL;
  const int64_t *ndims = in[0].dims + p.axis;
  for (size_t r = 0; r < p.rows; r++) {
    const float *x = (const float *)in[0].data + r * p.cols;
    float *y = (float *)out[0].data + r * p.cols;
    /* two passes (mean, then squared deviations) rather than E[x^2]-E[x]^2, which cancels */
    double sum = 0, sq = 0;
    for (size_t j = 0; j < p.cols; j++) sum += x[j];
    double mean = sum / (double)p.cols;
    for (size_t j = 0; j < p.cols; j++) sq += (x[j] - mean) * (x[j] - mean);
    double inv = 1.0 / sqrt(sq / (double)p.cols + p.eps);
    int64_t idx[TRT_MAX_RANK] = {0}, so = 0, bo = 0, bidx[TRT_MAX_RANK] = {0};
    for (size_t j = 0; j < p.cols; j++) {
      double v = (x[j] - mean) * inv * scale[so];
      if (bias) v += bias[bo];
      y[j] = (float)v;
      odometer_next(p.nr, ndims, p.sstr, idx, &so);
      if (bias) odometer_next(p.nr, ndims, p.bstr, bidx, &bo);
    }
    if (mean_out) mean_out[r] = (float)mean;
    if (inv_out) inv_out[r] = (float)inv;
  }
  return TINYRT_OK;
}

const trt_op_def trt_ops_reduce[] = {
    {TRT_OP_REDUCE_MEAN, "ReduceMean", "", 1, 1, 2, 1, 1, reduce_mean_infer, reduce_mean_ref},
    {TRT_OP_REDUCE_SUM, "ReduceSum", "", 1, 1, 2, 1, 1, reduce_sum_infer, reduce_sum_ref},
    {TRT_OP_SOFTMAX, "Softmax", "", 1, 1, 1, 1, 1, softmax_infer, softmax_ref},
    {TRT_OP_LAYER_NORM, "LayerNormalization", "", 17, 2, 3, 1, 3, layer_norm_infer,
     layer_norm_ref},
};
const int trt_ops_reduce_count = (int)TRT_ARRAY_LEN(trt_ops_reduce);
