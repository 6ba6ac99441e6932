/* tinyrt loadgen URL: keeps N inference requests in flight against an Open Inference Protocol v2
 * server for a while and reports throughput and latency percentiles, as perf_analyzer's
 * concurrency mode does. The HTTP client (src/serve/httpc.c) is minimal and strict: keep-alive
 * connections in one epoll loop, complete requests out, Content-Length responses in. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "serve/httpc.h"

#define N_BODIES 64      /* distinct request bodies, cycled */

typedef struct opts {
  const char *url, *model, *output;
  int concurrency, batch, seq_min, seq_max;
  double duration_s, warmup_s;
  bool json_out, json_tensors;
  unsigned long long seed;
} opts;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: reproducible request contents from --seed. */
static uint64_t rnd(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 2685821657736338717ull;
}

/* --- the model's inputs and the request bodies ----------------------------------------------- */

typedef struct input_desc {
  char name[128];
  char datatype[16];
  int rank;
  long long dims[8];
} input_desc;

static int read_inputs(const trt_httpc_target *t, const opts *o, input_desc *in, int *n_in) {
  char path[512], *body = NULL;
  snprintf(path, sizeof path, "/v2/models/%s", o->model);
  int status = trt_httpc_get(t, path, &body);
  if (status != 200) {
    fprintf(stderr, "tinyrt loadgen: GET %s on %s:%s failed (%s%d)%s%s\n", path, t->host,
            t->port, status < 0 ? "no answer " : "status ", status, body ? ": " : "",
            body ? body : "");
    free(body);
    return -1;
  }
  cJSON *root = cJSON_Parse(body);
  free(body);
  const cJSON *inputs = root ? cJSON_GetObjectItemCaseSensitive(root, "inputs") : NULL;
  int k = 0, rc = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, inputs) {
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(e, "name");
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "datatype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    if (k == 16 || !cJSON_IsString(nm) || !cJSON_IsString(dt) || !cJSON_IsArray(sh) ||
        cJSON_GetArraySize(sh) > 8) {
      rc = -1;
      break;
    }
    snprintf(in[k].name, sizeof in[k].name, "%s", nm->valuestring);
    snprintf(in[k].datatype, sizeof in[k].datatype, "%s", dt->valuestring);
    in[k].rank = 0;
    const cJSON *d;
    cJSON_ArrayForEach(d, sh) in[k].dims[in[k].rank++] = (long long)d->valuedouble;
    if (strcmp(in[k].datatype, "INT64") && strcmp(in[k].datatype, "INT32") &&
        strcmp(in[k].datatype, "FP32")) {
      fprintf(stderr, "tinyrt loadgen: input '%s' has datatype %s; loadgen generates INT64, INT32"
              " and FP32 inputs only\n", in[k].name, in[k].datatype);
      rc = -1;
      break;
    }
    k++;
  }
  if (!inputs || k == 0) rc = -1;
  if (rc && k == 0) fprintf(stderr, "tinyrt loadgen: the model metadata lists no usable inputs\n");
  cJSON_Delete(root);
  *n_in = k;
  return rc;
}

/* Token ids are drawn from [1000, 2000): inside every BERT vocabulary and away from its
 * special tokens. The mask is all ones, token types all zero. */
static double input_value(const input_desc *d, uint64_t *seed) {
  if (strstr(d->name, "mask")) return 1;
  if (strstr(d->name, "type")) return 0;
  if (!strcmp(d->datatype, "FP32")) return (double)(rnd(seed) % 2000) / 1000.0 - 1.0;
  return 1000 + (double)(rnd(seed) % 1000);
}

