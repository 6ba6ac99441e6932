/* Reduce-group ops (src/ops/reduce.c): ReduceSum, ReduceMean, Softmax, LayerNormalization on
 * hand-computed cases, opset variants, negative axes and errors.
 *
 * Tolerances: sums of small integers in float are exact (tolerance 0). Softmax and LayerNorm
 * expectations are written to 7 significant digits, and the kernels compute in double and round
 * once to float (relative error <= 6e-8), so 1e-6 absolute on values of magnitude <= 2.7 covers
 * the rounding of both the literal and the result. */
#include "op_case.h"

static const float x23[] = {1, 2, 3, 4, 5, 6}; /* shape [2,3] */

static void test_reduce_sum(void) {
  op_case c;
  /* opset 13: axes as an input */
  oc_init(&c, "ReduceSum", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), x23);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(1));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_SUM), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 1);
  CHECK_F32(&c.out[0], 0, 6, 15);
  oc_free(&c);

  oc_init(&c, "ReduceSum", 13);
  oc_attr_int(&c, "keepdims", 0);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), x23);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(-2));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_SUM), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 1, 3);
  CHECK_F32(&c.out[0], 0, 5, 7, 9);
  oc_free(&c);

  /* no axes: everything */
  oc_init(&c, "ReduceSum", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), x23);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_SUM), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 1, 1);
  CHECK_F32(&c.out[0], 0, 21);
  oc_free(&c);
  oc_init(&c, "ReduceSum", 13);
  oc_attr_int(&c, "keepdims", 0);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), x23);
  oc_in(&c, TINYRT_INT64, 1, D(0), x23); /* empty axes */
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_SUM), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 0);
  CHECK_F32(&c.out[0], 0, 21);
  oc_free(&c);

  /* noop_with_empty_axes: empty axes is the identity */
  oc_init(&c, "ReduceSum", 13);
  oc_attr_int(&c, "noop_with_empty_axes", 1);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), x23);
  oc_in(&c, TINYRT_INT64, 1, D(0), x23);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_SUM), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 3);
  CHECK_F32(&c.out[0], 0, 1, 2, 3, 4, 5, 6);
  oc_free(&c);

  /* several axes, not adjacent: [2,3,2] over axes 0 and 2 */
  float x[12];
  for (int i = 0; i < 12; i++) x[i] = (float)i;
  oc_init(&c, "ReduceSum", 13);
  oc_attr_int(&c, "keepdims", 0);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 2), x);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(2, 0));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_SUM), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 1, 3);
  /* j: x[0][j][0] + x[0][j][1] + x[1][j][0] + x[1][j][1] = 2j + 2j+1 + 6+2j + 7+2j */
  CHECK_F32(&c.out[0], 0, 14, 22, 30);
  oc_free(&c);

  /* opset 11: axes attribute; int64 and int32 data */
  oc_init(&c, "ReduceSum", 11);
  oc_attr_ints(&c, "axes", 1, I64(0));
  oc_in(&c, TINYRT_INT64, 2, D(2, 2), I64(INT64_MAX, 1, -5, 2));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_SUM), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 2, 1, 2);
  CHECK_I64(&c.out[0], INT64_MAX - 5, 3);
  oc_free(&c);
  oc_init(&c, "ReduceSum", 11);
  oc_attr_ints(&c, "axes", 1, I64(1));
  oc_in(&c, TINYRT_INT32, 2, D(2, 2), I32(1, 2, 3, -4));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_SUM), TINYRT_OK);
  CHECK_I64(&c.out[0], 3, -1);
  oc_free(&c);

  /* a reduced axis of size 0 sums to 0 */
  oc_init(&c, "ReduceSum", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 0), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(1));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_SUM), TINYRT_OK);
  CHECK_F32(&c.out[0], 0, 0, 0);
  oc_free(&c);

  oc_init(&c, "ReduceSum", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(1), NULL);
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_REDUCE_SUM), TRT_NEED_VALUE);
  oc_init(&c, "ReduceSum", 11);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(0));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_REDUCE_SUM), TINYRT_ERR_MODEL, "opset 13");
  oc_init(&c, "ReduceSum", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(1, -1));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_REDUCE_SUM), TINYRT_ERR_MODEL, "repeats");
  oc_init(&c, "ReduceSum", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(2));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_REDUCE_SUM), TINYRT_ERR_MODEL, "out of range");
  oc_init(&c, "ReduceSum", 13);
  oc_in(&c, TINYRT_BOOL, 2, D(2, 3), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_REDUCE_SUM), TINYRT_ERR_UNSUPPORTED, "bool");
}

