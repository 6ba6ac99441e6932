/* Observations, recommendations and trade-offs derived from one report's measurements. Each
 * sentence states the numbers it rests on; thresholds are named below with their reason. */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "report.h"

/* Shares below this are not worth a change of model or runtime option: run-to-run noise of a
 * shared machine is of this order (see the stdev of any run here). */
#define SMALL_SHARE_PCT 5.0
/* A p99 over this multiple of p50 is a tail worth a sentence. */
#define TAIL_RATIO 2.0

const char *const report_group_titles[REPORT_N_GROUPS] = {
    "Dynamic Shape Support", "Graph Fragmentation Pattern", "Performance Characteristics",
    "Provider Behavior",     "Profile Findings",            "Machine and Threads"};
const char *const report_rgroup_titles[REPORT_N_RGROUPS] = {
    "For Production Deployment", "For This Model's Graph", "From the Profile", "For Measuring"};

double report_pct(double a, double b) { return b != 0 ? 100.0 * (a - b) / b : 0; }

const char *report_dims_str(const report *r, char *buf, size_t len) {
  size_t off = 0;
  buf[0] = '\0';
  for (int i = 0; i < r->dims.n && off < len; i++)
    off += (size_t)snprintf(buf + off, len - off, "%s%s=%lld", i ? ", " : "", r->dims.names[i],
                            (long long)r->dims.d[i].value);
  if (r->dims.n == 0) snprintf(buf, len, "none");
  return buf;
}

const char *report_title(const report *r, char *buf, size_t len) {
  size_t word = strcspn(r->precision, " "); /* "FP32", not its "(0.5% of weights FP16)" */
  snprintf(buf, len, "%s %.*s %s Profile Analysis (tinyrt %s)", r->name, (int)word, r->precision,
           r->n_syms ? "Dynamic Shape" : "Static Shape", TINYRT_VERSION);
  return buf;
}

const char *report_diff_words(const trt_sample_diff *d, double mean_a, double mean_b, char *buf,
                              size_t len) {
  double p = report_pct(mean_a, mean_b);
  if (!d->significant)
    snprintf(buf, len, "no measurable difference");
  else
    snprintf(buf, len, "%.1f%% %s", fabs(p), p >= 0 ? "slower" : "faster");
  return buf;
}

static void note(report_note *list, int *n, int group, trt_an_level level, const char *fmt, ...)
    TRT_PRINTF(5, 6);
static void note(report_note *list, int *n, int group, trt_an_level level, const char *fmt, ...) {
  if (*n >= REPORT_MAX_NOTES) return;
  report_note *x = &list[(*n)++];
  x->group = group;
  x->level = level;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(x->text, sizeof x->text, fmt, ap);
  va_end(ap);
}

#define OBS(g, lv, ...) note(r->obs, &r->n_obs, (g), (lv), __VA_ARGS__)
#define REC(g, ...) note(r->recs, &r->n_recs, (g), TRT_AN_INFO, __VA_ARGS__)

static void tradeoff(report *r, const char *fmt, ...) TRT_PRINTF(2, 3);
static void tradeoff(report *r, const char *fmt, ...) {
  if (r->n_tradeoffs >= (int)(sizeof r->tradeoffs / sizeof r->tradeoffs[0])) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->tradeoffs[r->n_tradeoffs++], sizeof r->tradeoffs[0], fmt, ap);
  va_end(ap);
}