/* Builds one complete HTTP request (head and body) for a random sequence length. */
static bool build_request(const opts *o, const trt_httpc_target *t, const input_desc *in, int n_in,
                          uint64_t *seed, trt_httpc_buf *out) {
  int len = o->seq_min + (int)(rnd(seed) % (uint64_t)(o->seq_max - o->seq_min + 1));
  cJSON *root = cJSON_CreateObject();
  cJSON *inputs = cJSON_AddArrayToObject(root, "inputs");
  trt_httpc_buf bin = {0};
  bool ok = root && inputs;
  for (int i = 0; ok && i < n_in; i++) {
    long long dims[8], numel = 1;
    for (int d = 0; d < in[i].rank; d++) {
      dims[d] = in[i].dims[d] >= 0 ? in[i].dims[d] : d == 0 ? o->batch : len;
      numel *= dims[d];
    }
    cJSON *e = cJSON_CreateObject();
    ok = e && cJSON_AddItemToArray(inputs, e) && cJSON_AddStringToObject(e, "name", in[i].name) &&
         cJSON_AddStringToObject(e, "datatype", in[i].datatype);
    cJSON *shape = ok ? cJSON_AddArrayToObject(e, "shape") : NULL;
    for (int d = 0; ok && d < in[i].rank; d++)
      ok = shape && cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)dims[d]));
    size_t es = strcmp(in[i].datatype, "INT64") ? 4 : 8;
    if (o->json_tensors) {
      cJSON *data = ok ? cJSON_AddArrayToObject(e, "data") : NULL;
      for (long long k = 0; ok && k < numel; k++)
        ok = data && cJSON_AddItemToArray(data, cJSON_CreateNumber(input_value(&in[i], seed)));
    } else {
      cJSON *p = ok ? cJSON_AddObjectToObject(e, "parameters") : NULL;
      ok = p && cJSON_AddNumberToObject(p, "binary_data_size", (double)((size_t)numel * es));
      for (long long k = 0; ok && k < numel; k++) {
        double v = input_value(&in[i], seed);
        if (!strcmp(in[i].datatype, "INT64")) {
          int64_t x = (int64_t)v;
          ok = trt_httpc_buf_put(&bin, &x, 8);
        } else if (!strcmp(in[i].datatype, "INT32")) {
          int32_t x = (int32_t)v;
          ok = trt_httpc_buf_put(&bin, &x, 4);
        } else {
          float x = (float)v;
          ok = trt_httpc_buf_put(&bin, &x, 4);
        }
      }
    }
  }
  if (ok && o->output) {
    cJSON *outs = cJSON_AddArrayToObject(root, "outputs");
    cJSON *e = cJSON_CreateObject();
    ok = outs && e && cJSON_AddItemToArray(outs, e) &&
         cJSON_AddStringToObject(e, "name", o->output);
    cJSON *p = ok ? cJSON_AddObjectToObject(e, "parameters") : NULL;
    ok = p && cJSON_AddBoolToObject(p, "binary_data", !o->json_tensors);
  } else if (ok && !o->json_tensors) {
    cJSON *p = cJSON_AddObjectToObject(root, "parameters");
    ok = p && cJSON_AddBoolToObject(p, "binary_data_output", 1);
  }
  char *json = ok ? cJSON_PrintUnformatted(root) : NULL;
  cJSON_Delete(root);
  if (!json) {
    free(bin.p);
    return false;
  }
  size_t jl = strlen(json);
  out->len = 0;
  ok = trt_httpc_buf_printf(out, "POST /v2/models/%s/infer HTTP/1.1\r\nHost: %s:%s\r\n", o->model, t->host,
                  t->port);
  if (ok && !o->json_tensors)
    ok = trt_httpc_buf_printf(out, "Content-Type: application/octet-stream\r\n"
                         "Inference-Header-Content-Length: %zu\r\n", jl);
  else if (ok)
    ok = trt_httpc_buf_printf(out, "Content-Type: application/json\r\n");
  ok = ok && trt_httpc_buf_printf(out, "Content-Length: %zu\r\n\r\n", jl + bin.len) &&
       trt_httpc_buf_put(out, json, jl) && (bin.len == 0 || trt_httpc_buf_put(out, bin.p, bin.len));
  free(json);
  free(bin.p);
  return ok;
}

/* --- the load loop --------------------------------------------------------------------------- */

