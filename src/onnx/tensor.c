/* TensorProto: dims, element type and data from raw_data, the typed fields or an external file. */
#include "onnx/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>


/* raw_data and external files are little-endian and are used in place, so the host must be too. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tinyrt uses little-endian tensor data in place; big-endian hosts are not supported"
#endif

/* TensorProto field numbers, from onnx.proto. */
enum {
  T_DIMS = 1,
  T_DATA_TYPE = 2,
  T_SEGMENT = 3,
  T_FLOAT_DATA = 4,
  T_INT32_DATA = 5,
  T_STRING_DATA = 6,
  T_INT64_DATA = 7,
  T_NAME = 8,
  T_RAW_DATA = 9,
  T_DOUBLE_DATA = 10,
  T_UINT64_DATA = 11,
  T_EXTERNAL_DATA = 13,
  T_DATA_LOCATION = 14,
  T_N_FIELDS = 15
};

struct trt_onnx_extfile {
  trt_onnx_extfile *next;
  const char *path; /* realpath */
  const uint8_t *addr;
  size_t size;
};

typedef struct slice {
  const uint8_t *p;
  size_t len;
  bool set;
} slice;

/* What one pass over a TensorProto finds, before any data is placed. */
typedef struct tscan {
  int64_t data_type;
  int rank;
  int64_t dims[TRT_MAX_RANK];
  size_t n_typed[T_N_FIELDS]; /* element count per typed *_data field number */
  slice raw, segment, loc, offset, length;
  int64_t data_location;
} tscan;

static const char *field_name(int number) {
  switch (number) {
    case T_FLOAT_DATA: return "float_data";
    case T_INT32_DATA: return "int32_data";
    case T_STRING_DATA: return "string_data";
    case T_INT64_DATA: return "int64_data";
    case T_DOUBLE_DATA: return "double_data";
    case T_UINT64_DATA: return "uint64_data";
    default: return "?";
  }
}

/* The typed field that carries elements of dt (see TensorProto's comments in onnx.proto). */
static int typed_field_for(tinyrt_dtype dt) {
  switch (dt) {
    case TINYRT_FLOAT: return T_FLOAT_DATA;
    case TINYRT_INT32:
    case TINYRT_INT16:
    case TINYRT_INT8:
    case TINYRT_UINT16:
    case TINYRT_UINT8:
    case TINYRT_BOOL:
    case TINYRT_FLOAT16: return T_INT32_DATA;
    case TINYRT_INT64: return T_INT64_DATA;
    case TINYRT_DOUBLE: return T_DOUBLE_DATA;
    case TINYRT_UINT32:
    case TINYRT_UINT64: return T_UINT64_DATA;
    default: return 0;
  }
}

/* Only for naming the tensor in errors: a tolerant pass that stops at the first malformed field
 * (the real pass reports it). */
static void find_name(const uint8_t *base, const uint8_t *data, size_t len, const char **name,
                      size_t *name_len) {
  trt_wire w = trt_wire_at(base, data, len, "TensorProto");
  trt_wire_field f;
  *name = "";
  *name_len = 0;
  while (trt_wire_next(&w, &f, NULL) == TINYRT_OK && f.number) {
    if (f.number == T_NAME && f.type == TRT_WIRE_LEN && !memchr(f.data, 0, f.len)) {
      *name = (const char *)f.data;
      *name_len = f.len;
    }
  }
}

static int add_dim(tscan *s, const trt_wire_field *f, uint64_t v, tinyrt_error *err) {
  if ((int64_t)v < 0)
    return trt_error(err, TINYRT_ERR_MODEL, "dims (field 1) at byte %zu: negative dim %lld",
                     f->offset, (long long)(int64_t)v);
  if (s->rank >= TRT_MAX_RANK)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "more than %d dims (tinyrt's maximum rank)",
                     TRT_MAX_RANK);
  s->dims[s->rank++] = (int64_t)v;
  return TINYRT_OK;
}

static int scan_entry(const trt_wire *parent, const trt_wire_field *ef, tscan *s,
                      tinyrt_error *err) {
  trt_wire w = trt_wire_sub(parent, ef, "StringStringEntryProto");
  trt_wire_field f;
  slice key = {0}, value = {0};
  int rc;
  while ((rc = trt_wire_next(&w, &f, err)) == TINYRT_OK && f.number) {
    if (f.number != 1 && f.number != 2) continue;
    if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, f.number == 1 ? "key" : "value", err)))
      return rc;
    slice *dst = f.number == 1 ? &key : &value;
    dst->p = f.data;
    dst->len = f.len;
    dst->set = true;
  }
  if (rc) return rc;
