/* The report as one JSON object with a member per section. */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "report.h"

static cJSON *dims_json(const report *r) {
  cJSON *o = cJSON_CreateObject();
  for (int i = 0; o && i < r->dims.n; i++)
    cJSON_AddNumberToObject(o, r->dims.names[i], (double)r->dims.d[i].value);
  return o;
}

static cJSON *latency_json(const bench_result *b) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddNumberToObject(o, "iterations", (double)b->iterations);
  cJSON_AddNumberToObject(o, "threads", b->threads);
  cJSON_AddNumberToObject(o, "mean_ms", b->lat.mean);
  cJSON_AddNumberToObject(o, "p50_ms", b->lat.p50);
  cJSON_AddNumberToObject(o, "p90_ms", b->lat.p90);
  cJSON_AddNumberToObject(o, "p95_ms", b->lat.p95);
  cJSON_AddNumberToObject(o, "p99_ms", b->lat.p99);
  cJSON_AddNumberToObject(o, "min_ms", b->lat.min);
  cJSON_AddNumberToObject(o, "max_ms", b->lat.max);
  cJSON_AddNumberToObject(o, "stdev_ms", b->lat.stdev);
  cJSON_AddNumberToObject(o, "inferences_per_s", b->inferences_per_s);
  cJSON_AddNumberToObject(o, "sequences_per_s", b->sequences_per_s);
  cJSON_AddNumberToObject(o, "session_init_ms", b->session_init_ms);
  cJSON_AddNumberToObject(o, "model_load_ms", b->model_load_ms);
  cJSON_AddNumberToObject(o, "peak_rss_bytes", (double)b->peak_rss_bytes);
  cJSON_AddNumberToObject(o, "gflop_per_inference", b->gflop);
  cJSON_AddNumberToObject(o, "peak_gflops", b->peak_gflops);
  cJSON_AddNumberToObject(o, "pct_of_peak", b->pct_of_peak);
  cJSON_AddNumberToObject(o, "nodes", b->n_nodes);
  cJSON_AddNumberToObject(o, "partitions", b->n_partitions);
  return o;
}

static cJSON *diff_json(const trt_sample_diff *d, double mean_a, double mean_b) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  cJSON_AddNumberToObject(o, "mean_diff_pct", report_pct(mean_a, mean_b));
  cJSON_AddNumberToObject(o, "mann_whitney_z", d->z);
  cJSON_AddNumberToObject(o, "p_greater", d->p_greater);
  cJSON_AddBoolToObject(o, "significant", d->significant);
  return o;
}

static cJSON *notes_json(const report_note *notes, int n, const char *const *titles, bool levels) {
  static const char *const level_names[] = {"good", "warning", "info"};
  cJSON *arr = cJSON_CreateArray();
  for (int i = 0; arr && i < n; i++) {
    cJSON *o = cJSON_CreateObject();
    if (!o) continue;
    cJSON_AddStringToObject(o, "group", titles[notes[i].group]);
    if (levels) cJSON_AddStringToObject(o, "level", level_names[notes[i].level]);
    cJSON_AddStringToObject(o, "text", notes[i].text);
    cJSON_AddItemToArray(arr, o);
  }
  return arr;
}

