/* Profile reading and analysis: nearest-rank percentiles, layer parsing, partitions and
 * fallbacks (tinyrt-style and CoreML-style profiles), the totals, bad files, and the writers. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "analyze/profile.h"
#include "prof/stats.h"
#include "testutil.h"

/* Durations are whole microseconds, so every total below is exact in binary up to the /1000 to
 * milliseconds; 1e-9 ms only absorbs that last division's rounding. */
#define NEAR(a, b) (fabs((a) - (b)) <= 1e-9 * (1.0 + fabs(b)))

static void test_percentile(void) {
  double ten[10];
  for (int i = 0; i < 10; i++) ten[i] = i + 1; /* 1..10 */
  /* rank = ceil(p/100 * n): p50 -> 5, p90 -> 9 (exactly, not 10), p99 -> ceil(9.9) = 10 */
  CHECK(trt_percentile_sorted(ten, 10, 50) == 5);
  CHECK(trt_percentile_sorted(ten, 10, 90) == 9);
  CHECK(trt_percentile_sorted(ten, 10, 99) == 10);
  CHECK(trt_percentile_sorted(ten, 10, 10) == 1);
  CHECK(trt_percentile_sorted(ten, 10, 11) == 2); /* ceil(1.1) = 2 */
  CHECK(trt_percentile_sorted(ten, 10, 0) == 1);
  CHECK(trt_percentile_sorted(ten, 10, 100) == 10);

  double twenty[20];
  for (int i = 0; i < 20; i++) twenty[i] = 10.0 * (i + 1); /* 10..200 */
  CHECK(trt_percentile_sorted(twenty, 20, 50) == 100); /* rank 10 */
  CHECK(trt_percentile_sorted(twenty, 20, 95) == 190); /* rank 19 */
  CHECK(trt_percentile_sorted(twenty, 20, 96) == 200); /* ceil(19.2) = 20 */

  const double three[] = {2, 4, 8};
  CHECK(trt_percentile_sorted(three, 3, 50) == 4);   /* ceil(1.5) = 2 */
  CHECK(trt_percentile_sorted(three, 3, 33.3) == 2); /* ceil(0.999) = 1 */
  CHECK(trt_percentile_sorted(three, 3, 34) == 4);   /* ceil(1.02) = 2 */
  const double one[] = {7.5};
  CHECK(trt_percentile_sorted(one, 1, 1) == 7.5);
  CHECK(trt_percentile_sorted(one, 1, 99) == 7.5);
  CHECK(trt_percentile_sorted(NULL, 0, 50) == 0);

  /* 99.9 is not exact in binary: 99.9 * 1000 / 100 must still be rank 999, not 1000 */
  double *k = malloc(1000 * sizeof *k);
  if (k) {
    for (int i = 0; i < 1000; i++) k[i] = i + 1;
    CHECK(trt_percentile_sorted(k, 1000, 99.9) == 999);
    CHECK(trt_percentile_sorted(k, 1000, 99.95) == 1000);
    CHECK(trt_percentile_sorted(k, 1000, 50) == 500);
    free(k);
  }
}

