/* SGEMM driver: argument checks, packing B, cache blocking and the split over threads. The
 * arithmetic is in the per-ISA micro-kernels (sgemm_kernel.h).
 *
 * Loop order inside one task (rows [m0,m1) x columns [n0,n1) of C):
 *   for each block of NC columns          (the B block KC x NC stays in L2)
 *     for each K slice of at most KC      (the A rows' slice stays in L1)
 *       for each block of MR rows
 *         micro-kernel over the NC columns, panel by panel
 * The A block (MR rows x KC) is reused from L1 against every B panel while B streams from L2
 * in the order it was packed. With the model's K <= 512 there is a single K slice, so C is
 * written once, epilogue included. A row post-op (trt_sgemm_epilogue.rows) runs after the
 * micro-kernel on each row block of the last K slice when NC spans all columns (the model's
 * N = 128), else after the whole task. */
#include "ep/cpu/sgemm.h"

#include <string.h>

#include "ep/cpu/sgemm_kernel.h"

/* L1 budget for the A block (MR rows x KC floats), half of a 32 KiB L1D: the rest holds the B
 * lines in flight and C. */
#define A_BLOCK_BYTES (16 * 1024)
#define KC_MAX 512
/* L2 budget for the B block (KC x NC floats) of a 1 MiB L2. */
#define B_BLOCK_BYTES (512 * 1024)
/* Below this many flops a task does not pay for its hand-off to another thread (~1 us of work
 * at this machine's speed, against a hand-off of a few hundred ns with a spinning pool). */
#define MIN_TASK_FLOPS 100000.0
/* Tasks are taken first come, first served, so a thread that falls behind (a shared machine
 * takes its core away now and then) takes fewer; the last task is what the other may wait for
 * at the join. 8 per thread (M = 128: 11 tasks of 12 rows) against 4 (8 of 18 rows): p50 at
 * b1 s128 on 2 threads 0.962x (`bench/ab OLD NEW --threads 2 --rounds 14`). */
#define TASKS_PER_THREAD 8

static const trt_sgemm_kernel *kernel_for(trt_isa isa) {
  switch (isa) {
  case TRT_ISA_AVX512: return &trt_sgemm_kernel_avx512;
  case TRT_ISA_AVX2: return &trt_sgemm_kernel_avx2;
  case TRT_ISA_PORTABLE: break;
  }
  return &trt_sgemm_kernel_portable;
}

static bool valid_isa(trt_isa isa) { return isa >= 0 && (int)isa < TRT_ISA_COUNT; }

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* floats of packed storage; -1 on overflow */
static int64_t packed_floats(int nr, int64_t k, int64_t n) {
  int64_t panels = ceil_div(n, nr), f;
  if (!trt_mul_i64(panels, (int64_t)nr, &f) || !trt_mul_i64(f, k, &f)) return -1;
  return f;
}

size_t trt_sgemm_packed_size(trt_isa isa, int64_t k, int64_t n) {
  if (!valid_isa(isa) || k < 0 || n < 0) return SIZE_MAX;
  int64_t f = packed_floats(kernel_for(isa)->nr, k, n);
  size_t bytes;
  if (f < 0 || !trt_mul_size((size_t)f, sizeof(float), &bytes)) return SIZE_MAX;
  return bytes;
}

