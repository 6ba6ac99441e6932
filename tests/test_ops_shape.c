/* Shape-group ops (src/ops/shape.c, movement.c): infer + reference kernel on hand-computed
 * cases, opset variants, negative axes and errors. All these ops copy or compute exactly, so
 * every comparison is exact. */
#include "op_case.h"

static void test_gather(void) {
  op_case c;
  /* axis 0, 2-D indices: rows of data */
  oc_init(&c, "Gather", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 2), F32(1, 2, 3, 4, 5, 6));
  oc_in(&c, TINYRT_INT64, 2, D(2, 2), I64(0, 1, 1, 2));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_GATHER), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 3, 2, 2, 2);
  CHECK_F32(&c.out[0], 0, 1, 2, 3, 4, 3, 4, 5, 6);
  oc_free(&c);

  /* axis -1 (= 1), int32 indices, a negative index */
  oc_init(&c, "Gather", 13);
  oc_attr_int(&c, "axis", -1);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), F32(1, 2, 3, 4, 5, 6));
  oc_in(&c, TINYRT_INT32, 1, D(2), I32(-1, 0));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_GATHER), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 2);
  CHECK_F32(&c.out[0], 0, 3, 1, 6, 4);
  oc_free(&c);

  /* a scalar index drops the axis; int64 data */
  oc_init(&c, "Gather", 13);
  oc_in(&c, TINYRT_INT64, 2, D(3, 2), I64(10, 11, 12, 13, 14, 15));
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(2));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_GATHER), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 1, 2);
  CHECK_I64(&c.out[0], 14, 15);
  oc_free(&c);

  /* 1-byte elements (bool) along the middle axis */
  oc_init(&c, "Gather", 13);
  oc_attr_int(&c, "axis", 1);
  uint8_t bools[] = {1, 0, 0, 1, 1, 1, 0, 0};
  oc_in(&c, TINYRT_BOOL, 3, D(2, 2, 2), bools);
  oc_in(&c, TINYRT_INT64, 1, D(3), I64(1, 1, 0));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_GATHER), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_BOOL, 3, 2, 3, 2);
  uint8_t want_b[] = {0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1};
  CHECK(memcmp(c.out[0].data, want_b, sizeof want_b) == 0);
  oc_free(&c);

  /* an index out of range fails, naming it */
  oc_init(&c, "Gather", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 2), F32(1, 2, 3, 4, 5, 6));
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(0, 3));
  CHECK_ERR(&c, oc_run(&c, TRT_OP_GATHER), TINYRT_ERR_ARGUMENT, "index 3 ");
  oc_free(&c);
  oc_init(&c, "Gather", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 2), F32(1, 2, 3, 4, 5, 6));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(-4));
  CHECK_ERR(&c, oc_run(&c, TRT_OP_GATHER), TINYRT_ERR_ARGUMENT, "index -4");
  oc_free(&c);

  /* bad index type, bad axis, string data */
  oc_init(&c, "Gather", 13);
  oc_in(&c, TINYRT_FLOAT, 1, D(3), NULL);
  oc_in(&c, TINYRT_FLOAT, 1, D(1), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_GATHER), TINYRT_ERR_MODEL, "indices");
  oc_init(&c, "Gather", 13);
  oc_attr_int(&c, "axis", 2);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 2), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(1), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_GATHER), TINYRT_ERR_MODEL, "axis 2");
  oc_init(&c, "Gather", 13);
  oc_in(&c, TINYRT_STRING, 1, D(3), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(1), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_GATHER), TINYRT_ERR_UNSUPPORTED, "string");
  /* 8 rows of 2^61 elements overflow */
  oc_init(&c, "Gather", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(1, INT64_C(1) << 61), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(8), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_GATHER), TINYRT_ERR_SHAPE, "too large");
}

