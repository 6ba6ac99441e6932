/* tinyrt optimize: write a static-shape copy of a model (symbolic dims fixed to values), which
 * ONNX Runtime and tinyrt load like any model; see src/onnx/rewrite.h for what is rewritten.
 *
 * The copy is streamed from the mapped model into a temporary file next to OUT and renamed over
 * OUT at the end, so a failure never leaves half a model behind and OUT may be MODEL itself. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_util.h"
#include "ir/graph.h"
#include "onnx/onnx.h"
#include "onnx/rewrite.h"

static void optimize_usage(FILE *f) {
  fprintf(f,
          "usage: tinyrt optimize MODEL --fix DIM=N,... -o OUT.onnx\n\n"
          "Writes a copy of MODEL whose symbolic dims DIM (ONNX dim_param, e.g. batch_size) are\n"
          "fixed to N in the graph's inputs, outputs and value_info. Everything else is copied\n"
          "byte for byte. The result is a static-shape model for ONNX Runtime and tinyrt; it\n"
          "accepts inputs of exactly those sizes.\n\n"
          "options:\n"
          "  --fix DIM=N,...      dims to fix (repeatable), e.g. batch_size=1,sequence_length=128\n"
          "  -o, --output OUT     the file to write; it may be MODEL itself (replaced at the end)\n"
          "  --quiet              print nothing on success\n"
          "  -h, --help           this help\n\n"
          "A model that keeps tensors in external data files refers to them relative to its\n"
          "folder, so OUT must then be in MODEL's folder (tinyrt optimize refuses otherwise).\n");
}

typedef struct out_file {
  int fd;
  const char *path;
} out_file;

static int write_all(void *user, const void *data, size_t len, tinyrt_error *err) {
  out_file *o = user;
  const char *p = data;
  while (len) {
    ssize_t n = write(o->fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return trt_error(err, TINYRT_ERR_IO, "cannot write '%s': %s", o->path,
                       n < 0 ? strerror(errno) : "nothing written");
    p += n;
    len -= (size_t)n;
  }
  return TINYRT_OK;
}

/* The folder a path is in, resolved (symlinks, ..), into buf of PATH_MAX bytes. */
static bool real_dir_of(const char *path, char *buf) {
  char dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  if (!slash) {
    snprintf(dir, sizeof dir, ".");
  } else if (slash == path) {
    snprintf(dir, sizeof dir, "/");
  } else {
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  }
  return realpath(dir, buf) != NULL;
}

static const char *dims_text(const trt_graph *g, const trt_value *v, char *buf, size_t len) {
  size_t off = (size_t)snprintf(buf, len, "[");
  for (int d = 0; d < v->rank && off < len; d++) {
    if (v->dims[d].sym >= 0)
      off += (size_t)snprintf(buf + off, len - off, "%s%s", d ? ", " : "", g->syms[v->dims[d].sym]);
    else if (v->dims[d].value >= 0)
      off += (size_t)snprintf(buf + off, len - off, "%s%lld", d ? ", " : "",
                              (long long)v->dims[d].value);
    else
      off += (size_t)snprintf(buf + off, len - off, "%s?", d ? ", " : "");
  }
  if (off < len) snprintf(buf + off, len - off, "]");
  if (v->rank < 0) snprintf(buf, len, "(unknown shape)");
  return buf;
}

/* Loads OUT the way a session will and prints its inputs and outputs. A model that tinyrt cannot
 * load is still a correct copy when the original fails the same way (an op or type tinyrt does
 * not have), so that is a warning; OUT failing where MODEL loads would be a bug here. */
static bool check_output(const char *model, const char *out, bool quiet) {
  trt_graph g;
  tinyrt_error err = {0};
  bool ok = true;
  trt_graph_init(&g, NULL);
  if (trt_onnx_load_file(out, &g, &err) != TINYRT_OK) {
    trt_graph orig;
    tinyrt_error err2 = {0};
    trt_graph_init(&orig, NULL);
    ok = trt_onnx_load_file(model, &orig, &err2) != TINYRT_OK;
    trt_graph_free(&orig);
    fprintf(stderr, "tinyrt optimize: %s: tinyrt cannot load the result: %s%s\n",
            ok ? "warning" : "error", err.message,
            ok ? " (nor the original)" : " (but it loads the original)");
    goto done;
  }
  if (quiet) goto done;
  for (int pass = 0; pass < 2; pass++) {
    int n = pass ? g.n_outputs : g.n_inputs;
    for (int i = 0; i < n; i++) {
      const trt_value *v = &g.values[pass ? g.outputs[i] : g.inputs[i]];
      tinyrt_dtype dt = v->kind == TRT_VALUE_CONSTANT ? v->constant.dtype : v->dtype;
      char shape[256];
      printf("  %-6s %-24s %-7s %s\n", pass ? "output" : "input", v->name, tinyrt_dtype_name(dt),
             dims_text(&g, v, shape, sizeof shape));
    }
  }
done:
  trt_graph_free(&g);
  return ok;
}

