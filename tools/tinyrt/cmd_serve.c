/* tinyrt serve MODEL: an Open Inference Protocol v2 server with dynamic batching. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "serve/model.h"
#include "serve/server.h"
#include "tinyrt.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: tinyrt serve MODEL [options]\n\n"
          "Serves MODEL (.onnx) over HTTP with the Open Inference Protocol v2 (KServe/Triton).\n\n"
          "  --host ADDR              address to listen on (default 127.0.0.1)\n"
          "  --port N                 port (default 8000; 0 = any free port)\n"
          "  --model-name NAME        the model's name in URLs (default: the file name without\n"
          "                           .onnx, or its folder's name for model.onnx)\n"
          "  --max-batch N            rows per batch (default 8)\n"
          "  --max-queue-delay-us N   how long a request may wait for its batch to fill\n"
          "                           (default 500)\n"
          "  --max-queue N            requests waiting at most; more get 503 (default 256;\n"
          "                           0 = unbounded)\n"
          "  --timeout-ms N           a request queued longer fails with 503 (default 0 = never)\n"
          "  --no-batching            run every request alone\n"
          "  --threads N              intra-op threads of the runtime (default 0 = all cores)\n"
          "  --http-threads N         HTTP worker threads (default 2)\n"
          "  --max-body-bytes N       larger request bodies get 413 (default 67108864)\n"
          "  --vocab-size N           input_ids must be in [0, N) (default: the size of the\n"
          "                           embedding they index; 0 = leave the check to the model)\n"
          "  --idle-timeout-s N       close connections silent this long (default 60)\n"
          "  --providers LIST         execution providers, e.g. cpu,ref (default: all)\n"
          "  --remove-padding         let the runtime skip padded tokens (attention_mask 0)\n\n"
          "SIGTERM or SIGINT stops accepting, finishes the requests in flight and exits 0.\n");
}

/* Parses a decimal integer in [lo, hi] into *out; false with a message when it is not one. */
static bool parse_int(const char *opt, const char *v, long long lo, long long hi, long long *out) {
  char *end = NULL;
  errno = 0;
  long long x = v ? strtoll(v, &end, 10) : 0;
  if (!v || !*v || *end || errno || x < lo || x > hi) {
    fprintf(stderr, "tinyrt serve: %s needs an integer in [%lld, %lld], got '%s'\n", opt, lo, hi,
            v ? v : "");
    return false;
  }
  *out = x;
  return true;
}

/* "models/bert-tiny/model.onnx" -> "bert-tiny"; "x/mini.onnx" -> "mini". */
static void default_name(const char *path, char *out, size_t len) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strlen(base);
  if (n > 5 && !strcmp(base + n - 5, ".onnx")) n -= 5;
  if (n == 5 && !strncmp(base, "model", 5) && base > path + 1) {
    const char *end = base - 1; /* the '/' before the file */
    const char *start = end;
    while (start > path && start[-1] != '/') start--;
    if (end > start && !(end - start == 1 && *start == '.')) {
      base = start;
      n = (size_t)(end - start);
    }
  }
  snprintf(out, len, "%.*s", (int)n, base);
}

static bool valid_name(const char *s) {
  if (!*s) return false;
  for (const char *p = s; *p; p++)
    if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') &&
        *p != '-' && *p != '_' && *p != '.')
      return false;
  return true;
}

