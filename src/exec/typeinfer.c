/* Type and symbolic shape inference for the whole graph, at session creation.
 *
 * Rather than a second, symbolic implementation of every op's shape function, the graph is
 * planned twice with concrete "probe" sizes for its symbolic dims — different primes in each
 * probe — using the ops' own inference. A dim that comes out the same in both probes is fixed; one
 * that equals a symbol's probe value in both is that symbol; anything else (a product of
 * symbols, a data-dependent size) is left unknown. Types come out of the first probe. Execution
 * providers read the result to decide what they can run; tools print it.
 *
 * The probes may fail (a model whose shapes only work for particular sizes); inference then
 * simply leaves what it could not reach unknown — run-time planning still checks everything. */
#include "exec/typeinfer.h"

#include <string.h>

static const int64_t probe_values[2][8] = {{7, 11, 13, 17, 19, 23, 29, 31},
                                           {37, 41, 43, 47, 53, 59, 61, 67}};

static int64_t probe_of(int probe, int sym) {
  return sym < 8 ? probe_values[probe][sym] : 71 + 2 * sym + 97 * probe;
}

/* Probe inputs: the declared dims with symbols replaced by probe values. False when an input's
 * rank or a dim is unknown. */
static bool make_probe_inputs(const trt_graph *g, int probe, trt_tensor *in) {
  for (int i = 0; i < g->n_inputs; i++) {
    const trt_value *v = &g->values[g->inputs[i]];
    if (v->rank < 0 || v->dtype == TINYRT_UNDEFINED) return false;
    in[i].dtype = v->dtype;
    in[i].rank = v->rank;
    in[i].data = NULL;
    for (int d = 0; d < v->rank; d++) {
      if (v->dims[d].sym >= 0)
        in[i].dims[d] = probe_of(probe, v->dims[d].sym);
      else if (v->dims[d].value >= 0)
        in[i].dims[d] = v->dims[d].value;
      else
        return false;
    }
  }
  return true;
}

int trt_infer_graph_types(const trt_exec_env *env, trt_graph *g, tinyrt_error *err) {
  if (g->n_inputs > 64) return TINYRT_OK;
  trt_tensor in[2][64];
  trt_plan *p[2] = {NULL, NULL};
  for (int k = 0; k < 2; k++) {
    if (!make_probe_inputs(g, k, in[k])) goto done;
    tinyrt_error probe_err = {0};
    int rc = trt_plan_build(env, in[k], &p[k], &probe_err);
    if (rc == TINYRT_ERR_NOMEM) {
      trt_plan_free(env->al, p[0]);
      return trt_error(err, rc, "%s", probe_err.message);
    }
    if (rc) goto done; /* the model does not plan at probe sizes: leave types unknown */
  }
  for (int v = 0; v < g->n_values; v++) {
    trt_value *val = &g->values[v];
    const trt_slot *a = &p[0]->slots[v], *b = &p[1]->slots[v];
    if (val->kind != TRT_VALUE_INTERMEDIATE || a->kind == TRT_SLOT_NONE) continue;
    if (a->kind == TRT_SLOT_DYNAMIC || b->kind == TRT_SLOT_DYNAMIC) continue;
    if (val->dtype == TINYRT_UNDEFINED) val->dtype = a->t.dtype;
    if (a->t.rank != b->t.rank) continue;
    bool declared = val->rank == a->t.rank;
    if (val->rank >= 0 && !declared) continue; /* declared otherwise: keep the file's word */
    val->rank = a->t.rank;
    for (int d = 0; d < a->t.rank; d++) {
      if (declared && (val->dims[d].sym >= 0 || val->dims[d].value >= 0)) continue;
      int64_t x = a->t.dims[d], y = b->t.dims[d];
      val->dims[d].sym = -1;
      val->dims[d].value = -1;
      if (x == y) {
        val->dims[d].value = x;
        continue;
      }
      for (int s = 0; s < g->n_syms; s++)
        if (x == probe_of(0, s) && y == probe_of(1, s)) val->dims[d].sym = s;
    }
  }
done:
  trt_plan_free(env->al, p[0]);
  trt_plan_free(env->al, p[1]);
  return TINYRT_OK;
}
