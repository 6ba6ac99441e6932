/* Self-attention on the CPU EP (semantics in src/ops/fused.c): Attention over a padded batch
 * [B, S, Hin] and PackedAttention over the real tokens only [T, Hin].
 *
 * qkv = X · W + bias with the packed-weight GEMM; for each (batch row, head) the kept keys' K
 * and V rows are packed once into the GEMM's panel layout; then for each block of query rows,
 * scores = Q · Kᵀ over the kept keys only, their softmax, and P · V, with single-threaded GEMMs.
 *
 * Two schedules, the same arithmetic (so the same results, whatever the thread count):
 *   by sequence  (batch >= 2 x threads): one task per batch row projects that row's tokens into
 *                a per-thread qkv buffer and does all its heads. The row's qkv (S x 3H floats)
 *                stays in L2 between the projection and its use, where a whole-batch qkv
 *                buffer (6 MB at B=32, S=128) would be written to and read back from memory.
 *   by head      (small batches, where there are too few rows to share out): the projection
 *                runs over all rows with the pool; then tasks over (batch row, head) pack K and
 *                V, and tasks over (batch row, head, query block) compute, so that a single
 *                long sequence still spreads over the threads. */
#include <math.h>
#include <string.h>

#include "ep/cpu/cpu_ops.h"

/* Must match src/ops/fused.c: keys whose additive mask term is at or below this get weight 0. */
#define ATTN_SKIP_BELOW (-1e4f)
#define ATTN_QBLOCK 128

typedef struct attn_geom {
  int64_t batch, seq, in_hidden, hidden, heads, head;
} attn_geom;

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

static bool by_sequence(const attn_geom *g, int threads) { return g->batch >= 2 * threads; }

/* Packed K (as the B of Q · Kᵀ: head x S) and V (as the B of P · V: S x head) of one head. */
static size_t kv_k_bytes(trt_isa isa, const attn_geom *g) {
  return align64(trt_sgemm_packed_size(isa, g->head, g->seq));
}
static size_t kv_bytes(trt_isa isa, const attn_geom *g) {
  return kv_k_bytes(isa, g) + align64(trt_sgemm_packed_size(isa, g->seq, g->head));
}

/* Which keys each batch row keeps (the shared part of the scratch, after any shared qkv). */
typedef struct attn_lists {
  int32_t *kept;     /* [B, S]: kept keys of each batch row */
  float *add;        /* [B, S]: their additive mask terms */
  int32_t *n_kept;   /* [B] */
  int64_t *row_off;  /* [B]: first row of each batch row in X and Y */
  int64_t *q_len;    /* [B]: query rows of each batch row */
  bool *prefix;      /* [B]: kept keys are exactly 0 .. n_kept-1 */
} attn_lists;

static size_t lists_bytes(const attn_geom *g) {
  size_t bs = (size_t)(g->batch * g->seq), b = (size_t)g->batch;
  return align64(2 * b * sizeof(int64_t) + bs * (sizeof(int32_t) + sizeof(float)) +
                 b * (sizeof(int32_t) + sizeof(bool)));
}

static attn_lists lists_at(char *p, const attn_geom *g) {
  size_t bs = (size_t)(g->batch * g->seq), b = (size_t)g->batch;
  attn_lists l;
  l.row_off = (int64_t *)p;
  l.q_len = l.row_off + b;
  l.kept = (int32_t *)(l.q_len + b);
  l.add = (float *)(l.kept + bs);
  l.n_kept = (int32_t *)(l.add + bs);
  l.prefix = (bool *)(l.n_kept + b);
  return l;
}

/* Scratch layout:
 *   shared:      [qkv of all rows, by head only] [lists] [packed K, V per (row, head), by head]
 *   per thread:  [qkv of one row, by sequence only] [scores QBLOCK x S] [gathered K, V rows
 *                S x head each] [packed K, V of one head, by sequence only] */
typedef struct attn_layout {
  bool by_seq;
  size_t qkv_all, lists, kv_all;  /* shared parts */
  size_t qkv_one, work, kv_one;   /* per-thread parts */
} attn_layout;

