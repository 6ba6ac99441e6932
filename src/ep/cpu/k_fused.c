/* The optimizer's fused ops on the CPU EP (semantics in src/ops/fused.c): GEMM with bias and
 * GELU epilogue, GELU variants, skip + LayerNorm, and self-attention that skips masked keys. */
#include <math.h>
#include <string.h>

#include "ep/cpu/cpu_ops.h"

/* Must match src/ops/fused.c: keys whose additive mask term is at or below this get weight 0. */
#define ATTN_SKIP_BELOW (-1e4f)

/* --- FusedGemm: act(A · B + bias), B and bias constant -------------------------------------- */

static int gemm_act(const trt_node *n) {
  const char *a = trt_attr_string(n, "activation", "none");
  if (!strcmp(a, "none")) return TRT_SGEMM_ACT_NONE;
  if (!strcmp(a, "gelu")) return TRT_SGEMM_ACT_GELU_ERF;
  if (!strcmp(a, "gelu_tanh")) return TRT_SGEMM_ACT_GELU_TANH;
  return -1;
}

static bool fused_gemm_supports(const trt_graph *g, const trt_node *n) {
  const trt_tensor *b = cpu_const(g, n->inputs[1]);
  bool bias_ok = n->n_inputs < 3 || n->inputs[2] < 0 || cpu_const(g, n->inputs[2]);
  return cpu_all_float(g, n) && b && b->rank == 2 && bias_ok && gemm_act(n) >= 0;
}

static int fused_gemm_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                          int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  int64_t kd = st->packed.k, m = (int64_t)(trt_tensor_numel(&in[0]) / (size_t)kd);
  trt_sgemm_epilogue ep = {1.0f, st->bias, (trt_sgemm_act)st->act, NULL, 0};
  return trt_sgemm_packed_run(k->pool, m, in[0].data, kd, &st->packed, out[0].data, st->packed.n,
                              &ep, err);
}

static int fused_gemm_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                           cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  st->act = gemm_act(n);
  kernel->run = fused_gemm_run;
  const trt_tensor *bias = n->n_inputs > 2 ? cpu_const(g, n->inputs[2]) : NULL;
  return cpu_pack_b(cpu, st, cpu_const(g, n->inputs[1]), false, bias, 1.0f, err);
}

/* --- Gelu, FastGelu, BiasGelu: y = gelu(x (+ bias)) ----------------------------------------- */

typedef struct gelu_job {
  const trt_vmath *vm;
  const float *x, *bias;
  float *y;
  int64_t width;
  bool tanh_form;
} gelu_job;

static void gelu_rows(void *ctx, int64_t first, int64_t count) {
  const gelu_job *j = ctx;
  for (int64_t r = first; r < first + count; r++) {
    const float *x = j->x + r * j->width;
    float *y = j->y + r * j->width;
    const float *src = x;
    if (j->bias) {
      for (int64_t i = 0; i < j->width; i++) y[i] = x[i] + j->bias[i];
      src = y;
    }
    (j->tanh_form ? j->vm->gelu_tanh : j->vm->gelu_erf)(src, y, j->width);
  }
}

static bool gelu_supports(const trt_graph *g, const trt_node *n) { return cpu_all_float(g, n); }

static int gelu_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,
                    tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  const trt_tensor *x = &in[0];
  bool has_bias = n_in > 1 && in[1].dtype != TINYRT_UNDEFINED;
  int64_t width = x->rank ? x->dims[x->rank - 1] : 1;
  int64_t numel = (int64_t)trt_tensor_numel(x);
  if (!has_bias) { /* one long row: no per-row bookkeeping */
    width = numel;
  }
  if (width == 0) return TINYRT_OK;
  gelu_job j = {st->cpu->vm, x->data, has_bias ? in[1].data : NULL, out[0].data, width,
                k->node->op == TRT_OP_FAST_GELU};
  if (!has_bias && numel > 4096) {
    /* split a long row into blocks so threads can share it */
    j.width = 1024;
    int64_t blocks = numel / 1024;
    cpu_parallel_rows(k->pool, blocks, 8, gelu_rows, &j);
    if (numel % 1024) {
      gelu_job tail = j;
      tail.x += blocks * 1024;
      tail.y += blocks * 1024;
      tail.width = numel % 1024;
      gelu_rows(&tail, 0, 1);
    }
    return TINYRT_OK;
  }
  cpu_parallel_rows(k->pool, numel / width, 16, gelu_rows, &j);
  return TINYRT_OK;
}

