/* Sessions: load, check, partition and bind a model (running it is in run.c). */
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
  bool from_file; /* path, else data and size */
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
  if (src->from_file ? !src->path : !src->data && src->size)
    return trt_error(err, TINYRT_ERR_ARGUMENT, src->from_file ? "path is NULL" : "data is NULL");
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

  rc = src->from_file ? trt_onnx_load_file(src->path, &s->g, err)
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
      trt_error_prefix(err, rc, "node '%s' (%s) on %s", n->name, n->op_type, ep->name);
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
  load_source src = {true, path, NULL, 0};
  return session_create(&src, opts, out, err);
}

int tinyrt_session_open_buffer(const void *data, size_t size, const tinyrt_options *opts,
                               tinyrt_session **out, tinyrt_error *err) {
  load_source src = {false, NULL, data, size};
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

