/* trt_srv_model over a tinyrt_session: the production model, through the public API only. Kept
 * in its own file so that unit tests with a fake model do not link the runtime's session code. */
#include <stdlib.h>

#include "core/common.h"
#include "serve/model.h"

static int in_count(void *self) { return tinyrt_input_count(self); }
static int out_count(void *self) { return tinyrt_output_count(self); }
static int in_info(void *self, int i, tinyrt_io_info *info) {
  return tinyrt_input_info(self, i, info);
}
static int out_info(void *self, int i, tinyrt_io_info *info) {
  return tinyrt_output_info(self, i, info);
}
static int run(void *self, const tinyrt_tensor *in, int n_in, tinyrt_tensor *out, int n_out,
               tinyrt_error *err) {
  return tinyrt_run(self, in, n_in, out, n_out, err);
}
static void tensor_free(void *self, tinyrt_tensor *t) { tinyrt_tensor_free(self, t); }
static void close_session(void *self) { tinyrt_session_close(self); }
static int index_bound(void *self, int i, int64_t *bound) {
  return tinyrt_input_index_bound(self, i, bound);
}

static int run_many(void *self, tinyrt_run_item *items, int n_items, tinyrt_error *err) {
  return tinyrt_run_many(self, items, n_items, err);
}

static const trt_srv_model_ops tinyrt_model_ops = {
    in_count, out_count, in_info, out_info, run, tensor_free, close_session, index_bound, run_many,
};

int trt_srv_model_open_tinyrt(const char *path, const tinyrt_options *opts, trt_srv_model *out,
                              tinyrt_error *err) {
  tinyrt_session *s = NULL;
  out->ops = NULL;
  out->self = NULL;
  int rc = tinyrt_session_open(path, opts, &s, err);
  if (rc) return rc;
  out->ops = &tinyrt_model_ops;
  out->self = s;
  return TINYRT_OK;
}
