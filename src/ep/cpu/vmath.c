#include "ep/cpu/vmath.h"

const trt_vmath *trt_vmath_for(trt_isa isa) {
  switch (isa) {
  case TRT_ISA_AVX512: return &trt_vmath_avx512;
  case TRT_ISA_AVX2: return &trt_vmath_avx2;
  case TRT_ISA_PORTABLE: break;
  }
  return &trt_vmath_portable;
}
