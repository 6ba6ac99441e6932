/* ModelProto -> trt_graph: opsets, initializers, graph inputs/outputs with their types, nodes and
 * attributes. Field numbers are onnx.proto's (Debian's libonnx-dev, /usr/include/onnx).
 *
 * Each message is read with a cursor over its own bytes, so nesting depth is fixed by the schema
 * (Model > Graph > Node > Attribute > Tensor, ValueInfo > Type > Tensor type > Shape > Dim): the
 * reader never recurses on data. The self-nesting messages (TypeProto inside sequence/map/optional
 * types, GraphProto inside attributes) are refused rather than descended into. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx/onnx.h"
#include "onnx/internal.h"
#include "ops/ops.h"

/* ModelProto */
enum {
  M_IR_VERSION = 1,
  M_PRODUCER_NAME = 2,
  M_PRODUCER_VERSION = 3,
  M_DOC = 6,
  M_GRAPH = 7,
  M_OPSET_IMPORT = 8
};
/* GraphProto */
enum {
  G_NODE = 1,
  G_NAME = 2,
  G_INITIALIZER = 5,
  G_DOC = 10,
  G_INPUT = 11,
  G_OUTPUT = 12,
  G_VALUE_INFO = 13,
  G_SPARSE_INITIALIZER = 15
};
/* NodeProto */
enum { N_INPUT = 1, N_OUTPUT = 2, N_NAME = 3, N_OP_TYPE = 4, N_ATTRIBUTE = 5, N_DOMAIN = 7 };
/* Names longer than this are cut in error messages (they are still used whole). */
#define NAME_IN_MSG 120

typedef struct loader {
  trt_graph *g;
  trt_onnx_ctx tc;
  tinyrt_error *err;
} loader;

/* A graph input/output's declared type (ValueInfoProto.type). */
typedef struct vtype {
  bool has_type;     /* a TypeProto was given */
  const char *kind;  /* NULL for tensor types, else "sequence", "map", ... */
  int64_t elem_type;
  int rank;          /* -1: no shape */
  int64_t dim_value[TRT_MAX_RANK]; /* -1: none */
  const char *dim_param[TRT_MAX_RANK];
  size_t dim_param_len[TRT_MAX_RANK];
} vtype;

static int nomem(loader *L) { return trt_error(L->err, TINYRT_ERR_NOMEM, "out of memory"); }

static int get_string(loader *L, const trt_wire *w, const trt_wire_field *f, const char *field,
                      const char **s, size_t *len) {
  return trt_wire_name(w, f, field, s, len, L->err);
}

/* Free text (docs, producer): copied as a C string; a NUL inside only shortens it. */
static int get_text(loader *L, const trt_wire *w, const trt_wire_field *f, const char *field,
                    const char **out) {
  int rc = trt_wire_expect(w, f, TRT_WIRE_LEN, field, L->err);
  if (rc) return rc;
  *out = trt_arena_strndup(&L->g->arena, (const char *)f->data, f->len);
  return *out ? TINYRT_OK : nomem(L);
}

static int msg_len(size_t len) { return len > NAME_IN_MSG ? NAME_IN_MSG : (int)len; }

/* ---- types ---------------------------------------------------------------------------------- */

static int parse_shape(loader *L, const trt_wire *pw, const trt_wire_field *pf, vtype *t) {
  trt_wire w = trt_wire_sub(pw, pf, "TensorShapeProto");
  trt_wire_field f;
  int rc;
  t->rank = 0;
  while ((rc = trt_wire_next(&w, &f, L->err)) == TINYRT_OK && f.number) {
    if (f.number != 1) continue;
    if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "dim", L->err))) return rc;
    if (t->rank >= TRT_MAX_RANK)
      return trt_error(L->err, TINYRT_ERR_UNSUPPORTED,
                       "shape at byte %zu has more than %d dims (tinyrt's maximum rank)", f.offset,
                       TRT_MAX_RANK);
    int d = t->rank++;
    t->dim_value[d] = -1;
    t->dim_param[d] = NULL;
    t->dim_param_len[d] = 0;
    trt_wire dw = trt_wire_sub(&w, &f, "TensorShapeProto.Dimension");
    trt_wire_field df;
    while ((rc = trt_wire_next(&dw, &df, L->err)) == TINYRT_OK && df.number) {
      /* dim_value and dim_param are a oneof: the last one seen wins */
      if (df.number == 1) {
        if ((rc = trt_wire_expect(&dw, &df, TRT_WIRE_VARINT, "dim_value", L->err))) return rc;
        if ((int64_t)df.v < 0)
          return trt_error(L->err, TINYRT_ERR_MODEL, "dim_value %lld at byte %zu is negative",
                           (long long)(int64_t)df.v, df.offset);
        t->dim_value[d] = (int64_t)df.v;
        t->dim_param[d] = NULL;
      } else if (df.number == 2) {
        if ((rc = get_string(L, &dw, &df, "dim_param", &t->dim_param[d], &t->dim_param_len[d])))
          return rc;
        t->dim_value[d] = -1;
      }
    }
    if (rc) return rc;
  }
  return rc;
}

