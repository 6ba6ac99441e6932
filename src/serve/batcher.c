/* The dynamic batcher: a FIFO of jobs, one runner thread; a batch runs as one inference per job
 * where the model can (run_many), else padded into one tensor and sliced back out. */
#include "serve/batcher.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/common.h"

struct trt_srv_batcher {
  const trt_srv_model *model;
  const trt_srv_sig *sig;
  trt_srv_batcher_opts opts;
  trt_srv_metrics *metrics;

  pthread_mutex_t mu;
  pthread_cond_t cv; /* on CLOCK_MONOTONIC: the queue changed or stopping was set */
  trt_srv_job *head, *tail;
  int n_queued;
  bool draining, stopping, joined;
  pthread_t thread;

  /* Runner-only state. */
  trt_srv_job **batch; /* max_batch slots */
  struct each_slot *each; /* max_batch slots, when the model has run_many */
  tinyrt_run_item *items; /* max_batch slots, with each */
  void *scratch[TRT_SRV_MAX_IO];
  size_t scratch_cap[TRT_SRV_MAX_IO];
};

void trt_srv_batcher_opts_init(trt_srv_batcher_opts *o) {
  o->max_batch = 8;
  o->max_queue_delay_us = 500;
  o->max_queue = 256;
  o->timeout_us = 0;
  o->no_batching = false;
}

void trt_srv_job_clear(trt_srv_job *job) {
  for (int i = 0; i < TRT_SRV_MAX_IO; i++) {
    trt_srv_tensor_free(&job->inputs[i]);
    trt_srv_tensor_free(&job->outputs[i]);
  }
}

/* Rows a single job may have; models without a batch axis take exactly one request at a time. */
static int64_t row_limit(const trt_srv_batcher *b) {
  return b->sig->batchable ? b->opts.max_batch : 1;
}

static void finish(trt_srv_job *job, int status, trt_srv_outcome outcome, const char *msg) {
  job->status = status;
  job->outcome = outcome;
  snprintf(job->error, sizeof job->error, "%s", msg ? msg : "");
  job->t_end_ns = trt_now_ns();
  job->done(job);
}

int trt_srv_batcher_submit(trt_srv_batcher *b, trt_srv_job *job) {
  job->next = NULL;
  job->status = 0;
  job->error[0] = '\0';
  memset(job->outputs, 0, sizeof job->outputs);
  if (job->rows < 1 || job->rows > row_limit(b)) {
    job->status = 400;
    job->outcome = TRT_SRV_BAD_REQUEST;
    snprintf(job->error, sizeof job->error, "inference request batch-size must be <= %lld, got"
             " %lld", (long long)row_limit(b), (long long)job->rows);
    return -1;
  }
  pthread_mutex_lock(&b->mu);
  if (b->stopping) {
    pthread_mutex_unlock(&b->mu);
    job->status = 503;
    job->outcome = TRT_SRV_UNAVAILABLE;
    snprintf(job->error, sizeof job->error, "Server is shutting down");
    return -1;
  }
  if (b->opts.max_queue > 0 && b->n_queued >= b->opts.max_queue) {
    pthread_mutex_unlock(&b->mu);
    job->status = 503;
    job->outcome = TRT_SRV_QUEUE_FULL;
    snprintf(job->error, sizeof job->error, "Exceeds maximum queue size");
    return -1;
  }
  job->t_submit_ns = trt_now_ns();
  if (b->tail)
    b->tail->next = job;
  else
    b->head = job;
  b->tail = job;
  b->n_queued++;
  pthread_cond_signal(&b->cv);
  pthread_mutex_unlock(&b->mu);
  return 0;
}

int trt_srv_batcher_queued(trt_srv_batcher *b) {
  pthread_mutex_lock(&b->mu);
  int n = b->n_queued;
  pthread_mutex_unlock(&b->mu);
  return n;
}

/* --- copying boxes between row-major tensors ------------------------------------------------- */

/* Copies the box [0, box[0]) x ... x [0, box[rank-1]) from src (dims sd) to the same place in dst
 * (dims dd). Trailing axes that are whole in both tensors merge into one contiguous block, so a
 * typical [rows, len, hidden] slice is one memcpy per row. */
