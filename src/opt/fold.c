/* Level 1: constant folding and shape folding.
 *
 * One walk in topological order. A node whose inputs are all constant is evaluated with its
 * reference kernel and its outputs become constants (in the graph arena). A node whose integer
 * output is fully determined by fixed dims (Shape of a value with fixed dims, then Gather,
 * Unsqueeze, Concat ... of such vectors — what dim overrides and static exports leave) becomes a
 * constant without running anything. Both make the next nodes foldable in turn.
 *
 * Folding never fails the session: a node that cannot be evaluated now (no reference kernel, an
 * inference or kernel error) is left in the graph to fail, or not, at run time as it would have
 * without optimization. */
#include <string.h>

#include "opt/opt_internal.h"

/* Results up to this size are always kept; larger ones only when they are no bigger than the
 * node's inputs (folding Expand or ConstantOfShape into megabytes would cost memory, not save
 * work). */
#define FOLD_SMALL_BYTES 16384

/* A Constant node's `value` tensor becomes the value's constant in place (no copy). */
static bool fold_constant_node(opt_ctx *c, int ni) {
  trt_node *n = &c->g->nodes[ni];
  const trt_attr *a = trt_node_attr(n, "value");
  if (n->n_outputs != 1 || n->outputs[0] < 0 || n->n_attrs != 1 || !a ||
      a->type != TRT_ATTR_TENSOR || (!a->t.data && trt_tensor_numel(&a->t) != 0) ||
      tinyrt_dtype_size(a->t.dtype) == 0)
    return false;
  opt_make_const(c, n->outputs[0], &a->t);
  opt_kill_node(c, ni);
  return true;
}

static bool fold_by_kernel(opt_ctx *c, int ni) {
  trt_graph *g = c->g;
  trt_node *n = &g->nodes[ni];
  const trt_op_def *def = trt_op_get(n->op);
  if (!def || !def->ref || n->n_inputs > 16 || n->n_outputs > 8) return false;
  trt_tensor in[16], out[8];
  size_t in_bytes = 0, out_bytes = 0;
  for (int k = 0; k < n->n_inputs; k++) {
    memset(&in[k], 0, sizeof in[k]);
    if (n->inputs[k] < 0) continue;
    const trt_tensor *t = opt_const(c, n->inputs[k]);
    if (!t) return false;
    in[k] = *t;
    in_bytes += trt_tensor_nbytes(t);
  }
  memset(out, 0, sizeof out);
  tinyrt_error scratch_err;
  int64_t opset = trt_graph_opset(g, n->domain);
  trt_infer_ctx ic = {n, opset, n->n_inputs, in, n->n_outputs, out};
  if (def->infer(&ic, &scratch_err) != TINYRT_OK) return false;
  for (int k = 0; k < n->n_outputs; k++) {
    if (n->outputs[k] < 0) continue;
    int64_t numel = trt_shape_numel(out[k].rank, out[k].dims);
    size_t esize = tinyrt_dtype_size(out[k].dtype), nb;
    if (numel < 0 || esize == 0 || !trt_mul_size((size_t)numel, esize, &nb)) return false;
    out_bytes += nb;
  }
  if (out_bytes > FOLD_SMALL_BYTES && out_bytes > in_bytes) return false;
  for (int k = 0; k < n->n_outputs; k++) {
    if (n->outputs[k] < 0) continue;
    size_t nb = trt_tensor_nbytes(&out[k]);
    out[k].data = trt_arena_alloc_aligned(&g->arena, nb ? nb : 1, TRT_ALIGN);
    if (!out[k].data) return false;
  }
  /* Kernels with scratch work without it when called directly (see trt_op_def.ref_scratch). */
  trt_kernel_ctx kc = {n, opset, NULL, NULL, NULL, 0};
  if (def->ref(&kc, in, n->n_inputs, out, n->n_outputs, &scratch_err) != TINYRT_OK) return false;
  for (int k = 0; k < n->n_outputs; k++)
    if (n->outputs[k] >= 0) opt_make_const(c, n->outputs[k], &out[k]);
  opt_kill_node(c, ni);
  return true;
}

/* Every output is a small integer tensor whose content shape inference fully determined. */
static bool fold_by_shape(opt_ctx *c, int ni) {
  trt_graph *g = c->g;
  trt_node *n = &g->nodes[ni];
  if (n->n_outputs < 1) return false;
  for (int k = 0; k < n->n_outputs; k++) {
    int v = n->outputs[k];
    if (v < 0) continue;
    const opt_shape *s = &c->sh[v];
    if ((s->dtype != TINYRT_INT64 && s->dtype != TINYRT_INT32) || s->rank > 1 || s->n_sv < 0 ||
        !opt_shape_fixed(s) || (s->rank == 1 && s->dims[0].value != s->n_sv) ||
        (s->rank == 0 && s->n_sv != 1))
      return false;
    for (int i = 0; i < s->n_sv; i++)
      if (s->sv[i].sym >= 0) return false;
  }
  for (int k = 0; k < n->n_outputs; k++) {
    int v = n->outputs[k];
    if (v < 0) continue;
    const opt_shape *s = &c->sh[v];
    trt_tensor t = {s->dtype, s->rank, {0}, NULL};
    if (s->rank == 1) t.dims[0] = s->n_sv;
    t.data = trt_arena_alloc_aligned(&g->arena, tinyrt_dtype_size(s->dtype) * (size_t)(s->n_sv + 1),
                                     TRT_ALIGN);
    if (!t.data) return false;
    for (int i = 0; i < s->n_sv; i++) {
      if (s->dtype == TINYRT_INT64) ((int64_t *)t.data)[i] = s->sv[i].value;
      else ((int32_t *)t.data)[i] = (int32_t)s->sv[i].value;
    }
    opt_make_const(c, v, &t);
  }
  opt_kill_node(c, ni);
  return true;
}

int opt_fold(opt_ctx *c, bool constant_nodes_only) {
  int *order = NULL, n_order = 0;
  int rc = trt_graph_topo_order(c->g, &order, &n_order, c->err);
  if (rc) return rc;
  if ((rc = opt_track_values(c))) goto done;
  for (int i = 0; i < n_order; i++) {
    int ni = order[i];
    trt_node *n = &c->g->nodes[ni];
    if (n->op == TRT_OP_CONSTANT && fold_constant_node(c, ni)) {
      c->rep->count[TRT_OPT_CONSTANT_NODES]++;
      continue;
    }
    if (constant_nodes_only) {
      opt_infer_node(c, ni);
      continue;
    }
    bool all_const = true;
    for (int k = 0; k < n->n_inputs && all_const; k++)
      all_const = n->inputs[k] < 0 || opt_const(c, n->inputs[k]) != NULL;
    if (all_const && fold_by_kernel(c, ni)) {
      c->rep->count[n->op == TRT_OP_CONSTANT ? TRT_OPT_CONSTANT_NODES : TRT_OPT_FOLDED]++;
      continue;
    }
    opt_infer_node(c, ni);
    if (fold_by_shape(c, ni)) c->rep->count[TRT_OPT_SHAPE_FOLDED]++;
  }
  if ((rc = opt_track_values(c))) goto done;
done:
  trt_free(&c->g->al, order);
  return rc;
}
