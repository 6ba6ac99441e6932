/* A large batch run as independent chunks (src/exec/split.c) on the shipped model: the outputs
 * are the same bits as the batch run whole (a profiled session runs batches whole), at 1, 2 and
 * 3 threads, into allocated and into caller buffers; a bad token id in a later chunk gives the
 * error of the whole batch, naming the row as the caller gave it; graphs that mix batch rows
 * (the exported graph at opt level 0) are never split. */
#include <stdlib.h>
#include <string.h>

#include "exec/session.h"
#include "exec/split.h"
#include "testutil.h"
#include "tinyrt.h"

#define MODEL TINYRT_SOURCE_DIR "/models/bert-tiny/model.onnx"
#define B 9
#define S 23

typedef struct batch {
  int64_t ids[B * S], mask[B * S], types[B * S];
  tinyrt_tensor t[3];
} batch;

static void make_batch(batch *in, unsigned seed) {
  test_bert_inputs(B, S, 2, seed, in->ids, in->mask, in->types, in->t); /* row r: 2r padded */
}


/* Runs and returns both outputs (allocated by tinyrt); false on failure. */
static bool run2(tinyrt_session *s, batch *in, tinyrt_tensor out[2]) {
  memset(out, 0, 2 * sizeof *out);
  out[0].name = "last_hidden_state";
  out[1].name = "pooler_output";
  tinyrt_error err = {0};
  int rc = tinyrt_run(s, in->t, 3, out, 2, &err);
  CHECK_MSG(rc == TINYRT_OK, "run: %s", err.message);
  return rc == TINYRT_OK;
}

static void test_same_bits(void) {
  batch in;
  make_batch(&in, 7);
  tinyrt_session *whole = test_open(MODEL, 2, 1, -1);
  if (!whole) return;
  CHECK(whole->split_sym < 0); /* profiled: runs batches whole */
  tinyrt_tensor ref[2];
  if (!run2(whole, &in, ref)) goto done;
  CHECK_EQ_INT(ref[0].dims[0], B);
  for (int threads = 1; threads <= 3; threads++) {
    tinyrt_session *s = test_open(MODEL, threads, 0, -1);
    if (!s) continue;
    CHECK_MSG(s->split_sym >= 0, "bert-tiny at level 2 should run as chunks");
    CHECK_MSG(trt_split_chunk_rows(B, S, threads) > 0, "a batch of %d rows should be split", B);
    tinyrt_tensor out[2];
    if (run2(s, &in, out)) {
      for (int k = 0; k < 2; k++) {
        CHECK_EQ_INT(out[k].rank, ref[k].rank);
        for (int d = 0; d < ref[k].rank; d++) CHECK_EQ_INT(out[k].dims[d], ref[k].dims[d]);
        CHECK_MSG(out[k].capacity == ref[k].capacity &&
                      !memcmp(out[k].data, ref[k].data, ref[k].capacity),
                  "output %d at %d threads differs from the whole batch's", k, threads);
        tinyrt_tensor_free(s, &out[k]);
      }
    }
    /* into caller buffers: one too small fails before anything is written */
    float *buf = malloc(ref[0].capacity);
    tinyrt_tensor small = {"last_hidden_state", TINYRT_UNDEFINED, 0, {0}, buf,
                           ref[0].capacity - 4};
    tinyrt_error err = {0};
    CHECK(tinyrt_run(s, in.t, 3, &small, 1, &err) == TINYRT_ERR_SHAPE);
    CHECK_STR_CONTAINS(err.message, "needs");
    tinyrt_tensor fits = small;
    fits.capacity = ref[0].capacity;
    CHECK(tinyrt_run(s, in.t, 3, &fits, 1, &err) == TINYRT_OK);
    CHECK(!memcmp(buf, ref[0].data, ref[0].capacity));
    free(buf);
    tinyrt_session_close(s);
  }
  for (int k = 0; k < 2; k++) tinyrt_tensor_free(whole, &ref[k]);
done:
  tinyrt_session_close(whole);
}

static void test_error_names_caller_row(void) {
  batch in;
  make_batch(&in, 11);
  in.ids[7 * S + 3] = 40000; /* row 7: in a later chunk */
  tinyrt_session *s = test_open(MODEL, 2, 0, -1);
  if (!s) return;
  tinyrt_tensor out = {"last_hidden_state", TINYRT_UNDEFINED, 0, {0}, NULL, 0};
  tinyrt_error err = {0};
  CHECK(tinyrt_run(s, in.t, 3, &out, 1, &err) != TINYRT_OK);
  CHECK(out.data == NULL);
  CHECK_STR_CONTAINS(err.message, "40000");
  CHECK_STR_CONTAINS(err.message, "[7, 3]");
  /* the error struct is optional: without one the run fails all the same */
  CHECK(tinyrt_run(s, in.t, 3, &out, 1, NULL) != TINYRT_OK);
  CHECK(out.data == NULL);
  tinyrt_session_close(s);
}

static void test_level0_not_split(void) {
  tinyrt_session *s = test_open(MODEL, 2, 0, 0);
  if (!s) return;
  CHECK(s->split_sym < 0); /* the exported graph reshapes across the batch */
  tinyrt_session_close(s);
}

int main(void) {
  test_same_bits();
  test_error_names_caller_row();
  test_level0_not_split();
  return test_finish();
}
