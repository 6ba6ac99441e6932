/* Option parsing and input helpers shared by the subcommands. */
#ifndef TINYRT_CLI_UTIL_H
#define TINYRT_CLI_UTIL_H

#include <stdbool.h>

#include "tinyrt.h"

#define CLI_MAX_DIMS 16

/* Named dims from --shape NAME=N[,NAME=N...] (repeatable per call). */
typedef struct cli_dims {
  int n;
  tinyrt_dim_override d[CLI_MAX_DIMS];
  char names[CLI_MAX_DIMS][64];
} cli_dims;

/* Parses "a=1,b=2" into dims (appending). Prints the problem and returns false on bad syntax. */
bool cli_parse_dims(const char *arg, cli_dims *dims);
/* Same, naming option `opt` in its messages. */
bool cli_parse_dims_opt(const char *opt, const char *arg, cli_dims *dims);
/* Parses a non-negative integer option value; prints the problem and returns false on error. */
bool cli_parse_int(const char *opt, const char *arg, long long lo, long long hi, long long *out);

/* Builds deterministic synthetic inputs for every model input at the given dims: token ids inside
 * the table they index (tinyrt_input_index_bound), attention masks all ones, other integers 0,
 * floats in [-1, 1). Data is malloc'd; free with cli_free_inputs. Prints the problem and returns
 * false when a symbolic dim has no value. */
bool cli_make_inputs(const tinyrt_session *s, const cli_dims *dims, tinyrt_tensor **inputs,
                     int *n_inputs);
void cli_free_inputs(tinyrt_tensor *inputs, int n_inputs);
/* Right-pads every sequence of the attention masks among inputs (rank-2 integer inputs named
 * like *mask*): the last `fraction` of each row becomes 0 (at least one token stays real). */
void cli_pad_masks(tinyrt_tensor *inputs, int n_inputs, double fraction);

/* "[1,128,768]" into buf. */
const char *cli_shape_str(const tinyrt_tensor *t, char *buf, size_t len);

/* Creates a directory (and its parents); true when it exists afterwards. */
bool cli_mkdirs(const char *path);

#endif
