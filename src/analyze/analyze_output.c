/* The analysis as text (the seed report's layout), JSON and an HTML page. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "report/html.h"

static const char rule[] =
    "================================================================================\n";

/* 2960.34 -> "2,960.34" (decimals digits after the point); the seed groups thousands. */
static char *fmt_num(char *buf, size_t len, double v, int decimals) {
  char raw[64];
  snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v));
  const char *dot = strchr(raw, '.');
  size_t int_len = dot ? (size_t)(dot - raw) : strlen(raw), o = 0;
  if (v < 0 && strspn(raw, "0.") != strlen(raw) && o + 1 < len) buf[o++] = '-';
  for (size_t i = 0; i < int_len && o + 1 < len; i++) {
    if (i && (int_len - i) % 3 == 0 && o + 1 < len) buf[o++] = ',';
    buf[o++] = raw[i];
  }
  for (const char *p = dot; p && *p && o + 1 < len; p++) buf[o++] = *p;
  buf[o] = '\0';
  return buf;
}

#define MS(v) fmt_num((char[48]){0}, 48, (v), 2)
#define MS3(v) fmt_num((char[48]){0}, 48, (v), 3)
#define INT(v) fmt_num((char[48]){0}, 48, (double)(v), 0)

static double pct(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

/* What an op does in a BERT encoder, as the seed annotates "Erf ... - GELU activation". */
static const char *op_role(const char *op) {
  static const struct {
    const char *op, *role;
  } roles[] = {
      {"Erf", "GELU activation"},        {"Gelu", "GELU activation"},
      {"BiasGelu", "GELU activation"},   {"FastGelu", "GELU activation"},
      {"Softmax", "attention softmax"},  {"Attention", "attention"},
      {"MultiHeadAttention", "attention"}, {"LayerNormalization", "layer normalization"},
      {"SkipLayerNormalization", "layer normalization"},
      {"MatMul", "matrix multiply"},     {"FusedMatMul", "matrix multiply"},
      {"Gemm", "matrix multiply"},       {"EmbedLayerNormalization", "embeddings"},
      {"GemmSkipLayerNorm", "matrix multiply + layer normalization"},
  };
  for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
    if (!strcmp(op, roles[i].op)) return roles[i].role;
  return NULL;
}

static const char *layer_str(char *buf, size_t len, int layer) {
  if (layer < 0) return "-";
  snprintf(buf, len, "%d", layer);
  return buf;
}

/* "Erf (layer 0)", or "Erf" outside layers */
static const char *op_label(char *buf, size_t len, const trt_an_op *o) {
  if (o->layer >= 0) snprintf(buf, len, "%s (layer %d)", o->op, o->layer);
  else snprintf(buf, len, "%s", o->op);
  return buf;
}

static size_t limit(size_t n, size_t top) { return top && top < n ? top : n; }

/* ---- text ------------------------------------------------------------------------------------ */

static void banner(FILE *f, const char *title) { fprintf(f, "%s%s\n%s", rule, title, rule); }

static void text_ops(FILE *f, const trt_analysis *a, size_t top, bool fallback_only) {
  size_t shown = 0;
  for (size_t i = 0; i < a->n_ops && shown < limit(a->n_ops, top); i++) {
    const trt_an_op *o = &a->ops[i];
    if (fallback_only && !o->fallback) continue;
    char lbl[256];
    const char *role = op_role(o->op);
    fprintf(f, "  %zu. %s: %s ms (%s events)", ++shown, op_label(lbl, sizeof lbl, o),
            MS(o->total_ms), INT(o->events));
    if (role) fprintf(f, " - %s", role);
    if (a->n_providers > 1) fprintf(f, " [%s]", o->provider);
    fputc('\n', f);
  }
}

int trt_analysis_write_text_body(FILE *f, const trt_analysis *a, size_t top) {
  fprintf(f, "\nTotal Profile Statistics:\n");
  fprintf(f, "  - Total events: %s (%s kernel events)\n", INT(a->total_events), INT(a->kernel_events));
  fprintf(f, "  - Total duration: %s ms\n", MS(a->total_duration_ms));
  fprintf(f, "  - Runs (model_run): %d\n", a->runs);
  fprintf(f, "  - Session initialization: %s ms\n", MS(a->session_init_ms));
  fprintf(f, "  - Model loading: %s ms\n", MS(a->model_load_ms));

  fprintf(f, "\nExecution Time Breakdown:\n");
  fprintf(f, "  - Session overhead: %s ms (%.1f%%)\n", MS(a->overhead_ms),
          pct(a->overhead_ms, a->total_duration_ms));
  fprintf(f, "      model loading %s ms + session initialization %s ms\n", MS(a->model_load_ms),
          MS(a->session_init_ms));
  fprintf(f, "      + inside runs, outside kernels %s ms + other (gaps, between runs) %s ms\n",
          MS(a->run_overhead_ms), MS(a->other_overhead_ms));
  fprintf(f, "  - Node execution: %s ms (%.1f%%)\n", MS(a->node_time_ms),
          pct(a->node_time_ms, a->total_duration_ms));

  if (a->runs > 0) {
    const trt_an_latency *l = &a->latency;
  const trt_latency_stats *st = &l->st;
    fprintf(f, "\nRun Latency (model_run, nearest-rank percentiles):\n");
    if (a->runs >= 2) {
      fprintf(f, "  - First run (warm-up): %s ms\n", MS3(l->first_ms));
      fprintf(f, "  - Steady state (%zu runs after the first):\n", st->n);
    } else {
      fprintf(f, "  - One run:\n");
    }
    fprintf(f, "      mean %s ms, p50 %s ms, p90 %s ms, p95 %s ms, p99 %s ms\n", MS3(st->mean),
            MS3(st->p50), MS3(st->p90), MS3(st->p95), MS3(st->p99));
    fprintf(f, "      min %s ms, max %s ms, stdev %s ms\n", MS3(st->min), MS3(st->max),
            MS3(st->stdev));
  }

  if (a->fallback_nodes > 0) {
    const char *fb = NULL;
    for (size_t k = 0; k < a->n_providers; k++)
      if (!a->providers[k].preferred) fb = fb ? "" : a->providers[k].name;
    fprintf(f, "\nTop %s%sFallback Operations (not on %s):\n", fb ? fb : "", fb && *fb ? " " : "",
            a->preferred);
    text_ops(f, a, top, true);
  } else if (a->n_ops) {
    fprintf(f, "\nTop Operations:\n");
    text_ops(f, a, top, false);
  }

  if (a->n_op_types) {
    fprintf(f, "\nTime by Op Type:\n");
    for (size_t i = 0; i < limit(a->n_op_types, top); i++) {
      const trt_an_op *o = &a->op_types[i];
      fprintf(f, "  %zu. %s: %s ms (%.1f%%, %s events, %d node%s)%s\n", i + 1, o->op,
              MS(o->total_ms), pct(o->total_ms, a->node_time_ms), INT(o->events), o->nodes,
              o->nodes == 1 ? "" : "s",
              o->fused ? " - fused partition" : o->fallback ? " - fallback" : "");
    }
    if (top && a->n_op_types > top) fprintf(f, "  ... %zu more op types\n", a->n_op_types - top);
  }

  if (a->n_providers) {
    fprintf(f, "\nProviders:\n");
    for (size_t k = 0; k < a->n_providers; k++) {
      const trt_an_provider *p = &a->providers[k];
      fprintf(f, "  - %s%s: %d nodes, %s ms (%.1f%% of node time), %s events\n", p->name,
              p->preferred && a->n_providers > 1 ? " (preferred)" : "", p->nodes, MS(p->total_ms),
              pct(p->total_ms, a->node_time_ms), INT(p->events));
    }
  }

  if (a->n_parts) {
    const trt_an_partition *best = &a->parts[0];
    double total = 0;
    for (size_t i = 0; i < a->n_parts; i++) {
      total += a->parts[i].total_ms;
      if (a->parts[i].total_ms > best->total_ms) best = &a->parts[i];
    }
    if (best->fused) {
      fprintf(f, "\n%s Partition Performance:\n", a->preferred);
      fprintf(f, "  - %zu fused %s partitions\n", a->n_parts, a->preferred);
      fprintf(f, "  - Top partition (%s): %s ms (%s events)\n", best->label, MS(best->total_ms),
              INT(best->events));
      fprintf(f, "  - Total %s time: %s ms across all partitions (%.1f%% of node time)\n",
              a->preferred, MS(total), pct(total, a->node_time_ms));
    } else {
      fprintf(f, "\nPartitions (consecutive nodes on one provider, in node order):\n");
      fprintf(f, "  - %zu partition%s\n", a->n_parts, a->n_parts == 1 ? "" : "s");
      fprintf(f, "  - Top partition (%s, %s): %s ms (%s events, %d nodes)\n", best->label,
              best->name, MS(best->total_ms), INT(best->events), best->nodes);
    }
    for (size_t i = 0; a->n_parts > 1 && i < limit(a->n_parts, top); i++) {
      const trt_an_partition *p = &a->parts[i];
      fprintf(f, "    %s %s: %s ms (%s events, %d node%s) [%s]\n", p->label, p->name,
              MS(p->total_ms), INT(p->events), p->nodes, p->nodes == 1 ? "" : "s", p->provider);
    }
    if (top && a->n_parts > top) fprintf(f, "    ... %zu more partitions\n", a->n_parts - top);
  }
  return ferror(f) ? TINYRT_ERR_IO : TINYRT_OK;
}

int trt_analysis_write_text(FILE *f, const trt_analysis *a, const char *source, size_t top) {
  char title[600];
  snprintf(title, sizeof title, "Profile Analysis: %s", source ? source : "profile");
  banner(f, title);
  trt_analysis_write_text_body(f, a, top);
  fputc('\n', f);
  banner(f, "Key Observations");
  fputc('\n', f);
  if (!a->n_observations) fprintf(f, "(none)\n");
  for (size_t i = 0; i < a->n_observations; i++) {
    static const char *const marks[] = {"✓ ", "⚠️ ", "• "};
    fprintf(f, "%zu. %s %s\n", i + 1, marks[a->observations[i].level], a->observations[i].text);
  }
  fputc('\n', f);
  banner(f, "Recommendations");
  fputc('\n', f);
  if (!a->n_recommendations) fprintf(f, "(none: nothing in this profile calls for a change)\n");
  for (size_t i = 0; i < a->n_recommendations; i++)
    fprintf(f, "%zu. %s\n", i + 1, a->recommendations[i]);
  fputc('\n', f);
  fputs(rule, f);
  return ferror(f) ? TINYRT_ERR_IO : TINYRT_OK;
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static cJSON *op_json(const trt_an_op *o, bool with_layer) {
  cJSON *j = cJSON_CreateObject();
  if (!j) return NULL;
  cJSON_AddStringToObject(j, "op", o->op);
  if (with_layer) {
    if (o->layer >= 0) cJSON_AddNumberToObject(j, "layer", o->layer);
    else cJSON_AddNullToObject(j, "layer");
  }
  cJSON_AddNumberToObject(j, "total_ms", o->total_ms);
  cJSON_AddNumberToObject(j, "events", (double)o->events);
  cJSON_AddNumberToObject(j, "nodes", o->nodes);
  cJSON_AddStringToObject(j, "provider", o->provider);
  cJSON_AddBoolToObject(j, "fallback", o->fallback);
  cJSON_AddBoolToObject(j, "fused", o->fused);
  return j;
}

cJSON *trt_analysis_json(const trt_analysis *a, const char *source, size_t top) {
  cJSON *j = cJSON_CreateObject(), *x;
  if (!j) return NULL;
  if (source) cJSON_AddStringToObject(j, "source", source);
  cJSON_AddNumberToObject(j, "total_events", (double)a->total_events);
  cJSON_AddNumberToObject(j, "kernel_events", (double)a->kernel_events);
  cJSON_AddNumberToObject(j, "total_duration_ms", a->total_duration_ms);
  cJSON_AddNumberToObject(j, "runs", a->runs);
  cJSON_AddNumberToObject(j, "session_init_ms", a->session_init_ms);
  cJSON_AddNumberToObject(j, "model_load_ms", a->model_load_ms);
  cJSON_AddNumberToObject(j, "node_time_ms", a->node_time_ms);
  cJSON_AddNumberToObject(j, "overhead_ms", a->overhead_ms);
  cJSON_AddNumberToObject(j, "overhead_pct", pct(a->overhead_ms, a->total_duration_ms));
  cJSON_AddNumberToObject(j, "run_total_ms", a->run_total_ms);
  cJSON_AddNumberToObject(j, "run_overhead_ms", a->run_overhead_ms);
  cJSON_AddNumberToObject(j, "other_overhead_ms", a->other_overhead_ms);

  if ((x = cJSON_AddObjectToObject(j, "latency"))) {
    const trt_an_latency *l = &a->latency;
  const trt_latency_stats *st = &l->st;
    cJSON_AddNumberToObject(x, "runs", (double)st->n);
    cJSON_AddNumberToObject(x, "first_run_ms", l->first_ms);
    cJSON_AddNumberToObject(x, "mean_ms", st->mean);
    cJSON_AddNumberToObject(x, "p50_ms", st->p50);
    cJSON_AddNumberToObject(x, "p90_ms", st->p90);
    cJSON_AddNumberToObject(x, "p95_ms", st->p95);
    cJSON_AddNumberToObject(x, "p99_ms", st->p99);
    cJSON_AddNumberToObject(x, "min_ms", st->min);
    cJSON_AddNumberToObject(x, "max_ms", st->max);
    cJSON_AddNumberToObject(x, "stdev_ms", st->stdev);
  }
  if ((x = cJSON_AddArrayToObject(j, "run_ms")))
    for (int i = 0; i < a->runs; i++) cJSON_AddItemToArray(x, cJSON_CreateNumber(a->run_ms[i]));

  if ((x = cJSON_AddArrayToObject(j, "top_ops")))
    for (size_t i = 0; i < limit(a->n_ops, top); i++) cJSON_AddItemToArray(x, op_json(&a->ops[i], true));
  if ((x = cJSON_AddArrayToObject(j, "op_types")))
    for (size_t i = 0; i < limit(a->n_op_types, top); i++)
      cJSON_AddItemToArray(x, op_json(&a->op_types[i], false));

  if (a->preferred) cJSON_AddStringToObject(j, "preferred_provider", a->preferred);
  else cJSON_AddNullToObject(j, "preferred_provider");
  if ((x = cJSON_AddObjectToObject(j, "providers")))
    for (size_t k = 0; k < a->n_providers; k++) {
      cJSON *p = cJSON_AddObjectToObject(x, a->providers[k].name);
      if (!p) continue;
      cJSON_AddNumberToObject(p, "nodes", a->providers[k].nodes);
      cJSON_AddNumberToObject(p, "total_ms", a->providers[k].total_ms);
      cJSON_AddNumberToObject(p, "events", (double)a->providers[k].events);
      cJSON_AddBoolToObject(p, "preferred", a->providers[k].preferred);
    }
  if ((x = cJSON_AddObjectToObject(j, "fallback"))) {
    cJSON_AddNumberToObject(x, "nodes", a->fallback_nodes);
    cJSON_AddNumberToObject(x, "events", (double)a->fallback_events);
    cJSON_AddNumberToObject(x, "total_ms", a->fallback_ms);
  }
  if ((x = cJSON_AddArrayToObject(j, "partitions")))
    for (size_t i = 0; i < a->n_parts; i++) {
      const trt_an_partition *p = &a->parts[i];
      cJSON *o = cJSON_CreateObject();
      if (!o) continue;
      cJSON_AddStringToObject(o, "name", p->name);
      cJSON_AddStringToObject(o, "label", p->label);
      cJSON_AddStringToObject(o, "provider", p->provider);
      cJSON_AddNumberToObject(o, "total_ms", p->total_ms);
      cJSON_AddNumberToObject(o, "events", (double)p->events);
      cJSON_AddNumberToObject(o, "nodes", p->nodes);
      cJSON_AddBoolToObject(o, "fused", p->fused);
      cJSON_AddItemToArray(x, o);
    }
  if ((x = cJSON_AddArrayToObject(j, "observations")))
    for (size_t i = 0; i < a->n_observations; i++)
      cJSON_AddItemToArray(x, cJSON_CreateString(a->observations[i].text));
  if ((x = cJSON_AddArrayToObject(j, "recommendations")))
    for (size_t i = 0; i < a->n_recommendations; i++)
      cJSON_AddItemToArray(x, cJSON_CreateString(a->recommendations[i]));
  return j;
}

int trt_json_write(FILE *f, cJSON *j, const char *what, tinyrt_error *err) {
  char *txt = j ? cJSON_Print(j) : NULL;
  cJSON_Delete(j);
  if (!txt) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory writing the JSON %s", what);
  fputs(txt, f);
  fputc('\n', f);
  cJSON_free(txt);
  if (ferror(f)) return trt_error(err, TINYRT_ERR_IO, "cannot write the JSON %s", what);
  return TINYRT_OK;
}

int trt_analysis_write_json(FILE *f, const trt_analysis *a, const char *source, size_t top,
                            tinyrt_error *err) {
  return trt_json_write(f, trt_analysis_json(a, source, top), "analysis", err);
}

/* ---- HTML ------------------------------------------------------------------------------------ */

static int html_body(FILE *f, const trt_analysis *a, const char *source, size_t top) {
  int rc = TINYRT_ERR_NOMEM;
  size_t n_op_rows = limit(a->n_ops, top), n_part_rows = limit(a->n_parts, top);
  size_t n_bars = a->n_ops + a->n_op_types + a->n_providers + a->n_parts + 8;
  html_bar *bars = calloc(n_bars, sizeof *bars);
  char (*labels)[200] = calloc(n_bars, sizeof *labels);
  char (*cellbuf)[64] = calloc((n_op_rows + a->n_providers + n_part_rows + 16) * 6, sizeof *cellbuf);
  const char **cells = calloc((n_op_rows + a->n_providers + n_part_rows + 16) * 6, sizeof *cells);
  if (!bars || !labels || !cellbuf || !cells) goto done;
  char title[600];
  snprintf(title, sizeof title, "Profile Analysis: %s", source ? source : "profile");
  html_begin(f, title);

  html_heading(f, "Total Profile Statistics");
  {
    const char *hdr[] = {"Metric", "#Value"};
    size_t r = 0;
#define ROW(name, ...)                                                   \
  do {                                                                   \
    cells[2 * r] = name;                                                 \
    snprintf(cellbuf[2 * r + 1], sizeof cellbuf[0], __VA_ARGS__);       \
    cells[2 * r + 1] = cellbuf[2 * r + 1];                               \
    r++;                                                                 \
  } while (0)
    ROW("Total events", "%s", INT(a->total_events));
    ROW("Total duration", "%s ms", MS(a->total_duration_ms));
    ROW("Runs (model_run)", "%d", a->runs);
    ROW("Session initialization", "%s ms", MS(a->session_init_ms));
    ROW("Model loading", "%s ms", MS(a->model_load_ms));
    ROW("Session overhead", "%s ms (%.1f%%)", MS(a->overhead_ms), pct(a->overhead_ms, a->total_duration_ms));
    ROW("Node execution", "%s ms (%.1f%%)", MS(a->node_time_ms), pct(a->node_time_ms, a->total_duration_ms));
    if (a->runs > 0) {
      ROW("First run (warm-up)", "%s ms", MS3(a->latency.first_ms));
      ROW("Steady-state mean / p50", "%s / %s ms", MS3(a->latency.st.mean), MS3(a->latency.st.p50));
      ROW("p90 / p99", "%s / %s ms", MS3(a->latency.st.p90), MS3(a->latency.st.p99));
    }
#undef ROW
    html_table(f, hdr, 2, cells, r);
  }

  html_heading(f, "Session Overhead vs Node Execution");
  {
    const html_bar ov[] = {
        {"Session overhead (total)", a->overhead_ms},
        {"– model loading", a->model_load_ms},
        {"– session initialization", a->session_init_ms},
        {"– inside runs, outside kernels", a->run_overhead_ms},
        {"– other (gaps, between runs)", a->other_overhead_ms},
        {"Node execution", a->node_time_ms},
    };
    html_bar_chart(f, "Where the profiled time goes", ov, sizeof ov / sizeof ov[0], "ms");
  }

  if (a->runs > 1) {
    html_heading(f, "Run Latency");
    const html_marker mk[] = {
        {"p50", a->latency.st.p50}, {"p90", a->latency.st.p90}, {"p99", a->latency.st.p99}};
    html_histogram(f, "model_run latency after the first run (nearest-rank percentiles)",
                   a->run_ms + 1, (size_t)a->runs - 1, 20, "ms", mk, 3);
  }

  if (a->n_op_types) {
    html_heading(f, "Time by Op");
    size_t nb = 0;
    for (size_t i = 0; i < limit(a->n_op_types, top); i++, nb++) {
      bars[nb].label = a->op_types[i].op;
      bars[nb].value = a->op_types[i].total_ms;
    }
    html_bar_chart(f, "Kernel time by op type", bars, nb, "ms");
    nb = 0;
    for (size_t i = 0; i < n_op_rows; i++, nb++) {
      bars[nb].label = op_label(labels[nb], sizeof labels[0], &a->ops[i]);
      bars[nb].value = a->ops[i].total_ms;
    }
    html_bar_chart(f, "Kernel time by op and layer", bars, nb, "ms");
    const char *hdr[] = {"Op", "Layer", "#Total ms", "#Events", "Provider", "Fallback"};
    for (size_t i = 0; i < n_op_rows; i++) {
      const trt_an_op *o = &a->ops[i];
      cells[6 * i] = o->op;
      cells[6 * i + 1] = layer_str(cellbuf[6 * i + 1], sizeof cellbuf[0], o->layer);
      snprintf(cellbuf[6 * i + 2], sizeof cellbuf[0], "%.3f", o->total_ms);
      cells[6 * i + 2] = cellbuf[6 * i + 2];
      snprintf(cellbuf[6 * i + 3], sizeof cellbuf[0], "%lld", (long long)o->events);
      cells[6 * i + 3] = cellbuf[6 * i + 3];
      cells[6 * i + 4] = o->provider;
      cells[6 * i + 5] = o->fallback ? "yes" : "";
    }
    html_table(f, hdr, 6, cells, n_op_rows);
  }

  if (a->n_providers) {
    html_heading(f, "Providers");
    for (size_t k = 0; k < a->n_providers; k++) {
      snprintf(labels[k], sizeof labels[0], "%s (%d nodes)%s", a->providers[k].name,
               a->providers[k].nodes, a->providers[k].preferred && a->n_providers > 1 ? " *" : "");
      bars[k].label = labels[k];
      bars[k].value = a->providers[k].total_ms;
    }
    html_bar_chart(f, "Kernel time per provider (* preferred)", bars, a->n_providers, "ms");
  }

  if (a->n_parts) {
    html_heading(f, "Partitions");
    for (size_t i = 0; i < n_part_rows; i++) {
      snprintf(labels[i], sizeof labels[0], "%s %.40s", a->parts[i].label, a->parts[i].provider);
      bars[i].label = labels[i];
      bars[i].value = a->parts[i].total_ms;
    }
    html_bar_chart(f, "Kernel time per partition (execution order)", bars, n_part_rows, "ms");
    const char *hdr[] = {"Partition", "Name", "Provider", "#Total ms", "#Events", "#Nodes"};
    for (size_t i = 0; i < n_part_rows; i++) {
      const trt_an_partition *p = &a->parts[i];
      cells[6 * i] = p->label;
      cells[6 * i + 1] = p->name;
      cells[6 * i + 2] = p->provider;
      snprintf(cellbuf[6 * i + 3], sizeof cellbuf[0], "%.3f", p->total_ms);
      cells[6 * i + 3] = cellbuf[6 * i + 3];
      snprintf(cellbuf[6 * i + 4], sizeof cellbuf[0], "%lld", (long long)p->events);
      cells[6 * i + 4] = cellbuf[6 * i + 4];
      snprintf(cellbuf[6 * i + 5], sizeof cellbuf[0], "%d", p->nodes);
      cells[6 * i + 5] = cellbuf[6 * i + 5];
    }
    html_table(f, hdr, 6, cells, n_part_rows);
  }

  html_heading(f, "Key Observations");
  {
    const char **items = calloc(a->n_observations + 1, sizeof *items);
    if (!items) goto done;
    for (size_t i = 0; i < a->n_observations; i++) items[i] = a->observations[i].text;
    html_list(f, items, a->n_observations, true);
    free(items);
  }
  html_heading(f, "Recommendations");
  html_list(f, (const char *const *)a->recommendations, a->n_recommendations, true);
  html_end(f);
  rc = TINYRT_OK;
done:
  free(bars);
  free(labels);
  free(cellbuf);
  free(cells);
  return rc;
}

int trt_analysis_write_html(const char *path, const trt_analysis *a, const char *source,
                            size_t top, tinyrt_error *err) {
  FILE *f = fopen(path, "w");
  if (!f) return trt_error(err, TINYRT_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
  int rc = html_body(f, a, source, top);
  bool bad = ferror(f) != 0;
  if (fclose(f) != 0) bad = true;
  if (rc) return trt_error(err, rc, "out of memory writing '%s'", path);
  if (bad) return trt_error(err, TINYRT_ERR_IO, "cannot write '%s'", path);
  return TINYRT_OK;
}