static int parse_type(loader *L, const trt_wire *pw, const trt_wire_field *pf, vtype *t) {
  trt_wire w = trt_wire_sub(pw, pf, "TypeProto");
  trt_wire_field f;
  int rc;
  t->has_type = true;
  while ((rc = trt_wire_next(&w, &f, L->err)) == TINYRT_OK && f.number) {
    switch (f.number) {
      case 1: { /* tensor_type */
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "tensor_type", L->err))) return rc;
        t->kind = NULL;
        trt_wire tw = trt_wire_sub(&w, &f, "TypeProto.Tensor");
        trt_wire_field tf;
        while ((rc = trt_wire_next(&tw, &tf, L->err)) == TINYRT_OK && tf.number) {
          if (tf.number == 1) {
            if ((rc = trt_wire_expect(&tw, &tf, TRT_WIRE_VARINT, "elem_type", L->err))) return rc;
            t->elem_type = (int64_t)tf.v;
          } else if (tf.number == 2) {
            if ((rc = trt_wire_expect(&tw, &tf, TRT_WIRE_LEN, "shape", L->err))) return rc;
            if ((rc = parse_shape(L, &tw, &tf, t))) return rc;
          }
        }
        if (rc) return rc;
        break;
      }
      case 4: t->kind = "sequence"; break;
      case 5: t->kind = "map"; break;
      case 8: t->kind = "sparse tensor"; break;
      case 9: t->kind = "optional"; break;
      default: break;
    }
  }
  return rc;
}

/* ValueInfoProto: name and type. */
static int parse_value_info(loader *L, const trt_wire *pw, const trt_wire_field *pf,
                            const char **name, size_t *name_len, vtype *t) {
  trt_wire w = trt_wire_sub(pw, pf, "ValueInfoProto");
  trt_wire_field f;
  int rc;
  memset(t, 0, sizeof *t);
  t->rank = -1;
  *name = "";
  *name_len = 0;
  while ((rc = trt_wire_next(&w, &f, L->err)) == TINYRT_OK && f.number) {
    if (f.number == 1) {
      if ((rc = get_string(L, &w, &f, "name", name, name_len))) return rc;
    } else if (f.number == 2) {
      if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "type", L->err))) return rc;
      if ((rc = parse_type(L, &w, &f, t))) return rc;
    }
  }
  if (rc) return rc;
  if (!*name_len)
    return trt_error(L->err, TINYRT_ERR_MODEL, "ValueInfoProto at byte %zu has no name",
                     pf->offset);
  return TINYRT_OK;
}

/* Prefixes a ValueInfoProto error with what it declares and, when read by then, its name. */
static int vi_error(loader *L, int rc, const char *what, const char *name, size_t len,
                    const trt_wire_field *f) {
  if (len)
    return trt_error_prefix(L->err, rc, "%s '%.*s' (at byte %zu)", what, msg_len(len), name,
                            f->offset);
  return trt_error_prefix(L->err, rc, "%s at byte %zu", what, f->offset);
}

/* Sets a value's dtype/rank/dims from its declared type. `what` ("graph input", ...) is for
 * errors; graph inputs and outputs must be tensors of a known element type. */
