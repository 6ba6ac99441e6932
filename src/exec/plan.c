#include "exec/plan.h"

#include <stdlib.h>
#include <string.h>

/* Values folded at plan time are limited in size so that a plan never holds a large copy of
 * something that is cheap to recompute (e.g. a [batch, 1, 1, seq] mask built from constants). */
#define FOLD_MAX_ELEMENTS 65536

static size_t align_up(size_t x) { return (x + TRT_ALIGN - 1) & ~(size_t)(TRT_ALIGN - 1); }

static int node_error(tinyrt_error *err, int rc, const trt_node *n) {
  return trt_error_prefix(err, rc, "node '%s' (%s)", n->name, n->op_type);
}

void trt_plan_free(const trt_alloc *al, trt_plan *p) {
  if (!p) return;
  while (p->free_ctx) {
    trt_run_ctx *c = p->free_ctx;
    p->free_ctx = c->next;
    trt_run_ctx_free(al, c);
  }
  trt_arena_release(&p->folded);
  trt_free(al, p->key);
  trt_free(al, p->slots);
  trt_free(al, p->steps);
  trt_free(al, p);
}

static int64_t *make_key(const trt_alloc *al, const trt_tensor *inputs, int n_inputs, int *n_key) {
  int n = 0;
  for (int i = 0; i < n_inputs; i++) n += 2 + inputs[i].rank;
  int64_t *key = trt_malloc(al, sizeof(int64_t) * (size_t)(n + 1));
  if (!key) return NULL;
  int k = 0;
  for (int i = 0; i < n_inputs; i++) {
    key[k++] = inputs[i].dtype;
    key[k++] = inputs[i].rank;
    for (int d = 0; d < inputs[i].rank; d++) key[k++] = inputs[i].dims[d];
  }
  *n_key = n;
  return key;
}

bool trt_plan_matches(const trt_plan *p, const trt_tensor *inputs, int n_inputs) {
  int k = 0;
  for (int i = 0; i < n_inputs; i++) {
    if (k + 2 + inputs[i].rank > p->n_key) return false;
    if (p->key[k++] != inputs[i].dtype || p->key[k++] != inputs[i].rank) return false;
    for (int d = 0; d < inputs[i].rank; d++)
      if (p->key[k++] != inputs[i].dims[d]) return false;
  }
  return k == p->n_key;
}

/* A buffer to place in the arena: live from step `first` to step `last` inclusive. */
typedef struct interval {
  size_t size, offset;
  int first, last;
  size_t *out;  /* where to write the offset */
} interval;

static int cmp_size_desc(const void *a, const void *b) {
  const interval *x = a, *y = b;
  if (x->size != y->size) return x->size < y->size ? 1 : -1;
  return x->first - y->first;
}

static int cmp_offset(const void *a, const void *b) {
  const interval *const *x = a, *const *y = b;
  return (*x)->offset < (*y)->offset ? -1 : (*x)->offset > (*y)->offset;
}

/* Greedy by size, largest first: each buffer goes at the lowest offset where it fits between the
 * already placed buffers whose lifetimes overlap its own. Simple and within a few percent of
 * optimal on transformer graphs, whose live sets are small. */
static int place_intervals(const trt_alloc *al, interval *iv, int n, size_t *total) {
  qsort(iv, (size_t)n, sizeof *iv, cmp_size_desc);
  interval **live = trt_malloc(al, sizeof(interval *) * (size_t)(n + 1));
  if (!live) return TINYRT_ERR_NOMEM;
  size_t end = 0;
  for (int i = 0; i < n; i++) {
    int m = 0;
    for (int j = 0; j < i; j++)
      if (iv[j].first <= iv[i].last && iv[i].first <= iv[j].last) live[m++] = &iv[j];
    qsort(live, (size_t)m, sizeof *live, cmp_offset);
    size_t off = 0;
    for (int j = 0; j < m; j++) {
      if (live[j]->offset >= off + iv[i].size) break;
      size_t e = live[j]->offset + live[j]->size;
      if (e > off) off = e;
    }
    iv[i].offset = off;
    *iv[i].out = off;
    if (off + iv[i].size > end) end = off + iv[i].size;
  }
  trt_free(al, live);
  *total = end;
  return TINYRT_OK;
}

