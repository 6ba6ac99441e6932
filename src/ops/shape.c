/* Ops of the shape group (see ops.h and shape_group.h): this file holds the ops that compute
 * shapes or constants, or only re-label a shape (Reshape, Unsqueeze, Squeeze copy bytes
 * unchanged), and the group's table. The element-moving ops are in movement.c. */
#include <math.h>
#include <stdlib.h>

#include "ops/shape_group.h"

/* Reshape, Unsqueeze and Squeeze keep the bytes and change only the dims. */
static int copy_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                    tinyrt_error *err) {
  trt_copy_bytes(out[0].data, in[0].data, trt_tensor_nbytes(&in[0]));
  return TINYRT_OK;
}

/* ---- Shape, Size ------------------------------------------------------------------------- */

/* The [start, end) range of dims Shape returns; start/end exist from opset 15. */
static void shape_range(const trt_node *node, int64_t opset, int rank, int *start, int *end) {
  int64_t s = 0, e = rank;
  if (opset >= 15) {
    s = trt_attr_int(node, "start", 0);
    e = trt_attr_int(node, "end", rank);
  }
  if (s < 0) s += rank;
  if (e < 0) e += rank;
  s = TRT_MIN(TRT_MAX(s, 0), rank);
  e = TRT_MIN(TRT_MAX(e, 0), rank);
  *start = (int)s;
  *end = (int)TRT_MAX(e, s);
}

static int shape_infer(trt_infer_ctx *c, tinyrt_error *err) {
  int s, e;
  shape_range(c->node, c->opset, c->in[0].rank, &s, &e);
  c->out[0].dtype = TINYRT_INT64;
  c->out[0].rank = 1;
  c->out[0].dims[0] = e - s;
  return TINYRT_OK;
}

static int shape_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                     tinyrt_error *err) {
  int s, e;
  shape_range(k->node, k->opset, in[0].rank, &s, &e);
  int64_t *o = out[0].data;
  for (int i = s; i < e; i++) o[i - s] = in[0].dims[i];
  return TINYRT_OK;
}

static int size_infer(trt_infer_ctx *c, tinyrt_error *err) {
  c->out[0].dtype = TINYRT_INT64;
  c->out[0].rank = 0;
  return TINYRT_OK;
}

static int size_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                    tinyrt_error *err) {
  *(int64_t *)out[0].data = (int64_t)trt_tensor_numel(&in[0]);
  return TINYRT_OK;
}

/* ---- Unsqueeze, Squeeze ------------------------------------------------------------------ */

/* Axes of Unsqueeze/Squeeze: the `axes` attribute before opset 13, the optional second input
 * from 13. *n = -1 when none were given. Returns TRT_NEED_VALUE when the input's data is not
 * known yet. */
static int squeeze_axes(const trt_infer_ctx *c, int64_t *axes, int *n, tinyrt_error *err) {
  *n = -1;
  if (c->opset < 13) {
    bool found;
    int rc = trt_attr_int_list(c->node, "axes", TRT_MAX_RANK, axes, n, &found, err);
    if (rc) return rc;
    if (!found) *n = -1;
    return TINYRT_OK;
  }
  if (!trt_in_present(c->in, c->n_in, 1)) return TINYRT_OK;
  if (!c->in[1].data) return TRT_NEED_VALUE;
  return trt_read_int_list(&c->in[1], "axes input", TRT_MAX_RANK, axes, n, err);
}

static int unsqueeze_infer(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *x = &c->in[0];
  int64_t axes[TRT_MAX_RANK];
  int n, rc = trt_copyable_dtype(x->dtype, "input", NULL, err);
  if (rc) return rc;
  if ((rc = squeeze_axes(c, axes, &n, err))) return rc;
  if (n < 0)
    return trt_error(err, TINYRT_ERR_MODEL, "Unsqueeze needs axes (%s)",
                     c->opset < 13 ? "attribute 'axes'" : "input 2, from opset 13");
  int out_rank = x->rank + n;
  if (out_rank > TRT_MAX_RANK)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "output rank %d exceeds the maximum %d",
                     out_rank, TRT_MAX_RANK);
  if ((rc = trt_normalize_axes(axes, n, out_rank, "axes", err))) return rc;
  bool inserted[TRT_MAX_RANK] = {false};
  for (int i = 0; i < n; i++) inserted[axes[i]] = true;
  trt_tensor *y = &c->out[0];
  y->dtype = x->dtype;
  y->rank = out_rank;
  for (int i = 0, j = 0; i < out_rank; i++) y->dims[i] = inserted[i] ? 1 : x->dims[j++];
  return TINYRT_OK;
}

