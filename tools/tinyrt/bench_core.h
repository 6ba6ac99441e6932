/* Benchmark runs shared by `tinyrt bench` and `tinyrt report`. */
#ifndef TINYRT_BENCH_CORE_H
#define TINYRT_BENCH_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "cli_util.h"
#include "prof/stats.h"
#include "tinyrt.h"

typedef struct bench_config {
  const char *model;
  long long iterations;   /* timed runs (when duration_s is 0) */
  double duration_s;      /* run for this long instead, when > 0 */
  long long warmup;
  tinyrt_options opts;    /* threads, providers, opt level... (dim overrides set per run) */
  bool progress;          /* draw a progress bar on stderr */
  const char *profile_path; /* write the profile of the (first) session here */
  double pad_fraction;    /* synthetic attention masks: the last fraction of each row is 0 */
} bench_config;

/* The machine's measured FP32 FMA peak: one thread alone, measured up front, and the threads a
 * run uses all at once, measured when a result first needs that count (a VM's vCPUs need not
 * be cores of their own: two of them on one physical core's hardware threads give ~1x). */
typedef struct bench_peak {
  double one_gflops;
  int threads;         /* the count all_gflops is for; 0: not measured yet */
  double all_gflops;   /* 0 when the measurement could not start its threads */
} bench_peak;

void bench_peak_init(bench_peak *pk); /* measures one_gflops */

typedef struct bench_result {
  cli_dims dims;          /* the shape set (use names[i]: d[i].name points elsewhere) */
  bool is_static;
  int64_t batch;
  long long iterations;
  int threads;
  trt_latency_stats lat;  /* milliseconds */
  double inferences_per_s, sequences_per_s;
  double session_init_ms, model_load_ms;
  long long peak_rss_bytes;
  double gflop;           /* matrix-multiply GFLOP per inference */
  double peak_gflops;     /* the machine's measured peak for the threads used, all at once */
  double peak_1t_gflops;  /* ... and for one thread */
  double pct_of_peak;
  int n_nodes, n_partitions;
  double *samples;        /* latencies in ms, sorted (malloc'd; bench_result_free) */
} bench_result;

/* An open session with inputs for one shape set, ready to be timed run by run. */
typedef struct bench_target {
  tinyrt_session *s;
  tinyrt_tensor *inputs;
  int n_inputs;
  tinyrt_tensor *outputs;
  int n_outputs;
  bench_result r;
} bench_target;

/* Opens the model for the dims (specialized to them when is_static) and prepares inputs and
 * output buffers. Prints the problem and returns false on failure. */
bool bench_target_open(const bench_config *cfg, const cli_dims *dims, bool is_static,
                       bench_target *t);
/* One timed run; returns its latency in ms, or a negative value on failure (printed). */
double bench_target_run(bench_target *t);
/* Computes stats from n samples (taking ownership of the malloc'd array) and FLOP figures. */
void bench_target_finish(bench_target *t, double *samples, long long n, bench_peak *pk);
void bench_target_close(bench_target *t);

/* Runs warm-up and timed runs of one target per cfg. */
bool bench_run(const bench_config *cfg, const cli_dims *dims, bool is_static, bench_peak *pk,
               bench_result *out);
/* Dynamic and static sessions interleaved run by run, so drift hits both alike. */
bool bench_compare_static(const bench_config *cfg, const cli_dims *dims, bench_peak *pk,
                          bench_result *dyn, bench_result *stat);

/* The same session with and without profiling, interleaved run by run. */
bool bench_compare_profiling(const bench_config *cfg, const cli_dims *dims, bench_peak *pk,
                             bench_result *off, bench_result *on);
void bench_print_profiling(const bench_result *off, const bench_result *on);

void bench_result_free(bench_result *r);
/* Matrix-multiply GFLOP/s achieved at the mean latency (0 without samples). */
double bench_achieved_gflops(const bench_result *r);
/* peak_gflops / peak_1t_gflops: the cores the threads really had. 0 when the one-thread peak is
 * unmeasured; the thread count when the several-thread measurement could not start its threads
 * (peak_gflops then assumes a core per thread). */
double bench_core_scaling(const bench_result *r);
/* "95.2 GFLOP/s for 1 thread" or "184.3 GFLOP/s on 2 threads at once = 1.94x one thread's" */
const char *bench_peak_words(const bench_result *r, char *buf, size_t size);
void bench_print_text(const bench_config *cfg, const bench_result *r);
void bench_print_json(const bench_config *cfg, const bench_result *r);
void bench_print_comparison(const bench_result *dyn, const bench_result *stat);
/* "batch_size=1,sequence_length=128" */
const char *bench_dims_str(const cli_dims *d, char *buf, size_t len);

#endif
