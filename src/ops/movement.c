/* Ops of the shape group that move elements: Gather, Concat, Transpose, Slice, Split, Expand.
 * Elements are copied as opaque blocks of the element size (see shape_group.h). */
#include "ops/shape_group.h"

/* Copies one element of esize bytes; the constant-size memcpy calls compile to plain moves. */
static inline void copy_elem(char *dst, const char *src, size_t esize) {
  switch (esize) {
    case 1: *dst = *src; break;
    case 2: memcpy(dst, src, 2); break;
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    default: memcpy(dst, src, esize); break;
  }
}

/* Writes the dense tensor of shape dims[rank] whose element at index (i0..ir-1) is the element
 * at src + sum(i_a * stride[a]) bytes. Transpose, Slice and Expand are each this copy with
 * their own strides (permuted, stepped — possibly negative — or 0 for broadcast axes). */
static void strided_copy(char *dst, const char *src, int rank, const int64_t *dims,
                         const int64_t *stride, size_t esize) {
  size_t total = trt_dims_prod(dims, 0, rank);
  if (total == 0) return;
  if (rank == 0) {
    copy_elem(dst, src, esize);
    return;
  }
  int64_t inner = dims[rank - 1], inner_stride = stride[rank - 1];
  int64_t idx[TRT_MAX_RANK] = {0};
  size_t rows = total / (size_t)inner;
  for (size_t r = 0; r < rows; r++) {
    if (inner_stride == (int64_t)esize) {
      memcpy(dst, src, (size_t)inner * esize);
      dst += (size_t)inner * esize;
    } else {
      const char *p = src;
      for (int64_t j = 0; j < inner; j++, dst += esize, p += inner_stride) copy_elem(dst, p, esize);
    }
    for (int a = rank - 2; a >= 0; a--) {
      if (++idx[a] < dims[a]) {
        src += stride[a];
        break;
      }
      src -= stride[a] * (dims[a] - 1);
      idx[a] = 0;
    }
  }
}

/* Outputs whose element count overflows are refused here rather than left to the allocator
 * (a hostile model can ask for [2^32, 1] expanded by [1, 2^32]). */
static int check_numel(const trt_tensor *y, tinyrt_error *err) {
  char s[160];
  if (trt_shape_numel(y->rank, y->dims) < 0)
    return trt_error(err, TINYRT_ERR_SHAPE, "output shape %s is too large",
                     trt_shape_str(y->rank, y->dims, s, sizeof s));
  return TINYRT_OK;
}

/* ---- Gather ------------------------------------------------------------------------------ */

static int gather_axis(const trt_node *node, int rank, int *axis, tinyrt_error *err) {
  return trt_normalize_axis(trt_attr_int(node, "axis", 0), rank, axis, err);
}

int trt_gather_infer(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *x = &c->in[0], *idx = &c->in[1];
  int axis, rc = trt_copyable_dtype(x->dtype, "data", NULL, err);
  if (rc) return rc;
  if (idx->dtype != TINYRT_INT64 && idx->dtype != TINYRT_INT32)
    return trt_error(err, TINYRT_ERR_MODEL, "indices must be int64 or int32, got %s",
                     trt_dtype_label(idx->dtype));
  if (x->rank < 1) return trt_error(err, TINYRT_ERR_SHAPE, "data must have rank >= 1, not 0");
  if ((rc = gather_axis(c->node, x->rank, &axis, err))) return rc;
  int out_rank = x->rank - 1 + idx->rank;
  if (out_rank > TRT_MAX_RANK)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "output rank %d exceeds the maximum %d",
                     out_rank, TRT_MAX_RANK);
  trt_tensor *y = &c->out[0];
  y->dtype = x->dtype;
  y->rank = 0;
  for (int i = 0; i < axis; i++) y->dims[y->rank++] = x->dims[i];
  for (int i = 0; i < idx->rank; i++) y->dims[y->rank++] = idx->dims[i];
  for (int i = axis + 1; i < x->rank; i++) y->dims[y->rank++] = x->dims[i];
  return check_numel(y, err);
}

