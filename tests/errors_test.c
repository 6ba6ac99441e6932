/* Bad input through the public API: every case gets its error code and a message naming what was
 * wrong, never a crash, and the session stays usable. Also allocation-failure injection: every
 * allocation of session creation and of a run is made to fail in turn; each must fail cleanly
 * (ASan/LSan check that nothing leaks).
 *
 * usage: errors_test MODELS_DIR BERT_TINY_MODEL   (MODELS_DIR from tests/make_error_models.py) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tinyrt.h"

static const char *dir, *bert;

static char *path_of(const char *name) {
  static char buf[4096];
  snprintf(buf, sizeof buf, "%s/%s", dir, name);
  return buf;
}

static int open_expect(const char *path, int code, const char *needle) {
  tinyrt_session *s = (tinyrt_session *)1;
  tinyrt_error err = {0};
  int rc = tinyrt_session_open(path, NULL, &s, &err);
  CHECK_MSG(rc == code, "%s: code %d (%s), expected %d", path, rc, err.message, code);
  CHECK_MSG(s == NULL, "%s: *out not NULL on failure", path);
  if (needle) CHECK_STR_CONTAINS(err.message, needle);
  return rc;
}

static void write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return;
  if (n) fwrite(data, 1, n, f);
  fclose(f);
}

static void test_bad_files(void) {
  open_expect("/nonexistent/model.onnx", TINYRT_ERR_IO, "/nonexistent/model.onnx");
  char path[4200];
  snprintf(path, sizeof path, "%s/empty.onnx", dir);
  write_file(path, "", 0);
  open_expect(path, TINYRT_ERR_MODEL, NULL);

  size_t size;
  unsigned char *buf = test_read_file(bert, &size);
  CHECK(buf != NULL);
  if (!buf) return;
  /* truncated at several points, including inside the big embedding table */
  size_t cuts[] = {1, 7, 100, 4096, 50000, size / 2, size - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    snprintf(path, sizeof path, "%s/truncated.onnx", dir);
    write_file(path, buf, cuts[i]);
    open_expect(path, TINYRT_ERR_MODEL, NULL);
  }
  /* garbage: deterministic pseudo-random bytes */
  unsigned char junk[4096];
  unsigned x = 12345;
  for (size_t i = 0; i < sizeof junk; i++) junk[i] = (unsigned char)((x = x * 1103515245u + 12345u) >> 16);
  snprintf(path, sizeof path, "%s/garbage.onnx", dir);
  write_file(path, junk, sizeof junk);
  open_expect(path, TINYRT_ERR_MODEL, NULL);
  /* a buffer of garbage through the memory API */
  tinyrt_session *s = NULL;
  tinyrt_error err = {0};
  CHECK(tinyrt_session_open_buffer(junk, sizeof junk, NULL, &s, &err) == TINYRT_ERR_MODEL);
  CHECK(s == NULL);
  free(buf);
}

static void test_bad_graphs(void) {
  open_expect(path_of("unknown_op.onnx"), TINYRT_ERR_UNSUPPORTED, "HardSwish");
  open_expect(path_of("unknown_op.onnx"), TINYRT_ERR_UNSUPPORTED, "the_hardswish");
  open_expect(path_of("unknown_op.onnx"), TINYRT_ERR_UNSUPPORTED, "opset 14");
  open_expect(path_of("unknown_op.onnx"), TINYRT_ERR_UNSUPPORTED, "ai.onnx");
  open_expect(path_of("unknown_domain.onnx"), TINYRT_ERR_MODEL, "com.example");
  open_expect(path_of("dangling.onnx"), TINYRT_ERR_MODEL, "ghost");
  open_expect(path_of("cycle.onnx"), TINYRT_ERR_MODEL, "cycle");
  open_expect(path_of("bad_arity.onnx"), TINYRT_ERR_MODEL, "one_input_add");
  open_expect(path_of("missing_output.onnx"), TINYRT_ERR_MODEL, "'z'");
}

static tinyrt_tensor ftensor(const char *name, int64_t n, float *data) {
  tinyrt_tensor t = {0};
  t.name = name;
  t.dtype = TINYRT_FLOAT;
  t.rank = 2;
  t.dims[0] = n;
  t.dims[1] = 4;
  t.data = data;
  return t;
}

static int run_expect(tinyrt_session *s, tinyrt_tensor *in, int n_in, int code, const char *needle) {
  tinyrt_tensor out = {0};
  tinyrt_error err = {0};
  int rc = tinyrt_run(s, in, n_in, &out, 1, &err);
  CHECK_MSG(rc == code, "run: code %d (%s), expected %d", rc, err.message, code);
  if (needle) CHECK_STR_CONTAINS(err.message, needle);
  if (rc == TINYRT_OK) tinyrt_tensor_free(s, &out);
  CHECK(out.data == NULL);
  return rc;
}

