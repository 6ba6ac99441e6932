/* The minimal HTTP/1.1 client of tinyrt loadgen. */
#include "serve/httpc.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/time.h>
#include <unistd.h>

bool trt_httpc_buf_reserve(trt_httpc_buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 1024;
  while (cap < b->len + extra) {
    if (cap > SIZE_MAX / 2) return false;
    cap *= 2;
  }
  char *p = realloc(b->p, cap);
  if (!p) return false;
  b->p = p;
  b->cap = cap;
  return true;
}

bool trt_httpc_buf_put(trt_httpc_buf *b, const void *s, size_t n) {
  if (!trt_httpc_buf_reserve(b, n)) return false;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  return true;
}

bool trt_httpc_buf_printf(trt_httpc_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !trt_httpc_buf_reserve(b, (size_t)n + 1)) return false;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return true;
}

bool trt_httpc_target_parse(const char *url, trt_httpc_target *t) {
  memset(t, 0, sizeof *t);
  const char *p = url;
  if (!strncmp(p, "http://", 7))
    p += 7;
  else if (strstr(p, "://"))
    return false; /* https and friends: not this client */
  const char *host_end, *port_start = NULL;
  if (*p == '[') {
    host_end = strchr(p, ']');
    if (!host_end || host_end - p - 1 >= (long)sizeof t->host) return false;
    snprintf(t->host, sizeof t->host, "%.*s", (int)(host_end - p - 1), p + 1);
    if (host_end[1] == ':') port_start = host_end + 2;
  } else {
    host_end = p + strcspn(p, ":/");
    if (host_end - p >= (long)sizeof t->host) return false;
    snprintf(t->host, sizeof t->host, "%.*s", (int)(host_end - p), p);
    if (*host_end == ':') port_start = host_end + 1;
  }
  size_t pl = port_start ? strcspn(port_start, "/") : 0;
  if (pl >= sizeof t->port) return false;
  snprintf(t->port, sizeof t->port, "%.*s", (int)pl, port_start ? port_start : "");
  if (!t->port[0]) snprintf(t->port, sizeof t->port, "80");
  if (!t->host[0]) return false;
  struct addrinfo hints, *ai = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(t->host, t->port, &hints, &ai) != 0 || !ai) return false;
  memcpy(&t->addr, ai->ai_addr, ai->ai_addrlen);
  t->addr_len = ai->ai_addrlen;
  freeaddrinfo(ai);
  return true;
}

static bool digits(const char *v, size_t n, long long *out) {
  long long x = 0;
  if (n == 0 || n > 15) return false;
  for (size_t i = 0; i < n; i++) {
    if (v[i] < '0' || v[i] > '9') return false;
    x = x * 10 + (v[i] - '0');
  }
  *out = x;
  return true;
}

