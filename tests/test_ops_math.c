/* MatMul and Gemm: shape inference and reference kernels, called directly.
 *
 * Inputs are small integers (or halves), so every product and partial sum is exactly
 * representable in float and results are compared exactly. Larger cases are checked against a
 * naive triple loop written here with its own index arithmetic. */
#include <stdint.h>

#include "op_testutil.h"

#define F TINYRT_FLOAT

static void test_matmul_2d(void) {
  op_run r;
  /* [1 2 3]   [1 4]
   * [4 5 6] x [2 5] = [1*1+2*2+3*3, 1*4+2*5+3*6; 4*1+5*2+6*3, 4*4+5*5+6*6] = [14, 32; 32, 77]
   *           [3 6] */
  float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 4, 2, 5, 3, 6};
  trt_tensor in[2] = {opt_tensor(F, 2, DIMS(2, 3), a), opt_tensor(F, 2, DIMS(3, 2), b)};
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_EQ_INT(r.out[0].dtype, F);
  CHECK_SHAPE(&r.out[0], 2, DIMS(2, 2));
  CHECK_F32(r.out[0].data, ((float[]){14, 32, 32, 77}), 4, 0);
  opt_free(&r);

  /* int64 */
  int64_t la[4] = {1, -2, 3, 4}, lb[4] = {5, 6, 7, 8};
  in[0] = opt_tensor(TINYRT_INT64, 2, DIMS(2, 2), la);
  in[1] = opt_tensor(TINYRT_INT64, 2, DIMS(2, 2), lb);
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  /* [1*5-2*7, 1*6-2*8; 3*5+4*7, 3*6+4*8] */
  CHECK_INTS(int64_t, r.out[0].data, ((int64_t[]){-9, -10, 43, 50}), 4);
  opt_free(&r);
}

static void test_matmul_1d(void) {
  op_run r;
  /* [3] x [3] -> scalar: 1*4 + 2*5 + 3*6 = 32 */
  float v[3] = {1, 2, 3}, w[3] = {4, 5, 6};
  trt_tensor in[2] = {opt_tensor(F, 1, DIMS(3), v), opt_tensor(F, 1, DIMS(3), w)};
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_EQ_INT(r.out[0].rank, 0);
  CHECK_F32(r.out[0].data, ((float[]){32}), 1, 0);
  opt_free(&r);

  /* [3] x [2,3,2] -> [2,2]: the vector times each matrix */
  float m[12] = {1, 0, 0, 1, 1, 1, /* batch 0: rows (1,0) (0,1) (1,1) */
                 2, 0, 0, 2, 0, 0}; /* batch 1: rows (2,0) (0,2) (0,0) */
  in[1] = opt_tensor(F, 3, DIMS(2, 3, 2), m);
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 2, DIMS(2, 2));
  /* batch 0: 1*(1,0) + 2*(0,1) + 3*(1,1) = (4,5); batch 1: 1*(2,0) + 2*(0,2) = (2,4) */
  CHECK_F32(r.out[0].data, ((float[]){4, 5, 2, 4}), 4, 0);
  opt_free(&r);

  /* [2,2,3] x [3] -> [2,2]: each row dotted with the vector */
  float x[12] = {1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  in[0] = opt_tensor(F, 3, DIMS(2, 2, 3), x);
  in[1] = opt_tensor(F, 1, DIMS(3), w);
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 2, DIMS(2, 2));
  CHECK_F32(r.out[0].data, ((float[]){15, 4, 5, 6}), 4, 0);
  opt_free(&r);
}

/* Reference for batched broadcast: a [ba0, ba1, M, K] with ba dims 1 or equal to the output's. */
static void naive_batched(const float *a, const int64_t *da, const float *b, const int64_t *db,
                          float *c, int64_t o0, int64_t o1, int64_t M, int64_t K, int64_t N) {
  for (int64_t i0 = 0; i0 < o0; i0++)
    for (int64_t i1 = 0; i1 < o1; i1++) {
      int64_t a0 = da[0] == 1 ? 0 : i0, a1 = da[1] == 1 ? 0 : i1;
      int64_t b0 = db[0] == 1 ? 0 : i0, b1 = db[1] == 1 ? 0 : i1;
      const float *pa = a + (a0 * da[1] + a1) * M * K;
      const float *pb = b + (b0 * db[1] + b1) * K * N;
      float *pc = c + (i0 * o1 + i1) * M * N;
      for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
          float s = 0;
          for (int64_t k = 0; k < K; k++) s += pa[i * K + k] * pb[k * N + j];
          pc[i * N + j] = s;
        }
    }
}