int trt_gather_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                   tinyrt_error *err) {
  const trt_tensor *x = &in[0], *idx = &in[1];
  int axis, rc = gather_axis(k->node, x->rank, &axis, err);
  if (rc) return rc;
  size_t esize = tinyrt_dtype_size(x->dtype);
  size_t outer = trt_dims_prod(x->dims, 0, axis);
  size_t block = trt_dims_prod(x->dims, axis + 1, x->rank) * esize;
  int64_t n_axis = x->dims[axis];
  size_t n_idx = trt_tensor_numel(idx);
  /* indices first, so that a bad one fails before anything is written */
  for (size_t j = 0; j < n_idx; j++) {
    int64_t v = trt_tensor_get_int(idx, j);
    if (v < -n_axis || v >= n_axis)
      return trt_error(err, TINYRT_ERR_ARGUMENT,
                       "index %lld (element %zu of indices) is out of range for axis %d of size %lld",
                       (long long)v, j, axis, (long long)n_axis);
  }
  if (block == 0) return TINYRT_OK;
  const char *src = x->data;
  char *dst = out[0].data;
  for (size_t o = 0; o < outer; o++) {
    const char *base = src + o * (size_t)n_axis * block;
    for (size_t j = 0; j < n_idx; j++, dst += block) {
      int64_t v = trt_tensor_get_int(idx, j);
      if (v < 0) v += n_axis;
      memcpy(dst, base + (size_t)v * block, block);
    }
  }
  return TINYRT_OK;
}

/* ---- Concat ------------------------------------------------------------------------------ */

int trt_concat_infer(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *x0 = &c->in[0];
  int rc = trt_copyable_dtype(x0->dtype, "input 0", NULL, err);
  if (rc) return rc;
  const trt_attr *a = trt_node_attr(c->node, "axis");
  if (!a || a->type != TRT_ATTR_INT)
    return trt_error(err, TINYRT_ERR_MODEL, "attribute 'axis' (int) is required");
  if (x0->rank < 1) return trt_error(err, TINYRT_ERR_SHAPE, "inputs must have rank >= 1, not 0");
  int axis;
  if ((rc = trt_normalize_axis(a->i, x0->rank, &axis, err))) return rc;
  trt_tensor *y = &c->out[0];
  *y = *x0;
  y->data = NULL;
  for (int i = 1; i < c->n_in; i++) {
    const trt_tensor *x = &c->in[i];
    char s0[160], si[160];
    if (x->dtype != x0->dtype)
      return trt_error(err, TINYRT_ERR_MODEL, "input %d is %s but input 0 is %s", i,
                       trt_dtype_label(x->dtype), trt_dtype_label(x0->dtype));
    bool same = x->rank == x0->rank;
    for (int d = 0; same && d < x->rank; d++) same = d == axis || x->dims[d] == x0->dims[d];
    if (!same)
      return trt_error(err, TINYRT_ERR_SHAPE,
                       "input %d has shape %s, which does not fit input 0's %s on axis %d", i,
                       trt_shape_str(x->rank, x->dims, si, sizeof si),
                       trt_shape_str(x0->rank, x0->dims, s0, sizeof s0), axis);
    if (__builtin_add_overflow(y->dims[axis], x->dims[axis], &y->dims[axis]))
      return trt_error(err, TINYRT_ERR_SHAPE, "the sizes of axis %d overflow", axis);
  }
  return check_numel(y, err);
}

int trt_concat_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                   tinyrt_error *err) {
  const trt_tensor *y = &out[0];
  int axis;
  int rc = trt_normalize_axis(trt_attr_int(k->node, "axis", 0), y->rank, &axis, err);
  if (rc) return rc;
  size_t esize = tinyrt_dtype_size(y->dtype);
  size_t outer = trt_dims_prod(y->dims, 0, axis);
  size_t inner = trt_dims_prod(y->dims, axis + 1, y->rank) * esize;
  char *dst = y->data;
  for (size_t o = 0; o < outer; o++) {
    for (int i = 0; i < n_in; i++) {
      size_t chunk = (size_t)in[i].dims[axis] * inner;
      if (chunk == 0) continue;
      memcpy(dst, (const char *)in[i].data + o * chunk, chunk);
      dst += chunk;
    }
  }
  return TINYRT_OK;
}

/* ---- Transpose --------------------------------------------------------------------------- */

