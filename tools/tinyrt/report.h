/* `tinyrt report`: what one run of the command measured, and the writers that lay it out as the
 * seed report (text), one JSON object, or one self-contained HTML page.
 *
 * cmd_report.c gathers the numbers (inspect, profiled benchmark, analysis, static-vs-dynamic
 * comparison), report_findings.c derives the observations and recommendations from them, and
 * report_text.c / report_json.c / report_html.c write them. Nothing in the output is canned: a
 * sentence that states a number takes it from this struct. */
#ifndef TINYRT_REPORT_H
#define TINYRT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze/analyze.h"
#include "analyze/profile.h"
#include "bench_core.h"
#include "model_info.h"
#include "report/compare.h"

#define REPORT_MAX_EPS 8
#define REPORT_MAX_OPS 128
#define REPORT_MAX_NOTES 48
#define REPORT_TOP 10 /* rows of the op and partition tables */
#define REPORT_MAX_FUSED 64

/* The sections observations are grouped in, as the seed's "Key Observations" numbers them. */
typedef enum report_group {
  REPORT_G_SHAPES = 0,   /* Dynamic Shape Support */
  REPORT_G_GRAPH,        /* Graph Fragmentation Pattern */
  REPORT_G_PERF,         /* Performance Characteristics */
  REPORT_G_PROVIDER,     /* Provider Behavior */
  REPORT_G_PROFILE,      /* Profile Findings (the analyzer's own observations) */
  REPORT_G_MACHINE,      /* Machine and Threads */
  REPORT_N_GROUPS
} report_group;

/* Recommendation groups, as the seed's "Recommendations" numbers them. */
typedef enum report_rgroup {
  REPORT_R_DEPLOY = 0,   /* For Production Deployment */
  REPORT_R_MODEL,        /* For This Model's Graph */
  REPORT_R_PROFILE,      /* From the Profile (the analyzer's) */
  REPORT_R_MEASURE,      /* For Measuring */
  REPORT_N_RGROUPS
} report_rgroup;

typedef struct report_note {
  int group;             /* report_group or report_rgroup */
  trt_an_level level;    /* observations only */
  char text[480];
} report_note;

typedef struct report_provider {
  char name[48];         /* provider name as profiles write it ("tinyrt.cpu") */
  int nodes;             /* nodes it runs after optimization */
  int partitions;
} report_provider;

typedef struct report {
  /* what was asked */
  bench_config cfg;
  cli_dims dims;               /* the tested values of the model's symbolic dims */
  bool user_shape;             /* --shape given (else the default) */
  const char *html_path;
  const char *profile_keep;    /* --profile FILE: keep the profile there */

  /* inspect (a session opened with the run's options) */
  char name[128];              /* a model name for the title: the file stem, or its folder */
  long long file_size;
  char producer[96];
  long long opset, ir_version;
  char precision[96];          /* from the initializers' element types */
  model_arch arch;
  char activation[48];         /* arch.activation, copied (arch points into the session) */
  tinyrt_session_stats st;     /* node counts before/after optimization, parameters */
  char syms[CLI_MAX_DIMS][64]; /* the model's symbolic dims, in model order */
  int n_syms;
  int opt_level;               /* the optimizer's report: level applied, -1 when none */
  char opt_rewrites[320];      /* "constant_nodes 75, dead_nodes 5, ..." */
  report_provider eps[REPORT_MAX_EPS]; /* in priority order; eps[0] is the preferred one */
  int n_eps;
  int n_partitions;
  int fallback_nodes;          /* nodes not on eps[0] */
  char fallback_ops[256];      /* "Erf 2, Cast 1" (op types of the fallback nodes) */
  struct {
    char op[48];
    int count;
  } ops[REPORT_MAX_OPS];       /* node counts by op type after optimization, most first */
  int n_ops;
  int erf_nodes;               /* nodes computing exact (erf) GELU on their own: Erf, Gelu, BiasGelu */
  int erf_fused;               /* FusedGemm nodes with exact GELU as their activation */
  char erf_fused_names[REPORT_MAX_FUSED][128];
  int erf_nodes_fast;          /* erf_nodes + erf_fused in a session opened with fast_gelu = 1 */
  bool fast_gelu_probed;       /* that session opened */

  /* machine */
  int cores;
  bench_peak peak;             /* measured FMA GFLOP/s: one core, and the threads at once */
  double load_before, load_after; /* 1-minute load average around the measurements */

  /* the profiled benchmark of the dynamic session */
  bench_result bench;
  char profile_path[4096];

  /* the analysis of its profile */
  trt_profile prof;
  trt_analysis an;
  double erf_ms, erf_share;    /* Erf/Gelu/BiasGelu kernel time, and its % of node time */
  int64_t erf_events;
  double erf_fused_ms, erf_fused_share; /* time of the FusedGemm nodes with exact GELU */
  int64_t erf_fused_events;

  bool have_an;

  /* static vs dynamic, interleaved */
  bool have_compare;
  bench_result dyn, stat;
  trt_sample_diff shape_diff;  /* dynamic vs static latencies */
  trt_sample_diff prof_diff;   /* profiled vs unprofiled dynamic latencies (not interleaved) */

  /* exact vs fast GELU, interleaved: only when fast_gelu rewrites the graph */
  bool gelu_measured;
  bench_result gelu_exact, gelu_fast;
  trt_sample_diff gelu_diff;   /* fast vs exact latencies */

  /* findings */
  report_note obs[REPORT_MAX_NOTES];
  int n_obs;
  report_note recs[REPORT_MAX_NOTES];
  int n_recs;
  char tradeoffs[8][320];
  int n_tradeoffs;
} report;

extern const char *const report_group_titles[REPORT_N_GROUPS];
extern const char *const report_rgroup_titles[REPORT_N_RGROUPS];

/* 100 * (a - b) / b, 0 when b is 0. */
double report_pct(double a, double b);
/* "batch_size=1, sequence_length=128" (the tested values), or "none" */
const char *report_dims_str(const report *r, char *buf, size_t len);
/* The words for a comparison of a with b: "no measurable difference" when d is not
 * significant, else "12.3% slower" / "4.0% faster" (by the means). */
const char *report_diff_words(const trt_sample_diff *d, double mean_a, double mean_b, char *buf,
                              size_t len);

/* "bert-tiny FP32 Dynamic Shape Profile Analysis (tinyrt 0.1.0)" */
const char *report_title(const report *r, char *buf, size_t len);

/* Fills obs, recs and tradeoffs from the measurements. */
void report_findings(report *r);

int report_write_text(FILE *f, const report *r);
int report_write_json(FILE *f, const report *r, tinyrt_error *err);
int report_write_html(const char *path, const report *r, tinyrt_error *err);

#endif
