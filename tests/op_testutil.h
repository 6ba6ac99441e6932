/* Helpers for op unit tests: build a node with attributes, run an op's shape inference and its
 * reference kernel directly (no graph, no session), and compare results. Header-only so that any
 * tests/test_ops_*.c can include it without changing the build. */
#ifndef TRT_OP_TESTUTIL_H
#define TRT_OP_TESTUTIL_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"
#include "testutil.h"

#define OPT_MAX_ATTRS 8
#define OPT_MAX_OUT 4

typedef struct op_run {
  trt_node node;
  trt_attr attrs[OPT_MAX_ATTRS];
  int64_t opset;
  tinyrt_error err;
  trt_tensor out[OPT_MAX_OUT];
  int n_out;
} op_run;

/* dims literal: DIMS(2, 3) */
#define DIMS(...) ((const int64_t[]){__VA_ARGS__})

static inline trt_tensor opt_tensor(int dt, int rank, const int64_t *dims, const void *data) {
  trt_tensor t;
  memset(&t, 0, sizeof t);
  t.dtype = (tinyrt_dtype)dt;
  t.rank = rank;
  for (int i = 0; i < rank; i++) t.dims[i] = dims[i];
  t.data = (void *)data;
  return t;
}

/* An absent optional input. */
static inline trt_tensor opt_absent(void) {
  trt_tensor t;
  memset(&t, 0, sizeof t);
  return t;
}

static inline void opt_init(op_run *r, int op, int64_t opset) {
  memset(r, 0, sizeof *r);
  const trt_op_def *d = trt_op_get(op);
  r->node.name = "test_node";
  r->node.op_type = d ? d->name : "?";
  r->node.domain = "";
  r->node.op = op;
  r->node.attrs = r->attrs;
  r->opset = opset;
}

static inline trt_attr *opt_attr(op_run *r, const char *name, trt_attr_type type) {
  if (r->node.n_attrs >= OPT_MAX_ATTRS) return &r->attrs[OPT_MAX_ATTRS - 1];
  trt_attr *a = &r->attrs[r->node.n_attrs++];
  memset(a, 0, sizeof *a);
  a->name = name;
  a->type = type;
  return a;
}
static inline void opt_attr_int(op_run *r, const char *name, int64_t v) {
  opt_attr(r, name, TRT_ATTR_INT)->i = v;
}
static inline void opt_attr_float(op_run *r, const char *name, float v) {
  opt_attr(r, name, TRT_ATTR_FLOAT)->f = v;
}

/* Runs shape inference only; outputs' shapes land in r->out. */
static inline int opt_infer(op_run *r, const trt_tensor *in, int n_in, int n_out) {
  const trt_op_def *d = trt_op_get(r->node.op);
  if (!d || !d->infer) return -1;
  memset(&r->err, 0, sizeof r->err);
  r->n_out = n_out;
  r->node.n_inputs = n_in;
  r->node.n_outputs = n_out;
  trt_infer_ctx c = {&r->node, r->opset, n_in, in, n_out, r->out};
  return d->infer(&c, &r->err);
}

/* Shape inference, output allocation and the reference kernel. Free with opt_free. */
static inline int opt_run(op_run *r, const trt_tensor *in, int n_in, int n_out) {
  int rc = opt_infer(r, in, n_in, n_out);
  if (rc) return rc;
  for (int i = 0; i < n_out; i++) {
    size_t nb = trt_tensor_nbytes(&r->out[i]);
    r->out[i].data = calloc(nb ? nb : 1, 1);
  }
  const trt_op_def *d = trt_op_get(r->node.op);
  trt_kernel_ctx k;
  memset(&k, 0, sizeof k);
  k.node = &r->node;
  k.opset = r->opset;
  return d->ref(&k, in, n_in, r->out, n_out, &r->err);
}

static inline void opt_free(op_run *r) {
  for (int i = 0; i < OPT_MAX_OUT; i++) {
    free(r->out[i].data);
    r->out[i].data = NULL;
  }
}

static inline int opt_shape_is(const trt_tensor *t, int rank, const int64_t *dims) {
  if (t->rank != rank) return 0;
  for (int i = 0; i < rank; i++)
    if (t->dims[i] != dims[i]) return 0;
  return 1;
}

#define CHECK_SHAPE(t, want_rank, want_dims)                                                    \
  do {                                                                                         \
    char s_[160];                                                                              \
    CHECK_MSG(opt_shape_is((t), (want_rank), (want_dims)), "shape is %s",                       \
              trt_shape_str((t)->rank, (t)->dims, s_, sizeof s_));                             \
  } while (0)

/* Compares n floats with |got - want| <= tol (NaN matches NaN, inf matches the same inf). */
static inline int opt_close_f32(const float *got, const float *want, size_t n, double tol,
                                const char *file, int line) {
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    double g = got[i], w = want[i];
    int ok = (isnan(g) && isnan(w)) || g == w || fabs(g - w) <= tol;
    if (!ok && bad++ < 5)
      fprintf(stderr, "%s:%d: element %zu: got %.9g, want %.9g (tol %g)\n", file, line, i, g, w,
              tol);
  }
  return bad == 0;
}
static inline int opt_close_f64(const double *got, const double *want, size_t n, double tol,
                                const char *file, int line) {
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    double g = got[i], w = want[i];
    int ok = (isnan(g) && isnan(w)) || g == w || fabs(g - w) <= tol;
    if (!ok && bad++ < 5)
      fprintf(stderr, "%s:%d: element %zu: got %.17g, want %.17g (tol %g)\n", file, line, i, g,
              w, tol);
  }
  return bad == 0;
}
#define CHECK_F32(got, want, n, tol) CHECK(opt_close_f32((got), (want), (n), (tol), __FILE__, __LINE__))
#define CHECK_F64(got, want, n, tol) CHECK(opt_close_f64((got), (want), (n), (tol), __FILE__, __LINE__))

/* Exact comparison of n elements of any integer type. */
#define CHECK_INTS(T, got, want, n)                                                            \
  do {                                                                                         \
    const T *g_ = (const T *)(got);                                                            \
    const T *w_ = (const T *)(want);                                                           \
    int bad_ = 0;                                                                              \
    for (size_t i_ = 0; i_ < (size_t)(n); i_++)                                                \
      if (g_[i_] != w_[i_] && bad_++ < 5)                                                      \
        fprintf(stderr, "%s:%d: element %zu: got %lld, want %lld\n", __FILE__, __LINE__, i_,    \
                (long long)g_[i_], (long long)w_[i_]);                                         \
    CHECK(bad_ == 0);                                                                          \
  } while (0)

#endif
