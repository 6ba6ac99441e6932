/* Static-shape rewriting of a serialized ModelProto (see rewrite.h).
 *
 * The output is described before any byte of it is written, as a list of segments: slices of the
 * input (coalesced, so an unchanged run of fields, however large its tensors, is one segment) and
 * a few bytes made here (a rewritten Dimension; the tag and new length of each message enclosing
 * one). A message is entered only on the path that can lead to a dim
 * (Model.graph > Graph.input/output/value_info > ValueInfo.type > Type.tensor_type > shape > dim),
 * and when nothing below it changed its original bytes are kept, so the rewrite touches nothing
 * else and an empty list of names gives back the input byte for byte. Recursion follows that
 * fixed path, never the data, so its depth is seven whatever the input.
 *
 * Field numbers are onnx.proto's (Debian's /usr/include/onnx/onnx.proto). */
#include "onnx/rewrite.h"

#include <stdio.h>
#include <string.h>

#include "onnx/wire.h"

enum { L_MODEL, L_GRAPH, L_VALUE_INFO, L_TYPE, L_TENSOR_TYPE, L_SHAPE, L_DIM };

/* For each message on the path, the fields that lead further down. */
static const struct {
  const char *msg;
  struct { uint32_t number; const char *name; } next[3];
} levels[] = {
  [L_MODEL] = {"ModelProto", {{7, "graph"}}},
  [L_GRAPH] = {"GraphProto", {{11, "input"}, {12, "output"}, {13, "value_info"}}},
  [L_VALUE_INFO] = {"ValueInfoProto", {{2, "type"}}},
  /* a sparse tensor type has its shape in the same field as a dense one */
  [L_TYPE] = {"TypeProto", {{1, "tensor_type"}, {8, "sparse_tensor_type"}}},
  [L_TENSOR_TYPE] = {"TypeProto.Tensor", {{2, "shape"}}},
  [L_SHAPE] = {"TensorShapeProto", {{1, "dim"}}},
  [L_DIM] = {"TensorShapeProto.Dimension", {{0, NULL}}},
};

enum { DIM_VALUE = 1, DIM_PARAM = 2 };

/* Dim names listed in the error for an unknown name: enough to fill the message. */
#define MAX_LISTED 48

typedef struct seg {
  const uint8_t *p;
  size_t len;
} seg;

typedef struct rw {
  trt_alloc al;
  trt_arena arena; /* bytes made here: headers and rewritten dims */
  const uint8_t *base;
  seg *segs;
  size_t n_segs, cap_segs;
  const tinyrt_dim_override *dims;
  int n;
  int64_t *counts;
  struct { const uint8_t *p; size_t len; } listed[MAX_LISTED]; /* dim names seen, in order */
  int n_listed;
  bool more_listed;
  tinyrt_error *err;
} rw;

static int nomem(rw *r) { return trt_error(r->err, TINYRT_ERR_NOMEM, "out of memory"); }

static int append(rw *r, const uint8_t *p, size_t len) {
  if (r->n_segs) {
    seg *last = &r->segs[r->n_segs - 1];
    if (last->p && last->p + last->len == p) {
      last->len += len;
      return TINYRT_OK;
    }
  }
  if (r->n_segs == r->cap_segs) {
    size_t cap = r->cap_segs ? 2 * r->cap_segs : 64;
    seg *s = trt_realloc(&r->al, r->segs, r->cap_segs * sizeof *s, cap * sizeof *s);
    if (!s) return nomem(r);
    r->segs = s;
    r->cap_segs = cap;
  }
  r->segs[r->n_segs++] = (seg){p, len};
  return TINYRT_OK;
}

static size_t put_varint(uint8_t *out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}

/* Fills the placeholder segment h with the tag and length of the message made of the segments
 * after it. The sum cannot overflow: the output is at most a few times the input's size. */
static int set_header(rw *r, size_t h, uint32_t number) {
  size_t len = 0;
  for (size_t i = h + 1; i < r->n_segs; i++) len += r->segs[i].len;
  uint8_t *b = trt_arena_alloc_uninit(&r->arena, 20, 1);
  if (!b) return nomem(r);
  size_t k = put_varint(b, (uint64_t)number << 3 | TRT_WIRE_LEN);
  k += put_varint(b + k, len);
  r->segs[h] = (seg){b, k};
  return TINYRT_OK;
}

