/* Running a session: inputs checked and bound, plans cached per input shapes, outputs into the
 * caller's buffers; a large batch as independent chunks (split.c) and independent runs one per
 * thread (tinyrt_run_many). */
#include <stdlib.h>
#include <string.h>

#include "exec/session.h"
#include "exec/split.h"
#include "exec/threadpool.h"

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
 * when the cache was full and the plan must be freed after the run.
 * home: 1 + the pool thread asking (batch chunks), 0 for any. A thread is given back the context
 * it used last when that one is free: the context's arena is then still in this core's caches,
 * where another core would first have to pull over every line it writes (b2 s128 on 2 threads,
 * one chunk per thread: p50 0.89-0.96x of handing the contexts out in turn). */
static int acquire_plan(tinyrt_session *s, const trt_tensor *bound, int home, trt_plan **plan_out,
                        trt_run_ctx **ctx_out, bool *temporary, tinyrt_error *err) {
  trt_plan *plan = NULL;
  trt_run_ctx *ctx = NULL;
  *temporary = false;
  pthread_mutex_lock(&s->lock);
  for (int i = 0; i < s->n_plans && !plan; i++)
    if (trt_plan_matches(s->plans[i], bound, s->g.n_inputs)) plan = s->plans[i];
  if (plan && plan->free_ctx) {
    trt_run_ctx **at = &plan->free_ctx;
    if (home)
      for (trt_run_ctx **p = at; *p; p = &(*p)->next)
        if ((*p)->home == home) {
          at = p;
          break;
        }
    ctx = *at;
    *at = ctx->next;
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
  if (home) ctx->home = home;
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
static int run_rows(split_job *j, int64_t r0, int64_t rows, const trt_exec_env *env, int home,
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
  int rc = acquire_plan(s, part, home, &plan, &ctx, &temporary, err);
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
  split_job *j = ctx;
  tinyrt_error err = {0};
  int64_t r0 = task * j->chunk;
  int rc = run_rows(j, r0, TRT_MIN(j->chunk, j->batch - r0), &j->env, 1 + thread, &err);
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
    rc = run_rows(&j, rounds * chunk, j.batch - rounds * chunk, env, 0, &j.err);
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
  if ((rc = acquire_plan(s, bound, 0, &plan, &ctx, &temporary, err))) goto done;
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
