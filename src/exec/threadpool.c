/* Fork-join pool: one job at a time; each worker that notices a job in time takes part.
 *
 * A job is published in `state` (generation, a "closed" bit and the number of workers that
 * joined it); workers spin on it for a bounded time (SPIN_NS) and then sleep on a condition
 * variable, so a run of small ops back to back never pays a futex wake-up while a long pause
 * does not burn a core. Each thread has a contiguous share of the tasks, handed out by an atomic
 * counter of its own, and takes from the others' shares once its own is done: successive jobs
 * that split the same rows alike (the row-parallel GEMMs of consecutive ops) then give a thread
 * the same rows each time, which its core's caches hold from the op before, while a thread that
 * falls behind still takes fewer. A worker joins a job by
 * raising the count with a compare-and-swap, only while the job is open; once the caller has
 * run out of tasks it closes the job and waits for the workers that joined, not for the
 * others: on a machine with more runnable threads than cores a worker may be preempted for
 * milliseconds, and the caller should not wait for one that had not started (it simply did
 * that worker's share itself). A late worker cannot see a half-written next job: the fields are
 * written only after the job is closed and no worker is inside it, and published by the next
 * generation. Which thread runs which task is therefore not fixed; kernels make their results
 * independent of that by giving each output element to exactly one task with a fixed order of
 * work. */
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

/* state: generation in bits 63..17, closed in bit 16, joined workers in bits 15..0 */
#define STATE_CLOSED ((uint64_t)1 << 16)
#define STATE_COUNT ((uint64_t)0xffff)
#define STATE_GEN_SHIFT 17

/* One thread's share of the current job: tasks [next, end). next runs on past end as threads
 * find the share empty. Padded so that counters bumped by different threads are on different
 * cache lines. */
typedef struct share {
  _Atomic int64_t next;
  int64_t end;
  char pad[64 - 2 * sizeof(int64_t)];
} share;

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

  /* the current job; written by the caller while no worker is inside a job, then published
   * with a new generation in `state` */
  trt_task_fn fn;
  void *ctx;
  share *shares;      /* one per thread, the caller's first */
  uint64_t generation; /* the caller's count of jobs (under job_mu) */

  _Atomic uint64_t state;
  _Atomic int n_sleeping;
  _Atomic int shutdown;
  pthread_mutex_t sleep_mu;
  pthread_cond_t wake;
};

static void run_tasks(trt_threadpool *p, int thread) {
  for (int k = 0; k < p->size; k++) { /* its own share, then the others' */
    share *s = &p->shares[(thread + k) % p->size];
    for (;;) {
      int64_t t = atomic_fetch_add_explicit(&s->next, 1, memory_order_relaxed);
      if (t >= s->end) break;
      p->fn(p->ctx, t, thread);
    }
  }
}

/* Waits until state's generation differs from seen; returns that state, or 0 on shutdown. */
static uint64_t wait_for_job(trt_threadpool *p, uint64_t seen) {
  uint64_t start = trt_now_ns();
  for (unsigned spins = 0;; spins++) {
    uint64_t s = atomic_load_explicit(&p->state, memory_order_acquire);
    if (s >> STATE_GEN_SHIFT != seen) return s;
    if (atomic_load_explicit(&p->shutdown, memory_order_acquire)) return 0;
    CPU_RELAX();
    if ((spins & 63) == 63 && trt_now_ns() - start > SPIN_NS) break;
  }
  /* Sleep. n_sleeping is raised before state is re-read, and the caller publishes a job
   * before it reads n_sleeping (both seq_cst), so either we see the new job here or the caller
   * sees us asleep and signals under the mutex. */
  pthread_mutex_lock(&p->sleep_mu);
  atomic_fetch_add(&p->n_sleeping, 1);
  uint64_t s;
  while ((s = atomic_load(&p->state)) >> STATE_GEN_SHIFT == seen && !atomic_load(&p->shutdown))
    pthread_cond_wait(&p->wake, &p->sleep_mu);
  atomic_fetch_sub(&p->n_sleeping, 1);
  pthread_mutex_unlock(&p->sleep_mu);
  return atomic_load(&p->shutdown) ? 0 : s;
}

static void *worker_main(void *arg) {
  worker *w = arg;
  trt_threadpool *p = w->pool;
  /* generation 0 is the pool's state at creation: a job published before this thread got
   * here is generation 1 and must still be seen as new */
  uint64_t seen = 0;
  for (;;) {
    uint64_t s = wait_for_job(p, seen);
    if (!s) break; /* shutdown */
    /* join the job if it is still open; a failed CAS reloads s (maybe a newer job) */
    bool joined = false;
    for (;;) {
      seen = s >> STATE_GEN_SHIFT;
      if (s & STATE_CLOSED) break;
      if (atomic_compare_exchange_weak_explicit(&p->state, &s, s + 1, memory_order_acquire,
                                                memory_order_acquire)) {
        joined = true;
        break;
      }
    }
    if (!joined) continue;
    run_tasks(p, w->index);
    atomic_fetch_sub_explicit(&p->state, 1, memory_order_release);
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
  atomic_init(&p->state, STATE_CLOSED); /* generation 0, nothing to join */
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
  p->shares = trt_calloc(al, (size_t)n_threads, sizeof *p->shares);
  if (!p->shares) {
    rc = trt_error(err, TINYRT_ERR_NOMEM, "thread pool: out of memory");
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
  trt_free(al, p->shares);
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
  trt_free(p->al, p->shares);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->sleep_mu);
  pthread_mutex_destroy(&p->job_mu);
  trt_free(p->al, p);
}

int trt_threadpool_size(const trt_threadpool *p) { return p ? p->size : 1; }

void trt_parallel_for(trt_threadpool *p, int64_t n_tasks, trt_task_fn fn, void *ctx) {
  if (n_tasks <= 0) return;
  if (!p || p->size == 1 || n_tasks == 1) {
    /* nothing to share: no hand-off, and no lock either (a lone task needs no workers) */
    for (int64_t t = 0; t < n_tasks; t++) fn(ctx, t, 0);
    return;
  }
  pthread_mutex_lock(&p->job_mu);
  /* the previous job is closed with no worker inside: the fields are ours to write */
  p->fn = fn;
  p->ctx = ctx;
  for (int t = 0; t < p->size; t++) {
    atomic_store_explicit(&p->shares[t].next, n_tasks * t / p->size, memory_order_relaxed);
    p->shares[t].end = n_tasks * (t + 1) / p->size;
  }
  p->generation++;
  /* seq_cst: publishes the job (release for the fields) and pairs with n_sleeping */
  atomic_store(&p->state, p->generation << STATE_GEN_SHIFT);
  if (atomic_load(&p->n_sleeping) > 0) {
    pthread_mutex_lock(&p->sleep_mu);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->sleep_mu);
  }
  run_tasks(p, 0);
  /* every task is taken: no one may join any more; wait for those who did */
  atomic_fetch_or_explicit(&p->state, STATE_CLOSED, memory_order_acq_rel);
  uint64_t start = 0;
  for (unsigned spins = 0;
       atomic_load_explicit(&p->state, memory_order_acquire) & STATE_COUNT; spins++) {
    CPU_RELAX();
    if ((spins & 63) == 63) {
      uint64_t now = trt_now_ns();
      if (!start) start = now;
      else if (now - start > WAIT_YIELD_NS) sched_yield();
    }
  }
  pthread_mutex_unlock(&p->job_mu);
}
