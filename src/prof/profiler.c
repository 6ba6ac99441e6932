#include "prof/profiler.h"

#include <string.h>

int trt_profiler_create(const trt_alloc *al, uint64_t t0_ns, trt_profiler **out) {
  trt_profiler *p = trt_calloc(al, 1, sizeof *p);
  if (!p) return TINYRT_ERR_NOMEM;
  p->al = al;
  p->t0_ns = t0_ns;
  pthread_mutex_init(&p->lock, NULL);
  *out = p;
  return TINYRT_OK;
}

void trt_profiler_destroy(trt_profiler *p) {
  if (!p) return;
  pthread_mutex_destroy(&p->lock);
  trt_free(p->al, p->events);
  trt_free(p->al, p);
}

int trt_profiler_add(trt_profiler *p, const trt_prof_event *ev, size_t n) {
  int rc = TINYRT_OK;
  pthread_mutex_lock(&p->lock);
  if (p->n_events + n > p->cap_events) {
    size_t cap = p->cap_events ? p->cap_events : 1024;
    while (cap < p->n_events + n) cap *= 2;
    trt_prof_event *e = trt_realloc(p->al, p->events, p->cap_events * sizeof *e, cap * sizeof *e);
    if (!e) {
      rc = TINYRT_ERR_NOMEM;
      goto out;
    }
    p->events = e;
    p->cap_events = cap;
  }
  memcpy(p->events + p->n_events, ev, n * sizeof *ev);
  p->n_events += n;
out:
  pthread_mutex_unlock(&p->lock);
  return rc;
}