static void shapes(report *r) {
  const bench_result *d = &r->dyn, *s = &r->stat;
  char dims[256], words[160], syms[512] = "";
  report_dims_str(r, dims, sizeof dims);
  for (int i = 0; i < r->n_syms; i++)
    snprintf(syms + strlen(syms), sizeof syms - strlen(syms), "%s%s", i ? ", " : "", r->syms[i]);
  double gap = report_pct(d->lat.mean, s->lat.mean);
  double tput = report_pct(d->inferences_per_s, s->inferences_per_s);
  bool slower = r->shape_diff.significant && gap > 0, faster = r->shape_diff.significant && gap < 0;

  if (r->n_syms == 0)
    OBS(REPORT_G_SHAPES, TRT_AN_INFO,
        "The model has no symbolic dims: the 'dynamic' and 'static' sessions run the same "
        "fixed-shape graph, so their difference (%+.1f%% mean) is run-to-run noise",
        gap);
  else
    OBS(REPORT_G_SHAPES, TRT_AN_GOOD,
        "Dynamic axes (%s) resolve per run: the dynamic session ran all %lld timed runs at %s",
        syms, d->iterations, dims);
  if (d->n_partitions == s->n_partitions)
    OBS(REPORT_G_SHAPES, TRT_AN_GOOD,
        "Dynamic and static sessions create the same %d partition%s (%d vs %d nodes)",
        d->n_partitions, d->n_partitions == 1 ? "" : "s", d->n_nodes, s->n_nodes);
  else
    OBS(REPORT_G_SHAPES, TRT_AN_INFO,
        "Dynamic session: %d partitions vs %d static (%+.0f%%); nodes %d vs %d", d->n_partitions,
        s->n_partitions, report_pct(d->n_partitions, s->n_partitions), d->n_nodes, s->n_nodes);
  OBS(REPORT_G_SHAPES, slower && gap >= SMALL_SHARE_PCT ? TRT_AN_WARN : TRT_AN_GOOD,
      "Dynamic vs static mean latency %.3f vs %.3f ms: %s (Mann-Whitney z = %.2f over %zu + %zu "
      "interleaved runs; |z| < 1.96 is within run-to-run noise)",
      d->lat.mean, s->lat.mean, report_diff_words(&r->shape_diff, d->lat.mean, s->lat.mean, words,
                                                  sizeof words),
      r->shape_diff.z, r->shape_diff.na, r->shape_diff.nb);

  /* trade-offs: each side with the number that decides it here */
  if (slower) {
    tradeoff(r, "+ Static: %.1f%% lower mean latency and %.1f%% more throughput at %s", gap,
             -tput, dims);
    tradeoff(r, "- Dynamic: resolving shapes per run costs %.3f ms per inference here",
             d->lat.mean - s->lat.mean);
  } else if (faster) {
    tradeoff(r, "+ Dynamic: measured %.1f%% faster than static here (z = %.2f): specializing "
                "bought nothing on this machine",
             -gap, r->shape_diff.z);
  } else {
    tradeoff(r, "+ Dynamic: no measurable latency cost for flexible shapes here (mean %+.1f%%, "
                "throughput %+.1f%%, z = %.2f)",
             gap, tput, r->shape_diff.z);
    tradeoff(r, "- Static: no measurable speed-up at %s to pay for fixing the shape", dims);
  }
  tradeoff(r, "+ Dynamic: one session serves every %s; session initialization %.2f ms",
           r->n_syms ? syms : "shape", d->session_init_ms);
  tradeoff(r, "- Static: fixed to %s; another shape needs another session (initialization "
              "%.2f ms measured here)",
           dims, s->session_init_ms);
  if (d->n_partitions != s->n_partitions)
    tradeoff(r, "%s Static: %d partitions and %d nodes vs %d and %d dynamic (fixed dims let "
                "the optimizer fold what depends on them)",
             s->n_partitions < d->n_partitions ? "+" : "-", s->n_partitions, s->n_nodes,
             d->n_partitions, d->n_nodes);

  if (slower)
    REC(REPORT_R_DEPLOY,
        "Use static shapes when the input dims are known (tinyrt bench --static, tinyrt optimize "
        "--fix %s): %.1f%% more throughput and %.1f%% lower mean latency measured here",
        dims, -tput, gap);
  else if (faster)
    REC(REPORT_R_DEPLOY,
        "Keep the dynamic model: the static session measured %.1f%% slower here (z = %.2f)", -gap,
        r->shape_diff.z);
  else if (r->n_syms)
    REC(REPORT_R_DEPLOY,
        "Keep dynamic shapes: fixing %s measured no difference here (mean %.3f vs %.3f ms, z = "
        "%.2f), and one dynamic session serves every %s",
        dims, d->lat.mean, s->lat.mean, r->shape_diff.z, syms);
}

