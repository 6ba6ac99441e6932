/* Latency statistics shared by `tinyrt bench`, `tinyrt analyze` and the load generator. */
#ifndef TRT_STATS_H
#define TRT_STATS_H

#include <stddef.h>

typedef struct trt_latency_stats {
  size_t n;
  double mean, stdev, min, max;
  double p50, p90, p95, p99;
} trt_latency_stats;

/* Nearest-rank percentile of sorted values v[0..n): the smallest value such that at least p% of
 * the values are <= it, i.e. v[ceil(p/100 * n) - 1] (v[0] for p = 0). No interpolation, so every
 * reported percentile is a latency that was actually measured. n must be > 0. */
double trt_percentile_sorted(const double *v, size_t n, double p);

/* Sorts v in place and fills st (population standard deviation). n may be 0 (all zeros). */
void trt_latency_stats_compute(double *v, size_t n, trt_latency_stats *st);

#endif