static void test_matmul_batched_broadcast(void) {
  op_run r;
  /* A [2,1,2,3] x B [3,3,2] (B's batch [3] lines up with A's [1]) -> [2,3,2,2] */
  float a[12], b[18];
  for (int i = 0; i < 12; i++) a[i] = (float)(i % 5) - 2;
  for (int i = 0; i < 18; i++) b[i] = (float)(i % 7) - 3;
  trt_tensor in[2] = {opt_tensor(F, 4, DIMS(2, 1, 2, 3), a), opt_tensor(F, 3, DIMS(3, 3, 2), b)};
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 4, DIMS(2, 3, 2, 2));
  float want[24];
  naive_batched(a, DIMS(2, 1), b, DIMS(1, 3), want, 2, 3, 2, 3, 2);
  CHECK_F32(r.out[0].data, want, 24, 0);
  opt_free(&r);

  /* both sides broadcast: A [1,2,2,3] x B [2,1,3,2] -> [2,2,2,2] */
  float b2[24];
  for (int i = 0; i < 24; i++) b2[i] = (float)(i % 4) * 0.5f;
  in[0] = opt_tensor(F, 4, DIMS(1, 2, 2, 3), a);
  in[1] = opt_tensor(F, 4, DIMS(2, 1, 3, 2), b2);
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 4, DIMS(2, 2, 2, 2));
  float want2[16];
  naive_batched(a, DIMS(1, 2), b2, DIMS(2, 1), want2, 2, 2, 2, 3, 2);
  CHECK_F32(r.out[0].data, want2, 16, 0);
  opt_free(&r);

  /* a 2-D weight shared by a batch, like BERT's projections: [2,3,4] x [4,2] */
  float x[24], wt[8] = {1, 0, 0, 1, 1, 1, -1, 0.5f};
  for (int i = 0; i < 24; i++) x[i] = (float)i;
  in[0] = opt_tensor(F, 3, DIMS(2, 3, 4), x);
  in[1] = opt_tensor(F, 2, DIMS(4, 2), wt);
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 3, DIMS(2, 3, 2));
  float want3[12];
  naive_batched(x, DIMS(1, 2), wt, DIMS(1, 1), want3, 1, 2, 3, 4, 2);
  CHECK_F32(r.out[0].data, want3, 12, 0);
  opt_free(&r);

  /* K = 0: an empty sum is 0 */
  in[0] = opt_tensor(F, 2, DIMS(2, 0), a);
  in[1] = opt_tensor(F, 2, DIMS(0, 3), b);
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 2, DIMS(2, 3));
  CHECK_F32(r.out[0].data, ((float[]){0, 0, 0, 0, 0, 0}), 6, 0);
  opt_free(&r);
}

static void test_matmul_errors(void) {
  op_run r;
  float a[24] = {0};
  int64_t l[24] = {0};
  /* inner dims differ */
  trt_tensor in[2] = {opt_tensor(F, 2, DIMS(2, 3), a), opt_tensor(F, 2, DIMS(4, 2), a)};
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_SHAPE);
  CHECK_STR_CONTAINS(r.err.message, "[2,3]");
  /* batch dims that do not broadcast */
  in[0] = opt_tensor(F, 3, DIMS(2, 2, 3), a);
  in[1] = opt_tensor(F, 3, DIMS(3, 3, 2), a);
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_SHAPE);
  /* a scalar operand */
  in[0] = opt_tensor(F, 0, NULL, a);
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_SHAPE);
  /* float x int64 */
  in[0] = opt_tensor(F, 2, DIMS(2, 3), a);
  in[1] = opt_tensor(TINYRT_INT64, 2, DIMS(3, 2), l);
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_MODEL);
  /* float16: ONNX but not tinyrt; bool: not ONNX */
  in[0] = opt_tensor(TINYRT_FLOAT16, 2, DIMS(2, 3), a);
  in[1] = opt_tensor(TINYRT_FLOAT16, 2, DIMS(3, 2), a);
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_UNSUPPORTED);
  in[0] = opt_tensor(TINYRT_BOOL, 2, DIMS(2, 3), a);
  in[1] = opt_tensor(TINYRT_BOOL, 2, DIMS(3, 2), a);
  opt_init(&r, TRT_OP_MATMUL, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_MODEL);
}

