/* GemmSkipLayerNorm on the cpu EP (src/ep/cpu/k_gemm_ln.c: the packed GEMM with the LayerNorm as
 * its row post-op) and on the reference kernel, both against a double-precision evaluation of
 * the formula, on every instruction set this CPU runs, with 1, 2 and 3 threads. The node is built
 * in a graph of its own and bound by the cpu EP as a session would.
 *
 * Tolerance, per row: the sum s = A·B + bias (+ skip_bias) + skip, in float, is within
 * E_j = (K + 4) u (Σ_k |a_k b_kj| + |bias_j| + |skip_bias_j| + |skip_j|) of the exact sum (the
 * bound of tests/test_sgemm.c with a step per addend), u = 2^-24. With E = max_j E_j,
 * D = max_j |s_j - mean| and var the exact statistics: s_j - mean is off by at most
 * δd = 2E + 2uD, the variance by at most 2Dδd + 2nu·var (n float additions), so rstd by a
 * relative (2Dδd + 2nu·var) / (2(var + eps)) + 2u, and y_j by
 * |γ_j| (rstd δd + D rstd δrstd) + 4u (|y_j| + |β_j|). A wrong or missing term is O(1) in y:
 * far above it. Thread counts must agree bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ep/ep.h"
#include "ep/cpu/cpuid.h"
#include "exec/threadpool.h"
#include "testutil.h"

#define U (1.0 / 16777216.0)
#define EPS 1e-5f

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static float frand(float lo, float hi) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return lo + (hi - lo) * (float)((rng_state >> 40) / 16777216.0);
}

typedef struct gcase {
  int64_t m, k, n;
  unsigned flags; /* GC_* */
} gcase;

enum { GC_BIAS = 1, GC_BETA = 2, GC_SKIP_BIAS = 4, GC_SUM = 8, GC_ALL = 15 };

/* The case's data: inputs 0..6 of the op (absent ones have dtype UNDEFINED). */
typedef struct gdata {
  float *a, *b, *bias, *skip, *gamma, *beta, *sbias;
  trt_tensor in[7];
  int n_in, n_out;
  double *y, *s, *tol_y, *tol_s; /* exact results and bounds */
} gdata;

static trt_tensor tensor(int rank, int64_t d0, int64_t d1, float *data) {
  trt_tensor t;
  memset(&t, 0, sizeof t);
  t.dtype = data ? TINYRT_FLOAT : TINYRT_UNDEFINED;
  t.rank = data ? rank : 0;
  t.dims[0] = d0;
  t.dims[1] = d1;
  t.data = data;
  return t;
}

static float *randv(int64_t n, float lo, float hi) {
  float *p = malloc(sizeof(float) * (size_t)(n + 1));
  for (int64_t i = 0; i < n; i++) p[i] = frand(lo, hi);
  return p;
}

