/* The dynamic batcher and the model signature, on a fake model.
 *
 * The fake model (trt_srv_model over a struct) has BERT's interface: input_ids, attention_mask
 * and token_type_ids [batch, seq] INT64; outputs hidden [batch, seq, 3] and pooled [batch, 3]
 * FP32. Each row's outputs depend only on that row's unmasked tokens, and padded positions get
 * the value 999, so a batch that pads or slices wrongly shows up as a mismatch with the result
 * computed for the request alone. The fake can hold runs at a gate, which makes the batching
 * decisions deterministic: the test fills the queue while the runner is held inside a run. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/common.h"
#include "serve/batcher.h"
#include "serve/metrics.h"
#include "serve/model.h"
#include "testutil.h"

#define VOCAB 100
#define HID 3
#define MAX_RUNS 64

typedef enum { FAKE_RAGGED, FAKE_PLAIN, FAKE_FIXED_BATCH, FAKE_UNBATCHED_OUT } fake_kind;

typedef struct fake {
  fake_kind kind;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool gate_closed;
  int entered;
  int n_runs, many_calls;
  int64_t run_rows[MAX_RUNS], run_len[MAX_RUNS];
} fake;

static const char *const ragged_in[] = {"input_ids", "attention_mask", "token_type_ids"};

static int f_in_count(void *self) {
  fake *f = self;
  return f->kind == FAKE_RAGGED ? 3 : 1;
}
static int f_out_count(void *self) {
  fake *f = self;
  return f->kind == FAKE_RAGGED ? 2 : 1;
}

static int f_in_info(void *self, int i, tinyrt_io_info *info) {
  fake *f = self;
  memset(info, 0, sizeof *info);
  info->rank = 2;
  info->dims[0] = f->kind == FAKE_FIXED_BATCH ? 1 : -1;
  info->dim_names[0] = f->kind == FAKE_FIXED_BATCH ? NULL : "batch";
  if (f->kind == FAKE_RAGGED) {
    info->name = ragged_in[i];
    info->dtype = TINYRT_INT64;
    info->dims[1] = -1;
    info->dim_names[1] = "seq";
  } else {
    info->name = "x";
    info->dtype = TINYRT_FLOAT;
    info->dims[1] = -1;
    info->dim_names[1] = "width";
  }
  return TINYRT_OK;
}

static int f_out_info(void *self, int o, tinyrt_io_info *info) {
  fake *f = self;
  memset(info, 0, sizeof *info);
  info->dtype = TINYRT_FLOAT;
  if (f->kind == FAKE_RAGGED) {
    info->name = o == 0 ? "hidden" : "pooled";
    info->rank = -1; /* undeclared: the server has to probe */
  } else {
    info->name = "y";
    info->rank = 2;
    info->dims[0] = f->kind == FAKE_FIXED_BATCH ? 1 : -1;
    info->dims[1] = -1;
  }
  return TINYRT_OK;
}

static float hidden_value(int64_t id, int k, int64_t row_sum) {
  return (float)id * (float)(k + 1) + 0.5f * (float)row_sum;
}

static int f_run(void *self, const tinyrt_tensor *in, int n_in, tinyrt_tensor *out, int n_out,
                 tinyrt_error *err) {
  fake *f = self;
  pthread_mutex_lock(&f->mu);
  f->entered++;
  pthread_cond_broadcast(&f->cv);
  while (f->gate_closed) pthread_cond_wait(&f->cv, &f->mu);
  int64_t rows = in[0].dims[0], len = in[0].dims[1];
  if (f->n_runs < MAX_RUNS) {
    f->run_rows[f->n_runs] = rows;
    f->run_len[f->n_runs] = len;
  }
  f->n_runs++;
  pthread_mutex_unlock(&f->mu);
  if (f->kind != FAKE_RAGGED) {
    /* y[b, j] = 2 * x[b, j] (FAKE_UNBATCHED_OUT: a single summed row, no batch axis) */
    const float *x = in[0].data;
    bool collapse = f->kind == FAKE_UNBATCHED_OUT;
    out[0].dtype = TINYRT_FLOAT;
    out[0].rank = 2;
    out[0].dims[0] = collapse ? 1 : rows;
    out[0].dims[1] = len;
    float *y = calloc((size_t)(rows * len), sizeof *y);
    if (!y) return trt_error(err, TINYRT_ERR_NOMEM, "oom");
    for (int64_t b = 0; b < rows; b++)
      for (int64_t j = 0; j < len; j++) y[(collapse ? 0 : b) * len + j] += 2 * x[b * len + j];
    out[0].data = y;
    return TINYRT_OK;
  }
  if (n_in != 3) return trt_error(err, TINYRT_ERR_ARGUMENT, "expected 3 inputs");
  const int64_t *ids = NULL, *mask = NULL;
  for (int i = 0; i < n_in; i++) {
    if (!strcmp(in[i].name, "input_ids")) ids = in[i].data;
    if (!strcmp(in[i].name, "attention_mask")) mask = in[i].data;
    if (in[i].dims[0] != rows || in[i].dims[1] != len)
      return trt_error(err, TINYRT_ERR_SHAPE, "inputs disagree");
  }
  for (int64_t k = 0; k < rows * len; k++)
    if (ids[k] < 0 || ids[k] >= VOCAB)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "Gather: index %lld out of range",
                       (long long)ids[k]);
  for (int o = 0; o < n_out; o++) {
    bool hidden = !strcmp(out[o].name, "hidden");
    out[o].dtype = TINYRT_FLOAT;
    out[o].rank = hidden ? 3 : 2;
    out[o].dims[0] = rows;
    out[o].dims[1] = hidden ? len : HID;
    out[o].dims[2] = HID;
    size_t bytes = (size_t)(rows * (hidden ? len : 1) * HID) * sizeof(float);
    float *d = out[o].data; /* a caller's buffer, as tinyrt_run takes one */
    if (d && out[o].capacity < bytes)
      return trt_error(err, TINYRT_ERR_SHAPE, "output '%s' needs %zu bytes", out[o].name, bytes);
    if (!d) d = malloc(bytes);
    if (!d) return trt_error(err, TINYRT_ERR_NOMEM, "oom");
    for (int64_t b = 0; b < rows; b++) {
      int64_t sum = 0;
      for (int64_t t = 0; t < len; t++)
        if (mask[b * len + t]) sum += ids[b * len + t];
      for (int k = 0; k < HID; k++) {
        if (!hidden) {
          d[b * HID + k] = (float)sum * (float)(k + 2);
          continue;
        }
        for (int64_t t = 0; t < len; t++)
          d[(b * len + t) * HID + k] =
              mask[b * len + t] ? hidden_value(ids[b * len + t], k, sum) : 999.0f;
      }
    }
    out[o].data = d;
  }
  return TINYRT_OK;
}

