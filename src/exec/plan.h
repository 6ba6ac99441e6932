/* Execution plans: everything about running a graph that depends only on the input shapes.
 *
 * A plan is built once per distinct set of input shapes and cached by the session. Building it
 * resolves every value's shape, computes at plan time the values that depend only on constants and
 * shapes (the Shape → Gather → Concat → Reshape chains exporters emit), and places every other
 * intermediate in one arena by liveness, so a run is a walk over `steps` with no allocation.
 *
 * Values whose shape depends on run-time data (rare in exported transformers: a Reshape whose
 * target shape is computed from input *values*) are "dynamic": their nodes infer shapes again at
 * run time and their buffers come from the allocator, freed after the last reader. */
#ifndef TRT_PLAN_H
#define TRT_PLAN_H

#include <pthread.h>

#include "ep/ep.h"

typedef enum trt_slot_kind {
  TRT_SLOT_NONE = 0,   /* not used by this plan (dead or absent) */
  TRT_SLOT_INPUT,      /* caller's input tensor */
  TRT_SLOT_CONST,      /* data fixed in the plan: initializer or value folded at plan time */
  TRT_SLOT_ARENA,      /* placed in the run arena at `offset` */
  TRT_SLOT_DYNAMIC     /* shape known only at run time; allocated per run */
} trt_slot_kind;

typedef struct trt_slot {
  trt_slot_kind kind;
  trt_tensor t;        /* dtype/rank/dims (unless DYNAMIC); data for CONST */
  size_t offset;       /* ARENA */
  size_t nbytes;
  int input_index;     /* INPUT: position in the graph's input list */
  int last_step;       /* last step reading it (DYNAMIC values are freed after it) */
} trt_slot;

typedef struct trt_step {
  int node;            /* graph node index */
  bool dynamic;        /* infer again at run time */
  size_t scratch_offset, scratch_bytes;
} trt_step;

typedef struct trt_run_ctx trt_run_ctx;

/* Per-step profile record of one run (profiling only). */
typedef struct trt_step_time {
  uint64_t start_ns, dur_ns;
} trt_step_time;

struct trt_run_ctx {
  trt_run_ctx *next;   /* free list */
  void *arena;         /* plan->arena_size bytes */
  void **dyn;          /* per value: run-time buffer of DYNAMIC values */
  trt_tensor *dyn_t;   /* per value: run-time shape of DYNAMIC values */
  trt_step_time *times;/* per step, when profiling */
  trt_tensor *io;      /* 2 * plan->max_io tensors: a step's inputs then its outputs */
  int home;            /* 1 + the pool thread that last ran a batch chunk with it; 0: none */
};

typedef struct trt_plan {
  int n_key;
  int64_t *key;        /* for each graph input: rank, dims... */
  int n_values;
  trt_slot *slots;     /* per graph value */
  int n_steps;
  trt_step *steps;
  size_t arena_size;
  int max_io;          /* most inputs or outputs of any node */
  bool has_dynamic;
  trt_arena folded;    /* data of values folded at plan time */
  trt_run_ctx *free_ctx; /* guarded by the session lock */
  int id;              /* position in the session's cache (profiles refer to it) */
} trt_plan;

struct trt_session_core;

/* What plan building and running need from the session. */
typedef struct trt_exec_env {
  const trt_alloc *al;
  const trt_graph *g;
  const int *order;
  int n_order;
  trt_ep **eps;
  const trt_kernel *kernels;  /* per node index */
  struct trt_threadpool *pool;
} trt_exec_env;

/* Builds a plan for the given input tensors (already validated: one per graph input, in graph
 * input order). */
int trt_plan_build(const trt_exec_env *env, const trt_tensor *inputs, trt_plan **out,
                   tinyrt_error *err);
void trt_plan_free(const trt_alloc *al, trt_plan *p);

/* True when the plan was built for these input shapes. */
bool trt_plan_matches(const trt_plan *p, const trt_tensor *inputs, int n_inputs);

/* Allocates a run context for p (arena + per-value tables). */
int trt_run_ctx_create(const trt_exec_env *env, const trt_plan *p, bool profile, trt_run_ctx **out,
                       tinyrt_error *err);
void trt_run_ctx_free(const trt_alloc *al, trt_run_ctx *c);

/* Runs the plan's steps. On success the graph outputs can be read with trt_plan_value(). */
int trt_plan_execute(const trt_exec_env *env, const trt_plan *p, trt_run_ctx *c,
                     const trt_tensor *inputs, tinyrt_error *err);
/* Frees the run-time buffers of DYNAMIC values left in c (after outputs were copied out). */
void trt_plan_release_dynamic(const trt_exec_env *env, const trt_plan *p, trt_run_ctx *c);

/* The tensor of value v after (or during) a run. */
trt_tensor trt_plan_value(const trt_plan *p, const trt_run_ctx *c, const trt_tensor *inputs, int v);

#endif
