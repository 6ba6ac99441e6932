/* Graph rewrites run at session creation, between loading and partitioning. */
#ifndef TRT_OPTIMIZER_H
#define TRT_OPTIMIZER_H

#include "ops/ops.h"

/* What the optimizer can do to a graph; trt_opt_report counts each. */
typedef enum trt_opt_rewrite {
  TRT_OPT_CONSTANT_NODES,  /* level 1: Constant nodes turned into constant values */
  TRT_OPT_FOLDED,          /* level 1: nodes whose inputs are all constant, evaluated at load */
  TRT_OPT_SHAPE_FOLDED,    /* level 1: values computed from fixed dims alone (Shape → Gather ...) */
  TRT_OPT_DEAD,            /* level 1: nodes whose outputs nobody reads */
  TRT_OPT_LAYER_NORM,      /* level 2: ReduceMean … Add(β) → LayerNormalization */
  TRT_OPT_SKIP_LAYER_NORM, /* level 2: Add (+ bias) + LayerNormalization → SkipLayerNormalization */
  TRT_OPT_GELU,            /* level 2: erf GELU → Gelu */
  TRT_OPT_FAST_GELU,       /* level 2: tanh GELU → FastGelu */
  TRT_OPT_BIAS_GELU,       /* level 2: Add(bias) + Gelu → BiasGelu, Add(bias) + FastGelu → FastGelu */
  TRT_OPT_GEMM_BIAS,       /* level 2: MatMul + bias → FusedGemm */
  TRT_OPT_GEMM_GELU,       /* level 2: MatMul (+ bias) + Gelu/FastGelu → FusedGemm with activation */
  TRT_OPT_ATTENTION,       /* level 2: the self-attention block → Attention */
  TRT_OPT_GEMM_SKIP_LAYER_NORM, /* level 2: FusedGemm (no activation) + SkipLayerNormalization →
                                   GemmSkipLayerNorm */
  TRT_OPT_GELU_TO_FAST,    /* fast_gelu option: erf GELU rewritten to the tanh approximation */
  TRT_OPT_REMOVE_PADDING,  /* remove_padding option: token-wise work on packed real tokens */
  TRT_OPT_EMBED_LAYER_NORM, /* level 2: the embedding block → EmbedLayerNormalization */
  TRT_OPT_REWRITE_COUNT
} trt_opt_rewrite;

/* Short name of a rewrite ("layer_norm", ...). */
const char *trt_opt_rewrite_name(int rewrite);

typedef struct trt_opt_report {
  int level;                        /* level applied (0, 1 or 2) */
  bool fast_gelu;                   /* the fast_gelu option was on */
  int count[TRT_OPT_REWRITE_COUNT]; /* how often each rewrite fired */
  int nodes_before, nodes_after;    /* live nodes */
  int ops_before[TRT_OP_COUNT];     /* live nodes by op id (trt_op_get(id)->name names it) */
  int ops_after[TRT_OP_COUNT];
  double ms;                        /* time spent in trt_optimize */
} trt_opt_report;

/* Rewrites g according to opts->opt_level (0: nothing, 1: constant and shape folding and dead-node
 * removal, 2: also the fusions; -1: the highest) and opts->fast_gelu. Fills *report when it is not
 * NULL. Every rewrite keeps the graph's results, up to float32 rounding (the fused kernels'
 * summation order), except fast_gelu which changes them on purpose. A pattern that differs in any
 * way (constants, axes, shapes, extra consumers of an intermediate) is left untouched. */
int trt_optimize(trt_graph *g, const tinyrt_options *opts, trt_opt_report *report,
                 tinyrt_error *err);

/* Marks dead every node none of whose outputs is read or is a graph output; *removed (may be
 * NULL) gets how many. */
int trt_opt_remove_dead_nodes(trt_graph *g, int *removed, tinyrt_error *err);

#endif
