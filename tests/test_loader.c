/* The ONNX loader: real files (ONNX's node tests, fixtures written by onnx.helper), every encoding
 * of every field we read, external data and its folder confinement, and hostile input (truncated,
 * bit-flipped, garbage, deeply nested, inconsistent) which must fail with a message, never crash.
 *
 * Models for the edge cases are written here with a tiny protobuf writer (pbwriter.h), so each
 * test controls the exact bytes (packed vs unpacked fields, overlong varints, lengths past the
 * end...). */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx/onnx.h"
#include "ops/ops.h"
#include "pbwriter.h"
#include "testutil.h"

#define NODE_DATA "/usr/share/libonnx-testdata/data"
#define FIXTURES TINYRT_SOURCE_DIR "/tests/fixtures"

/* ---- models written byte by byte (pbwriter.h) -------------------------------------------- */

/* ValueInfoProto for a tensor: dims[i] >= 0 is a dim_value, params[i] a dim_param, else neither */
static void value_info(pb *g, unsigned field, const char *name, int elem, int rank,
                       const int64_t *dims, const char *const *params) {
  pb vi = {0}, type = {0}, tt = {0}, shape = {0};
  pb_str(&vi, 1, name);
  pb_int(&tt, 1, elem);
  if (rank >= 0) {
    for (int i = 0; i < rank; i++) {
      pb dim = {0};
      if (params && params[i]) pb_str(&dim, 2, params[i]);
      else if (dims && dims[i] >= 0) pb_int(&dim, 1, dims[i]);
      pb_msg(&shape, 1, &dim);
    }
    pb_msg(&tt, 2, &shape);
  }
  pb_msg(&type, 1, &tt);
  pb_msg(&vi, 2, &type);
  pb_msg(g, field, &vi);
}

static void node(pb *g, const char *op, const char *name, const char *in0, const char *in1,
                 const char *out, pb *attrs) {
  pb n = {0};
  if (in0) pb_str(&n, 1, in0);
  if (in1) pb_str(&n, 1, in1);
  if (out) pb_str(&n, 2, out);
  if (name) pb_str(&n, 3, name);
  pb_str(&n, 4, op);
  if (attrs) pb_raw(&n, attrs->p, attrs->n), pb_free(attrs);
  pb_msg(g, 1, &n);
}

/* x[2] -> Relu -> y[2]: the smallest valid graph, for adding one flaw at a time */
static void relu_graph(pb *g) {
  int64_t d2[] = {2};
  node(g, "Relu", "relu", "x", NULL, "y", NULL);
  value_info(g, 11, "x", 1, 1, d2, NULL);
  value_info(g, 12, "y", 1, 1, d2, NULL);
}

/* ModelProto around graph (freed): ir_version 8, default opset `opset` unless < 0 */
static pb model(pb *graph, int opset) {
  pb m = {0}, o = {0};
  pb_int(&m, 1, 8);
  if (opset >= 0) {
    pb_str(&o, 1, "");
    pb_int(&o, 2, opset);
    pb_msg(&m, 8, &o);
  }
  pb_msg(&m, 7, graph);
  return m;
}

/* Loads from an exact-size heap copy so that ASan sees any read past the end. The copy is
 * returned in *copy and must outlive g. */
static int load_copy(const void *data, size_t n, const char *base_dir, trt_graph *g,
                     tinyrt_error *err, void **copy) {
  *copy = malloc(n ? n : 1);
  if (n) memcpy(*copy, data, n);
  trt_graph_init(g, NULL);
  memset(err, 0, sizeof *err);
  return trt_onnx_load_buffer(*copy, n, base_dir, g, err);
}

static void expect_fail_bytes(const void *data, size_t n, int code, const char *substr,
                              const char *what) {
  trt_graph g;
  tinyrt_error err;
  void *copy;
  int rc = load_copy(data, n, NULL, &g, &err, &copy);
  CHECK_MSG(rc == code, "%s: rc %d, want %d (%s)", what, rc, code, err.message);
  CHECK_MSG(err.code == rc, "%s: err.code %d != rc %d", what, err.code, rc);
  CHECK_MSG(strstr(err.message, substr) != NULL, "%s: \"%s\" lacks \"%s\"", what, err.message,
            substr);
  trt_graph_free(&g);
  free(copy);
  /* the error is optional: without one the load must fail all the same */
  copy = malloc(n ? n : 1);
  if (n) memcpy(copy, data, n);
  trt_graph_init(&g, NULL);
  rc = trt_onnx_load_buffer(copy, n, NULL, &g, NULL);
  CHECK_MSG(rc == code, "%s without an error struct: rc %d, want %d", what, rc, code);
  trt_graph_free(&g);
  free(copy);
}

/* frees m */
static void expect_fail(pb *m, int code, const char *substr, const char *what) {
  expect_fail_bytes(m->p, m->n, code, substr, what);
  pb_free(m);
}

/* the message must name two things (e.g. where and what); frees m */
static void expect_fail2(pb *m, int code, const char *sub1, const char *sub2, const char *what) {
  expect_fail_bytes(m->p, m->n, code, sub1, what);
  expect_fail_bytes(m->p, m->n, code, sub2, what);
  pb_free(m);
}

/* ---- real files -------------------------------------------------------------------------- */

static int value_named(const trt_graph *g, const char *name) {
  return trt_graph_find_value(g, name, strlen(name));
}

static const trt_node *node_named(const trt_graph *g, const char *name) {
  for (int i = 0; i < g->n_nodes; i++)
    if (strcmp(g->nodes[i].name, name) == 0) return &g->nodes[i];
  return NULL;
}

static const float *const_f32(const trt_graph *g, const char *name, int64_t numel) {
  int v = value_named(g, name);
  if (v < 0 || g->values[v].kind != TRT_VALUE_CONSTANT) return NULL;
  const trt_tensor *t = &g->values[v].constant;
  if ((int64_t)trt_tensor_numel(t) != numel) return NULL;
  return t->data;
}

