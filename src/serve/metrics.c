/* Prometheus text format, version 0.0.4: `# HELP`, `# TYPE`, then samples; histograms as
 * cumulative `_bucket{le="..."}` series plus `_sum` and `_count`. */
#include "serve/metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/common.h"

static const double time_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                     0.05,   0.1,   0.25,   0.5,   1.0,  2.5, 5.0, 10.0};
#define N_TIME (sizeof time_bounds / sizeof time_bounds[0])
static const double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
#define N_BATCH (sizeof batch_bounds / sizeof batch_bounds[0])

typedef struct histo {
  uint64_t buckets[16]; /* per bound, not cumulative; the last slot counts the overflow (+Inf) */
  uint64_t count;
  double sum;
} histo;

static const char *const outcome_names[TRT_SRV_OUTCOME_COUNT] = {
    "success", "bad_request", "queue_full", "timeout", "unavailable", "cancelled", "error",
};

typedef struct counters {
  uint64_t outcomes[TRT_SRV_OUTCOME_COUNT];
  double fail_s, compute_per_request_s;
  uint64_t last_inference_ms;
  uint64_t executions, inferences;
  histo batch_rows, request_time, queue_time, compute_time;
} counters;

struct trt_srv_metrics {
  pthread_mutex_t mu;
  char *model;
  counters c;
};

static void observe(histo *h, const double *bounds, size_t n, double v) {
  size_t i = 0;
  while (i < n && v > bounds[i]) i++;
  h->buckets[i]++;
  h->count++;
  h->sum += v;
}

trt_srv_metrics *trt_srv_metrics_create(const char *model_name) {
  trt_srv_metrics *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  size_t n = strlen(model_name);
  m->model = malloc(n + 1);
  if (!m->model || pthread_mutex_init(&m->mu, NULL) != 0) {
    free(m->model);
    free(m);
    return NULL;
  }
  memcpy(m->model, model_name, n + 1);
  return m;
}

void trt_srv_metrics_destroy(trt_srv_metrics *m) {
  if (!m) return;
  pthread_mutex_destroy(&m->mu);
  free(m->model);
  free(m);
}

void trt_srv_metrics_request(trt_srv_metrics *m, trt_srv_outcome outcome, double seconds) {
  if (!m || outcome < 0 || outcome >= TRT_SRV_OUTCOME_COUNT) return;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
  pthread_mutex_lock(&m->mu);
  m->c.outcomes[outcome]++;
  if (outcome == TRT_SRV_OK) {
    observe(&m->c.request_time, time_bounds, N_TIME, seconds);
    m->c.last_inference_ms = ms;
  } else {
    m->c.fail_s += seconds;
  }
  pthread_mutex_unlock(&m->mu);
}

void trt_srv_metrics_queue(trt_srv_metrics *m, double seconds) {
  if (!m) return;
  pthread_mutex_lock(&m->mu);
  observe(&m->c.queue_time, time_bounds, N_TIME, seconds);
  pthread_mutex_unlock(&m->mu);
}

void trt_srv_metrics_batch(trt_srv_metrics *m, int rows, int requests, double seconds) {
  if (!m) return;
  pthread_mutex_lock(&m->mu);
  m->c.executions++;
  m->c.inferences += (uint64_t)requests;
  observe(&m->c.batch_rows, batch_bounds, N_BATCH, rows);
  observe(&m->c.compute_time, time_bounds, N_TIME, seconds);
  m->c.compute_per_request_s += seconds * requests;
  pthread_mutex_unlock(&m->mu);
}

void trt_srv_metrics_stats(trt_srv_metrics *m, trt_srv_stats *out) {
  memset(out, 0, sizeof *out);
  if (!m) return;
  pthread_mutex_lock(&m->mu);
  const counters *c = &m->c;
  out->success = c->outcomes[TRT_SRV_OK];
  for (int i = 1; i < TRT_SRV_OUTCOME_COUNT; i++) out->fail += c->outcomes[i];
  out->success_s = c->request_time.sum;
  out->fail_s = c->fail_s;
  out->queued = c->queue_time.count;
  out->queue_s = c->queue_time.sum;
  out->executions = c->executions;
  out->inferences = c->inferences;
  out->compute_s = c->compute_time.sum;
  out->compute_per_request_s = c->compute_per_request_s;
  out->last_inference_ms = c->last_inference_ms;
  pthread_mutex_unlock(&m->mu);
}

typedef struct out {
  char *p;
  size_t len, cap;
  bool oom;
} out;

