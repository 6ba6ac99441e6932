/* Vectorized exp, tanh, erf, GELU and softmax over float arrays, one table per instruction set.
 *
 * Accuracy (measured by tests/test_vmath.c against double-precision references, and asserted
 * there): exp, tanh and erf within 2 ulp of the correctly rounded result (expf/tanhf/erff of
 * glibc are within 1-2 ulp too); both GELUs within 4 ulp of their double value after an
 * absolute allowance of 2e-8 |x| (which only matters where the result is tiny), the erf form
 * also without it for x >= -1.23. The erf GELU keeps its relative accuracy on the negative
 * tail too: within 8 ulp down to -13.1, where the result leaves the normal range (100 ulp
 * where the multiply-add is not fused: portable C on x86), and 0 below -13.125. exp flushes
 * to 0 below -87.34 and gives +inf above 88.37 (see vmath_body.h).
 *
 * Own approximations rather than SLEEF (Debian libsleef 3.5), chosen by measurement
 * (bench/vmath_bench.c, AVX2, AMD EPYC Zen 3, ns per element, best of 10 runs / max ulp vs
 * double; the SLEEF GELU is x/2 (1 + Sleef_erff), measured on [-1.2, 5]):
 *              own            SLEEF u10
 *   exp        0.45 / 0.98    0.70 / 0.97
 *   erf        1.04 / 1.04    4.23 / 0.81
 *   tanh       1.02 / 1.21    2.66 / 1.00
 *   gelu_erf   0.71 / 2.93    4.51 / 2.49
 * i.e. the same accuracy class at 1.5x (exp) to 6x (GELU) the speed. Being inline, the own
 * functions also run in the GEMM epilogue's pass over each finished block of C (still in L1)
 * without a call per vector; and the core library keeps depending on libc, libm and pthreads
 * only.
 *
 * All functions accept y == x (in place); otherwise x and y must not overlap. No alignment is
 * required. n may be 0. */
#ifndef TRT_VMATH_H
#define TRT_VMATH_H

#include <stdint.h>

#include "ep/cpu/cpuid.h"

typedef struct trt_vmath {
  trt_isa isa;
  void (*exp)(const float *x, float *y, int64_t n);
  void (*tanh)(const float *x, float *y, int64_t n);
  void (*erf)(const float *x, float *y, int64_t n);
  void (*gelu_erf)(const float *x, float *y, int64_t n);  /* x/2 (1 + erf(x/sqrt2)) */
  void (*gelu_tanh)(const float *x, float *y, int64_t n); /* tanh approximation */
  /* y[i] = exp(x[i] - shift) for shift >= every x[i] (softmax's max); returns the sum of the
   * y[i] (summed in a fixed order, so the same for the same inputs) */
  float (*exp_shift_sum)(const float *x, float shift, float *y, int64_t n);
  /* largest x[i]; -inf for n == 0 */
  float (*max)(const float *x, int64_t n);
  /* y = softmax(x) over n elements: exp(x - max) / sum */
  void (*softmax)(const float *x, float *y, int64_t n);
} trt_vmath;

/* The table for isa; the caller makes sure the CPU supports it (trt_isa_select). */
const trt_vmath *trt_vmath_for(trt_isa isa);

extern const trt_vmath trt_vmath_portable, trt_vmath_avx2, trt_vmath_avx512;

#endif
