/* Fork-join pool: one job at a time; the caller and the workers share its tasks.
 *
 * A job is published by bumping `generation`; workers spin on it for a bounded time (SPIN_NS)
 * and then sleep on a condition variable, so a run of small ops back to back never pays a
 * futex wake-up while a long pause does not burn a core.
 *
 * Tasks are claimed from one atomic word holding (job sequence, task count, next task). A
 * claim is a compare-and-swap of that word, so a worker can only take a task of the job that is
 * current at that instant, and never an index past that job's count; the caller waits until
 * every task is *done*, not until every worker has looked. A worker that is slow to wake (on a
 * machine with more runnable threads than cores) therefore never holds the caller up: the caller
 * runs the tasks itself, and the late worker finds nothing left to claim. The job's fields are
 * stable while anyone holds a claimed task, since the next job cannot start before all are done.
 * Which thread runs which task is not fixed; kernels make their results independent of that by
 * giving each output element to exactly one task with a fixed order of work. */
#include "exec/threadpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

/* Long enough to cover the gap between two consecutive ops of an inference (the executor's own
 * work between kernels is a few µs), short enough that an idle pool goes to sleep quickly. */
#define SPIN_NS 80000u
/* The caller's wait for stragglers yields the core after this long: on a machine with more
 * runnable threads than cores the worker it waits for may need the core it spins on. */
#define WAIT_YIELD_NS 20000u

typedef struct worker {
  trt_threadpool *pool;
  pthread_t thread;
  int index; /* thread number passed to tasks, 1..size-1 */
} worker;

struct trt_threadpool {
  const trt_alloc *al;
  int size;        /* threads including the caller */
  int n_started;   /* workers whose thread was created */
  worker *workers;

  pthread_mutex_t job_mu; /* held by the caller for the whole of trt_parallel_for */

  /* the current job; written by the caller before `claim` is published (release) */
  trt_task_fn fn;
  void *ctx;
  uint32_t job_seq;              /* caller's count of jobs, 16 bits of it go in `claim` */
  _Atomic uint64_t claim;        /* seq << 48 | n_tasks << 24 | next task */
  _Atomic int64_t done;          /* tasks of the current job finished */

  _Atomic uint64_t generation;
  _Atomic int n_sleeping;
  _Atomic int shutdown;
  pthread_mutex_t sleep_mu;
  pthread_cond_t wake;
};

#define CLAIM_BITS 24
#define CLAIM_MASK ((1ull << CLAIM_BITS) - 1)
#define MAX_JOB_TASKS ((int64_t)CLAIM_MASK)

/* Claims and runs tasks of whatever job is current until none is left to claim. */
static void run_tasks(trt_threadpool *p, int thread) {
  uint64_t c = atomic_load_explicit(&p->claim, memory_order_acquire);
  for (;;) {
    uint64_t next = c & CLAIM_MASK, n = (c >> CLAIM_BITS) & CLAIM_MASK;
    if (next >= n) return;
    if (!atomic_compare_exchange_weak_explicit(&p->claim, &c, c + 1, memory_order_acq_rel,
                                               memory_order_acquire))
      continue; /* c now holds the current word: try again with it */
    p->fn(p->ctx, (int64_t)next, thread);
    atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
    c = atomic_load_explicit(&p->claim, memory_order_acquire);
  }
}

/* Returns the new generation, or seen when shutting down. */
static uint64_t wait_for_job(trt_threadpool *p, uint64_t seen) {
  uint64_t start = trt_now_ns();
  for (unsigned spins = 0;; spins++) {
    uint64_t g = atomic_load_explicit(&p->generation, memory_order_acquire);
    if (g != seen) return g;
    if (atomic_load_explicit(&p->shutdown, memory_order_acquire)) return seen;
    CPU_RELAX();
    if ((spins & 63) == 63 && trt_now_ns() - start > SPIN_NS) break;
  }
  /* Sleep. n_sleeping is raised before generation is re-read, and the caller bumps generation
   * before it reads n_sleeping (both seq_cst), so either we see the new job here or the caller
   * sees us asleep and signals under the mutex. */
  pthread_mutex_lock(&p->sleep_mu);
  atomic_fetch_add(&p->n_sleeping, 1);
  uint64_t g;
  while ((g = atomic_load(&p->generation)) == seen && !atomic_load(&p->shutdown))
    pthread_cond_wait(&p->wake, &p->sleep_mu);
  atomic_fetch_sub(&p->n_sleeping, 1);
  pthread_mutex_unlock(&p->sleep_mu);
  return g;
}

static void *worker_main(void *arg) {
  worker *w = arg;
  trt_threadpool *p = w->pool;
  /* generation 0 is the pool's state at creation: a job published before this thread got
   * here is generation 1 and must still be seen as new */
  uint64_t seen = 0;
  for (;;) {
    uint64_t g = wait_for_job(p, seen);
    if (g == seen) break; /* shutdown */
    seen = g;
    run_tasks(p, w->index);
  }
  return NULL;
}

static void stop_workers(trt_threadpool *p) {
  pthread_mutex_lock(&p->sleep_mu);
  atomic_store(&p->shutdown, 1);
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->sleep_mu);
  for (int i = 0; i < p->n_started; i++) pthread_join(p->workers[i].thread, NULL);
  p->n_started = 0;
}

