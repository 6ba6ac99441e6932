/* trt_onnx_fix_dims: static-shape rewriting of serialized models (src/onnx/rewrite.c).
 *
 * The shipped model is rewritten in memory and loaded back with the model loader; a small model
 * built here covers what the export does not have (value_info, denotation, dims given twice). */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "onnx/onnx.h"
#include "onnx/rewrite.h"
#include "pbwriter.h"
#include "testutil.h"

#define MODEL_PATH TINYRT_SOURCE_DIR "/models/bert-tiny/model.onnx"

/* ---- the hand-made model (pbwriter.h) -------------------------------------------------- */

/* Dimension: "=5" is dim_value 5, "N" dim_param N, "7>M" dim_value 7 then dim_param M (the
 * oneof's last field wins: M), "K>3" the reverse (3), "M@D" dim_param M with denotation D. */
static void pb_dim(pb *shape, const char *spec) {
  pb d = {0};
  char name[32];
  const char *gt = strchr(spec, '>'), *at = strchr(spec, '@');
  if (spec[0] == '=') {
    pb_int(&d, 1, strtoull(spec + 1, NULL, 10));
  } else if (gt && spec[0] >= '0' && spec[0] <= '9') {
    pb_int(&d, 1, strtoull(spec, NULL, 10));
    pb_str(&d, 2, gt + 1);
  } else if (gt) {
    snprintf(name, sizeof name, "%.*s", (int)(gt - spec), spec);
    pb_str(&d, 2, name);
    pb_int(&d, 1, strtoull(gt + 1, NULL, 10));
  } else if (at) {
    pb_str(&d, 3, at + 1); /* denotation before the value: its place must survive */
    snprintf(name, sizeof name, "%.*s", (int)(at - spec), spec);
    pb_str(&d, 2, name);
  } else {
    pb_str(&d, 2, spec);
  }
  pb_msg(shape, 1, &d);
}

static void pb_value_info(pb *graph, uint32_t field, const char *name, const char *d0,
                          const char *d1, const char *d2) {
  pb shape = {0}, tt = {0}, type = {0}, vi = {0};
  pb_dim(&shape, d0);
  pb_dim(&shape, d1);
  pb_dim(&shape, d2);
  pb_int(&tt, 1, TINYRT_FLOAT);
  pb_msg(&tt, 2, &shape);
  pb_msg(&type, 1, &tt);
  pb_str(&vi, 1, name);
  pb_msg(&vi, 2, &type);
  pb_msg(graph, field, &vi);
}

static void pb_identity(pb *graph, const char *in, const char *out) {
  pb node = {0};
  pb_str(&node, 1, in);
  pb_str(&node, 2, out);
  pb_str(&node, 4, "Identity");
  pb_msg(graph, 1, &node);
}

/* x[N,3,M] -> Identity -> t -> Identity -> y, with t in value_info. */
static pb small_model(void) {
  pb m = {0}, g = {0}, opset = {0}, meta = {0};
  pb_int(&m, 1, 8); /* ir_version */
  pb_str(&m, 2, "test_rewrite");
  pb_identity(&g, "x", "t");
  pb_identity(&g, "t", "y");
  pb_str(&g, 2, "small");
  pb_value_info(&g, 11, "x", "N", "=3", "M@DATA_FEATURE");
  pb_value_info(&g, 12, "y", "N", "=3", "7>M");
  pb_value_info(&g, 13, "t", "N", "K>3", "M");
  pb_msg(&m, 7, &g);
  pb_str(&opset, 1, "");
  pb_int(&opset, 2, 14);
  pb_msg(&m, 8, &opset);
  pb_str(&meta, 1, "key");
  pb_str(&meta, 2, "value kept verbatim");
  pb_msg(&m, 14, &meta); /* metadata_props */
  return m;
}

/* ---- helpers -------------------------------------------------------------------------------- */

