/* SGEMM: every instruction set this CPU supports (others are reported as not run) against a
 * naive double-accumulating reference, for every epilogue, packed and unpacked B, both B
 * layouts, odd sizes that leave partial row blocks and panels, K and N large enough to be
 * split into cache blocks, and 1, 2 and 3 threads.
 *
 * Tolerance, per element (i,j): with S = sum_k |a_ik b_kj| (computed with the reference),
 * a sum of K products in float, one FMA (or a multiply and an add) per term, is within
 * (K + 2) u S of the exact sum, u = 2^-24: the classical a-priori bound gamma_K <= K u/(1-Ku)
 * with slack for the products' own rounding. This is tighter than K u max|a| max|b| K (since
 * S <= K max|a||b|) yet loose enough to hold for every order of summation, and a wrong or
 * missing term (size ~S/K) exceeds it for every K here. The epilogue adds its own steps: the
 * scale and the bias (one rounding each), GELU (slope at most 1.13 times the error of its
 * input, plus its own 4 ulp + 2e-8 |x|, see tests/test_vmath.c) and the residual (one
 * rounding).
 *
 * Within one instruction set the four ways of running (B packed or not, [K,N] or [N,K]) and
 * every thread count must give bit-identical C: each element is computed by the same kernel
 * with the same sequence of operations (sgemm_kernel.h). Cells of C outside the M x N result
 * (padding up to ldc) must stay untouched. */
#include <math.h>
#include <stdlib.h>

#include "ep/cpu/sgemm.h"
#include "testutil.h"

#define U (1.0 / 16777216.0)

typedef struct rng {
  uint64_t s;
} rng;

static float rnd(rng *r) {
  r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
  return (float)((r->s >> 40) / 16777216.0 * 2.0 - 1.0); /* [-1, 1) */
}

/* the epilogue variants exercised */
enum { EP_NONE, EP_BIAS, EP_BIAS_GELU_ERF, EP_BIAS_GELU_TANH, EP_SCALE_BIAS_RES, EP_RES_INPLACE,
       EP_BIAS_GELU_RES, EP_COUNT };
static const char *ep_names[EP_COUNT] = {"none",
                                         "bias",
                                         "bias+gelu_erf",
                                         "bias+gelu_tanh",
                                         "scale+bias+residual",
                                         "residual in place",
                                         "bias+gelu_erf+residual"};

static bool ep_has_bias(int ep) {
  return ep == EP_BIAS || ep == EP_BIAS_GELU_ERF || ep == EP_BIAS_GELU_TANH ||
         ep == EP_SCALE_BIAS_RES || ep == EP_BIAS_GELU_RES;
}
static bool ep_has_gelu_erf(int ep) { return ep == EP_BIAS_GELU_ERF || ep == EP_BIAS_GELU_RES; }

typedef struct problem {
  int64_t m, n, k;
  float *a, *b, *bt, *bias, *res; /* b: [K,N] ld n; bt: [N,K] ld k; res: [M,N] ld n */
  double *ref, *tol;
  int ep;
} problem;

static double gelu_erf_d(double x) { return 0.5 * x * erfc(-x / sqrt(2.0)); }
static double gelu_tanh_d(double x) {
  return 0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}

static float ep_scale(int ep) { return ep == EP_SCALE_BIAS_RES ? 0.125f : 0.0f; }

