/* Thread pool: every task runs exactly once for any thread count, thread numbers stay in range,
 * a NULL pool runs inline, two threads can call one pool at once, and idle pools (asleep or
 * still spinning) shut down cleanly. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "exec/threadpool.h"
#include "testutil.h"

typedef struct count_ctx {
  _Atomic int *hits;   /* per task */
  _Atomic int bad_thread;
  int size;
  _Atomic int thread_used[8];
} count_ctx;

static void count_task(void *ctx, int64_t task, int thread) {
  count_ctx *c = ctx;
  atomic_fetch_add(&c->hits[task], 1);
  if (thread < 0 || thread >= c->size) atomic_store(&c->bad_thread, 1);
  else if (thread < 8) atomic_store(&c->thread_used[thread], 1);
}

static int run_and_check(trt_threadpool *p, int64_t n_tasks) {
  count_ctx c;
  memset(&c, 0, sizeof c);
  c.size = trt_threadpool_size(p);
  c.hits = calloc((size_t)(n_tasks > 0 ? n_tasks : 1), sizeof *c.hits);
  trt_parallel_for(p, n_tasks, count_task, &c);
  int ok = !atomic_load(&c.bad_thread);
  for (int64_t t = 0; t < n_tasks; t++)
    if (atomic_load(&c.hits[t]) != 1) ok = 0;
  free(c.hits);
  return ok;
}

static void test_exactly_once(void) {
  trt_alloc al;
  trt_alloc_init(&al, NULL);
  const int64_t counts[] = {0, 1, 2, 3, 7, 64, 1000, 100000};
  CHECK_EQ_INT(trt_threadpool_size(NULL), 1);
  for (size_t i = 0; i < TRT_ARRAY_LEN(counts); i++) CHECK(run_and_check(NULL, counts[i]));
  for (int threads = 1; threads <= 5; threads++) {
    trt_threadpool *p = NULL;
    tinyrt_error err = {0};
    CHECK_EQ_INT(trt_threadpool_create(&al, threads, &p, &err), TINYRT_OK);
    if (!p) continue;
    CHECK_EQ_INT(trt_threadpool_size(p), threads);
    for (size_t i = 0; i < TRT_ARRAY_LEN(counts); i++)
      CHECK_MSG(run_and_check(p, counts[i]), "threads %d tasks %lld", threads,
                (long long)counts[i]);
    /* many back-to-back small jobs: the spinning hand-off path */
    int ok = 1;
    for (int r = 0; r < 2000; r++) ok &= run_and_check(p, 1 + r % 5);
    CHECK_MSG(ok, "threads %d: back-to-back small jobs", threads);
    trt_threadpool_destroy(p);
  }
}

/* With as many tasks as threads and tasks that wait for each other, every thread must take
 * part: a pool that ran everything on the caller would never finish a barrier. The barrier is
 * bounded in time so a broken pool fails instead of hanging. */
typedef struct barrier_ctx {
  _Atomic int arrived;
  int need;
  _Atomic int timed_out;
} barrier_ctx;

static void barrier_task(void *ctx, int64_t task, int thread) {
  barrier_ctx *c = ctx;
  atomic_fetch_add(&c->arrived, 1);
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (atomic_load(&c->arrived) < c->need) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (t.tv_sec - t0.tv_sec > 10) {
      atomic_store(&c->timed_out, 1);
      return;
    }
  }
}

static void test_all_threads_take_part(void) {
  trt_alloc al;
  trt_alloc_init(&al, NULL);
  trt_threadpool *p = NULL;
  CHECK_EQ_INT(trt_threadpool_create(&al, 3, &p, NULL), TINYRT_OK);
  if (!p) return;
  /* a pause long enough that workers went to sleep: the job must wake them */
  struct timespec nap = {0, 5 * 1000 * 1000};
  nanosleep(&nap, NULL);
  barrier_ctx c = {.need = 3};
  trt_parallel_for(p, 3, barrier_task, &c);
  CHECK(!atomic_load(&c.timed_out));
  CHECK_EQ_INT(atomic_load(&c.arrived), 3);
  trt_threadpool_destroy(p);
}

typedef struct caller_arg {
  trt_threadpool *p;
  int ok;
} caller_arg;

static void *caller_main(void *arg) {
  caller_arg *a = arg;
  a->ok = 1;
  for (int r = 0; r < 300; r++) a->ok &= run_and_check(a->p, 1 + (r * 7) % 97);
  return NULL;
}

static void test_concurrent_callers(void) {
  trt_alloc al;
  trt_alloc_init(&al, NULL);
  trt_threadpool *p = NULL;
  CHECK_EQ_INT(trt_threadpool_create(&al, 2, &p, NULL), TINYRT_OK);
  if (!p) return;
  caller_arg a = {p, 0}, b = {p, 0};
  pthread_t ta, tb;
  CHECK(pthread_create(&ta, NULL, caller_main, &a) == 0);
  CHECK(pthread_create(&tb, NULL, caller_main, &b) == 0);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  CHECK(a.ok);
  CHECK(b.ok);
  trt_threadpool_destroy(p);
}

static void test_destroy_idle(void) {
  trt_alloc al;
  trt_alloc_init(&al, NULL);
  /* destroyed at once (workers may not even have started), after spinning, after sleeping */
  for (int wait_ms = 0; wait_ms <= 5; wait_ms += 5) {
    trt_threadpool *p = NULL;
    CHECK_EQ_INT(trt_threadpool_create(&al, 4, &p, NULL), TINYRT_OK);
    struct timespec nap = {0, wait_ms * 1000 * 1000};
    if (wait_ms) nanosleep(&nap, NULL);
    trt_threadpool_destroy(p);
  }
  trt_threadpool *p = NULL;
  CHECK_EQ_INT(trt_threadpool_create(&al, 2, &p, NULL), TINYRT_OK);
  CHECK(run_and_check(p, 10));
  trt_threadpool_destroy(p); /* workers still spinning */
  trt_threadpool_destroy(NULL);
}

static void test_bad_arguments(void) {
  trt_alloc al;
  trt_alloc_init(&al, NULL);
  trt_threadpool *p = (trt_threadpool *)&al;
  tinyrt_error err = {0};
  CHECK_EQ_INT(trt_threadpool_create(&al, 0, &p, &err), TINYRT_ERR_ARGUMENT);
  CHECK(p == NULL);
  CHECK_STR_CONTAINS(err.message, "threads");
}

int main(void) {
  test_exactly_once();
  test_all_threads_take_part();
  test_concurrent_callers();
  test_destroy_idle();
  test_bad_arguments();
  return test_finish();
}