static void test_bad_inputs(void) {
  tinyrt_session *s = NULL;
  tinyrt_error err = {0};
  CHECK(tinyrt_session_open(path_of("add.onnx"), NULL, &s, &err) == TINYRT_OK);
  if (!s) {
    fprintf(stderr, "add.onnx: %s\n", err.message);
    return;
  }
  float a[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, b[12] = {0};
  tinyrt_tensor in[2] = {ftensor("x", 3, a), ftensor("y", 3, b)};

  tinyrt_tensor bad[2] = {in[0], in[1]};
  bad[1].name = "q";
  run_expect(s, bad, 2, TINYRT_ERR_ARGUMENT, "unknown input 'q'");
  bad[1] = in[1];
  bad[1].dtype = TINYRT_INT64;
  run_expect(s, bad, 2, TINYRT_ERR_ARGUMENT, "expected float");
  bad[1] = in[1];
  bad[1].rank = 3;
  bad[1].dims[2] = 1;
  run_expect(s, bad, 2, TINYRT_ERR_SHAPE, "rank");
  bad[1] = in[1];
  bad[1].dims[0] = 2; /* n is 3 in x */
  run_expect(s, bad, 2, TINYRT_ERR_SHAPE, "'n'");
  bad[1] = in[1];
  bad[1].dims[1] = 5; /* fixed dim 4 */
  run_expect(s, bad, 2, TINYRT_ERR_SHAPE, "must be 4");
  run_expect(s, in, 1, TINYRT_ERR_ARGUMENT, "'y' is missing");
  bad[1] = in[0];
  run_expect(s, bad, 2, TINYRT_ERR_ARGUMENT, "given twice");
  bad[1] = in[1];
  bad[1].data = NULL;
  run_expect(s, bad, 2, TINYRT_ERR_ARGUMENT, "NULL");

  /* an output buffer that is too small: nothing written, the size needed is named */
  float small[4];
  tinyrt_tensor out = {0};
  out.data = small;
  out.capacity = sizeof small;
  CHECK(tinyrt_run(s, in, 2, &out, 1, &err) == TINYRT_ERR_SHAPE);
  CHECK_STR_CONTAINS(err.message, "48 bytes");

  /* and the session still works */
  float sum[12];
  out.data = sum;
  out.capacity = sizeof sum;
  CHECK(tinyrt_run(s, in, 2, &out, 1, &err) == TINYRT_OK);
  CHECK(out.rank == 2 && out.dims[0] == 3 && out.dims[1] == 4 && sum[11] == 12.0f);
  tinyrt_session_close(s);
}

/* NULL where the API takes a pointer: an argument error (or nothing, for the release
 * functions), never a crash; the error struct itself is optional everywhere. */
static void test_null_arguments(void) {
  tinyrt_session *s = (tinyrt_session *)1;
  tinyrt_error err = {0};
  CHECK(tinyrt_session_open(NULL, NULL, &s, &err) == TINYRT_ERR_ARGUMENT);
  CHECK(s == NULL);
  CHECK(err.message[0] != '\0');
  CHECK(tinyrt_session_open(path_of("add.onnx"), NULL, NULL, NULL) == TINYRT_ERR_ARGUMENT);
  s = (tinyrt_session *)1;
  CHECK(tinyrt_session_open_buffer(NULL, 16, NULL, &s, NULL) == TINYRT_ERR_ARGUMENT);
  CHECK(s == NULL);
  tinyrt_session_close(NULL);
  tinyrt_tensor_free(NULL, NULL);

  float a[12] = {0}, b[12] = {0};
  tinyrt_tensor in[2] = {ftensor("x", 3, a), ftensor("y", 3, b)};
  tinyrt_tensor out = {0};
  CHECK(tinyrt_run(NULL, in, 2, &out, 1, NULL) == TINYRT_ERR_ARGUMENT);
  CHECK(tinyrt_input_count(NULL) <= 0 && tinyrt_output_count(NULL) <= 0);
  tinyrt_io_info info;
  CHECK(tinyrt_input_info(NULL, 0, &info) == TINYRT_ERR_ARGUMENT);
  tinyrt_session_stats st;
  CHECK(tinyrt_session_stats_get(NULL, &st) == TINYRT_ERR_ARGUMENT);

  s = NULL;
  CHECK(tinyrt_session_open(path_of("add.onnx"), NULL, &s, &err) == TINYRT_OK);
  if (!s) return;
  CHECK(tinyrt_run(s, NULL, 2, &out, 1, NULL) == TINYRT_ERR_ARGUMENT);
  CHECK(tinyrt_run(s, in, 2, NULL, 1, NULL) == TINYRT_ERR_ARGUMENT);
  CHECK(tinyrt_input_info(s, 0, NULL) == TINYRT_ERR_ARGUMENT);
  CHECK(tinyrt_output_info(s, 0, NULL) == TINYRT_ERR_ARGUMENT);
  CHECK(tinyrt_session_stats_get(s, NULL) == TINYRT_ERR_ARGUMENT);
  CHECK(tinyrt_run_many(s, NULL, 1, NULL) == TINYRT_ERR_ARGUMENT);
  tinyrt_tensor_free(s, NULL);
  /* and the session still runs */
  CHECK(tinyrt_run(s, in, 2, &out, 1, NULL) == TINYRT_OK);
  tinyrt_tensor_free(s, &out);
  tinyrt_session_close(s);
}

static void test_run_time_errors(void) {
  tinyrt_session *s = NULL;
  tinyrt_error err = {0};
  CHECK(tinyrt_session_open(path_of("bad_broadcast.onnx"), NULL, &s, &err) == TINYRT_OK);
  if (s) {
    float a[8] = {0};
    tinyrt_tensor in = ftensor("x", 2, a);
    run_expect(s, &in, 1, TINYRT_ERR_SHAPE, "bad_broadcast");
    tinyrt_session_close(s);
  }
  s = NULL;
  CHECK(tinyrt_session_open(path_of("fixed_dims.onnx"), NULL, &s, &err) == TINYRT_OK);
  if (s) {
    float a[12] = {0};
    tinyrt_tensor in = ftensor("x", 3, a);
    run_expect(s, &in, 1, TINYRT_ERR_SHAPE, "must be 2");
    tinyrt_session_close(s);
  }
  s = NULL;
  CHECK(tinyrt_session_open(path_of("gather.onnx"), NULL, &s, &err) == TINYRT_OK);
  if (s) {
    int64_t ids[3] = {1, 10, 2};
    tinyrt_tensor in = {0};
    in.name = "ids";
    in.dtype = TINYRT_INT64;
    in.rank = 1;
    in.dims[0] = 3;
    in.data = ids;
    run_expect(s, &in, 1, TINYRT_ERR_ARGUMENT, "10");
    int64_t bound = 0;
    CHECK(tinyrt_input_index_bound(s, 0, &bound) == TINYRT_OK && bound == 10);
    ids[1] = 9;
    tinyrt_tensor out = {0};
    CHECK(tinyrt_run(s, &in, 1, &out, 1, &err) == TINYRT_OK);
    if (out.data) CHECK(((float *)out.data)[4] == 36.0f); /* row 9, column 0 */
    tinyrt_tensor_free(s, &out);
    tinyrt_session_close(s);
  }
}

/* An allocator that fails allocation number `fail_at` (counting from 0), and counts live blocks. */
typedef struct failing_alloc {
  long count, fail_at, live;
} failing_alloc;

static void *fa_alloc(void *user, size_t size) {
  failing_alloc *fa = user;
  if (fa->count++ == fa->fail_at) return NULL;
  void *p = NULL;
  if (posix_memalign(&p, 64, size ? size : 1)) return NULL;
  fa->live++;
  return p;
}

static void fa_free(void *user, void *p) {
  failing_alloc *fa = user;
  fa->live--;
  free(p);
}

/* Opens model and runs it once with inputs; with allocation k failing, for every k until a pass
 * needs no failure. Each failure must be reported (NOMEM) and leave no live block behind. */
static void fail_every_allocation(const char *model, tinyrt_tensor *in, int n_in) {
  long k = 0, fails = 0;
  for (;; k++) {
    failing_alloc fa = {0, k, 0};
    tinyrt_allocator a = {fa_alloc, fa_free, &fa};
    tinyrt_options o;
    tinyrt_options_init(&o);
    o.allocator = &a;
    o.threads = 1;
    tinyrt_session *s = NULL;
    tinyrt_error err = {0};
    int rc = tinyrt_session_open(model, &o, &s, &err);
    if (rc == TINYRT_OK) {
      tinyrt_tensor out = {0};
      rc = tinyrt_run(s, in, n_in, &out, 1, &err);
      if (rc == TINYRT_OK) tinyrt_tensor_free(s, &out);
      CHECK_MSG(rc != TINYRT_OK || out.data == NULL, "output left allocated");
      tinyrt_session_close(s);
    }
    CHECK_MSG(fa.live == 0, "%s: allocation %ld failing leaked %ld blocks", model, k, fa.live);
    if (fa.count <= k) break; /* nothing failed: every allocation has been tried */
    CHECK_MSG(rc == TINYRT_ERR_NOMEM, "%s: allocation %ld failing gave code %d (%s)", model, k,
              rc, err.message);
    fails++;
  }
  CHECK(fails > 10);
  printf("%s: %ld allocations each failed in turn, all reported cleanly\n", model, fails);
}

static void test_allocation_failures(void) {
  float a[12] = {0}, b[12] = {0};
  tinyrt_tensor in[2] = {ftensor("x", 3, a), ftensor("y", 3, b)};
  fail_every_allocation(path_of("add.onnx"), in, 2);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: errors_test MODELS_DIR BERT_TINY_MODEL\n");
    return 2;
  }
  dir = argv[1];
  bert = argv[2];
  test_bad_files();
  test_bad_graphs();
  test_bad_inputs();
  test_null_arguments();
  test_run_time_errors();
  test_allocation_failures();
  return test_finish();
}