static void make_problem(problem *p, int64_t m, int64_t n, int64_t k, int ep, rng *r) {
  p->m = m;
  p->n = n;
  p->k = k;
  p->ep = ep;
  p->a = malloc((size_t)(m * k + 1) * sizeof(float));
  p->b = malloc((size_t)(k * n + 1) * sizeof(float));
  p->bt = malloc((size_t)(k * n + 1) * sizeof(float));
  p->bias = malloc((size_t)n * sizeof(float));
  p->res = malloc((size_t)(m * n) * sizeof(float));
  p->ref = malloc((size_t)(m * n) * sizeof(double));
  p->tol = malloc((size_t)(m * n) * sizeof(double));
  for (int64_t i = 0; i < m * k; i++) p->a[i] = rnd(r);
  for (int64_t kk = 0; kk < k; kk++)
    for (int64_t j = 0; j < n; j++) p->b[kk * n + j] = p->bt[j * k + kk] = rnd(r);
  for (int64_t j = 0; j < n; j++) p->bias[j] = rnd(r);
  for (int64_t i = 0; i < m * n; i++) p->res[i] = rnd(r);
  double scale = ep_scale(ep) != 0.0f ? ep_scale(ep) : 1.0;
  bool bias = ep_has_bias(ep);
  bool res = ep == EP_SCALE_BIAS_RES || ep == EP_RES_INPLACE || ep == EP_BIAS_GELU_RES;
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++) {
      double s = 0, abs_s = 0;
      for (int64_t kk = 0; kk < k; kk++) {
        double t = (double)p->a[i * k + kk] * p->b[kk * n + j];
        s += t;
        abs_s += fabs(t);
      }
      double x = scale * s, err = scale * (double)(k + 2) * U * abs_s;
      if (bias) x += p->bias[j];
      err += 2 * U * (fabs(x) + 1e-30);
      if (ep_has_gelu_erf(ep) || ep == EP_BIAS_GELU_TANH) {
        double g = ep_has_gelu_erf(ep) ? gelu_erf_d(x) : gelu_tanh_d(x);
        err = 1.13 * err + 4 * 2 * U * fabs(g) + 2e-8 * fabs(x);
        x = g;
      }
      if (res) {
        x += p->res[i * n + j];
        err += U * (fabs(x) + fabs(p->res[i * n + j]));
      }
      p->ref[i * n + j] = x;
      p->tol[i * n + j] = err;
    }
}

static void free_problem(problem *p) {
  free(p->a);
  free(p->b);
  free(p->bt);
  free(p->bias);
  free(p->res);
  free(p->ref);
  free(p->tol);
}

#define PAD 5         /* extra columns of C beyond N (ldc = N + PAD) */
#define SENTINEL -7777.0f

enum { MODE_PACKED, MODE_PACKED_T, MODE_UNPACKED, MODE_UNPACKED_T, MODE_COUNT };
static const char *mode_names[MODE_COUNT] = {"packed [K,N]", "packed [N,K]", "unpacked [K,N]",
                                             "unpacked [N,K]"};

/* Runs one mode on one pool into c (M x (N+PAD)); returns the sgemm status. */
static int run_mode(trt_isa isa, trt_threadpool *pool, const problem *p, int mode, float *c,
                    tinyrt_error *err) {
  const int64_t m = p->m, n = p->n, k = p->k, ldc = n + PAD;
  for (int64_t i = 0; i < m * ldc; i++) c[i] = SENTINEL;
  trt_sgemm_epilogue ep = {0};
  ep.scale = ep_scale(p->ep);
  if (ep_has_bias(p->ep)) ep.bias = p->bias;
  if (ep_has_gelu_erf(p->ep)) ep.act = TRT_SGEMM_ACT_GELU_ERF;
  if (p->ep == EP_BIAS_GELU_TANH) ep.act = TRT_SGEMM_ACT_GELU_TANH;
  if (p->ep == EP_SCALE_BIAS_RES || p->ep == EP_BIAS_GELU_RES) {
    ep.residual = p->res;
    ep.ld_residual = n;
  }
  if (p->ep == EP_RES_INPLACE) {
    for (int64_t i = 0; i < m; i++) memcpy(c + i * ldc, p->res + i * n, (size_t)n * 4);
    ep.residual = c;
    ep.ld_residual = ldc;
  }
  bool trans = mode == MODE_PACKED_T || mode == MODE_UNPACKED_T;
  const float *b = trans ? p->bt : p->b;
  int64_t ldb = trans ? k : n;
  int rc;
  if (mode == MODE_PACKED || mode == MODE_PACKED_T) {
    size_t sz = trt_sgemm_packed_size(isa, k, n);
    void *buf = aligned_alloc(64, (sz + 64) / 64 * 64);
    trt_sgemm_packed pb;
    rc = trt_sgemm_pack(isa, b, ldb, trans, k, n, buf, sz, &pb, err);
    if (rc == TINYRT_OK) rc = trt_sgemm_packed_run(pool, m, p->a, k, &pb, c, ldc, &ep, err);
    free(buf);
  } else {
    size_t sz = trt_sgemm_scratch_size(isa, k, n, trans);
    void *scratch = sz ? aligned_alloc(64, (sz + 63) / 64 * 64) : NULL;
    rc = trt_sgemm(pool, isa, m, n, k, p->a, k, b, ldb, trans, c, ldc, &ep, scratch, sz, err);
    free(scratch);
  }
  return rc;
}

