/* Times trt_onnx_load_file (open + mmap + parse + graph building + trt_graph_free) on a model:
 * the first load in the process and the best of N. Not a test: timings are reported, never
 * asserted. Usage: bench_loader MODEL [N] */
#include <stdio.h>
#include <stdlib.h>

#include "onnx/onnx.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL [N]\n", argv[0]);
    return 2;
  }
  int n = argc > 2 ? atoi(argv[2]) : 20;
  if (n < 1) n = 1;
  double first = 0, best = 1e30;
  for (int i = 0; i < n; i++) {
    trt_graph g;
    tinyrt_error err = {0};
    trt_graph_init(&g, NULL);
    uint64_t t0 = trt_now_ns();
    int rc = trt_onnx_load_file(argv[1], &g, &err);
    uint64_t t1 = trt_now_ns();
    if (rc) {
      fprintf(stderr, "load failed: %s\n", err.message);
      trt_graph_free(&g);
      return 1;
    }
    if (i == 0)
      printf("%s: %d values, %d nodes, %d inputs, %d outputs, opset %lld, %lld bytes copied\n",
             argv[1], g.n_values, g.n_nodes, g.n_inputs, g.n_outputs, (long long)g.opset,
             (long long)g.bytes_copied);
    trt_graph_free(&g);
    double ms = (double)(t1 - t0) / 1e6;
    if (i == 0) first = ms;
    if (ms < best) best = ms;
  }
  printf("trt_onnx_load_file: first %.3f ms, best of %d %.3f ms\n", first, n, best);
  return 0;
}