static void f_free(void *self, tinyrt_tensor *t) {
  (void)self;
  free(t->data);
  t->data = NULL;
}

/* Token ids index a table of VOCAB rows, token types one of 2. */
static int f_bound(void *self, int i, int64_t *bound) {
  fake *f = self;
  if (f->kind != FAKE_RAGGED || i == 1) return TINYRT_ERR_ARGUMENT;
  *bound = i == 0 ? VOCAB : 2;
  return TINYRT_OK;
}

static const trt_srv_model_ops fake_ops = {f_in_count, f_out_count, f_in_info, f_out_info,
                                           f_run,      f_free,      NULL,      f_bound};

/* run_many as tinyrt_run_many defines it: each item run alone (recorded as a run of its own
 * shape), its own result code, the first failure returned. */
static int f_run_many(void *self, tinyrt_run_item *items, int n, tinyrt_error *err) {
  fake *f = self;
  pthread_mutex_lock(&f->mu);
  f->many_calls++;
  pthread_mutex_unlock(&f->mu);
  int first = TINYRT_OK;
  for (int i = 0; i < n; i++) {
    memset(&items[i].err, 0, sizeof items[i].err);
    items[i].rc = f_run(self, items[i].inputs, items[i].n_inputs, items[i].outputs,
                        items[i].n_outputs, &items[i].err);
    if (items[i].rc && !first) {
      first = items[i].rc;
      if (err) *err = items[i].err;
    }
  }
  return first;
}

static const trt_srv_model_ops fake_ops_many = {f_in_count, f_out_count, f_in_info, f_out_info,
                                                f_run,      f_free,      NULL,      f_bound,
                                                f_run_many};

static void fake_init(fake *f, fake_kind kind, trt_srv_model *m) {
  memset(f, 0, sizeof *f);
  f->kind = kind;
  pthread_mutex_init(&f->mu, NULL);
  pthread_cond_init(&f->cv, NULL);
  m->ops = &fake_ops;
  m->self = f;
}

static void fake_destroy(fake *f) {
  pthread_cond_destroy(&f->cv);
  pthread_mutex_destroy(&f->mu);
}

static void fake_gate(fake *f, bool closed) {
  pthread_mutex_lock(&f->mu);
  f->gate_closed = closed;
  pthread_cond_broadcast(&f->cv);
  pthread_mutex_unlock(&f->mu);
}

/* Waits until n runs have entered the model (bounded; a failure shows as a failed CHECK). */
static bool fake_wait_entered(fake *f, int n) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += 30;
  pthread_mutex_lock(&f->mu);
  int rc = 0;
  while (f->entered < n && rc == 0) rc = pthread_cond_timedwait(&f->cv, &f->mu, &ts);
  bool ok = f->entered >= n;
  pthread_mutex_unlock(&f->mu);
  return ok;
}

static void fake_reset_runs(fake *f) {
  pthread_mutex_lock(&f->mu);
  f->n_runs = 0;
  f->entered = 0;
  pthread_mutex_unlock(&f->mu);
}

/* --- jobs -------------------------------------------------------------------------------- */

typedef struct waiter {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int done;
} waiter;

static waiter W = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};

static void on_done(trt_srv_job *job) {
  (void)job;
  pthread_mutex_lock(&W.mu);
  W.done++;
  pthread_cond_broadcast(&W.cv);
  pthread_mutex_unlock(&W.mu);
}

static bool wait_done(int n) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += 30;
  pthread_mutex_lock(&W.mu);
  int rc = 0;
  while (W.done < n && rc == 0) rc = pthread_cond_timedwait(&W.cv, &W.mu, &ts);
  bool ok = W.done >= n;
  pthread_mutex_unlock(&W.mu);
  return ok;
}

static void reset_done(void) {
  pthread_mutex_lock(&W.mu);
  W.done = 0;
  pthread_mutex_unlock(&W.mu);
}

