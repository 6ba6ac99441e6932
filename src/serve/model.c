/* What the server knows about its model: the signature derived at start-up (with probe runs for
 * the output axes) and the per-request check of inputs against it. */
#include "serve/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"

void trt_srv_tensor_free(trt_srv_tensor *t) {
  if (!t) return;
  free(t->data);
  t->data = NULL;
  t->nbytes = 0;
}

void trt_srv_model_close(trt_srv_model *m) {
  if (m && m->ops && m->ops->close) m->ops->close(m->self);
  if (m) m->self = NULL;
}

static const struct {
  tinyrt_dtype t;
  const char *name;
} dtype_names[] = {
    {TINYRT_BOOL, "BOOL"},     {TINYRT_UINT8, "UINT8"},   {TINYRT_UINT16, "UINT16"},
    {TINYRT_UINT32, "UINT32"}, {TINYRT_UINT64, "UINT64"}, {TINYRT_INT8, "INT8"},
    {TINYRT_INT16, "INT16"},   {TINYRT_INT32, "INT32"},   {TINYRT_INT64, "INT64"},
    {TINYRT_FLOAT16, "FP16"},  {TINYRT_FLOAT, "FP32"},    {TINYRT_DOUBLE, "FP64"},
    {TINYRT_STRING, "BYTES"},
};

const char *trt_srv_dtype_name(tinyrt_dtype t) {
  for (size_t i = 0; i < TRT_ARRAY_LEN(dtype_names); i++)
    if (dtype_names[i].t == t) return dtype_names[i].name;
  return "UNDEFINED";
}

tinyrt_dtype trt_srv_dtype_parse(const char *name) {
  for (size_t i = 0; i < TRT_ARRAY_LEN(dtype_names); i++)
    if (!strcmp(dtype_names[i].name, name)) return dtype_names[i].t;
  return TINYRT_UNDEFINED;
}

/* --- signature ------------------------------------------------------------------------------ */

static void io_from_info(trt_srv_io *io, const tinyrt_io_info *info) {
  memset(io, 0, sizeof *io);
  io->name = info->name;
  io->dtype = info->dtype;
  io->rank = info->rank;
  for (int i = 0; i < info->rank && i < TINYRT_MAX_RANK; i++) {
    io->dims[i] = info->dims[i];
    io->dim_names[i] = info->dims[i] < 0 ? info->dim_names[i] : NULL;
  }
}

static bool same_name(const char *a, const char *b) {
  return a == NULL || b == NULL || !strcmp(a, b);
}

/* Probe inputs: zeros everywhere (token 0 exists in every vocabulary) and ones in the attention
 * mask, batch `rows`, sequence `len`; other variable dims are 1. */
static int probe_inputs(const trt_srv_sig *sig, int64_t rows, int64_t len, tinyrt_tensor *t,
                        tinyrt_error *err) {
  for (int i = 0; i < sig->n_inputs; i++) {
    const trt_srv_io *io = &sig->inputs[i];
    size_t es = tinyrt_dtype_size(io->dtype);
    if (es == 0)
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "input '%s' has datatype %s", io->name,
                       trt_srv_dtype_name(io->dtype));
    memset(&t[i], 0, sizeof t[i]);
    t[i].name = io->name;
    t[i].dtype = io->dtype;
    t[i].rank = io->rank;
    for (int d = 0; d < io->rank; d++)
      t[i].dims[d] = d == 0 ? rows : io->seq[d] ? len : io->dims[d] < 0 ? 1 : io->dims[d];
    int64_t n = trt_shape_numel(io->rank, t[i].dims);
    if (n < 0) return trt_error(err, TINYRT_ERR_SHAPE, "input '%s': shape too large", io->name);
    t[i].data = calloc((size_t)n ? (size_t)n : 1, es);
    if (!t[i].data) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory probing the model");
    if (i == sig->mask_input) {
      for (int64_t k = 0; k < n; k++) {
        switch (io->dtype) {
          case TINYRT_INT64: ((int64_t *)t[i].data)[k] = 1; break;
          case TINYRT_INT32: ((int32_t *)t[i].data)[k] = 1; break;
          case TINYRT_FLOAT: ((float *)t[i].data)[k] = 1.0f; break;
          case TINYRT_DOUBLE: ((double *)t[i].data)[k] = 1.0; break;
          default: ((uint8_t *)t[i].data)[k * (int64_t)es] = 1; break; /* little-endian */
        }
      }
    }
  }
  return TINYRT_OK;
}

