/* Whether two latency samples differ by more than run-to-run noise.
 *
 * Latencies are skewed and have outliers (a descheduled thread, a page fault), so a difference
 * of means alone says little, and a t-test's normality assumption does not hold. The test here
 * is the Mann-Whitney U test (Wilcoxon rank-sum): it asks whether a random latency of one
 * sample tends to be larger than a random latency of the other, using ranks only.
 *
 *   U_a = number of pairs (a_i, b_j) with a_i > b_j, ties counting 1/2
 *   z   = (U_a - na*nb/2) / sigma, sigma^2 = na*nb/12 * ((n+1) - sum(t^3 - t) / (n (n-1)))
 *         with n = na + nb and t the size of each group of tied values (the tie correction).
 *
 * |z| >= 1.96 rejects "same distribution" at the two-sided 5% level (normal approximation,
 * good from about 8 values per sample). */
#ifndef TRT_REPORT_COMPARE_H
#define TRT_REPORT_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct trt_sample_diff {
  size_t na, nb;
  double u;          /* U_a as defined above */
  double p_greater;  /* U_a / (na*nb): chance that a random a exceeds a random b (ties 1/2) */
  double z;          /* 0 when sigma is 0 (every value tied) or a sample is empty */
  bool significant;  /* |z| >= TRT_SAMPLE_DIFF_Z */
} trt_sample_diff;

#define TRT_SAMPLE_DIFF_Z 1.96

/* a[0..na) and b[0..nb) must be sorted ascending (as trt_latency_stats_compute leaves them). */
void trt_sample_diff_sorted(const double *a, size_t na, const double *b, size_t nb,
                            trt_sample_diff *out);

#endif