static void note_name(rw *r, const uint8_t *p, size_t len) {
  for (int i = 0; i < r->n_listed; i++)
    if (r->listed[i].len == len && memcmp(r->listed[i].p, p, len) == 0) return;
  if (r->n_listed == MAX_LISTED) {
    r->more_listed = true;
    return;
  }
  r->listed[r->n_listed].p = p;
  r->listed[r->n_listed].len = len;
  r->n_listed++;
}

/* A Dimension whose dim_param (the last of the dim_value/dim_param oneof) is a fixed name becomes
 * its other fields (denotation) followed by dim_value. */
static int rewrite_dim(rw *r, const uint8_t *data, size_t len, bool *changed) {
  trt_wire w = trt_wire_at(r->base, data, len, levels[L_DIM].msg);
  trt_wire_field f;
  const uint8_t *param = NULL;
  size_t param_len = 0;
  int rc;
  *changed = false;
  while ((rc = trt_wire_next(&w, &f, r->err)) == TINYRT_OK && f.number) {
    if (f.number == DIM_VALUE) {
      if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_VARINT, "dim_value", r->err))) return rc;
      param = NULL;
    } else if (f.number == DIM_PARAM) {
      if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "dim_param", r->err))) return rc;
      param = f.data;
      param_len = f.len;
    }
  }
  if (rc || !param || !param_len) return rc;

  int k = -1;
  for (int i = 0; i < r->n && k < 0; i++)
    if (strlen(r->dims[i].name) == param_len && memcmp(r->dims[i].name, param, param_len) == 0)
      k = i;
  /* for the error naming the model's dims: a fixed name when first met, others every time */
  if (k < 0 || !r->counts[k]) note_name(r, param, param_len);
  if (k < 0) return TINYRT_OK;
  r->counts[k]++;

  w = trt_wire_at(r->base, data, len, levels[L_DIM].msg);
  for (;;) {
    const uint8_t *start = w.p;
    if ((rc = trt_wire_next(&w, &f, r->err)) || !f.number) break;
    if (f.number != DIM_VALUE && f.number != DIM_PARAM &&
        (rc = append(r, start, (size_t)(w.p - start))))
      return rc;
  }
  if (rc) return rc;
  uint8_t *b = trt_arena_alloc_uninit(&r->arena, 11, 1);
  if (!b) return nomem(r);
  b[0] = DIM_VALUE << 3 | TRT_WIRE_VARINT;
  size_t n = 1 + put_varint(b + 1, (uint64_t)r->dims[k].value);
  *changed = true;
  return append(r, b, n);
}

/* Appends the message of level lv held in [data, data+len) with its dims rewritten; *changed says
 * whether it differs from the input. */
static int rewrite_msg(rw *r, int lv, const uint8_t *data, size_t len, bool *changed) {
  if (lv == L_DIM) return rewrite_dim(r, data, len, changed);
  trt_wire w = trt_wire_at(r->base, data, len, levels[lv].msg);
  trt_wire_field f;
  int rc, n_graphs = 0;
  *changed = false;
  for (;;) {
    const uint8_t *start = w.p;
    if ((rc = trt_wire_next(&w, &f, r->err)) || !f.number) break;
    size_t field_len = (size_t)(w.p - start);
    const char *name = NULL;
    for (size_t i = 0; i < TRT_ARRAY_LEN(levels[lv].next) && !name; i++)
      if (levels[lv].next[i].number == f.number) name = levels[lv].next[i].name;
    if (!name) {
      if ((rc = append(r, start, field_len))) return rc;
      continue;
    }
    if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, name, r->err))) return rc;
    /* the loader refuses a second graph too; rewriting one of two would be a guess */
    if (lv == L_MODEL && n_graphs++)
      return trt_error(r->err, TINYRT_ERR_MODEL, "ModelProto has a second graph at byte %zu",
                       f.offset);
    size_t h = r->n_segs;
    if ((rc = append(r, NULL, 0))) return rc; /* the header, once the length is known */
    bool sub;
    if ((rc = rewrite_msg(r, lv + 1, f.data, f.len, &sub))) return rc;
    if (sub) {
      if ((rc = set_header(r, h, f.number))) return rc;
      *changed = true;
    } else {
      r->n_segs = h;
      if ((rc = append(r, start, field_len))) return rc;
    }
  }
  if (rc) return rc;
  if (lv == L_MODEL && !n_graphs)
    return trt_error(r->err, TINYRT_ERR_MODEL, "ModelProto has no graph");
  return TINYRT_OK;
}

