/* vmath.h's table in portable C: "vectors" of one float, which the compiler vectorizes in the
 * elementwise loops. */
#include <string.h>

#include "ep/cpu/vmath.h"
#include "ep/cpu/vmath_portable.h"

static inline float load1(const float *p) { return *p; }
static inline void store1(float *p, float v) { *p = v; }
static inline float add1(float a, float b) { return a + b; }
static inline float sub1(float a, float b) { return a - b; }
static inline float mul1(float a, float b) { return a * b; }
static inline float max1(float a, float b) { return a > b ? a : b; }
static inline float id1(float a) { return a; }

#define V float
#define VLEN 1
#define VA_FN(name) trt_port_##name
#define VA_LOAD load1
#define VA_STORE store1
#define VA_SET1(c) (c)
#define VA_ADD add1
#define VA_SUB sub1
#define VA_MUL mul1
#define VA_MAX max1
#define VA_HSUM id1
#define VA_HMAX id1
#define VA_TABLE trt_vmath_portable
#define VA_ISA TRT_ISA_PORTABLE
#include "ep/cpu/vmath_arrays.h"