/* Packs panels [p0, p1) of B (K x N logical) into dst (panel p at dst + p*K*nr). */
static void pack_panels(const trt_sgemm_kernel *kern, const float *b, int64_t ldb, bool trans_b,
                        int64_t k, int64_t n, float *dst, int64_t p0, int64_t p1) {
  const int nr = kern->nr;
  for (int64_t p = p0; p < p1; p++) {
    float *d = dst + p * k * nr;
    int64_t j0 = p * nr;
    int w = n - j0 < nr ? (int)(n - j0) : nr;
    if (trans_b && w == nr && kern->pack_bt_panel) {
      kern->pack_bt_panel(b + j0 * ldb, ldb, k, d);
    } else if (!trans_b) {
      for (int64_t kk = 0; kk < k; kk++) {
        memcpy(d + kk * nr, b + kk * ldb + j0, (size_t)w * sizeof(float));
        for (int j = w; j < nr; j++) d[kk * nr + j] = 0.0f;
      }
    } else {
      /* rows of the stored [N,K] B become columns of the panel: read each row contiguously */
      for (int j = 0; j < w; j++) {
        const float *src = b + (j0 + j) * ldb;
        for (int64_t kk = 0; kk < k; kk++) d[kk * nr + j] = src[kk];
      }
      for (int j = w; j < nr; j++)
        for (int64_t kk = 0; kk < k; kk++) d[kk * nr + j] = 0.0f;
    }
  }
}

/* The extent [lo, hi) of bytes a rows x cols matrix with leading dimension ld covers. */
typedef struct span {
  uintptr_t lo, hi;
} span;

static span mat_span(const float *p, int64_t rows, int64_t cols, int64_t ld) {
  span s = {(uintptr_t)p, (uintptr_t)p};
  if (rows > 0 && cols > 0) s.hi = (uintptr_t)(p + (rows - 1) * ld + cols);
  return s;
}

static bool overlap(span a, span b) { return a.lo < b.hi && b.lo < a.hi; }

/* Checks shared by both entry points. b_span: unpacked B's bytes (empty for packed B). */
static int check_common(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, float *c,
                        int64_t ldc, const trt_sgemm_epilogue *ep, span b_span,
                        tinyrt_error *err) {
  if (m < 0 || n < 0 || k < 0)
    return trt_error(err, TINYRT_ERR_SHAPE, "sgemm: negative size M=%lld N=%lld K=%lld",
                     (long long)m, (long long)n, (long long)k);
  if (m == 0 || n == 0) return TINYRT_OK;
  if ((k > 0 && !a) || !c)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "sgemm: NULL %s", !c ? "C" : "A");
  if ((k > 0 && lda < k) || ldc < n)
    return trt_error(err, TINYRT_ERR_SHAPE,
                     "sgemm: leading dimension too small (lda %lld for K=%lld, ldc %lld for "
                     "N=%lld)",
                     (long long)lda, (long long)k, (long long)ldc, (long long)n);
  span cs = mat_span(c, m, n, ldc);
  if (k > 0 && overlap(cs, mat_span(a, m, k, lda)))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "sgemm: C overlaps A");
  if (overlap(cs, b_span)) return trt_error(err, TINYRT_ERR_ARGUMENT, "sgemm: C overlaps B");
  if (ep && ep->residual) {
    if (ep->ld_residual < n)
      return trt_error(err, TINYRT_ERR_SHAPE, "sgemm: residual leading dimension %lld < N=%lld",
                       (long long)ep->ld_residual, (long long)n);
    bool same = ep->residual == c && ep->ld_residual == ldc;
    if (!same && overlap(cs, mat_span(ep->residual, m, n, ep->ld_residual)))
      return trt_error(err, TINYRT_ERR_ARGUMENT,
                       "sgemm: residual overlaps C without being C itself");
  }
  if (ep && (ep->act < TRT_SGEMM_ACT_NONE || ep->act > TRT_SGEMM_ACT_GELU_TANH))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "sgemm: unknown activation %d", (int)ep->act);
  return TINYRT_OK;
}