int cmd_serve(int argc, char **argv) {
  trt_srv_server_opts so;
  trt_srv_server_opts_init(&so);
  tinyrt_options ro;
  tinyrt_options_init(&ro);
  const char *model_path = NULL, *model_name = NULL;
  long long vocab = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    long long x = 0;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--no-batching")) {
      so.batch.no_batching = true;
      continue;
    } else if (!strcmp(a, "--remove-padding")) {
      ro.remove_padding = 1;
      continue;
    } else if (a[0] != '-' || !a[1]) {
      if (model_path) {
        fprintf(stderr, "tinyrt serve: more than one model given ('%s', '%s')\n", model_path, a);
        return 2;
      }
      model_path = a;
      continue;
    }
    if (!v) {
      fprintf(stderr, "tinyrt serve: %s needs a value\n", a);
      return 2;
    }
    i++;
    if (!strcmp(a, "--host")) {
      so.host = v;
    } else if (!strcmp(a, "--model-name")) {
      model_name = v;
    } else if (!strcmp(a, "--providers")) {
      ro.providers = v;
    } else if (!strcmp(a, "--port")) {
      if (!parse_int(a, v, 0, 65535, &x)) return 2;
      so.port = (int)x;
    } else if (!strcmp(a, "--max-batch")) {
      if (!parse_int(a, v, 1, 4096, &x)) return 2;
      so.batch.max_batch = (int)x;
    } else if (!strcmp(a, "--max-queue-delay-us")) {
      if (!parse_int(a, v, 0, 60000000, &x)) return 2;
      so.batch.max_queue_delay_us = x;
    } else if (!strcmp(a, "--max-queue")) {
      if (!parse_int(a, v, 0, 1000000, &x)) return 2;
      so.batch.max_queue = (int)x;
    } else if (!strcmp(a, "--timeout-ms")) {
      if (!parse_int(a, v, 0, 3600000, &x)) return 2;
      so.batch.timeout_us = x * 1000;
    } else if (!strcmp(a, "--threads")) {
      if (!parse_int(a, v, 0, 1024, &x)) return 2;
      ro.threads = (int)x;
    } else if (!strcmp(a, "--http-threads")) {
      if (!parse_int(a, v, 1, 256, &x)) return 2;
      so.http_threads = (int)x;
    } else if (!strcmp(a, "--max-body-bytes")) {
      if (!parse_int(a, v, 1, (long long)1 << 40, &x)) return 2;
      so.max_body_bytes = (size_t)x;
    } else if (!strcmp(a, "--vocab-size")) {
      if (!parse_int(a, v, 0, INT32_MAX, &x)) return 2;
      vocab = x;
    } else if (!strcmp(a, "--idle-timeout-s")) {
      if (!parse_int(a, v, 0, 86400, &x)) return 2;
      so.idle_timeout_s = (int)x;
    } else {
      fprintf(stderr, "tinyrt serve: unknown option '%s'\n\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (!model_path) {
    usage(stderr);
    return 2;
  }
  char name[256];
  if (model_name)
    snprintf(name, sizeof name, "%s", model_name);
  else
    default_name(model_path, name, sizeof name);
  if (!valid_name(name)) {
    fprintf(stderr, "tinyrt serve: model name '%s' must be letters, digits, '-', '_' or '.'"
            " (set one with --model-name)\n", name);
    return 2;
  }
  so.model_name = name;

  /* Signals are taken synchronously by this thread (sigwait): block them before any thread
   * starts so that every thread inherits the mask. A client that hangs up must not kill the
   * server through SIGPIPE. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);

  int status = 1;
  trt_srv_model model = {0};
  trt_srv_server *server = NULL;
  trt_srv_sig sig;
  tinyrt_error err = {0};
  char warning[400];
  if (trt_srv_model_open_tinyrt(model_path, &ro, &model, &err) != TINYRT_OK) {
    fprintf(stderr, "tinyrt serve: %s: %s\n", model_path, err.message);
    goto done;
  }
  if (trt_srv_sig_build(&model, &sig, warning, sizeof warning, &err) != TINYRT_OK) {
    fprintf(stderr, "tinyrt serve: %s: %s\n", model_path, err.message);
    goto done;
  }
  if (warning[0]) fprintf(stderr, "tinyrt serve: warning: %s\n", warning);
  if (vocab >= 0) {
    if (sig.ids_input < 0)
      fprintf(stderr, "tinyrt serve: warning: the model has no integer input_ids; --vocab-size"
              " is ignored\n");
    else
      sig.inputs[sig.ids_input].bound = vocab;
  }
  if (trt_srv_server_start(&so, &model, &sig, &server, &err) != TINYRT_OK) {
    fprintf(stderr, "tinyrt serve: %s\n", err.message);
    goto done;
  }
  bool v6 = strchr(so.host, ':') != NULL;
  printf("tinyrt serve: model '%s' (%d inputs, %d outputs; %s) listening on http://%s%s%s:%d\n",
         name, sig.n_inputs, sig.n_outputs,
         !sig.batchable || so.batch.no_batching ? "one request at a time"
         : sig.ragged ? "dynamic batching, mixed lengths padded"
                      : "dynamic batching",
         v6 ? "[" : "", so.host, v6 ? "]" : "", trt_srv_server_port(server));
  fflush(stdout);
  int sig_no = 0;
  if (sigwait(&stop, &sig_no) != 0) sig_no = 0;
  printf("tinyrt serve: %s received, finishing requests in flight\n",
         sig_no == SIGINT ? "SIGINT" : "SIGTERM");
  fflush(stdout);
  trt_srv_server_shutdown(server, 30000);
  status = 0;
done:
  trt_srv_server_free(server);
  trt_srv_model_close(&model);
  return status;
}
