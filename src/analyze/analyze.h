/* Where the time goes in a profile: the numbers of the seed report's "Profile Analysis", and the
 * observations and recommendations that follow from them.
 *
 * Definitions (the README's "tinyrt analyze" section repeats them):
 *   total duration   = last (ts + dur) - first ts over all complete events, i.e. the wall-clock
 *                      span from the first event's start to the last event's end.
 *   node time        = sum of the durations of all <node>_kernel_time events (fences excluded).
 *   session overhead = total duration - node time: everything that is not a kernel, as in the
 *                      seed ("Session overhead" + "Node execution" = "Total duration"). It splits
 *                      into model loading + session initialization + in-run overhead (model_run
 *                      time not covered by kernels inside it) + other (the rest: gaps between
 *                      session events and the caller's time between runs).
 *   runs             = number of model_run events. The first run is reported apart as warm-up;
 *                      the latency statistics cover the others (all runs when there is one).
 *   percentile       = nearest rank, as in tinyrt bench (prof/stats.h): the p-th percentile of n
 *                      sorted values is the one of rank ceil(p/100 * n) (1-based, at least 1).
 *   partition        = a fused provider node (named <provider>_<op_name>_<n>), when the profile
 *                      has any; otherwise a maximal run of consecutive nodes (in node_index order)
 *                      on one provider.
 *   preferred        = the provider of the fused nodes (the one with most time if several), else
 *                      the provider with the most nodes; nodes on any other provider are
 *                      fallbacks. A profile with one provider has no fallbacks.
 *
 * Observations appear only when their condition holds: fallback op types (those with nodes between
 * two preferred-provider nodes split partitions: Erf there suggests FastGELU); session overhead
 * > 50% of the total duration; in-run overhead > 25% of run time; MatMul-family ops >= 40% of node
 * time; another op type >= 20%; first run > 1.5x the steady-state mean; p99 > 2x p50 over >= 10
 * runs; nodes seeing more than one input shape (dynamic shapes). */
#ifndef TRT_ANALYZE_ANALYZE_H
#define TRT_ANALYZE_ANALYZE_H

#include <stdbool.h>
#include <stdio.h>

#include "analyze/profile.h"
#include "prof/stats.h"

/* One graph node as the profile shows it, over all runs. */
typedef struct trt_an_node {
  const char *name, *op, *provider;
  int64_t node_index; /* -1 when the profile does not give it */
  int layer;          /* from the name, else inferred from its neighbours; -1 outside layers */
  bool fused;         /* a fused provider node: a partition by itself */
  bool splits;        /* a fallback node with preferred-provider nodes before and after it */
  double first_ts;    /* us, its first kernel event */
  double total_us;
  int64_t events;
  int n_shapes;       /* distinct input_type_shape values seen (saturates at TRT_AN_MAX_SHAPES) */
  int32_t shapes[8];
} trt_an_node;
#define TRT_AN_MAX_SHAPES 8

/* Kernel time grouped by (op type, layer, provider); for the per-op-type table layer is -1 and
 * provider is the provider of most of its time. */
typedef struct trt_an_op {
  const char *op, *provider;
  int layer;
  double total_ms;
  int64_t events;
  int nodes;
  bool fallback; /* runs on a provider other than the preferred one */
  bool fused;    /* the op_name of fused partition nodes, not an ONNX op */
} trt_an_op;

typedef struct trt_an_provider {
  const char *name;
  int nodes;
  int64_t events;
  double total_ms;
  bool preferred;
} trt_an_provider;

typedef struct trt_an_partition {
  char name[192];  /* the fused node's name, or "<provider>[<first>-<last>]" */
  char label[64];  /* short: "<id>_<n>" of a fused node (as the seed's "partition (4_4)"), or "#k" */
  const char *provider;
  double total_ms;
  int64_t events;
  int nodes;       /* profiled nodes it covers; 1 for a fused node (its inner nodes are not profiled) */
  bool fused;
} trt_an_partition;

typedef struct trt_an_latency {
  double first_ms;        /* the first run (warm-up) */
  trt_latency_stats st;   /* over the runs after the first (all runs when there is one), in ms */
} trt_an_latency;

typedef enum { TRT_AN_GOOD = 0, TRT_AN_WARN = 1, TRT_AN_INFO = 2 } trt_an_level;

typedef struct trt_an_note {
  trt_an_level level;
  char *text;
} trt_an_note;

typedef struct trt_analysis {
  size_t total_events, kernel_events;
  int runs;
  double total_duration_ms, session_init_ms, model_load_ms;
  double node_time_ms, overhead_ms;
  double run_total_ms, run_overhead_ms, other_overhead_ms; /* overhead = load + init + these two */
  double *run_ms; /* each model_run's duration, in time order */
  trt_an_latency latency;

  trt_an_node *nodes; /* in partition order (see above) */
  size_t n_nodes;
  trt_an_op *ops; /* by (op, layer, provider), most time first */
  size_t n_ops;
  trt_an_op *op_types; /* by op type, most time first */
  size_t n_op_types;
  trt_an_provider *providers; /* most time first */
  size_t n_providers;
  trt_an_partition *parts; /* in execution order */
  size_t n_parts;

  const char *preferred; /* NULL only when there are no kernel events */
  int fallback_nodes;
  int64_t fallback_events;
  double fallback_ms;
  int max_shapes; /* most distinct input shapes any node saw */

  trt_an_note *observations;
  size_t n_observations;
  char **recommendations;
  size_t n_recommendations;
} trt_analysis;

typedef struct trt_analyze_options {
  const char *preferred; /* force the preferred provider; NULL picks it as described above */
} trt_analyze_options;

/* Analyzes prof into *a. Strings in *a point into prof, which must outlive it. opt may be NULL. */
int trt_analyze(const trt_profile *prof, const trt_analyze_options *opt, trt_analysis *a,
                tinyrt_error *err);
void trt_analysis_free(trt_analysis *a);

/* Transformer layer index from a node name: "/encoder/layer.0/...", "/layers.1/...",
 * "/bert/encoder/layer.11/...", "layer_3"; -1 when the name holds none. */
int trt_layer_from_name(const char *name);

/* Writers. top limits the per-op tables (0 = all). source names the profile in the heading. */
int trt_analysis_write_text(FILE *f, const trt_analysis *a, const char *source, size_t top);
/* The text from "Total Profile Statistics" through the partitions, without the heading, the
 * observations and the recommendations (for reports that place those themselves). */
int trt_analysis_write_text_body(FILE *f, const trt_analysis *a, size_t top);
/* The JSON object trt_analysis_write_json prints (a cJSON tree; the caller deletes it). NULL when
 * out of memory. */
struct cJSON *trt_analysis_json(const trt_analysis *a, const char *source, size_t top);
/* Prints j (may be NULL: out of memory) to f with a newline and deletes it; `what` names it in
 * errors. */
int trt_json_write(FILE *f, struct cJSON *j, const char *what, tinyrt_error *err);
int trt_analysis_write_json(FILE *f, const trt_analysis *a, const char *source, size_t top,
                            tinyrt_error *err);
int trt_analysis_write_html(const char *path, const trt_analysis *a, const char *source,
                            size_t top, tinyrt_error *err);

#endif
