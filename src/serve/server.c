/* The HTTP server: routing, request bodies, suspend/resume around the batcher, shutdown. */
#include "serve/server.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/common.h"
#include "serve/metrics.h"
#include "serve/protocol.h"

enum route {
  R_NONE,
  R_SERVER_META,
  R_LIVE,
  R_READY,
  R_MODEL_META,
  R_MODEL_READY,
  R_MODEL_CONFIG,
  R_INFER,
  R_METRICS,
  R_STATS,
};

/* Where an inference request stands; moved between threads with atomics. */
enum { ST_NEW, ST_QUEUED, ST_DONE, ST_ORPHAN };

typedef struct conn_req {
  trt_srv_server *srv;
  struct MHD_Connection *conn;
  uint64_t t_arrival_ns;
  int route;
  int early_status; /* an error found from the headers, answered once the body is read */
  char early_msg[300];
  char *body;
  size_t len, cap, discarded;
  bool too_big;
  int64_t header_len;
  trt_srv_request req;
  trt_srv_job job;
  bool binary[TRT_SRV_MAX_IO];
  atomic_int state;
} conn_req;

struct trt_srv_server {
  trt_srv_server_opts opts;
  char *model_name;
  const trt_srv_model *model;
  const trt_srv_sig *sig;
  trt_srv_metrics *metrics;
  trt_srv_batcher *batcher;
  struct MHD_Daemon *daemon;
  MHD_socket quiesced_fd;
  int port;
  /* Orders suspend (HTTP thread) before resume (batcher thread) for the same connection. */
  pthread_mutex_t mu;
  atomic_int inflight; /* requests between their first header and their completion */
  atomic_bool shutting_down;
  bool stopped;
};

void trt_srv_server_opts_init(trt_srv_server_opts *o) {
  memset(o, 0, sizeof *o);
  o->host = "127.0.0.1";
  o->port = 8000;
  o->model_name = "model";
  trt_srv_batcher_opts_init(&o->batch);
  o->max_body_bytes = 64u << 20;
  o->http_threads = 2;
  o->idle_timeout_s = 60;
}

static void conn_req_free(conn_req *r) {
  free(r->body);
  trt_srv_request_free(&r->req);
  trt_srv_job_clear(&r->job);
  free(r);
}

/* --- answering ------------------------------------------------------------------------------- */

static enum MHD_Result send_body(conn_req *r, unsigned status, trt_srv_body *b, const char *ctype) {
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(b->len, b->data, MHD_RESPMEM_MUST_FREE);
  if (!resp) {
    free(b->data);
    return MHD_NO;
  }
  b->data = NULL;
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
  if (b->json_len < b->len) {
    char n[32];
    snprintf(n, sizeof n, "%zu", b->json_len);
    MHD_add_response_header(resp, "Inference-Header-Content-Length", n);
  }
  if (atomic_load(&r->srv->shutting_down))
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
  enum MHD_Result ok = MHD_queue_response(r->conn, status, resp);
  MHD_destroy_response(resp);
  return ok;
}

static void count(conn_req *r, trt_srv_outcome outcome) {
  if (r->route == R_INFER)
    trt_srv_metrics_request(r->srv->metrics, outcome,
                            (double)(trt_now_ns() - r->t_arrival_ns) * 1e-9);
}

static trt_srv_outcome outcome_of_status(unsigned status) {
  return status == 503 ? TRT_SRV_UNAVAILABLE : status >= 500 ? TRT_SRV_ERROR
                                                             : TRT_SRV_BAD_REQUEST;
}

static enum MHD_Result answer_error(conn_req *r, unsigned status, const char *msg,
                                    trt_srv_outcome outcome) {
  trt_srv_body b;
  count(r, outcome);
  if (trt_srv_format_error(msg, &b) != 0) return MHD_NO;
  return send_body(r, status, &b, "application/json");
}

static enum MHD_Result answer_empty(conn_req *r, unsigned status) {
  trt_srv_body b = {malloc(1), 0, 0};
  if (!b.data) return MHD_NO;
  return send_body(r, status, &b, "text/plain");
}