int trt_threadpool_create(const trt_alloc *al, int n_threads, trt_threadpool **out,
                          tinyrt_error *err) {
  *out = NULL;
  if (n_threads < 1 || n_threads > 1024)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "thread pool: %d threads is out of range 1..1024",
                     n_threads);
  trt_threadpool *p = trt_calloc(al, 1, sizeof *p);
  if (!p) return trt_error(err, TINYRT_ERR_NOMEM, "thread pool: out of memory");
  p->al = al;
  p->size = n_threads;
  atomic_init(&p->claim, 0);
  atomic_init(&p->done, 0);
  atomic_init(&p->generation, 0);
  atomic_init(&p->n_sleeping, 0);
  atomic_init(&p->shutdown, 0);
  int rc = TINYRT_OK;
  int mu_ok = 0, sleep_ok = 0, cond_ok = 0;
  if (pthread_mutex_init(&p->job_mu, NULL) == 0) mu_ok = 1;
  if (pthread_mutex_init(&p->sleep_mu, NULL) == 0) sleep_ok = 1;
  if (pthread_cond_init(&p->wake, NULL) == 0) cond_ok = 1;
  if (!mu_ok || !sleep_ok || !cond_ok) {
    rc = trt_error(err, TINYRT_ERR_INTERNAL, "thread pool: cannot create a mutex or condition");
    goto fail;
  }
  if (n_threads > 1) {
    p->workers = trt_calloc(al, (size_t)(n_threads - 1), sizeof *p->workers);
    if (!p->workers) {
      rc = trt_error(err, TINYRT_ERR_NOMEM, "thread pool: out of memory");
      goto fail;
    }
    for (int i = 0; i < n_threads - 1; i++) {
      p->workers[i].pool = p;
      p->workers[i].index = i + 1;
      if (pthread_create(&p->workers[i].thread, NULL, worker_main, &p->workers[i]) != 0) {
        rc = trt_error(err, TINYRT_ERR_INTERNAL, "thread pool: cannot start thread %d of %d",
                       i + 2, n_threads);
        goto fail;
      }
      p->n_started++;
    }
  }
  *out = p;
  return TINYRT_OK;

fail:
  stop_workers(p);
  trt_free(al, p->workers);
  if (cond_ok) pthread_cond_destroy(&p->wake);
  if (sleep_ok) pthread_mutex_destroy(&p->sleep_mu);
  if (mu_ok) pthread_mutex_destroy(&p->job_mu);
  trt_free(al, p);
  return rc;
}

void trt_threadpool_destroy(trt_threadpool *p) {
  if (!p) return;
  /* a caller still inside trt_parallel_for would be a use-after-free; taking job_mu at least
   * lets a job that is finishing complete first */
  pthread_mutex_lock(&p->job_mu);
  stop_workers(p);
  pthread_mutex_unlock(&p->job_mu);
  trt_free(p->al, p->workers);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->sleep_mu);
  pthread_mutex_destroy(&p->job_mu);
  trt_free(p->al, p);
}

int trt_threadpool_size(const trt_threadpool *p) { return p ? p->size : 1; }

/* Runs one job of at most MAX_JOB_TASKS tasks: fn(ctx, first + t, thread) for t < n. */
typedef struct chunk_ctx {
  trt_task_fn fn;
  void *ctx;
  int64_t first;
} chunk_ctx;

static void chunk_task(void *arg, int64_t t, int thread) {
  const chunk_ctx *c = arg;
  c->fn(c->ctx, c->first + t, thread);
}

static void run_job(trt_threadpool *p, int64_t n_tasks, trt_task_fn fn, void *ctx) {
  p->fn = fn;
  p->ctx = ctx;
  p->job_seq++;
  atomic_store_explicit(&p->done, 0, memory_order_relaxed);
  uint64_t word = (uint64_t)(p->job_seq & 0xffff) << (2 * CLAIM_BITS) |
                  (uint64_t)n_tasks << CLAIM_BITS;
  atomic_store_explicit(&p->claim, word, memory_order_release);
  atomic_fetch_add(&p->generation, 1); /* seq_cst: wakes the workers, pairs with n_sleeping */
  if (atomic_load(&p->n_sleeping) > 0) {
    pthread_mutex_lock(&p->sleep_mu);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->sleep_mu);
  }
  run_tasks(p, 0);
  uint64_t start = 0;
  for (unsigned spins = 0; atomic_load_explicit(&p->done, memory_order_acquire) < n_tasks;
       spins++) {
    CPU_RELAX();
    if ((spins & 63) == 63) {
      uint64_t now = trt_now_ns();
      if (!start) start = now;
      else if (now - start > WAIT_YIELD_NS) sched_yield();
    }
  }
}

void trt_parallel_for(trt_threadpool *p, int64_t n_tasks, trt_task_fn fn, void *ctx) {
  if (n_tasks <= 0) return;
  if (!p || p->size == 1 || n_tasks == 1) {
    /* nothing to share: no hand-off, and no lock either (a lone task needs no workers) */
    for (int64_t t = 0; t < n_tasks; t++) fn(ctx, t, 0);
    return;
  }
  pthread_mutex_lock(&p->job_mu);
  if (n_tasks <= MAX_JOB_TASKS) {
    run_job(p, n_tasks, fn, ctx);
  } else {
    for (int64_t first = 0; first < n_tasks; first += MAX_JOB_TASKS) {
      chunk_ctx c = {fn, ctx, first};
      run_job(p, TRT_MIN(MAX_JOB_TASKS, n_tasks - first), chunk_task, &c);
    }
  }
  pthread_mutex_unlock(&p->job_mu);
}