static int unknown_name(rw *r, const char *name) {
  char list[320];
  size_t off = 0;
  list[0] = '\0';
  for (int i = 0; i < r->n_listed && off < sizeof list; i++)
    off += (size_t)snprintf(list + off, sizeof list - off, "%s%.*s", i ? ", " : "",
                            (int)TRT_MIN(r->listed[i].len, 64), (const char *)r->listed[i].p);
  if (r->more_listed && off < sizeof list) snprintf(list + off, sizeof list - off, ", ...");
  return trt_error(r->err, TINYRT_ERR_ARGUMENT,
                   "the model has no symbolic dim '%s' in its graph's inputs, outputs or "
                   "value_info (it has: %s)",
                   name, r->n_listed ? list : "none");
}

static void rw_free(rw *r) {
  trt_free(&r->al, r->segs);
  trt_free(&r->al, r->counts);
  trt_arena_release(&r->arena);
}

/* Checks the arguments and builds the segment list; r is freed by the caller either way. */
static int rw_build(rw *r, const void *model, size_t size, const tinyrt_dim_override *dims, int n,
                    const tinyrt_allocator *al, int64_t *counts, tinyrt_error *err) {
  memset(r, 0, sizeof *r);
  trt_alloc_init(&r->al, al);
  trt_arena_init(&r->arena, &r->al);
  r->err = err;
  if (!model && size) return trt_error(err, TINYRT_ERR_ARGUMENT, "model buffer is NULL");
  if (n < 0 || (n && !dims))
    return trt_error(err, TINYRT_ERR_ARGUMENT, "bad list of dims to fix (%d entries)", n);
  for (int k = 0; k < n; k++) {
    if (!dims[k].name || !dims[k].name[0])
      return trt_error(err, TINYRT_ERR_ARGUMENT, "dim to fix #%d has no name", k);
    if (dims[k].value < 0)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "dim '%s': value %lld is negative",
                       dims[k].name, (long long)dims[k].value);
    for (int j = 0; j < k; j++)
      if (strcmp(dims[j].name, dims[k].name) == 0)
        return trt_error(err, TINYRT_ERR_ARGUMENT, "dim '%s' is given twice", dims[k].name);
  }
  static const uint8_t empty[1];
  r->base = model ? model : empty;
  r->dims = dims;
  r->n = n;
  r->counts = trt_calloc(&r->al, (size_t)n + 1, sizeof *r->counts);
  if (!r->counts) return nomem(r);

  bool changed;
  int rc = rewrite_msg(r, L_MODEL, r->base, size, &changed);
  if (rc) return rc;
  for (int k = 0; k < n; k++)
    if (!r->counts[k]) return unknown_name(r, dims[k].name);
  if (counts) memcpy(counts, r->counts, (size_t)n * sizeof *counts);
  return TINYRT_OK;
}

static size_t rw_size(const rw *r) {
  size_t total = 0;
  for (size_t i = 0; i < r->n_segs; i++) total += r->segs[i].len;
  return total;
}

int trt_onnx_fix_dims_to(const void *model, size_t size, const tinyrt_dim_override *dims, int n,
                         const tinyrt_allocator *al, const trt_onnx_sink *sink, int64_t *counts,
                         size_t *out_size, tinyrt_error *err) {
  if (!sink || !sink->write) return trt_error(err, TINYRT_ERR_ARGUMENT, "no sink to write to");
  rw r;
  int rc = rw_build(&r, model, size, dims, n, al, counts, err);
  for (size_t i = 0; i < r.n_segs && !rc; i++)
    if (r.segs[i].len) rc = sink->write(sink->user, r.segs[i].p, r.segs[i].len, err);
  if (!rc && out_size) *out_size = rw_size(&r);
  rw_free(&r);
  return rc;
}