static enum MHD_Result answer_json(conn_req *r, int rc, trt_srv_body *b) {
  if (rc != 0) return answer_error(r, 500, "out of memory", TRT_SRV_ERROR);
  return send_body(r, 200, b, "application/json");
}

/* --- inference ------------------------------------------------------------------------------ */

static void job_done(trt_srv_job *job) {
  conn_req *r = job->user;
  trt_srv_server *s = r->srv;
  pthread_mutex_lock(&s->mu);
  int expected = ST_QUEUED;
  if (atomic_compare_exchange_strong(&r->state, &expected, ST_DONE)) {
    MHD_resume_connection(r->conn);
    pthread_mutex_unlock(&s->mu);
    return; /* r belongs to the connection again and may be freed at any moment */
  }
  pthread_mutex_unlock(&s->mu);
  conn_req_free(r); /* the connection ended while queued: nobody else holds r */
}

/* The connection is suspended while its job waits, so libmicrohttpd does not notice a client
 * that hangs up; a peek at the socket does, and spares the model a batch slot. */
static bool job_gone(trt_srv_job *job) {
  conn_req *r = job->user;
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (!ci) return false;
  char c;
  ssize_t n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;
  return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

static enum MHD_Result answer_job(conn_req *r) {
  trt_srv_server *s = r->srv;
  trt_srv_job *job = &r->job;
  if (job->status == 499) {
    count(r, TRT_SRV_CANCELLED);
    return MHD_NO; /* the client is gone: close */
  }
  if (job->status != 200) return answer_error(r, (unsigned)job->status, job->error, job->outcome);
  trt_srv_body b;
  tinyrt_error err = {0};
  int rc = trt_srv_format_infer(s->sig, s->model_name, &r->req, job->outputs, r->binary, &b, &err);
  trt_srv_job_clear(job);
  if (rc) return answer_error(r, 500, err.message, TRT_SRV_ERROR);
  count(r, TRT_SRV_OK);
  return send_body(r, 200, &b, b.json_len < b.len ? "application/octet-stream"
                                                  : "application/json");
}

static enum MHD_Result handle_infer(conn_req *r) {
  trt_srv_server *s = r->srv;
  int st = atomic_load(&r->state);
  if (st == ST_DONE) return answer_job(r);
  if (st != ST_NEW) return MHD_YES;
  tinyrt_error err = {0};
  int rc = trt_srv_parse_infer(r->body ? r->body : "", r->len, r->header_len, &r->req, &err);
  free(r->body);
  r->body = NULL;
  if (!rc) rc = trt_srv_outputs_select(s->sig, &r->req, r->job.want, r->binary, &err);
  if (!rc)
    rc = trt_srv_sig_check(s->sig, s->model_name, r->req.inputs, r->req.n_inputs, r->job.inputs,
                           &r->job.rows, &r->job.seq_len, &err);
  if (rc == TINYRT_ERR_NOMEM) return answer_error(r, 500, err.message, TRT_SRV_ERROR);
  if (rc) return answer_error(r, 400, err.message, TRT_SRV_BAD_REQUEST);
  r->job.done = job_done;
  r->job.gone = job_gone;
  r->job.user = r;
  pthread_mutex_lock(&s->mu);
  atomic_store(&r->state, ST_QUEUED);
  if (trt_srv_batcher_submit(s->batcher, &r->job) != 0) {
    atomic_store(&r->state, ST_NEW);
    pthread_mutex_unlock(&s->mu);
    return answer_error(r, (unsigned)r->job.status, r->job.error, r->job.outcome);
  }
  /* job_done needs s->mu to resume, so the suspension below always comes first. */
  MHD_suspend_connection(r->conn);
  pthread_mutex_unlock(&s->mu);
  return MHD_YES;
}

/* --- routing -------------------------------------------------------------------------------- */

static bool is_get(const char *method) {
  return !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
}

/* Maps method + path to a route, or sets r->early_status / early_msg (404, 405). */
static int route_of(conn_req *r, const char *url, const char *method) {
  const trt_srv_server *s = r->srv;
  char path[512];
  const char *seg[8];
  int n = 0;
  if (strlen(url) >= sizeof path) goto not_found;
  snprintf(path, sizeof path, "%s", url);
  for (char *save = NULL, *t = strtok_r(path, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
    if (n == 8) goto not_found;
    seg[n++] = t;
  }
  int route = R_NONE;
  bool post = false;
  if (n == 1 && !strcmp(seg[0], "metrics")) {
    route = R_METRICS;
  } else if (n >= 1 && !strcmp(seg[0], "v2")) {
    if (n == 1) {
      route = R_SERVER_META;
    } else if (n == 3 && !strcmp(seg[1], "health")) {
      route = !strcmp(seg[2], "live") ? R_LIVE : !strcmp(seg[2], "ready") ? R_READY : R_NONE;
    } else if (n == 3 && !strcmp(seg[1], "models") && !strcmp(seg[2], "stats")) {
      route = R_STATS; /* every model's statistics: ours */
    } else if (n >= 3 && !strcmp(seg[1], "models")) {
      int k = 3;
      const char *version = NULL;
      if (n >= 5 && !strcmp(seg[3], "versions")) {
        version = seg[4];
        k = 5;
      }
      if (n == k)
        route = R_MODEL_META;
      else if (n == k + 1)
        route = !strcmp(seg[k], "ready")    ? R_MODEL_READY
                : !strcmp(seg[k], "config") ? R_MODEL_CONFIG
                : !strcmp(seg[k], "infer")  ? R_INFER
                : !strcmp(seg[k], "stats")  ? R_STATS
                                            : R_NONE;
      if (route != R_NONE && strcmp(seg[2], s->model_name)) {
        r->early_status = 404;
        snprintf(r->early_msg, sizeof r->early_msg, "Request for unknown model: '%.200s' is not"
                 " found", seg[2]);
        return route;
      }
      if (route != R_NONE && version && strcmp(version, "1")) {
        r->early_status = 404;
        snprintf(r->early_msg, sizeof r->early_msg, "Request for unknown model: '%.100s' version"
                 " '%.100s' is not found", seg[2], version);
        return route;
      }
      post = route == R_INFER;
    }
  }
  if (route == R_NONE) goto not_found;
  if (post ? strcmp(method, MHD_HTTP_METHOD_POST) != 0 : !is_get(method)) {
    r->early_status = 405;
    snprintf(r->early_msg, sizeof r->early_msg, "method %.20s is not allowed here; use %s", method,
             post ? "POST" : "GET");
  }
  return route;
not_found:
  r->early_status = 404;
  snprintf(r->early_msg, sizeof r->early_msg, "no endpoint at '%.200s'", url);
  return R_NONE;
}

/* Reads a header holding a non-negative decimal integer; -1 absent, -2 malformed. */
static int64_t header_int(struct MHD_Connection *c, const char *name) {
  const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
  if (!v) return -1;
  int64_t x = 0;
  if (!*v) return -2;
  for (const char *p = v; *p; p++) {
    if (*p < '0' || *p > '9' || x > (INT64_MAX - 9) / 10) return -2;
    x = x * 10 + (*p - '0');
  }
  return x;
}

static enum MHD_Result handle_final(conn_req *r) {
  trt_srv_server *s = r->srv;
  trt_srv_body b;
  if (r->too_big) {
    char msg[160];
    snprintf(msg, sizeof msg, "request body exceeds the limit of %zu bytes",
             s->opts.max_body_bytes);
    return answer_error(r, 413, msg, TRT_SRV_BAD_REQUEST);
  }
  if (r->early_status)
    return answer_error(r, (unsigned)r->early_status, r->early_msg,
                        outcome_of_status((unsigned)r->early_status));
  switch (r->route) {
    case R_SERVER_META: return answer_json(r, trt_srv_format_server_meta(&b), &b);
    case R_LIVE: return answer_empty(r, 200);
    case R_READY:
    case R_MODEL_READY:
      if (atomic_load(&s->shutting_down))
        return answer_error(r, 503, "Server is shutting down", TRT_SRV_UNAVAILABLE);
      return answer_empty(r, 200);
    case R_MODEL_META: return answer_json(r, trt_srv_format_model_meta(s->sig, s->model_name, &b), &b);
    case R_MODEL_CONFIG:
      return answer_json(
          r, trt_srv_format_model_config(s->sig, s->model_name, &s->opts.batch, &b), &b);
    case R_METRICS: {
      size_t len = 0;
      char *text = trt_srv_metrics_render(s->metrics, trt_srv_batcher_queued(s->batcher), &len);
      if (!text) return answer_error(r, 500, "out of memory", TRT_SRV_ERROR);
      b.data = text;
      b.len = b.json_len = len;
      return send_body(r, 200, &b, "text/plain; version=0.0.4; charset=utf-8");
    }
    case R_STATS: {
      trt_srv_stats st;
      trt_srv_metrics_stats(s->metrics, &st);
      return answer_json(r, trt_srv_format_stats(s->model_name, &st, &b), &b);
    }
    case R_INFER: return handle_infer(r);
    default: return answer_error(r, 404, "not found", TRT_SRV_BAD_REQUEST);
  }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls) {
  (void)version;
  trt_srv_server *s = cls;
  conn_req *r = *con_cls;
  if (!r) {
    r = calloc(1, sizeof *r);
    if (!r) return MHD_NO;
    r->srv = s;
    r->conn = conn;
    r->t_arrival_ns = trt_now_ns();
    r->header_len = -1;
    atomic_init(&r->state, ST_NEW);
    *con_cls = r;
    /* Counted before looking at shutting_down, so that shutdown waits for whatever got past. */
    atomic_fetch_add(&s->inflight, 1);
    r->route = route_of(r, url, method);
    if (atomic_load(&s->shutting_down) && !r->early_status) {
      r->early_status = 503;
      snprintf(r->early_msg, sizeof r->early_msg, "Server is shutting down");
    }
    int64_t cl = header_int(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl >= 0 && (uint64_t)cl > s->opts.max_body_bytes) {
      /* Answering before the body is read makes libmicrohttpd close the connection after the
       * response instead of reading the rest. */
      r->too_big = true;
      return handle_final(r);
    }
    if (r->route == R_INFER && !r->early_status) {
      r->header_len = header_int(conn, "Inference-Header-Content-Length");
      if (r->header_len == -2) {
        r->early_status = 400;
        snprintf(r->early_msg, sizeof r->early_msg,
                 "Inference-Header-Content-Length must be a non-negative integer");
      }
      if (cl > 0) {
        r->body = malloc((size_t)cl);
        if (!r->body) return MHD_NO;
        r->cap = (size_t)cl;
      }
    }
    return MHD_YES;
  }
  if (*upload_size) {
    size_t n = *upload_size;
    *upload_size = 0;
    if (r->too_big || r->len + n > s->opts.max_body_bytes) {
      /* A chunked body past the limit: drop it, answer 413 at the end, and cut off a client
       * that keeps sending far beyond. */
      r->too_big = true;
      r->discarded += n;
      return r->discarded > s->opts.max_body_bytes ? MHD_NO : MHD_YES;
    }
    if (r->route != R_INFER || r->early_status) return MHD_YES; /* body not needed */
    if (r->len + n > r->cap) {
      size_t cap = r->cap ? r->cap : 4096;
      while (cap < r->len + n) cap *= 2;
      if (cap > s->opts.max_body_bytes) cap = s->opts.max_body_bytes;
      char *p = realloc(r->body, cap);
      if (!p) return MHD_NO;
      r->body = p;
      r->cap = cap;
    }
    memcpy(r->body + r->len, upload_data, n);
    r->len += n;
    return MHD_YES;
  }
  return handle_final(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)conn;
  (void)toe;
  trt_srv_server *s = cls;
  conn_req *r = *con_cls;
  if (!r) return;
  *con_cls = NULL;
  atomic_fetch_sub(&s->inflight, 1);
  int expected = ST_QUEUED;
  if (atomic_compare_exchange_strong(&r->state, &expected, ST_ORPHAN))
    return; /* still in the batcher: job_done frees it */
  conn_req_free(r);
}

static void on_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  fprintf(stderr, "tinyrt serve: http: ");
  vfprintf(stderr, fmt, ap);
}

/* --- lifecycle ------------------------------------------------------------------------------ */

int trt_srv_server_start(const trt_srv_server_opts *opts, const trt_srv_model *model,
                         const trt_srv_sig *sig, trt_srv_server **out, tinyrt_error *err) {
  *out = NULL;
  if (opts->port < 0 || opts->port > 65535)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "port %d is out of range", opts->port);
  if (opts->http_threads < 1 || opts->max_body_bytes == 0)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "http threads and the body limit must be positive");
  trt_srv_server *s = calloc(1, sizeof *s);
  if (!s) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory starting the server");
  s->opts = *opts;
  s->model = model;
  s->sig = sig;
  s->quiesced_fd = MHD_INVALID_SOCKET;
  atomic_init(&s->inflight, 0);
  atomic_init(&s->shutting_down, false);
  bool mu_ok = pthread_mutex_init(&s->mu, NULL) == 0;
  struct addrinfo *ai = NULL;
  int rc = TINYRT_OK;
  size_t n = strlen(opts->model_name);
  s->model_name = malloc(n + 1);
  s->metrics = trt_srv_metrics_create(opts->model_name);
  if (!mu_ok || !s->model_name || !s->metrics) {
    rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory starting the server");
    goto fail;
  }
  memcpy(s->model_name, opts->model_name, n + 1);
  s->opts.model_name = s->model_name;
  s->opts.host = NULL; /* not kept: only used here */
  rc = trt_srv_batcher_create(model, sig, &opts->batch, s->metrics, &s->batcher, err);
  if (rc) goto fail;

  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  char port[16];
  snprintf(port, sizeof port, "%d", opts->port);
  int gai = getaddrinfo(opts->host, port, &hints, &ai);
  if (gai != 0 || !ai) {
    rc = trt_error(err, TINYRT_ERR_ARGUMENT, "cannot resolve host '%s': %s", opts->host,
                   gai_strerror(gai));
    goto fail;
  }
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
  if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
  s->daemon = MHD_start_daemon(
      flags, (uint16_t)opts->port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_log,
      NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opts->http_threads, MHD_OPTION_CONNECTION_TIMEOUT,
      (unsigned)opts->idle_timeout_s, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
  if (!s->daemon) {
    rc = trt_error(err, TINYRT_ERR_IO, "cannot listen on %s port %d (in use, or not an address of"
                   " this machine?)", opts->host, opts->port);
    goto fail;
  }
  freeaddrinfo(ai);
  ai = NULL;
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
  s->port = di ? di->port : opts->port;
  *out = s;
  return TINYRT_OK;
fail:
  if (ai) freeaddrinfo(ai);
  trt_srv_batcher_destroy(s->batcher);
  trt_srv_metrics_destroy(s->metrics);
  free(s->model_name);
  if (mu_ok) pthread_mutex_destroy(&s->mu);
  free(s);
  return rc;
}