#define KEY_IS(k) (key.len == sizeof(k) - 1 && memcmp(key.p, k, key.len) == 0)
  if (KEY_IS("location"))
    s->loc = value;
  else if (KEY_IS("offset"))
    s->offset = value;
  else if (KEY_IS("length"))
    s->length = value;
#undef KEY_IS
  /* "checksum" and unknown keys carry nothing we need */
  return TINYRT_OK;
}

static int scan_tensor(const trt_wire *w0, tscan *s, tinyrt_error *err) {
  trt_wire w = *w0;
  trt_wire_field f;
  int rc;
  memset(s, 0, sizeof *s);
  while ((rc = trt_wire_next(&w, &f, err)) == TINYRT_OK && f.number) {
    switch (f.number) {
      case T_DIMS:
        if (f.type == TRT_WIRE_VARINT) {
          if ((rc = add_dim(s, &f, f.v, err))) return rc;
        } else if (f.type == TRT_WIRE_LEN) {
          const uint8_t *p = f.data, *end = f.data + f.len;
          while (p < end) {
            uint64_t v;
            if (!trt_wire_varint(&p, end, &v))
              return trt_error(err, TINYRT_ERR_MODEL, "dims (field 1) at byte %zu: bad packed varint",
                               f.offset);
            if ((rc = add_dim(s, &f, v, err))) return rc;
          }
        } else {
          return trt_wire_expect(&w, &f, TRT_WIRE_VARINT, "dims", err);
        }
        break;
      case T_DATA_TYPE:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_VARINT, "data_type", err))) return rc;
        s->data_type = (int64_t)f.v;
        break;
      case T_SEGMENT:
        s->segment.set = true;
        break;
      case T_FLOAT_DATA:
      case T_DOUBLE_DATA: {
        size_t esize = f.number == T_FLOAT_DATA ? 4 : 8;
        int one = f.number == T_FLOAT_DATA ? TRT_WIRE_FIXED32 : TRT_WIRE_FIXED64;
        if (f.type == one) {
          s->n_typed[f.number]++;
        } else if (f.type == TRT_WIRE_LEN && f.len % esize == 0) {
          s->n_typed[f.number] += f.len / esize;
        } else if (f.type == TRT_WIRE_LEN) {
          return trt_error(err, TINYRT_ERR_MODEL,
                           "%s (field %u) at byte %zu: packed length %zu is not a multiple of %zu",
                           field_name((int)f.number), f.number, f.offset, f.len, esize);
        } else {
          return trt_wire_expect(&w, &f, one, field_name((int)f.number), err);
        }
        break;
      }
      case T_INT32_DATA:
      case T_INT64_DATA:
      case T_UINT64_DATA:
        if (f.type == TRT_WIRE_VARINT) {
          s->n_typed[f.number]++;
        } else if (f.type == TRT_WIRE_LEN) {
          size_t n;
          if (!trt_wire_count_varints(f.data, f.len, &n))
            return trt_error(err, TINYRT_ERR_MODEL, "%s (field %u) at byte %zu: truncated varint",
                             field_name((int)f.number), f.number, f.offset);
          s->n_typed[f.number] += n;
        } else {
          return trt_wire_expect(&w, &f, TRT_WIRE_VARINT, field_name((int)f.number), err);
        }
        break;
      case T_STRING_DATA:
        s->n_typed[f.number]++;
        break;
      case T_RAW_DATA:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "raw_data", err))) return rc;
        s->raw.p = f.data;
        s->raw.len = f.len;
        s->raw.set = true;
        break;
      case T_EXTERNAL_DATA:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "external_data", err))) return rc;
        if ((rc = scan_entry(&w, &f, s, err))) return rc;
        break;
      case T_DATA_LOCATION:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_VARINT, "data_location", err))) return rc;
        s->data_location = (int64_t)f.v;
        break;
      default:
        break; /* name (found earlier), doc_string, fields of later ONNX versions */
    }
  }
  return rc;
}

/* Stores integer/bit pattern v as element k of dst, converting to dt's width. */
static inline void store(void *dst, tinyrt_dtype dt, size_t k, uint64_t v) {
  switch (dt) {
    case TINYRT_BOOL: ((uint8_t *)dst)[k] = v != 0; break;
    case TINYRT_INT8:
    case TINYRT_UINT8: ((uint8_t *)dst)[k] = (uint8_t)v; break;
    case TINYRT_INT16:
    case TINYRT_UINT16:
    case TINYRT_FLOAT16: ((uint16_t *)dst)[k] = (uint16_t)v; break;
    case TINYRT_FLOAT:
    case TINYRT_INT32:
    case TINYRT_UINT32: ((uint32_t *)dst)[k] = (uint32_t)v; break;
    default: ((uint64_t *)dst)[k] = v; break;
  }
}