static int gelu_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                     cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  kernel->run = gelu_run;
  return TINYRT_OK;
}

/* --- SkipLayerNormalization: s = x + skip (+ bias); y = LN(s) · gamma (+ beta) -------------- */

typedef struct skip_ln_job {
  const float *x, *skip, *gamma, *beta, *bias;
  float *y, *sum;
  int64_t width;
  float eps;
} skip_ln_job;

static void skip_ln_rows(void *ctx, int64_t first, int64_t count) {
  const skip_ln_job *j = ctx;
  int64_t w = j->width;
  for (int64_t r = first; r < first + count; r++) {
    const float *x = j->x + r * w, *s = j->skip + r * w;
    float *y = j->y + r * w;
    /* the same association as the reference: (x + bias) + skip */
    if (j->bias)
      for (int64_t i = 0; i < w; i++) y[i] = (x[i] + j->bias[i]) + s[i];
    else
      for (int64_t i = 0; i < w; i++) y[i] = x[i] + s[i];
    if (j->sum) memcpy(j->sum + r * w, y, sizeof(float) * (size_t)w);
    float mean, rstd;
    cpu_row_stats(y, w, j->eps, &mean, &rstd);
    int64_t i;
    if (j->beta)
      for (i = 0; i < w; i++) y[i] = (y[i] - mean) * rstd * j->gamma[i] + j->beta[i];
    else
      for (i = 0; i < w; i++) y[i] = (y[i] - mean) * rstd * j->gamma[i];
  }
}

static bool skip_ln_supports(const trt_graph *g, const trt_node *n) {
  /* the mean and inverse-std outputs (1, 2) are not produced by this kernel */
  for (int k = 1; k < n->n_outputs && k < 3; k++)
    if (n->outputs[k] >= 0) return false;
  return cpu_all_float(g, n);
}

static int skip_ln_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                       int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  const trt_tensor *x = &in[0];
  int64_t w = x->rank ? x->dims[x->rank - 1] : 1;
  if (w == 0) return TINYRT_OK;
  skip_ln_job j = {x->data,
                   in[1].data,
                   in[2].data,
                   n_in > 3 && in[3].dtype != TINYRT_UNDEFINED ? in[3].data : NULL,
                   n_in > 4 && in[4].dtype != TINYRT_UNDEFINED ? in[4].data : NULL,
                   out[0].data,
                   n_out > 3 && out[3].dtype != TINYRT_UNDEFINED ? out[3].data : NULL,
                   w,
                   st->f0};
  cpu_parallel_rows(k->pool, (int64_t)trt_tensor_numel(x) / w, 16, skip_ln_rows, &j);
  return TINYRT_OK;
}

static int skip_ln_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                        cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  st->f0 = trt_attr_float(n, "epsilon", 1e-12f);
  kernel->run = skip_ln_run;
  return TINYRT_OK;
}

/* --- Attention ------------------------------------------------------------------------------ *
 * qkv = X · W + bias with the packed-weight GEMM; then for each (batch row, head, block of query
 * rows) a task computes scores = Q · Kᵀ over the kept keys only, their softmax, and P · V, with
 * single-threaded GEMMs on per-thread scratch. Tasks are fixed by the shapes, not by the thread
 * count, so results do not depend on it. */

#define ATTN_QBLOCK 128

typedef struct attn_geom {
  int64_t batch, seq, in_hidden, hidden, heads, head;
} attn_geom;

static void attn_geometry(const cpu_node_state *st, const trt_tensor *x, attn_geom *g) {
  g->batch = x->dims[0];
  g->seq = x->dims[1];
  g->in_hidden = x->dims[2];
  g->hidden = st->packed.n / 3;
  g->heads = st->i0;
  g->head = g->hidden / g->heads;
}

