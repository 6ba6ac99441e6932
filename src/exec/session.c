/* Sessions: load, check, partition and bind a model; run it through cached plans. */
#include "exec/session.h"
#include "exec/split.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/threadpool.h"
#include "exec/typeinfer.h"
#include "onnx/onnx.h"
#include "opt/optimizer.h"

void tinyrt_options_init(tinyrt_options *o) {
  memset(o, 0, sizeof *o);
  o->threads = 0;
  o->opt_level = -1;
}

const trt_graph *trt_session_graph(const tinyrt_session *s) { return &s->g; }

const trt_opt_report *trt_session_opt_report(const tinyrt_session *s) { return s->opt_report; }

/* --- checking the loaded graph ------------------------------------------------------------- */

static int resolve_ops(trt_graph *g, tinyrt_error *err) {
  for (int ni = 0; ni < g->n_nodes; ni++) {
    trt_node *n = &g->nodes[ni];
    if (n->dead) continue;
    int64_t opset = trt_graph_opset(g, n->domain);
    const char *dom = *n->domain ? n->domain : "ai.onnx";
    if (opset < 0)
      return trt_error(err, TINYRT_ERR_MODEL,
                       "node '%s' (%s): its domain '%s' is not in the model's opset imports",
                       n->name, n->op_type, dom);
    const trt_op_def *def = trt_op_find(n->domain, n->op_type);
    if (!def || opset < def->since_opset)
      return trt_error(err, TINYRT_ERR_UNSUPPORTED,
                       "unsupported op '%s' (domain '%s', opset %lld) at node '%s'%s", n->op_type,
                       dom, (long long)opset, n->name,
                       def ? ": this opset's version of the op is not implemented" : "");
    n->op = def->id;
    int n_in = n->n_inputs, n_out = n->n_outputs;
    /* trailing absent optionals do not count */
    while (n_in > 0 && n->inputs[n_in - 1] < 0) n_in--;
    if (n_in < def->min_inputs || n_in > def->max_inputs)
      return trt_error(err, TINYRT_ERR_MODEL, "node '%s' (%s): has %d inputs, the op takes %d to %d",
                       n->name, n->op_type, n_in, def->min_inputs, def->max_inputs);
    if (n_out < def->min_outputs || n_out > def->max_outputs)
      return trt_error(err, TINYRT_ERR_MODEL,
                       "node '%s' (%s): has %d outputs, the op makes %d to %d", n->name,
                       n->op_type, n_out, def->min_outputs, def->max_outputs);
    for (int k = 0; k < def->min_inputs; k++)
      if (n->inputs[k] < 0)
        return trt_error(err, TINYRT_ERR_MODEL, "node '%s' (%s): required input %d is missing",
                         n->name, n->op_type, k);
  }
  for (int i = 0; i < g->n_outputs; i++) {
    const trt_value *v = &g->values[g->outputs[i]];
    if (v->kind == TRT_VALUE_INTERMEDIATE && v->producer < 0)
      return trt_error(err, TINYRT_ERR_MODEL,
                       "graph output '%s' is not produced by any node, input or initializer",
                       v->name);
  }
  return TINYRT_OK;
}

static int apply_dim_overrides(trt_graph *g, const tinyrt_options *o, tinyrt_error *err) {
  for (int k = 0; k < o->n_dim_overrides; k++) {
    const tinyrt_dim_override *d = &o->dim_overrides[k];
    if (!d->name || d->value < 0)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "dim override %d needs a name and a value >= 0", k);
    int sym = -1;
    for (int i = 0; i < g->n_syms; i++)
      if (strcmp(g->syms[i], d->name) == 0) sym = i;
    if (sym < 0) {
      char names[256] = "";
      for (int i = 0; i < g->n_syms; i++) {
        if (i) strncat(names, ", ", sizeof names - strlen(names) - 1);
        strncat(names, g->syms[i], sizeof names - strlen(names) - 1);
      }
      return trt_error(err, TINYRT_ERR_ARGUMENT,
                       "dim override '%s': the model has no such symbolic dim (it has: %s)",
                       d->name, g->n_syms ? names : "none");
    }
    for (int v = 0; v < g->n_values; v++) {
      trt_value *val = &g->values[v];
      for (int i = 0; i < val->rank; i++)
        if (val->dims[i].sym == sym) {
          val->dims[i].sym = -1;
          val->dims[i].value = d->value;
        }
    }
  }
  return TINYRT_OK;
}