/* Runs one probe and records every output's shape into dims[o][...] / ranks[o]. */
static int probe_run(const trt_srv_model *m, const trt_srv_sig *sig, int64_t rows, int64_t len,
                     int ranks[], int64_t dims[][TINYRT_MAX_RANK], tinyrt_error *err) {
  tinyrt_tensor in[TRT_SRV_MAX_IO], out[TRT_SRV_MAX_IO];
  memset(in, 0, sizeof in);
  memset(out, 0, sizeof out);
  int rc = probe_inputs(sig, rows, len, in, err);
  if (rc) goto done;
  for (int o = 0; o < sig->n_outputs; o++) out[o].name = sig->outputs[o].name;
  rc = m->ops->run(m->self, in, sig->n_inputs, out, sig->n_outputs, err);
  if (rc) goto done;
  for (int o = 0; o < sig->n_outputs; o++) {
    ranks[o] = out[o].rank;
    memcpy(dims[o], out[o].dims, sizeof dims[o]);
    m->ops->tensor_free(m->self, &out[o]);
  }
done:
  for (int i = 0; i < sig->n_inputs; i++) free(in[i].data);
  return rc;
}

/* Decides from two probes (rows 1, length 3 and rows 2, length 5) which output axes follow the
 * batch and the sequence. Small distinct sizes keep the probes cheap and make a coincidence
 * with a fixed dim (a hidden size of 3 and 5 at once) impossible. */
static bool learn_output_axes(trt_srv_sig *sig, const int ra[], int64_t da[][TINYRT_MAX_RANK],
                              const int rb[], int64_t db[][TINYRT_MAX_RANK], char *why,
                              size_t why_len) {
  for (int o = 0; o < sig->n_outputs; o++) {
    trt_srv_io *io = &sig->outputs[o];
    if (ra[o] != rb[o] || ra[o] < 1 || da[o][0] != 1 || db[o][0] != 2) {
      snprintf(why, why_len, "output '%s' does not have the batch as its first axis", io->name);
      return false;
    }
    if (io->rank >= 0 && io->rank != ra[o]) {
      snprintf(why, why_len, "output '%s' has rank %d, not the declared %d", io->name, ra[o],
               io->rank);
      return false;
    }
    bool declared = io->rank >= 0;
    io->rank = ra[o];
    io->dims[0] = -1;
    for (int d = 1; d < ra[o]; d++) {
      io->seq[d] = false;
      if (sig->ragged && da[o][d] == 3 && db[o][d] == 5) {
        io->seq[d] = true;
        io->dims[d] = -1;
      } else if (da[o][d] == db[o][d]) {
        if (!declared) io->dims[d] = da[o][d];
      } else {
        snprintf(why, why_len, "output '%s' axis %d changes with the batch in a way that cannot be"
                 " split per request", io->name, d);
        return false;
      }
    }
  }
  return true;
}