static bool is_gone(trt_srv_job *job) { return job->user != NULL; }

static void set_tensor(trt_srv_tensor *t, tinyrt_dtype dt, int64_t rows, int64_t len) {
  memset(t, 0, sizeof *t);
  t->dtype = dt;
  t->rank = 2;
  t->dims[0] = rows;
  t->dims[1] = len;
  t->nbytes = (size_t)(rows * len) * tinyrt_dtype_size(dt);
  t->data = calloc(1, t->nbytes);
}

/* A ragged-model job: `rows` rows of length len with token ids base + position. */
static void make_job(trt_srv_job *job, int64_t rows, int64_t len, int64_t base) {
  memset(job, 0, sizeof *job);
  for (int i = 0; i < 3; i++) set_tensor(&job->inputs[i], TINYRT_INT64, rows, len);
  int64_t *ids = job->inputs[0].data, *mask = job->inputs[1].data;
  for (int64_t k = 0; k < rows * len; k++) {
    ids[k] = (base + k) % VOCAB;
    mask[k] = 1;
  }
  job->rows = rows;
  job->seq_len = len;
  job->want[0] = job->want[1] = true;
  job->done = on_done;
}

/* The job's outputs equal what the fake computes for it alone (exactly: same float ops). */
static bool job_matches_alone(const trt_srv_job *job) {
  int64_t rows = job->rows, len = job->seq_len;
  const int64_t *ids = job->inputs[0].data;
  const trt_srv_tensor *h = &job->outputs[0], *p = &job->outputs[1];
  if (!h->data || !p->data || h->rank != 3 || h->dims[0] != rows || h->dims[1] != len ||
      h->dims[2] != HID || p->rank != 2 || p->dims[0] != rows || p->dims[1] != HID)
    return false;
  for (int64_t b = 0; b < rows; b++) {
    int64_t sum = 0;
    for (int64_t t = 0; t < len; t++) sum += ids[b * len + t];
    for (int k = 0; k < HID; k++) {
      if (((float *)p->data)[b * HID + k] != (float)sum * (float)(k + 2)) return false;
      for (int64_t t = 0; t < len; t++)
        if (((float *)h->data)[(b * len + t) * HID + k] != hidden_value(ids[b * len + t], k, sum))
          return false;
    }
  }
  return true;
}

/* --- signature --------------------------------------------------------------------------- */

static void test_sig_ragged(void) {
  fake f;
  trt_srv_model m;
  fake_init(&f, FAKE_RAGGED, &m);
  trt_srv_sig sig;
  char warn[300];
  tinyrt_error err = {0};
  CHECK_EQ_INT(trt_srv_sig_build(&m, &sig, warn, sizeof warn, &err), TINYRT_OK);
  CHECK(sig.batchable && sig.ragged);
  CHECK_EQ_INT(warn[0], 0);
  CHECK_EQ_INT(sig.mask_input, 1);
  CHECK_EQ_INT(sig.ids_input, 0);
  CHECK_EQ_INT(sig.inputs[0].bound, VOCAB); /* learned from the model */
  CHECK_EQ_INT(sig.inputs[1].bound, 0);
  CHECK_EQ_INT(sig.inputs[2].bound, 2);
  CHECK(sig.inputs[0].seq[1] && sig.inputs[2].seq[1]);
  /* the probes (rows 1 len 3, rows 2 len 5) find the sequence axis of hidden and not of pooled */
  CHECK_EQ_INT(f.n_runs, 2);
  CHECK_EQ_INT(sig.outputs[0].rank, 3);
  CHECK(sig.outputs[0].seq[1] && !sig.outputs[0].seq[2]);
  CHECK_EQ_INT(sig.outputs[0].dims[2], HID);
  CHECK_EQ_INT(sig.outputs[1].rank, 2);
  CHECK(!sig.outputs[1].seq[1]);
  CHECK_EQ_INT(sig.outputs[1].dims[1], HID);
  fake_destroy(&f);
}

static void test_sig_not_batchable(void) {
  fake f;
  trt_srv_model m;
  trt_srv_sig sig;
  char warn[300];
  tinyrt_error err = {0};
  fake_init(&f, FAKE_FIXED_BATCH, &m);
  CHECK_EQ_INT(trt_srv_sig_build(&m, &sig, warn, sizeof warn, &err), TINYRT_OK);
  CHECK(!sig.batchable && !sig.ragged);
  CHECK_EQ_INT(f.n_runs, 0); /* a fixed batch dim needs no probe */
  fake_destroy(&f);

  fake_init(&f, FAKE_UNBATCHED_OUT, &m);
  CHECK_EQ_INT(trt_srv_sig_build(&m, &sig, warn, sizeof warn, &err), TINYRT_OK);
  CHECK(!sig.batchable);
  CHECK_STR_CONTAINS(warn, "one at a time");
  CHECK_STR_CONTAINS(warn, "'y'");
  fake_destroy(&f);

  fake_init(&f, FAKE_PLAIN, &m);
  CHECK_EQ_INT(trt_srv_sig_build(&m, &sig, warn, sizeof warn, &err), TINYRT_OK);
  CHECK(sig.batchable && !sig.ragged); /* no attention_mask: only equal shapes batch */
  fake_destroy(&f);
}