static void emit(out *o, const char *fmt, ...) TRT_PRINTF(2, 3);
static void emit(out *o, const char *fmt, ...) {
  if (o->oom) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
      o->oom = true;
      return;
    }
    if ((size_t)n < o->cap - o->len) {
      o->len += (size_t)n;
      return;
    }
    size_t cap = o->cap * 2 + (size_t)n;
    char *p = realloc(o->p, cap);
    if (!p) {
      o->oom = true;
      return;
    }
    o->p = p;
    o->cap = cap;
  }
}

static void emit_histo(out *o, const char *name, const char *help, const char *model,
                       const histo *h, const double *bounds, size_t n) {
  emit(o, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
  uint64_t cum = 0;
  for (size_t i = 0; i < n; i++) {
    cum += h->buckets[i];
    emit(o, "%s_bucket{model=\"%s\",le=\"%g\"} %llu\n", name, model, bounds[i],
         (unsigned long long)cum);
  }
  emit(o, "%s_bucket{model=\"%s\",le=\"+Inf\"} %llu\n", name, model, (unsigned long long)h->count);
  emit(o, "%s_sum{model=\"%s\"} %.9g\n", name, model, h->sum);
  emit(o, "%s_count{model=\"%s\"} %llu\n", name, model, (unsigned long long)h->count);
}

char *trt_srv_metrics_render(trt_srv_metrics *m, int queue_depth, size_t *len) {
  if (!m) return NULL;
  out o = {malloc(4096), 0, 4096, false};
  if (!o.p) return NULL;
  o.p[0] = '\0';
  pthread_mutex_lock(&m->mu);
  counters s = m->c; /* a consistent snapshot; render outside the lock */
  pthread_mutex_unlock(&m->mu);
  /* Model names come from the command line; escape what Prometheus label values cannot hold. */
  char model[256];
  size_t k = 0;
  for (const char *c = m->model; *c && k + 2 < sizeof model; c++) {
    if (*c == '"' || *c == '\\') model[k++] = '\\';
    model[k++] = *c == '\n' ? ' ' : *c;
  }
  model[k] = '\0';

  emit(&o, "# HELP tinyrt_inference_requests_total Inference requests by outcome.\n"
           "# TYPE tinyrt_inference_requests_total counter\n");
  for (int i = 0; i < TRT_SRV_OUTCOME_COUNT; i++)
    emit(&o, "tinyrt_inference_requests_total{model=\"%s\",outcome=\"%s\"} %llu\n", model,
         outcome_names[i], (unsigned long long)s.outcomes[i]);
  uint64_t failed = 0;
  for (int i = 1; i < TRT_SRV_OUTCOME_COUNT; i++) failed += s.outcomes[i];
  emit(&o, "# HELP tinyrt_inference_failures_total Inference requests that did not succeed.\n"
           "# TYPE tinyrt_inference_failures_total counter\n"
           "tinyrt_inference_failures_total{model=\"%s\"} %llu\n", model,
       (unsigned long long)failed);
  emit(&o, "# HELP tinyrt_inference_executions_total Model executions (batches).\n"
           "# TYPE tinyrt_inference_executions_total counter\n"
           "tinyrt_inference_executions_total{model=\"%s\"} %llu\n", model,
       (unsigned long long)s.executions);
  emit(&o, "# HELP tinyrt_inference_count_total Requests executed inside batches.\n"
           "# TYPE tinyrt_inference_count_total counter\n"
           "tinyrt_inference_count_total{model=\"%s\"} %llu\n", model,
       (unsigned long long)s.inferences);
  emit(&o, "# HELP tinyrt_queue_depth Requests waiting in the batcher's queue.\n"
           "# TYPE tinyrt_queue_depth gauge\n"
           "tinyrt_queue_depth{model=\"%s\"} %d\n", model, queue_depth);
  emit_histo(&o, "tinyrt_batch_size", "Rows per model execution.", model, &s.batch_rows,
             batch_bounds, N_BATCH);
  emit_histo(&o, "tinyrt_queue_duration_seconds", "Time requests waited in the queue.", model,
             &s.queue_time, time_bounds, N_TIME);
  emit_histo(&o, "tinyrt_compute_duration_seconds", "Time of one model execution.", model,
             &s.compute_time, time_bounds, N_TIME);
  emit_histo(&o, "tinyrt_request_duration_seconds",
             "Time from a request's arrival to its response, successful requests.", model,
             &s.request_time, time_bounds, N_TIME);
  if (o.oom) {
    free(o.p);
    return NULL;
  }
  if (len) *len = o.len;
  return o.p;
}
