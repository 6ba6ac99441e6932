/* tinyrt report: the seed report in one command. It inspects the model, runs a profiled
 * benchmark of the dynamic session, analyzes that profile, times the dynamic and the static
 * session interleaved, derives observations and recommendations from the numbers, and writes it
 * all as text (or JSON) and optionally as one HTML page. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "exec/session.h"
#include "opt/optimizer.h"
#include "prof/peak.h"
#include "report.h"

static void report_usage(FILE *f) {
  fprintf(f,
          "usage: tinyrt report MODEL [options]\n\n"
          "The whole performance report of MODEL in one command: model configuration and\n"
          "export details, a profiled benchmark of the dynamic session (latency percentiles,\n"
          "throughput, session timings, peak RSS, FLOP rate, provider partitioning), the\n"
          "analysis of its profile (overhead vs node execution, top ops by layer, time per\n"
          "provider and partition), static vs dynamic shapes timed interleaved, and the\n"
          "observations and recommendations that follow from those numbers.\n\n"
          "options:\n"
          "  --shape DIM=N,...   values of the model's symbolic dims\n"
          "                      (default batch_size=1,sequence_length=128)\n"
          "  --iterations N      timed runs of each benchmark phase (default 100)\n"
          "  --duration SEC      run each benchmark phase for SEC seconds instead\n"
          "  --warmup N          untimed runs before each phase (default 10)\n"
          "  --threads N         intra-op threads (default: the machine's cores)\n"
          "  --ep LIST           execution providers in priority order\n"
          "  --html FILE         also write the report as one self-contained HTML page\n"
          "  --profile FILE      keep the profile (a Chrome trace) in FILE\n"
          "  --json              print one JSON object (with sections) instead of text\n"
          "  -h, --help          this help\n");
}

/* A title for the model: the file's stem, or its folder's name when the stem says nothing. */
static void model_name(const char *path, char *out, size_t len) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t stem = strlen(base);
  const char *dot = strrchr(base, '.');
  if (dot && dot != base) stem = (size_t)(dot - base);
  if (stem == 0 || (stem == 5 && !strncmp(base, "model", 5))) {
    const char *end = base > path ? base - 1 : path, *start = end;
    while (start > path && start[-1] != '/') start--;
    if (end > start) {
      snprintf(out, len, "%.*s", (int)(end - start), start);
      return;
    }
  }
  snprintf(out, len, "%.*s", (int)stem, base);
}

/* The element types the weights are stored in, by share of elements. */
static void precision_of(const trt_graph *g, char *out, size_t len) {
  static const struct {
    int dtype;
    const char *name;
  } kinds[] = {{TINYRT_FLOAT, "FP32"},  {TINYRT_FLOAT16, "FP16"}, {16, "BF16"},
               {TINYRT_DOUBLE, "FP64"}, {TINYRT_INT8, "INT8"},   {TINYRT_UINT8, "UINT8"}};
  double count[TRT_ARRAY_LEN(kinds)] = {0}, total = 0;
  for (int v = 0; v < g->n_values; v++) {
    const trt_value *val = &g->values[v];
    if (val->kind != TRT_VALUE_CONSTANT) continue;
    for (size_t k = 0; k < TRT_ARRAY_LEN(kinds); k++)
      if ((int)val->constant.dtype == kinds[k].dtype) {
        double n = (double)trt_tensor_numel(&val->constant);
        count[k] += n;
        total += n;
      }
  }
  size_t best = 0;
  for (size_t k = 1; k < TRT_ARRAY_LEN(kinds); k++)
    if (count[k] > count[best]) best = k;
  if (total == 0) {
    snprintf(out, len, "unknown (no floating-point weights)");
    return;
  }
  size_t off = (size_t)snprintf(out, len, "%s", kinds[best].name);
  for (size_t k = 0; k < TRT_ARRAY_LEN(kinds) && off < len; k++)
    if (k != best && count[k] > 0.01 * total)
      off += (size_t)snprintf(out + off, len - off, " (%.1f%% of weights %s)",
                              100.0 * count[k] / total, kinds[k].name);
}

static bool is_erf_gelu(int op) {
  return op == TRT_OP_ERF || op == TRT_OP_GELU || op == TRT_OP_BIAS_GELU;
}

/* A matrix multiply whose epilogue applies exact GELU (the optimizer's MatMul + Gelu fusion). */
static bool is_gemm_erf_gelu(const trt_node *n) {
  return n->op == TRT_OP_FUSED_GEMM && !strcmp(trt_attr_string(n, "activation", "none"), "gelu");
}