static int make_io_info(tinyrt_session *s, tinyrt_error *err) {
  const trt_graph *g = &s->g;
  s->in_info = trt_calloc(&s->al, (size_t)g->n_inputs + 1, sizeof *s->in_info);
  s->out_info = trt_calloc(&s->al, (size_t)g->n_outputs + 1, sizeof *s->out_info);
  if (!s->in_info || !s->out_info) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  for (int pass = 0; pass < 2; pass++) {
    int n = pass ? g->n_outputs : g->n_inputs;
    for (int i = 0; i < n; i++) {
      const trt_value *v = &g->values[pass ? g->outputs[i] : g->inputs[i]];
      tinyrt_io_info *info = pass ? &s->out_info[i] : &s->in_info[i];
      info->name = v->name;
      info->dtype = v->kind == TRT_VALUE_CONSTANT ? v->constant.dtype : v->dtype;
      info->rank = v->kind == TRT_VALUE_CONSTANT ? v->constant.rank : v->rank;
      for (int d = 0; d < info->rank && d < TRT_MAX_RANK; d++) {
        if (v->kind == TRT_VALUE_CONSTANT) {
          info->dims[d] = v->constant.dims[d];
          continue;
        }
        info->dims[d] = v->dims[d].sym >= 0 ? -1 : v->dims[d].value;
        info->dim_names[d] = v->dims[d].sym >= 0 ? g->syms[v->dims[d].sym] : NULL;
      }
    }
  }
  return TINYRT_OK;
}

/* --- creation ------------------------------------------------------------------------------ */

typedef struct load_source {
  const char *path;
  const void *data;
  size_t size;
} load_source;

static int session_create(const load_source *src, const tinyrt_options *opts_in,
                          tinyrt_session **out, tinyrt_error *err) {
  uint64_t t0 = trt_now_ns();
  tinyrt_options defaults;
  tinyrt_options_init(&defaults);
  const tinyrt_options *opts = opts_in ? opts_in : &defaults;
  if (!out) return trt_error(err, TINYRT_ERR_ARGUMENT, "out is NULL");
  *out = NULL;
  trt_alloc al;
  trt_alloc_init(&al, opts->allocator);
  tinyrt_session *s = trt_calloc(&al, 1, sizeof *s);
  if (!s) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  s->al = al;
  s->opts = *opts;
  s->opts.dim_overrides = NULL; /* not kept: applied below */
  s->opts.n_dim_overrides = 0;
  s->opts.allocator = NULL;
  if (opts->providers) {
    s->providers = trt_malloc(&al, strlen(opts->providers) + 1);
    if (!s->providers) {
      trt_free(&al, s);
      return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
    }
    strcpy(s->providers, opts->providers);
    s->opts.providers = s->providers;
  }
  pthread_mutex_init(&s->lock, NULL);
  trt_graph_init(&s->g, opts->allocator);
  int rc;
  if (opts->profile) {
    rc = trt_profiler_create(&s->al, t0, &s->prof);
    if (rc) {
      trt_error(err, rc, "out of memory");
      goto fail;
    }
  }

  rc = src->path ? trt_onnx_load_file(src->path, &s->g, err)
                 : trt_onnx_load_buffer(src->data, src->size, NULL, &s->g, err);
  if (rc) goto fail;
  uint64_t t_loaded = trt_now_ns();
  s->stats.model_load_ms = (double)(t_loaded - t0) / 1e6;
  s->stats.bytes_copied = s->g.bytes_copied;
  for (int i = 0; i < s->g.n_nodes; i++) s->n_nodes_loaded += !s->g.nodes[i].dead;

  if ((rc = resolve_ops(&s->g, err))) goto fail;
  if ((rc = apply_dim_overrides(&s->g, opts, err))) goto fail;
  /* the model's parameters, before optimization adds (merged weights) or drops constants */
  for (int v = 0; v < s->g.n_values; v++) {
    const trt_value *val = &s->g.values[v];
    if (val->kind == TRT_VALUE_CONSTANT && val->constant.dtype == TINYRT_FLOAT)
      s->stats.n_parameters += (int64_t)trt_tensor_numel(&val->constant);
  }
  if (!(s->opt_report = trt_calloc(&s->al, 1, sizeof *s->opt_report))) {
    rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
    goto fail;
  }
  if ((rc = trt_optimize(&s->g, opts, s->opt_report, err))) goto fail;
  if ((rc = trt_graph_topo_order(&s->g, &s->order, &s->n_order, err))) goto fail;
  s->kernels = trt_calloc(&s->al, (size_t)s->g.n_nodes + 1, sizeof *s->kernels);
  if (!s->kernels) {
    rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
    goto fail;
  }
  /* types first: providers decide what they claim by the dtypes of a node's values */
  s->env = (trt_exec_env){&s->al, &s->g, s->order, s->n_order, NULL, s->kernels, NULL};
  if ((rc = trt_infer_graph_types(&s->env, &s->g, err))) goto fail;
  if ((rc = trt_ep_list_create(&s->al, &s->opts, &s->eps, &s->n_eps, err))) goto fail;
  if ((rc = trt_partition_graph(&s->g, s->order, s->n_order, s->eps, s->n_eps, &s->parts,
                                &s->n_parts, err)))
    goto fail;
  for (int i = 0; i < s->n_order; i++) {
    trt_node *n = &s->g.nodes[s->order[i]];
    const trt_ep *ep = s->eps[n->ep];
    rc = ep->bind(ep, &s->g, n, &s->kernels[s->order[i]], &n->kernel_state, err);
    if (rc) {
      trt_error_prefix(err, "node '%s' (%s) on %s", n->name, n->op_type, ep->name);
      goto fail;
    }
  }
  int threads = opts->threads > 0 ? opts->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1) threads = 1;
  s->opts.threads = threads;
  if (threads > 1 && (rc = trt_threadpool_create(&s->al, threads, &s->pool, err))) goto fail;
  if ((rc = make_io_info(s, err))) goto fail;
  /* a profile shows the batch run whole, node by node, as the caller asked for it */
  s->split_sym = s->prof ? -1 : trt_split_batch_symbol(&s->g);

  s->env = (trt_exec_env){&s->al, &s->g, s->order, s->n_order, s->eps, s->kernels, s->pool};
  s->stats.n_nodes = s->n_order;
  s->stats.n_nodes_loaded = s->n_nodes_loaded;
  s->stats.n_partitions = s->n_parts;
  uint64_t t_done = trt_now_ns();
  s->stats.session_init_ms = (double)(t_done - t_loaded) / 1e6;
  if (s->prof) {
    trt_prof_event ev[2] = {
        {TRT_PROF_MODEL_LOAD, -1, -1, 0, 0, t_loaded - t0},
        {TRT_PROF_SESSION_INIT, -1, -1, 0, t_loaded - t0, t_done - t_loaded},
    };
    if ((rc = trt_profiler_add(s->prof, ev, 2))) {
      trt_error(err, rc, "out of memory");
      goto fail;
    }
  }
  *out = s;
  return TINYRT_OK;
