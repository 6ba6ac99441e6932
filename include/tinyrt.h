/*
 * tinyrt — a small, fast inference runtime for transformer encoders exported to ONNX.
 *
 * This header is the specification of the public API.
 *
 * Conventions
 *   - Every public name starts with tinyrt_ / TINYRT_.
 *   - Objects are opaque handles created by an _open/_create call and released by the matching
 *     _close/_free call.
 *   - Every fallible call returns an int result code (TINYRT_OK on success) and, when the caller
 *     passes a non-NULL tinyrt_error, fills it with the code and a message that names what was
 *     wrong (the node, the input, the byte offset...). The error struct lives in the caller's
 *     memory, so concurrent calls never share an error slot.
 *   - The library keeps no global state. All state hangs off a tinyrt_session, whose memory
 *     comes from the allocator given in the options (malloc/free when none is given).
 *   - The library never calls exit() or abort() on bad input.
 *
 * Thread safety
 *   - A tinyrt_session may be used by several threads at once: tinyrt_run() calls on one
 *     session may run concurrently. Each concurrent run uses its own working memory; runs of the
 *     same input shapes reuse memory from earlier runs, so a steady stream of runs allocates
 *     nothing after the first one of each shape (per concurrent caller).
 *   - tinyrt_session_close() must not race with any other call on the same session.
 */
#ifndef TINYRT_H
#define TINYRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TINYRT_VERSION "0.1.0"
#define TINYRT_MAX_RANK 8

/* Result codes. */
enum {
  TINYRT_OK = 0,
  TINYRT_ERR_IO = 1,          /* a file could not be opened, mapped or written */
  TINYRT_ERR_MODEL = 2,       /* the model is malformed (bad protobuf, dangling value, bad attribute) */
  TINYRT_ERR_UNSUPPORTED = 3, /* an op, data type or feature tinyrt does not implement */
  TINYRT_ERR_ARGUMENT = 4,    /* a bad argument: unknown input name, wrong dtype or rank, NULL */
  TINYRT_ERR_SHAPE = 5,       /* shapes do not fit: mismatched dims, bad broadcast, too small buffer */
  TINYRT_ERR_NOMEM = 6,       /* an allocation failed; the session is still valid */
  TINYRT_ERR_INTERNAL = 7     /* a bug in tinyrt; please report it */
};

/* Element types; the values are ONNX's TensorProto.DataType values. */
typedef enum tinyrt_dtype {
  TINYRT_UNDEFINED = 0,
  TINYRT_FLOAT = 1,
  TINYRT_UINT8 = 2,
  TINYRT_INT8 = 3,
  TINYRT_UINT16 = 4,
  TINYRT_INT16 = 5,
  TINYRT_INT32 = 6,
  TINYRT_INT64 = 7,
  TINYRT_STRING = 8,
  TINYRT_BOOL = 9,
  TINYRT_FLOAT16 = 10,
  TINYRT_DOUBLE = 11,
  TINYRT_UINT32 = 12,
  TINYRT_UINT64 = 13
} tinyrt_dtype;

typedef struct tinyrt_error {
  int code;            /* a TINYRT_ERR_* code, TINYRT_OK when nothing failed */
  char message[480];   /* NUL-terminated, human readable */
} tinyrt_error;

/* A tensor as the caller sees it: row-major, densely packed, little-endian. */
typedef struct tinyrt_tensor {
  const char *name;    /* input/output name; NULL means "by position" */
  tinyrt_dtype dtype;
  int rank;
  int64_t dims[TINYRT_MAX_RANK];
  void *data;          /* element data; see tinyrt_run() for outputs */
  size_t capacity;     /* bytes available at data (outputs); ignored for inputs */
} tinyrt_tensor;

/* Pluggable allocator. alloc(size) returns memory aligned to at least 64 bytes, or NULL. */
typedef struct tinyrt_allocator {
  void *(*alloc)(void *user, size_t size);
  void (*free)(void *user, void *ptr);
  void *user;
} tinyrt_allocator;

/* One fixed dimension: every graph-input dim named `name` (its ONNX dim_param) becomes `value`. */
typedef struct tinyrt_dim_override {
  const char *name;
  int64_t value;
} tinyrt_dim_override;

typedef struct tinyrt_options {
  int threads;              /* intra-op threads; 0 = the machine's cores */
  const char *providers;    /* execution providers in priority order, comma separated, e.g.
                               "cpu,ref"; NULL = every available provider, fastest first.
                               "ref" (reference kernels for every op) is always appended as the
                               fallback when it is not named. */
  int opt_level;            /* graph optimization level 0, 1 or 2; -1 = the highest */
  int fast_gelu;            /* rewrite erf GELU to the tanh approximation (changes outputs) */
  int remove_padding;       /* skip padded tokens in token-wise work (uses attention_mask) */
  const tinyrt_dim_override *dim_overrides; /* specialize symbolic dims (static shapes) */
  int n_dim_overrides;
  int profile;              /* collect a per-node profile; see tinyrt_profile_write() */
  const tinyrt_allocator *allocator; /* NULL = malloc/free */
  const char *cpu_isa;      /* force a kernel path: "avx512", "avx2", "portable"; NULL = detect */
} tinyrt_options;

/* Fills *opts with the defaults described above. */
void tinyrt_options_init(tinyrt_options *opts);

typedef struct tinyrt_session tinyrt_session;