static int squeeze_infer(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *x = &c->in[0];
  int64_t axes[TRT_MAX_RANK];
  int n, rc = trt_copyable_dtype(x->dtype, "input", NULL, err);
  if (rc) return rc;
  if ((rc = squeeze_axes(c, axes, &n, err))) return rc;
  bool removed[TRT_MAX_RANK] = {false};
  if (n < 0) {
    for (int i = 0; i < x->rank; i++) removed[i] = x->dims[i] == 1;
  } else {
    if ((rc = trt_normalize_axes(axes, n, x->rank, "axes", err))) return rc;
    for (int i = 0; i < n; i++) {
      if (x->dims[axes[i]] != 1)
        return trt_error(err, TINYRT_ERR_SHAPE, "cannot squeeze axis %lld of size %lld",
                         (long long)axes[i], (long long)x->dims[axes[i]]);
      removed[axes[i]] = true;
    }
  }
  trt_tensor *y = &c->out[0];
  y->dtype = x->dtype;
  y->rank = 0;
  for (int i = 0; i < x->rank; i++)
    if (!removed[i]) y->dims[y->rank++] = x->dims[i];
  return TINYRT_OK;
}

/* ---- Reshape ----------------------------------------------------------------------------- */

static int reshape_infer(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *x = &c->in[0];
  int64_t shape[TRT_MAX_RANK];
  int n, rc = trt_copyable_dtype(x->dtype, "data", NULL, err);
  if (rc) return rc;
  if (c->opset < 5) {
    bool found;
    if ((rc = trt_attr_int_list(c->node, "shape", TRT_MAX_RANK, shape, &n, &found, err))) return rc;
    if (!found) return trt_error(err, TINYRT_ERR_MODEL, "attribute 'shape' is missing");
  } else {
    if (!trt_in_present(c->in, c->n_in, 1))
      return trt_error(err, TINYRT_ERR_MODEL, "input 'shape' is missing");
    if (!c->in[1].data) return TRT_NEED_VALUE;
    if ((rc = trt_read_int_list(&c->in[1], "shape", TRT_MAX_RANK, shape, &n, err))) return rc;
  }
  bool allowzero = c->opset >= 14 && trt_attr_int(c->node, "allowzero", 0) != 0;
  int infer_at = -1;
  int64_t known = 1;
  char sx[160], ss[160];
  for (int i = 0; i < n; i++) {
    if (shape[i] == 0 && !allowzero) {
      if (i >= x->rank)
        return trt_error(err, TINYRT_ERR_SHAPE,
                         "shape %s has 0 at index %d, past the rank %d of the input %s",
                         trt_shape_str(n, shape, ss, sizeof ss), i, x->rank,
                         trt_shape_str(x->rank, x->dims, sx, sizeof sx));
      shape[i] = x->dims[i];
    } else if (shape[i] == -1) {
      if (infer_at >= 0)
        return trt_error(err, TINYRT_ERR_MODEL, "shape %s has more than one -1",
                         trt_shape_str(n, shape, ss, sizeof ss));
      infer_at = i;
      continue;
    } else if (shape[i] < 0) {
      return trt_error(err, TINYRT_ERR_MODEL, "shape has invalid dim %lld at index %d",
                       (long long)shape[i], i);
    }
    if (!trt_mul_i64(known, shape[i], &known))
      return trt_error(err, TINYRT_ERR_SHAPE, "shape %s overflows",
                       trt_shape_str(n, shape, ss, sizeof ss));
  }
  int64_t total = trt_shape_numel(x->rank, x->dims);
  if (infer_at >= 0) {
    if (allowzero && known == 0)
      return trt_error(err, TINYRT_ERR_MODEL, "shape %s has both 0 (allowzero=1) and -1",
                       trt_shape_str(n, shape, ss, sizeof ss));
    if (known == 0 || total % known != 0)
      return trt_error(err, TINYRT_ERR_SHAPE,
                       "cannot infer the -1 in shape %s for input %s (%lld elements)",
                       trt_shape_str(n, shape, ss, sizeof ss),
                       trt_shape_str(x->rank, x->dims, sx, sizeof sx), (long long)total);
    shape[infer_at] = total / known;
  } else if (known != total) {
    return trt_error(err, TINYRT_ERR_SHAPE,
                     "cannot reshape input %s (%lld elements) to %s (%lld elements)",
                     trt_shape_str(x->rank, x->dims, sx, sizeof sx), (long long)total,
                     trt_shape_str(n, shape, ss, sizeof ss), (long long)known);
  }
  trt_tensor *y = &c->out[0];
  y->dtype = x->dtype;
  y->rank = n;
  memcpy(y->dims, shape, (size_t)n * sizeof shape[0]);
  return TINYRT_OK;
}