int cmd_optimize(int argc, char **argv) {
  const char *model = NULL, *out = NULL;
  cli_dims dims = {0};
  bool quiet = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      optimize_usage(stdout);
      return 0;
    } else if (!strcmp(a, "--fix") && v) {
      if (!cli_parse_dims_opt("--fix", v, &dims)) return 2;
      i++;
    } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) {
      out = v;
      i++;
    } else if (!strcmp(a, "--quiet")) {
      quiet = true;
    } else if (a[0] == '-' || model) {
      fprintf(stderr, "tinyrt optimize: unexpected argument '%s'%s\n", a,
              a[0] == '-' && !v ? " (missing value?)" : "");
      optimize_usage(stderr);
      return 2;
    } else {
      model = a;
    }
  }
  if (!model || !out || !dims.n) {
    fprintf(stderr, "tinyrt optimize: %s\n\n",
            !model ? "no MODEL given" : !out ? "no output file given (-o OUT.onnx)"
                                             : "nothing to fix (--fix DIM=N,...)");
    optimize_usage(stderr);
    return 2;
  }

  int status = 1, fd = -1;
  void *map = MAP_FAILED;
  size_t size = 0;
  char *tmp = NULL;
  tinyrt_error err = {0};

  fd = open(model, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
    fprintf(stderr, "tinyrt optimize: cannot read model '%s': %s\n", model,
            fd < 0 ? strerror(errno) : "not a non-empty regular file");
    goto out;
  }
  size = (size_t)st.st_size;
  map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  fd = -1;
  if (map == MAP_FAILED) {
    fprintf(stderr, "tinyrt optimize: cannot map '%s': %s\n", model, strerror(errno));
    goto out;
  }

  /* external data is found relative to the model's folder: copying those files is a decision
   * (size, overwriting) left to the user, so the copy must stay next to them */
  int64_t n_ext = 0;
  if (trt_onnx_count_external(map, size, &n_ext, &err) != TINYRT_OK) {
    fprintf(stderr, "tinyrt optimize: %s: %s\n", model, err.message);
    goto out;
  }
  char model_dir[PATH_MAX], out_dir[PATH_MAX];
  if (!real_dir_of(model, model_dir)) snprintf(model_dir, sizeof model_dir, "its folder");
  if (!real_dir_of(out, out_dir)) {
    fprintf(stderr, "tinyrt optimize: the folder of '%s' does not exist: %s\n", out,
            strerror(errno));
    goto out;
  }
  if (n_ext && strcmp(model_dir, out_dir) != 0) {
    fprintf(stderr,
            "tinyrt optimize: %s keeps %lld tensor%s in external data files, which are found "
            "relative to the model's folder, so the copy must go into that folder (%s); or copy "
            "the model with its data files to the other folder and optimize it there\n",
            model, (long long)n_ext, n_ext == 1 ? "" : "s", model_dir);
    goto out;
  }

  size_t tlen = strlen(out) + 16;
  tmp = malloc(tlen);
  if (!tmp) goto out;
  snprintf(tmp, tlen, "%s.tmp.XXXXXX", out);
  fd = mkstemp(tmp);
  if (fd < 0) {
    fprintf(stderr, "tinyrt optimize: cannot create '%s': %s\n", tmp, strerror(errno));
    free(tmp);
    tmp = NULL;
    goto out;
  }
  mode_t mask = umask(0); /* mkstemp makes the file 0600; OUT gets the usual permissions */
  umask(mask);
  if (fchmod(fd, 0666 & ~mask) != 0) {
    fprintf(stderr, "tinyrt optimize: cannot set the permissions of '%s': %s\n", tmp,
            strerror(errno));
    goto out;
  }

  int64_t counts[CLI_MAX_DIMS] = {0};
  size_t out_size = 0;
  out_file of = {fd, out};
  trt_onnx_sink sink = {write_all, &of};
  if (trt_onnx_fix_dims_to(map, size, dims.d, dims.n, NULL, &sink, counts, &out_size, &err)) {
    fprintf(stderr, "tinyrt optimize: %s: %s\n", model, err.message);
    goto out;
  }
  int rc = close(fd);
  fd = -1;
  if (rc != 0 || rename(tmp, out) != 0) {
    fprintf(stderr, "tinyrt optimize: cannot write '%s': %s\n", out, strerror(errno));
    goto out;
  }
  free(tmp);
  tmp = NULL;

  if (!quiet) {
    printf("fixed ");
    for (int k = 0; k < dims.n; k++)
      printf("%s%s = %lld (%lld dims)", k ? ", " : "", dims.names[k],
             (long long)dims.d[k].value, (long long)counts[k]);
    printf("\nwrote %s (%zu bytes; %s is %zu bytes)\n", out, out_size, model, size);
  }
  status = check_output(model, out, quiet) ? 0 : 1;

out:
  if (fd >= 0) close(fd);
  if (tmp) {
    unlink(tmp);
    free(tmp);
  }
  if (map != MAP_FAILED) munmap(map, size);
  return status;
}
