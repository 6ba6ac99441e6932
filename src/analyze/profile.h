/* Reading a Chrome-trace profile, as ONNX Runtime and tinyrt write it, into a compact event table.
 *
 * The file is a JSON array of events, or an object whose "traceEvents" member is that array.
 * Every event needs a string "name"; complete events (ph "X", or no ph) also need numbers "ts"
 * and "dur" in microseconds. Node events are named "<node>_kernel_time", "<node>_fence_before"
 * or "<node>_fence_after"; a kernel event's args must give "op_name" and "provider" (strings)
 * and may give "node_index" (string or number) and "input_type_shape". Everything else is kept
 * as an uninterpreted event that still counts and still spans the profile's duration. */
#ifndef TRT_ANALYZE_PROFILE_H
#define TRT_ANALYZE_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/common.h"

typedef enum trt_pev_kind {
  TRT_PEV_OTHER = 0,    /* e.g. SequentialExecutor::Execute, metadata events */
  TRT_PEV_MODEL_LOAD,   /* model_loading_uri, model_loading_array */
  TRT_PEV_SESSION_INIT, /* session_initialization */
  TRT_PEV_RUN,          /* model_run */
  TRT_PEV_KERNEL,       /* <node>_kernel_time */
  TRT_PEV_FENCE         /* <node>_fence_before, <node>_fence_after */
} trt_pev_kind;

typedef struct trt_pev {
  double ts, dur;     /* microseconds; dur is 0 for events that are not complete ("X") events */
  int64_t node_index; /* -1 when absent */
  int32_t name;       /* string id: the node name (suffix removed) for node events, else the name */
  int32_t op;         /* string id of args.op_name, -1 when absent */
  int32_t provider;   /* string id of args.provider, -1 when absent */
  int32_t shape;      /* string id of args.input_type_shape (compact JSON text), -1 when absent */
  uint8_t kind;       /* trt_pev_kind */
  uint8_t timed;      /* 1 when ts/dur are meaningful (a complete event) */
} trt_pev;

typedef struct trt_profile {
  trt_pev *events;
  size_t n_events;
  /* Interned strings: string id i is pool + offs[i]. Node names repeat once per run, so each
   * distinct string is stored once. Offsets (not pointers) keep the struct freely movable. */
  char *pool;
  size_t pool_len, pool_cap;
  size_t *offs;
  int32_t n_strs, cap_strs;
  int32_t *slots; /* open-addressing hash of string ids, -1 = empty */
  size_t n_slots;
} trt_profile;

/* Reads and parses path. On failure *p is left empty (safe to free) and err names the problem:
 * the file, the JSON position, or the event index and the field that is missing or mistyped. */
int trt_profile_load(const char *path, trt_profile *p, tinyrt_error *err);
/* Same, from memory (text need not be NUL-terminated). */
int trt_profile_parse(const char *text, size_t len, trt_profile *p, tinyrt_error *err);
void trt_profile_free(trt_profile *p);

/* The string for id (id >= 0), or "" for -1. */
const char *trt_profile_str(const trt_profile *p, int32_t id);

#endif