static void gather_inputs_for_infer(const trt_plan *p, const trt_node *n, trt_tensor *in,
                                    bool *all_const, bool *any_dynamic) {
  *all_const = true;
  *any_dynamic = false;
  for (int k = 0; k < n->n_inputs; k++) {
    int v = n->inputs[k];
    memset(&in[k], 0, sizeof in[k]);
    if (v < 0) continue;
    const trt_slot *s = &p->slots[v];
    if (s->kind == TRT_SLOT_DYNAMIC) {
      *any_dynamic = true;
      continue;
    }
    in[k] = s->t;
    if (s->kind != TRT_SLOT_CONST) {
      in[k].data = NULL;
      *all_const = false;
    }
  }
}

int trt_plan_build(const trt_exec_env *env, const trt_tensor *inputs, trt_plan **out,
                   tinyrt_error *err) {
  const trt_graph *g = env->g;
  const trt_alloc *al = env->al;
  int rc = TINYRT_OK;
  interval *iv = NULL;
  trt_tensor *in = NULL, *outs = NULL;
  trt_plan *p = trt_calloc(al, 1, sizeof *p);
  if (!p) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory building a plan");
  trt_arena_init(&p->folded, al);
  p->n_values = g->n_values;
  p->key = make_key(al, inputs, g->n_inputs, &p->n_key);
  p->slots = trt_calloc(al, (size_t)g->n_values + 1, sizeof *p->slots);
  p->steps = trt_calloc(al, (size_t)env->n_order + 1, sizeof *p->steps);
  int max_io = 1;
  for (int i = 0; i < env->n_order; i++) {
    const trt_node *n = &g->nodes[env->order[i]];
    max_io = TRT_MAX(max_io, TRT_MAX(n->n_inputs, n->n_outputs));
  }
  p->max_io = max_io;
  in = trt_calloc(al, (size_t)max_io, sizeof *in);
  outs = trt_calloc(al, (size_t)max_io, sizeof *outs);
  if (!p->key || !p->slots || !p->steps || !in || !outs) goto nomem;

  for (int v = 0; v < g->n_values; v++) {
    p->slots[v].last_step = -1;
    if (g->values[v].kind == TRT_VALUE_CONSTANT) {
      p->slots[v].kind = TRT_SLOT_CONST;
      p->slots[v].t = g->values[v].constant;
    }
  }
  for (int i = 0; i < g->n_inputs; i++) {
    trt_slot *s = &p->slots[g->inputs[i]];
    s->kind = TRT_SLOT_INPUT;
    s->t = inputs[i];
    s->t.data = NULL;
    s->input_index = i;
  }

  for (int oi = 0; oi < env->n_order; oi++) {
    int ni = env->order[oi];
    const trt_node *n = &g->nodes[ni];
    const trt_op_def *def = trt_op_get(n->op);
    bool all_const, any_dynamic;
    gather_inputs_for_infer(p, n, in, &all_const, &any_dynamic);
    for (int k = 0; k < n->n_outputs; k++) memset(&outs[k], 0, sizeof outs[k]);

    bool dynamic = any_dynamic;
    if (!dynamic) {
      trt_infer_ctx ic = {n, trt_graph_opset(g, n->domain), n->n_inputs, in, n->n_outputs, outs};
      rc = def->infer(&ic, err);
      if (rc == TRT_NEED_VALUE) {
        dynamic = true;
        rc = TINYRT_OK;
      } else if (rc) {
        node_error(err, rc, n);
        goto fail;
      }
    }
    if (dynamic) {
      for (int k = 0; k < n->n_outputs; k++)
        if (n->outputs[k] >= 0) p->slots[n->outputs[k]].kind = TRT_SLOT_DYNAMIC;
      p->steps[p->n_steps].node = ni;
      p->steps[p->n_steps].dynamic = true;
      p->n_steps++;
      p->has_dynamic = true;
      continue;
    }

    /* Shape and Size read only their input's dims, so they fold whatever feeds them. */
    bool shape_only = n->op == TRT_OP_SHAPE || n->op == TRT_OP_SIZE;
    bool fold = (all_const || shape_only) && def->ref != NULL;
    for (int k = 0; k < n->n_outputs && fold; k++) {
      int64_t numel = trt_shape_numel(outs[k].rank, outs[k].dims);
      if (numel < 0 || numel > FOLD_MAX_ELEMENTS) fold = false;
    }
    for (int k = 0; k < n->n_outputs; k++) {
      int v = n->outputs[k];
      if (v < 0) continue;
      trt_slot *s = &p->slots[v];
      int64_t numel = trt_shape_numel(outs[k].rank, outs[k].dims);
      size_t esize = tinyrt_dtype_size(outs[k].dtype);
      if (numel < 0 || esize == 0 || !trt_mul_size((size_t)numel, esize, &s->nbytes)) {
        char sh[200];
        rc = trt_error(err, TINYRT_ERR_SHAPE, "output %d has an invalid shape %s or type %s", k,
                       trt_shape_str(outs[k].rank, outs[k].dims, sh, sizeof sh),
                       tinyrt_dtype_name(outs[k].dtype));
        node_error(err, rc, n);
        goto fail;
      }
      s->t = outs[k];
      s->t.data = NULL;
      s->kind = fold ? TRT_SLOT_CONST : TRT_SLOT_ARENA;
      if (fold) {
        s->t.data = trt_arena_alloc_aligned(&p->folded, s->nbytes ? s->nbytes : 1, TRT_ALIGN);
        if (!s->t.data) goto nomem;
        outs[k].data = s->t.data;
      }
    }
    if (fold) {
      trt_kernel_ctx kc = {n, trt_graph_opset(g, n->domain), NULL, NULL, NULL, 0};
      rc = def->ref(&kc, in, n->n_inputs, outs, n->n_outputs, err);
      if (rc) {
        node_error(err, rc, n);
        goto fail;
      }
      continue;
    }
    p->steps[p->n_steps].node = ni;
    const trt_kernel *kern = &env->kernels[ni];
    if (kern->scratch) {
      /* enough for a run on the pool and for one on a single thread (batch chunks and
       * tinyrt_run_many run plans without the pool), as a kernel's layout may follow the
       * thread count */
      trt_kernel_ctx kc = {n, trt_graph_opset(g, n->domain), n->kernel_state, env->pool, NULL, 0};
      size_t pooled = kern->scratch(&kc, in, n->n_inputs, outs, n->n_outputs);
      kc.pool = NULL;
      size_t single = kern->scratch(&kc, in, n->n_inputs, outs, n->n_outputs);
      p->steps[p->n_steps].scratch_bytes = pooled > single ? pooled : single;
    }
    p->n_steps++;
  }

  /* Lifetimes, in steps. */
  for (int s = 0; s < p->n_steps; s++) {
    const trt_node *n = &g->nodes[p->steps[s].node];
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] >= 0) p->slots[n->inputs[k]].last_step = s;
  }
  int n_iv = 0;
  iv = trt_calloc(al, (size_t)g->n_values + (size_t)p->n_steps + 1, sizeof *iv);
  if (!iv) goto nomem;
  for (int s = 0; s < p->n_steps; s++) {
    const trt_node *n = &g->nodes[p->steps[s].node];
    for (int k = 0; k < n->n_outputs; k++) {
      int v = n->outputs[k];
      if (v < 0) continue;
      trt_slot *sl = &p->slots[v];
      if (g->values[v].is_output) sl->last_step = p->n_steps; /* read after the last step */
      if (sl->last_step < s) sl->last_step = s; /* written, never read */
      if (sl->kind != TRT_SLOT_ARENA) continue;
      iv[n_iv++] = (interval){align_up(sl->nbytes), 0, s, sl->last_step, &sl->offset};
    }
    if (p->steps[s].scratch_bytes)
      iv[n_iv++] = (interval){align_up(p->steps[s].scratch_bytes), 0, s, s,
                              &p->steps[s].scratch_offset};
  }
  rc = place_intervals(al, iv, n_iv, &p->arena_size);
  if (rc) goto nomem;
  trt_free(al, iv);
  trt_free(al, in);
  trt_free(al, outs);
  *out = p;
  return TINYRT_OK;