fail:
  tinyrt_session_close(s);
  return rc;
}

int tinyrt_session_open(const char *path, const tinyrt_options *opts, tinyrt_session **out,
                        tinyrt_error *err) {
  if (!path) return trt_error(err, TINYRT_ERR_ARGUMENT, "path is NULL");
  load_source src = {path, NULL, 0};
  return session_create(&src, opts, out, err);
}

int tinyrt_session_open_buffer(const void *data, size_t size, const tinyrt_options *opts,
                               tinyrt_session **out, tinyrt_error *err) {
  if (!data && size) return trt_error(err, TINYRT_ERR_ARGUMENT, "data is NULL");
  load_source src = {NULL, data, size};
  return session_create(&src, opts, out, err);
}

void tinyrt_session_close(tinyrt_session *s) {
  if (!s) return;
  trt_alloc al = s->al;
  for (int i = 0; i < s->n_plans; i++) trt_plan_free(&al, s->plans[i]);
  for (int i = 0; i < s->g.n_nodes; i++) {
    trt_node *n = &s->g.nodes[i];
    if (n->kernel_state && n->ep >= 0 && n->ep < s->n_eps && s->eps[n->ep]->release)
      s->eps[n->ep]->release(s->eps[n->ep], n->kernel_state);
    n->kernel_state = NULL;
  }
  trt_threadpool_destroy(s->pool);
  trt_ep_list_destroy(&al, s->eps, s->n_eps);
  trt_free(&al, s->kernels);
  trt_free(&al, s->parts);
  trt_free(&al, s->order);
  trt_free(&al, s->in_info);
  trt_free(&al, s->out_info);
  trt_free(&al, s->providers);
  trt_profiler_destroy(s->prof);
  trt_free(&al, s->opt_report);
  trt_graph_free(&s->g);
  pthread_mutex_destroy(&s->lock);
  trt_free(&al, s);
}

/* --- introspection ------------------------------------------------------------------------- */

int tinyrt_input_count(const tinyrt_session *s) { return s ? s->g.n_inputs : 0; }
int tinyrt_output_count(const tinyrt_session *s) { return s ? s->g.n_outputs : 0; }

int tinyrt_input_info(const tinyrt_session *s, int i, tinyrt_io_info *info) {
  if (!s || !info || i < 0 || i >= s->g.n_inputs) return TINYRT_ERR_ARGUMENT;
  *info = s->in_info[i];
  return TINYRT_OK;
}

int tinyrt_output_info(const tinyrt_session *s, int i, tinyrt_io_info *info) {
  if (!s || !info || i < 0 || i >= s->g.n_outputs) return TINYRT_ERR_ARGUMENT;
  *info = s->out_info[i];
  return TINYRT_OK;
}

/* The constant table that input k of node n indexes along axis *axis, or -1. Gather's indices
 * index its data; the fused embedding op's ids index their tables. */
static int indexed_table(const trt_node *n, int k, int *axis) {
  *axis = 0;
  if (n->op == TRT_OP_GATHER) {
    *axis = (int)trt_attr_int(n, "axis", 0);
    return k == 1 ? n->inputs[0] : -1;
  }
  if (n->op == TRT_OP_EMBED_LAYER_NORM) {
    int table = k == 0 ? 2 : k == 1 ? 4 : k == 8 ? 3 : -1; /* word, segment, position */
    return table >= 0 && table < n->n_inputs ? n->inputs[table] : -1;
  }
  return -1;
}

