/* Padding removal (tinyrt_options.remove_padding): token-wise work runs on real tokens only.
 *
 * After the fusions, a BERT encoder is a chain of token-wise ops (GEMMs, LayerNorms, GELU,
 * residual adds) with Attention nodes as the only places where tokens meet. Starting from the
 * first Attention's input X0, every node whose token inputs are all in the chain and that is
 * token-wise (or an Attention reading the same attention mask M) joins the region. Then:
 *
 *   X0 → PackTokens(X0, M) → [T, H]          T = real tokens of the batch
 *   Attention(x, W, b, M) → PackedAttention(x, W, b, M)   each sequence on its own length
 *   every region value read outside the region (a graph output, the pooler) → UnpackTokens
 *
 * Outputs at real positions equal the padded computation's (the fused Attention gives masked
 * keys exactly zero weight); outputs at padded positions are zero. The pass leaves the graph
 * alone unless every Attention node joins the region and they share one int64/int32 mask that
 * is a graph input. */
#include <stdio.h>
#include <string.h>

#include "opt/opt_internal.h"

/* Whether input k of token-wise node n may be a constant: it must not mix tokens, i.e. be a
 * weight or a vector over the last axis (checked by the ops themselves at run time as well). */
static bool const_side_ok(const opt_ctx *c, const trt_node *n, int k) {
  const trt_tensor *t = opt_const(c, n->inputs[k]);
  if (!t) return false;
  switch (n->op) {
    case TRT_OP_ADD: case TRT_OP_SUB: case TRT_OP_MUL: case TRT_OP_DIV:
      /* a scalar or a row vector: leading dims all 1 */
      for (int d = 0; d + 1 < t->rank; d++)
        if (t->dims[d] != 1) return false;
      return true;
    case TRT_OP_SKIP_LAYER_NORM: case TRT_OP_GEMM_SKIP_LAYER_NORM:
      /* the skip is per token, like input 0 */
      return k > 0 && k != (n->op == TRT_OP_SKIP_LAYER_NORM ? 1 : 3);
    default:
      return k > 0; /* weights, biases, scales: never input 0 */
  }
}

static bool token_wise(const trt_node *n) {
  switch (n->op) {
    case TRT_OP_FUSED_GEMM: case TRT_OP_SKIP_LAYER_NORM: case TRT_OP_GEMM_SKIP_LAYER_NORM:
    case TRT_OP_GELU: case TRT_OP_FAST_GELU:
    case TRT_OP_BIAS_GELU: case TRT_OP_ADD: case TRT_OP_SUB: case TRT_OP_MUL: case TRT_OP_DIV:
    case TRT_OP_ERF: case TRT_OP_TANH: case TRT_OP_RELU: case TRT_OP_SIGMOID: case TRT_OP_SQRT:
    case TRT_OP_NEG: case TRT_OP_IDENTITY:
      return true;
    case TRT_OP_LAYER_NORM:
      return trt_attr_int(n, "axis", -1) == -1;
    default:
      return false;
  }
}

static int new_value(opt_ctx *c, int like, const char *suffix) {
  char name[512];
  trt_graph *g = c->g;
  snprintf(name, sizeof name, "%s/%s", g->values[like].name, suffix);
  for (int i = 1; trt_graph_find_value(g, name, strlen(name)) >= 0; i++)
    snprintf(name, sizeof name, "%s/%s_%d", g->values[like].name, suffix, i);
  int v = trt_graph_add_value(g, name, strlen(name));
  if (v < 0) return -1;
  g->values[v].dtype = TINYRT_FLOAT;
  return v;
}

static int add_node(opt_ctx *c, int op, const char *name, const int *ins, int n_in, int out) {
  const trt_op_def *def = trt_op_get(op);
  int ni = trt_graph_add_node(c->g, def->name, def->domain, name, n_in, 1);
  if (ni < 0 || opt_track_values(c)) return -1;
  if (opt_rewrite_node(c, ni, op, ins, n_in, &out, 1, NULL, 0)) return -1;
  return ni;
}