int trt_sgemm_pack(trt_isa isa, const float *b, int64_t ldb, bool trans_b, int64_t k, int64_t n,
                   void *dst, size_t dst_size, trt_sgemm_packed *out, tinyrt_error *err) {
  if (!valid_isa(isa)) return trt_error(err, TINYRT_ERR_ARGUMENT, "sgemm pack: bad ISA");
  if (k < 0 || n < 0)
    return trt_error(err, TINYRT_ERR_SHAPE, "sgemm pack: negative size K=%lld N=%lld",
                     (long long)k, (long long)n);
  size_t need = trt_sgemm_packed_size(isa, k, n);
  if (need == SIZE_MAX)
    return trt_error(err, TINYRT_ERR_SHAPE, "sgemm pack: K=%lld x N=%lld is too large",
                     (long long)k, (long long)n);
  if (dst_size < need || (need && !dst))
    return trt_error(err, TINYRT_ERR_SHAPE, "sgemm pack: %zu bytes given, %zu needed", dst_size,
                     need);
  if ((uintptr_t)dst % 64)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "sgemm pack: destination not 64-byte aligned");
  if (k > 0 && n > 0) {
    if (!b) return trt_error(err, TINYRT_ERR_ARGUMENT, "sgemm pack: NULL B");
    if (ldb < (trans_b ? k : n))
      return trt_error(err, TINYRT_ERR_SHAPE, "sgemm pack: ldb %lld too small for %s B",
                       (long long)ldb, trans_b ? "[N,K]" : "[K,N]");
    const trt_sgemm_kernel *kern = kernel_for(isa);
    pack_panels(kern, b, ldb, trans_b, k, n, dst, 0, ceil_div(n, kern->nr));
  }
  out->isa = isa;
  out->k = k;
  out->n = n;
  out->data = dst;
  return TINYRT_OK;
}

/* --- the run ------------------------------------------------------------------------------ */

typedef struct gemm_job {
  const trt_sgemm_kernel *kern;
  int64_t m, n, k;
  const float *a;
  int64_t lda;
  const float *b;           /* packed, or unpacked [K,N] */
  int64_t ldb, panel_stride;
  int64_t n_main;           /* columns read from b; the rest from edge (unpacked B only) */
  const float *edge;        /* the last, partial panel packed (ldb = NR), or NULL */
  float *c;
  int64_t ldc;
  float scale;
  const float *bias;
  trt_sgemm_act act;
  const float *res;
  int64_t ldr;
  trt_sgemm_rows_fn rows;
  void *rows_ctx;
  int64_t kc, nc;           /* blocking */
  int64_t m_chunk, n_chunk; /* rows / columns per task */
  int64_t m_tasks;          /* tasks along M; task t covers row chunk t % m_tasks */
} gemm_job;

/* Runs the kernel over columns [j0, j1) for one row block and K slice. */
static void run_cols(const gemm_job *g, trt_sgemm_block *blk, int64_t i0, int64_t j0, int64_t j1,
                     int64_t p0) {
  const int nr = g->kern->nr;
  blk->c = g->c + i0 * g->ldc + j0;
  blk->bias = g->bias ? g->bias + j0 : NULL;
  blk->res = g->res ? g->res + i0 * g->ldr + j0 : NULL;
  int64_t main_end = j1 < g->n_main ? j1 : g->n_main;
  if (j0 < main_end) {
    blk->b = g->b + (j0 / nr) * g->panel_stride + p0 * g->ldb;
    blk->ldb = g->ldb;
    blk->panel_stride = g->panel_stride;
    blk->n = main_end - j0;
    g->kern->block(blk);
  }
  if (j1 > g->n_main) { /* the edge panel: j0..j1 lies within it */
    int64_t e0 = j0 > g->n_main ? j0 : g->n_main;
    blk->c = g->c + i0 * g->ldc + e0;
    blk->bias = g->bias ? g->bias + e0 : NULL;
    blk->res = g->res ? g->res + i0 * g->ldr + e0 : NULL;
    blk->b = g->edge + p0 * nr;
    blk->ldb = nr;
    blk->panel_stride = 0;
    blk->n = j1 - e0;
    g->kern->block(blk);
  }
}

/* Rows of the next block when `rest` rows remain. A block of few rows is slower per row than
 * its size suggests: with fewer than ~4 rows the FMA chains are too few to hide the FMA latency.
 * So a remainder of up to MR/2 rows is not left alone at the end but shared with the block
 * before it (6 + 2 rows become 4 + 4). */