static void test_layers(void) {
  CHECK_EQ_INT(trt_layer_from_name("/encoder/layer.0/attention/self/query/MatMul"), 0);
  CHECK_EQ_INT(trt_layer_from_name("/layers.1/mlp/act/Erf"), 1);
  CHECK_EQ_INT(trt_layer_from_name("/bert/encoder/layer.11/output/LayerNorm/Add_1"), 11);
  CHECK_EQ_INT(trt_layer_from_name("layer_3"), 3);
  CHECK_EQ_INT(trt_layer_from_name("/model/layers.12/self_attn/Softmax"), 12);
  CHECK_EQ_INT(trt_layer_from_name("encoder.layer.2.output.dense.weight"), 2);
  CHECK_EQ_INT(trt_layer_from_name("/h/blocks.4/attn/MatMul"), 4);
  CHECK_EQ_INT(trt_layer_from_name("/Encoder/Layer_5/Add"), 5);
  CHECK_EQ_INT(trt_layer_from_name("/embeddings/LayerNorm/Add"), -1);
  CHECK_EQ_INT(trt_layer_from_name("/encoder/layer_norm/Add"), -1);
  CHECK_EQ_INT(trt_layer_from_name("/sublayer.2/Add"), -1);
  CHECK_EQ_INT(trt_layer_from_name("/layer_34x/Add"), -1);
  CHECK_EQ_INT(trt_layer_from_name("Erf_7"), -1);
  CHECK_EQ_INT(trt_layer_from_name("layer."), -1);
  CHECK_EQ_INT(trt_layer_from_name(""), -1);
  /* the first layer-like word wins: a node named after a layer inside another is rare */
  CHECK_EQ_INT(trt_layer_from_name("/layer_norm/layer.7/Add"), 7);
}

/* A tinyrt-style profile: providers tinyrt.cpu / tinyrt.ref, node_index as a number, two runs.
 * Kernel events of run 1 are listed out of node order to check that partitions follow node_index.
 * node_index:   0 cpu   1 cpu   2 ref   3 cpu   4 cpu   5 ref
 * partitions: cpu[0-1] ref[2-2] cpu[3-4] ref[5-5]; node 2 splits tinyrt.cpu, node 5 does not. */
static const char tinyrt_profile[] =
    "{\"traceEvents\": ["
    "{\"cat\":\"Session\",\"name\":\"model_loading_uri\",\"ph\":\"X\",\"ts\":0,\"dur\":1000,\"pid\":1,\"tid\":1,\"args\":{}},"
    "{\"cat\":\"Session\",\"name\":\"session_initialization\",\"ph\":\"X\",\"ts\":1000,\"dur\":2000,\"pid\":1,\"tid\":1,\"args\":{}},"
#define K(name, op, prov, idx, ts, dur)                                                            \
  "{\"cat\":\"Node\",\"name\":\"" name "_kernel_time\",\"ph\":\"X\",\"ts\":" #ts ",\"dur\":" #dur \
  ",\"pid\":1,\"tid\":1,\"args\":{\"op_name\":\"" op "\",\"provider\":\"" prov                      \
  "\",\"node_index\":" #idx ",\"input_type_shape\":[{\"float\":[1,8,128]}]}},"
    K("/embeddings/Gather", "Gather", "tinyrt.cpu", 0, 3110, 10)
    K("/encoder/layer.0/attention/MatMul", "MatMul", "tinyrt.cpu", 1, 3120, 100)
    K("/encoder/layer.0/intermediate/Erf", "Erf", "tinyrt.ref", 2, 3220, 40)
    K("/encoder/layer.0/output/MatMul", "MatMul", "tinyrt.cpu", 3, 3260, 100)
    K("/encoder/layer.1/attention/MatMul", "MatMul", "tinyrt.cpu", 4, 3360, 100)
    K("/pooler/Tanh", "Tanh", "tinyrt.ref", 5, 3460, 20)
    "{\"cat\":\"Session\",\"name\":\"model_run\",\"ph\":\"X\",\"ts\":3100,\"dur\":400,\"pid\":1,\"tid\":1,\"args\":{}},"
    K("/encoder/layer.1/attention/MatMul", "MatMul", "tinyrt.cpu", 4, 3760, 90)
    K("/embeddings/Gather", "Gather", "tinyrt.cpu", 0, 3610, 10)
    K("/encoder/layer.0/intermediate/Erf", "Erf", "tinyrt.ref", 2, 3660, 40)
    K("/encoder/layer.0/attention/MatMul", "MatMul", "tinyrt.cpu", 1, 3620, 30)
    K("/encoder/layer.0/output/MatMul", "MatMul", "tinyrt.cpu", 3, 3700, 60)
    K("/pooler/Tanh", "Tanh", "tinyrt.ref", 5, 3850, 20)
