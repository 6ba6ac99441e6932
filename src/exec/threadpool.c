/* TEMPORARY serial implementation of threadpool.h, replaced by the real pool (branch sgemm)
 * before this lands; it keeps the session buildable meanwhile. */
#include "exec/threadpool.h"

struct trt_threadpool {
  const trt_alloc *al;
  int n;
};

int trt_threadpool_create(const trt_alloc *al, int n_threads, trt_threadpool **out,
                          tinyrt_error *err) {
  trt_threadpool *p = trt_calloc(al, 1, sizeof *p);
  if (!p) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  p->al = al;
  p->n = 1;
  *out = p;
  return TINYRT_OK;
}

void trt_threadpool_destroy(trt_threadpool *p) {
  if (p) trt_free(p->al, p);
}

int trt_threadpool_size(const trt_threadpool *p) { return p ? p->n : 1; }

void trt_parallel_for(trt_threadpool *p, int64_t n_tasks, trt_task_fn fn, void *ctx) {
  for (int64_t i = 0; i < n_tasks; i++) fn(ctx, i, 0);
}
