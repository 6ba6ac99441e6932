#include "model_info.h"

#include <stdlib.h>
#include <string.h>

#include "exec/session.h"

static int64_t probe_heads(tinyrt_session *s) {
  const trt_graph *g = &s->g;
  for (int i = 0; i < s->n_order; i++) {
    const trt_node *n = &g->nodes[s->order[i]];
    if (n->op == TRT_OP_ATTENTION) return trt_attr_int(n, "num_heads", 0);
  }
  trt_tensor in[16];
  if (g->n_inputs > 16) return 0;
  for (int i = 0; i < g->n_inputs; i++) {
    const tinyrt_io_info *info = &s->in_info[i];
    in[i].dtype = info->dtype;
    in[i].rank = info->rank < 0 ? 0 : info->rank;
    for (int d = 0; d < in[i].rank; d++) in[i].dims[d] = info->dims[d] < 0 ? 8 : info->dims[d];
    in[i].data = NULL;
  }
  trt_plan *p = NULL;
  if (trt_plan_build(&s->env, in, &p, NULL)) return 0;
  int64_t heads = 0;
  for (int i = 0; i < s->n_order && !heads; i++) {
    const trt_node *n = &g->nodes[s->order[i]];
    if (n->op != TRT_OP_SOFTMAX || n->inputs[0] < 0) continue;
    const trt_slot *sl = &p->slots[n->inputs[0]];
    if (sl->kind != TRT_SLOT_DYNAMIC && sl->t.rank == 4) heads = sl->t.dims[1];
  }
  trt_plan_free(&s->al, p);
  return heads;
}

static bool has_const_value(const trt_graph *g, const trt_node *n, float v) {
  for (int k = 0; k < n->n_inputs; k++) {
    int vi = n->inputs[k];
    if (vi < 0 || g->values[vi].kind != TRT_VALUE_CONSTANT) continue;
    const trt_tensor *t = &g->values[vi].constant;
    if (t->dtype == TINYRT_FLOAT && trt_tensor_numel(t) == 1) {
      float x;
      memcpy(&x, t->data, sizeof x);
      if (x > v - 1e-6f && x < v + 1e-6f) return true;
    }
  }
  return false;
}

void model_arch_infer(tinyrt_session *s, model_arch *a) {
  memset(a, 0, sizeof *a);
  const trt_graph *g = &s->g;
  bool erf = false, tanh_gelu = false, relu = false;
  for (int i = 0; i < s->n_order; i++) {
    const trt_node *n = &g->nodes[s->order[i]];
    if (n->op == TRT_OP_SOFTMAX || n->op == TRT_OP_ATTENTION) a->layers++;
    const char *act = n->op == TRT_OP_FUSED_GEMM ? trt_attr_string(n, "activation", "none") : "";
    if (n->op == TRT_OP_ERF || n->op == TRT_OP_GELU || n->op == TRT_OP_BIAS_GELU ||
        !strcmp(act, "gelu"))
      erf = true;
    if (n->op == TRT_OP_FAST_GELU || (n->op == TRT_OP_MUL && has_const_value(g, n, 0.044715f)) ||
        !strcmp(act, "gelu_tanh"))
      tanh_gelu = true;
    if (n->op == TRT_OP_RELU) relu = true;
  }
  a->activation = erf ? "GELU (erf)" : tanh_gelu ? "GELU (tanh approximation)" : relu ? "ReLU"
                                                                                     : "unknown";
  if (g->n_outputs > 0 && s->out_info[0].rank > 0)
    a->hidden = s->out_info[0].dims[s->out_info[0].rank - 1];
  for (int i = 0; i < s->n_order; i++) {
    const trt_node *n = &g->nodes[s->order[i]];
    if (n->op != TRT_OP_MATMUL && n->op != TRT_OP_FUSED_GEMM) continue;
    if (n->n_inputs < 2 || n->inputs[1] < 0) continue;
    const trt_value *w = &g->values[n->inputs[1]];
    if (w->kind != TRT_VALUE_CONSTANT || w->constant.rank != 2) continue;
    if (w->constant.dims[0] == a->hidden && w->constant.dims[1] > a->hidden &&
        w->constant.dims[1] > a->intermediate)
      a->intermediate = w->constant.dims[1];
  }
  for (int i = 0; i < g->n_inputs; i++) {
    int64_t bound;
    if (strstr(g->values[g->inputs[i]].name, "input_ids") &&
        tinyrt_input_index_bound(s, i, &bound) == TINYRT_OK)
      a->vocab = bound;
  }
  a->heads = probe_heads(s);
}

static int cmp_count(const void *x, const void *y) {
  const op_count *a = x, *b = y;
  if (a->count != b->count) return b->count - a->count;
  return strcmp(a->op, b->op);
}

int model_op_counts(const tinyrt_session *s, int which, op_count *out, int max) {
  const trt_graph *g = &s->g;
  int n = 0;
  const trt_opt_report *rep = trt_session_opt_report(s);
  if (!which && rep) {
    /* the optimizer rewrites nodes in place: the loaded graph survives only in its report */
    for (int id = 0; id < TRT_OP_COUNT && n < max; id++) {
      const trt_op_def *def = trt_op_get(id);
      if (!rep->ops_before[id] || !def) continue;
      out[n].op = def->name;
      out[n].count = rep->ops_before[id];
      n++;
    }
    qsort(out, (size_t)n, sizeof *out, cmp_count);
    return n;
  }
  int count = which ? s->n_order : s->n_nodes_loaded;
  for (int i = 0; i < count; i++) {
    const trt_node *nd = which ? &g->nodes[s->order[i]] : &g->nodes[i];
    int k = 0;
    while (k < n && strcmp(out[k].op, nd->op_type)) k++;
    if (k == n) {
      if (n == max) continue;
      out[n].op = nd->op_type;
      out[n].count = 0;
      n++;
    }
    out[k].count++;
  }
  qsort(out, (size_t)n, sizeof *out, cmp_count);
  return n;
}
