#include "report/compare.h"

#include <math.h>
#include <string.h>

void trt_sample_diff_sorted(const double *a, size_t na, const double *b, size_t nb,
                            trt_sample_diff *out) {
  memset(out, 0, sizeof *out);
  out->na = na;
  out->nb = nb;
  if (na == 0 || nb == 0) return;
  /* one merge pass over both sorted samples; each group of equal values gets the mean of the
   * ranks it spans (midrank), which is what counts ties as 1/2 in U */
  double rank_sum_a = 0, tie_term = 0;
  size_t i = 0, j = 0, rank = 0; /* ranks taken so far */
  while (i < na || j < nb) {
    bool from_a = i < na && (j >= nb || a[i] <= b[j]);
    double v = from_a ? a[i] : b[j];
    if (v != v) { /* NaN equals nothing, not even itself: leave it out rather than loop */
      if (from_a) i++;
      else j++;
      continue;
    }
    size_t ta = 0, tb = 0;
    while (i < na && a[i] == v) i++, ta++;
    while (j < nb && b[j] == v) j++, tb++;
    double t = (double)(ta + tb);
    double midrank = (double)rank + (t + 1) / 2; /* ranks rank+1 .. rank+t */
    rank_sum_a += midrank * (double)ta;
    tie_term += t * t * t - t;
    rank += ta + tb;
  }
  double n1 = (double)na, n2 = (double)nb, n = n1 + n2;
  out->u = rank_sum_a - n1 * (n1 + 1) / 2;
  out->p_greater = out->u / (n1 * n2);
  double var = n1 * n2 / 12.0 * ((n + 1) - (n > 1 ? tie_term / (n * (n - 1)) : 0));
  if (var > 0) out->z = (out->u - n1 * n2 / 2) / sqrt(var);
  out->significant = fabs(out->z) >= TRT_SAMPLE_DIFF_Z;
}
