/* Operators: identity, shape inference and reference kernels.
 *
 * An op is one enum entry here, one row in its group's table (src/ops/<group>.c, `trt_ops_<group>`)
 * giving its name, arity, shape-inference function and reference kernel, and nothing else.
 * Execution providers (src/ep) may claim an op with a faster kernel; the reference kernel is the
 * fallback and the oracle that every other kernel is tested against.
 *
 * Shape inference is concrete: it receives the input tensors' dtypes and dims (and their data
 * when the value is known: constants, shape computations, or anything at run time) and writes
 * the outputs' dtype, rank and dims. When an output shape depends on the *data* of an input whose
 * data is not known (in[i].data == NULL) it returns TRT_NEED_VALUE, and the executor infers the
 * shape again at run time. Every error message starts with nothing: the caller prefixes the node
 * ("node 'name' (OpType): ..."). */
#ifndef TRT_OPS_H
#define TRT_OPS_H

#include "ir/graph.h"

typedef enum trt_op_id {
  TRT_OP_UNKNOWN = 0,
  /* elementwise binary (numpy broadcasting) */
  TRT_OP_ADD, TRT_OP_SUB, TRT_OP_MUL, TRT_OP_DIV, TRT_OP_POW,
  /* comparison and logic */
  TRT_OP_EQUAL, TRT_OP_LESS, TRT_OP_GREATER, TRT_OP_NOT, TRT_OP_WHERE,
  /* elementwise unary */
  TRT_OP_SQRT, TRT_OP_ERF, TRT_OP_TANH, TRT_OP_EXP, TRT_OP_LOG, TRT_OP_NEG, TRT_OP_RELU,
  TRT_OP_SIGMOID, TRT_OP_CAST, TRT_OP_CLIP, TRT_OP_IDENTITY,
  /* linear algebra and normalization */
  TRT_OP_MATMUL, TRT_OP_GEMM, TRT_OP_SOFTMAX, TRT_OP_REDUCE_MEAN, TRT_OP_REDUCE_SUM,
  TRT_OP_LAYER_NORM,
  /* shape and data movement */
  TRT_OP_GATHER, TRT_OP_SHAPE, TRT_OP_SIZE, TRT_OP_UNSQUEEZE, TRT_OP_SQUEEZE, TRT_OP_CONCAT,
  TRT_OP_RESHAPE, TRT_OP_TRANSPOSE, TRT_OP_SLICE, TRT_OP_SPLIT, TRT_OP_EXPAND,
  TRT_OP_CONSTANT_OF_SHAPE, TRT_OP_CONSTANT, TRT_OP_RANGE,
  /* fused ops made by the optimizer (src/ops/fused.c documents their semantics): Gelu, FastGelu,
   * BiasGelu and SkipLayerNormalization are ONNX Runtime's contrib ops (domain "com.microsoft");
   * FusedGemm (MatMul + bias + activation), Attention and GemmSkipLayerNorm (FusedGemm +
   * SkipLayerNormalization) are tinyrt's own (domain "tinyrt") */
  TRT_OP_GELU, TRT_OP_FAST_GELU, TRT_OP_BIAS_GELU, TRT_OP_SKIP_LAYER_NORM, TRT_OP_FUSED_GEMM,
  TRT_OP_ATTENTION, TRT_OP_GEMM_SKIP_LAYER_NORM,
  /* padding removal (domain "tinyrt"): token-wise work on real tokens only */
  TRT_OP_PACK_TOKENS, TRT_OP_UNPACK_TOKENS, TRT_OP_PACKED_ATTENTION,
  /* the BERT embedding block, fused (src/ops/embed.c; ONNX Runtime's contrib op) */
  TRT_OP_EMBED_LAYER_NORM,
  TRT_OP_COUNT
} trt_op_id;