/* Y = alpha * A' B' + beta * C, by a naive loop over (possibly transposed) A and B */
static void naive_gemm(const float *a, const float *b, const float *c, int c_rows, int c_cols,
                       float *y, int M, int K, int N, int ta, int tb, float alpha, float beta) {
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++) {
      float s = 0;
      for (int k = 0; k < K; k++)
        s += (ta ? a[k * M + i] : a[i * K + k]) * (tb ? b[j * K + k] : b[k * N + j]);
      float cv = c ? c[(c_rows == 1 ? 0 : i) * c_cols + (c_cols == 1 ? 0 : j)] : 0;
      y[i * N + j] = alpha * s + beta * cv;
    }
}

static void test_gemm(void) {
  op_run r;
  /* defaults, no C: [2,3] x [3,2] = [14,32; 32,77] (as in the MatMul test) */
  float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 4, 2, 5, 3, 6};
  trt_tensor in[3] = {opt_tensor(F, 2, DIMS(2, 3), a), opt_tensor(F, 2, DIMS(3, 2), b),
                      opt_absent()};
  opt_init(&r, TRT_OP_GEMM, 13);
  CHECK_EQ_INT(opt_run(&r, in, 2, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 2, DIMS(2, 2));
  CHECK_F32(r.out[0].data, ((float[]){14, 32, 32, 77}), 4, 0);
  opt_free(&r);

  /* alpha 0.5, beta 2, C a row [2] broadcast over rows:
   * 0.5*[14,32;32,77] + 2*[1,-1] = [9, 14; 18, 36.5] */
  float crow[2] = {1, -1};
  in[2] = opt_tensor(F, 1, DIMS(2), crow);
  opt_init(&r, TRT_OP_GEMM, 13);
  opt_attr_float(&r, "alpha", 0.5f);
  opt_attr_float(&r, "beta", 2);
  CHECK_EQ_INT(opt_run(&r, in, 3, 1), TINYRT_OK);
  CHECK_F32(r.out[0].data, ((float[]){9, 14, 18, 36.5f}), 4, 0);
  opt_free(&r);

  /* C as a column [2,1] and as a scalar */
  float ccol[2] = {100, 200}, cs = -1;
  in[2] = opt_tensor(F, 2, DIMS(2, 1), ccol);
  opt_init(&r, TRT_OP_GEMM, 13);
  CHECK_EQ_INT(opt_run(&r, in, 3, 1), TINYRT_OK);
  CHECK_F32(r.out[0].data, ((float[]){114, 132, 232, 277}), 4, 0);
  opt_free(&r);
  in[2] = opt_tensor(F, 0, NULL, &cs);
  opt_init(&r, TRT_OP_GEMM, 13);
  CHECK_EQ_INT(opt_run(&r, in, 3, 1), TINYRT_OK);
  CHECK_F32(r.out[0].data, ((float[]){13, 31, 31, 76}), 4, 0);
  opt_free(&r);

  /* transA and transB together, full C: A stored [K=4, M=3], B stored [N=5, K=4] */
  float ta[12], tb[20], cm[15], want[15];
  for (int i = 0; i < 12; i++) ta[i] = (float)(i % 3) - 1;
  for (int i = 0; i < 20; i++) tb[i] = (float)(i % 4);
  for (int i = 0; i < 15; i++) cm[i] = (float)i * 0.5f;
  in[0] = opt_tensor(F, 2, DIMS(4, 3), ta);
  in[1] = opt_tensor(F, 2, DIMS(5, 4), tb);
  in[2] = opt_tensor(F, 2, DIMS(3, 5), cm);
  opt_init(&r, TRT_OP_GEMM, 13);
  opt_attr_int(&r, "transA", 1);
  opt_attr_int(&r, "transB", 1);
  opt_attr_float(&r, "alpha", 0.25f);
  opt_attr_float(&r, "beta", 0.5f);
  CHECK_EQ_INT(opt_run(&r, in, 3, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 2, DIMS(3, 5));
  naive_gemm(ta, tb, cm, 3, 5, want, 3, 4, 5, 1, 1, 0.25f, 0.5f);
  CHECK_F32(r.out[0].data, want, 15, 0);
  opt_free(&r);

  /* transB only, C [1,5] */
  float ab[6] = {1, -1, 2, 0, 3, 1}; /* A [3,2] */
  float bt[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}; /* B stored [5,2] */
  in[0] = opt_tensor(F, 2, DIMS(3, 2), ab);
  in[1] = opt_tensor(F, 2, DIMS(5, 2), bt);
  in[2] = opt_tensor(F, 2, DIMS(1, 5), cm);
  opt_init(&r, TRT_OP_GEMM, 13);
  opt_attr_int(&r, "transB", 1);
  CHECK_EQ_INT(opt_run(&r, in, 3, 1), TINYRT_OK);
  CHECK_SHAPE(&r.out[0], 2, DIMS(3, 5));
  naive_gemm(ab, bt, cm, 1, 5, want, 3, 2, 5, 0, 1, 1, 1);
  CHECK_F32(r.out[0].data, want, 15, 0);
  opt_free(&r);
}

static void test_gemm_errors(void) {
  op_run r;
  float a[16] = {0};
  trt_tensor in[3] = {opt_tensor(F, 2, DIMS(2, 3), a), opt_tensor(F, 2, DIMS(3, 4), a),
                      opt_tensor(F, 2, DIMS(4, 2), a)};
  /* C [4,2] against Y [2,4]: unidirectional broadcast fails */
  opt_init(&r, TRT_OP_GEMM, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 3, 1), TINYRT_ERR_SHAPE);
  CHECK_STR_CONTAINS(r.err.message, "[4,2]");
  /* C [1,1,4] has more dims than Y: refused (numpy would widen Y) */
  in[2] = opt_tensor(F, 3, DIMS(1, 1, 4), a);
  opt_init(&r, TRT_OP_GEMM, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 3, 1), TINYRT_ERR_SHAPE);
  /* no C before opset 11 */
  opt_init(&r, TRT_OP_GEMM, 9);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_MODEL);
  /* inner dims (after transposition) differ */
  opt_init(&r, TRT_OP_GEMM, 13);
  opt_attr_int(&r, "transA", 1);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_SHAPE);
  /* 3-D A */
  in[0] = opt_tensor(F, 3, DIMS(1, 2, 3), a);
  opt_init(&r, TRT_OP_GEMM, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_SHAPE);
  /* int32: ONNX but not tinyrt; C of another dtype */
  in[0] = opt_tensor(TINYRT_INT32, 2, DIMS(2, 3), a);
  in[1] = opt_tensor(TINYRT_INT32, 2, DIMS(3, 4), a);
  opt_init(&r, TRT_OP_GEMM, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 2, 1), TINYRT_ERR_UNSUPPORTED);
  in[0] = opt_tensor(F, 2, DIMS(2, 3), a);
  in[1] = opt_tensor(F, 2, DIMS(3, 4), a);
  in[2] = opt_tensor(TINYRT_DOUBLE, 1, DIMS(4), a);
  opt_init(&r, TRT_OP_GEMM, 13);
  CHECK_EQ_INT(opt_infer(&r, in, 3, 1), TINYRT_ERR_MODEL);
}

int main(void) {
  CHECK(trt_op_find("", "MatMul") != NULL);
  CHECK(trt_op_find("ai.onnx", "Gemm") != NULL);
  test_matmul_2d();
  test_matmul_1d();
  test_matmul_batched_broadcast();
  test_matmul_errors();
  test_gemm();
  test_gemm_errors();
  return test_finish();
}
