#include "opt/optimizer.h"

#include <stdlib.h>

int trt_opt_remove_dead_nodes(trt_graph *g, int *removed_out, tinyrt_error *err) {
  int removed = 0;
  int *readers = NULL;
  /* repeat until stable: removing a node can make its producers dead */
  for (bool changed = true; changed;) {
    changed = false;
    trt_free(&g->al, readers);
    int rc = trt_graph_consumer_counts(g, &readers, err);
    if (rc) return rc;
    for (int ni = g->n_nodes - 1; ni >= 0; ni--) {
      trt_node *n = &g->nodes[ni];
      if (n->dead) continue;
      bool used = false;
      for (int k = 0; k < n->n_outputs && !used; k++) {
        int v = n->outputs[k];
        used = v >= 0 && (readers[v] > 0 || g->values[v].is_output);
      }
      if (!used) {
        n->dead = true;
        removed++;
        changed = true;
        for (int k = 0; k < n->n_inputs; k++)
          if (n->inputs[k] >= 0) readers[n->inputs[k]]--;
      }
    }
  }
  trt_free(&g->al, readers);
  if (removed_out) *removed_out = removed;
  return TINYRT_OK;
}

int trt_optimize(trt_graph *g, const tinyrt_options *opts, tinyrt_error *err) {
  int level = opts->opt_level < 0 ? 2 : opts->opt_level;
  if (level >= 1) return trt_opt_remove_dead_nodes(g, NULL, err);
  return TINYRT_OK;
}