static int apply_type(loader *L, int vi, const vtype *t, const char *what) {
  trt_value *v = &L->g->values[vi];
  if (!t->has_type) return TINYRT_OK;
  bool strict = what != NULL;
  if (t->kind) {
    if (!strict) return TINYRT_OK;
    return trt_error(L->err, TINYRT_ERR_UNSUPPORTED,
                     "%s '%s' has a %s type; only tensors are supported", what, v->name, t->kind);
  }
  if (t->elem_type < 0 || t->elem_type > TINYRT_UINT64) {
    if (!strict) return TINYRT_OK;
    return trt_error(L->err, TINYRT_ERR_UNSUPPORTED, "%s '%s' has element type %lld", what,
                     v->name, (long long)t->elem_type);
  }
  v->dtype = (tinyrt_dtype)t->elem_type;
  v->rank = t->rank;
  for (int d = 0; d < t->rank; d++) {
    v->dims[d].value = t->dim_value[d];
    v->dims[d].sym = -1;
    if (t->dim_param[d] && t->dim_param_len[d]) {
      int s = trt_graph_intern_sym(L->g, t->dim_param[d], t->dim_param_len[d]);
      if (s < 0) return nomem(L);
      v->dims[d].sym = s;
    }
  }
  return TINYRT_OK;
}

/* ---- nodes ---------------------------------------------------------------------------------- */

/* Value named by a node input/output, created on first mention. */
static int value_for(loader *L, const char *name, size_t len) {
  int vi = trt_graph_find_value(L->g, name, len);
  if (vi < 0) vi = trt_graph_add_value(L->g, name, len);
  return vi;
}

static int parse_node(loader *L, const trt_wire *gw, const trt_wire_field *nf, int index) {
  trt_wire w = trt_wire_sub(gw, nf, "NodeProto");
  trt_wire_field f;
  int rc, n_in = 0, n_out = 0, n_attrs = 0;
  const char *op_type = "", *name = "", *domain = "";
  size_t op_len = 0, name_len = 0, domain_len = 0;

  while ((rc = trt_wire_next(&w, &f, L->err)) == TINYRT_OK && f.number) {
    const char *s;
    size_t len;
    switch (f.number) {
      case N_INPUT:
      case N_OUTPUT:
        if ((rc = get_string(L, &w, &f, f.number == N_INPUT ? "input" : "output", &s, &len)))
          goto fail_unnamed;
        /* counts are bounded by the message length, far below INT_MAX for any sane input */
        if (n_in + n_out >= (1 << 24)) {
          rc = trt_error(L->err, TINYRT_ERR_MODEL, "too many inputs/outputs");
          goto fail_unnamed;
        }
        if (f.number == N_INPUT) n_in++; else n_out++;
        break;
      case N_NAME:
        if ((rc = get_string(L, &w, &f, "name", &name, &name_len))) goto fail_unnamed;
        break;
      case N_OP_TYPE:
        if ((rc = get_string(L, &w, &f, "op_type", &op_type, &op_len))) goto fail_unnamed;
        break;
      case N_DOMAIN:
        if ((rc = get_string(L, &w, &f, "domain", &domain, &domain_len))) goto fail_unnamed;
        break;
      case N_ATTRIBUTE:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "attribute", L->err))) goto fail_unnamed;
        if (n_attrs >= (1 << 24)) {
          rc = trt_error(L->err, TINYRT_ERR_MODEL, "too many attributes");
          goto fail_unnamed;
        }
        n_attrs++;
        break;
      default:
        break;
    }
  }
  if (rc) goto fail_unnamed;
  if (!op_len) {
    rc = trt_error(L->err, TINYRT_ERR_MODEL, "NodeProto at byte %zu has no op_type", nf->offset);
    goto fail_unnamed;
  }

  int ni = trt_graph_add_node(L->g, NULL, NULL, NULL, n_in, n_out);
  if (ni < 0) return nomem(L);
  trt_node *n = &L->g->nodes[ni];
  n->op = TRT_OP_UNKNOWN; /* the session resolves ops, against the imported opsets */
  n->op_type = trt_arena_strndup(&L->g->arena, op_type, op_len);
  /* "ai.onnx" and "" name the same domain; keep one spelling so op lookup compares one string */
  if (domain_len == 7 && memcmp(domain, "ai.onnx", 7) == 0) domain_len = 0;
  n->domain = trt_arena_strndup(&L->g->arena, domain, domain_len);
  if (name_len) {
    n->name = trt_arena_strndup(&L->g->arena, name, name_len);
  } else {
    /* "<OpType>_<index>": errors and profiles need a name, and the index makes it stable */
    size_t cap = op_len + 16;
    char *synth = trt_arena_alloc(&L->g->arena, cap);
    if (synth) snprintf(synth, cap, "%.*s_%d", (int)op_len, op_type, index);
    n->name = synth;
  }
  if (!n->op_type || !n->domain || !n->name) return nomem(L);
  if (n_attrs) {
    n->attrs = trt_arena_alloc(&L->g->arena, (size_t)n_attrs * sizeof *n->attrs);
    if (!n->attrs) return nomem(L);
  }

  /* second pass: wire up values and parse attributes (already validated as strings above) */
  w = trt_wire_sub(gw, nf, "NodeProto");
  int k_in = 0, k_out = 0;
  while ((rc = trt_wire_next(&w, &f, L->err)) == TINYRT_OK && f.number) {
    n = &L->g->nodes[ni];
    if (f.number == N_INPUT) {
      int k = k_in++;
      if (!f.len) continue; /* "" marks an absent optional input */
      int vi = value_for(L, (const char *)f.data, f.len);
      if (vi < 0) return nomem(L);
      n->inputs[k] = vi;
    } else if (f.number == N_OUTPUT) {
      int k = k_out++;
      if (!f.len) continue;
      int vi = value_for(L, (const char *)f.data, f.len);
      if (vi < 0) return nomem(L);
      trt_value *v = &L->g->values[vi];
      if (v->kind != TRT_VALUE_INTERMEDIATE) {
        rc = trt_error(L->err, TINYRT_ERR_MODEL, "output '%s' is also a graph %s", v->name,
                       v->kind == TRT_VALUE_INPUT ? "input" : "initializer");
        goto fail;
      }
      if (v->producer >= 0) {
        rc = trt_error(L->err, TINYRT_ERR_MODEL, "output '%s' is also produced by node '%s' (%s)",
                       v->name, L->g->nodes[v->producer].name, L->g->nodes[v->producer].op_type);
        goto fail;
      }
      v->producer = ni;
      n->outputs[k] = vi;
    } else if (f.number == N_ATTRIBUTE) {
      trt_attr *a = &n->attrs[n->n_attrs];
      if ((rc = trt_onnx_attr(&L->tc, &w, &f, a, L->err))) goto fail;
      for (int j = 0; j < n->n_attrs; j++) {
        if (strcmp(n->attrs[j].name, a->name) == 0) {
          rc = trt_error(L->err, TINYRT_ERR_MODEL, "attribute '%s' is given twice", a->name);
          goto fail;
        }
      }
      n->n_attrs++;
    }
  }
  if (rc) goto fail;
  return TINYRT_OK;

