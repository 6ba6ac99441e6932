/* ISA detection and the forced choice: names round-trip, portable is always there, the best
 * choice is supported, forcing an unsupported family fails naming it, unknown names fail. The
 * detection itself is cross-checked against the compiler's own CPU probe. */
#include "ep/cpu/cpuid.h"
#include "testutil.h"

int main(void) {
  CHECK(trt_isa_supported(TRT_ISA_PORTABLE));
  CHECK(trt_isa_supported(trt_isa_best()));
  printf("best ISA on this CPU: %s (avx2+fma %s, avx512 f/dq/bw/vl %s)\n",
         trt_isa_name(trt_isa_best()), trt_isa_supported(TRT_ISA_AVX2) ? "yes" : "no",
         trt_isa_supported(TRT_ISA_AVX512) ? "yes" : "no");
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  /* the compiler's probe does not look at XCR0 the same way on every version, so only the
   * direction "we say yes => the CPU has it" is checked */
  if (trt_isa_supported(TRT_ISA_AVX2))
    CHECK(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
  if (trt_isa_supported(TRT_ISA_AVX512))
    CHECK(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"));
#endif
  trt_isa isa = TRT_ISA_AVX512;
  CHECK_EQ_INT(trt_isa_select(NULL, &isa, NULL), TINYRT_OK);
  CHECK_EQ_INT(isa, trt_isa_best());
  CHECK_EQ_INT(trt_isa_select("", &isa, NULL), TINYRT_OK);
  CHECK_EQ_INT(isa, trt_isa_best());
  for (int i = 0; i < TRT_ISA_COUNT; i++) {
    tinyrt_error err = {0};
    trt_isa want = (trt_isa)i;
    int rc = trt_isa_select(trt_isa_name(want), &isa, &err);
    if (trt_isa_supported(want)) {
      CHECK_EQ_INT(rc, TINYRT_OK);
      CHECK_EQ_INT(isa, want);
    } else {
      CHECK_EQ_INT(rc, TINYRT_ERR_UNSUPPORTED);
      CHECK_STR_CONTAINS(err.message, trt_isa_name(want));
      CHECK_STR_CONTAINS(err.message, "does not support");
      printf("forcing %s fails as it should: %s\n", trt_isa_name(want), err.message);
    }
  }
  tinyrt_error err = {0};
  CHECK_EQ_INT(trt_isa_select("sse9", &isa, &err), TINYRT_ERR_ARGUMENT);
  CHECK_STR_CONTAINS(err.message, "sse9");
  return test_finish();
}