/* tests/fixtures/small_encoder.onnx, written by make_fixtures.py with onnx.helper */
static void test_fixture_small_encoder(void) {
  trt_graph g;
  tinyrt_error err = {0};
  trt_graph_init(&g, NULL);
  int rc = trt_onnx_load_file(FIXTURES "/small_encoder.onnx", &g, &err);
  CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
  if (rc) {
    trt_graph_free(&g);
    return;
  }
  CHECK_EQ_INT(g.ir_version, 8);
  CHECK_EQ_INT(g.opset, 17);
  CHECK_EQ_INT(g.n_opsets, 2);
  CHECK_EQ_INT(trt_graph_opset(&g, "com.example"), 1);
  CHECK_EQ_INT(trt_graph_opset(&g, "ai.onnx"), 17);
  CHECK(strcmp(g.producer_name, "make_fixtures") == 0);
  CHECK(strcmp(g.producer_version, "1.0") == 0);
  CHECK(strcmp(g.graph_name, "small_encoder") == 0);
  CHECK(strcmp(g.doc, "tinyrt loader fixture") == 0);
  CHECK_EQ_INT(g.n_mappings, 1);

  /* inputs: `scale` is also an initializer, so it is a constant and not an input */
  CHECK_EQ_INT(g.n_inputs, 3);
  const char *in_names[] = {"input_ids", "attention_mask", "extra"};
  for (int i = 0; i < 3 && i < g.n_inputs; i++) {
    const trt_value *v = &g.values[g.inputs[i]];
    CHECK_MSG(strcmp(v->name, in_names[i]) == 0, "input %d is %s", i, v->name);
    CHECK_EQ_INT(v->kind, TRT_VALUE_INPUT);
    CHECK_EQ_INT(v->rank, 2);
  }
  const trt_value *ids = &g.values[g.inputs[0]], *mask = &g.values[g.inputs[1]];
  const trt_value *extra = &g.values[g.inputs[2]];
  CHECK_EQ_INT(ids->dtype, TINYRT_INT64);
  CHECK(ids->dims[0].sym >= 0 && strcmp(g.syms[ids->dims[0].sym], "batch_size") == 0);
  CHECK(ids->dims[1].sym >= 0 && strcmp(g.syms[ids->dims[1].sym], "sequence_length") == 0);
  CHECK_EQ_INT(mask->dims[0].sym, ids->dims[0].sym);
  CHECK_EQ_INT(mask->dims[1].sym, ids->dims[1].sym);
  CHECK_EQ_INT(extra->dtype, TINYRT_FLOAT);
  CHECK(extra->dims[0].sym < 0 && extra->dims[0].value < 0); /* neither value nor param */
  CHECK(extra->dims[1].sym < 0 && extra->dims[1].value == 4);
  int scale = value_named(&g, "scale");
  CHECK(scale >= 0 && g.values[scale].kind == TRT_VALUE_CONSTANT);

  /* initializers, one per encoding */
  const float *emb = const_f32(&g, "emb", 40);
  CHECK(emb != NULL);
  for (int i = 0; emb && i < 40; i++) CHECK_MSG(emb[i] == (float)i * 0.5f, "emb[%d] = %g", i, emb[i]);
  int ve = value_named(&g, "emb");
  CHECK(ve >= 0 && g.values[ve].rank == 2 && g.values[ve].dims[0].value == 10 &&
        g.values[ve].dims[1].value == 4 && g.values[ve].dims[0].sym < 0 &&
        g.values[ve].dtype == TINYRT_FLOAT);
  const float *bias = const_f32(&g, "bias", 4);
  CHECK(bias && bias[0] == 0.25f && bias[1] == -1.5f && bias[2] == 3.0f && bias[3] == 1e-3f);
  const float *sc = const_f32(&g, "scale", 1);
  CHECK(sc && sc[0] == 2.0f);
  int v;
  v = value_named(&g, "shape");
  if (v >= 0) {
    const int64_t *s = g.values[v].constant.data;
    CHECK(g.values[v].constant.dtype == TINYRT_INT64 && s[0] == 0 && s[1] == -1 && s[2] == 4);
  } else {
    CHECK(!"shape missing");
  }
  v = value_named(&g, "flags");
  if (v >= 0) {
    const uint8_t *s = g.values[v].constant.data;
    CHECK(g.values[v].constant.dtype == TINYRT_BOOL && s[0] == 1 && s[1] == 0 && s[2] == 0 &&
          s[3] == 1);
  } else {
    CHECK(!"flags missing");
  }
  v = value_named(&g, "half");
  if (v >= 0) {
    const uint16_t *s = g.values[v].constant.data;
    CHECK(g.values[v].constant.dtype == TINYRT_FLOAT16 && s[0] == 0x3C00 && s[1] == 0xC000 &&
          s[2] == 0x7BFF);
  } else {
    CHECK(!"half missing");
  }
  v = value_named(&g, "small");
  if (v >= 0) {
    const int8_t *s = g.values[v].constant.data;
    CHECK(g.values[v].constant.dtype == TINYRT_INT8 && s[0] == -128 && s[1] == 0 && s[2] == 127);
  } else {
    CHECK(!"small missing");
  }
  v = value_named(&g, "wide");
  if (v >= 0) {
    const double *s = g.values[v].constant.data;
    CHECK(g.values[v].constant.dtype == TINYRT_DOUBLE && s[0] == 1.0 / 3.0 && s[1] == -2.5);
  } else {
    CHECK(!"wide missing");
  }
  v = value_named(&g, "unsigned");
  if (v >= 0) {
    const uint32_t *s = g.values[v].constant.data;
    CHECK(g.values[v].constant.dtype == TINYRT_UINT32 && s[0] == 7 && s[1] == 4000000000u);
  } else {
    CHECK(!"unsigned missing");
  }
  v = value_named(&g, "raw8");
  if (v >= 0) {
    const int8_t *s = g.values[v].constant.data;
    CHECK(g.values[v].constant.dtype == TINYRT_INT8 && s[0] == -3 && s[1] == 5);
  } else {
    CHECK(!"raw8 missing");
  }

  /* nodes */
  CHECK_EQ_INT(g.n_nodes, 8);
  for (int i = 0; i < g.n_nodes; i++) CHECK_EQ_INT(g.nodes[i].op, TRT_OP_UNKNOWN);
  const trt_node *add = node_named(&g, "Add_1"); /* unnamed in the file: synthesized */
  CHECK(add && strcmp(add->op_type, "Add") == 0 && strcmp(add->domain, "") == 0);
  const trt_node *clip = node_named(&g, "clip");
  CHECK(clip && clip->n_inputs == 3 && clip->inputs[1] == -1 && clip->inputs[0] >= 0 &&
        clip->inputs[2] == value_named(&g, "clip_max"));
  const trt_node *ln = node_named(&g, "ln");
  if (ln) {
    CHECK(ln->n_outputs == 3 && ln->outputs[0] >= 0 && ln->outputs[1] == -1 &&
          ln->outputs[2] == -1);
    CHECK_EQ_INT(trt_attr_int(ln, "axis", 0), -1);
    CHECK(trt_attr_float(ln, "epsilon", 0) == 1e-5f);
    CHECK_EQ_INT(g.values[ln->outputs[0]].producer, ln - g.nodes);
  } else {
    CHECK(!"ln missing");
  }
  const trt_node *cmax = node_named(&g, "const_max");
  const trt_attr *a = cmax ? trt_node_attr(cmax, "value") : NULL;
  CHECK(a && a->type == TRT_ATTR_TENSOR && a->t.rank == 0 && a->t.dtype == TINYRT_FLOAT &&
        *(const float *)a->t.data == 6.0f);
  const trt_node *cln = node_named(&g, "const_ln");
  a = cln ? trt_node_attr(cln, "value") : NULL;
  CHECK(a && a->type == TRT_ATTR_TENSOR && a->t.rank == 1 && a->t.dims[0] == 4 &&
        ((const float *)a->t.data)[3] == 4.0f);

  const trt_node *cu = node_named(&g, "custom");
  CHECK(cu && strcmp(cu->domain, "com.example") == 0 && cu->n_attrs == 5);
  if (cu) {
    a = trt_node_attr(cu, "ints");
    CHECK(a && a->type == TRT_ATTR_INTS && a->n == 3 && a->ints[0] == 1 && a->ints[1] == -2 &&
          a->ints[2] == 3);
    a = trt_node_attr(cu, "floats");
    CHECK(a && a->type == TRT_ATTR_FLOATS && a->n == 2 && a->floats[0] == 0.5f &&
          a->floats[1] == -0.25f);
    a = trt_node_attr(cu, "strings");
    CHECK(a && a->type == TRT_ATTR_STRINGS && a->n == 2 && strcmp(a->strings[0], "alpha") == 0 &&
          strcmp(a->strings[1], "beta") == 0);
    a = trt_node_attr(cu, "text");
    CHECK(a && a->type == TRT_ATTR_STRING && a->s_len == 5 && strcmp(a->s, "hello") == 0);
    CHECK(strcmp(trt_attr_string(cu, "text", ""), "hello") == 0);
    a = trt_node_attr(cu, "tensors");
    CHECK(a && a->type == TRT_ATTR_TENSORS && a->n == 2);
    if (a && a->n == 2) {
      const int32_t *t0 = a->tensors[0].data;
      CHECK(a->tensors[0].dtype == TINYRT_INT32 && a->tensors[0].dims[0] == 2 && t0[0] == 1 &&
            t0[1] == 2);
      CHECK(a->tensors[1].dtype == TINYRT_FLOAT && a->tensors[1].rank == 2 &&
            *(const float *)a->tensors[1].data == 9.0f);
    }
  }

  /* value_info and outputs */
  v = value_named(&g, "embedded");
  CHECK(v >= 0 && g.values[v].rank == 3 && g.values[v].dtype == TINYRT_FLOAT &&
        g.values[v].dims[1].sym == ids->dims[1].sym && g.values[v].dims[2].value == 4 &&
        g.values[v].producer == 0);
  CHECK_EQ_INT(g.n_outputs, 1);
  if (g.n_outputs == 1) {
    const trt_value *o = &g.values[g.outputs[0]];
    CHECK(strcmp(o->name, "out") == 0 && o->is_output && o->rank == 3 &&
          o->dims[0].sym == ids->dims[0].sym && o->dims[2].value == 4);
  }
  int *order = NULL, n_order = 0;
  CHECK_EQ_INT(trt_graph_topo_order(&g, &order, &n_order, &err), TINYRT_OK);
  CHECK_EQ_INT(n_order, 8);
  trt_free(&g.al, order);
  trt_graph_free(&g);
}

static bool points_into(const void *p, const trt_mapping *m) {
  return (const uint8_t *)p >= (const uint8_t *)m->addr &&
         (const uint8_t *)p < (const uint8_t *)m->addr + m->size;
}

/* tests/fixtures/external: written by onnx's external_data_helper */
static void test_fixture_external(void) {
  trt_graph g;
  tinyrt_error err = {0};
  trt_graph_init(&g, NULL);
  int rc = trt_onnx_load_file(FIXTURES "/external/model.onnx", &g, &err);
  CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
  CHECK_EQ_INT(g.n_mappings, 2); /* the model and weights.bin, mapped once for both tensors */
  const float *w = const_f32(&g, "w", 12);
  CHECK(w != NULL);
  for (int i = 0; w && i < 12; i++) CHECK(w[i] == (float)(i - 6));
  int b = value_named(&g, "b");
  CHECK(b >= 0 && g.values[b].constant.dtype == TINYRT_INT64);
  if (b >= 0) {
    const int64_t *bd = g.values[b].constant.data;
    for (int i = 0; i < 4; i++) CHECK(bd[i] == 1000 * i);
  }
  if (w && b >= 0 && g.n_mappings == 2) { /* aligned offsets 0 and 48: used in place */
    CHECK(points_into(w, &g.mappings[1]));
    CHECK(points_into(g.values[b].constant.data, &g.mappings[1]));
  }
  CHECK_EQ_INT(g.bytes_copied, 0);
  trt_graph_free(&g);
}