typedef struct results {
  double *lat_ms;
  size_t n, cap;
  long long ok, failed, transport_errors;
  long long status_counts[6]; /* by status class: 0 other, 1xx..5xx */
  char first_error[256];
} results;

static void record(results *r, double ms) {
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 4096;
    double *p = realloc(r->lat_ms, cap * sizeof *p);
    if (!p) return;
    r->lat_ms = p;
    r->cap = cap;
  }
  r->lat_ms[r->n++] = ms;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const double *v, size_t n, double q) {
  if (n == 0) return 0;
  size_t k = (size_t)ceil(q * (double)n);
  return v[k ? k - 1 : 0];
}

/* Sum and count of a Prometheus histogram in the /metrics text. */
static void histo_of(const char *text, const char *name, double *sum, double *count) {
  *sum = *count = 0;
  char key[128];
  for (int which = 0; which < 2 && text; which++) {
    snprintf(key, sizeof key, "%s_%s{", name, which ? "count" : "sum");
    const char *p = strstr(text, key);
    const char *sp = p ? strchr(p, ' ') : NULL;
    if (sp) *(which ? count : sum) = strtod(sp + 1, NULL);
  }
}

typedef struct server_stats {
  double queue_sum, queue_n, compute_sum, compute_n, rows_sum, batches;
  bool ok;
} server_stats;

static server_stats scrape(const trt_httpc_target *t) {
  server_stats s = {0};
  char *text = NULL;
  if (trt_httpc_get(t, "/metrics", &text) == 200) {
    histo_of(text, "tinyrt_queue_duration_seconds", &s.queue_sum, &s.queue_n);
    histo_of(text, "tinyrt_compute_duration_seconds", &s.compute_sum, &s.compute_n);
    histo_of(text, "tinyrt_batch_size", &s.rows_sum, &s.batches);
    s.ok = true;
  }
  free(text);
  return s;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: tinyrt loadgen URL --model NAME [options]\n\n"
          "Keeps N inference requests in flight against a server (e.g. http://127.0.0.1:8000)\n"
          "and reports throughput and latency percentiles.\n\n"
          "  --model NAME          the served model (required)\n"
          "  --concurrency N       requests in flight (default 1)\n"
          "  --duration S          measured seconds (default 10)\n"
          "  --warmup S            unmeasured seconds first (default 1)\n"
          "  --seq-len N | A-B     sequence length, or uniform in [A, B] (default 128)\n"
          "  --batch N             rows per request (default 1)\n"
          "  --output NAME         ask for this output only (default: all)\n"
          "  --json-tensors        send and receive JSON tensors (default: binary tensor data)\n"
          "  --seed N              seed of the request contents (default 1)\n"
          "  --json                print the report as one JSON object\n\n"
          "Exits 0 when every measured request succeeded, 1 otherwise.\n");
}

static bool int_arg(const char *opt, const char *v, long long lo, long long hi, long long *out) {
  char *end = NULL;
  errno = 0;
  long long x = v ? strtoll(v, &end, 10) : 0;
  if (!v || !*v || *end || errno || x < lo || x > hi) {
    fprintf(stderr, "tinyrt loadgen: %s needs an integer in [%lld, %lld]\n", opt, lo, hi);
    return false;
  }
  *out = x;
  return true;
}

static bool num_arg(const char *opt, const char *v, double lo, double hi, double *out) {
  char *end = NULL;
  double x = v ? strtod(v, &end) : 0;
  if (!v || !*v || *end || !(x >= lo && x <= hi)) {
    fprintf(stderr, "tinyrt loadgen: %s needs a number in [%g, %g]\n", opt, lo, hi);
    return false;
  }
  *out = x;
  return true;
}