/* Checks c against the reference and the padding; returns true when all is well. */
static bool check_result(const problem *p, const float *c, const char *what) {
  const int64_t ldc = p->n + PAD;
  for (int64_t i = 0; i < p->m; i++) {
    for (int64_t j = 0; j < p->n; j++) {
      double d = fabs(c[i * ldc + j] - p->ref[i * p->n + j]);
      if (!(d <= p->tol[i * p->n + j])) {
        fprintf(stderr, "%s: C[%lld,%lld] = %.9g, expected %.9g (tolerance %.3g)\n", what,
                (long long)i, (long long)j, c[i * ldc + j], p->ref[i * p->n + j],
                p->tol[i * p->n + j]);
        return false;
      }
    }
    for (int64_t j = p->n; j < ldc; j++)
      if (c[i * ldc + j] != SENTINEL) {
        fprintf(stderr, "%s: wrote outside C at [%lld,%lld]\n", what, (long long)i,
                (long long)j);
        return false;
      }
  }
  return true;
}

typedef struct pools {
  trt_threadpool *p2, *p3;
} pools;

/* All modes x thread counts for one problem; every run must match the reference and the
 * first run bit for bit. threads3: also run on 3 threads. */
static void check_problem(trt_isa isa, const pools *pl, const problem *p, bool threads3) {
  const int64_t ldc = p->n + PAD;
  size_t csize = (size_t)(p->m * ldc) * sizeof(float);
  float *first = malloc(csize), *c = malloc(csize);
  bool have_first = false;
  trt_threadpool *pool_list[3] = {NULL, pl->p2, pl->p3};
  for (int mode = 0; mode < MODE_COUNT; mode++) {
    for (int t = 0; t < (threads3 ? 3 : 2); t++) {
      char what[160];
      snprintf(what, sizeof what, "[%s] M=%lld N=%lld K=%lld %s, %s, %d thread(s)",
               trt_isa_name(isa), (long long)p->m, (long long)p->n, (long long)p->k,
               ep_names[p->ep], mode_names[mode], t + 1);
      tinyrt_error err = {0};
      int rc = run_mode(isa, pool_list[t], p, mode, c, &err);
      CHECK_MSG(rc == TINYRT_OK, "%s: %s", what, err.message);
      if (rc != TINYRT_OK) continue;
      CHECK_MSG(check_result(p, c, what), "%s", what);
      if (!have_first) {
        memcpy(first, c, csize);
        have_first = true;
      } else {
        CHECK_MSG(memcmp(first, c, csize) == 0, "%s: not bit-identical to the first run", what);
      }
    }
  }
  free(first);
  free(c);
}

static void test_sizes(trt_isa isa, const pools *pl) {
  rng r = {42};
  /* every combination of small odd sizes (partial row blocks and panels everywhere), the
   * epilogue rotating through the variants */
#ifdef TRT_TEST_EMULATED_AVX512
  /* emulated intrinsics are slow: fewer sizes, still crossing AVX-512's 12-row blocks and
   * 32-column panels (13, 33) */
  const int64_t small[] = {1, 5, 13, 33};
#else
  const int64_t small[] = {1, 2, 3, 5, 7, 13, 17, 31, 33};
#endif
  int idx = 0;
  for (size_t mi = 0; mi < TRT_ARRAY_LEN(small); mi++)
    for (size_t ni = 0; ni < TRT_ARRAY_LEN(small); ni++)
      for (size_t ki = 0; ki < TRT_ARRAY_LEN(small); ki++) {
        problem p;
        make_problem(&p, small[mi], small[ni], small[ki], idx++ % EP_COUNT, &r);
        check_problem(isa, pl, &p, false);
        free_problem(&p);
      }
  /* larger shapes, including the model's, every epilogue for the first */
#ifdef TRT_TEST_EMULATED_AVX512
  /* emulated: the kernel's own cases only (the blocking logic is shared with the natively
   * tested paths): several row blocks and panels with edges, and K split into slices */
  const int64_t big[][3] = {
      {64, 64, 64}, {25, 65, 128}, {13, 40, 700}, {0, 5, 7}, {5, 0, 7}, {5, 7, 0},
  };
#else
  const int64_t big[][3] = {
      {128, 128, 128}, {127, 129, 128}, {129, 127, 64}, {128, 512, 129}, {64, 33, 512},
      {8, 512, 128},   {1, 513, 127},   {512, 64, 31},  {33, 600, 1100}, /* K and N blocked */
      {13, 31, 1031},  {2, 1000, 17},   {0, 5, 7},      {5, 0, 7},       {5, 7, 0},
  };
#endif
  for (size_t s = 0; s < TRT_ARRAY_LEN(big); s++) {
    for (int ep = 0; ep < (s == 0 ? EP_COUNT : 1); ep++) {
      problem p;
      make_problem(&p, big[s][0], big[s][1], big[s][2], s == 0 ? ep : (int)(s % EP_COUNT), &r);
      check_problem(isa, pl, &p, s < 3);
      free_problem(&p);
    }
  }
}

