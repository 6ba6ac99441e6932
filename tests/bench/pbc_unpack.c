/* The protobuf-c side of the loader's design measurement (see src/onnx/wire.c): maps an ONNX
 * file and unpacks it with code protoc-c generates from Debian's onnx.proto, like bench_loader
 * does with tinyrt's reader. Not built by CMake (the generated code is never committed):
 * tests/bench/compare_protobuf_c.sh generates, builds and runs it. Usage: pbc_unpack MODEL [N] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "onnx.pb-c.h"

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL [N]\n", argv[0]);
    return 2;
  }
  int n = argc > 2 ? atoi(argv[2]) : 20;
  double first = 0, best = 1e30;
  for (int i = 0; i < n; i++) {
    double t0 = now_ms();
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
      perror(argv[1]);
      return 1;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
      perror("mmap");
      return 1;
    }
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, (size_t)st.st_size, p);
    double t1 = now_ms();
    if (!m) {
      fprintf(stderr, "unpack failed\n");
      return 1;
    }
    onnx__model_proto__free_unpacked(m, NULL);
    munmap(p, (size_t)st.st_size);
    if (i == 0) first = t1 - t0;
    if (t1 - t0 < best) best = t1 - t0;
  }
  printf("protobuf-c open+mmap+unpack: first %.3f ms, best of %d %.3f ms\n", first, n, best);
  return 0;
}
