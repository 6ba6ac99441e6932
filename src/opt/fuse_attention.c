/* Level 2: the BERT self-attention block ⇒ Attention (src/ops/fused.c gives its semantics).
 *
 *   q = Transpose(Reshape(Add(MatMul(X, Wq), bq), [B,S,n,d]), [0,2,1,3])     likewise v
 *   kᵀ = Transpose(Reshape(Add(MatMul(X, Wk), bk), [B,S,n,d]), [0,2,3,1])    (or [0,2,1,3] then
 *                                                                           [0,1,3,2])
 *   p = Softmax(Add(Div(MatMul(q, kᵀ), c) | Mul(·, c), maskterm), axis=-1)
 *   Y = Reshape(Transpose(MatMul(p, v), [0,2,1,3]), [B,S,H])
 *
 * with maskterm built from a [B,S] mask M as
 *   Mul(Sub(1, f), fill)                                       (mask_where = 0)
 *   Where(Cast…(Sub(1, f), bool), fill, Sub(1, f))             (mask_where = 1)
 * where f is M passed through Unsqueeze / Expand / one Cast to float, ending with M's axes as the
 * [B, ·, ·, S] axes of a rank-4 tensor whose other dims broadcast. fill must be finite and
 * ≤ -1e4, so that the kernel may skip masked keys exactly.
 *
 * The Attention node takes X, the merged weights [Wq | Wk | Wv] ([Hin, 3H], a new constant), the
 * merged bias [3H] and M itself. Every intermediate must have no reader outside the block (the
 * mask subgraph may be shared between layers: it dies once every layer is fused). */
#include <math.h>
#include <string.h>

#include "opt/opt_internal.h"

static bool has_perm(const trt_node *n, int p0, int p1, int p2, int p3) {
  const trt_attr *a = trt_node_attr(n, "perm");
  return n->op == TRT_OP_TRANSPOSE && a && a->type == TRT_ATTR_INTS && a->n == 4 &&
         a->ints[0] == p0 && a->ints[1] == p1 && a->ints[2] == p2 && a->ints[3] == p3;
}

/* Exporters compute Reshape targets from the tensor being reshaped (Shape → Gather → Unsqueeze →
 * Concat), so intermediates of the block have Shape readers besides the block. They are fine when
 * all they feed is `target`: they die with it. */
typedef struct node_set {
  int nodes[48];
  int n;
} node_set;

static bool set_add(node_set *s, int ni) {
  for (int i = 0; i < s->n; i++)
    if (s->nodes[i] == ni) return true;
  if (s->n == (int)TRT_ARRAY_LEN(s->nodes)) return false;
  s->nodes[s->n++] = ni;
  return true;
}

static bool feeds_only(const opt_ctx *c, int v, int target, node_set *dead, int depth) {
  int r[8];
  int cnt = opt_readers(c, v, r, 8);
  if (depth > 8 || cnt > 8 || c->g->values[v].is_output) return false;
  for (int i = 0; i < cnt; i++) {
    if (r[i] == target) continue;
    const trt_node *n = &c->g->nodes[r[i]];
    bool shape_op = n->op == TRT_OP_GATHER || n->op == TRT_OP_UNSQUEEZE ||
                    n->op == TRT_OP_SQUEEZE || n->op == TRT_OP_CONCAT || n->op == TRT_OP_CAST ||
                    n->op == TRT_OP_SLICE;
    if (!shape_op || n->n_outputs != 1 || !set_add(dead, r[i]) ||
        !feeds_only(c, n->outputs[0], target, dead, depth + 1))
      return false;
  }
  return true;
}

/* True when `reader` reads v and every other reader of v is a Shape whose result only feeds
 * `target`; those Shape subgraphs are added to *dead. */
static bool reader_but_shapes(const opt_ctx *c, int v, int reader, int target, node_set *dead) {
  int r[8];
  int cnt = opt_readers(c, v, r, 8);
  bool found = false;
  if (cnt > 8 || c->g->values[v].is_output) return false;
  for (int i = 0; i < cnt; i++) {
    if (r[i] == reader) {
      found = true;
      continue;
    }
    const trt_node *n = &c->g->nodes[r[i]];
    if (n->op != TRT_OP_SHAPE || !set_add(dead, r[i]) ||
        !feeds_only(c, n->outputs[0], target, dead, 0))
      return false;
  }
  return found;
}