static attn_layout layout_for(trt_isa isa, const attn_geom *g, int threads) {
  attn_layout L;
  L.by_seq = by_sequence(g, threads);
  size_t qkv_row = 3 * (size_t)g->hidden * sizeof(float);
  L.qkv_all = L.by_seq ? 0 : align64((size_t)(g->batch * g->seq) * qkv_row);
  L.lists = lists_bytes(g);
  L.kv_all = L.by_seq ? 0 : (size_t)(g->batch * g->heads) * kv_bytes(isa, g);
  L.qkv_one = L.by_seq ? align64((size_t)g->seq * qkv_row) : 0;
  L.work = align64(((size_t)ATTN_QBLOCK * (size_t)g->seq + 2 * (size_t)g->seq * (size_t)g->head) *
                   sizeof(float));
  L.kv_one = L.by_seq ? kv_bytes(isa, g) : 0;
  return L;
}

static size_t layout_shared(const attn_layout *L) { return L->qkv_all + L->lists + L->kv_all; }
static size_t layout_thread(const attn_layout *L) { return L->qkv_one + L->work + L->kv_one; }

typedef struct attn_job {
  const cpu_node_state *st;
  attn_geom g;
  attn_layout lay;
  const float *x;         /* the input rows, in_hidden wide */
  attn_lists l;
  bool any_add;           /* some kept key has a non-zero additive term */
  float *qkv;             /* by head: all rows' qkv */
  char *kv;               /* by head: packed K and V per (batch row, head) */
  char *thread_mem;
  float *y;
  int64_t qblocks;
  int rc;
} attn_job;

static char *thread_area(const attn_job *j, int thread) {
  return j->thread_mem + (size_t)thread * layout_thread(&j->lay);
}

/* Packs head h of batch row b: base is the row's qkv (3H floats per token). */
static int pack_head(const attn_job *j, int64_t b, int64_t h, const float *base, float *gather,
                     char *mem, trt_sgemm_packed *kp, trt_sgemm_packed *vp, tinyrt_error *err) {
  const attn_geom *g = &j->g;
  int64_t d = g->head, H = g->hidden, ld = 3 * H, L = j->l.n_kept[b];
  const float *kmat = base + H + h * d, *vmat = base + 2 * H + h * d;
  int64_t kld = ld;
  if (!j->l.prefix[b]) { /* gather the kept keys' rows first so that packing reads them in order */
    const int32_t *kept = j->l.kept + b * g->seq;
    float *kc = gather, *vc = gather + g->seq * d;
    for (int64_t t = 0; t < L; t++) {
      memcpy(kc + t * d, kmat + (int64_t)kept[t] * ld, sizeof(float) * (size_t)d);
      memcpy(vc + t * d, vmat + (int64_t)kept[t] * ld, sizeof(float) * (size_t)d);
    }
    kmat = kc;
    vmat = vc;
    kld = d;
  }
  trt_isa isa = j->st->cpu->isa;
  size_t kb = kv_k_bytes(isa, g);
  /* Kᵀ as B: logical [head, L], stored as the rows of K ([L, head]) */
  int rc = trt_sgemm_pack(isa, kmat, kld, true, d, L, mem, kb, kp, err);
  if (rc) return rc;
  return trt_sgemm_pack(isa, vmat, kld, false, L, d, mem + kb, kv_bytes(isa, g) - kb, vp, err);
}

/* Query rows [q0, q0 + rows) of head h of batch row b (base: the row's qkv). */
static int query_block(const attn_job *j, int64_t b, int64_t h, const float *base, int64_t q0,
                       int64_t rows, const trt_sgemm_packed *kp, const trt_sgemm_packed *vp,
                       float *scores, tinyrt_error *err) {
  const attn_geom *g = &j->g;
  int64_t d = g->head, H = g->hidden, ld = 3 * H, L = j->l.n_kept[b];
  trt_sgemm_epilogue scale_ep = {j->st->f0, NULL, TRT_SGEMM_ACT_NONE, NULL, 0};
  int rc = trt_sgemm_packed_run(NULL, rows, base + q0 * ld + h * d, ld, kp, scores, L, &scale_ep,
                                err);
  if (rc) return rc;
  const float *add = j->l.add + b * g->seq;
  for (int64_t i = 0; i < rows; i++) {
    float *row = scores + i * L;
    if (j->any_add)
      for (int64_t t = 0; t < L; t++) row[t] += add[t];
    j->st->cpu->vm->softmax(row, row, L);
  }
  return trt_sgemm_packed_run(NULL, rows, scores, L, vp, j->y + (j->l.row_off[b] + q0) * H + h * d,
                              H, NULL, err);
}