nomem:
  rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory building a plan");
fail:
  trt_free(al, iv);
  trt_free(al, in);
  trt_free(al, outs);
  trt_plan_free(al, p);
  return rc;
}

int trt_run_ctx_create(const trt_exec_env *env, const trt_plan *p, bool profile, trt_run_ctx **out,
                       tinyrt_error *err) {
  const trt_alloc *al = env->al;
  trt_run_ctx *c = trt_calloc(al, 1, sizeof *c);
  if (!c) goto nomem;
  c->arena = trt_malloc(al, p->arena_size ? p->arena_size : TRT_ALIGN);
  if (!c->arena) goto nomem;
  if (p->has_dynamic) {
    c->dyn = trt_calloc(al, (size_t)p->n_values + 1, sizeof *c->dyn);
    c->dyn_t = trt_calloc(al, (size_t)p->n_values + 1, sizeof *c->dyn_t);
    if (!c->dyn || !c->dyn_t) goto nomem;
  }
  c->io = trt_calloc(al, 2 * (size_t)p->max_io, sizeof *c->io);
  if (!c->io) goto nomem;
  if (profile) {
    c->times = trt_calloc(al, (size_t)p->n_steps + 1, sizeof *c->times);
    if (!c->times) goto nomem;
  }
  *out = c;
  return TINYRT_OK;
nomem:
  trt_run_ctx_free(al, c);
  return trt_error(err, TINYRT_ERR_NOMEM, "out of memory allocating %zu bytes of working memory",
                   p->arena_size);
}