static void test_node_models(void) {
  trt_graph g;
  tinyrt_error err = {0};

  trt_graph_init(&g, NULL);
  int rc = trt_onnx_load_file(NODE_DATA "/node/test_gemm_all_attributes/model.onnx", &g, &err);
  CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
  if (!rc) {
    CHECK_EQ_INT(g.opset, 13);
    CHECK_EQ_INT(g.ir_version, 7);
    CHECK_EQ_INT(g.n_inputs, 3);
    CHECK_EQ_INT(g.n_nodes, 1);
    const trt_node *n = &g.nodes[0];
    CHECK(strcmp(n->name, "Gemm_0") == 0 && strcmp(n->op_type, "Gemm") == 0);
    CHECK(trt_attr_float(n, "alpha", 0) == 0.25f);
    CHECK(trt_attr_float(n, "beta", 0) == 0.35f);
    CHECK_EQ_INT(trt_attr_int(n, "transA", 0), 1);
    CHECK_EQ_INT(trt_attr_int(n, "transB", 0), 1);
    const trt_value *a = &g.values[g.inputs[0]], *b = &g.values[g.inputs[1]];
    CHECK(strcmp(a->name, "a") == 0 && a->rank == 2 && a->dims[0].value == 4 &&
          a->dims[1].value == 3);
    CHECK(strcmp(b->name, "b") == 0 && b->dims[0].value == 5 && b->dims[1].value == 4);
    CHECK(g.values[g.outputs[0]].is_output && g.values[g.outputs[0]].producer == 0);
  }
  trt_graph_free(&g);

  /* a Constant whose tensor is in float_data, against the test's expected output */
  trt_graph_init(&g, NULL);
  rc = trt_onnx_load_file(NODE_DATA "/node/test_constant/model.onnx", &g, &err);
  CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
  size_t n_pb = 0;
  void *pbuf = test_read_file(NODE_DATA "/node/test_constant/test_data_set_0/output_0.pb", &n_pb);
  CHECK(pbuf != NULL);
  if (!rc && pbuf) {
    const trt_attr *a = trt_node_attr(&g.nodes[0], "value");
    trt_arena ar;
    trt_arena_init(&ar, &g.al);
    trt_tensor t;
    const char *name = NULL;
    CHECK_EQ_INT(trt_onnx_parse_tensor(pbuf, n_pb, &ar, &t, &name, &err), TINYRT_OK);
    CHECK(name && strcmp(name, "values") == 0);
    CHECK(a && a->t.rank == 2 && a->t.dims[0] == 5 && a->t.dims[1] == 5 && t.rank == 2);
    if (a && t.rank == 2) CHECK(memcmp(a->t.data, t.data, 25 * sizeof(float)) == 0);
    trt_arena_release(&ar);
  }
  free(pbuf);
  trt_graph_free(&g);

  trt_graph_init(&g, NULL);
  rc = trt_onnx_load_file(NODE_DATA "/node/test_reduce_mean_keepdims_example/model.onnx", &g, &err);
  CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
  if (!rc) {
    const trt_attr *a = trt_node_attr(&g.nodes[0], "axes");
    CHECK(a && a->type == TRT_ATTR_INTS && a->n == 1 && a->ints[0] == 1);
    CHECK_EQ_INT(trt_attr_int(&g.nodes[0], "keepdims", 0), 1);
  }
  trt_graph_free(&g);

  trt_graph_init(&g, NULL);
  rc = trt_onnx_load_file(NODE_DATA "/node/test_einsum_sum/model.onnx", &g, &err);
  CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
  if (!rc) {
    CHECK(strcmp(trt_attr_string(&g.nodes[0], "equation", ""), "ij->i") == 0);
    CHECK_EQ_INT(g.values[g.inputs[0]].dtype, TINYRT_DOUBLE);
  }
  trt_graph_free(&g);

  /* an old PyTorch export: the weight is an initializer *and* a graph input */
  trt_graph_init(&g, NULL);
  rc = trt_onnx_load_file(NODE_DATA "/pytorch-converted/test_PReLU_1d/model.onnx", &g, &err);
  CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
  if (!rc) {
    CHECK_EQ_INT(g.ir_version, 3);
    CHECK_EQ_INT(g.opset, 6);
    CHECK(strcmp(g.producer_name, "pytorch") == 0 && strcmp(g.producer_version, "0.3") == 0);
    CHECK_EQ_INT(g.n_inputs, 1);
    CHECK(strcmp(g.values[g.inputs[0]].name, "0") == 0);
    const float *w = const_f32(&g, "1", 1);
    CHECK(w && w[0] == 0.25f);
  }
  trt_graph_free(&g);

  /* a test-data tensor in raw_data; numpy prints float32 values as the shortest decimal that
   * reads back as the same float, so these literals are exact */
  n_pb = 0;
  pbuf = test_read_file(NODE_DATA "/node/test_gemm_all_attributes/test_data_set_0/input_0.pb",
                        &n_pb);
  CHECK(pbuf != NULL);
  if (pbuf) {
    trt_alloc al;
    trt_alloc_init(&al, NULL);
    trt_arena ar;
    trt_arena_init(&ar, &al);
    trt_tensor t;
    const char *name = NULL;
    CHECK_EQ_INT(trt_onnx_parse_tensor(pbuf, n_pb, &ar, &t, &name, &err), TINYRT_OK);
    CHECK(name && strcmp(name, "a") == 0);
    CHECK(t.dtype == TINYRT_FLOAT && t.rank == 2 && t.dims[0] == 4 && t.dims[1] == 3);
    const float *d = t.data;
    CHECK(((uintptr_t)d % 64) == 0); /* copied into the arena, never left in the caller's buffer */
    CHECK(d[0] == 0.5488135f && d[1] == 0.71518934f && d[2] == 0.60276335f);
    /* the name is optional */
    CHECK_EQ_INT(trt_onnx_parse_tensor(pbuf, n_pb, &ar, &t, NULL, &err), TINYRT_OK);
    trt_arena_release(&ar);
    free(pbuf);
  }
}

/* Every node-test model and test-data file Debian ships: each loads or fails with a message and
 * an expected code (sequence/optional inputs, string tensors, subgraphs are refused). */
static void test_node_sweep(void) {
  char path[PATH_MAX];
  FILE *ls = popen("ls " NODE_DATA "/node/*/model.onnx " NODE_DATA "/node/*/test_data_set_*/*.pb",
                   "r");
  CHECK(ls != NULL);
  if (!ls) return;
  int n_models = 0, ok_models = 0, n_pb = 0, ok_pb = 0;
  while (fgets(path, sizeof path, ls)) {
    path[strcspn(path, "\n")] = '\0';
    size_t len = strlen(path);
    tinyrt_error err = {0};
    int rc;
    if (len > 3 && strcmp(path + len - 3, ".pb") == 0) {
      size_t n = 0;
      void *buf = test_read_file(path, &n);
      trt_alloc al;
      trt_alloc_init(&al, NULL);
      trt_arena ar;
      trt_arena_init(&ar, &al);
      trt_tensor t;
      rc = buf ? trt_onnx_parse_tensor(buf, n, &ar, &t, NULL, &err) : TINYRT_ERR_IO;
      trt_arena_release(&ar);
      free(buf);
      n_pb++;
      ok_pb += rc == TINYRT_OK;
    } else {
      trt_graph g;
      trt_graph_init(&g, NULL);
      rc = trt_onnx_load_file(path, &g, &err);
      trt_graph_free(&g);
      n_models++;
      ok_models += rc == TINYRT_OK;
    }
    CHECK_MSG(rc == TINYRT_OK || rc == TINYRT_ERR_MODEL || rc == TINYRT_ERR_UNSUPPORTED,
              "%s: code %d: %s", path, rc, err.message);
    CHECK_MSG(rc == TINYRT_OK || err.message[0], "%s: failed without a message", path);
  }
  pclose(ls);
  /* libonnx-testdata 1.12: 932 models, 3 with non-tensor inputs are the largest refused group;
   * 889 load. The .pb files that fail are SequenceProto/OptionalProto, not TensorProto. */
  printf("node tests: %d/%d models and %d/%d tensors load\n", ok_models, n_models, ok_pb, n_pb);
  CHECK(n_models >= 900 && ok_models >= 880);
  CHECK(n_pb >= 2800 && ok_pb >= 2800);
}

/* ---- every encoding ---------------------------------------------------------------------- */

/* A model exercising unpacked and packed repeated fields, mixed in one tensor, 10-byte negative
 * varints, fixed64 doubles, implied attribute types, and raw_data at a controllable alignment.
 * The raw tensor "al" holds floats 1..4 and is preceded by a marker so tests can find it. */