/* By sequence: everything for batch row `task`. */
static void seq_task(void *ctx, int64_t task, int thread) {
  attn_job *j = ctx;
  const attn_geom *g = &j->g;
  int64_t b = task, rows = j->l.q_len[b];
  if (rows <= 0) return;
  char *mem = thread_area(j, thread);
  float *qkv = (float *)mem, *scores = (float *)(mem + j->lay.qkv_one);
  float *gather = scores + ATTN_QBLOCK * g->seq;
  char *kv = mem + j->lay.qkv_one + j->lay.work;
  const cpu_node_state *st = j->st;
  trt_sgemm_epilogue bias_ep = {1.0f, st->bias, TRT_SGEMM_ACT_NONE, NULL, 0};
  tinyrt_error err = {0};
  int rc = trt_sgemm_packed_run(NULL, rows, j->x + j->l.row_off[b] * g->in_hidden, g->in_hidden,
                                &st->packed, qkv, 3 * g->hidden, &bias_ep, &err);
  for (int64_t h = 0; h < g->heads && rc == TINYRT_OK; h++) {
    trt_sgemm_packed kp, vp;
    rc = pack_head(j, b, h, qkv, gather, kv, &kp, &vp, &err);
    for (int64_t q0 = 0; q0 < rows && rc == TINYRT_OK; q0 += ATTN_QBLOCK)
      rc = query_block(j, b, h, qkv, q0, TRT_MIN((int64_t)ATTN_QBLOCK, rows - q0), &kp, &vp,
                       scores, &err);
  }
  if (rc) j->rc = rc; /* reported after the join; all tasks write distinct outputs */
}

/* By head: the packed K and V of (batch row, head) `task` live in the shared area. */
static char *head_kv(const attn_job *j, int64_t b, int64_t h) {
  return j->kv + (size_t)(b * j->g.heads + h) * kv_bytes(j->st->cpu->isa, &j->g);
}

/* Packs (batch row, head) `task` into the shared area; returns the result code. */
static int pack_one(attn_job *j, int64_t task, int thread) {
  int64_t h = task % j->g.heads, b = task / j->g.heads;
  float *gather = (float *)(thread_area(j, thread) + j->lay.qkv_one) + ATTN_QBLOCK * j->g.seq;
  trt_sgemm_packed kp, vp;
  tinyrt_error err = {0};
  return pack_head(j, b, h, j->qkv + j->l.row_off[b] * 3 * j->g.hidden, gather, head_kv(j, b, h),
                   &kp, &vp, &err);
}

static void pack_task(void *ctx, int64_t task, int thread) {
  attn_job *j = ctx;
  int rc = pack_one(j, task, thread);
  if (rc) j->rc = rc;
}

static void head_task(void *ctx, int64_t task, int thread) {
  attn_job *j = ctx;
  const attn_geom *g = &j->g;
  int64_t qb = task % j->qblocks, rest = task / j->qblocks;
  int64_t h = rest % g->heads, b = rest / g->heads;
  int64_t q0 = qb * ATTN_QBLOCK, rows = TRT_MIN((int64_t)ATTN_QBLOCK, j->l.q_len[b] - q0);
  if (rows <= 0) return;
  /* the descriptors of what pack_task stored (trt_sgemm_pack fills nothing else) */
  trt_isa isa = j->st->cpu->isa;
  const char *kv = head_kv(j, b, h);
  trt_sgemm_packed kp = {isa, g->head, j->l.n_kept[b], (const float *)kv};
  trt_sgemm_packed vp = {isa, j->l.n_kept[b], g->head, (const float *)(kv + kv_k_bytes(isa, g))};
  float *scores = (float *)(thread_area(j, thread) + j->lay.qkv_one);
  tinyrt_error err = {0};
  int rc = query_block(j, b, h, j->qkv + j->l.row_off[b] * 3 * g->hidden, q0, rows, &kp, &vp,
                       scores, &err);
  if (rc) j->rc = rc;
}

