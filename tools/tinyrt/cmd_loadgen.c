/* tinyrt loadgen URL: keeps N inference requests in flight against an Open Inference Protocol v2
 * server for a while and reports throughput and latency percentiles, as perf_analyzer's
 * concurrency mode does.
 *
 * The HTTP client is deliberately minimal and strict: HTTP/1.1 keep-alive over non-blocking
 * sockets in one epoll loop; it writes complete requests and reads responses that carry a
 * Content-Length (anything else is counted as an error). */
#define _GNU_SOURCE /* memmem */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define MAX_HEADER 16384 /* bytes of response head we accept */
#define N_BODIES 64      /* distinct request bodies, cycled */

typedef struct opts {
  const char *url, *model, *output;
  int concurrency, batch, seq_min, seq_max;
  double duration_s, warmup_s;
  bool json_out, json_tensors;
  unsigned long long seed;
} opts;

typedef struct target {
  char host[256];
  char port[16];
  struct sockaddr_storage addr;
  socklen_t addr_len;
} target;

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

/* --- a growable buffer ---------------------------------------------------------------------- */

typedef struct buf {
  char *p;
  size_t len, cap;
} buf;

static bool buf_reserve(buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 1024;
  while (cap < b->len + extra) cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p) return false;
  b->p = p;
  b->cap = cap;
  return true;
}

static bool buf_put(buf *b, const void *s, size_t n) {
  if (!buf_reserve(b, n)) return false;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  return true;
}

static bool buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool buf_printf(buf *b, const char *fmt, ...) {
  for (int attempt = 0; attempt < 2; attempt++) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) return false;
    if (b->p && (size_t)n < b->cap - b->len) {
      b->len += (size_t)n;
      return true;
    }
    if (!buf_reserve(b, (size_t)n + 1)) return false;
  }
  return false;
}

/* --- HTTP/1.1 response heads ----------------------------------------------------------------- */

typedef struct resp_head {
  int status;
  size_t head_len;        /* bytes up to and including the blank line */
  long long content_length;
  bool close;
} resp_head;

/* Parses the head in p[0..len). Returns 1 when complete, 0 when more bytes are needed, -1 when
 * the response is not one this client accepts (no Content-Length, chunked, malformed). */
static int parse_head(const char *p, size_t len, resp_head *h) {
  const char *end = NULL;
  for (size_t i = 3; i < len; i++)
    if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r') {
      end = p + i + 1;
      break;
    }
  if (!end) return len > MAX_HEADER ? -1 : 0;
  h->head_len = (size_t)(end - p);
  h->content_length = -1;
  h->close = false;
  if (h->head_len < 12 || strncmp(p, "HTTP/1.", 7) || p[8] != ' ') return -1;
  h->status = 0;
  for (int i = 9; i < 12; i++) {
    if (p[i] < '0' || p[i] > '9') return -1;
    h->status = h->status * 10 + (p[i] - '0');
  }
  if (p[7] == '0') h->close = true; /* HTTP/1.0: no keep-alive unless negotiated; keep it simple */
  const char *line = memchr(p, '\n', h->head_len) + 1;
  while (line < end - 2) {
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    const char *colon = memchr(line, ':', (size_t)(eol - line));
    if (!eol || !colon) return -1;
    size_t nlen = (size_t)(colon - line);
    const char *v = colon + 1;
    while (v < eol && (*v == ' ' || *v == '\t')) v++;
    size_t vlen = (size_t)(eol - v);
    while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == ' ')) vlen--;
    if (nlen == 14 && !strncasecmp(line, "Content-Length", 14)) {
      long long x = 0;
      if (vlen == 0 || vlen > 15) return -1;
      for (size_t i = 0; i < vlen; i++) {
        if (v[i] < '0' || v[i] > '9') return -1;
        x = x * 10 + (v[i] - '0');
      }
      h->content_length = x;
    } else if (nlen == 17 && !strncasecmp(line, "Transfer-Encoding", 17)) {
      return -1;
    } else if (nlen == 10 && !strncasecmp(line, "Connection", 10)) {
      if (vlen == 5 && !strncasecmp(v, "close", 5)) h->close = true;
    }
    line = eol + 1;
  }
  return h->content_length >= 0 ? 1 : -1;
}

