/* Runs one ONNX backend node test case (model.onnx + test_data_set_N/{input,output}_M.pb) with
 * the given execution providers and compares every output.
 *
 * Tolerance: ONNX's own backend test runner compares with numpy's assert_allclose at rtol=1e-3,
 * atol=1e-7; we use the same, so a case passes here exactly when it would pass ONNX's runner.
 * Integer and bool outputs must match exactly; NaN matches NaN.
 *
 * usage: node_test CASE_DIR [PROVIDERS]   (default providers: "ref") */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/onnx.h"
#include "testutil.h"

#define RTOL 1e-3
#define ATOL 1e-7
#define MAX_IO 32

static double get_f(const trt_tensor *t, size_t i) {
  switch (t->dtype) {
    case TINYRT_FLOAT: return ((const float *)t->data)[i];
    case TINYRT_DOUBLE: return ((const double *)t->data)[i];
    default: return 0;
  }
}

static bool same_bytes(const void *a, const void *b, size_t n) { return n == 0 || !memcmp(a, b, n); }

static int compare(const char *what, const trt_tensor *want, const tinyrt_tensor *got) {
  if (want->dtype != got->dtype) {
    fprintf(stderr, "%s: dtype %s, expected %s\n", what, tinyrt_dtype_name(got->dtype),
            tinyrt_dtype_name(want->dtype));
    return 1;
  }
  /* ONNX tests sometimes store a scalar as shape [] and compare as arrays: compare element
   * counts and dims exactly. */
  bool shape_ok = want->rank == got->rank;
  for (int d = 0; shape_ok && d < want->rank; d++) shape_ok = want->dims[d] == got->dims[d];
  if (!shape_ok) {
    char a[200], b[200];
    fprintf(stderr, "%s: shape %s, expected %s\n", what,
            trt_shape_str(got->rank, got->dims, a, sizeof a),
            trt_shape_str(want->rank, want->dims, b, sizeof b));
    return 1;
  }
  size_t n = trt_tensor_numel(want);
  if (want->dtype == TINYRT_FLOAT || want->dtype == TINYRT_DOUBLE) {
    trt_tensor g = {got->dtype, got->rank, {0}, got->data};
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
      double e = get_f(want, i), a = get_f(&g, i);
      if (isnan(e) && isnan(a)) continue;
      if (isinf(e) && a == e) continue;
      if (!(fabs(a - e) <= ATOL + RTOL * fabs(e))) {
        if (bad++ < 5) fprintf(stderr, "%s[%zu]: got %.9g, expected %.9g\n", what, i, a, e);
      }
    }
    if (bad) fprintf(stderr, "%s: %d of %zu elements differ beyond rtol %g atol %g\n", what, bad, n,
                     RTOL, ATOL);
    return bad != 0;
  }
  if (!same_bytes(want->data, got->data, n * tinyrt_dtype_size(want->dtype))) {
    fprintf(stderr, "%s: %s values differ\n", what, tinyrt_dtype_name(want->dtype));
    return 1;
  }
  return 0;
}

static int load_pb(const char *path, trt_arena *ar, trt_tensor *t, const char **name) {
  size_t size;
  void *buf = test_read_file(path, &size);
  if (!buf) return -1;
  tinyrt_error err = {0};
  /* parse into the arena; data copied there, so the file buffer can go */
  int rc = trt_onnx_parse_tensor(buf, size, ar, t, name, &err);
  if (rc == TINYRT_OK && t->data) {
    size_t nb = trt_tensor_nbytes(t);
    void *copy = trt_arena_alloc_aligned(ar, nb ? nb : 1, 64);
    if (copy) memcpy(copy, t->data, nb);
    t->data = copy;
  }
  free(buf);
  if (rc) fprintf(stderr, "%s: %s\n", path, err.message);
  return rc;
}

static int run_set(tinyrt_session *s, const char *set_dir, trt_arena *ar) {
  tinyrt_tensor in[MAX_IO] = {0};
  tinyrt_tensor out[MAX_IO] = {0};
  trt_tensor want[MAX_IO];
  int n_in = 0, n_want = 0, failures = 0;
  char path[4200];
  for (; n_in < MAX_IO; n_in++) {
    snprintf(path, sizeof path, "%s/input_%d.pb", set_dir, n_in);
    trt_tensor t;
    const char *name = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) break;
    fclose(f);
    if (load_pb(path, ar, &t, &name)) return 1;
    in[n_in].name = name && *name ? name : NULL;
    in[n_in].dtype = t.dtype;
    in[n_in].rank = t.rank;
    memcpy(in[n_in].dims, t.dims, sizeof t.dims);
    in[n_in].data = t.data;
  }
  for (; n_want < MAX_IO; n_want++) {
    snprintf(path, sizeof path, "%s/output_%d.pb", set_dir, n_want);
    FILE *f = fopen(path, "rb");
    if (!f) break;
    fclose(f);
    const char *name = NULL;
    if (load_pb(path, ar, &want[n_want], &name)) return 1;
    out[n_want].name = name && *name ? name : NULL;
  }
  /* Inputs given by name must name graph inputs; ONNX test files whose names are missing are
   * positional. */
  tinyrt_error err = {0};
  if (tinyrt_run(s, in, n_in, out, n_want, &err)) {
    fprintf(stderr, "%s: run failed: %s\n", set_dir, err.message);
    return 1;
  }
  for (int k = 0; k < n_want; k++) {
    char what[4200];
    snprintf(what, sizeof what, "%s output %d", set_dir, k);
    failures += compare(what, &want[k], &out[k]);
    tinyrt_tensor_free(s, &out[k]);
  }
  return failures;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: node_test CASE_DIR [PROVIDERS]\n");
    return 2;
  }
  const char *dir = argv[1];
  tinyrt_options opts;
  tinyrt_options_init(&opts);
  opts.providers = argc > 2 ? argv[2] : "ref";
  opts.threads = 1;
  char path[4000];
  snprintf(path, sizeof path, "%s/model.onnx", dir);
  tinyrt_session *s = NULL;
  tinyrt_error err = {0};
  if (tinyrt_session_open(path, &opts, &s, &err)) {
    fprintf(stderr, "%s: %s\n", path, err.message);
    CHECK_MSG(0, "session open failed");
    return test_finish();
  }
  trt_alloc al;
  trt_alloc_init(&al, NULL);
  int sets = 0;
  for (int i = 0; i < 100; i++) {
    snprintf(path, sizeof path, "%s/test_data_set_%d", dir, i);
    DIR *d = opendir(path);
    if (!d) break;
    closedir(d);
    trt_arena ar;
    trt_arena_init(&ar, &al);
    int failures = run_set(s, path, &ar);
    CHECK_MSG(failures == 0, "%s: %d output(s) differ or the run failed", path, failures);
    trt_arena_release(&ar);
    sets++;
  }
  CHECK_MSG(sets > 0, "%s has no test_data_set_*", dir);
  tinyrt_session_close(s);
  return test_finish();
}
