/* Static-shape copies of ONNX models, written by rewriting the serialized ModelProto.
 *
 * The model's bytes are copied field by field; only the shape dims of the main graph's inputs,
 * outputs and value_info whose dim_param is one of the given names are re-encoded with a
 * dim_value, and the messages enclosing them get their new lengths. Everything else, initializers
 * and external-data references included, is copied byte for byte, so the result is about the
 * input's size and runs in tinyrt and ONNX Runtime exactly as the original does at those dims.
 * Not rewritten: dims inside sequence/map/optional types (TypeProto nesting itself) and inside
 * subgraphs of node attributes, which tinyrt does not load. */
#ifndef TRT_ONNX_REWRITE_H
#define TRT_ONNX_REWRITE_H

#include "core/common.h"

/* Receives the rewritten model in consecutive pieces. Returns TINYRT_OK, or an error code that it
 * has recorded in err (which may be NULL). */
typedef struct trt_onnx_sink {
  int (*write)(void *user, const void *data, size_t len, tinyrt_error *err);
  void *user;
} trt_onnx_sink;

/* Writes `model` with the dims in `dims` fixed to `sink`. Nothing is written unless the whole
 * model was read and every name was found, so a failed call leaves the sink untouched unless the
 * sink itself failed. Fails with TINYRT_ERR_ARGUMENT for a negative value, an empty or repeated
 * name, or a name no input/output/value_info dim has (the message lists the names it has), and
 * TINYRT_ERR_MODEL for bytes that are not a ModelProto with one graph. counts (n entries, or
 * NULL) receives how many dims each name was fixed in; out_size (or NULL) the bytes written.
 * al (NULL = malloc) is for the bookkeeping, which is a few words per rewritten dim. */
int trt_onnx_fix_dims_to(const void *model, size_t size, const tinyrt_dim_override *dims, int n,
                         const tinyrt_allocator *al, const trt_onnx_sink *sink, int64_t *counts,
                         size_t *out_size, tinyrt_error *err);

/* Same, into one buffer from al (NULL = malloc), 64-byte aligned so that trt_onnx_load_buffer
 * can use its tensors in place. Release it with trt_onnx_fix_dims_free(al, *out). */
int trt_onnx_fix_dims(const void *model, size_t size, const tinyrt_dim_override *dims, int n,
                      const tinyrt_allocator *al, void **out, size_t *out_size, int64_t *counts,
                      tinyrt_error *err);
void trt_onnx_fix_dims_free(const tinyrt_allocator *al, void *out);

/* Counts the tensors of the main graph (initializers and node attributes) whose data lives in
 * external files. Their locations are relative to the model's folder, so a copy of the model
 * that is written elsewhere no longer finds them. */
int trt_onnx_count_external(const void *model, size_t size, int64_t *count, tinyrt_error *err);

#endif
