/* The report as one self-contained HTML page: the text report's sections as tables and lists,
 * with SVG charts (latency histogram with percentiles, time by op, overhead vs execution,
 * static vs dynamic). Built from src/report/html.h blocks; no scripts, no external resources. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report/html.h"

#define TBL_MAX_CELLS 192

/* Cells of one table, formatted into owned buffers, emitted row-major. */
typedef struct tbl {
  const char *cells[TBL_MAX_CELLS];
  char buf[TBL_MAX_CELLS][200];
  size_t n;
} tbl;

static void cell(tbl *t, const char *fmt, ...) TRT_PRINTF(2, 3);
static void cell(tbl *t, const char *fmt, ...) {
  if (t->n >= TBL_MAX_CELLS) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->buf[t->n], sizeof t->buf[0], fmt, ap);
  va_end(ap);
  t->cells[t->n] = t->buf[t->n];
  t->n++;
}

static void emit(FILE *f, tbl *t, const char *const *header, size_t ncols) {
  html_table(f, header, ncols, t->cells, t->n / ncols);
  t->n = 0;
}

static void sub(FILE *f, const char *title) {
  fputs("<h3>", f);
  html_escape(f, title);
  fputs("</h3>\n", f);
}

static const char *const kv[] = {"Item", "Value"};

static void model_html(FILE *f, const report *r, tbl *t) {
  char dims[256], syms[512] = "";
  report_dims_str(r, dims, sizeof dims);
  for (int i = 0; i < r->n_syms; i++)
    snprintf(syms + strlen(syms), sizeof syms - strlen(syms), "%s%s", i ? ", " : "", r->syms[i]);
  html_heading(f, "Model Configuration");
  cell(t, "Model"), cell(t, "%s", r->name);
  cell(t, "Precision"), cell(t, "%s", r->precision);
  cell(t, "Activation"), cell(t, "%s", r->activation);
  for (int i = 0; i < r->dims.n; i++)
    cell(t, "%s", r->dims.names[i]), cell(t, "Dynamic (tested with %lld)",
                                          (long long)r->dims.d[i].value);
  cell(t, "ONNX file"), cell(t, "%s", r->cfg.model);
  cell(t, "Model size"), cell(t, "%.2f MB (%lld bytes)", (double)r->file_size / 1e6, r->file_size);
  emit(f, t, kv, 2);
  html_heading(f, "Export Details");
  cell(t, "Dynamic axes"), cell(t, "%s (tested with %s)", r->n_syms ? syms : "none", dims);
  cell(t, "Opset version"), cell(t, "%lld (IR version %lld, producer %s)", r->opset,
                                 r->ir_version, r->producer[0] ? r->producer : "not recorded");
  cell(t, "Architecture"),
      cell(t, "%d transformer layers, hidden size %lld, %lld heads, intermediate size %lld",
           r->arch.layers, (long long)r->arch.hidden, (long long)r->arch.heads,
           (long long)r->arch.intermediate);
  cell(t, "Parameters"), cell(t, "%.2fM (%lld)", (double)r->st.n_parameters / 1e6,
                              (long long)r->st.n_parameters);
  emit(f, t, kv, 2);
}