static void named(trt_srv_named *n, const char *name, tinyrt_dtype dt, int64_t rows,
                  int64_t len) {
  n->name = name;
  set_tensor(&n->t, dt, rows, len);
}

static void free_named(trt_srv_named *n, int k) {
  for (int i = 0; i < k; i++) trt_srv_tensor_free(&n[i].t);
}

static void test_sig_check(void) {
  fake f;
  trt_srv_model m;
  fake_init(&f, FAKE_RAGGED, &m);
  trt_srv_sig sig;
  char warn[300];
  tinyrt_error err = {0};
  CHECK_EQ_INT(trt_srv_sig_build(&m, &sig, warn, sizeof warn, &err), TINYRT_OK);
  trt_srv_named in[4];
  trt_srv_tensor ordered[TRT_SRV_MAX_IO];
  int64_t rows = 0, len = 0;
  /* given in another order: moved into model order */
  named(&in[0], "token_type_ids", TINYRT_INT64, 2, 5);
  named(&in[1], "input_ids", TINYRT_INT64, 2, 5);
  named(&in[2], "attention_mask", TINYRT_INT64, 2, 5);
  void *ids_data = in[1].t.data;
  CHECK_EQ_INT(trt_srv_sig_check(&sig, "m", in, 3, ordered, &rows, &len, &err), TINYRT_OK);
  CHECK(ordered[0].data == ids_data && in[1].t.data == NULL);
  CHECK_EQ_INT(rows, 2);
  CHECK_EQ_INT(len, 5);
  for (int i = 0; i < 3; i++) trt_srv_tensor_free(&ordered[i]);

  struct {
    const char *names[4];
    tinyrt_dtype dt[4];
    int64_t rows[4], len[4];
    int n;
    int64_t bad_id;
    const char *want;
  } cases[] = {
      {{"input_ids", "attention_mask", "nope"}, {7, 7, 7}, {1, 1, 1}, {3, 3, 3}, 3, 0,
       "unexpected inference input 'nope' for model 'm'"},
      {{"input_ids", "attention_mask"}, {7, 7}, {1, 1}, {3, 3}, 2, 0,
       "missing inference input 'token_type_ids'"},
      {{"input_ids", "input_ids", "attention_mask"}, {7, 7, 7}, {1, 1, 1}, {3, 3, 3}, 3, 0,
       "more than once"},
      {{"input_ids", "attention_mask", "token_type_ids"}, {6, 7, 7}, {1, 1, 1}, {3, 3, 3}, 3, 0,
       "unexpected datatype INT32 for inference input 'input_ids', expecting INT64"},
      {{"input_ids", "attention_mask", "token_type_ids"}, {7, 7, 7}, {1, 2, 1}, {3, 3, 3}, 3, 0,
       "disagree on the batch size"},
      {{"input_ids", "attention_mask", "token_type_ids"}, {7, 7, 7}, {1, 1, 1}, {3, 4, 3}, 3, 0,
       "disagree on the sequence length"},
      {{"input_ids", "attention_mask", "token_type_ids"}, {7, 7, 7}, {1, 1, 1}, {0, 0, 0}, 3, 0,
       "empty shape"},
      {{"input_ids", "attention_mask", "token_type_ids"}, {7, 7, 7}, {1, 1, 1}, {3, 3, 3}, 3,
       VOCAB, "input 'input_ids' holds id 100 at element 2, outside the vocabulary [0, 100)"},
      {{"input_ids", "attention_mask", "token_type_ids"}, {7, 7, 7}, {1, 1, 1}, {3, 3, 3}, 3, -4,
       "id -4 at element 2"},
      {{"token_type_ids", "attention_mask", "input_ids"}, {7, 7, 7}, {1, 1, 1}, {3, 3, 3}, 3, 2,
       "input 'token_type_ids' holds id 2 at element 2, outside the vocabulary [0, 2)"},
  };
  for (size_t c = 0; c < TRT_ARRAY_LEN(cases); c++) {
    for (int i = 0; i < cases[c].n; i++)
      named(&in[i], cases[c].names[i], cases[c].dt[i], cases[c].rows[i], cases[c].len[i]);
    if (cases[c].bad_id) ((int64_t *)in[0].t.data)[2] = cases[c].bad_id;
    memset(&err, 0, sizeof err);
    int rc = trt_srv_sig_check(&sig, "m", in, cases[c].n, ordered, &rows, &len, &err);
    CHECK_EQ_INT(rc, TINYRT_ERR_ARGUMENT);
    CHECK_STR_CONTAINS(err.message, cases[c].want);
    free_named(in, cases[c].n); /* nothing moved on failure */
  }
  /* a rank mismatch and a data size that does not fit the shape */
  named(&in[0], "input_ids", TINYRT_INT64, 1, 3);
  named(&in[1], "attention_mask", TINYRT_INT64, 1, 3);
  named(&in[2], "token_type_ids", TINYRT_INT64, 1, 3);
  in[1].t.rank = 3;
  in[1].t.dims[2] = 1;
  CHECK_EQ_INT(trt_srv_sig_check(&sig, "m", in, 3, ordered, &rows, &len, &err),
               TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "unexpected shape for input 'attention_mask' for model 'm':"
                                  " expected [-1,-1], got [1,3,1]");
  in[1].t.rank = 2;
  in[2].t.nbytes -= 8;
  CHECK_EQ_INT(trt_srv_sig_check(&sig, "m", in, 3, ordered, &rows, &len, &err),
               TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "input 'token_type_ids' holds 16 bytes");
  free_named(in, 3);
  fake_destroy(&f);
}