/* Scratch: qkv [B·S, 3H], kept-key lists [B·S] (int32) + counts [B] + additive terms [B·S], and
 * per thread: scores [QBLOCK, S], compacted K and V [S, head] each, GEMM packing space. */
static size_t attn_thread_bytes(const cpu_node_state *st, const attn_geom *g) {
  size_t gemm = TRT_MAX(trt_sgemm_scratch_size(st->cpu->isa, g->head, g->seq, true),
                        trt_sgemm_scratch_size(st->cpu->isa, g->seq, g->head, false));
  size_t floats = (size_t)ATTN_QBLOCK * (size_t)g->seq + 2 * (size_t)g->seq * (size_t)g->head;
  return ((floats * sizeof(float) + 63) & ~(size_t)63) + ((gemm + 63) & ~(size_t)63);
}

/* The shared part of the scratch: qkv rows, then the per-batch-row key lists. */
typedef struct attn_lists {
  float *qkv;        /* [rows, 3H] */
  int32_t *kept;     /* [B, S]: kept keys of each batch row */
  float *add;        /* [B, S]: their additive mask terms */
  int32_t *n_kept;   /* [B] */
  int64_t *row_off;  /* [B]: first row of each batch row in qkv and the output */
  int64_t *q_len;    /* [B]: query rows of each batch row */
  bool *prefix;      /* [B]: kept keys are exactly 0 .. n_kept-1 */
} attn_lists;

static size_t attn_shared_bytes(const attn_geom *g) {
  size_t bs = (size_t)(g->batch * g->seq), b = (size_t)g->batch;
  size_t qkv = bs * 3 * (size_t)g->hidden * sizeof(float);
  size_t lists = 2 * b * sizeof(int64_t) + bs * (sizeof(int32_t) + sizeof(float)) +
                 b * (sizeof(int32_t) + sizeof(bool));
  return ((qkv + 63) & ~(size_t)63) + ((lists + 63) & ~(size_t)63);
}

static attn_lists attn_layout(char *mem, const attn_geom *g) {
  size_t bs = (size_t)(g->batch * g->seq), b = (size_t)g->batch;
  attn_lists l;
  l.qkv = (float *)mem;
  char *p = mem + ((bs * 3 * (size_t)g->hidden * sizeof(float) + 63) & ~(size_t)63);
  l.row_off = (int64_t *)p;
  l.q_len = l.row_off + b;
  l.kept = (int32_t *)(l.q_len + b);
  l.add = (float *)(l.kept + bs);
  l.n_kept = (int32_t *)(l.add + bs);
  l.prefix = (bool *)(l.n_kept + b);
  return l;
}

static size_t attn_scratch(const trt_kernel_ctx *k, const trt_tensor *in, int n_in,
                           const trt_tensor *out, int n_out) {
  const cpu_node_state *st = k->state;
  if (in[0].rank != 3) return 0;
  attn_geom g;
  attn_geometry(st, &in[0], &g);
  return attn_shared_bytes(&g) + (size_t)trt_threadpool_size(k->pool) * attn_thread_bytes(st, &g);
}

static float mask_value(const trt_tensor *m, size_t i);

/* The additive mask term of key i, as the exported graph computes it (see src/ops/fused.c). */
static float mask_term(const trt_tensor *m, size_t i, bool where, float filter) {
  float inv = 1.0f - mask_value(m, i);
  return where ? (inv != 0.0f ? filter : inv) : inv * filter;
}

static float mask_value(const trt_tensor *m, size_t i) {
  switch (m->dtype) {
    case TINYRT_FLOAT: return ((const float *)m->data)[i];
    case TINYRT_INT64: return (float)((const int64_t *)m->data)[i];
    default: return (float)((const int32_t *)m->data)[i];
  }
}