/* perm, by default the reversed axes; checked to be a permutation of 0..rank-1. */
static int transpose_perm(const trt_node *node, int rank, int64_t *perm, tinyrt_error *err) {
  int n;
  bool found;
  int rc = trt_attr_int_list(node, "perm", TRT_MAX_RANK, perm, &n, &found, err);
  if (rc) return rc;
  if (!found) {
    for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
    return TINYRT_OK;
  }
  if (n != rank)
    return trt_error(err, TINYRT_ERR_MODEL, "perm has %d values but the input has rank %d", n,
                     rank);
  bool seen[TRT_MAX_RANK] = {false};
  for (int i = 0; i < n; i++) {
    if (perm[i] < 0 || perm[i] >= rank || seen[perm[i]])
      return trt_error(err, TINYRT_ERR_MODEL, "perm is not a permutation of 0..%d (value %lld)",
                       rank - 1, (long long)perm[i]);
    seen[perm[i]] = true;
  }
  return TINYRT_OK;
}

int trt_transpose_infer(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *x = &c->in[0];
  int64_t perm[TRT_MAX_RANK];
  int rc = trt_copyable_dtype(x->dtype, "input", NULL, err);
  if (rc) return rc;
  if ((rc = transpose_perm(c->node, x->rank, perm, err))) return rc;
  trt_tensor *y = &c->out[0];
  y->dtype = x->dtype;
  y->rank = x->rank;
  for (int i = 0; i < x->rank; i++) y->dims[i] = x->dims[perm[i]];
  return TINYRT_OK;
}

int trt_transpose_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                      int n_out, tinyrt_error *err) {
  const trt_tensor *x = &in[0];
  int64_t perm[TRT_MAX_RANK], in_strides[TRT_MAX_RANK], strides[TRT_MAX_RANK];
  int rc = transpose_perm(k->node, x->rank, perm, err);
  if (rc) return rc;
  size_t esize = tinyrt_dtype_size(x->dtype);
  trt_dense_strides(x->rank, x->dims, in_strides);
  for (int i = 0; i < x->rank; i++) strides[i] = in_strides[perm[i]] * (int64_t)esize;
  strided_copy(out[0].data, x->data, out[0].rank, out[0].dims, strides, esize);
  return TINYRT_OK;
}

/* ---- Slice ------------------------------------------------------------------------------- */

/* Where each axis of the output starts in the input, its step and its length. */
typedef struct slice_plan {
  int64_t start[TRT_MAX_RANK], step[TRT_MAX_RANK], len[TRT_MAX_RANK];
} slice_plan;

/* starts/ends/axes/steps: attributes before opset 10 (no steps), inputs 1..4 from 10. */
static int slice_params(const trt_node *node, int64_t opset, const trt_tensor *in, int n_in,
                        int64_t v[4][TRT_MAX_RANK], int n[4], tinyrt_error *err) {
  static const char *const names[] = {"starts", "ends", "axes", "steps"};
  int rc;
  n[2] = n[3] = -1;
  if (opset < 10) {
    for (int i = 0; i < 3; i++) {
      bool found;
      if ((rc = trt_attr_int_list(node, names[i], TRT_MAX_RANK, v[i], &n[i], &found, err)))
        return rc;
      if (!found && i < 2)
        return trt_error(err, TINYRT_ERR_MODEL, "attribute '%s' is missing", names[i]);
      if (!found) n[i] = -1;
    }
    return TINYRT_OK;
  }
  for (int i = 0; i < 4; i++) {
    if (!trt_in_present(in, n_in, i + 1)) {
      if (i < 2) return trt_error(err, TINYRT_ERR_MODEL, "input '%s' is missing", names[i]);
      continue;
    }
    if (!in[i + 1].data) return TRT_NEED_VALUE;
    if ((rc = trt_read_int_list(&in[i + 1], names[i], TRT_MAX_RANK, v[i], &n[i], err))) return rc;
  }
  return TINYRT_OK;
}