static const trt_value *find_value(const trt_graph *g, const char *name) {
  int vi = trt_graph_find_value(g, name, strlen(name));
  return vi >= 0 ? &g->values[vi] : NULL;
}

/* True when value `name` has exactly the fixed dims `want` (rank n), none symbolic. */
static bool dims_are(const trt_graph *g, const char *name, int n, const int64_t *want) {
  const trt_value *v = find_value(g, name);
  if (!v || v->rank != n) return false;
  for (int d = 0; d < n; d++)
    if (v->dims[d].sym >= 0 || v->dims[d].value != want[d]) return false;
  return true;
}

static const char *sym_name(const trt_graph *g, const char *value, int d) {
  const trt_value *v = find_value(g, value);
  if (!v || d >= v->rank || v->dims[d].sym < 0) return NULL;
  return g->syms[v->dims[d].sym];
}

typedef struct mem_sink {
  uint8_t *p;
  size_t len, cap;
  int fail_after; /* calls before a failure; -1 never */
} mem_sink;

static int mem_write(void *user, const void *data, size_t len, tinyrt_error *err) {
  mem_sink *m = user;
  if (m->fail_after == 0) return trt_error(err, TINYRT_ERR_IO, "disk full (test sink)");
  if (m->fail_after > 0) m->fail_after--;
  if (m->len + len > m->cap) {
    m->cap = (m->len + len) * 2;
    m->p = realloc(m->p, m->cap);
    if (!m->p) return trt_error(err, TINYRT_ERR_NOMEM, "test sink out of memory");
  }
  memcpy(m->p + m->len, data, len);
  m->len += len;
  return TINYRT_OK;
}

/* ---- the shipped model ---------------------------------------------------------------------- */

