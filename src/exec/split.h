/* Running a large batch as independent chunks (see split.c for why and when). */
#ifndef TRT_SPLIT_H
#define TRT_SPLIT_H

#include <stdint.h>

#include "ir/graph.h"

/* Tokens per chunk (measured best at b32 s128, 2 threads, among 128/256/512: one sequence). A
 * chunk's intermediates (at most tokens x 4·hidden floats, 256 KB for bert-tiny) stay in L2. */
#define TRT_SPLIT_TOKENS 128

/* The symbol of the batch dim when the optimized graph can run a batch in parts: every graph
 * input and output has it as dim 0 and every node keeps batch rows apart. -1 otherwise. */
int trt_split_batch_symbol(const trt_graph *g);

/* Batch rows per chunk, for `batch` rows of row_tokens tokens each (the product of input 0's
 * other dims) on `threads` threads: 0 when the batch should run whole. */
int64_t trt_split_chunk_rows(int64_t batch, int64_t row_tokens, int threads);

#endif
