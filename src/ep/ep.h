/* Execution providers.
 *
 * An execution provider (EP) owns a set of kernels. At session creation the partitioner asks each
 * EP, in priority order, whether it can run a node (`supports`); the first that says yes gets it.
 * Each node is then bound once (`bind`): the EP picks the kernel and may build per-node state,
 * e.g. pre-packed constant weights. Consecutive nodes of one EP form a partition.
 *
 * `ref` runs every op with the reference kernels of src/ops and is always the last fallback. */
#ifndef TRT_EP_H
#define TRT_EP_H

#include "ops/ops.h"

typedef struct trt_kernel {
  trt_kernel_fn run;
  trt_scratch_fn scratch;   /* may be NULL */
} trt_kernel;

typedef struct trt_ep trt_ep;
struct trt_ep {
  const char *name;           /* short name used in options and CLI: "cpu", "ref" */
  const char *provider_name;  /* name written to profiles, like ONNX Runtime's provider names */
  void *impl;                 /* the EP's own state */
  const trt_alloc *al;

  /* True when this EP can run node n of g (its op, dtypes, attributes). */
  bool (*supports)(const trt_ep *ep, const trt_graph *g, const trt_node *n);
  /* Chooses the kernel for n and builds its state (*state may stay NULL). Called once per node at
   * session creation, after partitioning. */
  int (*bind)(const trt_ep *ep, const trt_graph *g, const trt_node *n, trt_kernel *kernel,
              void **state, tinyrt_error *err);
  /* Frees a state made by bind (may be NULL when bind never makes one). */
  void (*release)(const trt_ep *ep, void *state);
  /* Frees the EP itself. */
  void (*destroy)(trt_ep *ep);
};

/* Constructors. opts may carry EP options (e.g. cpu_isa). */
int trt_ep_ref_create(const trt_alloc *al, trt_ep **out, tinyrt_error *err);
int trt_ep_cpu_create(const trt_alloc *al, const tinyrt_options *opts, trt_ep **out,
                      tinyrt_error *err);

/* Builds the EP list for a providers string ("cpu,ref"; NULL = default). "ref" is appended when
 * missing. Fails naming an unknown provider. */
int trt_ep_list_create(const trt_alloc *al, const tinyrt_options *opts, trt_ep ***eps, int *n_eps,
                       tinyrt_error *err);
void trt_ep_list_destroy(const trt_alloc *al, trt_ep **eps, int n_eps);

/* A partition: a maximal group of nodes, consecutive in the execution order, on one EP. */
typedef struct trt_partition {
  int ep;
  int first, count;           /* range in the session's execution order */
} trt_partition;

/* Assigns node->ep and node->partition for the nodes in `order` and returns the partitions.
 * Fails naming the first node no EP supports. */
int trt_partition_graph(trt_graph *g, const int *order, int n_order, trt_ep **eps, int n_eps,
                        trt_partition **parts, int *n_parts, tinyrt_error *err);

#endif
