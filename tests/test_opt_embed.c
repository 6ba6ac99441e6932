/* EmbedLayerNormalization end to end, on small models from tests/make_embed_models.py:
 *
 *   - the op alone (every optional input, int32 and int64 ids, negative ids, hidden sizes with
 *     and without vector tails): the cpu provider, on each kernel path this CPU has, against the
 *     reference kernel, and out-of-range ids failing with the input and id named on both;
 *   - the embedding block as exporters write it: the fusion fires (Add order, no token types,
 *     dynamic and fixed sequence lengths, position buffers kept as position_ids), and level 2
 *     on ref and cpu matches level 0; near misses whose intermediates are read outside the
 *     block are left alone.
 *
 * Tolerance 1e-5 absolute on LayerNorm outputs of magnitude up to ~4: the cpu kernel computes the
 * statistics in float with 8 or 16 partial sums where the reference uses double, a difference of
 * a few float32 ulps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/session.h"
#include "testutil.h"

#define TOL 1e-5
enum { V = 50, P = 32, T = 3 }; /* as make_embed_models.py */

static char dir[1024];

static tinyrt_session *open_opts(const char *file, int level, const char *ep, const char *isa,
                                 const tinyrt_dim_override *dims, int n_dims, tinyrt_error *err) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  tinyrt_options o;
  tinyrt_options_init(&o);
  o.opt_level = level;
  o.providers = ep;
  o.cpu_isa = isa;
  o.threads = 2;
  o.dim_overrides = dims;
  o.n_dim_overrides = n_dims;
  tinyrt_session *s = NULL;
  memset(err, 0, sizeof *err);
  tinyrt_session_open(path, &o, &s, err);
  return s;
}

static tinyrt_session *open_model(const char *file, int level, const char *ep, const char *isa,
                                  const tinyrt_dim_override *dims, int n_dims) {
  tinyrt_error err;
  tinyrt_session *s = open_opts(file, level, ep, isa, dims, n_dims, &err);
  CHECK_MSG(s != NULL, "%s (level %d, %s): %s", file, level, ep, err.message);
  return s;
}

/* Provider of the session's only EmbedLayerNormalization node ("" when there is none). */
static const char *embed_ep(const tinyrt_session *s) {
  for (int i = 0; i < s->n_order; i++) {
    const trt_node *n = &s->g.nodes[s->order[i]];
    if (n->op == TRT_OP_EMBED_LAYER_NORM) return s->eps[n->ep]->name;
  }
  return "";
}

/* --- inputs ----------------------------------------------------------------------------------- */

typedef struct inputs {
  tinyrt_tensor t[6];
  int n;
} inputs;

static void free_inputs(inputs *in) {
  for (int i = 0; i < in->n; i++) free(in->t[i].data);
  in->n = 0;
}

/* Inputs for every graph input of s at batch b, sequence sq: ids of each kind in range for the
 * model's tables, a few negative (Gather's from-the-end ids). */
static void make_inputs(const tinyrt_session *s, int b, int sq, inputs *in) {
  uint64_t st = 777;
  in->n = tinyrt_input_count(s);
  for (int i = 0; i < in->n; i++) {
    tinyrt_io_info info;
    tinyrt_input_info(s, i, &info);
    tinyrt_tensor *t = &in->t[i];
    memset(t, 0, sizeof *t);
    t->name = info.name;
    t->dtype = info.dtype;
    t->rank = 2;
    t->dims[0] = info.dims[0] == 1 ? 1 : b;
    t->dims[1] = sq;
    size_t n = (size_t)(t->dims[0] * sq);
    t->data = calloc(n, sizeof(int64_t));
    int64_t bound = !strcmp(info.name, "input_ids") ? V : !strcmp(info.name, "position_ids") ? P
                    : !strcmp(info.name, "mask") ? 2 : T;
    for (size_t k = 0; k < n; k++) {
      st = st * 6364136223846793005ull + 1442695040888963407ull;
      int64_t v = (int64_t)((st >> 33) % (uint64_t)bound);
      if (k == 3 && bound > 2) v = -1;
      if (info.dtype == TINYRT_INT64) ((int64_t *)t->data)[k] = v;
      else ((int32_t *)t->data)[k] = (int32_t)v;
    }
  }
}

