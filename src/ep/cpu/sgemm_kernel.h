/* Internal interface between the SGEMM driver (sgemm.c) and its per-ISA micro-kernels
 * (sgemm_portable.c, sgemm_avx2.c, sgemm_avx512.c).
 *
 * B is read as panels of NR columns: in a panel, row k's NR floats are contiguous and rows are
 * ldb floats apart; consecutive panels are panel_stride floats apart. Packed B has ldb = NR and
 * panel_stride = K * NR (panel after panel, each over the whole K); an unpacked [K,N] B has
 * ldb = its row length and panel_stride = NR. Every panel the kernel reads holds NR readable
 * floats per row: a partial last panel is zero-padded (packing does that).
 *
 * A kernel call computes one block of rows (mr <= MR) against n columns (ceil(n/NR) panels)
 * for one slice of K. Every element is the sum over k in ascending order of a[i][k]*b[k][j],
 * one fused multiply-add at a time, starting from 0 or from C (accumulate): so its value does
 * not depend on how rows and columns were split into calls, which makes results independent
 * of the thread count. */
#ifndef TRT_SGEMM_KERNEL_H
#define TRT_SGEMM_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "ep/cpu/cpuid.h"
#include "ep/cpu/sgemm.h"

typedef struct trt_sgemm_block {
  int64_t k;                /* length of this K slice (may be 0) */
  const float *a;           /* A at (first row, slice start) */
  int64_t lda;
  const float *b;           /* first panel at the slice start */
  int64_t ldb, panel_stride;
  float *c;                 /* C at (first row, first column) */
  int64_t ldc;
  int mr;                   /* rows, 1..MR */
  int64_t n;                /* columns, >= 1 */
  bool accumulate;          /* start from C's values (not the first K slice) */
  bool last;                /* last K slice: apply the epilogue below */
  float scale;              /* 1: none */
  const float *bias;        /* at the first column, or NULL */
  trt_sgemm_act act;
  const float *res;         /* residual at (first row, first column), or NULL */
  int64_t ldr;
} trt_sgemm_block;

typedef struct trt_sgemm_kernel {
  trt_isa isa;
  int mr, nr;
  void (*block)(const trt_sgemm_block *blk);
  /* Packs one full panel from a transposed B: rows b[j*ldb + 0..k) for j < nr become the
   * panel's columns, d[kk*nr + j]. NULL: the driver's scalar loop. (Run-time packing of the
   * keys in Q.K^T is on the attention path, so it gets a vector transpose.) */
  void (*pack_bt_panel)(const float *b, int64_t ldb, int64_t k, float *d);
} trt_sgemm_kernel;

/* The AVX2 transposing pack, for panels of nr (a multiple of 8) columns; used by the AVX2 and
 * AVX-512 kernels (an AVX-512 CPU has AVX2). */
void trt_sgemm_pack_bt_avx2(int nr, const float *b, int64_t ldb, int64_t k, float *d);

extern const trt_sgemm_kernel trt_sgemm_kernel_portable, trt_sgemm_kernel_avx2,
    trt_sgemm_kernel_avx512;

#endif