static pb encodings_model(void) {
  pb g = {0}, t = {0}, packed = {0};

  /* "pu": float [3], unpacked float_data; dims unpacked */
  pb_int(&t, 1, 3);
  pb_int(&t, 2, TINYRT_FLOAT);
  pb_f32(&t, 4, 1.5f);
  pb_f32(&t, 4, -2.0f);
  pb_f32(&t, 4, 3.25f);
  pb_str(&t, 8, "pu");
  pb_msg(&g, 5, &t);

  /* "mixed": int64 [2,2]: dims packed; int64_data packed [1,2], unpacked -3, packed [4] */
  pb_varint(&packed, 2);
  pb_varint(&packed, 2);
  pb_msg(&t, 1, &packed);
  pb_int(&t, 2, TINYRT_INT64);
  pb_varint(&packed, 1);
  pb_varint(&packed, 2);
  pb_msg(&t, 7, &packed);
  pb_int(&t, 7, -3); /* a 10-byte varint */
  pb_varint(&packed, 4);
  pb_msg(&t, 7, &packed);
  pb_str(&t, 8, "mixed");
  pb_msg(&g, 5, &t);

  /* "neg": int32 [2] from int32_data: unpacked -5 (10 bytes), packed -7 */
  pb_int(&t, 1, 2);
  pb_int(&t, 2, TINYRT_INT32);
  pb_int(&t, 5, -5);
  pb_varint(&packed, (uint64_t)(int64_t)-7);
  pb_msg(&t, 5, &packed);
  pb_str(&t, 8, "neg");
  pb_msg(&g, 5, &t);

  /* "big": uint64 [1] = 2^63 + 5 (a 10-byte varint whose last byte is 1) */
  pb_int(&t, 1, 1);
  pb_int(&t, 2, TINYRT_UINT64);
  pb_tag(&t, 11, 0);
  pb_varint(&t, (1ull << 63) + 5);
  pb_str(&t, 8, "big");
  pb_msg(&g, 5, &t);

  /* "dbl": double [2], unpacked fixed64 */
  pb_int(&t, 1, 2);
  pb_int(&t, 2, TINYRT_DOUBLE);
  pb_f64(&t, 10, 0.1);
  pb_f64(&t, 10, -1e300);
  pb_str(&t, 8, "dbl");
  pb_msg(&g, 5, &t);

  /* "empty": float [0, 3], no data at all (legal: nothing to hold) */
  pb_int(&t, 1, 0);
  pb_int(&t, 1, 3);
  pb_int(&t, 2, TINYRT_FLOAT);
  pb_str(&t, 8, "empty");
  pb_msg(&g, 5, &t);

  /* "scalar": int64 rank 0 */
  pb_int(&t, 2, TINYRT_INT64);
  pb_int(&t, 7, 42);
  pb_str(&t, 8, "scalar");
  pb_msg(&g, 5, &t);

  /* "al": float [4] raw_data 1..4, after a marker (doc_string) */
  float al[4] = {1, 2, 3, 4};
  pb_int(&t, 1, 4);
  pb_int(&t, 2, TINYRT_FLOAT);
  pb_str(&t, 8, "al");
  pb_str(&t, 12, "MARK");
  pb_bytes(&t, 9, al, sizeof al);
  pb_msg(&g, 5, &t);

  /* a node with attributes in unusual encodings */
  pb attrs = {0}, a = {0};
  pb_str(&a, 1, "implied_int"); /* no `type`: implied by field i */
  pb_int(&a, 3, -9);
  pb_msg(&attrs, 5, &a);
  pb_str(&a, 1, "fl"); /* FLOATS, unpacked then packed */
  pb_int(&a, 20, TRT_ATTR_FLOATS);
  pb_f32(&a, 7, 0.5f);
  {
    float two[2] = {1.5f, 2.5f};
    pb_bytes(&a, 7, two, sizeof two);
  }
  pb_msg(&attrs, 5, &a);
  pb_str(&a, 1, "in"); /* INTS, unpacked */
  pb_int(&a, 20, TRT_ATTR_INTS);
  pb_int(&a, 8, 7);
  pb_int(&a, 8, -1);
  pb_msg(&attrs, 5, &a);
  pb_str(&a, 1, "empty_ints"); /* INTS with no elements */
  pb_int(&a, 20, TRT_ATTR_INTS);
  pb_msg(&attrs, 5, &a);
  pb_str(&a, 1, "bytes"); /* STRING holding a NUL byte: s_len counts it */
  pb_int(&a, 20, TRT_ATTR_STRING);
  pb_bytes(&a, 4, "a\0b", 3);
  pb_msg(&attrs, 5, &a);
  pb n = {0};
  pb_str(&n, 1, "al");
  pb_str(&n, 1, "x");
  pb_str(&n, 2, "y");
  pb_str(&n, 4, "Custom");
  pb_str(&n, 7, "ai.onnx");
  pb_raw(&n, attrs.p, attrs.n);
  pb_free(&attrs);
  pb_msg(&g, 1, &n);
  int64_t d4[] = {4};
  value_info(&g, 11, "x", 1, 1, d4, NULL);
  value_info(&g, 12, "y", 1, 1, d4, NULL);
  return model(&g, 14);
}

static void test_encodings(void) {
  pb m = encodings_model();
  trt_graph g;
  tinyrt_error err;
  void *copy;
  int rc = load_copy(m.p, m.n, NULL, &g, &err, &copy);
  CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
  if (!rc) {
    const float *pu = const_f32(&g, "pu", 3);
    CHECK(pu && pu[0] == 1.5f && pu[1] == -2.0f && pu[2] == 3.25f);
    int v = value_named(&g, "mixed");
    CHECK(v >= 0 && g.values[v].constant.rank == 2 && g.values[v].constant.dims[1] == 2);
    if (v >= 0) {
      const int64_t *d = g.values[v].constant.data;
      CHECK(d[0] == 1 && d[1] == 2 && d[2] == -3 && d[3] == 4);
    }
    v = value_named(&g, "neg");
    if (v >= 0) {
      const int32_t *d = g.values[v].constant.data;
      CHECK(d[0] == -5 && d[1] == -7);
    }
    v = value_named(&g, "big");
    CHECK(v >= 0 && *(const uint64_t *)g.values[v].constant.data == (1ull << 63) + 5);
    v = value_named(&g, "dbl");
    if (v >= 0) {
      const double *d = g.values[v].constant.data;
      CHECK(d[0] == 0.1 && d[1] == -1e300);
    }
    v = value_named(&g, "empty");
    CHECK(v >= 0 && g.values[v].constant.rank == 2 && trt_tensor_numel(&g.values[v].constant) == 0 &&
          g.values[v].constant.data != NULL);
    v = value_named(&g, "scalar");
    CHECK(v >= 0 && g.values[v].constant.rank == 0 &&
          *(const int64_t *)g.values[v].constant.data == 42);
    const trt_node *n = &g.nodes[0];
    CHECK(strcmp(n->domain, "") == 0); /* "ai.onnx" is the default domain */
    CHECK(strcmp(n->name, "Custom_0") == 0);
    const trt_attr *a = trt_node_attr(n, "implied_int");
    CHECK(a && a->type == TRT_ATTR_INT && a->i == -9);
    a = trt_node_attr(n, "fl");
    CHECK(a && a->n == 3 && a->floats[0] == 0.5f && a->floats[1] == 1.5f && a->floats[2] == 2.5f);
    a = trt_node_attr(n, "in");
    CHECK(a && a->n == 2 && a->ints[0] == 7 && a->ints[1] == -1);
    a = trt_node_attr(n, "empty_ints");
    CHECK(a && a->type == TRT_ATTR_INTS && a->n == 0);
    a = trt_node_attr(n, "bytes");
    CHECK(a && a->s_len == 3 && memcmp(a->s, "a\0b", 4) == 0);
  }
  trt_graph_free(&g);
  free(copy);

  /* raw_data used in place when aligned, copied (and counted) when not: the same bytes loaded
   * from two buffer addresses that differ by 1 give one aligned and one unaligned case */
  const uint8_t *mark = NULL;
  for (size_t i = 0; i + 4 <= m.n; i++)
    if (memcmp(m.p + i, "MARK", 4) == 0) mark = m.p + i;
  CHECK(mark != NULL);
  /* after "MARK", raw_data's tag and length */
  size_t raw_off = mark ? (size_t)(mark - m.p) + 4 + 2 : 0;
  for (int pass = 0; pass < 2 && mark; pass++) {
    uint8_t *buf = aligned_alloc(64, (m.n + 191) / 64 * 64); /* a multiple of 64, as C11 asks */
    size_t shift = (64 - raw_off % 64) % 64 + (size_t)pass; /* pass 0: raw_data 64-aligned */
    memcpy(buf + shift, m.p, m.n);
    trt_graph_init(&g, NULL);
    rc = trt_onnx_load_buffer(buf + shift, m.n, NULL, &g, &err);
    CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
    const float *al = const_f32(&g, "al", 4);
    CHECK(al && al[0] == 1 && al[1] == 2 && al[2] == 3 && al[3] == 4);
    if (pass == 0) {
      CHECK(al == (const float *)(buf + shift + raw_off));
      CHECK_EQ_INT(g.bytes_copied, 0);
    } else {
      CHECK(al && (uintptr_t)al % 64 == 0 && (const uint8_t *)al != buf + shift + raw_off);
      CHECK_EQ_INT(g.bytes_copied, 16);
    }
    trt_graph_free(&g);
    free(buf);
  }
  pb_free(&m);

  /* a large unaligned tensor takes the huge-page copy path: every element must survive it */
  enum { BIG = 2500000 }; /* 10 MB of floats */
  float *vals = malloc(BIG * sizeof(float));
  for (int i = 0; i < BIG; i++) vals[i] = (float)i;
  pb g2 = {0}, t = {0};
  pb_int(&t, 1, BIG);
  pb_int(&t, 2, TINYRT_FLOAT);
  pb_str(&t, 8, "big");
  pb_bytes(&t, 9, vals, BIG * sizeof(float));
  pb_msg(&g2, 5, &t);
  relu_graph(&g2);
  m = model(&g2, 14);
  for (size_t i = 0; i + 16 <= m.n; i++) {
    if (memcmp(m.p + i, vals, 16) == 0) { /* 0.0f, 1.0f, 2.0f, 3.0f: only at raw_data's start */
      raw_off = i;
      break;
    }
  }
  uint8_t *buf = aligned_alloc(64, (m.n + 191) / 64 * 64);
  size_t shift = (64 - raw_off % 64) % 64 + 2; /* raw_data 2 bytes past alignment */
  memcpy(buf + shift, m.p, m.n);
  trt_graph_init(&g, NULL);
  CHECK_EQ_INT(trt_onnx_load_buffer(buf + shift, m.n, NULL, &g, &err), TINYRT_OK);
  const float *big = const_f32(&g, "big", BIG);
  CHECK(big && (uintptr_t)big % 64 == 0);
  CHECK_EQ_INT(g.bytes_copied, (int64_t)BIG * 4);
  if (big) CHECK(memcmp(big, vals, BIG * sizeof(float)) == 0);
  trt_graph_free(&g);
  free(buf);
  free(vals);
  pb_free(&m);
}