int trt_onnx_fix_dims(const void *model, size_t size, const tinyrt_dim_override *dims, int n,
                      const tinyrt_allocator *al, void **out, size_t *out_size, int64_t *counts,
                      tinyrt_error *err) {
  if (!out || !out_size) return trt_error(err, TINYRT_ERR_ARGUMENT, "no place for the result");
  *out = NULL;
  *out_size = 0;
  rw r;
  int rc = rw_build(&r, model, size, dims, n, al, counts, err);
  if (rc) goto done;
  size_t total = rw_size(&r);
  uint8_t *buf = trt_malloc(&r.al, total ? total : 1);
  if (!buf) {
    rc = nomem(&r);
    goto done;
  }
  size_t off = 0;
  for (size_t i = 0; i < r.n_segs; i++) {
    if (r.segs[i].len) memcpy(buf + off, r.segs[i].p, r.segs[i].len);
    off += r.segs[i].len;
  }
  *out = buf;
  *out_size = total;
done:
  rw_free(&r);
  return rc;
}

void trt_onnx_fix_dims_free(const tinyrt_allocator *al, void *out) {
  trt_alloc a;
  trt_alloc_init(&a, al);
  trt_free(&a, out);
}

/* ---- external data ------------------------------------------------------------------------ */

/* Whether the TensorProto in f has data_location EXTERNAL (field 14 = 1; the last one counts). */
static int tensor_is_external(const trt_wire *pw, const trt_wire_field *pf, bool *ext,
                              tinyrt_error *err) {
  trt_wire w = trt_wire_sub(pw, pf, "TensorProto");
  trt_wire_field f;
  int rc;
  *ext = false;
  while ((rc = trt_wire_next(&w, &f, err)) == TINYRT_OK && f.number) {
    if (f.number != 14) continue;
    if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_VARINT, "data_location", err))) return rc;
    *ext = f.v == 1;
  }
  return rc;
}

/* Tensors of the TENSOR / TENSORS attributes of the NodeProto in nf. */
static int node_external(const trt_wire *gw, const trt_wire_field *nf, int64_t *count,
                         tinyrt_error *err) {
  trt_wire w = trt_wire_sub(gw, nf, "NodeProto");
  trt_wire_field f;
  int rc;
  while ((rc = trt_wire_next(&w, &f, err)) == TINYRT_OK && f.number) {
    if (f.number != 5) continue; /* attribute */
    if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "attribute", err))) return rc;
    trt_wire aw = trt_wire_sub(&w, &f, "AttributeProto");
    trt_wire_field af;
    while ((rc = trt_wire_next(&aw, &af, err)) == TINYRT_OK && af.number) {
      if (af.number != 5 && af.number != 10) continue; /* t, tensors */
      if ((rc = trt_wire_expect(&aw, &af, TRT_WIRE_LEN, af.number == 5 ? "t" : "tensors", err)))
        return rc;
      bool ext;
      if ((rc = tensor_is_external(&aw, &af, &ext, err))) return rc;
      *count += ext;
    }
    if (rc) return rc;
  }
  return rc;
}

int trt_onnx_count_external(const void *model, size_t size, int64_t *count, tinyrt_error *err) {
  if (!count) return trt_error(err, TINYRT_ERR_ARGUMENT, "count is NULL");
  *count = 0;
  if (!model && size) return trt_error(err, TINYRT_ERR_ARGUMENT, "model buffer is NULL");
  static const uint8_t empty[1];
  const uint8_t *base = model ? model : empty;
  trt_wire mw = trt_wire_at(base, base, size, "ModelProto");
  trt_wire_field mf;
  int rc;
  while ((rc = trt_wire_next(&mw, &mf, err)) == TINYRT_OK && mf.number) {
    if (mf.number != 7) continue;
    if ((rc = trt_wire_expect(&mw, &mf, TRT_WIRE_LEN, "graph", err))) return rc;
    trt_wire gw = trt_wire_sub(&mw, &mf, "GraphProto");
    trt_wire_field gf;
    while ((rc = trt_wire_next(&gw, &gf, err)) == TINYRT_OK && gf.number) {
      if (gf.number == 5) { /* initializer */
        if ((rc = trt_wire_expect(&gw, &gf, TRT_WIRE_LEN, "initializer", err))) return rc;
        bool ext;
        if ((rc = tensor_is_external(&gw, &gf, &ext, err))) return rc;
        *count += ext;
      } else if (gf.number == 1) { /* node */
        if ((rc = trt_wire_expect(&gw, &gf, TRT_WIRE_LEN, "node", err))) return rc;
        if ((rc = node_external(&gw, &gf, count, err))) return rc;
      }
    }
    if (rc) return rc;
  }
  return rc;
}
