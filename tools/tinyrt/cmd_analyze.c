/* tinyrt analyze: where the time goes in a profile (tinyrt's or ONNX Runtime's). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "analyze/profile.h"
#include "cli.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: tinyrt analyze PROFILE.json [--json] [--html FILE] [--top N] [--preferred EP]\n"
          "\n"
          "Reads a Chrome-trace profile written by `tinyrt bench --profile` or by ONNX Runtime\n"
          "(enableProfiling) and reports total events and duration, runs, session initialization,\n"
          "model loading, session overhead vs node execution, run latency (first run apart),\n"
          "the top ops by time with their layer, time per provider, partitions and fallbacks,\n"
          "and observations with recommendations.\n"
          "\n"
          "  --json          print the analysis as one JSON object instead of text\n"
          "  --html FILE     also write a self-contained HTML page with charts to FILE\n"
          "  --top N         rows in the op and partition tables (default 10, 0 = all)\n"
          "  --preferred EP  the provider the session prefers (default: the provider of fused\n"
          "                  partition nodes, else the one running most nodes); nodes on other\n"
          "                  providers are fallbacks\n"
          "  -h, --help      this help\n");
}

int cmd_analyze(int argc, char **argv) {
  const char *path = NULL, *html = NULL, *preferred = NULL;
  bool json = false;
  size_t top = 10;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--json")) {
      json = true;
    } else if (!strcmp(a, "--html") || !strcmp(a, "--top") || !strcmp(a, "--preferred")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "tinyrt analyze: %s needs a value\n", a);
        return 2;
      }
      const char *v = argv[++i];
      if (!strcmp(a, "--html")) {
        html = v;
      } else if (!strcmp(a, "--preferred")) {
        preferred = v;
      } else {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno || !*v || *end || n < 0) {
          fprintf(stderr, "tinyrt analyze: --top wants a count >= 0, not '%s'\n", v);
          return 2;
        }
        top = (size_t)n;
      }
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "tinyrt analyze: unknown option '%s'\n\n", a);
      usage(stderr);
      return 2;
    } else if (path) {
      fprintf(stderr, "tinyrt analyze: one profile at a time ('%s' and '%s' given)\n", path, a);
      return 2;
    } else {
      path = a;
    }
  }
  if (!path) {
    usage(stderr);
    return 2;
  }

  int rc = 1;
  tinyrt_error err = {0};
  trt_profile prof;
  trt_analysis an;
  trt_analyze_options opt = {.preferred = preferred};
  if (trt_profile_load(path, &prof, &err)) {
    fprintf(stderr, "tinyrt analyze: %s\n", err.message);
    return 1;
  }
  if (trt_analyze(&prof, &opt, &an, &err)) {
    fprintf(stderr, "tinyrt analyze: %s: %s\n", path, err.message);
    goto done_prof;
  }
  if (json ? trt_analysis_write_json(stdout, &an, path, top, &err)
           : trt_analysis_write_text(stdout, &an, path, top)) {
    fprintf(stderr, "tinyrt analyze: cannot write the analysis: %s\n",
            json ? err.message : "write error");
    goto done;
  }
  if (html) {
    if (trt_analysis_write_html(html, &an, path, top, &err)) {
      fprintf(stderr, "tinyrt analyze: %s\n", err.message);
      goto done;
    }
    if (!json) fprintf(stdout, "HTML report: %s\n", html);
  }
  rc = fflush(stdout) ? 1 : 0;
done:
  trt_analysis_free(&an);
done_prof:
  trt_profile_free(&prof);
  return rc;
}
