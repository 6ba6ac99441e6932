/* The BERT embedding block as one op: shape inference, id checks and the reference kernel.
 *
 *   EmbedLayerNormalization (com.microsoft), ONNX Runtime's contrib op:
 *     inputs   0 input_ids [B, S]             1 segment_ids [B, S] (optional)
 *              2 word_embedding [V, H]        3 position_embedding [P, H]
 *              4 segment_embedding [T, H]     (optional; present exactly when segment_ids is)
 *              5 gamma [H]                    6 beta [H] (optional here; ONNX Runtime wants it)
 *              7 mask [B, S]                  (optional; ignored: it only feeds mask_index)
 *              8 position_ids [B, S] or [1, S] (optional)
 *     outputs  0 output [B, S, H]             1 mask_index: not supported (an error if asked for)
 *              2 embedding_sum [B, S, H]      (optional)
 *     attribute epsilon (default 1e-12)
 *
 *   For token (b, s), with pos = position_ids[b or 0, s] when given and s otherwise (S must then
 *   not exceed P):
 *     e = (word[input_ids[b,s]] + segment[segment_ids[b,s]]) + position[pos]   (float32 adds)
 *     output[b,s] = (e - mean(e)) / sqrt(var(e) + epsilon) · γ (+ β),  embedding_sum[b,s] = e
 *
 * Ids are int64 or int32 (ONNX Runtime: int32 only) and index their table like Gather does:
 * [-rows, rows), negative ids counting from the end, so that the fused graph behaves exactly like
 * the Gathers it replaces (ONNX Runtime rejects negative ids). Any other id fails, naming the
 * input, the element and the id, before anything is written.
 *
 * The reference kernel adds in the order above, which is the HF export's ((word + token_type) +
 * position), and normalizes like LayerNormalization's reference kernel (two passes in double),
 * so that on the ref EP the fused node reproduces the unfused graph exactly. The fusion
 * (src/opt/fuse_embed.c) gives neither mask nor mask_index. */
#include <string.h>

#include "ops/embed.h"

static bool is_ids(const trt_tensor *t) {
  return t->dtype == TINYRT_INT64 || t->dtype == TINYRT_INT32;
}

static int need_ids(const trt_tensor *t, const char *what, tinyrt_error *err) {
  if (!is_ids(t))
    return trt_error(err, TINYRT_ERR_MODEL, "%s must be int64 or int32, got %s", what,
                     tinyrt_dtype_name(t->dtype));
  if (t->rank != 2) {
    char sh[160];
    return trt_error(err, TINYRT_ERR_SHAPE, "%s must have rank 2, got %s", what,
                     trt_shape_str(t->rank, t->dims, sh, sizeof sh));
  }
  return TINYRT_OK;
}

/* A float tensor of rank `rank` whose last dim is h (any when h < 0). */
static int need_float(const trt_tensor *t, const char *what, int rank, int64_t h,
                      tinyrt_error *err) {
  if (t->dtype != TINYRT_FLOAT)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "%s has type %s; only float is supported",
                     what, tinyrt_dtype_name(t->dtype));
  char sh[160];
  if (t->rank != rank)
    return trt_error(err, TINYRT_ERR_SHAPE, "%s must have rank %d, got %s", what, rank,
                     trt_shape_str(t->rank, t->dims, sh, sizeof sh));
  if (h >= 0 && t->dims[rank - 1] != h)
    return trt_error(err, TINYRT_ERR_SHAPE, "%s must have last dim %lld (the hidden size), got %s",
                     what, (long long)h, trt_shape_str(t->rank, t->dims, sh, sizeof sh));
  return TINYRT_OK;
}

