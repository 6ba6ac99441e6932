/* Level 2: GELU fusions, and the fast_gelu option.
 *
 *   erf form:  Div(x, √2) → Erf → Add(1) → 0.5·x·(·)                   ⇒ Gelu(x)
 *   tanh form: x + 0.044715·x³ → Mul(√(2/π)) → Tanh → Add(1) → 0.5·x·(·)  ⇒ FastGelu(x)
 *   Add(x, bias) → Gelu / FastGelu                                      ⇒ BiasGelu / FastGelu(x, bias)
 *
 * "0.5·x·(1 + t)" is accepted in the groupings exporters write: Mul(Mul(x, a), 0.5),
 * Mul(Mul(x, 0.5), a) and Mul(x, Mul(a, 0.5)), operands in either order. Constants must match
 * within float32 rounding (relative 1e-6); 1 and 0.5 exactly. */
#include <math.h>
#include <string.h>

#include "opt/opt_internal.h"

#define CONST_REL 1e-6

/* a = 1 + t (the sole reader of t). Finds the node computing 0.5·x·a; *dead gets the
 * intermediate Mul to remove (or -1). Returns the final node or -1. */
static int match_half_x_times(const opt_ctx *c, int x, int a, int *dead) {
  const trt_graph *g = c->g;
  int m1 = opt_sole_reader_op(c, a, TRT_OP_MUL);
  if (m1 < 0) return -1;
  int o = opt_other_input(&g->nodes[m1], a);
  if (o < 0) return -1;
  int out1 = g->nodes[m1].outputs[0];
  int m2 = opt_sole_reader_op(c, out1, TRT_OP_MUL);
  int o2 = m2 >= 0 ? opt_other_input(&g->nodes[m2], out1) : -1;
  *dead = m1;
  /* Mul(Mul(x, a), 0.5) */
  if (o == x && o2 >= 0 && opt_scalar_near(c, o2, 0.5, 0)) return m2;
  /* Mul(Mul(a, 0.5), x) */
  if (opt_scalar_near(c, o, 0.5, 0) && o2 == x) return m2;
  /* Mul(Mul(x, 0.5), a) */
  int h = opt_producer(c, o, TRT_OP_MUL);
  if (h >= 0 && opt_sole_reader(c, o) == m1) {
    const trt_node *hn = &g->nodes[h];
    int other = opt_other_input(hn, x);
    if (other >= 0 && opt_scalar_near(c, other, 0.5, 0)) {
      *dead = h;
      return m1;
    }
  }
  return -1;
}

static bool is_float(const opt_ctx *c, int v) { return v >= 0 && c->sh[v].dtype == TINYRT_FLOAT; }

static int fuse_erf(opt_ctx *c, int erf) {
  trt_graph *g = c->g;
  int d = g->nodes[erf].inputs[0];
  int scale = opt_producer(c, d, -1);
  if (scale < 0 || opt_sole_reader(c, d) != erf) return TINYRT_OK;
  const trt_node *sn = &g->nodes[scale];
  int x = sn->inputs[0];
  if (sn->op == TRT_OP_DIV) {
    if (!opt_scalar_near(c, sn->inputs[1], sqrt(2.0), CONST_REL)) return TINYRT_OK;
  } else if (sn->op == TRT_OP_MUL) {
    x = -1;
    for (int k = 0; k < 2; k++)
      if (opt_scalar_near(c, sn->inputs[k], sqrt(0.5), CONST_REL)) x = sn->inputs[1 - k];
  } else {
    return TINYRT_OK;
  }
  if (!is_float(c, x)) return TINYRT_OK;
  int add = opt_sole_reader_op(c, g->nodes[erf].outputs[0], TRT_OP_ADD);
  if (add < 0) return TINYRT_OK;
  int one = opt_other_input(&g->nodes[add], g->nodes[erf].outputs[0]);
  if (!opt_scalar_near(c, one, 1.0, 0)) return TINYRT_OK;
  int mid;
  int final = match_half_x_times(c, x, g->nodes[add].outputs[0], &mid);
  if (final < 0) return TINYRT_OK;
  int out = g->nodes[final].outputs[0];
  int kill[] = {scale, erf, add, mid};
  for (size_t i = 0; i < TRT_ARRAY_LEN(kill); i++)
    if (kill[i] != final) opt_kill_node(c, kill[i]);
  int rc = opt_rewrite_node(c, final, TRT_OP_GELU, &x, 1, &out, 1, NULL, 0);
  if (rc == TINYRT_OK) c->rep->count[TRT_OPT_GELU]++;
  return rc;
}

/* x³ as Mul(x, Mul(x, x)), Mul(Mul(x, x), x) or Pow(x, 3); *sq gets the inner Mul or -1. */
static bool is_cube(const opt_ctx *c, int v, int x, int *cube, int *sq) {
  *cube = opt_producer(c, v, -1);
  *sq = -1;
  if (*cube < 0) return false;
  const trt_node *n = &c->g->nodes[*cube];
  if (n->op == TRT_OP_POW) return n->inputs[0] == x && opt_scalar_near(c, n->inputs[1], 3.0, 0);
  if (n->op != TRT_OP_MUL) return false;
  int other = opt_other_input(n, x);
  if (other < 0) return false;
  *sq = opt_producer(c, other, TRT_OP_MUL);
  return *sq >= 0 && c->g->nodes[*sq].inputs[0] == x && c->g->nodes[*sq].inputs[1] == x &&
         opt_sole_reader(c, other) == *cube;
}