/* --- batching ---------------------------------------------------------------------------- */

typedef struct setup {
  fake f;
  trt_srv_model m;
  trt_srv_sig sig;
  trt_srv_batcher *b;
  trt_srv_metrics *metrics;
} setup;

static bool setup_start_ops(setup *s, fake_kind kind, const trt_srv_batcher_opts *o,
                            const trt_srv_model_ops *ops) {
  char warn[300];
  tinyrt_error err = {0};
  fake_init(&s->f, kind, &s->m);
  s->m.ops = ops;
  s->metrics = trt_srv_metrics_create("fake");
  if (trt_srv_sig_build(&s->m, &s->sig, warn, sizeof warn, &err) != TINYRT_OK) return false;
  fake_reset_runs(&s->f);
  reset_done();
  return trt_srv_batcher_create(&s->m, &s->sig, o, s->metrics, &s->b, &err) == TINYRT_OK;
}

static bool setup_start(setup *s, fake_kind kind, const trt_srv_batcher_opts *o) {
  return setup_start_ops(s, kind, o, &fake_ops);
}

/* Holds the runner in the fake model's first run, on `first` (made by the caller), so that the
 * jobs submitted next queue up behind it. */
static void hold_first_job(setup *s, trt_srv_job *first) {
  fake_gate(&s->f, true);
  CHECK_EQ_INT(trt_srv_batcher_submit(s->b, first), 0);
  CHECK(fake_wait_entered(&s->f, 1));
}

static void setup_end(setup *s, trt_srv_job *jobs, int n) {
  trt_srv_batcher_destroy(s->b);
  trt_srv_metrics_destroy(s->metrics);
  for (int i = 0; i < n; i++) trt_srv_job_clear(&jobs[i]);
  fake_destroy(&s->f);
}

/* While the runner is held in a first run, four jobs of lengths 2..7 queue; max batch 4 sends
 * them together at once (no waiting for the 60 s delay), padded to 7, and each gets its own
 * results back. */
static void test_batch_mixed_lengths(void) {
  trt_srv_batcher_opts o;
  trt_srv_batcher_opts_init(&o);
  o.max_batch = 4;
  o.max_queue_delay_us = 60000000;
  setup s;
  trt_srv_job jobs[5];
  CHECK(setup_start(&s, FAKE_RAGGED, &o));
  make_job(&jobs[0], 4, 3, 0); /* 4 rows: a full batch by itself */
  hold_first_job(&s, &jobs[0]);
  int64_t lens[] = {2, 7, 5, 3};
  for (int j = 1; j < 5; j++) {
    make_job(&jobs[j], 1, lens[j - 1], 10 * j);
    if (j == 3) jobs[j].want[0] = false; /* this one wants pooled only */
    CHECK_EQ_INT(trt_srv_batcher_submit(s.b, &jobs[j]), 0);
  }
  CHECK_EQ_INT(trt_srv_batcher_queued(s.b), 4);
  fake_gate(&s.f, false);
  CHECK(wait_done(5));
  CHECK_EQ_INT(s.f.n_runs, 2);
  CHECK_EQ_INT(s.f.run_rows[0], 4);
  CHECK_EQ_INT(s.f.run_rows[1], 4);
  CHECK_EQ_INT(s.f.run_len[1], 7);
  for (int j = 0; j < 5; j++) {
    CHECK_EQ_INT(jobs[j].status, 200);
    if (j != 3) CHECK_MSG(job_matches_alone(&jobs[j]), "job %d", j);
  }
  CHECK(jobs[3].outputs[0].data == NULL && jobs[3].outputs[1].data != NULL);
  CHECK_EQ_INT(jobs[1].batch_rows, 4);
  size_t len = 0;
  char *text = trt_srv_metrics_render(s.metrics, 0, &len);
  CHECK(text != NULL);
  if (text) {
    CHECK_STR_CONTAINS(text, "tinyrt_inference_executions_total{model=\"fake\"} 2\n");
    CHECK_STR_CONTAINS(text, "tinyrt_inference_count_total{model=\"fake\"} 5\n");
    CHECK_STR_CONTAINS(text, "tinyrt_batch_size_bucket{model=\"fake\",le=\"4\"} 2\n");
    CHECK_STR_CONTAINS(text, "tinyrt_batch_size_sum{model=\"fake\"} 8\n");
    CHECK_STR_CONTAINS(text, "tinyrt_queue_duration_seconds_count{model=\"fake\"} 5\n");
    CHECK_EQ_INT(strlen(text), len);
  }
  free(text);
  setup_end(&s, jobs, 5);
}

/* Rows count toward max_batch: 2 + 1 rows fit in 3, the next 1-row job waits for a new batch;
 * with a short delay a lone job is sent once the delay expires. */
