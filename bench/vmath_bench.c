/* Own vector exp/erf/tanh (src/ep/cpu/vmath) against SLEEF's 1-ulp AVX2 functions: speed
 * (ns per element, best of several interleaved rounds) and max error in ulps against double
 * precision on the same inputs. This is the measurement behind vmath.h's choice of its own
 * polynomials. Built only when libsleef is found; AVX2 machines only. */
#include <immintrin.h>
#include <math.h>
#include <sleef.h>
#include <stdio.h>
#include <stdlib.h>

#include "ep/cpu/vmath.h"

enum { N = 4096, ROUNDS = 9, REPS = 400 };

static double ulp_err(float y, double ref) {
  double a = fabs(ref);
  if (a < 1.17549435e-38) a = 1.17549435e-38;
  int e;
  frexp(a, &e);
  return fabs((double)y - ref) / ldexp(1.0, e - 24);
}

typedef void (*array_fn)(const float *, float *, int64_t);

#define SLEEF_ARRAY(name, fn)                                                  \
  static void name(const float *x, float *y, int64_t n) {                      \
    for (int64_t i = 0; i < n; i += 8) _mm256_storeu_ps(y + i, fn(_mm256_loadu_ps(x + i))); \
  }
SLEEF_ARRAY(sleef_exp, Sleef_expf8_u10avx2)
SLEEF_ARRAY(sleef_erf, Sleef_erff8_u10avx2)
SLEEF_ARRAY(sleef_tanh, Sleef_tanhf8_u10avx2)
static void sleef_gelu(const float *x, float *y, int64_t n) {
  const __m256 h = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f),
               r = _mm256_set1_ps(0.707106781f);
  for (int64_t i = 0; i < n; i += 8) {
    __m256 v = _mm256_loadu_ps(x + i);
    __m256 e = Sleef_erff8_u10avx2(_mm256_mul_ps(v, r));
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(h, v), _mm256_add_ps(one, e)));
  }
}

static double time_ns(array_fn f, const float *x, float *y) {
  uint64_t t0 = trt_now_ns();
  for (int r = 0; r < REPS; r++) f(x, y, N);
  return (double)(trt_now_ns() - t0) / ((double)REPS * N);
}

static double gelu_ref(double x) { return 0.5 * x * erfc(-x / sqrt(2.0)); }

int main(void) {
  if (!trt_isa_supported(TRT_ISA_AVX2)) {
    printf("vmath_bench: needs AVX2; not run\n");
    return 0;
  }
  const trt_vmath *vm = trt_vmath_for(TRT_ISA_AVX2);
  float *x = aligned_alloc(64, N * sizeof(float)), *y = aligned_alloc(64, N * sizeof(float));
  struct {
    const char *name;
    array_fn own, sleef;
    double (*ref)(double);
    float lo, hi;
  } cases[] = {
      {"exp", vm->exp, sleef_exp, exp, -87.0f, 88.0f},
      {"erf", vm->erf, sleef_erf, erf, -5.0f, 5.0f},
      {"tanh", vm->tanh, sleef_tanh, tanh, -10.0f, 10.0f},
      /* from -1.2 up: below, GELU is tiny and both are judged by absolute error instead */
      {"gelu_erf", vm->gelu_erf, sleef_gelu, gelu_ref, -1.2f, 5.0f},
  };
  printf("%-9s %12s %12s %14s %14s\n", "function", "own ns/elem", "sleef ns/elem",
         "own max ulp", "sleef max ulp");
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    for (int i = 0; i < N; i++) x[i] = cases[c].lo + (cases[c].hi - cases[c].lo) * i / (N - 1);
    double best_own = 1e9, best_sleef = 1e9;
    for (int r = 0; r < ROUNDS; r++) { /* interleaved: A B A B ... */
      double a = time_ns(cases[c].own, x, y), b = time_ns(cases[c].sleef, x, y);
      if (a < best_own) best_own = a;
      if (b < best_sleef) best_sleef = b;
    }
    double e_own = 0, e_sleef = 0;
    /* accuracy on a denser grid */
    for (int k = 0; k < 64; k++) {
      for (int i = 0; i < N; i++)
        x[i] = cases[c].lo + (cases[c].hi - cases[c].lo) * (float)(k * N + i) / (64.0f * N);
      cases[c].own(x, y, N);
      for (int i = 0; i < N; i++) e_own = fmax(e_own, ulp_err(y[i], cases[c].ref(x[i])));
      cases[c].sleef(x, y, N);
      for (int i = 0; i < N; i++) e_sleef = fmax(e_sleef, ulp_err(y[i], cases[c].ref(x[i])));
    }
    printf("%-9s %12.3f %12.3f %14.2f %14.2f\n", cases[c].name, best_own, best_sleef, e_own,
           e_sleef);
  }
  free(x);
  free(y);
  return 0;
}
