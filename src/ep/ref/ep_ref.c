/* The reference execution provider: runs every op with the reference kernels of src/ops. */
#include "ep/ep.h"

static bool ref_supports(const trt_ep *ep, const trt_graph *g, const trt_node *n) {
  const trt_op_def *def = trt_op_get(n->op);
  return def && def->ref;
}

static int ref_bind(const trt_ep *ep, const trt_graph *g, const trt_node *n, trt_kernel *kernel,
                    void **state, tinyrt_error *err) {
  const trt_op_def *def = trt_op_get(n->op);
  if (!def || !def->ref)
    return trt_error(err, TINYRT_ERR_INTERNAL, "ref: no kernel for %s", n->op_type);
  kernel->run = def->ref;
  kernel->scratch = def->ref_scratch;
  *state = NULL;
  return TINYRT_OK;
}

static void ref_destroy(trt_ep *ep) { trt_free(ep->al, ep); }

int trt_ep_ref_create(const trt_alloc *al, trt_ep **out, tinyrt_error *err) {
  trt_ep *ep = trt_calloc(al, 1, sizeof *ep);
  if (!ep) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  ep->name = "ref";
  ep->provider_name = "tinyrt.ref";
  ep->al = al;
  ep->supports = ref_supports;
  ep->bind = ref_bind;
  ep->release = NULL;
  ep->destroy = ref_destroy;
  *out = ep;
  return TINYRT_OK;
}