static void copy_box(const char *src, const int64_t *sd, char *dst, const int64_t *dd,
                     const int64_t *box, int rank, size_t es) {
  size_t block = es;
  int k = rank;
  while (k > 0 && sd[k - 1] == box[k - 1] && dd[k - 1] == box[k - 1]) block *= (size_t)box[--k];
  if (k == 0) {
    memcpy(dst, src, block);
    return;
  }
  for (int d = 0; d < k; d++)
    if (box[d] == 0) return;
  size_t chunk = (size_t)box[k - 1] * block;
  size_t ss[TINYRT_MAX_RANK], ds[TINYRT_MAX_RANK]; /* byte strides of axes 0..k-1 */
  ss[k - 1] = ds[k - 1] = block;
  for (int d = k - 2; d >= 0; d--) {
    ss[d] = ss[d + 1] * (size_t)sd[d + 1];
    ds[d] = ds[d + 1] * (size_t)dd[d + 1];
  }
  int64_t idx[TINYRT_MAX_RANK] = {0};
  for (;;) {
    size_t so = 0, dof = 0;
    for (int d = 0; d < k - 1; d++) {
      so += (size_t)idx[d] * ss[d];
      dof += (size_t)idx[d] * ds[d];
    }
    memcpy(dst + dof, src + so, chunk);
    int d = k - 2;
    while (d >= 0 && ++idx[d] == box[d]) idx[d--] = 0;
    if (d < 0) break;
  }
}

/* --- running a set of jobs ------------------------------------------------------------------ */

static bool compatible(const trt_srv_sig *sig, const trt_srv_job *a, const trt_srv_job *c) {
  for (int i = 0; i < sig->n_inputs; i++)
    for (int d = 1; d < sig->inputs[i].rank; d++)
      if (!sig->inputs[i].seq[d] && a->inputs[i].dims[d] != c->inputs[i].dims[d]) return false;
  return true;
}

static int status_of(int code) {
  return code == TINYRT_ERR_ARGUMENT || code == TINYRT_ERR_SHAPE ? 400 : 500;
}

/* A job's input as the model takes it: its own tensor, in place. */
static void job_input(const trt_srv_io *io, const trt_srv_tensor *src, tinyrt_tensor *t) {
  memset(t, 0, sizeof *t);
  t->name = io->name;
  t->dtype = src->dtype;
  t->rank = src->rank;
  memcpy(t->dims, src->dims, sizeof t->dims);
  t->data = src->data;
}

/* The outputs to ask the model for: those in want[], or output 0 when none is wanted (the run
 * still happens, so that bad inputs are reported). Returns how many went into which[]. */
static int outputs_to_run(const trt_srv_sig *sig, const bool *want, int *which) {
  int n = 0;
  for (int o = 0; o < sig->n_outputs; o++)
    if (want[o]) which[n++] = o;
  if (n == 0) which[n++] = 0;
  return n;
}

/* Builds the batch inputs of jobs[0..n) into t[]: a job's own tensors when it runs alone,
 * otherwise rows stacked (and right-padded with zeros on the sequence axis) in scratch. */
static int stack_inputs(trt_srv_batcher *b, trt_srv_job **jobs, int n, int64_t rows, int64_t len,
                        tinyrt_tensor *t, tinyrt_error *err) {
  const trt_srv_sig *sig = b->sig;
  for (int i = 0; i < sig->n_inputs; i++) {
    const trt_srv_io *io = &sig->inputs[i];
    const trt_srv_tensor *first = &jobs[0]->inputs[i];
    job_input(io, first, &t[i]);
    if (n == 1) continue;
    t[i].dims[0] = rows;
    if (io->seq[1]) t[i].dims[1] = len;
    size_t es = tinyrt_dtype_size(first->dtype);
    size_t bytes = (size_t)trt_shape_numel(t[i].rank, t[i].dims) * es;
    if (bytes > b->scratch_cap[i]) {
      void *p = realloc(b->scratch[i], bytes);
      if (!p) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory stacking a batch");
      b->scratch[i] = p;
      b->scratch_cap[i] = bytes;
    }
    /* Zero is the pad token, the mask's "ignore" and token type 0 alike. */
    if (sig->ragged && io->seq[1]) memset(b->scratch[i], 0, bytes);
    size_t row_bytes = bytes / (size_t)rows;
    char *dst = b->scratch[i];
    for (int j = 0; j < n; j++) {
      const trt_srv_tensor *s = &jobs[j]->inputs[i];
      int64_t dd[TINYRT_MAX_RANK];
      memcpy(dd, t[i].dims, sizeof dd);
      dd[0] = s->dims[0];
      copy_box(s->data, s->dims, dst, dd, s->dims, s->rank, es);
      dst += row_bytes * (size_t)s->dims[0];
    }
    t[i].data = b->scratch[i];
  }
  return TINYRT_OK;
}