static void bench_html(FILE *f, const report *r, tbl *t) {
  const bench_result *b = &r->bench;
  char p[400];
  html_heading(f, "Benchmark Results");
  snprintf(p, sizeof p,
           "Dynamic session, %lld timed runs after %lld warm-up, %d thread%s, profiling on; "
           "percentiles by nearest rank.",
           b->iterations, r->cfg.warmup, b->threads, b->threads == 1 ? "" : "s");
  html_paragraph(f, p);
  sub(f, "Performance Metrics");
  const char *hdr[] = {"Metric", "#Value"};
  cell(t, "Mean latency"), cell(t, "%.3f ms", b->lat.mean);
  cell(t, "p50 latency"), cell(t, "%.3f ms", b->lat.p50);
  cell(t, "p90 latency"), cell(t, "%.3f ms", b->lat.p90);
  cell(t, "p95 latency"), cell(t, "%.3f ms", b->lat.p95);
  cell(t, "p99 latency"), cell(t, "%.3f ms", b->lat.p99);
  cell(t, "Min / max latency"), cell(t, "%.3f / %.3f ms", b->lat.min, b->lat.max);
  cell(t, "Standard deviation"), cell(t, "%.3f ms", b->lat.stdev);
  cell(t, "Throughput"), cell(t, "%.2f inferences/s, %.2f sequences/s (batch %lld)",
                              b->inferences_per_s, b->sequences_per_s, (long long)b->batch);
  cell(t, "Session initialization"), cell(t, "%.2f ms", b->session_init_ms);
  cell(t, "Model loading"), cell(t, "%.2f ms", b->model_load_ms);
  cell(t, "Peak RSS"), cell(t, "%.1f MB", (double)b->peak_rss_bytes / 1e6);
  cell(t, "FLOPs"), cell(t, "%.1f MFLOP/inference = %.2f GFLOP/s, %.1f%% of peak (%.1f GFLOP/s)",
                         b->gflop * 1e3, bench_achieved_gflops(b),
                         b->pct_of_peak, b->peak_gflops);
  emit(f, t, hdr, 2);
  const html_marker mk[] = {{"p50", b->lat.p50}, {"p90", b->lat.p90}, {"p95", b->lat.p95},
                            {"p99", b->lat.p99}};
  html_histogram(f, "Latency of the timed runs (ms), with nearest-rank percentiles",
                 b->samples, (size_t)b->iterations, 30, "ms", mk, 4);

  char title[96];
  snprintf(title, sizeof title, "%s Partitioning", r->eps[0].name);
  sub(f, title);
  char provs[400] = "";
  for (int e = 0; e < r->n_eps; e++)
    snprintf(provs + strlen(provs), sizeof provs - strlen(provs), "%s%s", e ? ", " : "",
             r->eps[e].name);
  cell(t, "Providers in priority order"), cell(t, "%s", provs);
  cell(t, "Partitions created"), cell(t, "%d", r->n_partitions);
  cell(t, "Total nodes in graph"), cell(t, "%d as loaded, %d after optimization",
                                        r->st.n_nodes_loaded, r->st.n_nodes);
  cell(t, "Nodes on %s (preferred)", r->eps[0].name), cell(t, "%d", r->eps[0].nodes);
  for (int e = 1; e < r->n_eps; e++)
    cell(t, "Nodes falling back to %s", r->eps[e].name), cell(t, "%d", r->eps[e].nodes);
  if (r->n_eps == 1) cell(t, "Nodes falling back"), cell(t, "0 (the only provider)");
  emit(f, t, kv, 2);
}