static void make_data(const gcase *c, gdata *d) {
  const int64_t m = c->m, k = c->k, n = c->n;
  float wscale = 1.0f / sqrtf((float)k); /* keeps s of order 1 */
  d->a = randv(m * k, -1, 1);
  d->b = randv(k * n, -wscale, wscale);
  d->bias = c->flags & GC_BIAS ? randv(n, -0.5f, 0.5f) : NULL;
  d->skip = randv(m * n, -1, 1);
  d->gamma = randv(n, 0.5f, 1.5f);
  d->beta = c->flags & GC_BETA ? randv(n, -0.5f, 0.5f) : NULL;
  d->sbias = c->flags & GC_SKIP_BIAS ? randv(n, -0.5f, 0.5f) : NULL;
  d->in[0] = tensor(2, m, k, d->a);
  d->in[1] = tensor(2, k, n, d->b);
  d->in[2] = tensor(1, n, 0, d->bias);
  d->in[3] = tensor(2, m, n, d->skip);
  d->in[4] = tensor(1, n, 0, d->gamma);
  d->in[5] = tensor(1, n, 0, d->beta);
  d->in[6] = tensor(1, n, 0, d->sbias);
  d->n_in = d->sbias ? 7 : d->beta ? 6 : 5;
  d->n_out = c->flags & GC_SUM ? 2 : 1;
  d->y = malloc(sizeof(double) * (size_t)(m * n + 1));
  d->s = malloc(sizeof(double) * (size_t)(m * n + 1));
  d->tol_y = malloc(sizeof(double) * (size_t)(m * n + 1));
  d->tol_s = malloc(sizeof(double) * (size_t)(m * n + 1));
  for (int64_t i = 0; i < m; i++) {
    double *s = d->s + i * n, *ts = d->tol_s + i * n, e = 0, mean = 0;
    for (int64_t j = 0; j < n; j++) {
      double acc = 0, mag = 0;
      for (int64_t p = 0; p < k; p++) {
        double t = (double)d->a[i * k + p] * d->b[p * n + j];
        acc += t;
        mag += fabs(t);
      }
      double add[3] = {d->bias ? d->bias[j] : 0, d->sbias ? d->sbias[j] : 0, d->skip[i * n + j]};
      for (int q = 0; q < 3; q++) {
        acc += add[q];
        mag += fabs(add[q]);
      }
      s[j] = acc;
      ts[j] = (double)(k + 4) * U * mag;
      if (ts[j] > e) e = ts[j];
      mean += acc;
    }
    mean /= (double)n;
    double var = 0, dmax = 0;
    for (int64_t j = 0; j < n; j++) {
      var += (s[j] - mean) * (s[j] - mean);
      if (fabs(s[j] - mean) > dmax) dmax = fabs(s[j] - mean);
    }
    var /= (double)n;
    double rstd = 1.0 / sqrt(var + EPS);
    double dd = 2 * e + 2 * U * dmax;
    double drstd = (2 * dmax * dd + 2 * (double)n * U * var) / (2 * (var + EPS)) + 2 * U;
    for (int64_t j = 0; j < n; j++) {
      double y = (s[j] - mean) * rstd * d->gamma[j] + (d->beta ? d->beta[j] : 0);
      d->y[i * n + j] = y;
      d->tol_y[i * n + j] = fabs(d->gamma[j]) * (rstd * dd + dmax * rstd * drstd) +
                            4 * U * (fabs(y) + (d->beta ? fabs(d->beta[j]) : 0));
    }
  }
}

static void free_data(gdata *d) {
  float *f[] = {d->a, d->b, d->bias, d->skip, d->gamma, d->beta, d->sbias};
  for (size_t i = 0; i < TRT_ARRAY_LEN(f); i++) free(f[i]);
  free(d->y);
  free(d->s);
  free(d->tol_y);
  free(d->tol_s);
}

/* Checks n_out outputs against the exact values; returns the number of bad elements. */
static int check_out(const gcase *c, const gdata *d, float *const out[2], const char *what) {
  int bad = 0;
  for (int o = 0; o < d->n_out; o++) {
    const double *want = o ? d->s : d->y, *tol = o ? d->tol_s : d->tol_y;
    for (int64_t i = 0; i < c->m * c->n; i++) {
      double diff = fabs((double)out[o][i] - want[i]);
      if (!(diff <= tol[i]) && bad++ < 3)
        fprintf(stderr, "%s: output %d element %lld = %.9g, expected %.9g (tolerance %.3g)\n",
                what, o, (long long)i, out[o][i], want[i], tol[i]);
    }
  }
  return bad;
}

