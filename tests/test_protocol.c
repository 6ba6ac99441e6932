/* Open Inference Protocol bodies: parsing requests (JSON tensors flat and nested, every
 * datatype, Triton's binary extension, outputs) and formatting responses, metadata and config. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "serve/protocol.h"
#include "testutil.h"

static int parse(const char *json, trt_srv_request *req, tinyrt_error *err) {
  memset(err, 0, sizeof *err);
  return trt_srv_parse_infer(json, strlen(json), -1, req, err);
}

/* Parses and expects failure with `code` and a message containing `want`. */
static void parse_fails(const char *json, int code, const char *want) {
  trt_srv_request req;
  tinyrt_error err;
  int rc = parse(json, &req, &err);
  CHECK_MSG(rc == code, "%s -> %d (%s)", json, rc, err.message);
  CHECK_STR_CONTAINS(err.message, want);
  CHECK_EQ_INT(req.n_inputs, 0); /* nothing is left behind */
}

static void test_parse_json(void) {
  trt_srv_request req;
  tinyrt_error err;
  const char *flat =
      "{\"id\":\"r1\",\"inputs\":[{\"name\":\"input_ids\",\"datatype\":\"INT64\",\"shape\":[2,3],"
      "\"data\":[1,2,3,4,5,6]},{\"name\":\"f\",\"datatype\":\"FP32\",\"shape\":[1],"
      "\"data\":[0.5]}],\"outputs\":[{\"name\":\"a\"},{\"name\":\"b\",\"parameters\":"
      "{\"binary_data\":true}}]}";
  CHECK_EQ_INT(parse(flat, &req, &err), TINYRT_OK);
  CHECK(req.id && !strcmp(req.id, "r1"));
  CHECK_EQ_INT(req.n_inputs, 2);
  CHECK(!strcmp(req.inputs[0].name, "input_ids"));
  CHECK_EQ_INT(req.inputs[0].t.dtype, TINYRT_INT64);
  CHECK_EQ_INT(req.inputs[0].t.rank, 2);
  CHECK_EQ_INT(req.inputs[0].t.dims[1], 3);
  CHECK_EQ_INT(req.inputs[0].t.nbytes, 48);
  CHECK_EQ_INT(((int64_t *)req.inputs[0].t.data)[5], 6);
  CHECK(((float *)req.inputs[1].t.data)[0] == 0.5f);
  CHECK_EQ_INT(req.n_outputs, 2);
  CHECK(!req.outputs[0].binary && req.outputs[1].binary);
  trt_srv_request_free(&req);

  const char *nested = "{\"inputs\":[{\"name\":\"input_ids\",\"datatype\":\"INT64\","
                       "\"shape\":[2,3],\"data\":[[1,2,3],[4,5,6]]}]}";
  CHECK_EQ_INT(parse(nested, &req, &err), TINYRT_OK);
  int64_t want[] = {1, 2, 3, 4, 5, 6};
  CHECK(req.inputs[0].t.data && !memcmp(req.inputs[0].t.data, want, sizeof want));
  CHECK(req.id == NULL && req.n_outputs == 0 && !req.binary_all);
  trt_srv_request_free(&req);

  /* a scalar, trailing whitespace, and binary_data_output for every output */
  CHECK_EQ_INT(parse("{\"inputs\":[{\"name\":\"s\",\"datatype\":\"FP64\",\"shape\":[],"
                     "\"data\":[2.25]}],\"parameters\":{\"binary_data_output\":true}} \n",
                     &req, &err),
               TINYRT_OK);
  CHECK(req.inputs[0].t.rank == 0 && ((double *)req.inputs[0].t.data)[0] == 2.25);
  CHECK(req.binary_all);
  trt_srv_request_free(&req);
}

