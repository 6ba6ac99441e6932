/* The optimizer's driver: runs the passes by level, keeps the per-value bookkeeping they share
 * (reader lists, symbolic shapes) and fills the report. */
#include "opt/opt_internal.h"

#include <stdio.h>
#include <string.h>

static const char *const rewrite_names[TRT_OPT_REWRITE_COUNT] = {
    [TRT_OPT_CONSTANT_NODES] = "constant_nodes",
    [TRT_OPT_FOLDED] = "constant_folding",
    [TRT_OPT_SHAPE_FOLDED] = "shape_folding",
    [TRT_OPT_DEAD] = "dead_nodes",
    [TRT_OPT_LAYER_NORM] = "layer_norm",
    [TRT_OPT_SKIP_LAYER_NORM] = "skip_layer_norm",
    [TRT_OPT_GELU] = "gelu",
    [TRT_OPT_FAST_GELU] = "fast_gelu",
    [TRT_OPT_BIAS_GELU] = "bias_gelu",
    [TRT_OPT_GEMM_BIAS] = "gemm_bias",
    [TRT_OPT_GEMM_GELU] = "gemm_gelu",
    [TRT_OPT_ATTENTION] = "attention",
    [TRT_OPT_GEMM_SKIP_LAYER_NORM] = "gemm_skip_layer_norm",
    [TRT_OPT_GELU_TO_FAST] = "gelu_to_fast_gelu",
    [TRT_OPT_REMOVE_PADDING] = "remove_padding",
    [TRT_OPT_EMBED_LAYER_NORM] = "embed_layer_norm",
};

const char *trt_opt_rewrite_name(int r) {
  return r >= 0 && r < TRT_OPT_REWRITE_COUNT ? rewrite_names[r] : "?";
}

/* --- per-value bookkeeping ------------------------------------------------------------------ */

int opt_track_values(opt_ctx *c) {
  trt_graph *g = c->g;
  if (g->n_values > c->cap_tracked) {
    int cap = c->cap_tracked ? c->cap_tracked : 64;
    while (cap < g->n_values) cap *= 2;
    opt_shape *sh = trt_realloc(&g->al, c->sh, sizeof *sh * (size_t)c->cap_tracked,
                                sizeof *sh * (size_t)cap);
    if (!sh) return trt_error(c->err, TINYRT_ERR_NOMEM, "out of memory");
    c->sh = sh;
    int *uh = trt_realloc(&g->al, c->use_head, sizeof *uh * (size_t)c->cap_tracked,
                          sizeof *uh * (size_t)cap);
    if (!uh) return trt_error(c->err, TINYRT_ERR_NOMEM, "out of memory");
    c->use_head = uh;
    c->cap_tracked = cap;
  }
  for (int v = c->n_tracked; v < g->n_values; v++) {
    c->use_head[v] = -1;
    opt_shape_init(c, v);
  }
  c->n_tracked = g->n_values;
  return TINYRT_OK;
}

int opt_add_use(opt_ctx *c, int v, int ni) {
  if (v < 0) return TINYRT_OK;
  if (c->n_use == c->cap_use) {
    int cap = c->cap_use ? c->cap_use * 2 : 1024;
    int *nx = trt_realloc(&c->g->al, c->use_next, sizeof(int) * (size_t)c->cap_use,
                          sizeof(int) * (size_t)cap);
    if (!nx) return trt_error(c->err, TINYRT_ERR_NOMEM, "out of memory");
    c->use_next = nx;
    int *nd = trt_realloc(&c->g->al, c->use_node, sizeof(int) * (size_t)c->cap_use,
                          sizeof(int) * (size_t)cap);
    if (!nd) return trt_error(c->err, TINYRT_ERR_NOMEM, "out of memory");
    c->use_node = nd;
    c->cap_use = cap;
  }
  c->use_node[c->n_use] = ni;
  c->use_next[c->n_use] = c->use_head[v];
  c->use_head[v] = c->n_use++;
  return TINYRT_OK;
}

int opt_build_uses(opt_ctx *c) {
  int rc = opt_track_values(c);
  if (rc) return rc;
  for (int v = 0; v < c->n_tracked; v++) c->use_head[v] = -1;
  c->n_use = 0;
  for (int ni = 0; ni < c->g->n_nodes; ni++) {
    const trt_node *n = &c->g->nodes[ni];
    if (n->dead) continue;
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] >= 0 && (rc = opt_add_use(c, n->inputs[k], ni))) return rc;
  }
  return TINYRT_OK;
}