int tinyrt_input_index_bound(const tinyrt_session *s, int index, int64_t *bound) {
  if (!s || !bound || index < 0 || index >= s->g.n_inputs) return TINYRT_ERR_ARGUMENT;
  const trt_graph *g = &s->g;
  int v = g->inputs[index];
  int64_t best = -1;
  for (int ni = 0; ni < g->n_nodes; ni++) {
    const trt_node *n = &g->nodes[ni];
    if (n->dead) continue;
    for (int k = 0; k < n->n_inputs; k++) {
      int axis, table = n->inputs[k] == v ? indexed_table(n, k, &axis) : -1;
      if (table < 0) continue;
      const trt_value *data = &g->values[table];
      if (data->kind != TRT_VALUE_CONSTANT || data->constant.rank < 1) continue;
      if (axis < 0) axis += data->constant.rank;
      if (axis < 0 || axis >= data->constant.rank) continue;
      int64_t rows = data->constant.dims[axis];
      if (best < 0 || rows < best) best = rows;
    }
  }
  if (best < 0) return TINYRT_ERR_ARGUMENT;
  *bound = best;
  return TINYRT_OK;
}

int tinyrt_session_stats_get(const tinyrt_session *s, tinyrt_session_stats *st) {
  if (!s || !st) return TINYRT_ERR_ARGUMENT;
  *st = s->stats;
  return TINYRT_OK;
}

/* --- running ------------------------------------------------------------------------------- */

/* Checks the caller's inputs against the model and lays them out in graph-input order. */
static int bind_inputs(const tinyrt_session *s, const tinyrt_tensor *inputs, int n_inputs,
                       trt_tensor *bound, tinyrt_error *err) {
  const trt_graph *g = &s->g;
  int64_t sym_val[64];
  const char *sym_from[64];
  for (int i = 0; i < 64; i++) sym_val[i] = -1;
  for (int i = 0; i < g->n_inputs; i++) bound[i].dtype = TINYRT_UNDEFINED;
  if (n_inputs < 0 || (n_inputs > 0 && !inputs))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "inputs is NULL");
  for (int k = 0; k < n_inputs; k++) {
    const tinyrt_tensor *t = &inputs[k];
    int idx = -1;
    if (t->name) {
      for (int i = 0; i < g->n_inputs; i++)
        if (strcmp(g->values[g->inputs[i]].name, t->name) == 0) idx = i;
      if (idx < 0) {
        char names[256] = "";
        for (int i = 0; i < g->n_inputs; i++) {
          if (i) strncat(names, ", ", sizeof names - strlen(names) - 1);
          strncat(names, g->values[g->inputs[i]].name, sizeof names - strlen(names) - 1);
        }
        return trt_error(err, TINYRT_ERR_ARGUMENT, "unknown input '%s' (the model's inputs: %s)",
                         t->name, names);
      }
    } else {
      idx = k;
      if (idx >= g->n_inputs)
        return trt_error(err, TINYRT_ERR_ARGUMENT, "%d inputs given, the model has %d", n_inputs,
                         g->n_inputs);
    }
    const trt_value *v = &g->values[g->inputs[idx]];
    if (bound[idx].dtype != TINYRT_UNDEFINED)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s' is given twice", v->name);
    if (t->dtype != v->dtype && v->dtype != TINYRT_UNDEFINED)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': expected %s, got %s", v->name,
                       tinyrt_dtype_name(v->dtype), tinyrt_dtype_name(t->dtype));
    if (tinyrt_dtype_size(t->dtype) == 0)
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "input '%s': type %s is not supported", v->name,
                       tinyrt_dtype_name(t->dtype));
    if (t->rank < 0 || t->rank > TINYRT_MAX_RANK)
      return trt_error(err, TINYRT_ERR_SHAPE, "input '%s': rank %d is out of range", v->name,
                       t->rank);
    if (v->rank >= 0 && t->rank != v->rank)
      return trt_error(err, TINYRT_ERR_SHAPE, "input '%s': expected rank %d, got rank %d", v->name,
                       v->rank, t->rank);
    for (int d = 0; d < t->rank; d++) {
      if (t->dims[d] < 0)
        return trt_error(err, TINYRT_ERR_SHAPE, "input '%s': dim %d is negative (%lld)", v->name, d,
                         (long long)t->dims[d]);
      if (v->rank < 0) continue;
      const trt_dim *vd = &v->dims[d];
      if (vd->sym < 0 && vd->value >= 0 && vd->value != t->dims[d])
        return trt_error(err, TINYRT_ERR_SHAPE, "input '%s': dim %d must be %lld, got %lld",
                         v->name, d, (long long)vd->value, (long long)t->dims[d]);
      if (vd->sym >= 0 && vd->sym < 64) {
        if (sym_val[vd->sym] >= 0 && sym_val[vd->sym] != t->dims[d])
          return trt_error(err, TINYRT_ERR_SHAPE,
                           "input '%s': dim %d ('%s') is %lld but input '%s' has it as %lld",
                           v->name, d, g->syms[vd->sym], (long long)t->dims[d], sym_from[vd->sym],
                           (long long)sym_val[vd->sym]);
        sym_val[vd->sym] = t->dims[d];
        sym_from[vd->sym] = v->name;
      }
    }
    int64_t numel = trt_shape_numel(t->rank, t->dims);
    size_t nbytes;
    if (numel < 0 || !trt_mul_size((size_t)numel, tinyrt_dtype_size(t->dtype), &nbytes))
      return trt_error(err, TINYRT_ERR_SHAPE, "input '%s': too many elements", v->name);
    if (!t->data && numel > 0)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': data is NULL", v->name);
    if ((uintptr_t)t->data % tinyrt_dtype_size(t->dtype))
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s': data is not aligned to %zu bytes",
                       v->name, tinyrt_dtype_size(t->dtype));
    bound[idx].dtype = t->dtype;
    bound[idx].rank = t->rank;
    memcpy(bound[idx].dims, t->dims, sizeof(int64_t) * (size_t)t->rank);
    bound[idx].data = t->data;
  }
  for (int i = 0; i < g->n_inputs; i++)
    if (bound[i].dtype == TINYRT_UNDEFINED)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s' is missing",
                       g->values[g->inputs[i]].name);
  return TINYRT_OK;
}