/* By head, when a head's queries are a single block (sequences up to ATTN_QBLOCK): the task that
 * packs (batch row, head) `task` also computes it, which saves a join between the threads. */
static void head_whole_task(void *ctx, int64_t task, int thread) {
  attn_job *j = ctx;
  int rc = pack_one(j, task, thread);
  if (rc) {
    j->rc = rc;
    return;
  }
  head_task(ctx, task, thread); /* with one query block, head_task's task is (b, h) too */
}

static size_t scratch_for(const cpu_node_state *st, const attn_geom *g, int threads) {
  attn_layout L = layout_for(st->cpu->isa, g, threads);
  return layout_shared(&L) + (size_t)threads * layout_thread(&L);
}

/* Runs the schedule over lists filled by the caller (in the scratch, after any shared qkv). */
static int attn_dispatch(trt_kernel_ctx *k, const attn_geom *g, const float *x, bool any_add,
                         float *y, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  int threads = trt_threadpool_size(k->pool);
  attn_job j;
  memset(&j, 0, sizeof j);
  j.st = st;
  j.g = *g;
  j.lay = layout_for(st->cpu->isa, g, threads);
  j.x = x;
  j.any_add = any_add;
  char *mem = k->scratch;
  j.qkv = (float *)mem;
  j.l = lists_at(mem + j.lay.qkv_all, g);
  j.kv = mem + j.lay.qkv_all + j.lay.lists;
  j.thread_mem = mem + layout_shared(&j.lay);
  j.y = y;
  j.qblocks = (g->seq + ATTN_QBLOCK - 1) / ATTN_QBLOCK;
  if (g->batch == 0) return TINYRT_OK;
  if (j.lay.by_seq) {
    trt_parallel_for(k->pool, g->batch, seq_task, &j);
    return j.rc ? trt_error(err, j.rc, "attention GEMM failed") : TINYRT_OK;
  }
  int64_t tokens = j.l.row_off[g->batch - 1] + j.l.q_len[g->batch - 1];
  trt_sgemm_epilogue bias_ep = {1.0f, st->bias, TRT_SGEMM_ACT_NONE, NULL, 0};
  int rc = trt_sgemm_packed_run(k->pool, tokens, x, g->in_hidden, &st->packed, j.qkv,
                                3 * g->hidden, &bias_ep, err);
  if (rc) return rc;
  if (j.qblocks == 1) {
    trt_parallel_for(k->pool, g->batch * g->heads, head_whole_task, &j);
    return j.rc ? trt_error(err, j.rc, "attention failed") : TINYRT_OK;
  }
  trt_parallel_for(k->pool, g->batch * g->heads, pack_task, &j);
  if (j.rc) return trt_error(err, j.rc, "attention: packing K and V failed");
  trt_parallel_for(k->pool, g->batch * g->heads * j.qblocks, head_task, &j);
  return j.rc ? trt_error(err, j.rc, "attention GEMM failed") : TINYRT_OK;
}

/* --- Attention: X [B, S, Hin] with an optional [B, S] mask ---------------------------------- */

static void attn_geometry(const cpu_node_state *st, const trt_tensor *x, attn_geom *g) {
  g->batch = x->dims[0];
  g->seq = x->dims[1];
  g->in_hidden = x->dims[2];
  g->hidden = st->packed.n / 3;
  g->heads = st->i0;
  g->head = g->hidden / g->heads;
}

