/* EmbedLayerNormalization on the CPU EP (semantics in src/ops/embed.c): per token, the word,
 * segment and position rows are summed into the output row, which is then normalized in place
 * while it is still in L1. Threaded over tokens; ids are checked up front, on the caller's
 * thread, so that a bad id fails before anything is written. */
#include <string.h>

#include "ep/cpu/cpu_ops.h"
#include "ops/embed.h"

/* y = LN((w + s) + p)·γ + β over h floats, s and beta optional; sum (optional) gets the row
 * before normalization. The association of the adds is the reference's. */
typedef void (*embed_row_fn)(const float *w, const float *s, const float *p, const float *gamma,
                             const float *beta, float eps, int64_t h, float *y, float *sum);

void cpu_embed_row_avx2(const float *w, const float *s, const float *p, const float *gamma,
                        const float *beta, float eps, int64_t h, float *y,
                        float *sum); /* k_embed_avx2.c */

static void embed_row_portable(const float *w, const float *s, const float *p, const float *gamma,
                               const float *beta, float eps, int64_t h, float *restrict y,
                               float *sum) {
  if (s)
    for (int64_t i = 0; i < h; i++) y[i] = (w[i] + s[i]) + p[i];
  else
    for (int64_t i = 0; i < h; i++) y[i] = w[i] + p[i];
  if (sum) memcpy(sum, y, sizeof(float) * (size_t)h);
  float mean, rstd;
  cpu_row_stats(y, h, eps, &mean, &rstd);
  if (beta)
    for (int64_t i = 0; i < h; i++) y[i] = (y[i] - mean) * rstd * gamma[i] + beta[i];
  else
    for (int64_t i = 0; i < h; i++) y[i] = (y[i] - mean) * rstd * gamma[i];
}

typedef struct embed_job {
  embed_row_fn row;
  const trt_tensor *ids, *seg_ids, *pos_ids;
  const float *word, *seg, *pos, *gamma, *beta;
  float *y, *sum;
  int64_t seq, h, v_rows, t_rows, p_rows;
  bool pos_per_row;
  float eps;
} embed_job;

static inline int64_t id_at(const trt_tensor *t, int64_t i) {
  return t->dtype == TINYRT_INT64 ? ((const int64_t *)t->data)[i] : ((const int32_t *)t->data)[i];
}

/* The word row of the token this many ahead is prefetched: the word table is far larger than
 * the caches and read in random order; the other tables are small and stay cached. Measured on
 * b32 s128 (AMD EPYC, one thread): 2 to 16 ahead are alike, none is 1.8x slower. */
#define EMBED_PREFETCH_AHEAD 4

static void embed_rows(void *ctx, int64_t first, int64_t count) {
  const embed_job *j = ctx;
  const int64_t h = j->h, end = first + count;
  for (int64_t t = first; t < end; t++) {
    if (t + EMBED_PREFETCH_AHEAD < end) {
      const float *next = j->word + trt_embed_row(id_at(j->ids, t + EMBED_PREFETCH_AHEAD),
                                                  j->v_rows) * h;
      for (int64_t i = 0; i < h; i += 16) __builtin_prefetch(next + i);
    }
    int64_t s = t % j->seq;
    int64_t p = j->pos_ids ? trt_embed_row(id_at(j->pos_ids, j->pos_per_row ? t : s), j->p_rows)
                           : s;
    const float *seg =
        j->seg ? j->seg + trt_embed_row(id_at(j->seg_ids, t), j->t_rows) * h : NULL;
    j->row(j->word + trt_embed_row(id_at(j->ids, t), j->v_rows) * h, seg, j->pos + p * h,
           j->gamma, j->beta, j->eps, h, j->y + t * h, j->sum ? j->sum + t * h : NULL);
  }
}

/* Ids of a type the kernel reads. A type inference left unknown (a position-id Slice whose
 * probe sizes overran its buffer) is fine too: the op's inference checks it at run time. */
static bool is_ids(const trt_graph *g, int v) {
  if (v < 0) return true; /* absent optional */
  const trt_value *val = &g->values[v];
  tinyrt_dtype dt = val->kind == TRT_VALUE_CONSTANT ? val->constant.dtype : val->dtype;
  return dt == TINYRT_INT64 || dt == TINYRT_INT32 || dt == TINYRT_UNDEFINED;
}

static bool embed_supports(const trt_graph *g, const trt_node *n) {
  /* mask_index (output 1) is not produced; the mask input (7) is ignored, like the reference */
  if (n->n_outputs > 1 && n->outputs[1] >= 0) return false;
  for (int k = 0; k < n->n_inputs; k++) {
    bool ids = k == TRT_EMBED_IDS || k == TRT_EMBED_SEGMENT_IDS || k == TRT_EMBED_POSITION_IDS;
    if (k != TRT_EMBED_MASK && !(ids ? is_ids(g, n->inputs[k]) : cpu_is_float(g, n->inputs[k])))
      return false;
  }
  /* the outputs are float by the op's definition, whatever type inference could tell */
  return true;
}

static int embed_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                     int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  int rc = trt_embed_check_ids(in, n_in, err);
  if (rc) return rc;
  const trt_tensor *seg_ids = trt_embed_in(in, n_in, TRT_EMBED_SEGMENT_IDS);
  const trt_tensor *pos_ids = trt_embed_in(in, n_in, TRT_EMBED_POSITION_IDS);
  const trt_tensor *beta = trt_embed_in(in, n_in, TRT_EMBED_BETA);
  embed_job j = {
      .row = st->cpu->isa >= TRT_ISA_AVX2 ? cpu_embed_row_avx2 : embed_row_portable,
      .ids = &in[TRT_EMBED_IDS],
      .seg_ids = seg_ids,
      .pos_ids = pos_ids,
      .word = in[TRT_EMBED_WORD].data,
      .seg = seg_ids ? in[TRT_EMBED_SEGMENT].data : NULL,
      .pos = in[TRT_EMBED_POSITION].data,
      .gamma = in[TRT_EMBED_GAMMA].data,
      .beta = beta ? beta->data : NULL,
      .y = out[0].data,
      .sum = n_out > 2 && out[2].data ? out[2].data : NULL,
      .seq = in[TRT_EMBED_IDS].dims[1],
      .h = in[TRT_EMBED_WORD].dims[1],
      .v_rows = in[TRT_EMBED_WORD].dims[0],
      .t_rows = seg_ids ? in[TRT_EMBED_SEGMENT].dims[0] : 0,
      .p_rows = in[TRT_EMBED_POSITION].dims[0],
      .pos_per_row = pos_ids && pos_ids->dims[0] != 1,
      .eps = st->f0,
  };
  int64_t tokens = (int64_t)trt_tensor_numel(&in[TRT_EMBED_IDS]);
  if (j.h == 0 || tokens == 0) return TINYRT_OK;
  cpu_parallel_rows(k->pool, tokens, 32, embed_rows, &j);
  return TINYRT_OK;
}

static int embed_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                      cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  st->f0 = trt_attr_float(n, "epsilon", 1e-12f);
  kernel->run = embed_run;
  return TINYRT_OK;
}

const cpu_op cpu_ops_embed[] = {
    {TRT_OP_EMBED_LAYER_NORM, embed_supports, embed_bind},
};
const int cpu_ops_embed_count = (int)TRT_ARRAY_LEN(cpu_ops_embed);
