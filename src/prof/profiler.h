/* Profiling: timestamps of session and node events, written as a Chrome trace in ONNX Runtime's
 * profile format (a JSON array of "X" events; see docs/profiling.md). */
#ifndef TRT_PROFILER_H
#define TRT_PROFILER_H

#include <pthread.h>

#include "core/common.h"

typedef enum trt_prof_kind {
  TRT_PROF_MODEL_LOAD,
  TRT_PROF_SESSION_INIT,
  TRT_PROF_RUN,
  TRT_PROF_NODE
} trt_prof_kind;

typedef struct trt_prof_event {
  uint8_t kind;
  int32_t node;       /* NODE: graph node index */
  int32_t plan;       /* NODE: the plan whose shapes it ran with (index in the session cache) */
  int32_t tid;
  uint64_t ts_ns;     /* since profiling started */
  uint64_t dur_ns;
} trt_prof_event;

typedef struct trt_profiler {
  const trt_alloc *al;
  pthread_mutex_t lock;
  uint64_t t0_ns;
  trt_prof_event *events;
  size_t n_events, cap_events;
} trt_profiler;

int trt_profiler_create(const trt_alloc *al, uint64_t t0_ns, trt_profiler **out);
void trt_profiler_destroy(trt_profiler *p);
/* Appends events (copies them); thread-safe. Returns TINYRT_ERR_NOMEM on failure. */
int trt_profiler_add(trt_profiler *p, const trt_prof_event *ev, size_t n);

#endif
