/* The in-memory graph: values (edges), nodes, attributes and symbolic dims.
 *
 * The loader (src/onnx) builds it from a ModelProto, the optimizer (src/opt) rewrites it, the
 * partitioner (src/ep) assigns its nodes to execution providers, and the executor (src/exec)
 * plans and runs it. Kernels never see protobuf: they see trt_tensor and trt_attr.
 *
 * Ownership: every string and array hanging off a graph lives in graph->arena. Constant tensor
 * data either points into the mapped model file (used in place) or into the arena. */
#ifndef TRT_GRAPH_H
#define TRT_GRAPH_H

#include "core/common.h"

/* A concrete tensor as kernels see it. Data is densely packed, row-major. */
typedef struct trt_tensor {
  tinyrt_dtype dtype;
  int rank;
  int64_t dims[TRT_MAX_RANK];
  void *data;
} trt_tensor;

size_t trt_tensor_numel(const trt_tensor *t);  /* product of dims (1 for rank 0) */
size_t trt_tensor_nbytes(const trt_tensor *t); /* numel * element size */

/* A symbolic dimension: a fixed value (value >= 0, sym < 0), a named symbol (sym >= 0: index in
 * graph->syms), or unknown (value < 0 and sym < 0). */
typedef struct trt_dim {
  int64_t value;
  int32_t sym;
} trt_dim;

/* Attribute types: ONNX's AttributeProto.AttributeType values. */
typedef enum trt_attr_type {
  TRT_ATTR_UNDEFINED = 0,
  TRT_ATTR_FLOAT = 1,
  TRT_ATTR_INT = 2,
  TRT_ATTR_STRING = 3,
  TRT_ATTR_TENSOR = 4,
  TRT_ATTR_GRAPH = 5,
  TRT_ATTR_FLOATS = 6,
  TRT_ATTR_INTS = 7,
  TRT_ATTR_STRINGS = 8,
  TRT_ATTR_TENSORS = 9
} trt_attr_type;

typedef struct trt_attr {
  const char *name;
  trt_attr_type type;
  float f;
  int64_t i;
  const char *s;         /* STRING: NUL-terminated copy (s_len excludes the NUL) */
  size_t s_len;
  int n;                 /* FLOATS / INTS / STRINGS: element count */
  const float *floats;
  const int64_t *ints;
  const char **strings;
  trt_tensor t;          /* TENSOR */
  const trt_tensor *tensors; /* TENSORS: n entries */
} trt_attr;

typedef enum trt_value_kind {
  TRT_VALUE_INTERMEDIATE = 0,
  TRT_VALUE_INPUT = 1,       /* graph input fed by the caller */
  TRT_VALUE_CONSTANT = 2     /* initializer (or folded constant): `constant` holds its data */
} trt_value_kind;

typedef struct trt_value {
  const char *name;
  trt_value_kind kind;
  bool is_output;            /* listed in graph outputs */
  tinyrt_dtype dtype;        /* TINYRT_UNDEFINED until known */
  int rank;                  /* -1 when unknown */
  trt_dim dims[TRT_MAX_RANK];
  int producer;              /* node index, or -1 */
  trt_tensor constant;       /* CONSTANT values: dtype/rank/dims/data */
} trt_value;

typedef struct trt_node {
  const char *name;          /* never NULL; loader synthesizes "<OpType>_<index>" when empty */
  const char *op_type;
  const char *domain;        /* "" for the default ONNX domain */
  int op;                    /* trt_op_id (src/ops/ops.h), resolved at load */
  int n_inputs, n_outputs;
  int *inputs;               /* value indices; -1 marks an absent optional input */
  int *outputs;              /* value indices; -1 marks an absent optional output */
  int n_attrs;
  trt_attr *attrs;
  bool dead;                 /* removed by the optimizer; skipped everywhere, dropped by compaction */
  int ep;                    /* index of the execution provider that runs it (partitioner) */
  int partition;             /* partition index (partitioner) */
  void *kernel_state;        /* owned by the node's EP (prepare/release) */
} trt_node;

typedef struct trt_opset {
  const char *domain;
  int64_t version;
} trt_opset;

/* A read-only file mapping the graph's constants point into (the model, external data). */
typedef struct trt_mapping {
  void *addr;
  size_t size;
} trt_mapping;

typedef struct trt_graph {
  trt_alloc al;
  trt_arena arena;
  trt_mapping *mappings;     /* unmapped by trt_graph_free */
  int n_mappings, cap_mappings;
  int64_t bytes_copied;      /* constant bytes that could not be used in place */

  trt_value *values;
  int n_values, cap_values;
  trt_node *nodes;
  int n_nodes, cap_nodes;

  int *inputs, n_inputs;     /* graph inputs (values of kind INPUT), in model order */
  int *outputs, n_outputs;   /* graph outputs, in model order */

  const char **syms;         /* names of symbolic dims (ONNX dim_param) */
  int n_syms, cap_syms;

  trt_opset *opsets;
  int n_opsets;
  int64_t opset;             /* version of the default ("" / "ai.onnx") domain */

  int64_t ir_version;
  const char *producer_name, *producer_version, *graph_name, *doc;

  /* name -> value index hash (open addressing, power-of-two capacity) */
  int *name_index;
  int name_index_cap;
} trt_graph;

void trt_graph_init(trt_graph *g, const tinyrt_allocator *user);
void trt_graph_free(trt_graph *g);

/* Records a mapping to unmap when the graph is freed; on failure the caller still owns it. */
int trt_graph_add_mapping(trt_graph *g, void *addr, size_t size);

/* Adds a value named `name` (copied into the arena) and returns its index, or -1 on OOM.
 * Names must be unique: use trt_graph_find_value first. */
int trt_graph_add_value(trt_graph *g, const char *name, size_t name_len);
/* Index of the value named `name`, or -1. */
int trt_graph_find_value(const trt_graph *g, const char *name, size_t name_len);
/* Adds a node with room for n_inputs/n_outputs (filled with -1) and returns its index, or -1. */
int trt_graph_add_node(trt_graph *g, const char *op_type, const char *domain, const char *name,
                       int n_inputs, int n_outputs);
/* Index of symbol `name`, adding it when new; -1 on OOM. */
int trt_graph_intern_sym(trt_graph *g, const char *name, size_t len);

/* Opset version imported for domain ("" and "ai.onnx" are the same), or -1 when not imported. */
int64_t trt_graph_opset(const trt_graph *g, const char *domain);

/* Attribute lookup by name; NULL when absent. */
const trt_attr *trt_node_attr(const trt_node *n, const char *name);
int64_t trt_attr_int(const trt_node *n, const char *name, int64_t dflt);
float trt_attr_float(const trt_node *n, const char *name, float dflt);
const char *trt_attr_string(const trt_node *n, const char *name, const char *dflt);

/* Node indices in a topological order (dead nodes excluded). *order is allocated with the graph's
 * allocator (caller frees with trt_free). Fails naming a value when the graph has a cycle or a
 * node reads a value nothing produces. */
int trt_graph_topo_order(const trt_graph *g, int **order, int *n_order, tinyrt_error *err);

/* For each value, the number of live nodes reading it. *counts allocated like above. */
int trt_graph_consumer_counts(const trt_graph *g, int **counts, tinyrt_error *err);

#endif
