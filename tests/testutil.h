/* A minimal test harness: CHECK macros count failures; test_main-style programs return
 * test_finish(), which prints "N passed, N failed" and exits non-zero on any failure. */
#ifndef TRT_TESTUTIL_H
#define TRT_TESTUTIL_H

#include <stdio.h>
#include <string.h>

#include "tinyrt.h"

/* atomic: tests check results from several threads at once */
extern _Atomic int test_passed, test_failed;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (cond) {                                                                  \
      test_passed++;                                                             \
    } else {                                                                     \
      test_failed++;                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
    }                                                                            \
  } while (0)

#define CHECK_MSG(cond, ...)                                                     \
  do {                                                                           \
    if (cond) {                                                                  \
      test_passed++;                                                             \
    } else {                                                                     \
      test_failed++;                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);   \
      fprintf(stderr, __VA_ARGS__);                                              \
      fputc('\n', stderr);                                                       \
    }                                                                            \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                                 \
  do {                                                                                     \
    long long a_ = (long long)(a), b_ = (long long)(b);                                    \
    CHECK_MSG(a_ == b_, "%s = %lld, %s = %lld", #a, a_, #b, b_);                           \
  } while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                                    \
  CHECK_MSG(strstr((hay), (needle)) != NULL, "\"%s\" does not contain \"%s\"", (hay), (needle))

/* Prints the summary line and returns the process exit code. */
int test_finish(void);

/* Max |a - b| over n pairs of float outputs; INFINITY when a pair differs in type or shape, NaN
 * when a value is NaN. */
double test_outputs_max_diff(const tinyrt_tensor *a, const tinyrt_tensor *b, int n);

/* Synthetic inputs of the shipped BERT model in the caller's arrays (rows x len each) and t[3]
 * (input_ids, attention_mask, token_type_ids; INT64 [rows, len]): ids from a fixed linear
 * congruential sequence on seed, row r padded over its last r * pad_step positions, token type 1
 * on the second half of each row. */
void test_bert_inputs(int64_t rows, int64_t len, int64_t pad_step, unsigned seed, int64_t *ids,
                      int64_t *mask, int64_t *types, tinyrt_tensor t[3]);

/* Opens path on the cpu provider with `threads`, profiling on or off and opt_level (-1: the
 * highest); a failure is a failed CHECK and NULL. */
tinyrt_session *test_open(const char *path, int threads, int profile, int opt_level);

/* Reads a whole file into a malloc'd buffer; NULL on failure. */
void *test_read_file(const char *path, size_t *size);

#endif