fail:
  n = &L->g->nodes[ni];
  return trt_error_prefix(L->err, rc, "node '%.*s' (%s)", NAME_IN_MSG, n->name, n->op_type);
fail_unnamed:
  return trt_error_prefix(L->err, rc, "node #%d (at byte %zu)", index, nf->offset);
}

/* ---- graph ---------------------------------------------------------------------------------- */

static int add_initializer(loader *L, const trt_wire_field *f, int index) {
  trt_tensor t;
  const char *name;
  size_t name_len;
  int rc = trt_onnx_tensor(&L->tc, f->data, f->len, &t, &name, &name_len, L->err);
  if (rc) return trt_error_prefix(L->err, rc, "initializer #%d", index);
  if (!name_len)
    return trt_error(L->err, TINYRT_ERR_MODEL, "initializer #%d (at byte %zu) has no name", index,
                     f->offset);
  if (trt_graph_find_value(L->g, name, name_len) >= 0)
    return trt_error(L->err, TINYRT_ERR_MODEL, "initializer '%.*s' is given twice",
                     msg_len(name_len), name);
  int vi = trt_graph_add_value(L->g, name, name_len);
  if (vi < 0) return nomem(L);
  trt_value *v = &L->g->values[vi];
  v->kind = TRT_VALUE_CONSTANT;
  v->constant = t;
  v->dtype = t.dtype;
  v->rank = t.rank;
  for (int d = 0; d < t.rank; d++) {
    v->dims[d].value = t.dims[d];
    v->dims[d].sym = -1;
  }
  return TINYRT_OK;
}