static int slice_make_plan(const trt_node *node, int64_t opset, const trt_tensor *in, int n_in,
                           slice_plan *p, tinyrt_error *err) {
  const trt_tensor *x = &in[0];
  int64_t v[4][TRT_MAX_RANK];
  int n[4];
  int rc = slice_params(node, opset, in, n_in, v, n, err);
  if (rc) return rc;
  int count = n[0];
  if (n[1] != count || (n[2] >= 0 && n[2] != count) || (n[3] >= 0 && n[3] != count))
    return trt_error(err, TINYRT_ERR_MODEL,
                     "starts, ends, axes and steps have different lengths (%d, %d, %d, %d)", n[0],
                     n[1], n[2], n[3]);
  int64_t *axes = v[2];
  if (n[2] < 0)
    for (int i = 0; i < count; i++) axes[i] = i;
  if ((rc = trt_normalize_axes(axes, count, x->rank, "axes", err))) return rc;
  for (int a = 0; a < x->rank; a++) {
    p->start[a] = 0;
    p->step[a] = 1;
    p->len[a] = x->dims[a];
  }
  for (int i = 0; i < count; i++) {
    int a = (int)axes[i];
    int64_t d = x->dims[a], step = n[3] >= 0 ? v[3][i] : 1, s = v[0][i], e = v[1][i];
    if (step == 0) return trt_error(err, TINYRT_ERR_MODEL, "step for axis %d is 0", a);
    /* adding d to a negative value cannot overflow; INT64_MAX-style ends are then clamped */
    if (s < 0) s += d;
    if (e < 0) e += d;
    int64_t len;
    if (step > 0) {
      s = TRT_MIN(TRT_MAX(s, 0), d);
      e = TRT_MIN(TRT_MAX(e, 0), d);
      len = e > s ? (e - s - 1) / step + 1 : 0;
    } else {
      s = TRT_MIN(TRT_MAX(s, 0), d - 1);
      e = TRT_MIN(TRT_MAX(e, -1), d - 1);
      uint64_t mag = step == INT64_MIN ? (uint64_t)INT64_MAX + 1 : (uint64_t)-step;
      len = d > 0 && s > e ? (int64_t)((uint64_t)(s - e - 1) / mag) + 1 : 0;
    }
    p->start[a] = s;
    p->step[a] = step;
    p->len[a] = len;
  }
  return TINYRT_OK;
}

int trt_slice_infer(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *x = &c->in[0];
  slice_plan p;
  int rc = trt_copyable_dtype(x->dtype, "data", NULL, err);
  if (rc) return rc;
  if ((rc = slice_make_plan(c->node, c->opset, c->in, c->n_in, &p, err))) return rc;
  trt_tensor *y = &c->out[0];
  y->dtype = x->dtype;
  y->rank = x->rank;
  memcpy(y->dims, p.len, sizeof p.len);
  return TINYRT_OK;
}

int trt_slice_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                  tinyrt_error *err) {
  const trt_tensor *x = &in[0];
  slice_plan p;
  int rc = slice_make_plan(k->node, k->opset, in, n_in, &p, err);
  if (rc) return rc;
  if (trt_tensor_numel(&out[0]) == 0) return TINYRT_OK;
  size_t esize = tinyrt_dtype_size(x->dtype);
  int64_t in_strides[TRT_MAX_RANK], strides[TRT_MAX_RANK];
  trt_dense_strides(x->rank, x->dims, in_strides);
  const char *src = x->data;
  for (int a = 0; a < x->rank; a++) {
    src += p.start[a] * in_strides[a] * (int64_t)esize;
    /* a length-1 axis never steps, and its step may be huge (INT64_MAX): keep it out of the
     * multiplication */
    strides[a] = p.len[a] > 1 ? p.step[a] * in_strides[a] * (int64_t)esize : 0;
  }
  strided_copy(out[0].data, src, x->rank, p.len, strides, esize);
  return TINYRT_OK;
}

/* ---- Split ------------------------------------------------------------------------------- */

/* The sizes of the parts: the `split` input from opset 13, the `split` attribute before. */
typedef struct split_sizes {
  const trt_tensor *t; /* input form */
  const int64_t *ints; /* attribute form */
  int n;               /* -1: not given, equal parts */
} split_sizes;

static int64_t split_size(const split_sizes *s, int i) {
  return s->t ? trt_tensor_get_int(s->t, (size_t)i) : s->ints[i];
}