/* Cuts job j's part (rows from row0, sequence len) out of a batch output. */
static int slice_output(const trt_srv_io *io, const tinyrt_tensor *o, int64_t row0,
                        int64_t rows, int64_t len, bool whole, trt_srv_tensor *dst,
                        tinyrt_error *err) {
  size_t es = tinyrt_dtype_size(o->dtype);
  if (es == 0)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "output '%s' has datatype %s", io->name,
                     trt_srv_dtype_name(o->dtype));
  memset(dst, 0, sizeof *dst);
  dst->dtype = o->dtype;
  dst->rank = o->rank;
  memcpy(dst->dims, o->dims, sizeof dst->dims);
  if (!whole) {
    dst->dims[0] = rows;
    for (int d = 1; d < o->rank; d++)
      if (io->seq[d]) dst->dims[d] = len;
  }
  int64_t n = trt_shape_numel(dst->rank, dst->dims);
  dst->nbytes = (size_t)n * es;
  dst->data = malloc(dst->nbytes ? dst->nbytes : 1);
  if (!dst->data) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory splitting a batch");
  if (whole) {
    memcpy(dst->data, o->data, dst->nbytes);
    return TINYRT_OK;
  }
  size_t row_bytes = (size_t)trt_shape_numel(o->rank - 1, o->dims + 1) * es;
  int64_t sd[TINYRT_MAX_RANK];
  memcpy(sd, o->dims, sizeof sd);
  sd[0] = rows;
  copy_box((const char *)o->data + (size_t)row0 * row_bytes, sd, dst->data, dst->dims, dst->dims,
           o->rank, es);
  return TINYRT_OK;
}

/* Runs jobs[0..n) as one model execution and fills every job's wanted outputs. */
static int run_jobs(trt_srv_batcher *b, trt_srv_job **jobs, int n, tinyrt_error *err) {
  const trt_srv_sig *sig = b->sig;
  tinyrt_tensor in[TRT_SRV_MAX_IO], out[TRT_SRV_MAX_IO];
  int which[TRT_SRV_MAX_IO], n_out;
  int64_t rows = 0, len = 0;
  for (int j = 0; j < n; j++) {
    rows += jobs[j]->rows;
    len = TRT_MAX(len, jobs[j]->seq_len);
  }
  int rc = stack_inputs(b, jobs, n, rows, len, in, err);
  if (rc) return rc;
  bool want[TRT_SRV_MAX_IO] = {false};
  for (int o = 0; o < sig->n_outputs; o++)
    for (int j = 0; j < n; j++) want[o] = want[o] || jobs[j]->want[o];
  n_out = outputs_to_run(sig, want, which);
  for (int k = 0; k < n_out; k++) {
    memset(&out[k], 0, sizeof out[k]);
    out[k].name = sig->outputs[which[k]].name;
  }
  uint64_t t0 = trt_now_ns();
  rc = b->model->ops->run(b->model->self, in, sig->n_inputs, out, n_out, err);
  trt_srv_metrics_batch(b->metrics, (int)rows, n, (double)(trt_now_ns() - t0) * 1e-9);
  if (rc) return rc;
  for (int k = 0; k < n_out && !rc; k++) {
    const trt_srv_io *io = &sig->outputs[which[k]];
    const tinyrt_tensor *o = &out[k];
    bool whole = !sig->batchable;
    if (!whole) {
      bool ok = o->rank == io->rank && o->rank >= 1 && o->dims[0] == rows;
      for (int d = 1; ok && d < o->rank; d++)
        if (io->seq[d] && o->dims[d] != len) ok = false;
      if (!ok) {
        char sh[160];
        rc = trt_error(err, TINYRT_ERR_INTERNAL, "output '%s' came back with shape %s, which does"
                       " not split into %lld rows of length %lld", io->name,
                       trt_shape_str(o->rank, o->dims, sh, sizeof sh), (long long)rows,
                       (long long)len);
        break;
      }
    }
    int64_t row0 = 0;
    for (int j = 0; j < n && !rc; j++) {
      if (jobs[j]->want[which[k]])
        rc = slice_output(io, o, row0, jobs[j]->rows, jobs[j]->seq_len, whole,
                          &jobs[j]->outputs[which[k]], err);
      row0 += jobs[j]->rows;
    }
  }
  for (int k = 0; k < n_out; k++) b->model->ops->tensor_free(b->model->self, &out[k]);
  if (rc)
    for (int j = 0; j < n; j++)
      for (int o = 0; o < sig->n_outputs; o++) trt_srv_tensor_free(&jobs[j]->outputs[o]);
  return rc;
}

