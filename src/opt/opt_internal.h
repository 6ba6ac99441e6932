/* Shared state and helpers of the optimizer passes (src/opt). Not for use outside src/opt. */
#ifndef TRT_OPT_INTERNAL_H
#define TRT_OPT_INTERNAL_H

#include "opt/optimizer.h"

/* Symbolic content of small integer tensors (shape vectors) is tracked up to this many elements. */
#define OPT_SV_MAX TRT_MAX_RANK

/* What the optimizer knows about a value. Dims use trt_dim, with symbols beyond the graph's own
 * (index >= g->n_syms) standing for sizes only known at run time ("fresh" symbols): every
 * unknown dim gets one, so that two dims derived from the same computation compare equal. */
typedef struct opt_shape {
  tinyrt_dtype dtype;          /* TINYRT_UNDEFINED when unknown */
  int rank;                    /* -1 when unknown */
  trt_dim dims[TRT_MAX_RANK];
  int n_sv;                    /* elements of sv known (== numel), or -1 */
  trt_dim sv[OPT_SV_MAX];      /* the values of a rank-0/1 integer tensor, as dims */
} opt_shape;

typedef struct opt_ctx {
  trt_graph *g;
  const tinyrt_options *opts;
  trt_opt_report *rep;
  tinyrt_error *err;

  int n_tracked;               /* values covered by the per-value arrays below */
  int cap_tracked;
  opt_shape *sh;               /* per value */
  int *use_head;               /* per value: first entry of its reader list, -1 if none */
  int *use_next, *use_node;    /* reader list entries (append-only; stale entries are filtered) */
  int n_use, cap_use;

  /* fresh symbols: base[i] is the graph symbol that fresh symbol g->n_syms + i equals whenever
   * the graph can run at all (a Slice of a fixed table up to that symbol), or -1 */
  int *fresh_base;
  int n_fresh, cap_fresh;
  bool oom;                    /* an allocation inside shape inference failed */
  int n_names;                 /* counter for names of new values */
} opt_ctx;

/* --- bookkeeping (optimizer.c) ---------------------------------------------------------------- */

/* Grows the per-value arrays to cover every value of the graph (after values were added). */
int opt_track_values(opt_ctx *c);
/* Rebuilds the reader lists from the live nodes. */
int opt_build_uses(opt_ctx *c);
/* Records that node ni reads value v. */
int opt_add_use(opt_ctx *c, int v, int ni);
/* Distinct live nodes reading v: returns their number and stores up to max of them in out. */
int opt_readers(const opt_ctx *c, int v, int *out, int max);

/* The only live reader of v (v not being a graph output), or -1. */
int opt_sole_reader(const opt_ctx *c, int v);
/* The sole reader of v when its op is `op`, else -1. */
int opt_sole_reader_op(const opt_ctx *c, int v, int op);
/* For a two-input node reading v: its other input (-1 when it reads v in neither or both). */
int opt_other_input(const trt_node *n, int v);
/* True when v is a one-element float constant within relative tolerance rel of want. */
bool opt_scalar_near(const opt_ctx *c, int v, double want, double rel);
/* The live node producing v when its op is `op` (any op when op < 0), else -1. */
int opt_producer(const opt_ctx *c, int v, int op);
/* v's constant tensor, or NULL. */
const trt_tensor *opt_const(const opt_ctx *c, int v);
/* True when v is a one-element float constant; *out gets its value. */
bool opt_const_scalar(const opt_ctx *c, int v, double *out);
/* True when v is a float constant of shape [n] (or with leading 1s: [1, ..., n]). */
bool opt_const_vector(const opt_ctx *c, int v, int64_t n);

/* Adds a constant value (data zeroed, 64-byte aligned, in the graph arena); returns its index or
 * -1 on OOM. *data receives the buffer. */
int opt_new_const(opt_ctx *c, const char *hint, tinyrt_dtype dtype, int rank, const int64_t *dims,
                  void **data);
/* Turns value v (produced by a node) into a constant with tensor t (data already owned). */
void opt_make_const(opt_ctx *c, int v, const trt_tensor *t);

/* Attributes for rewritten nodes. */
trt_attr opt_attr_int(const char *name, int64_t v);
trt_attr opt_attr_float(const char *name, float v);
trt_attr opt_attr_string(const char *name, const char *s);

/* Rewrites node ni in place into op `op` with the given inputs, outputs and attributes (copied
 * into the graph arena), keeping its name and its place in the node order. The outputs' producer
 * is set to ni. Returns TINYRT_OK or TINYRT_ERR_NOMEM. */
int opt_rewrite_node(opt_ctx *c, int ni, int op, const int *ins, int n_in, const int *outs,
                     int n_out, const trt_attr *attrs, int n_attrs);
void opt_kill_node(opt_ctx *c, int ni);

/* --- symbolic shapes (shape_infer.c) ---------------------------------------------------------- */

bool opt_dim_eq(trt_dim a, trt_dim b);
bool opt_dim_is(trt_dim a, int64_t v);
/* Shape of a constant, input or not-yet-inferred value, from what the graph says. */
void opt_shape_init(opt_ctx *c, int v);
/* Infers the outputs of node ni from its inputs' shapes. */
void opt_infer_node(opt_ctx *c, int ni);
/* True when shape s has a known rank and every dim is fixed. */
bool opt_shape_fixed(const opt_shape *s);
/* True when a and b have the same known rank and pairwise equal dims. */
bool opt_shape_eq(const opt_shape *a, const opt_shape *b);

/* --- passes ----------------------------------------------------------------------------------- */

/* fold.c: level 1 (constant_nodes_only: just Constant nodes → constant values, and shapes) */
int opt_fold(opt_ctx *c, bool constant_nodes_only);
int opt_fuse_layer_norm(opt_ctx *c);      /* fuse_layernorm.c */
int opt_fuse_skip_layer_norm(opt_ctx *c);
/* A LayerNormalization over the last axis of a float value whose last dim h is fixed, with
 * constant γ [h] (and β [h]), whose only used output is Y; sets *h. */
bool opt_plain_layer_norm(const opt_ctx *c, const trt_node *ln, int64_t *h);
int opt_fuse_gelu(opt_ctx *c);            /* fuse_gelu.c */
int opt_fuse_bias_gelu(opt_ctx *c);
int opt_rewrite_fast_gelu(opt_ctx *c);
int opt_fuse_matmul(opt_ctx *c);          /* fuse_matmul.c */
int opt_fuse_gemm_skip_layer_norm(opt_ctx *c);
int opt_fuse_attention(opt_ctx *c);       /* fuse_attention.c */
int opt_remove_padding(opt_ctx *c);       /* remove_padding.c: the remove_padding option */
int opt_fuse_embed_layer_norm(opt_ctx *c); /* fuse_embed.c */

#endif
