/* NumPy .npy files (format version 1.0/2.0/3.0, little-endian, C order), for the CLI and tests. */
#ifndef TRT_NPY_H
#define TRT_NPY_H

#include "tinyrt.h"

/* Reads path into *t: dtype, rank, dims and a malloc'd data buffer (free() it). Fails naming the
 * problem (not an .npy file, unsupported dtype such as big-endian or object, Fortran order,
 * truncated data). */
int trt_npy_read(const char *path, tinyrt_tensor *t, tinyrt_error *err);
/* Same, from memory. */
int trt_npy_parse(const void *buf, size_t size, tinyrt_tensor *t, tinyrt_error *err);
/* Writes t (format 1.0). */
int trt_npy_write(const char *path, const tinyrt_tensor *t, tinyrt_error *err);

#endif
