/* The report as text, in the seed document's layout: banners, "Label:" blocks, "  - " items. */
#include <string.h>

#include "report.h"

static const char rule[] =
    "================================================================================\n";

static void banner(FILE *f, const char *title) { fprintf(f, "%s%s\n%s\n", rule, title, rule); }

/* The label the seed uses for a symbolic dim ("Batch size"), else the dim's own name. */
static const char *dim_label(const char *name) {
  if (strstr(name, "batch")) return "Batch size";
  if (strstr(name, "seq")) return "Sequence length";
  return name;
}

static void model_section(FILE *f, const report *r) {
  char dims[256];
  fprintf(f, "Model Configuration:\n");
  fprintf(f, "  - Model: %s\n", r->name);
  fprintf(f, "  - Precision: %s\n", r->precision);
  fprintf(f, "  - Activation: %s\n", r->activation);
  for (int i = 0; i < r->dims.n; i++)
    fprintf(f, "  - %s: Dynamic (tested with %s=%lld)\n", dim_label(r->dims.names[i]),
            r->dims.names[i], (long long)r->dims.d[i].value);
  fprintf(f, "  - ONNX file: %s\n", r->cfg.model);
  fprintf(f, "  - Model size: %.2f MB (%lld bytes)\n\n", (double)r->file_size / 1e6, r->file_size);

  fprintf(f, "Export Details:\n");
  fprintf(f, "  - Dynamic axes: ");
  for (int i = 0; i < r->n_syms; i++) fprintf(f, "%s%s", i ? ", " : "", r->syms[i]);
  fprintf(f, r->n_syms ? " (tested with %s)\n" : "none: every input dim is fixed (%s)\n",
          report_dims_str(r, dims, sizeof dims));
  fprintf(f, "  - Opset version: %lld (IR version %lld, producer %s)\n", r->opset, r->ir_version,
          r->producer[0] ? r->producer : "not recorded");
  fprintf(f, "  - Architecture: %d transformer layers, hidden size %lld, %lld heads, intermediate "
             "size %lld, ~%.2fM parameters (%lld)\n\n",
          r->arch.layers, (long long)r->arch.hidden, (long long)r->arch.heads,
          (long long)r->arch.intermediate, (double)r->st.n_parameters / 1e6,
          (long long)r->st.n_parameters);
}

static void bench_section(FILE *f, const report *r) {
  const bench_result *b = &r->bench;
  banner(f, "Benchmark Results");
  fprintf(f, "Dynamic session, %lld timed runs after %lld warm-up, %d thread%s, profiling on;\n"
             "percentiles by nearest rank.\n\n",
          b->iterations, r->cfg.warmup, b->threads, b->threads == 1 ? "" : "s");
  fprintf(f, "Performance Metrics:\n");
  fprintf(f, "  - Mean latency: %.3f ms\n", b->lat.mean);
  fprintf(f, "  - p50 latency: %.3f ms\n", b->lat.p50);
  fprintf(f, "  - p90 latency: %.3f ms\n", b->lat.p90);
  fprintf(f, "  - p95 latency: %.3f ms\n", b->lat.p95);
  fprintf(f, "  - p99 latency: %.3f ms\n", b->lat.p99);
  fprintf(f, "  - Min / max latency: %.3f / %.3f ms\n", b->lat.min, b->lat.max);
  fprintf(f, "  - Standard deviation: %.3f ms\n", b->lat.stdev);
  fprintf(f, "  - Throughput: %.2f inferences/sec, %.2f sequences/sec (batch %lld)\n",
          b->inferences_per_s, b->sequences_per_s, (long long)b->batch);
  fprintf(f, "  - Session initialization: %.2f ms\n", b->session_init_ms);
  fprintf(f, "  - Model loading: %.2f ms\n", b->model_load_ms);
  fprintf(f, "  - Peak RSS: %.1f MB\n", (double)b->peak_rss_bytes / 1e6);
  char words[128];
  fprintf(f, "  - FLOPs: %.1f MFLOP per inference (matrix multiplies) = %.2f GFLOP/s, %.1f%% of "
             "this machine's measured peak (%s)\n\n",
          b->gflop * 1e3, bench_achieved_gflops(b),
          b->pct_of_peak, bench_peak_words(b, words, sizeof words));

  fprintf(f, "%s Partitioning:\n", r->eps[0].name);
  fprintf(f, "  - Providers in priority order: ");
  for (int e = 0; e < r->n_eps; e++) fprintf(f, "%s%s", e ? ", " : "", r->eps[e].name);
  fprintf(f, "\n  - Partitions created: %d\n", r->n_partitions);
  fprintf(f, "  - Total nodes in graph: %d as loaded, %d after optimization\n",
          r->st.n_nodes_loaded, r->st.n_nodes);
  fprintf(f, "  - Nodes on %s (preferred): %d\n", r->eps[0].name, r->eps[0].nodes);
  if (r->n_eps == 1)
    fprintf(f, "  - Nodes falling back: 0 (%s is the only provider)\n", r->eps[0].name);
  for (int e = 1; e < r->n_eps; e++)
    fprintf(f, "  - Nodes falling back to %s: %d%s%s%s\n", r->eps[e].name, r->eps[e].nodes,
            r->eps[e].nodes && r->n_eps == 2 ? " (" : "",
            r->eps[e].nodes && r->n_eps == 2 ? r->fallback_ops : "",
            r->eps[e].nodes && r->n_eps == 2 ? ")" : "");
  fputc('\n', f);
}

static void analysis_section(FILE *f, const report *r) {
  banner(f, "Profile Analysis");
  fprintf(f, "The profile of the benchmark above: %d runs (1 sizing, %lld warm-up, %lld timed).\n",
          r->an.runs, r->cfg.warmup, r->bench.iterations);
  trt_analysis_write_text_body(f, &r->an, REPORT_TOP);
  fputc('\n', f);
}

