/* The machine's measured FP32 FMA peak, the yardstick `tinyrt bench` reports FLOP rates against. */
#ifndef TRT_PEAK_H
#define TRT_PEAK_H

/* Runs independent FMA chains on one core for about `ms` milliseconds (best of several rounds) and
 * returns GFLOP/s (an FMA counts 2 FLOPs). Uses the widest vector FMA the CPU has. 0 when out of
 * memory. */
double trt_measure_peak_gflops(double ms);

/* The same on `threads` threads at once (best round by the wall time from the first thread's
 * start to the last one's end): the total GFLOP/s of them all. Below threads x the one-thread
 * figure when the threads do not each have a core of their own, e.g. when a VM's two vCPUs
 * run on the two hardware threads of one physical core, where FMA-bound work cannot gain
 * from a second thread. Threads below 1 count as 1. 0 when a thread cannot be started. */
double trt_measure_peak_gflops_threads(double ms, int threads);

#endif
