#include "exec/session.h"

/* FLOPs of a matrix product producing `out` with inner dimension k. */
static double product_flops(const trt_tensor *out, int64_t k) {
  return 2.0 * (double)trt_tensor_numel(out) * (double)k;
}

double trt_plan_matmul_flops(const trt_graph *g, const trt_plan *p) {
  double total = 0;
  for (int i = 0; i < p->n_steps; i++) {
    const trt_node *n = &g->nodes[p->steps[i].node];
    if (n->n_inputs < 2 || n->n_outputs < 1 || n->inputs[0] < 0 || n->outputs[0] < 0) continue;
    const trt_slot *a = &p->slots[n->inputs[0]], *y = &p->slots[n->outputs[0]];
    if (a->kind == TRT_SLOT_DYNAMIC || y->kind == TRT_SLOT_DYNAMIC || a->t.rank < 1) continue;
    switch (n->op) {
      case TRT_OP_MATMUL:
      case TRT_OP_FUSED_GEMM:
      case TRT_OP_GEMM_SKIP_LAYER_NORM:
        total += product_flops(&y->t, a->t.dims[a->t.rank - 1]);
        break;
      case TRT_OP_GEMM: {
        int64_t k = trt_attr_int(n, "transA", 0) ? a->t.dims[0] : a->t.dims[a->t.rank - 1];
        total += product_flops(&y->t, k);
        break;
      }
      case TRT_OP_ATTENTION: {
        /* Q·Kᵀ and P·V per head: 2 · (2 · batch · heads · s · s · head_size) = 4·b·s²·hidden */
        if (a->t.rank == 3) {
          double b = (double)a->t.dims[0], s = (double)a->t.dims[1], h = (double)y->t.dims[2];
          total += 4.0 * b * s * s * h;
          /* the fused QKV projection, when the node holds it (weights as input 1) */
          const trt_slot *w = &p->slots[n->inputs[1]];
          if (w->t.rank == 2) total += 2.0 * b * s * (double)w->t.dims[0] * (double)w->t.dims[1];
        }
        break;
      }
      default:
        break;
    }
  }
  return total;
}
