/* vmath.h's table for AVX2 + FMA. */
#include <string.h>

#include "ep/cpu/vmath.h"
#include "ep/cpu/vmath_avx2.h"

static inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static inline float hmax8(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

#define V __m256
#define VLEN 8
#define VA_FN(name) trt_avx2_##name
#define VA_LOAD _mm256_loadu_ps
#define VA_STORE _mm256_storeu_ps
#define VA_SET1 _mm256_set1_ps
#define VA_ADD _mm256_add_ps
#define VA_SUB _mm256_sub_ps
#define VA_MUL _mm256_mul_ps
#define VA_MAX _mm256_max_ps
#define VA_HSUM hsum8
#define VA_HMAX hmax8
#define VA_TABLE trt_vmath_avx2
#define VA_ISA TRT_ISA_AVX2
#include "ep/cpu/vmath_arrays.h"