static int block_rows(int mr, int64_t rest) {
  if (rest >= 2 * mr || rest <= mr) return (int)TRT_MIN((int64_t)mr, rest);
  if (rest - mr <= mr / 2) return (int)((rest + 1) / 2);
  return mr;
}

/* Rows [r0, r1) of the next block: its A slice and its C row segments (and residual ones, read
 * with the last K slice) are requested now so that they arrive while this block computes (for a
 * large M they come from L3 or memory, and the hardware prefetcher does not start on 2 x MR
 * short streams soon enough). */
static void prefetch_next(const gemm_job *g, int64_t r0, int64_t r1, int64_t pc, int64_t kk,
                          int64_t j0, int64_t j1) {
  const bool res = g->res && pc + kk == g->k;
  for (int64_t r = r0; r < r1; r++) {
    const char *a = (const char *)(g->a + r * g->lda + pc);
    for (int64_t off = 0; off < kk * 4; off += 64) __builtin_prefetch(a + off, 0, 3);
    const char *c = (const char *)(g->c + r * g->ldc + j0);
    for (int64_t off = 0; off < (j1 - j0) * 4; off += 64) __builtin_prefetch(c + off, 1, 3);
    if (!res) continue;
    const char *rr = (const char *)(g->res + r * g->ldr + j0);
    for (int64_t off = 0; off < (j1 - j0) * 4; off += 64) __builtin_prefetch(rr + off, 0, 3);
  }
}

static void gemm_task(void *ctx, int64_t task, int thread) {
  (void)thread;
  const gemm_job *g = ctx;
  const int mr = g->kern->mr;
  int64_t m0 = (task % g->m_tasks) * g->m_chunk, n0 = (task / g->m_tasks) * g->n_chunk;
  int64_t m1 = TRT_MIN(g->m, m0 + g->m_chunk), n1 = TRT_MIN(g->n, n0 + g->n_chunk);
  trt_sgemm_block blk;
  memset(&blk, 0, sizeof blk);
  blk.lda = g->lda;
  blk.ldc = g->ldc;
  blk.scale = g->scale;
  blk.act = g->act;
  blk.ldr = g->ldr;
  /* one column block: each row block is final after its last K slice, still in L1 */
  const bool rows_per_block = g->rows && n1 - n0 <= g->nc;
  for (int64_t jc = n0; jc < n1; jc += g->nc) {
    int64_t jend = TRT_MIN(n1, jc + g->nc);
    int64_t pc = 0;
    do { /* at least once: K = 0 still writes the epilogue of zero */
      int64_t kk = TRT_MIN(g->kc, g->k - pc);
      blk.k = kk;
      blk.accumulate = pc > 0;
      blk.last = pc + kk == g->k;
      for (int64_t ic = m0; ic < m1; ic += blk.mr) {
        blk.mr = block_rows(mr, m1 - ic);
        blk.a = g->a + ic * g->lda + pc;
        prefetch_next(g, ic + blk.mr, TRT_MIN(m1, ic + blk.mr + mr), pc, kk, jc, jend);
        run_cols(g, &blk, ic, jc, jend, pc);
        if (rows_per_block && blk.last)
          g->rows(g->rows_ctx, ic, ic + blk.mr, g->c + ic * g->ldc, g->ldc);
      }
      pc += kk;
    } while (pc < g->k);
  }
  if (g->rows && !rows_per_block && m1 > m0)
    g->rows(g->rows_ctx, m0, m1, g->c + m0 * g->ldc, g->ldc);
}