static int add_graph_input(loader *L, const trt_wire *gw, const trt_wire_field *f) {
  const char *name;
  size_t len;
  vtype t;
  int rc = parse_value_info(L, gw, f, &name, &len, &t);
  if (rc) return vi_error(L, rc, "graph input", name, len, f);
  int vi = trt_graph_find_value(L->g, name, len);
  if (vi >= 0) {
    /* an input that is also an initializer is a constant with an overridable default in ONNX;
     * tinyrt keeps the initializer's value and does not ask the caller for it */
    if (L->g->values[vi].kind == TRT_VALUE_CONSTANT) return TINYRT_OK;
    return trt_error(L->err, TINYRT_ERR_MODEL, "graph input '%.*s' is listed twice",
                     msg_len(len), name);
  }
  vi = trt_graph_add_value(L->g, name, len);
  if (vi < 0) return nomem(L);
  L->g->values[vi].kind = TRT_VALUE_INPUT;
  if ((rc = apply_type(L, vi, &t, "graph input"))) return rc;
  L->g->inputs[L->g->n_inputs++] = vi;
  return TINYRT_OK;
}

static int add_graph_output(loader *L, const trt_wire *gw, const trt_wire_field *f) {
  const char *name;
  size_t len;
  vtype t;
  int rc = parse_value_info(L, gw, f, &name, &len, &t);
  if (rc) return vi_error(L, rc, "graph output", name, len, f);
  int vi = value_for(L, name, len);
  if (vi < 0) return nomem(L);
  trt_value *v = &L->g->values[vi];
  if (v->is_output)
    return trt_error(L->err, TINYRT_ERR_MODEL, "graph output '%s' is listed twice", v->name);
  v->is_output = true;
  /* a constant's own dims are authoritative; an input's declaration was applied already */
  if (v->kind == TRT_VALUE_INTERMEDIATE && (rc = apply_type(L, vi, &t, "graph output")))
    return rc;
  L->g->outputs[L->g->n_outputs++] = vi;
  return TINYRT_OK;
}

static int add_value_info(loader *L, const trt_wire *gw, const trt_wire_field *f) {
  const char *name;
  size_t len;
  vtype t;
  int rc = parse_value_info(L, gw, f, &name, &len, &t);
  if (rc) return vi_error(L, rc, "value_info", name, len, f);
  /* annotations of values no node mentions describe nothing we run */
  int vi = trt_graph_find_value(L->g, name, len);
  if (vi < 0 || L->g->values[vi].kind != TRT_VALUE_INTERMEDIATE) return TINYRT_OK;
  return apply_type(L, vi, &t, NULL);
}

/* GraphProto fields may come in any order, so the graph is read in passes: initializers, then
 * inputs (which may name initializers), then nodes, then value_info and outputs (which annotate
 * values the nodes made). Skipping a field costs only its tag and length. */