static void test_reduce_mean(void) {
  op_case c;
  /* the BERT LayerNorm pattern: mean over the last axis, keepdims */
  oc_init(&c, "ReduceMean", 14);
  oc_attr_ints(&c, "axes", 1, I64(-1));
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), x23);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_MEAN), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 1);
  CHECK_F32(&c.out[0], 0, 2, 5);
  oc_free(&c);

  oc_init(&c, "ReduceMean", 13);
  oc_attr_int(&c, "keepdims", 0);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), x23);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_MEAN), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 0);
  CHECK_F32(&c.out[0], 0, 3.5f);
  oc_free(&c);

  /* axes as an input: only from opset 18 */
  oc_init(&c, "ReduceMean", 17);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), x23);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(0));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_REDUCE_MEAN), TINYRT_ERR_MODEL, "opset 18");
  oc_init(&c, "ReduceMean", 18);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), x23);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(0));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_MEAN), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 1, 3);
  CHECK_F32(&c.out[0], 0, 2.5f, 3.5f, 4.5f);
  oc_free(&c);

  /* integer means truncate */
  oc_init(&c, "ReduceMean", 13);
  oc_attr_ints(&c, "axes", 1, I64(1));
  oc_in(&c, TINYRT_INT32, 2, D(2, 2), I32(1, 2, -3, -4));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_MEAN), TINYRT_OK);
  CHECK_I64(&c.out[0], 1, -3);
  oc_free(&c);

  /* double: the mean of 0.1, 0.2, 0.3, 0.4 */
  oc_init(&c, "ReduceMean", 13);
  oc_in(&c, TINYRT_DOUBLE, 1, D(4), F64(0.1, 0.2, 0.3, 0.4));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_MEAN), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_DOUBLE, 1, 1);
  CHECK(fabs(((double *)c.out[0].data)[0] - 0.25) < 1e-15);
  oc_free(&c);

  /* the mean of nothing is NaN */
  oc_init(&c, "ReduceMean", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 0), NULL);
  oc_attr_ints(&c, "axes", 1, I64(1));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_REDUCE_MEAN), TINYRT_OK);
  CHECK(isnan(((float *)c.out[0].data)[0]) && isnan(((float *)c.out[0].data)[1]));
  oc_free(&c);
}

static void test_softmax(void) {
  op_case c;
  float x[] = {0, 1, 2, 1, 1, 1};
  oc_init(&c, "Softmax", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), x);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SOFTMAX), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 3);
  CHECK_F32(&c.out[0], 1e-6, 0.09003057f, 0.2447285f, 0.6652410f, 1 / 3.f, 1 / 3.f, 1 / 3.f);
  oc_free(&c);

  oc_init(&c, "Softmax", 13);
  oc_attr_int(&c, "axis", 0);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), x);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SOFTMAX), TINYRT_OK);
  CHECK_F32(&c.out[0], 1e-6, 0.2689414f, 0.5f, 0.7310586f, 0.7310586f, 0.5f, 0.2689414f);
  oc_free(&c);

  /* [1,2,2] with axis 1: opset 13 normalizes along axis 1 only, opset 11 over the flattened
   * axes 1..2 */
  float y[] = {0, 1, 2, 3};
  oc_init(&c, "Softmax", 13);
  oc_attr_int(&c, "axis", 1);
  oc_in(&c, TINYRT_FLOAT, 3, D(1, 2, 2), y);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SOFTMAX), TINYRT_OK);
  CHECK_F32(&c.out[0], 1e-6, 0.1192029f, 0.1192029f, 0.8807971f, 0.8807971f);
  oc_free(&c);
  oc_init(&c, "Softmax", 11);
  oc_attr_int(&c, "axis", 1);
  oc_in(&c, TINYRT_FLOAT, 3, D(1, 2, 2), y);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SOFTMAX), TINYRT_OK);
  CHECK_F32(&c.out[0], 1e-6, 0.0320586f, 0.08714432f, 0.2368828f, 0.6439143f);
  oc_free(&c);
  /* opset 11's default axis is 1 */
  oc_init(&c, "Softmax", 11);
  oc_in(&c, TINYRT_FLOAT, 3, D(1, 2, 2), y);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SOFTMAX), TINYRT_OK);
  CHECK_F32(&c.out[0], 1e-6, 0.0320586f, 0.08714432f, 0.2368828f, 0.6439143f);
  oc_free(&c);

  /* large inputs do not overflow */
  oc_init(&c, "Softmax", 13);
  oc_in(&c, TINYRT_FLOAT, 1, D(2), F32(1000, 1001));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SOFTMAX), TINYRT_OK);
  CHECK_F32(&c.out[0], 1e-6, 0.2689414f, 0.7310586f);
  oc_free(&c);

  oc_init(&c, "Softmax", 13);
  oc_in(&c, TINYRT_INT64, 1, D(2), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_SOFTMAX), TINYRT_ERR_UNSUPPORTED, "int64");
  oc_init(&c, "Softmax", 13);
  oc_in(&c, TINYRT_FLOAT, 0, NULL, NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_SOFTMAX), TINYRT_ERR_SHAPE, "rank");
  oc_init(&c, "Softmax", 13);
  oc_attr_int(&c, "axis", -3);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_SOFTMAX), TINYRT_ERR_MODEL, "axis -3");
}

