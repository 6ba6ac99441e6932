/* Running a large batch as independent chunks.
 *
 * Run whole, a batch of B sequences makes every op a parallel job over B times the rows: at
 * B = 32, S = 128 each of bert-tiny's ops hands its rows to both threads and joins, ~30 times
 * per inference, and every intermediate (8 MB for the feed-forward activations) goes to memory
 * and back between ops. Run as chunks of a few sequences, one chunk per thread at a time, each
 * chunk runs its ops single-threaded with its intermediates in that core's L2, as a single
 * sequence does, and the threads never wait for each other inside an inference.
 *
 * This is only valid when no op mixes batch rows. trt_split_batch_symbol decides that from the
 * optimized graph with a list of ops whose batch-carrying inputs are known (every other input
 * must be a constant), so an unknown op, or a known op used another way, turns splitting off.
 * The results are the same bits as the whole batch's: every kernel computes a batch row the
 * same way whatever the batch size and thread count (the GEMM's per-element order does not
 * depend on M, attention and the norms work per row), which the model tests check. */
#include "exec/split.h"

#include "ops/ops.h"

/* Input slots that may carry the batch (bit i: input i); the op's other inputs must be
 * constants. 0: the op is not known to keep batch rows apart. */
static unsigned batch_inputs(const trt_graph *g, const trt_node *n) {
  switch (n->op) {
  case TRT_OP_EMBED_LAYER_NORM: return 1u << 0 | 1u << 1 | 1u << 7 | 1u << 8;
  case TRT_OP_ATTENTION: return 1u << 0 | 1u << 3;
  case TRT_OP_GEMM_SKIP_LAYER_NORM: return 1u << 0 | 1u << 3;
  case TRT_OP_SKIP_LAYER_NORM: return 1u << 0 | 1u << 1;
  case TRT_OP_FUSED_GEMM:
  case TRT_OP_GELU:
  case TRT_OP_FAST_GELU:
  case TRT_OP_BIAS_GELU:
  case TRT_OP_TANH:
  case TRT_OP_RELU:
  case TRT_OP_SIGMOID: return 1u << 0;
  case TRT_OP_LAYER_NORM: { /* normalizes over the axes from `axis` on: axis 0 mixes rows */
    int64_t axis = trt_attr_int(n, "axis", -1);
    return axis == -1 || axis >= 1 ? 1u << 0 : 0;
  }
  case TRT_OP_GEMM: /* rows of A are rows of Y */
    return trt_attr_int(n, "transA", 0) == 0 ? 1u << 0 : 0;
  case TRT_OP_GATHER: {
    int64_t axis = trt_attr_int(n, "axis", 0);
    if (axis >= 1) return 1u << 0; /* picks within each row */
    if (axis == 0 && n->n_inputs > 0 && n->inputs[0] >= 0 &&
        g->values[n->inputs[0]].kind == TRT_VALUE_CONSTANT)
      return 1u << 1; /* a table lookup by ids */
    return 0;
  }
  default: return 0;
  }
}

int trt_split_batch_symbol(const trt_graph *g) {
  if (g->n_inputs == 0 || g->n_outputs == 0) return -1;
  int sym = -1;
  for (int i = 0; i < g->n_inputs; i++) {
    const trt_value *v = &g->values[g->inputs[i]];
    if (v->rank < 1 || v->dims[0].sym < 0) return -1;
    if (sym >= 0 && v->dims[0].sym != sym) return -1;
    sym = v->dims[0].sym;
  }
  for (int i = 0; i < g->n_outputs; i++) {
    const trt_value *v = &g->values[g->outputs[i]];
    if (v->rank < 1 || v->dims[0].sym != sym || v->kind == TRT_VALUE_CONSTANT) return -1;
  }
  for (int i = 0; i < g->n_nodes; i++) {
    const trt_node *n = &g->nodes[i];
    if (n->dead) continue;
    unsigned ok = batch_inputs(g, n);
    if (!ok) return -1;
    for (int k = 0; k < n->n_inputs; k++) {
      int v = n->inputs[k];
      if (v < 0 || g->values[v].kind == TRT_VALUE_CONSTANT) continue;
      if (k >= 32 || !(ok & 1u << k)) return -1;
    }
  }
  return sym;
}

int64_t trt_split_chunk_rows(int64_t batch, int64_t row_tokens, int threads) {
  if (batch < 2 || row_tokens < 1) return 0;
  int64_t rows = TRT_SPLIT_TOKENS / row_tokens;
  if (rows < 1) rows = 1;
  /* enough chunks to keep every thread busy, several each so that uneven chunks even out, or
   * at least one each when the batch is small */
  int64_t t = threads > 0 ? threads : 1, fair = batch / (4 * t);
  if (fair < 1) fair = batch / t;
  if (fair >= 1 && fair < rows) rows = fair;
  return rows < batch ? rows : 0;
}
