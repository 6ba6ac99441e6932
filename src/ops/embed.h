/* EmbedLayerNormalization's inputs and the id checks its kernels share (src/ops/embed.c gives
 * the semantics). */
#ifndef TRT_OPS_EMBED_H
#define TRT_OPS_EMBED_H

#include "ops/ops.h"

enum {
  TRT_EMBED_IDS = 0,          /* input_ids [B, S] */
  TRT_EMBED_SEGMENT_IDS = 1,  /* segment_ids [B, S], optional */
  TRT_EMBED_WORD = 2,         /* word_embedding [V, H] */
  TRT_EMBED_POSITION = 3,     /* position_embedding [P, H] */
  TRT_EMBED_SEGMENT = 4,      /* segment_embedding [T, H], optional */
  TRT_EMBED_GAMMA = 5,        /* [H] */
  TRT_EMBED_BETA = 6,         /* [H], optional */
  TRT_EMBED_MASK = 7,         /* [B, S], optional, ignored (it only feeds mask_index) */
  TRT_EMBED_POSITION_IDS = 8, /* [B, S] or [1, S], optional */
  TRT_EMBED_INPUTS = 9
};

/* Input i when present, else NULL. */
static inline const trt_tensor *trt_embed_in(const trt_tensor *in, int n_in, int i) {
  return i < n_in && in[i].dtype != TINYRT_UNDEFINED ? &in[i] : NULL;
}

/* Checks every id (input ids, segment ids, position ids or the implicit positions 0..S-1)
 * against the rows of its table; fails naming the input, the element and the id. Inputs have
 * passed shape inference. */
int trt_embed_check_ids(const trt_tensor *in, int n_in, tinyrt_error *err);

/* Row of a table with `rows` rows for a checked id (negative ids count from the end). */
static inline int64_t trt_embed_row(int64_t id, int64_t rows) { return id < 0 ? id + rows : id; }

#endif
