/* Level 2: MatMul with constant 2-D weights + bias Add (+ Gelu / FastGelu) ⇒ FusedGemm.
 *
 *   MatMul(A, W) → Add(·, bias) (→ Gelu | FastGelu)   ⇒ FusedGemm(A, W, bias) activation=…
 *   MatMul(A, W) → Gelu | FastGelu                    ⇒ FusedGemm(A, W) activation=…
 *
 * W is a float constant [K, N], bias a float constant [N], A a float of rank >= 1 whose last dim
 * is K. A MatMul with neither a bias nor an activation stays a MatMul. */
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