static bool node_reads(const trt_node *n, int v) {
  for (int k = 0; k < n->n_inputs; k++)
    if (n->inputs[k] == v) return true;
  return false;
}

int opt_readers(const opt_ctx *c, int v, int *out, int max) {
  int count = 0;
  if (v < 0 || v >= c->n_tracked) return 0;
  for (int e = c->use_head[v]; e >= 0; e = c->use_next[e]) {
    int ni = c->use_node[e];
    const trt_node *n = &c->g->nodes[ni];
    /* entries go stale when a node dies or is rewritten; a node may also be listed twice */
    if (n->dead || !node_reads(n, v)) continue;
    bool seen = false;
    for (int e2 = c->use_head[v]; e2 != e && !seen; e2 = c->use_next[e2]) seen = c->use_node[e2] == ni;
    if (seen) continue;
    if (count < max) out[count] = ni;
    count++;
  }
  return count;
}

int opt_sole_reader(const opt_ctx *c, int v) {
  int r[2];
  if (v < 0 || c->g->values[v].is_output) return -1;
  return opt_readers(c, v, r, 2) == 1 ? r[0] : -1;
}

int opt_sole_reader_op(const opt_ctx *c, int v, int op) {
  int r = opt_sole_reader(c, v);
  return r >= 0 && c->g->nodes[r].op == op ? r : -1;
}

int opt_other_input(const trt_node *n, int v) {
  if (n->n_inputs != 2) return -1;
  if (n->inputs[0] == v && n->inputs[1] != v) return n->inputs[1];
  if (n->inputs[1] == v && n->inputs[0] != v) return n->inputs[0];
  return -1;
}

bool opt_scalar_near(const opt_ctx *c, int v, double want, double rel) {
  double x;
  if (!opt_const_scalar(c, v, &x)) return false;
  return x == want || (x - want <= rel * (want < 0 ? -want : want) &&
                       want - x <= rel * (want < 0 ? -want : want));
}

int opt_producer(const opt_ctx *c, int v, int op) {
  if (v < 0) return -1;
  const trt_value *val = &c->g->values[v];
  if (val->kind != TRT_VALUE_INTERMEDIATE || val->producer < 0) return -1;
  const trt_node *n = &c->g->nodes[val->producer];
  if (n->dead || (op >= 0 && n->op != op)) return -1;
  return val->producer;
}

const trt_tensor *opt_const(const opt_ctx *c, int v) {
  if (v < 0 || c->g->values[v].kind != TRT_VALUE_CONSTANT) return NULL;
  const trt_tensor *t = &c->g->values[v].constant;
  return t->data || trt_tensor_numel(t) == 0 ? t : NULL;
}

bool opt_const_scalar(const opt_ctx *c, int v, double *out) {
  const trt_tensor *t = opt_const(c, v);
  if (!t || trt_tensor_numel(t) != 1) return false;
  switch (t->dtype) {
    case TINYRT_FLOAT: *out = *(const float *)t->data; return true;
    case TINYRT_DOUBLE: *out = *(const double *)t->data; return true;
    default: return false;
  }
}

bool opt_const_vector(const opt_ctx *c, int v, int64_t n) {
  const trt_tensor *t = opt_const(c, v);
  if (!t || t->dtype != TINYRT_FLOAT || t->rank < 1 || t->dims[t->rank - 1] != n) return false;
  for (int i = 0; i < t->rank - 1; i++)
    if (t->dims[i] != 1) return false;
  return true;
}

int opt_new_const(opt_ctx *c, const char *hint, tinyrt_dtype dtype, int rank, const int64_t *dims,
                  void **data) {
  trt_graph *g = c->g;
  char name[256];
  int v;
  do {
    snprintf(name, sizeof name, "%s/tinyrt_opt_%d", hint, c->n_names++);
  } while (trt_graph_find_value(g, name, strlen(name)) >= 0);
  if ((v = trt_graph_add_value(g, name, strlen(name))) < 0) return -1;
  trt_tensor t = {dtype, rank, {0}, NULL};
  memcpy(t.dims, dims, sizeof(int64_t) * (size_t)rank);
  size_t nbytes = trt_tensor_nbytes(&t);
  t.data = trt_arena_alloc_aligned(&g->arena, nbytes ? nbytes : 1, TRT_ALIGN);
  if (!t.data) return -1;
  trt_value *val = &g->values[v];
  val->kind = TRT_VALUE_CONSTANT;
  val->constant = t;
  val->dtype = dtype;
  val->rank = rank;
  for (int i = 0; i < rank; i++) val->dims[i] = (trt_dim){dims[i], -1};
  if (opt_track_values(c)) return -1;
  *data = t.data;
  return v;
}