static size_t attn_scratch(const trt_kernel_ctx *k, const trt_tensor *in, int n_in,
                           const trt_tensor *out, int n_out) {
  const cpu_node_state *st = k->state;
  if (in[0].rank != 3) return 0;
  attn_geom g;
  attn_geometry(st, &in[0], &g);
  return scratch_for(st, &g, trt_threadpool_size(k->pool));
}

static float mask_value(const trt_tensor *m, size_t i) {
  switch (m->dtype) {
    case TINYRT_FLOAT: return ((const float *)m->data)[i];
    case TINYRT_INT64: return (float)((const int64_t *)m->data)[i];
    default: return (float)((const int32_t *)m->data)[i];
  }
}

/* The additive mask term of key i, as the exported graph computes it (see src/ops/fused.c). */
static float mask_term(const trt_tensor *m, size_t i, bool where, float filter) {
  float inv = 1.0f - mask_value(m, i);
  return where ? (inv != 0.0f ? filter : inv) : inv * filter;
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
  attn_layout lay = layout_for(st->cpu->isa, &g, trt_threadpool_size(k->pool));
  attn_lists l = lists_at((char *)k->scratch + lay.qkv_all, &g);
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
  return attn_dispatch(k, &g, x->data, any_add, out[0].data, err);
}

/* --- PackedAttention: x [T, Hin] holds the real tokens of each sequence, one after another -- */

static bool packed_geometry(const cpu_node_state *st, const trt_tensor *in, int n_in,
                            attn_geom *g) {
  if (in[0].rank != 2 || n_in < 4 || in[3].rank != 2) return false;
  *g = (attn_geom){in[3].dims[0], in[3].dims[1], in[0].dims[1], st->packed.n / 3, st->i0,
                   st->packed.n / 3 / st->i0};
  return true;
}

static size_t packed_attn_scratch(const trt_kernel_ctx *k, const trt_tensor *in, int n_in,
                                  const trt_tensor *out, int n_out) {
  attn_geom g;
  if (!packed_geometry(k->state, in, n_in, &g)) return 0;
  return scratch_for(k->state, &g, trt_threadpool_size(k->pool));
}

static int packed_attn_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                           int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  const trt_tensor *x = &in[0], *mask = &in[3];
  attn_geom g;
  if (!packed_geometry(st, in, n_in, &g) || x->dims[1] != st->packed.k)
    return trt_error(err, TINYRT_ERR_SHAPE, "input must be [tokens, %lld] with a [B, S] mask",
                     (long long)st->packed.k);
  if (k->scratch_size < packed_attn_scratch(k, in, n_in, out, n_out))
    return trt_error(err, TINYRT_ERR_INTERNAL, "packed attention scratch too small");
  attn_layout lay = layout_for(st->cpu->isa, &g, trt_threadpool_size(k->pool));
  attn_lists l = lists_at((char *)k->scratch + lay.qkv_all, &g);
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
  return attn_dispatch(k, &g, x->data, false, out[0].data, err);
}

/* --- binding -------------------------------------------------------------------------------- */

static bool attn_supports(const trt_graph *g, const trt_node *n) {
  const trt_tensor *w = cpu_const(g, n->inputs[1]);
  if (!w || w->rank != 2 || w->dims[1] % 3) return false;
  if (n->n_inputs > 2 && n->inputs[2] >= 0 && !cpu_const(g, n->inputs[2])) return false;
  if (!cpu_is_float(g, n->inputs[0]) || !cpu_is_float(g, n->outputs[0])) return false;
  int64_t heads = trt_attr_int(n, "num_heads", 0);
  return heads >= 1 && (w->dims[1] / 3) % heads == 0;
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

static int packed_attn_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                            cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  int rc = attn_bind(cpu, g, n, st, kernel, err);
  kernel->run = packed_attn_run;
  kernel->scratch = packed_attn_scratch;
  return rc;
}

const cpu_op cpu_ops_attention[] = {
    {TRT_OP_ATTENTION, attn_supports, attn_bind},
    {TRT_OP_PACKED_ATTENTION, attn_supports, packed_attn_bind},
};
const int cpu_ops_attention_count = (int)TRT_ARRAY_LEN(cpu_ops_attention);
