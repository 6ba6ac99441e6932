/* SGEMM micro-kernel for AVX-512: 12 x 32 blocks (24 accumulators, two B vectors and one
 * broadcast, leaving registers spare so the compiler never spills in the K loop). */
/* tests/avx512_emulated.cmake builds this file with the intrinsics emulated (SIMDe, already
 * included then), so that the AVX-512 code is checked on CPUs without AVX-512 */
#ifndef TRT_AVX512_EMULATION_H
#include <immintrin.h>
#endif

#include "ep/cpu/sgemm_kernel.h"
#include "ep/cpu/vmath_avx512.h"

#define V __m512
#define VLEN 16
#define KMR 12
#define KN(name) avx512_##name
#define KFOR_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define VZERO _mm512_setzero_ps
#define VLOADU _mm512_loadu_ps
#define VSTOREU _mm512_storeu_ps
#define VBCAST(p) _mm512_set1_ps(*(p))
#define VFMA _mm512_fmadd_ps
#define VADD _mm512_add_ps
#define VMUL _mm512_mul_ps
#define VSET1 _mm512_set1_ps
#define VMASK __mmask16
#define VMASK_FIRST(n) ((__mmask16)((1u << (n)) - 1u))
#define VLOADU_M(p, m) _mm512_maskz_loadu_ps((m), (p))
#define VSTOREU_M(p, m, v) _mm512_mask_storeu_ps((p), (m), (v))
#define VGELU_ERF trt_avx512_gelu_erf
#define VGELU_TANH trt_avx512_gelu_tanh

#include "ep/cpu/sgemm_kernel_body.h"

KN_ROWS_FN(1)
KN_ROWS_FN(2)
KN_ROWS_FN(3)
KN_ROWS_FN(4)
KN_ROWS_FN(5)
KN_ROWS_FN(6)
KN_ROWS_FN(7)
KN_ROWS_FN(8)
KN_ROWS_FN(9)
KN_ROWS_FN(10)
KN_ROWS_FN(11)
KN_ROWS_FN(12)

static void avx512_block(const trt_sgemm_block *t) {
  switch (t->mr) {
  case 1: avx512_rows_1(t); break;
  case 2: avx512_rows_2(t); break;
  case 3: avx512_rows_3(t); break;
  case 4: avx512_rows_4(t); break;
  case 5: avx512_rows_5(t); break;
  case 6: avx512_rows_6(t); break;
  case 7: avx512_rows_7(t); break;
  case 8: avx512_rows_8(t); break;
  case 9: avx512_rows_9(t); break;
  case 10: avx512_rows_10(t); break;
  case 11: avx512_rows_11(t); break;
  default: avx512_rows_12(t); break;
  }
}

static void avx512_pack_bt_panel(const float *b, int64_t ldb, int64_t k, float *d) {
  trt_sgemm_pack_bt_avx2(NR, b, ldb, k, d);
}

const trt_sgemm_kernel trt_sgemm_kernel_avx512 = {TRT_ISA_AVX512, KMR, NR, avx512_block,
                                                  avx512_pack_bt_panel};
