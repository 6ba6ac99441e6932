/* A minimal, strict HTTP/1.1 client for `tinyrt loadgen`: keep-alive connections that write a
 * complete request and read a response with a Content-Length (chunked or length-less responses
 * are refused), one-shot blocking GETs, and non-blocking connections driven by the caller's
 * epoll loop. No pipelining. */
#ifndef TRT_SERVE_HTTPC_H
#define TRT_SERVE_HTTPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A growable byte buffer. */
typedef struct trt_httpc_buf {
  char *p;
  size_t len, cap;
} trt_httpc_buf;

bool trt_httpc_buf_reserve(trt_httpc_buf *b, size_t extra);
bool trt_httpc_buf_put(trt_httpc_buf *b, const void *s, size_t n);
bool trt_httpc_buf_printf(trt_httpc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Where to connect: from "http://HOST:PORT[/...]", "HOST:PORT" or "[IPv6]:PORT". */
typedef struct trt_httpc_target {
  char host[256];
  char port[16];
  struct sockaddr_storage addr;
  socklen_t addr_len;
} trt_httpc_target;

bool trt_httpc_target_parse(const char *url, trt_httpc_target *t);

/* A response head. */
typedef struct trt_httpc_head {
  int status;
  size_t head_len;          /* bytes up to and including the blank line */
  long long content_length;
  bool close;               /* the server will close the connection after this response */
} trt_httpc_head;

#define TRT_HTTPC_MAX_HEAD 16384

/* Parses the head at p[0..len). Returns 1 when complete, 0 when more bytes are needed, -1 when
 * the response is malformed or not one this client reads (no Content-Length, chunked, a head
 * longer than TRT_HTTPC_MAX_HEAD). */
int trt_httpc_parse_head(const char *p, size_t len, trt_httpc_head *h);

/* A connected TCP socket (TCP_NODELAY); non-blocking ones may still be connecting. -1 on
 * failure (errno set). */
int trt_httpc_connect(const trt_httpc_target *t, bool blocking);

/* One blocking GET with a 10 s socket timeout; *body is malloc'd and NUL-terminated. Returns the
 * status, or -1. */
int trt_httpc_get(const trt_httpc_target *t, const char *path, char **body);

/* A non-blocking keep-alive connection in an epoll set (data.ptr = the connection). */
typedef struct trt_httpc_conn {
  int fd;
  int state;
  const trt_httpc_buf *req; /* the complete request being sent (not owned) */
  size_t sent;
  trt_httpc_buf in;         /* the response so far */
  trt_httpc_head head;      /* valid when a step returned 1 */
  uint64_t t_start_ns;
} trt_httpc_conn;

void trt_httpc_conn_init(trt_httpc_conn *c);
/* Starts sending req on c, connecting first when c has no socket. false on failure. */
bool trt_httpc_conn_start(int ep, trt_httpc_conn *c, const trt_httpc_target *t,
                          const trt_httpc_buf *req, uint64_t now_ns);
/* Progress after an epoll event. 1: a response is complete (c->head, body at
 * c->in.p + c->head.head_len); 0: more to come; -1: transport or protocol error. */
int trt_httpc_conn_step(int ep, trt_httpc_conn *c);
/* Closes the socket (the connection can be started again). */
void trt_httpc_conn_close(int ep, trt_httpc_conn *c);
/* Closes and frees the buffer. */
void trt_httpc_conn_free(int ep, trt_httpc_conn *c);

#endif