/* Finds or builds the plan for these shapes and takes a run context from it. *temporary is set
 * when the cache was full and the plan must be freed after the run. */
static int acquire_plan(tinyrt_session *s, const trt_tensor *bound, trt_plan **plan_out,
                        trt_run_ctx **ctx_out, bool *temporary, tinyrt_error *err) {
  trt_plan *plan = NULL;
  trt_run_ctx *ctx = NULL;
  *temporary = false;
  pthread_mutex_lock(&s->lock);
  for (int i = 0; i < s->n_plans && !plan; i++)
    if (trt_plan_matches(s->plans[i], bound, s->g.n_inputs)) plan = s->plans[i];
  if (plan && plan->free_ctx) {
    ctx = plan->free_ctx;
    plan->free_ctx = ctx->next;
  }
  pthread_mutex_unlock(&s->lock);
  if (!plan) {
    trt_plan *fresh;
    int rc = trt_plan_build(&s->env, bound, &fresh, err);
    if (rc) return rc;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < s->n_plans && !plan; i++) /* another thread may have built it meanwhile */
      if (trt_plan_matches(s->plans[i], bound, s->g.n_inputs)) plan = s->plans[i];
    if (!plan && s->n_plans < TRT_PLAN_CACHE_MAX) {
      fresh->id = s->n_plans;
      s->plans[s->n_plans++] = fresh;
      plan = fresh;
      fresh = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    if (fresh && plan) {
      trt_plan_free(&s->al, fresh);
    } else if (fresh) {
      fresh->id = -1;
      plan = fresh;
      *temporary = true;
    }
  }
  if (!ctx) {
    int rc = trt_run_ctx_create(&s->env, plan, s->prof != NULL, &ctx, err);
    if (rc) {
      if (*temporary) trt_plan_free(&s->al, plan);
      return rc;
    }
  }
  *plan_out = plan;
  *ctx_out = ctx;
  return TINYRT_OK;
}

const trt_plan *trt_session_cached_plan(tinyrt_session *s, const tinyrt_tensor *inputs,
                                        int n_inputs) {
  trt_tensor bound[TINYRT_MAX_RANK * 4];
  if (s->g.n_inputs > (int)TRT_ARRAY_LEN(bound)) return NULL;
  if (bind_inputs(s, inputs, n_inputs, bound, NULL)) return NULL;
  const trt_plan *found = NULL;
  pthread_mutex_lock(&s->lock);
  for (int i = 0; i < s->n_plans && !found; i++)
    if (trt_plan_matches(s->plans[i], bound, s->g.n_inputs)) found = s->plans[i];
  pthread_mutex_unlock(&s->lock);
  return found;
}

static void release_plan(tinyrt_session *s, trt_plan *plan, trt_run_ctx *ctx, bool temporary) {
  trt_plan_release_dynamic(&s->env, plan, ctx);
  if (temporary) {
    trt_run_ctx_free(&s->al, ctx);
    trt_plan_free(&s->al, plan);
    return;
  }
  pthread_mutex_lock(&s->lock);
  ctx->next = plan->free_ctx;
  plan->free_ctx = ctx;
  pthread_mutex_unlock(&s->lock);
}

static int record_profile(tinyrt_session *s, const trt_plan *plan, const trt_run_ctx *ctx,
                          uint64_t start_ns, uint64_t end_ns) {
  trt_profiler *pr = s->prof;
  trt_prof_event run = {TRT_PROF_RUN, -1, plan->id, 0, start_ns - pr->t0_ns, end_ns - start_ns};
  int rc = trt_profiler_add(pr, &run, 1);
  for (int i = 0; i < plan->n_steps && rc == TINYRT_OK; i++) {
    trt_prof_event ev = {TRT_PROF_NODE, plan->steps[i].node, plan->id, 0,
                         ctx->times[i].start_ns - pr->t0_ns, ctx->times[i].dur_ns};
    rc = trt_profiler_add(pr, &ev, 1);
  }
  return rc;
}

/* --- outputs ----------------------------------------------------------------------------- */

/* A caller's buffer for an output of `need` bytes is large enough (no buffer: nothing to check). */
static int check_capacity(const tinyrt_tensor *out, const char *name, size_t need,
                          tinyrt_error *err) {
  if (out->data && out->capacity < need)
    return trt_error(err, TINYRT_ERR_SHAPE, "output '%s' needs %zu bytes, the buffer has %zu",
                     name, need, out->capacity);
  return TINYRT_OK;
}

