/* A tiny protobuf writer for tests that build ONNX models byte by byte, so that each test
 * controls the exact encoding (packed vs unpacked fields, overlong varints, lengths past the
 * end...). Test harness only: out of memory aborts. */
#ifndef TRT_TEST_PBWRITER_H
#define TRT_TEST_PBWRITER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct pb {
  uint8_t *p;
  size_t n, cap;
} pb;

static inline void pb_raw(pb *b, const void *d, size_t n) {
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + n) cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p) abort(); /* test harness only: out of memory in a test is fatal */
    b->cap = cap;
  }
  if (n) memcpy(b->p + b->n, d, n);
  b->n += n;
}

static inline void pb_varint(pb *b, uint64_t v) {
  uint8_t buf[10];
  int n = 0;
  do {
    buf[n] = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v) buf[n] |= 0x80;
    n++;
  } while (v);
  pb_raw(b, buf, (size_t)n);
}

/* wire types: 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit */
static inline void pb_tag(pb *b, unsigned field, int wt) {
  pb_varint(b, (uint64_t)field << 3 | (unsigned)wt);
}

static inline void pb_int(pb *b, unsigned f, int64_t v) {
  pb_tag(b, f, 0);
  pb_varint(b, (uint64_t)v);
}

static inline void pb_bytes(pb *b, unsigned f, const void *d, size_t n) {
  pb_tag(b, f, 2);
  pb_varint(b, n);
  pb_raw(b, d, n);
}

static inline void pb_str(pb *b, unsigned f, const char *s) { pb_bytes(b, f, s, strlen(s)); }

/* appends sub as a length-delimited field and frees it */
static inline void pb_msg(pb *b, unsigned f, pb *sub) {
  pb_bytes(b, f, sub->p, sub->n);
  free(sub->p);
  memset(sub, 0, sizeof *sub);
}

static inline void pb_f32(pb *b, unsigned f, float v) {
  uint32_t u;
  memcpy(&u, &v, 4);
  pb_tag(b, f, 5);
  uint8_t le[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
  pb_raw(b, le, 4);
}

static inline void pb_f64(pb *b, unsigned f, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  pb_tag(b, f, 1);
  for (int i = 0; i < 8; i++) {
    uint8_t c = (uint8_t)(u >> (8 * i));
    pb_raw(b, &c, 1);
  }
}

static inline void pb_free(pb *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}

#endif
