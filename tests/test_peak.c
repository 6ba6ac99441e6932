/* The FMA peak measurements `tinyrt bench` reports against (src/prof/peak.c). Timing is the
 * machine's to decide, so nothing here bounds a figure; what is checked is that every thread
 * count gives a positive rate and comes back (the several-thread race starts and stops its
 * threads each call: a lost wake-up would hang here, a data race shows under ThreadSanitizer). */
#include "prof/peak.h"
#include "testutil.h"

int main(void) {
  double one = trt_measure_peak_gflops(5);
  CHECK_MSG(one > 0, "one thread: %g GFLOP/s", one);
  for (int threads = 0; threads <= 5; threads++) {
    double all = trt_measure_peak_gflops_threads(5, threads);
    CHECK_MSG(all > 0, "%d threads: %g GFLOP/s", threads, all);
  }
  for (int i = 0; i < 20; i++) CHECK(trt_measure_peak_gflops_threads(0.5, 2) > 0);
  return test_finish();
}
