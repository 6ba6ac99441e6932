/* EmbedLayerNormalization (src/ops/embed.c): shape inference, id and shape errors, and the
 * reference kernel against the unfused block it replaces, Gather → Add → Add → LayerNormalization
 * run by those ops' reference kernels. The fused kernel adds in the same order and normalizes like
 * LayerNormalization's kernel, so the comparison is exact. */
#include "op_testutil.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static float frand(float lo, float hi) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return lo + (hi - lo) * (float)((rng_state >> 40) / 16777216.0);
}
static void fill(float *p, size_t n, float lo, float hi) {
  for (size_t i = 0; i < n; i++) p[i] = frand(lo, hi);
}

/* Runs a standard op by its reference kernel; returns output 0 (malloc'd data). */
static trt_tensor run_ref(int op, int64_t opset, const trt_tensor *in, int n_in, float eps) {
  op_run r;
  opt_init(&r, op, opset);
  if (op == TRT_OP_LAYER_NORM) {
    opt_attr_int(&r, "axis", -1);
    opt_attr_float(&r, "epsilon", eps);
  }
  int rc = opt_run(&r, in, n_in, 1);
  CHECK_MSG(rc == TINYRT_OK, "%s: %s", r.node.op_type, r.err.message);
  trt_tensor out = r.out[0];
  r.out[0].data = NULL;
  opt_free(&r);
  return out;
}

static trt_tensor gather(trt_tensor table, trt_tensor ids) {
  trt_tensor in[2] = {table, ids};
  return run_ref(TRT_OP_GATHER, 13, in, 2, 0);
}

static trt_tensor add(trt_tensor a, trt_tensor b) {
  trt_tensor in[2] = {a, b};
  trt_tensor y = run_ref(TRT_OP_ADD, 14, in, 2, 0);
  free(a.data); /* both are intermediates here */
  free(b.data);
  return y;
}

enum { B = 3, S = 5, H = 12, V = 11, T = 3, P = 7 };
static float word[V * H], pos[P * H], seg[T * H], gamma_[H], beta_[H];

typedef struct embed_case {
  const char *what;
  int ids_dtype;      /* TINYRT_INT64 or TINYRT_INT32, for every id input */
  bool segment, beta;
  int pos_rows;       /* 0: no position_ids; 1: [1, S]; B: [B, S] */
} embed_case;

static void set_ids(void *p, int dtype, size_t i, int64_t v) {
  if (dtype == TINYRT_INT64) ((int64_t *)p)[i] = v;
  else ((int32_t *)p)[i] = (int32_t)v;
}

static void run_case(const embed_case *c) {
  static int64_t ids[B * S], seg_ids[B * S], pos_ids[B * S], arange[S];
  int dt = c->ids_dtype;
  for (int i = 0; i < B * S; i++) {
    set_ids(ids, dt, (size_t)i, i == 4 ? -2 : (i * 7 + 3) % V); /* -2: Gather's second to last */
    set_ids(seg_ids, dt, (size_t)i, i == 6 ? -1 : i % T);
    set_ids(pos_ids, dt, (size_t)i, i == 2 ? -1 : (i * 5 + 1) % P);
  }
  for (int i = 0; i < S; i++) arange[i] = i;
  float eps = 1e-5f;
  trt_tensor t_ids = opt_tensor(dt, 2, DIMS(B, S), ids);
  trt_tensor t_seg_ids = opt_tensor(dt, 2, DIMS(B, S), seg_ids);
  trt_tensor t_pos_ids = opt_tensor(dt, 2, DIMS(c->pos_rows ? c->pos_rows : 1, S), pos_ids);
  trt_tensor t_word = opt_tensor(TINYRT_FLOAT, 2, DIMS(V, H), word);
  trt_tensor t_pos = opt_tensor(TINYRT_FLOAT, 2, DIMS(P, H), pos);
  trt_tensor t_seg = opt_tensor(TINYRT_FLOAT, 2, DIMS(T, H), seg);
  trt_tensor t_gamma = opt_tensor(TINYRT_FLOAT, 1, DIMS(H), gamma_);
  trt_tensor t_beta = opt_tensor(TINYRT_FLOAT, 1, DIMS(H), beta_);

  /* the exported block: ((word + segment) + position), then LayerNormalization */
  trt_tensor e = gather(t_word, t_ids);
  if (c->segment) e = add(e, gather(t_seg, t_seg_ids));
  trt_tensor pg = gather(t_pos, c->pos_rows ? t_pos_ids
                                            : opt_tensor(TINYRT_INT64, 2, DIMS(1, S), arange));
  trt_tensor sum = run_ref(TRT_OP_ADD, 14, (trt_tensor[]){e, pg}, 2, 0);
  free(e.data);
  free(pg.data);
  trt_tensor ln_in[3] = {sum, t_gamma, t_beta};
  trt_tensor want = run_ref(TRT_OP_LAYER_NORM, 17, ln_in, c->beta ? 3 : 2, eps);

  op_run r;
  opt_init(&r, TRT_OP_EMBED_LAYER_NORM, 1);
  opt_attr_float(&r, "epsilon", eps);
  trt_tensor in[9] = {t_ids,
                      c->segment ? t_seg_ids : opt_absent(),
                      t_word,
                      t_pos,
                      c->segment ? t_seg : opt_absent(),
                      t_gamma,
                      c->beta ? t_beta : opt_absent(),
                      opt_absent(),
                      c->pos_rows ? t_pos_ids : opt_absent()};
  int outs[3] = {0, -1, 1};
  r.node.outputs = outs;
  int rc = opt_run(&r, in, 9, 3);
  CHECK_MSG(rc == TINYRT_OK, "%s: %s", c->what, r.err.message);
  if (rc == TINYRT_OK) {
    CHECK_SHAPE(&r.out[0], 3, DIMS(B, S, H));
    CHECK_SHAPE(&r.out[2], 3, DIMS(B, S, H));
    CHECK_MSG(opt_close_f32(r.out[0].data, want.data, B * S * H, 0, __FILE__, __LINE__), "%s",
              c->what);
    CHECK_MSG(opt_close_f32(r.out[2].data, sum.data, B * S * H, 0, __FILE__, __LINE__),
              "%s: embedding_sum", c->what);
  }
  opt_free(&r);
  free(want.data);
  free(sum.data);
}

