/* The public API on the shipped model: opening from a path and from memory, describing inputs
 * and outputs with their symbolic dims, running at several shapes (plan cache), caller-provided
 * output buffers, and concurrent runs from several threads giving the same results as serial
 * runs. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tinyrt.h"

#define MODEL TINYRT_SOURCE_DIR "/models/bert-tiny/model.onnx"

typedef struct inputs3 {
  int64_t ids[4 * 64], mask[4 * 64], types[4 * 64];
  tinyrt_tensor t[3];
} inputs3;

static void make_inputs(inputs3 *in, int64_t b, int64_t s, unsigned seed) {
  test_bert_inputs(b, s, 1, seed, in->ids, in->mask, in->types, in->t); /* row r: r padded */
}

static void test_describe(tinyrt_session *s) {
  CHECK_EQ_INT(tinyrt_input_count(s), 3);
  CHECK_EQ_INT(tinyrt_output_count(s), 2);
  tinyrt_io_info info;
  CHECK(tinyrt_input_info(s, 0, &info) == TINYRT_OK);
  CHECK(!strcmp(info.name, "input_ids"));
  CHECK(info.dtype == TINYRT_INT64 && info.rank == 2);
  CHECK(info.dims[0] == -1 && info.dim_names[0] && !strcmp(info.dim_names[0], "batch_size"));
  CHECK(info.dims[1] == -1 && info.dim_names[1] && !strcmp(info.dim_names[1], "sequence_length"));
  CHECK(tinyrt_output_info(s, 0, &info) == TINYRT_OK);
  CHECK(!strcmp(info.name, "last_hidden_state"));
  CHECK(info.dtype == TINYRT_FLOAT && info.rank == 3 && info.dims[2] == 128);
  CHECK(tinyrt_input_info(s, 3, &info) == TINYRT_ERR_ARGUMENT);
  int64_t bound;
  CHECK(tinyrt_input_index_bound(s, 0, &bound) == TINYRT_OK && bound == 30522);
  CHECK(tinyrt_input_index_bound(s, 2, &bound) == TINYRT_OK && bound == 2);
  CHECK(tinyrt_input_index_bound(s, 1, &bound) == TINYRT_ERR_ARGUMENT);
  tinyrt_session_stats st;
  CHECK(tinyrt_session_stats_get(s, &st) == TINYRT_OK);
  CHECK(st.n_parameters == 4385920);
  CHECK(st.n_nodes > 0 && st.n_partitions >= 1);
}

/* Runs at (b, s) into a fresh buffer; returns the malloc'd last_hidden_state. */
static float *run_once(tinyrt_session *s, int64_t b, int64_t sl, unsigned seed) {
  inputs3 in;
  make_inputs(&in, b, sl, seed);
  tinyrt_tensor out = {0};
  out.name = "last_hidden_state";
  tinyrt_error err = {0};
  int rc = tinyrt_run(s, in.t, 3, &out, 1, &err);
  CHECK_MSG(rc == TINYRT_OK, "run b%lld s%lld: %s", (long long)b, (long long)sl, err.message);
  if (rc) return NULL;
  CHECK(out.rank == 3 && out.dims[0] == b && out.dims[1] == sl && out.dims[2] == 128);
  size_t n = (size_t)(b * sl * 128);
  float *copy = malloc(n * sizeof *copy);
  memcpy(copy, out.data, n * sizeof *copy);
  tinyrt_tensor_free(s, &out);
  return copy;
}

typedef struct job {
  tinyrt_session *s;
  int64_t b, sl;
  unsigned seed;
  const float *expected;
  int mismatches;
} job;

static void *worker(void *arg) {
  job *j = arg;
  for (int r = 0; r < 20; r++) {
    float *got = run_once(j->s, j->b, j->sl, j->seed);
    if (!got || memcmp(got, j->expected, (size_t)(j->b * j->sl * 128) * sizeof(float)))
      j->mismatches++;
    free(got);
  }
  return NULL;
}

int main(void) {
  tinyrt_options o;
  tinyrt_options_init(&o);
  o.threads = 1;
  tinyrt_session *s = NULL;
  tinyrt_error err = {0};
  int rc = tinyrt_session_open(MODEL, &o, &s, &err);
  CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
  if (rc) return test_finish();
  test_describe(s);

  /* the same model from memory gives the same outputs */
  size_t size;
  void *buf = test_read_file(MODEL, &size);
  tinyrt_session *sb = NULL;
  CHECK(buf && tinyrt_session_open_buffer(buf, size, &o, &sb, &err) == TINYRT_OK);
  float *a = run_once(s, 2, 16, 7), *b = sb ? run_once(sb, 2, 16, 7) : NULL;
  CHECK(a && b && !memcmp(a, b, 2 * 16 * 128 * sizeof(float)));
  free(b);
  tinyrt_session_close(sb);
  free(buf);

  /* several shapes in turn, then again: cached plans give the same bits */
  float *c = run_once(s, 1, 5, 3), *d = run_once(s, 3, 40, 4);
  float *a2 = run_once(s, 2, 16, 7), *c2 = run_once(s, 1, 5, 3);
  CHECK(a && a2 && !memcmp(a, a2, 2 * 16 * 128 * sizeof(float)));
  CHECK(c && c2 && !memcmp(c, c2, 1 * 5 * 128 * sizeof(float)));

  /* concurrent runs of two shapes on one session match the serial results bit for bit */
  job jobs[4] = {{s, 2, 16, 7, a, 0}, {s, 1, 5, 3, c, 0}, {s, 3, 40, 4, d, 0}, {s, 2, 16, 7, a, 0}};
  pthread_t th[4];
  for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, worker, &jobs[i]);
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < 4; i++) CHECK_EQ_INT(jobs[i].mismatches, 0);

  free(a);
  free(a2);
  free(c);
  free(c2);
  free(d);
  tinyrt_session_close(s);
  return test_finish();
}
