#include "tools/fast_gelu.h"

#include <math.h>
#include <string.h>

#include "exec/session.h"

#define MAX_OUTPUTS 16

int trt_fast_gelu_change(const char *model, const tinyrt_options *opts, const tinyrt_tensor *inputs,
                         int n_inputs, double *max_change, int *n_rewritten, tinyrt_error *err) {
  tinyrt_options o[2];
  tinyrt_session *s[2] = {NULL, NULL};
  tinyrt_tensor out[2][MAX_OUTPUTS];
  int n_out = 0, rc = TINYRT_OK;
  memset(out, 0, sizeof out);
  *max_change = 0;
  *n_rewritten = 0;
  for (int k = 0; k < 2; k++) {
    if (opts) o[k] = *opts;
    else tinyrt_options_init(&o[k]);
    o[k].fast_gelu = k;
    if ((rc = tinyrt_session_open(model, &o[k], &s[k], err))) goto done;
    n_out = tinyrt_output_count(s[k]);
    if (n_out > MAX_OUTPUTS) {
      rc = trt_error(err, TINYRT_ERR_UNSUPPORTED, "more than %d outputs", MAX_OUTPUTS);
      goto done;
    }
    if ((rc = tinyrt_run(s[k], inputs, n_inputs, out[k], n_out, err))) goto done;
  }
  const trt_opt_report *rep = trt_session_opt_report(s[1]);
  *n_rewritten = rep ? rep->count[TRT_OPT_GELU_TO_FAST] : 0;
  for (int i = 0; i < n_out; i++) {
    const tinyrt_tensor *a = &out[0][i], *b = &out[1][i];
    if (a->dtype != TINYRT_FLOAT) continue;
    size_t n = 1;
    for (int d = 0; d < a->rank; d++) n *= (size_t)a->dims[d];
    const float *x = a->data, *y = b->data;
    for (size_t j = 0; j < n; j++) {
      double diff = fabs((double)x[j] - (double)y[j]);
      if (!(diff <= *max_change)) *max_change = diff; /* NaN sticks */
    }
  }
done:
  for (int k = 0; k < 2; k++) {
    for (int i = 0; i < n_out && s[k]; i++) tinyrt_tensor_free(s[k], &out[k][i]);
    tinyrt_session_close(s[k]);
  }
  return rc;
}
