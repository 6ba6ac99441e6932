#include "core/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int trt_error(tinyrt_error *err, int code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->code = code;
  }
  return code;
}

int trt_error_prefix(tinyrt_error *err, int code, const char *fmt, ...) {
  if (!err) return code;
  char prefix[sizeof err->message];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  if (n < 0) return code;
  /* joined is larger than the message so the compiler sees no truncation; we cut it after */
  char joined[2 * sizeof err->message + 4];
  snprintf(joined, sizeof joined, "%s: %s", prefix, err->message);
  memcpy(err->message, joined, sizeof err->message - 1);
  err->message[sizeof err->message - 1] = '\0';
  return code;
}

/* The default allocator gives 64-byte alignment so SIMD kernels can use aligned loads. */
static void *default_alloc(void *user, size_t size) {
  (void)user;
  void *p = NULL;
  if (size == 0) size = 1;
  if (posix_memalign(&p, TRT_ALIGN, size) != 0) return NULL;
  return p;
}

static void default_free(void *user, void *p) {
  (void)user;
  free(p);
}

void trt_alloc_init(trt_alloc *al, const tinyrt_allocator *user) {
  if (user && user->alloc && user->free) {
    al->a = *user;
  } else {
    al->a.alloc = default_alloc;
    al->a.free = default_free;
    al->a.user = NULL;
  }
}

void *trt_malloc(const trt_alloc *al, size_t size) { return al->a.alloc(al->a.user, size); }

void *trt_calloc(const trt_alloc *al, size_t n, size_t size) {
  size_t total;
  if (!trt_mul_size(n, size, &total)) return NULL;
  void *p = trt_malloc(al, total);
  if (p) memset(p, 0, total);
  return p;
}

void *trt_realloc(const trt_alloc *al, void *p, size_t old_size, size_t new_size) {
  void *q = trt_malloc(al, new_size);
  if (!q) return NULL;
  if (p) {
    memcpy(q, p, TRT_MIN(old_size, new_size));
    trt_free(al, p);
  }
  return q;
}

void trt_free(const trt_alloc *al, void *p) {
  if (p) al->a.free(al->a.user, p);
}

struct trt_arena_block {
  trt_arena_block *next;
  size_t size;
  /* data follows, 64-byte aligned because the header is padded to 64 */
};

#define ARENA_HEADER 64
#define ARENA_MIN_BLOCK (64 * 1024)

void trt_arena_init(trt_arena *ar, const trt_alloc *al) {
  ar->al = al;
  ar->head = NULL;
  ar->used = 0;
  ar->cap = 0;
}

void *trt_arena_alloc_uninit(trt_arena *ar, size_t size, size_t align) {
  if (align < 16) align = 16;
  if (align > TRT_ALIGN || (align & (align - 1))) return NULL;
  size_t start = (ar->used + align - 1) & ~(align - 1);
  if (!ar->head || start > ar->cap || size > ar->cap - start) {
    size_t block = size > ARENA_MIN_BLOCK ? size : ARENA_MIN_BLOCK;
    if (block > SIZE_MAX - ARENA_HEADER) return NULL;
    trt_arena_block *b = trt_malloc(ar->al, ARENA_HEADER + block);
    if (!b) return NULL;
    b->next = ar->head;
    b->size = block;
    ar->head = b;
    ar->used = 0;
    ar->cap = block;
    start = 0;
  }
  char *p = (char *)ar->head + ARENA_HEADER + start;
  ar->used = start + size;
  return p;
}

void *trt_arena_alloc_aligned(trt_arena *ar, size_t size, size_t align) {
  void *p = trt_arena_alloc_uninit(ar, size, align);
  if (p) memset(p, 0, size);
  return p;
}

void *trt_arena_alloc(trt_arena *ar, size_t size) { return trt_arena_alloc_aligned(ar, size, 16); }

char *trt_arena_strndup(trt_arena *ar, const char *s, size_t n) {
  if (n == SIZE_MAX) return NULL;
  char *p = trt_arena_alloc_aligned(ar, n + 1, 16);
  if (!p) return NULL;
  if (n) memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *trt_arena_strdup(trt_arena *ar, const char *s) { return trt_arena_strndup(ar, s, strlen(s)); }

void trt_arena_release(trt_arena *ar) {
  trt_arena_block *b = ar->head;
  while (b) {
    trt_arena_block *next = b->next;
    trt_free(ar->al, b);
    b = next;
  }
  ar->head = NULL;
  ar->used = ar->cap = 0;
}

bool trt_mul_size(size_t a, size_t b, size_t *out) {
  if (a && b > SIZE_MAX / a) return false;
  *out = a * b;
  return true;
}

bool trt_mul_i64(int64_t a, int64_t b, int64_t *out) { return !__builtin_mul_overflow(a, b, out); }

uint64_t trt_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t trt_shape_numel(int rank, const int64_t *dims) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0 || !trt_mul_i64(n, dims[i], &n)) return -1;
  }
  return n;
}

char *trt_shape_str(int rank, const int64_t *dims, char *buf, size_t len) {
  size_t off = 0;
  if (len == 0) return buf;
  buf[0] = '\0';
  off += (size_t)snprintf(buf + off, len - off, "[");
  for (int i = 0; i < rank && off < len; i++)
    off += (size_t)snprintf(buf + off, len - off, "%s%lld", i ? "," : "", (long long)dims[i]);
  if (off < len) snprintf(buf + off, len - off, "]");
  return buf;
}

size_t tinyrt_dtype_size(tinyrt_dtype dt) {
  switch (dt) {
    case TINYRT_FLOAT: return 4;
    case TINYRT_UINT8: return 1;
    case TINYRT_INT8: return 1;
    case TINYRT_UINT16: return 2;
    case TINYRT_INT16: return 2;
    case TINYRT_INT32: return 4;
    case TINYRT_INT64: return 8;
    case TINYRT_BOOL: return 1;
    case TINYRT_FLOAT16: return 2;
    case TINYRT_DOUBLE: return 8;
    case TINYRT_UINT32: return 4;
    case TINYRT_UINT64: return 8;
    default: return 0;
  }
}

const char *tinyrt_dtype_name(tinyrt_dtype dt) {
  switch (dt) {
    case TINYRT_FLOAT: return "float";
    case TINYRT_UINT8: return "uint8";
    case TINYRT_INT8: return "int8";
    case TINYRT_UINT16: return "uint16";
    case TINYRT_INT16: return "int16";
    case TINYRT_INT32: return "int32";
    case TINYRT_INT64: return "int64";
    case TINYRT_STRING: return "string";
    case TINYRT_BOOL: return "bool";
    case TINYRT_FLOAT16: return "float16";
    case TINYRT_DOUBLE: return "double";
    case TINYRT_UINT32: return "uint32";
    case TINYRT_UINT64: return "uint64";
    default: return "undefined";
  }
}

const char *tinyrt_code_name(int code) {
  switch (code) {
    case TINYRT_OK: return "ok";
    case TINYRT_ERR_IO: return "i/o error";
    case TINYRT_ERR_MODEL: return "malformed model";
    case TINYRT_ERR_UNSUPPORTED: return "unsupported";
    case TINYRT_ERR_ARGUMENT: return "bad argument";
    case TINYRT_ERR_SHAPE: return "shape mismatch";
    case TINYRT_ERR_NOMEM: return "out of memory";
    case TINYRT_ERR_INTERNAL: return "internal error";
    default: return "unknown error";
  }
}
