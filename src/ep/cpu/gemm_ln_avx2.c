/* gemm_ln.h's row LayerNorm for AVX2 + FMA. */
#include <immintrin.h>
#include <math.h>

#include "ep/cpu/gemm_ln.h"

/* The eight lanes added in order, as cpu_row_stats adds its partial sums. */
static inline float lanes_in_order(__m256 v) {
  float l[8];
  _mm256_storeu_ps(l, v);
  float s = 0;
  for (int i = 0; i < 8; i++) s += l[i];
  return s;
}

void trt_ln_row_avx2(float *y, const float *gamma, const float *beta, int64_t n, float eps) {
  int64_t v8 = n - n % 8, i;
  __m256 acc = _mm256_setzero_ps();
  for (i = 0; i < v8; i += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(y + i));
  float sum = lanes_in_order(acc);
  for (; i < n; i++) sum += y[i];
  float mean = sum / (float)n;
  const __m256 vmean = _mm256_set1_ps(mean);
  acc = _mm256_setzero_ps();
  for (i = 0; i < v8; i += 8) {
    __m256 d = _mm256_sub_ps(_mm256_loadu_ps(y + i), vmean);
    acc = _mm256_fmadd_ps(d, d, acc);
  }
  float var = lanes_in_order(acc);
  for (; i < n; i++) var += (y[i] - mean) * (y[i] - mean);
  var /= (float)n;
  float rstd = 1.0f / sqrtf(var + eps);
  const __m256 vrstd = _mm256_set1_ps(rstd);
  for (i = 0; i < v8; i += 8) {
    __m256 x = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(y + i), vmean), vrstd);
    x = beta ? _mm256_fmadd_ps(x, _mm256_loadu_ps(gamma + i), _mm256_loadu_ps(beta + i))
             : _mm256_mul_ps(x, _mm256_loadu_ps(gamma + i));
    _mm256_storeu_ps(y + i, x);
  }
  for (; i < n; i++) {
    float x = (y[i] - mean) * rstd * gamma[i];
    y[i] = beta ? x + beta[i] : x;
  }
}