static void test_datatypes(void) {
  trt_srv_request req;
  tinyrt_error err;
  char json[512];
  struct {
    const char *dt, *data;
    tinyrt_dtype t;
    double last;
  } ok[] = {
      {"BOOL", "[true,false,1]", TINYRT_BOOL, 1},
      {"INT8", "[-128,0,127]", TINYRT_INT8, 127},
      {"INT16", "[-32768,0,32767]", TINYRT_INT16, 32767},
      {"INT32", "[-2147483648,0,2147483647]", TINYRT_INT32, 2147483647.0},
      {"INT64", "[-9007199254740992,0,9007199254740992]", TINYRT_INT64, 9007199254740992.0},
      {"UINT8", "[0,1,255]", TINYRT_UINT8, 255},
      {"UINT16", "[0,1,65535]", TINYRT_UINT16, 65535},
      {"UINT32", "[0,1,4294967295]", TINYRT_UINT32, 4294967295.0},
      {"UINT64", "[0,1,1e15]", TINYRT_UINT64, 1e15},
      {"FP32", "[1.5,-2,1e-3]", TINYRT_FLOAT, (double)1e-3f},
      {"FP64", "[1.5,-2,1e-300]", TINYRT_DOUBLE, 1e-300},
  };
  for (size_t i = 0; i < TRT_ARRAY_LEN(ok); i++) {
    snprintf(json, sizeof json, "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"%s\",\"shape\":[3],"
             "\"data\":%s}]}", ok[i].dt, ok[i].data);
    int rc = parse(json, &req, &err);
    CHECK_MSG(rc == TINYRT_OK, "%s: %s", ok[i].dt, err.message);
    if (rc) continue;
    const trt_srv_tensor *t = &req.inputs[0].t;
    CHECK_EQ_INT(t->dtype, ok[i].t);
    CHECK_EQ_INT(t->nbytes, 3 * tinyrt_dtype_size(ok[i].t));
    double last = 0;
    switch (t->dtype) {
      case TINYRT_BOOL: last = ((uint8_t *)t->data)[2]; break;
      case TINYRT_INT8: last = ((int8_t *)t->data)[2]; break;
      case TINYRT_INT16: last = ((int16_t *)t->data)[2]; break;
      case TINYRT_INT32: last = ((int32_t *)t->data)[2]; break;
      case TINYRT_INT64: last = (double)((int64_t *)t->data)[2]; break;
      case TINYRT_UINT8: last = ((uint8_t *)t->data)[2]; break;
      case TINYRT_UINT16: last = ((uint16_t *)t->data)[2]; break;
      case TINYRT_UINT32: last = ((uint32_t *)t->data)[2]; break;
      case TINYRT_UINT64: last = (double)((uint64_t *)t->data)[2]; break;
      case TINYRT_FLOAT: last = ((float *)t->data)[2]; break;
      default: last = ((double *)t->data)[2]; break;
    }
    CHECK_MSG(last == ok[i].last, "%s: last element %g", ok[i].dt, last);
    trt_srv_request_free(&req);
  }
  struct {
    const char *dt, *data, *want;
  } bad[] = {
      {"INT8", "[128]", "not an integer in the range of INT8"},
      {"UINT8", "[-1]", "range of UINT8"},
      {"INT32", "[1.5]", "data element 0 (1.5) is not an integer"},
      {"INT64", "[9007199254740994]", "send larger values as binary data"},
      {"BOOL", "[2]", "expected true or false"},
      {"FP32", "[\"1\"]", "is a string, expected a number"},
      {"FP32", "[null]", "is null"},
      {"INT64", "[{}]", "is an object"},
  };
  for (size_t i = 0; i < TRT_ARRAY_LEN(bad); i++) {
    snprintf(json, sizeof json, "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"%s\",\"shape\":[1],"
             "\"data\":%s}]}", bad[i].dt, bad[i].data);
    parse_fails(json, TINYRT_ERR_ARGUMENT, bad[i].want);
  }
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP16\",\"shape\":[1],\"data\":[1]}]}",
              TINYRT_ERR_UNSUPPORTED, "input 'x': datatype FP16 is not supported");
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[1]}]}",
              TINYRT_ERR_UNSUPPORTED, "BYTES is not supported");
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"int64\",\"shape\":[1],\"data\":[1]}]}",
              TINYRT_ERR_ARGUMENT, "unknown datatype 'int64'");
}