static int connect_to(const target *t, bool blocking) {
  int fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | (blocking ? 0 : SOCK_NONBLOCK), 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (blocking) {
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  if (connect(fd, (const struct sockaddr *)&t->addr, t->addr_len) != 0 && errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  return fd;
}

/* One blocking GET; *body is malloc'd (NUL-terminated). Returns the status, or -1. */
static int http_get(const target *t, const char *path, char **body) {
  *body = NULL;
  int fd = connect_to(t, true);
  if (fd < 0) return -1;
  char req[768];
  int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n",
                   path, t->host, t->port);
  buf b = {0};
  int status = -1;
  if (n < 0 || (size_t)n >= sizeof req || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) goto done;
  resp_head h;
  for (int rounds = 0; rounds < 100000; rounds++) {
    if (!buf_reserve(&b, 65536)) goto done;
    ssize_t k = recv(fd, b.p + b.len, b.cap - b.len, 0);
    if (k <= 0) goto done;
    b.len += (size_t)k;
    int ph = parse_head(b.p, b.len, &h);
    if (ph < 0) goto done;
    if (ph == 1 && b.len >= h.head_len + (size_t)h.content_length) {
      *body = malloc((size_t)h.content_length + 1);
      if (!*body) goto done;
      memcpy(*body, b.p + h.head_len, (size_t)h.content_length);
      (*body)[h.content_length] = '\0';
      status = h.status;
      break;
    }
  }
done:
  free(b.p);
  close(fd);
  return status;
}

/* --- the model's inputs and the request bodies ----------------------------------------------- */

typedef struct input_desc {
  char name[128];
  char datatype[16];
  int rank;
  long long dims[8];
} input_desc;

static int read_inputs(const target *t, const opts *o, input_desc *in, int *n_in) {
  char path[512], *body = NULL;
  snprintf(path, sizeof path, "/v2/models/%s", o->model);
  int status = http_get(t, path, &body);
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
static bool build_request(const opts *o, const target *t, const input_desc *in, int n_in,
                          uint64_t *seed, buf *out) {
  int len = o->seq_min + (int)(rnd(seed) % (uint64_t)(o->seq_max - o->seq_min + 1));
  cJSON *root = cJSON_CreateObject();
  cJSON *inputs = cJSON_AddArrayToObject(root, "inputs");
  buf bin = {0};
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
          ok = buf_put(&bin, &x, 8);
        } else if (!strcmp(in[i].datatype, "INT32")) {
          int32_t x = (int32_t)v;
          ok = buf_put(&bin, &x, 4);
        } else {
          float x = (float)v;
          ok = buf_put(&bin, &x, 4);
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
  ok = buf_printf(out, "POST /v2/models/%s/infer HTTP/1.1\r\nHost: %s:%s\r\n", o->model, t->host,
                  t->port);
  if (ok && !o->json_tensors)
    ok = buf_printf(out, "Content-Type: application/octet-stream\r\n"
                         "Inference-Header-Content-Length: %zu\r\n", jl);
  else if (ok)
    ok = buf_printf(out, "Content-Type: application/json\r\n");
  ok = ok && buf_printf(out, "Content-Length: %zu\r\n\r\n", jl + bin.len) &&
       buf_put(out, json, jl) && (bin.len == 0 || buf_put(out, bin.p, bin.len));
  free(json);
  free(bin.p);
  return ok;
}

/* --- the load loop --------------------------------------------------------------------------- */

enum { C_IDLE, C_CONNECTING, C_SENDING, C_RECEIVING };

typedef struct lconn {
  int fd;
  int state;
  const buf *req;
  size_t sent;
  buf in;
  uint64_t t_start;
} lconn;

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

static void conn_close(int ep, lconn *c) {
  if (c->fd >= 0) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
  }
  c->fd = -1;
  c->state = C_IDLE;
  c->in.len = 0;
}

static bool conn_watch(int ep, lconn *c, uint32_t events, bool add) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  return epoll_ctl(ep, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c->fd, &ev) == 0;
}

