/* Open Inference Protocol v2 (KServe REST) bodies: parsing inference requests, including Triton's
 * binary tensor data extension, and formatting responses, metadata, Triton's model config and
 * errors. JSON goes through cJSON; nothing here touches the network. */
#ifndef TRT_SERVE_PROTOCOL_H
#define TRT_SERVE_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "serve/batcher.h"
#include "serve/model.h"

typedef struct trt_srv_out_req {
  char *name;
  bool binary; /* parameters.binary_data: true */
} trt_srv_out_req;

/* A parsed inference request. Names and data are malloc'd and owned by the request (until
 * trt_srv_sig_check moves the tensors out). */
typedef struct trt_srv_request {
  char *id; /* NULL when absent */
  int n_inputs;
  trt_srv_named inputs[TRT_SRV_MAX_IO];
  int n_outputs; /* 0: every output of the model */
  trt_srv_out_req outputs[TRT_SRV_MAX_IO];
  bool binary_all; /* parameters.binary_data_output: true */
} trt_srv_request;

/* Parses an inference request body of `len` bytes. header_len is the value of the
 * Inference-Header-Content-Length header (the JSON's length, raw tensors following it), or -1
 * when absent (the whole body is JSON). JSON data may be flat or nested; numbers are checked
 * against the datatype's range. Errors (TINYRT_ERR_ARGUMENT, or TINYRT_ERR_UNSUPPORTED for FP16
 * and BYTES) name the field at fault. On failure *req is left empty. */
int trt_srv_parse_infer(const char *body, size_t len, int64_t header_len, trt_srv_request *req,
                        tinyrt_error *err);
void trt_srv_request_free(trt_srv_request *req);

/* Checks the requested outputs against the signature and fills want[o] for each model output o
 * that the response includes, and binary[o] when it goes as raw bytes. */
int trt_srv_outputs_select(const trt_srv_sig *sig, const trt_srv_request *req, bool want[],
                           bool binary[], tinyrt_error *err);

/* A response body: malloc'd bytes; json_len < len when raw tensors follow the JSON (then the
 * server sends Inference-Header-Content-Length: json_len). */
typedef struct trt_srv_body {
  char *data;
  size_t len;
  size_t json_len;
} trt_srv_body;

/* The inference response for the outputs outs[o] (indexed like sig->outputs; data NULL for
 * outputs not returned), in the order the request asked for them, or the model's order. */
int trt_srv_format_infer(const trt_srv_sig *sig, const char *model_name, const trt_srv_request *req,
                         const trt_srv_tensor *outs, const bool binary[], trt_srv_body *body,
                         tinyrt_error *err);

/* GET /v2, GET /v2/models/{m}, GET /v2/models/{m}/config. */
int trt_srv_format_server_meta(trt_srv_body *body);
int trt_srv_format_model_meta(const trt_srv_sig *sig, const char *model_name, trt_srv_body *body);
int trt_srv_format_model_config(const trt_srv_sig *sig, const char *model_name,
                                const trt_srv_batcher_opts *opts, trt_srv_body *body);
/* GET /v2/models/{m}/stats: Triton's statistics extension (counts and summed nanoseconds). */
int trt_srv_format_stats(const char *model_name, const trt_srv_stats *st, trt_srv_body *body);
/* {"error": msg}; returns 0, or -1 when out of memory. */
int trt_srv_format_error(const char *msg, trt_srv_body *body);

#endif