static void test_parse_errors(void) {
  parse_fails("", TINYRT_ERR_ARGUMENT, "malformed JSON");
  parse_fails("{\"inputs\": [", TINYRT_ERR_ARGUMENT, "malformed JSON");
  parse_fails("{\"inputs\": []} {}", TINYRT_ERR_ARGUMENT, "unexpected data at byte 15");
  parse_fails("[1]", TINYRT_ERR_ARGUMENT, "must be a JSON object");
  parse_fails("{}", TINYRT_ERR_ARGUMENT, "no 'inputs' array");
  parse_fails("{\"inputs\":[]}", TINYRT_ERR_ARGUMENT, "no 'inputs' array");
  parse_fails("{\"id\":5,\"inputs\":[1]}", TINYRT_ERR_ARGUMENT, "'id' must be a string");
  parse_fails("{\"inputs\":[1]}", TINYRT_ERR_ARGUMENT, "inputs[0] must be an object");
  parse_fails("{\"inputs\":[{\"datatype\":\"FP32\"}]}", TINYRT_ERR_ARGUMENT, "no 'name'");
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"data\":[1]}]}", TINYRT_ERR_ARGUMENT,
              "input 'x' has no 'datatype'");
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"data\":[1]}]}",
              TINYRT_ERR_ARGUMENT, "'shape' must be an array");
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1],\"data\":[1]}]}",
              TINYRT_ERR_ARGUMENT, "shape[0] must be a non-negative integer");
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,1,1,1,1,1,1,1,1],"
              "\"data\":[1]}]}",
              TINYRT_ERR_ARGUMENT, "shape has 9 dimensions");
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1,4],"
              "\"data\":[1,2,3]}]}",
              TINYRT_ERR_ARGUMENT, "input 'x' has 3 elements in 'data' but shape [1,4] needs 4");
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[2],"
              "\"data\":[[1],[2]]}]}",
              TINYRT_ERR_ARGUMENT, "nested deeper than the shape's 1 dimensions");
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1]}]}",
              TINYRT_ERR_ARGUMENT, "input 'x' has no 'data'");
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":1}]}",
              TINYRT_ERR_ARGUMENT, "'data' must be an array");
  /* a huge declared shape is refused before anything is allocated for it */
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1000000,1000000],"
              "\"data\":[1]}]}",
              TINYRT_ERR_ARGUMENT, "has 1 elements in 'data'");
  const char *in = "{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1]}";
  char many[2048];
  int k = snprintf(many, sizeof many, "{\"inputs\":[");
  for (int i = 0; i < 17; i++) k += snprintf(many + k, sizeof many - (size_t)k, "%s%s", i ? "," : "", in);
  snprintf(many + k, sizeof many - (size_t)k, "]}");
  parse_fails(many, TINYRT_ERR_ARGUMENT, "17 inputs, at most 16");
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1]}],"
              "\"outputs\":[{\"name\":\"a\"},{\"name\":\"a\"}]}",
              TINYRT_ERR_ARGUMENT, "output 'a' is requested more than once");
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1]}],"
              "\"outputs\":[{\"name\":\"a\",\"parameters\":{\"classification\":2}}]}",
              TINYRT_ERR_UNSUPPORTED, "classification");
  parse_fails("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1]}],"
              "\"outputs\":[{\"name\":\"a\",\"parameters\":{\"binary_data\":1}}]}",
              TINYRT_ERR_ARGUMENT, "binary_data must be true or false");
}

/* A binary request: JSON header, then the tensors' raw bytes in the order of the JSON. */
static size_t binary_body(char *buf, size_t cap, int64_t ids_size, int64_t f_size, size_t *json_len) {
  int n = snprintf(buf, cap, "{\"inputs\":[{\"name\":\"ids\",\"datatype\":\"INT64\",\"shape\":[1,2],"
                   "\"parameters\":{\"binary_data_size\":%lld}},{\"name\":\"f\",\"datatype\":"
                   "\"FP32\",\"shape\":[3],\"parameters\":{\"binary_data_size\":%lld}}]}",
                   (long long)ids_size, (long long)f_size);
  *json_len = (size_t)n;
  int64_t ids[2] = {7, -9};
  float f[3] = {1.5f, 2.5f, -3.0f};
  memcpy(buf + n, ids, sizeof ids);
  memcpy(buf + n + sizeof ids, f, sizeof f);
  return (size_t)n + sizeof ids + sizeof f;
}

