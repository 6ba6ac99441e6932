/* tinyrt inspect: what a model is, as the seed's "Model Configuration" block, plus the graph
 * before and after optimization, each node's provider and the partitions. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli_util.h"
#include "exec/session.h"
#include "model_info.h"

static void inspect_usage(FILE *f) {
  fprintf(f,
          "usage: tinyrt inspect MODEL [options]\n\n"
          "Describes MODEL: file, producer, opset, inputs and outputs with their dynamic axes,\n"
          "node counts by op type before and after optimization, parameters, the encoder\n"
          "architecture inferred from the graph, each node's execution provider and the\n"
          "partitions.\n\n"
          "options:\n"
          "  --ep LIST       execution providers in priority order (default: all)\n"
          "  --opt-level N   graph optimization level 0-2 (default 2)\n"
          "  --nodes         list every node (text output)\n"
          "  --json          print JSON\n"
          "  -h, --help      this help\n");
}

static const char *dim_str(const tinyrt_io_info *info, char *buf, size_t len) {
  size_t off = (size_t)snprintf(buf, len, "[");
  for (int d = 0; d < info->rank && off < len; d++) {
    if (info->dims[d] >= 0)
      off += (size_t)snprintf(buf + off, len - off, "%s%lld", d ? ", " : "", (long long)info->dims[d]);
    else
      off += (size_t)snprintf(buf + off, len - off, "%s%s", d ? ", " : "",
                              info->dim_names[d] ? info->dim_names[d] : "?");
  }
  if (off < len) snprintf(buf + off, len - off, "]");
  return buf;
}

static cJSON *io_json(const tinyrt_io_info *info) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", info->name);
  cJSON_AddStringToObject(o, "dtype", tinyrt_dtype_name(info->dtype));
  cJSON *shape = cJSON_AddArrayToObject(o, "shape");
  for (int d = 0; d < info->rank; d++) {
    if (info->dims[d] >= 0)
      cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)info->dims[d]));
    else
      cJSON_AddItemToArray(shape, cJSON_CreateString(info->dim_names[d] ? info->dim_names[d] : "?"));
  }
  return o;
}

static cJSON *counts_json(const op_count *c, int n) {
  cJSON *o = cJSON_CreateObject();
  for (int i = 0; i < n; i++) cJSON_AddNumberToObject(o, c[i].op, c[i].count);
  return o;
}

static void print_counts(const char *title, const op_count *c, int n, int total) {
  printf("%s (%d nodes):\n   ", title, total);
  int col = 3;
  for (int i = 0; i < n; i++) {
    char item[96];
    int len = snprintf(item, sizeof item, " %s %d%s", c[i].op, c[i].count, i + 1 < n ? "," : "");
    if (col + len > 96) {
      printf("\n   ");
      col = 3;
    }
    fputs(item, stdout);
    col += len;
  }
  printf("\n");
}

int cmd_inspect(int argc, char **argv) {
  const char *model = NULL;
  bool json = false, list_nodes = false;
  tinyrt_options opts;
  tinyrt_options_init(&opts);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    long long iv;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      inspect_usage(stdout);
      return 0;
    } else if (!strcmp(a, "--json")) {
      json = true;
    } else if (!strcmp(a, "--nodes")) {
      list_nodes = true;
    } else if (!strcmp(a, "--ep") && v) {
      opts.providers = v;
      i++;
    } else if (!strcmp(a, "--opt-level") && v) {
      if (!cli_parse_int(a, v, 0, 2, &iv)) return 2;
      opts.opt_level = (int)iv;
      i++;
    } else if (a[0] == '-' || model) {
      fprintf(stderr, "tinyrt inspect: unexpected argument '%s'\n", a);
      inspect_usage(stderr);
      return 2;
    } else {
      model = a;
    }
  }
  if (!model) {
    inspect_usage(stderr);
    return 2;
  }
  tinyrt_session *s = NULL;
  tinyrt_error err = {0};
  opts.threads = 1;
  if (tinyrt_session_open(model, &opts, &s, &err)) {
    fprintf(stderr, "tinyrt inspect: %s: %s\n", model, err.message);
    return 1;
  }
  const trt_graph *g = &s->g;
  struct stat st;
  long long size = stat(model, &st) == 0 ? (long long)st.st_size : -1;
  model_arch arch;
  model_arch_infer(s, &arch);
  op_count before[128], after[128];
  int nb = model_op_counts(s, 0, before, 128), na = model_op_counts(s, 1, after, 128);
  tinyrt_session_stats stats;
  tinyrt_session_stats_get(s, &stats);

  if (json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", model);
    cJSON_AddNumberToObject(o, "size_bytes", (double)size);
    cJSON_AddStringToObject(o, "producer", g->producer_name ? g->producer_name : "");
    cJSON_AddStringToObject(o, "producer_version", g->producer_version ? g->producer_version : "");
    cJSON_AddNumberToObject(o, "ir_version", (double)g->ir_version);
    cJSON_AddNumberToObject(o, "opset", (double)g->opset);
    cJSON *ins = cJSON_AddArrayToObject(o, "inputs"), *outs = cJSON_AddArrayToObject(o, "outputs");
    for (int i = 0; i < g->n_inputs; i++) cJSON_AddItemToArray(ins, io_json(&s->in_info[i]));
    for (int i = 0; i < g->n_outputs; i++) cJSON_AddItemToArray(outs, io_json(&s->out_info[i]));
    cJSON *syms = cJSON_AddArrayToObject(o, "dynamic_axes");
    for (int i = 0; i < g->n_syms; i++) cJSON_AddItemToArray(syms, cJSON_CreateString(g->syms[i]));
    cJSON_AddNumberToObject(o, "parameters", (double)stats.n_parameters);
    cJSON_AddNumberToObject(o, "nodes_loaded", stats.n_nodes_loaded);
    cJSON_AddNumberToObject(o, "nodes", stats.n_nodes);
    cJSON_AddItemToObject(o, "op_counts_loaded", counts_json(before, nb));
    cJSON_AddItemToObject(o, "op_counts", counts_json(after, na));
    const trt_opt_report *rep = trt_session_opt_report(s);
    if (rep) {
      cJSON *ro = cJSON_AddObjectToObject(o, "optimizer");
      cJSON_AddNumberToObject(ro, "level", rep->level);
      cJSON_AddBoolToObject(ro, "fast_gelu", rep->fast_gelu);
      cJSON_AddNumberToObject(ro, "ms", rep->ms);
      cJSON *rw = cJSON_AddObjectToObject(ro, "rewrites");
      for (int r = 0; r < TRT_OPT_REWRITE_COUNT; r++)
        cJSON_AddNumberToObject(rw, trt_opt_rewrite_name(r), rep->count[r]);
    }
    cJSON *ar = cJSON_AddObjectToObject(o, "architecture");
    cJSON_AddNumberToObject(ar, "layers", arch.layers);
    cJSON_AddNumberToObject(ar, "hidden_size", (double)arch.hidden);
    cJSON_AddNumberToObject(ar, "num_heads", (double)arch.heads);
    cJSON_AddNumberToObject(ar, "intermediate_size", (double)arch.intermediate);
    cJSON_AddNumberToObject(ar, "vocab_size", (double)arch.vocab);
    cJSON_AddStringToObject(ar, "activation", arch.activation);
    cJSON *parts = cJSON_AddArrayToObject(o, "partitions");
    for (int p = 0; p < s->n_parts; p++) {
      cJSON *po = cJSON_CreateObject();
      cJSON_AddNumberToObject(po, "index", p);
      cJSON_AddStringToObject(po, "provider", s->eps[s->parts[p].ep]->provider_name);
      cJSON_AddNumberToObject(po, "nodes", s->parts[p].count);
      cJSON_AddItemToArray(parts, po);
    }
    cJSON *nodes = cJSON_AddArrayToObject(o, "node_list");
    for (int i = 0; i < s->n_order; i++) {
      const trt_node *n = &g->nodes[s->order[i]];
      cJSON *no = cJSON_CreateObject();
      cJSON_AddStringToObject(no, "name", n->name);
      cJSON_AddStringToObject(no, "op", n->op_type);
      cJSON_AddStringToObject(no, "provider", s->eps[n->ep]->provider_name);
      cJSON_AddNumberToObject(no, "partition", n->partition);
      cJSON_AddItemToArray(nodes, no);
    }
    char *text = cJSON_Print(o);
    if (text) puts(text);
    free(text);
    cJSON_Delete(o);
    tinyrt_session_close(s);
    return 0;
  }

  char buf[256];
  printf("Model Configuration:\n");
  printf("  - ONNX file: %s\n", model);
  printf("  - Model size: %.2f MB (%lld bytes)\n", (double)size / 1e6, size);
  printf("  - Producer: %s %s, IR version %lld, opset %lld\n",
         g->producer_name ? g->producer_name : "?", g->producer_version ? g->producer_version : "",
         (long long)g->ir_version, (long long)g->opset);
  printf("  - Precision: %s\n",
         g->n_outputs && s->out_info[0].dtype == TINYRT_FLOAT ? "FP32" : "see outputs");
  printf("  - Activation: %s\n", arch.activation);
  printf("  - Dynamic axes:");
  for (int i = 0; i < g->n_syms; i++) printf("%s %s", i ? "," : "", g->syms[i]);
  printf("%s\n", g->n_syms ? "" : " none (static shapes)");
  printf("  - Inputs:\n");
  for (int i = 0; i < g->n_inputs; i++)
    printf("      %-18s %-6s %s\n", s->in_info[i].name, tinyrt_dtype_name(s->in_info[i].dtype),
           dim_str(&s->in_info[i], buf, sizeof buf));
  printf("  - Outputs:\n");
  for (int i = 0; i < g->n_outputs; i++)
    printf("      %-18s %-6s %s\n", s->out_info[i].name, tinyrt_dtype_name(s->out_info[i].dtype),
           dim_str(&s->out_info[i], buf, sizeof buf));
  printf("  - Architecture: %d transformer layers, hidden size %lld, %lld heads, intermediate "
         "size %lld, vocabulary %lld\n",
         arch.layers, (long long)arch.hidden, (long long)arch.heads, (long long)arch.intermediate,
         (long long)arch.vocab);
  printf("  - Parameters: %lld (%.2fM)\n\n", (long long)stats.n_parameters,
         (double)stats.n_parameters / 1e6);
  print_counts("Graph as loaded", before, nb, stats.n_nodes_loaded);
  print_counts("Graph after optimization", after, na, stats.n_nodes);
  const trt_opt_report *rep = trt_session_opt_report(s);
  if (rep) {
    printf("Optimizer (level %d%s, %.2f ms):", rep->level, rep->fast_gelu ? ", fast GELU" : "",
           rep->ms);
    int shown = 0;
    for (int r = 0; r < TRT_OPT_REWRITE_COUNT; r++)
      if (rep->count[r]) printf("%s %s %d", shown++ ? "," : "", trt_opt_rewrite_name(r), rep->count[r]);
    printf("%s\n", shown ? "" : " nothing applied");
  }
  printf("\nPartitions (%d):\n", s->n_parts);
  for (int p = 0; p < s->n_parts; p++) {
    const trt_partition *pt = &s->parts[p];
    const trt_node *first = &g->nodes[s->order[pt->first]];
    const trt_node *last = &g->nodes[s->order[pt->first + pt->count - 1]];
    printf("  %3d  %-12s %4d nodes  %s .. %s\n", p, s->eps[pt->ep]->provider_name, pt->count,
           first->name, last->name);
  }
  if (list_nodes) {
    printf("\nNodes (execution order):\n");
    for (int i = 0; i < s->n_order; i++) {
      const trt_node *n = &g->nodes[s->order[i]];
      printf("  %4d  %-22s %-12s p%-3d %s\n", i, n->op_type, s->eps[n->ep]->provider_name,
             n->partition, n->name);
    }
  }
  tinyrt_session_close(s);
  return 0;
}