static int fuse_tanh(opt_ctx *c, int th) {
  trt_graph *g = c->g;
  int t_in = g->nodes[th].inputs[0];
  int m3 = opt_producer(c, t_in, TRT_OP_MUL);
  if (m3 < 0 || opt_sole_reader(c, t_in) != th) return TINYRT_OK;
  int inner = -1;
  for (int k = 0; k < 2; k++)
    if (opt_scalar_near(c, g->nodes[m3].inputs[k], sqrt(2.0 / M_PI), CONST_REL))
      inner = g->nodes[m3].inputs[1 - k];
  int sum = opt_producer(c, inner, TRT_OP_ADD);
  if (sum < 0 || opt_sole_reader(c, inner) != m3) return TINYRT_OK;
  /* inner = x + 0.044715·x³, either operand order */
  for (int k = 0; k < 2; k++) {
    int x = g->nodes[sum].inputs[k], m2v = g->nodes[sum].inputs[1 - k];
    int m2 = opt_producer(c, m2v, TRT_OP_MUL);
    if (!is_float(c, x) || m2 < 0 || opt_sole_reader(c, m2v) != sum) continue;
    int cube_v = -1;
    for (int j = 0; j < 2; j++)
      if (opt_scalar_near(c, g->nodes[m2].inputs[j], 0.044715, CONST_REL))
        cube_v = g->nodes[m2].inputs[1 - j];
    int cube, sq;
    if (cube_v < 0 || opt_sole_reader(c, cube_v) != m2 || !is_cube(c, cube_v, x, &cube, &sq))
      continue;
    int add = opt_sole_reader_op(c, g->nodes[th].outputs[0], TRT_OP_ADD);
    if (add < 0) return TINYRT_OK;
    int one = opt_other_input(&g->nodes[add], g->nodes[th].outputs[0]);
    if (!opt_scalar_near(c, one, 1.0, 0)) return TINYRT_OK;
    int mid;
    int final = match_half_x_times(c, x, g->nodes[add].outputs[0], &mid);
    if (final < 0) return TINYRT_OK;
    int out = g->nodes[final].outputs[0];
    int kill[] = {sq, cube, m2, sum, m3, th, add, mid};
    for (size_t i = 0; i < TRT_ARRAY_LEN(kill); i++)
      if (kill[i] >= 0 && kill[i] != final) opt_kill_node(c, kill[i]);
    int rc = opt_rewrite_node(c, final, TRT_OP_FAST_GELU, &x, 1, &out, 1, NULL, 0);
    if (rc == TINYRT_OK) c->rep->count[TRT_OPT_FAST_GELU]++;
    return rc;
  }
  return TINYRT_OK;
}

int opt_fuse_gelu(opt_ctx *c) {
  trt_graph *g = c->g;
  for (int ni = 0; ni < g->n_nodes; ni++) {
    if (g->nodes[ni].dead) continue;
    int rc = TINYRT_OK;
    if (g->nodes[ni].op == TRT_OP_ERF) rc = fuse_erf(c, ni);
    else if (g->nodes[ni].op == TRT_OP_TANH) rc = fuse_tanh(c, ni);
    if (rc) return rc;
  }
  return TINYRT_OK;
}

int opt_fuse_bias_gelu(opt_ctx *c) {
  trt_graph *g = c->g;
  for (int ni = 0; ni < g->n_nodes; ni++) {
    const trt_node *n = &g->nodes[ni];
    bool erf = n->op == TRT_OP_GELU;
    if (n->dead || (!erf && !(n->op == TRT_OP_FAST_GELU && n->n_inputs == 1))) continue;
    int in = n->inputs[0];
    int add = opt_producer(c, in, TRT_OP_ADD);
    if (add < 0 || opt_sole_reader(c, in) != ni) continue;
    for (int k = 0; k < 2; k++) {
      int x = g->nodes[add].inputs[k], b = g->nodes[add].inputs[1 - k];
      if (!is_float(c, x)) continue;
      const trt_tensor *bt = opt_const(c, b);
      const opt_shape *xs = &c->sh[x];
      if (!bt || bt->rank != 1 || xs->rank < 1 || xs->dims[xs->rank - 1].sym >= 0 ||
          !opt_const_vector(c, b, xs->dims[xs->rank - 1].value) || !opt_shape_eq(xs, &c->sh[in]))
        continue;
      int ins[2] = {x, b}, out = n->outputs[0];
      opt_kill_node(c, add);
      int rc = opt_rewrite_node(c, ni, erf ? TRT_OP_BIAS_GELU : TRT_OP_FAST_GELU, ins, 2, &out, 1,
                                NULL, 0);
      if (rc) return rc;
      c->rep->count[TRT_OPT_BIAS_GELU]++;
      break;
    }
  }
  return TINYRT_OK;
}

int opt_rewrite_fast_gelu(opt_ctx *c) {
  trt_graph *g = c->g;
  for (int ni = 0; ni < g->n_nodes; ni++) {
    trt_node *n = &g->nodes[ni];
    if (n->dead) continue;
    if (n->op == TRT_OP_GELU || n->op == TRT_OP_BIAS_GELU) {
      int ins[2] = {n->inputs[0], n->n_inputs > 1 ? n->inputs[1] : -1}, out = n->outputs[0];
      int rc = opt_rewrite_node(c, ni, TRT_OP_FAST_GELU, ins, n->n_inputs, &out, 1, NULL, 0);
      if (rc) return rc;
      c->rep->count[TRT_OPT_GELU_TO_FAST]++;
    } else if (n->op == TRT_OP_FUSED_GEMM && !strcmp(trt_attr_string(n, "activation", "none"), "gelu")) {
      trt_attr *a = (trt_attr *)trt_node_attr(n, "activation");
      *a = opt_attr_string("activation", "gelu_tanh");
      c->rep->count[TRT_OPT_GELU_TO_FAST]++;
    }
  }
  return TINYRT_OK;
}