/* Providers, fallbacks, folding and the optimizer. */
static void graph_partitions(report *r) {
  const char *pref = r->eps[0].name;
  const trt_analysis *a = &r->an;
  int total = r->st.n_nodes;
  /* nodes without kernel events are computed once, when the plan for the shapes is built */
  int profiled = (int)a->n_nodes, folded = total - profiled;
  int fb_run = a->fallback_nodes, fb_folded = r->fallback_nodes - fb_run;
  if (r->n_eps == 1)
    OBS(REPORT_G_GRAPH, TRT_AN_INFO,
        "All %d nodes run on %s, the only provider of this run, in %d partition%s", total, pref,
        r->n_partitions, r->n_partitions == 1 ? "" : "s");
  else if (r->fallback_nodes == 0)
    OBS(REPORT_G_GRAPH, TRT_AN_GOOD, "All %d nodes run on %s: no fallback, %d partition%s", total,
        pref, r->n_partitions, r->n_partitions == 1 ? "" : "s");
  else
    OBS(REPORT_G_GRAPH, fb_run > 0 ? TRT_AN_WARN : TRT_AN_INFO,
        "%d of %d nodes fall back from %s (%s), cutting the graph into %d partitions; %d of them "
        "run%s a kernel in each run and %d %s computed once when the plan is built, so runs "
        "execute %zu partition%s",
        r->fallback_nodes, total, pref, r->fallback_ops, r->n_partitions, fb_run,
        fb_run == 1 ? "s" : "", fb_folded, fb_folded == 1 ? "is" : "are", a->n_parts,
        a->n_parts == 1 ? "" : "s");
  if (folded > 0) {
    char ops[320] = "";
    int listed = 0;
    for (int i = 0; i < r->n_ops; i++) {
      int seen = 0;
      for (size_t t = 0; t < a->n_op_types; t++)
        if (!strcmp(a->op_types[t].op, r->ops[i].op)) seen = a->op_types[t].nodes;
      int left = r->ops[i].count - seen;
      if (left <= 0 || listed == 6) continue;
      snprintf(ops + strlen(ops), sizeof ops - strlen(ops), "%s%s %d", listed ? ", " : "",
               r->ops[i].op, left);
      listed++;
    }
    OBS(REPORT_G_GRAPH, TRT_AN_GOOD,
        "%d of the %d nodes run a kernel in each run; the other %d (%s%s) are computed once, "
        "when the plan for the input shapes is built",
        profiled, total, folded, ops, listed == 6 ? ", ..." : "");
  }
  int removed = r->st.n_nodes_loaded - r->st.n_nodes;
  OBS(REPORT_G_GRAPH, TRT_AN_INFO,
      "Graph optimization%s: %d nodes as loaded, %d after (%d removed or fused, %.1f%%)%s%s",
      r->opt_level >= 0 ? "" : " (no report)", r->st.n_nodes_loaded, r->st.n_nodes, removed,
      r->st.n_nodes_loaded ? 100.0 * removed / r->st.n_nodes_loaded : 0.0,
      r->opt_rewrites[0] ? ": " : "", r->opt_rewrites);

  if (r->fallback_nodes > 0) {
    double share = a->node_time_ms > 0 ? 100.0 * a->fallback_ms / a->node_time_ms : 0.0;
    double per_run = a->runs > 0 ? a->run_overhead_ms / a->runs : 0;
    if (fb_run == 0)
      REC(REPORT_R_MODEL,
          "The %d fallback nodes (%s) are all computed when the plan is built, none per run: "
          "they cost nothing per inference, so moving them to %s would not change latency",
          r->fallback_nodes, r->fallback_ops, pref);
    else if (share < SMALL_SHARE_PCT)
      REC(REPORT_R_MODEL,
          "Fallbacks are cheap here: %d fallback node%s run%s per inference, %.3f ms per run "
          "(%.1f%% of node time), and runs spend %.3f ms outside kernels (hand-offs included): "
          "moving the fallbacks to %s would change latency by at most that",
          fb_run, fb_run == 1 ? "" : "s", fb_run == 1 ? "s" : "",
          a->runs > 0 ? a->fallback_ms / a->runs : 0.0, share, per_run, pref);
    else
      REC(REPORT_R_MODEL,
          "%d fallback node%s take %.1f%% of node time (%.3f ms per run): supporting %s in %s "
          "would move that time to the faster provider and merge the partitions around them",
          fb_run, fb_run == 1 ? "" : "s", share, a->runs > 0 ? a->fallback_ms / a->runs : 0.0,
          r->fallback_ops, pref);
  } else if (r->n_eps == 1) {
    REC(REPORT_R_MODEL,
        "Every node ran on %s, the only provider in this run: compare with a faster provider "
        "(--ep) when the build has one before judging the latency",
        pref);
  }
}