static void test_shape_size(void) {
  op_case c;
  float x[24] = {0};
  oc_init(&c, "Shape", 14);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), x);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SHAPE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 1, 3);
  CHECK_I64(&c.out[0], 2, 3, 4);
  oc_free(&c);

  /* Shape's data is not read: it works while the input's value is unknown */
  oc_init(&c, "Shape", 15);
  oc_attr_int(&c, "start", 1);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), NULL);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SHAPE), TINYRT_OK);
  CHECK_I64(&c.out[0], 3, 4);
  oc_free(&c);

  oc_init(&c, "Shape", 15);
  oc_attr_int(&c, "end", -1);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), NULL);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SHAPE), TINYRT_OK);
  CHECK_I64(&c.out[0], 2, 3);
  oc_free(&c);

  /* out-of-range start/end are clamped */
  oc_init(&c, "Shape", 15);
  oc_attr_int(&c, "start", -10);
  oc_attr_int(&c, "end", 10);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), NULL);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SHAPE), TINYRT_OK);
  CHECK_I64(&c.out[0], 2, 3, 4);
  oc_free(&c);

  /* start after end: empty */
  oc_init(&c, "Shape", 15);
  oc_attr_int(&c, "start", 2);
  oc_attr_int(&c, "end", 1);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), NULL);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SHAPE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 1, 0);
  oc_free(&c);

  /* before opset 15 the attributes do not exist */
  oc_init(&c, "Shape", 13);
  oc_attr_int(&c, "start", 1);
  oc_in(&c, TINYRT_FLOAT, 2, D(5, 7), NULL);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SHAPE), TINYRT_OK);
  CHECK_I64(&c.out[0], 5, 7);
  oc_free(&c);

  oc_init(&c, "Size", 13);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), NULL);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SIZE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 0);
  CHECK_I64(&c.out[0], 24);
  oc_free(&c);
  oc_init(&c, "Size", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(0, 3), NULL);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SIZE), TINYRT_OK);
  CHECK_I64(&c.out[0], 0);
  oc_free(&c);
}

static void test_unsqueeze_squeeze(void) {
  op_case c;
  /* opset 13: axes input, negative axes count in the output rank */
  oc_init(&c, "Unsqueeze", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), F32(1, 2, 3, 4, 5, 6));
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(-1, 0));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_UNSQUEEZE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 4, 1, 2, 3, 1);
  CHECK_F32(&c.out[0], 0, 1, 2, 3, 4, 5, 6);
  oc_free(&c);

  /* the axes' value is needed */
  oc_init(&c, "Unsqueeze", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(1), NULL);
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_UNSQUEEZE), TRT_NEED_VALUE);

  /* opset 11: axes attribute; the input form is ignored there */
  oc_init(&c, "Unsqueeze", 11);
  oc_attr_ints(&c, "axes", 2, I64(1, 3));
  oc_in(&c, TINYRT_INT64, 2, D(2, 3), NULL);
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_UNSQUEEZE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 4, 2, 1, 3, 1);

  oc_init(&c, "Unsqueeze", 13);
  oc_in(&c, TINYRT_FLOAT, 1, D(2), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_UNSQUEEZE), TINYRT_ERR_MODEL, "axes");
  oc_init(&c, "Unsqueeze", 13);
  oc_in(&c, TINYRT_FLOAT, 1, D(2), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(0, -3)); /* -3 is 0 in the output rank 3 */
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_UNSQUEEZE), TINYRT_ERR_MODEL, "repeats");
  oc_init(&c, "Unsqueeze", 13);
  oc_in(&c, TINYRT_FLOAT, 1, D(2), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(2));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_UNSQUEEZE), TINYRT_ERR_MODEL, "out of range");

  /* Squeeze without axes removes every 1 */
  oc_init(&c, "Squeeze", 13);
  oc_in(&c, TINYRT_FLOAT, 4, D(1, 2, 1, 3), F32(1, 2, 3, 4, 5, 6));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SQUEEZE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 3);
  CHECK_F32(&c.out[0], 0, 1, 2, 3, 4, 5, 6);
  oc_free(&c);

  /* an absent axes input is the same as none */
  oc_init(&c, "Squeeze", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(1, 1), NULL);
  oc_absent(&c);
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_SQUEEZE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 0);

  oc_init(&c, "Squeeze", 13);
  oc_in(&c, TINYRT_FLOAT, 4, D(1, 2, 1, 3), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(-2));
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_SQUEEZE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 3, 1, 2, 3);

  oc_init(&c, "Squeeze", 11);
  oc_attr_ints(&c, "axes", 1, I64(0));
  oc_in(&c, TINYRT_FLOAT, 4, D(1, 2, 1, 3), NULL);
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_SQUEEZE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 3, 2, 1, 3);

  oc_init(&c, "Squeeze", 13);
  oc_in(&c, TINYRT_FLOAT, 4, D(1, 2, 1, 3), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(1), NULL);
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_SQUEEZE), TRT_NEED_VALUE);

  oc_init(&c, "Squeeze", 13);
  oc_in(&c, TINYRT_FLOAT, 4, D(1, 2, 1, 3), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(1));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_SQUEEZE), TINYRT_ERR_SHAPE, "axis 1 of size 2");
}

