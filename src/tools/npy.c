#include "tools/npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common.h"

static const struct {
  const char *descr;
  tinyrt_dtype dtype;
} npy_types[] = {
    {"<f4", TINYRT_FLOAT}, {"<f8", TINYRT_DOUBLE}, {"<i8", TINYRT_INT64}, {"<i4", TINYRT_INT32},
    {"<i2", TINYRT_INT16}, {"|i1", TINYRT_INT8},   {"|u1", TINYRT_UINT8}, {"|b1", TINYRT_BOOL},
    {"<u2", TINYRT_UINT16}, {"<u4", TINYRT_UINT32}, {"<u8", TINYRT_UINT64}, {"<f2", TINYRT_FLOAT16},
};

/* Finds the value that follows 'key': in the header dict; NULL when absent. */
static const char *dict_value(const char *hdr, const char *key) {
  const char *p = strstr(hdr, key);
  if (!p) return NULL;
  p = strchr(p + strlen(key), ':');
  if (!p) return NULL;
  p++;
  while (*p == ' ') p++;
  return p;
}

int trt_npy_parse(const void *buf, size_t size, tinyrt_tensor *t, tinyrt_error *err) {
  const unsigned char *b = buf;
  memset(t, 0, sizeof *t);
  if (size < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
    return trt_error(err, TINYRT_ERR_ARGUMENT, "not a .npy file (bad magic)");
  size_t hlen, hoff;
  if (b[6] == 1) {
    hlen = (size_t)b[8] | ((size_t)b[9] << 8);
    hoff = 10;
  } else if (b[6] == 2 || b[6] == 3) {
    if (size < 12) return trt_error(err, TINYRT_ERR_ARGUMENT, "truncated .npy header");
    hlen = (size_t)b[8] | ((size_t)b[9] << 8) | ((size_t)b[10] << 16) | ((size_t)b[11] << 24);
    hoff = 12;
  } else {
    return trt_error(err, TINYRT_ERR_ARGUMENT, ".npy format version %d is not supported", b[6]);
  }
  if (hlen > size - hoff) return trt_error(err, TINYRT_ERR_ARGUMENT, "truncated .npy header");
  char *hdr = malloc(hlen + 1);
  if (!hdr) return trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
  memcpy(hdr, b + hoff, hlen);
  hdr[hlen] = '\0';
  int rc = TINYRT_OK;

  const char *descr = dict_value(hdr, "'descr'");
  const char *order = dict_value(hdr, "'fortran_order'");
  const char *shape = dict_value(hdr, "'shape'");
  if (!descr || !order || !shape || *descr != '\'' || *shape != '(') {
    rc = trt_error(err, TINYRT_ERR_ARGUMENT, ".npy header is malformed: %s", hdr);
    goto out;
  }
  if (strncmp(order, "False", 5) != 0) {
    rc = trt_error(err, TINYRT_ERR_UNSUPPORTED, ".npy array in Fortran order is not supported");
    goto out;
  }
  t->dtype = TINYRT_UNDEFINED;
  for (size_t i = 0; i < TRT_ARRAY_LEN(npy_types); i++) {
    size_t n = strlen(npy_types[i].descr);
    if (strncmp(descr + 1, npy_types[i].descr, n) == 0 && descr[1 + n] == '\'') t->dtype = npy_types[i].dtype;
  }
  if (t->dtype == TINYRT_UNDEFINED) {
    const char *end = strchr(descr + 1, '\'');
    rc = trt_error(err, TINYRT_ERR_UNSUPPORTED, ".npy dtype %.*s is not supported (little-endian "
                   "numeric types only)", end ? (int)(end - descr + 1) : 8, descr);
    goto out;
  }
  const char *p = shape + 1;
  t->rank = 0;
  while (*p && *p != ')') {
    while (*p == ' ' || *p == ',') p++;
    if (*p == ')') break;
    char *end;
    long long d = strtoll(p, &end, 10);
    if (end == p || d < 0 || t->rank == TINYRT_MAX_RANK) {
      rc = trt_error(err, TINYRT_ERR_ARGUMENT, ".npy shape is malformed or has more than %d dims",
                     TINYRT_MAX_RANK);
      goto out;
    }
    t->dims[t->rank++] = d;
    p = end;
  }
  int64_t numel = trt_shape_numel(t->rank, t->dims);
  size_t esize = tinyrt_dtype_size(t->dtype), nbytes;
  if (numel < 0 || !trt_mul_size((size_t)numel, esize, &nbytes)) {
    rc = trt_error(err, TINYRT_ERR_ARGUMENT, ".npy shape is too large");
    goto out;
  }
  if (nbytes > size - hoff - hlen) {
    rc = trt_error(err, TINYRT_ERR_ARGUMENT, ".npy data is truncated: %zu bytes expected, %zu present",
                   nbytes, size - hoff - hlen);
    goto out;
  }
  t->data = malloc(nbytes ? nbytes : 1);
  if (!t->data) {
    rc = trt_error(err, TINYRT_ERR_NOMEM, "out of memory");
    goto out;
  }
  memcpy(t->data, b + hoff + hlen, nbytes);
  t->capacity = nbytes;
out:
  free(hdr);
  return rc;
}

int trt_npy_read(const char *path, tinyrt_tensor *t, tinyrt_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return trt_error(err, TINYRT_ERR_IO, "cannot open '%s'", path);
  char *buf = NULL;
  long n = -1;
  if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
  if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
      free(buf);
      buf = NULL;
    }
  }
  fclose(f);
  if (!buf) return trt_error(err, TINYRT_ERR_IO, "cannot read '%s'", path);
  int rc = trt_npy_parse(buf, (size_t)n, t, err);
  free(buf);
  if (rc) trt_error_prefix(err, rc, "%s", path);
  return rc;
}

