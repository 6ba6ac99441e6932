/* tinyrt run: run a model once and write every output as .npy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_util.h"
#include "core/common.h"
#include "tools/fast_gelu.h"
#include "tools/npy.h"

static void run_usage(FILE *f) {
  fprintf(f,
          "usage: tinyrt run MODEL [options]\n\n"
          "Runs MODEL once and writes DIR/<output name>.npy for every output.\n\n"
          "options:\n"
          "  --input NAME=FILE.npy   an input tensor (repeatable); inputs not given are synthetic\n"
          "  --shape DIM=N,...       values of symbolic dims for synthetic inputs\n"
          "                          (e.g. batch_size=1,sequence_length=128)\n"
          "  --output-dir DIR        where to write outputs (default: .)\n"
          "  --ep LIST               execution providers in priority order (default: all; ref is\n"
          "                          always the fallback)\n"
          "  --threads N             intra-op threads (default: the machine's cores)\n"
          "  --opt-level N           graph optimization level 0-2 (default: 2)\n"
          "  --isa NAME              force the cpu provider's kernels: avx512, avx2, portable\n"
          "  --fast-gelu             rewrite erf GELU to the tanh approximation (changes outputs)\n"
          "  --remove-padding        skip padded tokens (attention_mask 0): token-wise work and\n"
          "                          attention run on real tokens; padded outputs are zero\n"
          "  --quiet                 print nothing on success\n"
          "  -h, --help              this help\n\n"
          "Synthetic inputs are deterministic: token ids lie inside the embedding table they index,\n"
          "attention masks are all ones.\n");
}

typedef struct named_file {
  const char *name;
  const char *path;
} named_file;

int cmd_run(int argc, char **argv) {
  const char *model = NULL, *out_dir = ".";
  named_file files[32];
  int n_files = 0;
  cli_dims dims = {0};
  tinyrt_options opts;
  tinyrt_options_init(&opts);
  bool quiet = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    long long iv;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      run_usage(stdout);
      return 0;
    } else if (!strcmp(a, "--input") && v) {
      const char *eq = strchr(v, '=');
      if (!eq || eq == v || n_files == 32) {
        fprintf(stderr, "tinyrt run: --input expects NAME=FILE.npy, got '%s'\n", v);
        return 2;
      }
      files[n_files].name = v;
      files[n_files].path = eq + 1;
      n_files++;
      i++;
    } else if (!strcmp(a, "--shape") && v) {
      if (!cli_parse_dims(v, &dims)) return 2;
      i++;
    } else if (!strcmp(a, "--output-dir") && v) {
      out_dir = v;
      i++;
    } else if (!strcmp(a, "--ep") && v) {
      opts.providers = v;
      i++;
    } else if (!strcmp(a, "--threads") && v) {
      if (!cli_parse_int(a, v, 1, 256, &iv)) return 2;
      opts.threads = (int)iv;
      i++;
    } else if (!strcmp(a, "--opt-level") && v) {
      if (!cli_parse_int(a, v, 0, 2, &iv)) return 2;
      opts.opt_level = (int)iv;
      i++;
    } else if (!strcmp(a, "--isa") && v) {
      opts.cpu_isa = v;
      i++;
    } else if (!strcmp(a, "--fast-gelu")) {
      opts.fast_gelu = 1;
    } else if (!strcmp(a, "--remove-padding")) {
      opts.remove_padding = 1;
    } else if (!strcmp(a, "--quiet")) {
      quiet = true;
    } else if (a[0] == '-' || model) {
      fprintf(stderr, "tinyrt run: unexpected argument '%s'%s\n", a,
                      a[0] == '-' && !v ? " (missing value?)" : "");
      run_usage(stderr);
      return 2;
    } else {
      model = a;
    }
  }
  if (!model) {
    run_usage(stderr);
    return 2;
  }

  int status = 1;
  tinyrt_error err = {0};
  tinyrt_session *s = NULL;
  tinyrt_tensor *inputs = NULL, *outputs = NULL;
  int n_inputs = 0, n_outputs = 0;
  if (tinyrt_session_open(model, &opts, &s, &err)) {
    fprintf(stderr, "tinyrt run: %s: %s\n", model, err.message);
    return 1;
  }
  n_inputs = tinyrt_input_count(s);
  /* A static-shape copy (tinyrt optimize) has no names left; silently running it at its own
   * sizes would look like a run at the sizes asked for. */
  for (int k = 0; k < dims.n; k++) {
    bool found = false;
    for (int i = 0; i < n_inputs && !found; i++) {
      tinyrt_io_info info;
      tinyrt_input_info(s, i, &info);
      for (int d = 0; d < info.rank; d++)
        found |= info.dim_names[d] && !strcmp(info.dim_names[d], dims.d[k].name);
    }
    if (!found)
      fprintf(stderr, "tinyrt run: warning: no input has a symbolic dim '%s' (--shape %s=%lld "
              "is ignored; a dim the model fixes takes only its fixed size)\n",
              dims.d[k].name, dims.d[k].name, (long long)dims.d[k].value);
  }
  /* Symbolic dims not given with --shape are taken from the --input files. */
  for (int f = 0; f < n_files; f++) {
    size_t klen = (size_t)(strchr(files[f].name, '=') - files[f].name);
    int idx = -1;
    for (int i = 0; i < n_inputs; i++) {
      tinyrt_io_info info;
      tinyrt_input_info(s, i, &info);
      if (strlen(info.name) == klen && !strncmp(info.name, files[f].name, klen)) idx = i;
    }
    if (idx < 0) {
      fprintf(stderr, "tinyrt run: the model has no input '%.*s'\n", (int)klen, files[f].name);
      goto out;
    }
    tinyrt_tensor t;
    if (trt_npy_read(files[f].path, &t, &err)) {
      fprintf(stderr, "tinyrt run: %s\n", err.message);
      goto out;
    }
    tinyrt_io_info info;
    tinyrt_input_info(s, idx, &info);
    for (int d = 0; d < info.rank && d < t.rank; d++) {
      if (!info.dim_names[d]) continue;
      bool known = false;
      for (int k = 0; k < dims.n; k++) known |= !strcmp(dims.d[k].name, info.dim_names[d]);
      if (!known && dims.n < CLI_MAX_DIMS) {
        snprintf(dims.names[dims.n], sizeof dims.names[0], "%s", info.dim_names[d]);
        dims.d[dims.n].name = dims.names[dims.n];
        dims.d[dims.n].value = t.dims[d];
        dims.n++;
      }
    }
    free(t.data);
  }
  if (!cli_make_inputs(s, &dims, &inputs, &n_inputs)) goto out;
  for (int f = 0; f < n_files; f++) {
    size_t klen = (size_t)(strchr(files[f].name, '=') - files[f].name);
    for (int i = 0; i < n_inputs; i++) {
      if (strlen(inputs[i].name) != klen || strncmp(inputs[i].name, files[f].name, klen)) continue;
      tinyrt_tensor t;
      if (trt_npy_read(files[f].path, &t, &err)) {
        fprintf(stderr, "tinyrt run: %s\n", err.message);
        goto out;
      }
      free(inputs[i].data);
      const char *name = inputs[i].name;
      inputs[i] = t;
      inputs[i].name = name;
    }
  }
  n_outputs = tinyrt_output_count(s);
  outputs = calloc((size_t)n_outputs + 1, sizeof *outputs);
  if (!outputs) goto out;
  uint64_t t0 = trt_now_ns();
  if (tinyrt_run(s, inputs, n_inputs, outputs, n_outputs, &err)) {
    fprintf(stderr, "tinyrt run: %s\n", err.message);
    goto out;
  }
  double ms = (double)(trt_now_ns() - t0) / 1e6;
  if (!cli_mkdirs(out_dir)) {
    fprintf(stderr, "tinyrt run: cannot create directory '%s'\n", out_dir);
    goto out;
  }
  for (int i = 0; i < n_outputs; i++) {
    tinyrt_io_info info;
    tinyrt_output_info(s, i, &info);
    char path[4096], shape[128];
    snprintf(path, sizeof path, "%s/%s.npy", out_dir, info.name);
    /* output names may contain '/', as exporters name values after module paths */
    for (char *p = path + strlen(out_dir) + 1; *p; p++)
      if (*p == '/') *p = '_';
    if (trt_npy_write(path, &outputs[i], &err)) {
      fprintf(stderr, "tinyrt run: %s\n", err.message);
      goto out;
    }
    if (!quiet) printf("%s %s %s -> %s\n", info.name, tinyrt_dtype_name(outputs[i].dtype),
                       cli_shape_str(&outputs[i], shape, sizeof shape), path);
  }
  if (!quiet) printf("ran in %.3f ms (first run: includes planning)\n", ms);
  if (opts.fast_gelu) {
    /* the approximation changes the outputs: say by how much, measured on these inputs */
    double change = 0;
    int rewritten = 0;
    if (trt_fast_gelu_change(model, &opts, inputs, n_inputs, &change, &rewritten, &err)) {
      fprintf(stderr, "tinyrt run: measuring --fast-gelu: %s\n", err.message);
      goto out;
    }
    printf("--fast-gelu: %d GELU%s rewritten to the tanh approximation; max output change vs "
           "erf GELU on these inputs: %.3g\n",
           rewritten, rewritten == 1 ? "" : "s", change);
  }
  status = 0;
out:
  if (outputs)
    for (int i = 0; i < n_outputs; i++) tinyrt_tensor_free(s, &outputs[i]);
  free(outputs);
  cli_free_inputs(inputs, n_inputs);
  tinyrt_session_close(s);
  return status;
}