/* Gives an output its buffer of `need` bytes: the caller's, checked, or a new one (*allocated). */
static int output_buffer(tinyrt_session *s, tinyrt_tensor *out, const char *name, size_t need,
                         bool *allocated, tinyrt_error *err) {
  if (out->data) return check_capacity(out, name, need, err);
  if (!(out->data = trt_malloc(&s->al, need ? need : 1)))
    return trt_error(err, TINYRT_ERR_NOMEM, "out of memory for output '%s' (%zu bytes)", name,
                     need);
  out->capacity = need;
  *allocated = true;
  return TINYRT_OK;
}

/* Frees the output buffers this call allocated (a failed run leaves none behind). */
static void release_allocated(tinyrt_session *s, tinyrt_tensor *outputs, const bool *allocated,
                              int n_outputs) {
  for (int k = 0; k < n_outputs && allocated; k++)
    if (allocated[k]) {
      trt_free(&s->al, outputs[k].data);
      outputs[k].data = NULL;
      outputs[k].capacity = 0;
    }
}

/* --- a batch as independent chunks (split.c) ------------------------------------------------ */

typedef struct split_job {
  tinyrt_session *s;
  const trt_tensor *bound;
  int64_t batch, chunk;
  size_t in_row[16], out_row[16];
  tinyrt_tensor *outputs;
  const int *out_idx;
  int n_outputs;
  bool *allocated;          /* per output: this call allocated it */
  trt_exec_env env;         /* the session's, without the pool: a chunk runs on one thread */
  pthread_mutex_t mu;       /* guards ready, rc and err */
  bool ready;               /* the outputs are set up (out_row, buffers, dims) */
  int rc;
  tinyrt_error err;
} split_job;

/* Sets up the destinations from the first finished chunk's outputs (checked or allocated)
 * before any chunk writes there. Called with j->mu held. */
static int setup_outputs(split_job *j, const trt_plan *plan, trt_run_ctx *ctx,
                         const trt_tensor *part, int64_t rows, tinyrt_error *err) {
  const trt_graph *g = &j->s->g;
  for (int k = 0; k < j->n_outputs; k++) {
    trt_tensor t = trt_plan_value(plan, ctx, part, g->outputs[j->out_idx[k]]);
    tinyrt_tensor *o = &j->outputs[k];
    j->out_row[k] = trt_tensor_nbytes(&t) / (size_t)rows;
    int rc = output_buffer(j->s, o, g->values[g->outputs[j->out_idx[k]]].name,
                           j->out_row[k] * (size_t)j->batch, &j->allocated[k], err);
    if (rc) return rc;
    o->dtype = t.dtype;
    o->rank = t.rank;
    memcpy(o->dims, t.dims, sizeof(int64_t) * (size_t)t.rank);
    o->dims[0] = j->batch;
  }
  return TINYRT_OK;
}

/* Runs batch rows [r0, r0 + rows) and copies their outputs into place. */
static int run_rows(split_job *j, int64_t r0, int64_t rows, const trt_exec_env *env,
                    tinyrt_error *err) {
  tinyrt_session *s = j->s;
  const trt_graph *g = &s->g;
  trt_tensor part[16];
  for (int i = 0; i < g->n_inputs; i++) {
    part[i] = j->bound[i];
    part[i].dims[0] = rows;
    part[i].data = (char *)j->bound[i].data + (size_t)r0 * j->in_row[i];
  }
  trt_plan *plan;
  trt_run_ctx *ctx;
  bool temporary;
  int rc = acquire_plan(s, part, &plan, &ctx, &temporary, err);
  if (rc) return rc;
  rc = trt_plan_execute(env, plan, ctx, part, err);
  for (int k = 0; k < j->n_outputs && rc == TINYRT_OK; k++) {
    trt_tensor t = trt_plan_value(plan, ctx, part, g->outputs[j->out_idx[k]]);
    if (t.rank < 1 || t.dims[0] != rows)
      rc = trt_error(err, TINYRT_ERR_INTERNAL,
                     "batch split: output '%s' does not keep the batch as its first dim",
                     g->values[g->outputs[j->out_idx[k]]].name);
  }
  if (rc == TINYRT_OK) {
    pthread_mutex_lock(&j->mu);
    if (j->rc) rc = j->rc; /* another chunk failed: the batch will run whole */
    else if (!j->ready && (rc = setup_outputs(j, plan, ctx, part, rows, err)) == TINYRT_OK)
      j->ready = true;
    pthread_mutex_unlock(&j->mu);
  }
  for (int k = 0; k < j->n_outputs && rc == TINYRT_OK; k++) {
    trt_tensor t = trt_plan_value(plan, ctx, part, g->outputs[j->out_idx[k]]);
    size_t nbytes = trt_tensor_nbytes(&t);
    if (nbytes != j->out_row[k] * (size_t)rows) {
      rc = trt_error(err, TINYRT_ERR_INTERNAL, "batch split: output '%s' changes its row size",
                     g->values[g->outputs[j->out_idx[k]]].name);
      break;
    }
    if (nbytes) memcpy((char *)j->outputs[k].data + (size_t)r0 * j->out_row[k], t.data, nbytes);
  }
  release_plan(s, plan, ctx, temporary);
  return rc;
}

