/* Symbolic shape inference for the optimizer.
 *
 * The ops' own inference (src/ops) is concrete: it needs actual sizes. Before any input is seen the
 * optimizer only has symbols (batch_size, sequence_length), so it tracks dims as trt_dim — fixed,
 * a graph symbol, or a fresh symbol naming a size computed at run time — plus the content of small
 * integer tensors (the Shape → Gather → Concat vectors that feed Reshape and Expand). That is
 * enough to prove what the fusions need: "this Reshape splits the last dim of [B, S, 128] into
 * [B, S, 2, 64]", "this mask has the scores' batch and key dims".
 *
 * Every rule is conservative: a dim it cannot determine becomes a fresh symbol, equal only to
 * itself. */
#include <stdint.h>
#include <string.h>

#include "opt/opt_internal.h"

static trt_dim dfix(int64_t v) { return (trt_dim){v, -1}; }

static trt_dim fresh(opt_ctx *c, int base) {
  if (c->n_fresh == c->cap_fresh) {
    int cap = c->cap_fresh ? c->cap_fresh * 2 : 64;
    int *nb = trt_realloc(&c->g->al, c->fresh_base, sizeof(int) * (size_t)c->cap_fresh,
                          sizeof(int) * (size_t)cap);
    if (!nb) {
      c->oom = true; /* reported by the driver; the dim is unknown meanwhile */
      return (trt_dim){-1, -1};
    }
    c->fresh_base = nb;
    c->cap_fresh = cap;
  }
  c->fresh_base[c->n_fresh] = base;
  return (trt_dim){-1, c->g->n_syms + c->n_fresh++};
}

static int fresh_base(const opt_ctx *c, trt_dim d) {
  int i = d.sym - c->g->n_syms;
  return d.sym >= 0 && i >= 0 && i < c->n_fresh ? c->fresh_base[i] : -1;
}

bool opt_dim_eq(trt_dim a, trt_dim b) {
  if (a.sym >= 0 || b.sym >= 0) return a.sym == b.sym;
  return a.value >= 0 && a.value == b.value;
}

bool opt_dim_is(trt_dim a, int64_t v) { return a.sym < 0 && a.value == v; }

static bool dim_known(trt_dim d) { return d.sym >= 0 || d.value >= 0; }
static bool dim_fixed(trt_dim d) { return d.sym < 0 && d.value >= 0; }

bool opt_shape_fixed(const opt_shape *s) {
  if (s->rank < 0) return false;
  for (int i = 0; i < s->rank; i++)
    if (s->dims[i].sym >= 0 || s->dims[i].value < 0) return false;
  return true;
}

