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

/* 8 x 8 transposes: rows j0..j0+7 of the stored [N,K] B, columns kk..kk+7, become rows
 * kk..kk+7 of the panel at columns j0..j0+7. */
void trt_sgemm_pack_bt_avx2(int nr, const float *b, int64_t ldb, int64_t k, float *d) {
  int64_t kk = 0;
  for (; kk + 8 <= k; kk += 8) {
    for (int j0 = 0; j0 < nr; j0 += 8) {
      const float *s = b + j0 * ldb + kk;
      __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ldb);
      __m256 r2 = _mm256_loadu_ps(s + 2 * ldb), r3 = _mm256_loadu_ps(s + 3 * ldb);
      __m256 r4 = _mm256_loadu_ps(s + 4 * ldb), r5 = _mm256_loadu_ps(s + 5 * ldb);
      __m256 r6 = _mm256_loadu_ps(s + 6 * ldb), r7 = _mm256_loadu_ps(s + 7 * ldb);
      __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
      __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
      __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
      __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
      __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
      __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
      __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
      __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
      float *o = d + kk * nr + j0;
      _mm256_storeu_ps(o + 0 * nr, _mm256_permute2f128_ps(u0, u4, 0x20));
      _mm256_storeu_ps(o + 1 * nr, _mm256_permute2f128_ps(u1, u5, 0x20));
      _mm256_storeu_ps(o + 2 * nr, _mm256_permute2f128_ps(u2, u6, 0x20));
      _mm256_storeu_ps(o + 3 * nr, _mm256_permute2f128_ps(u3, u7, 0x20));
      _mm256_storeu_ps(o + 4 * nr, _mm256_permute2f128_ps(u0, u4, 0x31));
      _mm256_storeu_ps(o + 5 * nr, _mm256_permute2f128_ps(u1, u5, 0x31));
      _mm256_storeu_ps(o + 6 * nr, _mm256_permute2f128_ps(u2, u6, 0x31));
      _mm256_storeu_ps(o + 7 * nr, _mm256_permute2f128_ps(u3, u7, 0x31));
    }
  }
  for (; kk < k; kk++)
    for (int j = 0; j < nr; j++) d[kk * nr + j] = b[j * ldb + kk];
}

static void avx2_pack_bt_panel(const float *b, int64_t ldb, int64_t k, float *d) {
  trt_sgemm_pack_bt_avx2(NR, b, ldb, k, d);
}

const trt_sgemm_kernel trt_sgemm_kernel_avx2 = {TRT_ISA_AVX2, KMR, NR, avx2_block,
                                                avx2_pack_bt_panel};
