/* What `inspect` and `report` say about a model: its file, I/O, graph and the encoder
 * architecture inferred from the graph itself (not from names or metadata). */
#ifndef TINYRT_MODEL_INFO_H
#define TINYRT_MODEL_INFO_H

#include <stdint.h>

#include "tinyrt.h"

typedef struct model_arch {
  int layers;          /* attention blocks (Softmax or fused Attention nodes) */
  int64_t hidden;      /* width of the encoder's output */
  int64_t heads;       /* from the attention scores' shape [batch, heads, seq, seq] */
  int64_t intermediate;/* widest constant projection [hidden, N], N > hidden */
  int64_t vocab;       /* rows of the table input_ids indexes, 0 when none */
  const char *activation; /* "GELU (erf)", "GELU (tanh approximation)", "ReLU", "unknown" */
} model_arch;

/* Infers the architecture; shapes come from a plan built at probe dims (every symbolic dim 8). */
void model_arch_infer(tinyrt_session *s, model_arch *a);

typedef struct op_count {
  const char *op;
  int count;
} op_count;

/* Node counts by op type, most frequent first (ties by name). which: 0 = the graph as loaded,
 * 1 = after optimization. Returns the number of distinct ops written (at most max). */
int model_op_counts(const tinyrt_session *s, int which, op_count *out, int max);

#endif
