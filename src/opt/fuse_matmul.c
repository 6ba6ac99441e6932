/* Level 2: MatMul with constant 2-D weights + bias Add (+ Gelu / FastGelu) ⇒ FusedGemm, and a
 * FusedGemm without activation feeding a SkipLayerNormalization ⇒ GemmSkipLayerNorm.
 *
 *   MatMul(A, W) → Add(·, bias) (→ Gelu | FastGelu)   ⇒ FusedGemm(A, W, bias) activation=…
 *   MatMul(A, W) → Gelu | FastGelu                    ⇒ FusedGemm(A, W) activation=…
 *   FusedGemm(A, W, bias) → SkipLayerNormalization(·, skip, γ, β, skip_bias)
 *                                                     ⇒ GemmSkipLayerNorm(A, W, bias, skip, γ, β,
 *                                                                         skip_bias)
 *
 * W is a float constant [K, N], bias a float constant [N], A a float of rank >= 1 whose last dim
 * is K. A MatMul with neither a bias nor an activation stays a MatMul. */
#include <string.h>

#include "opt/opt_internal.h"

static int fuse_one(opt_ctx *c, int mm) {
  trt_graph *g = c->g;
  const trt_node *m = &g->nodes[mm];
  int a = m->inputs[0], w = m->inputs[1];
  const trt_tensor *wt = opt_const(c, w);
  if (a < 0 || !wt || wt->dtype != TINYRT_FLOAT || wt->rank != 2) return TINYRT_OK;
  const opt_shape *as = &c->sh[a];
  if (as->dtype != TINYRT_FLOAT || as->rank < 1 || !opt_dim_is(as->dims[as->rank - 1], wt->dims[0]))
    return TINYRT_OK;
  int cur = m->outputs[0], final = mm, bias = -1, bias_add = -1;
  const char *act = "none";
  int r = opt_sole_reader(c, cur);
  if (r >= 0 && g->nodes[r].op == TRT_OP_ADD) {
    int b = opt_other_input(&g->nodes[r], cur);
    const trt_tensor *bt = opt_const(c, b);
    if (bt && bt->rank == 1 && opt_const_vector(c, b, wt->dims[1])) {
      bias = b;
      bias_add = final = r;
      cur = g->nodes[r].outputs[0];
      r = opt_sole_reader(c, cur);
    }
  }
  if (r >= 0 && g->nodes[r].inputs[0] == cur &&
      (g->nodes[r].op == TRT_OP_GELU ||
       (g->nodes[r].op == TRT_OP_FAST_GELU && g->nodes[r].n_inputs == 1))) {
    act = g->nodes[r].op == TRT_OP_GELU ? "gelu" : "gelu_tanh";
    final = r;
  }
  if (final == mm) return TINYRT_OK;
  int ins[3] = {a, w, bias}, out = g->nodes[final].outputs[0];
  trt_attr attr = opt_attr_string("activation", act);
  opt_kill_node(c, mm);
  if (bias_add >= 0 && bias_add != final) opt_kill_node(c, bias_add);
  int rc = opt_rewrite_node(c, final, TRT_OP_FUSED_GEMM, ins, bias >= 0 ? 3 : 2, &out, 1, &attr, 1);
  if (rc == TINYRT_OK) c->rep->count[act[0] == 'n' ? TRT_OPT_GEMM_BIAS : TRT_OPT_GEMM_GELU]++;
  return rc;
}

int opt_fuse_matmul(opt_ctx *c) {
  for (int ni = 0; ni < c->g->n_nodes; ni++) {
    if (c->g->nodes[ni].dead || c->g->nodes[ni].op != TRT_OP_MATMUL) continue;
    int rc = fuse_one(c, ni);
    if (rc) return rc;
  }
  return TINYRT_OK;
}

/* The GEMM output must be read by the SkipLayerNormalization alone and not be a graph output:
 * the fused node never writes it. As the SkipLayerNormalization's input it maps one to one; as
 * its skip only without a skip bias, where input + skip and skip + input are the same float sum
 * (addition commutes exactly), while (input + skip_bias) + skip has no such twin. */
static int fuse_gemm_skip_ln(opt_ctx *c, int ni) {
  trt_graph *g = c->g;
  const trt_node *ln = &g->nodes[ni];
  if (ln->n_inputs < 3 || ln->inputs[0] < 0 || ln->inputs[1] < 0 ||
      ln->inputs[0] == ln->inputs[1])
    return TINYRT_OK;
  for (int k = 1; k < 3 && k < ln->n_outputs; k++) /* mean, inv_std_var: never made by tinyrt */
    if (ln->outputs[k] >= 0) return TINYRT_OK;
  bool skip_bias = ln->n_inputs > 4 && ln->inputs[4] >= 0;
  int gm = -1, skip = -1;
  for (int side = 0; side < (skip_bias ? 1 : 2) && gm < 0; side++) {
    int v = ln->inputs[side], p = opt_producer(c, v, TRT_OP_FUSED_GEMM);
    if (p >= 0 && opt_sole_reader(c, v) == ni && g->nodes[p].n_outputs == 1 &&
        !strcmp(trt_attr_string(&g->nodes[p], "activation", "none"), "none")) {
      gm = p;
      skip = ln->inputs[1 - side];
    }
  }
  if (gm < 0) return TINYRT_OK;
  const trt_node *f = &g->nodes[gm];
  int ins[7] = {f->inputs[0],
                f->inputs[1],
                f->n_inputs > 2 ? f->inputs[2] : -1,
                skip,
                ln->inputs[2],
                ln->n_inputs > 3 ? ln->inputs[3] : -1,
                skip_bias ? ln->inputs[4] : -1};
  int n_in = 7;
  while (n_in > 5 && ins[n_in - 1] < 0) n_in--;
  int outs[2] = {ln->outputs[0], ln->n_outputs > 3 ? ln->outputs[3] : -1};
  trt_attr attr = opt_attr_float("epsilon", trt_attr_float(ln, "epsilon", 1e-12f));
  opt_kill_node(c, gm);
  int rc = opt_rewrite_node(c, ni, TRT_OP_GEMM_SKIP_LAYER_NORM, ins, n_in, outs,
                            outs[1] >= 0 ? 2 : 1, &attr, 1);
  if (rc == TINYRT_OK) c->rep->count[TRT_OPT_GEMM_SKIP_LAYER_NORM]++;
  return rc;
}

int opt_fuse_gemm_skip_layer_norm(opt_ctx *c) {
  for (int ni = 0; ni < c->g->n_nodes; ni++) {
    if (c->g->nodes[ni].dead || c->g->nodes[ni].op != TRT_OP_SKIP_LAYER_NORM) continue;
    int rc = fuse_gemm_skip_ln(c, ni);
    if (rc) return rc;
  }
  return TINYRT_OK;
}
