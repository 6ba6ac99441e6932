/* The model as the server sees it.
 *
 * The batcher and the HTTP server never call tinyrt directly: they go through trt_srv_model, a
 * table of functions over an opaque object. In production it wraps a tinyrt_session (model.c);
 * unit tests plug in a fake model whose behaviour they control (blocking, failing, counting
 * batch sizes) without a real network.
 *
 * trt_srv_sig is what the server derives from the model once at start-up: which inputs and
 * outputs exist, where the batch and sequence axes are, and whether requests of different
 * sequence lengths may share a batch. */
#ifndef TRT_SERVE_MODEL_H
#define TRT_SERVE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tinyrt.h"

#define TRT_SRV_MAX_IO 16

typedef struct trt_srv_model_ops {
  int (*input_count)(void *self);
  int (*output_count)(void *self);
  int (*input_info)(void *self, int index, tinyrt_io_info *info);
  int (*output_info)(void *self, int index, tinyrt_io_info *info);
  /* Same contract as tinyrt_run(); called from the batcher's thread only. */
  int (*run)(void *self, const tinyrt_tensor *inputs, int n_inputs, tinyrt_tensor *outputs,
             int n_outputs, tinyrt_error *err);
  void (*tensor_free)(void *self, tinyrt_tensor *t);
  void (*close)(void *self);
  /* Optional (may be NULL): for an integer input that indexes a constant table (token ids into
   * an embedding), the table's rows, as tinyrt_input_index_bound(). */
  int (*input_index_bound)(void *self, int index, int64_t *bound);
  /* Optional (may be NULL): tinyrt_run_many()'s contract, from the batcher's thread only. With
   * it a batch of several jobs runs as one inference per job, each at its own shape. */
  int (*run_many)(void *self, tinyrt_run_item *items, int n_items, tinyrt_error *err);
} trt_srv_model_ops;

typedef struct trt_srv_model {
  const trt_srv_model_ops *ops;
  void *self;
} trt_srv_model;

/* Opens an ONNX model through tinyrt's public API. */
int trt_srv_model_open_tinyrt(const char *path, const tinyrt_options *opts, trt_srv_model *out,
                              tinyrt_error *err);
void trt_srv_model_close(trt_srv_model *m);

/* A dense tensor owned by whoever filled it (data is malloc'd). */
typedef struct trt_srv_tensor {
  tinyrt_dtype dtype;
  int rank;
  int64_t dims[TINYRT_MAX_RANK];
  void *data;
  size_t nbytes;
} trt_srv_tensor;

void trt_srv_tensor_free(trt_srv_tensor *t);

/* One graph input or output as served. dims use -1 for a variable size. seq[i] marks the axes
 * that follow the request's sequence length: these are padded when requests of different
 * lengths share a batch, and cut back per request afterwards. */
typedef struct trt_srv_io {
  const char *name;
  tinyrt_dtype dtype;
  int rank;
  int64_t dims[TINYRT_MAX_RANK];
  const char *dim_names[TINYRT_MAX_RANK]; /* names of variable dims (may be NULL) */
  bool seq[TINYRT_MAX_RANK];
  int64_t bound; /* integer inputs that index a table: values must be in [0, bound); 0 = any */
} trt_srv_io;

typedef struct trt_srv_sig {
  int n_inputs, n_outputs;
  trt_srv_io inputs[TRT_SRV_MAX_IO];
  trt_srv_io outputs[TRT_SRV_MAX_IO];
  /* Axis 0 of every input and output is a variable batch axis, so requests can be stacked. */
  bool batchable;
  /* The model has an attention_mask input: requests of different sequence lengths share a
   * batch, right-padded with 0 (mask 0 marks the padding). */
  bool ragged;
  int mask_input; /* index of attention_mask, -1 when absent */
  int ids_input;  /* index of an integer input_ids, -1 when absent; its ids are never negative */
} trt_srv_sig;

/* Describes the model: reads the inputs and outputs (and the table size behind each integer
 * input that indexes one, for checking token ids before batching) and, when the model looks
 * batchable, runs
 * two small probe batches to learn which output axes follow the batch and the sequence length
 * (output shapes are often not declared in the file). When a probe fails the model is served
 * one request at a time and *warning says why. */
int trt_srv_sig_build(const trt_srv_model *m, trt_srv_sig *sig, char *warning, size_t warning_len,
                      tinyrt_error *err);

/* One request's input tensor under the name the client gave it. */
typedef struct trt_srv_named {
  const char *name;
  trt_srv_tensor t;
} trt_srv_named;

/* Checks one request's inputs against the signature: every input given once, known names,
 * datatypes, ranks, fixed dims, variable dims that must agree, and ids inside the tables they
 * index (the vocabulary). On success the tensors move (data ownership included) into ordered[], indexed like
 * sig->inputs, and *rows / *seq_len receive the request's batch rows and sequence length (0 when
 * the model is not ragged). On failure nothing moves and err names the input and the problem
 * (TINYRT_ERR_ARGUMENT). */
int trt_srv_sig_check(const trt_srv_sig *sig, const char *model_name, trt_srv_named *in, int n_in,
                      trt_srv_tensor *ordered, int64_t *rows, int64_t *seq_len, tinyrt_error *err);

/* Serving-facing datatype names ("INT64", "FP32", ...) and their tinyrt types; Triton's
 * config spelling is "TYPE_" + the same name (except BOOL and FP types, see protocol.c). */
const char *trt_srv_dtype_name(tinyrt_dtype t);
tinyrt_dtype trt_srv_dtype_parse(const char *name); /* TINYRT_UNDEFINED when unknown */

#endif
