/* Graph rewrites run at session creation, between loading and partitioning. */
#ifndef TRT_OPTIMIZER_H
#define TRT_OPTIMIZER_H

#include "ir/graph.h"

/* Rewrites g according to opts->opt_level (0: nothing, 1: cleanups, 2: fusions; -1: highest).
 * Every rewrite keeps the graph's outputs bit-for-bit or within the tolerance its fusion's kernel
 * documents. */
int trt_optimize(trt_graph *g, const tinyrt_options *opts, tinyrt_error *err);

/* Marks dead every node none of whose outputs is read or is a graph output; *removed (may be
 * NULL) gets how many. */
int trt_opt_remove_dead_nodes(trt_graph *g, int *removed, tinyrt_error *err);

#endif
