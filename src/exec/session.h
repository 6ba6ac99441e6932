/* The session behind the public API (include/tinyrt.h), and what tools may read of it. */
#ifndef TRT_SESSION_H
#define TRT_SESSION_H

#include <pthread.h>

#include "exec/plan.h"
#include "opt/optimizer.h"
#include "prof/profiler.h"

#define TRT_PLAN_CACHE_MAX 64

struct tinyrt_session {
  trt_alloc al;
  tinyrt_options opts;
  char *providers;            /* copy of opts.providers */
  trt_graph g;
  int n_nodes_loaded;
  int *order;                 /* execution order (node indices) */
  int n_order;
  trt_ep **eps;
  int n_eps;
  trt_partition *parts;
  int n_parts;
  trt_kernel *kernels;        /* per node index */
  struct trt_threadpool *pool;
  trt_exec_env env;

  pthread_mutex_t lock;       /* guards plans and their free run contexts */
  trt_plan *plans[TRT_PLAN_CACHE_MAX];
  int n_plans;

  tinyrt_io_info *in_info, *out_info;
  tinyrt_session_stats stats;
  trt_profiler *prof;         /* NULL unless opts.profile */
  trt_opt_report *opt_report; /* what the graph optimizer did */
  int split_sym;              /* batch symbol when a batch may run as chunks (split.c), or -1 */
};

/* Read-only views for tools (inspect, report). */
const trt_graph *trt_session_graph(const tinyrt_session *s);
/* Which rewrites the optimizer applied and the node counts by op before and after. */
const trt_opt_report *trt_session_opt_report(const tinyrt_session *s);

/* The cached plan for these inputs' shapes (after a run with them), or NULL. */
const trt_plan *trt_session_cached_plan(tinyrt_session *s, const tinyrt_tensor *inputs,
                                        int n_inputs);

/* Matrix-multiply FLOPs of one run of plan p (2·M·N·K per product; elementwise work is not
 * counted: it is a few percent in transformer encoders and has no agreed FLOP count). */
double trt_plan_matmul_flops(const trt_graph *g, const trt_plan *p);

#endif