/* A graph holding the one node, with B, the biases, gamma and beta as constants. */
static int build_graph(trt_graph *g, const gcase *c, const gdata *d, bool b_const) {
  static const char *names[7] = {"A", "B", "bias", "skip", "gamma", "beta", "skip_bias"};
  trt_graph_init(g, NULL);
  int node = trt_graph_add_node(g, "GemmSkipLayerNorm", "tinyrt", "gemm_ln", d->n_in, d->n_out);
  if (node < 0) return -1;
  trt_node *n = &g->nodes[node];
  n->op = TRT_OP_GEMM_SKIP_LAYER_NORM;
  for (int i = 0; i < d->n_in; i++) {
    if (d->in[i].dtype == TINYRT_UNDEFINED) continue;
    int v = trt_graph_add_value(g, names[i], strlen(names[i]));
    if (v < 0) return -1;
    trt_value *val = &g->values[v];
    val->dtype = TINYRT_FLOAT;
    val->rank = d->in[i].rank;
    for (int r = 0; r < val->rank; r++) val->dims[r] = (trt_dim){d->in[i].dims[r], -1};
    bool is_const = i == 1 ? b_const : i != 0 && i != 3;
    val->kind = is_const ? TRT_VALUE_CONSTANT : TRT_VALUE_INPUT;
    if (is_const) val->constant = d->in[i];
    n->inputs[i] = v;
  }
  for (int o = 0; o < d->n_out; o++) {
    int v = trt_graph_add_value(g, o ? "sum" : "Y", o ? 3 : 1);
    if (v < 0) return -1;
    g->values[v].dtype = TINYRT_FLOAT;
    g->values[v].rank = 2;
    g->values[v].producer = node;
    n->outputs[o] = v;
  }
  trt_attr *at = trt_arena_alloc(&g->arena, sizeof *at);
  if (!at) return -1;
  memset(at, 0, sizeof *at);
  at->name = "epsilon";
  at->type = TRT_ATTR_FLOAT;
  at->f = EPS;
  n->attrs = at;
  n->n_attrs = 1;
  return node;
}

typedef struct pools {
  trt_threadpool *p[3]; /* 1 (NULL), 2 and 3 threads */
} pools;

/* The reference kernel, then the cpu EP's on each instruction set and thread count. */
static void check_kernels(const gcase *c, const gdata *d, trt_graph *g, int node, float *out[2],
                          float *first[2], const trt_alloc *al, const pools *pl) {
  size_t bytes = sizeof(float) * (size_t)(c->m * c->n + 1);
  trt_tensor outs[2];
  for (int o = 0; o < 2; o++) outs[o] = tensor(2, c->m, c->n, out[o]);
  char what[200];
  trt_kernel_ctx kc;
  memset(&kc, 0, sizeof kc);
  kc.node = &g->nodes[node];
  kc.opset = 1;
  tinyrt_error err = {0};
  snprintf(what, sizeof what, "ref M=%lld K=%lld N=%lld flags %u", (long long)c->m,
           (long long)c->k, (long long)c->n, c->flags);
  int rc = trt_op_get(TRT_OP_GEMM_SKIP_LAYER_NORM)->ref(&kc, d->in, d->n_in, outs, d->n_out, &err);
  CHECK_MSG(rc == TINYRT_OK && check_out(c, d, out, what) == 0, "%s %s", what, err.message);

  for (int i = 0; i < TRT_ISA_COUNT; i++) {
    trt_isa isa = (trt_isa)i;
    if (!trt_isa_supported(isa)) continue;
    tinyrt_options o;
    tinyrt_options_init(&o);
    o.cpu_isa = trt_isa_name(isa);
    trt_ep *ep = NULL;
    CHECK_EQ_INT(trt_ep_cpu_create(al, &o, &ep, &err), TINYRT_OK);
    if (!ep) continue;
    CHECK_MSG(ep->supports(ep, g, &g->nodes[node]), "cpu claims the node");
    trt_kernel kernel;
    void *state = NULL;
    rc = ep->bind(ep, g, &g->nodes[node], &kernel, &state, &err);
    CHECK_MSG(rc == TINYRT_OK, "bind: %s", err.message);
    for (int t = 0; t < 3 && rc == TINYRT_OK; t++) {
      snprintf(what, sizeof what, "cpu [%s] M=%lld K=%lld N=%lld flags %u, %d thread(s)",
               trt_isa_name(isa), (long long)c->m, (long long)c->k, (long long)c->n, c->flags,
               t + 1);
      for (int q = 0; q < 2; q++)
        for (int64_t e = 0; e < c->m * c->n; e++) out[q][e] = NAN;
      kc.state = state;
      kc.pool = pl->p[t];
      int r2 = kernel.run(&kc, d->in, d->n_in, outs, d->n_out, &err);
      CHECK_MSG(r2 == TINYRT_OK, "%s: %s", what, err.message);
      CHECK_MSG(check_out(c, d, out, what) == 0, "%s", what);
      for (int q = 0; q < d->n_out; q++) {
        if (t == 0)
          memcpy(first[q], out[q], bytes);
        else
          CHECK_MSG(memcmp(first[q], out[q], bytes) == 0, "%s: output %d differs from 1 thread",
                    what, q);
      }
    }
    if (state) ep->release(ep, state);
    ep->destroy(ep);
  }
}