/* Nodes computing exact GELU: alone (counted in *alone) or fused into a matrix multiply (named
 * in r->erf_fused_names when r is not NULL). Returns both together. */
static int count_erf(const tinyrt_session *s, int *alone, report *r) {
  int n_alone = 0, n_fused = 0;
  for (int i = 0; i < s->n_order; i++) {
    const trt_node *n = &s->g.nodes[s->order[i]];
    if (is_erf_gelu(n->op)) n_alone++;
    if (!is_gemm_erf_gelu(n)) continue;
    if (r && n_fused < REPORT_MAX_FUSED)
      snprintf(r->erf_fused_names[n_fused], sizeof r->erf_fused_names[0], "%s", n->name);
    n_fused++;
  }
  if (alone) *alone = n_alone;
  if (r) r->erf_fused = n_fused < REPORT_MAX_FUSED ? n_fused : REPORT_MAX_FUSED;
  return n_alone + n_fused;
}

/* Puts the tested values in the model's order and checks that every symbolic dim of the
 * inputs has one (and, for a user's --shape, that every name given is one of them). */
static bool settle_dims(report *r, const tinyrt_session *s) {
  cli_dims given = r->dims, out;
  memset(&out, 0, sizeof out);
  char missing[512] = "";
  for (int i = 0; i < tinyrt_input_count(s); i++) {
    tinyrt_io_info info;
    tinyrt_input_info(s, i, &info);
    for (int d = 0; d < info.rank; d++) {
      if (info.dims[d] >= 0) continue;
      if (!info.dim_names[d]) {
        fprintf(stderr,
                "tinyrt report: input '%s' dim %d is dynamic but unnamed; --shape cannot set it\n",
                info.name, d);
        return false;
      }
      bool seen = false;
      for (int k = 0; k < r->n_syms; k++) seen |= !strcmp(r->syms[k], info.dim_names[d]);
      if (seen || r->n_syms == CLI_MAX_DIMS) continue;
      snprintf(r->syms[r->n_syms++], sizeof r->syms[0], "%s", info.dim_names[d]);
      int k = 0;
      while (k < given.n && strcmp(given.names[k], info.dim_names[d])) k++;
      if (k == given.n) {
        size_t l = strlen(missing);
        snprintf(missing + l, sizeof missing - l, "%s%s", l ? ", " : "", info.dim_names[d]);
        continue;
      }
      snprintf(out.names[out.n], sizeof out.names[0], "%s", given.names[k]);
      out.d[out.n].value = given.d[k].value;
      out.n++;
    }
  }
  if (missing[0]) {
    fprintf(stderr, "tinyrt report: the model's symbolic dims need values; missing: %s "
                    "(give them with --shape NAME=N,...)\n", missing);
    return false;
  }
  if (r->user_shape)
    for (int k = 0; k < given.n; k++) {
      bool known = false;
      for (int j = 0; j < r->n_syms; j++) known |= !strcmp(r->syms[j], given.names[k]);
      if (!known) {
        char have[512] = "";
        for (int j = 0; j < r->n_syms; j++)
          snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", j ? ", " : "",
                   r->syms[j]);
        fprintf(stderr, "tinyrt report: --shape names '%s', which is not a symbolic dim of the "
                        "model's inputs (they have: %s)\n",
                given.names[k], r->n_syms ? have : "none");
        return false;
      }
    }
  r->dims = out;
  for (int k = 0; k < r->dims.n; k++) r->dims.d[k].name = r->dims.names[k];
  return true;
}

