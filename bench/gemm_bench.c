/* SGEMM micro-benchmark: tinyrt's packed-B SGEMM against oneDNN's dnnl_sgemm, both on one
 * thread, on bert-tiny's matrix shapes, and against this machine's FP32 FMA peak (measured
 * here with independent FMA chains). The two are interleaved (tinyrt, oneDNN, tinyrt, ...)
 * over several rounds so that both see the same machine state; the table gives the median
 * and best GFLOP/s of each over the rounds and the ratio of the medians.
 *
 * Usage: gemm_bench [--isa avx512|avx2|portable] [--rounds N] [--ms per-measurement]
 *                   [--first N (only the first N shapes)] [--threads N (both; default 1)]
 *                   [--wall (wall-clock time even for one thread)]
 * Timing only: nothing here is asserted (tests/test_sgemm.c checks correctness); the results
 * of the two are compared and the largest difference printed as a sanity check. */
#include <dnnl.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ep/cpu/sgemm.h"

#include <time.h>

/* With one thread, time is the thread's CPU time: on a machine shared with other jobs the
 * wall clock also counts the slices in which they had our core, which makes the comparison a
 * lottery; CPU time counts only what the code itself took. With more threads (work on other
 * threads), wall time. */
static bool use_cpu_clock = true;

static uint64_t clock_ns(void) {
  if (!use_cpu_clock) return trt_now_ns();
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

#if defined(__x86_64__)
#include <immintrin.h>

/* 12 independent chains: enough to cover FMA latency (4-5 cycles) times 2 pipes */
__attribute__((target("avx2,fma"))) static double fma_peak_gflops(void) {
  /* many short runs, best kept: on a shared machine a short run is likelier to own the core */
  double best = 0;
  for (int rep = 0; rep < 40; rep++) {
    __m256 a[12];
    for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps(1.0f + (float)i * 1e-3f);
    const __m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    const long n = 400000;
    uint64_t t0 = clock_ns();
    for (long it = 0; it < n; it++) {
      for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], b, c);
      __asm__ volatile("" : "+x"(a[0]), "+x"(a[1]), "+x"(a[2]), "+x"(a[3]), "+x"(a[4]),
                       "+x"(a[5]), "+x"(a[6]), "+x"(a[7]), "+x"(a[8]), "+x"(a[9]), "+x"(a[10]),
                       "+x"(a[11]));
    }
    double s = (double)(clock_ns() - t0) * 1e-9;
    double g = (double)n * 12 * 8 * 2 / s * 1e-9;
    if (g > best) best = g;
  }
  return best;
}
#else
static double fma_peak_gflops(void) { return 0; }
#endif