typedef struct attn_job {
  const cpu_node_state *st;
  attn_geom g;
  const float *qkv;
  const int64_t *row_off; /* per batch row: its first row in qkv and y */
  const int64_t *q_len;   /* per batch row: its query rows */
  const int32_t *kept;   /* per batch row: indices of kept keys, at kept + b·S */
  const int32_t *n_kept; /* per batch row */
  const float *add;      /* per batch row: additive term of each kept key (in kept order) */
  bool any_add;          /* some kept key has a non-zero additive term */
  bool *prefix;          /* per batch row: kept keys are exactly 0..n_kept-1 */
  float *y;
  char *thread_mem;
  size_t thread_bytes;
  float scale;
  int64_t qblocks;
  int rc;
} attn_job;

static void attn_task(void *ctx, int64_t task, int thread) {
  attn_job *j = ctx;
  const attn_geom *g = &j->g;
  int64_t qb = task % j->qblocks, rest = task / j->qblocks;
  int64_t h = rest % g->heads, b = rest / g->heads;
  int64_t q0 = qb * ATTN_QBLOCK, rows = TRT_MIN((int64_t)ATTN_QBLOCK, j->q_len[b] - q0);
  int64_t S = g->seq, d = g->head, H = g->hidden, ld = 3 * H;
  if (rows <= 0) return;
  int64_t L = j->n_kept[b];
  const int32_t *kept = j->kept + b * S;
  char *mem = j->thread_mem + (size_t)thread * j->thread_bytes;
  float *scores = (float *)mem;
  float *kc = scores + ATTN_QBLOCK * S, *vc = kc + S * d;
  size_t floats_bytes = (((size_t)ATTN_QBLOCK * S + 2 * (size_t)S * d) * sizeof(float) + 63) &
                        ~(size_t)63;
  void *gemm_scratch = mem + floats_bytes;
  size_t gemm_bytes = j->thread_bytes - floats_bytes;

  const float *base = j->qkv + j->row_off[b] * ld;
  const float *q = base + q0 * ld + h * d;
  const float *kmat = base + H + h * d, *vmat = base + 2 * H + h * d;
  int64_t kld = ld;
  if (!j->prefix[b]) { /* gather the kept keys' rows so the GEMMs see them contiguous */
    for (int64_t t = 0; t < L; t++) {
      memcpy(kc + t * d, kmat + (int64_t)kept[t] * ld, sizeof(float) * (size_t)d);
      memcpy(vc + t * d, vmat + (int64_t)kept[t] * ld, sizeof(float) * (size_t)d);
    }
    kmat = kc;
    vmat = vc;
    kld = d;
  }
  trt_isa isa = j->st->cpu->isa;
  trt_sgemm_epilogue scale_ep = {j->scale, NULL, TRT_SGEMM_ACT_NONE, NULL, 0};
  tinyrt_error err = {0};
  int rc = trt_sgemm(NULL, isa, rows, L, d, q, ld, kmat, kld, true, scores, L, &scale_ep,
                     gemm_scratch, gemm_bytes, &err);
  if (rc == TINYRT_OK) {
    const float *add = j->add + b * S;
    for (int64_t i = 0; i < rows; i++) {
      float *row = scores + i * L;
      if (j->any_add)
        for (int64_t t = 0; t < L; t++) row[t] += add[t];
      j->st->cpu->vm->softmax(row, row, L);
    }
    rc = trt_sgemm(NULL, isa, rows, d, L, scores, L, vmat, kld, false,
                   j->y + (j->row_off[b] + q0) * H + h * d, H, NULL, gemm_scratch, gemm_bytes, &err);
  }
  if (rc) j->rc = rc; /* reported after the join; all tasks write distinct outputs */
}

static bool attn_supports(const trt_graph *g, const trt_node *n) {
  const trt_tensor *w = cpu_const(g, n->inputs[1]);
  if (!w || w->rank != 2 || w->dims[1] % 3) return false;
  if (n->n_inputs > 2 && n->inputs[2] >= 0 && !cpu_const(g, n->inputs[2])) return false;
  if (!cpu_is_float(g, n->inputs[0]) || !cpu_is_float(g, n->outputs[0])) return false;
  int64_t heads = trt_attr_int(n, "num_heads", 0);
  return heads >= 1 && (w->dims[1] / 3) % heads == 0;
}

