/* Activations, softmax and float elementwise arithmetic on the CPU EP. */
#include <string.h>

#include "ep/cpu/cpu_ops.h"

/* --- unary functions through the vector math table ----------------------------------------- */

typedef void (*vec_fn)(const float *x, float *y, int64_t n);

typedef struct unary_job {
  vec_fn fn;
  const float *x;
  float *y;
} unary_job;

static void unary_rows(void *ctx, int64_t first, int64_t count) {
  const unary_job *j = ctx;
  /* rows here are blocks of 1024 elements */
  j->fn(j->x + first * 1024, j->y + first * 1024, count * 1024);
}

static vec_fn unary_fn(const trt_vmath *vm, int op) {
  switch (op) {
    case TRT_OP_ERF: return vm->erf;
    case TRT_OP_TANH: return vm->tanh;
    case TRT_OP_EXP: return vm->exp;
    default: return NULL;
  }
}

static int unary_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                     int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  int64_t n = (int64_t)trt_tensor_numel(&in[0]);
  unary_job j = {unary_fn(st->cpu->vm, k->node->op), in[0].data, out[0].data};
  int64_t blocks = n / 1024;
  cpu_parallel_rows(k->pool, blocks, 8, unary_rows, &j);
  if (n % 1024) j.fn(j.x + blocks * 1024, j.y + blocks * 1024, n % 1024);
  return TINYRT_OK;
}

static bool unary_supports(const trt_graph *g, const trt_node *n) { return cpu_all_float(g, n); }

static int unary_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                      cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  kernel->run = unary_run;
  return TINYRT_OK;
}

/* --- Softmax over the last axis ------------------------------------------------------------ */

typedef struct softmax_job {
  const trt_vmath *vm;
  const float *x;
  float *y;
  int64_t width;
} softmax_job;

static void softmax_rows(void *ctx, int64_t first, int64_t count) {
  const softmax_job *j = ctx;
  for (int64_t r = first; r < first + count; r++)
    j->vm->softmax(j->x + r * j->width, j->y + r * j->width, j->width);
}

static bool softmax_supports(const trt_graph *g, const trt_node *n) {
  if (!cpu_all_float(g, n)) return false;
  int64_t axis = trt_attr_int(n, "axis", -1);
  const trt_value *x = &g->values[n->inputs[0]];
  /* before opset 13 the default axis is 1 with 2-D coercion: the same as the last axis only
   * when the rank is 2; take those cases from the attribute below */
  if (!trt_node_attr(n, "axis") && trt_graph_opset(g, n->domain) < 13) axis = 1;
  return axis == -1 || (x->rank > 0 && axis == x->rank - 1);
}

static int softmax_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                       int n_out, tinyrt_error *err) {
  const cpu_node_state *st = k->state;
  int64_t width = in[0].rank ? in[0].dims[in[0].rank - 1] : 1;
  int64_t rows = width ? (int64_t)trt_tensor_numel(&in[0]) / width : 0;
  softmax_job j = {st->cpu->vm, in[0].data, out[0].data, width};
  cpu_parallel_rows(k->pool, rows, 16, softmax_rows, &j);
  return TINYRT_OK;
}

static int softmax_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                        cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  kernel->run = softmax_run;
  return TINYRT_OK;
}

/* --- Add / Sub / Mul / Div on floats: same shapes, or a trailing vector or scalar ----------- */

typedef struct binary_job {
  int op;
  const float *a, *b;
  float *y;
  int64_t width;      /* row length */
  int64_t b_period;   /* b repeats every b_period elements (width: a row vector; 1: scalar) */
  bool b_full;        /* b has y's shape */
} binary_job;

static void binary_rows(void *ctx, int64_t first, int64_t count) {
  const binary_job *j = ctx;
  for (int64_t r = first; r < first + count; r++) {
    const float *a = j->a + r * j->width;
    const float *b = j->b_full ? j->b + r * j->width : j->b;
    float *y = j->y + r * j->width;
    int64_t w = j->width;
    if (j->b_period == 1 && !j->b_full) {
      float s = b[0];
      switch (j->op) {
        case TRT_OP_ADD: for (int64_t i = 0; i < w; i++) y[i] = a[i] + s; break;
        case TRT_OP_SUB: for (int64_t i = 0; i < w; i++) y[i] = a[i] - s; break;
        case TRT_OP_MUL: for (int64_t i = 0; i < w; i++) y[i] = a[i] * s; break;
        default: for (int64_t i = 0; i < w; i++) y[i] = a[i] / s; break;
      }
      continue;
    }
    switch (j->op) {
      case TRT_OP_ADD: for (int64_t i = 0; i < w; i++) y[i] = a[i] + b[i]; break;
      case TRT_OP_SUB: for (int64_t i = 0; i < w; i++) y[i] = a[i] - b[i]; break;
      case TRT_OP_MUL: for (int64_t i = 0; i < w; i++) y[i] = a[i] * b[i]; break;
      default: for (int64_t i = 0; i < w; i++) y[i] = a[i] / b[i]; break;
    }
  }
}

