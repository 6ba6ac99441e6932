/* tinyrt CLI entry: dispatches to subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tinyrt.h"

static const cli_command commands[] = {
    {"run", "run a model once and write its outputs as .npy", cmd_run},
    {"bench", "measure latency and throughput at one or more shapes", cmd_bench},
    {"inspect", "describe a model: I/O, architecture, graph, providers, partitions", cmd_inspect},
    {"analyze", "where the time goes in a tinyrt or ONNX Runtime profile", cmd_analyze},
    {"optimize", "write a static-shape copy of a model (--fix DIM=N,...)", cmd_optimize},
    {"serve", "serve a model over HTTP (Open Inference Protocol v2), dynamic batching", cmd_serve},
    {"loadgen", "load a running server: throughput and latency percentiles", cmd_loadgen},
    {"report", "the whole performance report: inspect, bench, profile, analysis, advice", cmd_report},
    {NULL, NULL, NULL},
};

static void usage(FILE *f) {
  fprintf(f,
          "tinyrt %s - a small, fast inference runtime for transformer encoders in ONNX\n\n"
          "usage: tinyrt <command> [options]\n\ncommands:\n",
          TINYRT_VERSION);
  for (const cli_command *c = commands; c->name; c++) fprintf(f, "  %-10s %s\n", c->name, c->summary);
  fprintf(f, "\nRun 'tinyrt <command> --help' for a command's options.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("tinyrt %s\n", TINYRT_VERSION);
    return 0;
  }
  for (const cli_command *c = commands; c->name; c++)
    if (!strcmp(argv[1], c->name)) return c->main(argc - 1, argv + 1);
  fprintf(stderr, "tinyrt: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return 2;
}