static void test_concat(void) {
  op_case c;
  oc_init(&c, "Concat", 13);
  oc_attr_int(&c, "axis", 1);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 1), F32(1, 2));
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 2), F32(3, 4, 5, 6));
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 0), NULL); /* empty inputs contribute nothing */
  CHECK_EQ_INT(oc_run(&c, TRT_OP_CONCAT), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 3);
  CHECK_F32(&c.out[0], 0, 1, 3, 4, 2, 5, 6);
  oc_free(&c);

  oc_init(&c, "Concat", 13);
  oc_attr_int(&c, "axis", -2);
  oc_in(&c, TINYRT_INT64, 2, D(1, 2), I64(1, 2));
  oc_in(&c, TINYRT_INT64, 2, D(2, 2), I64(3, 4, 5, 6));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_CONCAT), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 2, 3, 2);
  CHECK_I64(&c.out[0], 1, 2, 3, 4, 5, 6);
  oc_free(&c);

  /* shape computations concatenate 1-D int64 pieces */
  oc_init(&c, "Concat", 13);
  oc_attr_int(&c, "axis", 0);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(-1));
  oc_in(&c, TINYRT_INT64, 1, D(0), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(2, 64));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_CONCAT), TINYRT_OK);
  CHECK_I64(&c.out[0], -1, 2, 64);
  oc_free(&c);

  oc_init(&c, "Concat", 13);
  oc_attr_int(&c, "axis", 0);
  oc_in(&c, TINYRT_INT64, 1, D(1), NULL);
  oc_in(&c, TINYRT_INT32, 1, D(1), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_CONCAT), TINYRT_ERR_MODEL, "int32");
  oc_init(&c, "Concat", 13);
  oc_attr_int(&c, "axis", 1);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 1), NULL);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 1), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_CONCAT), TINYRT_ERR_SHAPE, "[3,1]");
  oc_init(&c, "Concat", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 1), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_CONCAT), TINYRT_ERR_MODEL, "axis");
}

static void test_reshape(void) {
  op_case c;
  float x[24];
  for (int i = 0; i < 24; i++) x[i] = (float)i;

  oc_init(&c, "Reshape", 14);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), x);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(0, -1));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_RESHAPE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 12);
  CHECK(memcmp(c.out[0].data, x, sizeof x) == 0);
  oc_free(&c);

  oc_init(&c, "Reshape", 14);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(3), I64(4, 0, -1));
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_RESHAPE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 3, 4, 3, 2);

  /* allowzero=1 (opset 14): 0 is a real 0 */
  oc_init(&c, "Reshape", 14);
  oc_attr_int(&c, "allowzero", 1);
  oc_in(&c, TINYRT_FLOAT, 2, D(0, 3), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(3, 0));
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_RESHAPE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 3, 0);
  /* ... but not before opset 14, where 0 copies */
  oc_init(&c, "Reshape", 13);
  oc_attr_int(&c, "allowzero", 1);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 4), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(0, 4));
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_RESHAPE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 4);
  oc_init(&c, "Reshape", 14);
  oc_attr_int(&c, "allowzero", 1);
  oc_in(&c, TINYRT_FLOAT, 2, D(0, 3), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(0, -1));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_RESHAPE), TINYRT_ERR_MODEL, "both 0");

  /* opset 4: shape attribute */
  oc_init(&c, "Reshape", 4);
  oc_attr_ints(&c, "shape", 2, I64(-1, 6));
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), NULL);
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_RESHAPE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 4, 6);

  oc_init(&c, "Reshape", 14);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), NULL);
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_RESHAPE), TRT_NEED_VALUE);

  oc_init(&c, "Reshape", 14);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(5, 5));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_RESHAPE), TINYRT_ERR_SHAPE, "24 elements");
  oc_init(&c, "Reshape", 14);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(-1, -1));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_RESHAPE), TINYRT_ERR_MODEL, "more than one -1");
  oc_init(&c, "Reshape", 14);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(5, -1));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_RESHAPE), TINYRT_ERR_SHAPE, "-1");
  oc_init(&c, "Reshape", 14);
  oc_in(&c, TINYRT_FLOAT, 3, D(2, 3, 4), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(-2, 12));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_RESHAPE), TINYRT_ERR_MODEL, "-2");
  oc_init(&c, "Reshape", 14);
  oc_in(&c, TINYRT_FLOAT, 1, D(24), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(24, 0));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_RESHAPE), TINYRT_ERR_SHAPE, "index 1");
}

