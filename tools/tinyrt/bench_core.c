#include "bench_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/common.h"
#include "exec/session.h"
#include "prof/peak.h"

const char *bench_dims_str(const cli_dims *d, char *buf, size_t len) {
  size_t off = 0;
  buf[0] = '\0';
  for (int i = 0; i < d->n && off < len; i++)
    off += (size_t)snprintf(buf + off, len - off, "%s%s=%lld", i ? "," : "", d->names[i],
                            (long long)d->d[i].value);
  return buf;
}

static long long peak_rss_bytes(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
  return (long long)ru.ru_maxrss * 1024; /* Linux reports KiB */
}

/* The batch size: the dim whose name says batch, else the first input's first dim. */
static int64_t batch_of(const bench_target *t) {
  for (int i = 0; i < t->n_inputs; i++) {
    tinyrt_io_info info;
    tinyrt_input_info(t->s, i, &info);
    for (int d = 0; d < info.rank; d++)
      if (info.dim_names[d] && strstr(info.dim_names[d], "batch")) return t->inputs[i].dims[d];
  }
  return t->n_inputs > 0 && t->inputs[0].rank > 0 ? t->inputs[0].dims[0] : 1;
}

bool bench_target_open(const bench_config *cfg, const cli_dims *dims, bool is_static,
                       bench_target *t) {
  memset(t, 0, sizeof *t);
  tinyrt_options opts = cfg->opts;
  if (is_static) {
    opts.dim_overrides = dims->d;
    opts.n_dim_overrides = dims->n;
  }
  if (cfg->profile_path) opts.profile = 1;
  tinyrt_error err = {0};
  if (tinyrt_session_open(cfg->model, &opts, &t->s, &err)) {
    fprintf(stderr, "tinyrt: %s: %s\n", cfg->model, err.message);
    return false;
  }
  if (!cli_make_inputs(t->s, dims, &t->inputs, &t->n_inputs)) goto fail;
  if (cfg->pad_fraction > 0) cli_pad_masks(t->inputs, t->n_inputs, cfg->pad_fraction);
  t->n_outputs = tinyrt_output_count(t->s);
  t->outputs = calloc((size_t)t->n_outputs + 1, sizeof *t->outputs);
  if (!t->outputs) goto fail;
  /* the first run sizes the output buffers; later runs reuse them, so timing sees no malloc */
  if (tinyrt_run(t->s, t->inputs, t->n_inputs, t->outputs, t->n_outputs, &err)) {
    fprintf(stderr, "tinyrt: run failed: %s\n", err.message);
    goto fail;
  }
  tinyrt_session_stats st;
  tinyrt_session_stats_get(t->s, &st);
  t->r.dims = *dims; /* results are copied around: print from names[], not d[].name */
  t->r.is_static = is_static;
  t->r.session_init_ms = st.session_init_ms;
  t->r.model_load_ms = st.model_load_ms;
  t->r.n_nodes = st.n_nodes;
  t->r.n_partitions = st.n_partitions;
  t->r.threads = t->s->opts.threads;
  t->r.batch = batch_of(t);
  return true;
fail:
  bench_target_close(t);
  return false;
}

double bench_target_run(bench_target *t) {
  tinyrt_error err = {0};
  uint64_t t0 = trt_now_ns();
  int rc = tinyrt_run(t->s, t->inputs, t->n_inputs, t->outputs, t->n_outputs, &err);
  double ms = (double)(trt_now_ns() - t0) / 1e6;
  if (rc) {
    fprintf(stderr, "tinyrt: run failed: %s\n", err.message);
    return -1;
  }
  return ms;
}

void bench_peak_init(bench_peak *pk) {
  pk->one_gflops = trt_measure_peak_gflops(200);
  pk->threads = 0;
  pk->all_gflops = 0;
}