static void test_batch_rows_and_delay(void) {
  trt_srv_batcher_opts o;
  trt_srv_batcher_opts_init(&o);
  o.max_batch = 3;
  o.max_queue_delay_us = 1000;
  setup s;
  trt_srv_job jobs[4];
  CHECK(setup_start(&s, FAKE_RAGGED, &o));
  make_job(&jobs[0], 1, 4, 0);
  hold_first_job(&s, &jobs[0]);
  make_job(&jobs[1], 2, 6, 1);
  make_job(&jobs[2], 1, 2, 2);
  make_job(&jobs[3], 1, 5, 3);
  for (int j = 1; j < 4; j++) CHECK_EQ_INT(trt_srv_batcher_submit(s.b, &jobs[j]), 0);
  fake_gate(&s.f, false);
  CHECK(wait_done(4));
  CHECK_EQ_INT(s.f.n_runs, 3);
  CHECK_EQ_INT(s.f.run_rows[1], 3);
  CHECK_EQ_INT(s.f.run_len[1], 6);
  CHECK_EQ_INT(s.f.run_rows[2], 1);
  CHECK_EQ_INT(s.f.run_len[2], 5);
  for (int j = 0; j < 4; j++) CHECK_MSG(jobs[j].status == 200 && job_matches_alone(&jobs[j]),
                                        "job %d", j);
  setup_end(&s, jobs, 4);
}

static int done_count(void) {
  pthread_mutex_lock(&W.mu);
  int n = W.done;
  pthread_mutex_unlock(&W.mu);
  return n;
}

static int entered_count(fake *f) {
  pthread_mutex_lock(&f->mu);
  int n = f->entered;
  pthread_mutex_unlock(&f->mu);
  return n;
}

/* Gets a job into a run held at the gate and returns its slot. With a queue timeout, a job may
 * expire before the runner picks it up on a loaded machine; then the next slot is tried. */
static int hold_runner(setup *s, trt_srv_job *slots, int n) {
  fake_gate(&s->f, true);
  for (int i = 0; i < n; i++) {
    make_job(&slots[i], 1, 3, 0);
    int before = done_count();
    if (trt_srv_batcher_submit(s->b, &slots[i]) != 0) return -1;
    for (int k = 0; k < 30000; k++) { /* 30 s at most */
      if (entered_count(&s->f) >= 1) return i;
      if (done_count() > before) break;
      struct timespec ts = {0, 1000000L};
      nanosleep(&ts, NULL);
    }
  }
  return -1;
}

/* A job with more rows than max_batch is refused; a full queue refuses at once; a queued job
 * past its timeout fails; a job whose client is gone is dropped without running. */
static void test_refusals(void) {
  trt_srv_batcher_opts o;
  trt_srv_batcher_opts_init(&o);
  o.max_batch = 4;
  o.max_queue = 2;
  o.timeout_us = 100000;
  o.max_queue_delay_us = 0;
  setup s;
  trt_srv_job jobs[4], holders[10];
  memset(holders, 0, sizeof holders);
  CHECK(setup_start(&s, FAKE_RAGGED, &o));
  make_job(&jobs[0], 5, 2, 0);
  CHECK(trt_srv_batcher_submit(s.b, &jobs[0]) != 0);
  CHECK_EQ_INT(jobs[0].status, 400);
  CHECK_STR_CONTAINS(jobs[0].error, "batch-size must be <= 4");
  trt_srv_job_clear(&jobs[0]);
  int held = hold_runner(&s, holders, 10); /* running, so no longer queued */
  CHECK(held >= 0);
  int before = done_count();
  make_job(&jobs[1], 1, 3, 1);
  make_job(&jobs[2], 1, 3, 2);
  jobs[2].gone = is_gone;
  jobs[2].user = &jobs[2]; /* "gone" */
  make_job(&jobs[3], 1, 3, 3);
  CHECK_EQ_INT(trt_srv_batcher_submit(s.b, &jobs[1]), 0);
  CHECK_EQ_INT(trt_srv_batcher_submit(s.b, &jobs[2]), 0);
  CHECK(trt_srv_batcher_submit(s.b, &jobs[3]) != 0);
  CHECK_EQ_INT(jobs[3].status, 503);
  CHECK_STR_CONTAINS(jobs[3].error, "Exceeds maximum queue size");
  CHECK_EQ_INT(jobs[3].outcome, TRT_SRV_QUEUE_FULL);
  /* Jobs 1 and 2 wait at least this long, past their 100 ms timeout. */
  struct timespec ts = {0, 150 * 1000000L};
  nanosleep(&ts, NULL);
  fake_gate(&s.f, false);
  CHECK(wait_done(before + 3));
  if (held >= 0) CHECK_EQ_INT(holders[held].status, 200);
  CHECK_EQ_INT(jobs[1].status, 503);
  CHECK_STR_CONTAINS(jobs[1].error, "Request timeout expired");
  CHECK_EQ_INT(jobs[1].outcome, TRT_SRV_TIMEOUT);
  CHECK_EQ_INT(jobs[2].status, 503); /* expiry is checked before the client */
  CHECK_EQ_INT(s.f.n_runs, 1);
  setup_end(&s, jobs, 4);
  for (int i = 0; i < 10; i++) trt_srv_job_clear(&holders[i]);

  o.timeout_us = 0;
  CHECK(setup_start(&s, FAKE_RAGGED, &o));
  make_job(&jobs[0], 1, 3, 0);
  jobs[0].gone = is_gone;
  jobs[0].user = &jobs[0];
  CHECK_EQ_INT(trt_srv_batcher_submit(s.b, &jobs[0]), 0);
  CHECK(wait_done(1));
  CHECK_EQ_INT(jobs[0].status, 499);
  CHECK_EQ_INT(jobs[0].outcome, TRT_SRV_CANCELLED);
  CHECK_EQ_INT(s.f.n_runs, 0);
  setup_end(&s, jobs, 1);
}

