/* The vector math of vmath_body.h on 8-float AVX2 vectors: trt_avx2_exp(__m256) and so on.
 * Only for files compiled with -mavx2 -mfma (*_avx2.c). */
#ifndef TRT_VMATH_AVX2_H
#define TRT_VMATH_AVX2_H

#include <immintrin.h>

#define V __m256
#define VM __m256
#define VM_FN(name) trt_avx2_##name
#define VSET1(c) _mm256_set1_ps(c)
#define VADD _mm256_add_ps
#define VSUB _mm256_sub_ps
#define VMUL _mm256_mul_ps
#define VDIV _mm256_div_ps
#define VFMA _mm256_fmadd_ps
#define VFNMA _mm256_fnmadd_ps
#define VMIN _mm256_min_ps
#define VMAX _mm256_max_ps
#define VABS(x) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), (x))
#define VCOPYSIGN(m, s) \
  _mm256_or_ps(VABS(m), _mm256_and_ps(_mm256_set1_ps(-0.0f), (s)))
#define VLT(a, b) _mm256_cmp_ps((a), (b), _CMP_LT_OQ)
#define VGT(a, b) _mm256_cmp_ps((a), (b), _CMP_GT_OQ)
#define VISNAN(a) _mm256_cmp_ps((a), (a), _CMP_UNORD_Q)
#define VSEL(m, a, b) _mm256_blendv_ps((b), (a), (m))
#define VROUND(x) _mm256_round_ps((x), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define VLDEXP(p, n)                                                                        \
  _mm256_mul_ps((p), _mm256_castsi256_ps(_mm256_slli_epi32(                                 \
                         _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23)))

#include "ep/cpu/vmath_body.h" /* which undefines the macros above */

#endif