/* ---- ConstantOfShape, Constant ----------------------------------------------------------- */

/* The one-element `value` tensor; NULL means the default, float 0. */
static int constant_of_shape_value(const trt_node *node, const trt_tensor **v, tinyrt_error *err) {
  const trt_attr *a = trt_node_attr(node, "value");
  *v = NULL;
  if (!a) return TINYRT_OK;
  if (a->type != TRT_ATTR_TENSOR)
    return trt_error(err, TINYRT_ERR_MODEL, "attribute 'value' must be a tensor");
  int rc = trt_copyable_dtype(a->t.dtype, "attribute 'value'", NULL, err);
  if (rc) return rc;
  if (trt_tensor_numel(&a->t) != 1 || !a->t.data)
    return trt_error(err, TINYRT_ERR_MODEL, "attribute 'value' must hold exactly one element, not %zu",
                     trt_tensor_numel(&a->t));
  *v = &a->t;
  return TINYRT_OK;
}

static int constant_of_shape_infer(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *v;
  int rc = constant_of_shape_value(c->node, &v, err);
  if (rc) return rc;
  if (!c->in[0].data) return TRT_NEED_VALUE;
  trt_tensor *y = &c->out[0];
  if ((rc = trt_read_shape_input(&c->in[0], y->dims, &y->rank, err))) return rc;
  y->dtype = v ? v->dtype : TINYRT_FLOAT;
  return TINYRT_OK;
}

static int constant_of_shape_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                                 int n_out, tinyrt_error *err) {
  const trt_tensor *v;
  int rc = constant_of_shape_value(k->node, &v, err);
  if (rc) return rc;
  static const float zero = 0.0f;
  const void *val = v ? v->data : &zero;
  size_t esize = tinyrt_dtype_size(out[0].dtype), n = trt_tensor_numel(&out[0]);
  char *o = out[0].data;
  for (size_t i = 0; i < n; i++) memcpy(o + i * esize, val, esize);
  return TINYRT_OK;
}

/* Constant's value lives in exactly one of these attributes. */
static int constant_attr(const trt_node *node, const trt_attr **out, tinyrt_error *err) {
  static const char *const supported[] = {"value", "value_float", "value_floats", "value_int",
                                          "value_ints"};
  static const char *const unsupported[] = {"sparse_value", "value_string", "value_strings"};
  for (size_t i = 0; i < TRT_ARRAY_LEN(unsupported); i++)
    if (trt_node_attr(node, unsupported[i]))
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "attribute '%s' is not supported",
                       unsupported[i]);
  *out = NULL;
  for (size_t i = 0; i < TRT_ARRAY_LEN(supported); i++) {
    const trt_attr *a = trt_node_attr(node, supported[i]);
    if (!a) continue;
    if (*out)
      return trt_error(err, TINYRT_ERR_MODEL, "has both '%s' and '%s'", (*out)->name, a->name);
    *out = a;
  }
  if (!*out) return trt_error(err, TINYRT_ERR_MODEL, "has no value attribute");
  static const trt_attr_type want[] = {TRT_ATTR_TENSOR, TRT_ATTR_FLOAT, TRT_ATTR_FLOATS,
                                       TRT_ATTR_INT, TRT_ATTR_INTS};
  for (size_t i = 0; i < TRT_ARRAY_LEN(supported); i++)
    if (strcmp((*out)->name, supported[i]) == 0 && (*out)->type != want[i])
      return trt_error(err, TINYRT_ERR_MODEL, "attribute '%s' has the wrong type", supported[i]);
  return TINYRT_OK;
}