static void test_shipped(const uint8_t *model, size_t size) {
  tinyrt_dim_override fix[] = {{"batch_size", 1}, {"sequence_length", 128}};
  tinyrt_error err = {0};
  void *out = NULL;
  size_t out_size = 0;
  int64_t counts[2] = {-1, -1};
  int rc = trt_onnx_fix_dims(model, size, fix, 2, NULL, &out, &out_size, counts, &err);
  CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
  if (rc) return;
  /* batch_size: three inputs and two outputs; sequence_length: three inputs, last_hidden_state */
  CHECK_EQ_INT(counts[0], 5);
  CHECK_EQ_INT(counts[1], 4);
  /* each "batch_size"/"sequence_length" dim_param (12/17 bytes + tag + length) becomes 2-3
   * bytes, and the enclosing lengths shrink with them */
  CHECK(out_size < size && out_size > size - 200);

  trt_graph a, b;
  trt_graph_init(&a, NULL);
  trt_graph_init(&b, NULL);
  CHECK_EQ_INT(trt_onnx_load_buffer(model, size, NULL, &a, &err), TINYRT_OK);
  rc = trt_onnx_load_buffer(out, out_size, NULL, &b, &err);
  CHECK_MSG(rc == TINYRT_OK, "loading the rewritten model: %s", err.message);
  if (rc == TINYRT_OK) {
    static const int64_t in_dims[] = {1, 128}, lhs[] = {1, 128, 128}, pooled[] = {1, 128};
    CHECK_EQ_INT(b.n_inputs, 3);
    for (int i = 0; i < b.n_inputs; i++)
      CHECK_MSG(dims_are(&b, b.values[b.inputs[i]].name, 2, in_dims), "input %s",
                b.values[b.inputs[i]].name);
    CHECK(dims_are(&b, "last_hidden_state", 3, lhs));
    CHECK(dims_are(&b, "pooler_output", 2, pooled));
    CHECK_EQ_INT(b.n_syms, 0);
    CHECK_EQ_INT(b.n_nodes, a.n_nodes);
    CHECK(b.opset == a.opset && b.ir_version == a.ir_version);
    CHECK(b.producer_name && a.producer_name && !strcmp(b.producer_name, a.producer_name));

    /* every initializer byte-identical, and used in place from the output buffer */
    int n_const = 0, n_same = 0;
    for (int v = 0; v < a.n_values; v++) {
      const trt_value *va = &a.values[v];
      if (va->kind != TRT_VALUE_CONSTANT) continue;
      n_const++;
      const trt_value *vb = find_value(&b, va->name);
      if (!vb || vb->kind != TRT_VALUE_CONSTANT) continue;
      const trt_tensor *ta = &va->constant, *tb = &vb->constant;
      int64_t numel = trt_shape_numel(ta->rank, ta->dims);
      bool same = ta->dtype == tb->dtype && ta->rank == tb->rank &&
                  memcmp(ta->dims, tb->dims, sizeof ta->dims[0] * (size_t)ta->rank) == 0 &&
                  numel >= 0;
      size_t bytes = same ? (size_t)numel * tinyrt_dtype_size(ta->dtype) : 0;
      if (same && bytes) same = memcmp(ta->data, tb->data, bytes) == 0;
      n_same += same;
    }
    CHECK(n_const >= 39); /* the export's 39 initializers */
    CHECK_EQ_INT(n_same, n_const);
    CHECK_EQ_INT(b.bytes_copied, a.bytes_copied);
  }
  trt_graph_free(&a);
  trt_graph_free(&b);

  /* the streamed output is the same bytes, and a sink's failure is passed on */
  mem_sink ms = {.fail_after = -1};
  trt_onnx_sink sink = {mem_write, &ms};
  size_t streamed = 0;
  rc = trt_onnx_fix_dims_to(model, size, fix, 2, NULL, &sink, NULL, &streamed, &err);
  CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
  CHECK(streamed == out_size && ms.len == out_size && !memcmp(ms.p, out, out_size));
  free(ms.p);
  ms = (mem_sink){.fail_after = 1};
  err.message[0] = '\0';
  rc = trt_onnx_fix_dims_to(model, size, fix, 2, NULL, &sink, NULL, NULL, &err);
  CHECK_EQ_INT(rc, TINYRT_ERR_IO);
  CHECK_STR_CONTAINS(err.message, "disk full");
  free(ms.p);
  trt_onnx_fix_dims_free(NULL, out);

  /* only one of the two: the other stays symbolic */
  rc = trt_onnx_fix_dims(model, size, fix + 1, 1, NULL, &out, &out_size, counts, &err);
  CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
  trt_graph_init(&b, NULL);
  if (rc == TINYRT_OK && trt_onnx_load_buffer(out, out_size, NULL, &b, &err) == TINYRT_OK) {
    const char *s0 = sym_name(&b, "input_ids", 0);
    CHECK(s0 && !strcmp(s0, "batch_size"));
    CHECK(sym_name(&b, "input_ids", 1) == NULL && find_value(&b, "input_ids")->dims[1].value == 128);
    CHECK_EQ_INT(b.n_syms, 1);
  } else {
    CHECK_MSG(false, "%s", err.message);
  }
  trt_graph_free(&b);
  trt_onnx_fix_dims_free(NULL, out);

  /* nothing to fix: the input comes back byte for byte */
  rc = trt_onnx_fix_dims(model, size, NULL, 0, NULL, &out, &out_size, NULL, &err);
  CHECK(rc == TINYRT_OK && out_size == size && !memcmp(out, model, size));
  trt_onnx_fix_dims_free(NULL, out);

  int64_t n_ext = -1;
  CHECK_EQ_INT(trt_onnx_count_external(model, size, &n_ext, &err), TINYRT_OK);
  CHECK_EQ_INT(n_ext, 0);
}