static void test_transpose(void) {
  op_case c;
  oc_init(&c, "Transpose", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), F32(1, 2, 3, 4, 5, 6));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_TRANSPOSE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 3, 2);
  CHECK_F32(&c.out[0], 0, 1, 4, 2, 5, 3, 6);
  oc_free(&c);

  /* y[i][j][k] = x[k][i][j] for perm (1,2,0) on x of shape [2,3,4], int8 elements */
  int8_t x[24];
  for (int i = 0; i < 24; i++) x[i] = (int8_t)i;
  oc_init(&c, "Transpose", 13);
  oc_attr_ints(&c, "perm", 3, I64(1, 2, 0));
  oc_in(&c, TINYRT_INT8, 3, D(2, 3, 4), x);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_TRANSPOSE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT8, 3, 3, 4, 2);
  const int8_t *y = c.out[0].data;
  int bad = 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++)
      for (int k = 0; k < 2; k++) bad += y[(i * 4 + j) * 2 + k] != x[k * 12 + i * 4 + j];
  CHECK_EQ_INT(bad, 0);
  oc_free(&c);

  /* the BERT head split: [b, s, h, d] -> [b, h, s, d] keeps contiguous rows of d */
  int64_t x4[2 * 3 * 2 * 2];
  for (int i = 0; i < 24; i++) x4[i] = i;
  oc_init(&c, "Transpose", 13);
  oc_attr_ints(&c, "perm", 4, I64(0, 2, 1, 3));
  oc_in(&c, TINYRT_INT64, 4, D(2, 3, 2, 2), x4);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_TRANSPOSE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 4, 2, 2, 3, 2);
  CHECK_I64(&c.out[0], 0, 1, 4, 5, 8, 9, 2, 3, 6, 7, 10, 11, 12, 13, 16, 17, 20, 21, 14, 15, 18,
            19, 22, 23);
  oc_free(&c);

  oc_init(&c, "Transpose", 13);
  oc_attr_ints(&c, "perm", 2, I64(0, 0));
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_TRANSPOSE), TINYRT_ERR_MODEL, "permutation");
  oc_init(&c, "Transpose", 13);
  oc_attr_ints(&c, "perm", 1, I64(0));
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_TRANSPOSE), TINYRT_ERR_MODEL, "rank 2");
}

