#include "prof/peak.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/common.h"

double trt_peak_kernel_avx2(int64_t iters);

/* Portable fallback: 16 scalar chains, which the compiler keeps in registers. */
static double peak_kernel_scalar(int64_t iters) {
  float a[16];
  for (int i = 0; i < 16; i++) a[i] = (float)i;
  for (int64_t it = 0; it < iters; it++)
    for (int i = 0; i < 16; i++) a[i] = a[i] * 0.999999f + 1e-7f;
  float s = 0;
  for (int i = 0; i < 16; i++) s += a[i];
  return s;
}

/* --- one round of the kernel on each thread at once ------------------------------------------ */

static bool has_avx2(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

/* Rounds are started by raising `round` and end when every worker has raised `done` to it; the
 * caller runs its own share in between. Spinning, not blocking: the threads are meant to be
 * busy for the whole measurement anyway. iters = 0 in a round tells the workers to leave. */
typedef struct peak_race {
  bool avx2;
  int64_t iters;           /* written by the caller before it raises `round` */
  _Atomic uint64_t round;
  _Atomic int done;
  uint64_t *began, *ended; /* per thread, written before `done` is raised */
} peak_race;

typedef struct racer {
  peak_race *race;
  int index;
} racer;

static void race_round(peak_race *r, int i) {
  r->began[i] = trt_now_ns();
  volatile double sink = r->avx2 ? trt_peak_kernel_avx2(r->iters) : peak_kernel_scalar(r->iters);
  (void)sink;
  r->ended[i] = trt_now_ns();
}

static void *racer_main(void *arg) {
  const racer *me = arg;
  peak_race *r = me->race;
  for (uint64_t seen = 0;;) {
    uint64_t now;
    while ((now = atomic_load_explicit(&r->round, memory_order_acquire)) == seen) {
    }
    seen = now;
    if (r->iters == 0) return NULL;
    race_round(r, me->index);
    atomic_fetch_add_explicit(&r->done, 1, memory_order_release);
  }
}

/* Starts a round of `iters` for the workers [1, started) and waits for them, taking part. */
static void race(peak_race *r, int started, int64_t iters) {
  r->iters = iters;
  atomic_store_explicit(&r->done, 0, memory_order_relaxed);
  atomic_fetch_add_explicit(&r->round, 1, memory_order_release);
  if (iters == 0) return;
  race_round(r, 0);
  while (atomic_load_explicit(&r->done, memory_order_acquire) < started - 1) {
  }
}

double trt_measure_peak_gflops(double ms) { return trt_measure_peak_gflops_threads(ms, 1); }

double trt_measure_peak_gflops_threads(double ms, int threads) {
  if (threads < 1) threads = 1;
  peak_race r = {.avx2 = has_avx2()};
  r.began = calloc((size_t)threads, sizeof *r.began);
  r.ended = calloc((size_t)threads, sizeof *r.ended);
  pthread_t *tid = calloc((size_t)threads, sizeof *tid);
  racer *who = calloc((size_t)threads, sizeof *who);
  int started = 1; /* the caller is thread 0 */
  double best = 0;
  bool ok = r.began && r.ended && tid && who;
  if (ok) {
    for (; started < threads; started++) {
      who[started] = (racer){&r, started};
      if (pthread_create(&tid[started], NULL, racer_main, &who[started]) != 0) break;
    }
  }
  if (ok && started == threads) { /* the best round; one thread starts no other */
    const double flops_per_iter = r.avx2 ? 12 * 8 * 2 : 16 * 2;
    int64_t iters = 1 << 16;
    uint64_t budget = (uint64_t)(ms * 1e6), spent = 0;
    while (spent < budget) {
      race(&r, started, iters);
      uint64_t first = r.began[0], last = r.ended[0];
      for (int i = 1; i < threads; i++) {
        if (r.began[i] < first) first = r.began[i];
        if (r.ended[i] > last) last = r.ended[i];
      }
      uint64_t dt = last > first ? last - first : 1;
      spent += dt;
      double g = threads * flops_per_iter * (double)iters / (double)dt;
      if (g > best) best = g;
      if (dt < 2000000) iters *= 2; /* aim for rounds of a few ms */
    }
  }
  race(&r, started, 0); /* the workers leave */
  for (int i = 1; i < started; i++) pthread_join(tid[i], NULL);
  free(r.began);
  free(r.ended);
  free(tid);
  free(who);
  return best;
}
