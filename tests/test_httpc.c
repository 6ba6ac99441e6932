/* The load generator's HTTP/1.1 client: response heads (strictness), URLs, and one exchange each
 * through the blocking GET and the epoll-driven connection against a canned loopback server. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve/httpc.h"
#include "testutil.h"

static int head(const char *text, trt_httpc_head *h) {
  return trt_httpc_parse_head(text, strlen(text), h);
}

static void test_heads(void) {
  trt_httpc_head h;
  const char *ok = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 12\r\n\r\n";
  CHECK_EQ_INT(head(ok, &h), 1);
  CHECK_EQ_INT(h.status, 200);
  CHECK_EQ_INT(h.content_length, 12);
  CHECK_EQ_INT(h.head_len, strlen(ok));
  CHECK(!h.close);
  /* incomplete heads need more bytes */
  CHECK_EQ_INT(trt_httpc_parse_head(ok, strlen(ok) - 1, &h), 0);
  CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\n", &h), 0);
  CHECK_EQ_INT(head("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0"
                    "\r\n\r\n", &h), 1);
  CHECK(h.close && h.status == 503 && h.content_length == 0);
  CHECK_EQ_INT(head("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", &h), 1);
  CHECK(h.close);
  /* what this client refuses */
  CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\n\r\n", &h), -1);                           /* no length */
  CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &h), -1);
  CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", &h), -1);
  CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", &h), -1);
  CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", &h), -1);
  CHECK_EQ_INT(head("HTTP/2.0 200 OK\r\nContent-Length: 1\r\n\r\n", &h), -1);
  CHECK_EQ_INT(head("HTTP/1.1 2x0 OK\r\nContent-Length: 1\r\n\r\n", &h), -1);
  CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", &h), -1);
  CHECK_EQ_INT(head("HTTP/1.1 200 OK\r\nA: b\nContent-Length: 1\r\n\r\n", &h), -1); /* bare LF */
  char big[TRT_HTTPC_MAX_HEAD + 64];
  memset(big, 'a', sizeof big);
  memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
  CHECK_EQ_INT(trt_httpc_parse_head(big, sizeof big, &h), -1); /* endless head */
}

static void test_targets(void) {
  trt_httpc_target t;
  CHECK(trt_httpc_target_parse("http://127.0.0.1:8000", &t));
  CHECK(!strcmp(t.host, "127.0.0.1") && !strcmp(t.port, "8000"));
  CHECK(t.addr.ss_family == AF_INET);
  CHECK(trt_httpc_target_parse("127.0.0.1:9/v2/ignored", &t));
  CHECK(!strcmp(t.port, "9"));
  CHECK(trt_httpc_target_parse("http://[::1]:8001", &t));
  CHECK(!strcmp(t.host, "::1") && !strcmp(t.port, "8001") && t.addr.ss_family == AF_INET6);
  CHECK(trt_httpc_target_parse("http://127.0.0.1", &t));
  CHECK(!strcmp(t.port, "80"));
  CHECK(!trt_httpc_target_parse("https://127.0.0.1:443", &t));
  CHECK(!trt_httpc_target_parse("http://", &t));
  CHECK(!trt_httpc_target_parse("http://[::1", &t));
}

/* A loopback server that answers each of `n` connections with one canned response. */
typedef struct canned {
  int listen_fd;
  int n;
  const char *response;
  char request[1024]; /* the last request head received */
} canned;

static void *serve_canned(void *arg) {
  canned *c = arg;
  for (int i = 0; i < c->n; i++) {
    int fd = accept(c->listen_fd, NULL, NULL);
    if (fd < 0) break;
    size_t got = 0;
    while (got + 1 < sizeof c->request) {
      ssize_t k = recv(fd, c->request + got, sizeof c->request - 1 - got, 0);
      if (k <= 0) break;
      got += (size_t)k;
      c->request[got] = '\0';
      if (strstr(c->request, "\r\n\r\n")) break;
    }
    size_t len = strlen(c->response);
    if (send(fd, c->response, len, MSG_NOSIGNAL) != (ssize_t)len) {
      close(fd);
      break;
    }
    close(fd);
  }
  return NULL;
}

static int listen_loopback(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *port = ntohs(a.sin_port);
  return fd;
}

static void test_exchanges(void) {
  canned c = {.n = 2, .response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"};
  int port = 0;
  c.listen_fd = listen_loopback(&port);
  CHECK(c.listen_fd >= 0);
  if (c.listen_fd < 0) return;
  pthread_t th;
  CHECK_EQ_INT(pthread_create(&th, NULL, serve_canned, &c), 0);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
  trt_httpc_target t;
  CHECK(trt_httpc_target_parse(url, &t));
  char *body = NULL;
  CHECK_EQ_INT(trt_httpc_get(&t, "/metrics", &body), 200);
  CHECK(body && !strcmp(body, "hello"));
  free(body);
  CHECK(strncmp(c.request, "GET /metrics HTTP/1.1\r\n", 23) == 0);

  /* the same through a non-blocking connection in an epoll loop */
  int ep = epoll_create1(0);
  trt_httpc_conn conn;
  trt_httpc_conn_init(&conn);
  trt_httpc_buf req = {0};
  CHECK(trt_httpc_buf_printf(&req, "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s",
                             2, "{}"));
  CHECK(trt_httpc_conn_start(ep, &conn, &t, &req, 0));
  int st = 0;
  for (int rounds = 0; rounds < 1000 && st == 0; rounds++) {
    struct epoll_event ev;
    if (epoll_wait(ep, &ev, 1, 10000) != 1) break;
    st = trt_httpc_conn_step(ep, (trt_httpc_conn *)ev.data.ptr);
  }
  CHECK_EQ_INT(st, 1);
  CHECK_EQ_INT(conn.head.status, 200);
  CHECK(conn.in.len == conn.head.head_len + 5 && !memcmp(conn.in.p + conn.head.head_len, "hello", 5));
  CHECK(strstr(c.request, "POST /x HTTP/1.1") == c.request);
  trt_httpc_conn_free(ep, &conn);
  free(req.p);
  close(ep);
  pthread_join(th, NULL);
  close(c.listen_fd);
}

int main(void) {
  test_heads();
  test_targets();
  test_exchanges();
  return test_finish();
}