static void run_case(const gcase *c, const trt_alloc *al, const pools *pl) {
  gdata d;
  make_data(c, &d);
  size_t bytes = sizeof(float) * (size_t)(c->m * c->n + 1);
  float *out[2] = {calloc(1, bytes), calloc(1, bytes)};
  float *first[2] = {calloc(1, bytes), calloc(1, bytes)};
  trt_graph g;
  int node = build_graph(&g, c, &d, true);
  CHECK(node >= 0);
  if (node >= 0) check_kernels(c, &d, &g, node, out, first, al, pl);
  trt_graph_free(&g);
  for (int q = 0; q < 2; q++) {
    free(out[q]);
    free(first[q]);
  }
  free_data(&d);
}

/* B computed at run time (not a constant): the cpu EP leaves the node to the reference. */
static void test_unclaimed(const trt_alloc *al) {
  gcase c = {4, 8, 8, GC_ALL};
  gdata d;
  make_data(&c, &d);
  trt_graph g;
  int node = build_graph(&g, &c, &d, false);
  trt_ep *ep = NULL;
  tinyrt_error err = {0};
  CHECK_EQ_INT(trt_ep_cpu_create(al, NULL, &ep, &err), TINYRT_OK);
  if (node >= 0 && ep) CHECK(!ep->supports(ep, &g, &g.nodes[node]));
  if (ep) ep->destroy(ep);
  trt_graph_free(&g);
  free_data(&d);
}

int main(void) {
  trt_alloc al;
  trt_alloc_init(&al, NULL);
  pools pl = {{NULL, NULL, NULL}};
  CHECK_EQ_INT(trt_threadpool_create(&al, 2, &pl.p[1], NULL), TINYRT_OK);
  CHECK_EQ_INT(trt_threadpool_create(&al, 3, &pl.p[2], NULL), TINYRT_OK);
  static const gcase cases[] = {
      {1, 1, 1, GC_ALL},           {7, 5, 3, GC_BIAS},      {13, 20, 12, GC_BETA | GC_SUM},
      {37, 64, 37, GC_SKIP_BIAS},  {25, 31, 9, 0},          {64, 128, 128, GC_BIAS | GC_BETA},
      {100, 512, 128, GC_ALL},     {33, 1100, 600, GC_BIAS | GC_BETA | GC_SKIP_BIAS},
      {0, 16, 8, GC_ALL},
  };
  for (size_t i = 0; i < TRT_ARRAY_LEN(cases); i++) run_case(&cases[i], &al, &pl);
  /* every combination of the optional parts on one shape with partial vectors and row blocks */
  for (unsigned f = 0; f < 16; f++) {
    gcase c = {19, 24, 21, f};
    run_case(&c, &al, &pl);
  }
  test_unclaimed(&al);
  trt_threadpool_destroy(pl.p[1]);
  trt_threadpool_destroy(pl.p[2]);
  return test_finish();
}