static void test_slice(void) {
  op_case c;
  float x[12];
  for (int i = 0; i < 12; i++) x[i] = (float)i;

  /* default axes and steps; an INT64_MAX end is clamped */
  oc_init(&c, "Slice", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 4), x);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(1, 0));
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(3, INT64_MAX));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SLICE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 4);
  CHECK_F32(&c.out[0], 0, 4, 5, 6, 7, 8, 9, 10, 11);
  oc_free(&c);

  /* negative axis, negative end, int32 parameters */
  oc_init(&c, "Slice", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 4), x);
  oc_in(&c, TINYRT_INT32, 1, D(1), I32(1));
  oc_in(&c, TINYRT_INT32, 1, D(1), I32(-1));
  oc_in(&c, TINYRT_INT32, 1, D(1), I32(-1));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SLICE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 3, 2);
  CHECK_F32(&c.out[0], 0, 1, 2, 5, 6, 9, 10);
  oc_free(&c);

  /* reversal: start -1, end INT64_MIN, step -1 */
  oc_init(&c, "Slice", 13);
  oc_in(&c, TINYRT_INT64, 1, D(5), I64(0, 1, 2, 3, 4));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(-1));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(INT64_MIN));
  oc_absent(&c);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(-1));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SLICE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 1, 5);
  CHECK_I64(&c.out[0], 4, 3, 2, 1, 0);
  oc_free(&c);

  /* step -2 from 10 (clamped to 4) to -6 (-1 after adding 5, clamped to -1): 4, 2, 0 */
  oc_init(&c, "Slice", 13);
  oc_in(&c, TINYRT_INT64, 1, D(5), I64(0, 1, 2, 3, 4));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(10));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(-6));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(0));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(-2));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SLICE), TINYRT_OK);
  CHECK_I64(&c.out[0], 4, 2, 0);
  oc_free(&c);

  /* step 3 on both axes of [3,4], axes given out of order */
  oc_init(&c, "Slice", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 4), x);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(0, 0));
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(100, 100));
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(1, 0));
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(3, 2));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SLICE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 2);
  CHECK_F32(&c.out[0], 0, 0, 3, 8, 11);
  oc_free(&c);

  /* a huge step takes one element */
  oc_init(&c, "Slice", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 4), x);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(-1));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(INT64_MIN));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(1));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(INT64_MIN));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SLICE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 3, 1);
  CHECK_F32(&c.out[0], 0, 3, 7, 11);
  oc_free(&c);

  /* start past the end: empty */
  oc_init(&c, "Slice", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 4), x);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(10));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(20));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(1));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SLICE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 3, 0);
  oc_free(&c);

  /* opset 9: attributes */
  oc_init(&c, "Slice", 9);
  oc_attr_ints(&c, "starts", 1, I64(1));
  oc_attr_ints(&c, "ends", 1, I64(1000));
  oc_attr_ints(&c, "axes", 1, I64(1));
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 4), x);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SLICE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 3, 3);
  CHECK_F32(&c.out[0], 0, 1, 2, 3, 5, 6, 7, 9, 10, 11);
  oc_free(&c);

  oc_init(&c, "Slice", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 4), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(0));
  oc_in(&c, TINYRT_INT64, 1, D(1), NULL);
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_SLICE), TRT_NEED_VALUE);
  oc_init(&c, "Slice", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 4), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(0));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(2));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(0));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(0));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_SLICE), TINYRT_ERR_MODEL, "step");
  oc_init(&c, "Slice", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 4), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(0, 0));
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(2, 2));
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(1, -1));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_SLICE), TINYRT_ERR_MODEL, "repeats");
  oc_init(&c, "Slice", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 4), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(0, 0));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(2));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_SLICE), TINYRT_ERR_MODEL, "lengths");
}

static void test_split(void) {
  op_case c;
  /* equal parts */
  oc_init(&c, "Split", 13);
  c.n_out = 3;
  oc_in(&c, TINYRT_FLOAT, 1, D(6), F32(1, 2, 3, 4, 5, 6));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SPLIT), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 1, 2);
  CHECK_F32(&c.out[0], 0, 1, 2);
  CHECK_F32(&c.out[1], 0, 3, 4);
  CHECK_F32(&c.out[2], 0, 5, 6);
  oc_free(&c);

  /* split input, axis -1 */
  oc_init(&c, "Split", 13);
  c.n_out = 2;
  oc_attr_int(&c, "axis", -1);
  oc_in(&c, TINYRT_FLOAT, 2, D(2, 3), F32(1, 2, 3, 4, 5, 6));
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(1, 2));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SPLIT), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 1);
  CHECK_SHAPE(&c.out[1], TINYRT_FLOAT, 2, 2, 2);
  CHECK_F32(&c.out[0], 0, 1, 4);
  CHECK_F32(&c.out[1], 0, 2, 3, 5, 6);
  oc_free(&c);

  /* opset 11: split attribute, with an empty part */
  oc_init(&c, "Split", 11);
  c.n_out = 3;
  oc_attr_ints(&c, "split", 3, I64(2, 0, 4));
  oc_in(&c, TINYRT_INT64, 1, D(6), I64(1, 2, 3, 4, 5, 6));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_SPLIT), TINYRT_OK);
  CHECK_SHAPE(&c.out[1], TINYRT_INT64, 1, 0);
  CHECK_I64(&c.out[0], 1, 2);
  CHECK_I64(&c.out[2], 3, 4, 5, 6);
  oc_free(&c);

  oc_init(&c, "Split", 13);
  c.n_out = 2;
  oc_in(&c, TINYRT_FLOAT, 1, D(6), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), NULL);
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_SPLIT), TRT_NEED_VALUE);
  oc_init(&c, "Split", 13);
  c.n_out = 4;
  oc_in(&c, TINYRT_FLOAT, 1, D(6), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_SPLIT), TINYRT_ERR_SHAPE, "4 equal parts");
  oc_init(&c, "Split", 13);
  c.n_out = 2;
  oc_in(&c, TINYRT_FLOAT, 1, D(6), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(2, 3));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_SPLIT), TINYRT_ERR_SHAPE, "add up to 5");
  oc_init(&c, "Split", 13);
  c.n_out = 3;
  oc_in(&c, TINYRT_FLOAT, 1, D(6), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(3, 3));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_SPLIT), TINYRT_ERR_MODEL, "2 sizes for 3 outputs");
  oc_init(&c, "Split", 18);
  c.n_out = 4;
  oc_attr_int(&c, "num_outputs", 4);
  oc_in(&c, TINYRT_FLOAT, 1, D(6), NULL);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_SPLIT), TINYRT_ERR_UNSUPPORTED, "num_outputs");
}

