#include "testutil.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

int test_passed, test_failed;

int test_finish(void) {
  printf("%d passed, %d failed\n", test_passed, test_failed);
  return test_failed ? 1 : 0;
}

void *test_read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0) {
    fclose(f);
    return NULL;
  }
  long n = ftell(f);
  if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NULL;
  }
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  if (buf) buf[n] = '\0';
  fclose(f);
  if (buf && size) *size = (size_t)n;
  return buf;
}

double test_outputs_max_diff(const tinyrt_tensor *a, const tinyrt_tensor *b, int n) {
  double worst = 0;
  for (int k = 0; k < n; k++) {
    size_t cnt = 1;
    bool same = a[k].rank == b[k].rank && a[k].dtype == TINYRT_FLOAT;
    for (int d = 0; d < a[k].rank && same; d++) {
      same = a[k].dims[d] == b[k].dims[d];
      cnt *= (size_t)a[k].dims[d];
    }
    if (!same) {
      worst = INFINITY;
      continue;
    }
    const float *x = a[k].data, *y = b[k].data;
    for (size_t i = 0; i < cnt; i++) {
      double d = fabs((double)x[i] - (double)y[i]);
      if (!(d <= worst)) worst = d; /* NaN propagates */
    }
  }
  return worst;
}
