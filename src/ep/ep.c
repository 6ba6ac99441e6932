/* Provider lists and the partitioner. */
#include "ep/ep.h"

#include <string.h>

/* Providers in default priority order. A provider a build does not have is skipped. */
typedef int (*ep_ctor)(const trt_alloc *al, const tinyrt_options *opts, trt_ep **out,
                       tinyrt_error *err);

static int make_ref(const trt_alloc *al, const tinyrt_options *opts, trt_ep **out,
                    tinyrt_error *err) {
  return trt_ep_ref_create(al, out, err);
}


static const struct {
  const char *name;
  ep_ctor create;
} known_eps[] = {
    {"cpu", trt_ep_cpu_create},
    {"ref", make_ref},
};

void trt_ep_list_destroy(const trt_alloc *al, trt_ep **eps, int n_eps) {
  if (!eps) return;
  for (int i = 0; i < n_eps; i++)
    if (eps[i]) eps[i]->destroy(eps[i]);
  trt_free(al, eps);
}

static int add_ep(const trt_alloc *al, const tinyrt_options *opts, const char *name, size_t len,
                  trt_ep **eps, int *n, tinyrt_error *err) {
  for (int i = 0; i < *n; i++)
    if (strlen(eps[i]->name) == len && strncmp(eps[i]->name, name, len) == 0)
      return TINYRT_OK; /* named twice: the first mention sets its priority */
  for (size_t k = 0; k < TRT_ARRAY_LEN(known_eps); k++) {
    if (strlen(known_eps[k].name) == len && strncmp(known_eps[k].name, name, len) == 0) {
      int rc = known_eps[k].create(al, opts, &eps[*n], err);
      if (rc == TINYRT_OK) (*n)++;
      return rc;
    }
  }
  char known[128] = "";
  for (size_t k = 0; k < TRT_ARRAY_LEN(known_eps); k++) {
    if (k) strncat(known, ", ", sizeof known - strlen(known) - 1);
    strncat(known, known_eps[k].name, sizeof known - strlen(known) - 1);
  }
  return trt_error(err, TINYRT_ERR_ARGUMENT, "unknown execution provider '%.*s' (available: %s)",
                   (int)len, name, known);
}

int trt_ep_list_create(const trt_alloc *al, const tinyrt_options *opts, trt_ep ***eps_out,
                       int *n_out, tinyrt_error *err) {
  int cap = (int)TRT_ARRAY_LEN(known_eps) + 1;
  trt_ep **eps = trt_calloc(al, (size_t)cap, sizeof *eps);
  if (!eps) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  int n = 0, rc = TINYRT_OK;
  const char *list = opts ? opts->providers : NULL;
  if (list && *list) {
    const char *p = list;
    while (*p && rc == TINYRT_OK) {
      const char *e = strchr(p, ',');
      size_t len = e ? (size_t)(e - p) : strlen(p);
      if (len) rc = add_ep(al, opts, p, len, eps, &n, err);
      p += len + (e ? 1 : 0);
    }
  } else {
    for (size_t k = 0; k < TRT_ARRAY_LEN(known_eps) && rc == TINYRT_OK; k++)
      rc = add_ep(al, opts, known_eps[k].name, strlen(known_eps[k].name), eps, &n, err);
  }
  if (rc == TINYRT_OK) rc = add_ep(al, opts, "ref", 3, eps, &n, err); /* the fallback */
  if (rc) {
    trt_ep_list_destroy(al, eps, n);
    return rc;
  }
  *eps_out = eps;
  *n_out = n;
  return TINYRT_OK;
}

int trt_partition_graph(trt_graph *g, const int *order, int n_order, trt_ep **eps, int n_eps,
                        trt_partition **parts_out, int *n_parts_out, tinyrt_error *err) {
  trt_partition *parts = trt_calloc(&g->al, (size_t)n_order + 1, sizeof *parts);
  if (!parts) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  int n_parts = 0;
  for (int i = 0; i < n_order; i++) {
    trt_node *n = &g->nodes[order[i]];
    n->ep = -1;
    for (int e = 0; e < n_eps && n->ep < 0; e++)
      if (eps[e]->supports(eps[e], g, n)) n->ep = e;
    if (n->ep < 0) {
      trt_free(&g->al, parts);
      return trt_error(err, TINYRT_ERR_UNSUPPORTED,
                       "node '%s' (%s): no execution provider can run it", n->name, n->op_type);
    }
    if (n_parts == 0 || parts[n_parts - 1].ep != n->ep) {
      parts[n_parts].ep = n->ep;
      parts[n_parts].first = i;
      parts[n_parts].count = 0;
      n_parts++;
    }
    parts[n_parts - 1].count++;
    n->partition = n_parts - 1;
  }
  *parts_out = parts;
  *n_parts_out = n_parts;
  return TINYRT_OK;
}