static void analysis_html(FILE *f, const report *r, tbl *t) {
  const trt_analysis *a = &r->an;
  double tot = a->total_duration_ms;
  html_heading(f, "Profile Analysis");
  sub(f, "Total Profile Statistics");
  const char *hdr[] = {"Metric", "#Value"};
  cell(t, "Total events"), cell(t, "%zu (%zu kernel events)", a->total_events, a->kernel_events);
  cell(t, "Total duration"), cell(t, "%.2f ms", tot);
  cell(t, "Runs (model_run)"), cell(t, "%d", a->runs);
  cell(t, "Session initialization"), cell(t, "%.2f ms", a->session_init_ms);
  cell(t, "Model loading"), cell(t, "%.2f ms", a->model_load_ms);
  emit(f, t, hdr, 2);

  sub(f, "Execution Time Breakdown");
  cell(t, "Session overhead"), cell(t, "%.2f ms (%.1f%%)", a->overhead_ms,
                                    tot > 0 ? 100.0 * a->overhead_ms / tot : 0.0);
  cell(t, "Node execution"), cell(t, "%.2f ms (%.1f%%)", a->node_time_ms,
                                  tot > 0 ? 100.0 * a->node_time_ms / tot : 0.0);
  emit(f, t, hdr, 2);
  const html_bar ov[] = {
      {"Model loading", a->model_load_ms},
      {"Session initialization", a->session_init_ms},
      {"In runs, outside kernels", a->run_overhead_ms},
      {"Between runs and gaps", a->other_overhead_ms},
      {"Session overhead (sum)", a->overhead_ms},
      {"Node execution", a->node_time_ms},
  };
  html_bar_chart(f, "Session overhead vs node execution (ms)", ov, TRT_ARRAY_LEN(ov), "ms");

  html_bar bars[REPORT_TOP + 2];
  char labels[REPORT_TOP + 2][128];
  size_t nb = 0;
  for (size_t i = 0; i < a->n_op_types && nb < REPORT_TOP + 2; i++, nb++) {
    snprintf(labels[nb], sizeof labels[0], "%s (%d nodes)", a->op_types[i].op,
             a->op_types[i].nodes);
    bars[nb] = (html_bar){labels[nb], a->op_types[i].total_ms};
  }
  sub(f, "Time by Op");
  html_bar_chart(f, "Kernel time by op type (ms, largest first)", bars, nb, "ms");
  const char *ohdr[] = {"Op", "Layer", "#Total ms", "#% of node time", "#Events", "Provider"};
  for (size_t i = 0; i < a->n_ops && i < REPORT_TOP; i++) {
    const trt_an_op *o = &a->ops[i];
    cell(t, "%s", o->op);
    if (o->layer >= 0) cell(t, "%d", o->layer);
    else cell(t, "-");
    cell(t, "%.3f", o->total_ms);
    cell(t, "%.1f", a->node_time_ms > 0 ? 100.0 * o->total_ms / a->node_time_ms : 0.0);
    cell(t, "%lld", (long long)o->events);
    cell(t, "%s%s", o->provider, o->fallback ? " (fallback)" : "");
  }
  emit(f, t, ohdr, 6);

  sub(f, "Time per Provider");
  const char *phdr[] = {"Provider", "#Nodes", "#Total ms", "#% of node time", "#Events"};
  for (size_t k = 0; k < a->n_providers; k++) {
    const trt_an_provider *p = &a->providers[k];
    cell(t, "%s%s", p->name, p->preferred ? " (preferred)" : "");
    cell(t, "%d", p->nodes);
    cell(t, "%.3f", p->total_ms);
    cell(t, "%.1f", a->node_time_ms > 0 ? 100.0 * p->total_ms / a->node_time_ms : 0.0);
    cell(t, "%lld", (long long)p->events);
  }
  emit(f, t, phdr, 5);

  sub(f, "Partition Performance");
  const char *thdr[] = {"Partition", "Provider", "#Nodes", "#Total ms", "#Events"};
  for (size_t i = 0; i < a->n_parts && i < REPORT_TOP; i++) {
    const trt_an_partition *p = &a->parts[i];
    cell(t, "%s %s", p->label, p->name);
    cell(t, "%s", p->provider);
    cell(t, "%d", p->nodes);
    cell(t, "%.3f", p->total_ms);
    cell(t, "%lld", (long long)p->events);
  }
  emit(f, t, thdr, 5);
  if (a->n_parts > REPORT_TOP) {
    char more[64];
    snprintf(more, sizeof more, "... and %zu more partitions", a->n_parts - REPORT_TOP);
    html_paragraph(f, more);
  }
}

static void notes_html(FILE *f, const report_note *notes, int n, const char *const *titles,
                       int n_groups, bool marks) {
  static const char *const mark[] = {"✓ ", "⚠ ", ""}; /* the list has its own bullet */
  const char *items[REPORT_MAX_NOTES];
  char (*texts)[sizeof notes[0].text + 8] = malloc((size_t)REPORT_MAX_NOTES * sizeof *texts);
  if (!texts) return;
  for (int g = 0; g < n_groups; g++) {
    size_t k = 0;
    for (int i = 0; i < n; i++) {
      if (notes[i].group != g) continue;
      snprintf(texts[k], sizeof texts[0], "%s%s", marks ? mark[notes[i].level] : "",
               notes[i].text);
      items[k] = texts[k];
      k++;
    }
    if (!k) continue;
    sub(f, titles[g]);
    html_list(f, items, k, false);
  }
  free(texts);
}