#undef K
    "{\"cat\":\"Session\",\"name\":\"model_run\",\"ph\":\"X\",\"ts\":3600,\"dur\":300,\"pid\":1,\"tid\":1,\"args\":{}}"
    "]}";

static const trt_an_op *find_op(const trt_analysis *a, const char *op, int layer) {
  for (size_t i = 0; i < a->n_ops; i++)
    if (!strcmp(a->ops[i].op, op) && a->ops[i].layer == layer) return &a->ops[i];
  return NULL;
}

static bool has_text(char *const *list, size_t n, const char *needle) {
  for (size_t i = 0; i < n; i++)
    if (strstr(list[i], needle)) return true;
  return false;
}

static bool has_note(const trt_analysis *a, const char *needle) {
  for (size_t i = 0; i < a->n_observations; i++)
    if (strstr(a->observations[i].text, needle)) return true;
  return false;
}

static void test_tinyrt_profile(void) {
  trt_profile p;
  trt_analysis a;
  tinyrt_error err = {0};
  CHECK_EQ_INT(trt_profile_parse(tinyrt_profile, strlen(tinyrt_profile), &p, &err), TINYRT_OK);
  if (err.code) fprintf(stderr, "%s\n", err.message);
  CHECK_EQ_INT(trt_analyze(&p, NULL, &a, &err), TINYRT_OK);
  if (err.code) {
    fprintf(stderr, "%s\n", err.message);
    trt_profile_free(&p);
    return;
  }
  CHECK_EQ_INT(a.total_events, 16);
  CHECK_EQ_INT(a.kernel_events, 12);
  CHECK_EQ_INT(a.runs, 2);
  CHECK(NEAR(a.total_duration_ms, 3.9)); /* 0 .. 3600 + 300 */
  CHECK(NEAR(a.model_load_ms, 1.0));
  CHECK(NEAR(a.session_init_ms, 2.0));
  /* run 1: 10+100+40+100+100+20 = 370; run 2: 90+10+40+30+60+20 = 250 */
  CHECK(NEAR(a.node_time_ms, 0.62));
  CHECK(NEAR(a.overhead_ms, 3.9 - 0.62));
  CHECK(NEAR(a.run_total_ms, 0.7));
  CHECK(NEAR(a.run_overhead_ms, 0.7 - 0.62));
  CHECK(NEAR(a.model_load_ms + a.session_init_ms + a.run_overhead_ms + a.other_overhead_ms,
             a.overhead_ms));
  CHECK(NEAR(a.latency.first_ms, 0.4));
  CHECK_EQ_INT(a.latency.st.n, 1);
  CHECK(NEAR(a.latency.st.p50, 0.3));

  CHECK(a.preferred && !strcmp(a.preferred, "tinyrt.cpu")); /* 4 nodes against 2 */
  CHECK_EQ_INT(a.n_providers, 2);
  CHECK_EQ_INT(a.fallback_nodes, 2);
  CHECK_EQ_INT(a.fallback_events, 4);
  CHECK(NEAR(a.fallback_ms, 0.12));

  CHECK_EQ_INT(a.n_parts, 4);
  if (a.n_parts == 4) {
    CHECK_STR_CONTAINS(a.parts[0].name, "tinyrt.cpu[0-1]");
    CHECK_STR_CONTAINS(a.parts[1].name, "tinyrt.ref[2-2]");
    CHECK_STR_CONTAINS(a.parts[2].name, "tinyrt.cpu[3-4]");
    CHECK_STR_CONTAINS(a.parts[3].name, "tinyrt.ref[5-5]");
    CHECK_EQ_INT(a.parts[0].nodes, 2);
    CHECK_EQ_INT(a.parts[0].events, 4);
    CHECK(NEAR(a.parts[0].total_ms, 0.15));  /* 10+100 + 10+30 */
    CHECK(NEAR(a.parts[2].total_ms, 0.35));  /* 100+100 + 60+90 */
    CHECK(!a.parts[0].fused);
  }
  for (size_t i = 0; i < a.n_nodes; i++) {
    if (!strcmp(a.nodes[i].op, "Erf")) CHECK(a.nodes[i].splits);
    if (!strcmp(a.nodes[i].op, "Tanh")) CHECK(!a.nodes[i].splits);
    CHECK_EQ_INT(a.nodes[i].node_index, (int64_t)i); /* partition order is node order */
  }
  const trt_an_op *mm0 = find_op(&a, "MatMul", 0), *mm1 = find_op(&a, "MatMul", 1);
  CHECK(mm0 && mm0->events == 4 && NEAR(mm0->total_ms, 0.29) && mm0->nodes == 2);
  CHECK(mm1 && mm1->events == 2 && NEAR(mm1->total_ms, 0.19));
  const trt_an_op *erf = find_op(&a, "Erf", 0), *tanh_op = find_op(&a, "Tanh", -1);
  CHECK(erf && erf->fallback && !strcmp(erf->provider, "tinyrt.ref"));
  CHECK(tanh_op && tanh_op->fallback);
  CHECK(a.n_op_types == 4 && !strcmp(a.op_types[0].op, "MatMul") && NEAR(a.op_types[0].total_ms, 0.48));
  CHECK(has_note(&a, "Erf runs on tinyrt.ref as a fallback"));
  CHECK(has_text(a.recommendations, a.n_recommendations, "FastGELU"));
  CHECK(has_note(&a, "Other fallbacks to tinyrt.ref"));
  CHECK(has_note(&a, "MatMul-family ops take 77.4%")); /* 480 of 620 us */
  trt_analysis_free(&a);

  /* forcing the preferred provider turns the roles around; an unknown one is an error */
  trt_analyze_options opt = {.preferred = "tinyrt.ref"};
  CHECK_EQ_INT(trt_analyze(&p, &opt, &a, &err), TINYRT_OK);
  CHECK_EQ_INT(a.fallback_nodes, 4);
  trt_analysis_free(&a);
  opt.preferred = "CUDAExecutionProvider";
  CHECK_EQ_INT(trt_analyze(&p, &opt, &a, &err), TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "'CUDAExecutionProvider'");
  CHECK_STR_CONTAINS(err.message, "tinyrt.cpu, tinyrt.ref");
  trt_profile_free(&p);
}