/* ---- malformed models -------------------------------------------------------------------- */

/* relu graph plus one initializer made by fn */
static pb with_init(void (*fn)(pb *t)) {
  pb g = {0}, t = {0};
  fn(&t);
  pb_msg(&g, 5, &t);
  relu_graph(&g);
  return model(&g, 14);
}

static void t_string(pb *t) {
  pb_int(t, 1, 1);
  pb_int(t, 2, TINYRT_STRING);
  pb_str(t, 6, "hello");
  pb_str(t, 8, "words");
}
static void t_raw_short(pb *t) {
  pb_int(t, 1, 2);
  pb_int(t, 1, 3);
  pb_int(t, 2, TINYRT_FLOAT);
  pb_str(t, 8, "w_short");
  pb_bytes(t, 9, "0123456789", 10);
}
static void t_neg_dim(pb *t) {
  pb_int(t, 1, -2);
  pb_int(t, 2, TINYRT_FLOAT);
  pb_str(t, 8, "w_neg");
}
static void t_rank9(pb *t) {
  for (int i = 0; i < 9; i++) pb_int(t, 1, 1);
  pb_int(t, 2, TINYRT_FLOAT);
  pb_str(t, 8, "w_rank9");
  pb_f32(t, 4, 1.0f);
}
static void t_overflow(pb *t) {
  pb_int(t, 1, INT64_C(1) << 40);
  pb_int(t, 1, INT64_C(1) << 40);
  pb_int(t, 2, TINYRT_FLOAT);
  pb_str(t, 8, "w_huge");
}
static void t_huge_nodata(pb *t) { /* 10^12 elements claimed, 4 given: no 4 TB allocation */
  pb_int(t, 1, 1000000);
  pb_int(t, 1, 1000000);
  pb_int(t, 2, TINYRT_FLOAT);
  pb_str(t, 8, "w_claims");
  pb_f32(t, 4, 1.0f);
}
static void t_count(pb *t) {
  pb_int(t, 1, 3);
  pb_int(t, 2, TINYRT_INT64);
  pb_int(t, 7, 1);
  pb_int(t, 7, 2);
  pb_str(t, 8, "w_count");
}
static void t_wrong_field(pb *t) {
  pb_int(t, 1, 1);
  pb_int(t, 2, TINYRT_INT64);
  pb_f32(t, 4, 1.0f);
  pb_str(t, 8, "w_field");
}
static void t_both(pb *t) {
  pb_int(t, 1, 1);
  pb_int(t, 2, TINYRT_FLOAT);
  pb_f32(t, 4, 1.0f);
  pb_bytes(t, 9, "abcd", 4);
  pb_str(t, 8, "w_both");
}
static void t_no_type(pb *t) {
  pb_int(t, 1, 1);
  pb_str(t, 8, "w_untyped");
}
static void t_bfloat16(pb *t) {
  pb_int(t, 1, 1);
  pb_int(t, 2, 16);
  pb_bytes(t, 9, "ab", 2);
  pb_str(t, 8, "w_bf16");
}
static void t_no_name(pb *t) {
  pb_int(t, 2, TINYRT_FLOAT);
  pb_f32(t, 4, 1.0f);
}
static void t_external(pb *t) {
  pb e = {0};
  pb_int(t, 1, 1);
  pb_int(t, 2, TINYRT_FLOAT);
  pb_str(t, 8, "w_ext");
  pb_str(&e, 1, "location");
  pb_str(&e, 2, "weights.bin");
  pb_msg(t, 13, &e);
  pb_int(t, 14, 1);
}
static void t_segment(pb *t) {
  pb s = {0};
  pb_int(&s, 1, 0);
  pb_int(t, 1, 1);
  pb_int(t, 2, TINYRT_FLOAT);
  pb_msg(t, 3, &s);
  pb_str(t, 8, "w_seg");
}
static void t_packed_bad(pb *t) { /* packed float_data of 5 bytes */
  pb_int(t, 1, 1);
  pb_int(t, 2, TINYRT_FLOAT);
  pb_bytes(t, 4, "abcde", 5);
  pb_str(t, 8, "w_packed");
}
static void t_packed_trunc(pb *t) { /* packed int64_data ending inside a varint */
  pb_int(t, 1, 1);
  pb_int(t, 2, TINYRT_INT64);
  pb_str(t, 8, "w_trunc");
  pb_bytes(t, 7, "\x81\x82", 2);
}