int opt_remove_padding(opt_ctx *c) {
  trt_graph *g = c->g;
  int rc = TINYRT_OK;
  int *order = NULL, n_order = 0;
  bool *token = NULL, *in_region = NULL, *outside = NULL;
  if ((rc = trt_graph_topo_order(g, &order, &n_order, c->err))) return rc;
  int mask = -1, x0 = -1, n_attention = 0;
  for (int i = 0; i < n_order; i++) {
    const trt_node *n = &g->nodes[order[i]];
    if (n->op != TRT_OP_ATTENTION) continue;
    n_attention++;
    int m = n->n_inputs > 3 ? n->inputs[3] : -1;
    if (m < 0 || (mask >= 0 && m != mask)) goto done; /* no mask, or several: leave it */
    mask = m;
    if (x0 < 0) x0 = n->inputs[0];
  }
  tinyrt_dtype xdt = x0 >= 0 && x0 < c->n_tracked ? c->sh[x0].dtype : TINYRT_UNDEFINED;
  if (xdt == TINYRT_UNDEFINED) xdt = g->values[x0 < 0 ? 0 : x0].dtype;
  /* token-wise ops keep float float: checking the start is enough */
  if (n_attention == 0 || xdt != TINYRT_FLOAT || g->values[mask].kind != TRT_VALUE_INPUT || g->values[mask].rank != 2 ||
      (g->values[mask].dtype != TINYRT_INT64 && g->values[mask].dtype != TINYRT_INT32))
    goto done;

  int nv = g->n_values;
  token = trt_calloc(&g->al, (size_t)nv + 1, sizeof *token);
  outside = trt_calloc(&g->al, (size_t)nv + 1, sizeof *outside); /* read outside the region */
  in_region = trt_calloc(&g->al, (size_t)g->n_nodes + 1, sizeof *in_region);
  if (!token || !outside || !in_region) {
    rc = trt_error(c->err, TINYRT_ERR_NOMEM, "out of memory");
    goto done;
  }
  token[x0] = true;
  int region_attention = 0;
  for (int i = 0; i < n_order; i++) {
    const trt_node *n = &g->nodes[order[i]];
    bool reads_token = false, ok = true;
    for (int k = 0; k < n->n_inputs; k++) {
      int v = n->inputs[k];
      if (v < 0) continue;
      if (token[v]) {
        reads_token = true;
        continue;
      }
      if (n->op == TRT_OP_ATTENTION && k == 3 && v == mask) continue;
      if (!const_side_ok(c, n, k)) ok = false;
    }
    if (!reads_token) continue;
    bool attention_ok = n->op == TRT_OP_ATTENTION && token[n->inputs[0]] &&
                        !(n->inputs[1] >= 0 && token[n->inputs[1]]);
    ok = ok && (token_wise(n) || attention_ok) && n->n_outputs >= 1;
    if (!ok) {
      for (int k = 0; k < n->n_inputs; k++)
        if (n->inputs[k] >= 0 && token[n->inputs[k]]) outside[n->inputs[k]] = true;
      continue;
    }
    in_region[order[i]] = true;
    if (n->op == TRT_OP_ATTENTION) region_attention++;
    for (int k = 0; k < n->n_outputs; k++)
      if (n->outputs[k] >= 0) token[n->outputs[k]] = true;
  }
  if (region_attention != n_attention) goto done;
  /* SkipLayerNorm's extra outputs (mean, inv std) are per row; only output 0 and the sum are
   * token-shaped, and the fusion never asks for the others */
  for (int v = 0; v < nv; v++)
    if (token[v] && g->values[v].is_output) outside[v] = true;

  /* Pack X0. */
  int p0 = new_value(c, x0, "packed");
  if (p0 < 0 || opt_track_values(c)) goto nomem;
  int pack_in[2] = {x0, mask};
  char name[512];
  snprintf(name, sizeof name, "PackTokens(%s)", g->values[x0].name);
  if (add_node(c, TRT_OP_PACK_TOKENS, name, pack_in, 2, p0) < 0) goto nomem;

  /* Region values read outside get a packed twin; the original is rebuilt by UnpackTokens. */
  int *twin = trt_calloc(&g->al, (size_t)g->n_values + 1, sizeof *twin);
  if (!twin) goto nomem;
  for (int v = 0; v < g->n_values; v++) twin[v] = -1;
  twin[x0] = p0;
  for (int v = 0; v < nv && rc == TINYRT_OK; v++) {
    if (!token[v] || v == x0 || !outside[v]) continue;
    int pv = new_value(c, v, "packed");
    if (pv < 0 || opt_track_values(c)) {
      rc = TINYRT_ERR_NOMEM;
      break;
    }
    twin[v] = pv;
    int producer = g->values[v].producer;
    trt_node *pn = &g->nodes[producer];
    for (int k = 0; k < pn->n_outputs; k++)
      if (pn->outputs[k] == v) pn->outputs[k] = pv;
    g->values[pv].producer = producer;
    int un_in[2] = {pv, mask};
    snprintf(name, sizeof name, "UnpackTokens(%s)", g->values[v].name);
    if (add_node(c, TRT_OP_UNPACK_TOKENS, name, un_in, 2, v) < 0) rc = TINYRT_ERR_NOMEM;
  }
  if (rc) {
    trt_free(&g->al, twin);
    goto nomem;
  }
  /* Region nodes read the packed twins; Attention becomes PackedAttention. */
  for (int i = 0; i < n_order; i++) {
    int ni = order[i];
    if (!in_region[ni]) continue;
    trt_node *n = &g->nodes[ni];
    for (int k = 0; k < n->n_inputs; k++) {
      int v = n->inputs[k];
      if (v >= 0 && twin[v] >= 0) n->inputs[k] = twin[v];
    }
    /* their rank changed (run time tells); they stay float, which providers need to know
     * because plans can no longer infer these data-dependent shapes ahead of time */
    for (int k = 0; k < n->n_outputs; k++)
      if (n->outputs[k] >= 0) {
        g->values[n->outputs[k]].rank = -1;
        g->values[n->outputs[k]].dtype = TINYRT_FLOAT;
      }
    if (n->op == TRT_OP_ATTENTION) {
      trt_attr attrs[2] = {opt_attr_int("num_heads", trt_attr_int(n, "num_heads", 1)),
                           opt_attr_float("scale", trt_attr_float(n, "scale", 1.0f))};
      int ins[4] = {n->inputs[0], n->inputs[1], n->n_inputs > 2 ? n->inputs[2] : -1, mask};
      int out = n->outputs[0];
      if ((rc = opt_rewrite_node(c, ni, TRT_OP_PACKED_ATTENTION, ins, 4, &out, 1, attrs, 2))) break;
    }
  }
  trt_free(&g->al, twin);
  if (rc) goto nomem;
  c->rep->count[TRT_OPT_REMOVE_PADDING]++;
  goto done;
nomem:
  rc = trt_error(c->err, TINYRT_ERR_NOMEM, "out of memory");
done:
  trt_free(&g->al, order);
  trt_free(&g->al, token);
  trt_free(&g->al, outside);
  trt_free(&g->al, in_region);
  return rc;
}