static void comparison_html(FILE *f, const report *r, tbl *t) {
  const bench_result *d = &r->dyn, *s = &r->stat;
  char dims[256], words[160], p[800];
  report_dims_str(r, dims, sizeof dims);
  html_heading(f, "Comparison: Static vs Dynamic Shapes");
  snprintf(p, sizeof p,
           "%lld runs each after %lld warm-up, interleaved run by run in one process, profiling "
           "off. Static shape: %s. Dynamic: %s, %s.",
           d->iterations, r->cfg.warmup, dims,
           report_diff_words(&r->shape_diff, d->lat.mean, s->lat.mean, words, sizeof words),
           "Mann-Whitney U test at the 5% level");
  html_paragraph(f, p);
  const char *hdr[] = {"", "#Static", "#Dynamic", "#Difference"};
  cell(t, "Partitions"), cell(t, "%d", s->n_partitions), cell(t, "%d", d->n_partitions),
      cell(t, "%+.0f%%", report_pct(d->n_partitions, s->n_partitions));
  cell(t, "Mean latency (ms)"), cell(t, "%.3f", s->lat.mean), cell(t, "%.3f", d->lat.mean),
      cell(t, "%+.1f%%", report_pct(d->lat.mean, s->lat.mean));
  cell(t, "p50 latency (ms)"), cell(t, "%.3f", s->lat.p50), cell(t, "%.3f", d->lat.p50),
      cell(t, "%+.1f%%", report_pct(d->lat.p50, s->lat.p50));
  cell(t, "p99 latency (ms)"), cell(t, "%.3f", s->lat.p99), cell(t, "%.3f", d->lat.p99),
      cell(t, "%+.1f%%", report_pct(d->lat.p99, s->lat.p99));
  cell(t, "Throughput (inferences/s)"), cell(t, "%.2f", s->inferences_per_s),
      cell(t, "%.2f", d->inferences_per_s),
      cell(t, "%+.1f%%", report_pct(d->inferences_per_s, s->inferences_per_s));
  cell(t, "Session initialization (ms)"), cell(t, "%.2f", s->session_init_ms),
      cell(t, "%.2f", d->session_init_ms), cell(t, "%s", "");
  cell(t, "Mann-Whitney z"), cell(t, "%s", ""), cell(t, "%s", ""), cell(t, "%.2f", r->shape_diff.z);
  emit(f, t, hdr, 4);
  const html_bar lat[] = {
      {"static mean", s->lat.mean}, {"dynamic mean", d->lat.mean}, {"static p50", s->lat.p50},
      {"dynamic p50", d->lat.p50},  {"static p99", s->lat.p99},    {"dynamic p99", d->lat.p99},
  };
  html_bar_chart(f, "Static vs dynamic latency (ms)", lat, TRT_ARRAY_LEN(lat), "ms");
  const html_bar tput[] = {{"static", s->inferences_per_s}, {"dynamic", d->inferences_per_s}};
  html_bar_chart(f, "Static vs dynamic throughput (inferences/s)", tput, 2, "inf/s");
  sub(f, "Trade-offs");
  const char *items[8];
  for (int i = 0; i < r->n_tradeoffs; i++) items[i] = r->tradeoffs[i];
  html_list(f, items, (size_t)r->n_tradeoffs, false);
}

static void page(FILE *f, const report *r, tbl *t) {
  char title[256];
  html_begin(f, report_title(r, title, sizeof title));
  model_html(f, r, t);
  bench_html(f, r, t);
  analysis_html(f, r, t);
  html_heading(f, "Key Observations");
  notes_html(f, r->obs, r->n_obs, report_group_titles, REPORT_N_GROUPS, true);
  comparison_html(f, r, t);
  html_heading(f, "Recommendations");
  notes_html(f, r->recs, r->n_recs, report_rgroup_titles, REPORT_N_RGROUPS, false);
  html_end(f);
}

int report_write_html(const char *path, const report *r, tinyrt_error *err) {
  tbl *t = calloc(1, sizeof *t);
  if (!t) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory writing '%s'", path);
  FILE *f = fopen(path, "w");
  if (!f) {
    free(t);
    return trt_error(err, TINYRT_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
  }
  page(f, r, t);
  free(t);
  bool bad = ferror(f) != 0;
  if (fclose(f) != 0) bad = true;
  if (bad) return trt_error(err, TINYRT_ERR_IO, "cannot write '%s'", path);
  return TINYRT_OK;
}
