/* Internal to src/onnx: the decoding context, TensorProto (tensor.c, shared by initializers,
 * TENSOR attributes and trt_onnx_parse_tensor) and AttributeProto (attr.c). */
#ifndef TRT_ONNX_INTERNAL_H
#define TRT_ONNX_INTERNAL_H

#include "ir/graph.h"
#include "onnx/wire.h"

typedef struct trt_onnx_extfile trt_onnx_extfile;

typedef struct trt_onnx_ctx {
  trt_arena *arena;          /* where decoded or copied tensor data goes */
  const uint8_t *base;       /* start of the buffer, for byte offsets in errors */
  bool in_place;             /* aligned raw_data may stay in the buffer (it outlives the result) */
  trt_graph *g;              /* bytes_copied and external-data mappings; NULL for a lone tensor */
  const char *base_dir;      /* folder for external data; NULL refuses external data */
  const char *base_real;     /* realpath of base_dir, computed on first use (in arena) */
  trt_onnx_extfile *files;   /* external files mapped so far (each mapped once) */
} trt_onnx_ctx;

/* Decodes the TensorProto in [data, data+len) into *out. The tensor's name is returned as a slice
 * of the buffer (not NUL-terminated; empty when absent). Errors name the tensor and the byte
 * offset; STRING and other unsupported element types give TINYRT_ERR_UNSUPPORTED. */
int trt_onnx_tensor(trt_onnx_ctx *c, const uint8_t *data, size_t len, trt_tensor *out,
                    const char **name, size_t *name_len, tinyrt_error *err);

/* Decodes the AttributeProto in field f of message w into *a; strings, arrays and tensors go to
 * c->arena. Errors name the attribute; GRAPH and sparse/type attributes are UNSUPPORTED. */
int trt_onnx_attr(trt_onnx_ctx *c, const trt_wire *w, const trt_wire_field *f, trt_attr *a,
                  tinyrt_error *err);

#endif