static int load_graph(loader *L, const trt_wire *mw, const trt_wire_field *gf) {
  trt_graph *g = L->g;
  trt_wire w;
  trt_wire_field f;
  int rc, n_in = 0, n_out = 0, n_init = 0, n_nodes = 0;

  w = trt_wire_sub(mw, gf, "GraphProto");
  while ((rc = trt_wire_next(&w, &f, L->err)) == TINYRT_OK && f.number) {
    switch (f.number) {
      case G_NODE:
      case G_INITIALIZER:
      case G_INPUT:
      case G_OUTPUT:
      case G_VALUE_INFO: {
        static const char *names[] = {[G_NODE] = "node", [G_INITIALIZER] = "initializer",
                                      [G_INPUT] = "input", [G_OUTPUT] = "output",
                                      [G_VALUE_INFO] = "value_info"};
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, names[f.number], L->err))) return rc;
        if (f.number == G_INPUT) n_in++;
        if (f.number == G_OUTPUT) n_out++;
        if (f.number == G_INITIALIZER && (rc = add_initializer(L, &f, n_init++))) return rc;
        break;
      }
      case G_NAME:
        if ((rc = get_text(L, &w, &f, "name", &g->graph_name))) return rc;
        break;
      case G_DOC:
        if (!g->doc && (rc = get_text(L, &w, &f, "doc_string", &g->doc))) return rc;
        break;
      case G_SPARSE_INITIALIZER:
        return trt_error(L->err, TINYRT_ERR_UNSUPPORTED,
                         "GraphProto.sparse_initializer at byte %zu: sparse initializers are not "
                         "supported",
                         f.offset);
      default:
        break;
    }
  }
  if (rc) return rc;

  g->inputs = trt_arena_alloc(&g->arena, sizeof(int) * (size_t)(n_in ? n_in : 1));
  g->outputs = trt_arena_alloc(&g->arena, sizeof(int) * (size_t)(n_out ? n_out : 1));
  if (!g->inputs || !g->outputs) return nomem(L);

  static const int order[] = {G_INPUT, G_NODE, G_VALUE_INFO, G_OUTPUT};
  for (size_t pass = 0; pass < TRT_ARRAY_LEN(order); pass++) {
    w = trt_wire_sub(mw, gf, "GraphProto");
    while ((rc = trt_wire_next(&w, &f, L->err)) == TINYRT_OK && f.number) {
      if ((int)f.number != order[pass]) continue;
      switch (f.number) {
        case G_INPUT: rc = add_graph_input(L, &w, &f); break;
        case G_NODE: rc = parse_node(L, &w, &f, n_nodes++); break;
        case G_VALUE_INFO: rc = add_value_info(L, &w, &f); break;
        case G_OUTPUT: rc = add_graph_output(L, &w, &f); break;
      }
      if (rc) return rc;
    }
    if (rc) return rc;
  }
  return TINYRT_OK;
}

static int parse_opset(loader *L, const trt_wire *mw, const trt_wire_field *of, trt_opset *o) {
  trt_wire w = trt_wire_sub(mw, of, "OperatorSetIdProto");
  trt_wire_field f;
  int rc;
  const char *domain = "";
  size_t len = 0;
  o->version = 0;
  while ((rc = trt_wire_next(&w, &f, L->err)) == TINYRT_OK && f.number) {
    if (f.number == 1) {
      if ((rc = get_string(L, &w, &f, "domain", &domain, &len))) return rc;
    } else if (f.number == 2) {
      if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_VARINT, "version", L->err))) return rc;
      o->version = (int64_t)f.v;
    }
  }
  if (rc) return rc;
  o->domain = trt_arena_strndup(&L->g->arena, domain, len);
  return o->domain ? TINYRT_OK : nomem(L);
}

static int load_model(loader *L, const uint8_t *data, size_t size) {
  trt_graph *g = L->g;
  trt_wire w = trt_wire_at(data, data, size, "ModelProto");
  trt_wire_field f, graph = {0};
  int rc, n_opsets = 0;

  while ((rc = trt_wire_next(&w, &f, L->err)) == TINYRT_OK && f.number) {
    switch (f.number) {
      case M_IR_VERSION:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_VARINT, "ir_version", L->err))) return rc;
        g->ir_version = (int64_t)f.v;
        break;
      case M_PRODUCER_NAME:
        if ((rc = get_text(L, &w, &f, "producer_name", &g->producer_name))) return rc;
        break;
      case M_PRODUCER_VERSION:
        if ((rc = get_text(L, &w, &f, "producer_version", &g->producer_version))) return rc;
        break;
      case M_DOC:
        if ((rc = get_text(L, &w, &f, "doc_string", &g->doc))) return rc;
        break;
      case M_GRAPH:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "graph", L->err))) return rc;
        if (graph.number)
          return trt_error(L->err, TINYRT_ERR_MODEL, "ModelProto has a second graph at byte %zu",
                           f.offset);
        graph = f;
        break;
      case M_OPSET_IMPORT:
        if ((rc = trt_wire_expect(&w, &f, TRT_WIRE_LEN, "opset_import", L->err))) return rc;
        n_opsets++;
        break;
      default:
        break; /* domain, model_version, metadata, training info, local functions */
    }
  }
  if (rc) return rc;

  g->opsets = trt_arena_alloc(&g->arena, sizeof *g->opsets * (size_t)(n_opsets ? n_opsets : 1));
  if (!g->opsets) return nomem(L);
  w = trt_wire_at(data, data, size, "ModelProto");
  while ((rc = trt_wire_next(&w, &f, L->err)) == TINYRT_OK && f.number) {
    if (f.number != M_OPSET_IMPORT) continue;
    trt_opset *o = &g->opsets[g->n_opsets];
    if ((rc = parse_opset(L, &w, &f, o))) return rc;
    bool dflt = !*o->domain || strcmp(o->domain, "ai.onnx") == 0;
    for (int k = 0; k < g->n_opsets; k++) {
      const char *d = g->opsets[k].domain;
      bool kd = !*d || strcmp(d, "ai.onnx") == 0;
      if (dflt ? kd : strcmp(d, o->domain) == 0)
        return trt_error(L->err, TINYRT_ERR_MODEL, "opset_import lists domain '%s' twice",
                         o->domain);
    }
    if (dflt) {
      if (o->version < 1)
        return trt_error(L->err, TINYRT_ERR_MODEL, "default-domain opset version %lld is invalid",
                         (long long)o->version);
      g->opset = o->version;
    }
    g->n_opsets++;
  }
  if (rc) return rc;
  if (g->opset < 0)
    return trt_error(L->err, TINYRT_ERR_MODEL,
                     "ModelProto imports no opset for the default ONNX domain (\"\" / ai.onnx)");
  if (!graph.number) return trt_error(L->err, TINYRT_ERR_MODEL, "ModelProto has no graph");

  w = trt_wire_at(data, data, size, "ModelProto");
  return load_graph(L, &w, &graph);
}

