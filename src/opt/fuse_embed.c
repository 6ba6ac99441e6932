/* Level 2: the BERT embedding block ⇒ EmbedLayerNormalization (src/ops/embed.c).
 *
 *   LayerNormalization(Add tree over 2 or 3 leaves, γ, β), over the last axis, where the leaves are
 *     word       Gather(W [V, H], ids [B, S])                     ids known only at run time
 *     segment    Gather(T [N, H], segment ids [B, S]) (optional)  likewise, the same shape as ids
 *     position   one of
 *                Gather(P [M, H], Slice(buffer [1, K], 0, S) along its last axis)   dynamic S
 *                Gather(P [M, H], constant ids [1, S] or [S])
 *                a float constant [1, S, H] or [S, H]: those rows, folded (static shapes)
 *
 * in any order and association. Of the two run-time lookups the one with the larger table is
 * the word lookup; which is which only matters for error messages, the sum being the same.
 * Position ids that are 0, 1, 2, ... (the HF export's buffer) are dropped: the op's default
 * positions are exactly those. Other position ids stay as its position_ids input.
 *
 * Every Add and Gather output must be read by the block only (not a graph output). The op's
 * mask input and mask_index output are never used. */
#include <string.h>

#include "ops/embed.h"
#include "opt/opt_internal.h"

typedef enum leaf_kind { LEAF_TOKENS, LEAF_POS_GATHER, LEAF_POS_ROWS } leaf_kind;

typedef struct leaf {
  leaf_kind kind;
  int value;   /* the leaf itself */
  int gather;  /* its Gather node, or -1 */
  int table;   /* the Gather's table (constant) */
  int ids;     /* the Gather's indices */
} leaf;

typedef struct block {
  int adds[2], n_adds;
  leaf leaves[3];
  int n_leaves;
} block;

/* Value v feeds `reader` only and is no graph output. */
static bool only_for(const opt_ctx *c, int v, int reader) {
  return opt_sole_reader(c, v) == reader;
}

/* Collects the leaves under v, read by node `reader`: Adds whose output only that node reads
 * are opened, anything else is a leaf. False when the tree is too big to be the block. */
static bool collect(const opt_ctx *c, int v, int reader, block *b) {
  int add = opt_producer(c, v, TRT_OP_ADD);
  if (add >= 0 && only_for(c, v, reader) && c->g->nodes[add].n_inputs == 2) {
    if (b->n_adds == 2) return false;
    b->adds[b->n_adds++] = add;
    const trt_node *n = &c->g->nodes[add];
    return collect(c, n->inputs[0], add, b) && collect(c, n->inputs[1], add, b);
  }
  if (b->n_leaves == 3) return false;
  leaf *l = &b->leaves[b->n_leaves++];
  memset(l, 0, sizeof *l);
  l->value = v;
  l->gather = -1;
  if (opt_const(c, v)) {
    l->kind = LEAF_POS_ROWS;
    return true;
  }
  int g = opt_producer(c, v, TRT_OP_GATHER);
  if (g < 0 || !only_for(c, v, reader)) return false;
  const trt_node *gn = &c->g->nodes[g];
  if (gn->n_inputs != 2 || trt_attr_int(gn, "axis", 0) != 0) return false;
  l->gather = g;
  l->table = gn->inputs[0];
  l->ids = gn->inputs[1];
  /* ids fixed at load, or sliced from a constant buffer: positions (a Slice of anything else
   * fails to match as one later, and the block is left alone) */
  bool known = opt_const(c, l->ids) || opt_producer(c, l->ids, TRT_OP_SLICE) >= 0;
  l->kind = known ? LEAF_POS_GATHER : LEAF_TOKENS;
  return true;
}

/* The constant table of a Gather leaf: float [rows, h]. */
static const trt_tensor *table_of(const opt_ctx *c, const leaf *l, int64_t h) {
  const trt_tensor *t = opt_const(c, l->table);
  if (!t || t->dtype != TINYRT_FLOAT || t->rank != 2 || t->dims[1] != h || t->dims[0] < 1)
    return NULL;
  return t;
}

/* Element i of an integer constant is i, for every element. */
static bool counts_up(const trt_tensor *t) {
  if (t->dtype != TINYRT_INT64 && t->dtype != TINYRT_INT32) return false;
  size_t n = trt_tensor_numel(t);
  for (size_t i = 0; i < n; i++)
    if (trt_tensor_get_int(t, i) != (int64_t)i) return false;
  return true;
}