static void test_expand(void) {
  op_case c;
  oc_init(&c, "Expand", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 1), F32(1, 2, 3));
  oc_in(&c, TINYRT_INT64, 1, D(3), I64(2, 1, 4));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_EXPAND), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 3, 2, 3, 4);
  CHECK_F32(&c.out[0], 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
  oc_free(&c);

  /* bidirectional: a shape smaller than the input keeps the input's dims */
  oc_init(&c, "Expand", 13);
  oc_in(&c, TINYRT_INT64, 2, D(1, 3), I64(7, 8, 9));
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(2, 1));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_EXPAND), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 2, 2, 3);
  CHECK_I64(&c.out[0], 7, 8, 9, 7, 8, 9);
  oc_free(&c);

  oc_init(&c, "Expand", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 1), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), NULL);
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_EXPAND), TRT_NEED_VALUE);
  oc_init(&c, "Expand", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(3, 1), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(2, 4));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_EXPAND), TINYRT_ERR_SHAPE, "broadcast");
  /* [2^32, 1] expanded by [1, 2^32]: 2^64 elements */
  oc_init(&c, "Expand", 13);
  oc_in(&c, TINYRT_FLOAT, 2, D(INT64_C(1) << 32, 1), NULL);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(1, INT64_C(1) << 32));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_EXPAND), TINYRT_ERR_SHAPE, "too large");
}

