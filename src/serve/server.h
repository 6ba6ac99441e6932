/* The HTTP front of `tinyrt serve`: libmicrohttpd with a small pool of epoll threads. An
 * inference request is read, parsed and checked on an HTTP thread, then its connection is
 * suspended while the job waits in the batcher, so a handful of threads carry many requests in
 * flight; the batcher resumes the connection when the result is ready. */
#ifndef TRT_SERVE_SERVER_H
#define TRT_SERVE_SERVER_H

#include <stddef.h>

#include "serve/batcher.h"
#include "serve/model.h"

typedef struct trt_srv_server_opts {
  const char *host;       /* address to bind, e.g. "127.0.0.1" or "::1" */
  int port;               /* 0 = any free port (see trt_srv_server_port) */
  const char *model_name; /* the {m} of /v2/models/{m} */
  trt_srv_batcher_opts batch;
  size_t max_body_bytes;  /* larger request bodies get 413 */
  int http_threads;       /* libmicrohttpd worker threads */
  int idle_timeout_s;     /* a connection silent this long is closed (0 = never) */
} trt_srv_server_opts;

void trt_srv_server_opts_init(trt_srv_server_opts *o);

typedef struct trt_srv_server trt_srv_server;

/* Starts serving `model` (described by sig; both must outlive the server). */
int trt_srv_server_start(const trt_srv_server_opts *opts, const trt_srv_model *model,
                         const trt_srv_sig *sig, trt_srv_server **out, tinyrt_error *err);

/* The port the server listens on. */
int trt_srv_server_port(const trt_srv_server *s);

/* Graceful stop: stops accepting connections, answers new requests on open connections with 503,
 * lets the requests in flight finish (up to grace_ms), then stops the threads. */
void trt_srv_server_shutdown(trt_srv_server *s, int grace_ms);

/* Shuts down (if not yet) and releases the server. */
void trt_srv_server_free(trt_srv_server *s);

#endif
