/* LayerNorm of rows in place, per instruction set: the row post-op of GemmSkipLayerNorm
 * (k_gemm_ln.c) normalizes each block of rows of the GEMM's output with it.
 *
 *   y[r][i] = (y[r][i] - mean_r) · rstd_r · gamma[i] (+ beta[i]),  rstd_r = 1 / sqrt(var_r + eps)
 *
 * for rows r < rows, ldy floats apart, each n wide; beta may be NULL. Each row is computed the
 * same way whatever the rows around it. The statistics are two-pass like cpu_row_stats
 * (k_norm.c) but summed in another order (16 partial sums, then a tree over them; the squares
 * with fused multiply-adds): within a few ulps of it. */
#ifndef TRT_GEMM_LN_H
#define TRT_GEMM_LN_H

#include <stdint.h>

typedef void (*trt_ln_rows_fn)(float *y, int64_t ldy, int64_t rows, const float *gamma,
                               const float *beta, int64_t n, float eps);

/* For AVX2 + FMA (and AVX-512 CPUs, which have both). */
void trt_ln_rows_avx2(float *y, int64_t ldy, int64_t rows, const float *gamma, const float *beta,
                      int64_t n, float eps);

#endif
