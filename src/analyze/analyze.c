#include "analyze/analyze.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static bool word_at(const char *p, const char *w) {
  for (; *w; p++, w++)
    if (tolower((unsigned char)*p) != *w) return false;
  return true;
}

int trt_layer_from_name(const char *name) {
  static const char *const words[] = {"layers", "layer", "blocks", "block"};
  for (const char *p = name; *p; p++) {
    /* a word start: "sublayer.0" or "Bertlayer_1" name something else */
    if (p > name && isalnum((unsigned char)p[-1])) continue;
    for (size_t w = 0; w < TRT_ARRAY_LEN(words); w++) {
      if (!word_at(p, words[w])) continue;
      const char *q = p + strlen(words[w]);
      if (*q != '.' && *q != '_' && *q != '/') continue;
      q++;
      if (!isdigit((unsigned char)*q)) continue;
      long v = 0;
      while (isdigit((unsigned char)*q) && v < 1000000) v = v * 10 + (*q++ - '0');
      if (isalpha((unsigned char)*q)) continue; /* "layer_3x" is not a layer index */
      return (int)v;
    }
  }
  return -1;
}

/* ---- small helpers -------------------------------------------------------------------------- */

/* qsort that accepts an empty (possibly NULL) array, which qsort itself may not be given */
static void sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
  if (n > 1) qsort(base, n, size, cmp);
}

typedef struct run_span {
  double ts, end;
} run_span;

static int cmp_run(const void *a, const void *b) {
  const run_span *x = a, *y = b;
  return (x->ts > y->ts) - (x->ts < y->ts);
}

static int cmp_node_by_index(const void *a, const void *b) {
  const trt_an_node *x = a, *y = b;
  if (x->node_index != y->node_index) return (x->node_index > y->node_index) - (x->node_index < y->node_index);
  return (x->first_ts > y->first_ts) - (x->first_ts < y->first_ts);
}

static int cmp_node_by_ts(const void *a, const void *b) {
  const trt_an_node *x = a, *y = b;
  if (x->first_ts != y->first_ts) return (x->first_ts > y->first_ts) - (x->first_ts < y->first_ts);
  return (x->node_index > y->node_index) - (x->node_index < y->node_index);
}

static int cmp_node_ptr_by_ts(const void *a, const void *b) {
  return cmp_node_by_ts(*(trt_an_node *const *)a, *(trt_an_node *const *)b);
}

static int cmp_op_desc(const void *a, const void *b) {
  const trt_an_op *x = a, *y = b;
  if (x->total_ms != y->total_ms) return (x->total_ms < y->total_ms) - (x->total_ms > y->total_ms);
  int c = strcmp(x->op, y->op);
  return c ? c : x->layer - y->layer;
}

static int cmp_provider_desc(const void *a, const void *b) {
  const trt_an_provider *x = a, *y = b;
  if (x->total_ms != y->total_ms) return (x->total_ms < y->total_ms) - (x->total_ms > y->total_ms);
  return strcmp(x->name, y->name);
}

/* "<provider>_<op_name>_<digits>" is how ORT names the node that runs a fused partition */
static bool is_fused_name(const char *name, const char *provider, const char *op) {
  size_t np = strlen(provider), no = strlen(op);
  if (strncmp(name, provider, np) || name[np] != '_') return false;
  if (strncmp(name + np + 1, op, no) || name[np + 1 + no] != '_') return false;
  const char *d = name + np + 1 + no + 1;
  if (!*d) return false;
  for (; *d; d++)
    if (!isdigit((unsigned char)*d)) return false;
  return true;
}

static int add_note(trt_analysis *a, trt_an_level level, const char *fmt, ...) TRT_PRINTF(3, 4);
static int add_note(trt_analysis *a, trt_an_level level, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  trt_an_note *n = realloc(a->observations, (a->n_observations + 1) * sizeof *n);
  if (!n) return TINYRT_ERR_NOMEM;
  a->observations = n;
  if (!(n[a->n_observations].text = strdup(buf))) return TINYRT_ERR_NOMEM;
  n[a->n_observations++].level = level;
  return TINYRT_OK;
}

