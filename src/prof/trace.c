/* Writes a session's profile as a Chrome trace in ONNX Runtime's profile format, so that ORT's
 * tools, Perfetto, chrome://tracing and `tinyrt analyze` all read it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/session.h"

static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static int cmp_ts(const void *a, const void *b) {
  const trt_prof_event *x = a, *y = b;
  return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/* [{"float":[1,128,128]},...] for the node's inputs (which = 0) or outputs (which = 1). */
static void type_shapes(FILE *f, const tinyrt_session *s, const trt_plan *plan, const trt_node *n,
                        int which) {
  int count = which ? n->n_outputs : n->n_inputs;
  const int *vals = which ? n->outputs : n->inputs;
  fputc('[', f);
  bool first = true;
  for (int k = 0; k < count; k++) {
    int v = vals[k];
    if (v < 0) continue;
    const trt_slot *sl = plan ? &plan->slots[v] : NULL;
    if (!sl || sl->kind == TRT_SLOT_DYNAMIC || sl->kind == TRT_SLOT_NONE) continue;
    fprintf(f, "%s{\"%s\":[", first ? "" : ",", tinyrt_dtype_name(sl->t.dtype));
    for (int d = 0; d < sl->t.rank; d++) fprintf(f, "%s%lld", d ? "," : "", (long long)sl->t.dims[d]);
    fputs("]}", f);
    first = false;
  }
  fputc(']', f);
}

static size_t slot_bytes(const trt_plan *plan, int v) {
  if (!plan || v < 0) return 0;
  const trt_slot *sl = &plan->slots[v];
  if (sl->kind == TRT_SLOT_DYNAMIC || sl->kind == TRT_SLOT_NONE) return 0;
  return trt_tensor_nbytes(&sl->t);
}

int tinyrt_profile_write(tinyrt_session *s, const char *path, tinyrt_error *err) {
  if (!s || !path) return trt_error(err, TINYRT_ERR_ARGUMENT, "session or path is NULL");
  if (!s->prof)
    return trt_error(err, TINYRT_ERR_ARGUMENT,
                     "the session was opened without profiling (options.profile)");
  FILE *f = fopen(path, "w");
  if (!f) return trt_error(err, TINYRT_ERR_IO, "cannot create '%s'", path);
  pthread_mutex_lock(&s->prof->lock);
  pthread_mutex_lock(&s->lock);
  size_t n = s->prof->n_events;
  trt_prof_event *ev = trt_malloc(&s->al, (n ? n : 1) * sizeof *ev);
  if (ev && n) memcpy(ev, s->prof->events, n * sizeof *ev);
  int pid = (int)getpid();
  if (ev) {
    qsort(ev, n, sizeof *ev, cmp_ts);
    fputs("[\n", f);
    for (size_t i = 0; i < n; i++) {
      const trt_prof_event *e = &ev[i];
      const char *cat = e->kind == TRT_PROF_NODE ? "Node" : "Session";
      fprintf(f, "{\"cat\":\"%s\",\"pid\":%d,\"tid\":%d,\"dur\":%llu,\"ts\":%llu,\"ph\":\"X\",\"name\":",
              cat, pid, pid + e->tid, (unsigned long long)(e->dur_ns / 1000),
              (unsigned long long)(e->ts_ns / 1000));
      if (e->kind == TRT_PROF_MODEL_LOAD) {
        fputs("\"model_loading_uri\",\"args\":{}", f);
      } else if (e->kind == TRT_PROF_SESSION_INIT) {
        fputs("\"session_initialization\",\"args\":{}", f);
      } else if (e->kind == TRT_PROF_RUN) {
        fputs("\"model_run\",\"args\":{}", f);
      } else {
        const trt_node *nd = &s->g.nodes[e->node];
        const trt_plan *plan = e->plan >= 0 && e->plan < s->n_plans ? s->plans[e->plan] : NULL;
        size_t act = 0, par = 0, outb = 0;
        for (int k = 0; k < nd->n_inputs; k++) {
          int v = nd->inputs[k];
          if (v < 0) continue;
          if (s->g.values[v].kind == TRT_VALUE_CONSTANT)
            par += trt_tensor_nbytes(&s->g.values[v].constant);
          else
            act += slot_bytes(plan, v);
        }
        for (int k = 0; k < nd->n_outputs; k++) outb += slot_bytes(plan, nd->outputs[k]);
        char name[512];
        snprintf(name, sizeof name, "%s_kernel_time", nd->name);
        json_string(f, name);
        fputs(",\"args\":{\"op_name\":", f);
        json_string(f, nd->op_type);
        fputs(",\"provider\":", f);
        json_string(f, s->eps[nd->ep]->provider_name);
        fprintf(f, ",\"node_index\":\"%d\",\"activation_size\":\"%zu\",\"parameter_size\":\"%zu\","
                   "\"output_size\":\"%zu\",\"input_type_shape\":",
                e->node, act, par, outb);
        type_shapes(f, s, plan, nd, 0);
        fputs(",\"output_type_shape\":", f);
        type_shapes(f, s, plan, nd, 1);
        fputc('}', f);
      }
      fprintf(f, "}%s\n", i + 1 < n ? "," : "");
    }
    fputs("]\n", f);
  }
  pthread_mutex_unlock(&s->lock);
  pthread_mutex_unlock(&s->prof->lock);
  trt_free(&s->al, ev);
  if (fclose(f) != 0 || !ev)
    return trt_error(err, ev ? TINYRT_ERR_IO : TINYRT_ERR_NOMEM, "cannot write '%s'", path);
  return TINYRT_OK;
}
