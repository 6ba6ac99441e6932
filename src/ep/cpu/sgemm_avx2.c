/* SGEMM micro-kernel for AVX2 + FMA: 6 x 16 blocks (12 accumulators, two B vectors and one
 * broadcast: 15 of the 16 ymm registers). */
#include <immintrin.h>

#include "ep/cpu/sgemm_kernel.h"
#include "ep/cpu/vmath_avx2.h"

#define V __m256
#define VLEN 8
#define KMR 6
#define KN(name) avx2_##name
#define KFOR_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define VZERO _mm256_setzero_ps
#define VLOADU _mm256_loadu_ps
#define VSTOREU _mm256_storeu_ps
#define VBCAST _mm256_broadcast_ss
#define VFMA _mm256_fmadd_ps
#define VADD _mm256_add_ps
#define VMUL _mm256_mul_ps
#define VSET1 _mm256_set1_ps
#define VMASK __m256i
#define VMASK_FIRST(n) \
  _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define VLOADU_M(p, m) _mm256_maskload_ps((p), (m))
#define VSTOREU_M(p, m, v) _mm256_maskstore_ps((p), (m), (v))
#define VGELU_ERF trt_avx2_gelu_erf
#define VGELU_TANH trt_avx2_gelu_tanh

#include "ep/cpu/sgemm_kernel_body.h"

KN_ROWS_FN(1)
KN_ROWS_FN(2)
KN_ROWS_FN(3)
KN_ROWS_FN(4)
KN_ROWS_FN(5)
KN_ROWS_FN(6)

static void avx2_block(const trt_sgemm_block *t) {
  switch (t->mr) {
  case 1: avx2_rows_1(t); break;
  case 2: avx2_rows_2(t); break;
  case 3: avx2_rows_3(t); break;
  case 4: avx2_rows_4(t); break;
  case 5: avx2_rows_5(t); break;
  default: avx2_rows_6(t); break;
  }
}

const trt_sgemm_kernel trt_sgemm_kernel_avx2 = {TRT_ISA_AVX2, KMR, NR, avx2_block};
