/* Elementwise ops: shape inference and reference kernels, called directly.
 *
 * Expected values are worked out by hand (comments show the arithmetic) or, for the larger
 * broadcast cases, by explicit index arithmetic written independently of the broadcast iterator.
 * Arithmetic on small dyadic values is exact in float, so those are compared exactly; results of
 * libm functions are compared with 1e-6 absolute on values of magnitude <= ~3, a few float ulps
 * (float epsilon is 1.2e-7), since libm's float functions are not correctly rounded. */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include "op_testutil.h"
#include "ops/op_util.h"

#define F TINYRT_FLOAT
#define LIBM_TOL 1e-6

static void test_add_same_shape_and_bcast(void) {
  op_run r;
  /* [2,3] + [2,3] */
  float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {0.5f, -1, 10, 0, 0.25f, -6};
  trt_tensor in[2] = {opt_tensor(F, 2, DIMS(2, 3), a), opt_tensor(F, 2, DIMS(2, 3), b)};
  opt_init(&r, TRT_OP_ADD, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_EQ_INT(r.out[0].dtype, F);
  CHECK_SHAPE(&r.out[0], 2, DIMS(2, 3));
  CHECK_F32(r.out[0].data, ((float[]){1.5f, 1, 13, 4, 5.25f, 0}), 6, 0);
  opt_free(&r);

  /* [2,3] + [3]: the row is added to every row */
  float row[3] = {10, 20, 30};
  in[1] = opt_tensor(F, 1, DIMS(3), row);
  opt_init(&r, TRT_OP_ADD, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 2, DIMS(2, 3));
  CHECK_F32(r.out[0].data, ((float[]){11, 22, 33, 14, 25, 36}), 6, 0);
  opt_free(&r);

  /* [2,1] + [1,3] -> [2,3]: both sides broadcast */
  float col[2] = {100, 200};
  in[0] = opt_tensor(F, 2, DIMS(2, 1), col);
  in[1] = opt_tensor(F, 2, DIMS(1, 3), row);
  opt_init(&r, TRT_OP_ADD, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 2, DIMS(2, 3));
  CHECK_F32(r.out[0].data, ((float[]){110, 120, 130, 210, 220, 230}), 6, 0);
  opt_free(&r);

  /* scalar (rank 0) + [2,2], and scalar + scalar */
  float s = 0.5f, m[4] = {1, 2, 3, 4};
  in[0] = opt_tensor(F, 0, NULL, &s);
  in[1] = opt_tensor(F, 2, DIMS(2, 2), m);
  opt_init(&r, TRT_OP_ADD, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 2, DIMS(2, 2));
  CHECK_F32(r.out[0].data, ((float[]){1.5f, 2.5f, 3.5f, 4.5f}), 4, 0);
  opt_free(&r);
  in[1] = opt_tensor(F, 0, NULL, &s);
  opt_init(&r, TRT_OP_ADD, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_EQ_INT(r.out[0].rank, 0);
  CHECK_F32(r.out[0].data, ((float[]){1}), 1, 0);
  opt_free(&r);

  /* an empty dim broadcasts to an empty result */
  in[0] = opt_tensor(F, 2, DIMS(0, 3), a);
  in[1] = opt_tensor(F, 1, DIMS(3), row);
  opt_init(&r, TRT_OP_ADD, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 2, DIMS(0, 3));
  opt_free(&r);
}

/* [2,1,3] (op) [4,1] -> [2,4,3], checked against explicit index arithmetic */
static void test_sub_mul_div_bcast_3d(void) {
  float a[6], b[4];
  for (int i = 0; i < 6; i++) a[i] = (float)(i + 1);
  for (int i = 0; i < 4; i++) b[i] = (float)(1 << i); /* 1 2 4 8: divisions stay exact */
  trt_tensor in[2] = {opt_tensor(F, 3, DIMS(2, 1, 3), a), opt_tensor(F, 2, DIMS(4, 1), b)};
  int ops[3] = {TRT_OP_SUB, TRT_OP_MUL, TRT_OP_DIV};
  for (int o = 0; o < 3; o++) {
    op_run r;
    opt_init(&r, ops[o], 14);
    CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
    CHECK_SHAPE(&r.out[0], 3, DIMS(2, 4, 3));
    float want[24];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 4; j++)
        for (int k = 0; k < 3; k++) {
          float x = a[i * 3 + k], y = b[j];
          want[(i * 4 + j) * 3 + k] = o == 0 ? x - y : o == 1 ? x * y : x / y;
        }
    CHECK_F32(r.out[0].data, want, 24, 0);
    opt_free(&r);
  }
}

/* A broadcast over 5 dims with merges in between: [2,1,3,1,2] + [3,4,1] */
static void test_bcast_iterator_merging(void) {
  float a[12], b[12];
  for (int i = 0; i < 12; i++) {
    a[i] = (float)i;
    b[i] = (float)(100 * i);
  }
  trt_tensor in[2] = {opt_tensor(F, 5, DIMS(2, 1, 3, 1, 2), a),
                      opt_tensor(F, 3, DIMS(3, 4, 1), b)};
  op_run r;
  opt_init(&r, TRT_OP_ADD, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 5, DIMS(2, 1, 3, 4, 2));
  float want[48];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 4; k++)
        for (int l = 0; l < 2; l++)
          want[((i * 3 + j) * 4 + k) * 2 + l] = a[(i * 3 + j) * 2 + l] + b[j * 4 + k];
  CHECK_F32(r.out[0].data, want, 48, 0);
  opt_free(&r);

  /* the iterator itself: [3,4,5] and [3,4,5] merge into one row; [3,4,5] and [5] do not */
  trt_bcast bc;
  tinyrt_error err = {0};
  const int64_t *d2[2] = {DIMS(3, 4, 5), DIMS(3, 4, 5)};
  CHECK_EQ_INT(trt_bcast_init(&bc, 3, DIMS(3, 4, 5), 2, (int[]){3, 3}, d2, &err), TINYRT_OK);
  CHECK_EQ_INT(bc.rows, 1);
  CHECK_EQ_INT(bc.inner, 60);
  const int64_t *d3[2] = {DIMS(3, 4, 5), DIMS(5)};
  CHECK_EQ_INT(trt_bcast_init(&bc, 3, DIMS(3, 4, 5), 2, (int[]){3, 1}, d3, &err), TINYRT_OK);
  CHECK_EQ_INT(bc.rows, 12);
  CHECK_EQ_INT(bc.inner, 5);
  CHECK_EQ_INT(bc.inner_stride[1], 1);
  /* [4,1] broadcast along the last dim: inner stride 0 */
  const int64_t *d4[1] = {DIMS(4, 1)};
  CHECK_EQ_INT(trt_bcast_init(&bc, 2, DIMS(4, 3), 1, (int[]){2}, d4, &err), TINYRT_OK);
  CHECK_EQ_INT(bc.inner_stride[0], 0);
  CHECK_EQ_INT(bc.rows, 4);
  /* a shape that does not broadcast */
  const int64_t *d5[1] = {DIMS(2, 3)};
  CHECK_EQ_INT(trt_bcast_init(&bc, 2, DIMS(4, 3), 1, (int[]){2}, d5, &err), TINYRT_ERR_SHAPE);
}

