/* Level 2: LayerNorm fusions.
 *
 *   ReduceMean(x) → Sub(x, ·) → Pow(·, 2) → ReduceMean → Add(eps) → Sqrt → Div(sub, ·) → Mul(γ)
 *   (→ Add(β))                                               ⇒ LayerNormalization(x, γ, β)
 *   Add(a, b) or Add(Add(a, bias), b) → LayerNormalization   ⇒ SkipLayerNormalization(a, b, γ, β, bias)
 *
 * Both reduce over the last axis only, with γ, β, bias constant vectors of its size. */
#include <string.h>

#include "opt/opt_internal.h"

/* True when reduce node n reduces exactly the last axis of a rank-`rank` input, keeping dims. */
static bool reduces_last_axis(const opt_ctx *c, const trt_node *n, int rank) {
  if (rank < 1 || trt_attr_int(n, "keepdims", 1) != 1) return false;
  int64_t opset = trt_graph_opset(c->g, n->domain);
  int64_t axis;
  if (opset < 18) {
    const trt_attr *a = trt_node_attr(n, "axes");
    if (!a || a->type != TRT_ATTR_INTS || a->n != 1 || (n->n_inputs > 1 && n->inputs[1] >= 0))
      return false;
    axis = a->ints[0];
  } else {
    const trt_tensor *t = n->n_inputs > 1 ? opt_const(c, n->inputs[1]) : NULL;
    if (!t || trt_tensor_numel(t) != 1 || (t->dtype != TINYRT_INT64 && t->dtype != TINYRT_INT32))
      return false;
    axis = trt_tensor_get_int(t, 0);
  }
  return axis == -1 || axis == rank - 1;
}

/* The fixed last dim of a float value, or -1. */
static int64_t float_last_dim(const opt_ctx *c, int v) {
  const opt_shape *s = &c->sh[v];
  if (s->dtype != TINYRT_FLOAT || s->rank < 1) return -1;
  trt_dim d = s->dims[s->rank - 1];
  return d.sym < 0 ? d.value : -1;
}

static bool match_layer_norm(opt_ctx *c, int r1, int *killed, int *n_killed, int *final,
                             int *x_out, int *gamma, int *beta, double *eps) {
  trt_graph *g = c->g;
  const trt_node *mean = &g->nodes[r1];
  int x = mean->inputs[0];
  int64_t h = float_last_dim(c, x);
  if (h < 1 || !reduces_last_axis(c, mean, c->sh[x].rank)) return false;
  int sub = opt_sole_reader_op(c, mean->outputs[0], TRT_OP_SUB);
  if (sub < 0 || g->nodes[sub].inputs[0] != x || g->nodes[sub].inputs[1] != mean->outputs[0])
    return false;
  int d = g->nodes[sub].outputs[0];
  /* d feeds the square and the division, nothing else */
  int rd[3];
  if (g->values[d].is_output || opt_readers(c, d, rd, 3) != 2) return false;
  int sq = -1, div = -1;
  for (int i = 0; i < 2; i++) {
    const trt_node *r = &g->nodes[rd[i]];
    if (r->op == TRT_OP_POW && r->inputs[0] == d && opt_scalar_near(c, r->inputs[1], 2.0, 0))
      sq = rd[i];
    else if (r->op == TRT_OP_MUL && r->inputs[0] == d && r->inputs[1] == d)
      sq = rd[i];
    else if (r->op == TRT_OP_DIV && r->inputs[0] == d)
      div = rd[i];
  }
  if (sq < 0 || div < 0) return false;
  int var = opt_sole_reader_op(c, g->nodes[sq].outputs[0], TRT_OP_REDUCE_MEAN);
  if (var < 0 || !reduces_last_axis(c, &g->nodes[var], c->sh[x].rank)) return false;
  int add_eps = opt_sole_reader_op(c, g->nodes[var].outputs[0], TRT_OP_ADD);
  if (add_eps < 0) return false;
  int eps_v = opt_other_input(&g->nodes[add_eps], g->nodes[var].outputs[0]);
  if (!opt_const_scalar(c, eps_v, eps) || !(*eps >= 0)) return false;
  int sqrt_n = opt_sole_reader_op(c, g->nodes[add_eps].outputs[0], TRT_OP_SQRT);
  if (sqrt_n < 0 || opt_sole_reader(c, g->nodes[sqrt_n].outputs[0]) != div ||
      g->nodes[div].inputs[1] != g->nodes[sqrt_n].outputs[0])
    return false;
  int mul = opt_sole_reader_op(c, g->nodes[div].outputs[0], TRT_OP_MUL);
  if (mul < 0) return false;
  *gamma = opt_other_input(&g->nodes[mul], g->nodes[div].outputs[0]);
  if (!opt_const_vector(c, *gamma, h) || opt_const(c, *gamma)->rank != 1) return false;
  *final = mul;
  *beta = -1;
  int add_b = opt_sole_reader_op(c, g->nodes[mul].outputs[0], TRT_OP_ADD);
  if (add_b >= 0) {
    int b = opt_other_input(&g->nodes[add_b], g->nodes[mul].outputs[0]);
    if (opt_const_vector(c, b, h) && opt_const(c, b)->rank == 1) {
      *beta = b;
      *final = add_b;
    }
  }
  int nodes[] = {r1, sub, sq, var, add_eps, sqrt_n, div, mul};
  *n_killed = 0;
  for (size_t i = 0; i < TRT_ARRAY_LEN(nodes); i++)
    if (nodes[i] != *final) killed[(*n_killed)++] = nodes[i];
  *x_out = x;
  return true;
}