static int add_rec(trt_analysis *a, const char *fmt, ...) TRT_PRINTF(2, 3);
static int add_rec(trt_analysis *a, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  for (size_t i = 0; i < a->n_recommendations; i++)
    if (!strcmp(a->recommendations[i], buf)) return TINYRT_OK; /* two findings, one advice */
  char **r = realloc(a->recommendations, (a->n_recommendations + 1) * sizeof *r);
  if (!r) return TINYRT_ERR_NOMEM;
  a->recommendations = r;
  if (!(r[a->n_recommendations] = strdup(buf))) return TINYRT_ERR_NOMEM;
  a->n_recommendations++;
  return TINYRT_OK;
}

void trt_analysis_free(trt_analysis *a) {
  if (!a) return;
  free(a->run_ms);
  free(a->nodes);
  free(a->ops);
  free(a->op_types);
  free(a->providers);
  free(a->parts);
  for (size_t i = 0; i < a->n_observations; i++) free(a->observations[i].text);
  free(a->observations);
  for (size_t i = 0; i < a->n_recommendations; i++) free(a->recommendations[i]);
  free(a->recommendations);
  memset(a, 0, sizeof *a);
}

/* ---- the steps of trt_analyze ---------------------------------------------------------------- */

/* Session totals, runs and the node table. node_of maps a name id to its latest node (or -1),
 * chain[k] to the previous node of the same name. */
static int collect(const trt_profile *prof, trt_analysis *a, int32_t *node_of, int32_t *chain,
                   run_span **runs_out, tinyrt_error *err) {
  double first = INFINITY, last = -INFINITY, load_us = 0, init_us = 0, node_us = 0;
  size_t n_runs = 0;
  run_span *runs = NULL;
  for (size_t i = 0; i < prof->n_events; i++) {
    const trt_pev *e = &prof->events[i];
    if (e->kind == TRT_PEV_RUN) n_runs++;
  }
  if (n_runs && !(runs = malloc(n_runs * sizeof *runs)))
    return trt_error(err, TINYRT_ERR_NOMEM, "out of memory for %zu runs", n_runs);
  n_runs = 0;
  for (size_t i = 0; i < prof->n_events; i++) {
    const trt_pev *e = &prof->events[i];
    if (!e->timed) continue;
    if (e->ts < first) first = e->ts;
    if (e->ts + e->dur > last) last = e->ts + e->dur;
    switch ((trt_pev_kind)e->kind) {
    case TRT_PEV_MODEL_LOAD: load_us += e->dur; break;
    case TRT_PEV_SESSION_INIT: init_us += e->dur; break;
    case TRT_PEV_RUN: runs[n_runs++] = (run_span){e->ts, e->ts + e->dur}; break;
    case TRT_PEV_KERNEL: {
      node_us += e->dur;
      a->kernel_events++;
      /* a node is its name and node_index: names are unique in ORT's profiles, but a profile
       * of unnamed nodes would otherwise fold them all into one */
      int32_t k = node_of[e->name];
      while (k >= 0 && a->nodes[k].node_index != e->node_index) k = chain[k];
      if (k < 0) {
        k = (int32_t)a->n_nodes++;
        chain[k] = node_of[e->name];
        node_of[e->name] = k;
        trt_an_node *n = &a->nodes[k];
        memset(n, 0, sizeof *n);
        n->name = trt_profile_str(prof, e->name);
        n->op = trt_profile_str(prof, e->op);
        n->provider = trt_profile_str(prof, e->provider);
        n->node_index = e->node_index;
        n->first_ts = e->ts;
        n->fused = is_fused_name(n->name, n->provider, n->op);
        n->layer = n->fused ? -1 : trt_layer_from_name(n->name);
      }
      trt_an_node *n = &a->nodes[k];
      n->total_us += e->dur;
      n->events++;
      if (e->ts < n->first_ts) n->first_ts = e->ts;
      if (e->shape >= 0 && n->n_shapes < TRT_AN_MAX_SHAPES) {
        int s = 0;
        while (s < n->n_shapes && n->shapes[s] != e->shape) s++;
        if (s == n->n_shapes) n->shapes[n->n_shapes++] = e->shape;
      }
      break;
    }
    default: break;
    }
  }
  a->total_events = prof->n_events;
  a->runs = (int)n_runs;
  a->total_duration_ms = first <= last ? (last - first) / 1000.0 : 0.0;
  a->model_load_ms = load_us / 1000.0;
  a->session_init_ms = init_us / 1000.0;
  a->node_time_ms = node_us / 1000.0;
  a->overhead_ms = a->total_duration_ms - a->node_time_ms;
  sort_n(runs, n_runs, sizeof *runs, cmp_run);
  *runs_out = runs;
  return TINYRT_OK;
}