void bench_target_finish(bench_target *t, double *samples, long long n, bench_peak *pk) {
  bench_result *r = &t->r;
  r->samples = samples;
  r->iterations = n;
  trt_latency_stats_compute(samples, (size_t)n, &r->lat);
  r->inferences_per_s = r->lat.mean > 0 ? 1000.0 / r->lat.mean : 0;
  r->sequences_per_s = r->inferences_per_s * (double)r->batch;
  r->peak_rss_bytes = peak_rss_bytes();
  const trt_plan *p = trt_session_cached_plan(t->s, t->inputs, t->n_inputs);
  r->gflop = p ? trt_plan_matmul_flops(&t->s->g, p) / 1e9 : 0;
  if (r->threads > 1 && pk->threads != r->threads) {
    pk->all_gflops = trt_measure_peak_gflops_threads(150, r->threads);
    pk->threads = r->threads;
  }
  r->peak_1t_gflops = pk->one_gflops;
  r->peak_gflops = r->threads > 1 ? pk->all_gflops : pk->one_gflops;
  if (r->peak_gflops <= 0) r->peak_gflops = pk->one_gflops * r->threads; /* not measured */
  r->pct_of_peak = r->peak_gflops > 0 ? 100.0 * bench_achieved_gflops(r) / r->peak_gflops : 0;
}

double bench_achieved_gflops(const bench_result *r) {
  return r->lat.mean > 0 ? r->gflop / (r->lat.mean / 1000.0) : 0;
}

void bench_target_close(bench_target *t) {
  if (t->outputs)
    for (int i = 0; i < t->n_outputs; i++) tinyrt_tensor_free(t->s, &t->outputs[i]);
  free(t->outputs);
  cli_free_inputs(t->inputs, t->n_inputs);
  tinyrt_session_close(t->s);
  t->s = NULL;
  t->outputs = NULL;
  t->inputs = NULL;
}

static void progress(bool on, long long done, long long total, double elapsed, double duration) {
  if (!on) return;
  double frac = duration > 0 ? elapsed / duration : (double)done / (double)(total ? total : 1);
  if (frac > 1) frac = 1;
  int w = 40, fill = (int)(frac * w);
  fprintf(stderr, "\r  [");
  for (int i = 0; i < w; i++) fputc(i < fill ? '#' : ' ', stderr);
  fprintf(stderr, "] %3d%%  %lld runs", (int)(frac * 100), done);
  if (frac >= 1) fprintf(stderr, "\r%*s\r", w + 30, "");
}

/* Keeps timing runs until the count or the duration is reached. Samples go to *out (malloc'd). */
static long long timed_runs(const bench_config *cfg, bench_target **targets, int n_targets,
                            double **out) {
  long long cap = cfg->duration_s > 0 ? 1024 : cfg->iterations;
  for (int k = 0; k < n_targets; k++) {
    out[k] = malloc(sizeof(double) * (size_t)(cap > 0 ? cap : 1));
    if (!out[k]) return -1;
  }
  for (long long w = 0; w < cfg->warmup; w++)
    for (int k = 0; k < n_targets; k++)
      if (bench_target_run(targets[k]) < 0) return -1;
  uint64_t start = trt_now_ns(), last_draw = 0;
  long long n = 0;
  for (;;) {
    double elapsed = (double)(trt_now_ns() - start) / 1e9;
    if (cfg->duration_s > 0 ? elapsed >= cfg->duration_s : n >= cfg->iterations) break;
    if (n == cap) {
      cap *= 2;
      for (int k = 0; k < n_targets; k++) {
        double *p = realloc(out[k], sizeof(double) * (size_t)cap);
        if (!p) return -1;
        out[k] = p;
      }
    }
    for (int k = 0; k < n_targets; k++) {
      double ms = bench_target_run(targets[k]);
      if (ms < 0) return -1;
      out[k][n] = ms;
    }
    n++;
    uint64_t now = trt_now_ns();
    if (now - last_draw > 100000000ull) {
      progress(cfg->progress, n, cfg->iterations, elapsed, cfg->duration_s);
      last_draw = now;
    }
  }
  progress(cfg->progress, n, n, 1, 0);
  return n;
}