/* --- a batch as one inference per job (run_many) --------------------------------------------- */

typedef struct each_slot {
  tinyrt_tensor in[TRT_SRV_MAX_IO], out[TRT_SRV_MAX_IO];
  int which[TRT_SRV_MAX_IO]; /* out[k] is the signature's output which[k] */
  bool own[TRT_SRV_MAX_IO];  /* out[k] is the job's own buffer, not one tinyrt allocated */
  int n_out;
} each_slot;

/* Bytes of output io for a job, when the signature fixes every axis but the batch and the
 * sequence; 0 when it does not (the runtime then allocates and the result is copied). */
static size_t job_output_bytes(const trt_srv_io *io, const trt_srv_job *job) {
  int64_t n = job->rows;
  for (int d = 1; d < io->rank; d++) {
    int64_t v = io->seq[d] ? job->seq_len : io->dims[d];
    if (v < 0) return 0;
    n *= v;
  }
  return (size_t)n * tinyrt_dtype_size(io->dtype);
}

/* Sets up a job's output k: into a buffer of the job's own when its size is known and the
 * buffer can be had, else left to tinyrt to allocate (the result is then copied). */
static void prepare_output(const trt_srv_sig *sig, trt_srv_job *job, each_slot *e, int k) {
  const trt_srv_io *io = &sig->outputs[e->which[k]];
  memset(&e->out[k], 0, sizeof e->out[k]);
  e->out[k].name = io->name;
  trt_srv_tensor *dst = &job->outputs[e->which[k]];
  size_t bytes = job->want[e->which[k]] ? job_output_bytes(io, job) : 0;
  dst->data = bytes ? malloc(bytes) : NULL;
  e->own[k] = dst->data != NULL;
  if (!e->own[k]) return;
  dst->nbytes = bytes;
  e->out[k].data = dst->data;
  e->out[k].capacity = bytes;
}

/* Moves a finished output into the job's: its shape, and its data when tinyrt allocated it. */
static int take_output(const tinyrt_tensor *o, bool own, trt_srv_tensor *dst, tinyrt_error *err) {
  size_t bytes = (size_t)trt_shape_numel(o->rank, o->dims) * tinyrt_dtype_size(o->dtype);
  dst->dtype = o->dtype;
  dst->rank = o->rank;
  memcpy(dst->dims, o->dims, sizeof dst->dims);
  dst->nbytes = bytes;
  if (own) return TINYRT_OK;
  dst->data = malloc(bytes ? bytes : 1);
  if (!dst->data) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory taking an output");
  if (bytes) memcpy(dst->data, o->data, bytes);
  return TINYRT_OK;
}

/* Runs jobs[0..n) as one inference each at its own shape, spread over the runtime's threads: no
 * padding to the longest, no stacking and slicing, outputs written straight into the jobs'
 * buffers, and a job with bad data fails alone. */
static void run_each(trt_srv_batcher *b, trt_srv_job **jobs, int n, int rows) {
  const trt_srv_sig *sig = b->sig;
  tinyrt_run_item *items = b->items;
  for (int j = 0; j < n; j++) {
    each_slot *e = &b->each[j];
    for (int i = 0; i < sig->n_inputs; i++)
      job_input(&sig->inputs[i], &jobs[j]->inputs[i], &e->in[i]);
    e->n_out = outputs_to_run(sig, jobs[j]->want, e->which);
    for (int k = 0; k < e->n_out; k++) prepare_output(sig, jobs[j], e, k);
    items[j] = (tinyrt_run_item){e->in, sig->n_inputs, e->out, e->n_out, TINYRT_OK, {0}};
  }
  tinyrt_error err = {0};
  uint64_t t0 = trt_now_ns();
  b->model->ops->run_many(b->model->self, items, n, &err);
  trt_srv_metrics_batch(b->metrics, rows, n, (double)(trt_now_ns() - t0) * 1e-9);
  for (int j = 0; j < n; j++) {
    each_slot *e = &b->each[j];
    int rc = items[j].rc;
    tinyrt_error *je = &items[j].err;
    for (int k = 0; k < e->n_out && rc == TINYRT_OK; k++)
      if (jobs[j]->want[e->which[k]])
        rc = take_output(&e->out[k], e->own[k], &jobs[j]->outputs[e->which[k]], je);
    for (int k = 0; k < e->n_out; k++)
      if (!e->own[k]) b->model->ops->tensor_free(b->model->self, &e->out[k]);
    if (rc) {
      for (int o = 0; o < sig->n_outputs; o++) trt_srv_tensor_free(&jobs[j]->outputs[o]);
      finish(jobs[j], status_of(rc), status_of(rc) == 400 ? TRT_SRV_BAD_REQUEST : TRT_SRV_ERROR,
             je->message);
      continue;
    }
    jobs[j]->batch_rows = rows;
    finish(jobs[j], 200, TRT_SRV_OK, NULL);
  }
}