static void test_binary(void) {
  char body[1024];
  size_t jl = 0;
  size_t len = binary_body(body, sizeof body, 16, 12, &jl);
  trt_srv_request req;
  tinyrt_error err = {0};
  CHECK_EQ_INT(trt_srv_parse_infer(body, len, (int64_t)jl, &req, &err), TINYRT_OK);
  CHECK_EQ_INT(req.n_inputs, 2);
  CHECK_EQ_INT(((int64_t *)req.inputs[0].t.data)[1], -9);
  CHECK(((float *)req.inputs[1].t.data)[2] == -3.0f);
  trt_srv_request_free(&req);

  len = binary_body(body, sizeof body, 8, 12, &jl);
  CHECK_EQ_INT(trt_srv_parse_infer(body, len, (int64_t)jl, &req, &err), TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "input 'ids': binary_data_size is 8 bytes but shape [1,2] of"
                                  " INT64 needs 16");
  len = binary_body(body, sizeof body, 16, 12, &jl);
  CHECK_EQ_INT(trt_srv_parse_infer(body, len - 4, (int64_t)jl, &req, &err), TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "input 'f': binary_data_size 12 exceeds the 8 bytes");
  memcpy(body + len, "xyz", 3);
  CHECK_EQ_INT(trt_srv_parse_infer(body, len + 3, (int64_t)jl, &req, &err), TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "31 bytes of binary data follow the JSON header but the inputs'"
                                  " binary_data_size account for 28");
  CHECK_EQ_INT(trt_srv_parse_infer(body, len, (int64_t)len + 1, &req, &err), TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "Inference-Header-Content-Length is");
  CHECK_EQ_INT(trt_srv_parse_infer(body, jl, -1, &req, &err), TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "no Inference-Header-Content-Length header");
  const char *both = "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[1],"
                     "\"data\":[1],\"parameters\":{\"binary_data_size\":4}}]}abcd";
  CHECK_EQ_INT(trt_srv_parse_infer(both, strlen(both), (int64_t)strlen(both) - 4, &req, &err),
               TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "both 'data' and binary_data_size");
}

/* --- formatting ------------------------------------------------------------------------------ */

static void make_sig(trt_srv_sig *sig) {
  memset(sig, 0, sizeof *sig);
  sig->n_inputs = 1;
  sig->inputs[0] = (trt_srv_io){.name = "ids", .dtype = TINYRT_INT64, .rank = 2, .dims = {-1, -1},
                                .seq = {false, true}};
  sig->n_outputs = 2;
  sig->outputs[0] = (trt_srv_io){.name = "h", .dtype = TINYRT_FLOAT, .rank = 3,
                                 .dims = {-1, -1, 2}, .seq = {false, true, false}};
  sig->outputs[1] = (trt_srv_io){.name = "p", .dtype = TINYRT_FLOAT, .rank = 2, .dims = {-1, 2}};
  sig->batchable = sig->ragged = true;
  sig->mask_input = -1;
  sig->ids_input = 0;
}

static cJSON *json_of(const trt_srv_body *b) {
  return cJSON_ParseWithLength(b->data, b->json_len);
}

