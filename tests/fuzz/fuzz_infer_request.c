/* libFuzzer target for what the server does with an inference request body before and after the
 * model runs: parse it (JSON tensors flat or nested, or Triton's binary tensor extension), check
 * the tensors against a BERT-like signature, select the outputs, and format a response for the
 * request's shape. No network and no model: the same functions the HTTP handler calls.
 *
 * Input layout: byte 0 bit 0 set means an Inference-Header-Content-Length header is present,
 * with its value in bytes 1-2 (little-endian; it may exceed the body, which must be refused);
 * the rest is the body. Beyond crashes and sanitizer reports, it traps when a function breaks its
 * contract: an unexpected result code, a failure without a message, a check that lets through a
 * tensor whose bytes do not match its shape or an id outside the vocabulary, or a response whose
 * JSON part does not parse back. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"
#include "serve/protocol.h"

#define VOCAB 30522
#define HIDDEN 128

static void require(int cond) {
  if (!cond) __builtin_trap(); /* the fuzzer reports it with the input that caused it */
}

static void check_failure(int rc, const tinyrt_error *err) {
  require(rc == TINYRT_ERR_ARGUMENT || rc == TINYRT_ERR_UNSUPPORTED || rc == TINYRT_ERR_NOMEM);
  require(err->code == rc && err->message[0] != '\0');
}

static trt_srv_io token_input(const char *name, int64_t bound) {
  trt_srv_io io;
  memset(&io, 0, sizeof io);
  io.name = name;
  io.dtype = TINYRT_INT64;
  io.rank = 2;
  io.dims[0] = io.dims[1] = -1;
  io.dim_names[0] = "batch_size";
  io.dim_names[1] = "sequence_length";
  io.seq[1] = true;
  io.bound = bound;
  return io;
}

/* bert-tiny as `tinyrt serve` describes it (trt_srv_sig_build on the shipped model) */
static void bert_sig(trt_srv_sig *sig) {
  memset(sig, 0, sizeof *sig);
  sig->n_inputs = 3;
  sig->inputs[0] = token_input("input_ids", VOCAB);
  sig->inputs[1] = token_input("attention_mask", 0);
  sig->inputs[2] = token_input("token_type_ids", 2);
  sig->n_outputs = 2;
  trt_srv_io *h = &sig->outputs[0], *p = &sig->outputs[1];
  h->name = "last_hidden_state";
  h->dtype = TINYRT_FLOAT;
  h->rank = 3;
  h->dims[0] = h->dims[1] = -1;
  h->dims[2] = HIDDEN;
  h->seq[1] = true;
  p->name = "pooler_output";
  p->dtype = TINYRT_FLOAT;
  p->rank = 2;
  p->dims[0] = -1;
  p->dims[1] = HIDDEN;
  sig->batchable = sig->ragged = true;
  sig->mask_input = 1;
  sig->ids_input = 0;
}

/* What sig_check promises about the tensors it accepts. */
static void check_accepted(const trt_srv_sig *sig, const trt_srv_tensor *in, int64_t rows,
                           int64_t seq) {
  for (int i = 0; i < sig->n_inputs; i++) {
    const trt_srv_tensor *t = &in[i];
    require(t->dtype == TINYRT_INT64 && t->rank == 2);
    require(t->dims[0] == rows && t->dims[1] == seq && rows > 0 && seq > 0);
    require(t->nbytes == (size_t)(rows * seq) * sizeof(int64_t));
    /* ids index a table; other integer inputs (the mask) are the model's to interpret */
    int64_t bound = sig->inputs[i].bound;
    if (bound <= 0 && i != sig->ids_input) continue;
    const int64_t *v = t->data;
    for (int64_t k = 0; k < rows * seq; k++) require(v[k] >= 0 && (bound <= 0 || v[k] < bound));
  }
}