int trt_split_infer(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *x = &c->in[0];
  int axis, rc = trt_copyable_dtype(x->dtype, "input", NULL, err);
  if (rc) return rc;
  if (x->rank < 1) return trt_error(err, TINYRT_ERR_SHAPE, "input must have rank >= 1, not 0");
  if ((rc = trt_normalize_axis(trt_attr_int(c->node, "axis", 0), x->rank, &axis, err))) return rc;
  split_sizes s = {NULL, NULL, -1};
  if (c->opset >= 13) {
    if (trt_in_present(c->in, c->n_in, 1)) {
      const trt_tensor *t = &c->in[1];
      if (t->dtype != TINYRT_INT64 && t->dtype != TINYRT_INT32)
        return trt_error(err, TINYRT_ERR_MODEL, "split must be int64, got %s",
                         trt_dtype_label(t->dtype));
      if (t->rank != 1) return trt_error(err, TINYRT_ERR_MODEL, "split must be 1-D");
      if (!t->data) return TRT_NEED_VALUE;
      s.t = t;
      s.n = (int)TRT_MIN(t->dims[0], (int64_t)INT32_MAX);
    }
  } else {
    const trt_attr *a = trt_node_attr(c->node, "split");
    if (a && a->type != TRT_ATTR_INTS)
      return trt_error(err, TINYRT_ERR_MODEL, "attribute 'split' must be a list of ints");
    if (a) {
      s.ints = a->ints;
      s.n = a->n;
    }
  }
  int64_t d = x->dims[axis];
  if (s.n < 0 && trt_node_attr(c->node, "num_outputs"))
    return trt_error(err, TINYRT_ERR_UNSUPPORTED,
                     "attribute 'num_outputs' (opset 18, uneven last part) is not supported");
  if (s.n >= 0) {
    if (s.n != c->n_out)
      return trt_error(err, TINYRT_ERR_MODEL, "split has %d sizes for %d outputs", s.n, c->n_out);
    int64_t sum = 0;
    for (int i = 0; i < s.n; i++) {
      int64_t v = split_size(&s, i);
      if (v < 0 || v > d)
        return trt_error(err, TINYRT_ERR_MODEL, "split size %lld (part %d) is invalid",
                         (long long)v, i);
      sum += v;
    }
    if (sum != d)
      return trt_error(err, TINYRT_ERR_SHAPE, "split sizes add up to %lld, not axis %d's size %lld",
                       (long long)sum, axis, (long long)d);
  } else if (d % c->n_out != 0) {
    return trt_error(err, TINYRT_ERR_SHAPE,
                     "axis %d of size %lld cannot be split into %d equal parts", axis,
                     (long long)d, c->n_out);
  }
  for (int i = 0; i < c->n_out; i++) {
    trt_tensor *y = &c->out[i];
    *y = *x;
    y->data = NULL;
    y->dims[axis] = s.n >= 0 ? split_size(&s, i) : d / c->n_out;
  }
  return TINYRT_OK;
}

/* The parts' sizes are the outputs' dims on the axis, as infer set them. */
int trt_split_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                  tinyrt_error *err) {
  const trt_tensor *x = &in[0];
  int axis;
  int rc = trt_normalize_axis(trt_attr_int(k->node, "axis", 0), x->rank, &axis, err);
  if (rc) return rc;
  size_t esize = tinyrt_dtype_size(x->dtype);
  size_t outer = trt_dims_prod(x->dims, 0, axis);
  size_t inner = trt_dims_prod(x->dims, axis + 1, x->rank) * esize;
  size_t row = (size_t)x->dims[axis] * inner;
  size_t off = 0;
  for (int i = 0; i < n_out; i++) {
    size_t chunk = (size_t)out[i].dims[axis] * inner;
    if (chunk && out[i].data) {
      const char *src = (const char *)x->data + off;
      char *dst = out[i].data;
      for (size_t o = 0; o < outer; o++) memcpy(dst + o * chunk, src + o * row, chunk);
    }
    off += chunk;
  }
  return TINYRT_OK;
}

/* ---- Expand ------------------------------------------------------------------------------ */

int trt_expand_infer(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *x = &c->in[0];
  int rc = trt_copyable_dtype(x->dtype, "input", NULL, err);
  if (rc) return rc;
  if (!c->in[1].data) return TRT_NEED_VALUE;
  int64_t shape[TRT_MAX_RANK];
  int n;
  if ((rc = trt_read_shape_input(&c->in[1], shape, &n, err))) return rc;
  trt_tensor *y = &c->out[0];
  y->dtype = x->dtype;
  if ((rc = trt_broadcast_shapes(x->rank, x->dims, n, shape, &y->rank, y->dims, err))) return rc;
  return check_numel(y, err);
}

int trt_expand_ref(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                   tinyrt_error *err) {
  const trt_tensor *x = &in[0], *y = &out[0];
  size_t esize = tinyrt_dtype_size(x->dtype);
  int64_t in_strides[TRT_MAX_RANK], strides[TRT_MAX_RANK];
  trt_dense_strides(x->rank, x->dims, in_strides);
  int lead = y->rank - x->rank;
  for (int i = 0; i < y->rank; i++) {
    int xi = i - lead;
    strides[i] = xi < 0 || x->dims[xi] == 1 ? 0 : in_strides[xi] * (int64_t)esize;
  }
  strided_copy(y->data, x->data, y->rank, y->dims, strides, esize);
  return TINYRT_OK;
}