bool bench_run(const bench_config *cfg, const cli_dims *dims, bool is_static, bench_peak *pk,
               bench_result *out) {
  bench_target t;
  if (!bench_target_open(cfg, dims, is_static, &t)) return false;
  bench_target *ts[1] = {&t};
  double *samples[1] = {NULL};
  long long n = timed_runs(cfg, ts, 1, samples);
  if (n < 0) {
    free(samples[0]);
    bench_target_close(&t);
    return false;
  }
  bench_target_finish(&t, samples[0], n, pk);
  if (cfg->profile_path) {
    tinyrt_error err = {0};
    if (tinyrt_profile_write(t.s, cfg->profile_path, &err))
      fprintf(stderr, "tinyrt: %s\n", err.message);
  }
  *out = t.r;
  bench_target_close(&t);
  return true;
}

/* Two sessions of one model timed interleaved run by run (so drift hits both alike): a is opened
 * with cfg as it is, b with cfg_b. */
static bool compare_pair(const bench_config *cfg, const bench_config *cfg_b, const cli_dims *dims,
                         bool b_static, bench_peak *pk, bench_result *ra, bench_result *rb) {
  bench_target a, b;
  if (!bench_target_open(cfg, dims, false, &a)) return false;
  if (!bench_target_open(cfg_b, dims, b_static, &b)) {
    bench_target_close(&a);
    return false;
  }
  bench_target *ts[2] = {&a, &b};
  double *samples[2] = {NULL, NULL};
  long long n = timed_runs(cfg, ts, 2, samples);
  bool ok = n >= 0;
  if (ok) {
    bench_target_finish(&a, samples[0], n, pk);
    bench_target_finish(&b, samples[1], n, pk);
    *ra = a.r;
    *rb = b.r;
  } else {
    free(samples[0]);
    free(samples[1]);
  }
  bench_target_close(&a);
  bench_target_close(&b);
  return ok;
}

bool bench_compare_static(const bench_config *cfg, const cli_dims *dims, bench_peak *pk,
                          bench_result *dyn, bench_result *stat) {
  bench_config c = *cfg;
  c.profile_path = NULL;
  return compare_pair(&c, &c, dims, true, pk, dyn, stat);
}

bool bench_compare_profiling(const bench_config *cfg, const cli_dims *dims, bench_peak *pk,
                             bench_result *off, bench_result *on) {
  bench_config c = *cfg, p = *cfg;
  c.profile_path = NULL;
  p.profile_path = NULL;
  p.opts.profile = 1; /* collects events; nothing is written */
  return compare_pair(&c, &p, dims, false, pk, off, on);
}

void bench_print_profiling(const bench_result *off, const bench_result *on) {
  char dims[256];
  printf("Profiling overhead (%s, %lld runs each, interleaved run by run):\n",
         bench_dims_str(&off->dims, dims, sizeof dims), off->iterations);
  printf("  %-22s %12s %12s %11s\n", "", "off", "on", "difference");
  printf("  %-22s %12.4f %12.4f %+10.1f%%\n", "p50 latency (ms)", off->lat.p50, on->lat.p50,
         100.0 * (on->lat.p50 - off->lat.p50) / off->lat.p50);
  printf("  %-22s %12.4f %12.4f %+10.1f%%\n", "mean latency (ms)", off->lat.mean, on->lat.mean,
         100.0 * (on->lat.mean - off->lat.mean) / off->lat.mean);
  printf("  %-22s %12.4f %12.4f %+10.1f%%\n\n", "min latency (ms)", off->lat.min, on->lat.min,
         100.0 * (on->lat.min - off->lat.min) / off->lat.min);
}

void bench_result_free(bench_result *r) {
  free(r->samples);
  r->samples = NULL;
}