void trt_run_ctx_free(const trt_alloc *al, trt_run_ctx *c) {
  if (!c) return;
  trt_free(al, c->arena);
  trt_free(al, c->dyn);
  trt_free(al, c->dyn_t);
  trt_free(al, c->times);
  trt_free(al, c->io);
  trt_free(al, c);
}

trt_tensor trt_plan_value(const trt_plan *p, const trt_run_ctx *c, const trt_tensor *inputs,
                          int v) {
  const trt_slot *s = &p->slots[v];
  trt_tensor t = s->t;
  switch (s->kind) {
    case TRT_SLOT_INPUT: t = inputs[s->input_index]; break;
    case TRT_SLOT_ARENA: t.data = (char *)c->arena + s->offset; break;
    case TRT_SLOT_DYNAMIC: t = c->dyn_t[v]; t.data = c->dyn[v]; break;
    default: break;
  }
  return t;
}

void trt_plan_release_dynamic(const trt_exec_env *env, const trt_plan *p, trt_run_ctx *c) {
  if (!p->has_dynamic) return;
  for (int v = 0; v < p->n_values; v++) {
    if (c->dyn[v]) {
      trt_free(env->al, c->dyn[v]);
      c->dyn[v] = NULL;
    }
  }
}

/* A node whose output shapes depend on run-time data: infer them now and allocate the outputs. */
static int run_dynamic_step(const trt_exec_env *env, const trt_plan *p, trt_run_ctx *c,
                            const trt_node *n, trt_tensor *in, trt_tensor *outs, void **scratch,
                            size_t *scratch_bytes, tinyrt_error *err) {
  /* absent outputs must reach the kernel as NULL data, not whatever the last step left */
  memset(outs, 0, sizeof *outs * (size_t)n->n_outputs);
  trt_infer_ctx ic = {n, trt_graph_opset(env->g, n->domain), n->n_inputs, in, n->n_outputs, outs};
  int rc = trt_op_get(n->op)->infer(&ic, err);
  if (rc == TRT_NEED_VALUE)
    return trt_error(err, TINYRT_ERR_INTERNAL, "shape still unknown with all inputs present");
  if (rc) return rc;
  for (int k = 0; k < n->n_outputs; k++) {
    int v = n->outputs[k];
    if (v < 0) continue;
    int64_t numel = trt_shape_numel(outs[k].rank, outs[k].dims);
    size_t esize = tinyrt_dtype_size(outs[k].dtype), nbytes;
    if (numel < 0 || esize == 0 || !trt_mul_size((size_t)numel, esize, &nbytes))
      return trt_error(err, TINYRT_ERR_SHAPE, "output %d has an invalid shape or type", k);
    c->dyn[v] = trt_malloc(env->al, nbytes ? nbytes : 1);
    if (!c->dyn[v]) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory (%zu bytes)", nbytes);
    outs[k].data = c->dyn[v];
    c->dyn_t[v] = outs[k];
  }
  const trt_kernel *kern = &env->kernels[n - env->g->nodes];
  if (kern->scratch) {
    trt_kernel_ctx kc = {n, ic.opset, n->kernel_state, env->pool, NULL, 0};
    *scratch_bytes = kern->scratch(&kc, in, n->n_inputs, outs, n->n_outputs);
    if (*scratch_bytes) {
      *scratch = trt_malloc(env->al, *scratch_bytes);
      if (!*scratch) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory (scratch)");
    }
  }
  (void)p;
  return TINYRT_OK;
}

