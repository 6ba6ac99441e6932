#include "ir/graph.h"

#include <string.h>
#include <sys/mman.h>

size_t trt_tensor_numel(const trt_tensor *t) {
  size_t n = 1;
  for (int i = 0; i < t->rank; i++) n *= (size_t)t->dims[i];
  return n;
}

size_t trt_tensor_nbytes(const trt_tensor *t) {
  return trt_tensor_numel(t) * tinyrt_dtype_size(t->dtype);
}

void trt_graph_init(trt_graph *g, const tinyrt_allocator *user) {
  memset(g, 0, sizeof *g);
  trt_alloc_init(&g->al, user);
  trt_arena_init(&g->arena, &g->al);
  g->opset = -1;
}

void trt_graph_free(trt_graph *g) {
  for (int i = 0; i < g->n_mappings; i++) munmap(g->mappings[i].addr, g->mappings[i].size);
  trt_free(&g->al, g->mappings);
  trt_free(&g->al, g->values);
  trt_free(&g->al, g->nodes);
  trt_free(&g->al, g->syms);
  trt_free(&g->al, g->name_index);
  trt_arena_release(&g->arena);
  g->mappings = NULL;
  g->values = NULL;
  g->nodes = NULL;
  g->syms = NULL;
  g->name_index = NULL;
  g->n_mappings = g->n_values = g->n_nodes = g->n_syms = 0;
}

