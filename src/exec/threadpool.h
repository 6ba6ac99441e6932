/* A small fork-join thread pool for intra-op parallelism.
 *
 * Workers spin briefly after a job before sleeping, so back-to-back small ops do not pay a
 * wake-up each. One job runs at a time: trt_parallel_for from a second thread waits for the
 * first to finish. A NULL pool runs everything on the caller's thread. */
#ifndef TRT_THREADPOOL_H
#define TRT_THREADPOOL_H

#include "core/common.h"

typedef struct trt_threadpool trt_threadpool;

/* n_threads counts the caller: a pool of 2 starts one worker. */
int trt_threadpool_create(const trt_alloc *al, int n_threads, trt_threadpool **out,
                          tinyrt_error *err);
void trt_threadpool_destroy(trt_threadpool *p);
int trt_threadpool_size(const trt_threadpool *p); /* 1 for NULL */

/* Calls fn(ctx, task, thread) for every task in [0, n_tasks), spread over the pool's threads;
 * returns when all are done. thread is in [0, size). */
typedef void (*trt_task_fn)(void *ctx, int64_t task, int thread);
void trt_parallel_for(trt_threadpool *p, int64_t n_tasks, trt_task_fn fn, void *ctx);

#endif
