/* tinyrt bench: latency and throughput of a model at one or more shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_core.h"
#include "cli.h"
#include "prof/peak.h"

#define MAX_SHAPES 16

static void bench_usage(FILE *f) {
  fprintf(f,
          "usage: tinyrt bench MODEL [options]\n\n"
          "Times repeated runs of MODEL with synthetic inputs and prints latency statistics\n"
          "(mean, p50/p90/p95/p99 by nearest rank, min, max, stdev), throughput, session\n"
          "timings, peak RSS and FLOP rate against this machine's measured FMA peak.\n\n"
          "options:\n"
          "  --shape DIM=N,...     a shape set (repeatable: one result per set);\n"
          "                        default batch_size=1,sequence_length=128\n"
          "  --iterations N        timed runs per shape set (default 200)\n"
          "  --duration SEC        run for SEC seconds instead of a fixed count\n"
          "  --warmup N            untimed runs first (default 20)\n"
          "  --threads N           intra-op threads (default: the machine's cores)\n"
          "  --ep LIST             execution providers in priority order\n"
          "  --opt-level N         graph optimization level 0-2 (default 2)\n"
          "  --isa NAME            force the cpu provider's kernels: avx512, avx2, portable\n"
          "  --fast-gelu           rewrite erf GELU to the tanh approximation\n"
          "  --remove-padding      skip padded tokens; with --pad-fraction F the synthetic\n"
          "                        attention masks pad the last F of each sequence\n"
          "  --pad-fraction F      fraction of each sequence padded in synthetic inputs (0)\n"
          "  --static              specialize the session to the shape (fixed dims)\n"
          "  --compare-static      time the dynamic and the static session interleaved and\n"
          "                        print the comparison\n"
          "  --profile FILE        write an ONNX Runtime-format profile (Chrome trace)\n"
          "  --compare-profiling   time the session with and without profiling, interleaved,\n"
          "                        and print what profiling costs\n"
          "  --json                one JSON object per shape set\n"
          "  -h, --help            this help\n");
}

int cmd_bench(int argc, char **argv) {
  bench_config cfg = {0};
  tinyrt_options_init(&cfg.opts);
  cfg.iterations = 200;
  cfg.warmup = 20;
  cfg.progress = isatty(2);
  cli_dims shapes[MAX_SHAPES];
  int n_shapes = 0;
  bool is_static = false, compare = false, json = false, compare_prof = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    long long iv;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      bench_usage(stdout);
      return 0;
    } else if (!strcmp(a, "--shape") && v) {
      if (n_shapes == MAX_SHAPES) {
        fprintf(stderr, "tinyrt bench: at most %d --shape sets\n", MAX_SHAPES);
        return 2;
      }
      memset(&shapes[n_shapes], 0, sizeof shapes[0]);
      if (!cli_parse_dims(v, &shapes[n_shapes])) return 2;
      n_shapes++;
      i++;
    } else if (!strcmp(a, "--iterations") && v) {
      if (!cli_parse_int(a, v, 1, 100000000, &cfg.iterations)) return 2;
      i++;
    } else if (!strcmp(a, "--duration") && v) {
      cfg.duration_s = atof(v);
      if (cfg.duration_s <= 0) {
        fprintf(stderr, "tinyrt bench: --duration needs seconds > 0\n");
        return 2;
      }
      i++;
    } else if (!strcmp(a, "--warmup") && v) {
      if (!cli_parse_int(a, v, 0, 1000000, &cfg.warmup)) return 2;
      i++;
    } else if (!strcmp(a, "--threads") && v) {
      if (!cli_parse_int(a, v, 1, 256, &iv)) return 2;
      cfg.opts.threads = (int)iv;
      i++;
    } else if (!strcmp(a, "--ep") && v) {
      cfg.opts.providers = v;
      i++;
    } else if (!strcmp(a, "--opt-level") && v) {
      if (!cli_parse_int(a, v, 0, 2, &iv)) return 2;
      cfg.opts.opt_level = (int)iv;
      i++;
    } else if (!strcmp(a, "--profile") && v) {
      cfg.profile_path = v;
      i++;
    } else if (!strcmp(a, "--isa") && v) {
      cfg.opts.cpu_isa = v;
      i++;
    } else if (!strcmp(a, "--fast-gelu")) {
      cfg.opts.fast_gelu = 1;
    } else if (!strcmp(a, "--remove-padding")) {
      cfg.opts.remove_padding = 1;
    } else if (!strcmp(a, "--pad-fraction") && v) {
      cfg.pad_fraction = atof(v);
      if (cfg.pad_fraction < 0 || cfg.pad_fraction >= 1) {
        fprintf(stderr, "tinyrt bench: --pad-fraction needs a value in [0, 1)\n");
        return 2;
      }
      i++;
    } else if (!strcmp(a, "--static")) {
      is_static = true;
    } else if (!strcmp(a, "--compare-profiling")) {
      compare_prof = true;
    } else if (!strcmp(a, "--compare-static")) {
      compare = true;
    } else if (!strcmp(a, "--json")) {
      json = true;
    } else if (a[0] == '-' || cfg.model) {
      fprintf(stderr, "tinyrt bench: unexpected argument '%s'\n", a);
      bench_usage(stderr);
      return 2;
    } else {
      cfg.model = a;
    }
  }
  if (!cfg.model) {
    bench_usage(stderr);
    return 2;
  }
  if (n_shapes == 0) {
    memset(&shapes[0], 0, sizeof shapes[0]);
    cli_parse_dims("batch_size=1,sequence_length=128", &shapes[0]);
    n_shapes = 1;
  }
  if (n_shapes > 1 && cfg.profile_path) {
    fprintf(stderr, "tinyrt bench: --profile takes one --shape set\n");
    return 2;
  }
  bench_peak peak;
  bench_peak_init(&peak);
  for (int k = 0; k < n_shapes; k++) {
    if (compare_prof) {
      bench_result off, on;
      if (!bench_compare_profiling(&cfg, &shapes[k], &peak, &off, &on)) return 1;
      if (json) {
        bench_print_json(&cfg, &off);
        bench_print_json(&cfg, &on);
      } else {
        bench_print_profiling(&off, &on);
      }
      bench_result_free(&off);
      bench_result_free(&on);
    } else if (compare) {
      bench_result d, s;
      if (!bench_compare_static(&cfg, &shapes[k], &peak, &d, &s)) return 1;
      if (json) {
        bench_print_json(&cfg, &d);
        bench_print_json(&cfg, &s);
      } else {
        bench_print_text(&cfg, &d);
        bench_print_comparison(&d, &s);
      }
      bench_result_free(&d);
      bench_result_free(&s);
    } else {
      bench_result r;
      if (!bench_run(&cfg, &shapes[k], is_static, &peak, &r)) return 1;
      if (json)
        bench_print_json(&cfg, &r);
      else
        bench_print_text(&cfg, &r);
      bench_result_free(&r);
    }
    fflush(stdout);
  }
  if (cfg.profile_path && !json) printf("Profile written to %s\n", cfg.profile_path);
  return 0;
}