/* A token id the model rejects fails the batch; the batcher reruns each job alone so that only
 * the bad one fails, and the others get their own results. */
static void test_isolation(void) {
  trt_srv_batcher_opts o;
  trt_srv_batcher_opts_init(&o);
  o.max_batch = 8;
  o.max_queue_delay_us = 60000000;
  setup s;
  trt_srv_job jobs[4];
  CHECK(setup_start(&s, FAKE_RAGGED, &o));
  make_job(&jobs[0], 8, 2, 0);
  hold_first_job(&s, &jobs[0]);
  make_job(&jobs[1], 1, 4, 5);
  make_job(&jobs[2], 1, 6, 7);
  ((int64_t *)jobs[2].inputs[0].data)[3] = VOCAB + 1;
  make_job(&jobs[3], 1, 3, 9);
  for (int j = 1; j < 4; j++) CHECK_EQ_INT(trt_srv_batcher_submit(s.b, &jobs[j]), 0);
  trt_srv_batcher_drain(s.b); /* send what is queued without waiting for the delay */
  fake_gate(&s.f, false);
  CHECK(wait_done(4));
  CHECK_EQ_INT(jobs[1].status, 200);
  CHECK(job_matches_alone(&jobs[1]));
  CHECK_EQ_INT(jobs[3].status, 200);
  CHECK(job_matches_alone(&jobs[3]));
  CHECK_EQ_INT(jobs[2].status, 400);
  CHECK_STR_CONTAINS(jobs[2].error, "Gather: index 101 out of range");
  CHECK(jobs[2].outputs[0].data == NULL);
  /* first run, the failed batch of 3, then 3 runs alone */
  CHECK_EQ_INT(s.f.n_runs, 5);
  CHECK_EQ_INT(s.f.run_rows[1], 3);
  setup_end(&s, jobs, 4);
}

/* With run_many, a batch of mixed lengths runs as one call that runs each job at its own length
 * (no padding); a job with a bad token id fails alone without re-running the others; a lone job
 * still runs through run; --no-batching does not use run_many. */
static void test_run_many(void) {
  trt_srv_batcher_opts o;
  trt_srv_batcher_opts_init(&o);
  o.max_batch = 8;
  o.max_queue_delay_us = 60000000;
  setup s;
  trt_srv_job jobs[5];
  CHECK(setup_start_ops(&s, FAKE_RAGGED, &o, &fake_ops_many));
  make_job(&jobs[0], 8, 2, 0);
  hold_first_job(&s, &jobs[0]);
  int64_t lens[] = {4, 6, 3, 5};
  for (int j = 1; j < 5; j++) make_job(&jobs[j], j == 4 ? 2 : 1, lens[j - 1], 5 + 2 * j);
  ((int64_t *)jobs[2].inputs[0].data)[3] = VOCAB + 1;
  jobs[3].want[0] = false; /* pooled only */
  for (int j = 1; j < 5; j++) CHECK_EQ_INT(trt_srv_batcher_submit(s.b, &jobs[j]), 0);
  trt_srv_batcher_drain(s.b);
  fake_gate(&s.f, false);
  CHECK(wait_done(5));
  CHECK_EQ_INT(jobs[0].status, 200);
  CHECK(job_matches_alone(&jobs[0]));
  for (int j = 1; j < 5; j++) {
    if (j == 2) continue;
    CHECK_EQ_INT(jobs[j].status, 200);
    if (j != 3) CHECK_MSG(job_matches_alone(&jobs[j]), "job %d", j);
    CHECK_EQ_INT(jobs[j].batch_rows, 5);
  }
  CHECK(jobs[3].outputs[0].data == NULL && jobs[3].outputs[1].data != NULL);
  CHECK_EQ_INT(jobs[2].status, 400);
  CHECK_STR_CONTAINS(jobs[2].error, "Gather: index 101 out of range");
  CHECK(jobs[2].outputs[0].data == NULL && jobs[2].outputs[1].data == NULL);
  /* the lone first job through run, then one run_many call: four runs at their own lengths */
  CHECK_EQ_INT(s.f.many_calls, 1);
  CHECK_EQ_INT(s.f.n_runs, 5);
  for (int j = 1; j < 5; j++) {
    CHECK_EQ_INT(s.f.run_len[j], lens[j - 1]);
    CHECK_EQ_INT(s.f.run_rows[j], jobs[j].rows);
  }
  size_t len = 0;
  char *text = trt_srv_metrics_render(s.metrics, 0, &len);
  CHECK(text != NULL);
  if (text) {
    CHECK_STR_CONTAINS(text, "tinyrt_inference_executions_total{model=\"fake\"} 2\n");
    CHECK_STR_CONTAINS(text, "tinyrt_batch_size_sum{model=\"fake\"} 13\n");
  }
  free(text);
  setup_end(&s, jobs, 5);

  /* --no-batching: every job alone through run */
  o.no_batching = true;
  CHECK(setup_start_ops(&s, FAKE_RAGGED, &o, &fake_ops_many));
  for (int j = 0; j < 3; j++) {
    make_job(&jobs[j], 1, 3 + j, j);
    CHECK_EQ_INT(trt_srv_batcher_submit(s.b, &jobs[j]), 0);
  }
  CHECK(wait_done(3));
  CHECK_EQ_INT(s.f.many_calls, 0);
  CHECK_EQ_INT(s.f.n_runs, 3);
  for (int j = 0; j < 3; j++) CHECK(jobs[j].status == 200 && job_matches_alone(&jobs[j]));
  setup_end(&s, jobs, 3);
}