/* Exact GELU: how much of the time it can be, and what fast_gelu measured. */
static void graph_gelu(report *r) {
  int exact = r->erf_nodes + r->erf_fused;
  if (exact == 0) {
    OBS(REPORT_G_GRAPH, TRT_AN_GOOD, "No exact (erf) GELU in the optimized graph (activation: %s)",
        r->activation);
    return;
  }
  if (r->erf_nodes > 0)
    OBS(REPORT_G_GRAPH, r->erf_share >= SMALL_SHARE_PCT ? TRT_AN_WARN : TRT_AN_INFO,
        "Exact (erf) GELU: %d node%s computing it on their own take %.3f ms over %lld events, "
        "%.1f%% of node time",
        r->erf_nodes, r->erf_nodes == 1 ? "" : "s", r->erf_ms, (long long)r->erf_events,
        r->erf_share);
  if (r->erf_fused > 0)
    OBS(REPORT_G_GRAPH, TRT_AN_INFO,
        "Exact (erf) GELU is fused into %d matrix multiplies (FusedGemm): with their products "
        "they take %.3f ms over %lld events, %.1f%% of node time; the profile cannot separate "
        "the GELU part",
        r->erf_fused, r->erf_fused_ms, (long long)r->erf_fused_events, r->erf_fused_share);
  if (r->fast_gelu_probed && r->erf_nodes_fast < exact)
    OBS(REPORT_G_GRAPH, TRT_AN_INFO,
        "With fast_gelu the runtime rewrites %d of the %d exact GELU nodes to the tanh "
        "approximation",
        exact - r->erf_nodes_fast, exact);
  else if (r->fast_gelu_probed)
    OBS(REPORT_G_GRAPH, TRT_AN_INFO,
        "A session opened with fast_gelu still has all %d exact GELU nodes: this build does not "
        "rewrite them",
        exact);

  if (r->gelu_measured) {
    char words[160];
    double gap = report_pct(r->gelu_fast.lat.mean, r->gelu_exact.lat.mean);
    OBS(REPORT_G_GRAPH, TRT_AN_INFO,
        "Fast vs exact GELU, interleaved (%lld runs each): mean %.3f vs %.3f ms, %s (z = %.2f)",
        r->gelu_fast.iterations, r->gelu_fast.lat.mean, r->gelu_exact.lat.mean,
        report_diff_words(&r->gelu_diff, r->gelu_fast.lat.mean, r->gelu_exact.lat.mean, words,
                          sizeof words),
        r->gelu_diff.z);
    if (r->gelu_diff.significant && gap < 0)
      REC(REPORT_R_MODEL,
          "Fast GELU (--fast-gelu, the tanh approximation) measured %.1f%% faster here (z = "
          "%.2f); use it when the small change in outputs is acceptable",
          -gap, r->gelu_diff.z);
    else if (r->gelu_diff.significant)
      REC(REPORT_R_MODEL,
          "Keep exact GELU: --fast-gelu measured %.1f%% slower here (z = %.2f), and it changes "
          "the outputs",
          gap, r->gelu_diff.z);
    else
      REC(REPORT_R_MODEL,
          "Keep exact GELU: --fast-gelu made no measurable difference here (mean %+.1f%%, z = "
          "%.2f), and it changes the outputs",
          gap, r->gelu_diff.z);
  } else if (r->erf_nodes > 0 && r->erf_share >= SMALL_SHARE_PCT) {
    REC(REPORT_R_MODEL,
        "Erf takes %.1f%% of node time (%.3f ms): that is the most replacing exact GELU with its "
        "tanh approximation could save",
        r->erf_share, r->erf_ms);
  } else if (r->erf_nodes > 0) {
    REC(REPORT_R_MODEL,
        "Erf takes only %.1f%% of node time (%.3f ms): replacing exact GELU could save at most "
        "that, so it is not worth changing the model's outputs",
        r->erf_share, r->erf_ms);
  }
}

