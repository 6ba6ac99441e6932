/* gemm_ln.h's row LayerNorm for AVX2 + FMA.
 *
 * Rows go two at a time: one row's work is a few short dependency chains (the sums, their
 * horizontal reduction, a division, a square root), too little for the core to hide their
 * latency; two independent rows interleaved run 1.5x as fast as one after the other (32 vs 52
 * ns per 128-wide row, measured on the EPYC test machine), four spill registers and are slower. */
#include <immintrin.h>
#include <stdbool.h>

#include "ep/cpu/gemm_ln.h"

/* The total of v's lanes, in every lane. */
static inline __m256 lanes_total(__m256 v) {
  v = _mm256_add_ps(v, _mm256_permute2f128_ps(v, v, 1));
  v = _mm256_add_ps(v, _mm256_shuffle_ps(v, v, 0x4e));
  return _mm256_add_ps(v, _mm256_shuffle_ps(v, v, 0xb1));
}

/* 1 / sqrt(total / n + eps) from the squares' partial sums q, in every lane. */
static inline __m256 inv_std(__m256 q, __m256 vn, __m256 veps) {
  __m256 var = _mm256_div_ps(lanes_total(q), vn);
  return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_sqrt_ps(_mm256_add_ps(var, veps)));
}

/* The first w lanes of 8 (0 <= w <= 8). */
static inline __m256i first_lanes(int64_t w) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)w), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Rows y0 and, when two, y1 (else y1 is ignored). Sums in two accumulators per row, 16 floats
 * per step; the last n % 16 through one 8-wide step and a masked one. */
static inline __attribute__((always_inline)) void ln_group(float *y0, float *y1, bool two,
                                                           const float *gamma, const float *beta,
                                                           int64_t n, float eps) {
  const int64_t n16 = n - n % 16, n8 = n - n % 8;
  const __m256i tail = first_lanes(n - n8);
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, b0 = a0, b1 = a0;
  int64_t i;
  for (i = 0; i < n16; i += 16) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(y0 + i));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(y0 + i + 8));
    if (two) {
      b0 = _mm256_add_ps(b0, _mm256_loadu_ps(y1 + i));
      b1 = _mm256_add_ps(b1, _mm256_loadu_ps(y1 + i + 8));
    }
  }
  if (i < n8) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(y0 + i));
    if (two) b0 = _mm256_add_ps(b0, _mm256_loadu_ps(y1 + i));
  }
  if (n8 < n) { /* masked loads read zeros in the other lanes */
    a1 = _mm256_add_ps(a1, _mm256_maskload_ps(y0 + n8, tail));
    if (two) b1 = _mm256_add_ps(b1, _mm256_maskload_ps(y1 + n8, tail));
  }
  const __m256 vn = _mm256_set1_ps((float)n);
  const __m256 m0 = _mm256_div_ps(lanes_total(_mm256_add_ps(a0, a1)), vn);
  const __m256 m1 = two ? _mm256_div_ps(lanes_total(_mm256_add_ps(b0, b1)), vn) : m0;

  a0 = a1 = b0 = b1 = _mm256_setzero_ps();
  for (i = 0; i < n16; i += 16) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(y0 + i), m0);
    __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(y0 + i + 8), m0);
    a0 = _mm256_fmadd_ps(d0, d0, a0);
    a1 = _mm256_fmadd_ps(d1, d1, a1);
    if (two) {
      __m256 e0 = _mm256_sub_ps(_mm256_loadu_ps(y1 + i), m1);
      __m256 e1 = _mm256_sub_ps(_mm256_loadu_ps(y1 + i + 8), m1);
      b0 = _mm256_fmadd_ps(e0, e0, b0);
      b1 = _mm256_fmadd_ps(e1, e1, b1);
    }
  }
  if (i < n8) {
    __m256 d = _mm256_sub_ps(_mm256_loadu_ps(y0 + i), m0);
    a0 = _mm256_fmadd_ps(d, d, a0);
    if (two) {
      __m256 e = _mm256_sub_ps(_mm256_loadu_ps(y1 + i), m1);
      b0 = _mm256_fmadd_ps(e, e, b0);
    }
  }
  if (n8 < n) { /* x - mean in the other lanes is -mean: masked off */
    __m256 d = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(y0 + n8, tail), m0),
                             _mm256_castsi256_ps(tail));
    a1 = _mm256_fmadd_ps(d, d, a1);
    if (two) {
      __m256 e = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(y1 + n8, tail), m1),
                               _mm256_castsi256_ps(tail));
      b1 = _mm256_fmadd_ps(e, e, b1);
    }
  }
  const __m256 veps = _mm256_set1_ps(eps);
  const __m256 r0 = inv_std(_mm256_add_ps(a0, a1), vn, veps);
  const __m256 r1 = two ? inv_std(_mm256_add_ps(b0, b1), vn, veps) : r0;

  /* without beta: + 0, which changes nothing but the sign of a zero */
  for (i = 0; i < n8; i += 8) {
    __m256 g = _mm256_loadu_ps(gamma + i);
    __m256 bt = beta ? _mm256_loadu_ps(beta + i) : _mm256_setzero_ps();
    __m256 x = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(y0 + i), m0), r0);
    _mm256_storeu_ps(y0 + i, _mm256_fmadd_ps(x, g, bt));
    if (two) {
      __m256 z = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(y1 + i), m1), r1);
      _mm256_storeu_ps(y1 + i, _mm256_fmadd_ps(z, g, bt));
    }
  }
  if (n8 < n) {
    __m256 g = _mm256_maskload_ps(gamma + n8, tail);
    __m256 bt = beta ? _mm256_maskload_ps(beta + n8, tail) : _mm256_setzero_ps();
    __m256 x = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(y0 + n8, tail), m0), r0);
    _mm256_maskstore_ps(y0 + n8, tail, _mm256_fmadd_ps(x, g, bt));
    if (two) {
      __m256 z = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(y1 + n8, tail), m1), r1);
      _mm256_maskstore_ps(y1 + n8, tail, _mm256_fmadd_ps(z, g, bt));
    }
  }
}

void trt_ln_rows_avx2(float *y, int64_t ldy, int64_t rows, const float *gamma, const float *beta,
                      int64_t n, float eps) {
  int64_t r = 0;
  for (; r + 2 <= rows; r += 2) ln_group(y + r * ldy, y + (r + 1) * ldy, true, gamma, beta, n, eps);
  if (r < rows) ln_group(y + r * ldy, NULL, false, gamma, beta, n, eps);
}