static void test_against_unfused(void) {
  fill(word, V * H, -1, 1);
  fill(pos, P * H, -0.5f, 0.5f);
  fill(seg, T * H, -0.2f, 0.2f);
  fill(gamma_, H, 0.5f, 1.5f);
  fill(beta_, H, -0.3f, 0.3f);
  static const embed_case cases[] = {
      {"segment, beta, default positions", TINYRT_INT64, true, true, 0},
      {"int32 ids, no segment, no beta, position_ids [1, S]", TINYRT_INT32, false, false, 1},
      {"position_ids [B, S]", TINYRT_INT64, true, true, B},
      {"int32, segment, position_ids [B, S]", TINYRT_INT32, true, false, B},
  };
  for (size_t i = 0; i < TRT_ARRAY_LEN(cases); i++) run_case(&cases[i]);
}

/* --- errors ----------------------------------------------------------------------------------- */

static int64_t e_ids[B * S], e_seg_ids[B * S], e_pos_ids[S];

static void reset_ids(void) {
  for (int i = 0; i < B * S; i++) {
    e_ids[i] = i % V;
    e_seg_ids[i] = i % T;
  }
  for (int i = 0; i < S; i++) e_pos_ids[i] = i;
}

/* Runs the op on the error-test inputs; returns its code and leaves the message in r->err. */
static int run_err(op_run *r, int n_in, trt_tensor *in, int n_out) {
  opt_init(r, TRT_OP_EMBED_LAYER_NORM, 1);
  int rc = opt_run(r, in, n_in, n_out);
  opt_free(r);
  return rc;
}

