/* Loading ONNX models: a ModelProto (file or memory) into a trt_graph.
 *
 * The reader decodes protobuf's wire format directly for the ONNX messages it needs (see
 * wire.c for why) and bounds-checks every length against the enclosing message. Tensor data in
 * raw_data is used in place when it is suitably aligned; typed fields (float_data, int64_data,
 * ...) are decoded into the graph's arena. */
#ifndef TRT_ONNX_H
#define TRT_ONNX_H

#include "ir/graph.h"

/* Maps `path` and loads it into g (initialized by the caller with trt_graph_init). External data
 * files are resolved relative to the model's folder. On failure g holds whatever was loaded and
 * must still be freed with trt_graph_free. */
int trt_onnx_load_file(const char *path, trt_graph *g, tinyrt_error *err);

/* Loads a ModelProto from memory (used in place; must outlive g). base_dir is the folder for
 * external data, or NULL to refuse external data. */
int trt_onnx_load_buffer(const void *data, size_t size, const char *base_dir, trt_graph *g,
                         tinyrt_error *err);

/* Parses one serialized TensorProto (as in ONNX's test_data_set_N/input_M.pb). Data and name are
 * placed in `arena` (name may be NULL when not wanted). */
int trt_onnx_parse_tensor(const void *data, size_t size, trt_arena *arena, trt_tensor *out,
                          const char **name, tinyrt_error *err);

#endif