static int infer_embed(trt_infer_ctx *c, tinyrt_error *err) {
  const trt_tensor *in = c->in;
  /* optional inputs sit between required ones: the op table can only require input 0 */
  static const struct {
    int index;
    const char *name;
  } required[] = {{TRT_EMBED_WORD, "word_embedding"},
                  {TRT_EMBED_POSITION, "position_embedding"},
                  {TRT_EMBED_GAMMA, "gamma"}};
  for (size_t i = 0; i < TRT_ARRAY_LEN(required); i++)
    if (!trt_embed_in(in, c->n_in, required[i].index))
      return trt_error(err, TINYRT_ERR_MODEL, "input %d (%s) is missing", required[i].index,
                       required[i].name);
  const trt_tensor *ids = &in[TRT_EMBED_IDS], *word = &in[TRT_EMBED_WORD];
  const trt_tensor *seg_ids = trt_embed_in(in, c->n_in, TRT_EMBED_SEGMENT_IDS);
  const trt_tensor *seg = trt_embed_in(in, c->n_in, TRT_EMBED_SEGMENT);
  const trt_tensor *beta = trt_embed_in(in, c->n_in, TRT_EMBED_BETA);
  const trt_tensor *pos_ids = trt_embed_in(in, c->n_in, TRT_EMBED_POSITION_IDS);
  int rc;
  if ((rc = need_ids(ids, "input_ids", err)) ||
      (rc = need_float(word, "word_embedding", 2, -1, err)))
    return rc;
  int64_t b = ids->dims[0], s = ids->dims[1], h = word->dims[1];
  if ((rc = need_float(&in[TRT_EMBED_POSITION], "position_embedding", 2, h, err)) ||
      (rc = need_float(&in[TRT_EMBED_GAMMA], "gamma", 1, h, err)) ||
      (beta && (rc = need_float(beta, "beta", 1, h, err))))
    return rc;
  if (!seg_ids != !seg)
    return trt_error(err, TINYRT_ERR_MODEL,
                     "segment_ids and segment_embedding must be given together");
  if (seg_ids) {
    if ((rc = need_ids(seg_ids, "segment_ids", err)) ||
        (rc = need_float(seg, "segment_embedding", 2, h, err)))
      return rc;
    if (seg_ids->dims[0] != b || seg_ids->dims[1] != s)
      return trt_error(err, TINYRT_ERR_SHAPE, "segment_ids [%lld, %lld] must have input_ids' "
                       "shape [%lld, %lld]", (long long)seg_ids->dims[0],
                       (long long)seg_ids->dims[1], (long long)b, (long long)s);
  }
  if (pos_ids) {
    if ((rc = need_ids(pos_ids, "position_ids", err))) return rc;
    if ((pos_ids->dims[0] != b && pos_ids->dims[0] != 1) || pos_ids->dims[1] != s)
      return trt_error(err, TINYRT_ERR_SHAPE, "position_ids [%lld, %lld] must have shape "
                       "[%lld, %lld] or [1, %lld]", (long long)pos_ids->dims[0],
                       (long long)pos_ids->dims[1], (long long)b, (long long)s, (long long)s);
  }
  const trt_node *n = c->node;
  if (n && n->n_outputs > 1 && n->outputs[1] >= 0)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "the mask_index output is not supported");
  for (int k = 0; k < c->n_out; k++) {
    if (k == 1) continue;
    c->out[k].dtype = TINYRT_FLOAT;
    c->out[k].rank = 3;
    c->out[k].dims[0] = b;
    c->out[k].dims[1] = s;
    c->out[k].dims[2] = h;
  }
  return TINYRT_OK;
}

/* --- id checks -------------------------------------------------------------------------------- */

static int check_ids(const trt_tensor *ids, const char *what, int64_t rows, const char *table,
                     tinyrt_error *err) {
  size_t n = trt_tensor_numel(ids), cols = (size_t)ids->dims[1];
  const int64_t *p64 = ids->dtype == TINYRT_INT64 ? ids->data : NULL;
  const int32_t *p32 = ids->dtype == TINYRT_INT32 ? ids->data : NULL;
  for (size_t i = 0; i < n; i++) {
    int64_t v = p64 ? p64[i] : p32[i];
    if (v < -rows || v >= rows)
      return trt_error(err, TINYRT_ERR_ARGUMENT,
                       "%s[%zu, %zu] = %lld is out of range for the %lld rows of %s", what,
                       i / cols, i % cols, (long long)v, (long long)rows, table);
  }
  return TINYRT_OK;
}