/* Second pass: decodes every occurrence of typed field `field` (packed or not) into dst, which
 * has room for exactly n elements (the count the first pass found). */
static int decode_typed(const trt_wire *w0, int field, tinyrt_dtype dt, void *dst, size_t n,
                        tinyrt_error *err) {
  trt_wire w = *w0;
  trt_wire_field f;
  size_t k = 0;
  int rc;
  while ((rc = trt_wire_next(&w, &f, err)) == TINYRT_OK && f.number) {
    if ((int)f.number != field) continue;
    if (f.type != TRT_WIRE_LEN) {
      if (k < n) store(dst, dt, k++, f.v);
      continue;
    }
    const uint8_t *p = f.data, *end = f.data + f.len;
    if (field == T_FLOAT_DATA) {
      for (; p + 4 <= end && k < n; p += 4) store(dst, dt, k++, trt_wire_le32(p));
    } else if (field == T_DOUBLE_DATA) {
      for (; p + 8 <= end && k < n; p += 8) store(dst, dt, k++, trt_wire_le64(p));
    } else {
      while (p < end && k < n) {
        uint64_t v;
        if (!trt_wire_varint(&p, end, &v))
          return trt_error(err, TINYRT_ERR_MODEL,
                           "%s (field %d) at byte %zu: varint longer than 10 bytes",
                           field_name(field), field, f.offset);
        store(dst, dt, k++, v);
      }
    }
  }
  if (rc) return rc;
  if (k != n)
    return trt_error(err, TINYRT_ERR_INTERNAL, "%s: decoded %zu of %zu elements",
                     field_name(field), k, n);
  return TINYRT_OK;
}

/* Large copies go to huge pages: faulting in bert-tiny's 15.6 MB embedding table 4 KB at a time
 * costs ~10 ms on this kind of VM, against ~3.5 ms in 2 MB pages (measured). The block is
 * over-allocated by two huge pages so the copy can start on a 2 MB boundary and end inside the
 * block: the slack before it is never touched (virtual only), the last huge page may hold up to
 * 2 MB of unused zeroes. The hint is advisory; where it does not apply nothing changes. */
#define HUGE_PAGE ((size_t)2 << 20)

