/* The register-blocked SGEMM micro-kernel, written once for the SIMD instruction sets. Not a
 * header to include directly: sgemm_avx2.c / sgemm_avx512.c define
 *   V                vector type; VLEN floats
 *   KMR              rows per block (MR); NR is 2 * VLEN
 *   KN(name)         the name of a function in this instantiation
 *   VZERO() VLOADU(p) VSTOREU(p, v) VBCAST(p) VFMA(a,b,c)=a*b+c VADD VMUL VSET1
 *   VMASK            type of a lane mask; VMASK_FIRST(n) mask of the first n lanes (0..VLEN)
 *   VLOADU_M(p, m) VSTOREU_M(p, m, v)   masked loads (other lanes 0) and stores
 *   VGELU_ERF(v) VGELU_TANH(v)           the activations (from vmath_<isa>.h)
 * and then include this file, which defines KN(block), the trt_sgemm_kernel.block entry.
 *
 * The accumulators of an mr x NR block stay in registers over the whole K slice (2*KMR
 * vectors); one broadcast of a[i][k] feeds two FMAs. Each function below is instantiated for
 * a constant mr, so the loops over rows unroll and the accumulator array becomes registers. */

#define NR (2 * VLEN)

/* Stores one row's two vectors with the epilogue; n valid columns (1..NR). */
static inline __attribute__((always_inline)) void KN(finish_row)(const trt_sgemm_block *t,
                                                                 int i, int64_t j, int n,
                                                                 V x0, V x1) {
  float *c = t->c + i * t->ldc + j;
  if (t->last) {
    if (t->scale != 1.0f) {
      x0 = VMUL(x0, VSET1(t->scale));
      x1 = VMUL(x1, VSET1(t->scale));
    }
    if (n == NR) {
      if (t->bias) {
        x0 = VADD(x0, VLOADU(t->bias + j));
        x1 = VADD(x1, VLOADU(t->bias + j + VLEN));
      }
    } else if (t->bias) {
      x0 = VADD(x0, VLOADU_M(t->bias + j, VMASK_FIRST(n < VLEN ? n : VLEN)));
      x1 = VADD(x1, VLOADU_M(t->bias + j + VLEN, VMASK_FIRST(n > VLEN ? n - VLEN : 0)));
    }
    if (t->res && t->act == TRT_SGEMM_ACT_NONE) { /* else after the activation pass */
      const float *r = t->res + i * t->ldr + j;
      if (n == NR) {
        x0 = VADD(x0, VLOADU(r));
        x1 = VADD(x1, VLOADU(r + VLEN));
      } else {
        x0 = VADD(x0, VLOADU_M(r, VMASK_FIRST(n < VLEN ? n : VLEN)));
        x1 = VADD(x1, VLOADU_M(r + VLEN, VMASK_FIRST(n > VLEN ? n - VLEN : 0)));
      }
    }
  }
  if (n == NR) {
    VSTOREU(c, x0);
    VSTOREU(c + VLEN, x1);
  } else {
    VSTOREU_M(c, VMASK_FIRST(n < VLEN ? n : VLEN), x0);
    VSTOREU_M(c + VLEN, VMASK_FIRST(n > VLEN ? n - VLEN : 0), x1);
  }
}

/* The accumulators are named variables, not an array: GCC keeps an array that is indexed in
 * loops unrolled only late in memory, storing every accumulator on each K step. KFOR_ROWS(X)
 * (defined by the instantiation) expands X(0) ... X(KMR-1); `i < mr` folds away. */
#define KDECL(i) V acc##i##_0 = VZERO(), acc##i##_1 = VZERO();
#define KLOAD_C(i)                                                                    \
  if (i < mr && t->accumulate) {                                                      \
    const float *c = t->c + i * t->ldc + j;                                           \
    if (n == NR) {                                                                    \
      acc##i##_0 = VLOADU(c);                                                         \
      acc##i##_1 = VLOADU(c + VLEN);                                                  \
    } else {                                                                          \
      acc##i##_0 = VLOADU_M(c, VMASK_FIRST(n < VLEN ? n : VLEN));                     \
      acc##i##_1 = VLOADU_M(c + VLEN, VMASK_FIRST(n > VLEN ? n - VLEN : 0));          \
    }                                                                                 \
  }
#define KSTEP(i)                                                                      \
  if (i < mr) {                                                                       \
    V ai = VBCAST(a + i * lda);                                                       \
    acc##i##_0 = VFMA(ai, b0, acc##i##_0);                                            \
    acc##i##_1 = VFMA(ai, b1, acc##i##_1);                                            \
  }
#define KFINISH(i) \
  if (i < mr) KN(finish_row)(t, i, j, n, acc##i##_0, acc##i##_1);

/* The activation (and then the residual) over a finished block of C, still in L1. A pass of
 * its own rather than on the accumulators: the activation is a long dependency chain per
 * vector, and here consecutive vectors are independent iterations that the core overlaps,
 * where the 2 x mr accumulators would have to be done a row at a time for lack of registers.
 * It runs once all the call's panels are done (mr rows x up to NC columns, still in L1), as one
 * long stream of vectors rather than a 2 x mr tile at a time. */
static void KN(activate)(const trt_sgemm_block *t, int64_t j, int n) {
  const bool erf = t->act == TRT_SGEMM_ACT_GELU_ERF;
  for (int i = 0; i < t->mr; i++) {
    float *c = t->c + i * t->ldc + j;
    const float *r = t->res ? t->res + i * t->ldr + j : NULL;
    for (int v = 0; v < NR; v += VLEN) {
      int w = n - v < VLEN ? n - v : VLEN;
      if (w <= 0) break;
      V x = w == VLEN ? VLOADU(c + v) : VLOADU_M(c + v, VMASK_FIRST(w));
      x = erf ? VGELU_ERF(x) : VGELU_TANH(x);
      if (r) x = VADD(x, w == VLEN ? VLOADU(r + v) : VLOADU_M(r + v, VMASK_FIRST(w)));
      if (w == VLEN)
        VSTOREU(c + v, x);
      else
        VSTOREU_M(c + v, VMASK_FIRST(w), x);
    }
  }
}

static inline __attribute__((always_inline)) void KN(rows)(const trt_sgemm_block *t,
                                                           const int mr) {
  const int64_t K = t->k, lda = t->lda, ldb = t->ldb;
  for (int64_t j = 0; j < t->n; j += NR) {
    const int n = t->n - j < NR ? (int)(t->n - j) : NR;
    const float *b = t->b + (j / NR) * t->panel_stride;
    KFOR_ROWS(KDECL)
    KFOR_ROWS(KLOAD_C)
    const float *a = t->a;
#pragma GCC unroll 4
    for (int64_t k = 0; k < K; k++) {
      V b0 = VLOADU(b), b1 = VLOADU(b + VLEN);
      b += ldb;
      KFOR_ROWS(KSTEP)
      a++;
    }
    KFOR_ROWS(KFINISH)
  }
  if (t->last && t->act != TRT_SGEMM_ACT_NONE)
    for (int64_t j = 0; j < t->n; j += NR) KN(activate)(t, j, t->n - j < NR ? (int)(t->n - j) : NR);
}

#define KN_ROWS_FN(R) \
  static void KN(rows_##R)(const trt_sgemm_block *t) { KN(rows)(t, R); }
