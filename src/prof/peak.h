/* The machine's measured FP32 FMA peak, the yardstick `tinyrt bench` reports FLOP rates against. */
#ifndef TRT_PEAK_H
#define TRT_PEAK_H

/* Runs independent FMA chains on one core for about `ms` milliseconds (best of several rounds) and
 * returns GFLOP/s (an FMA counts 2 FLOPs). Uses the widest vector FMA the CPU has. */
double trt_measure_peak_gflops(double ms);

#endif