static void test_errors(void) {
  trt_tensor in[9] = {opt_tensor(TINYRT_INT64, 2, DIMS(B, S), e_ids),
                      opt_tensor(TINYRT_INT64, 2, DIMS(B, S), e_seg_ids),
                      opt_tensor(TINYRT_FLOAT, 2, DIMS(V, H), word),
                      opt_tensor(TINYRT_FLOAT, 2, DIMS(P, H), pos),
                      opt_tensor(TINYRT_FLOAT, 2, DIMS(T, H), seg),
                      opt_tensor(TINYRT_FLOAT, 1, DIMS(H), gamma_),
                      opt_tensor(TINYRT_FLOAT, 1, DIMS(H), beta_),
                      opt_absent(),
                      opt_tensor(TINYRT_INT64, 2, DIMS(1, S), e_pos_ids)};
  op_run r;
  reset_ids();
  CHECK(run_err(&r, 9, in, 1) == TINYRT_OK);

  /* ids out of range: the input, the element and the id, and nothing crashes */
  e_ids[1 * S + 3] = V;
  CHECK(run_err(&r, 9, in, 1) == TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(r.err.message, "input_ids[1, 3] = 11");
  CHECK_STR_CONTAINS(r.err.message, "word_embedding");
  reset_ids();
  e_ids[0] = -V - 1;
  CHECK(run_err(&r, 9, in, 1) == TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(r.err.message, "input_ids[0, 0] = -12");
  reset_ids();
  e_ids[2] = (int64_t)1 << 40;
  CHECK(run_err(&r, 9, in, 1) == TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(r.err.message, "1099511627776");
  reset_ids();
  e_seg_ids[2 * S + 4] = -T - 1;
  CHECK(run_err(&r, 9, in, 1) == TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(r.err.message, "segment_ids[2, 4] = -4");
  CHECK_STR_CONTAINS(r.err.message, "segment_embedding");
  reset_ids();
  e_pos_ids[3] = P;
  CHECK(run_err(&r, 9, in, 1) == TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(r.err.message, "position_ids[0, 3] = 7");
  CHECK_STR_CONTAINS(r.err.message, "position_embedding");
  reset_ids();

  /* default positions 0..S-1 need S <= P */
  trt_tensor short_pos[9];
  memcpy(short_pos, in, sizeof in);
  short_pos[3] = opt_tensor(TINYRT_FLOAT, 2, DIMS(S - 1, H), pos);
  CHECK(run_err(&r, 8, short_pos, 1) == TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(r.err.message, "sequence length 5 exceeds the 4 rows of position_embedding");
  e_pos_ids[4] = 0; /* explicit positions below 4 are fine with 4 rows */
  CHECK(run_err(&r, 9, short_pos, 1) == TINYRT_OK);
  reset_ids();

  /* shapes and types */
  CHECK(run_err(&r, 5, in, 1) == TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(r.err.message, "input 5 (gamma) is missing");
  trt_tensor bad[9];
  memcpy(bad, in, sizeof in);
  bad[4] = opt_absent();
  CHECK(run_err(&r, 9, bad, 1) == TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(r.err.message, "segment_ids and segment_embedding");
  memcpy(bad, in, sizeof in);
  bad[5] = opt_tensor(TINYRT_FLOAT, 1, DIMS(H - 1), gamma_);
  CHECK(run_err(&r, 9, bad, 1) == TINYRT_ERR_SHAPE);
  CHECK_STR_CONTAINS(r.err.message, "gamma");
  memcpy(bad, in, sizeof in);
  bad[3] = opt_tensor(TINYRT_FLOAT, 2, DIMS(P, H + 1), pos);
  CHECK(run_err(&r, 9, bad, 1) == TINYRT_ERR_SHAPE);
  CHECK_STR_CONTAINS(r.err.message, "position_embedding must have last dim 12");
  memcpy(bad, in, sizeof in);
  bad[8] = opt_tensor(TINYRT_INT64, 2, DIMS(2, S), e_ids);
  CHECK(run_err(&r, 9, bad, 1) == TINYRT_ERR_SHAPE);
  CHECK_STR_CONTAINS(r.err.message, "position_ids [2, 5]");
  memcpy(bad, in, sizeof in);
  bad[1] = opt_tensor(TINYRT_INT64, 2, DIMS(B, S - 1), e_seg_ids);
  CHECK(run_err(&r, 9, bad, 1) == TINYRT_ERR_SHAPE);
  CHECK_STR_CONTAINS(r.err.message, "segment_ids [3, 4]");
  memcpy(bad, in, sizeof in);
  bad[0] = opt_tensor(TINYRT_FLOAT, 2, DIMS(B, S), word);
  CHECK(run_err(&r, 9, bad, 1) == TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(r.err.message, "input_ids must be int64 or int32");
  memcpy(bad, in, sizeof in);
  bad[0] = opt_tensor(TINYRT_INT64, 1, DIMS(B * S), e_ids);
  CHECK(run_err(&r, 9, bad, 1) == TINYRT_ERR_SHAPE);
  CHECK_STR_CONTAINS(r.err.message, "input_ids must have rank 2");

  /* mask_index is not produced: asking for it is an error, not a silent gap */
  opt_init(&r, TRT_OP_EMBED_LAYER_NORM, 1);
  int outs[2] = {0, 1};
  r.node.outputs = outs;
  CHECK(opt_infer(&r, in, 9, 2) == TINYRT_ERR_UNSUPPORTED);
  CHECK_STR_CONTAINS(r.err.message, "mask_index");
}

int main(void) {
  test_against_unfused();
  test_errors();
  return test_finish();
}
