/* tinyrt_run_many on the shipped model: items of different lengths and batch sizes give the same
 * bits as tinyrt_run gives each alone, at 1, 2 and 3 threads (item counts below, at and above a
 * round of the threads) and on a profiled session; each item fails on its own (a bad token id, a
 * caller buffer too small) with its own message while the others succeed; bad arguments are
 * refused. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tinyrt.h"

#define MODEL TINYRT_SOURCE_DIR "/models/bert-tiny/model.onnx"
#define N_ITEMS 7
#define MAX_TOKENS (2 * 64)

/* One request: its inputs, and the outputs of tinyrt_run (ref) and of tinyrt_run_many (out). */
typedef struct request {
  int64_t ids[MAX_TOKENS], mask[MAX_TOKENS], types[MAX_TOKENS];
  tinyrt_tensor in[3];
  tinyrt_tensor ref[2], out[2];
} request;

static const int rows_of[N_ITEMS] = {1, 2, 1, 1, 2, 1, 1};
static const int len_of[N_ITEMS] = {7, 23, 64, 1, 40, 33, 5};

static void make_request(request *r, int rows, int len, unsigned seed) {
  memset(r, 0, sizeof *r);
  test_bert_inputs(rows, len, 1, seed, r->ids, r->mask, r->types, r->in); /* row 1: 1 padded */
  r->ref[0].name = r->out[0].name = "last_hidden_state";
  r->ref[1].name = r->out[1].name = "pooler_output";
}


static void free_outputs(tinyrt_session *s, tinyrt_tensor *t) {
  for (int k = 0; k < 2; k++) tinyrt_tensor_free(s, &t[k]);
}

static bool same(const tinyrt_tensor *a, const tinyrt_tensor *b) {
  if (a->rank != b->rank || a->dtype != b->dtype || !a->data || !b->data) return false;
  size_t n = tinyrt_dtype_size(a->dtype);
  for (int d = 0; d < a->rank; d++) {
    if (a->dims[d] != b->dims[d]) return false;
    n *= (size_t)a->dims[d];
  }
  return memcmp(a->data, b->data, n) == 0;
}

static void set_items(request *r, tinyrt_run_item *items, int n) {
  for (int i = 0; i < n; i++) {
    memset(&items[i], 0, sizeof items[i]);
    items[i].inputs = r[i].in;
    items[i].n_inputs = 3;
    items[i].outputs = r[i].out;
    items[i].n_outputs = 2;
  }
}

static void test_same_bits(void) {
  static request r[N_ITEMS];
  for (int threads = 1; threads <= 3; threads++) {
    for (int profile = 0; profile <= (threads == 2); profile++) {
      tinyrt_session *s = test_open(MODEL, threads, profile, -1);
      if (!s) continue;
      for (int i = 0; i < N_ITEMS; i++) {
        make_request(&r[i], rows_of[i], len_of[i], 100u + (unsigned)i);
        tinyrt_error err = {0};
        CHECK_MSG(tinyrt_run(s, r[i].in, 3, r[i].ref, 2, &err) == TINYRT_OK, "run: %s",
                  err.message);
      }
      /* 1 item, 2 (a round of 2 threads), 3, and all of them */
      const int counts[] = {1, 2, 3, N_ITEMS};
      for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        int n = counts[c];
        tinyrt_run_item items[N_ITEMS];
        set_items(r, items, n);
        tinyrt_error err = {0};
        int rc = tinyrt_run_many(s, items, n, &err);
        CHECK_MSG(rc == TINYRT_OK, "run_many (%d items, %d threads): %s", n, threads, err.message);
        for (int i = 0; i < n; i++) {
          CHECK_EQ_INT(items[i].rc, TINYRT_OK);
          for (int k = 0; k < 2; k++)
            CHECK_MSG(same(&r[i].out[k], &r[i].ref[k]),
                      "item %d output %d (%d items, %d threads%s) differs from tinyrt_run's", i,
                      k, n, threads, profile ? ", profiled" : "");
          free_outputs(s, r[i].out);
        }
      }
      for (int i = 0; i < N_ITEMS; i++) free_outputs(s, r[i].ref);
      tinyrt_session_close(s);
    }
  }
}

static void test_items_fail_alone(void) {
  static request r[4];
  tinyrt_session *s = test_open(MODEL, 2, 0, -1);
  if (!s) return;
  for (int i = 0; i < 4; i++) make_request(&r[i], 1, 16 + i, 7u + (unsigned)i);
  r[1].ids[3] = 40000; /* past the vocabulary */
  float small[16];     /* far too small for item 2's last_hidden_state */
  r[2].out[0].data = small;
  r[2].out[0].capacity = sizeof small;
  tinyrt_run_item items[4];
  set_items(r, items, 4);
  tinyrt_error err = {0};
  int rc = tinyrt_run_many(s, items, 4, &err);
  CHECK(rc != TINYRT_OK);
  CHECK_EQ_INT(rc, items[1].rc); /* the first failed item's code and message */
  CHECK_STR_CONTAINS(err.message, "40000");
  CHECK(items[0].rc == TINYRT_OK && items[3].rc == TINYRT_OK);
  CHECK(r[0].out[0].data && r[3].out[1].data);
  CHECK(items[1].rc != TINYRT_OK && r[1].out[0].data == NULL && r[1].out[1].data == NULL);
  CHECK_STR_CONTAINS(items[1].err.message, "40000");
  CHECK_EQ_INT(items[2].rc, TINYRT_ERR_SHAPE);
  CHECK_STR_CONTAINS(items[2].err.message, "needs");
  CHECK(r[2].out[1].data == NULL); /* nothing left allocated by the failed item */
  free_outputs(s, r[0].out);
  free_outputs(s, r[3].out);

  CHECK_EQ_INT(tinyrt_run_many(s, NULL, 0, &err), TINYRT_OK);
  CHECK_EQ_INT(tinyrt_run_many(s, NULL, 2, &err), TINYRT_ERR_ARGUMENT);
  CHECK_EQ_INT(tinyrt_run_many(s, items, -1, &err), TINYRT_ERR_ARGUMENT);
  CHECK_EQ_INT(tinyrt_run_many(NULL, items, 1, &err), TINYRT_ERR_ARGUMENT);
  tinyrt_session_close(s);
}

int main(void) {
  test_same_bits();
  test_items_fail_alone();
  return test_finish();
}
