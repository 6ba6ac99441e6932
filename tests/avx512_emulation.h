/* Force-included (-include) into the AVX-512 sources when they are built for the emulated
 * tests (tests/avx512_emulated.cmake): maps the AVX-512 intrinsics to SIMDe's portable
 * implementations so the AVX-512 kernels can be checked on CPUs without AVX-512. SIMDe 0.7.4
 * lacks four of the intrinsics used; they are written out below, lane by lane. */
#ifndef TRT_AVX512_EMULATION_H
#define TRT_AVX512_EMULATION_H

#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>

/* names SIMDe 0.7.4's aliases leave out */
#ifndef _MM_FROUND_NO_EXC
#define _MM_FROUND_NO_EXC SIMDE_MM_FROUND_NO_EXC
#endif
#ifndef _MM_FROUND_TO_NEAREST_INT
#define _MM_FROUND_TO_NEAREST_INT SIMDE_MM_FROUND_TO_NEAREST_INT
#endif
#define __mmask16 simde__mmask16

static inline simde__m512 trt_emu_maskz_loadu_ps(simde__mmask16 m, const void *p) {
  float buf[16];
  const float *f = (const float *)p;
  for (int i = 0; i < 16; i++) buf[i] = (m >> i) & 1 ? f[i] : 0.0f;
  return simde_mm512_loadu_ps(buf);
}

static inline void trt_emu_mask_storeu_ps(void *p, simde__mmask16 m, simde__m512 v) {
  float buf[16];
  simde_mm512_storeu_ps(buf, v);
  for (int i = 0; i < 16; i++)
    if ((m >> i) & 1) ((float *)p)[i] = buf[i];
}

static inline float trt_emu_reduce_add_ps(simde__m512 v) {
  float buf[16];
  simde_mm512_storeu_ps(buf, v);
  for (int w = 8; w >= 1; w /= 2) /* pairwise halves, like the hardware sequence */
    for (int i = 0; i < w; i++) buf[i] += buf[i + w];
  return buf[0];
}

static inline float trt_emu_reduce_max_ps(simde__m512 v) {
  float buf[16];
  simde_mm512_storeu_ps(buf, v);
  for (int w = 8; w >= 1; w /= 2)
    for (int i = 0; i < w; i++) buf[i] = buf[i] > buf[i + w] ? buf[i] : buf[i + w];
  return buf[0];
}

#define _mm512_maskz_loadu_ps trt_emu_maskz_loadu_ps
#define _mm512_mask_storeu_ps trt_emu_mask_storeu_ps
#define _mm512_reduce_add_ps trt_emu_reduce_add_ps
#define _mm512_reduce_max_ps trt_emu_reduce_max_ps

#endif
