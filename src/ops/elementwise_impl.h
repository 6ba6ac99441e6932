/* Internal to the elementwise group: the unary ops defined in unary.c and listed in the group
 * table in elementwise.c. */
#ifndef TRT_ELEMENTWISE_IMPL_H
#define TRT_ELEMENTWISE_IMPL_H

#include "ops/ops.h"

#define TRT_DECLARE_REF(name)                                                                  \
  int name(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out, int n_out,      \
           tinyrt_error *err)

int trt_infer_unary_float(trt_infer_ctx *c, tinyrt_error *err);  /* float, double */
int trt_infer_unary_signed(trt_infer_ctx *c, tinyrt_error *err); /* float, double, signed ints */
int trt_infer_cast(trt_infer_ctx *c, tinyrt_error *err);
int trt_infer_clip(trt_infer_ctx *c, tinyrt_error *err);
int trt_infer_identity(trt_infer_ctx *c, tinyrt_error *err);

TRT_DECLARE_REF(trt_sqrt_ref);
TRT_DECLARE_REF(trt_erf_ref);
TRT_DECLARE_REF(trt_tanh_ref);
TRT_DECLARE_REF(trt_exp_ref);
TRT_DECLARE_REF(trt_log_ref);
TRT_DECLARE_REF(trt_sigmoid_ref);
TRT_DECLARE_REF(trt_neg_ref);
TRT_DECLARE_REF(trt_relu_ref);
TRT_DECLARE_REF(trt_cast_ref);
TRT_DECLARE_REF(trt_clip_ref);
TRT_DECLARE_REF(trt_identity_ref);

#endif