int trt_srv_server_port(const trt_srv_server *s) { return s->port; }

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Waits (polling; shutdown is rare) until no request is in flight or the deadline passes. */
static void wait_idle(trt_srv_server *s, uint64_t deadline_ns) {
  while (atomic_load(&s->inflight) > 0 && trt_now_ns() < deadline_ns) sleep_ms(5);
}

void trt_srv_server_shutdown(trt_srv_server *s, int grace_ms) {
  if (!s || s->stopped) return;
  atomic_store(&s->shutting_down, true);
  s->quiesced_fd = MHD_quiesce_daemon(s->daemon);
  trt_srv_batcher_drain(s->batcher);
  wait_idle(s, trt_now_ns() + (uint64_t)grace_ms * 1000000u);
  /* Past the grace period, whatever is still queued runs now and its connections are resumed;
   * a moment more lets those responses go out before the connections close. */
  trt_srv_batcher_stop(s->batcher);
  wait_idle(s, trt_now_ns() + 1000000000u);
  MHD_stop_daemon(s->daemon);
  s->daemon = NULL;
  if (s->quiesced_fd != MHD_INVALID_SOCKET) close(s->quiesced_fd);
  s->quiesced_fd = MHD_INVALID_SOCKET;
  s->stopped = true;
}

void trt_srv_server_free(trt_srv_server *s) {
  if (!s) return;
  trt_srv_server_shutdown(s, 0);
  trt_srv_batcher_destroy(s->batcher);
  trt_srv_metrics_destroy(s->metrics);
  free(s->model_name);
  pthread_mutex_destroy(&s->mu);
  free(s);
}