static cJSON *report_json(const report *r) {
  cJSON *j = cJSON_CreateObject(), *x, *y;
  if (!j) return NULL;
  if ((x = cJSON_AddObjectToObject(j, "model"))) {
    cJSON_AddStringToObject(x, "name", r->name);
    cJSON_AddStringToObject(x, "file", r->cfg.model);
    cJSON_AddNumberToObject(x, "size_bytes", (double)r->file_size);
    cJSON_AddStringToObject(x, "precision", r->precision);
    cJSON_AddStringToObject(x, "activation", r->activation);
    cJSON_AddStringToObject(x, "producer", r->producer);
    cJSON_AddNumberToObject(x, "opset", (double)r->opset);
    cJSON_AddNumberToObject(x, "ir_version", (double)r->ir_version);
    if ((y = cJSON_AddArrayToObject(x, "dynamic_axes")))
      for (int i = 0; i < r->n_syms; i++) cJSON_AddItemToArray(y, cJSON_CreateString(r->syms[i]));
    cJSON_AddItemToObject(x, "shape", dims_json(r));
    if ((y = cJSON_AddObjectToObject(x, "architecture"))) {
      cJSON_AddNumberToObject(y, "layers", r->arch.layers);
      cJSON_AddNumberToObject(y, "hidden_size", (double)r->arch.hidden);
      cJSON_AddNumberToObject(y, "num_heads", (double)r->arch.heads);
      cJSON_AddNumberToObject(y, "intermediate_size", (double)r->arch.intermediate);
      cJSON_AddNumberToObject(y, "vocab_size", (double)r->arch.vocab);
      cJSON_AddStringToObject(y, "activation", r->activation);
    }
    cJSON_AddNumberToObject(x, "parameters", (double)r->st.n_parameters);
  }
  if ((x = cJSON_AddObjectToObject(j, "benchmark"))) {
    cJSON_AddItemToObject(x, "dynamic_profiled", latency_json(&r->bench));
    cJSON_AddNumberToObject(x, "warmup", (double)r->cfg.warmup);
    if ((y = cJSON_AddArrayToObject(x, "samples_ms")))
      for (long long i = 0; i < r->bench.iterations; i++)
        cJSON_AddItemToArray(y, cJSON_CreateNumber(r->bench.samples[i]));
  }
  if ((x = cJSON_AddObjectToObject(j, "partitioning"))) {
    cJSON_AddStringToObject(x, "preferred", r->eps[0].name);
    cJSON_AddNumberToObject(x, "partitions", r->n_partitions);
    cJSON_AddNumberToObject(x, "nodes_loaded", r->st.n_nodes_loaded);
    cJSON_AddNumberToObject(x, "nodes", r->st.n_nodes);
    cJSON_AddNumberToObject(x, "nodes_preferred", r->eps[0].nodes);
    cJSON_AddNumberToObject(x, "nodes_fallback", r->fallback_nodes);
    cJSON_AddStringToObject(x, "fallback_ops", r->fallback_ops);
    if ((y = cJSON_AddArrayToObject(x, "providers")))
      for (int e = 0; e < r->n_eps; e++) {
        cJSON *p = cJSON_CreateObject();
        if (!p) continue;
        cJSON_AddStringToObject(p, "name", r->eps[e].name);
        cJSON_AddNumberToObject(p, "nodes", r->eps[e].nodes);
        cJSON_AddNumberToObject(p, "partitions", r->eps[e].partitions);
        cJSON_AddItemToArray(y, p);
      }
  }
  cJSON_AddItemToObject(j, "profile_analysis", trt_analysis_json(&r->an, NULL, REPORT_TOP));
  if ((x = cJSON_AddObjectToObject(j, "gelu"))) {
    cJSON_AddNumberToObject(x, "erf_nodes", r->erf_nodes);
    cJSON_AddNumberToObject(x, "erf_fused_gemm_nodes", r->erf_fused);
    cJSON_AddNumberToObject(x, "erf_fused_gemm_ms", r->erf_fused_ms);
    cJSON_AddNumberToObject(x, "erf_fused_gemm_share_pct", r->erf_fused_share);
    cJSON_AddNumberToObject(x, "erf_ms", r->erf_ms);
    cJSON_AddNumberToObject(x, "erf_events", (double)r->erf_events);
    cJSON_AddNumberToObject(x, "erf_share_pct", r->erf_share);
    if (r->fast_gelu_probed) cJSON_AddNumberToObject(x, "erf_nodes_with_fast_gelu", r->erf_nodes_fast);
    if (r->gelu_measured) {
      cJSON_AddItemToObject(x, "exact", latency_json(&r->gelu_exact));
      cJSON_AddItemToObject(x, "fast", latency_json(&r->gelu_fast));
      cJSON_AddItemToObject(x, "fast_vs_exact",
                            diff_json(&r->gelu_diff, r->gelu_fast.lat.mean, r->gelu_exact.lat.mean));
    }
  }
  if ((x = cJSON_AddObjectToObject(j, "comparison"))) {
    cJSON_AddItemToObject(x, "static", latency_json(&r->stat));
    cJSON_AddItemToObject(x, "dynamic", latency_json(&r->dyn));
    cJSON_AddItemToObject(x, "dynamic_vs_static",
                          diff_json(&r->shape_diff, r->dyn.lat.mean, r->stat.lat.mean));
    if ((y = cJSON_AddObjectToObject(x, "diff_pct"))) {
      cJSON_AddNumberToObject(y, "mean", report_pct(r->dyn.lat.mean, r->stat.lat.mean));
      cJSON_AddNumberToObject(y, "p50", report_pct(r->dyn.lat.p50, r->stat.lat.p50));
      cJSON_AddNumberToObject(y, "p99", report_pct(r->dyn.lat.p99, r->stat.lat.p99));
      cJSON_AddNumberToObject(y, "throughput",
                              report_pct(r->dyn.inferences_per_s, r->stat.inferences_per_s));
    }
    if ((y = cJSON_AddArrayToObject(x, "trade_offs")))
      for (int i = 0; i < r->n_tradeoffs; i++)
        cJSON_AddItemToArray(y, cJSON_CreateString(r->tradeoffs[i]));
    cJSON_AddItemToObject(x, "profiled_vs_unprofiled",
                          diff_json(&r->prof_diff, r->bench.lat.mean, r->dyn.lat.mean));
  }
  if ((x = cJSON_AddObjectToObject(j, "machine"))) {
    cJSON_AddNumberToObject(x, "cores", r->cores);
    cJSON_AddNumberToObject(x, "peak_gflops_per_core", r->peak.one_gflops);
    cJSON_AddNumberToObject(x, "load_before", r->load_before);
    cJSON_AddNumberToObject(x, "load_after", r->load_after);
  }
  cJSON_AddItemToObject(j, "observations",
                        notes_json(r->obs, r->n_obs, report_group_titles, true));
  cJSON_AddItemToObject(j, "recommendations",
                        notes_json(r->recs, r->n_recs, report_rgroup_titles, false));
  return j;
}

int report_write_json(FILE *f, const report *r, tinyrt_error *err) {
  return trt_json_write(f, report_json(r), "report", err);
}