static void test_layer_norm(void) {
  op_case c;
  /* rows {1,2,3} and {2,4,6}: means 2 and 4, variances 2/3 and 8/3 */
  float x[] = {1, 2, 3, 2, 4, 6};
  oc_init(&c, "LayerNormalization", 17);
  oc_attr_float(&c, "epsilon", 0);
  c.n_out = 3;
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), x);
  oc_in(&c, TINYRT_FLOAT, 1, D(3), F32(1, 1, 1));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_LAYER_NORM), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 3);
  CHECK_SHAPE(&c.out[1], TINYRT_FLOAT, 2, 2, 1);
  CHECK_SHAPE(&c.out[2], TINYRT_FLOAT, 2, 2, 1);
  CHECK_F32(&c.out[0], 1e-6, -1.224745f, 0, 1.224745f, -1.224745f, 0, 1.224745f);
  CHECK_F32(&c.out[1], 1e-6, 2, 4);
  CHECK_F32(&c.out[2], 1e-6, 1.224745f, 0.6123724f);
  oc_free(&c);

  /* default epsilon 1e-5 (inv std 1/sqrt(2/3 + 1e-5)), scale and bias, Mean/InvStdDev absent */
  oc_init(&c, "LayerNormalization", 17);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), x);
  oc_in(&c, TINYRT_FLOAT, 1, D(3), F32(1, 2, 3));
  oc_in(&c, TINYRT_FLOAT, 1, D(3), F32(0.5f, 0.5f, -1));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_LAYER_NORM), TINYRT_OK);
  CHECK_F32(&c.out[0], 1e-6, -0.7247357f, 0.5f, 2.674207f, -0.7247426f, 0.5f, 2.674228f);
  oc_free(&c);

  /* axis 0 normalizes everything; Scale [2] broadcasts over the last axis of [2,2] */
  oc_init(&c, "LayerNormalization", 17);
  oc_attr_int(&c, "axis", 0);
  oc_attr_float(&c, "epsilon", 0);
  c.n_out = 2;
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 2), F32(1, 2, 3, 4));
  oc_in(&c, TINYRT_FLOAT, 1, D(2), F32(1, 2));
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 1), F32(0.5f, -0.5f));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_LAYER_NORM), TINYRT_OK);
  CHECK_SHAPE(&c.out[1], TINYRT_FLOAT, 2, 1, 1);
  CHECK_F32(&c.out[0], 1e-6, -0.8416408f, -0.3944272f, -0.0527864f, 2.1832816f);
  CHECK_F32(&c.out[1], 1e-6, 2.5f);
  oc_free(&c);

  /* negative axis on a 3-D input: [2,1,2] with axis -2 normalizes the last two axes per batch */
  oc_init(&c, "LayerNormalization", 17);
  oc_attr_int(&c, "axis", -2);
  oc_attr_float(&c, "epsilon", 0);
  c.n_out = 3;
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 1, 2), F32(0, 2, 5, 5));
  oc_in(&c, TINYRT_FLOAT, 2, D(1, 2), F32(1, 1));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_LAYER_NORM), TINYRT_OK);
  CHECK_SHAPE(&c.out[2], TINYRT_FLOAT, 3, 2, 1, 1);
  /* the second row has variance 0 and epsilon 0: inv std is inf, y NaN (0 * inf) */
  CHECK_F32(&c.out[1], 0, 1, 5);
  const float *y = c.out[0].data, *inv = c.out[2].data;
  CHECK(y[0] == -1 && y[1] == 1 && inv[0] == 1 && isinf(inv[1]) && isnan(y[2]));
  oc_free(&c);

  oc_init(&c, "LayerNormalization", 17);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL);
  oc_in(&c, TINYRT_FLOAT, 1, D(2), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_LAYER_NORM), TINYRT_ERR_SHAPE, "Scale of shape [2]");
  oc_init(&c, "LayerNormalization", 17);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL);
  oc_in(&c, TINYRT_FLOAT, 1, D(3), NULL);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL); /* B may not add the row axis */
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_LAYER_NORM), TINYRT_ERR_SHAPE, "B of shape [2,3]");
  oc_init(&c, "LayerNormalization", 17);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(3), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_LAYER_NORM), TINYRT_ERR_MODEL, "Scale is int64");
  oc_init(&c, "LayerNormalization", 17);
  oc_attr_int(&c, "stash_type", 11);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL);
  oc_in(&c, TINYRT_FLOAT, 1, D(3), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_LAYER_NORM), TINYRT_ERR_UNSUPPORTED, "stash_type");
  oc_init(&c, "LayerNormalization", 17);
  oc_attr_int(&c, "axis", 2);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL);
  oc_in(&c, TINYRT_FLOAT, 1, D(3), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_LAYER_NORM), TINYRT_ERR_MODEL, "axis 2");
}

int main(void) {
  static const struct {
    int id;
    const char *name;
  } ops[] = {{TRT_OP_REDUCE_MEAN, "ReduceMean"},
             {TRT_OP_REDUCE_SUM, "ReduceSum"},
             {TRT_OP_SOFTMAX, "Softmax"},
             {TRT_OP_LAYER_NORM, "LayerNormalization"}};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    const trt_op_def *d = trt_op_find("", ops[i].name);
    CHECK_MSG(d && (int)d->id == ops[i].id && d->infer && d->ref, "%s", ops[i].name);
  }
  test_reduce_sum();
  test_reduce_mean();
  test_softmax();
  test_layer_norm();
  return test_finish();
}
