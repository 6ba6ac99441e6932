/* libFuzzer target for tinyrt_run() on the shipped bert-tiny: whatever tensors a caller passes
 * (names or positions, dtypes, ranks, dims, token ids, mask values, output buffers), the run
 * either succeeds with outputs of the right shape (and finite values, when the mask is 0/1), or
 * fails with an argument or shape error and a message. It traps on anything else: a crash or sanitizer report, an
 * internal error, a failure without a message, or a success with wrong or non-finite outputs.
 *
 * Two sessions are fuzzed: the default one (1 thread) and one with padding removal (2 threads),
 * whose packed path reads the mask itself. The model path comes from the environment variable
 * TINYRT_FUZZ_MODEL, else from the build (FUZZ_MODEL).
 *
 * Input layout, each byte read in turn (missing bytes read as 0):
 *   flags: bit 0 the padding-removal session; bit 1 inputs by position; bit 2 leave the last
 *          input out; bit 3 a caller buffer for last_hidden_state, bit 4 too small by a row;
 *          bit 5 run again without an error struct, which must give the same result code
 *   per input (input_ids, attention_mask, token_type_ids): dtype selector, rank, dims, then its
 *          values, 2 bytes per element, taken modulo a range that crosses the valid one. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tinyrt.h"

#ifndef FUZZ_MODEL
#define FUZZ_MODEL "models/bert-tiny/model.onnx"
#endif
#define VOCAB 30522
#define HIDDEN 128
#define MAX_ELEMS 96 /* runs stay short: the fuzzer is after the checks, not the arithmetic */

static void require(int cond) {
  if (!cond) __builtin_trap(); /* the fuzzer reports it with the input that caused it */
}

typedef struct reader {
  const uint8_t *p;
  size_t n, at;
} reader;

static unsigned next(reader *r) { return r->at < r->n ? r->p[r->at++] : 0; }

static tinyrt_session *sessions[2];

static tinyrt_session *open_session(int remove_padding, int threads) {
  const char *path = getenv("TINYRT_FUZZ_MODEL");
  tinyrt_options o;
  tinyrt_options_init(&o);
  o.threads = threads;
  o.remove_padding = remove_padding;
  tinyrt_session *s = NULL;
  tinyrt_error err = {0};
  if (tinyrt_session_open(path ? path : FUZZ_MODEL, &o, &s, &err) != TINYRT_OK) {
    fprintf(stderr, "fuzz_run: cannot open the model: %s\n", err.message);
    exit(2); /* the harness, not the library: nothing to fuzz without the model */
  }
  return s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  sessions[0] = open_session(0, 1);
  sessions[1] = open_session(1, 2);
  return 0;
}

static const char *const input_names[3] = {"input_ids", "attention_mask", "token_type_ids"};

static tinyrt_dtype dtype_of(unsigned sel) {
  switch (sel % 8) {
    case 5: return TINYRT_INT32;
    case 6: return TINYRT_FLOAT;
    case 7: return (tinyrt_dtype)(sel / 8 % 16); /* any code, valid or not */
    default: return TINYRT_INT64;
  }
}

/* A value for element k of input i from two fuzz bytes: mostly in the valid range, sometimes out. */
static int64_t value_of(int i, unsigned lo, unsigned hi) {
  unsigned v = lo | hi << 8;
  switch (i) {
    case 0: return (int64_t)(v % (VOCAB + 64)) - 32; /* ids, 32 past each end */
    case 1: return (int64_t)(v % 5) - 1;             /* mask: -1, 0, 1, 2, 3 */
    default: return (int64_t)(v % 4) - 1;            /* token types: -1 .. 2 */
  }
}

/* Fills input i; returns whether every value is 0 or 1. */
static bool fill(tinyrt_tensor *t, int i, size_t numel, reader *r) {
  bool binary = true;
  for (size_t k = 0; k < numel; k++) {
    int64_t v = value_of(i, next(r), next(r));
    binary &= v == 0 || v == 1;
    switch (t->dtype) {
      case TINYRT_INT64: ((int64_t *)t->data)[k] = v; break;
      case TINYRT_INT32: ((int32_t *)t->data)[k] = (int32_t)v; break;
      case TINYRT_FLOAT: ((float *)t->data)[k] = (float)v; break;
      default: ((uint8_t *)t->data)[k] = (uint8_t)v; break;
    }
  }
  return binary;
}

