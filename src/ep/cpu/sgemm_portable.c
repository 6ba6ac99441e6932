/* SGEMM micro-kernel in portable C: 4 x 8 blocks. The accumulators are GNU C vectors of 4
 * floats (vector_size(16)), which every target with 128-bit SIMD (SSE2, NEON, ...) keeps in
 * registers and any other compiles to scalar code: eight accumulators, two B vectors and one
 * broadcast fit the 16 registers of baseline x86-64. (Plain arrays looped over were tried
 * first: GCC left the 4 x 16 accumulator array half in memory, at ~5 GFLOP/s.) The epilogue is
 * plain C per element, written to vectorize. */
#include <string.h>

#include "ep/cpu/sgemm_kernel.h"
#include "ep/cpu/vmath_portable.h"

#define PMR 4
#define PNR 8

typedef float v4f __attribute__((vector_size(16)));

static inline v4f ld4(const float *p) {
  v4f v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline void st4(float *p, v4f v) { memcpy(p, &v, sizeof v); }

static inline __attribute__((always_inline)) void port_rows(const trt_sgemm_block *t,
                                                            const int mr) {
  const int64_t K = t->k, lda = t->lda, ldb = t->ldb;
  for (int64_t j = 0; j < t->n; j += PNR) {
    const int n = t->n - j < PNR ? (int)(t->n - j) : PNR;
    const float *b = t->b + (j / PNR) * t->panel_stride;
    float acc[PMR][PNR];
    memset(acc, 0, sizeof acc);
    if (t->accumulate)
      for (int i = 0; i < mr; i++) memcpy(acc[i], t->c + i * t->ldc + j, (size_t)n * 4);
    v4f c00 = ld4(acc[0]), c01 = ld4(acc[0] + 4), c10 = ld4(acc[1]), c11 = ld4(acc[1] + 4);
    v4f c20 = ld4(acc[2]), c21 = ld4(acc[2] + 4), c30 = ld4(acc[3]), c31 = ld4(acc[3] + 4);
    const float *a = t->a;
    for (int64_t k = 0; k < K; k++) {
      v4f b0 = ld4(b), b1 = ld4(b + 4);
      b += ldb;
      /* one product and one sum per term, in k order: the same arithmetic for every row
       * count, so results do not depend on how rows were grouped */
      c00 += a[0] * b0;
      c01 += a[0] * b1;
      if (mr > 1) {
        c10 += a[lda] * b0;
        c11 += a[lda] * b1;
      }
      if (mr > 2) {
        c20 += a[2 * lda] * b0;
        c21 += a[2 * lda] * b1;
      }
      if (mr > 3) {
        c30 += a[3 * lda] * b0;
        c31 += a[3 * lda] * b1;
      }
      a++;
    }
    st4(acc[0], c00);
    st4(acc[0] + 4, c01);
    st4(acc[1], c10);
    st4(acc[1] + 4, c11);
    st4(acc[2], c20);
    st4(acc[2] + 4, c21);
    st4(acc[3], c30);
    st4(acc[3] + 4, c31);
    for (int i = 0; i < mr; i++) {
      float *c = t->c + i * t->ldc + j;
      if (t->last) {
        const float *r = t->res ? t->res + i * t->ldr + j : NULL;
        for (int jj = 0; jj < n; jj++) {
          float x = acc[i][jj] * t->scale;
          if (t->bias) x += t->bias[j + jj];
          if (t->act == TRT_SGEMM_ACT_GELU_ERF) x = trt_port_gelu_erf(x);
          else if (t->act == TRT_SGEMM_ACT_GELU_TANH) x = trt_port_gelu_tanh(x);
          if (r) x += r[jj];
          c[jj] = x;
        }
      } else {
        memcpy(c, acc[i], (size_t)n * 4);
      }
    }
  }
}

static void port_rows_1(const trt_sgemm_block *t) { port_rows(t, 1); }
static void port_rows_2(const trt_sgemm_block *t) { port_rows(t, 2); }
static void port_rows_3(const trt_sgemm_block *t) { port_rows(t, 3); }
static void port_rows_4(const trt_sgemm_block *t) { port_rows(t, 4); }

static void port_block(const trt_sgemm_block *t) {
  switch (t->mr) {
  case 1: port_rows_1(t); break;
  case 2: port_rows_2(t); break;
  case 3: port_rows_3(t); break;
  default: port_rows_4(t); break;
  }
}

const trt_sgemm_kernel trt_sgemm_kernel_portable = {TRT_ISA_PORTABLE, PMR, PNR, port_block,
                                                    NULL};