static int constant_infer(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_attr *a;
  int rc = constant_attr(c->node, &a, err);
  if (rc) return rc;
  trt_tensor *y = &c->out[0];
  switch (a->type) {
    case TRT_ATTR_TENSOR:
      if ((rc = trt_copyable_dtype(a->t.dtype, "attribute 'value'", NULL, err))) return rc;
      if (!a->t.data && trt_tensor_numel(&a->t) != 0)
        return trt_error(err, TINYRT_ERR_MODEL, "attribute 'value' has no data");
      y->dtype = a->t.dtype;
      y->rank = a->t.rank;
      memcpy(y->dims, a->t.dims, sizeof y->dims);
      break;
    case TRT_ATTR_FLOAT: y->dtype = TINYRT_FLOAT; y->rank = 0; break;
    case TRT_ATTR_INT: y->dtype = TINYRT_INT64; y->rank = 0; break;
    case TRT_ATTR_FLOATS: y->dtype = TINYRT_FLOAT; y->rank = 1; y->dims[0] = a->n; break;
    default: y->dtype = TINYRT_INT64; y->rank = 1; y->dims[0] = a->n; break;
  }
  return TINYRT_OK;
}

static int constant_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                        int n_out, tinyrt_error *err) {
  const trt_attr *a;
  int rc = constant_attr(k->node, &a, err);
  if (rc) return rc;
  size_t nbytes = trt_tensor_nbytes(&out[0]);
  switch (a->type) {
    case TRT_ATTR_TENSOR: trt_copy_bytes(out[0].data, a->t.data, nbytes); break;
    case TRT_ATTR_FLOAT: *(float *)out[0].data = a->f; break;
    case TRT_ATTR_INT: *(int64_t *)out[0].data = a->i; break;
    case TRT_ATTR_FLOATS: trt_copy_bytes(out[0].data, a->floats, nbytes); break;
    default: trt_copy_bytes(out[0].data, a->ints, nbytes); break;
  }
  return TINYRT_OK;
}

/* ---- Range ------------------------------------------------------------------------------- */

/* More elements than this is taken as a broken or hostile model rather than an allocation to
 * attempt (a transformer's Range counts positions). */
#define RANGE_MAX_ELEMS ((int64_t)INT32_MAX)

static bool range_is_float(tinyrt_dtype dt) { return dt == TINYRT_FLOAT || dt == TINYRT_DOUBLE; }

static double read_float_scalar(const trt_tensor *t) {
  return t->dtype == TINYRT_FLOAT ? *(const float *)t->data : *(const double *)t->data;
}

static int64_t read_int_scalar(const trt_tensor *t) {
  return t->dtype == TINYRT_INT16 ? *(const int16_t *)t->data : trt_tensor_get_int(t, 0);
}

/* Number of elements: max(ceil((limit - start) / delta), 0). */
static int range_count(const trt_tensor *in, int64_t *count, tinyrt_error *err) {
  int64_t n;
  if (range_is_float(in[0].dtype)) {
    double s = read_float_scalar(&in[0]), l = read_float_scalar(&in[1]),
           d = read_float_scalar(&in[2]);
    if (!isfinite(s) || !isfinite(l) || !isfinite(d))
      return trt_error(err, TINYRT_ERR_ARGUMENT, "start %g, limit %g and delta %g must be finite",
                       s, l, d);
    if (d == 0) return trt_error(err, TINYRT_ERR_ARGUMENT, "delta is 0");
    double q = ceil((l - s) / d);
    if (q > (double)RANGE_MAX_ELEMS)
      return trt_error(err, TINYRT_ERR_UNSUPPORTED,
                       "start %g, limit %g, delta %g give %.0f elements, more than %lld", s, l, d,
                       q, (long long)RANGE_MAX_ELEMS);
    n = q > 0 ? (int64_t)q : 0;
  } else {
    int64_t s = read_int_scalar(&in[0]), l = read_int_scalar(&in[1]), d = read_int_scalar(&in[2]),
            diff;
    if (d == 0) return trt_error(err, TINYRT_ERR_ARGUMENT, "delta is 0");
    if (__builtin_sub_overflow(l, s, &diff))
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "limit %lld - start %lld overflows int64",
                       (long long)l, (long long)s);
    if (d > 0)
      n = diff <= 0 ? 0 : (diff - 1) / d + 1;
    else
      n = diff >= 0 ? 0 : (diff + 1) / d + 1;
    if (n > RANGE_MAX_ELEMS)
      return trt_error(err, TINYRT_ERR_UNSUPPORTED,
                       "start %lld, limit %lld, delta %lld give %lld elements, more than %lld",
                       (long long)s, (long long)l, (long long)d, (long long)n,
                       (long long)RANGE_MAX_ELEMS);
  }
  *count = n;
  return TINYRT_OK;
}