/* Everything `inspect` knows, from a session opened with the run's providers and opt level. */
static bool inspect_model(report *r) {
  tinyrt_options opts = r->cfg.opts;
  opts.threads = 1; /* partitioning does not depend on threads; spare the pool */
  tinyrt_session *s = NULL;
  tinyrt_error err = {0};
  if (tinyrt_session_open(r->cfg.model, &opts, &s, &err)) {
    fprintf(stderr, "tinyrt report: %s: %s\n", r->cfg.model, err.message);
    return false;
  }
  bool ok = settle_dims(r, s);
  const trt_graph *g = &s->g;
  struct stat stt;
  r->file_size = stat(r->cfg.model, &stt) == 0 ? (long long)stt.st_size : -1;
  model_name(r->cfg.model, r->name, sizeof r->name);
  snprintf(r->producer, sizeof r->producer, "%s%s%s", g->producer_name ? g->producer_name : "",
           g->producer_version && *g->producer_version ? " " : "",
           g->producer_version ? g->producer_version : "");
  r->opset = (long long)g->opset;
  r->ir_version = (long long)g->ir_version;
  precision_of(g, r->precision, sizeof r->precision);
  model_arch_infer(s, &r->arch);
  snprintf(r->activation, sizeof r->activation, "%s", r->arch.activation);
  r->arch.activation = NULL; /* points into the session; use r->activation */
  tinyrt_session_stats_get(s, &r->st);
  const trt_opt_report *rep = trt_session_opt_report(s);
  r->opt_level = rep ? rep->level : -1;
  for (int k = 0; rep && k < TRT_OPT_REWRITE_COUNT; k++)
    if (rep->count[k])
      snprintf(r->opt_rewrites + strlen(r->opt_rewrites),
               sizeof r->opt_rewrites - strlen(r->opt_rewrites), "%s%s %d",
               r->opt_rewrites[0] ? ", " : "", trt_opt_rewrite_name(k), rep->count[k]);
  r->n_partitions = s->n_parts;
  r->n_eps = s->n_eps < REPORT_MAX_EPS ? s->n_eps : REPORT_MAX_EPS;
  for (int e = 0; e < r->n_eps; e++)
    snprintf(r->eps[e].name, sizeof r->eps[e].name, "%s", s->eps[e]->provider_name);
  for (int p = 0; p < s->n_parts; p++)
    if (s->parts[p].ep < r->n_eps) r->eps[s->parts[p].ep].partitions++;
  op_count fb[REPORT_MAX_OPS];
  int n_fb = 0;
  for (int i = 0; i < s->n_order; i++) {
    const trt_node *n = &g->nodes[s->order[i]];
    if (n->ep < r->n_eps) r->eps[n->ep].nodes++;
    if (n->ep == 0) continue;
    r->fallback_nodes++;
    int k = 0;
    while (k < n_fb && strcmp(fb[k].op, n->op_type)) k++;
    if (k == n_fb && n_fb < REPORT_MAX_OPS) fb[n_fb++] = (op_count){n->op_type, 0};
    if (k < n_fb) fb[k].count++;
  }
  for (int k = 0; k < n_fb; k++)
    snprintf(r->fallback_ops + strlen(r->fallback_ops),
             sizeof r->fallback_ops - strlen(r->fallback_ops), "%s%s %d", k ? ", " : "", fb[k].op,
             fb[k].count);
  op_count oc[REPORT_MAX_OPS];
  r->n_ops = model_op_counts(s, 1, oc, REPORT_MAX_OPS);
  for (int k = 0; k < r->n_ops; k++) {
    snprintf(r->ops[k].op, sizeof r->ops[k].op, "%s", oc[k].op);
    r->ops[k].count = oc[k].count;
  }
  int exact = count_erf(s, &r->erf_nodes, r);
  tinyrt_session_close(s);
  if (!ok || exact == 0) return ok;

  /* what the runtime's fast_gelu option does to this graph, if it does anything */
  opts.fast_gelu = 1;
  if (tinyrt_session_open(r->cfg.model, &opts, &s, &err) == TINYRT_OK) {
    r->fast_gelu_probed = true;
    r->erf_nodes_fast = count_erf(s, NULL, NULL);
    tinyrt_session_close(s);
  }
  return true;
}

/* Exact and fast GELU sessions timed interleaved, as the static comparison is. Only called when
 * fast_gelu rewrites the graph. Fills r->gelu_*; returns false (printed) on failure. */