/* --- the row post-op ------------------------------------------------------------------------ */

/* What the post-op saw, per row (calls run on several threads, on disjoint rows). */
typedef struct rows_probe {
  const float *c;
  int64_t ldc, n;
  int *visits;    /* calls that covered the row */
  int *call_rows; /* rows of the call that covered it */
  bool *ptr_ok;   /* the call's c and ldc pointed at C's row i0 */
} rows_probe;

/* Centers and halves each row: a function of the whole row, so a call before every column of
 * the row is final would show in the result. */
static void center_rows(void *ctx, int64_t i0, int64_t i1, float *c, int64_t ldc) {
  rows_probe *p = ctx;
  for (int64_t r = i0; r < i1; r++) {
    float *y = c + (r - i0) * ldc, s = 0;
    if (p->visits) {
      p->visits[r]++;
      p->call_rows[r] = (int)(i1 - i0);
      p->ptr_ok[r] = c == p->c + i0 * p->ldc && ldc == p->ldc;
    }
    for (int64_t j = 0; j < p->n; j++) s += y[j];
    float mean = s / (float)p->n;
    for (int64_t j = 0; j < p->n; j++) y[j] = (y[j] - mean) * 0.5f;
  }
}

/* The GEMM with bias and residual, then the post-op: against the same GEMM without it and the
 * post-op applied afterwards to the whole C (bit for bit: the post-op is exact arithmetic on the
 * same values), on 1, 2 and 3 threads, packed [K,N] and unpacked [N,K] B. Each row must be
 * visited once, through a pointer to its own row; with small_calls (one cache block spans all
 * columns), by calls of at most 16 rows (the largest MR is 12): right after each row block. */