/* The synthetic CoreML fixture's numbers are documented in make_coreml_synthetic.py. */
static void test_coreml_fixture(void) {
  trt_profile p;
  trt_analysis a;
  tinyrt_error err = {0};
  const char *path = TINYRT_SOURCE_DIR "/tests/fixtures/ort_profile_coreml_synthetic.json";
  CHECK_EQ_INT(trt_profile_load(path, &p, &err), TINYRT_OK);
  if (err.code) {
    fprintf(stderr, "%s\n", err.message);
    return;
  }
  CHECK_EQ_INT(trt_analyze(&p, NULL, &a, &err), TINYRT_OK);
  if (err.code) {
    fprintf(stderr, "%s\n", err.message);
    trt_profile_free(&p);
    return;
  }
  CHECK_EQ_INT(a.total_events, 1 + 2 + 5 * (1 + 9 + 2 + 1)); /* meta, load, init, per run */
  CHECK_EQ_INT(a.kernel_events, 45);
  CHECK_EQ_INT(a.runs, 5);
  CHECK(NEAR(a.node_time_ms, (2 * 1665 + 4 * 1665) / 1000.0));
  CHECK(NEAR(a.model_load_ms, 9.0));
  CHECK(NEAR(a.session_init_ms, 40.0));
  CHECK(NEAR(a.total_duration_ms, 60.765));  /* runs at 50000, 53505, ... last ends 60765 */
  CHECK(NEAR(a.latency.first_ms, 3.405));    /* 3330 kernels + 9 gaps of 5 + 30 */
  CHECK(NEAR(a.latency.st.p99, 1.740));
  CHECK_EQ_INT(a.latency.st.n, 4);
  CHECK(a.preferred && !strcmp(a.preferred, "CoreMLExecutionProvider"));
  CHECK_EQ_INT(a.n_parts, 3);
  if (a.n_parts == 3) {
    CHECK(a.parts[0].fused && !strcmp(a.parts[0].label, "0_0"));
    CHECK(!strcmp(a.parts[1].label, "1_1") && NEAR(a.parts[1].total_ms, 4.2));
    CHECK(!strcmp(a.parts[2].label, "2_2") && NEAR(a.parts[2].total_ms, 1.8));
    CHECK_EQ_INT(a.parts[1].events, 5);
    CHECK_STR_CONTAINS(a.parts[1].name, "CoreMLExecutionProvider_CoreML_9876543210123456789_1_1");
  }
  CHECK_EQ_INT(a.fallback_nodes, 6);
  CHECK_EQ_INT(a.fallback_events, 30);
  const trt_an_op *erf0 = find_op(&a, "Erf", 0);
  CHECK(erf0 && erf0->events == 5 && NEAR(erf0->total_ms, 0.6) && erf0->fallback);
  int splitting = 0;
  for (size_t i = 0; i < a.n_nodes; i++) splitting += a.nodes[i].splits;
  CHECK_EQ_INT(splitting, 2); /* the two Erf; Gather/Cast/Sub/Mul come before every partition */
  CHECK(has_text(a.recommendations, a.n_recommendations, "Consider FastGELU"));
  CHECK(has_note(&a, "First run took 3.405 ms, 2.0x"));
  CHECK(has_note(&a, "High session overhead"));

  /* the writers: text in the seed's wording, JSON that parses back, HTML with charts */
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (f) {
    CHECK_EQ_INT(trt_analysis_write_text(f, &a, "synthetic", 10), TINYRT_OK);
    fclose(f);
    CHECK_STR_CONTAINS(buf, "Total events: 68");
    CHECK_STR_CONTAINS(buf, "Erf (layer 0): 0.60 ms (5 events) - GELU activation");
    CHECK_STR_CONTAINS(buf, "Top partition (1_1): 4.20 ms (5 events)");
    CHECK_STR_CONTAINS(buf, "Session overhead: 50.77 ms (83.6%)");
    free(buf);
  }
  buf = NULL;
  f = open_memstream(&buf, &len);
  if (f) {
    CHECK_EQ_INT(trt_analysis_write_json(f, &a, "synthetic", 0, &err), TINYRT_OK);
    fclose(f);
    cJSON *j = cJSON_Parse(buf);
    CHECK(j != NULL);
    const char *keys[] = {"total_events", "total_duration_ms", "runs", "session_init_ms",
                          "model_load_ms", "node_time_ms", "overhead_ms", "top_ops", "providers",
                          "partitions", "observations", "recommendations", "latency"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
      CHECK_MSG(cJSON_HasObjectItem(j, keys[i]), "JSON lacks %s", keys[i]);
    CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "partitions")), 3);
    const cJSON *cpu = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "providers"), "CPUExecutionProvider");
    CHECK(cpu && cJSON_GetObjectItem(cpu, "nodes")->valuedouble == 6);
    const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "top_ops"), 0);
    CHECK(first && cJSON_IsNull(cJSON_GetObjectItem(first, "layer"))); /* the 1_1 partition */
    cJSON_Delete(j);
    free(buf);
  }
  char html[512];
  snprintf(html, sizeof html, "%s/test_analyze_out.html", TINYRT_BINARY_DIR);
  CHECK_EQ_INT(trt_analysis_write_html(html, &a, "<synthetic & co>", 10, &err), TINYRT_OK);
  char *page = test_read_file(html, NULL);
  CHECK(page != NULL);
  if (page) {
    CHECK_STR_CONTAINS(page, "<svg");
    CHECK_STR_CONTAINS(page, "Session Overhead vs Node Execution");
    CHECK_STR_CONTAINS(page, "Kernel time per provider");
    CHECK_STR_CONTAINS(page, "&lt;synthetic &amp; co&gt;"); /* titles are escaped */
    CHECK(strstr(page, "<synthetic") == NULL);
    CHECK_STR_CONTAINS(page, "</html>");
    free(page);
  }
  remove(html);
  CHECK_EQ_INT(trt_analysis_write_html("/nonexistent-dir/x.html", &a, "s", 10, &err), TINYRT_ERR_IO);
  trt_analysis_free(&a);
  trt_profile_free(&p);
}