typedef struct proj {
  int nodes[5], n_nodes;  /* to remove */
  int x;                  /* the block's input */
  const float *w, *bias;  /* constant data (stable: mapped file or arena) */
  int64_t in_hidden, hidden, heads, head_size;
} proj;

/* v4 is the [B, n, ·, ·] operand read by `reader`; perm_key selects the kᵀ forms. */
static bool match_proj(const opt_ctx *c, int v4, int reader, bool key, proj *p, node_set *dead) {
  const trt_graph *g = c->g;
  p->n_nodes = 0;
  int t = opt_producer(c, v4, TRT_OP_TRANSPOSE);
  if (t < 0 || opt_sole_reader(c, v4) != reader) return false;
  p->nodes[p->n_nodes++] = t;
  int r4 = g->nodes[t].inputs[0];
  if (key && has_perm(&g->nodes[t], 0, 1, 3, 2)) {
    int t0 = opt_producer(c, r4, TRT_OP_TRANSPOSE);
    if (t0 < 0 || opt_sole_reader(c, r4) != t || !has_perm(&g->nodes[t0], 0, 2, 1, 3)) return false;
    p->nodes[p->n_nodes++] = t0;
    t = t0;
    r4 = g->nodes[t0].inputs[0];
  } else if (key ? !has_perm(&g->nodes[t], 0, 2, 3, 1) : !has_perm(&g->nodes[t], 0, 2, 1, 3)) {
    return false;
  }
  int rs = opt_producer(c, r4, TRT_OP_RESHAPE);
  if (rs < 0 || opt_sole_reader(c, r4) != t) return false;
  p->nodes[p->n_nodes++] = rs;
  int hb = g->nodes[rs].inputs[0];
  int add = opt_producer(c, hb, TRT_OP_ADD);
  if (add < 0 || !reader_but_shapes(c, hb, rs, rs, dead)) return false;
  p->nodes[p->n_nodes++] = add;
  int mm = -1, bias = -1;
  for (int k = 0; k < 2 && mm < 0; k++) {
    mm = opt_producer(c, g->nodes[add].inputs[k], TRT_OP_MATMUL);
    bias = g->nodes[add].inputs[1 - k];
  }
  if (mm < 0 || opt_sole_reader(c, g->nodes[mm].outputs[0]) != add) return false;
  p->nodes[p->n_nodes++] = mm;
  const trt_tensor *w = opt_const(c, g->nodes[mm].inputs[1]);
  if (!w || w->dtype != TINYRT_FLOAT || w->rank != 2) return false;
  const trt_tensor *b = opt_const(c, bias);
  if (!b || b->rank != 1 || !opt_const_vector(c, bias, w->dims[1])) return false;
  p->x = g->nodes[mm].inputs[0];
  p->w = w->data;
  p->bias = b->data;
  p->in_hidden = w->dims[0];
  p->hidden = w->dims[1];
  const opt_shape *xs = &c->sh[p->x], *s4 = &c->sh[r4];
  if (xs->dtype != TINYRT_FLOAT || xs->rank != 3 || !opt_dim_is(xs->dims[2], p->in_hidden))
    return false;
  /* the Reshape splits [B, S, H] into [B, S, n, d] */
  if (s4->rank != 4 || !opt_dim_eq(s4->dims[0], xs->dims[0]) ||
      !opt_dim_eq(s4->dims[1], xs->dims[1]) || s4->dims[2].sym >= 0 || s4->dims[3].sym >= 0 ||
      s4->dims[2].value < 1 || s4->dims[2].value * s4->dims[3].value != p->hidden)
    return false;
  p->heads = s4->dims[2].value;
  p->head_size = s4->dims[3].value;
  return true;
}

/* Unsqueeze axes of node n into a sorted set over the output rank r_out; false when unknown. */
static bool unsqueeze_axes(const opt_ctx *c, const trt_node *n, int r_in, bool *ins, int *r_out) {
  int64_t axes[TRT_MAX_RANK];
  int cnt = 0;
  if (trt_graph_opset(c->g, n->domain) < 13) {
    const trt_attr *a = trt_node_attr(n, "axes");
    if (!a || a->type != TRT_ATTR_INTS || a->n > TRT_MAX_RANK) return false;
    cnt = a->n;
    memcpy(axes, a->ints, sizeof(int64_t) * (size_t)cnt);
  } else {
    const trt_tensor *t = n->n_inputs > 1 ? opt_const(c, n->inputs[1]) : NULL;
    if (!t || (t->dtype != TINYRT_INT64 && t->dtype != TINYRT_INT32) ||
        trt_tensor_numel(t) > TRT_MAX_RANK)
      return false;
    cnt = (int)trt_tensor_numel(t);
    for (int i = 0; i < cnt; i++) axes[i] = trt_tensor_get_int(t, (size_t)i);
  }
  *r_out = r_in + cnt;
  if (*r_out > TRT_MAX_RANK) return false;
  memset(ins, 0, sizeof(bool) * TRT_MAX_RANK);
  for (int i = 0; i < cnt; i++) {
    int64_t a = axes[i] < 0 ? axes[i] + *r_out : axes[i];
    if (a < 0 || a >= *r_out || ins[a]) return false;
    ins[a] = true;
  }
  return true;
}