int trt_plan_execute(const trt_exec_env *env, const trt_plan *p, trt_run_ctx *c,
                     const trt_tensor *inputs, tinyrt_error *err) {
  const trt_graph *g = env->g;
  trt_tensor *in = c->io, *outs = c->io + p->max_io;
  for (int s = 0; s < p->n_steps; s++) {
    const trt_step *st = &p->steps[s];
    const trt_node *n = &g->nodes[st->node];
    uint64_t t0 = c->times ? trt_now_ns() : 0;
    for (int k = 0; k < n->n_inputs; k++) {
      if (n->inputs[k] < 0) {
        memset(&in[k], 0, sizeof in[k]);
        continue;
      }
      in[k] = trt_plan_value(p, c, inputs, n->inputs[k]);
    }
    void *scratch = NULL;
    size_t scratch_bytes = 0;
    int rc;
    if (st->dynamic) {
      rc = run_dynamic_step(env, p, c, n, in, outs, &scratch, &scratch_bytes, err);
      if (rc) {
        trt_free(env->al, scratch);
        return node_error(err, rc, n);
      }
    } else {
      for (int k = 0; k < n->n_outputs; k++) {
        if (n->outputs[k] < 0) {
          memset(&outs[k], 0, sizeof outs[k]);
          continue;
        }
        outs[k] = trt_plan_value(p, c, inputs, n->outputs[k]);
      }
      scratch_bytes = st->scratch_bytes;
      if (scratch_bytes) scratch = (char *)c->arena + st->scratch_offset;
    }
    trt_kernel_ctx kc = {n, trt_graph_opset(g, n->domain), n->kernel_state, env->pool, scratch,
                         scratch_bytes};
    rc = env->kernels[st->node].run(&kc, in, n->n_inputs, outs, n->n_outputs, err);
    if (st->dynamic) trt_free(env->al, scratch);
    if (rc) return node_error(err, rc, n);
    if (p->has_dynamic) {
      /* free run-time buffers nobody reads any more */
      for (int k = 0; k < n->n_inputs; k++) {
        int v = n->inputs[k];
        if (v >= 0 && p->slots[v].kind == TRT_SLOT_DYNAMIC && p->slots[v].last_step == s &&
            !g->values[v].is_output && c->dyn[v]) {
          trt_free(env->al, c->dyn[v]);
          c->dyn[v] = NULL;
        }
      }
    }
    if (c->times) {
      c->times[s].start_ns = t0;
      c->times[s].dur_ns = trt_now_ns() - t0;
    }
  }
  return TINYRT_OK;
}
