/* libFuzzer target for the ONNX loader: every input is tried as a ModelProto and as a lone
 * TensorProto. Beyond crashes and sanitizer reports, it traps when the loader breaks its own
 * contract: an unexpected error code, a failure without a message, or a loaded graph whose
 * indices or tensor data cannot be walked. */
#include <stdint.h>
#include <string.h>

#include "onnx/onnx.h"

static void require(int cond) {
  if (!cond) __builtin_trap(); /* the fuzzer reports it with the input that caused it */
}

static void check_result(int rc, const tinyrt_error *err) {
  require(rc == TINYRT_OK || rc == TINYRT_ERR_MODEL || rc == TINYRT_ERR_UNSUPPORTED);
  require(rc == TINYRT_OK || (err->code == rc && err->message[0] != '\0'));
}

static uint8_t touch(const trt_tensor *t) {
  uint8_t acc = 0;
  const uint8_t *p = t->data;
  size_t n = trt_tensor_nbytes(t);
  require(p != NULL || n == 0);
  for (size_t i = 0; i < n; i++) acc ^= p[i];
  return acc;
}

static void walk(const trt_graph *g) {
  volatile uint8_t sink = 0;
  for (int v = 0; v < g->n_values; v++) {
    const trt_value *val = &g->values[v];
    require(val->name != NULL && val->rank <= TRT_MAX_RANK);
    require(val->producer < g->n_nodes);
    for (int d = 0; d < val->rank; d++) require(val->dims[d].sym < g->n_syms);
    if (val->kind == TRT_VALUE_CONSTANT) sink ^= touch(&val->constant);
  }
  for (int i = 0; i < g->n_inputs; i++) require(g->inputs[i] >= 0 && g->inputs[i] < g->n_values);
  for (int i = 0; i < g->n_outputs; i++)
    require(g->outputs[i] >= 0 && g->outputs[i] < g->n_values);
  for (int n = 0; n < g->n_nodes; n++) {
    const trt_node *node = &g->nodes[n];
    require(node->name && node->op_type && node->domain);
    for (int k = 0; k < node->n_inputs; k++) require(node->inputs[k] < g->n_values);
    for (int k = 0; k < node->n_outputs; k++) {
      int o = node->outputs[k];
      require(o < g->n_values && (o < 0 || g->values[o].producer == n));
    }
    for (int a = 0; a < node->n_attrs; a++) {
      const trt_attr *at = &node->attrs[a];
      require(at->name != NULL);
      if (at->type == TRT_ATTR_TENSOR) sink ^= touch(&at->t);
      if (at->type == TRT_ATTR_TENSORS)
        for (int k = 0; k < at->n; k++) sink ^= touch(&at->tensors[k]);
      if (at->type == TRT_ATTR_STRINGS)
        for (int k = 0; k < at->n; k++) sink ^= (uint8_t)strlen(at->strings[k]);
      if (at->type == TRT_ATTR_INTS)
        for (int k = 0; k < at->n; k++) sink ^= (uint8_t)at->ints[k];
    }
  }
  (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  trt_graph g;
  tinyrt_error err = {0};
  trt_graph_init(&g, NULL);
  int rc = trt_onnx_load_buffer(data, size, NULL, &g, &err);
  check_result(rc, &err);
  if (rc == TINYRT_OK) {
    walk(&g);
    /* the graph helpers must cope with whatever the loader accepted */
    int *order = NULL, n_order = 0;
    tinyrt_error terr = {0};
    if (trt_graph_topo_order(&g, &order, &n_order, &terr) == TINYRT_OK) trt_free(&g.al, order);
  }
  trt_graph_free(&g);

  trt_alloc al;
  trt_alloc_init(&al, NULL);
  trt_arena arena;
  trt_arena_init(&arena, &al);
  trt_tensor t;
  const char *name = NULL;
  memset(&err, 0, sizeof err);
  rc = trt_onnx_parse_tensor(data, size, &arena, &t, &name, &err);
  check_result(rc, &err);
  if (rc == TINYRT_OK) {
    volatile uint8_t sink = touch(&t);
    (void)sink;
    require(name != NULL && t.rank >= 0 && t.rank <= TRT_MAX_RANK);
  }
  trt_arena_release(&arena);
  return 0;
}