static void test_format_infer(void) {
  trt_srv_sig sig;
  make_sig(&sig);
  float h[4] = {1.0f, 0.1f, -2.5f, NAN}, p[2] = {3.0f, 1e-7f};
  trt_srv_tensor outs[2] = {
      {TINYRT_FLOAT, 3, {1, 2, 2}, h, sizeof h},
      {TINYRT_FLOAT, 2, {1, 2}, p, sizeof p},
  };
  trt_srv_request req;
  tinyrt_error err = {0};
  CHECK_EQ_INT(parse("{\"id\":\"q\",\"inputs\":[{\"name\":\"ids\",\"datatype\":\"INT64\","
                     "\"shape\":[1,2],\"data\":[1,2]}],\"outputs\":[{\"name\":\"p\",\"parameters\":"
                     "{\"binary_data\":true}},{\"name\":\"h\"}]}",
                     &req, &err),
               TINYRT_OK);
  bool want[TRT_SRV_MAX_IO], bin[TRT_SRV_MAX_IO];
  CHECK_EQ_INT(trt_srv_outputs_select(&sig, &req, want, bin, &err), TINYRT_OK);
  CHECK(want[0] && want[1] && !bin[0] && bin[1]);
  trt_srv_body b;
  CHECK_EQ_INT(trt_srv_format_infer(&sig, "m", &req, outs, bin, &b, &err), TINYRT_OK);
  CHECK(b.json_len + sizeof p == b.len);
  CHECK(!memcmp(b.data + b.json_len, p, sizeof p));
  cJSON *root = json_of(&b);
  CHECK(root != NULL);
  if (root) {
    CHECK(!strcmp(cJSON_GetObjectItem(root, "model_name")->valuestring, "m"));
    CHECK(!strcmp(cJSON_GetObjectItem(root, "id")->valuestring, "q"));
    cJSON *o = cJSON_GetObjectItem(root, "outputs");
    CHECK_EQ_INT(cJSON_GetArraySize(o), 2);
    cJSON *o0 = cJSON_GetArrayItem(o, 0), *o1 = cJSON_GetArrayItem(o, 1);
    CHECK(!strcmp(cJSON_GetObjectItem(o0, "name")->valuestring, "p")); /* the asked order */
    CHECK_EQ_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(o0, "parameters"), "binary_data_size")
                     ->valueint, 8);
    CHECK(cJSON_GetObjectItem(o0, "data") == NULL);
    CHECK(!strcmp(cJSON_GetObjectItem(o1, "datatype")->valuestring, "FP32"));
    cJSON *data = cJSON_GetObjectItem(o1, "data");
    CHECK_EQ_INT(cJSON_GetArraySize(data), 4);
    /* 9 significant digits read back as the same float; NaN becomes null */
    CHECK((float)cJSON_GetArrayItem(data, 1)->valuedouble == 0.1f);
    CHECK(cJSON_IsNull(cJSON_GetArrayItem(data, 3)));
    CHECK_EQ_INT(cJSON_GetArrayItem(cJSON_GetObjectItem(o1, "shape"), 1)->valueint, 2);
  }
  cJSON_Delete(root);
  free(b.data);
  trt_srv_request_free(&req);

  /* no outputs listed: all of them, in the model's order, as JSON */
  CHECK_EQ_INT(parse("{\"inputs\":[{\"name\":\"ids\",\"datatype\":\"INT64\",\"shape\":[1,2],"
                     "\"data\":[1,2]}],\"outputs\":[{\"name\":\"zz\"}]}",
                     &req, &err),
               TINYRT_OK);
  CHECK_EQ_INT(trt_srv_outputs_select(&sig, &req, want, bin, &err), TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "unexpected inference output 'zz'");
  trt_srv_request_free(&req);
  CHECK_EQ_INT(parse("{\"inputs\":[{\"name\":\"ids\",\"datatype\":\"INT64\",\"shape\":[1,2],"
                     "\"data\":[1,2]}]}",
                     &req, &err),
               TINYRT_OK);
  CHECK_EQ_INT(trt_srv_outputs_select(&sig, &req, want, bin, &err), TINYRT_OK);
  CHECK(want[0] && want[1] && !bin[0] && !bin[1]);
  CHECK_EQ_INT(trt_srv_format_infer(&sig, "m", &req, outs, bin, &b, &err), TINYRT_OK);
  CHECK_EQ_INT(b.json_len, b.len);
  CHECK(strstr(b.data, "\"name\":\"h\"") < strstr(b.data, "\"name\":\"p\""));
  CHECK(strstr(b.data, "\"id\"") == NULL);
  free(b.data);
  trt_srv_request_free(&req);
}

