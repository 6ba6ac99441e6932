/* Internals shared by the two files of the shape group, shape.c (ops that compute or only
 * re-label shapes: Shape, Size, Reshape, Unsqueeze, Squeeze, Constant, ConstantOfShape, Range,
 * and the group's table) and movement.c (ops that move elements: Gather, Concat, Transpose,
 * Slice, Split, Expand); reduce.c uses the axis and int-list readers too. The shape-group ops
 * copy elements as opaque blocks of the element size, so they work for any fixed-size dtype. */
#ifndef TRT_SHAPE_GROUP_H
#define TRT_SHAPE_GROUP_H

#include <string.h>

#include "ops/op_util.h"

/* Optional input i was given (absent optional inputs have dtype UNDEFINED). */
static inline bool trt_in_present(const trt_tensor *in, int n_in, int i) {
  return i < n_in && in[i].dtype != TINYRT_UNDEFINED;
}

/* Element size of a dtype these ops can copy; fails (UNSUPPORTED) for string/undefined. */
static inline int trt_copyable_dtype(tinyrt_dtype dt, const char *what, size_t *esize,
                                     tinyrt_error *err) {
  size_t s = tinyrt_dtype_size(dt);
  if (s == 0)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "%s has unsupported element type %s", what,
                     trt_dtype_label(dt));
  if (esize) *esize = s;
  return TINYRT_OK;
}

/* Reads a 1-D (or scalar) int64/int32 tensor of at most max_n values into vals. The caller has
 * checked that t->data is known. */
static inline int trt_read_int_list(const trt_tensor *t, const char *what, int max_n,
                                    int64_t *vals, int *n, tinyrt_error *err) {
  if (t->dtype != TINYRT_INT64 && t->dtype != TINYRT_INT32)
    return trt_error(err, TINYRT_ERR_MODEL, "%s must be int64 (or int32), got %s", what,
                     trt_dtype_label(t->dtype));
  if (t->rank > 1)
    return trt_error(err, TINYRT_ERR_MODEL, "%s must be 1-D, got rank %d", what, t->rank);
  size_t count = trt_tensor_numel(t);
  if (count > (size_t)max_n)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "%s has %zu values, more than the %d supported",
                     what, count, max_n);
  for (size_t i = 0; i < count; i++) vals[i] = trt_tensor_get_int(t, i);
  *n = (int)count;
  return TINYRT_OK;
}

/* Reads INTS attribute `name` (at most max_n values) into vals; *found says whether it is there. */
static inline int trt_attr_int_list(const trt_node *node, const char *name, int max_n,
                                    int64_t *vals, int *n, bool *found, tinyrt_error *err) {
  const trt_attr *a = trt_node_attr(node, name);
  *found = false;
  *n = 0;
  if (!a) return TINYRT_OK;
  if (a->type != TRT_ATTR_INTS)
    return trt_error(err, TINYRT_ERR_MODEL, "attribute '%s' must be a list of ints", name);
  if (a->n > max_n)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED,
                     "attribute '%s' has %d values, more than the %d supported", name, a->n, max_n);
  for (int i = 0; i < a->n; i++) vals[i] = a->ints[i];
  *n = a->n;
  *found = true;
  return TINYRT_OK;
}

/* Reads a shape input (every dim >= 0) as Expand and ConstantOfShape take it. */
static inline int trt_read_shape_input(const trt_tensor *t, int64_t *dims, int *rank,
                                       tinyrt_error *err) {
  int rc = trt_read_int_list(t, "shape", TRT_MAX_RANK, dims, rank, err);
  if (rc) return rc;
  for (int i = 0; i < *rank; i++)
    if (dims[i] < 0)
      return trt_error(err, TINYRT_ERR_MODEL, "shape has negative dim %lld at index %d",
                       (long long)dims[i], i);
  if (trt_shape_numel(*rank, dims) < 0)
    return trt_error(err, TINYRT_ERR_SHAPE, "shape overflows");
  return TINYRT_OK;
}

/* Normalizes n axes against rank in place and rejects repeats; `what` names them in errors. */
static inline int trt_normalize_axes(int64_t *axes, int n, int rank, const char *what,
                                     tinyrt_error *err) {
  bool seen[TRT_MAX_RANK] = {false};
  for (int i = 0; i < n; i++) {
    if (axes[i] < -rank || axes[i] >= rank)
      return trt_error(err, TINYRT_ERR_MODEL, "%s value %lld is out of range for rank %d", what,
                       (long long)axes[i], rank);
    if (axes[i] < 0) axes[i] += rank;
    if (seen[axes[i]])
      return trt_error(err, TINYRT_ERR_MODEL, "%s repeats axis %lld", what, (long long)axes[i]);
    seen[axes[i]] = true;
  }
  return TINYRT_OK;
}

/* Copies n bytes unless the executor let the output alias the input (or there is nothing to
 * copy: empty tensors may have NULL data, and memcpy with NULL is undefined even for 0 bytes). */
static inline void trt_copy_bytes(void *dst, const void *src, size_t n) {
  if (n && dst != src) memcpy(dst, src, n);
}

/* Product of dims[from..to). */
static inline size_t trt_dims_prod(const int64_t *dims, int from, int to) {
  size_t p = 1;
  for (int i = from; i < to; i++) p *= (size_t)dims[i];
  return p;
}

/* Row-major element strides of dims. */
static inline void trt_dense_strides(int rank, const int64_t *dims, int64_t *strides) {
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; i--) {
    strides[i] = s;
    s *= dims[i];
  }
}

/* movement.c */
int trt_gather_infer(trt_infer_ctx *c, tinyrt_error *err);
int trt_gather_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                   tinyrt_error *err);
int trt_concat_infer(trt_infer_ctx *c, tinyrt_error *err);
int trt_concat_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                   tinyrt_error *err);
int trt_transpose_infer(trt_infer_ctx *c, tinyrt_error *err);
int trt_transpose_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                      int n_out, tinyrt_error *err);
int trt_slice_infer(trt_infer_ctx *c, tinyrt_error *err);
int trt_slice_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                  tinyrt_error *err);
int trt_split_infer(trt_infer_ctx *c, tinyrt_error *err);
int trt_split_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                  tinyrt_error *err);
int trt_expand_infer(trt_infer_ctx *c, tinyrt_error *err);
int trt_expand_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                   tinyrt_error *err);

#endif