static void check_rows(trt_isa isa, const pools *pl, int64_t m, int64_t n, int64_t k,
                       bool small_calls, rng *r) {
  problem p;
  make_problem(&p, m, n, k, EP_SCALE_BIAS_RES, r);
  const int64_t ldc = n + PAD;
  size_t csize = (size_t)(m * ldc + 1) * sizeof(float);
  float *want = malloc(csize), *c = malloc(csize);
  int *visits = calloc((size_t)m + 1, sizeof(int)), *call_rows = calloc((size_t)m + 1, sizeof(int));
  bool *ptr_ok = calloc((size_t)m + 1, sizeof(bool));
  trt_threadpool *pool_list[3] = {NULL, pl->p2, pl->p3};
  for (int mode = MODE_PACKED; mode <= MODE_UNPACKED_T; mode += MODE_UNPACKED_T - MODE_PACKED) {
    tinyrt_error err = {0};
    CHECK_EQ_INT(run_mode(isa, NULL, &p, mode, want, &err), TINYRT_OK);
    rows_probe plain = {want, ldc, n, NULL, NULL, NULL};
    if (m > 0) center_rows(&plain, 0, m, want, ldc);
    for (int t = 0; t < 3; t++) {
      char what[160];
      snprintf(what, sizeof what, "[%s] row post-op M=%lld N=%lld K=%lld, %s, %d thread(s)",
               trt_isa_name(isa), (long long)m, (long long)n, (long long)k, mode_names[mode],
               t + 1);
      memset(visits, 0, sizeof(int) * (size_t)m);
      rows_probe probe = {c, ldc, n, visits, call_rows, ptr_ok};
      /* run_mode's epilogue plus the post-op: the same sgemm calls with rows set */
      for (int64_t i = 0; i < m * ldc; i++) c[i] = SENTINEL;
      trt_sgemm_epilogue ep = {ep_scale(p.ep), p.bias, TRT_SGEMM_ACT_NONE, p.res, n, center_rows,
                               &probe};
      int rc;
      if (mode == MODE_PACKED) {
        size_t sz = trt_sgemm_packed_size(isa, k, n);
        void *buf = aligned_alloc(64, (sz + 64) / 64 * 64);
        trt_sgemm_packed pb;
        rc = trt_sgemm_pack(isa, p.b, n, false, k, n, buf, sz, &pb, &err);
        if (rc == TINYRT_OK)
          rc = trt_sgemm_packed_run(pool_list[t], m, p.a, k, &pb, c, ldc, &ep, &err);
        free(buf);
      } else {
        size_t sz = trt_sgemm_scratch_size(isa, k, n, true);
        void *scratch = sz ? aligned_alloc(64, (sz + 63) / 64 * 64) : NULL;
        rc = trt_sgemm(pool_list[t], isa, m, n, k, p.a, k, p.bt, k, true, c, ldc, &ep, scratch, sz,
                       &err);
        free(scratch);
      }
      CHECK_MSG(rc == TINYRT_OK, "%s: %s", what, err.message);
      CHECK_MSG(memcmp(c, want, (size_t)(m * ldc) * sizeof(float)) == 0,
                "%s: differs from the GEMM followed by the post-op", what);
      int bad_visits = 0, bad_ptr = 0, max_rows = 0;
      for (int64_t i = 0; i < m; i++) {
        bad_visits += visits[i] != 1;
        bad_ptr += !ptr_ok[i];
        if (call_rows[i] > max_rows) max_rows = call_rows[i];
      }
      CHECK_MSG(bad_visits == 0, "%s: %d rows not visited exactly once", what, bad_visits);
      CHECK_MSG(bad_ptr == 0, "%s: %d rows passed with a wrong pointer", what, bad_ptr);
      CHECK_MSG(!small_calls || max_rows <= 16, "%s: a call of %d rows", what, max_rows);
    }
  }
  free(want);
  free(c);
  free(visits);
  free(call_rows);
  free(ptr_ok);
  free_problem(&p);
}

static void test_row_post_op(trt_isa isa, const pools *pl) {
  rng r = {7};
  check_rows(isa, pl, 1, 1, 1, true, &r);
  check_rows(isa, pl, 13, 33, 17, true, &r);
  check_rows(isa, pl, 0, 8, 8, true, &r);
  check_rows(isa, pl, 3, 512, 64, true, &r);   /* few rows: tasks still own whole rows */
#ifndef TRT_TEST_EMULATED_AVX512
  check_rows(isa, pl, 120, 128, 512, true, &r); /* the model's FFN-output width and depth */
  check_rows(isa, pl, 25, 128, 1100, true, &r); /* K in slices: after the last one */
  check_rows(isa, pl, 20, 600, 1100, false, &r); /* several column blocks: after each task */
#else
  check_rows(isa, pl, 25, 40, 700, true, &r);
#endif
}

