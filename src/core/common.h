/* Internal basics shared by every part of tinyrt: errors, allocation, a bump arena, timing. */
#ifndef TRT_COMMON_H
#define TRT_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tinyrt.h"

#define TRT_MAX_RANK TINYRT_MAX_RANK
#define TRT_ALIGN 64

/* Internal status returned by shape inference when an output shape depends on the *value* of an
 * input that is not known yet (it is only known at run time). Never returned to API callers. */
#define TRT_NEED_VALUE 100

#define TRT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define TRT_MIN(a, b) ((a) < (b) ? (a) : (b))
#define TRT_MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define TRT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TRT_PRINTF(f, a)
#endif

/* Records code and a formatted message into err (which may be NULL); returns code, so that
 * `return trt_error(err, TINYRT_ERR_MODEL, "...")` reads naturally. */
int trt_error(tinyrt_error *err, int code, const char *fmt, ...) TRT_PRINTF(3, 4);
/* Prefixes err->message with "<prefix>: " (for adding context on the way up); returns code, the
 * failure being passed up, which err cannot give back when it is NULL. */
int trt_error_prefix(tinyrt_error *err, int code, const char *fmt, ...) TRT_PRINTF(3, 4);

/* The allocator every part of a session uses. 64-byte aligned. */
typedef struct trt_alloc {
  tinyrt_allocator a;
} trt_alloc;

void trt_alloc_init(trt_alloc *al, const tinyrt_allocator *user); /* user NULL: malloc/free */
void *trt_malloc(const trt_alloc *al, size_t size);                /* NULL on failure */
void *trt_calloc(const trt_alloc *al, size_t n, size_t size);      /* overflow-checked, zeroed */
void *trt_realloc(const trt_alloc *al, void *p, size_t old_size, size_t new_size);
void trt_free(const trt_alloc *al, void *p);

/* A bump arena for things that live as long as their owner (graph names, attribute arrays).
 * Blocks come from the allocator; everything is released at once by trt_arena_release. */
typedef struct trt_arena_block trt_arena_block;
typedef struct trt_arena {
  const trt_alloc *al;
  trt_arena_block *head;
  size_t used, cap;
} trt_arena;

void trt_arena_init(trt_arena *ar, const trt_alloc *al);
void *trt_arena_alloc(trt_arena *ar, size_t size);  /* 16-byte aligned, zeroed; NULL on failure */
void *trt_arena_alloc_aligned(trt_arena *ar, size_t size, size_t align);
/* Same, not zeroed: for memory about to be overwritten whole (a 15 MB weight copy should fault its
 * pages in once, while copying, not twice). */
void *trt_arena_alloc_uninit(trt_arena *ar, size_t size, size_t align);
char *trt_arena_strndup(trt_arena *ar, const char *s, size_t n); /* NUL-terminates */
char *trt_arena_strdup(trt_arena *ar, const char *s);
void trt_arena_release(trt_arena *ar);

/* Overflow-checked size arithmetic: return false on overflow. */
bool trt_mul_size(size_t a, size_t b, size_t *out);
bool trt_mul_i64(int64_t a, int64_t b, int64_t *out);

/* Monotonic clock in nanoseconds / microseconds. */
uint64_t trt_now_ns(void);

/* Element-count and byte-size helpers. Return -1 on overflow or negative dims. */
int64_t trt_shape_numel(int rank, const int64_t *dims);

/* Formats dims as "[1,128,768]" into buf; returns buf. */
char *trt_shape_str(int rank, const int64_t *dims, char *buf, size_t len);

#endif