int trt_srv_sig_build(const trt_srv_model *m, trt_srv_sig *sig, char *warning, size_t warning_len,
                      tinyrt_error *err) {
  memset(sig, 0, sizeof *sig);
  if (warning_len) warning[0] = '\0';
  sig->mask_input = sig->ids_input = -1;
  int ni = m->ops->input_count(m->self), no = m->ops->output_count(m->self);
  if (ni < 1 || no < 1)
    return trt_error(err, TINYRT_ERR_MODEL, "the model has %d inputs and %d outputs", ni, no);
  if (ni > TRT_SRV_MAX_IO || no > TRT_SRV_MAX_IO)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED,
                     "the model has %d inputs and %d outputs; the server handles up to %d each", ni,
                     no, TRT_SRV_MAX_IO);
  sig->n_inputs = ni;
  sig->n_outputs = no;
  bool batchable = true;
  for (int i = 0; i < ni; i++) {
    tinyrt_io_info info;
    int rc = m->ops->input_info(m->self, i, &info);
    if (rc) return trt_error(err, rc, "reading the description of input %d failed", i);
    if (info.rank < 0)
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "input '%s' has no declared rank", info.name);
    io_from_info(&sig->inputs[i], &info);
    if (tinyrt_dtype_size(info.dtype) == 0)
      return trt_error(err, TINYRT_ERR_UNSUPPORTED, "input '%s' has datatype %s, which the server"
                       " does not handle", info.name, trt_srv_dtype_name(info.dtype));
    if (info.rank < 1 || info.dims[0] >= 0) batchable = false;
    int64_t bound = 0;
    if ((info.dtype == TINYRT_INT64 || info.dtype == TINYRT_INT32) && m->ops->input_index_bound &&
        m->ops->input_index_bound(m->self, i, &bound) == TINYRT_OK && bound > 0)
      sig->inputs[i].bound = bound;
    if (!strcmp(info.name, "attention_mask")) sig->mask_input = i;
    if (!strcmp(info.name, "input_ids") && (info.dtype == TINYRT_INT64 || info.dtype == TINYRT_INT32))
      sig->ids_input = i;
  }
  for (int o = 0; o < no; o++) {
    tinyrt_io_info info;
    int rc = m->ops->output_info(m->self, o, &info);
    if (rc) return trt_error(err, rc, "reading the description of output %d failed", o);
    io_from_info(&sig->outputs[o], &info);
    if (info.rank >= 1 && info.dims[0] >= 0) batchable = false;
  }

  /* Ragged batching needs every variable non-batch input axis to be the mask's sequence axis. */
  const trt_srv_io *mask = sig->mask_input >= 0 ? &sig->inputs[sig->mask_input] : NULL;
  bool ragged = batchable && mask && mask->rank == 2 && mask->dims[1] < 0;
  for (int i = 0; ragged && i < ni; i++) {
    trt_srv_io *io = &sig->inputs[i];
    for (int d = 1; d < io->rank; d++) {
      if (io->dims[d] >= 0) continue;
      if (d != 1 || !same_name(io->dim_names[1], mask->dim_names[1])) ragged = false;
    }
  }
  if (ragged)
    for (int i = 0; i < ni; i++) sig->inputs[i].seq[1] = sig->inputs[i].rank >= 2 &&
                                                        sig->inputs[i].dims[1] < 0;
  sig->ragged = ragged;
  if (!batchable) return TINYRT_OK;

  int ra[TRT_SRV_MAX_IO], rb[TRT_SRV_MAX_IO];
  int64_t da[TRT_SRV_MAX_IO][TINYRT_MAX_RANK], db[TRT_SRV_MAX_IO][TINYRT_MAX_RANK];
  tinyrt_error perr = {0};
  char why[256] = "";
  bool ok = probe_run(m, sig, 1, 3, ra, da, &perr) == TINYRT_OK &&
            probe_run(m, sig, 2, 5, rb, db, &perr) == TINYRT_OK;
  if (!ok)
    snprintf(why, sizeof why, "a probe run failed: %.200s", perr.message);
  else
    ok = learn_output_axes(sig, ra, da, rb, db, why, sizeof why);
  if (!ok) {
    sig->batchable = sig->ragged = false;
    for (int i = 0; i < ni; i++) memset(sig->inputs[i].seq, 0, sizeof sig->inputs[i].seq);
    for (int o = 0; o < no; o++) memset(sig->outputs[o].seq, 0, sizeof sig->outputs[o].seq);
    if (warning_len) snprintf(warning, warning_len, "requests run one at a time: %s", why);
    return TINYRT_OK;
  }
  sig->batchable = true;
  return TINYRT_OK;
}

/* --- per-request check ---------------------------------------------------------------------- */

static char *shape_text(const int64_t *dims, int rank, char *buf, size_t len) {
  return trt_shape_str(rank, dims, buf, len);
}

static int64_t int_at(const trt_srv_tensor *t, int64_t k) {
  return t->dtype == TINYRT_INT64 ? ((const int64_t *)t->data)[k] : ((const int32_t *)t->data)[k];
}

/* Ids must be rows of the table they index; checking here names the input and the value, and
 * keeps one bad request from failing a whole batch inside the model. */
static int check_ids(const trt_srv_io *io, bool is_ids, const trt_srv_tensor *t,
                     tinyrt_error *err) {
  if (t->dtype != TINYRT_INT64 && t->dtype != TINYRT_INT32) return TINYRT_OK;
  if (io->bound <= 0 && !is_ids) return TINYRT_OK;
  int64_t n = trt_shape_numel(t->rank, t->dims);
  for (int64_t k = 0; k < n; k++) {
    int64_t v = int_at(t, k);
    if (v >= 0 && (io->bound <= 0 || v < io->bound)) continue;
    if (io->bound > 0)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s' holds id %lld at element %lld,"
                       " outside the vocabulary [0, %lld)", io->name, (long long)v, (long long)k,
                       (long long)io->bound);
    return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s' holds id %lld at element %lld; ids"
                     " cannot be negative", io->name, (long long)v, (long long)k);
  }
  return TINYRT_OK;
}