static void observations_section(FILE *f, const report *r) {
  static const char *const marks[] = {"✓ ", "⚠️ ", "• "};
  banner(f, "Key Observations");
  int num = 0;
  for (int g = 0; g < REPORT_N_GROUPS; g++) {
    bool any = false;
    for (int i = 0; i < r->n_obs; i++) {
      if (r->obs[i].group != g) continue;
      if (!any) fprintf(f, "%d. %s:\n", ++num, report_group_titles[g]);
      any = true;
      fprintf(f, "   %s %s\n", marks[r->obs[i].level], r->obs[i].text);
    }
    if (any) fputc('\n', f);
  }
}

static void comparison_section(FILE *f, const report *r) {
  const bench_result *d = &r->dyn, *s = &r->stat;
  char dims[256], words[160];
  report_dims_str(r, dims, sizeof dims);
  banner(f, "Comparison: Static vs Dynamic Shapes");
  fprintf(f, "%lld runs each after %lld warm-up, interleaved run by run in one process, profiling "
             "off.\n\n",
          d->iterations, r->cfg.warmup);
  fprintf(f, "Static Shape (%s):\n", dims);
  fprintf(f, "  - Partitions: %d (%d nodes)\n", s->n_partitions, s->n_nodes);
  fprintf(f, "  - Mean latency: %.3f ms (p50 %.3f, p99 %.3f)\n", s->lat.mean, s->lat.p50,
          s->lat.p99);
  fprintf(f, "  - Throughput: %.2f inferences/sec\n", s->inferences_per_s);
  fprintf(f, "  - Session initialization: %.2f ms\n\n", s->session_init_ms);

  fprintf(f, "Dynamic Shape (");
  for (int i = 0; i < r->n_syms; i++) fprintf(f, "%s%s", i ? ", " : "", r->syms[i]);
  fprintf(f, "%s):\n", r->n_syms ? "" : "no symbolic dims");
  if (d->n_partitions == s->n_partitions)
    fprintf(f, "  - Partitions: %d (same as static; %d nodes)\n", d->n_partitions, d->n_nodes);
  else
    fprintf(f, "  - Partitions: %d (%+.0f%% vs static; %d nodes)\n", d->n_partitions,
            report_pct(d->n_partitions, s->n_partitions), d->n_nodes);
  fprintf(f, "  - Mean latency: %.3f ms (%+.1f%% vs static: %s)\n", d->lat.mean,
          report_pct(d->lat.mean, s->lat.mean),
          report_diff_words(&r->shape_diff, d->lat.mean, s->lat.mean, words, sizeof words));
  fprintf(f, "  - Throughput: %.2f inferences/sec (%+.1f%%)\n", d->inferences_per_s,
          report_pct(d->inferences_per_s, s->inferences_per_s));
  fprintf(f, "  - Session initialization: %.2f ms\n\n", d->session_init_ms);

  fprintf(f, "  %-22s %12s %12s %11s\n", "", "static", "dynamic", "difference");
  fprintf(f, "  %-22s %12.3f %12.3f %+10.1f%%\n", "mean latency (ms)", s->lat.mean, d->lat.mean,
          report_pct(d->lat.mean, s->lat.mean));
  fprintf(f, "  %-22s %12.3f %12.3f %+10.1f%%\n", "p50 latency (ms)", s->lat.p50, d->lat.p50,
          report_pct(d->lat.p50, s->lat.p50));
  fprintf(f, "  %-22s %12.3f %12.3f %+10.1f%%\n", "p99 latency (ms)", s->lat.p99, d->lat.p99,
          report_pct(d->lat.p99, s->lat.p99));
  fprintf(f, "  %-22s %12.2f %12.2f %+10.1f%%\n", "throughput (inf/s)", s->inferences_per_s,
          d->inferences_per_s, report_pct(d->inferences_per_s, s->inferences_per_s));
  fprintf(f, "  %-22s %12d %12d\n", "partitions", s->n_partitions, d->n_partitions);
  fprintf(f, "  Noise test: Mann-Whitney U, z = %.2f (|z| >= %.2f is a difference at the 5%% "
             "level);\n  a dynamic run is slower than a static run in %.0f%% of pairs.\n\n",
          r->shape_diff.z, TRT_SAMPLE_DIFF_Z, 100.0 * r->shape_diff.p_greater);
  fprintf(f, "Trade-offs:\n");
  for (int i = 0; i < r->n_tradeoffs; i++) fprintf(f, "  %s\n", r->tradeoffs[i]);
  fputc('\n', f);
}

static void recommendations_section(FILE *f, const report *r) {
  banner(f, "Recommendations");
  int num = 0;
  for (int g = 0; g < REPORT_N_RGROUPS; g++) {
    bool any = false;
    for (int i = 0; i < r->n_recs; i++) {
      if (r->recs[i].group != g) continue;
      if (!any) fprintf(f, "%d. %s:\n", ++num, report_rgroup_titles[g]);
      any = true;
      fprintf(f, "   - %s\n", r->recs[i].text);
    }
    if (any) fputc('\n', f);
  }
  if (!num) fprintf(f, "(none: nothing measured here calls for a change)\n\n");
}

int report_write_text(FILE *f, const report *r) {
  char title[256];
  banner(f, report_title(r, title, sizeof title));
  model_section(f, r);
  bench_section(f, r);
  analysis_section(f, r);
  observations_section(f, r);
  comparison_section(f, r);
  recommendations_section(f, r);
  fputs(rule, f);
  return ferror(f) ? TINYRT_ERR_IO : TINYRT_OK;
}