static bool measure_fast_gelu(report *r) {
  bench_config exact = r->cfg, fast = r->cfg;
  exact.profile_path = fast.profile_path = NULL;
  fast.opts.fast_gelu = 1;
  bench_target a, b;
  if (!bench_target_open(&exact, &r->dims, false, &a)) return false;
  if (!bench_target_open(&fast, &r->dims, false, &b)) {
    bench_target_close(&a);
    return false;
  }
  long long n = r->dyn.iterations > 0 ? r->dyn.iterations : 1;
  double *sa = malloc((size_t)n * sizeof *sa), *sb = malloc((size_t)n * sizeof *sb);
  bool ok = sa && sb;
  for (long long w = 0; ok && w < r->cfg.warmup; w++)
    ok = bench_target_run(&a) >= 0 && bench_target_run(&b) >= 0;
  for (long long i = 0; ok && i < n; i++) {
    sa[i] = bench_target_run(&a);
    sb[i] = bench_target_run(&b);
    ok = sa[i] >= 0 && sb[i] >= 0;
  }
  if (ok) {
    bench_target_finish(&a, sa, n, &r->peak); /* sorts the samples */
    bench_target_finish(&b, sb, n, &r->peak);
    r->gelu_exact = a.r;
    r->gelu_fast = b.r;
    r->gelu_measured = true;
    trt_sample_diff_sorted(sb, (size_t)n, sa, (size_t)n, &r->gelu_diff);
  } else {
    free(sa);
    free(sb);
  }
  bench_target_close(&a);
  bench_target_close(&b);
  return ok;
}

/* Kernel time of exact (erf) GELU in the profile: Erf nodes, or the fused ops computing it. */
static void erf_time(report *r) {
  static const char *const ops[] = {"Erf", "Gelu", "BiasGelu"};
  for (size_t t = 0; t < r->an.n_op_types; t++)
    for (size_t k = 0; k < TRT_ARRAY_LEN(ops); k++)
      if (!strcmp(r->an.op_types[t].op, ops[k])) {
        r->erf_ms += r->an.op_types[t].total_ms;
        r->erf_events += r->an.op_types[t].events;
      }
  r->erf_share = r->an.node_time_ms > 0 ? 100.0 * r->erf_ms / r->an.node_time_ms : 0;
  /* GELU fused into a matrix multiply has no time of its own: the node's time is the bound */
  for (size_t i = 0; i < r->an.n_nodes; i++)
    for (int k = 0; k < r->erf_fused; k++)
      if (!strcmp(r->an.nodes[i].name, r->erf_fused_names[k])) {
        r->erf_fused_ms += r->an.nodes[i].total_us / 1000.0;
        r->erf_fused_events += r->an.nodes[i].events;
      }
  r->erf_fused_share = r->an.node_time_ms > 0 ? 100.0 * r->erf_fused_ms / r->an.node_time_ms : 0;
}

/* The profiled benchmark and the analysis of its profile. */
static bool profiled_bench(report *r) {
  bool temp = !r->profile_keep;
  if (temp) {
    const char *dir = getenv("TMPDIR");
    snprintf(r->profile_path, sizeof r->profile_path, "%s/tinyrt-report-XXXXXX.json",
             dir && *dir ? dir : "/tmp");
    int fd = mkstemps(r->profile_path, 5);
    if (fd < 0) {
      fprintf(stderr, "tinyrt report: cannot create a temporary profile '%s': %s\n",
              r->profile_path, strerror(errno));
      return false;
    }
    close(fd);
  } else {
    snprintf(r->profile_path, sizeof r->profile_path, "%s", r->profile_keep);
  }
  bench_config c = r->cfg;
  c.profile_path = r->profile_path;
  bool ok = bench_run(&c, &r->dims, false, &r->peak, &r->bench);
  tinyrt_error err = {0};
  if (ok && trt_profile_load(r->profile_path, &r->prof, &err)) {
    fprintf(stderr, "tinyrt report: %s\n", err.message);
    ok = false;
  }
  if (temp) unlink(r->profile_path);
  if (!ok) return false;
  /* the preferred provider is the first in priority order, when it ran anything */
  trt_analyze_options aopt = {.preferred = r->eps[0].nodes > 0 ? r->eps[0].name : NULL};
  if (trt_analyze(&r->prof, &aopt, &r->an, &err)) {
    fprintf(stderr, "tinyrt report: analyzing the profile: %s\n", err.message);
    return false;
  }
  r->have_an = true;
  erf_time(r);
  return true;
}