static int parse_args(int argc, char **argv, opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    long long x;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 1;
    }
    if (!strcmp(a, "--json")) {
      o->json_out = true;
      continue;
    }
    if (!strcmp(a, "--json-tensors")) {
      o->json_tensors = true;
      continue;
    }
    if (a[0] != '-') {
      if (o->url) {
        fprintf(stderr, "tinyrt loadgen: more than one URL given\n");
        return 2;
      }
      o->url = a;
      continue;
    }
    if (!v) {
      fprintf(stderr, "tinyrt loadgen: %s needs a value\n", a);
      return 2;
    }
    i++;
    if (!strcmp(a, "--model")) {
      o->model = v;
    } else if (!strcmp(a, "--output")) {
      o->output = v;
    } else if (!strcmp(a, "--concurrency")) {
      if (!int_arg(a, v, 1, 4096, &x)) return 2;
      o->concurrency = (int)x;
    } else if (!strcmp(a, "--batch")) {
      if (!int_arg(a, v, 1, 4096, &x)) return 2;
      o->batch = (int)x;
    } else if (!strcmp(a, "--seed")) {
      if (!int_arg(a, v, 0, INT64_MAX, &x)) return 2;
      o->seed = (unsigned long long)x;
    } else if (!strcmp(a, "--duration")) {
      if (!num_arg(a, v, 0.1, 86400, &o->duration_s)) return 2;
    } else if (!strcmp(a, "--warmup")) {
      if (!num_arg(a, v, 0, 3600, &o->warmup_s)) return 2;
    } else if (!strcmp(a, "--seq-len")) {
      char *end = NULL;
      long lo = strtol(v, &end, 10), hi = lo;
      if (end && *end == '-') hi = strtol(end + 1, &end, 10);
      if (!end || *end || lo < 1 || hi < lo || hi > 1000000) {
        fprintf(stderr, "tinyrt loadgen: --seq-len needs N or A-B with 1 <= A <= B\n");
        return 2;
      }
      o->seq_min = (int)lo;
      o->seq_max = (int)hi;
    } else {
      fprintf(stderr, "tinyrt loadgen: unknown option '%s'\n\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (!o->url || !o->model) {
    usage(stderr);
    return 2;
  }
  if (strpbrk(o->model, "/?# \r\n")) {
    fprintf(stderr, "tinyrt loadgen: '%s' is not a model name\n", o->model);
    return 2;
  }
  return 0;
}

/* s as a JSON string literal (malloc'd), or NULL. */
static char *json_str(const char *s) {
  cJSON *e = cJSON_CreateString(s);
  char *text = e ? cJSON_PrintUnformatted(e) : NULL;
  cJSON_Delete(e);
  return text;
}