/* Grows *arr (of elem-sized items) so that it holds at least need items. */
static bool grow(const trt_alloc *al, void **arr, int *cap, int need, size_t elem) {
  if (need <= *cap) return true;
  int ncap = *cap ? *cap : 16;
  while (ncap < need) {
    if (ncap > (1 << 28)) return false;
    ncap *= 2;
  }
  void *p = trt_realloc(al, *arr, (size_t)*cap * elem, (size_t)ncap * elem);
  if (!p) return false;
  memset((char *)p + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
  *arr = p;
  *cap = ncap;
  return true;
}

int trt_graph_add_mapping(trt_graph *g, void *addr, size_t size) {
  if (!grow(&g->al, (void **)&g->mappings, &g->cap_mappings, g->n_mappings + 1,
            sizeof *g->mappings))
    return TINYRT_ERR_NOMEM;
  g->mappings[g->n_mappings].addr = addr;
  g->mappings[g->n_mappings].size = size;
  g->n_mappings++;
  return TINYRT_OK;
}

static uint64_t hash_name(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

static bool index_insert(int *index, int cap, const trt_value *values, int vi) {
  const char *name = values[vi].name;
  size_t mask = (size_t)cap - 1;
  for (size_t h = hash_name(name, strlen(name)) & mask;; h = (h + 1) & mask) {
    if (index[h] < 0) {
      index[h] = vi;
      return true;
    }
  }
}

static bool index_rebuild(trt_graph *g, int cap) {
  int *idx = trt_malloc(&g->al, (size_t)cap * sizeof *idx);
  if (!idx) return false;
  for (int i = 0; i < cap; i++) idx[i] = -1;
  for (int v = 0; v < g->n_values; v++) index_insert(idx, cap, g->values, v);
  trt_free(&g->al, g->name_index);
  g->name_index = idx;
  g->name_index_cap = cap;
  return true;
}

int trt_graph_find_value(const trt_graph *g, const char *name, size_t len) {
  if (!g->name_index_cap) return -1;
  size_t mask = (size_t)g->name_index_cap - 1;
  for (size_t h = hash_name(name, len) & mask;; h = (h + 1) & mask) {
    int v = g->name_index[h];
    if (v < 0) return -1;
    const char *vn = g->values[v].name;
    if (strncmp(vn, name, len) == 0 && vn[len] == '\0') return v;
  }
}

int trt_graph_add_value(trt_graph *g, const char *name, size_t len) {
  if (!grow(&g->al, (void **)&g->values, &g->cap_values, g->n_values + 1, sizeof *g->values))
    return -1;
  /* keep the hash at most half full */
  if ((g->n_values + 1) * 2 > g->name_index_cap) {
    int cap = g->name_index_cap ? g->name_index_cap * 2 : 64;
    if (!index_rebuild(g, cap)) return -1;
  }
  char *copy = trt_arena_strndup(&g->arena, name, len);
  if (!copy) return -1;
  int vi = g->n_values;
  trt_value *v = &g->values[vi];
  memset(v, 0, sizeof *v);
  v->name = copy;
  v->rank = -1;
  v->producer = -1;
  g->n_values++;
  index_insert(g->name_index, g->name_index_cap, g->values, vi);
  return vi;
}

int trt_graph_add_node(trt_graph *g, const char *op_type, const char *domain, const char *name,
                       int n_inputs, int n_outputs) {
  if (n_inputs < 0 || n_outputs < 0) return -1;
  if (!grow(&g->al, (void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof *g->nodes))
    return -1;
  trt_node *n = &g->nodes[g->n_nodes];
  memset(n, 0, sizeof *n);
  n->op_type = trt_arena_strdup(&g->arena, op_type ? op_type : "");
  n->domain = trt_arena_strdup(&g->arena, domain ? domain : "");
  n->name = trt_arena_strdup(&g->arena, name ? name : "");
  n->inputs = trt_arena_alloc(&g->arena, sizeof(int) * (size_t)(n_inputs ? n_inputs : 1));
  n->outputs = trt_arena_alloc(&g->arena, sizeof(int) * (size_t)(n_outputs ? n_outputs : 1));
  if (!n->op_type || !n->domain || !n->name || !n->inputs || !n->outputs) return -1;
  for (int i = 0; i < n_inputs; i++) n->inputs[i] = -1;
  for (int i = 0; i < n_outputs; i++) n->outputs[i] = -1;
  n->n_inputs = n_inputs;
  n->n_outputs = n_outputs;
  n->ep = -1;
  n->partition = -1;
  return g->n_nodes++;
}

int trt_graph_intern_sym(trt_graph *g, const char *name, size_t len) {
  for (int i = 0; i < g->n_syms; i++)
    if (strncmp(g->syms[i], name, len) == 0 && g->syms[i][len] == '\0') return i;
  if (!grow(&g->al, (void **)&g->syms, &g->cap_syms, g->n_syms + 1, sizeof *g->syms)) return -1;
  char *copy = trt_arena_strndup(&g->arena, name, len);
  if (!copy) return -1;
  g->syms[g->n_syms] = copy;
  return g->n_syms++;
}

int64_t trt_graph_opset(const trt_graph *g, const char *domain) {
  if (!domain || !*domain || strcmp(domain, "ai.onnx") == 0) return g->opset;
  for (int i = 0; i < g->n_opsets; i++)
    if (strcmp(g->opsets[i].domain, domain) == 0) return g->opsets[i].version;
  return -1;
}

const trt_attr *trt_node_attr(const trt_node *n, const char *name) {
  for (int i = 0; i < n->n_attrs; i++)
    if (strcmp(n->attrs[i].name, name) == 0) return &n->attrs[i];
  return NULL;
}

int64_t trt_attr_int(const trt_node *n, const char *name, int64_t dflt) {
  const trt_attr *a = trt_node_attr(n, name);
  return a && a->type == TRT_ATTR_INT ? a->i : dflt;
}

float trt_attr_float(const trt_node *n, const char *name, float dflt) {
  const trt_attr *a = trt_node_attr(n, name);
  return a && a->type == TRT_ATTR_FLOAT ? a->f : dflt;
}

const char *trt_attr_string(const trt_node *n, const char *name, const char *dflt) {
  const trt_attr *a = trt_node_attr(n, name);
  return a && a->type == TRT_ATTR_STRING ? a->s : dflt;
}

/* Kahn's algorithm, taking ready nodes in model order so that the order is stable and matches
 * the file when the file is already sorted (as exporters write it). */
int trt_graph_topo_order(const trt_graph *g, int **order_out, int *n_out, tinyrt_error *err) {
  int rc = TINYRT_OK;
  int *pending = trt_calloc(&g->al, (size_t)g->n_nodes + 1, sizeof(int));
  int *order = trt_calloc(&g->al, (size_t)g->n_nodes + 1, sizeof(int));
  /* consumers lists in CSR form */
  int *cstart = trt_calloc(&g->al, (size_t)g->n_values + 1, sizeof(int));
  int *cnodes = NULL;
  int *queue = trt_calloc(&g->al, (size_t)g->n_nodes + 1, sizeof(int));
  if (!pending || !order || !cstart || !queue) goto nomem;

  int n_edges = 0;
  for (int ni = 0; ni < g->n_nodes; ni++) {
    const trt_node *n = &g->nodes[ni];
    if (n->dead) continue;
    for (int k = 0; k < n->n_inputs; k++) {
      int v = n->inputs[k];
      if (v < 0) continue;
      const trt_value *val = &g->values[v];
      if (val->kind == TRT_VALUE_INTERMEDIATE) {
        if (val->producer < 0 || g->nodes[val->producer].dead) {
          rc = trt_error(err, TINYRT_ERR_MODEL,
                         "node '%s' (%s): input '%s' is not produced by any node and is neither "
                         "a graph input nor an initializer",
                         n->name, n->op_type, val->name);
          goto done;
        }
        pending[ni]++;
        cstart[v]++;
        n_edges++;
      }
    }
  }
  cnodes = trt_calloc(&g->al, (size_t)n_edges + 1, sizeof(int));
  if (!cnodes) goto nomem;
  for (int v = 0, acc = 0; v <= g->n_values; v++) {
    int c = v < g->n_values ? cstart[v] : 0;
    cstart[v] = acc;
    acc += c;
  }
  {
    int *fill = trt_calloc(&g->al, (size_t)g->n_values + 1, sizeof(int));
    if (!fill) goto nomem;
    for (int ni = 0; ni < g->n_nodes; ni++) {
      const trt_node *n = &g->nodes[ni];
      if (n->dead) continue;
      for (int k = 0; k < n->n_inputs; k++) {
        int v = n->inputs[k];
        if (v < 0 || g->values[v].kind != TRT_VALUE_INTERMEDIATE) continue;
        cnodes[cstart[v] + fill[v]++] = ni;
      }
    }
    trt_free(&g->al, fill);
  }

  /* A min-heap on node index would keep model order exactly; a FIFO seeded in model order is
   * enough for exported graphs, which are already sorted. */
  int qh = 0, qt = 0, n_order = 0, n_live = 0;
  for (int ni = 0; ni < g->n_nodes; ni++) {
    if (g->nodes[ni].dead) continue;
    n_live++;
    if (pending[ni] == 0) queue[qt++] = ni;
  }
  while (qh < qt) {
    int ni = queue[qh++];
    order[n_order++] = ni;
    const trt_node *n = &g->nodes[ni];
    for (int k = 0; k < n->n_outputs; k++) {
      int v = n->outputs[k];
      if (v < 0) continue;
      for (int e = cstart[v]; e < cstart[v + 1]; e++) {
        /* a node reading one value twice was counted twice */
        if (--pending[cnodes[e]] == 0) queue[qt++] = cnodes[e];
      }
    }
  }
  if (n_order != n_live) {
    for (int ni = 0; ni < g->n_nodes; ni++) {
      if (!g->nodes[ni].dead && pending[ni] > 0) {
        rc = trt_error(err, TINYRT_ERR_MODEL, "node '%s' (%s) is part of a cycle in the graph",
                       g->nodes[ni].name, g->nodes[ni].op_type);
        goto done;
      }
    }
  }
  *order_out = order;
  *n_out = n_order;
  order = NULL;
  goto done;
nomem:
  rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory while sorting the graph");
done:
  trt_free(&g->al, pending);
  trt_free(&g->al, order);
  trt_free(&g->al, cstart);
  trt_free(&g->al, cnodes);
  trt_free(&g->al, queue);
  return rc;
}

int trt_graph_consumer_counts(const trt_graph *g, int **counts, tinyrt_error *err) {
  int *c = trt_calloc(&g->al, (size_t)g->n_values + 1, sizeof(int));
  if (!c) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  for (int ni = 0; ni < g->n_nodes; ni++) {
    const trt_node *n = &g->nodes[ni];
    if (n->dead) continue;
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] >= 0) c[n->inputs[k]]++;
  }
  *counts = c;
  return TINYRT_OK;
}