typedef struct mask_info {
  int mask;        /* the [B, S] value */
  float fill;
  bool where;
} mask_info;

/* maskterm → M (see the file comment). xs: the block input's shape [B, S, H]. */
static bool match_mask(const opt_ctx *c, int term, const opt_shape *xs, mask_info *mi) {
  const trt_graph *g = c->g;
  int t = opt_producer(c, term, -1);
  if (t < 0) return false;
  const trt_node *tn = &g->nodes[t];
  int inv = -1, fill_v = -1;
  if (tn->op == TRT_OP_MUL) {
    for (int k = 0; k < 2 && inv < 0; k++) {
      double f;
      if (opt_const_scalar(c, tn->inputs[k], &f)) {
        fill_v = tn->inputs[k];
        inv = tn->inputs[1 - k];
      }
    }
    mi->where = false;
  } else if (tn->op == TRT_OP_WHERE && tn->n_inputs == 3) {
    fill_v = tn->inputs[1];
    inv = tn->inputs[2];
    /* the condition is (1 - f) cast to bool, possibly more than once */
    int v = tn->inputs[0], casts = 0;
    for (int p; v != inv && (p = opt_producer(c, v, TRT_OP_CAST)) >= 0; v = g->nodes[p].inputs[0]) {
      if (trt_attr_int(&g->nodes[p], "to", 0) != TINYRT_BOOL) return false;
      casts++;
    }
    if (v != inv || casts == 0) return false;
    mi->where = true;
  } else {
    return false;
  }
  double fill;
  if (inv < 0 || !opt_const_scalar(c, fill_v, &fill) || !isfinite(fill) || fill > -1e4)
    return false;
  mi->fill = (float)fill;
  int sub = opt_producer(c, inv, TRT_OP_SUB);
  if (sub < 0 || !opt_scalar_near(c, g->nodes[sub].inputs[0], 1.0, 0)) return false;
  /* walk back from f through Cast / Unsqueeze / Expand to M */
  int chain[16], n_chain = 0, v = g->nodes[sub].inputs[1];
  for (int p; (p = opt_producer(c, v, -1)) >= 0 && n_chain < 16; v = g->nodes[p].inputs[0]) {
    int op = g->nodes[p].op;
    if (op != TRT_OP_CAST && op != TRT_OP_UNSQUEEZE && op != TRT_OP_EXPAND) break;
    chain[n_chain++] = p;
  }
  const opt_shape *ms = &c->sh[v];
  if (ms->rank != 2 || !opt_dim_eq(ms->dims[0], xs->dims[0]) || !opt_dim_eq(ms->dims[1], xs->dims[1]))
    return false;
  if (ms->dtype != TINYRT_INT64 && ms->dtype != TINYRT_INT32 && ms->dtype != TINYRT_FLOAT)
    return false;
  /* replay the chain forward, tracking where M's two axes go */
  int rank = 2, pos[2] = {0, 1};
  tinyrt_dtype dt = ms->dtype;
  bool cast = false;
  for (int i = n_chain - 1; i >= 0; i--) {
    const trt_node *n = &g->nodes[chain[i]];
    if (n->op == TRT_OP_CAST) {
      if (cast || trt_attr_int(n, "to", 0) != TINYRT_FLOAT) return false;
      cast = true;
      dt = TINYRT_FLOAT;
    } else if (n->op == TRT_OP_UNSQUEEZE) {
      bool ins[TRT_MAX_RANK];
      int r_out;
      if (!unsqueeze_axes(c, n, rank, ins, &r_out)) return false;
      for (int k = 0; k < 2; k++) {
        int old = pos[k], seen = 0, j = 0;
        for (; j < r_out; j++)
          if (!ins[j] && seen++ == old) break;
        pos[k] = j;
      }
      rank = r_out;
    } else {
      const opt_shape *os = &c->sh[n->outputs[0]];
      if (os->rank < rank) return false;
      pos[0] += os->rank - rank;
      pos[1] += os->rank - rank;
      rank = os->rank;
    }
  }
  if (dt != TINYRT_FLOAT || rank != 4 || pos[0] != 0 || pos[1] != 3) return false;
  mi->mask = v;
  return true;
}