/* Run latencies, and how much of the runs' time kernels cover. */
static int run_stats(const trt_profile *prof, trt_analysis *a, const run_span *runs,
                     tinyrt_error *err) {
  size_t n = (size_t)a->runs;
  double total_us = 0, in_run_node_us = 0;
  if (n == 0) return TINYRT_OK;
  if (!(a->run_ms = malloc(n * sizeof *a->run_ms)))
    return trt_error(err, TINYRT_ERR_NOMEM, "out of memory for %zu runs", n);
  for (size_t i = 0; i < n; i++) {
    a->run_ms[i] = (runs[i].end - runs[i].ts) / 1000.0;
    total_us += runs[i].end - runs[i].ts;
  }
  for (size_t i = 0; i < prof->n_events; i++) {
    const trt_pev *e = &prof->events[i];
    if (e->kind != TRT_PEV_KERNEL) continue;
    /* the last run starting at or before the kernel; runs do not overlap in one session */
    size_t lo = 0, hi = n;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (runs[mid].ts <= e->ts) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && e->ts + e->dur <= runs[lo - 1].end) in_run_node_us += e->dur;
  }
  a->run_total_ms = total_us / 1000.0;
  a->run_overhead_ms = (total_us - in_run_node_us) / 1000.0;

  /* the first run pays for warm-up (allocation, caches): it is reported apart, as ORT's own
   * profile explorer skips it too; a single run is all there is */
  size_t skip = n >= 2 ? 1 : 0, m = n - skip;
  double *v = malloc(m * sizeof *v);
  if (!v) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory for %zu runs", n);
  memcpy(v, a->run_ms + skip, m * sizeof *v);
  a->latency.first_ms = a->run_ms[0];
  trt_latency_stats_compute(v, m, &a->latency.st); /* the same statistics as tinyrt bench */
  free(v);
  return TINYRT_OK;
}

static int providers_and_preferred(trt_analysis *a, const trt_analyze_options *opt,
                                   tinyrt_error *err) {
  if (a->n_nodes && !(a->providers = calloc(a->n_nodes, sizeof *a->providers)))
    return trt_error(err, TINYRT_ERR_NOMEM, "out of memory for providers");
  double fused_ms_best = -1;
  const char *fused_best = NULL;
  for (size_t i = 0; i < a->n_nodes; i++) {
    const trt_an_node *n = &a->nodes[i];
    size_t k = 0;
    while (k < a->n_providers && strcmp(a->providers[k].name, n->provider)) k++;
    trt_an_provider *p = &a->providers[k];
    if (k == a->n_providers) {
      a->n_providers++;
      p->name = n->provider;
    }
    p->nodes++;
    p->events += n->events;
    p->total_ms += n->total_us / 1000.0;
  }
  /* the provider that owns fused nodes is the accelerator the session was built for */
  for (size_t k = 0; k < a->n_providers; k++) {
    double fused_ms = 0;
    bool any = false;
    for (size_t i = 0; i < a->n_nodes; i++)
      if (a->nodes[i].fused && !strcmp(a->nodes[i].provider, a->providers[k].name)) {
        any = true;
        fused_ms += a->nodes[i].total_us;
      }
    if (any && fused_ms > fused_ms_best) {
      fused_ms_best = fused_ms;
      fused_best = a->providers[k].name;
    }
  }
  sort_n(a->providers, a->n_providers, sizeof *a->providers, cmp_provider_desc);
  if (opt && opt->preferred) {
    for (size_t k = 0; k < a->n_providers; k++)
      if (!strcmp(a->providers[k].name, opt->preferred)) a->preferred = a->providers[k].name;
    if (!a->preferred) {
      char list[256] = "";
      for (size_t k = 0; k < a->n_providers; k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
                 a->providers[k].name);
      return trt_error(err, TINYRT_ERR_ARGUMENT,
                       "preferred provider '%s' runs no node in this profile (providers: %s)",
                       opt->preferred, a->n_providers ? list : "none");
    }
  } else if (fused_best) {
    a->preferred = fused_best;
  } else {
    int best = -1;
    for (size_t k = 0; k < a->n_providers; k++)
      if (best < 0 || a->providers[k].nodes > a->providers[best].nodes) best = (int)k;
    if (best >= 0) a->preferred = a->providers[best].name;
  }
  for (size_t k = 0; k < a->n_providers; k++) {
    trt_an_provider *p = &a->providers[k];
    p->preferred = a->preferred && !strcmp(p->name, a->preferred);
    if (!p->preferred) {
      a->fallback_nodes += p->nodes;
      a->fallback_events += p->events;
      a->fallback_ms += p->total_ms;
    }
  }
  return TINYRT_OK;
}