/* Outputs of the request's shape, filled with a pattern; formatted, the JSON part must parse. */
static void respond(const trt_srv_sig *sig, const trt_srv_request *req, const bool want[],
                    const bool binary[], int64_t rows, int64_t seq) {
  /* a real response of a huge request would be huge too; past this the format path is the same */
  if (rows * seq > 4096) return;
  trt_srv_tensor outs[TRT_SRV_MAX_IO];
  memset(outs, 0, sizeof outs);
  for (int o = 0; o < sig->n_outputs; o++) {
    if (!want[o]) continue;
    trt_srv_tensor *t = &outs[o];
    t->dtype = TINYRT_FLOAT;
    t->rank = sig->outputs[o].rank;
    t->dims[0] = rows;
    if (t->rank == 3) t->dims[1] = seq;
    t->dims[t->rank - 1] = HIDDEN;
    size_t n = (size_t)trt_shape_numel(t->rank, t->dims);
    t->nbytes = n * sizeof(float);
    t->data = malloc(t->nbytes);
    require(t->data != NULL);
    for (size_t k = 0; k < n; k++) ((float *)t->data)[k] = (float)(k % 97) * 0.25f - 12.0f;
  }
  trt_srv_body body = {0};
  tinyrt_error err = {0};
  int rc = trt_srv_format_infer(sig, "bert-tiny", req, outs, binary, &body, &err);
  require(rc == TINYRT_OK || (err.code == rc && err.message[0] != '\0'));
  if (rc == TINYRT_OK) {
    require(body.data != NULL && body.json_len <= body.len);
    cJSON *back = cJSON_ParseWithLength(body.data, body.json_len);
    require(back != NULL && cJSON_GetObjectItemCaseSensitive(back, "outputs") != NULL);
    cJSON_Delete(back);
  }
  free(body.data);
  for (int o = 0; o < sig->n_outputs; o++) free(outs[o].data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3) return 0;
  int64_t header_len = (data[0] & 1) ? (int64_t)(data[1] | (data[2] << 8)) : -1;
  const char *body = (const char *)data + 3;
  size_t len = size - 3;

  static trt_srv_sig sig;
  static int ready;
  if (!ready) {
    bert_sig(&sig);
    ready = 1;
  }
  trt_srv_request req;
  memset(&req, 0xa5, sizeof req); /* the parser must not rely on a zeroed request */
  tinyrt_error err = {0};
  int rc = trt_srv_parse_infer(body, len, header_len, &req, &err);
  if (rc != TINYRT_OK) {
    check_failure(rc, &err);
    require(req.n_inputs == 0 && req.n_outputs == 0); /* left empty */
    trt_srv_request_free(&req);
    return 0;
  }
  require(req.n_inputs >= 0 && req.n_inputs <= TRT_SRV_MAX_IO);
  require(req.n_outputs >= 0 && req.n_outputs <= TRT_SRV_MAX_IO);

  trt_srv_tensor ordered[TRT_SRV_MAX_IO];
  memset(ordered, 0, sizeof ordered);
  int64_t rows = 0, seq = 0;
  memset(&err, 0, sizeof err);
  rc = trt_srv_sig_check(&sig, "bert-tiny", req.inputs, req.n_inputs, ordered, &rows, &seq, &err);
  if (rc == TINYRT_OK) {
    check_accepted(&sig, ordered, rows, seq);
    bool want[TRT_SRV_MAX_IO], binary[TRT_SRV_MAX_IO];
    memset(&err, 0, sizeof err);
    rc = trt_srv_outputs_select(&sig, &req, want, binary, &err);
    if (rc == TINYRT_OK)
      respond(&sig, &req, want, binary, rows, seq);
    else
      check_failure(rc, &err);
  } else {
    check_failure(rc, &err);
  }
  for (int i = 0; i < sig.n_inputs; i++) trt_srv_tensor_free(&ordered[i]);
  trt_srv_request_free(&req);
  return 0;
}