typedef struct shape {
  int64_t m, k, n;
  const char *note;
} shape;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  const char *isa_name = NULL;
  int rounds = 7;
  double ms = 25;
  size_t first = 0;
  int threads = 1;
  bool wall = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--isa") && i + 1 < argc) isa_name = argv[++i];
    else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--ms") && i + 1 < argc) ms = atof(argv[++i]);
    else if (!strcmp(argv[i], "--first") && i + 1 < argc) first = (size_t)atoi(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--wall")) wall = true;
    else {
      fprintf(stderr,
              "usage: %s [--isa avx512|avx2|portable] [--rounds N] [--ms MS] [--first N] "
              "[--threads N] [--wall]\n",
              argv[0]);
      return 2;
    }
  }
  if (rounds < 1 || rounds > 101 || !(ms > 0) || threads < 1 || threads > 256) {
    fprintf(stderr, "gemm_bench: bad --rounds, --ms or --threads\n");
    return 2;
  }
  trt_isa isa;
  tinyrt_error err = {0};
  if (trt_isa_select(isa_name, &isa, &err) != TINYRT_OK) {
    fprintf(stderr, "gemm_bench: %s\n", err.message);
    return 1;
  }
  omp_set_num_threads(threads);
  use_cpu_clock = threads == 1 && !wall;
  trt_alloc al;
  trt_alloc_init(&al, NULL);
  trt_threadpool *pool = NULL;
  if (threads > 1 && trt_threadpool_create(&al, threads, &pool, &err) != TINYRT_OK) {
    fprintf(stderr, "gemm_bench: %s\n", err.message);
    return 1;
  }

  const shape shapes[] = {
      {128, 128, 128, "Q/K/V/out projections, s128"},
      {128, 512, 128, "FF down, s128"},
      {128, 128, 512, "FF up, s128"},
      {8, 128, 512, "FF up, s8"},
      {8, 512, 128, "FF down, s8"},
      {512, 128, 512, "FF up, s512"},
      {512, 512, 128, "FF down, s512"},
      {4096, 128, 512, "FF up, b32 s128"},
      {4096, 512, 128, "FF down, b32 s128"},
  };
  double peak = fma_peak_gflops();
  printf("tinyrt SGEMM (%s, packed B) vs oneDNN %d.%d dnnl_sgemm, %d thread(s) each\n",
         trt_isa_name(isa), dnnl_version()->major, dnnl_version()->minor, threads);
  printf("FP32 FMA peak of one core, measured: %.1f GFLOP/s\n", peak);
  printf("timed by %s\n", use_cpu_clock ? "the thread's CPU time (CLOCK_THREAD_CPUTIME_ID)"
                                         : "wall-clock time");
  printf("%-16s %-24s %10s %10s %10s %10s %7s %7s %9s\n", "M x K x N", "", "tinyrt", "(best)",
         "oneDNN", "(best)", "ratio", "%peak", "max diff");
  size_t n_shapes = sizeof shapes / sizeof shapes[0];
  if (first > 0 && first < n_shapes) n_shapes = first;
  for (size_t s = 0; s < n_shapes; s++) {
    const int64_t M = shapes[s].m, K = shapes[s].k, N = shapes[s].n;
    float *a = aligned_alloc(64, (size_t)(M * K) * sizeof(float));
    float *b = aligned_alloc(64, (size_t)(K * N) * sizeof(float));
    float *c1 = aligned_alloc(64, (size_t)(M * N) * sizeof(float));
    float *c2 = aligned_alloc(64, (size_t)(M * N) * sizeof(float));
    size_t psize = trt_sgemm_packed_size(isa, K, N);
    void *pb = aligned_alloc(64, (psize + 63) / 64 * 64);
    unsigned seed = 1;
    for (int64_t i = 0; i < M * K; i++) {
      seed = seed * 1664525u + 1013904223u;
      a[i] = (float)(seed >> 9) / 8388608.0f - 1.0f;
    }
    for (int64_t i = 0; i < K * N; i++) {
      seed = seed * 1664525u + 1013904223u;
      b[i] = (float)(seed >> 9) / 8388608.0f - 1.0f;
    }
    trt_sgemm_packed packed;
    if (trt_sgemm_pack(isa, b, N, false, K, N, pb, psize, &packed, &err) != TINYRT_OK) {
      fprintf(stderr, "gemm_bench: %s\n", err.message);
      return 1;
    }
    double flop = 2.0 * (double)M * (double)N * (double)K;
    /* repetitions per measurement: about `ms` milliseconds at 50 GFLOP/s per thread */
    int reps = (int)fmax(1.0, ms * 1e-3 * 50e9 * threads / flop);
    /* warm-up: caches, page faults, oneDNN's kernel generation */
    for (int r = 0; r < 3; r++) {
      trt_sgemm_packed_run(pool, M, a, K, &packed, c1, N, NULL, &err);
      dnnl_sgemm('N', 'N', M, N, K, 1.0f, a, K, b, N, 0.0f, c2, N);
    }
    double g1[101], g2[101];
    for (int r = 0; r < rounds; r++) {
      uint64_t t0 = clock_ns();
      for (int i = 0; i < reps; i++) trt_sgemm_packed_run(pool, M, a, K, &packed, c1, N, NULL, &err);
      uint64_t t1 = clock_ns();
      for (int i = 0; i < reps; i++) dnnl_sgemm('N', 'N', M, N, K, 1.0f, a, K, b, N, 0.0f, c2, N);
      uint64_t t2 = clock_ns();
      g1[r] = flop * reps / (double)(t1 - t0);
      g2[r] = flop * reps / (double)(t2 - t1);
    }
    double maxdiff = 0;
    for (int64_t i = 0; i < M * N; i++) maxdiff = fmax(maxdiff, fabs(c1[i] - c2[i]));
    qsort(g1, (size_t)rounds, sizeof(double), cmp_double);
    qsort(g2, (size_t)rounds, sizeof(double), cmp_double);
    double med1 = g1[rounds / 2], med2 = g2[rounds / 2];
    char dims[32];
    snprintf(dims, sizeof dims, "%lldx%lldx%lld", (long long)M, (long long)K, (long long)N);
    printf("%-16s %-24s %10.1f %10.1f %10.1f %10.1f %6.0f%% %6.0f%% %9.2g\n", dims,
           shapes[s].note, med1, g1[rounds - 1], med2, g2[rounds - 1], 100.0 * med1 / med2,
           peak > 0 ? 100.0 * med1 / (peak * threads) : 0.0, maxdiff);
    free(a);
    free(b);
    free(c1);
    free(c2);
    free(pb);
  }
  printf("GFLOP/s: median (best) of %d interleaved rounds; ratio = tinyrt / oneDNN medians; "
         "%%peak = tinyrt median / (threads x one core's peak)\n",
         rounds);
  trt_threadpool_destroy(pool);
  return 0;
}