static int run(tinyrt_session *s, const inputs *in, tinyrt_tensor *out, int n_out,
               tinyrt_error *err) {
  memset(out, 0, sizeof *out * (size_t)n_out);
  memset(err, 0, sizeof *err);
  return tinyrt_run(s, in->t, in->n, out, n_out, err);
}

/* Max |a - b| over the outputs of two sessions on the same inputs. */
static double max_diff(tinyrt_session *a, tinyrt_session *b, const inputs *in) {
  int n = tinyrt_output_count(a);
  tinyrt_tensor oa[4], ob[4];
  tinyrt_error err;
  if (n > 4 || n != tinyrt_output_count(b)) return INFINITY;
  int rc = run(a, in, oa, n, &err);
  CHECK_MSG(rc == TINYRT_OK, "run: %s", err.message);
  if (rc) return INFINITY;
  rc = run(b, in, ob, n, &err);
  CHECK_MSG(rc == TINYRT_OK, "run: %s", err.message);
  double worst = rc ? INFINITY : test_outputs_max_diff(oa, ob, n);
  for (int k = 0; k < n; k++) tinyrt_tensor_free(a, &oa[k]);
  if (!rc)
    for (int k = 0; k < n; k++) tinyrt_tensor_free(b, &ob[k]);
  return worst;
}

/* Kernel paths of the cpu provider to test here: the portable one, and AVX2 when present. */
static int cpu_paths(const char **isa) {
  int n = 0;
  isa[n++] = "portable";
  tinyrt_error err;
  tinyrt_session *s = open_opts("op_seg.onnx", 2, "cpu", "avx2", NULL, 0, &err);
  if (s) isa[n++] = "avx2";
  else printf("  (no AVX2 here: its path is not tested: %s)\n", err.message);
  tinyrt_session_close(s);
  return n;
}

/* --- the op alone ----------------------------------------------------------------------------- */

static void test_op(void) {
  static const char *files[] = {"op_seg.onnx", "op_pos1.onnx", "op_posb.onnx"};
  const char *isa[2];
  int n_isa = cpu_paths(isa);
  for (size_t f = 0; f < TRT_ARRAY_LEN(files); f++) {
    tinyrt_session *ref = open_model(files[f], 2, "ref", NULL, NULL, 0);
    for (int k = 0; k < n_isa && ref; k++) {
      tinyrt_session *cpu = open_model(files[f], 2, "cpu", isa[k], NULL, 0);
      if (!cpu) continue;
      CHECK_MSG(!strcmp(embed_ep(cpu), "cpu"), "%s: the cpu provider did not take the node",
                files[f]);
      static const int shapes[][2] = {{2, 9}, {1, 1}, {5, 32}, {3, 17}};
      for (size_t i = 0; i < TRT_ARRAY_LEN(shapes); i++) {
        inputs in;
        make_inputs(cpu, shapes[i][0], shapes[i][1], &in);
        double d = max_diff(cpu, ref, &in);
        CHECK_MSG(d <= TOL, "%s b%d s%d (%s): cpu differs from ref by %.3g", files[f],
                  shapes[i][0], shapes[i][1], isa[k], d);
        free_inputs(&in);
      }
      printf("  %-16s cpu (%s) matches ref\n", files[f], isa[k]);
      tinyrt_session_close(cpu);
    }
    tinyrt_session_close(ref);
  }
}