/* One bad profile: it must fail with code and a message naming the problem. */
static void expect_error(const char *text, int code, const char *needle) {
  trt_profile p;
  tinyrt_error err = {0};
  int rc = trt_profile_parse(text, strlen(text), &p, &err);
  CHECK_MSG(rc == code, "profile %.60s: rc %d, want %d (%s)", text, rc, code, err.message);
  CHECK_MSG(strstr(err.message, needle) != NULL, "profile %.60s: message \"%s\" lacks \"%s\"", text,
            err.message, needle);
  CHECK(p.events == NULL && p.n_events == 0); /* left empty */
  trt_profile_free(&p);
}

#define EV_OK "{\"name\":\"model_run\",\"ph\":\"X\",\"ts\":0,\"dur\":5}"

static void test_errors(void) {
  expect_error("", TINYRT_ERR_MODEL, "not valid JSON");
  expect_error("[{\"name\":\"x\",", TINYRT_ERR_MODEL, "truncated");
  expect_error("[\n" EV_OK ",\n" EV_OK "\n", TINYRT_ERR_MODEL, "ends after event 1 without ']'");
  expect_error("[\n" EV_OK ",\n" EV_OK " x\n]", TINYRT_ERR_MODEL, "line 3, column 46");
  expect_error("[\n" EV_OK ",\n{\"name\": tru}]", TINYRT_ERR_MODEL, "line 3");
  expect_error(" {\"traceEvents\": [" EV_OK "]} x", TINYRT_ERR_MODEL, "after the end");
  expect_error("{\"traceEvents\": []}", TINYRT_ERR_MODEL, "no events");
  expect_error("[" EV_OK "] trailing", TINYRT_ERR_MODEL, "after the end");
  expect_error("42", TINYRT_ERR_MODEL, "the profile is a number");
  expect_error("{\"events\": []}", TINYRT_ERR_MODEL, "\"traceEvents\"");
  expect_error("[]", TINYRT_ERR_MODEL, "no events");
  expect_error("[" EV_OK ", 7]", TINYRT_ERR_MODEL, "event 1 is a number, not an object");
  expect_error("[" EV_OK ", {\"ts\":1,\"dur\":1}]", TINYRT_ERR_MODEL, "event 1: \"name\" is missing");
  expect_error("[{\"name\":3}]", TINYRT_ERR_MODEL, "event 0: \"name\" is a number");
  expect_error("[" EV_OK "," EV_OK ",{\"name\":\"model_run\",\"ph\":\"X\",\"dur\":1}]",
               TINYRT_ERR_MODEL, "event 2 ('model_run'): \"ts\" is missing");
  expect_error("[{\"name\":\"a\",\"ts\":\"5\",\"dur\":1}]", TINYRT_ERR_MODEL, "\"ts\" is a string");
  expect_error("[{\"name\":\"a\",\"ts\":5}]", TINYRT_ERR_MODEL, "\"dur\" is missing");
  expect_error("[{\"name\":\"a\",\"ts\":5,\"dur\":-1}]", TINYRT_ERR_MODEL, "negative \"dur\"");
  expect_error("[{\"name\":\"a\",\"ph\":1,\"ts\":5,\"dur\":1}]", TINYRT_ERR_MODEL, "\"ph\" is a number");
  expect_error("[{\"name\":\"n_kernel_time\",\"ts\":5,\"dur\":1}]", TINYRT_ERR_MODEL,
               "event 0 ('n_kernel_time'): \"args\" is missing");
  expect_error("[{\"name\":\"n_kernel_time\",\"ts\":5,\"dur\":1,\"args\":{\"provider\":\"p\"}}]",
               TINYRT_ERR_MODEL, "args.op_name is missing");
  expect_error("[{\"name\":\"n_kernel_time\",\"ts\":5,\"dur\":1,\"args\":{\"op_name\":\"Add\"}}]",
               TINYRT_ERR_MODEL, "args.provider is missing");
  expect_error("[{\"name\":\"n_kernel_time\",\"ts\":5,\"dur\":1,\"args\":{\"op_name\":\"Add\","
               "\"provider\":\"p\",\"node_index\":\"x1\"}}]",
               TINYRT_ERR_MODEL, "args.node_index is not a non-negative integer");
  expect_error("[{\"name\":\"n_kernel_time\",\"ph\":\"i\",\"ts\":5}]", TINYRT_ERR_MODEL,
               "complete event");

  trt_profile p;
  tinyrt_error err = {0};
  CHECK_EQ_INT(trt_profile_load("/nonexistent/profile.json", &p, &err), TINYRT_ERR_IO);
  CHECK_STR_CONTAINS(err.message, "/nonexistent/profile.json");
  trt_profile_free(&p);

  /* accepted: metadata events without ts, string node_index, no kernels at all */
  const char *ok = "[{\"name\":\"process_name\",\"ph\":\"M\",\"args\":{}}," EV_OK "]";
  CHECK_EQ_INT(trt_profile_parse(ok, strlen(ok), &p, &err), TINYRT_OK);
  trt_analysis a;
  CHECK_EQ_INT(trt_analyze(&p, NULL, &a, &err), TINYRT_OK);
  CHECK_EQ_INT(a.total_events, 2);
  CHECK_EQ_INT(a.runs, 1);
  CHECK(NEAR(a.total_duration_ms, 0.005));
  CHECK(a.preferred == NULL && a.n_parts == 0 && a.n_ops == 0);
  FILE *f = fopen("/dev/null", "w");
  if (f) {
    CHECK_EQ_INT(trt_analysis_write_text(f, &a, NULL, 10), TINYRT_OK);
    CHECK_EQ_INT(trt_analysis_write_json(f, &a, NULL, 10, &err), TINYRT_OK);
    fclose(f);
  }
  trt_analysis_free(&a);
  trt_profile_free(&p);

  /* unnamed nodes ("_kernel_time") stay apart by node_index */
  const char *unnamed =
      "[{\"name\":\"_kernel_time\",\"ts\":0,\"dur\":3,\"args\":{\"op_name\":\"Add\","
      "\"provider\":\"p\",\"node_index\":\"0\"}},"
      "{\"name\":\"_kernel_time\",\"ts\":3,\"dur\":4,\"args\":{\"op_name\":\"Mul\","
      "\"provider\":\"p\",\"node_index\":\"1\"}},"
      "{\"name\":\"_kernel_time\",\"ts\":7,\"dur\":5,\"args\":{\"op_name\":\"Add\","
      "\"provider\":\"p\",\"node_index\":\"0\"}}]";
  CHECK_EQ_INT(trt_profile_parse(unnamed, strlen(unnamed), &p, &err), TINYRT_OK);
  CHECK_EQ_INT(trt_analyze(&p, NULL, &a, &err), TINYRT_OK);
  CHECK_EQ_INT(a.n_nodes, 2);
  CHECK_EQ_INT(a.n_parts, 1);
  CHECK(a.n_op_types == 2 && !strcmp(a.op_types[0].op, "Add") && a.op_types[0].events == 2);
  CHECK(NEAR(a.node_time_ms, 0.012));
  trt_analysis_free(&a);
  trt_profile_free(&p);
}