/* ORT names the nodes its fusions create after the fusion ("BiasGelu", "BiasGelu_token_1"), so
 * their names carry no layer. Such a node gets the layer of the nearest nodes with a layer before
 * and after it in execution order (first kernel event), when those two agree. */
static int infer_layers(trt_analysis *a, tinyrt_error *err) {
  size_t n = a->n_nodes;
  trt_an_node **order = malloc(n * sizeof *order);
  int *before = malloc(n * sizeof *before);
  if (!order || !before) {
    free(order);
    free(before);
    return trt_error(err, TINYRT_ERR_NOMEM, "out of memory for %zu nodes", n);
  }
  for (size_t i = 0; i < n; i++) order[i] = &a->nodes[i];
  sort_n(order, n, sizeof *order, cmp_node_ptr_by_ts);
  int last = -1;
  for (size_t i = 0; i < n; i++) {
    before[i] = last;
    if (order[i]->layer >= 0) last = order[i]->layer;
  }
  last = -1;
  for (size_t i = n; i-- > 0;) {
    trt_an_node *nd = order[i];
    if (nd->layer >= 0) {
      last = nd->layer;
    } else if (!nd->fused && before[i] >= 0 && before[i] == last) {
      nd->layer = last; /* inferred layers do not propagate: 'last' stays the named one */
    }
  }
  free(order);
  free(before);
  return TINYRT_OK;
}

/* Orders the nodes, cuts them into partitions and marks fallback nodes that split partitions. */
static int partitions(trt_analysis *a, tinyrt_error *err) {
  bool any_fused = false, all_indexed = true;
  for (size_t i = 0; i < a->n_nodes; i++) {
    any_fused |= a->nodes[i].fused;
    all_indexed &= a->nodes[i].node_index >= 0;
  }
  /* tinyrt runs nodes in node_index order; ORT numbers fused nodes after all others, so with
   * fused nodes the time of the first kernel event is the only execution order there is */
  sort_n(a->nodes, a->n_nodes, sizeof *a->nodes,
        !any_fused && all_indexed ? cmp_node_by_index : cmp_node_by_ts);

  /* a fallback node splits the preferred provider's work when that provider has nodes both
   * before and after it */
  size_t first_pref = a->n_nodes, last_pref = 0;
  for (size_t i = 0; i < a->n_nodes; i++)
    if (!strcmp(a->nodes[i].provider, a->preferred)) {
      if (first_pref == a->n_nodes) first_pref = i;
      last_pref = i;
    }
  for (size_t i = 0; i < a->n_nodes; i++)
    a->nodes[i].splits = strcmp(a->nodes[i].provider, a->preferred) != 0 && first_pref < i &&
                         i < last_pref;

  if (a->n_nodes && !(a->parts = calloc(a->n_nodes, sizeof *a->parts)))
    return trt_error(err, TINYRT_ERR_NOMEM, "out of memory for partitions");
  for (size_t s = 0; s < a->n_nodes;) {
    size_t e = s + 1;
    if (any_fused) {
      if (!a->nodes[s].fused) {
        s++;
        continue;
      }
    } else {
      while (e < a->n_nodes && !strcmp(a->nodes[e].provider, a->nodes[s].provider)) e++;
    }
    trt_an_partition *p = &a->parts[a->n_parts++];
    p->provider = a->nodes[s].provider;
    p->fused = any_fused;
    p->nodes = (int)(e - s);
    for (size_t i = s; i < e; i++) {
      p->total_ms += a->nodes[i].total_us / 1000.0;
      p->events += a->nodes[i].events;
    }
    if (any_fused) {
      /* the seed calls CoreML..._<hash>_4_4 "partition (4_4)": the last two fields */
      const char *nm = a->nodes[s].name, *u2 = strrchr(nm, '_'), *u1 = u2;
      while (u1 > nm && u1[-1] != '_') u1--;
      snprintf(p->name, sizeof p->name, "%s", nm);
      snprintf(p->label, sizeof p->label, "%s", u1 > nm ? u1 : nm);
    } else if (all_indexed) {
      snprintf(p->name, sizeof p->name, "%s[%lld-%lld]", p->provider,
               (long long)a->nodes[s].node_index, (long long)a->nodes[e - 1].node_index);
      snprintf(p->label, sizeof p->label, "#%zu", a->n_parts);
    } else {
      snprintf(p->name, sizeof p->name, "%s[%.60s..%.60s]", p->provider, a->nodes[s].name,
               a->nodes[e - 1].name);
      snprintf(p->label, sizeof p->label, "#%zu", a->n_parts);
    }
    s = e;
  }
  return TINYRT_OK;
}