typedef struct trt_infer_ctx {
  const trt_node *node;
  int64_t opset;            /* version of the node's domain in the model */
  int n_in;
  const trt_tensor *in;     /* absent optional input: dtype TINYRT_UNDEFINED; unknown data: NULL */
  int n_out;
  trt_tensor *out;          /* fill dtype, rank, dims; leave data alone */
} trt_infer_ctx;

typedef int (*trt_infer_fn)(trt_infer_ctx *c, tinyrt_error *err);

struct trt_threadpool;

typedef struct trt_kernel_ctx {
  const trt_node *node;
  int64_t opset;
  void *state;                  /* the EP's per-node state from prepare (NULL for ref) */
  struct trt_threadpool *pool;  /* NULL: run serially */
  void *scratch;                /* scratch_bytes() bytes, 64-byte aligned, uninitialized */
  size_t scratch_size;
} trt_kernel_ctx;

/* Computes out[] from in[]. Outputs arrive with dtype/rank/dims set (from infer) and data
 * allocated. Data-dependent errors (an index out of range) are reported, never asserted. */
typedef int (*trt_kernel_fn)(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                             int n_out, tinyrt_error *err);
/* Bytes of scratch memory a kernel needs for these shapes (may be NULL: none). */
typedef size_t (*trt_scratch_fn)(const trt_kernel_ctx *k, const trt_tensor *in, int n_in,
                                 const trt_tensor *out, int n_out);

typedef struct trt_op_def {
  trt_op_id id;
  const char *name;         /* ONNX op_type */
  const char *domain;       /* "", "com.microsoft" or "tinyrt" */
  int since_opset;          /* oldest opset of `domain` whose semantics are implemented */
  int min_inputs, max_inputs;
  int min_outputs, max_outputs;
  trt_infer_fn infer;
  trt_kernel_fn ref;        /* reference kernel */
  trt_scratch_fn ref_scratch; /* scratch the reference kernel wants (NULL: none; the kernel must
                                 still work without it, when called directly) */
} trt_op_def;

/* Group tables, one per file in src/ops/. */
extern const trt_op_def trt_ops_elementwise[];
extern const int trt_ops_elementwise_count;
extern const trt_op_def trt_ops_shape[];
extern const int trt_ops_shape_count;
extern const trt_op_def trt_ops_math[];
extern const int trt_ops_math_count;
extern const trt_op_def trt_ops_reduce[];
extern const int trt_ops_reduce_count;
extern const trt_op_def trt_ops_fused[];
extern const int trt_ops_fused_count;
extern const trt_op_def trt_ops_packed[];
extern const int trt_ops_packed_count;
extern const trt_op_def trt_ops_embed[];
extern const int trt_ops_embed_count;

/* Definition of op `id`, or NULL when no group defines it. */
const trt_op_def *trt_op_get(int id);
/* Definition for (domain, op_type), or NULL. "ai.onnx" is the default domain "". */
const trt_op_def *trt_op_find(const char *domain, const char *op_type);

/* --- Helpers shared by ops ------------------------------------------------------------------ */

/* numpy broadcasting of two shapes into out (rank = max rank). Fails naming both shapes. */
int trt_broadcast_shapes(int ra, const int64_t *da, int rb, const int64_t *db, int *r_out,
                         int64_t *d_out, tinyrt_error *err);
/* Normalizes axis in [-rank, rank) to [0, rank); fails naming the axis and rank. */
int trt_normalize_axis(int64_t axis, int rank, int *out, tinyrt_error *err);
/* Layer-normalizes the h values of y in place, given their sum (in double): the arithmetic of
 * LayerNormalization's reference kernel (two passes in double), so that the fused ops' reference
 * kernels reproduce the unfused graph exactly. beta may be NULL. */
void trt_ln_row_ref(float *y, size_t h, double sum, float eps, const float *gamma,
                    const float *beta);
/* Reads element i of an integer tensor (INT64 or INT32) as int64. */
int64_t trt_tensor_get_int(const trt_tensor *t, size_t i);

#endif