/* Fused nodes named without a layer ("BiasGelu") take the layer of the nodes around them when
 * the nodes before and after agree; between two layers, or at either end, they stay without. */
static void test_layer_inference(void) {
#define N(name, op, ts)                                                                          \
  "{\"name\":\"" name "_kernel_time\",\"ts\":" #ts ",\"dur\":1,\"args\":{\"op_name\":\"" op \
  "\",\"provider\":\"CPUExecutionProvider\",\"node_index\":\"" #ts "\"}}"
  const char *text = "[" N("/embeddings/Gather", "Gather", 0) "," N("/encoder/layer.0/a/MatMul", "MatMul", 1)
      "," N("BiasGelu", "BiasGelu", 2) "," N("/encoder/layer.0/b/MatMul", "MatMul", 3)
      "," N("Between", "Add", 4) "," N("/encoder/layer.1/a/MatMul", "MatMul", 5)
      "," N("BiasGelu_token_1", "BiasGelu", 6) "," N("/encoder/layer.1/b/MatMul", "MatMul", 7)
      "," N("/pooler/Tanh", "Tanh", 8) "]";
#undef N
  trt_profile p;
  trt_analysis a;
  tinyrt_error err = {0};
  CHECK_EQ_INT(trt_profile_parse(text, strlen(text), &p, &err), TINYRT_OK);
  CHECK_EQ_INT(trt_analyze(&p, NULL, &a, &err), TINYRT_OK);
  if (!err.code) {
    CHECK(find_op(&a, "BiasGelu", 0) && find_op(&a, "BiasGelu", 1));
    CHECK(find_op(&a, "Add", -1) && find_op(&a, "Gather", -1) && find_op(&a, "Tanh", -1));
    trt_analysis_free(&a);
  }
  trt_profile_free(&p);
}