/* True when s is MatMul(q, kᵀ), possibly divided or multiplied by a constant scalar. */
static bool scores_side(const opt_ctx *c, int s) {
  int p = opt_producer(c, s, -1);
  if (p < 0) return false;
  const trt_node *n = &c->g->nodes[p];
  if (n->op == TRT_OP_MATMUL) return true;
  double x;
  if (n->op == TRT_OP_DIV && opt_const_scalar(c, n->inputs[1], &x))
    return opt_producer(c, n->inputs[0], TRT_OP_MATMUL) >= 0;
  if (n->op == TRT_OP_MUL)
    for (int k = 0; k < 2; k++)
      if (opt_const_scalar(c, n->inputs[k], &x) &&
          opt_producer(c, n->inputs[1 - k], TRT_OP_MATMUL) >= 0)
        return true;
  return false;
}

static int fuse_at(opt_ctx *c, int sm) {
  trt_graph *g = c->g;
  const trt_node *smn = &g->nodes[sm];
  int64_t axis = trt_attr_int(smn, "axis", trt_graph_opset(g, smn->domain) >= 13 ? -1 : 1);
  int sc = smn->inputs[0];
  const opt_shape *scs = &c->sh[sc];
  if (scs->rank != 4 || (axis != -1 && axis != 3) || opt_sole_reader(c, sc) != sm) return TINYRT_OK;

  int kill[32], n_kill = 0;
  kill[n_kill++] = sm;
  /* optional mask Add, then the optional scaling */
  int scaled_v = sc, term = -1;
  int madd = opt_producer(c, sc, TRT_OP_ADD);
  if (madd >= 0) {
    kill[n_kill++] = madd;
    for (int k = 0; k < 2 && term < 0; k++) {
      int s = g->nodes[madd].inputs[k];
      if (scores_side(c, s)) {
        scaled_v = s;
        term = g->nodes[madd].inputs[1 - k];
      }
    }
    if (term < 0 || opt_sole_reader(c, scaled_v) != madd) return TINYRT_OK;
  }
  double scale = 1.0;
  int qk_v = scaled_v;
  int sp = opt_producer(c, scaled_v, -1);
  if (sp >= 0 && g->nodes[sp].op != TRT_OP_MATMUL) {
    const trt_node *sn = &g->nodes[sp];
    double s;
    if (sn->op == TRT_OP_DIV && opt_const_scalar(c, sn->inputs[1], &s) && s != 0) {
      scale = 1.0 / s;
      qk_v = sn->inputs[0];
    } else if (sn->op == TRT_OP_MUL && opt_const_scalar(c, sn->inputs[1], &s)) {
      scale = s;
      qk_v = sn->inputs[0];
    } else if (sn->op == TRT_OP_MUL && opt_const_scalar(c, sn->inputs[0], &s)) {
      scale = s;
      qk_v = sn->inputs[1];
    } else {
      return TINYRT_OK;
    }
    if (!isfinite(scale) || opt_sole_reader(c, qk_v) != sp) return TINYRT_OK;
    kill[n_kill++] = sp;
  }
  int qk = opt_producer(c, qk_v, TRT_OP_MATMUL);
  if (qk < 0) return TINYRT_OK;
  kill[n_kill++] = qk;
  /* after the softmax: × v, transpose back, merge the heads */
  int cm = opt_sole_reader_op(c, smn->outputs[0], TRT_OP_MATMUL);
  if (cm < 0 || g->nodes[cm].inputs[0] != smn->outputs[0]) return TINYRT_OK;
  kill[n_kill++] = cm;
  int ct = opt_sole_reader_op(c, g->nodes[cm].outputs[0], TRT_OP_TRANSPOSE);
  if (ct < 0 || !has_perm(&g->nodes[ct], 0, 2, 1, 3)) return TINYRT_OK;
  kill[n_kill++] = ct;
  int ct_out = g->nodes[ct].outputs[0], final = -1, r[8];
  int n_r = opt_readers(c, ct_out, r, 8);
  for (int i = 0; i < n_r && i < 8; i++)
    if (g->nodes[r[i]].op == TRT_OP_RESHAPE && g->nodes[r[i]].inputs[0] == ct_out) final = r[i];
  node_set dead = {.n = 0};
  if (final < 0 || !reader_but_shapes(c, ct_out, final, final, &dead)) return TINYRT_OK;

  proj q, k, v;
  if (!match_proj(c, g->nodes[qk].inputs[0], qk, false, &q, &dead) ||
      !match_proj(c, g->nodes[qk].inputs[1], qk, true, &k, &dead) ||
      !match_proj(c, g->nodes[cm].inputs[1], cm, false, &v, &dead))
    return TINYRT_OK;
  if (q.x != k.x || q.x != v.x || q.in_hidden != k.in_hidden || q.in_hidden != v.in_hidden ||
      q.hidden != k.hidden || q.hidden != v.hidden || q.heads != k.heads || q.heads != v.heads)
    return TINYRT_OK;
  const opt_shape *xs = &c->sh[q.x];
  /* scores [B, n, S, S] (the mask Add must not broadcast them any further), output [B, S, H] */
  const opt_shape *qks = &c->sh[qk_v], *ys = &c->sh[g->nodes[final].outputs[0]];
  if (qks->rank != 4 || !opt_dim_eq(qks->dims[0], xs->dims[0]) || !opt_dim_is(qks->dims[1], q.heads) ||
      !opt_dim_eq(qks->dims[2], xs->dims[1]) || !opt_dim_eq(qks->dims[3], xs->dims[1]) ||
      !opt_shape_eq(qks, scs))
    return TINYRT_OK;
  if (ys->rank != 3 || !opt_dim_eq(ys->dims[0], xs->dims[0]) || !opt_dim_eq(ys->dims[1], xs->dims[1]) ||
      !opt_dim_is(ys->dims[2], q.hidden))
    return TINYRT_OK;
  mask_info mi = {-1, 0, false};
  if (term >= 0 && !match_mask(c, term, xs, &mi)) return TINYRT_OK;

  /* matched: build the merged weights, then rewrite (new values may move g->values and c->sh) */
  int64_t hin = q.in_hidden, h = q.hidden, wd[2] = {hin, 3 * h}, bd[1] = {3 * h};
  float *w, *b;
  int out = g->nodes[final].outputs[0], x = q.x;
  int wv = opt_new_const(c, g->nodes[final].name, TINYRT_FLOAT, 2, wd, (void **)&w);
  int bv = wv < 0 ? -1 : opt_new_const(c, g->nodes[final].name, TINYRT_FLOAT, 1, bd, (void **)&b);
  if (bv < 0) return trt_error(c->err, TINYRT_ERR_NOMEM, "out of memory merging attention weights");
  const proj *parts[3] = {&q, &k, &v};
  for (int p = 0; p < 3; p++) {
    for (int64_t r = 0; r < hin; r++)
      memcpy(w + r * 3 * h + p * h, parts[p]->w + r * h, sizeof(float) * (size_t)h);
    memcpy(b + p * h, parts[p]->bias, sizeof(float) * (size_t)h);
  }
  for (int p = 0; p < 3; p++)
    for (int i = 0; i < parts[p]->n_nodes; i++) kill[n_kill++] = parts[p]->nodes[i];
  for (int i = 0; i < n_kill; i++) opt_kill_node(c, kill[i]);
  for (int i = 0; i < dead.n; i++) opt_kill_node(c, dead.nodes[i]);
  int ins[4] = {x, wv, bv, mi.mask};
  trt_attr attrs[4] = {opt_attr_int("num_heads", q.heads), opt_attr_float("scale", (float)scale),
                       opt_attr_float("mask_filter_value", mi.mask >= 0 ? mi.fill : -10000.0f),
                       opt_attr_int("mask_where", mi.where)};
  int rc = opt_rewrite_node(c, final, TRT_OP_ATTENTION, ins, mi.mask >= 0 ? 4 : 3, &out, 1, attrs, 4);
  if (rc == TINYRT_OK) c->rep->count[TRT_OPT_ATTENTION]++;
  return rc;
}

int opt_fuse_attention(opt_ctx *c) {
  for (int ni = 0; ni < c->g->n_nodes; ni++) {
    if (c->g->nodes[ni].dead || c->g->nodes[ni].op != TRT_OP_SOFTMAX) continue;
    int rc = fuse_at(c, ni);
    if (rc) return rc;
  }
  return TINYRT_OK;
}
