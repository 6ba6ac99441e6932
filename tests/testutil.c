#include "testutil.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

_Atomic int test_passed, test_failed;

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

void test_bert_inputs(int64_t rows, int64_t len, int64_t pad_step, unsigned seed, int64_t *ids,
                      int64_t *mask, int64_t *types, tinyrt_tensor t[3]) {
  for (int64_t i = 0; i < rows * len; i++) {
    seed = seed * 1103515245u + 12345u;
    ids[i] = (seed >> 8) % 30522;
    mask[i] = (i % len) < len - pad_step * (i / len) ? 1 : 0;
    types[i] = (i % len) >= len / 2;
  }
  const char *names[3] = {"input_ids", "attention_mask", "token_type_ids"};
  int64_t *data[3] = {ids, mask, types};
  for (int k = 0; k < 3; k++) {
    memset(&t[k], 0, sizeof t[k]);
    t[k].name = names[k];
    t[k].dtype = TINYRT_INT64;
    t[k].rank = 2;
    t[k].dims[0] = rows;
    t[k].dims[1] = len;
    t[k].data = data[k];
  }
}

tinyrt_session *test_open(const char *path, int threads, int profile, int opt_level) {
  tinyrt_options o;
  tinyrt_options_init(&o);
  o.threads = threads;
  o.profile = profile;
  o.opt_level = opt_level;
  o.providers = "cpu";
  tinyrt_error err = {0};
  tinyrt_session *s = NULL;
  int rc = tinyrt_session_open(path, &o, &s, &err);
  CHECK_MSG(rc == TINYRT_OK, "open %s: %s", path, err.message);
  return s;
}