static void test_bad_tensors(void) {
  pb m;
  m = with_init(t_string);
  expect_fail(&m, TINYRT_ERR_UNSUPPORTED, "tensor 'words': STRING", "string tensor");
  m = with_init(t_raw_short);
  expect_fail(&m, TINYRT_ERR_MODEL, "tensor 'w_short': raw_data has 10 bytes but dims [2,3]",
              "raw size");
  m = with_init(t_neg_dim);
  expect_fail(&m, TINYRT_ERR_MODEL, "negative dim -2", "negative dim");
  m = with_init(t_rank9);
  expect_fail(&m, TINYRT_ERR_UNSUPPORTED, "tensor 'w_rank9': more than 8 dims", "rank 9");
  m = with_init(t_overflow);
  expect_fail(&m, TINYRT_ERR_MODEL, "'w_huge': dims [1099511627776,1099511627776] overflow",
              "numel overflow");
  m = with_init(t_huge_nodata);
  expect_fail(&m, TINYRT_ERR_MODEL, "float_data has 1 elements but dims [1000000,1000000]",
              "huge claim");
  m = with_init(t_count);
  expect_fail(&m, TINYRT_ERR_MODEL, "'w_count': int64_data has 2 elements", "typed count");
  m = with_init(t_wrong_field);
  expect_fail(&m, TINYRT_ERR_MODEL, "float_data given for a int64 tensor", "wrong typed field");
  m = with_init(t_both);
  expect_fail(&m, TINYRT_ERR_MODEL, "both raw_data and float_data", "raw and typed");
  m = with_init(t_no_type);
  expect_fail(&m, TINYRT_ERR_MODEL, "'w_untyped': data_type is missing", "no data_type");
  m = with_init(t_bfloat16);
  expect_fail(&m, TINYRT_ERR_UNSUPPORTED, "'w_bf16': data_type 16", "bfloat16");
  m = with_init(t_no_name);
  expect_fail(&m, TINYRT_ERR_MODEL, "initializer #0 (at byte", "unnamed initializer");
  m = with_init(t_external);
  expect_fail(&m, TINYRT_ERR_UNSUPPORTED, "'w_ext': uses external data", "external from memory");
  m = with_init(t_segment);
  expect_fail(&m, TINYRT_ERR_UNSUPPORTED, "'w_seg': segmented", "segment");
  m = with_init(t_packed_bad);
  expect_fail(&m, TINYRT_ERR_MODEL, "packed length 5 is not a multiple of 4", "packed floats");
  m = with_init(t_packed_trunc);
  expect_fail(&m, TINYRT_ERR_MODEL, "'w_trunc': int64_data (field 7) at byte", "packed trunc");

  /* lone tensors: trt_onnx_parse_tensor */
  trt_alloc al;
  trt_alloc_init(&al, NULL);
  trt_arena ar;
  trt_arena_init(&ar, &al);
  trt_tensor t;
  tinyrt_error err = {0};
  pb b = {0};
  t_string(&b);
  CHECK_EQ_INT(trt_onnx_parse_tensor(b.p, b.n, &ar, &t, NULL, &err), TINYRT_ERR_UNSUPPORTED);
  CHECK_STR_CONTAINS(err.message, "'words'");
  pb_free(&b);
  t_external(&b);
  CHECK_EQ_INT(trt_onnx_parse_tensor(b.p, b.n, &ar, &t, NULL, &err), TINYRT_ERR_UNSUPPORTED);
  pb_free(&b);
  CHECK_EQ_INT(trt_onnx_parse_tensor("\xff", 1, &ar, &t, NULL, &err), TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(err.message, "bad field tag at byte 0");
  trt_arena_release(&ar);
}

static void test_bad_models(void) {
  pb g = {0}, m = {0}, t = {0};

  /* protobuf framing, at the top level */
  expect_fail_bytes("\x08\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 12, TINYRT_ERR_MODEL,
                    "ModelProto: field 1 at byte 0: varint truncated or longer than 10 bytes",
                    "11-byte varint");
  expect_fail_bytes("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 11, TINYRT_ERR_MODEL,
                    "longer than 10 bytes", "varint overflowing 64 bits");
  expect_fail_bytes("\x08\x80", 2, TINYRT_ERR_MODEL, "varint truncated", "truncated varint");
  expect_fail_bytes("\x3a\x05\x0a", 3, TINYRT_ERR_MODEL,
                    "ModelProto: field 7 at byte 0: length 5 exceeds the 1 bytes left",
                    "length past the end");
  expect_fail_bytes("\x3b", 1, TINYRT_ERR_MODEL, "unknown wire type 3", "group start");
  expect_fail_bytes("\x0e", 1, TINYRT_ERR_MODEL, "unknown wire type 6", "wire type 6");
  expect_fail_bytes("\x07", 1, TINYRT_ERR_MODEL, "field number 0", "field 0");
  expect_fail_bytes("\x3d\x01\x02", 3, TINYRT_ERR_MODEL, "4-byte value truncated", "fixed32");
  expect_fail_bytes("\x38\x01", 2, TINYRT_ERR_MODEL, "ModelProto.graph (field 7) at byte 0: wire type 0",
                    "graph as varint");
  expect_fail_bytes("", 0, TINYRT_ERR_MODEL, "imports no opset", "empty buffer");

  /* a nested message whose length runs past its parent (but not past the buffer) */
  pb_str(&g, 2, "g");
  m = model(&g, 14);
  pb_str(&m, 6, "trailing bytes the graph must not reach");
  /* the graph's payload is "\x12\x01g"; claim 2 bytes for the name instead of 1 */
  for (size_t i = 0; i + 2 < m.n; i++)
    if (m.p[i] == 0x12 && m.p[i + 1] == 0x01 && m.p[i + 2] == 'g') m.p[i + 1] = 0x02;
  expect_fail(&m, TINYRT_ERR_MODEL, "GraphProto: field 2 at byte", "nested overrun");

  relu_graph(&g);
  m = model(&g, -1);
  expect_fail(&m, TINYRT_ERR_MODEL, "imports no opset for the default ONNX domain", "no opset");

  pb_int(&m, 1, 8);
  pb_str(&t, 1, "");
  pb_int(&t, 2, 14);
  pb_msg(&m, 8, &t);
  expect_fail(&m, TINYRT_ERR_MODEL, "ModelProto has no graph", "no graph");

  relu_graph(&g);
  m = model(&g, 14);
  pb_str(&t, 1, "ai.onnx");
  pb_int(&t, 2, 13);
  pb_msg(&m, 8, &t);
  expect_fail(&m, TINYRT_ERR_MODEL, "opset_import lists domain 'ai.onnx' twice", "two opsets");

  /* two producers of one value, named both */
  node(&g, "Relu", "first", "x", NULL, "y", NULL);
  node(&g, "Neg", "second", "x", NULL, "y", NULL);
  int64_t d2[] = {2};
  value_info(&g, 11, "x", 1, 1, d2, NULL);
  m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_MODEL,
              "node 'second' (Neg): output 'y' is also produced by node 'first' (Relu)",
              "two producers");

  node(&g, "Relu", "writes_input", "y", NULL, "x", NULL);
  value_info(&g, 11, "x", 1, 1, d2, NULL);
  m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_MODEL, "node 'writes_input' (Relu): output 'x' is also a graph input",
              "output is input");

  node(&g, "", "no_op", "x", NULL, "y", NULL);
  m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_MODEL, "no op_type", "no op_type");

  relu_graph(&g);
  value_info(&g, 11, "x", 1, 1, d2, NULL);
  m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_MODEL, "graph input 'x' is listed twice", "input twice");

  relu_graph(&g);
  value_info(&g, 12, "y", 1, 1, d2, NULL);
  m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_MODEL, "graph output 'y' is listed twice", "output twice");

  pb_int(&t, 2, TINYRT_FLOAT); /* one initializer, twice */
  pb_f32(&t, 4, 1.0f);
  pb_str(&t, 8, "w");
  pb_bytes(&g, 5, t.p, t.n);
  pb_msg(&g, 5, &t);
  relu_graph(&g);
  m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_MODEL, "initializer 'w' is given twice", "duplicate initializer");

  {
    pb vi = {0}, ty = {0}, seq = {0};
    pb_msg(&ty, 4, &seq);
    pb_str(&vi, 1, "list");
    pb_msg(&vi, 2, &ty);
    pb_msg(&g, 11, &vi);
    relu_graph(&g);
    m = model(&g, 14);
    expect_fail(&m, TINYRT_ERR_UNSUPPORTED, "graph input 'list' has a sequence type",
                "sequence input");
  }
  {
    int64_t d9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    relu_graph(&g);
    value_info(&g, 11, "x9", 1, 9, d9, NULL);
    m = model(&g, 14);
    expect_fail2(&m, TINYRT_ERR_UNSUPPORTED, "graph input 'x9' (at byte", "more than 8 dims",
                 "rank 9 input");
  }
  {
    pb vi = {0}, ty = {0}, tt = {0}, sh = {0}, dim = {0};
    pb_int(&dim, 1, -3);
    pb_msg(&sh, 1, &dim);
    pb_int(&tt, 1, 1);
    pb_msg(&tt, 2, &sh);
    pb_msg(&ty, 1, &tt);
    pb_str(&vi, 1, "negdim");
    pb_msg(&vi, 2, &ty);
    pb_msg(&g, 11, &vi);
    relu_graph(&g);
    m = model(&g, 14);
    expect_fail2(&m, TINYRT_ERR_MODEL, "graph input 'negdim' (at byte", "dim_value -3 at byte",
                 "negative dim_value");
  }
  {
    pb vi = {0};
    pb_bytes(&vi, 1, "a\0b", 3);
    pb_msg(&g, 11, &vi);
    relu_graph(&g);
    m = model(&g, 14);
    expect_fail(&m, TINYRT_ERR_MODEL, "ValueInfoProto.name at byte", "NUL in a name");
  }
  {
    pb sp = {0};
    pb_int(&sp, 3, 1);
    pb_msg(&g, 15, &sp);
    relu_graph(&g);
    m = model(&g, 14);
    expect_fail(&m, TINYRT_ERR_UNSUPPORTED, "sparse initializers", "sparse initializer");
  }

  /* attributes */
  pb attrs = {0}, a = {0}, sub = {0};
  pb_str(&a, 1, "body");
  pb_int(&a, 20, TRT_ATTR_GRAPH);
  pb_str(&sub, 2, "inner");
  pb_msg(&a, 6, &sub);
  pb_msg(&attrs, 5, &a);
  node(&g, "Loop", "loop", "x", NULL, "y", &attrs);
  m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_UNSUPPORTED,
              "node 'loop' (Loop): attribute 'body' is a graph; subgraphs are not supported",
              "graph attribute");

  pb_str(&a, 1, "k");
  pb_int(&a, 20, TRT_ATTR_INT);
  pb_msg(&attrs, 5, &a);
  pb_str(&a, 1, "k");
  pb_int(&a, 20, TRT_ATTR_FLOAT);
  pb_msg(&attrs, 5, &a);
  node(&g, "Relu", "dup", "x", NULL, "y", &attrs);
  m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_MODEL, "node 'dup' (Relu): attribute 'k' is given twice",
              "duplicate attribute");

  pb_str(&a, 1, "odd");
  pb_int(&a, 20, 99);
  pb_msg(&attrs, 5, &a);
  node(&g, "Relu", "odd_type", "x", NULL, "y", &attrs);
  m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_MODEL, "attribute 'odd' has unknown type 99", "unknown attr type");

  pb_str(&a, 1, "nothing");
  pb_msg(&attrs, 5, &a);
  node(&g, "Relu", "untyped", "x", NULL, "y", &attrs);
  m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_MODEL, "attribute 'nothing' has no type and no value",
              "attr without type or value");

  pb_str(&a, 1, "value");
  pb_int(&a, 20, TRT_ATTR_TENSOR);
  t_raw_short(&t);
  pb_msg(&a, 5, &t);
  pb_msg(&attrs, 5, &a);
  node(&g, "Constant", "c", NULL, NULL, "y", &attrs);
  m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_MODEL, "node 'c' (Constant): tensor 'w_short': raw_data has 10",
              "bad tensor attribute");

  pb_str(&a, 1, "sp");
  pb_int(&a, 20, 11);
  pb_msg(&attrs, 5, &a);
  node(&g, "Constant", "c", NULL, NULL, "y", &attrs);
  m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_UNSUPPORTED, "attribute 'sp' has type 11", "sparse attribute");
}

/* ---- external data ----------------------------------------------------------------------- */

static void write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  CHECK_MSG(f != NULL, "cannot write %s", path);
  if (!f) return;
  CHECK(fwrite(data, 1, n, f) == n);
  fclose(f);
}

/* A model whose initializer "w" (float [4]) lives in an external file. NULL strings leave the
 * key out. Written to dir/name. */
static void write_external_model(const char *dir, const char *name, const char *location,
                                 const char *offset, const char *length) {
  pb g = {0}, t = {0}, e = {0};
  pb_int(&t, 1, 4);
  pb_int(&t, 2, TINYRT_FLOAT);
  pb_str(&t, 8, "w");
  const char *keys[] = {"location", "offset", "length"};
  const char *vals[] = {location, offset, length};
  for (int i = 0; i < 3; i++) {
    if (!vals[i]) continue;
    pb_str(&e, 1, keys[i]);
    pb_str(&e, 2, vals[i]);
    pb_msg(&t, 13, &e);
  }
  pb_int(&t, 14, 1);
  pb_msg(&g, 5, &t);
  relu_graph(&g);
  pb m = model(&g, 14);
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  write_file(path, m.p, m.n);
  pb_free(&m);
}

typedef struct ext_case {
  const char *name, *location, *offset, *length;
  int code;            /* expected result */
  const char *message; /* substring of the error */
  float first;         /* OK cases: w[0] (w holds first..first+3) */
  bool in_place;
} ext_case;

