/* The vector math of vmath_body.h on plain floats: trt_port_exp(float) and so on. Branch-free
 * (selects, no early returns), so loops calling them vectorize with the baseline instruction
 * set of whatever target the library is built for. */
#ifndef TRT_VMATH_PORTABLE_H
#define TRT_VMATH_PORTABLE_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float trt_port_min(float a, float b) { return a < b ? a : b; }
static inline float trt_port_max(float a, float b) { return a > b ? a : b; }
static inline float trt_port_sel(int m, float a, float b) { return m ? a : b; }
/* Round to nearest by adding and removing 1.5 * 2^23 (valid for |x| < 2^22): unlike rintf it
 * vectorizes without SSE4.1. */
static inline float trt_port_round(float x) {
  const float magic = 12582912.0f;
  return (x + magic) - magic;
}
static inline float trt_port_ldexp(float p, float n) {
  int32_t bits = ((int32_t)n + 127) << 23;
  float s;
  memcpy(&s, &bits, sizeof s);
  return p * s;
}

#define V float
#define VM int
#define VM_FN(name) trt_port_##name
#define VSET1(c) (c)
#define VADD(a, b) ((a) + (b))
#define VSUB(a, b) ((a) - (b))
#define VMUL(a, b) ((a) * (b))
#define VDIV(a, b) ((a) / (b))
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VFNMA(a, b, c) ((c) - (a) * (b))
#define VMIN trt_port_min
#define VMAX trt_port_max
#define VABS fabsf
#define VCOPYSIGN copysignf
#define VLT(a, b) ((a) < (b))
#define VGT(a, b) ((a) > (b))
#define VISNAN(a) ((a) != (a))
#define VSEL trt_port_sel
#define VROUND trt_port_round
#define VLDEXP trt_port_ldexp

#include "ep/cpu/vmath_body.h" /* which undefines the macros above */

#endif