static bool const_ints_are(const opt_ctx *c, int v, int64_t want) {
  const trt_tensor *t = opt_const(c, v);
  return t && trt_tensor_numel(t) == 1 && (t->dtype == TINYRT_INT64 || t->dtype == TINYRT_INT32) &&
         trt_tensor_get_int(t, 0) == want;
}

/* Where the position rows come from, for the op: a table, and ids or none. */
typedef struct position {
  int table;      /* position_embedding */
  int ids;        /* position_ids, or -1: token s has position s */
  int64_t rows;   /* when table needs a [rows, h] copy of a constant of another rank */
} position;

/* Gather(P, Slice(buffer, 0, S)) with S the sequence length `seq`: the first S entries of the
 * buffer, which must be a [1, K] int constant (sliced along axis 1) with K >= 2. */
static bool slice_positions(const opt_ctx *c, const leaf *l, trt_dim seq, const trt_tensor *table,
                            position *p) {
  int sl = opt_producer(c, l->ids, TRT_OP_SLICE);
  if (sl < 0 || trt_graph_opset(c->g, c->g->nodes[sl].domain) < 10) return false;
  const trt_node *s = &c->g->nodes[sl];
  const trt_tensor *buf = opt_const(c, s->inputs[0]);
  if (!buf || (buf->dtype != TINYRT_INT64 && buf->dtype != TINYRT_INT32) || buf->rank != 2 ||
      buf->dims[0] != 1 || buf->dims[1] < 2 || s->n_inputs < 3 || s->inputs[2] < 0)
    return false;
  if (!const_ints_are(c, s->inputs[1], 0)) return false;
  const opt_shape *ends = &c->sh[s->inputs[2]];
  if (ends->n_sv != 1 || !opt_dim_eq(ends->sv[0], seq)) return false;
  /* axes [1] (or [-1]): the default, axis 0, would slice the dim of size 1; steps 1 */
  if (s->n_inputs < 4 ||
      (!const_ints_are(c, s->inputs[3], 1) && !const_ints_are(c, s->inputs[3], -1)))
    return false;
  if (s->n_inputs > 4 && s->inputs[4] >= 0 && !const_ints_are(c, s->inputs[4], 1)) return false;
  p->table = l->table;
  /* 0, 1, ... K-1 with K >= the table's rows: for every S the graph runs with (S <= K, or the
   * Add fails), the positions are 0..S-1, and S > rows fails in both forms */
  if (counts_up(buf) && buf->dims[1] >= table->dims[0]) {
    p->ids = -1;
  } else {
    p->ids = l->ids; /* [1, min(S, K)]: the op's shape check fails where the Add would */
  }
  return true;
}

static bool match_position(const opt_ctx *c, const leaf *l, trt_dim seq, int64_t h,
                           position *p) {
  p->rows = -1;
  if (l->kind == LEAF_POS_ROWS) {
    const trt_tensor *t = opt_const(c, l->value);
    if (t->dtype != TINYRT_FLOAT || (t->rank != 2 && t->rank != 3)) return false;
    if (t->rank == 3 && t->dims[0] != 1) return false;
    int64_t s = t->dims[t->rank - 2];
    if (t->dims[t->rank - 1] != h || !opt_dim_is(seq, s) || s < 1) return false;
    p->table = l->value;
    p->ids = -1;
    if (t->rank == 3) p->rows = s;
    return true;
  }
  const trt_tensor *table = table_of(c, l, h);
  if (!table) return false;
  const trt_tensor *ids = opt_const(c, l->ids);
  if (!ids) return slice_positions(c, l, seq, table, p);
  if (ids->dtype != TINYRT_INT64 && ids->dtype != TINYRT_INT32) return false;
  if (!(ids->rank == 1 || (ids->rank == 2 && ids->dims[0] == 1))) return false;
  int64_t s = ids->dims[ids->rank - 1];
  if (!opt_dim_is(seq, s)) return false;
  p->table = l->table;
  if (counts_up(ids) && s <= table->dims[0]) {
    p->ids = -1;
  } else {
    if (ids->rank != 2) return false; /* the op takes [1, S] */
    for (int64_t i = 0; i < s; i++) {
      int64_t v = trt_tensor_get_int(ids, (size_t)i);
      if (v < -table->dims[0] || v >= table->dims[0]) return false; /* let Gather report it */
    }
    p->ids = l->ids;
  }
  return true;
}

