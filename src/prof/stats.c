#include "prof/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double trt_percentile_sorted(const double *v, size_t n, double p) {
  if (n == 0) return 0;
  if (p <= 0) return v[0];
  if (p >= 100) return v[n - 1];
  /* rank = ceil(p/100 * n) in integers (p to 1/1000 of a percent), so that p*n landing exactly on
   * a multiple of 100 is not pushed up a rank by floating-point rounding */
  unsigned long long pk = (unsigned long long)llround(p * 1000.0);
  size_t rank = (size_t)((pk * n + 99999ull) / 100000ull);
  if (rank < 1) rank = 1;
  if (rank > n) rank = n;
  return v[rank - 1];
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

void trt_latency_stats_compute(double *v, size_t n, trt_latency_stats *st) {
  memset(st, 0, sizeof *st);
  st->n = n;
  if (n == 0) return;
  qsort(v, n, sizeof *v, cmp_double);
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += v[i];
  st->mean = sum / (double)n;
  double ss = 0;
  for (size_t i = 0; i < n; i++) ss += (v[i] - st->mean) * (v[i] - st->mean);
  st->stdev = sqrt(ss / (double)n);
  st->min = v[0];
  st->max = v[n - 1];
  st->p50 = trt_percentile_sorted(v, n, 50);
  st->p90 = trt_percentile_sorted(v, n, 90);
  st->p95 = trt_percentile_sorted(v, n, 95);
  st->p99 = trt_percentile_sorted(v, n, 99);
}