int trt_httpc_parse_head(const char *p, size_t len, trt_httpc_head *h) {
  const char *end = NULL;
  for (size_t i = 3; i < len && i < TRT_HTTPC_MAX_HEAD; i++)
    if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' && p[i - 3] == '\r') {
      end = p + i + 1;
      break;
    }
  if (!end) return len >= TRT_HTTPC_MAX_HEAD ? -1 : 0;
  memset(h, 0, sizeof *h);
  h->head_len = (size_t)(end - p);
  h->content_length = -1;
  /* "HTTP/1.x NNN" */
  if (h->head_len < 14 || strncmp(p, "HTTP/1.", 7) || (p[7] != '0' && p[7] != '1') ||
      p[8] != ' ')
    return -1;
  for (int i = 9; i < 12; i++) {
    if (p[i] < '0' || p[i] > '9') return -1;
    h->status = h->status * 10 + (p[i] - '0');
  }
  if (p[12] != ' ' && p[12] != '\r') return -1;
  h->close = p[7] == '0'; /* HTTP/1.0 closes unless told otherwise; we do not negotiate */
  const char *line = memchr(p, '\n', h->head_len) + 1;
  while (line < end - 2) { /* the last line is the blank one */
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    if (!eol || eol == line || eol[-1] != '\r') return -1;
    const char *colon = memchr(line, ':', (size_t)(eol - line));
    if (!colon || colon == line) return -1;
    size_t nlen = (size_t)(colon - line);
    const char *v = colon + 1;
    while (v < eol && (*v == ' ' || *v == '\t')) v++;
    size_t vlen = (size_t)(eol - 1 - v);
    while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) vlen--;
    if (nlen == 14 && !strncasecmp(line, "Content-Length", 14)) {
      long long x;
      if (!digits(v, vlen, &x) || (h->content_length >= 0 && h->content_length != x)) return -1;
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

int trt_httpc_connect(const trt_httpc_target *t, bool blocking) {
  int fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | (blocking ? 0 : SOCK_NONBLOCK),
                  0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (blocking) {
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  if (connect(fd, (const struct sockaddr *)&t->addr, t->addr_len) != 0 && errno != EINPROGRESS) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

int trt_httpc_get(const trt_httpc_target *t, const char *path, char **body) {
  *body = NULL;
  int fd = trt_httpc_connect(t, true);
  if (fd < 0) return -1;
  trt_httpc_buf req = {0}, b = {0};
  int status = -1;
  if (!trt_httpc_buf_printf(&req, "GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n",
                            path, t->host, t->port) ||
      send(fd, req.p, req.len, MSG_NOSIGNAL) != (ssize_t)req.len)
    goto done;
  /* Bounded: each round reads at least one byte or ends, and bodies we GET are small. */
  for (int rounds = 0; rounds < 1 << 20; rounds++) {
    if (!trt_httpc_buf_reserve(&b, 65536)) goto done;
    ssize_t k = recv(fd, b.p + b.len, b.cap - b.len, 0);
    if (k <= 0) goto done;
    b.len += (size_t)k;
    trt_httpc_head h;
    int ph = trt_httpc_parse_head(b.p, b.len, &h);
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
  free(req.p);
  free(b.p);
  close(fd);
  return status;
}

enum { C_IDLE, C_CONNECTING, C_SENDING, C_RECEIVING };

void trt_httpc_conn_init(trt_httpc_conn *c) {
  memset(c, 0, sizeof *c);
  c->fd = -1;
}

void trt_httpc_conn_close(int ep, trt_httpc_conn *c) {
  if (c->fd >= 0) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
  }
  c->fd = -1;
  c->state = C_IDLE;
  c->in.len = 0;
}

void trt_httpc_conn_free(int ep, trt_httpc_conn *c) {
  trt_httpc_conn_close(ep, c);
  free(c->in.p);
  c->in.p = NULL;
  c->in.cap = 0;
}

static bool watch(int ep, trt_httpc_conn *c, uint32_t events, bool add) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  return epoll_ctl(ep, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c->fd, &ev) == 0;
}

bool trt_httpc_conn_start(int ep, trt_httpc_conn *c, const trt_httpc_target *t,
                          const trt_httpc_buf *req, uint64_t now_ns) {
  c->req = req;
  c->sent = 0;
  c->in.len = 0;
  c->t_start_ns = now_ns;
  if (c->fd < 0) {
    c->fd = trt_httpc_connect(t, false);
    if (c->fd < 0) return false;
    c->state = C_CONNECTING;
    return watch(ep, c, EPOLLOUT, true);
  }
  c->state = C_SENDING;
  return watch(ep, c, EPOLLOUT, false);
}

int trt_httpc_conn_step(int ep, trt_httpc_conn *c) {
  if (c->state == C_CONNECTING) {
    int e = 0;
    socklen_t el = sizeof e;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0 || e != 0) {
      errno = e;
      return -1;
    }
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
    return watch(ep, c, EPOLLIN, false) ? 0 : -1;
  }
  if (c->state != C_RECEIVING) return -1;
  for (;;) {
    if (!trt_httpc_buf_reserve(&c->in, 65536)) return -1;
    ssize_t k = recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len, 0);
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    if (k <= 0) {
      if (k == 0) errno = 0; /* closed by the server */
      return -1;
    }
    c->in.len += (size_t)k;
    int ph = trt_httpc_parse_head(c->in.p, c->in.len, &c->head);
    if (ph < 0) return -1;
    if (ph == 1) {
      size_t total = c->head.head_len + (size_t)c->head.content_length;
      if (c->in.len > total) return -1; /* nothing was asked for beyond this response */
      if (c->in.len == total) {
        c->state = C_IDLE;
        return 1;
      }
    }
  }
}