static void chunk_task(void *ctx, int64_t task, int thread) {
  (void)thread;
  split_job *j = ctx;
  tinyrt_error err = {0};
  int64_t r0 = task * j->chunk;
  int rc = run_rows(j, r0, TRT_MIN(j->chunk, j->batch - r0), &j->env, &err);
  if (rc) {
    pthread_mutex_lock(&j->mu);
    if (!j->rc) {
      j->rc = rc;
      j->err = err;
    }
    pthread_mutex_unlock(&j->mu);
  }
}

/* Runs the batch as chunks of `chunk` rows spread over the pool, each on one thread, as many
 * as fill whole rounds of the threads; the rows left over (fewer chunks than threads) then run
 * as one part with the pool, so that no thread idles while another runs a last chunk alone.
 * The first part to finish sets up the outputs. */
static int run_split(tinyrt_session *s, const trt_exec_env *env, const trt_tensor *bound,
                     int64_t chunk, tinyrt_tensor *outputs, const int *out_idx, int n_outputs,
                     bool *allocated, tinyrt_error *err) {
  const trt_graph *g = &s->g;
  if (g->n_inputs > 16 || n_outputs > 16)
    return trt_error(err, TINYRT_ERR_INTERNAL, "batch split: too many inputs or outputs");
  split_job j;
  memset(&j, 0, sizeof j);
  j.s = s;
  j.bound = bound;
  j.batch = bound[0].dims[0];
  j.chunk = chunk;
  for (int i = 0; i < g->n_inputs; i++) j.in_row[i] = trt_tensor_nbytes(&bound[i]) / (size_t)j.batch;
  j.outputs = outputs;
  j.out_idx = out_idx;
  j.n_outputs = n_outputs;
  j.allocated = allocated;
  j.env = *env;
  j.env.pool = NULL;
  int64_t chunks = (j.batch + chunk - 1) / chunk, threads = trt_threadpool_size(env->pool);
  int64_t rounds = chunks - chunks % threads;
  pthread_mutex_init(&j.mu, NULL);
  trt_parallel_for(env->pool, rounds, chunk_task, &j);
  int rc = j.rc;
  if (rc == TINYRT_OK && rounds < chunks)
    rc = run_rows(&j, rounds * chunk, j.batch - rounds * chunk, env, &j.err);
  pthread_mutex_destroy(&j.mu);
  if (rc && err) *err = j.err;
  return rc;
}

/* Rows per chunk when this batch runs as chunks, else 0. */
static int64_t split_chunk(const tinyrt_session *s, const trt_exec_env *env,
                           const trt_tensor *bound) {
  if (s->split_sym < 0 || s->g.n_inputs < 1 || bound[0].rank < 1) return 0;
  int64_t row_tokens = 1;
  for (int d = 1; d < bound[0].rank; d++) row_tokens *= bound[0].dims[d];
  return trt_split_chunk_rows(bound[0].dims[0], row_tokens, trt_threadpool_size(env->pool));
}

