/* The Mann-Whitney U test behind the report's "no measurable difference": hand-computed cases
 * (separated samples, ties with midranks, all tied, unequal sizes, empty). */
#include <math.h>

#include "report/compare.h"
#include "testutil.h"

/* z is a ratio of small exact quantities; 1e-9 only absorbs the sqrt's rounding. */
#define NEAR(a, b) (fabs((a) - (b)) <= 1e-9)

static void test_separated(void) {
  const double lo[] = {1, 2, 3}, hi[] = {4, 5, 6};
  trt_sample_diff d;
  /* no a exceeds any b: U = 0; sigma^2 = 3*3/12 * (6+1) = 5.25; z = -4.5 / sqrt(5.25) */
  trt_sample_diff_sorted(lo, 3, hi, 3, &d);
  CHECK(NEAR(d.u, 0));
  CHECK(NEAR(d.p_greater, 0));
  CHECK(NEAR(d.z, -4.5 / sqrt(5.25)));
  CHECK(d.significant); /* |z| = 1.964 >= 1.96 */
  trt_sample_diff_sorted(hi, 3, lo, 3, &d);
  CHECK(NEAR(d.u, 9));
  CHECK(NEAR(d.p_greater, 1));
  CHECK(NEAR(d.z, 4.5 / sqrt(5.25)));
  CHECK(d.significant);
  CHECK_EQ_INT(d.na, 3);
  CHECK_EQ_INT(d.nb, 3);
}

static void test_ties(void) {
  /* combined: 1a 2a 2a 2b 3b 3b -> ranks 1, 3, 3, 3, 5.5, 5.5; R_a = 7, U = 7 - 3*4/2 = 1
   * (pairs: each a=2 ties the b=2: 1/2 twice). Tie groups of 1, 3, 2: sum(t^3 - t) = 24 + 6 = 30;
   * sigma^2 = 9/12 * (7 - 30/(6*5)) = 4.5; z = (1 - 4.5) / sqrt(4.5) = -1.6499: not significant */
  const double a[] = {1, 2, 2}, b[] = {2, 3, 3};
  trt_sample_diff d;
  trt_sample_diff_sorted(a, 3, b, 3, &d);
  CHECK(NEAR(d.u, 1));
  CHECK(NEAR(d.p_greater, 1.0 / 9));
  CHECK(NEAR(d.z, -3.5 / sqrt(4.5)));
  CHECK(!d.significant);
}

static void test_all_tied(void) {
  /* every value equal: U = n1*n2/2 and sigma = 0 -> z reported as 0, no difference */
  const double a[] = {2, 2}, b[] = {2, 2, 2};
  trt_sample_diff d;
  trt_sample_diff_sorted(a, 2, b, 3, &d);
  CHECK(NEAR(d.u, 3));
  CHECK(NEAR(d.p_greater, 0.5));
  CHECK(d.z == 0);
  CHECK(!d.significant);
}

static void test_unequal_sizes(void) {
  /* one a above nine b: U = 9; sigma^2 = 9/12 * 11 = 8.25; z = 4.5 / sqrt(8.25) = 1.567 */
  const double a[] = {10}, b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  trt_sample_diff d;
  trt_sample_diff_sorted(a, 1, b, 9, &d);
  CHECK(NEAR(d.u, 9));
  CHECK(NEAR(d.z, 4.5 / sqrt(8.25)));
  CHECK(!d.significant);
  /* interleaved equal halves: a = 1,3,5,...,19 and b = 2,4,...,20: a exceeds b in
   * 0+1+...+9 = 45 of 100 pairs; sigma^2 = 100/12 * 21 = 175 */
  double x[10], y[10];
  for (int i = 0; i < 10; i++) x[i] = 2 * i + 1, y[i] = 2 * i + 2;
  trt_sample_diff_sorted(x, 10, y, 10, &d);
  CHECK(NEAR(d.u, 45));
  CHECK(NEAR(d.z, -5 / sqrt(175.0)));
  CHECK(!d.significant);
}

static void test_empty(void) {
  const double a[] = {1};
  trt_sample_diff d;
  trt_sample_diff_sorted(a, 1, NULL, 0, &d);
  CHECK(d.z == 0 && !d.significant && d.na == 1 && d.nb == 0);
  trt_sample_diff_sorted(NULL, 0, NULL, 0, &d);
  CHECK(d.z == 0 && !d.significant);
}

int main(void) {
  test_separated();
  test_ties();
  test_all_tied();
  test_unequal_sizes();
  test_empty();
  return test_finish();
}