/* A node that sees two input shapes across runs makes the dynamic-shape observation. */
static void test_dynamic_shapes(void) {
  const char *text =
      "[{\"name\":\"a_kernel_time\",\"ts\":0,\"dur\":1,\"args\":{\"op_name\":\"Add\","
      "\"provider\":\"p\",\"input_type_shape\":[{\"float\":[1,8]}]}},"
      "{\"name\":\"a_kernel_time\",\"ts\":5,\"dur\":1,\"args\":{\"op_name\":\"Add\","
      "\"provider\":\"p\",\"input_type_shape\":[{\"float\":[1,16]}]}},"
      "{\"name\":\"a_kernel_time\",\"ts\":9,\"dur\":1,\"args\":{\"op_name\":\"Add\","
      "\"provider\":\"p\",\"input_type_shape\":[{\"float\":[1,8]}]}}]";
  trt_profile p;
  trt_analysis a;
  tinyrt_error err = {0};
  CHECK_EQ_INT(trt_profile_parse(text, strlen(text), &p, &err), TINYRT_OK);
  CHECK_EQ_INT(trt_analyze(&p, NULL, &a, &err), TINYRT_OK);
  if (!err.code) {
    CHECK_EQ_INT(a.max_shapes, 2);
    CHECK(has_note(&a, "Input shapes change between runs"));
    CHECK(has_text(a.recommendations, a.n_recommendations, "static shapes"));
    trt_analysis_free(&a);
  }
  trt_profile_free(&p);
}

int main(void) {
  test_layer_inference();
  test_dynamic_shapes();
  test_percentile();
  test_layers();
  test_tinyrt_profile();
  test_coreml_fixture();
  test_errors();
  return test_finish();
}