/* Blocking and the split into tasks; then runs. */
static void run_job(trt_threadpool *pool, gemm_job *g) {
  const int mr = g->kern->mr, nr = g->kern->nr;
  if (g->k == 0) { /* C = epilogue(0): no B is read, but B's pointers must still be valid */
    static const float nothing[1];
    g->b = nothing;
    g->ldb = g->panel_stride = 0;
    g->n_main = g->n;
    g->edge = NULL;
  }
  /* K slices of equal size (a multiple of 8), none above the L1 budget */
  int64_t kc_max = A_BLOCK_BYTES / (4 * mr);
  kc_max = TRT_MIN((int64_t)KC_MAX, kc_max - kc_max % 8);
  int64_t slices = g->k > 0 ? ceil_div(g->k, kc_max) : 1;
  g->kc = g->k > 0 ? ceil_div(ceil_div(g->k, slices), 8) * 8 : 0;
  int64_t nc = B_BLOCK_BYTES / (4 * TRT_MAX(g->kc, (int64_t)1));
  g->nc = TRT_MAX((int64_t)nr, nc - nc % nr);

  int threads = trt_threadpool_size(pool);
  double flops = 2.0 * (double)g->m * (double)g->n * (double)g->k;
  int64_t max_tasks = 1;
  if (threads > 1) {
    double by_work = flops / MIN_TASK_FLOPS;
    max_tasks = (int64_t)TRT_MIN((double)(TASKS_PER_THREAD * threads), by_work);
    if (max_tasks < 1) max_tasks = 1;
  }
  int64_t m_blocks = ceil_div(g->m, mr), n_panels = ceil_div(g->n, nr);
  int64_t m_tasks, n_tasks;
  if (m_blocks >= max_tasks || g->rows) { /* a row post-op needs whole rows per task */
    m_tasks = TRT_MIN(m_blocks, max_tasks);
    n_tasks = 1;
  } else { /* few rows: split columns too */
    m_tasks = m_blocks;
    n_tasks = TRT_MAX((int64_t)1, TRT_MIN(n_panels, max_tasks / m_blocks));
  }
  g->m_chunk = ceil_div(m_blocks, m_tasks) * mr;
  g->m_tasks = ceil_div(g->m, g->m_chunk);
  g->n_chunk = ceil_div(n_panels, n_tasks) * nr;
  n_tasks = ceil_div(g->n, g->n_chunk);
  trt_parallel_for(pool, g->m_tasks * n_tasks, gemm_task, g);
}

static void fill_epilogue(gemm_job *g, const trt_sgemm_epilogue *ep) {
  g->scale = 1.0f;
  if (!ep) return;
  if (ep->scale != 0.0f) g->scale = ep->scale;
  g->bias = ep->bias;
  g->act = ep->act;
  g->res = ep->residual;
  g->ldr = ep->ld_residual;
  g->rows = ep->rows;
  g->rows_ctx = ep->rows_ctx;
}

int trt_sgemm_packed_run(trt_threadpool *pool, int64_t m, const float *a, int64_t lda,
                         const trt_sgemm_packed *b, float *c, int64_t ldc,
                         const trt_sgemm_epilogue *ep, tinyrt_error *err) {
  if (!b || !valid_isa(b->isa))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "sgemm: packed B missing or not packed");
  span none = {0, 0};
  int rc = check_common(m, b->n, b->k, a, lda, c, ldc, ep, none, err);
  if (rc != TINYRT_OK || m == 0 || b->n == 0) return rc;
  gemm_job g;
  memset(&g, 0, sizeof g);
  g.kern = kernel_for(b->isa);
  g.m = m;
  g.n = b->n;
  g.k = b->k;
  g.a = a;
  g.lda = lda;
  g.b = b->data;
  g.ldb = g.kern->nr;
  g.panel_stride = b->k * g.kern->nr;
  g.n_main = b->n;
  g.c = c;
  g.ldc = ldc;
  fill_epilogue(&g, ep);
  run_job(pool, &g);
  return TINYRT_OK;
}

size_t trt_sgemm_scratch_size(trt_isa isa, int64_t k, int64_t n, bool trans_b) {
  if (!valid_isa(isa) || k < 0 || n < 0) return SIZE_MAX;
  int nr = kernel_for(isa)->nr;
  if (trans_b) return trt_sgemm_packed_size(isa, k, n);
  /* [K,N] is read in place; only a partial last panel is copied, zero-padded */
  return n % nr ? trt_sgemm_packed_size(isa, k, nr) : 0;
}