/* Without attention_mask, only equal shapes share a batch, in arrival order; --no-batching runs
 * every job alone; stop runs what is queued and refuses new jobs. */
static void make_plain_job(trt_srv_job *job, int64_t rows, int64_t width, float v) {
  memset(job, 0, sizeof *job);
  set_tensor(&job->inputs[0], TINYRT_FLOAT, rows, width);
  for (int64_t j = 0; j < rows * width; j++) ((float *)job->inputs[0].data)[j] = v + (float)j;
  job->rows = rows;
  job->want[0] = true;
  job->done = on_done;
}

static void test_plain_and_stop(void) {
  trt_srv_batcher_opts o;
  trt_srv_batcher_opts_init(&o);
  o.max_batch = 8;
  o.max_queue_delay_us = 60000000;
  setup s;
  trt_srv_job jobs[5];
  CHECK(setup_start(&s, FAKE_PLAIN, &o));
  make_plain_job(&jobs[0], 8, 2, 0); /* a full batch: runs at once */
  hold_first_job(&s, &jobs[0]);
  make_plain_job(&jobs[1], 1, 2, 10);
  make_plain_job(&jobs[2], 1, 2, 20);
  make_plain_job(&jobs[3], 1, 3, 30); /* different width: cannot join */
  for (int j = 1; j < 4; j++) CHECK_EQ_INT(trt_srv_batcher_submit(s.b, &jobs[j]), 0);
  fake_gate(&s.f, false);
  /* jobs 1+2 go at once (job 3 cannot join, so waiting cannot grow the batch); job 3 then
   * waits for company until stop() sends it. */
  CHECK(wait_done(3));
  trt_srv_batcher_stop(s.b);
  CHECK(wait_done(4));
  make_plain_job(&jobs[4], 1, 2, 0);
  CHECK(trt_srv_batcher_submit(s.b, &jobs[4]) != 0);
  CHECK_EQ_INT(jobs[4].status, 503);
  CHECK_STR_CONTAINS(jobs[4].error, "shutting down");
  CHECK_EQ_INT(s.f.n_runs, 3);
  CHECK_EQ_INT(s.f.run_rows[1], 2);
  CHECK_EQ_INT(s.f.run_rows[2], 1);
  for (int j = 0; j < 4; j++) {
    const trt_srv_tensor *y = &jobs[j].outputs[0];
    bool ok = jobs[j].status == 200 && y->data && y->dims[0] == jobs[j].rows &&
              y->dims[1] == jobs[j].inputs[0].dims[1];
    for (int64_t k = 0; ok && k < y->dims[0] * y->dims[1]; k++)
      ok = ((float *)y->data)[k] == 2 * ((float *)jobs[j].inputs[0].data)[k];
    CHECK_MSG(ok, "plain job %d", j);
  }
  setup_end(&s, jobs, 5);

  o.no_batching = true;
  CHECK(setup_start(&s, FAKE_RAGGED, &o));
  for (int j = 0; j < 3; j++) make_job(&jobs[j], 1, 2 + j, j);
  hold_first_job(&s, &jobs[0]);
  for (int j = 1; j < 3; j++) CHECK_EQ_INT(trt_srv_batcher_submit(s.b, &jobs[j]), 0);
  fake_gate(&s.f, false);
  CHECK(wait_done(3));
  CHECK_EQ_INT(s.f.n_runs, 3);
  for (int j = 0; j < 3; j++) CHECK(jobs[j].status == 200 && job_matches_alone(&jobs[j]));
  setup_end(&s, jobs, 3);
}

/* A model with a fixed batch of 1 serves one request at a time, outputs whole. */
static void test_fixed_batch_model(void) {
  trt_srv_batcher_opts o;
  trt_srv_batcher_opts_init(&o);
  setup s;
  trt_srv_job jobs[2];
  CHECK(setup_start(&s, FAKE_FIXED_BATCH, &o));
  make_plain_job(&jobs[0], 1, 4, 1);
  make_plain_job(&jobs[1], 1, 4, 2);
  jobs[1].rows = 2;
  CHECK(trt_srv_batcher_submit(s.b, &jobs[1]) != 0);
  CHECK_STR_CONTAINS(jobs[1].error, "must be <= 1");
  CHECK_EQ_INT(trt_srv_batcher_submit(s.b, &jobs[0]), 0);
  CHECK(wait_done(1));
  CHECK_EQ_INT(jobs[0].status, 200);
  CHECK(jobs[0].outputs[0].data && ((float *)jobs[0].outputs[0].data)[3] == 8.0f);
  setup_end(&s, jobs, 2);
}

int main(void) {
  test_sig_ragged();
  test_sig_not_batchable();
  test_sig_check();
  test_batch_mixed_lengths();
  test_batch_rows_and_delay();
  test_refusals();
  test_isolation();
  test_run_many();
  test_plain_and_stop();
  test_fixed_batch_model();
  return test_finish();
}
