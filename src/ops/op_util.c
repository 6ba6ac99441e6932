/* Helpers shared by the op groups: see op_util.h. */
#include "ops/op_util.h"

const char *trt_dtype_label(int dt) {
  if (dt == TRT_DT_BFLOAT16) return "bfloat16";
  return tinyrt_dtype_name((tinyrt_dtype)dt);
}

int trt_check_dtype(int dt, uint32_t implemented, uint32_t spec_allowed, const char *what,
                    tinyrt_error *err) {
  if (trt_dt_in(dt, implemented)) return TINYRT_OK;
  if (dt == TINYRT_UNDEFINED)
    return trt_error(err, TINYRT_ERR_MODEL, "%s has no dtype", what);
  if (trt_dt_in(dt, spec_allowed))
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "%s: dtype %s is not supported", what,
                     trt_dtype_label(dt));
  return trt_error(err, TINYRT_ERR_MODEL, "%s: dtype %s is not allowed for this op", what,
                   trt_dtype_label(dt));
}

int trt_check_present(const trt_infer_ctx *c, int i, tinyrt_error *err) {
  if (i >= c->n_in || c->in[i].dtype == TINYRT_UNDEFINED)
    return trt_error(err, TINYRT_ERR_MODEL, "input %d is missing", i);
  return TINYRT_OK;
}

int trt_check_same_dtype(const trt_infer_ctx *c, int first, int n, int dt, tinyrt_error *err) {
  for (int i = first; i < first + n; i++) {
    int rc = trt_check_present(c, i, err);
    if (rc) return rc;
    if ((int)c->in[i].dtype != dt)
      return trt_error(err, TINYRT_ERR_MODEL, "input %d has dtype %s but input %d has %s", i,
                       trt_dtype_label(c->in[i].dtype), first, trt_dtype_label(dt));
  }
  return TINYRT_OK;
}

int trt_infer_broadcast(trt_infer_ctx *c, int first, int n, int dt, tinyrt_error *err) {
  int rank = 0;
  int64_t dims[TRT_MAX_RANK];
  for (int i = first; i < first + n; i++) {
    int rc = trt_check_present(c, i, err);
    if (rc) return rc;
    const trt_tensor *t = &c->in[i];
    if (i == first) {
      rank = t->rank;
      for (int d = 0; d < rank; d++) dims[d] = t->dims[d];
      continue;
    }
    int64_t next[TRT_MAX_RANK];
    int next_rank;
    rc = trt_broadcast_shapes(rank, dims, t->rank, t->dims, &next_rank, next, err);
    if (rc) return rc;
    rank = next_rank;
    for (int d = 0; d < rank; d++) dims[d] = next[d];
  }
  trt_tensor *o = &c->out[0];
  o->dtype = (tinyrt_dtype)dt;
  o->rank = rank;
  for (int d = 0; d < rank; d++) o->dims[d] = dims[d];
  return TINYRT_OK;
}

int trt_bcast_init(trt_bcast *b, int out_rank, const int64_t *out_dims, int n, const int *ranks,
                   const int64_t *const *dims, tinyrt_error *err) {
  if (n < 1 || n > TRT_BCAST_MAX_OPERANDS || out_rank < 0 || out_rank > TRT_MAX_RANK)
    return trt_error(err, TINYRT_ERR_INTERNAL, "broadcast of %d operands to rank %d", n, out_rank);
  b->n = n;
  int64_t numel = 1;
  for (int d = 0; d < out_rank; d++) numel *= out_dims[d];

  /* Per-operand strides along the output dims, dropping output dims of size 1 (only index 0 is
   * ever used there, so they contribute nothing). */
  int r = 0;
  int64_t st[TRT_BCAST_MAX_OPERANDS][TRT_MAX_RANK];
  int64_t dm[TRT_MAX_RANK];
  for (int k = 0; k < n; k++) {
    if (ranks[k] < 0 || ranks[k] > out_rank) {
      char so[160];
      return trt_error(err, TINYRT_ERR_SHAPE, "operand %d of rank %d cannot broadcast to %s", k,
                       ranks[k], trt_shape_str(out_rank, out_dims, so, sizeof so));
    }
  }
  for (int d = 0; d < out_rank; d++) {
    for (int k = 0; k < n; k++) {
      int kd = d - (out_rank - ranks[k]);
      int64_t od = kd >= 0 ? dims[k][kd] : 1;
      if (od != 1 && od != out_dims[d]) {
        char so[160], sk[160];
        return trt_error(err, TINYRT_ERR_SHAPE, "operand %d of shape %s cannot broadcast to %s", k,
                         trt_shape_str(ranks[k], dims[k], sk, sizeof sk),
                         trt_shape_str(out_rank, out_dims, so, sizeof so));
      }
    }
    if (out_dims[d] == 1) continue;
    dm[r] = out_dims[d];
    for (int k = 0; k < n; k++) {
      int kd = d - (out_rank - ranks[k]);
      int64_t stride = 0;
      if (kd >= 0 && dims[k][kd] != 1) {
        stride = 1;
        for (int e = kd + 1; e < ranks[k]; e++) stride *= dims[k][e];
      }
      st[k][r] = stride;
    }
    r++;
  }

  /* Merge dim i into dim i+1 when every operand steps over dim i exactly by the extent of dim
   * i+1 (contiguous for it, or broadcast along both). */
  b->rank = 0;
  for (int d = 0; d < r; d++) {
    if (b->rank > 0) {
      int p = b->rank - 1;
      bool merge = true;
      for (int k = 0; k < n && merge; k++) merge = b->strides[k][p] == st[k][d] * dm[d];
      if (merge) { /* the merged dim steps like its inner part */
        b->dims[p] *= dm[d];
        for (int k = 0; k < n; k++) b->strides[k][p] = st[k][d];
        continue;
      }
    }
    b->dims[b->rank] = dm[d];
    for (int k = 0; k < n; k++) b->strides[k][b->rank] = st[k][d];
    b->rank++;
  }
  if (b->rank == 0) { /* all dims 1 (or a scalar): one row of one element */
    b->rank = 1;
    b->dims[0] = 1;
    for (int k = 0; k < n; k++) b->strides[k][0] = 0;
  }
  b->inner = b->dims[b->rank - 1];
  for (int k = 0; k < n; k++) b->inner_stride[k] = b->strides[k][b->rank - 1];
  b->rows = b->inner > 0 ? numel / b->inner : 0;
  if (numel == 0) b->rows = 0;
  return TINYRT_OK;
}

int trt_bcast_init_tensors(trt_bcast *b, const trt_tensor *out, const trt_tensor *const *ins,
                           int n, tinyrt_error *err) {
  int ranks[TRT_BCAST_MAX_OPERANDS];
  const int64_t *dims[TRT_BCAST_MAX_OPERANDS];
  if (n < 1 || n > TRT_BCAST_MAX_OPERANDS)
    return trt_error(err, TINYRT_ERR_INTERNAL, "broadcast of %d operands", n);
  for (int k = 0; k < n; k++) {
    ranks[k] = ins[k]->rank;
    dims[k] = ins[k]->dims;
  }
  return trt_bcast_init(b, out->rank, out->dims, n, ranks, dims, err);
}