void opt_make_const(opt_ctx *c, int v, const trt_tensor *t) {
  trt_value *val = &c->g->values[v];
  val->kind = TRT_VALUE_CONSTANT;
  val->producer = -1;
  val->constant = *t;
  val->dtype = t->dtype;
  val->rank = t->rank;
  for (int i = 0; i < t->rank; i++) val->dims[i] = (trt_dim){t->dims[i], -1};
  opt_shape_init(c, v);
}

trt_attr opt_attr_int(const char *name, int64_t v) {
  trt_attr a = {0};
  a.name = name;
  a.type = TRT_ATTR_INT;
  a.i = v;
  return a;
}

trt_attr opt_attr_float(const char *name, float v) {
  trt_attr a = {0};
  a.name = name;
  a.type = TRT_ATTR_FLOAT;
  a.f = v;
  return a;
}

trt_attr opt_attr_string(const char *name, const char *s) {
  trt_attr a = {0};
  a.name = name;
  a.type = TRT_ATTR_STRING;
  a.s = s;
  a.s_len = strlen(s);
  return a;
}

/* Fused ops live in domains the model may not import; kernels get the domain's opset from it. */
static int ensure_domain(trt_graph *g, const char *domain) {
  if (trt_graph_opset(g, domain) >= 0) return TINYRT_OK;
  trt_opset *o = trt_arena_alloc(&g->arena, sizeof *o * (size_t)(g->n_opsets + 1));
  if (!o) return TINYRT_ERR_NOMEM;
  memcpy(o, g->opsets, sizeof *o * (size_t)g->n_opsets);
  o[g->n_opsets].domain = domain; /* a string literal of the op table: lives forever */
  o[g->n_opsets].version = 1;
  g->opsets = o;
  g->n_opsets++;
  return TINYRT_OK;
}

int opt_rewrite_node(opt_ctx *c, int ni, int op, const int *ins, int n_in, const int *outs,
                     int n_out, const trt_attr *attrs, int n_attrs) {
  trt_graph *g = c->g;
  const trt_op_def *def = trt_op_get(op);
  if (!def) return trt_error(c->err, TINYRT_ERR_INTERNAL, "optimizer: op %d has no definition", op);
  int *in_arr = trt_arena_alloc(&g->arena, sizeof(int) * (size_t)(n_in ? n_in : 1));
  int *out_arr = trt_arena_alloc(&g->arena, sizeof(int) * (size_t)(n_out ? n_out : 1));
  trt_attr *at = trt_arena_alloc(&g->arena, sizeof(trt_attr) * (size_t)(n_attrs ? n_attrs : 1));
  if (!in_arr || !out_arr || !at || ensure_domain(g, def->domain))
    return trt_error(c->err, TINYRT_ERR_NOMEM, "out of memory");
  memcpy(in_arr, ins, sizeof(int) * (size_t)n_in);
  memcpy(out_arr, outs, sizeof(int) * (size_t)n_out);
  if (n_attrs) memcpy(at, attrs, sizeof(trt_attr) * (size_t)n_attrs);
  trt_node *n = &g->nodes[ni];
  n->op = op;
  n->op_type = def->name;
  n->domain = def->domain;
  n->inputs = in_arr;
  n->n_inputs = n_in;
  n->outputs = out_arr;
  n->n_outputs = n_out;
  n->attrs = at;
  n->n_attrs = n_attrs;
  n->dead = false;
  for (int k = 0; k < n_out; k++)
    if (outs[k] >= 0) g->values[outs[k]].producer = ni;
  for (int k = 0; k < n_in; k++) {
    int rc = opt_add_use(c, ins[k], ni);
    if (rc) return rc;
  }
  return TINYRT_OK;
}

void opt_kill_node(opt_ctx *c, int ni) { c->g->nodes[ni].dead = true; }

/* --- dead nodes ----------------------------------------------------------------------------- */

int trt_opt_remove_dead_nodes(trt_graph *g, int *removed_out, tinyrt_error *err) {
  int removed = 0;
  int *readers = NULL;
  int rc = trt_graph_consumer_counts(g, &readers, err);
  if (rc) return rc;
  /* One backward sweep is enough for nodes in model order (producers before readers); the loop
   * only repeats for graphs stored out of order. */
  for (bool changed = true; changed;) {
    changed = false;
    for (int ni = g->n_nodes - 1; ni >= 0; ni--) {
      trt_node *n = &g->nodes[ni];
      if (n->dead) continue;
      bool used = false;
      for (int k = 0; k < n->n_outputs && !used; k++) {
        int v = n->outputs[k];
        used = v >= 0 && (readers[v] > 0 || g->values[v].is_output);
      }
      if (!used) {
        n->dead = true;
        removed++;
        changed = true;
        for (int k = 0; k < n->n_inputs; k++)
          if (n->inputs[k] >= 0) readers[n->inputs[k]]--;
      }
    }
  }
  trt_free(&g->al, readers);
  if (removed_out) *removed_out = removed;
  return TINYRT_OK;
}

