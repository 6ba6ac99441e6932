/* AttributeProto: scalars, strings, tensors and their lists, for a node's trt_attr. */
#include <string.h>

#include "onnx/internal.h"

/* AttributeProto */
enum {
  A_NAME = 1,
  A_F = 2,
  A_I = 3,
  A_S = 4,
  A_T = 5,
  A_G = 6,
  A_FLOATS = 7,
  A_INTS = 8,
  A_STRINGS = 9,
  A_TENSORS = 10,
  A_GRAPHS = 11,
  A_TP = 14,
  A_TYPE_PROTOS = 15,
  A_TYPE = 20,
  A_SPARSE_TENSOR = 22,
  A_SPARSE_TENSORS = 23
};
/* AttributeProto.AttributeType values beyond trt_attr_type's */
enum { AT_GRAPHS = 10, AT_SPARSE_TENSOR = 11, AT_SPARSE_TENSORS = 12, AT_TYPE_PROTO = 13,
       AT_TYPE_PROTOS = 14 };

static int parse_attr_tensor(trt_onnx_ctx *c, const trt_wire_field *f, trt_tensor *t,
                             tinyrt_error *err) {
  const char *tn;
  size_t tn_len;
  return trt_onnx_tensor(c, f->data, f->len, t, &tn, &tn_len, err);
}

/* Second pass over an AttributeProto for the repeated fields of its type. */
static int fill_attr_lists(trt_onnx_ctx *c, const trt_wire *w0, trt_attr *a, tinyrt_error *err) {
  trt_wire w = *w0;
  trt_wire_field f;
  int k = 0, rc;
  while ((rc = trt_wire_next(&w, &f, err)) == TINYRT_OK && f.number) {
    if (a->type == TRT_ATTR_FLOATS && f.number == A_FLOATS) {
      float *dst = (float *)a->floats;
      if (f.type == TRT_WIRE_FIXED32) {
        uint32_t bits = (uint32_t)f.v;
        if (k < a->n) memcpy(&dst[k++], &bits, 4);
      } else {
        for (size_t o = 0; o + 4 <= f.len && k < a->n; o += 4) {
          uint32_t bits = trt_wire_le32(f.data + o);
          memcpy(&dst[k++], &bits, 4);
        }
      }
    } else if (a->type == TRT_ATTR_INTS && f.number == A_INTS) {
      int64_t *dst = (int64_t *)a->ints;
      if (f.type == TRT_WIRE_VARINT) {
        if (k < a->n) dst[k++] = (int64_t)f.v;
      } else {
        const uint8_t *p = f.data, *end = f.data + f.len;
        while (p < end && k < a->n) {
          uint64_t v;
          if (!trt_wire_varint(&p, end, &v))
            return trt_error(err, TINYRT_ERR_MODEL, "ints at byte %zu: bad packed varint",
                             f.offset);
          dst[k++] = (int64_t)v;
        }
      }
    } else if (a->type == TRT_ATTR_STRINGS && f.number == A_STRINGS) {
      if (k < a->n) {
        char *s = trt_arena_strndup(c->arena, (const char *)f.data, f.len);
        if (!s) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
        a->strings[k++] = s;
      }
    } else if (a->type == TRT_ATTR_TENSORS && f.number == A_TENSORS) {
      if (k < a->n) {
        if ((rc = parse_attr_tensor(c, &f, (trt_tensor *)&a->tensors[k], err))) return rc;
        k++;
      }
    }
  }
  if (rc) return rc;
  if (k != a->n)
    return trt_error(err, TINYRT_ERR_INTERNAL, "decoded %d of %d list elements", k, a->n);
  return TINYRT_OK;
}

