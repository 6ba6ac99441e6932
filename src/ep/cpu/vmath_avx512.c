/* vmath.h's table for AVX-512. */
#include <string.h>

#include "ep/cpu/vmath.h"
#include "ep/cpu/vmath_avx512.h"

#define V __m512
#define VLEN 16
#define VA_FN(name) trt_avx512_##name
#define VA_LOAD _mm512_loadu_ps
#define VA_STORE _mm512_storeu_ps
#define VA_SET1 _mm512_set1_ps
#define VA_ADD _mm512_add_ps
#define VA_SUB _mm512_sub_ps
#define VA_MUL _mm512_mul_ps
#define VA_MAX _mm512_max_ps
#define VA_HSUM _mm512_reduce_add_ps
#define VA_HMAX _mm512_reduce_max_ps
#define VA_TABLE trt_vmath_avx512
#define VA_ISA TRT_ISA_AVX512
#include "ep/cpu/vmath_arrays.h"