static void test_bad_arguments(const uint8_t *model, size_t size) {
  tinyrt_error err;
  void *out = (void *)1;
  size_t out_size = 1;
  struct {
    tinyrt_dim_override d[2];
    int n;
    const char *msg[3];
  } cases[] = {
      {{{"batch", 1}}, 1, {"'batch'", "batch_size, sequence_length", NULL}},
      {{{"batch_size", 1}, {"seq", 4}}, 2, {"'seq'", "batch_size, sequence_length", NULL}},
      {{{"batch_size", -1}}, 1, {"batch_size", "negative", NULL}},
      {{{"batch_size", 1}, {"batch_size", 2}}, 2, {"batch_size", "twice", NULL}},
      {{{"", 1}}, 1, {"no name", NULL}},
      {{{NULL, 1}}, 1, {"no name", NULL}},
  };
  for (size_t c = 0; c < TRT_ARRAY_LEN(cases); c++) {
    err.message[0] = '\0';
    int rc = trt_onnx_fix_dims(model, size, cases[c].d, cases[c].n, NULL, &out, &out_size, NULL,
                               &err);
    CHECK_MSG(rc == TINYRT_ERR_ARGUMENT, "case %zu: rc %d", c, rc);
    CHECK(out == NULL && out_size == 0);
    for (int k = 0; k < 3 && cases[c].msg[k]; k++) CHECK_STR_CONTAINS(err.message, cases[c].msg[k]);
  }
  CHECK_EQ_INT(trt_onnx_fix_dims(NULL, 10, NULL, 0, NULL, &out, &out_size, NULL, &err),
               TINYRT_ERR_ARGUMENT);
  CHECK_EQ_INT(trt_onnx_fix_dims(model, size, NULL, 1, NULL, &out, &out_size, NULL, &err),
               TINYRT_ERR_ARGUMENT);
  CHECK_EQ_INT(trt_onnx_fix_dims_to(model, size, NULL, 0, NULL, NULL, NULL, NULL, &err),
               TINYRT_ERR_ARGUMENT);
  /* the sink sees nothing when the rewrite fails */
  mem_sink ms = {.fail_after = -1};
  trt_onnx_sink sink = {mem_write, &ms};
  tinyrt_dim_override bad = {"nope", 1};
  CHECK_EQ_INT(trt_onnx_fix_dims_to(model, size, &bad, 1, NULL, &sink, NULL, NULL, &err),
               TINYRT_ERR_ARGUMENT);
  CHECK_EQ_INT(ms.len, 0);
  free(ms.p);
}

/* Cuts and random bytes fail with an error, never a crash (this test runs under ASan). */
static void test_damaged(const uint8_t *model, size_t size) {
  tinyrt_dim_override fix[] = {{"batch_size", 1}, {"sequence_length", 128}};
  tinyrt_error err;
  void *out;
  size_t out_size;
  /* the graph field runs from byte ~40 to ~20 bytes before the end, so every cut in between
   * leaves it longer than what is left; each cut is a fresh allocation so ASan sees overreads */
  int n_cut_ok = 0;
  for (int k = 0; k <= 64; k++) {
    size_t cut = k == 64 ? size - 100 : 100 + (size - 200) / 64 * (size_t)k;
    uint8_t *p = malloc(cut);
    memcpy(p, model, cut);
    err.message[0] = '\0';
    int rc = trt_onnx_fix_dims(p, cut, fix, 2, NULL, &out, &out_size, NULL, &err);
    n_cut_ok += rc == TINYRT_ERR_MODEL && err.message[0];
    if (rc == TINYRT_OK) trt_onnx_fix_dims_free(NULL, out);
    free(p);
  }
  CHECK_EQ_INT(n_cut_ok, 65);
  for (size_t cut = 0; cut < 100; cut++) {
    uint8_t *p = malloc(cut ? cut : 1);
    memcpy(p, model, cut);
    int rc = trt_onnx_fix_dims(p, cut, fix, 2, NULL, &out, &out_size, NULL, &err);
    CHECK_MSG(rc == TINYRT_ERR_MODEL, "cut at %zu: rc %d", cut, rc);
    if (rc == TINYRT_OK) trt_onnx_fix_dims_free(NULL, out);
    free(p);
  }

  uint64_t s = 0x243F6A8885A308D3ull;
  int n_refused = 0, n_tries = 200;
  for (int t = 0; t < n_tries; t++) {
    size_t len = 1 + (size_t)t * 37 % 4096;
    uint8_t *p = malloc(len);
    for (size_t i = 0; i < len; i++) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;
      p[i] = (uint8_t)(s >> 24);
    }
    int rc = trt_onnx_fix_dims(p, len, fix, 2, NULL, &out, &out_size, NULL, &err);
    n_refused += rc == TINYRT_ERR_MODEL || rc == TINYRT_ERR_ARGUMENT;
    if (rc == TINYRT_OK) trt_onnx_fix_dims_free(NULL, out);
    int64_t n_ext;
    trt_onnx_count_external(p, len, &n_ext, &err); /* must not crash either */
    free(p);
  }
  CHECK_EQ_INT(n_refused, n_tries);
}