static void test_format_meta(void) {
  trt_srv_sig sig;
  make_sig(&sig);
  trt_srv_body b;
  CHECK_EQ_INT(trt_srv_format_model_meta(&sig, "bert", &b), 0);
  cJSON *root = json_of(&b);
  CHECK(root && !strcmp(cJSON_GetObjectItem(root, "name")->valuestring, "bert"));
  cJSON *out0 = root ? cJSON_GetArrayItem(cJSON_GetObjectItem(root, "outputs"), 0) : NULL;
  char *shape = out0 ? cJSON_PrintUnformatted(cJSON_GetObjectItem(out0, "shape")) : NULL;
  CHECK(shape && !strcmp(shape, "[-1,-1,2]"));
  free(shape);
  cJSON_Delete(root);
  free(b.data);

  trt_srv_batcher_opts o;
  trt_srv_batcher_opts_init(&o);
  o.max_batch = 16;
  o.max_queue_delay_us = 250;
  o.max_queue = 99;
  CHECK_EQ_INT(trt_srv_format_model_config(&sig, "bert", &o, &b), 0);
  root = json_of(&b);
  CHECK(root != NULL);
  if (root) {
    CHECK_EQ_INT(cJSON_GetObjectItem(root, "max_batch_size")->valueint, 16);
    cJSON *in0 = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "input"), 0);
    CHECK(!strcmp(cJSON_GetObjectItem(in0, "data_type")->valuestring, "TYPE_INT64"));
    char *dims = cJSON_PrintUnformatted(cJSON_GetObjectItem(in0, "dims"));
    CHECK(dims && !strcmp(dims, "[-1]")); /* without the batch dim */
    free(dims);
    cJSON *db = cJSON_GetObjectItem(root, "dynamic_batching");
    CHECK(db && cJSON_GetObjectItem(db, "max_queue_delay_microseconds")->valueint == 250);
    CHECK(db && cJSON_GetObjectItem(cJSON_GetObjectItem(db, "default_queue_policy"),
                                    "max_queue_size")->valueint == 99);
  }
  cJSON_Delete(root);
  free(b.data);
  o.no_batching = true;
  CHECK_EQ_INT(trt_srv_format_model_config(&sig, "bert", &o, &b), 0);
  CHECK(strstr(b.data, "dynamic_batching") == NULL);
  free(b.data);

  CHECK_EQ_INT(trt_srv_format_server_meta(&b), 0);
  CHECK_STR_CONTAINS(b.data, "\"binary_tensor_data\"");
  free(b.data);
  trt_srv_stats st = {.success = 5, .success_s = 0.5, .fail = 1, .queued = 6, .queue_s = 0.001,
                      .executions = 2, .inferences = 5, .compute_per_request_s = 0.25};
  CHECK_EQ_INT(trt_srv_format_stats("bert", &st, &b), 0);
  root = json_of(&b);
  cJSON *ms = root ? cJSON_GetArrayItem(cJSON_GetObjectItem(root, "model_stats"), 0) : NULL;
  cJSON *inf = ms ? cJSON_GetObjectItem(ms, "inference_stats") : NULL;
  CHECK(inf != NULL);
  if (inf) {
    CHECK_EQ_INT(cJSON_GetObjectItem(ms, "execution_count")->valueint, 2);
    CHECK_EQ_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(inf, "success"), "count")->valueint, 5);
    CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(inf, "success"), "ns")->valuedouble == 5e8);
    CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(inf, "queue"), "ns")->valuedouble == 1e6);
    CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(inf, "compute_infer"), "ns")->valuedouble ==
          2.5e8);
  }
  cJSON_Delete(root);
  free(b.data);
  CHECK_EQ_INT(trt_srv_format_error("bad \"quote\"\n", &b), 0);
  CHECK(!strcmp(b.data, "{\"error\":\"bad \\\"quote\\\"\\n\"}"));
  free(b.data);
}

int main(void) {
  test_parse_json();
  test_datatypes();
  test_parse_errors();
  test_binary();
  test_format_infer();
  test_format_meta();
  return test_finish();
}