int trt_srv_sig_check(const trt_srv_sig *sig, const char *model_name, trt_srv_named *in, int n_in,
                      trt_srv_tensor *ordered, int64_t *rows, int64_t *seq_len, tinyrt_error *err) {
  int slot[TRT_SRV_MAX_IO];
  for (int i = 0; i < sig->n_inputs; i++) slot[i] = -1;
  for (int k = 0; k < n_in; k++) {
    int found = -1;
    for (int i = 0; i < sig->n_inputs && found < 0; i++)
      if (!strcmp(sig->inputs[i].name, in[k].name)) found = i;
    if (found < 0)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "unexpected inference input '%s' for model '%s'",
                       in[k].name, model_name);
    if (slot[found] >= 0)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s' is given more than once", in[k].name);
    slot[found] = k;
  }
  for (int i = 0; i < sig->n_inputs; i++)
    if (slot[i] < 0)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "missing inference input '%s' for model '%s'",
                       sig->inputs[i].name, model_name);

  int64_t r = -1, len = 0;
  const char *r_from = NULL, *len_from = NULL;
  for (int i = 0; i < sig->n_inputs; i++) {
    const trt_srv_io *io = &sig->inputs[i];
    const trt_srv_tensor *t = &in[slot[i]].t;
    char want[128], got[128];
    if (t->dtype != io->dtype)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "unexpected datatype %s for inference input '%s',"
                       " expecting %s", trt_srv_dtype_name(t->dtype), io->name,
                       trt_srv_dtype_name(io->dtype));
    bool fits = t->rank == io->rank;
    for (int d = 0; fits && d < io->rank; d++)
      if (io->dims[d] >= 0 && t->dims[d] != io->dims[d]) fits = false;
    if (!fits)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "unexpected shape for input '%s' for model '%s':"
                       " expected %s, got %s", io->name, model_name,
                       shape_text(io->dims, io->rank, want, sizeof want),
                       shape_text(t->dims, t->rank, got, sizeof got));
    int64_t numel = trt_shape_numel(t->rank, t->dims);
    if (numel < 0 || (size_t)numel * tinyrt_dtype_size(t->dtype) != t->nbytes)
      return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s' holds %zu bytes of data but shape %s"
                       " needs %lld", io->name, t->nbytes,
                       shape_text(t->dims, t->rank, got, sizeof got),
                       (long long)numel * (long long)tinyrt_dtype_size(t->dtype));
    for (int d = 0; d < t->rank; d++)
      if (t->dims[d] == 0)
        return trt_error(err, TINYRT_ERR_ARGUMENT, "input '%s' has an empty shape %s", io->name,
                         shape_text(t->dims, t->rank, got, sizeof got));
    if (sig->batchable) {
      if (r >= 0 && t->dims[0] != r)
        return trt_error(err, TINYRT_ERR_ARGUMENT, "inputs disagree on the batch size: '%s' has"
                         " %lld rows, '%s' has %lld", r_from, (long long)r, io->name,
                         (long long)t->dims[0]);
      r = t->dims[0];
      r_from = io->name;
    }
    if (sig->ragged && io->seq[1]) {
      if (len_from && t->dims[1] != len)
        return trt_error(err, TINYRT_ERR_ARGUMENT, "inputs disagree on the sequence length: '%s'"
                         " has %lld, '%s' has %lld", len_from, (long long)len, io->name,
                         (long long)t->dims[1]);
      len = t->dims[1];
      len_from = io->name;
    }
  }
  /* Variable dims sharing a name (e.g. "sequence_length") must agree across inputs, as tinyrt
   * will insist; saying so here names the inputs instead of failing inside a batch. */
  for (int i = 0; i < sig->n_inputs; i++)
    for (int d = 0; d < sig->inputs[i].rank; d++) {
      const char *nm = sig->inputs[i].dim_names[d];
      if (!nm) continue;
      for (int j = i + 1; j < sig->n_inputs; j++)
        for (int e = 0; e < sig->inputs[j].rank; e++) {
          const char *nm2 = sig->inputs[j].dim_names[e];
          if (!nm2 || strcmp(nm, nm2)) continue;
          int64_t a = in[slot[i]].t.dims[d], b = in[slot[j]].t.dims[e];
          if (a != b)
            return trt_error(err, TINYRT_ERR_ARGUMENT, "inputs '%s' and '%s' disagree on dimension"
                             " '%s': %lld vs %lld", sig->inputs[i].name, sig->inputs[j].name, nm,
                             (long long)a, (long long)b);
        }
    }
  for (int i = 0; i < sig->n_inputs; i++) {
    int rc = check_ids(&sig->inputs[i], i == sig->ids_input, &in[slot[i]].t, err);
    if (rc) return rc;
  }
  for (int i = 0; i < sig->n_inputs; i++) {
    ordered[i] = in[slot[i]].t;
    memset(&in[slot[i]].t, 0, sizeof in[slot[i]].t);
  }
  *rows = sig->batchable ? r : 1;
  *seq_len = sig->ragged ? len : 0;
  return TINYRT_OK;
}