void bench_print_text(const bench_config *cfg, const bench_result *r) {
  char dims[256];
  const char *eps = cfg->opts.providers ? cfg->opts.providers : "default";
  printf("================================================================================\n"
         "Benchmark Results\n"
         "================================================================================\n\n");
  printf("Configuration:\n");
  printf("  - Model: %s\n", cfg->model);
  printf("  - Shape: %s (%s)\n", bench_dims_str(&r->dims, dims, sizeof dims),
         r->is_static ? "static: session specialized to these dims" : "dynamic");
  printf("  - Threads: %d, execution providers: %s\n", r->threads, eps);
  printf("  - Runs: %lld timed after %lld warm-up\n\n", r->iterations, cfg->warmup);
  printf("Performance Metrics:\n");
  printf("  - Mean latency: %.3f ms\n", r->lat.mean);
  printf("  - p50 latency: %.3f ms\n", r->lat.p50);
  printf("  - p90 latency: %.3f ms\n", r->lat.p90);
  printf("  - p95 latency: %.3f ms\n", r->lat.p95);
  printf("  - p99 latency: %.3f ms\n", r->lat.p99);
  printf("  - Min / max latency: %.3f / %.3f ms\n", r->lat.min, r->lat.max);
  printf("  - Standard deviation: %.3f ms\n", r->lat.stdev);
  printf("  - Throughput: %.2f inferences/sec, %.2f sequences/sec (batch %lld)\n\n",
         r->inferences_per_s, r->sequences_per_s, (long long)r->batch);
  printf("Session:\n");
  printf("  - Model loading: %.2f ms\n", r->model_load_ms);
  printf("  - Session initialization: %.2f ms\n", r->session_init_ms);
  printf("  - Nodes: %d in %d partition%s\n", r->n_nodes, r->n_partitions,
         r->n_partitions == 1 ? "" : "s");
  printf("  - Peak RSS: %.1f MB\n\n", (double)r->peak_rss_bytes / 1e6);
  printf("Compute:\n");
  printf("  - Matrix-multiply FLOPs per inference: %.1f MFLOP\n", r->gflop * 1e3);
  char words[128];
  printf("  - Achieved: %.1f GFLOP/s = %.1f%% of this machine's measured peak (%s)\n\n",
         bench_achieved_gflops(r), r->pct_of_peak,
         bench_peak_words(r, words, sizeof words));
}

double bench_core_scaling(const bench_result *r) {
  return r->peak_1t_gflops > 0 ? r->peak_gflops / r->peak_1t_gflops : 0;
}

const char *bench_peak_words(const bench_result *r, char *buf, size_t size) {
  if (r->threads <= 1)
    snprintf(buf, size, "%.1f GFLOP/s for 1 thread", r->peak_gflops);
  else
    snprintf(buf, size, "%.1f GFLOP/s on %d threads at once = %.2fx one thread's",
             r->peak_gflops, r->threads, bench_core_scaling(r));
  return buf;
}

