/* Graph container: value lookup, node insertion, topological order and its errors. */
#include <stdlib.h>

#include "ir/graph.h"
#include "testutil.h"

static void test_values_and_lookup(void) {
  trt_graph g;
  trt_graph_init(&g, NULL);
  char name[32];
  for (int i = 0; i < 1000; i++) {
    int n = snprintf(name, sizeof name, "v%d", i);
    CHECK_EQ_INT(trt_graph_add_value(&g, name, (size_t)n), i);
  }
  CHECK_EQ_INT(trt_graph_find_value(&g, "v0", 2), 0);
  CHECK_EQ_INT(trt_graph_find_value(&g, "v999", 4), 999);
  CHECK_EQ_INT(trt_graph_find_value(&g, "v99", 2), 9); /* length-limited lookup of "v9" */
  CHECK_EQ_INT(trt_graph_find_value(&g, "nope", 4), -1);
  CHECK_EQ_INT(trt_graph_intern_sym(&g, "batch", 5), 0);
  CHECK_EQ_INT(trt_graph_intern_sym(&g, "seq", 3), 1);
  CHECK_EQ_INT(trt_graph_intern_sym(&g, "batch", 5), 0);
  trt_graph_free(&g);
}

/* builds x -> A -> a -> B -> b, with the nodes stored in reverse order */
static void test_topo_order(void) {
  trt_graph g;
  trt_graph_init(&g, NULL);
  int x = trt_graph_add_value(&g, "x", 1);
  int a = trt_graph_add_value(&g, "a", 1);
  int b = trt_graph_add_value(&g, "b", 1);
  g.values[x].kind = TRT_VALUE_INPUT;
  int nb = trt_graph_add_node(&g, "Relu", "", "B", 1, 1);
  int na = trt_graph_add_node(&g, "Relu", "", "A", 1, 1);
  g.nodes[na].inputs[0] = x;
  g.nodes[na].outputs[0] = a;
  g.values[a].producer = na;
  g.nodes[nb].inputs[0] = a;
  g.nodes[nb].outputs[0] = b;
  g.values[b].producer = nb;
  int *order = NULL, n = 0;
  tinyrt_error err = {0};
  CHECK_EQ_INT(trt_graph_topo_order(&g, &order, &n, &err), TINYRT_OK);
  CHECK_EQ_INT(n, 2);
  if (n == 2) {
    CHECK_EQ_INT(order[0], na);
    CHECK_EQ_INT(order[1], nb);
  }
  trt_free(&g.al, order);

  /* a cycle: A reads b */
  g.nodes[na].inputs[0] = b;
  CHECK_EQ_INT(trt_graph_topo_order(&g, &order, &n, &err), TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(err.message, "cycle");

  /* a dangling input */
  int d = trt_graph_add_value(&g, "dangling", 8);
  g.nodes[na].inputs[0] = d;
  CHECK_EQ_INT(trt_graph_topo_order(&g, &order, &n, &err), TINYRT_ERR_MODEL);
  CHECK_STR_CONTAINS(err.message, "'dangling'");
  trt_graph_free(&g);
}

int main(void) {
  test_values_and_lookup();
  test_topo_order();
  return test_finish();
}