/* ---- the hand-made model -------------------------------------------------------------------- */

static void test_small(void) {
  pb m = small_model();
  tinyrt_error err = {0};
  trt_graph g;

  trt_graph_init(&g, NULL);
  int rc = trt_onnx_load_buffer(m.p, m.n, NULL, &g, &err);
  CHECK_MSG(rc == TINYRT_OK, "the hand-made model loads: %s", err.message);
  const char *ym = sym_name(&g, "y", 2), *tk = sym_name(&g, "t", 1);
  CHECK(ym && !strcmp(ym, "M")); /* the oneof's last field wins... */
  CHECK(!tk && find_value(&g, "t")->dims[1].value == 3);
  trt_graph_free(&g);

  tinyrt_dim_override fix[] = {{"M", 4}, {"N", 2}};
  void *out = NULL;
  size_t out_size = 0;
  int64_t counts[2] = {0};
  rc = trt_onnx_fix_dims(m.p, m.n, fix, 2, NULL, &out, &out_size, counts, &err);
  CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
  if (rc == TINYRT_OK) {
    /* ...so y's M is fixed, and t's "K" (overridden by its value) is not a name the model has */
    CHECK_EQ_INT(counts[0], 3);
    CHECK_EQ_INT(counts[1], 3);
    trt_graph_init(&g, NULL);
    rc = trt_onnx_load_buffer(out, out_size, NULL, &g, &err);
    CHECK_MSG(rc == TINYRT_OK, "%s", err.message);
    static const int64_t want[] = {2, 3, 4};
    CHECK(rc == TINYRT_OK && dims_are(&g, "x", 3, want) && dims_are(&g, "y", 3, want) &&
          dims_are(&g, "t", 3, want));
    CHECK(rc == TINYRT_OK && g.n_syms == 0);
    trt_graph_free(&g);
    CHECK(memmem(out, out_size, "DATA_FEATURE", 12) != NULL);
    CHECK(memmem(out, out_size, "value kept verbatim", 19) != NULL);
    CHECK(memmem(out, out_size, "\x12\x01M", 3) == NULL); /* no dim_param "M" left */
    /* x's dim 2: denotation first, then dim_value 4, in a Dimension of 16 bytes */
    CHECK(memmem(out, out_size, "\x0a\x10\x1a\x0c" "DATA_FEATURE\x08\x04", 18) != NULL);
    trt_onnx_fix_dims_free(NULL, out);
  }

  tinyrt_dim_override k = {"K", 1};
  err.message[0] = '\0';
  CHECK_EQ_INT(trt_onnx_fix_dims(m.p, m.n, &k, 1, NULL, &out, &out_size, NULL, &err),
               TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "(it has: N, M)");

  /* every byte changed to a few values: refused or rewritten, never a crash; what is rewritten
   * still fixes both names (they were found) and loads or is refused by the loader cleanly */
  int n_ok = 0;
  for (size_t i = 0; i < m.n; i++) {
    static const uint8_t vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x12, 0x0a};
    for (size_t v = 0; v < sizeof vals; v++) {
      uint8_t *p = malloc(m.n); /* exactly sized, so that ASan sees any overread */
      memcpy(p, m.p, m.n);
      p[i] = vals[v];
      rc = trt_onnx_fix_dims(p, m.n, fix, 2, NULL, &out, &out_size, NULL, &err);
      if (rc == TINYRT_OK) {
        n_ok++;
        trt_graph_init(&g, NULL);
        trt_onnx_load_buffer(out, out_size, NULL, &g, &err);
        trt_graph_free(&g);
        trt_onnx_fix_dims_free(NULL, out);
      } else {
        CHECK_MSG(rc == TINYRT_ERR_MODEL || rc == TINYRT_ERR_ARGUMENT, "byte %zu = %u: rc %d",
                  i, vals[v], rc);
      }
      free(p);
    }
  }
  CHECK(n_ok > 0);

  /* a model without a graph, and one with two */
  pb bad = {0}, g2 = {0};
  pb_int(&bad, 1, 8);
  CHECK_EQ_INT(trt_onnx_fix_dims(bad.p, bad.n, fix, 2, NULL, &out, &out_size, NULL, &err),
               TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(err.message, "no graph");
  pb_str(&g2, 2, "second");
  pb_raw(&bad, m.p, m.n);
  pb_msg(&bad, 7, &g2);
  CHECK_EQ_INT(trt_onnx_fix_dims(bad.p, bad.n, fix, 2, NULL, &out, &out_size, NULL, &err),
               TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(err.message, "second graph");
  free(bad.p);
  free(m.p);
}

/* Initializers and Constant values stored in external files are counted. */
static void test_count_external(void) {
  pb m = {0}, g = {0}, init = {0}, node = {0}, attr = {0}, t = {0}, kv = {0};
  pb_str(&kv, 1, "location");
  pb_str(&kv, 2, "weights.bin");
  pb_int(&init, 1, 4); /* dims */
  pb_int(&init, 2, TINYRT_FLOAT);
  pb_str(&init, 8, "w");
  pb_bytes(&init, 13, kv.p, kv.n);
  pb_int(&init, 14, 1); /* EXTERNAL */
  pb_msg(&g, 5, &init);
  pb_str(&init, 8, "w2");
  pb_int(&init, 14, 1);
  pb_int(&init, 14, 0); /* the last data_location counts */
  pb_msg(&g, 5, &init);
  pb_int(&t, 2, TINYRT_FLOAT);
  pb_bytes(&t, 13, kv.p, kv.n);
  pb_int(&t, 14, 1);
  pb_str(&attr, 1, "value");
  pb_msg(&attr, 5, &t);
  pb_str(&node, 2, "c");
  pb_str(&node, 4, "Constant");
  pb_msg(&node, 5, &attr);
  pb_msg(&g, 1, &node);
  pb_msg(&m, 7, &g);
  int64_t n = -1;
  tinyrt_error err;
  CHECK_EQ_INT(trt_onnx_count_external(m.p, m.n, &n, &err), TINYRT_OK);
  CHECK_EQ_INT(n, 2);
  CHECK_EQ_INT(trt_onnx_count_external(m.p, m.n - 1, &n, &err), TINYRT_ERR_MODEL);
  free(m.p);
  free(kv.p);
}

int main(void) {
  size_t size = 0;
  uint8_t *model = test_read_file(MODEL_PATH, &size);
  CHECK_MSG(model != NULL, "cannot read %s", MODEL_PATH);
  if (model) {
    test_shipped(model, size);
    test_bad_arguments(model, size);
    test_damaged(model, size);
  }
  free(model);
  test_small();
  test_count_external();
  return test_finish();
}