/* Groups node time by (op, layer, provider) and by op type. */
static int op_tables(trt_analysis *a, tinyrt_error *err) {
  if (!a->n_nodes) return TINYRT_OK;
  a->ops = calloc(a->n_nodes, sizeof *a->ops);
  a->op_types = calloc(a->n_nodes, sizeof *a->op_types);
  double *best_ms = calloc(a->n_nodes, sizeof *best_ms); /* per op type: its largest provider */
  if (!a->ops || !a->op_types || !best_ms) {
    free(best_ms);
    return trt_error(err, TINYRT_ERR_NOMEM, "out of memory for op tables");
  }
  for (size_t i = 0; i < a->n_nodes; i++) {
    const trt_an_node *n = &a->nodes[i];
    size_t k = 0;
    while (k < a->n_ops && !(a->ops[k].layer == n->layer && !strcmp(a->ops[k].op, n->op) &&
                             !strcmp(a->ops[k].provider, n->provider)))
      k++;
    trt_an_op *o = &a->ops[k];
    if (k == a->n_ops) {
      a->n_ops++;
      o->op = n->op;
      o->provider = n->provider;
      o->layer = n->layer;
      o->fallback = strcmp(n->provider, a->preferred) != 0;
      o->fused = n->fused;
    }
    o->total_ms += n->total_us / 1000.0;
    o->events += n->events;
    o->nodes++;
  }
  /* op types from the (op, layer, provider) groups; provider = the one with most of its time */
  for (size_t i = 0; i < a->n_ops; i++) {
    const trt_an_op *g = &a->ops[i];
    size_t k = 0;
    while (k < a->n_op_types && strcmp(a->op_types[k].op, g->op)) k++;
    trt_an_op *t = &a->op_types[k];
    if (k == a->n_op_types) {
      a->n_op_types++;
      t->op = g->op;
      t->layer = -1;
    }
    t->total_ms += g->total_ms;
    t->events += g->events;
    t->nodes += g->nodes;
    t->fallback |= g->fallback;
    t->fused |= g->fused;
    /* sum this group's provider over the op type's groups */
    double same = 0;
    for (size_t j = 0; j <= i; j++)
      if (!strcmp(a->ops[j].op, g->op) && !strcmp(a->ops[j].provider, g->provider))
        same += a->ops[j].total_ms;
    if (same > best_ms[k] || !t->provider) {
      best_ms[k] = same;
      t->provider = g->provider;
    }
  }
  free(best_ms);
  sort_n(a->ops, a->n_ops, sizeof *a->ops, cmp_op_desc);
  sort_n(a->op_types, a->n_op_types, sizeof *a->op_types, cmp_op_desc);
  return TINYRT_OK;
}

/* ---- observations ---------------------------------------------------------------------------- */

static bool is_matmul_family(const char *op) {
  static const char *const ops[] = {"MatMul", "FusedMatMul", "Gemm", "MatMulInteger",
                                    "QLinearMatMul", "MatMulNBits", "FusedGemm",
                                    "GemmSkipLayerNorm"};
  for (size_t i = 0; i < TRT_ARRAY_LEN(ops); i++)
    if (!strcmp(op, ops[i])) return true;
  return false;
}

