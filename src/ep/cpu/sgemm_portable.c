/* SGEMM micro-kernel in portable C: 4 x 16 blocks with plain loops over a small accumulator
 * array, which compilers keep in vector registers and vectorize along the 16 columns. */
#include "ep/cpu/sgemm_kernel.h"
#include "ep/cpu/vmath_portable.h"

#define PMR 4
#define PNR 16

static inline __attribute__((always_inline)) void port_rows(const trt_sgemm_block *t,
                                                            const int mr) {
  const int64_t K = t->k, lda = t->lda, ldb = t->ldb;
  for (int64_t j = 0; j < t->n; j += PNR) {
    const int n = t->n - j < PNR ? (int)(t->n - j) : PNR;
    const float *b = t->b + (j / PNR) * t->panel_stride;
    float acc[PMR][PNR];
    for (int i = 0; i < mr; i++)
      for (int jj = 0; jj < PNR; jj++)
        acc[i][jj] = t->accumulate && jj < n ? t->c[i * t->ldc + j + jj] : 0.0f;
    const float *a = t->a;
    for (int64_t k = 0; k < K; k++) {
      for (int i = 0; i < mr; i++) {
        const float ai = a[i * lda];
        for (int jj = 0; jj < PNR; jj++) acc[i][jj] += ai * b[jj];
      }
      b += ldb;
      a++;
    }
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
        for (int jj = 0; jj < n; jj++) c[jj] = acc[i][jj];
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
