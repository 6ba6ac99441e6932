/* EmbedLayerNormalization's row on AVX2 + FMA (k_embed.c has the portable row and the rest). */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include <stdint.h>

void cpu_embed_row_avx2(const float *w, const float *s, const float *p, const float *gamma,
                        const float *beta, float eps, int64_t h, float *y, float *sum);

static inline float hsum8(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

/* y = LN((w + s) + p)·γ + β over h floats; s and beta may be NULL; sum (may be NULL) gets the
 * row before normalization. Two accumulators per reduction hide the add latency. */
void cpu_embed_row_avx2(const float *w, const float *s, const float *p, const float *gamma,
                        const float *beta, float eps, int64_t h, float *y, float *sum) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= h; i += 16) {
    __m256 v0 = _mm256_loadu_ps(w + i), v1 = _mm256_loadu_ps(w + i + 8);
    if (s) {
      v0 = _mm256_add_ps(v0, _mm256_loadu_ps(s + i));
      v1 = _mm256_add_ps(v1, _mm256_loadu_ps(s + i + 8));
    }
    v0 = _mm256_add_ps(v0, _mm256_loadu_ps(p + i));
    v1 = _mm256_add_ps(v1, _mm256_loadu_ps(p + i + 8));
    _mm256_storeu_ps(y + i, v0);
    _mm256_storeu_ps(y + i + 8, v1);
    a0 = _mm256_add_ps(a0, v0);
    a1 = _mm256_add_ps(a1, v1);
  }
  float total = 0;
  for (; i < h; i++) {
    y[i] = (s ? w[i] + s[i] : w[i]) + p[i];
    total += y[i];
  }
  total += hsum8(_mm256_add_ps(a0, a1));
  if (sum) memcpy(sum, y, sizeof(float) * (size_t)h);
  float mean = total / (float)h;
  __m256 m = _mm256_set1_ps(mean);
  a0 = a1 = _mm256_setzero_ps();
  for (i = 0; i + 16 <= h; i += 16) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(y + i), m);
    __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(y + i + 8), m);
    a0 = _mm256_fmadd_ps(d0, d0, a0);
    a1 = _mm256_fmadd_ps(d1, d1, a1);
  }
  float var = 0;
  for (; i < h; i++) var += (y[i] - mean) * (y[i] - mean);
  var += hsum8(_mm256_add_ps(a0, a1));
  float rstd = 1.0f / sqrtf(var / (float)h + eps);
  __m256 r = _mm256_set1_ps(rstd);
  for (i = 0; i + 8 <= h; i += 8) {
    __m256 v = _mm256_mul_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(y + i), m), r),
                             _mm256_loadu_ps(gamma + i));
    if (beta) v = _mm256_add_ps(v, _mm256_loadu_ps(beta + i));
    _mm256_storeu_ps(y + i, v);
  }
  for (; i < h; i++) y[i] = (y[i] - mean) * rstd * gamma[i] + (beta ? beta[i] : 0.0f);
}