static void test_constants(void) {
  op_case c;
  oc_init(&c, "ConstantOfShape", 13);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(2, 3));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_CONSTANT_OF_SHAPE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 2, 2, 3);
  CHECK_F32(&c.out[0], 0, 0, 0, 0, 0, 0, 0);
  oc_free(&c);

  oc_init(&c, "ConstantOfShape", 13);
  oc_attr_tensor(&c, "value", TINYRT_INT32, 1, D(1), I32(7));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(3));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_CONSTANT_OF_SHAPE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT32, 1, 3);
  CHECK_I64(&c.out[0], 7, 7, 7);
  oc_free(&c);

  /* an empty shape gives a scalar; a shape [0] an empty tensor */
  oc_init(&c, "ConstantOfShape", 13);
  oc_attr_tensor(&c, "value", TINYRT_FLOAT, 1, D(1), F32(2.5f));
  oc_in(&c, TINYRT_INT64, 1, D(0), NULL);
  c.in[0].data = c.attrs; /* known, but holds no element */
  CHECK_EQ_INT(oc_run(&c, TRT_OP_CONSTANT_OF_SHAPE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 0);
  CHECK_F32(&c.out[0], 0, 2.5f);
  oc_free(&c);
  oc_init(&c, "ConstantOfShape", 13);
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(0));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_CONSTANT_OF_SHAPE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 1, 0);
  oc_free(&c);

  oc_init(&c, "ConstantOfShape", 13);
  oc_in(&c, TINYRT_INT64, 1, D(2), NULL);
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_CONSTANT_OF_SHAPE), TRT_NEED_VALUE);
  oc_init(&c, "ConstantOfShape", 13);
  oc_in(&c, TINYRT_INT64, 1, D(2), I64(2, -1));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_CONSTANT_OF_SHAPE), TINYRT_ERR_MODEL, "negative");
  oc_init(&c, "ConstantOfShape", 13);
  oc_attr_tensor(&c, "value", TINYRT_FLOAT, 1, D(2), F32(1, 2));
  oc_in(&c, TINYRT_INT64, 1, D(1), I64(2));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_CONSTANT_OF_SHAPE), TINYRT_ERR_MODEL, "one element");

  oc_init(&c, "Constant", 13);
  oc_attr_tensor(&c, "value", TINYRT_INT64, 2, D(2, 2), I64(1, 2, 3, 4));
  c.n_in = 0;
  CHECK_EQ_INT(oc_run(&c, TRT_OP_CONSTANT), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 2, 2, 2);
  CHECK_I64(&c.out[0], 1, 2, 3, 4);
  oc_free(&c);
  oc_init(&c, "Constant", 13);
  oc_attr_float(&c, "value_float", 0.5f);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_CONSTANT), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 0);
  CHECK_F32(&c.out[0], 0, 0.5f);
  oc_free(&c);
  oc_init(&c, "Constant", 13);
  oc_attr_floats(&c, "value_floats", 2, F32(1.5f, -2));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_CONSTANT), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 1, 2);
  CHECK_F32(&c.out[0], 0, 1.5f, -2);
  oc_free(&c);
  oc_init(&c, "Constant", 13);
  oc_attr_int(&c, "value_int", -7);
  CHECK_EQ_INT(oc_run(&c, TRT_OP_CONSTANT), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 0);
  CHECK_I64(&c.out[0], -7);
  oc_free(&c);
  oc_init(&c, "Constant", 13);
  oc_attr_ints(&c, "value_ints", 3, I64(4, 5, 6));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_CONSTANT), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 1, 3);
  CHECK_I64(&c.out[0], 4, 5, 6);
  oc_free(&c);

  oc_init(&c, "Constant", 13);
  oc_attr(&c, "value_string", TRT_ATTR_STRING)->s = "x";
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_CONSTANT), TINYRT_ERR_UNSUPPORTED, "value_string");
  oc_init(&c, "Constant", 13);
  oc_attr(&c, "sparse_value", TRT_ATTR_UNDEFINED);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_CONSTANT), TINYRT_ERR_UNSUPPORTED, "sparse_value");
  oc_init(&c, "Constant", 13);
  oc_attr_int(&c, "value_int", 1);
  oc_attr_float(&c, "value_float", 1);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_CONSTANT), TINYRT_ERR_MODEL, "both");
  oc_init(&c, "Constant", 13);
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_CONSTANT), TINYRT_ERR_MODEL, "no value");
  oc_init(&c, "Constant", 13);
  oc_attr_tensor(&c, "value", TINYRT_STRING, 0, NULL, "");
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_CONSTANT), TINYRT_ERR_UNSUPPORTED, "string");
}