static void test_integer_arithmetic(void) {
  op_run r;
  /* int32 wraps: INT32_MAX + 1 = INT32_MIN, -5 + 3 = -2 */
  int32_t a32[2] = {INT32_MAX, -5}, b32[2] = {1, 3};
  trt_tensor in[2] = {opt_tensor(TINYRT_INT32, 1, DIMS(2), a32),
                      opt_tensor(TINYRT_INT32, 1, DIMS(2), b32)};
  opt_init(&r, TRT_OP_ADD, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_EQ_INT(r.out[0].dtype, TINYRT_INT32);
  CHECK_INTS(int32_t, r.out[0].data, ((int32_t[]){INT32_MIN, -2}), 2);
  opt_free(&r);

  /* uint8 wraps: 3 - 5 = 254, 200 - 2 = 198; 3 * 5 = 15, 200 * 2 = 144 (400 mod 256) */
  uint8_t u1[2] = {3, 200}, u2[2] = {5, 2};
  in[0] = opt_tensor(TINYRT_UINT8, 1, DIMS(2), u1);
  in[1] = opt_tensor(TINYRT_UINT8, 1, DIMS(2), u2);
  opt_init(&r, TRT_OP_SUB, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_INTS(uint8_t, r.out[0].data, ((uint8_t[]){254, 198}), 2);
  opt_free(&r);
  opt_init(&r, TRT_OP_MUL, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_INTS(uint8_t, r.out[0].data, ((uint8_t[]){15, 144}), 2);
  opt_free(&r);

  /* uint16 multiply does not go through (overflowing) int: 65535 * 65535 mod 65536 = 1 */
  uint16_t w[1] = {65535};
  in[0] = opt_tensor(TINYRT_UINT16, 1, DIMS(1), w);
  in[1] = opt_tensor(TINYRT_UINT16, 1, DIMS(1), w);
  opt_init(&r, TRT_OP_MUL, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_INTS(uint16_t, r.out[0].data, ((uint16_t[]){1}), 1);
  opt_free(&r);

  /* int64 division truncates toward zero; MIN / -1 wraps to MIN */
  int64_t n64[5] = {7, -7, 7, -7, INT64_MIN}, d64[5] = {2, 2, -2, -2, -1};
  in[0] = opt_tensor(TINYRT_INT64, 1, DIMS(5), n64);
  in[1] = opt_tensor(TINYRT_INT64, 1, DIMS(5), d64);
  opt_init(&r, TRT_OP_DIV, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_INTS(int64_t, r.out[0].data, ((int64_t[]){3, -3, -3, 3, INT64_MIN}), 5);
  opt_free(&r);

  /* integer division by zero is an error, not a crash */
  int64_t z[1] = {0};
  in[1] = opt_tensor(TINYRT_INT64, 1, DIMS(1), z);
  opt_init(&r, TRT_OP_DIV, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(r.err.message, "division by zero");
  opt_free(&r);

  /* float division by zero is IEEE: inf, -inf, NaN */
  float fa[3] = {1, -1, 0}, fz[1] = {0};
  in[0] = opt_tensor(F, 1, DIMS(3), fa);
  in[1] = opt_tensor(F, 1, DIMS(1), fz);
  opt_init(&r, TRT_OP_DIV, 14);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_F32(r.out[0].data, ((float[]){INFINITY, -INFINITY, NAN}), 3, 0);
  opt_free(&r);
}

static void test_binary_errors(void) {
  op_run r;
  float a[6] = {0};
  int64_t l[6] = {0};
  /* [2,3] + [4]: no broadcast */
  trt_tensor in[2] = {opt_tensor(F, 2, DIMS(2, 3), a), opt_tensor(F, 1, DIMS(4), a)};
  opt_init(&r, TRT_OP_ADD, 14);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_SHAPE);
  CHECK_STR_CONTAINS(r.err.message, "[2,3]");
  CHECK_STR_CONTAINS(r.err.message, "[4]");
  /* float + int64: no implicit promotion in ONNX */
  in[1] = opt_tensor(TINYRT_INT64, 2, DIMS(2, 3), l);
  opt_init(&r, TRT_OP_MUL, 14);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(r.err.message, "int64");
  CHECK_STR_CONTAINS(r.err.message, "float");
  /* bool arithmetic is not an ONNX thing; float16 is ONNX but not tinyrt */
  in[0] = opt_tensor(TINYRT_BOOL, 1, DIMS(1), a);
  in[1] = opt_tensor(TINYRT_BOOL, 1, DIMS(1), a);
  opt_init(&r, TRT_OP_ADD, 14);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_MODEL);
  in[0] = opt_tensor(TINYRT_FLOAT16, 1, DIMS(1), a);
  in[1] = opt_tensor(TINYRT_FLOAT16, 1, DIMS(1), a);
  opt_init(&r, TRT_OP_SUB, 14);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_UNSUPPORTED);
  CHECK_STR_CONTAINS(r.err.message, "float16");
  /* a missing operand */
  in[0] = opt_tensor(F, 1, DIMS(1), a);
  in[1] = opt_absent();
  opt_init(&r, TRT_OP_ADD, 14);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(r.err.message, "input 1");
}

static void test_pow(void) {
  op_run r;
  /* float ^ float, with a broadcast scalar exponent: 2^3 = 8, 0.5^3 = 0.125, (-2)^3 = -8 */
  float x[3] = {2, 0.5f, -2}, e = 3;
  trt_tensor in[2] = {opt_tensor(F, 1, DIMS(3), x), opt_tensor(F, 0, NULL, &e)};
  opt_init(&r, TRT_OP_POW, 15);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 1, DIMS(3));
  CHECK_F32(r.out[0].data, ((float[]){8, 0.125f, -8}), 3, 0);
  opt_free(&r);

  /* float ^ int64: 2^-1 = 0.5, 0.5^2 = 0.25, (-2)^0 = 1; output keeps the base type */
  int64_t ei[3] = {-1, 2, 0};
  in[1] = opt_tensor(TINYRT_INT64, 1, DIMS(3), ei);
  opt_init(&r, TRT_OP_POW, 15);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_EQ_INT(r.out[0].dtype, F);
  CHECK_F32(r.out[0].data, ((float[]){0.5f, 0.25f, 1}), 3, 0);
  opt_free(&r);

  /* int64 ^ float: 2^0.5 = 1.41 -> 1 (truncated), 3^2 = 9, 4^-0.5 = 0.5 -> 0 */
  int64_t b64[3] = {2, 3, 4};
  float ef[3] = {0.5f, 2, -0.5f};
  in[0] = opt_tensor(TINYRT_INT64, 1, DIMS(3), b64);
  in[1] = opt_tensor(F, 1, DIMS(3), ef);
  opt_init(&r, TRT_OP_POW, 15);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_EQ_INT(r.out[0].dtype, TINYRT_INT64);
  CHECK_INTS(int64_t, r.out[0].data, ((int64_t[]){1, 9, 0}), 3);
  opt_free(&r);

  /* int32 ^ int32, exact: 3^4 = 81, (-1)^-3 = -1, 2^-1 = 0, 2^31 wraps to INT32_MIN */
  int32_t b32[4] = {3, -1, 2, 2}, e32[4] = {4, -3, -1, 31};
  in[0] = opt_tensor(TINYRT_INT32, 1, DIMS(4), b32);
  in[1] = opt_tensor(TINYRT_INT32, 1, DIMS(4), e32);
  opt_init(&r, TRT_OP_POW, 15);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_INTS(int32_t, r.out[0].data, ((int32_t[]){81, -1, 0, INT32_MIN}), 4);
  opt_free(&r);

  /* int64 ^ uint8 exponent, [2,1] ^ [3] -> [2,3] */
  int64_t bb[2] = {2, 10};
  uint8_t eu[3] = {0, 1, 3};
  in[0] = opt_tensor(TINYRT_INT64, 2, DIMS(2, 1), bb);
  in[1] = opt_tensor(TINYRT_UINT8, 1, DIMS(3), eu);
  opt_init(&r, TRT_OP_POW, 15);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 2, DIMS(2, 3));
  CHECK_INTS(int64_t, r.out[0].data, ((int64_t[]){1, 2, 8, 1, 10, 1000}), 6);
  opt_free(&r);

  /* Pow-7 wants one float type for both; int base needs opset 12 */
  in[0] = opt_tensor(F, 1, DIMS(3), x);
  in[1] = opt_tensor(TINYRT_INT64, 1, DIMS(3), ei);
  opt_init(&r, TRT_OP_POW, 7);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_MODEL);
  in[0] = opt_tensor(TINYRT_INT64, 1, DIMS(3), b64);
  opt_init(&r, TRT_OP_POW, 7);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_MODEL);
  /* int8 base: not in the spec's base types; bool exponent: not numeric */
  in[0] = opt_tensor(TINYRT_INT8, 1, DIMS(3), eu);
  opt_init(&r, TRT_OP_POW, 15);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_MODEL);
  in[0] = opt_tensor(F, 1, DIMS(3), x);
  in[1] = opt_tensor(TINYRT_BOOL, 1, DIMS(3), eu);
  opt_init(&r, TRT_OP_POW, 15);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_MODEL);
}