int opt_fuse_layer_norm(opt_ctx *c) {
  trt_graph *g = c->g;
  for (int ni = 0; ni < g->n_nodes; ni++) {
    if (g->nodes[ni].dead || g->nodes[ni].op != TRT_OP_REDUCE_MEAN) continue;
    int killed[8], n_killed, final, x, gamma, beta;
    double eps;
    if (!match_layer_norm(c, ni, killed, &n_killed, &final, &x, &gamma, &beta, &eps)) continue;
    int ins[3] = {x, gamma, beta};
    trt_attr attrs[2] = {opt_attr_int("axis", -1), opt_attr_float("epsilon", (float)eps)};
    int out = g->nodes[final].outputs[0];
    for (int i = 0; i < n_killed; i++) opt_kill_node(c, killed[i]);
    int rc = opt_rewrite_node(c, final, TRT_OP_LAYER_NORM, ins, beta >= 0 ? 3 : 2, &out, 1, attrs, 2);
    if (rc) return rc;
    c->rep->count[TRT_OPT_LAYER_NORM]++;
  }
  return TINYRT_OK;
}

bool opt_plain_layer_norm(const opt_ctx *c, const trt_node *ln, int64_t *h) {
  if (ln->n_inputs < 2 || ln->inputs[0] < 0) return false;
  *h = float_last_dim(c, ln->inputs[0]);
  int64_t axis = trt_attr_int(ln, "axis", -1);
  if (*h < 1 || (axis != -1 && axis != c->sh[ln->inputs[0]].rank - 1)) return false;
  if (trt_attr_int(ln, "stash_type", 1) != 1) return false;
  const trt_tensor *gm = opt_const(c, ln->inputs[1]);
  if (!gm || gm->rank != 1 || !opt_const_vector(c, ln->inputs[1], *h)) return false;
  if (ln->n_inputs > 2 && ln->inputs[2] >= 0) {
    const trt_tensor *b = opt_const(c, ln->inputs[2]);
    if (!b || b->rank != 1 || !opt_const_vector(c, ln->inputs[2], *h)) return false;
  }
  for (int k = 1; k < ln->n_outputs; k++) {
    int v = ln->outputs[k], r[1];
    if (v >= 0 && (c->g->values[v].is_output || opt_readers(c, v, r, 1) > 0)) return false;
  }
  return true;
}

int opt_fuse_skip_layer_norm(opt_ctx *c) {
  trt_graph *g = c->g;
  for (int ni = 0; ni < g->n_nodes; ni++) {
    const trt_node *ln = &g->nodes[ni];
    int64_t h;
    if (ln->dead || ln->op != TRT_OP_LAYER_NORM || !opt_plain_layer_norm(c, ln, &h)) continue;
    int sum = ln->inputs[0];
    int add = opt_producer(c, sum, TRT_OP_ADD);
    if (add < 0 || opt_sole_reader(c, sum) != ni) continue;
    int a = g->nodes[add].inputs[0], b = g->nodes[add].inputs[1];
    if (a < 0 || b < 0 || !opt_shape_eq(&c->sh[a], &c->sh[b]) || !opt_shape_eq(&c->sh[a], &c->sh[sum]))
      continue;
    if (c->sh[a].dtype != TINYRT_FLOAT || c->sh[b].dtype != TINYRT_FLOAT) continue;
    /* a bias on either side: Add(Add(input, bias), skip) */
    int input = a, skip = b, bias = -1, bias_add = -1;
    for (int side = 0; side < 2 && bias < 0; side++) {
      int s = side ? b : a;
      int p = opt_producer(c, s, TRT_OP_ADD);
      if (p < 0 || opt_sole_reader(c, s) != add) continue;
      for (int k = 0; k < 2; k++) {
        int bv = g->nodes[p].inputs[k], iv = g->nodes[p].inputs[1 - k];
        const trt_tensor *bt = opt_const(c, bv);
        if (bt && bt->rank == 1 && opt_const_vector(c, bv, h) && iv >= 0 &&
            opt_shape_eq(&c->sh[iv], &c->sh[s])) {
          bias = bv;
          bias_add = p;
          input = iv;
          skip = side ? a : b;
          break;
        }
      }
    }
    int beta = ln->n_inputs > 2 ? ln->inputs[2] : -1;
    int ins[5] = {input, skip, ln->inputs[1], beta, bias};
    int n_in = bias >= 0 ? 5 : beta >= 0 ? 4 : 3;
    float eps = trt_attr_float(ln, "epsilon", 1e-5f); /* LayerNormalization's default */
    trt_attr attrs[1] = {opt_attr_float("epsilon", eps)};
    int out = ln->outputs[0];
    opt_kill_node(c, add);
    if (bias_add >= 0) opt_kill_node(c, bias_add);
    int rc = opt_rewrite_node(c, ni, TRT_OP_SKIP_LAYER_NORM, ins, n_in, &out, 1, attrs, 1);
    if (rc) return rc;
    c->rep->count[TRT_OPT_SKIP_LAYER_NORM]++;
  }
  return TINYRT_OK;
}