static bool same_shape(const trt_tensor *a, const trt_tensor *b) {
  return a->rank == b->rank && !memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank);
}

static int binary_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                      int n_out, tinyrt_error *err) {
  const trt_tensor *a = &in[0], *b = &in[1], *y = &out[0];
  int64_t width = y->rank ? y->dims[y->rank - 1] : 1;
  int64_t numel = (int64_t)trt_tensor_numel(y);
  int64_t bn = (int64_t)trt_tensor_numel(b);
  binary_job j = {k->node->op, a->data, b->data, y->data, width, 0, false};
  if (same_shape(a, y) && same_shape(b, y)) {
    j.b_full = true;
  } else if (same_shape(a, y) && bn == 1) {
    j.b_period = 1;
  } else if (same_shape(a, y) && bn == width && b->rank >= 1 && b->dims[b->rank - 1] == width) {
    j.b_period = width;
  } else {
    const trt_op_def *def = trt_op_get(k->node->op); /* other broadcasts: reference */
    return def->ref(k, in, n_in, out, n_out, err);
  }
  if (width == 0) return TINYRT_OK;
  cpu_parallel_rows(k->pool, numel / width, 64, binary_rows, &j);
  return TINYRT_OK;
}

static bool binary_supports(const trt_graph *g, const trt_node *n) { return cpu_all_float(g, n); }

static int binary_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                       cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  kernel->run = binary_run;
  return TINYRT_OK;
}

/* --- Gather of rows (embedding lookup): float table, integer indices, axis 0 ----------------- */

static bool gather_supports(const trt_graph *g, const trt_node *n) {
  const trt_value *idx = &g->values[n->inputs[1]];
  tinyrt_dtype it = idx->kind == TRT_VALUE_CONSTANT ? idx->constant.dtype : idx->dtype;
  return trt_attr_int(n, "axis", 0) == 0 && cpu_is_float(g, n->inputs[0]) &&
         cpu_is_float(g, n->outputs[0]) && (it == TINYRT_INT64 || it == TINYRT_INT32);
}

static int gather_run(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                      int n_out, tinyrt_error *err) {
  const trt_tensor *data = &in[0], *idx = &in[1];
  if (data->rank < 1) return trt_op_get(TRT_OP_GATHER)->ref(k, in, n_in, out, n_out, err);
  int64_t rows = data->dims[0];
  size_t row = trt_tensor_nbytes(data) / (size_t)(rows ? rows : 1);
  size_t n = trt_tensor_numel(idx);
  for (size_t i = 0; i < n; i++) {
    int64_t r = trt_tensor_get_int(idx, i);
    if (r < -rows || r >= rows)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "index %lld (element %zu) is out of range [%lld, %lld)",
                       (long long)r, i, (long long)-rows, (long long)rows);
    if (r < 0) r += rows;
    memcpy((char *)out[0].data + i * row, (const char *)data->data + (size_t)r * row, row);
  }
  return TINYRT_OK;
}

static int gather_bind(const cpu_impl *cpu, const trt_graph *g, const trt_node *n,
                       cpu_node_state *st, trt_kernel *kernel, tinyrt_error *err) {
  kernel->run = gather_run;
  return TINYRT_OK;
}

const cpu_op cpu_ops_act[] = {
    {TRT_OP_GATHER, gather_supports, gather_bind},
    {TRT_OP_ERF, unary_supports, unary_bind},
    {TRT_OP_TANH, unary_supports, unary_bind},
    {TRT_OP_EXP, unary_supports, unary_bind},
    {TRT_OP_SOFTMAX, softmax_supports, softmax_bind},
    {TRT_OP_ADD, binary_supports, binary_bind},
    {TRT_OP_SUB, binary_supports, binary_bind},
    {TRT_OP_MUL, binary_supports, binary_bind},
    {TRT_OP_DIV, binary_supports, binary_bind},
};
const int cpu_ops_act_count = (int)TRT_ARRAY_LEN(cpu_ops_act);