static void perf(report *r) {
  const bench_result *b = &r->bench;
  const trt_analysis *a = &r->an;
  double ratio = b->lat.p50 > 0 ? b->lat.p99 / b->lat.p50 : 0;
  OBS(REPORT_G_PERF, ratio > TAIL_RATIO ? TRT_AN_WARN : TRT_AN_GOOD,
      "p50 %.3f ms, p99 %.3f ms (p99/p50 = %.2f), %.2f inferences/s (%.2f sequences/s)",
      b->lat.p50, b->lat.p99, ratio, b->inferences_per_s, b->sequences_per_s);
  double node_pct = a->total_duration_ms > 0 ? 100.0 * a->node_time_ms / a->total_duration_ms : 0;
  double per_run = a->runs > 0 ? a->run_overhead_ms / a->runs : 0;
  OBS(REPORT_G_PERF, node_pct < 50 ? TRT_AN_WARN : TRT_AN_GOOD,
      "Node execution is %.1f%% of the profiled time (%.2f of %.2f ms); session overhead %.1f%%: "
      "start-up %.2f ms, %.3f ms per run outside kernels, %.2f ms between runs",
      node_pct, a->node_time_ms, a->total_duration_ms, 100.0 - node_pct,
      a->model_load_ms + a->session_init_ms, per_run, a->other_overhead_ms);
  double gflops = bench_achieved_gflops(b);
  char peak_words[128];
  OBS(REPORT_G_PERF, TRT_AN_INFO,
      "Matrix multiplies: %.1f MFLOP per inference at %.2f GFLOP/s = %.1f%% of this machine's "
      "measured peak (%s)%s",
      b->gflop * 1e3, gflops, b->pct_of_peak, bench_peak_words(b, peak_words, sizeof peak_words),
      b->pct_of_peak < 10 ? ": far from the FLOP limit, so how the kernels compute, not how much, "
                            "sets the latency"
                          : "");
  char words[160];
  bool drift = r->prof_diff.significant && b->lat.mean < r->dyn.lat.mean;
  OBS(REPORT_G_PERF, drift ? TRT_AN_WARN : TRT_AN_INFO,
      "Profiling on vs off (dynamic session, separate phases): mean %.3f vs %.3f ms, %s "
      "(z = %.2f)%s",
      b->lat.mean, r->dyn.lat.mean,
      report_diff_words(&r->prof_diff, b->lat.mean, r->dyn.lat.mean, words, sizeof words),
      r->prof_diff.z,
      drift ? ": profiling cannot make runs faster, so the machine's speed drifted between the "
              "phases; compare only interleaved numbers"
            : "");
  if (r->prof_diff.significant && b->lat.mean > r->dyn.lat.mean)
    REC(REPORT_R_MEASURE,
        "The profiled phase measured %.1f%% slower than the unprofiled one (profiling cost plus "
        "any drift between the phases): quote the Comparison's unprofiled numbers for latency, "
        "the profile for where the time goes",
        report_pct(b->lat.mean, r->dyn.lat.mean));
}

