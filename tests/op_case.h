/* Building one node by hand and running an op's infer + reference kernel on it, for the
 * tests/test_ops_*.c unit tests. Input data is borrowed from the test; outputs are malloc'd by
 * oc_run (0 bytes: NULL, as an executor may hand an empty tensor) and freed by oc_free. */
#ifndef TRT_OP_CASE_H
#define TRT_OP_CASE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "testutil.h"

#define OC_MAX 8

typedef struct op_case {
  trt_node node;
  trt_attr attrs[OC_MAX];
  int64_t opset;
  trt_tensor in[OC_MAX];
  int n_in;
  trt_tensor out[OC_MAX];
  int n_out;
  tinyrt_error err;
} op_case;

/* dims / data literals: D(2, 3), F32(1, 2), I64(0, 1) */
#define D(...) ((int64_t[]){__VA_ARGS__})
#define F32(...) ((float[]){__VA_ARGS__})
#define F64(...) ((double[]){__VA_ARGS__})
#define I64(...) ((int64_t[]){__VA_ARGS__})
#define I32(...) ((int32_t[]){__VA_ARGS__})

static inline void oc_init(op_case *c, const char *op_type, int64_t opset) {
  memset(c, 0, sizeof *c);
  c->node.name = "node";
  c->node.op_type = op_type;
  c->node.domain = "";
  c->node.attrs = c->attrs;
  c->opset = opset;
  c->n_out = 1;
}

static inline trt_attr *oc_attr(op_case *c, const char *name, trt_attr_type type) {
  trt_attr *a = &c->attrs[c->node.n_attrs++];
  a->name = name;
  a->type = type;
  return a;
}
static inline void oc_attr_int(op_case *c, const char *name, int64_t v) {
  oc_attr(c, name, TRT_ATTR_INT)->i = v;
}
static inline void oc_attr_float(op_case *c, const char *name, float v) {
  oc_attr(c, name, TRT_ATTR_FLOAT)->f = v;
}
static inline void oc_attr_ints(op_case *c, const char *name, int n, const int64_t *v) {
  trt_attr *a = oc_attr(c, name, TRT_ATTR_INTS);
  a->n = n;
  a->ints = v;
}
static inline void oc_attr_floats(op_case *c, const char *name, int n, const float *v) {
  trt_attr *a = oc_attr(c, name, TRT_ATTR_FLOATS);
  a->n = n;
  a->floats = v;
}
static inline void oc_attr_tensor(op_case *c, const char *name, tinyrt_dtype dt, int rank,
                                  const int64_t *dims, const void *data) {
  trt_attr *a = oc_attr(c, name, TRT_ATTR_TENSOR);
  a->t.dtype = dt;
  a->t.rank = rank;
  if (rank) memcpy(a->t.dims, dims, (size_t)rank * sizeof *dims);
  a->t.data = (void *)data;
}

/* Appends an input; data NULL means "value not known" (shape inference then may need it). */
static inline void oc_in(op_case *c, tinyrt_dtype dt, int rank, const int64_t *dims,
                         const void *data) {
  trt_tensor *t = &c->in[c->n_in++];
  t->dtype = dt;
  t->rank = rank;
  if (rank) memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
  t->data = (void *)data;
}
/* An absent optional input. */
static inline void oc_absent(op_case *c) { c->in[c->n_in++].dtype = TINYRT_UNDEFINED; }

static inline int oc_infer(op_case *c, int op) {
  const trt_op_def *d = trt_op_get(op);
  if (!d || !d->infer) return -1;
  trt_infer_ctx ctx = {&c->node, c->opset, c->n_in, c->in, c->n_out, c->out};
  c->err.code = 0;
  c->err.message[0] = '\0';
  return d->infer(&ctx, &c->err);
}

/* infer, then the reference kernel into freshly allocated outputs (filled with 0xCD so that an
 * element the kernel forgot shows up). */