/* Runs the (batch row, head, query block) tasks over lists filled by the caller. */
static int attn_dispatch(trt_kernel_ctx *k, const attn_geom *g, const attn_lists *l, bool any_add,
                         float *y, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  attn_job j = {st, *g, l->qkv, l->row_off, l->q_len, l->kept, l->n_kept, l->add, any_add,
                l->prefix, y, (char *)k->scratch + attn_shared_bytes(g), attn_thread_bytes(st, g),
                st->f0, (g->seq + ATTN_QBLOCK - 1) / ATTN_QBLOCK, TINYRT_OK};
  int64_t tasks = g->batch * g->heads * j.qblocks;
  if (tasks > 0) trt_parallel_for(k->pool, tasks, attn_task, &j);
  return j.rc ? trt_error(err, j.rc, "attention GEMM failed") : TINYRT_OK;
}

static int attn_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                    int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  const trt_tensor *x = &in[0];
  const trt_tensor *mask = n_in > 3 && in[3].dtype != TINYRT_UNDEFINED ? &in[3] : NULL;
  if (x->rank != 3 || x->dims[2] != st->packed.k)
    return trt_error(err, TINYRT_ERR_SHAPE, "input must be [batch, seq, %lld]",
                     (long long)st->packed.k);
  attn_geom g;
  attn_geometry(st, x, &g);
  if (mask && (mask->rank != 2 || mask->dims[0] != g.batch || mask->dims[1] != g.seq))
    return trt_error(err, TINYRT_ERR_SHAPE, "mask must be [%lld, %lld]", (long long)g.batch,
                     (long long)g.seq);
  size_t need = attn_scratch(k, in, n_in, out, n_out);
  if (k->scratch_size < need)
    return trt_error(err, TINYRT_ERR_INTERNAL, "attention scratch: %zu bytes, %zu needed",
                     k->scratch_size, need);
  attn_lists l = attn_layout(k->scratch, &g);
  trt_sgemm_epilogue bias_ep = {1.0f, st->bias, TRT_SGEMM_ACT_NONE, NULL, 0};
  int rc = trt_sgemm_packed_run(k->pool, g.batch * g.seq, x->data, g.in_hidden, &st->packed,
                                l.qkv, 3 * g.hidden, &bias_ep, err);
  if (rc) return rc;
  /* which keys each batch row keeps, and their additive mask terms */
  bool any_add = false, where = st->i1 != 0;
  float filter = st->f1;
  for (int64_t b = 0; b < g.batch; b++) {
    int32_t *kept = l.kept + b * g.seq;
    float *add = l.add + b * g.seq;
    int32_t n = 0;
    for (int64_t j = 0; j < g.seq; j++) {
      float a = mask ? mask_term(mask, (size_t)(b * g.seq + j), where, filter) : 0.0f;
      if (a <= ATTN_SKIP_BELOW) continue;
      kept[n] = (int32_t)j;
      add[n] = a;
      any_add |= a != 0.0f;
      n++;
    }
    if (n == 0) { /* no key without mask: every key, as the unfused softmax has it */
      for (int64_t j = 0; j < g.seq; j++) {
        kept[j] = (int32_t)j;
        add[j] = mask_term(mask, (size_t)(b * g.seq + j), where, filter);
        any_add |= add[j] != 0.0f;
      }
      n = (int32_t)g.seq;
    }
    l.n_kept[b] = n;
    l.row_off[b] = b * g.seq;
    l.q_len[b] = g.seq;
    l.prefix[b] = true;
    for (int32_t t = 0; t < n; t++) l.prefix[b] &= kept[t] == t;
  }
  return attn_dispatch(k, &g, &l, any_add, out[0].data, err);
}

/* PackedAttention: x [T, Hin] holds the real tokens of each sequence, one after the other. */
static size_t packed_attn_scratch(const trt_kernel_ctx *k, const trt_tensor *in, int n_in,
                                  const trt_tensor *out, int n_out) {
  const cpu_node_state *st = k->state;
  if (in[0].rank != 2 || n_in < 4 || in[3].rank != 2) return 0;
  attn_geom g = {in[3].dims[0], in[3].dims[1], in[0].dims[1], st->packed.n / 3, st->i0,
                 st->packed.n / 3 / st->i0};
  return attn_shared_bytes(&g) + (size_t)trt_threadpool_size(k->pool) * attn_thread_bytes(st, &g);
}