/* An id out of range fails the run on either provider, naming the input and the id. */
static void test_bad_ids(void) {
  static const struct {
    const char *file, *input;
    int64_t bad;
    const char *want;
  } cases[] = {
      {"op_seg.onnx", "input_ids", V, "input_ids[1, 2] = 50"},
      {"op_seg.onnx", "segment_ids", -T - 1, "segment_ids[1, 2] = -4"},
      {"op_posb.onnx", "position_ids", 1000000, "position_ids[1, 2] = 1000000"},
      {"op_pos1.onnx", "input_ids", -V - 1, "input_ids[1, 2] = -51"},
  };
  static const char *eps[] = {"ref", "cpu"};
  for (size_t c = 0; c < TRT_ARRAY_LEN(cases); c++) {
    for (int e = 0; e < 2; e++) {
      tinyrt_session *s = open_model(cases[c].file, 2, eps[e], NULL, NULL, 0);
      if (!s) continue;
      CHECK(!strcmp(embed_ep(s), eps[e]));
      inputs in;
      make_inputs(s, 2, 6, &in);
      for (int i = 0; i < in.n; i++) {
        if (strcmp(in.t[i].name, cases[c].input)) continue;
        size_t k = 6 + 2; /* element [1, 2] */
        if (in.t[i].dtype == TINYRT_INT64) ((int64_t *)in.t[i].data)[k] = cases[c].bad;
        else ((int32_t *)in.t[i].data)[k] = (int32_t)cases[c].bad;
      }
      tinyrt_tensor out[2];
      tinyrt_error err;
      int rc = run(s, &in, out, tinyrt_output_count(s), &err);
      CHECK_MSG(rc == TINYRT_ERR_ARGUMENT, "%s %s on %s: rc %d", cases[c].file, cases[c].input,
                eps[e], rc);
      CHECK_STR_CONTAINS(err.message, cases[c].want);
      if (rc == TINYRT_OK)
        for (int k = 0; k < tinyrt_output_count(s); k++) tinyrt_tensor_free(s, &out[k]);
      free_inputs(&in);
      tinyrt_session_close(s);
    }
  }
  /* the mask_index output is not produced: an error, on whichever provider */
  for (int e = 0; e < 2; e++) {
    tinyrt_error err;
    tinyrt_session *s = open_opts("op_mask_index.onnx", 2, eps[e], NULL, NULL, 0, &err);
    if (s) {
      inputs in;
      make_inputs(s, 2, 4, &in);
      tinyrt_tensor out[2];
      CHECK(run(s, &in, out, 2, &err) == TINYRT_ERR_UNSUPPORTED);
      free_inputs(&in);
      tinyrt_session_close(s);
    }
    CHECK_STR_CONTAINS(err.message, "mask_index");
  }
}

/* --- the fusion ------------------------------------------------------------------------------- */

typedef struct pattern {
  const char *file;
  int fired;          /* embed_layer_norm count at level 2 */
  int nodes_after;    /* live nodes at level 2 */
} pattern;

static void test_patterns(void) {
  static const pattern cases[] = {
      {"pat_hf.onnx", 1, 2},            /* the fused op and the output's Identity */
      {"pat_order.onnx", 1, 2},         /* pos + (type + word), native LayerNormalization */
      {"pat_notype.onnx", 1, 2},
      {"pat_buffer.onnx", 1, 6},        /* the position-id Slice (and its Shape chain) stays */
      {"pat_short_buffer.onnx", 1, 6},
      {"pat_sum_out.onnx", 0, -1},      /* the sum is a graph output */
      {"pat_word_shared.onnx", 0, -1},  /* the word rows have another reader */
  };
  static const char *eps[] = {"ref", "cpu"};
  for (size_t c = 0; c < TRT_ARRAY_LEN(cases); c++) {
    const pattern *p = &cases[c];
    tinyrt_session *s0 = open_model(p->file, 0, "ref", NULL, NULL, 0);
    for (int e = 0; e < 2 && s0; e++) {
      tinyrt_session *s2 = open_model(p->file, 2, eps[e], NULL, NULL, 0);
      if (!s2) continue;
      const trt_opt_report *r = trt_session_opt_report(s2);
      CHECK_MSG(r->count[TRT_OPT_EMBED_LAYER_NORM] == p->fired, "%s: fired %d times, expected %d",
                p->file, r->count[TRT_OPT_EMBED_LAYER_NORM], p->fired);
      if (p->nodes_after >= 0)
        CHECK_MSG(r->nodes_after == p->nodes_after, "%s: %d nodes after, expected %d", p->file,
                  r->nodes_after, p->nodes_after);
      if (p->fired)
        CHECK_MSG(!strcmp(embed_ep(s2), eps[e]), "%s: node on %s", p->file, embed_ep(s2));
      else
        CHECK(r->ops_after[TRT_OP_LAYER_NORM] == 1 && r->ops_after[TRT_OP_ADD] == 2);
      static const int shapes[][2] = {{2, 7}, {1, 1}, {3, 16}};
      for (size_t i = 0; i < TRT_ARRAY_LEN(shapes); i++) {
        inputs in;
        make_inputs(s2, shapes[i][0], shapes[i][1], &in);
        double d = max_diff(s2, s0, &in);
        CHECK_MSG(d <= TOL, "%s b%d s%d on %s: level 2 differs from level 0 by %.3g", p->file,
                  shapes[i][0], shapes[i][1], eps[e], d);
        free_inputs(&in);
      }
      printf("  %-24s %s: embed_layer_norm %d, level 2 matches level 0\n", p->file, eps[e],
             r->count[TRT_OPT_EMBED_LAYER_NORM]);
      tinyrt_session_close(s2);
    }
    tinyrt_session_close(s0);
  }
}