bool opt_shape_eq(const opt_shape *a, const opt_shape *b) {
  if (a->rank < 0 || a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (!opt_dim_eq(a->dims[i], b->dims[i])) return false;
  return true;
}

static void set_unknown(opt_shape *s) {
  s->dtype = TINYRT_UNDEFINED;
  s->rank = -1;
  s->n_sv = -1;
}

static bool is_int(tinyrt_dtype t) { return t == TINYRT_INT64 || t == TINYRT_INT32; }

/* Shape of a constant tensor, with its content when it is a small integer vector. */
static void from_tensor(opt_shape *s, const trt_tensor *t) {
  s->dtype = t->dtype;
  s->rank = t->rank;
  for (int i = 0; i < t->rank; i++) s->dims[i] = dfix(t->dims[i]);
  s->n_sv = -1;
  size_t n = trt_tensor_numel(t);
  if (is_int(t->dtype) && t->rank <= 1 && n <= OPT_SV_MAX && (t->data || n == 0)) {
    s->n_sv = (int)n;
    for (size_t i = 0; i < n; i++) s->sv[i] = dfix(trt_tensor_get_int(t, i));
  }
}

void opt_shape_init(opt_ctx *c, int v) {
  const trt_value *val = &c->g->values[v];
  opt_shape *s = &c->sh[v];
  set_unknown(s);
  if (val->kind == TRT_VALUE_CONSTANT) {
    from_tensor(s, &val->constant);
    return;
  }
  s->dtype = val->dtype;
  s->rank = val->rank;
  for (int i = 0; i < val->rank; i++) {
    const trt_dim *d = &val->dims[i];
    s->dims[i] = d->sym >= 0 ? *d : d->value >= 0 ? dfix(d->value) : fresh(c, -1);
  }
}

/* numpy broadcasting of one dim pair; see the file comment for why the symbol cases are sound. */
static trt_dim bcast_dim(opt_ctx *c, trt_dim a, trt_dim b) {
  if (opt_dim_eq(a, b) || opt_dim_is(b, 1)) return a;
  if (opt_dim_is(a, 1)) return b;
  /* a symbol against a fixed size k != 1: either equal, or the symbol is 1; both give k */
  if (a.sym >= 0 && b.sym < 0 && b.value > 1) return b;
  if (b.sym >= 0 && a.sym < 0 && a.value > 1) return a;
  /* S against min(S, D) (a Slice of a fixed table up to S): equal whenever the graph runs */
  if (a.sym >= 0 && fresh_base(c, b) == a.sym) return a;
  if (b.sym >= 0 && fresh_base(c, a) == b.sym) return b;
  return fresh(c, -1);
}

static bool bcast(opt_ctx *c, const opt_shape *a, const opt_shape *b, opt_shape *o) {
  if (a->rank < 0 || b->rank < 0) return false;
  int r = TRT_MAX(a->rank, b->rank);
  trt_dim dims[TRT_MAX_RANK];
  for (int i = 0; i < r; i++) {
    int ia = i - (r - a->rank), ib = i - (r - b->rank);
    trt_dim da = ia >= 0 ? a->dims[ia] : dfix(1), db = ib >= 0 ? b->dims[ib] : dfix(1);
    dims[i] = bcast_dim(c, da, db);
  }
  o->rank = r;
  memcpy(o->dims, dims, sizeof(trt_dim) * (size_t)r);
  return true;
}

/* --- elementwise arithmetic on shape vectors -------------------------------------------------- */

static trt_dim sv_binary(opt_ctx *c, int op, trt_dim a, trt_dim b, bool *ok) {
  bool fa = a.sym < 0, fb = b.sym < 0; /* vector entries are fixed (any sign) or symbols */
  if (fa && fb) {
    int64_t x = a.value, y = b.value, r;
    switch (op) {
      /* shape vectors of a malformed model may hold anything: overflow means unknown */
      case TRT_OP_ADD: if (!__builtin_add_overflow(x, y, &r)) return dfix(r); break;
      case TRT_OP_SUB: if (!__builtin_sub_overflow(x, y, &r)) return dfix(r); break;
      case TRT_OP_MUL: if (!__builtin_mul_overflow(x, y, &r)) return dfix(r); break;
      case TRT_OP_DIV:
        if (y == 0 || (y == -1 && x == INT64_MIN)) break;
        return dfix(x / y);
      case TRT_OP_EQUAL: return dfix(x == y);
      default: break;
    }
    *ok = false;
    return dfix(0);
  }
  switch (op) {
    case TRT_OP_ADD:
      if (fb && b.value == 0) return a;
      if (fa && a.value == 0) return b;
      break;
    case TRT_OP_SUB:
      if (fb && b.value == 0) return a;
      break;
    case TRT_OP_MUL:
      if (fb && b.value == 1) return a;
      if (fa && a.value == 1) return b;
      if ((fb && b.value == 0) || (fa && a.value == 0)) return dfix(0);
      break;
    case TRT_OP_DIV:
      if (fb && b.value == 1) return a;
      break;
    case TRT_OP_EQUAL:
      /* sizes are never negative */
      if (a.sym >= 0 && b.sym == a.sym) return dfix(1);
      if ((!fa && fb && b.value < 0) || (!fb && fa && a.value < 0))
        return dfix(0);
      break;
    default: break;
  }
  *ok = false;
  return dfix(0);
}

/* Content of a rank-0/1 elementwise result from its inputs' contents (sizes broadcast 1 ↔ n). */
static void sv_elementwise(opt_ctx *c, const trt_node *n, opt_shape *o) {
  int n_in = n->op == TRT_OP_WHERE ? 3 : 2;
  const opt_shape *in[3];
  int len = 1;
  for (int k = 0; k < n_in; k++) {
    if (n->inputs[k] < 0) return;
    in[k] = &c->sh[n->inputs[k]];
    if (in[k]->n_sv < 0) return;
    if (in[k]->n_sv != 1) {
      if (len != 1 && len != in[k]->n_sv) return;
      len = in[k]->n_sv;
    }
  }
  if (o->rank > 1) return;
  bool ok = true;
  for (int i = 0; i < len && ok; i++) {
    trt_dim e[3];
    for (int k = 0; k < n_in; k++) e[k] = in[k]->sv[in[k]->n_sv == 1 ? 0 : i];
    if (n->op == TRT_OP_WHERE) {
      if (e[0].sym >= 0) ok = false;
      else o->sv[i] = e[0].value ? e[1] : e[2];
    } else {
      o->sv[i] = sv_binary(c, n->op, e[0], e[1], &ok);
    }
  }
  if (ok) o->n_sv = len;
}

/* --- helpers for attributes and constant inputs ----------------------------------------------- */

/* The fixed integers of value v's content (a constant or a tracked shape vector). */
static bool input_ints(const opt_ctx *c, int v, int64_t *out, int *n, int max) {
  if (v < 0) return false;
  const opt_shape *s = &c->sh[v];
  if (s->n_sv < 0 || s->n_sv > max) return false;
  for (int i = 0; i < s->n_sv; i++) {
    if (s->sv[i].sym >= 0) return false;
    out[i] = s->sv[i].value;
  }
  *n = s->n_sv;
  return true;
}

static bool attr_ints(const trt_node *n, const char *name, int64_t *out, int *cnt, int max) {
  const trt_attr *a = trt_node_attr(n, name);
  if (!a || a->type != TRT_ATTR_INTS || a->n > max) return false;
  for (int i = 0; i < a->n; i++) out[i] = a->ints[i];
  *cnt = a->n;
  return true;
}

static bool norm_axis(int64_t axis, int rank, int *out) {
  if (axis < -rank || axis >= rank) return false;
  *out = (int)(axis < 0 ? axis + rank : axis);
  return true;
}

/* --- per-op rules ------------------------------------------------------------------------------ */

static void same_as(opt_shape *o, const opt_shape *a) {
  o->dtype = a->dtype;
  o->rank = a->rank;
  memcpy(o->dims, a->dims, sizeof(trt_dim) * (size_t)(a->rank > 0 ? a->rank : 0));
}

static void infer_reduce(opt_ctx *c, const trt_node *n, int64_t opset, opt_shape *o,
                         const opt_shape *x) {
  int64_t axes[TRT_MAX_RANK];
  int n_axes = 0;
  bool axes_attr = (n->op == TRT_OP_REDUCE_MEAN && opset < 18) ||
                   (n->op == TRT_OP_REDUCE_SUM && opset < 13);
  bool have = axes_attr ? attr_ints(n, "axes", axes, &n_axes, TRT_MAX_RANK)
                        : n->n_inputs > 1 && n->inputs[1] >= 0 &&
                              input_ints(c, n->inputs[1], axes, &n_axes, TRT_MAX_RANK);
  bool axes_absent = axes_attr ? !trt_node_attr(n, "axes") : n->n_inputs < 2 || n->inputs[1] < 0;
  if (!have && !axes_absent) return;
  bool keep = trt_attr_int(n, "keepdims", 1) != 0;
  bool noop = trt_attr_int(n, "noop_with_empty_axes", 0) != 0;
  bool reduce[TRT_MAX_RANK] = {false};
  if (x->rank < 0) return;
  if (n_axes == 0) {
    if (noop) {
      same_as(o, x);
      return;
    }
    for (int i = 0; i < x->rank; i++) reduce[i] = true;
  }
  for (int i = 0; i < n_axes; i++) {
    int a;
    if (!norm_axis(axes[i], x->rank, &a)) return;
    reduce[a] = true;
  }
  o->dtype = x->dtype;
  o->rank = 0;
  for (int i = 0; i < x->rank; i++) {
    if (!reduce[i]) o->dims[o->rank++] = x->dims[i];
    else if (keep) o->dims[o->rank++] = dfix(1);
  }
}

static void infer_matmul(opt_ctx *c, opt_shape *o, const opt_shape *a, const opt_shape *b) {
  if (a->rank < 1 || b->rank < 1) return;
  opt_shape A = *a, B = *b;
  if (A.rank == 1) {
    A.dims[1] = A.dims[0];
    A.dims[0] = dfix(1);
    A.rank = 2;
  }
  if (B.rank == 1) {
    B.dims[1] = dfix(1);
    B.rank = 2;
  }
  opt_shape ba = A, bb = B, out;
  ba.rank -= 2;
  bb.rank -= 2;
  if (!bcast(c, &ba, &bb, &out)) return;
  if (out.rank + 2 > TRT_MAX_RANK) return;
  o->dtype = a->dtype;
  o->rank = out.rank;
  memcpy(o->dims, out.dims, sizeof(trt_dim) * (size_t)out.rank);
  if (a->rank > 1) o->dims[o->rank++] = A.dims[A.rank - 2];
  if (b->rank > 1) o->dims[o->rank++] = B.dims[B.rank - 1];
}

static void infer_reshape(opt_ctx *c, const trt_node *n, opt_shape *o, const opt_shape *x,
                          const opt_shape *shape) {
  if (shape->n_sv < 0 || shape->n_sv > TRT_MAX_RANK) return;
  bool allowzero = trt_attr_int(n, "allowzero", 0) != 0;
  int r = shape->n_sv, neg = -1;
  o->dtype = x->dtype;
  o->rank = r;
  for (int i = 0; i < r; i++) {
    trt_dim e = shape->sv[i];
    if (e.sym >= 0) {
      o->dims[i] = e;
    } else if (e.value == 0 && !allowzero) {
      o->dims[i] = x->rank > i ? x->dims[i] : fresh(c, -1);
    } else if (e.value == -1 && neg < 0) {
      neg = i;
    } else if (e.value >= 0) {
      o->dims[i] = e;
    } else {
      o->dims[i] = fresh(c, -1);
    }
  }
  if (neg < 0) return;
  o->dims[neg] = fresh(c, -1);
  /* -1 = numel(x) / product(other dims): cancel symbols pairwise, divide the fixed parts */
  if (x->rank < 0) return;
  int64_t fin = 1, fout = 1;
  int syms[TRT_MAX_RANK], n_syms = 0;
  for (int i = 0; i < x->rank; i++) {
    if (x->dims[i].sym >= 0) syms[n_syms++] = x->dims[i].sym;
    else if (x->dims[i].value < 0 || __builtin_mul_overflow(fin, x->dims[i].value, &fin)) return;
  }
  for (int i = 0; i < r; i++) {
    if (i == neg) continue;
    trt_dim d = o->dims[i];
    if (d.sym >= 0) {
      int k = 0;
      while (k < n_syms && syms[k] != d.sym) k++;
      if (k == n_syms) return;
      syms[k] = syms[--n_syms];
    } else if (d.value >= 0) {
      if (__builtin_mul_overflow(fout, d.value, &fout)) return;
    } else {
      return;
    }
  }
  if (n_syms == 0 && fout > 0 && fin % fout == 0) o->dims[neg] = dfix(fin / fout);
  else if (n_syms == 1 && fin == fout) o->dims[neg] = (trt_dim){-1, syms[0]};
}

/* One axis of a Slice: dim d, start s, end e (possibly a symbol), step st. */
static trt_dim slice_dim(opt_ctx *c, trt_dim d, int64_t s, trt_dim e, int64_t st) {
  if (st == 1 && s == 0) {
    if (e.sym < 0 && e.value >= 0x7fffffff) return d;
    if (e.sym >= 0 && opt_dim_eq(d, e)) return d;
    if (e.sym >= 0 && d.sym < 0 && d.value >= 1) return fresh(c, e.sym); /* min(E, D) */
  }
  if (d.sym >= 0 || d.value < 0 || e.sym >= 0 || st == 0 || st == INT64_MIN) return fresh(c, -1);
  int64_t D = d.value, end = e.value, start = s;
  if (start < 0) start += D;
  if (end < 0) end += D;
  if (st > 0) {
    start = TRT_MAX(0, TRT_MIN(start, D));
    end = TRT_MAX(0, TRT_MIN(end, D));
    return dfix(end > start ? (end - start - 1) / st + 1 : 0);
  }
  start = TRT_MAX(-1, TRT_MIN(start, D - 1));
  end = TRT_MAX(-1, TRT_MIN(end, D - 1));
  return dfix(start > end ? (start - end - 1) / -st + 1 : 0);
}

static void infer_slice(opt_ctx *c, const trt_node *n, int64_t opset, opt_shape *o,
                        const opt_shape *x) {
  if (x->rank < 0) return;
  int64_t starts[TRT_MAX_RANK], axes[TRT_MAX_RANK], steps[TRT_MAX_RANK];
  trt_dim ends[TRT_MAX_RANK];
  int ns = 0, na = 0, nst = 0, ne = 0;
  if (opset < 10) {
    int64_t e64[TRT_MAX_RANK];
    if (!attr_ints(n, "starts", starts, &ns, TRT_MAX_RANK) ||
        !attr_ints(n, "ends", e64, &ne, TRT_MAX_RANK))
      return;
    for (int i = 0; i < ne; i++) ends[i] = dfix(e64[i]);
    if (!attr_ints(n, "axes", axes, &na, TRT_MAX_RANK)) na = -1;
    nst = -1;
  } else {
    if (n->n_inputs < 3 || !input_ints(c, n->inputs[1], starts, &ns, TRT_MAX_RANK)) return;
    if (n->inputs[2] < 0) return;
    const opt_shape *es = &c->sh[n->inputs[2]];
    if (es->n_sv < 0 || es->n_sv > TRT_MAX_RANK) return;
    ne = es->n_sv;
    memcpy(ends, es->sv, sizeof(trt_dim) * (size_t)ne);
    na = nst = -1;
    if (n->n_inputs > 3 && n->inputs[3] >= 0 &&
        !input_ints(c, n->inputs[3], axes, &na, TRT_MAX_RANK))
      return;
    if (n->n_inputs > 4 && n->inputs[4] >= 0 &&
        !input_ints(c, n->inputs[4], steps, &nst, TRT_MAX_RANK))
      return;
  }
  if (ne != ns || (na >= 0 && na != ns) || (nst >= 0 && nst != ns)) return;
  same_as(o, x);
  bool done[TRT_MAX_RANK] = {false};
  for (int i = 0; i < ns; i++) {
    int a;
    if (!norm_axis(na >= 0 ? axes[i] : i, x->rank, &a) || done[a]) {
      o->rank = -1;
      return;
    }
    done[a] = true;
    int64_t st = nst >= 0 ? steps[i] : 1;
    o->dims[a] = slice_dim(c, x->dims[a], starts[i], ends[i], st);
  }
  /* content of a sliced shape vector */
  if (x->n_sv >= 0 && x->rank == 1 && dim_fixed(o->dims[0]) && ns == 1 && ends[0].sym < 0) {
    int64_t D = x->n_sv, s = starts[0], st = nst >= 0 ? steps[0] : 1;
    if (st == 1) {
      if (s < 0) s += D;
      s = TRT_MAX(0, TRT_MIN(s, D));
      if (s + o->dims[0].value <= D) {
        o->n_sv = (int)o->dims[0].value;
        memcpy(o->sv, x->sv + s, sizeof(trt_dim) * (size_t)o->n_sv);
      }
    }
  }
}

static void infer_constant_attr(const trt_node *n, opt_shape *o) {
  const trt_attr *a = trt_node_attr(n, "value");
  if (a && a->type == TRT_ATTR_TENSOR) {
    from_tensor(o, &a->t);
    return;
  }
  if ((a = trt_node_attr(n, "value_int")) && a->type == TRT_ATTR_INT) {
    o->dtype = TINYRT_INT64;
    o->rank = 0;
    o->n_sv = 1;
    o->sv[0] = dfix(a->i);
  } else if ((a = trt_node_attr(n, "value_ints")) && a->type == TRT_ATTR_INTS) {
    o->dtype = TINYRT_INT64;
    o->rank = 1;
    o->dims[0] = dfix(a->n);
    if (a->n <= OPT_SV_MAX) {
      o->n_sv = a->n;
      for (int i = 0; i < a->n; i++) o->sv[i] = dfix(a->ints[i]);
    }
  } else if ((a = trt_node_attr(n, "value_float")) && a->type == TRT_ATTR_FLOAT) {
    o->dtype = TINYRT_FLOAT;
    o->rank = 0;
  } else if ((a = trt_node_attr(n, "value_floats")) && a->type == TRT_ATTR_FLOATS) {
    o->dtype = TINYRT_FLOAT;
    o->rank = 1;
    o->dims[0] = dfix(a->n);
  }
}

void opt_infer_node(opt_ctx *c, int ni) {
  const trt_node *n = &c->g->nodes[ni];
  if (n->n_outputs < 1 || n->outputs[0] < 0) return;
  for (int k = 0; k < n->n_outputs; k++)
    if (n->outputs[k] >= 0) set_unknown(&c->sh[n->outputs[k]]);
  opt_shape *o = &c->sh[n->outputs[0]];
  static const opt_shape none = {TINYRT_UNDEFINED, -1, {{0, 0}}, -1, {{0, 0}}};
  const opt_shape *x = n->n_inputs > 0 && n->inputs[0] >= 0 ? &c->sh[n->inputs[0]] : &none;
  const opt_shape *y = n->n_inputs > 1 && n->inputs[1] >= 0 ? &c->sh[n->inputs[1]] : &none;
  int64_t opset = trt_graph_opset(c->g, n->domain);
  int64_t ints[TRT_MAX_RANK];
  int cnt = 0;

  switch (n->op) {
    case TRT_OP_ADD: case TRT_OP_SUB: case TRT_OP_MUL: case TRT_OP_DIV: case TRT_OP_POW:
    case TRT_OP_EQUAL: case TRT_OP_LESS: case TRT_OP_GREATER: {
      bool cmp = n->op == TRT_OP_EQUAL || n->op == TRT_OP_LESS || n->op == TRT_OP_GREATER;
      o->dtype = cmp ? TINYRT_BOOL : x->dtype;
      if (bcast(c, x, y, o) && n->op != TRT_OP_POW && n->op != TRT_OP_LESS &&
          n->op != TRT_OP_GREATER)
        sv_elementwise(c, n, o);
      break;
    }
    case TRT_OP_WHERE: {
      if (n->n_inputs < 3 || n->inputs[2] < 0) break;
      opt_shape t;
      o->dtype = y->dtype;
      if (bcast(c, x, y, &t) && bcast(c, &t, &c->sh[n->inputs[2]], o)) sv_elementwise(c, n, o);
      break;
    }
    case TRT_OP_SQRT: case TRT_OP_ERF: case TRT_OP_TANH: case TRT_OP_EXP: case TRT_OP_LOG:
    case TRT_OP_RELU: case TRT_OP_SIGMOID: case TRT_OP_CLIP: case TRT_OP_SOFTMAX:
    case TRT_OP_GELU: case TRT_OP_FAST_GELU: case TRT_OP_BIAS_GELU: case TRT_OP_LAYER_NORM:
      same_as(o, x);
      break;
    case TRT_OP_SKIP_LAYER_NORM:
      same_as(o, x);
      if (n->n_outputs > 3 && n->outputs[3] >= 0) same_as(&c->sh[n->outputs[3]], x);
      break;
    case TRT_OP_EMBED_LAYER_NORM: { /* ids [B, S], word table [V, H] → [B, S, H] */
      const opt_shape *w = n->n_inputs > 2 && n->inputs[2] >= 0 ? &c->sh[n->inputs[2]] : &none;
      if (x->rank != 2 || w->rank != 2) break;
      o->dtype = w->dtype;
      o->rank = 3;
      o->dims[0] = x->dims[0];
      o->dims[1] = x->dims[1];
      o->dims[2] = w->dims[1];
      if (n->n_outputs > 2 && n->outputs[2] >= 0) same_as(&c->sh[n->outputs[2]], o);
      break;
    }
    case TRT_OP_NEG: case TRT_OP_IDENTITY:
      same_as(o, x);
      if (x->n_sv >= 0 && n->op == TRT_OP_IDENTITY) {
        o->n_sv = x->n_sv;
        memcpy(o->sv, x->sv, sizeof(trt_dim) * (size_t)x->n_sv);
      }
      break;
    case TRT_OP_NOT:
      same_as(o, x);
      o->dtype = TINYRT_BOOL;
      break;
    case TRT_OP_CAST: {
      same_as(o, x);
      o->dtype = (tinyrt_dtype)trt_attr_int(n, "to", TINYRT_UNDEFINED);
      if (x->n_sv >= 0 && is_int(x->dtype) && is_int(o->dtype)) {
        o->n_sv = x->n_sv;
        memcpy(o->sv, x->sv, sizeof(trt_dim) * (size_t)x->n_sv);
      }
      break;
    }
    case TRT_OP_MATMUL:
      infer_matmul(c, o, x, y);
      break;
    case TRT_OP_GEMM: {
      if (x->rank != 2 || y->rank != 2) break;
      bool ta = trt_attr_int(n, "transA", 0) != 0, tb = trt_attr_int(n, "transB", 0) != 0;
      o->dtype = x->dtype;
      o->rank = 2;
      o->dims[0] = x->dims[ta ? 1 : 0];
      o->dims[1] = y->dims[tb ? 0 : 1];
      break;
    }
    case TRT_OP_FUSED_GEMM: case TRT_OP_GEMM_SKIP_LAYER_NORM:
      if (x->rank < 1 || y->rank != 2) break;
      same_as(o, x);
      o->dims[x->rank - 1] = y->dims[1];
      if (n->op == TRT_OP_GEMM_SKIP_LAYER_NORM && n->n_outputs > 1 && n->outputs[1] >= 0)
        same_as(&c->sh[n->outputs[1]], o);
      break;
    case TRT_OP_ATTENTION:
      if (x->rank != 3 || y->rank != 2) break;
      same_as(o, x);
      o->dims[2] = dim_fixed(y->dims[1]) && y->dims[1].value % 3 == 0
                       ? dfix(y->dims[1].value / 3)
                       : fresh(c, -1);
      break;
    case TRT_OP_REDUCE_MEAN: case TRT_OP_REDUCE_SUM:
      infer_reduce(c, n, opset, o, x);
      break;
    case TRT_OP_GATHER: {
      int axis;
      if (x->rank < 1 || y->rank < 0 || x->rank + y->rank - 1 > TRT_MAX_RANK ||
          !norm_axis(trt_attr_int(n, "axis", 0), x->rank, &axis))
        break;
      o->dtype = x->dtype;
      o->rank = 0;
      for (int i = 0; i < axis; i++) o->dims[o->rank++] = x->dims[i];
      for (int i = 0; i < y->rank; i++) o->dims[o->rank++] = y->dims[i];
      for (int i = axis + 1; i < x->rank; i++) o->dims[o->rank++] = x->dims[i];
      if (x->n_sv >= 0 && x->rank == 1 && input_ints(c, n->inputs[1], ints, &cnt, OPT_SV_MAX) &&
          o->rank <= 1) {
        bool ok = true;
        for (int i = 0; i < cnt && ok; i++) {
          int64_t idx = ints[i] < 0 ? ints[i] + x->n_sv : ints[i];
          if (idx < 0 || idx >= x->n_sv) ok = false;
          else o->sv[i] = x->sv[idx];
        }
        if (ok) o->n_sv = cnt;
      }
      break;
    }
    case TRT_OP_SHAPE: {
      if (x->rank < 0) {
        o->dtype = TINYRT_INT64;
        o->rank = 1;
        o->dims[0] = fresh(c, -1);
        break;
      }
      int64_t start = opset >= 15 ? trt_attr_int(n, "start", 0) : 0;
      int64_t end = opset >= 15 ? trt_attr_int(n, "end", x->rank) : x->rank;
      if (start < 0) start += x->rank;
      if (end < 0) end += x->rank;
      start = TRT_MAX(0, TRT_MIN(start, x->rank));
      end = TRT_MAX(start, TRT_MIN(end, x->rank));
      o->dtype = TINYRT_INT64;
      o->rank = 1;
      o->dims[0] = dfix(end - start);
      o->n_sv = (int)(end - start);
      memcpy(o->sv, x->dims + start, sizeof(trt_dim) * (size_t)o->n_sv);
      break;
    }
    case TRT_OP_SIZE: {
      o->dtype = TINYRT_INT64;
      o->rank = 0;
      if (opt_shape_fixed(x)) {
        int64_t p = 1;
        bool ok = true;
        for (int i = 0; i < x->rank && ok; i++) ok = !__builtin_mul_overflow(p, x->dims[i].value, &p);
        if (ok) {
          o->n_sv = 1;
          o->sv[0] = dfix(p);
        }
      }
      break;
    }
    case TRT_OP_UNSQUEEZE: case TRT_OP_SQUEEZE: {
      bool unsq = n->op == TRT_OP_UNSQUEEZE;
      bool have = opset < 13 ? attr_ints(n, "axes", ints, &cnt, TRT_MAX_RANK)
                             : n->n_inputs > 1 && n->inputs[1] >= 0 &&
                                   input_ints(c, n->inputs[1], ints, &cnt, TRT_MAX_RANK);
      if (x->rank < 0) break;
      if (unsq) {
        if (!have) break;
        int r = x->rank + cnt;
        bool ins[TRT_MAX_RANK] = {false};
        if (r > TRT_MAX_RANK) break;
        bool ok = true;
        for (int i = 0; i < cnt && ok; i++) {
          int a;
          ok = norm_axis(ints[i], r, &a) && !ins[a];
          if (ok) ins[a] = true;
        }
        if (!ok) break;
        o->dtype = x->dtype;
        o->rank = r;
        for (int i = 0, j = 0; i < r; i++) o->dims[i] = ins[i] ? dfix(1) : x->dims[j++];
      } else {
        bool drop[TRT_MAX_RANK] = {false};
        bool ok = true;
        if (have) {
          for (int i = 0; i < cnt && ok; i++) {
            int a;
            ok = norm_axis(ints[i], x->rank, &a);
            if (ok) drop[a] = true;
          }
        } else {
          for (int i = 0; i < x->rank && ok; i++) {
            ok = dim_fixed(x->dims[i]);
            drop[i] = ok && x->dims[i].value == 1;
          }
        }
        if (!ok) break;
        o->dtype = x->dtype;
        o->rank = 0;
        for (int i = 0; i < x->rank; i++)
          if (!drop[i]) o->dims[o->rank++] = x->dims[i];
      }
      if (x->n_sv >= 0) {
        o->n_sv = x->n_sv;
        memcpy(o->sv, x->sv, sizeof(trt_dim) * (size_t)x->n_sv);
      }
      break;
    }
    case TRT_OP_CONCAT: {
      int axis;
      if (x->rank < 1 || !norm_axis(trt_attr_int(n, "axis", 0), x->rank, &axis)) break;
      same_as(o, x);
      int64_t sum = 0;
      bool fixed = true, sv_ok = true;
      int n_sv = 0;
      for (int k = 0; k < n->n_inputs; k++) {
        if (n->inputs[k] < 0) continue;
        const opt_shape *s = &c->sh[n->inputs[k]];
        if (s->rank != x->rank) {
          o->rank = -1;
          break;
        }
        trt_dim d = s->dims[axis];
        if (d.sym >= 0 || d.value < 0) fixed = false;
        else if (__builtin_add_overflow(sum, d.value, &sum)) fixed = false;
        if (s->n_sv < 0 || n_sv + s->n_sv > OPT_SV_MAX) sv_ok = false;
        else {
          memcpy(o->sv + n_sv, s->sv, sizeof(trt_dim) * (size_t)s->n_sv);
          n_sv += s->n_sv;
        }
      }
      if (o->rank < 0) break;
      o->dims[axis] = fixed ? dfix(sum) : fresh(c, -1);
      if (sv_ok && x->rank == 1) o->n_sv = n_sv;
      break;
    }
    case TRT_OP_RESHAPE:
      infer_reshape(c, n, o, x, y);
      if (o->rank >= 0 && x->n_sv >= 0) {
        o->n_sv = x->n_sv;
        memcpy(o->sv, x->sv, sizeof(trt_dim) * (size_t)x->n_sv);
      }
      break;
    case TRT_OP_TRANSPOSE: {
      if (x->rank < 0) break;
      const trt_attr *p = trt_node_attr(n, "perm");
      if (p && (p->type != TRT_ATTR_INTS || p->n != x->rank)) break;
      bool used[TRT_MAX_RANK] = {false}, ok = true;
      o->dtype = x->dtype;
      o->rank = x->rank;
      for (int i = 0; i < x->rank && ok; i++) {
        int64_t src = p ? p->ints[i] : x->rank - 1 - i;
        ok = src >= 0 && src < x->rank && !used[src];
        if (ok) {
          used[src] = true;
          o->dims[i] = x->dims[src];
        }
      }
      if (!ok) o->rank = -1;
      break;
    }
    case TRT_OP_SLICE:
      infer_slice(c, n, opset, o, x);
      break;
    case TRT_OP_EXPAND: {
      if (y->n_sv < 0) break;
      opt_shape t = {TINYRT_UNDEFINED, y->n_sv, {{0, 0}}, -1, {{0, 0}}};
      memcpy(t.dims, y->sv, sizeof(trt_dim) * (size_t)y->n_sv);
      for (int i = 0; i < t.rank; i++)
        if (!dim_known(t.dims[i])) t.dims[i] = fresh(c, -1);
      o->dtype = x->dtype;
      bcast(c, x, &t, o);
      break;
    }
    case TRT_OP_CONSTANT_OF_SHAPE: {
      const trt_attr *a = trt_node_attr(n, "value");
      o->dtype = a && a->type == TRT_ATTR_TENSOR ? a->t.dtype : TINYRT_FLOAT;
      if (x->n_sv < 0) break;
      o->rank = x->n_sv;
      for (int i = 0; i < o->rank; i++)
        o->dims[i] = dim_known(x->sv[i]) ? x->sv[i] : fresh(c, -1);
      if (o->rank == 1 && dim_fixed(o->dims[0]) && o->dims[0].value <= OPT_SV_MAX &&
          is_int(o->dtype)) {
        int64_t fill = a ? trt_tensor_get_int(&a->t, 0) : 0;
        o->n_sv = (int)o->dims[0].value;
        for (int i = 0; i < o->n_sv; i++) o->sv[i] = dfix(fill);
      }
      break;
    }
    case TRT_OP_CONSTANT:
      infer_constant_attr(n, o);
      break;
    case TRT_OP_RANGE: {
      int64_t s = 0, l = 0, d = 0;
      int k1, k2, k3;
      o->dtype = x->dtype;
      o->rank = 1;
      o->dims[0] = fresh(c, -1);
      if (n->n_inputs == 3 && is_int(x->dtype) && input_ints(c, n->inputs[0], &s, &k1, 1) &&
          input_ints(c, n->inputs[1], &l, &k2, 1) && input_ints(c, n->inputs[2], &d, &k3, 1) &&
          k1 == 1 && k2 == 1 && k3 == 1 && d != 0) {
        int64_t span, num;
        if (!__builtin_sub_overflow(l, s, &span) &&
            !__builtin_add_overflow(span, d + (d > 0 ? -1 : 1), &num) && d != -1) {
          int64_t len = num / d;
          o->dims[0] = dfix(len > 0 ? len : 0);
        }
      }
      break;
    }
    case TRT_OP_SPLIT: {
      int axis;
      if (x->rank < 1 || !norm_axis(trt_attr_int(n, "axis", 0), x->rank, &axis)) break;
      for (int k = 0; k < n->n_outputs; k++) {
        if (n->outputs[k] < 0) continue;
        opt_shape *ok = &c->sh[n->outputs[k]];
        same_as(ok, x);
        ok->dims[axis] = fresh(c, -1);
      }
      break;
    }
    default:
      break;
  }
  /* a rank without dims would confuse every reader: give unknown dims their own symbols */
  for (int k = 0; k < n->n_outputs; k++) {
    if (n->outputs[k] < 0) continue;
    opt_shape *s = &c->sh[n->outputs[k]];
    for (int i = 0; i < s->rank; i++)
      if (!dim_known(s->dims[i])) s->dims[i] = fresh(c, -1);
    if (s->rank < 0 && s->dtype == TINYRT_UNDEFINED) {
      /* fall back on what the model declared (value_info), when anything */
      const trt_value *val = &c->g->values[n->outputs[k]];
      if (val->rank >= 0 || val->dtype != TINYRT_UNDEFINED) opt_shape_init(c, n->outputs[k]);
    }
  }
}