static void test_external(void) {
  char root[1024], dir[2048], path[PATH_MAX]; /* sized so gcc sees every join fit */
  snprintf(root, sizeof root, "%s/test_loader_XXXXXX", TINYRT_BINARY_DIR);
  if (!mkdtemp(root)) {
    CHECK_MSG(0, "mkdtemp %s: %s", root, strerror(errno));
    return;
  }
  snprintf(dir, sizeof dir, "%s/model", root);
  CHECK(mkdir(dir, 0755) == 0);
  snprintf(path, sizeof path, "%s/sub", dir);
  CHECK(mkdir(path, 0755) == 0);

  /* data.bin: floats 1..4 at offset 0, 5..8 at 4096, 9..12 at 4113 (unaligned) */
  static uint8_t data[8208];
  float f[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  memcpy(data, f, 16);
  memcpy(data + 4096, f + 4, 16);
  memcpy(data + 4113, f + 8, 16);
  snprintf(path, sizeof path, "%s/data.bin", dir);
  write_file(path, data, sizeof data);
  snprintf(path, sizeof path, "%s/sub/w.bin", dir);
  write_file(path, f + 4, 16);
  snprintf(path, sizeof path, "%s/outside.bin", root);
  write_file(path, f, 16);
  char link[PATH_MAX];
  snprintf(link, sizeof link, "%s/link.bin", dir);
  CHECK(symlink("../outside.bin", link) == 0);
  char abs_loc[PATH_MAX];
  snprintf(abs_loc, sizeof abs_loc, "%s/outside.bin", root);

  const ext_case cases[] = {
      {"ok0.onnx", "data.bin", NULL, NULL, TINYRT_OK, NULL, 1, true},
      {"ok4096.onnx", "data.bin", "4096", "16", TINYRT_OK, NULL, 5, true},
      {"unaligned.onnx", "data.bin", "4113", "16", TINYRT_OK, NULL, 9, false},
      {"subdir.onnx", "sub/w.bin", "0", NULL, TINYRT_OK, NULL, 5, true},
      {"inside_dots.onnx", "sub/../data.bin", NULL, NULL, TINYRT_OK, NULL, 1, true},
      {"escape.onnx", "../outside.bin", NULL, NULL, TINYRT_ERR_MODEL,
       "'w': external data location '../outside.bin' leaves the model's folder", 0, false},
      {"absolute.onnx", abs_loc, NULL, NULL, TINYRT_ERR_MODEL, "is an absolute path", 0, false},
      {"symlink.onnx", "link.bin", NULL, NULL, TINYRT_ERR_MODEL, "'link.bin' leaves", 0, false},
      {"missing.onnx", "missing.bin", NULL, NULL, TINYRT_ERR_IO, "missing.bin", 0, false},
      {"dir.onnx", "sub", NULL, NULL, TINYRT_ERR_IO, "not a regular file", 0, false},
      {"past_end.onnx", "data.bin", "8200", NULL, TINYRT_ERR_MODEL, "[offset 8200, +16 bytes)",
       0, false},
      {"huge_offset.onnx", "data.bin", "9999999999999999999", NULL, TINYRT_ERR_MODEL, "outside",
       0, false},
      {"bad_length.onnx", "data.bin", NULL, "12", TINYRT_ERR_MODEL,
       "'length' is 12 bytes but the dims need 16", 0, false},
      {"bad_offset.onnx", "data.bin", "-4", NULL, TINYRT_ERR_MODEL, "'offset' is not a decimal",
       0, false},
      {"no_location.onnx", NULL, "0", NULL, TINYRT_ERR_MODEL, "has no 'location'", 0, false},
  };
  for (size_t i = 0; i < TRT_ARRAY_LEN(cases); i++) {
    const ext_case *c = &cases[i];
    write_external_model(dir, c->name, c->location, c->offset, c->length);
    snprintf(path, sizeof path, "%s/%s", dir, c->name);
    trt_graph g;
    tinyrt_error err = {0};
    trt_graph_init(&g, NULL);
    int rc = trt_onnx_load_file(path, &g, &err);
    CHECK_MSG(rc == c->code, "%s: rc %d, want %d (%s)", c->name, rc, c->code, err.message);
    if (c->code == TINYRT_OK && rc == TINYRT_OK) {
      const float *w = const_f32(&g, "w", 4);
      CHECK_MSG(w && w[0] == c->first && w[3] == c->first + 3, "%s: wrong data", c->name);
      CHECK_EQ_INT(g.n_mappings, 2);
      if (w && g.n_mappings == 2) {
        CHECK_MSG(points_into(w, &g.mappings[1]) == c->in_place, "%s: in place?", c->name);
        CHECK_EQ_INT(g.bytes_copied, c->in_place ? 0 : 16);
      }
    } else if (c->message) {
      CHECK_MSG(strstr(err.message, c->message) != NULL, "%s: \"%s\" lacks \"%s\"", c->name,
                err.message, c->message);
      CHECK_MSG(strstr(err.message, c->name) != NULL, "%s: message does not name the model",
                c->name);
    }
    trt_graph_free(&g);
    unlink(path);
  }

  /* from memory there is no folder: external data is refused */
  write_external_model(dir, "mem.onnx", "data.bin", NULL, NULL);
  snprintf(path, sizeof path, "%s/mem.onnx", dir);
  size_t n = 0;
  void *buf = test_read_file(path, &n);
  CHECK(buf != NULL);
  if (buf) {
    expect_fail_bytes(buf, n, TINYRT_ERR_UNSUPPORTED, "refused when loading from memory",
                      "external from memory");
    /* with a base_dir it is allowed */
    trt_graph g;
    tinyrt_error err;
    void *copy;
    CHECK_EQ_INT(load_copy(buf, n, dir, &g, &err, &copy), TINYRT_OK);
    const float *w = const_f32(&g, "w", 4);
    CHECK(w && w[0] == 1);
    trt_graph_free(&g);
    free(copy);
    free(buf);
  }
  unlink(path);

  /* two tensors in one file: mapped once */
  {
    pb g = {0}, e = {0};
    for (int k = 0; k < 2; k++) {
      pb t = {0};
      pb_int(&t, 1, 4);
      pb_int(&t, 2, TINYRT_FLOAT);
      pb_str(&t, 8, k ? "w1" : "w0");
      pb_str(&e, 1, "location");
      pb_str(&e, 2, "data.bin");
      pb_msg(&t, 13, &e);
      pb_str(&e, 1, "offset");
      pb_str(&e, 2, k ? "4096" : "0");
      pb_msg(&t, 13, &e);
      pb_int(&t, 14, 1);
      pb_msg(&g, 5, &t);
    }
    relu_graph(&g);
    pb m = model(&g, 14);
    snprintf(path, sizeof path, "%s/two.onnx", dir);
    write_file(path, m.p, m.n);
    pb_free(&m);
    trt_graph gr;
    tinyrt_error err = {0};
    trt_graph_init(&gr, NULL);
    CHECK_EQ_INT(trt_onnx_load_file(path, &gr, &err), TINYRT_OK);
    CHECK_EQ_INT(gr.n_mappings, 2);
    const float *w1 = const_f32(&gr, "w1", 4);
    CHECK(w1 && w1[0] == 5);
    trt_graph_free(&gr);
    unlink(path);
  }

  unlink(link);
  snprintf(path, sizeof path, "%s/data.bin", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/sub/w.bin", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/sub", dir);
  rmdir(path);
  rmdir(dir);
  snprintf(path, sizeof path, "%s/outside.bin", root);
  unlink(path);
  rmdir(root);
}

/* ---- hostile bytes ----------------------------------------------------------------------- */

static void expect_clean(int rc, const tinyrt_error *err, const char *what, size_t k) {
  CHECK_MSG(rc == TINYRT_OK || rc == TINYRT_ERR_MODEL || rc == TINYRT_ERR_UNSUPPORTED,
            "%s %zu: code %d (%s)", what, k, rc, err->message);
  CHECK_MSG(rc == TINYRT_OK || (err->message[0] && err->code == rc), "%s %zu: no message", what,
            k);
}

static void load_and_free(const void *data, size_t n, const char *what, size_t k) {
  trt_graph g;
  tinyrt_error err;
  void *copy;
  int rc = load_copy(data, n, NULL, &g, &err, &copy);
  /* whatever loaded must be a graph the rest of tinyrt can walk */
  if (rc == TINYRT_OK) {
    for (int i = 0; i < g.n_nodes; i++)
      for (int j = 0; j < g.nodes[i].n_inputs; j++)
        CHECK(g.nodes[i].inputs[j] < g.n_values);
  }
  expect_clean(rc, &err, what, k);
  trt_graph_free(&g);
  free(copy);
}

static void parse_tensor_and_free(const void *data, size_t n, const char *what, size_t k) {
  trt_alloc al;
  trt_alloc_init(&al, NULL);
  trt_arena ar;
  trt_arena_init(&ar, &al);
  void *copy = malloc(n ? n : 1);
  if (n) memcpy(copy, data, n);
  trt_tensor t;
  const char *name;
  tinyrt_error err = {0};
  int rc = trt_onnx_parse_tensor(copy, n, &ar, &t, &name, &err);
  if (rc == TINYRT_OK) {
    volatile uint8_t sink = 0; /* every byte of the result must be readable (ASan checks it) */
    for (size_t i = 0; i < trt_tensor_nbytes(&t); i++) sink ^= ((const uint8_t *)t.data)[i];
    (void)sink;
  }
  expect_clean(rc, &err, what, k);
  trt_arena_release(&ar);
  free(copy);
}

static uint64_t rng_next(uint64_t *s) { /* xorshift64: deterministic garbage */
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void test_hostile(void) {
  size_t n = 0;
  uint8_t *model_bytes = test_read_file(FIXTURES "/small_encoder.onnx", &n);
  CHECK(model_bytes != NULL && n > 1000);
  if (!model_bytes) return;

  /* every prefix: a cut inside a field fails, a cut between fields may load a smaller model */
  for (size_t k = 0; k < n; k++) load_and_free(model_bytes, k, "prefix", k);
  /* every single bit flipped */
  for (size_t k = 0; k < n * 8; k++) {
    model_bytes[k / 8] ^= (uint8_t)(1u << (k % 8));
    load_and_free(model_bytes, n, "bit flip", k);
    model_bytes[k / 8] ^= (uint8_t)(1u << (k % 8));
  }
  /* random bytes overwritten at random places, several at a time */
  uint64_t s = 0x9E3779B97F4A7C15ull;
  uint8_t *mut = malloc(n);
  for (size_t k = 0; k < 3000; k++) {
    memcpy(mut, model_bytes, n);
    int edits = 1 + (int)(rng_next(&s) % 8);
    for (int e = 0; e < edits; e++) mut[rng_next(&s) % n] = (uint8_t)rng_next(&s);
    load_and_free(mut, n, "mutation", k);
  }
  free(mut);
  /* pure garbage */
  uint8_t garbage[512];
  for (size_t k = 0; k < 2000; k++) {
    size_t len = rng_next(&s) % sizeof garbage;
    for (size_t i = 0; i < len; i++) garbage[i] = (uint8_t)rng_next(&s);
    load_and_free(garbage, len, "garbage", k);
    parse_tensor_and_free(garbage, len, "garbage tensor", k);
  }
  free(model_bytes);

  /* a test-data tensor: prefixes and bit flips */
  uint8_t *tb = test_read_file(NODE_DATA "/node/test_gemm_all_attributes/test_data_set_0/input_0.pb",
                               &n);
  CHECK(tb != NULL);
  if (tb) {
    for (size_t k = 0; k < n; k++) parse_tensor_and_free(tb, k, "tensor prefix", k);
    for (size_t k = 0; k < n * 8; k++) {
      tb[k / 8] ^= (uint8_t)(1u << (k % 8));
      parse_tensor_and_free(tb, n, "tensor bit flip", k);
      tb[k / 8] ^= (uint8_t)(1u << (k % 8));
    }
    free(tb);
  }
}

/* Self-nesting messages are refused at the first level, so depth costs no stack. */
static void test_deep_nesting(void) {
  enum { DEPTH = 200000 };
  size_t cap = (size_t)DEPTH * 16 + 64;
  uint8_t *buf = malloc(cap);
  size_t at = cap;
  /* innermost: TypeProto{tensor_type{elem_type 1}} = 0a 02 08 01, built back to front */
  static const uint8_t inner[] = {0x0a, 0x02, 0x08, 0x01};
  at -= sizeof inner;
  memcpy(buf + at, inner, sizeof inner);
  pb hdr = {0}; /* one field's tag and length, reused */
  for (int i = 0; i < DEPTH; i++) {
    /* TypeProto{sequence_type(4){elem_type(1): <previous TypeProto>}} */
    for (unsigned field = 1; field <= 4; field += 3) {
      hdr.n = 0;
      pb_tag(&hdr, field, 2);
      pb_varint(&hdr, cap - at);
      at -= hdr.n;
      memcpy(buf + at, hdr.p, hdr.n);
    }
  }
  pb_free(&hdr);
  pb g = {0}, vi = {0};
  pb_str(&vi, 1, "deep");
  pb_bytes(&vi, 2, buf + at, cap - at);
  pb_msg(&g, 11, &vi);
  relu_graph(&g);
  pb m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_UNSUPPORTED, "graph input 'deep' has a sequence type",
              "deep TypeProto");

  free(buf);

  /* GraphProto{node{attribute{g: GraphProto{node{attribute{g: ...}}}}}}, 2000 levels (each
   * level is re-copied, so deeper would only cost test time): refused at the outermost */
  pb inner_g = {0};
  pb_str(&inner_g, 2, "leaf");
  for (int i = 0; i < 2000; i++) {
    pb at_ = {0}, nd = {0}, gg = {0};
    pb_str(&at_, 1, "body");
    pb_int(&at_, 20, TRT_ATTR_GRAPH);
    pb_msg(&at_, 6, &inner_g);
    pb_str(&nd, 4, "If");
    pb_msg(&nd, 5, &at_);
    pb_msg(&gg, 1, &nd);
    inner_g = gg;
  }
  pb attrs = {0}, a = {0};
  pb_str(&a, 1, "then_branch");
  pb_int(&a, 20, TRT_ATTR_GRAPH);
  pb_msg(&a, 6, &inner_g);
  pb_msg(&attrs, 5, &a);
  node(&g, "If", "outer_if", "x", NULL, "y", &attrs);
  m = model(&g, 14);
  expect_fail(&m, TINYRT_ERR_UNSUPPORTED, "node 'outer_if' (If): attribute 'then_branch' is a graph",
              "nested graphs");
}

/* Many inputs on one node, many nodes: counts only limited by the bytes they take. */
static void test_large_counts(void) {
  pb g = {0}, n = {0};
  for (int i = 0; i < 100000; i++) pb_str(&n, 1, "");
  pb_str(&n, 1, "x");
  pb_str(&n, 2, "y");
  pb_str(&n, 4, "Sum");
  pb_msg(&g, 1, &n);
  int64_t d2[] = {2};
  value_info(&g, 11, "x", 1, 1, d2, NULL);
  value_info(&g, 12, "y", 1, 1, d2, NULL);
  pb m = model(&g, 14);
  trt_graph gr;
  tinyrt_error err;
  void *copy;
  CHECK_EQ_INT(load_copy(m.p, m.n, NULL, &gr, &err, &copy), TINYRT_OK);
  CHECK(gr.n_nodes == 1 && gr.nodes[0].n_inputs == 100001 && gr.nodes[0].inputs[0] == -1 &&
        gr.nodes[0].inputs[100000] == value_named(&gr, "x"));
  trt_graph_free(&gr);
  free(copy);
  pb_free(&m);

  /* 20000 chained nodes, declared in reverse order (a value is used before it is produced) */
  char a[32], b[32];
  for (int i = 20000; i > 0; i--) {
    snprintf(a, sizeof a, "v%d", i - 1);
    snprintf(b, sizeof b, "v%d", i);
    node(&g, "Relu", NULL, a, NULL, b, NULL);
  }
  value_info(&g, 11, "v0", 1, 1, d2, NULL);
  value_info(&g, 12, "v20000", 1, 1, d2, NULL);
  m = model(&g, 14);
  CHECK_EQ_INT(load_copy(m.p, m.n, NULL, &gr, &err, &copy), TINYRT_OK);
  CHECK_EQ_INT(gr.n_nodes, 20000);
  CHECK(strcmp(gr.nodes[19999].name, "Relu_19999") == 0);
  int *order = NULL, n_order = 0;
  CHECK_EQ_INT(trt_graph_topo_order(&gr, &order, &n_order, &err), TINYRT_OK);
  CHECK(n_order == 20000 && order && order[0] == 19999);
  trt_free(&gr.al, order);
  trt_graph_free(&gr);
  free(copy);
  pb_free(&m);
}

static void test_files(void) {
  trt_graph g;
  tinyrt_error err = {0};
  trt_graph_init(&g, NULL);
  CHECK_EQ_INT(trt_onnx_load_file(TINYRT_BINARY_DIR "/no/such/model.onnx", &g, &err),
               TINYRT_ERR_IO);
  CHECK_STR_CONTAINS(err.message, "/no/such/model.onnx");
  CHECK_STR_CONTAINS(err.message, "No such file");
  trt_graph_free(&g);

  trt_graph_init(&g, NULL);
  CHECK_EQ_INT(trt_onnx_load_file(TINYRT_BINARY_DIR, &g, &err), TINYRT_ERR_IO);
  CHECK_STR_CONTAINS(err.message, "not a regular file");
  trt_graph_free(&g);

  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/test_loader_empty.onnx", TINYRT_BINARY_DIR);
  write_file(path, "", 0);
  trt_graph_init(&g, NULL);
  CHECK_EQ_INT(trt_onnx_load_file(path, &g, &err), TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(err.message, "is empty");
  trt_graph_free(&g);

  snprintf(path, sizeof path, "%s/test_loader_garbage.onnx", TINYRT_BINARY_DIR);
  write_file(path, "this is not a protobuf at all\n", 30);
  trt_graph_init(&g, NULL);
  int rc = trt_onnx_load_file(path, &g, &err);
  CHECK_EQ_INT(rc, TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(err.message, "test_loader_garbage.onnx: ModelProto");
  trt_graph_free(&g);
  unlink(path);
  snprintf(path, sizeof path, "%s/test_loader_empty.onnx", TINYRT_BINARY_DIR);
  unlink(path);
}

int main(void) {
  test_fixture_small_encoder();
  test_fixture_external();
  test_node_models();
  test_node_sweep();
  test_encodings();
  test_bad_tensors();
  test_bad_models();
  test_external();
  test_files();
  test_large_counts();
  test_deep_nesting();
  test_hostile();
  return test_finish();
}