/* Opens the ONNX model at `path`. The file is memory-mapped and large tensors are used in place.
 * External data files are resolved relative to the model's folder; a location that leaves that
 * folder is refused. opts may be NULL (defaults). On failure *out is NULL. */
int tinyrt_session_open(const char *path, const tinyrt_options *opts, tinyrt_session **out,
                        tinyrt_error *err);

/* Same, from a serialized ModelProto in memory. The buffer is not copied: it must stay valid and
 * unchanged until the session is closed. External data is refused (there is no folder). */
int tinyrt_session_open_buffer(const void *data, size_t size, const tinyrt_options *opts,
                               tinyrt_session **out, tinyrt_error *err);

/* Releases everything the session owns. NULL is a no-op. */
void tinyrt_session_close(tinyrt_session *s);

/* Description of a graph input or output. dims[i] is the fixed size, or -1 when the dim is
 * symbolic; dim_names[i] is then its name (ONNX dim_param), or NULL when it has none. The
 * returned strings live as long as the session. */
typedef struct tinyrt_io_info {
  const char *name;
  tinyrt_dtype dtype;
  int rank;                 /* -1 when unknown */
  int64_t dims[TINYRT_MAX_RANK];
  const char *dim_names[TINYRT_MAX_RANK];
} tinyrt_io_info;

int tinyrt_input_count(const tinyrt_session *s);
int tinyrt_output_count(const tinyrt_session *s);
int tinyrt_input_info(const tinyrt_session *s, int index, tinyrt_io_info *info);
int tinyrt_output_info(const tinyrt_session *s, int index, tinyrt_io_info *info);

/* For an integer input used as indices into a constant table (token ids into an embedding), the
 * number of rows of the smallest such table: valid values are in [0, *bound). Returns
 * TINYRT_ERR_ARGUMENT when the input indexes no constant table. */
int tinyrt_input_index_bound(const tinyrt_session *s, int index, int64_t *bound);

/* Runs the model.
 *
 * inputs: one tensor per graph input, matched by name (or by position when name is NULL).
 *   Every input must be given. dtype and rank must match the model; fixed dims must match;
 *   a symbolic dim must have the same size everywhere it appears. Input data is read in place
 *   and must be aligned to its element size.
 * outputs: n_outputs tensors to fill, matched by name (or position when name is NULL); fewer
 *   than the model has is fine. For each, when data is NULL tinyrt allocates the buffer with the
 *   session's allocator and the caller releases it with tinyrt_tensor_free(); otherwise data
 *   must hold `capacity` bytes, enough for the result, or the call fails with TINYRT_ERR_SHAPE
 *   and a message giving the size needed. dtype, rank and dims are written by tinyrt.
 *
 * On failure no output buffer allocated by this call is left behind. */
int tinyrt_run(tinyrt_session *s, const tinyrt_tensor *inputs, int n_inputs,
               tinyrt_tensor *outputs, int n_outputs, tinyrt_error *err);

/* One inference of tinyrt_run_many(): what tinyrt_run() takes, and what it returned. */
typedef struct tinyrt_run_item {
  const tinyrt_tensor *inputs;
  int n_inputs;
  tinyrt_tensor *outputs;
  int n_outputs;
  int rc;            /* set by the call: TINYRT_OK or the failure's code */
  tinyrt_error err;  /* set by the call: the failure's message */
} tinyrt_run_item;

/* Runs n_items independent inferences, each exactly as tinyrt_run() runs it (the same results,
 * bit for bit, and the same outputs contract), with one inference per thread at a time: many
 * small requests (a server's batch of different lengths, say) then need no padding to one
 * shape and no join between the threads at every op. Items fewer than the threads run one
 * after another with all of them. Each item gets its own rc and err; the call returns TINYRT_OK
 * when every item succeeded, else the first failed item's code, with its message in err.
 * Items must not share output buffers. */
int tinyrt_run_many(tinyrt_session *s, tinyrt_run_item *items, int n_items, tinyrt_error *err);

/* Releases an output buffer that tinyrt_run() allocated, and sets t->data to NULL. */
void tinyrt_tensor_free(tinyrt_session *s, tinyrt_tensor *t);

/* Bytes of one element of dtype, 0 for types without a fixed size. */
size_t tinyrt_dtype_size(tinyrt_dtype dtype);
/* ONNX spelling of dtype: "float", "int64", ... */
const char *tinyrt_dtype_name(tinyrt_dtype dtype);
/* A short description of a result code. */
const char *tinyrt_code_name(int code);

/* --- Introspection used by the CLI and tools --------------------------------------------- */

/* Timings of session creation, in milliseconds. */
typedef struct tinyrt_session_stats {
  double model_load_ms;     /* map + parse the file */
  double session_init_ms;   /* everything after loading: optimize, partition, prepare kernels */
  int n_nodes;              /* nodes after optimization */
  int n_nodes_loaded;       /* nodes as loaded */
  int n_partitions;
  int64_t n_parameters;     /* elements of float initializers */
  int64_t bytes_copied;     /* initializer bytes that could not be used in place */
} tinyrt_session_stats;

int tinyrt_session_stats_get(const tinyrt_session *s, tinyrt_session_stats *st);

/* Writes the profile collected so far (options.profile must be set) as a Chrome-trace JSON
 * array in ONNX Runtime's profile format. */
int tinyrt_profile_write(tinyrt_session *s, const char *path, tinyrt_error *err);

#ifdef __cplusplus
}
#endif
#endif /* TINYRT_H */