/* Starts the next request on c, connecting first when needed. */
static bool conn_start(int ep, lconn *c, const target *t, const buf *req) {
  c->req = req;
  c->sent = 0;
  c->in.len = 0;
  c->t_start = now_ns();
  if (c->fd < 0) {
    c->fd = connect_to(t, false);
    if (c->fd < 0) return false;
    c->state = C_CONNECTING;
    return conn_watch(ep, c, EPOLLOUT, true);
  }
  c->state = C_SENDING;
  return conn_watch(ep, c, EPOLLOUT, false);
}

/* Progress on c after an event. Returns 1 when a response completed (status in *status), 0 when
 * more is to come, -1 on a transport error. */
static int conn_step(int ep, lconn *c, int *status, bool *keep) {
  if (c->state == C_CONNECTING) {
    int e = 0;
    socklen_t el = sizeof e;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0 || e != 0) return -1;
    c->state = C_SENDING;
  }
  if (c->state == C_SENDING) {
    while (c->sent < c->req->len) {
      ssize_t k = send(c->fd, c->req->p + c->sent, c->req->len - c->sent, MSG_NOSIGNAL);
      if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
      if (k <= 0) return -1;
      c->sent += (size_t)k;
    }
    c->state = C_RECEIVING;
    if (!conn_watch(ep, c, EPOLLIN, false)) return -1;
    return 0;
  }
  for (;;) {
    if (!buf_reserve(&c->in, 65536)) return -1;
    ssize_t k = recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len, 0);
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    if (k <= 0) return -1;
    c->in.len += (size_t)k;
    resp_head h;
    int ph = parse_head(c->in.p, c->in.len, &h);
    if (ph < 0) return -1;
    if (ph == 1) {
      size_t total = h.head_len + (size_t)h.content_length;
      if (c->in.len > total) return -1; /* we never pipeline, so nothing may follow */
      if (c->in.len == total) {
        *status = h.status;
        *keep = !h.close;
        return 1;
      }
    }
  }
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

static server_stats scrape(const target *t) {
  server_stats s = {0};
  char *text = NULL;
  if (http_get(t, "/metrics", &text) == 200) {
    histo_of(text, "tinyrt_queue_duration_seconds", &s.queue_sum, &s.queue_n);
    histo_of(text, "tinyrt_compute_duration_seconds", &s.compute_sum, &s.compute_n);
    histo_of(text, "tinyrt_batch_size", &s.rows_sum, &s.batches);
    s.ok = true;
  }
  free(text);
  return s;
}