static void test_compare_and_not(void) {
  op_run r;
  /* Equal int32 with broadcast: [2,3] == [3] */
  int32_t a[6] = {1, 2, 3, 3, 2, 1}, b[3] = {1, 2, 1};
  trt_tensor in[2] = {opt_tensor(TINYRT_INT32, 2, DIMS(2, 3), a),
                      opt_tensor(TINYRT_INT32, 1, DIMS(3), b)};
  opt_init(&r, TRT_OP_EQUAL, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_EQ_INT(r.out[0].dtype, TINYRT_BOOL);
  CHECK_SHAPE(&r.out[0], 2, DIMS(2, 3));
  CHECK_INTS(uint8_t, r.out[0].data, ((uint8_t[]){1, 1, 0, 0, 1, 1}), 6);
  opt_free(&r);

  /* Less / Greater on floats; NaN compares false both ways */
  float x[4] = {1, 2, NAN, -0.0f}, y[4] = {2, 2, 0, 0.0f};
  in[0] = opt_tensor(F, 1, DIMS(4), x);
  in[1] = opt_tensor(F, 1, DIMS(4), y);
  opt_init(&r, TRT_OP_LESS, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_INTS(uint8_t, r.out[0].data, ((uint8_t[]){1, 0, 0, 0}), 4);
  opt_free(&r);
  opt_init(&r, TRT_OP_GREATER, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_INTS(uint8_t, r.out[0].data, ((uint8_t[]){0, 0, 0, 0}), 4);
  opt_free(&r);
  opt_init(&r, TRT_OP_EQUAL, 13); /* -0 == 0 */
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_INTS(uint8_t, r.out[0].data, ((uint8_t[]){0, 1, 0, 1}), 4);
  opt_free(&r);

  /* Equal on bools: any non-zero byte is true */
  uint8_t p[4] = {0, 1, 2, 0}, q[4] = {0, 1, 1, 1};
  in[0] = opt_tensor(TINYRT_BOOL, 1, DIMS(4), p);
  in[1] = opt_tensor(TINYRT_BOOL, 1, DIMS(4), q);
  opt_init(&r, TRT_OP_EQUAL, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_INTS(uint8_t, r.out[0].data, ((uint8_t[]){1, 1, 1, 0}), 4);
  opt_free(&r);
  /* ...but Less on bools is not in the spec */
  opt_init(&r, TRT_OP_LESS, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_MODEL);
  /* and mixed dtypes are refused */
  in[1] = opt_tensor(TINYRT_INT32, 1, DIMS(4), a);
  opt_init(&r, TRT_OP_EQUAL, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_MODEL);

  /* Not */
  in[0] = opt_tensor(TINYRT_BOOL, 2, DIMS(2, 2), p);
  opt_init(&r, TRT_OP_NOT, 1);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 2, DIMS(2, 2));
  CHECK_EQ_INT(r.out[0].dtype, TINYRT_BOOL);
  CHECK_INTS(uint8_t, r.out[0].data, ((uint8_t[]){1, 0, 0, 1}), 4);
  opt_free(&r);
  in[0] = opt_tensor(F, 1, DIMS(4), x);
  opt_init(&r, TRT_OP_NOT, 1);
  CHECK_EQ_INT(opt_infer(&r, in, 1, 1), TINYRT_ERR_MODEL);
}

static void test_where(void) {
  op_run r;
  /* condition [2,1], x [1,3], y scalar -> [2,3] */
  uint8_t cond[2] = {1, 0};
  float x[3] = {1, 2, 3}, y = -1;
  trt_tensor in[3] = {opt_tensor(TINYRT_BOOL, 2, DIMS(2, 1), cond),
                      opt_tensor(F, 2, DIMS(1, 3), x), opt_tensor(F, 0, NULL, &y)};
  opt_init(&r, TRT_OP_WHERE, 16);
  CHECK_EQ_INT(opt_run(&r, in, 3, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 2, DIMS(2, 3));
  CHECK_EQ_INT(r.out[0].dtype, F);
  CHECK_F32(r.out[0].data, ((float[]){1, 2, 3, -1, -1, -1}), 6, 0);
  opt_free(&r);

  /* int64 with the condition varying along the last dim: [3] ? [2,3] : [2,1] */
  uint8_t c3[3] = {0, 1, 0};
  int64_t xl[6] = {1, 2, 3, 4, 5, 6}, yl[2] = {-10, -20};
  in[0] = opt_tensor(TINYRT_BOOL, 1, DIMS(3), c3);
  in[1] = opt_tensor(TINYRT_INT64, 2, DIMS(2, 3), xl);
  in[2] = opt_tensor(TINYRT_INT64, 2, DIMS(2, 1), yl);
  opt_init(&r, TRT_OP_WHERE, 16);
  CHECK_EQ_INT(opt_run(&r, in, 3, 1), TINYRT_OK);
  CHECK_INTS(int64_t, r.out[0].data, ((int64_t[]){-10, 2, -10, -20, 5, -20}), 6);
  opt_free(&r);

  /* errors: condition not bool, x/y dtypes differ, shapes that do not broadcast */
  in[0] = opt_tensor(F, 1, DIMS(3), x);
  opt_init(&r, TRT_OP_WHERE, 16);
  CHECK_EQ_INT(opt_infer(&r, in, 3, 1), TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(r.err.message, "condition");
  in[0] = opt_tensor(TINYRT_BOOL, 1, DIMS(3), c3);
  in[2] = opt_tensor(F, 0, NULL, &y);
  opt_init(&r, TRT_OP_WHERE, 16);
  CHECK_EQ_INT(opt_infer(&r, in, 3, 1), TINYRT_ERR_MODEL);
  in[0] = opt_tensor(TINYRT_BOOL, 1, DIMS(2), cond);
  in[2] = opt_tensor(TINYRT_INT64, 0, NULL, yl);
  opt_init(&r, TRT_OP_WHERE, 16);
  CHECK_EQ_INT(opt_infer(&r, in, 3, 1), TINYRT_ERR_SHAPE);
}

static void test_unary_math(void) {
  op_run r;
  float x[5] = {0, 0.5f, 1, 2, 4};
  trt_tensor in[1] = {opt_tensor(F, 2, DIMS(1, 5), x)};
  struct {
    int op;
    float want[5];
  } cases[] = {
      {TRT_OP_SQRT, {0, 0.70710678f, 1, 1.41421356f, 2}},
      /* erf(0.5) = 0.5204998778, erf(1) = 0.8427007929, erf(2) = 0.9953222650 */
      {TRT_OP_ERF, {0, 0.52049988f, 0.84270079f, 0.99532227f, 0.99999998f}},
      {TRT_OP_TANH, {0, 0.46211716f, 0.76159416f, 0.96402758f, 0.99932930f}},
      {TRT_OP_EXP, {1, 1.64872127f, 2.71828183f, 7.38905610f, 54.59815003f}},
      {TRT_OP_LOG, {-INFINITY, -0.69314718f, 0, 0.69314718f, 1.38629436f}},
      {TRT_OP_SIGMOID, {0.5f, 0.62245933f, 0.73105858f, 0.88079708f, 0.98201379f}},
      {TRT_OP_NEG, {-0.0f, -0.5f, -1, -2, -4}},
      {TRT_OP_RELU, {0, 0.5f, 1, 2, 4}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    opt_init(&r, cases[i].op, 13);
    CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
    CHECK_SHAPE(&r.out[0], 2, DIMS(1, 5));
    CHECK_EQ_INT(r.out[0].dtype, F);
    /* exp(4) = 54.6 has a float ulp of 3.8e-6: scale the tolerance */
    CHECK_F32(r.out[0].data, cases[i].want, 5, cases[i].op == TRT_OP_EXP ? 1e-5 : LIBM_TOL);
    opt_free(&r);
  }

  /* Sigmoid stays finite and exact at the ends: no exp overflow into inf/inf = NaN */
  float big[4] = {-1000, -100, 100, 1000};
  in[0] = opt_tensor(F, 1, DIMS(4), big);
  opt_init(&r, TRT_OP_SIGMOID, 13);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  const float *s = r.out[0].data;
  CHECK(s[0] == 0.0f);
  CHECK(s[1] > 0 && s[1] < 1e-43f); /* e^-100 = 3.7e-44, a float denormal */
  CHECK(s[2] == 1.0f && s[3] == 1.0f);
  opt_free(&r);

  /* Relu keeps NaN, zeroes negatives; Neg and Relu on signed ints; -INT32_MIN wraps */
  float rn[3] = {-3, NAN, 2};
  in[0] = opt_tensor(F, 1, DIMS(3), rn);
  opt_init(&r, TRT_OP_RELU, 14);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_F32(r.out[0].data, ((float[]){0, NAN, 2}), 3, 0);
  opt_free(&r);
  int32_t iv[3] = {-3, INT32_MIN, 7};
  in[0] = opt_tensor(TINYRT_INT32, 1, DIMS(3), iv);
  opt_init(&r, TRT_OP_RELU, 14);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_INTS(int32_t, r.out[0].data, ((int32_t[]){0, 0, 7}), 3);
  opt_free(&r);
  opt_init(&r, TRT_OP_NEG, 13);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_INTS(int32_t, r.out[0].data, ((int32_t[]){3, INT32_MIN, -7}), 3);
  opt_free(&r);

  /* double */
  double dx[2] = {1, -1};
  in[0] = opt_tensor(TINYRT_DOUBLE, 1, DIMS(2), dx);
  opt_init(&r, TRT_OP_ERF, 13);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_EQ_INT(r.out[0].dtype, TINYRT_DOUBLE);
  CHECK_F64(r.out[0].data, ((double[]){0.8427007929497149, -0.8427007929497149}), 2, 1e-15);
  opt_free(&r);

  /* dtype errors: Sqrt of ints is not ONNX (MODEL); Erf of ints is ONNX but not tinyrt;
   * Neg of unsigned is not ONNX; float16 anywhere is not tinyrt */
  in[0] = opt_tensor(TINYRT_INT32, 1, DIMS(3), iv);
  opt_init(&r, TRT_OP_SQRT, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 1, 1), TINYRT_ERR_MODEL);
  opt_init(&r, TRT_OP_ERF, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 1, 1), TINYRT_ERR_UNSUPPORTED);
  in[0] = opt_tensor(TINYRT_UINT32, 1, DIMS(3), iv);
  opt_init(&r, TRT_OP_NEG, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 1, 1), TINYRT_ERR_MODEL);
  in[0] = opt_tensor(TINYRT_FLOAT16, 1, DIMS(3), iv);
  opt_init(&r, TRT_OP_TANH, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 1, 1), TINYRT_ERR_UNSUPPORTED);
  CHECK_STR_CONTAINS(r.err.message, "float16");
}

static void test_cast(void) {
  op_run r;
  /* float -> int32 truncates toward zero; NaN -> 0; out of range saturates */
  float f[7] = {-1.7f, 2.9f, -0.5f, NAN, 1e20f, -1e20f, 2147483520.0f};
  trt_tensor in[1] = {opt_tensor(F, 1, DIMS(7), f)};
  opt_init(&r, TRT_OP_CAST, 13);
  opt_attr_int(&r, "to", TINYRT_INT32);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_EQ_INT(r.out[0].dtype, TINYRT_INT32);
  CHECK_SHAPE(&r.out[0], 1, DIMS(7));
  CHECK_INTS(int32_t, r.out[0].data,
             ((int32_t[]){-1, 2, 0, 0, INT32_MAX, INT32_MIN, 2147483520}), 7);
  opt_free(&r);

  /* float -> uint8 saturates at 0 and 255; float -> int64 */
  float g[4] = {300, -5, 254.9f, 7};
  in[0] = opt_tensor(F, 1, DIMS(4), g);
  opt_init(&r, TRT_OP_CAST, 13);
  opt_attr_int(&r, "to", TINYRT_UINT8);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_INTS(uint8_t, r.out[0].data, ((uint8_t[]){255, 0, 254, 7}), 4);
  opt_free(&r);
  opt_init(&r, TRT_OP_CAST, 13);
  opt_attr_int(&r, "to", TINYRT_INT64);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_INTS(int64_t, r.out[0].data, ((int64_t[]){300, -5, 254, 7}), 4);
  opt_free(&r);

  /* int64 -> int8 wraps like numpy: 300 -> 44, -129 -> 127; int64 -> uint16: -1 -> 65535 */
  int64_t l[3] = {300, -129, -1};
  in[0] = opt_tensor(TINYRT_INT64, 1, DIMS(3), l);
  opt_init(&r, TRT_OP_CAST, 13);
  opt_attr_int(&r, "to", TINYRT_INT8);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_INTS(int8_t, r.out[0].data, ((int8_t[]){44, 127, -1}), 3);
  opt_free(&r);
  opt_init(&r, TRT_OP_CAST, 13);
  opt_attr_int(&r, "to", TINYRT_UINT16);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_INTS(uint16_t, r.out[0].data, ((uint16_t[]){300, 65407, 65535}), 3);
  opt_free(&r);

  /* int64 -> float and double (exact for these values) */
  int64_t big[2] = {-3, (int64_t)1 << 40};
  in[0] = opt_tensor(TINYRT_INT64, 1, DIMS(2), big);
  opt_init(&r, TRT_OP_CAST, 13);
  opt_attr_int(&r, "to", TINYRT_DOUBLE);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_F64(r.out[0].data, ((double[]){-3, 1099511627776.0}), 2, 0);
  opt_free(&r);
  /* uint64 above INT64_MAX -> float keeps its magnitude */
  uint64_t u[1] = {UINT64_C(1) << 63};
  in[0] = opt_tensor(TINYRT_UINT64, 1, DIMS(1), u);
  opt_init(&r, TRT_OP_CAST, 13);
  opt_attr_int(&r, "to", TINYRT_FLOAT);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_F32(r.out[0].data, ((float[]){9223372036854775808.0f}), 1, 0);
  opt_free(&r);

  /* to bool: non-zero (NaN too) is true; from bool: a stray byte 2 is still 1 */
  float z[4] = {0, -0.0f, 0.25f, NAN};
  in[0] = opt_tensor(F, 1, DIMS(4), z);
  opt_init(&r, TRT_OP_CAST, 13);
  opt_attr_int(&r, "to", TINYRT_BOOL);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_INTS(uint8_t, r.out[0].data, ((uint8_t[]){0, 0, 1, 1}), 4);
  opt_free(&r);
  uint8_t b[3] = {0, 1, 2};
  in[0] = opt_tensor(TINYRT_BOOL, 1, DIMS(3), b);
  opt_init(&r, TRT_OP_CAST, 13);
  opt_attr_int(&r, "to", TINYRT_FLOAT);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_F32(r.out[0].data, ((float[]){0, 1, 1}), 3, 0);
  opt_free(&r);

  /* double -> float rounds; float -> double is exact */
  double d[2] = {0.1, -1e300};
  in[0] = opt_tensor(TINYRT_DOUBLE, 1, DIMS(2), d);
  opt_init(&r, TRT_OP_CAST, 13);
  opt_attr_int(&r, "to", TINYRT_FLOAT);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_F32(r.out[0].data, ((float[]){0.1f, -INFINITY}), 2, 0);
  opt_free(&r);

  /* refused: string, float16, bfloat16 either way; missing or bogus `to` */
  in[0] = opt_tensor(F, 1, DIMS(4), z);
  int refused[3] = {TINYRT_STRING, TINYRT_FLOAT16, 16};
  const char *names[3] = {"string", "float16", "bfloat16"};
  for (int i = 0; i < 3; i++) {
    opt_init(&r, TRT_OP_CAST, 13);
    opt_attr_int(&r, "to", refused[i]);
    CHECK_EQ_INT(opt_infer(&r, in, 1, 1), TINYRT_ERR_UNSUPPORTED);
    CHECK_STR_CONTAINS(r.err.message, names[i]);
    trt_tensor src = opt_tensor(refused[i], 1, DIMS(4), z);
    opt_init(&r, TRT_OP_CAST, 13);
    opt_attr_int(&r, "to", TINYRT_FLOAT);
    CHECK_EQ_INT(opt_infer(&r, &src, 1, 1), TINYRT_ERR_UNSUPPORTED);
    CHECK_STR_CONTAINS(r.err.message, names[i]);
  }
  opt_init(&r, TRT_OP_CAST, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 1, 1), TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(r.err.message, "'to'");
  opt_init(&r, TRT_OP_CAST, 13);
  opt_attr_int(&r, "to", 99);
  CHECK_EQ_INT(opt_infer(&r, in, 1, 1), TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(r.err.message, "99");
}

static void test_clip(void) {
  op_run r;
  float x[5] = {-3, -0.5f, 0.25f, 2, NAN};
  trt_tensor in[3] = {opt_tensor(F, 1, DIMS(5), x), opt_absent(), opt_absent()};

  /* opset 6: bounds are attributes */
  opt_init(&r, TRT_OP_CLIP, 6);
  opt_attr_float(&r, "min", -1);
  opt_attr_float(&r, "max", 1);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_F32(r.out[0].data, ((float[]){-1, -0.5f, 0.25f, 1, NAN}), 5, 0);
  opt_free(&r);
  /* opset 6 without attributes: nothing to clip */
  opt_init(&r, TRT_OP_CLIP, 6);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_F32(r.out[0].data, x, 5, 0);
  opt_free(&r);
  /* opset 6 given bound inputs: refused */
  float lo = -1, hi = 1;
  in[1] = opt_tensor(F, 0, NULL, &lo);
  opt_init(&r, TRT_OP_CLIP, 6);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_MODEL);

  /* opset 11+: bounds are inputs; a bound given as an attribute is refused */
  in[2] = opt_tensor(F, 0, NULL, &hi);
  opt_init(&r, TRT_OP_CLIP, 11);
  CHECK_EQ_INT(opt_run(&r, in, 3, 1), TINYRT_OK);
  CHECK_F32(r.out[0].data, ((float[]){-1, -0.5f, 0.25f, 1, NAN}), 5, 0);
  opt_free(&r);
  opt_init(&r, TRT_OP_CLIP, 11);
  opt_attr_float(&r, "min", 0);
  CHECK_EQ_INT(opt_infer(&r, in, 3, 1), TINYRT_ERR_MODEL);
  /* only max (min absent) */
  in[1] = opt_absent();
  opt_init(&r, TRT_OP_CLIP, 13);
  CHECK_EQ_INT(opt_run(&r, in, 3, 1), TINYRT_OK);
  CHECK_F32(r.out[0].data, ((float[]){-3, -0.5f, 0.25f, 1, NAN}), 5, 0);
  opt_free(&r);
  /* min > max: everything becomes max */
  float lo2 = 2, hi2 = 0;
  in[1] = opt_tensor(F, 0, NULL, &lo2);
  in[2] = opt_tensor(F, 0, NULL, &hi2);
  opt_init(&r, TRT_OP_CLIP, 13);
  CHECK_EQ_INT(opt_run(&r, in, 3, 1), TINYRT_OK);
  CHECK_F32(r.out[0].data, ((float[]){0, 0, 0, 0, NAN}), 5, 0);
  opt_free(&r);

  /* integers since opset 12 */
  int8_t xi[4] = {-128, -5, 5, 127}, mi = -4;
  trt_tensor ii[2] = {opt_tensor(TINYRT_INT8, 1, DIMS(4), xi),
                      opt_tensor(TINYRT_INT8, 0, NULL, &mi)};
  opt_init(&r, TRT_OP_CLIP, 13);
  CHECK_EQ_INT(opt_run(&r, ii, 2, 1), TINYRT_OK);
  CHECK_EQ_INT(r.out[0].dtype, TINYRT_INT8);
  CHECK_INTS(int8_t, r.out[0].data, ((int8_t[]){-4, -4, 5, 127}), 4);
  opt_free(&r);
  opt_init(&r, TRT_OP_CLIP, 11);
  CHECK_EQ_INT(opt_infer(&r, ii, 2, 1), TINYRT_ERR_MODEL);

  /* bound dtype differs from the input; a bound that is not a scalar */
  in[1] = opt_tensor(TINYRT_DOUBLE, 0, NULL, &lo2);
  opt_init(&r, TRT_OP_CLIP, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 3, 1), TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(r.err.message, "min");
  in[1] = opt_tensor(F, 1, DIMS(2), x);
  opt_init(&r, TRT_OP_CLIP, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 3, 1), TINYRT_ERR_SHAPE);
  CHECK_STR_CONTAINS(r.err.message, "scalar");
}

static void test_identity(void) {
  op_run r;
  int64_t v[3] = {1, -2, INT64_MAX};
  trt_tensor in[1] = {opt_tensor(TINYRT_INT64, 2, DIMS(3, 1), v)};
  opt_init(&r, TRT_OP_IDENTITY, 16);
  CHECK_EQ_INT(opt_run(&r, in, 1, 1), TINYRT_OK);
  CHECK_EQ_INT(r.out[0].dtype, TINYRT_INT64);
  CHECK_SHAPE(&r.out[0], 2, DIMS(3, 1));
  CHECK_INTS(int64_t, r.out[0].data, v, 3);
  opt_free(&r);
  in[0] = opt_tensor(TINYRT_STRING, 1, DIMS(3), v);
  opt_init(&r, TRT_OP_IDENTITY, 16);
  CHECK_EQ_INT(opt_infer(&r, in, 1, 1), TINYRT_ERR_UNSUPPORTED);
}

static void test_registry(void) {
  const char *names[] = {"Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater",
                         "Not", "Where", "Sqrt", "Erf", "Tanh", "Exp", "Log", "Neg",
                         "Relu", "Sigmoid", "Cast", "Clip", "Identity"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const trt_op_def *d = trt_op_find("", names[i]);
    CHECK_MSG(d && d->infer && d->ref, "%s", names[i]);
  }
}

int main(void) {
  test_registry();
  test_add_same_shape_and_bcast();
  test_sub_mul_div_bcast_3d();
  test_bcast_iterator_merging();
  test_integer_arithmetic();
  test_binary_errors();
  test_pow();
  test_compare_and_not();
  test_where();
  test_unary_math();
  test_cast();
  test_clip();
  test_identity();
  return test_finish();
}