/* --- driver --------------------------------------------------------------------------------- */

static void count_ops(const trt_graph *g, int *ops, int *total) {
  memset(ops, 0, sizeof(int) * TRT_OP_COUNT);
  *total = 0;
  for (int ni = 0; ni < g->n_nodes; ni++) {
    const trt_node *n = &g->nodes[ni];
    if (n->dead) continue;
    (*total)++;
    if (n->op >= 0 && n->op < TRT_OP_COUNT) ops[n->op]++;
  }
}

static void ctx_free(opt_ctx *c) {
  const trt_alloc *al = &c->g->al;
  trt_free(al, c->sh);
  trt_free(al, c->use_head);
  trt_free(al, c->use_next);
  trt_free(al, c->use_node);
  trt_free(al, c->fresh_base);
}

/* Level 2: each family sees the graph the previous one left. The order matters: Gelu before the
 * GEMM fusion (which absorbs it as an epilogue), attention before the GEMM fusion (which would
 * otherwise take the Q/K/V projections), LayerNorm before the embeddings (whose last Add
 * SkipLayerNorm would otherwise take when the position rows have the batch's shape) and both
 * before SkipLayerNorm, and both the GEMM and the SkipLayerNorm fusions before the one that
 * joins their results. */
static int fuse(opt_ctx *c) {
  typedef int (*pass_fn)(opt_ctx *);
  static const pass_fn passes[] = {opt_fuse_layer_norm,         opt_fuse_embed_layer_norm,
                                   opt_fuse_gelu,               opt_fuse_attention,
                                   opt_fuse_matmul,             opt_fuse_skip_layer_norm,
                                   opt_fuse_gemm_skip_layer_norm, opt_fuse_bias_gelu};
  for (size_t i = 0; i < TRT_ARRAY_LEN(passes); i++) {
    int rc = opt_build_uses(c);
    if (rc || (rc = passes[i](c))) return rc;
  }
  return TINYRT_OK;
}

int trt_optimize(trt_graph *g, const tinyrt_options *opts, trt_opt_report *report,
                 tinyrt_error *err) {
  uint64_t t0 = trt_now_ns();
  trt_opt_report local;
  trt_opt_report *rep = report ? report : &local;
  memset(rep, 0, sizeof *rep);
  if (opts->opt_level < -1 || opts->opt_level > 2)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "opt_level %d is not one of -1 (highest), 0, 1, 2",
                     opts->opt_level);
  int level = opts->opt_level < 0 ? 2 : opts->opt_level;
  rep->level = level;
  rep->fast_gelu = opts->fast_gelu != 0;
  count_ops(g, rep->ops_before, &rep->nodes_before);

  opt_ctx c = {.g = g, .opts = opts, .rep = rep, .err = err};
  int rc = TINYRT_OK;
  if (level >= 1 || opts->fast_gelu || opts->remove_padding) {
    if ((rc = opt_build_uses(&c))) goto done;
    /* fast_gelu below level 2 still has to recognize the erf pattern, whose constants are
     * Constant nodes until folded */
    if ((rc = opt_fold(&c, level < 1))) goto done;
    if (level >= 2 && (rc = fuse(&c))) goto done;
    if (opts->fast_gelu) {
      if (level < 2 && ((rc = opt_build_uses(&c)) || (rc = opt_fuse_gelu(&c)))) goto done;
      if ((rc = opt_rewrite_fast_gelu(&c))) goto done;
    }
    /* after the fusions: it works on the Attention nodes they make */
    if (opts->remove_padding && level >= 2 &&
        ((rc = opt_build_uses(&c)) || (rc = opt_remove_padding(&c))))
      goto done;
    int removed = 0;
    if ((rc = trt_opt_remove_dead_nodes(g, &removed, err))) goto done;
    rep->count[TRT_OPT_DEAD] += removed;
    if (c.oom) rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  }
done:
  ctx_free(&c);
  count_ops(g, rep->ops_after, &rep->nodes_after);
  rep->ms = (double)(trt_now_ns() - t0) / 1e6;
  return rc;
}