static void *alloc_copy(trt_arena *arena, size_t nbytes) {
  if (nbytes < 4 * HUGE_PAGE || nbytes > SIZE_MAX - 2 * HUGE_PAGE)
    return trt_arena_alloc_uninit(arena, nbytes ? nbytes : 1, TRT_ALIGN);
  uint8_t *raw = trt_arena_alloc_uninit(arena, nbytes + 2 * HUGE_PAGE, TRT_ALIGN);
  if (!raw) return NULL;
  uintptr_t p = ((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
  size_t span = (nbytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  (void)madvise((void *)p, span, MADV_HUGEPAGE);
  return (void *)p;
}

/* Data at src is used where it lies when allowed and aligned for its element type; otherwise it is
 * copied (64-byte aligned) into the arena. */
static int place(trt_onnx_ctx *c, const uint8_t *src, size_t nbytes, size_t esize, void **out,
                 tinyrt_error *err) {
  if (c->in_place && nbytes && ((uintptr_t)src % esize) == 0) {
    *out = (void *)(uintptr_t)src; /* read-only mapping: constants are never written */
    return TINYRT_OK;
  }
  void *p = alloc_copy(c->arena, nbytes);
  if (!p) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory copying %zu bytes", nbytes);
  if (nbytes) memcpy(p, src, nbytes);
  if (c->g) c->g->bytes_copied += (int64_t)nbytes;
  *out = p;
  return TINYRT_OK;
}

/* A decimal string from external_data ("offset", "length"): digits only, no sign, no overflow. */
static bool parse_decimal(slice s, uint64_t *out) {
  uint64_t v = 0;
  if (!s.len || s.len > 19) return false;
  for (size_t i = 0; i < s.len; i++) {
    if (s.p[i] < '0' || s.p[i] > '9') return false;
    v = v * 10 + (uint64_t)(s.p[i] - '0');
  }
  *out = v;
  return true;
}

/* Maps the external file `resolved` (a realpath inside the model's folder) once per load. */
static int map_external(trt_onnx_ctx *c, const char *resolved, trt_onnx_extfile **out,
                        tinyrt_error *err) {
  for (trt_onnx_extfile *e = c->files; e; e = e->next)
    if (strcmp(e->path, resolved) == 0) {
      *out = e;
      return TINYRT_OK;
    }
  trt_onnx_extfile *e = trt_arena_alloc(c->arena, sizeof *e);
  char *path = trt_arena_strdup(c->arena, resolved);
  if (!e || !path) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  /* O_NONBLOCK so that a FIFO planted in the folder cannot hang the load */
  int fd = open(resolved, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return trt_error(err, TINYRT_ERR_IO, "cannot open external data file '%s': %s", resolved,
                     strerror(errno));
  struct stat st;
  int rc = TINYRT_OK;
  void *addr = NULL;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    rc = trt_error(err, TINYRT_ERR_IO, "external data file '%s' is not a regular file", resolved);
    goto done;
  }
  if (st.st_size > 0) {
    addr = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr == MAP_FAILED) {
      rc = trt_error(err, TINYRT_ERR_IO, "cannot map external data file '%s': %s", resolved,
                     strerror(errno));
      goto done;
    }
    if (trt_graph_add_mapping(c->g, addr, (size_t)st.st_size) != TINYRT_OK) {
      munmap(addr, (size_t)st.st_size);
      rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
      goto done;
    }
  }
  e->path = path;
  e->addr = addr;
  e->size = (size_t)st.st_size;
  e->next = c->files;
  c->files = e;
  *out = e;
done:
  close(fd);
  return rc;
}

/* Finds the bytes of an external tensor: `location` must resolve (after symlinks) to a regular
 * file inside the model's folder, and offset/length must lie within it. */
static int resolve_external(trt_onnx_ctx *c, const tscan *s, size_t nbytes, const uint8_t **out,
                            tinyrt_error *err) {
  if (!c->base_dir || !c->g)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED,
                     "uses external data, which is refused when loading from memory (no folder "
                     "to resolve it in)");
  if (!s->loc.set || !s->loc.len)
    return trt_error(err, TINYRT_ERR_MODEL, "external data has no 'location'");
  int loc_len = s->loc.len > 200 ? 200 : (int)s->loc.len;
  const char *loc = (const char *)s->loc.p;
  if (memchr(loc, 0, s->loc.len))
    return trt_error(err, TINYRT_ERR_MODEL, "external data location contains a NUL byte");
  if (loc[0] == '/')
    return trt_error(err, TINYRT_ERR_MODEL,
                     "external data location '%.*s' is an absolute path; only files inside the "
                     "model's folder are allowed",
                     loc_len, loc);
  uint64_t offset = 0, length = 0;
  if (s->offset.set && !parse_decimal(s->offset, &offset))
    return trt_error(err, TINYRT_ERR_MODEL, "external data 'offset' is not a decimal number");
  if (s->length.set && !parse_decimal(s->length, &length))
    return trt_error(err, TINYRT_ERR_MODEL, "external data 'length' is not a decimal number");
  if (s->length.set && length != nbytes)
    return trt_error(err, TINYRT_ERR_MODEL,
                     "external data 'length' is %llu bytes but the dims need %zu",
                     (unsigned long long)length, nbytes);

  if (!c->base_real) {
    char buf[PATH_MAX];
    if (!realpath(c->base_dir, buf))
      return trt_error(err, TINYRT_ERR_IO, "cannot resolve the model's folder '%s': %s",
                       c->base_dir, strerror(errno));
    c->base_real = trt_arena_strdup(c->arena, buf);
    if (!c->base_real) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  }
  size_t blen = strlen(c->base_real);
  if (blen + 1 + s->loc.len >= PATH_MAX)
    return trt_error(err, TINYRT_ERR_MODEL, "external data location '%.*s' is too long", loc_len,
                     loc);
  char joined[PATH_MAX], resolved[PATH_MAX];
  memcpy(joined, c->base_real, blen);
  joined[blen] = '/';
  memcpy(joined + blen + 1, loc, s->loc.len);
  joined[blen + 1 + s->loc.len] = '\0';
  if (!realpath(joined, resolved))
    return trt_error(err, TINYRT_ERR_IO, "external data file '%s': %s", joined, strerror(errno));
  bool root = blen == 1 && c->base_real[0] == '/';
  if (!root && (strncmp(resolved, c->base_real, blen) != 0 || resolved[blen] != '/'))
    return trt_error(err, TINYRT_ERR_MODEL,
                     "external data location '%.*s' leaves the model's folder '%s'", loc_len, loc,
                     c->base_real);

  trt_onnx_extfile *e = NULL;
  int rc = map_external(c, resolved, &e, err);
  if (rc) return rc;
  if (offset > e->size || nbytes > e->size - offset)
    return trt_error(err, TINYRT_ERR_MODEL,
                     "external data [offset %llu, +%zu bytes) lies outside '%s' (%zu bytes)",
                     (unsigned long long)offset, nbytes, resolved, e->size);
  *out = e->addr ? e->addr + offset : NULL;
  return TINYRT_OK;
}

static int tensor_body(trt_onnx_ctx *c, const trt_wire *w, trt_tensor *out, tinyrt_error *err) {
  tscan s;
  int rc = scan_tensor(w, &s, err);
  if (rc) return rc;

  if (s.segment.set)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "segmented tensors are not supported");
  if (s.data_type == TINYRT_STRING || s.n_typed[T_STRING_DATA])
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "STRING tensors are not supported");
  if (s.data_type == TINYRT_UNDEFINED)
    return trt_error(err, TINYRT_ERR_MODEL, "data_type is missing (UNDEFINED)");
  tinyrt_dtype dt = (tinyrt_dtype)s.data_type;
  size_t esize = s.data_type > 0 && s.data_type <= TINYRT_UINT64 ? tinyrt_dtype_size(dt) : 0;
  if (!esize)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "data_type %lld is not supported",
                     (long long)s.data_type);

  int64_t numel = trt_shape_numel(s.rank, s.dims);
  size_t nbytes;
  char shape[128];
  trt_shape_str(s.rank, s.dims, shape, sizeof shape);
  if (numel < 0 || !trt_mul_size((size_t)numel, esize, &nbytes) || nbytes > (SIZE_MAX >> 2))
    return trt_error(err, TINYRT_ERR_MODEL, "dims %s overflow the element count", shape);

  int want = typed_field_for(dt);
  size_t n_typed = 0;
  for (int fno = 0; fno < T_N_FIELDS; fno++) {
    if (!s.n_typed[fno]) continue;
    if (fno != want)
      return trt_error(err, TINYRT_ERR_MODEL, "%s given for a %s tensor", field_name(fno),
                       tinyrt_dtype_name(dt));
    n_typed = s.n_typed[fno];
  }

  out->dtype = dt;
  out->rank = s.rank;
  memcpy(out->dims, s.dims, sizeof s.dims);
  out->data = NULL;

  if (s.data_location == 1) {
    if (s.raw.set || n_typed)
      return trt_error(err, TINYRT_ERR_MODEL,
                       "data_location is EXTERNAL but the tensor also holds data in the file");
    const uint8_t *src;
    if ((rc = resolve_external(c, &s, nbytes, &src, err))) return rc;
    return place(c, src, nbytes, esize, &out->data, err);
  }
  if (s.data_location != 0)
    return trt_error(err, TINYRT_ERR_MODEL, "unknown data_location %lld",
                     (long long)s.data_location);
  if (s.raw.set) {
    if (n_typed)
      return trt_error(err, TINYRT_ERR_MODEL, "both raw_data and %s are set", field_name(want));
    if (s.raw.len != nbytes)
      return trt_error(err, TINYRT_ERR_MODEL,
                       "raw_data has %zu bytes but dims %s of %s need %zu", s.raw.len, shape,
                       tinyrt_dtype_name(dt), nbytes);
    return place(c, s.raw.p, nbytes, esize, &out->data, err);
  }
  if (n_typed != (size_t)numel)
    return trt_error(err, TINYRT_ERR_MODEL, "%s has %zu elements but dims %s need %lld",
                     field_name(want), n_typed, shape, (long long)numel);
  out->data = trt_arena_alloc_aligned(c->arena, nbytes ? nbytes : 1, TRT_ALIGN);
  if (!out->data) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory for %zu bytes", nbytes);
  if (!n_typed) return TINYRT_OK;
  return decode_typed(w, want, dt, out->data, n_typed, err);
}

int trt_onnx_tensor(trt_onnx_ctx *c, const uint8_t *data, size_t len, trt_tensor *out,
                    const char **name, size_t *name_len, tinyrt_error *err) {
  find_name(c->base, data, len, name, name_len);
  trt_wire w = trt_wire_at(c->base, data, len, "TensorProto");
  int rc = tensor_body(c, &w, out, err);
  if (rc) {
    int n = *name_len > 200 ? 200 : (int)*name_len;
    if (n)
      trt_error_prefix(err, rc, "tensor '%.*s'", n, *name);
    else
      trt_error_prefix(err, rc, "tensor (unnamed, at byte %zu)", (size_t)(data - c->base));
  }
  return rc;
}