int trt_npy_write(const char *path, const tinyrt_tensor *t, tinyrt_error *err) {
  const char *descr = NULL;
  for (size_t i = 0; i < TRT_ARRAY_LEN(npy_types); i++)
    if (npy_types[i].dtype == t->dtype) descr = npy_types[i].descr;
  if (!descr)
    return trt_error(err, TINYRT_ERR_UNSUPPORTED, "cannot write dtype %s to .npy",
                     tinyrt_dtype_name(t->dtype));
  char hdr[512];
  int n = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int i = 0; i < t->rank; i++)
    n += snprintf(hdr + n, sizeof hdr - (size_t)n, "%lld%s", (long long)t->dims[i],
                  t->rank == 1 ? "," : (i + 1 < t->rank ? ", " : ""));
  n += snprintf(hdr + n, sizeof hdr - (size_t)n, "), }");
  /* pad with spaces so that magic + header length is a multiple of 64, ending in '\n' */
  int total = 10 + n + 1;
  int pad = (64 - total % 64) % 64;
  for (int i = 0; i < pad; i++) hdr[n++] = ' ';
  hdr[n++] = '\n';
  FILE *f = fopen(path, "wb");
  if (!f) return trt_error(err, TINYRT_ERR_IO, "cannot create '%s'", path);
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(n & 0xff),
                           (unsigned char)(n >> 8)};
  int64_t numel = trt_shape_numel(t->rank, t->dims);
  size_t nbytes = (size_t)numel * tinyrt_dtype_size(t->dtype);
  bool ok = fwrite(pre, 1, 10, f) == 10 && fwrite(hdr, 1, (size_t)n, f) == (size_t)n &&
            (nbytes == 0 || fwrite(t->data, 1, nbytes, f) == nbytes);
  if (fclose(f) != 0) ok = false;
  if (!ok) return trt_error(err, TINYRT_ERR_IO, "cannot write '%s'", path);
  return TINYRT_OK;
}