static void report(const opts *o, const results *r, double measured_s, const server_stats *s0,
                   const server_stats *s1) {
  double *v = r->lat_ms;
  size_t n = r->n;
  if (n > 1) qsort(v, n, sizeof *v, cmp_double);
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += v[i];
  double avg = n ? sum / (double)n : 0, mx = n ? v[n - 1] : 0;
  double rps = (double)r->ok / measured_s, ips = rps * o->batch;
  bool have_srv = s0->ok && s1->ok && s1->batches > s0->batches;
  double q_ms = have_srv && s1->queue_n > s0->queue_n
                    ? (s1->queue_sum - s0->queue_sum) / (s1->queue_n - s0->queue_n) * 1e3 : 0;
  double c_ms = have_srv ? (s1->compute_sum - s0->compute_sum) / (s1->batches - s0->batches) * 1e3
                         : 0;
  double rows = have_srv ? (s1->rows_sum - s0->rows_sum) / (s1->batches - s0->batches) : 0;
  if (o->json_out) {
    char *url = json_str(o->url), *model = json_str(o->model);
    printf("{\"url\":%s,\"model\":%s,\"concurrency\":%d,\"batch\":%d,\"seq_len\":[%d,%d],"
           "\"duration_s\":%.3f,\"requests\":%lld,\"failed\":%lld,\"transport_errors\":%lld,"
           "\"throughput_infer_per_s\":%.2f,\"throughput_requests_per_s\":%.2f,"
           "\"latency_ms\":{\"avg\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p95\":%.3f,\"p99\":%.3f,"
           "\"max\":%.3f}",
           url ? url : "\"\"", model ? model : "\"\"", o->concurrency, o->batch, o->seq_min,
           o->seq_max, measured_s, r->ok,
           r->failed, r->transport_errors, ips, rps, avg, pct(v, n, 0.50), pct(v, n, 0.90),
           pct(v, n, 0.95), pct(v, n, 0.99), mx);
    if (have_srv)
      printf(",\"server\":{\"avg_queue_ms\":%.3f,\"avg_compute_ms\":%.3f,\"avg_batch_rows\":%.2f}",
             q_ms, c_ms, rows);
    printf(",\"status_classes\":{\"2xx\":%lld,\"4xx\":%lld,\"5xx\":%lld,\"other\":%lld}",
           r->status_counts[2], r->status_counts[4], r->status_counts[5],
           r->status_counts[0] + r->status_counts[1] + r->status_counts[3]);
    if (r->first_error[0]) {
      char *es = json_str(r->first_error);
      printf(",\"first_error\":%s", es ? es : "\"\"");
      free(es);
    }
    printf("}\n");
    free(url);
    free(model);
    return;
  }
  printf("tinyrt loadgen: %s model %s, concurrency %d, batch %d, seq %d", o->url, o->model,
         o->concurrency, o->batch, o->seq_min);
  if (o->seq_max != o->seq_min) printf("-%d", o->seq_max);
  printf(", %.1f s measured after %.1f s warm-up\n", measured_s, o->warmup_s);
  printf("  requests    %lld ok, %lld failed (%lld transport errors)\n", r->ok, r->failed,
         r->transport_errors);
  printf("  throughput  %.1f infer/s (%.1f requests/s)\n", ips, rps);
  printf("  latency ms  avg %.2f  p50 %.2f  p90 %.2f  p95 %.2f  p99 %.2f  max %.2f\n", avg,
         pct(v, n, 0.50), pct(v, n, 0.90), pct(v, n, 0.95), pct(v, n, 0.99), mx);
  if (have_srv)
    printf("  server      avg queue %.2f ms, avg compute %.2f ms per batch, avg batch %.2f rows\n",
           q_ms, c_ms, rows);
  if (r->first_error[0]) printf("  first error %s\n", r->first_error);
}

