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

/* The block's epilogue, copied out of the descriptor once per call: C is stored through a
 * float pointer, which may alias the descriptor's float fields as far as the compiler knows,
 * so read through `t` every field would be reloaded after every store. */
typedef struct KN(epilogue) {
  bool any;           /* anything to do beyond storing the sums */
  float scale;        /* 1: none */
  const float *bias;  /* at the call's first column, or NULL */
  const float *res;   /* added here (no activation pass follows), or NULL */
  int64_t ldr;
} KN(epilogue);

static inline __attribute__((always_inline)) KN(epilogue) KN(epilogue_of)(const trt_sgemm_block *t) {
  KN(epilogue) e = {false, 1.0f, NULL, NULL, 0};
  if (!t->last) return e;
  e.scale = t->scale;
  e.bias = t->bias;
  e.res = t->act == TRT_SGEMM_ACT_NONE ? t->res : NULL; /* else after the activation pass */
  e.ldr = t->ldr;
  e.any = e.scale != 1.0f || e.bias || e.res;
  return e;
}

/* Stores row i's two vectors at column j with the epilogue; n valid columns (1..NR). */
static inline __attribute__((always_inline)) void KN(finish_row)(const KN(epilogue) *e, float *c,
                                                                 int i, int64_t j, int n, V x0,
                                                                 V x1) {
  if (e->any) {
    if (e->scale != 1.0f) {
      x0 = VMUL(x0, VSET1(e->scale));
      x1 = VMUL(x1, VSET1(e->scale));
    }
    if (n == NR) {
      if (e->bias) {
        x0 = VADD(x0, VLOADU(e->bias + j));
        x1 = VADD(x1, VLOADU(e->bias + j + VLEN));
      }
    } else if (e->bias) {
      x0 = VADD(x0, VLOADU_M(e->bias + j, VMASK_FIRST(n < VLEN ? n : VLEN)));
      x1 = VADD(x1, VLOADU_M(e->bias + j + VLEN, VMASK_FIRST(n > VLEN ? n - VLEN : 0)));
    }
    if (e->res) {
      const float *r = e->res + i * e->ldr + j;
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
  if (i < mr && accumulate) {                                                         \
    const float *c = c0 + i * ldc + j;                                                \
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
    acc##i##_0 = VFMA(ai, b0v, acc##i##_0);                                           \
    acc##i##_1 = VFMA(ai, b1v, acc##i##_1);                                           \
  }
#define KFINISH(i) \
  if (i < mr) KN(finish_row)(&ep, c0 + i * ldc + j, i, j, n, acc##i##_0, acc##i##_1);

/* The activation (and then the residual) over a finished block of C, still in L1. A pass of
 * its own rather than on the accumulators: the activation is a long dependency chain per
 * vector, and here consecutive vectors are independent iterations that the core overlaps,
 * where the 2 x mr accumulators would have to be done a row at a time for lack of registers.
 * It runs once all the call's panels are done (mr rows x up to NC columns), a row at a time
 * along its whole length: one loop of n / VLEN iterations per row. Done a panel at a time
 * instead (2 x mr vectors per call, rows apart), bert-tiny's FF-up node took 249-254 us at its
 * minimum on 1 thread against 229-236 row by row (four alternations of `tinyrt bench --threads 1
 * --iterations 800 --profile p.json` with builds of both). */
static inline __attribute__((always_inline)) void KN(activate_row)(float *c, const float *r,
                                                                   int64_t n, const bool erf) {
  int64_t v = 0;
  for (; v + VLEN <= n; v += VLEN) {
    V x = VLOADU(c + v);
    x = erf ? VGELU_ERF(x) : VGELU_TANH(x);
    if (r) x = VADD(x, VLOADU(r + v));
    VSTOREU(c + v, x);
  }
  if (v < n) {
    VMASK m = VMASK_FIRST((int)(n - v));
    V x = VLOADU_M(c + v, m);
    x = erf ? VGELU_ERF(x) : VGELU_TANH(x);
    if (r) x = VADD(x, VLOADU_M(r + v, m));
    VSTOREU_M(c + v, m, x);
  }
}

static void KN(activate)(const trt_sgemm_block *t, int64_t n) {
  for (int i = 0; i < t->mr; i++) {
    float *c = t->c + i * t->ldc;
    const float *r = t->res ? t->res + i * t->ldr : NULL;
    if (t->act == TRT_SGEMM_ACT_GELU_ERF)
      KN(activate_row)(c, r, n, true);
    else
      KN(activate_row)(c, r, n, false);
  }
}

static inline __attribute__((always_inline)) void KN(rows)(const trt_sgemm_block *t,
                                                           const int mr) {
  const int64_t K = t->k, lda = t->lda, ldb = t->ldb, ldc = t->ldc, N = t->n;
  const int64_t panel_stride = t->panel_stride;
  const float *const a0 = t->a, *const b0 = t->b;
  float *const c0 = t->c;
  const bool accumulate = t->accumulate;
  const KN(epilogue) ep = KN(epilogue_of)(t);
  for (int64_t j = 0; j < N; j += NR) {
    const int n = N - j < NR ? (int)(N - j) : NR;
    const float *b = b0 + (j / NR) * panel_stride;
    KFOR_ROWS(KDECL)
    KFOR_ROWS(KLOAD_C)
    const float *a = a0;
#pragma GCC unroll 4
    for (int64_t k = 0; k < K; k++) {
      V b0v = VLOADU(b), b1v = VLOADU(b + VLEN);
      b += ldb;
      KFOR_ROWS(KSTEP)
      a++;
    }
    KFOR_ROWS(KFINISH)
  }
  if (t->last && t->act != TRT_SGEMM_ACT_NONE)
    KN(activate)(t, N);
}

#define KN_ROWS_FN(R) \
  static void KN(rows_##R)(const trt_sgemm_block *t) { KN(rows)(t, R); }