static double pct(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

#define TRY(x)                         \
  do {                                 \
    if ((x) != TINYRT_OK) goto nomem;  \
  } while (0)

/* Per fallback op type: nodes, events, time, and how many of its nodes split the preferred
 * provider's work. The big splitters get a note each; the rest are listed together. */
static int observe_fallbacks(trt_analysis *a) {
  const double node = a->node_time_ms;
  char small[400] = "", others[400] = "", movers[200] = "";
  size_t n_small = 0, n_others = 0, n_more = 0, n_split_notes = 0, n_movers = 0;
  double movers_ms = 0;
  const char *fb = NULL; /* the fallback provider, when there is just one */
  for (size_t k = 0; k < a->n_providers; k++)
    if (!a->providers[k].preferred) fb = fb ? NULL : a->providers[k].name;
  for (size_t t = 0; t < a->n_op_types; t++) {
    const trt_an_op *ot = &a->op_types[t];
    if (!ot->fallback) continue;
    int nodes = 0, splitting = 0;
    int64_t events = 0;
    double ms = 0;
    const char *prov = NULL;
    for (size_t i = 0; i < a->n_nodes; i++) {
      const trt_an_node *n = &a->nodes[i];
      if (strcmp(n->op, ot->op) || !strcmp(n->provider, a->preferred)) continue;
      nodes++;
      events += n->events;
      ms += n->total_us / 1000.0;
      splitting += n->splits;
      prov = n->provider;
    }
    bool erf = !strcmp(ot->op, "Erf");
    if (splitting && (erf || (n_split_notes < 3 && pct(ms, node) >= 1.0))) {
      n_split_notes++;
      TRY(add_note(a, TRT_AN_WARN,
                   "%s runs on %s as a fallback (%d node%s, %lld events, %.2f ms, %.1f%% of node "
                   "time); %d of them sit%s between %s nodes, so each creates a partition boundary "
                   "and limits fusion",
                   ot->op, prov, nodes, nodes == 1 ? "" : "s", (long long)events, ms, pct(ms, node),
                   splitting, splitting == 1 ? "s" : "", a->preferred));
    } else if (splitting) {
      size_t len = strlen(small);
      if (n_small < 8)
        snprintf(small + len, sizeof small - len, "%s%s (%d node%s, %.2f ms)", n_small ? ", " : "",
                 ot->op, nodes, nodes == 1 ? "" : "s", ms);
      n_small++;
    } else {
      size_t len = strlen(others);
      if (n_others < 6)
        snprintf(others + len, sizeof others - len, fb ? "%s%s (%lld events, %.2f ms)"
                                                       : "%s%s (%lld events, %.2f ms on %s)",
                 n_others ? ", " : "", ot->op, (long long)events, ms, prov);
      else
        n_more++;
      n_others++;
    }
    if (splitting && erf) {
      TRY(add_rec(a, "Consider FastGELU (the tanh approximation of GELU) to eliminate the Erf "
                     "fallback and merge the %s partitions around it", a->preferred));
    } else if (splitting) {
      size_t len = strlen(movers);
      if (n_movers < 3)
        snprintf(movers + len, sizeof movers - len, "%s%s", n_movers ? ", " : "", ot->op);
      n_movers++;
      movers_ms += ms;
    }
  }
  if (n_small)
    TRY(add_note(a, TRT_AN_WARN, "Also between %s nodes, with little time: %s%s", a->preferred,
                 small, n_small > 8 ? ", ..." : ""));
  if (n_others) {
    if (n_more) {
      size_t len = strlen(others);
      snprintf(others + len, sizeof others - len, " and %zu more op types", n_more);
    }
    if (fb)
      TRY(add_note(a, TRT_AN_INFO, "Other fallbacks to %s, outside the %s partitions: %s", fb,
                   a->preferred, others));
    else
      TRY(add_note(a, TRT_AN_INFO, "Other fallbacks, outside the %s partitions: %s", a->preferred,
                   others));
  }
  if (n_movers) {
    char more[48] = "";
    if (n_movers > 3) snprintf(more, sizeof more, " and %zu more op types", n_movers - 3);
    TRY(add_rec(a, "Run %s%s on %s (or replace them with ops it supports) to merge the partitions "
                   "they separate; on the fallback provider they take %.2f ms (%.1f%% of node time)",
                movers, more, a->preferred, movers_ms, pct(movers_ms, node)));
  }
  return TINYRT_OK;
nomem:
  return TINYRT_ERR_NOMEM;
}

static int observe(trt_analysis *a, tinyrt_error *err) {
  const double node = a->node_time_ms;
  int fused_parts = 0;
  for (size_t i = 0; i < a->n_parts; i++) fused_parts += a->parts[i].fused;

  /* providers, partitions and fallbacks */
  if (a->n_providers == 1) {
    TRY(add_note(a, TRT_AN_GOOD, "All %zu profiled nodes run on %s: no fallbacks, one partition",
                 a->n_nodes, a->preferred));
  } else if (a->n_providers > 1) {
    int pref_nodes = 0;
    for (size_t k = 0; k < a->n_providers; k++)
      if (a->providers[k].preferred) pref_nodes = a->providers[k].nodes;
    if (fused_parts)
      TRY(add_note(a, TRT_AN_GOOD,
                   "%s runs %d fused partitions, %.1f%% of node time; %d profiled nodes fall back "
                   "to other providers (%.2f ms, %.1f%% of node time)",
                   a->preferred, fused_parts, pct(node - a->fallback_ms, node), a->fallback_nodes,
                   a->fallback_ms, pct(a->fallback_ms, node)));
    else
      TRY(add_note(a, TRT_AN_INFO,
                   "%d of %zu profiled nodes run on %s; %d fall back to other providers "
                   "(%.2f ms, %.1f%% of node time), and the graph runs as %zu partitions",
                   pref_nodes, a->n_nodes, a->preferred, a->fallback_nodes, a->fallback_ms,
                   pct(a->fallback_ms, node), a->n_parts));
    TRY(observe_fallbacks(a));
  }

  /* where the profiled time goes */
  double share = pct(a->overhead_ms, a->total_duration_ms);
  if (a->total_duration_ms > 0 && share > 50.0) {
    TRY(add_note(a, TRT_AN_WARN,
                 "High session overhead relative to node execution: %.1f%% of the profile is "
                 "outside kernels (model loading %.2f ms, session initialization %.2f ms, inside "
                 "runs %.2f ms, other %.2f ms)",
                 share, a->model_load_ms, a->session_init_ms, a->run_overhead_ms,
                 a->other_overhead_ms));
    double startup = a->model_load_ms + a->session_init_ms;
    if (startup >= a->run_overhead_ms && startup >= a->other_overhead_ms)
      TRY(add_rec(a, "Session start-up (%.2f ms) is the largest overhead: create the session once "
                     "and reuse it; profile more runs so steady state dominates the profile",
                  startup));
  }
  if (a->runs > 0 && a->run_total_ms > 0) {
    double in_run = pct(a->run_overhead_ms, a->run_total_ms);
    if (in_run > 25.0) {
      TRY(add_note(a, TRT_AN_WARN,
                   "Each run spends %.3f ms outside kernels on average, %.1f%% of its time "
                   "(scheduling, memory planning, shape resolution, provider dispatch)",
                   a->run_overhead_ms / a->runs, in_run));
      TRY(add_rec(a, "Per-run overhead is %.1f%% of run time: use static shapes when dimensions "
                     "are known, batch more sequences per run, and prefer one provider when "
                     "partition hand-offs cost more than they save",
                  in_run));
    }
  }

  /* ops */
  double mm = 0;
  int64_t mm_events = 0;
  for (size_t t = 0; t < a->n_op_types; t++)
    if (is_matmul_family(a->op_types[t].op)) {
      mm += a->op_types[t].total_ms;
      mm_events += a->op_types[t].events;
    }
  if (node > 0 && pct(mm, node) >= 40.0) {
    TRY(add_note(a, TRT_AN_INFO,
                 "MatMul-family ops take %.1f%% of node time (%.2f ms, %lld events): the model "
                 "is GEMM-bound",
                 pct(mm, node), mm, (long long)mm_events));
    TRY(add_rec(a, "GEMM speed decides latency: tune the matrix multiply (blocking, SIMD width, "
                   "threads) before smaller ops"));
  }
  /* the largest real op type (fused partitions are reported as partitions) */
  const trt_an_op *big = NULL;
  for (size_t t = 0; t < a->n_op_types && !big; t++)
    if (!a->op_types[t].fused) big = &a->op_types[t];
  if (big && node > 0 && !is_matmul_family(big->op) && pct(big->total_ms, node) >= 20.0)
    TRY(add_note(a, TRT_AN_INFO, "%s is the largest op type: %.1f%% of node time (%.2f ms, %lld "
                                 "events)",
                 big->op, pct(big->total_ms, node), big->total_ms, (long long)big->events));

  /* runs */
  const trt_an_latency *l = &a->latency;
  const trt_latency_stats *st = &l->st;
  if (a->runs >= 2 && st->mean > 0 && l->first_ms > 1.5 * st->mean) {
    TRY(add_note(a, TRT_AN_WARN,
                 "First run took %.3f ms, %.1fx the steady-state mean of %.3f ms (warm-up)",
                 l->first_ms, l->first_ms / st->mean, st->mean));
    TRY(add_rec(a, "Run a few warm-up inferences before measuring; the analysis leaves the first "
                   "run out of its latency statistics"));
  }
  if (st->n >= 10 && st->p50 > 0 && st->p99 > 2.0 * st->p50) {
    TRY(add_note(a, TRT_AN_WARN, "Tail latency: p99 %.3f ms is %.1fx p50 %.3f ms", st->p99,
                 st->p99 / st->p50, st->p50));
    TRY(add_rec(a, "Latency varies from run to run: check for other load on the machine and try "
                   "fewer threads or pinned threads"));
  }
  if (a->max_shapes > 1) {
    TRY(add_note(a, TRT_AN_INFO,
                 "Input shapes change between runs (up to %d distinct shapes per node): dynamic "
                 "shapes",
                 a->max_shapes));
    TRY(add_rec(a, "Use static shapes (tinyrt bench --static, ORT's free-dimension override) "
                   "when the input dimensions are known"));
  }
  return TINYRT_OK;
nomem:
  return trt_error(err, TINYRT_ERR_NOMEM, "out of memory for observations");
}

int trt_analyze(const trt_profile *prof, const trt_analyze_options *opt, trt_analysis *a,
                tinyrt_error *err) {
  memset(a, 0, sizeof *a);
  int rc = TINYRT_OK;
  run_span *runs = NULL;
  int32_t *node_of = malloc(((size_t)prof->n_strs + 1) * sizeof *node_of), *chain = NULL;
  size_t n_kernel = 0;
  for (size_t i = 0; i < prof->n_events; i++) n_kernel += prof->events[i].kind == TRT_PEV_KERNEL;
  /* at most one node per kernel event; shrunk below */
  a->nodes = malloc((n_kernel ? n_kernel : 1) * sizeof *a->nodes);
  chain = malloc((n_kernel ? n_kernel : 1) * sizeof *chain);
  if (!node_of || !a->nodes || !chain) {
    rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory analyzing %zu events", prof->n_events);
    goto done;
  }
  for (int32_t i = 0; i <= prof->n_strs; i++) node_of[i] = -1;

  if ((rc = collect(prof, a, node_of, chain, &runs, err))) goto done;
  if (a->n_nodes) {
    trt_an_node *shrunk = realloc(a->nodes, a->n_nodes * sizeof *a->nodes);
    if (shrunk) a->nodes = shrunk;
  }
  for (size_t i = 0; i < a->n_nodes; i++)
    if (a->nodes[i].n_shapes > a->max_shapes) a->max_shapes = a->nodes[i].n_shapes;
  if ((rc = run_stats(prof, a, runs, err))) goto done;
  a->other_overhead_ms = a->overhead_ms - a->model_load_ms - a->session_init_ms - a->run_overhead_ms;
  if ((rc = providers_and_preferred(a, opt, err))) goto done;
  if (a->n_nodes) {
    if ((rc = infer_layers(a, err))) goto done;
    if ((rc = partitions(a, err))) goto done;
    if ((rc = op_tables(a, err))) goto done;
  }
  rc = observe(a, err);
done:
  free(node_of);
  free(chain);
  free(runs);
  if (rc) trt_analysis_free(a);
  return rc;
}