static inline int oc_run(op_case *c, int op) {
  int rc = oc_infer(c, op);
  if (rc) return rc;
  for (int i = 0; i < c->n_out; i++) {
    size_t n = trt_tensor_nbytes(&c->out[i]);
    c->out[i].data = n ? malloc(n) : NULL;
    if (n && c->out[i].data) memset(c->out[i].data, 0xCD, n);
  }
  trt_kernel_ctx k = {&c->node, c->opset, NULL, NULL, NULL, 0};
  return trt_op_get(op)->ref(&k, c->in, c->n_in, c->out, c->n_out, &c->err);
}

static inline void oc_free(op_case *c) {
  for (int i = 0; i < c->n_out; i++) {
    free(c->out[i].data);
    c->out[i].data = NULL;
  }
}

/* Checks dtype and dims of t. */
#define CHECK_SHAPE(t, dt, rank_, ...) check_shape_at(__FILE__, __LINE__, (t), (dt), (rank_), (int64_t[]){0, ##__VA_ARGS__} + 1)
static inline void check_shape_at(const char *file, int line, const trt_tensor *t, tinyrt_dtype dt,
                                  int rank, const int64_t *dims) {
  bool ok = t->dtype == dt && t->rank == rank;
  for (int i = 0; ok && i < rank; i++) ok = t->dims[i] == dims[i];
  char got[160], want[160];
  CHECK_MSG(ok, "%s:%d: got %s %s, want %s %s", file, line, tinyrt_dtype_name(t->dtype),
            trt_shape_str(t->rank, t->dims, got, sizeof got), tinyrt_dtype_name(dt),
            trt_shape_str(rank, dims, want, sizeof want));
}

/* Element-wise comparison; tol is absolute (0: exact). */
#define CHECK_F32(t, tol, ...) check_f32_at(__FILE__, __LINE__, (t), (tol), F32(__VA_ARGS__), sizeof(F32(__VA_ARGS__)) / sizeof(float))
static inline void check_f32_at(const char *file, int line, const trt_tensor *t, double tol,
                                const float *want, size_t n) {
  size_t got_n = trt_tensor_numel(t);
  CHECK_MSG(got_n == n, "%s:%d: %zu elements, want %zu", file, line, got_n, n);
  if (got_n != n || t->dtype != TINYRT_FLOAT) return;
  const float *g = t->data;
  for (size_t i = 0; i < n; i++)
    CHECK_MSG(fabs((double)g[i] - (double)want[i]) <= tol, "%s:%d: element %zu = %.9g, want %.9g",
              file, line, i, g[i], want[i]);
}

#define CHECK_I64(t, ...) check_i64_at(__FILE__, __LINE__, (t), I64(__VA_ARGS__), sizeof(I64(__VA_ARGS__)) / sizeof(int64_t))
static inline void check_i64_at(const char *file, int line, const trt_tensor *t,
                                const int64_t *want, size_t n) {
  size_t got_n = trt_tensor_numel(t);
  CHECK_MSG(got_n == n, "%s:%d: %zu elements, want %zu", file, line, got_n, n);
  if (got_n != n) return;
  for (size_t i = 0; i < n; i++) {
    int64_t g = t->dtype == TINYRT_INT64 ? ((const int64_t *)t->data)[i]
                : t->dtype == TINYRT_INT32 ? ((const int32_t *)t->data)[i]
                                          : INT64_MIN;
    CHECK_MSG(g == want[i], "%s:%d: element %zu = %lld, want %lld", file, line, i, (long long)g,
              (long long)want[i]);
  }
}

/* rc is the error code and the message mentions `needle`. */
#define CHECK_ERR(c, rc, code, needle)                                                     \
  do {                                                                                     \
    CHECK_EQ_INT((rc), (code));                                                            \
    CHECK_STR_CONTAINS((c)->err.message, (needle));                                        \
  } while (0)

#endif