void bench_print_json(const bench_config *cfg, const bench_result *r) {
  printf("{\"model\":\"");
  for (const char *p = cfg->model; *p; p++) {
    if (*p == '"' || *p == '\\') putchar('\\');
    putchar(*p);
  }
  printf("\",\"shape\":{");
  for (int i = 0; i < r->dims.n; i++)
    printf("%s\"%s\":%lld", i ? "," : "", r->dims.names[i], (long long)r->dims.d[i].value);
  printf("},\"static\":%s,\"threads\":%d,\"iterations\":%lld,\"mean_ms\":%.6f,\"p50_ms\":%.6f,"
         "\"p90_ms\":%.6f,\"p95_ms\":%.6f,\"p99_ms\":%.6f,\"min_ms\":%.6f,\"max_ms\":%.6f,"
         "\"stdev_ms\":%.6f,\"inferences_per_s\":%.3f,\"sequences_per_s\":%.3f,"
         "\"session_init_ms\":%.4f,\"model_load_ms\":%.4f,\"peak_rss_bytes\":%lld,"
         "\"gflop_per_inference\":%.6f,\"peak_gflops\":%.2f,\"peak_1t_gflops\":%.2f,"
         "\"core_scaling\":%.3f,\"pct_of_peak\":%.2f,\"nodes\":%d,\"partitions\":%d}\n",
         r->is_static ? "true" : "false", r->threads, r->iterations, r->lat.mean, r->lat.p50,
         r->lat.p90, r->lat.p95, r->lat.p99, r->lat.min, r->lat.max, r->lat.stdev,
         r->inferences_per_s, r->sequences_per_s, r->session_init_ms, r->model_load_ms,
         r->peak_rss_bytes, r->gflop, r->peak_gflops, r->peak_1t_gflops, bench_core_scaling(r),
         r->pct_of_peak, r->n_nodes, r->n_partitions);
}

static double pct(double a, double b) { return b != 0 ? 100.0 * (a - b) / b : 0; }

void bench_print_comparison(const bench_result *d, const bench_result *s) {
  char dims[256];
  printf("================================================================================\n"
         "Comparison: Static vs Dynamic Shapes\n"
         "================================================================================\n\n");
  printf("Shape %s, %lld runs each, interleaved run by run in one process.\n\n",
         bench_dims_str(&d->dims, dims, sizeof dims), d->iterations);
  printf("Static Shape (%s):\n", dims);
  printf("  - Partitions: %d, nodes: %d\n", s->n_partitions, s->n_nodes);
  printf("  - Mean latency: %.3f ms (p50 %.3f, p99 %.3f)\n", s->lat.mean, s->lat.p50, s->lat.p99);
  printf("  - Throughput: %.2f inferences/sec\n", s->inferences_per_s);
  printf("  - Session initialization: %.2f ms\n\n", s->session_init_ms);
  printf("Dynamic Shape (symbolic dims resolved per run):\n");
  printf("  - Partitions: %d, nodes: %d\n", d->n_partitions, d->n_nodes);
  printf("  - Mean latency: %.3f ms (%+.1f%% vs static)\n", d->lat.mean, pct(d->lat.mean, s->lat.mean));
  printf("  - p50 latency: %.3f ms (%+.1f%%), p99 %.3f ms (%+.1f%%)\n", d->lat.p50,
         pct(d->lat.p50, s->lat.p50), d->lat.p99, pct(d->lat.p99, s->lat.p99));
  printf("  - Throughput: %.2f inferences/sec (%+.1f%%)\n", d->inferences_per_s,
         pct(d->inferences_per_s, s->inferences_per_s));
  printf("  - Session initialization: %.2f ms\n\n", d->session_init_ms);
  printf("  %-22s %12s %12s %11s\n", "", "static", "dynamic", "difference");
  printf("  %-22s %12.3f %12.3f %+10.1f%%\n", "mean latency (ms)", s->lat.mean, d->lat.mean,
         pct(d->lat.mean, s->lat.mean));
  printf("  %-22s %12.3f %12.3f %+10.1f%%\n", "p50 latency (ms)", s->lat.p50, d->lat.p50,
         pct(d->lat.p50, s->lat.p50));
  printf("  %-22s %12.3f %12.3f %+10.1f%%\n", "p99 latency (ms)", s->lat.p99, d->lat.p99,
         pct(d->lat.p99, s->lat.p99));
  printf("  %-22s %12.2f %12.2f %+10.1f%%\n", "throughput (inf/s)", s->inferences_per_s,
         d->inferences_per_s, pct(d->inferences_per_s, s->inferences_per_s));
  printf("  %-22s %12d %12d\n", "partitions", s->n_partitions, d->n_partitions);
  printf("  %-22s %12d %12d\n\n", "nodes", s->n_nodes, d->n_nodes);
}