static void run_batch(trt_srv_batcher *b, trt_srv_job **jobs, int n) {
  uint64_t now = trt_now_ns();
  int m = 0;
  for (int j = 0; j < n; j++) {
    trt_srv_job *job = jobs[j];
    job->t_start_ns = now;
    trt_srv_metrics_queue(b->metrics, (double)(now - job->t_submit_ns) * 1e-9);
    if (job->gone && job->gone(job)) {
      finish(job, 499, TRT_SRV_CANCELLED, "the client closed the connection");
      continue;
    }
    jobs[m++] = job;
  }
  if (m == 0) return;
  int rows = 0;
  for (int j = 0; j < m; j++) rows += (int)jobs[j]->rows;
  if (m > 1 && b->each) {
    run_each(b, jobs, m, rows);
    return;
  }
  tinyrt_error err = {0};
  int rc = run_jobs(b, jobs, m, &err);
  if (rc == TINYRT_OK) {
    for (int j = 0; j < m; j++) {
      jobs[j]->batch_rows = rows;
      finish(jobs[j], 200, TRT_SRV_OK, NULL);
    }
    return;
  }
  if (m == 1) {
    finish(jobs[0], status_of(rc), status_of(rc) == 400 ? TRT_SRV_BAD_REQUEST : TRT_SRV_ERROR,
           err.message);
    return;
  }
  /* One request's data (say a token id past the vocabulary with --vocab-size 0) can
   * fail the whole batch: run each job alone so that only the culprit fails. */
  for (int j = 0; j < m; j++) {
    tinyrt_error e1 = {0};
    int rc1 = run_jobs(b, &jobs[j], 1, &e1);
    jobs[j]->batch_rows = (int)jobs[j]->rows;
    if (rc1 == TINYRT_OK)
      finish(jobs[j], 200, TRT_SRV_OK, NULL);
    else
      finish(jobs[j], status_of(rc1),
             status_of(rc1) == 400 ? TRT_SRV_BAD_REQUEST : TRT_SRV_ERROR, e1.message);
  }
}

/* --- the runner thread ---------------------------------------------------------------------- */

static void deadline_ts(uint64_t ns, struct timespec *ts) {
  ts->tv_sec = (time_t)(ns / 1000000000ull);
  ts->tv_nsec = (long)(ns % 1000000000ull);
}

static void *runner(void *arg) {
  trt_srv_batcher *b = arg;
  const int64_t limit = row_limit(b);
  const bool alone = b->opts.no_batching || !b->sig->batchable;
  pthread_mutex_lock(&b->mu);
  for (;;) {
    if (!b->head) {
      if (b->stopping) break;
      pthread_cond_wait(&b->cv, &b->mu);
      continue;
    }
    uint64_t now = trt_now_ns();
    /* The head is the oldest job, so expired jobs are a prefix of the queue. */
    if (b->opts.timeout_us > 0 &&
        now - b->head->t_submit_ns >= (uint64_t)b->opts.timeout_us * 1000u) {
      trt_srv_job *job = b->head;
      b->head = job->next;
      if (!b->head) b->tail = NULL;
      b->n_queued--;
      pthread_mutex_unlock(&b->mu);
      trt_srv_metrics_queue(b->metrics, (double)(now - job->t_submit_ns) * 1e-9);
      finish(job, 503, TRT_SRV_TIMEOUT, "Request timeout expired");
      pthread_mutex_lock(&b->mu);
      continue;
    }
    int n = 0;
    int64_t rows = 0;
    bool send = b->stopping || b->draining || alone;
    for (trt_srv_job *j = b->head; j; j = j->next) {
      if (n > 0 && (rows + j->rows > limit || !compatible(b->sig, b->head, j))) {
        send = true; /* the next job cannot join: waiting longer cannot grow this batch */
        break;
      }
      rows += j->rows;
      n++;
      if (rows >= limit || alone) {
        send = true;
        break;
      }
    }
    uint64_t deadline = b->head->t_submit_ns + (uint64_t)b->opts.max_queue_delay_us * 1000u;
    if (!send && now < deadline) {
      uint64_t wake = deadline;
      if (b->opts.timeout_us > 0)
        wake = TRT_MIN(wake, b->head->t_submit_ns + (uint64_t)b->opts.timeout_us * 1000u);
      struct timespec ts;
      deadline_ts(wake, &ts);
      int w = pthread_cond_timedwait(&b->cv, &b->mu, &ts);
      if (w != 0 && w != ETIMEDOUT) break; /* cannot happen with a valid mutex and time */
      continue;
    }
    for (int k = 0; k < n; k++) {
      b->batch[k] = b->head;
      b->head = b->head->next;
    }
    if (!b->head) b->tail = NULL;
    b->n_queued -= n;
    pthread_mutex_unlock(&b->mu);
    run_batch(b, b->batch, n);
    pthread_mutex_lock(&b->mu);
  }
  pthread_mutex_unlock(&b->mu);
  return NULL;
}

