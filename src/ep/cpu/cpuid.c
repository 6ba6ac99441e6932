#include "ep/cpu/cpuid.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* XCR0 read with the raw instruction: _xgetbv would need -mxsave on this whole file. Only
 * called after CPUID reported OSXSAVE, so the instruction exists. */
static uint64_t read_xcr0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}

typedef struct cpu_features {
  bool avx2_fma, avx512;
} cpu_features;

static cpu_features detect(void) {
  cpu_features f = {false, false};
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  bool fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
  if (!osxsave || !avx) return f;
  uint64_t xcr0 = read_xcr0();
  /* bit 1 SSE state, bit 2 upper halves of ymm; bits 5..7 opmask, upper zmm0-15, zmm16-31 */
  bool os_ymm = (xcr0 & 0x6) == 0x6;
  bool os_zmm = (xcr0 & 0xe6) == 0xe6;
  if (__get_cpuid_max(0, NULL) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  bool avx2 = (b >> 5) & 1;
  bool avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1;
  bool avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
  f.avx2_fma = os_ymm && avx2 && fma;
  f.avx512 = f.avx2_fma && os_zmm && avx512f && avx512dq && avx512bw && avx512vl;
  return f;
}

bool trt_isa_supported(trt_isa isa) {
  cpu_features f = detect();
  switch (isa) {
  case TRT_ISA_PORTABLE: return true;
  case TRT_ISA_AVX2: return f.avx2_fma;
  case TRT_ISA_AVX512: return f.avx512;
  }
  return false;
}

#else

bool trt_isa_supported(trt_isa isa) { return isa == TRT_ISA_PORTABLE; }

#endif

const char *trt_isa_name(trt_isa isa) {
  switch (isa) {
  case TRT_ISA_PORTABLE: return "portable";
  case TRT_ISA_AVX2: return "avx2";
  case TRT_ISA_AVX512: return "avx512";
  }
  return "unknown";
}

trt_isa trt_isa_best(void) {
  if (trt_isa_supported(TRT_ISA_AVX512)) return TRT_ISA_AVX512;
  if (trt_isa_supported(TRT_ISA_AVX2)) return TRT_ISA_AVX2;
  return TRT_ISA_PORTABLE;
}

int trt_isa_select(const char *forced, trt_isa *out, tinyrt_error *err) {
  if (!forced || !forced[0]) {
    *out = trt_isa_best();
    return TINYRT_OK;
  }
  for (int i = 0; i < TRT_ISA_COUNT; i++) {
    if (strcmp(forced, trt_isa_name((trt_isa)i)) != 0) continue;
    if (!trt_isa_supported((trt_isa)i))
      return trt_error(err, TINYRT_ERR_UNSUPPORTED,
                       "cpu_isa \"%s\" was forced but this CPU (or its OS) does not support it; "
                       "the best it supports is \"%s\"",
                       forced, trt_isa_name(trt_isa_best()));
    *out = (trt_isa)i;
    return TINYRT_OK;
  }
  return trt_error(err, TINYRT_ERR_ARGUMENT,
                   "cpu_isa \"%s\" is unknown; use \"avx512\", \"avx2\" or \"portable\"", forced);
}