int trt_onnx_load_buffer(const void *data, size_t size, const char *base_dir, trt_graph *g,
                         tinyrt_error *err) {
  if (!data && size)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "model buffer is NULL");
  static const uint8_t empty[1];
  const uint8_t *p = data ? data : empty;
  loader L = {.g = g, .err = err};
  L.tc.arena = &g->arena;
  L.tc.base = p;
  L.tc.in_place = true;
  L.tc.g = g;
  L.tc.base_dir = base_dir;
  return load_model(&L, p, size);
}

int trt_onnx_load_file(const char *path, trt_graph *g, tinyrt_error *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return trt_error(err, TINYRT_ERR_IO, "cannot open model '%s': %s", path, strerror(errno));
  struct stat st;
  int rc = TINYRT_OK;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    rc = trt_error(err, TINYRT_ERR_IO, "model '%s' is not a regular file", path);
    goto done;
  }
  if (st.st_size == 0) {
    rc = trt_error(err, TINYRT_ERR_MODEL, "model '%s' is empty", path);
    goto done;
  }
  size_t size = (size_t)st.st_size;
  void *addr = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (addr == MAP_FAILED) {
    rc = trt_error(err, TINYRT_ERR_IO, "cannot map model '%s': %s", path, strerror(errno));
    goto done;
  }
  if (trt_graph_add_mapping(g, addr, size) != TINYRT_OK) {
    munmap(addr, size);
    rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
    goto done;
  }

  /* external data lives next to the model: its folder is the path up to the last '/' */
  const char *slash = strrchr(path, '/');
  char *dir = slash ? trt_arena_strndup(&g->arena, path, slash == path ? 1 : (size_t)(slash - path))
                    : trt_arena_strdup(&g->arena, ".");
  if (!dir) {
    rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
    goto done;
  }
  rc = trt_onnx_load_buffer(addr, size, dir, g, err);
  if (rc) trt_error_prefix(err, rc, "%s", path);
done:
  close(fd);
  return rc;
}

int trt_onnx_parse_tensor(const void *data, size_t size, trt_arena *arena, trt_tensor *out,
                          const char **name, tinyrt_error *err) {
  if (!data && size) return trt_error(err, TINYRT_ERR_ARGUMENT, "tensor buffer is NULL");
  static const uint8_t empty[1];
  const uint8_t *p = data ? data : empty;
  trt_onnx_ctx c = {.arena = arena, .base = p};
  const char *tn;
  size_t tn_len;
  int rc = trt_onnx_tensor(&c, p, size, out, &tn, &tn_len, err);
  if (rc) return rc;
  if (name) {
    *name = trt_arena_strndup(arena, tn, tn_len);
    if (!*name) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  }
  return TINYRT_OK;
}