static bool parse_args(report *r, int argc, char **argv, bool *json, int *rc) {
  bench_config *cfg = &r->cfg;
  *rc = 2;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    long long iv;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      report_usage(stdout);
      *rc = 0;
      return false;
    } else if (!strcmp(a, "--shape") && v) {
      if (!cli_parse_dims(v, &r->dims)) return false;
      r->user_shape = true;
      i++;
    } else if (!strcmp(a, "--iterations") && v) {
      if (!cli_parse_int(a, v, 1, 100000000, &cfg->iterations)) return false;
      i++;
    } else if (!strcmp(a, "--duration") && v) {
      char *end;
      cfg->duration_s = strtod(v, &end);
      if (*end || !(cfg->duration_s > 0)) {
        fprintf(stderr, "tinyrt report: --duration needs seconds > 0, got '%s'\n", v);
        return false;
      }
      i++;
    } else if (!strcmp(a, "--warmup") && v) {
      if (!cli_parse_int(a, v, 0, 1000000, &cfg->warmup)) return false;
      i++;
    } else if (!strcmp(a, "--threads") && v) {
      if (!cli_parse_int(a, v, 1, 256, &iv)) return false;
      cfg->opts.threads = (int)iv;
      i++;
    } else if (!strcmp(a, "--ep") && v) {
      cfg->opts.providers = v;
      i++;
    } else if (!strcmp(a, "--html") && v) {
      r->html_path = v;
      i++;
    } else if (!strcmp(a, "--profile") && v) {
      r->profile_keep = v;
      i++;
    } else if (!strcmp(a, "--json")) {
      *json = true;
    } else if (a[0] == '-' || cfg->model) {
      fprintf(stderr, "tinyrt report: unexpected argument '%s'%s\n", a,
              v || a[0] != '-' ? "" : " (or its value is missing)");
      report_usage(stderr);
      return false;
    } else {
      cfg->model = a;
    }
  }
  if (!cfg->model) {
    report_usage(stderr);
    return false;
  }
  if (!r->user_shape) cli_parse_dims("batch_size=1,sequence_length=128", &r->dims);
  *rc = 0;
  return true;
}

static void status(const report *r, const char *what) {
  if (r->cfg.progress) fprintf(stderr, "tinyrt report: %s\n", what);
}

int cmd_report(int argc, char **argv) {
  report *r = calloc(1, sizeof *r);
  if (!r) {
    fprintf(stderr, "tinyrt report: out of memory\n");
    return 1;
  }
  int rc = 2;
  bool json = false;
  tinyrt_options_init(&r->cfg.opts);
  r->cfg.iterations = 100;
  r->cfg.warmup = 10;
  r->cfg.progress = isatty(2);
  if (!parse_args(r, argc, argv, &json, &rc)) goto done;
  rc = 1;
  if (!inspect_model(r)) goto done;

  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  r->cores = cores > 0 ? (int)cores : 1;
  double load[1];
  r->load_before = getloadavg(load, 1) == 1 ? load[0] : -1;
  status(r, "measuring this machine's FMA peak");
  bench_peak_init(&r->peak);
  status(r, "profiled benchmark of the dynamic session");
  if (!profiled_bench(r)) goto done;
  status(r, "static vs dynamic shapes, interleaved");
  if (!bench_compare_static(&r->cfg, &r->dims, &r->peak, &r->dyn, &r->stat)) goto done;
  r->have_compare = true;
  if (r->fast_gelu_probed && r->erf_nodes_fast < r->erf_nodes + r->erf_fused) {
    status(r, "exact vs fast GELU, interleaved");
    if (!measure_fast_gelu(r)) goto done;
  }
  r->load_after = getloadavg(load, 1) == 1 ? load[0] : -1;
  trt_sample_diff_sorted(r->dyn.samples, (size_t)r->dyn.iterations, r->stat.samples,
                         (size_t)r->stat.iterations, &r->shape_diff);
  trt_sample_diff_sorted(r->bench.samples, (size_t)r->bench.iterations, r->dyn.samples,
                         (size_t)r->dyn.iterations, &r->prof_diff);
  report_findings(r);

  tinyrt_error err = {0};
  if (json ? report_write_json(stdout, r, &err) : report_write_text(stdout, r)) {
    fprintf(stderr, "tinyrt report: cannot write the report: %s\n",
            json ? err.message : "write error");
    goto done;
  }
  if (r->html_path) {
    if (report_write_html(r->html_path, r, &err)) {
      fprintf(stderr, "tinyrt report: %s\n", err.message);
      goto done;
    }
    if (!json) printf("HTML report: %s\n", r->html_path);
  }
  if (r->profile_keep && !json) printf("Profile: %s\n", r->profile_path);
  rc = fflush(stdout) ? 1 : 0;
done:
  if (r->have_an) trt_analysis_free(&r->an);
  trt_profile_free(&r->prof);
  bench_result_free(&r->bench);
  bench_result_free(&r->dyn);
  bench_result_free(&r->stat);
  bench_result_free(&r->gelu_exact);
  bench_result_free(&r->gelu_fast);
  free(r);
  return rc;
}