/* tinyrt_run on env's threads: the session's, or none (env->pool NULL) in tinyrt_run_many. */
static int run_on(tinyrt_session *s, const trt_exec_env *env, const tinyrt_tensor *inputs,
                  int n_inputs, tinyrt_tensor *outputs, int n_outputs, tinyrt_error *err) {
  if (n_outputs < 0 || (n_outputs > 0 && !outputs))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "outputs is NULL");
  uint64_t start = s->prof ? trt_now_ns() : 0;
  const trt_graph *g = &s->g;
  trt_tensor bound_small[8];
  trt_tensor *bound = bound_small;
  int out_idx_small[8];
  int *out_idx = out_idx_small;
  bool *allocated = NULL;
  int rc = TINYRT_OK;
  if (g->n_inputs > 8 || n_outputs > 8) {
    bound = trt_calloc(&s->al, (size_t)g->n_inputs + 1, sizeof *bound);
    out_idx = trt_calloc(&s->al, (size_t)n_outputs + 1, sizeof *out_idx);
    if (!bound || !out_idx) {
      rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
      goto done;
    }
  }
  if ((rc = bind_inputs(s, inputs, n_inputs, bound, err))) goto done;
  for (int k = 0; k < n_outputs; k++) {
    out_idx[k] = -1;
    if (outputs[k].name) {
      for (int i = 0; i < g->n_outputs; i++)
        if (strcmp(g->values[g->outputs[i]].name, outputs[k].name) == 0) out_idx[k] = i;
      if (out_idx[k] < 0) {
        rc = trt_error(err, TINYRT_ERR_ARGUMENT, "unknown output '%s'", outputs[k].name);
        goto done;
      }
    } else if (k < g->n_outputs) {
      out_idx[k] = k;
    } else {
      rc = trt_error(err, TINYRT_ERR_ARGUMENT, "%d outputs asked for, the model has %d", n_outputs,
                     g->n_outputs);
      goto done;
    }
  }

  int64_t chunk = split_chunk(s, env, bound);
  if (chunk > 0) {
    if (n_outputs > 0 && !(allocated = trt_calloc(&s->al, (size_t)n_outputs, sizeof *allocated))) {
      rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
      goto done;
    }
    rc = run_split(s, env, bound, chunk, outputs, out_idx, n_outputs, allocated, err);
    if (rc == TINYRT_OK) goto done;
    /* A chunk failed (a bad token id, say): run the batch whole instead, so that the error
     * names rows and values as the caller gave them, not as a chunk saw them. */
    release_allocated(s, outputs, allocated, n_outputs);
    trt_free(&s->al, allocated);
    allocated = NULL;
    rc = TINYRT_OK;
  }
  trt_plan *plan;
  trt_run_ctx *ctx;
  bool temporary;
  if ((rc = acquire_plan(s, bound, &plan, &ctx, &temporary, err))) goto done;
  rc = trt_plan_execute(env, plan, ctx, bound, err);
  if (rc == TINYRT_OK) {
    /* check every destination before writing any, so a failure leaves nothing half done */
    for (int k = 0; k < n_outputs && rc == TINYRT_OK; k++) {
      trt_tensor t = trt_plan_value(plan, ctx, bound, g->outputs[out_idx[k]]);
      rc = check_capacity(&outputs[k], g->values[g->outputs[out_idx[k]]].name,
                          trt_tensor_nbytes(&t), err);
    }
    if (rc == TINYRT_OK && n_outputs > 0) {
      allocated = trt_calloc(&s->al, (size_t)n_outputs, sizeof *allocated);
      if (!allocated) rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < n_outputs && rc == TINYRT_OK; k++) {
      trt_tensor t = trt_plan_value(plan, ctx, bound, g->outputs[out_idx[k]]);
      size_t nbytes = trt_tensor_nbytes(&t);
      rc = output_buffer(s, &outputs[k], g->values[g->outputs[out_idx[k]]].name, nbytes,
                         &allocated[k], err);
      if (rc) break;
      if (nbytes) memcpy(outputs[k].data, t.data, nbytes);
      outputs[k].dtype = t.dtype;
      outputs[k].rank = t.rank;
      memcpy(outputs[k].dims, t.dims, sizeof(int64_t) * (size_t)t.rank);
    }
    if (rc) release_allocated(s, outputs, allocated, n_outputs);
  }
  if (rc == TINYRT_OK && s->prof) {
    rc = record_profile(s, plan, ctx, start, trt_now_ns());
    if (rc) trt_error(err, rc, "out of memory recording the profile");
  }
  release_plan(s, plan, ctx, temporary);
done:
  trt_free(&s->al, allocated);
  if (bound != bound_small) trt_free(&s->al, bound);
  if (out_idx != out_idx_small) trt_free(&s->al, out_idx);
  return rc;
}

int tinyrt_run(tinyrt_session *s, const tinyrt_tensor *inputs, int n_inputs,
               tinyrt_tensor *outputs, int n_outputs, tinyrt_error *err) {
  if (!s) return trt_error(err, TINYRT_ERR_ARGUMENT, "session is NULL");
  return run_on(s, &s->env, inputs, n_inputs, outputs, n_outputs, err);
}

/* --- many independent runs, one per thread -------------------------------------------------- */

typedef struct many_job {
  tinyrt_session *s;
  trt_exec_env env; /* the session's, without the pool */
  tinyrt_run_item *items;
} many_job;

static void run_item(tinyrt_session *s, const trt_exec_env *env, tinyrt_run_item *it) {
  memset(&it->err, 0, sizeof it->err);
  it->rc = run_on(s, env, it->inputs, it->n_inputs, it->outputs, it->n_outputs, &it->err);
}

static void many_task(void *ctx, int64_t task, int thread) {
  (void)thread;
  many_job *j = ctx;
  run_item(j->s, &j->env, &j->items[task]);
}

int tinyrt_run_many(tinyrt_session *s, tinyrt_run_item *items, int n_items, tinyrt_error *err) {
  if (!s) return trt_error(err, TINYRT_ERR_ARGUMENT, "session is NULL");
  if (n_items < 0 || (n_items > 0 && !items))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "items is NULL or n_items negative");
  many_job j = {s, s->env, items};
  j.env.pool = NULL;
  int threads = trt_threadpool_size(s->pool);
  /* A profiled session records runs one at a time; otherwise whole rounds of the threads run
   * one item each, and the items short of a round run one after another with the pool. */
  int rounds = s->prof ? 0 : n_items - n_items % threads;
  trt_parallel_for(s->pool, rounds, many_task, &j);
  for (int i = rounds; i < n_items; i++) run_item(s, &s->env, &items[i]);
  for (int i = 0; i < n_items; i++)
    if (items[i].rc) {
      if (err) *err = items[i].err;
      return items[i].rc;
    }
  return TINYRT_OK;
}

void tinyrt_tensor_free(tinyrt_session *s, tinyrt_tensor *t) {
  if (!s || !t || !t->data) return;
  trt_free(&s->al, t->data);
  t->data = NULL;
  t->capacity = 0;
}