/* Inputs of the op for the block under LayerNormalization node ni, or false. */
static bool match_block(const opt_ctx *c, int ni, block *b, int *ins, int64_t *pos_rows) {
  const trt_node *ln = &c->g->nodes[ni];
  int64_t h;
  /* over the hidden axis of [batch, sequence, hidden] */
  if (!opt_plain_layer_norm(c, ln, &h) || c->sh[ln->inputs[0]].rank != 3) return false;
  memset(b, 0, sizeof *b);
  int x = ln->inputs[0];
  if (opt_producer(c, x, TRT_OP_ADD) < 0 || !collect(c, x, ni, b) || b->n_leaves < 2)
    return false;
  int word = -1, seg = -1, pos = -1;
  for (int i = 0; i < b->n_leaves; i++) {
    const leaf *l = &b->leaves[i];
    if (l->kind != LEAF_TOKENS) {
      if (pos >= 0) return false;
      pos = i;
      continue;
    }
    const trt_tensor *t = table_of(c, l, h);
    const opt_shape *is = &c->sh[l->ids];
    if (!t || is->rank != 2 || (is->dtype != TINYRT_INT64 && is->dtype != TINYRT_INT32))
      return false;
    if (word < 0) {
      word = i;
    } else if (seg < 0) {
      seg = i;
      if (!opt_shape_eq(is, &c->sh[b->leaves[word].ids])) return false;
      if (t->dims[0] > table_of(c, &b->leaves[word], h)->dims[0]) {
        seg = word;
        word = i;
      }
    } else {
      return false;
    }
  }
  if (word < 0 || pos < 0) return false;
  /* the sum has the lookups' shape [B, S, H]: nothing broadcast beyond it */
  const opt_shape *ids = &c->sh[b->leaves[word].ids], *xs = &c->sh[x];
  if (!opt_dim_eq(xs->dims[0], ids->dims[0]) || !opt_dim_eq(xs->dims[1], ids->dims[1]))
    return false;
  position p;
  if (!match_position(c, &b->leaves[pos], ids->dims[1], h, &p)) return false;
  const leaf *w = &b->leaves[word], *sg = seg >= 0 ? &b->leaves[seg] : NULL;
  ins[TRT_EMBED_IDS] = w->ids;
  ins[TRT_EMBED_SEGMENT_IDS] = sg ? sg->ids : -1;
  ins[TRT_EMBED_WORD] = w->table;
  ins[TRT_EMBED_POSITION] = p.table;
  ins[TRT_EMBED_SEGMENT] = sg ? sg->table : -1;
  ins[TRT_EMBED_GAMMA] = ln->inputs[1];
  ins[TRT_EMBED_BETA] = ln->n_inputs > 2 ? ln->inputs[2] : -1;
  ins[TRT_EMBED_MASK] = -1;
  ins[TRT_EMBED_POSITION_IDS] = p.ids;
  *pos_rows = p.rows;
  return true;
}

int opt_fuse_embed_layer_norm(opt_ctx *c) {
  trt_graph *g = c->g;
  for (int ni = 0; ni < g->n_nodes; ni++) {
    if (g->nodes[ni].dead || g->nodes[ni].op != TRT_OP_LAYER_NORM) continue;
    block b;
    int ins[TRT_EMBED_INPUTS];
    int64_t pos_rows;
    if (!match_block(c, ni, &b, ins, &pos_rows)) continue;
    if (pos_rows >= 0) { /* the folded rows [1, S, H] as a table [S, H] */
      trt_tensor t = *opt_const(c, ins[TRT_EMBED_POSITION]); /* values may move: a copy */
      int64_t dims[2] = {pos_rows, t.dims[2]};
      void *data;
      int v = opt_new_const(c, g->values[ins[TRT_EMBED_POSITION]].name, TINYRT_FLOAT, 2, dims,
                            &data);
      if (v < 0) return trt_error(c->err, TINYRT_ERR_NOMEM, "out of memory");
      memcpy(data, t.data, trt_tensor_nbytes(&t));
      ins[TRT_EMBED_POSITION] = v;
    }
    int n_in = TRT_EMBED_INPUTS;
    while (ins[n_in - 1] < 0) n_in--;
    float eps = trt_attr_float(&g->nodes[ni], "epsilon", 1e-5f); /* LayerNormalization's default */
    trt_attr attrs[1] = {opt_attr_float("epsilon", eps)};
    int out = g->nodes[ni].outputs[0];
    for (int i = 0; i < b.n_adds; i++) opt_kill_node(c, b.adds[i]);
    for (int i = 0; i < b.n_leaves; i++)
      if (b.leaves[i].gather >= 0) opt_kill_node(c, b.leaves[i].gather);
    int rc = opt_rewrite_node(c, ni, TRT_OP_EMBED_LAYER_NORM, ins, n_in, &out, 1, attrs, 1);
    if (rc) return rc;
    c->rep->count[TRT_OPT_EMBED_LAYER_NORM]++;
  }
  return TINYRT_OK;
}
