/* Which instruction set the CPU kernels use.
 *
 * The kernels come in three families, tried best first: AVX-512 (F, DQ, BW and VL), AVX2 with
 * FMA, and portable C. A family counts as available only when the CPU has the instructions
 * *and* the operating system saves the wider registers on a context switch (XGETBV). */
#ifndef TRT_CPUID_H
#define TRT_CPUID_H

#include <stdbool.h>

#include "core/common.h"

typedef enum trt_isa {
  TRT_ISA_PORTABLE = 0,
  TRT_ISA_AVX2 = 1,   /* AVX2 + FMA */
  TRT_ISA_AVX512 = 2, /* AVX-512 F + DQ + BW + VL (also implies AVX2 + FMA) */
} trt_isa;

#define TRT_ISA_COUNT 3

/* "portable", "avx2", "avx512" */
const char *trt_isa_name(trt_isa isa);

/* True when this CPU and OS can run kernels of `isa`. Portable is always available. */
bool trt_isa_supported(trt_isa isa);

/* The best family this CPU can run. */
trt_isa trt_isa_best(void);

/* Picks the family: `forced` NULL or "" means trt_isa_best(); otherwise one of the names above,
 * which fails with TINYRT_ERR_UNSUPPORTED when this CPU lacks it and TINYRT_ERR_ARGUMENT for an
 * unknown name. */
int trt_isa_select(const char *forced, trt_isa *out, tinyrt_error *err);

#endif
