/* Type and symbolic-shape inference over the whole graph (see typeinfer.c). */
#ifndef TRT_TYPEINFER_H
#define TRT_TYPEINFER_H

#include "exec/plan.h"

/* Fills dtype, rank and dims (fixed, symbolic or unknown) of g's intermediate values where they
 * can be inferred. Fails only on allocation failure. */
int trt_infer_graph_types(const trt_exec_env *env, trt_graph *g, tinyrt_error *err);

#endif