static void test_errors(trt_isa isa) {
  float a[64] = {0}, b[64] = {0}, c[64] = {0};
  tinyrt_error err = {0};
  CHECK_EQ_INT(trt_sgemm(NULL, isa, 2, 3, 4, a, 3, b, 3, false, c, 3, NULL, NULL, 0, &err),
               TINYRT_ERR_SHAPE); /* lda < K */
  CHECK_STR_CONTAINS(err.message, "lda");
  CHECK_EQ_INT(trt_sgemm(NULL, isa, 2, 3, 4, a, 4, b, 2, false, c, 3, NULL, NULL, 0, &err),
               TINYRT_ERR_SHAPE); /* ldb < N */
  CHECK_STR_CONTAINS(err.message, "ldb");
  CHECK_EQ_INT(trt_sgemm(NULL, isa, 2, 3, 4, a, 4, b, 3, false, a + 2, 3, NULL, NULL, 0, &err),
               TINYRT_ERR_ARGUMENT); /* C overlaps A */
  CHECK_STR_CONTAINS(err.message, "overlaps");
  CHECK_EQ_INT(trt_sgemm(NULL, isa, -1, 3, 4, a, 4, b, 3, false, c, 3, NULL, NULL, 0, &err),
               TINYRT_ERR_SHAPE);
  /* N = 5 is never a multiple of NR: the edge panel needs scratch */
  size_t need = trt_sgemm_scratch_size(isa, 4, 5, false);
  CHECK(need > 0);
  CHECK_EQ_INT(trt_sgemm(NULL, isa, 2, 5, 4, a, 4, b, 5, false, c, 5, NULL, NULL, 0, &err),
               TINYRT_ERR_SHAPE);
  CHECK_STR_CONTAINS(err.message, "scratch");
  void *scratch = aligned_alloc(64, (need + 64) / 64 * 64 + 64);
  CHECK_EQ_INT(trt_sgemm(NULL, isa, 2, 5, 4, a, 4, b, 5, false, c, 5, NULL,
                         (char *)scratch + 4, need, &err),
               TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "aligned");
  trt_sgemm_epilogue ep = {.residual = c + 1, .ld_residual = 5};
  CHECK_EQ_INT(trt_sgemm(NULL, isa, 2, 5, 4, a, 4, b, 5, false, c, 5, &ep, scratch, need, &err),
               TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "residual");
  ep = (trt_sgemm_epilogue){.act = (trt_sgemm_act)9};
  CHECK_EQ_INT(trt_sgemm(NULL, isa, 2, 5, 4, a, 4, b, 5, false, c, 5, &ep, scratch, need, &err),
               TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "activation");
  size_t psz = trt_sgemm_packed_size(isa, 4, 5);
  trt_sgemm_packed pb;
  CHECK_EQ_INT(trt_sgemm_pack(isa, b, 5, false, 4, 5, scratch, psz - 4, &pb, &err),
               TINYRT_ERR_SHAPE);
  CHECK_STR_CONTAINS(err.message, "needed");
  CHECK_EQ_INT(trt_sgemm_pack(isa, b, 3, true, 4, 5, scratch, psz, &pb, &err),
               TINYRT_ERR_SHAPE); /* [N,K] with ldb < K */
  CHECK(trt_sgemm_packed_size(isa, INT64_MAX / 2, INT64_MAX / 2) == SIZE_MAX);
  CHECK(trt_sgemm_packed_size(isa, 0, 5) == 0);
  free(scratch);
}

int main(void) {
  trt_alloc al;
  trt_alloc_init(&al, NULL);
  pools pl = {NULL, NULL};
  CHECK_EQ_INT(trt_threadpool_create(&al, 2, &pl.p2, NULL), TINYRT_OK);
  CHECK_EQ_INT(trt_threadpool_create(&al, 3, &pl.p3, NULL), TINYRT_OK);
  for (int i = 0; i < TRT_ISA_COUNT; i++) {
    trt_isa isa = (trt_isa)i;
#ifdef TRT_TEST_EMULATED_AVX512
    /* built with the AVX-512 kernels emulated (tests/avx512_emulated.cmake): run only those */
    if (isa != TRT_ISA_AVX512) continue;
    printf("[avx512] run under SIMDe emulation of the AVX-512 intrinsics, not natively\n");
#else
    if (!trt_isa_supported(isa)) {
      printf("[%s] NOT RUN: this CPU does not support %s; its kernel was compiled but not "
             "tested here\n",
             trt_isa_name(isa), trt_isa_name(isa));
      continue;
    }
#endif
    int before = test_failed;
    test_sizes(isa, &pl);
    test_row_post_op(isa, &pl);
    test_errors(isa);
    printf("[%s] tested: %s\n", trt_isa_name(isa), test_failed == before ? "ok" : "FAILED");
  }
  trt_threadpool_destroy(pl.p2);
  trt_threadpool_destroy(pl.p3);
  return test_finish();
}