int cmd_loadgen(int argc, char **argv) {
  opts o = {0};
  o.concurrency = 1;
  o.batch = 1;
  o.seq_min = o.seq_max = 128;
  o.duration_s = 10;
  o.warmup_s = 1;
  o.seed = 1;
  int pa = parse_args(argc, argv, &o);
  if (pa) return pa == 1 ? 0 : 2;
  trt_httpc_target t;
  if (!trt_httpc_target_parse(o.url, &t)) {
    fprintf(stderr, "tinyrt loadgen: cannot use URL '%s' (expected http://HOST:PORT)\n", o.url);
    return 2;
  }
  input_desc in[16];
  int n_in = 0;
  if (read_inputs(&t, &o, in, &n_in) != 0) return 1;

  int rc = 1, ep = -1;
  trt_httpc_buf bodies[N_BODIES];
  memset(bodies, 0, sizeof bodies);
  trt_httpc_conn *conns = calloc((size_t)o.concurrency, sizeof *conns);
  results res = {0};
  uint64_t seed = o.seed * 0x9E3779B97F4A7C15ull + 1;
  if (!conns) goto done;
  for (int i = 0; i < o.concurrency; i++) trt_httpc_conn_init(&conns[i]);
  for (int i = 0; i < N_BODIES; i++)
    if (!build_request(&o, &t, in, n_in, &seed, &bodies[i])) {
      fprintf(stderr, "tinyrt loadgen: out of memory building requests\n");
      goto done;
    }
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) goto done;

  uint64_t t0 = now_ns();
  uint64_t warm_end = t0 + (uint64_t)(o.warmup_s * 1e9);
  uint64_t end = warm_end + (uint64_t)(o.duration_s * 1e9);
  uint64_t hard_end = end + 60000000000ull; /* stragglers get a minute, then we give up */
  server_stats s0 = {0}, s1 = {0};
  bool scraped0 = false;
  unsigned next_body = 0;
  int active = 0;
  for (int i = 0; i < o.concurrency; i++) {
    if (!trt_httpc_conn_start(ep, &conns[i], &t, &bodies[next_body++ % N_BODIES], now_ns())) {
      fprintf(stderr, "tinyrt loadgen: cannot connect to %s:%s: %s\n", t.host, t.port,
              strerror(errno));
      goto done;
    }
    active++;
  }
  struct epoll_event evs[256];
  while (active > 0) {
    uint64_t now = now_ns();
    if (now >= hard_end) {
      fprintf(stderr, "tinyrt loadgen: %d requests did not finish a minute after the end\n",
              active);
      res.failed += active;
      break;
    }
    if (!scraped0 && now >= warm_end) {
      s0 = scrape(&t); /* blocking, but short: the window starts after it */
      warm_end = now_ns();
      end = warm_end + (uint64_t)(o.duration_s * 1e9);
      hard_end = end + 60000000000ull;
      scraped0 = true;
    }
    uint64_t next = scraped0 ? end : warm_end;
    int timeout_ms = now < next ? (int)((next - now) / 1000000u) + 1 : 10;
    int ne = epoll_wait(ep, evs, 256, timeout_ms);
    if (ne < 0 && errno != EINTR) break;
    for (int k = 0; k < ne; k++) {
      trt_httpc_conn *c = evs[k].data.ptr;
      int st = trt_httpc_conn_step(ep, c);
      if (st == 0) continue;
      uint64_t t_done = now_ns();
      bool in_window = scraped0 && c->t_start_ns >= warm_end && t_done <= end;
      if (st < 0) {
        if (in_window) {
          res.failed++;
          res.transport_errors++;
          if (!res.first_error[0])
            snprintf(res.first_error, sizeof res.first_error, "connection error: %s",
                     errno ? strerror(errno) : "closed by the server");
        }
        trt_httpc_conn_close(ep, c);
      } else {
        int status = c->head.status;
        if (in_window) {
          res.status_counts[status / 100 < 6 ? status / 100 : 0]++;
          if (status == 200) {
            res.ok++;
            record(&res, (double)(t_done - c->t_start_ns) * 1e-6);
          } else {
            res.failed++;
            if (!res.first_error[0]) {
              size_t bl = (size_t)c->head.content_length;
              snprintf(res.first_error, sizeof res.first_error, "status %d: %.*s", status,
                       (int)(bl < 200 ? bl : 200), c->in.p + c->head.head_len);
            }
          }
        }
        if (c->head.close) trt_httpc_conn_close(ep, c);
      }
      if (t_done < end) {
        if (!trt_httpc_conn_start(ep, c, &t, &bodies[next_body++ % N_BODIES], now_ns())) {
          /* cannot reconnect: this slot of concurrency is lost, and says so */
          res.failed++;
          res.transport_errors++;
          if (!res.first_error[0])
            snprintf(res.first_error, sizeof res.first_error, "cannot reconnect: %s",
                     strerror(errno));
          trt_httpc_conn_close(ep, c);
          active--;
        }
      } else {
        trt_httpc_conn_close(ep, c);
        active--;
      }
    }
  }
  uint64_t t_stop = now_ns(), measured_end = t_stop < end ? t_stop : end;
  s1 = scrape(&t);
  double measured_s = measured_end > warm_end ? (double)(measured_end - warm_end) * 1e-9 : 1e-9;
  report(&o, &res, measured_s, &s0, &s1);
  rc = res.failed == 0 && res.ok > 0 ? 0 : 1;
done:
  for (int i = 0; conns && i < o.concurrency; i++) trt_httpc_conn_free(ep, &conns[i]);
  free(conns);
  for (int i = 0; i < N_BODIES; i++) free(bodies[i].p);
  free(res.lat_ms);
  if (ep >= 0) close(ep);
  return rc;
}