int trt_onnx_attr(trt_onnx_ctx *c, const trt_wire *pw, const trt_wire_field *pf, trt_attr *a,
                  tinyrt_error *err) {
  trt_wire w = trt_wire_sub(pw, pf, "AttributeProto");
  trt_wire_field f;
  int rc;
  int64_t type = 0;
  size_t n_floats = 0, n_ints = 0, n_strings = 0, n_tensors = 0;
  bool has[24] = {0};
  trt_wire_field t_field = {0};
  const char *name = "";
  size_t name_len = 0;

  memset(a, 0, sizeof *a);
  while ((rc = trt_wire_next(&w, &f, err)) == TINYRT_OK && f.number) {
    if (f.number < TRT_ARRAY_LEN(has)) has[f.number] = true;
    switch (f.number) {
      case A_NAME:
        if ((rc = trt_wire_name(&w, &f, "name", &name, &name_len, err))) return rc;
        break;
      case A_TYPE:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_VARINT, "type", err))) return rc;
        type = (int64_t)f.v;
        break;
      case A_F:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_FIXED32, "f", err))) return rc;
        {
          uint32_t bits = (uint32_t)f.v;
          memcpy(&a->f, &bits, 4);
        }
        break;
      case A_I:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_VARINT, "i", err))) return rc;
        a->i = (int64_t)f.v;
        break;
      case A_S:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "s", err))) return rc;
        a->s = (const char *)f.data; /* copied below once the type is known */
        a->s_len = f.len;
        break;
      case A_T:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "t", err))) return rc;
        t_field = f;
        break;
      case A_FLOATS:
        if (f.type == TRT_WIRE_FIXED32) {
          n_floats++;
        } else if (f.type == TRT_WIRE_LEN && f.len % 4 == 0) {
          n_floats += f.len / 4;
        } else {
          return trt_error(err, TINYRT_ERR_MODEL, "AttributeProto.floats at byte %zu: "
                           "wire type %d, length %zu", f.offset, f.type, f.len);
        }
        break;
      case A_INTS:
        if (f.type == TRT_WIRE_VARINT) {
          n_ints++;
        } else if (f.type == TRT_WIRE_LEN) {
          size_t n;
          if (!trt_wire_count_varints(f.data, f.len, &n))
            return trt_error(err, TINYRT_ERR_MODEL, "AttributeProto.ints at byte %zu: "
                             "truncated varint", f.offset);
          n_ints += n;
        } else {
          return trt_wire_expect(&w, &f, TRT_WIRE_VARINT, "ints", err);
        }
        break;
      case A_STRINGS:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "strings", err))) return rc;
        n_strings++;
        break;
      case A_TENSORS:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "tensors", err))) return rc;
        n_tensors++;
        break;
      default:
        break;
    }
  }
  if (rc) return rc;
  if (!name_len)
    return trt_error(err, TINYRT_ERR_MODEL, "AttributeProto at byte %zu has no name",
                     pf->offset);
  a->name = trt_arena_strndup(c->arena, name, name_len);
  if (!a->name) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");

  /* IR version 1 models have no `type`: it follows from the field that is set */
  if (type == TRT_ATTR_UNDEFINED) {
    static const struct { int field; int type; } implied[] = {
      {A_F, TRT_ATTR_FLOAT},     {A_I, TRT_ATTR_INT},         {A_S, TRT_ATTR_STRING},
      {A_T, TRT_ATTR_TENSOR},    {A_G, TRT_ATTR_GRAPH},       {A_FLOATS, TRT_ATTR_FLOATS},
      {A_INTS, TRT_ATTR_INTS},   {A_STRINGS, TRT_ATTR_STRINGS}, {A_TENSORS, TRT_ATTR_TENSORS},
      {A_GRAPHS, AT_GRAPHS},     {A_SPARSE_TENSOR, AT_SPARSE_TENSOR},
      {A_SPARSE_TENSORS, AT_SPARSE_TENSORS}, {A_TP, AT_TYPE_PROTO},
      {A_TYPE_PROTOS, AT_TYPE_PROTOS}};
    for (size_t k = 0; k < TRT_ARRAY_LEN(implied) && type == 0; k++)
      if (has[implied[k].field]) type = implied[k].type;
    if (type == TRT_ATTR_UNDEFINED)
      return trt_error(err, TINYRT_ERR_MODEL, "attribute '%s' has no type and no value",
                       a->name);
  }

  switch (type) {
    case TRT_ATTR_FLOAT:
    case TRT_ATTR_INT:
      break;
    case TRT_ATTR_STRING: {
      const char *s = a->s ? a->s : "";
      a->s = trt_arena_strndup(c->arena, s, a->s_len);
      if (!a->s) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
      break;
    }
    case TRT_ATTR_TENSOR:
      if (!t_field.number)
        return trt_error(err, TINYRT_ERR_MODEL, "attribute '%s' is a TENSOR without a tensor",
                         a->name);
      if ((rc = parse_attr_tensor(c, &t_field, &a->t, err))) return rc;
      break;
    case TRT_ATTR_FLOATS:
    case TRT_ATTR_INTS:
    case TRT_ATTR_STRINGS:
    case TRT_ATTR_TENSORS: {
      size_t n = type == TRT_ATTR_FLOATS   ? n_floats
                 : type == TRT_ATTR_INTS   ? n_ints
                 : type == TRT_ATTR_STRINGS ? n_strings
                                           : n_tensors;
      size_t elem = type == TRT_ATTR_FLOATS   ? sizeof(float)
                    : type == TRT_ATTR_INTS   ? sizeof(int64_t)
                    : type == TRT_ATTR_STRINGS ? sizeof(char *)
                                              : sizeof(trt_tensor);
      /* n is bounded by the attribute's byte length, so it fits an int */
      void *arr = trt_arena_alloc(c->arena, (n ? n : 1) * elem);
      if (!arr) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
      a->n = (int)n;
      if (type == TRT_ATTR_FLOATS) a->floats = arr;
      if (type == TRT_ATTR_INTS) a->ints = arr;
      if (type == TRT_ATTR_STRINGS) a->strings = arr;
      if (type == TRT_ATTR_TENSORS) a->tensors = arr;
      a->type = (trt_attr_type)type;
      trt_wire again = trt_wire_sub(pw, pf, "AttributeProto");
      if (n && (rc = fill_attr_lists(c, &again, a, err))) return rc;
      break;
    }
    case TRT_ATTR_GRAPH:
    case AT_GRAPHS:
      return trt_error(err, TINYRT_ERR_UNSUPPORTED,
                       "attribute '%s' is a graph; subgraphs are not supported (no supported op "
                       "takes one)",
                       a->name);
    case AT_SPARSE_TENSOR:
    case AT_SPARSE_TENSORS:
    case AT_TYPE_PROTO:
    case AT_TYPE_PROTOS:
      return trt_error(err, TINYRT_ERR_UNSUPPORTED,
                       "attribute '%s' has type %lld (sparse tensors and type protos are not "
                       "supported)",
                       a->name, (long long)type);
    default:
      return trt_error(err, TINYRT_ERR_MODEL, "attribute '%s' has unknown type %lld", a->name,
                       (long long)type);
  }
  if (type != TRT_ATTR_STRING) {
    a->s = NULL;
    a->s_len = 0;
  }
  a->type = (trt_attr_type)type;
  return TINYRT_OK;
}