typedef struct pack_job {
  const trt_sgemm_kernel *kern;
  const float *b;
  int64_t ldb, k, n;
  float *dst;
  int64_t panels_per_task;
} pack_job;

static void pack_task(void *ctx, int64_t task, int thread) {
  (void)thread;
  const pack_job *p = ctx;
  int64_t p0 = task * p->panels_per_task;
  int64_t p1 = TRT_MIN(ceil_div(p->n, p->kern->nr), p0 + p->panels_per_task);
  pack_panels(p->kern, p->b, p->ldb, true, p->k, p->n, p->dst, p0, p1);
}

int trt_sgemm(trt_threadpool *pool, trt_isa isa, int64_t m, int64_t n, int64_t k,
              const float *a, int64_t lda, const float *b, int64_t ldb, bool trans_b, float *c,
              int64_t ldc, const trt_sgemm_epilogue *ep, void *scratch, size_t scratch_size,
              tinyrt_error *err) {
  if (!valid_isa(isa)) return trt_error(err, TINYRT_ERR_ARGUMENT, "sgemm: bad ISA");
  span b_span = {0, 0};
  if (m > 0 && n > 0 && k > 0) {
    if (!b) return trt_error(err, TINYRT_ERR_ARGUMENT, "sgemm: NULL B");
    if (ldb < (trans_b ? k : n))
      return trt_error(err, TINYRT_ERR_SHAPE, "sgemm: ldb %lld too small for %s B",
                       (long long)ldb, trans_b ? "[N,K]" : "[K,N]");
    b_span = trans_b ? mat_span(b, n, k, ldb) : mat_span(b, k, n, ldb);
  }
  int rc = check_common(m, n, k, a, lda, c, ldc, ep, b_span, err);
  if (rc != TINYRT_OK || m == 0 || n == 0) return rc;
  size_t need = trt_sgemm_scratch_size(isa, k, n, trans_b);
  if (need == SIZE_MAX)
    return trt_error(err, TINYRT_ERR_SHAPE, "sgemm: K=%lld x N=%lld is too large", (long long)k,
                     (long long)n);
  if (scratch_size < need || (need && !scratch))
    return trt_error(err, TINYRT_ERR_SHAPE, "sgemm: scratch of %zu bytes given, %zu needed",
                     scratch_size, need);
  if ((uintptr_t)scratch % 64)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "sgemm: scratch not 64-byte aligned");

  gemm_job g;
  memset(&g, 0, sizeof g);
  g.kern = kernel_for(isa);
  const int nr = g.kern->nr;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a = a;
  g.lda = lda;
  g.c = c;
  g.ldc = ldc;
  fill_epilogue(&g, ep);
  if (k == 0) {
    /* nothing to pack: run_job handles K = 0 */
  } else if (trans_b) {
    /* packing is O(K N) against the product's O(M N K): worth spreading only when large */
    pack_job pj = {g.kern, b, ldb, k, n, scratch, 0};
    int64_t panels = ceil_div(n, nr);
    int64_t tasks = TRT_MIN(panels, (int64_t)trt_threadpool_size(pool));
    if ((double)k * (double)n < 32768.0) tasks = 1;
    pj.panels_per_task = ceil_div(panels, tasks);
    trt_parallel_for(pool, ceil_div(panels, pj.panels_per_task), pack_task, &pj);
    g.b = scratch;
    g.ldb = nr;
    g.panel_stride = k * nr;
    g.n_main = n;
  } else {
    g.b = b;
    g.ldb = ldb;
    g.panel_stride = nr;
    g.n_main = n - n % nr;
    if (n % nr) {
      pack_panels(g.kern, b + g.n_main, ldb, false, k, n - g.n_main, scratch, 0, 1);
      g.edge = scratch;
    }
  }
  run_job(pool, &g);
  return TINYRT_OK;
}