int trt_embed_check_ids(const trt_tensor *in, int n_in, tinyrt_error *err) {
  const trt_tensor *seg_ids = trt_embed_in(in, n_in, TRT_EMBED_SEGMENT_IDS);
  const trt_tensor *pos_ids = trt_embed_in(in, n_in, TRT_EMBED_POSITION_IDS);
  int64_t positions = in[TRT_EMBED_POSITION].dims[0], s = in[TRT_EMBED_IDS].dims[1];
  int rc = check_ids(&in[TRT_EMBED_IDS], "input_ids", in[TRT_EMBED_WORD].dims[0],
                     "word_embedding", err);
  if (!rc && seg_ids)
    rc = check_ids(seg_ids, "segment_ids", in[TRT_EMBED_SEGMENT].dims[0], "segment_embedding",
                   err);
  if (!rc && pos_ids)
    rc = check_ids(pos_ids, "position_ids", positions, "position_embedding", err);
  if (!rc && !pos_ids && s > positions && trt_tensor_numel(&in[TRT_EMBED_IDS]) > 0)
    rc = trt_error(err, TINYRT_ERR_ARGUMENT,
                   "sequence length %lld exceeds the %lld rows of position_embedding", (long long)s,
                   (long long)positions);
  return rc;
}

/* --- reference kernel ------------------------------------------------------------------------- */

static int ref_embed(trt_kernel_ctx *k, const trt_tensor *in, int n_in, trt_tensor *out,
                     int n_out, tinyrt_error *err) {
  int rc = trt_embed_check_ids(in, n_in, err);
  if (rc) return rc;
  const trt_tensor *ids = &in[TRT_EMBED_IDS];
  const trt_tensor *seg_ids = trt_embed_in(in, n_in, TRT_EMBED_SEGMENT_IDS);
  const trt_tensor *pos_ids = trt_embed_in(in, n_in, TRT_EMBED_POSITION_IDS);
  const trt_tensor *beta_t = trt_embed_in(in, n_in, TRT_EMBED_BETA);
  const float *word = in[TRT_EMBED_WORD].data, *pos = in[TRT_EMBED_POSITION].data;
  const float *seg = seg_ids ? in[TRT_EMBED_SEGMENT].data : NULL;
  const float *gamma = in[TRT_EMBED_GAMMA].data, *beta = beta_t ? beta_t->data : NULL;
  int64_t v_rows = in[TRT_EMBED_WORD].dims[0], p_rows = in[TRT_EMBED_POSITION].dims[0];
  int64_t t_rows = seg ? in[TRT_EMBED_SEGMENT].dims[0] : 0;
  size_t s_len = (size_t)ids->dims[1], h = (size_t)in[TRT_EMBED_WORD].dims[1];
  size_t tokens = trt_tensor_numel(ids);
  bool pos_per_row = pos_ids && pos_ids->dims[0] != 1;
  float *y = out[0].data, *sum_out = n_out > 2 && out[2].data ? out[2].data : NULL;
  float eps = trt_attr_float(k->node, "epsilon", 1e-12f);
  if (h == 0) return TINYRT_OK;
  for (size_t t = 0; t < tokens; t++) {
    size_t s = t % s_len;
    const float *wr = word + trt_embed_row(trt_tensor_get_int(ids, t), v_rows) * (int64_t)h;
    const float *sr = seg ? seg + trt_embed_row(trt_tensor_get_int(seg_ids, t), t_rows) * (int64_t)h
                          : NULL;
    int64_t p = pos_ids ? trt_embed_row(trt_tensor_get_int(pos_ids, pos_per_row ? t : s), p_rows)
                        : (int64_t)s;
    const float *pr = pos + p * (int64_t)h;
    float *yr = y + t * h;
    double sum = 0;
    for (size_t i = 0; i < h; i++) {
      float e = sr ? wr[i] + sr[i] : wr[i];
      yr[i] = e + pr[i];
      sum += yr[i];
    }
    if (sum_out) memcpy(sum_out + t * h, yr, h * sizeof(float));
    trt_ln_row_ref(yr, h, sum, eps, gamma, beta);
  }
  return TINYRT_OK;
}

const trt_op_def trt_ops_embed[] = {
    {TRT_OP_EMBED_LAYER_NORM, "EmbedLayerNormalization", "com.microsoft", 1, 1, 9, 1, 3,
     infer_embed, ref_embed},
};
const int trt_ops_embed_count = (int)TRT_ARRAY_LEN(trt_ops_embed);