/* Fixed shapes fold the position rows into a constant [1, S, H]: it becomes the op's table. */
static void test_static(void) {
  tinyrt_dim_override dims[2] = {{"batch", 2}, {"seq", 9}};
  tinyrt_session *s0 = open_model("pat_hf.onnx", 0, "ref", NULL, dims, 2);
  tinyrt_session *s2 = open_model("pat_hf.onnx", 2, "cpu", NULL, dims, 2);
  if (s0 && s2) {
    const trt_opt_report *r = trt_session_opt_report(s2);
    CHECK(r->count[TRT_OPT_FOLDED] > 0);
    CHECK_EQ_INT(r->count[TRT_OPT_EMBED_LAYER_NORM], 1);
    CHECK_EQ_INT(r->nodes_after, 2);
    inputs in;
    make_inputs(s2, 2, 9, &in);
    double d = max_diff(s2, s0, &in);
    CHECK_MSG(d <= TOL, "static: level 2 differs from level 0 by %.3g", d);
    free_inputs(&in);
  }
  tinyrt_session_close(s0);
  tinyrt_session_close(s2);
}

/* Sequences longer than the position ids the model has fail fused as they do unfused. */
static void test_too_long(void) {
  static const struct {
    const char *file;
    int seq;
  } cases[] = {{"pat_hf.onnx", P + 1}, {"pat_short_buffer.onnx", P / 2 + 1}};
  for (size_t c = 0; c < TRT_ARRAY_LEN(cases); c++) {
    for (int level = 0; level <= 2; level += 2) {
      tinyrt_session *s = open_model(cases[c].file, level, "cpu", NULL, NULL, 0);
      if (!s) continue;
      inputs in;
      make_inputs(s, 2, cases[c].seq, &in);
      tinyrt_tensor out[1];
      tinyrt_error err;
      int rc = run(s, &in, out, 1, &err);
      CHECK_MSG(rc != TINYRT_OK, "%s level %d: s%d ran", cases[c].file, level, cases[c].seq);
      if (rc == TINYRT_OK) tinyrt_tensor_free(s, &out[0]);
      free_inputs(&in);
      tinyrt_session_close(s);
    }
  }
}

int main(void) {
  char cmd[4096];
  snprintf(dir, sizeof dir, "%s/test-models-opt/embed", TINYRT_BINARY_DIR);
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/make_embed_models.py %s", TINYRT_SOURCE_DIR,
           dir);
  if (system(cmd) != 0) {
    CHECK_MSG(false, "%s failed", cmd);
    return test_finish();
  }
  printf("the op alone\n");
  test_op();
  test_bad_ids();
  printf("the fusion\n");
  test_patterns();
  test_static();
  test_too_long();
  return test_finish();
}