static bool parse_target(const char *url, target *t) {
  const char *p = url;
  if (!strncmp(p, "http://", 7)) p += 7;
  else if (strstr(p, "://")) return false;
  const char *host_end, *port_start = NULL;
  if (*p == '[') {
    host_end = strchr(p, ']');
    if (!host_end) return false;
    snprintf(t->host, sizeof t->host, "%.*s", (int)(host_end - p - 1), p + 1);
    if (host_end[1] == ':') port_start = host_end + 2;
  } else {
    host_end = p + strcspn(p, ":/");
    snprintf(t->host, sizeof t->host, "%.*s", (int)(host_end - p), p);
    if (*host_end == ':') port_start = host_end + 1;
  }
  size_t pl = port_start ? strcspn(port_start, "/") : 0;
  snprintf(t->port, sizeof t->port, "%.*s", (int)pl, port_start ? port_start : "");
  if (!t->port[0]) snprintf(t->port, sizeof t->port, "80");
  if (!t->host[0]) return false;
  struct addrinfo hints = {0}, *ai = NULL;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(t->host, t->port, &hints, &ai) != 0 || !ai) return false;
  memcpy(&t->addr, ai->ai_addr, ai->ai_addrlen);
  t->addr_len = ai->ai_addrlen;
  freeaddrinfo(ai);
  return true;
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
  target t;
  memset(&t, 0, sizeof t);
  if (!parse_target(o.url, &t)) {
    fprintf(stderr, "tinyrt loadgen: cannot use URL '%s' (expected http://HOST:PORT)\n", o.url);
    return 2;
  }
  input_desc in[16];
  int n_in = 0;
  if (read_inputs(&t, &o, in, &n_in) != 0) return 1;

  int rc = 1, ep = -1;
  buf bodies[N_BODIES];
  memset(bodies, 0, sizeof bodies);
  lconn *conns = calloc((size_t)o.concurrency, sizeof *conns);
  results res = {0};
  uint64_t seed = o.seed * 0x9E3779B97F4A7C15ull + 1;
  if (!conns) goto done;
  for (int i = 0; i < N_BODIES; i++)
    if (!build_request(&o, &t, in, n_in, &seed, &bodies[i])) {
      fprintf(stderr, "tinyrt loadgen: out of memory building requests\n");
      goto done;
    }
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) goto done;
  for (int i = 0; i < o.concurrency; i++) conns[i].fd = -1;

  uint64_t t0 = now_ns();
  uint64_t warm_end = t0 + (uint64_t)(o.warmup_s * 1e9);
  uint64_t end = warm_end + (uint64_t)(o.duration_s * 1e9);
  uint64_t hard_end = end + 60000000000ull; /* stragglers get a minute, then we give up */
  server_stats s0 = {0}, s1 = {0};
  bool scraped0 = false;
  unsigned next_body = 0;
  int active = 0;
  for (int i = 0; i < o.concurrency; i++) {
    if (!conn_start(ep, &conns[i], &t, &bodies[next_body++ % N_BODIES])) {
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
      lconn *c = evs[k].data.ptr;
      int status = 0;
      bool keep = true;
      int st = conn_step(ep, c, &status, &keep);
      if (st == 0) continue;
      uint64_t t_done = now_ns();
      bool in_window = scraped0 && c->t_start >= warm_end && t_done <= end;
      if (st < 0) {
        if (in_window) {
          res.failed++;
          res.transport_errors++;
          if (!res.first_error[0])
            snprintf(res.first_error, sizeof res.first_error, "connection error: %s",
                     errno ? strerror(errno) : "closed by the server");
        }
        conn_close(ep, c);
      } else {
        if (in_window) {
          res.status_counts[status / 100 < 6 ? status / 100 : 0]++;
          if (status == 200) {
            res.ok++;
            record(&res, (double)(t_done - c->t_start) * 1e-6);
          } else {
            res.failed++;
            if (!res.first_error[0]) {
              const char *body = memmem(c->in.p, c->in.len, "\r\n\r\n", 4);
              size_t bl = body ? c->in.len - (size_t)(body + 4 - c->in.p) : 0;
              snprintf(res.first_error, sizeof res.first_error, "status %d: %.*s", status,
                       (int)(bl < 200 ? bl : 200), body ? body + 4 : "");
            }
          }
        }
        if (!keep) conn_close(ep, c);
      }
      if (t_done < end) {
        if (!conn_start(ep, c, &t, &bodies[next_body++ % N_BODIES])) {
          /* cannot reconnect: this slot of concurrency is lost, and says so */
          res.failed++;
          res.transport_errors++;
          if (!res.first_error[0])
            snprintf(res.first_error, sizeof res.first_error, "cannot reconnect: %s",
                     strerror(errno));
          conn_close(ep, c);
          active--;
        }
      } else {
        conn_close(ep, c);
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
  for (int i = 0; conns && i < o.concurrency; i++) {
    if (conns[i].fd >= 0) close(conns[i].fd);
    free(conns[i].in.p);
  }
  free(conns);
  for (int i = 0; i < N_BODIES; i++) free(bodies[i].p);
  free(res.lat_ms);
  if (ep >= 0) close(ep);
  return rc;
}