int trt_srv_batcher_create(const trt_srv_model *model, const trt_srv_sig *sig,
                           const trt_srv_batcher_opts *opts, trt_srv_metrics *metrics,
                           trt_srv_batcher **out, tinyrt_error *err) {
  *out = NULL;
  if (opts->max_batch < 1 || opts->max_queue < 0 || opts->max_queue_delay_us < 0 ||
      opts->timeout_us < 0)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "batcher options out of range (max batch %d, max"
                     " queue %d)", opts->max_batch, opts->max_queue);
  trt_srv_batcher *b = calloc(1, sizeof *b);
  if (!b) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory creating the batcher");
  b->model = model;
  b->sig = sig;
  b->opts = *opts;
  b->metrics = metrics;
  b->batch = calloc((size_t)opts->max_batch, sizeof *b->batch);
  const bool each = model->ops->run_many && sig->batchable && !opts->no_batching;
  if (each) {
    b->each = calloc((size_t)opts->max_batch, sizeof *b->each);
    b->items = calloc((size_t)opts->max_batch, sizeof *b->items);
  }
  pthread_condattr_t ca;
  bool mu_ok = false, cv_ok = false;
  int rc = TINYRT_ERR_NOMEM;
  if (!b->batch || (each && (!b->each || !b->items))) goto fail;
  mu_ok = pthread_mutex_init(&b->mu, NULL) == 0;
  if (!mu_ok || pthread_condattr_init(&ca) != 0) goto fail;
  cv_ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
          pthread_cond_init(&b->cv, &ca) == 0;
  pthread_condattr_destroy(&ca);
  if (!cv_ok) goto fail;
  if (pthread_create(&b->thread, NULL, runner, b) != 0) {
    rc = TINYRT_ERR_INTERNAL;
    goto fail;
  }
  *out = b;
  return TINYRT_OK;
fail:
  if (cv_ok) pthread_cond_destroy(&b->cv);
  if (mu_ok) pthread_mutex_destroy(&b->mu);
  free(b->items);
  free(b->each);
  free(b->batch);
  free(b);
  return trt_error(err, rc, "could not start the batcher thread");
}

void trt_srv_batcher_drain(trt_srv_batcher *b) {
  pthread_mutex_lock(&b->mu);
  b->draining = true;
  pthread_cond_broadcast(&b->cv);
  pthread_mutex_unlock(&b->mu);
}

void trt_srv_batcher_stop(trt_srv_batcher *b) {
  if (!b) return;
  pthread_mutex_lock(&b->mu);
  bool join = !b->joined;
  b->stopping = true;
  b->joined = true;
  pthread_cond_broadcast(&b->cv);
  pthread_mutex_unlock(&b->mu);
  if (join) pthread_join(b->thread, NULL);
}

void trt_srv_batcher_destroy(trt_srv_batcher *b) {
  if (!b) return;
  trt_srv_batcher_stop(b);
  pthread_cond_destroy(&b->cv);
  pthread_mutex_destroy(&b->mu);
  for (int i = 0; i < TRT_SRV_MAX_IO; i++) free(b->scratch[i]);
  free(b->items);
  free(b->each);
  free(b->batch);
  free(b);
}
