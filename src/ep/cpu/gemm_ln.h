/* LayerNorm of one row in place, per instruction set: the row post-op of GemmSkipLayerNorm
 * (k_gemm_ln.c) normalizes each row of the GEMM's output with it.
 *
 *   y[i] = (y[i] - mean) · rstd · gamma[i] (+ beta[i]),  rstd = 1 / sqrt(var + eps)
 *
 * mean and var as cpu_row_stats (k_norm.c) forms them: two passes, partial sums in 8 lanes by
 * i mod 8, lanes added in order, the tail last. The AVX2 version forms the mean exactly so and
 * the variance with fused multiply-adds (one rounding less per term); beta may be NULL. */
#ifndef TRT_GEMM_LN_H
#define TRT_GEMM_LN_H

#include <stdint.h>

#include "ep/cpu/cpuid.h"

typedef void (*trt_ln_row_fn)(float *y, const float *gamma, const float *beta, int64_t n,
                              float eps);

/* For AVX2 + FMA (and AVX-512 CPUs, which have both). */
void trt_ln_row_avx2(float *y, const float *gamma, const float *beta, int64_t n, float eps);

#endif