/* finite: whether the values must be finite. A mask value other than 0 or 1 puts
 * (1 - mask) x the graph's large negative constant into the scores, which overflows to +inf for
 * mask >= 2 or makes every key -inf for a row of -1s: NaN as the graph itself computes it. */
static void check_outputs(const tinyrt_tensor *out, int n_out, const tinyrt_tensor *ids,
                          bool finite) {
  /* a success means the ids fixed batch and sequence */
  require(ids->rank == 2);
  int64_t b = ids->dims[0], s = ids->dims[1];
  for (int o = 0; o < n_out; o++) {
    const tinyrt_tensor *t = &out[o];
    require(t->dtype == TINYRT_FLOAT && t->data != NULL);
    bool hidden = !strcmp(t->name, "last_hidden_state");
    require(t->rank == (hidden ? 3 : 2) && t->dims[0] == b);
    require(!hidden || (t->dims[1] == s && t->dims[2] == HIDDEN));
    require(hidden || t->dims[1] == HIDDEN);
    size_t n = (size_t)b * (size_t)(hidden ? s * HIDDEN : HIDDEN);
    for (size_t k = 0; finite && k < n; k++) require(isfinite(((const float *)t->data)[k]));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  reader r = {data, size, 0};
  unsigned flags = next(&r);
  tinyrt_session *s = sessions[flags & 1];
  int n_in = flags & 4 ? 2 : 3;
  tinyrt_tensor in[3];
  void *bufs[3] = {NULL, NULL, NULL};
  float *given = NULL;
  memset(in, 0, sizeof in);
  int negative = 0; /* some dim is negative: the run must refuse it without reading data */
  bool mask_binary = true;
  for (int i = 0; i < n_in; i++) {
    tinyrt_tensor *t = &in[i];
    t->name = flags & 2 ? NULL : input_names[i];
    t->dtype = dtype_of(next(&r));
    t->rank = (int)(next(&r) % 4);
    size_t numel = 1;
    for (int d = 0; d < t->rank; d++) {
      t->dims[d] = (int64_t)(next(&r) % 20) - 1; /* -1 and 0 included */
      if (t->dims[d] < 0) negative = 1;
      else numel *= (size_t)t->dims[d];
    }
    if (negative) numel = 0;
    /* a correct run reads every element: longer inputs than the buffers hold are not tried */
    if (numel > MAX_ELEMS) goto out;
    size_t bytes = numel * (tinyrt_dtype_size(t->dtype) ? tinyrt_dtype_size(t->dtype) : 1);
    bufs[i] = calloc(1, bytes + 8);
    require(bufs[i] != NULL);
    t->data = bufs[i];
    bool binary = fill(t, i, numel, &r);
    if (i == 1) mask_binary = binary;
  }

  tinyrt_tensor out[2];
  memset(out, 0, sizeof out);
  out[0].name = "last_hidden_state";
  out[1].name = "pooler_output";
  if (flags & 8 && in[0].rank == 2 && !negative) {
    size_t need = (size_t)(in[0].dims[0] * in[0].dims[1]) * HIDDEN * sizeof(float);
    size_t cap = flags & 16 && need >= HIDDEN * sizeof(float) ? need - HIDDEN * sizeof(float)
                                                              : need;
    given = malloc(cap + 1);
    require(given != NULL);
    out[0].data = given;
    out[0].capacity = cap;
  }
  tinyrt_error err = {0};
  int rc = tinyrt_run(s, in, n_in, out, 2, &err);
  if (rc == TINYRT_OK) {
    require(!negative);
    check_outputs(out, 2, &in[0], mask_binary);
  } else {
    require(rc == TINYRT_ERR_ARGUMENT || rc == TINYRT_ERR_SHAPE || rc == TINYRT_ERR_UNSUPPORTED);
    require(err.code == rc && err.message[0] != '\0');
    require(out[1].data == NULL); /* nothing allocated by a failed call is left behind */
  }
  if (out[0].data != given) tinyrt_tensor_free(s, &out[0]);
  tinyrt_tensor_free(s, &out[1]);
  if (flags & 32) { /* the error struct is optional: without one the outcome is the same */
    out[0].data = given;
    int rc_null = tinyrt_run(s, in, n_in, out, 2, NULL);
    require(rc_null == rc);
    require(rc_null == TINYRT_OK || out[1].data == NULL);
    if (out[0].data != given) tinyrt_tensor_free(s, &out[0]);
    tinyrt_tensor_free(s, &out[1]);
  }
  free(given);
out:
  for (int i = 0; i < 3; i++) free(bufs[i]);
  return 0;
}
