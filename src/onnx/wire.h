/* A bounds-checked cursor over one protobuf message in wire format.
 *
 * Only what ONNX's messages need: fields are read one at a time; length-delimited fields are
 * returned as a (pointer, length) slice into the input, never copied, and always lie within the
 * enclosing message. Errors name the message type, the field number and the byte offset from the
 * start of the buffer (the file). */
#ifndef TRT_ONNX_WIRE_H
#define TRT_ONNX_WIRE_H

#include "core/common.h"

enum {
  TRT_WIRE_VARINT = 0,
  TRT_WIRE_FIXED64 = 1,
  TRT_WIRE_LEN = 2,
  TRT_WIRE_FIXED32 = 5
};

typedef struct trt_wire {
  const uint8_t *base; /* start of the whole buffer: offsets in messages are relative to it */
  const uint8_t *p, *end;
  const char *msg;     /* message type name, for errors */
} trt_wire;

typedef struct trt_wire_field {
  uint32_t number;     /* 0 at the end of the message */
  int type;            /* TRT_WIRE_* */
  uint64_t v;          /* VARINT, FIXED32, FIXED64 payload */
  const uint8_t *data; /* LEN payload */
  size_t len;
  size_t offset;       /* byte offset of the field's tag */
} trt_wire_field;

/* Cursor over [data, data+len), a message of type `msg` inside the buffer starting at base. */
static inline trt_wire trt_wire_at(const uint8_t *base, const uint8_t *data, size_t len,
                                   const char *msg) {
  trt_wire w = {base, data, data + len, msg};
  return w;
}

/* Cursor over a LEN field's payload, read as a message of type `msg`. */
static inline trt_wire trt_wire_sub(const trt_wire *w, const trt_wire_field *f, const char *msg) {
  return trt_wire_at(w->base, f->data, f->len, msg);
}

/* Reads the next field. At the end of the message f->number is 0. Fails (TINYRT_ERR_MODEL) on a
 * truncated or overlong varint, a length past the end of the message, field number 0, or a wire
 * type other than VARINT/FIXED64/LEN/FIXED32 (groups are not used by ONNX). */
int trt_wire_next(trt_wire *w, trt_wire_field *f, tinyrt_error *err);

/* Fails naming the field unless it has wire type `type`. `field_name` is for the message. */
int trt_wire_expect(const trt_wire *w, const trt_wire_field *f, int type, const char *field_name,
                    tinyrt_error *err);

/* A string field that becomes a C string (a name): wire type LEN and no NUL byte inside. The
 * result is a slice of the buffer, not NUL-terminated. */
int trt_wire_name(const trt_wire *w, const trt_wire_field *f, const char *field_name,
                  const char **s, size_t *len, tinyrt_error *err);

/* Decodes one varint from [*p, end), advancing *p. False when truncated, longer than 10 bytes,
 * or overflowing 64 bits. */
bool trt_wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *out);

/* Number of varints in a packed payload: counts terminating bytes, so it is exact when the payload
 * is well formed; false when the last varint is unterminated. Decoding validates the rest. */
bool trt_wire_count_varints(const uint8_t *data, size_t len, size_t *count);

/* Little-endian loads from possibly unaligned bytes. */
static inline uint32_t trt_wire_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t trt_wire_le64(const uint8_t *p) {
  return (uint64_t)trt_wire_le32(p) | (uint64_t)trt_wire_le32(p + 4) << 32;
}

#endif
