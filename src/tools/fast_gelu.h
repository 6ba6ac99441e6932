/* What the fast_gelu option costs in accuracy, for the CLI: the same inputs through the model with
 * the exact (erf) GELU and with the tanh approximation. */
#ifndef TRT_FAST_GELU_H
#define TRT_FAST_GELU_H

#include "tinyrt.h"

/* Opens `model` twice with opts (fast_gelu off, then on), runs both on inputs and sets
 * *max_change to the largest absolute difference over every float output, and *n_rewritten to
 * how many GELUs the option rewrote (0: the model has no erf GELU; *max_change is then 0). */
int trt_fast_gelu_change(const char *model, const tinyrt_options *opts, const tinyrt_tensor *inputs,
                         int n_inputs, double *max_change, int *n_rewritten, tinyrt_error *err);

#endif