static void provider(report *r) {
  const char *pref = r->eps[0].name;
  int total = r->st.n_nodes;
  double pref_ms = 0;
  for (size_t k = 0; k < r->an.n_providers; k++)
    if (!strcmp(r->an.providers[k].name, pref)) pref_ms = r->an.providers[k].total_ms;
  OBS(REPORT_G_PROVIDER, r->eps[0].nodes == total ? TRT_AN_GOOD : TRT_AN_INFO,
      "%s (first in priority order) runs %d of %d nodes (%.1f%%) and %.1f%% of node time "
      "(%.2f ms)",
      pref, r->eps[0].nodes, total, total ? 100.0 * r->eps[0].nodes / total : 0.0,
      r->an.node_time_ms > 0 ? 100.0 * pref_ms / r->an.node_time_ms : 0.0, pref_ms);
  for (int e = 1; e < r->n_eps; e++)
    if (r->eps[e].nodes > 0)
      OBS(REPORT_G_PROVIDER, TRT_AN_WARN, "%s runs %d node%s in %d partition%s", r->eps[e].name,
          r->eps[e].nodes, r->eps[e].nodes == 1 ? "" : "s", r->eps[e].partitions,
          r->eps[e].partitions == 1 ? "" : "s");
}

static void machine(report *r) {
  const bench_result *b = &r->bench;
  double load = r->load_before > r->load_after ? r->load_before : r->load_after;
  bool busy = load > r->cores;
  OBS(REPORT_G_MACHINE, b->threads > r->cores || busy ? TRT_AN_WARN : TRT_AN_GOOD,
      "%d thread%s on %d online core%s; 1-minute load average %.2f before and %.2f after the "
      "measurements",
      b->threads, b->threads == 1 ? "" : "s", r->cores, r->cores == 1 ? "" : "s", r->load_before,
      r->load_after);
  if (busy)
    OBS(REPORT_G_MACHINE, TRT_AN_WARN,
        "Other processes compete for the cores (load %.2f > %d cores): the latencies include "
        "waiting for a core (stdev %.3f ms on a mean of %.3f ms)",
        load, r->cores, b->lat.stdev, b->lat.mean);
  if (b->threads > r->cores)
    REC(REPORT_R_DEPLOY, "Use at most %d threads: %d threads on %d cores time-share the cores",
        r->cores, b->threads, r->cores);
  if (busy)
    REC(REPORT_R_MEASURE,
        "Repeat on an idle machine before drawing conclusions from small differences: the load "
        "was %.2f on %d cores during this run",
        load, r->cores);
  if (b->iterations < 100)
    REC(REPORT_R_MEASURE,
        "With %lld timed runs p99 is the %s measured latency (nearest rank %lld of %lld): use "
        "--iterations 100 or more for a tail percentile",
        b->iterations, (long long)ceil(0.99 * (double)b->iterations) == b->iterations
                           ? "largest"
                           : "near-largest",
        (long long)ceil(0.99 * (double)b->iterations), b->iterations);
}

void report_findings(report *r) {
  r->n_obs = r->n_recs = r->n_tradeoffs = 0;
  shapes(r);
  graph_partitions(r);
  graph_gelu(r);
  perf(r);
  provider(r);
  for (size_t i = 0; i < r->an.n_observations; i++)
    OBS(REPORT_G_PROFILE, r->an.observations[i].level, "%s", r->an.observations[i].text);
  for (size_t i = 0; i < r->an.n_recommendations; i++)
    REC(REPORT_R_PROFILE, "%s", r->an.recommendations[i]);
  machine(r);
}
