/* The vector math of vmath_body.h on 16-float AVX-512 vectors: trt_avx512_exp(__m512) and so
 * on. Only for files compiled with -mavx512f -mavx512dq (*_avx512.c). */
#ifndef TRT_VMATH_AVX512_H
#define TRT_VMATH_AVX512_H

/* tests/avx512_emulated.cmake builds this file with the intrinsics emulated (SIMDe, already
 * included then), so that the AVX-512 code is checked on CPUs without AVX-512 */
#ifndef TRT_AVX512_EMULATION_H
#include <immintrin.h>
#endif

#define V __m512
#define VM __mmask16
#define VM_FN(name) trt_avx512_##name
#define VSET1(c) _mm512_set1_ps(c)
#define VADD _mm512_add_ps
#define VSUB _mm512_sub_ps
#define VMUL _mm512_mul_ps
#define VDIV _mm512_div_ps
#define VFMA _mm512_fmadd_ps
#define VFNMA _mm512_fnmadd_ps
#define VMIN _mm512_min_ps
#define VMAX _mm512_max_ps
#define VABS(x) _mm512_andnot_ps(_mm512_set1_ps(-0.0f), (x))
#define VCOPYSIGN(m, s) \
  _mm512_or_ps(VABS(m), _mm512_and_ps(_mm512_set1_ps(-0.0f), (s)))
#define VLT(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_LT_OQ)
#define VGT(a, b) _mm512_cmp_ps_mask((a), (b), _CMP_GT_OQ)
#define VISNAN(a) _mm512_cmp_ps_mask((a), (a), _CMP_UNORD_Q)
/* mask_blend takes the second source where the mask is set */
#define VSEL(m, a, b) _mm512_mask_blend_ps((m), (b), (a))
#define VROUND(x) _mm512_roundscale_ps((x), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define VLDEXP(p, n) _mm512_scalef_ps((p), (n))

#include "ep/cpu/vmath_body.h" /* which undefines the macros above */

#endif