static void test_range(void) {
  op_case c;
  oc_init(&c, "Range", 13);
  oc_in(&c, TINYRT_FLOAT, 0, NULL, F32(1));
  oc_in(&c, TINYRT_FLOAT, 0, NULL, F32(5));
  oc_in(&c, TINYRT_FLOAT, 0, NULL, F32(2));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_RANGE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_FLOAT, 1, 2);
  CHECK_F32(&c.out[0], 0, 1, 3);
  oc_free(&c);

  /* double: ceil((1 - 0) / 0.25) = 4 elements, exactly representable */
  oc_init(&c, "Range", 13);
  oc_in(&c, TINYRT_DOUBLE, 0, NULL, F64(0));
  oc_in(&c, TINYRT_DOUBLE, 0, NULL, F64(1));
  oc_in(&c, TINYRT_DOUBLE, 0, NULL, F64(0.25));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_RANGE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_DOUBLE, 1, 4);
  CHECK(((double *)c.out[0].data)[3] == 0.75);
  oc_free(&c);

  oc_init(&c, "Range", 13);
  oc_in(&c, TINYRT_INT32, 0, NULL, I32(10));
  oc_in(&c, TINYRT_INT32, 0, NULL, I32(4));
  oc_in(&c, TINYRT_INT32, 0, NULL, I32(-3));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_RANGE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT32, 1, 2);
  CHECK_I64(&c.out[0], 10, 7);
  oc_free(&c);

  oc_init(&c, "Range", 13);
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(0));
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(5));
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(1));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_RANGE), TINYRT_OK);
  CHECK_I64(&c.out[0], 0, 1, 2, 3, 4);
  oc_free(&c);

  /* the wrong direction is empty */
  oc_init(&c, "Range", 13);
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(5));
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(0));
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(1));
  CHECK_EQ_INT(oc_run(&c, TRT_OP_RANGE), TINYRT_OK);
  CHECK_SHAPE(&c.out[0], TINYRT_INT64, 1, 0);
  oc_free(&c);

  oc_init(&c, "Range", 13);
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(0));
  oc_in(&c, TINYRT_INT64, 0, NULL, NULL);
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(1));
  CHECK_EQ_INT(oc_infer(&c, TRT_OP_RANGE), TRT_NEED_VALUE);
  oc_init(&c, "Range", 13);
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(0));
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(5));
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(0));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_RANGE), TINYRT_ERR_ARGUMENT, "delta is 0");
  oc_init(&c, "Range", 13);
  oc_in(&c, TINYRT_FLOAT, 0, NULL, F32(0));
  oc_in(&c, TINYRT_FLOAT, 0, NULL, F32(1));
  oc_in(&c, TINYRT_FLOAT, 0, NULL, F32(0));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_RANGE), TINYRT_ERR_ARGUMENT, "delta is 0");
  oc_init(&c, "Range", 13);
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(INT64_MIN));
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(INT64_MAX));
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(INT64_MAX));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_RANGE), TINYRT_ERR_UNSUPPORTED, "overflows");
  oc_init(&c, "Range", 13);
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(0));
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(INT64_MAX));
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(1));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_RANGE), TINYRT_ERR_UNSUPPORTED, "elements");
  oc_init(&c, "Range", 13);
  oc_in(&c, TINYRT_FLOAT, 0, NULL, F32(0));
  oc_in(&c, TINYRT_FLOAT, 0, NULL, F32(1e30f));
  oc_in(&c, TINYRT_FLOAT, 0, NULL, F32(1));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_RANGE), TINYRT_ERR_UNSUPPORTED, "elements");
  oc_init(&c, "Range", 13);
  oc_in(&c, TINYRT_FLOAT, 0, NULL, F32(0));
  oc_in(&c, TINYRT_FLOAT, 0, NULL, F32(INFINITY));
  oc_in(&c, TINYRT_FLOAT, 0, NULL, F32(1));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_RANGE), TINYRT_ERR_ARGUMENT, "finite");
  oc_init(&c, "Range", 13);
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(0));
  oc_in(&c, TINYRT_INT32, 0, NULL, I32(5));
  oc_in(&c, TINYRT_INT64, 0, NULL, I64(1));
  CHECK_ERR(&c, oc_infer(&c, TRT_OP_RANGE), TINYRT_ERR_MODEL, "limit is int32");
}

static void test_table(void) {
  /* every op of the group is registered under its ONNX name */
  static const struct {
    int id;
    const char *name;
  } ops[] = {{TRT_OP_GATHER, "Gather"},       {TRT_OP_SHAPE, "Shape"},
             {TRT_OP_SIZE, "Size"},           {TRT_OP_UNSQUEEZE, "Unsqueeze"},
             {TRT_OP_SQUEEZE, "Squeeze"},     {TRT_OP_CONCAT, "Concat"},
             {TRT_OP_RESHAPE, "Reshape"},     {TRT_OP_TRANSPOSE, "Transpose"},
             {TRT_OP_SLICE, "Slice"},         {TRT_OP_SPLIT, "Split"},
             {TRT_OP_EXPAND, "Expand"},       {TRT_OP_CONSTANT_OF_SHAPE, "ConstantOfShape"},
             {TRT_OP_CONSTANT, "Constant"},   {TRT_OP_RANGE, "Range"}};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    const trt_op_def *d = trt_op_find("", ops[i].name);
    CHECK_MSG(d && (int)d->id == ops[i].id && d->infer && d->ref, "%s", ops[i].name);
  }
}

int main(void) {
  test_table();
  test_gather();
  test_shape_size();
  test_unsqueeze_squeeze();
  test_concat();
  test_reshape();
  test_transpose();
  test_slice();
  test_split();
  test_expand();
  test_constants();
  test_range();
  return test_finish();
}