static int packed_attn_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                           int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  const trt_tensor *x = &in[0], *mask = &in[3];
  if (x->rank != 2 || x->dims[1] != st->packed.k || mask->rank != 2)
    return trt_error(err, TINYRT_ERR_SHAPE, "input must be [tokens, %lld] with a [B, S] mask",
                     (long long)st->packed.k);
  attn_geom g = {mask->dims[0], mask->dims[1], x->dims[1], st->packed.n / 3, st->i0,
                 st->packed.n / 3 / st->i0};
  if (k->scratch_size < packed_attn_scratch(k, in, n_in, out, n_out))
    return trt_error(err, TINYRT_ERR_INTERNAL, "packed attention scratch too small");
  attn_lists l = attn_layout(k->scratch, &g);
  int64_t tokens = 0;
  for (int64_t b = 0; b < g.batch; b++) {
    int64_t len = 0;
    for (int64_t j = 0; j < g.seq; j++) {
      int64_t v = trt_tensor_get_int(mask, (size_t)(b * g.seq + j));
      if (v != 0 && v != 1)
        return trt_error(err, TINYRT_ERR_ARGUMENT, "padding removal needs a 0/1 mask, got %lld",
                         (long long)v);
      len += v;
    }
    l.row_off[b] = tokens;
    l.q_len[b] = len;
    l.n_kept[b] = (int32_t)len;
    l.prefix[b] = true;
    tokens += len;
  }
  if (tokens != x->dims[0])
    return trt_error(err, TINYRT_ERR_SHAPE, "mask has %lld ones, the input %lld tokens",
                     (long long)tokens, (long long)x->dims[0]);
  trt_sgemm_epilogue bias_ep = {1.0f, st->bias, TRT_SGEMM_ACT_NONE, NULL, 0};
  int rc = trt_sgemm_packed_run(k->pool, tokens, x->data, g.in_hidden, &st->packed, l.qkv,
                                3 * g.hidden, &bias_ep, err);
  if (rc) return rc;
  return attn_dispatch(k, &g, &l, false, out[0].data, err);
}

static int attn_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                     cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  const trt_tensor *w = cpu_const(g, n->inputs[1]);
  const trt_tensor *bias = n->n_inputs > 2 ? cpu_const(g, n->inputs[2]) : NULL;
  st->i0 = trt_attr_int(n, "num_heads", 1);
  int64_t head = w->dims[1] / 3 / st->i0;
  st->f0 = trt_attr_float(n, "scale", 1.0f / sqrtf((float)head));
  st->f1 = trt_attr_float(n, "mask_filter_value", -10000.0f);
  st->i1 = trt_attr_int(n, "mask_where", 0);
  kernel->run = attn_run;
  kernel->scratch = attn_scratch;
  return cpu_pack_b(cpu, st, w, false, bias, 1.0f, err);
}

static bool packed_attn_supports(const trt_graph *g, const trt_node *n) {
  return attn_supports(g, n);
}

static int packed_attn_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                            cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  int rc = attn_bind(cpu, g, n, st, kernel, err);
  kernel->run = packed_attn_run;
  kernel->scratch = packed_attn_scratch;
  return rc;
}

const cpu_op cpu_ops_fused[] = {
    {TRT_OP_FUSED_GEMM, fused_gemm_supports, fused_gemm_bind},
    {TRT_OP_GELU, gelu_supports, gelu_bind},
    {TRT_OP_FAST_GELU, gelu_supports, gelu_bind},
    {TRT_OP_BIAS_GELU, gelu_supports, gelu_bind},
    {TRT_OP_SKIP_LAYER_NORM, skip_ln_supports, skip_ln_bind},
    {TRT_OP_ATTENTION, attn_supports, attn_bind},
    {TRT_OP_PACKED_ATTENTION, packed_attn_supports, packed_attn_bind},
};
const int cpu_ops_fused_count = (int)TRT_ARRAY_LEN(cpu_ops_fused);