static int range_infer(trt_infer_ctx *c, tinyrt_error *err) {
  static const char *const names[] = {"start", "limit", "delta"};
  tinyrt_dtype dt = c->in[0].dtype;
  if (dt != TINYRT_FLOAT && dt != TINYRT_DOUBLE && dt != TINYRT_INT16 && dt != TINYRT_INT32 &&
      dt != TINYRT_INT64)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "unsupported element type %s",
                     trt_dtype_label(dt));
  for (int i = 0; i < 3; i++) {
    if (c->in[i].dtype != dt)
      return trt_error(err, TINYRT_ERR_MODEL, "%s is %s but start is %s", names[i],
                       trt_dtype_label(c->in[i].dtype), trt_dtype_label(dt));
    if (trt_tensor_numel(&c->in[i]) != 1 || c->in[i].rank > 1)
      return trt_error(err, TINYRT_ERR_SHAPE, "%s must be a scalar", names[i]);
  }
  for (int i = 0; i < 3; i++)
    if (!c->in[i].data) return TRT_NEED_VALUE;
  int64_t n = 0;
  int rc = range_count(c->in, &n, err);
  if (rc) return rc;
  c->out[0].dtype = dt;
  c->out[0].rank = 1;
  c->out[0].dims[0] = n;
  return TINYRT_OK;
}

static int range_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                     tinyrt_error *err) {
  int64_t n = out[0].dims[0];
  void *o = out[0].data;
  /* start + i * delta, not a running sum, so that rounding does not accumulate */
  if (range_is_float(in[0].dtype)) {
    double s = read_float_scalar(&in[0]), d = read_float_scalar(&in[2]);
    for (int64_t i = 0; i < n; i++) {
      double v = s + (double)i * d;
      if (out[0].dtype == TINYRT_FLOAT)
        ((float *)o)[i] = (float)v;
      else
        ((double *)o)[i] = v;
    }
  } else {
    /* i * delta stays within |limit - start|, which range_count checked fits int64 */
    int64_t s = read_int_scalar(&in[0]), d = read_int_scalar(&in[2]);
    for (int64_t i = 0; i < n; i++) {
      int64_t v = s + i * d;
      switch (out[0].dtype) {
        case TINYRT_INT16: ((int16_t *)o)[i] = (int16_t)v; break;
        case TINYRT_INT32: ((int32_t *)o)[i] = (int32_t)v; break;
        default: ((int64_t *)o)[i] = v; break;
      }
    }
  }
  return TINYRT_OK;
}

/* ---- the group's table ------------------------------------------------------------------- */

#define MANY 2147483647

const trt_op_def trt_ops_shape[] = {
    {TRT_OP_GATHER, "Gather", "", 1, 2, 2, 1, 1, trt_gather_infer, trt_gather_ref},
    {TRT_OP_SHAPE, "Shape", "", 1, 1, 1, 1, 1, shape_infer, shape_ref},
    {TRT_OP_SIZE, "Size", "", 1, 1, 1, 1, 1, size_infer, size_ref},
    {TRT_OP_UNSQUEEZE, "Unsqueeze", "", 1, 1, 2, 1, 1, unsqueeze_infer, copy_ref},
    {TRT_OP_SQUEEZE, "Squeeze", "", 1, 1, 2, 1, 1, squeeze_infer, copy_ref},
    {TRT_OP_CONCAT, "Concat", "", 4, 1, MANY, 1, 1, trt_concat_infer, trt_concat_ref},
    {TRT_OP_RESHAPE, "Reshape", "", 1, 1, 2, 1, 1, reshape_infer, copy_ref},
    {TRT_OP_TRANSPOSE, "Transpose", "", 1, 1, 1, 1, 1, trt_transpose_infer, trt_transpose_ref},
    {TRT_OP_SLICE, "Slice", "", 1, 1, 5, 1, 1, trt_slice_infer, trt_slice_ref},
    {TRT_OP_SPLIT, "Split", "", 2, 1, 2, 1, MANY, trt_split_infer, trt_split_ref},
    {TRT_OP_EXPAND, "Expand", "", 8, 2, 2, 1, 1, trt_expand_infer, trt_expand_ref},
    {TRT_OP_CONSTANT_OF_SHAPE, "ConstantOfShape", "", 9, 1, 1, 1, 1, constant_of_shape_infer,
     constant_of_shape_ref},
    {TRT_OP_CONSTANT, "Constant", "", 1, 0, 0, 1, 1, constant_infer, constant_ref},
    {TRT_OP_RANGE, "Range", "", 11, 3, 3, 1, 1, range_infer, range_ref},
};
const int trt_ops_shape_count = (int)TRT_ARRAY_LEN(trt_ops_shape);
