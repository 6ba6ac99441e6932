#include "prof/peak.h"

#include <stdint.h>

#include "core/common.h"

double trt_peak_kernel_avx2(int64_t iters);

/* Portable fallback: 16 scalar chains, which the compiler keeps in registers. */
static double peak_kernel_scalar(int64_t iters) {
  float a[16];
  for (int i = 0; i < 16; i++) a[i] = (float)i;
  for (int64_t it = 0; it < iters; it++)
    for (int i = 0; i < 16; i++) a[i] = a[i] * 0.999999f + 1e-7f;
  float s = 0;
  for (int i = 0; i < 16; i++) s += a[i];
  return s;
}

double trt_measure_peak_gflops(double ms) {
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  double flops_per_iter = avx2 ? 12 * 8 * 2 : 16 * 2;
  volatile double sink = 0;
  double best = 0;
  int64_t iters = 1 << 16;
  uint64_t budget = (uint64_t)(ms * 1e6), spent = 0;
  while (spent < budget) {
    uint64_t t0 = trt_now_ns();
    sink += avx2 ? trt_peak_kernel_avx2(iters) : peak_kernel_scalar(iters);
    uint64_t dt = trt_now_ns() - t0;
    spent += dt;
    double g = flops_per_iter * (double)iters / (double)(dt ? dt : 1);
    if (g > best) best = g;
    if (dt < 2000000) iters *= 2; /* aim for rounds of a few ms */
  }
  (void)sink;
  return best;
}
