# The AVX-512 kernels checked on CPUs without AVX-512: test_sgemm.c and test_vmath.c built a
# second time with the SGEMM and vector-math sources compiled in, the AVX-512 ones through
# SIMDe's portable emulation of the intrinsics (Debian libsimde-dev). Only the AVX-512 path is
# run there (the native builds test the others); on a CPU with AVX-512 the native tests already
# run it, and these still do no harm. Without SIMDe a test stands in that fails and says why, so
# a build that cannot check the AVX-512 kernels does not look as if it had.
find_path(SIMDE_INCLUDE_DIR simde/x86/avx512.h)
if(SIMDE_INCLUDE_DIR AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(cpu_src ${CMAKE_SOURCE_DIR}/src/ep/cpu)
  set(emulated_sources
    ${cpu_src}/cpuid.c ${cpu_src}/sgemm.c ${cpu_src}/sgemm_portable.c ${cpu_src}/sgemm_avx2.c
    ${cpu_src}/sgemm_avx512.c ${cpu_src}/vmath.c ${cpu_src}/vmath_portable.c
    ${cpu_src}/vmath_avx2.c ${cpu_src}/vmath_avx512.c)
  # source properties are per directory: these apply to the targets below only
  set_source_files_properties(${cpu_src}/sgemm_avx2.c ${cpu_src}/vmath_avx2.c
    PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mf16c")
  set_source_files_properties(${cpu_src}/sgemm_avx512.c ${cpu_src}/vmath_avx512.c
    PROPERTIES COMPILE_OPTIONS
    "-include;${CMAKE_CURRENT_SOURCE_DIR}/avx512_emulation.h;-Wno-psabi")
  # (-Wno-psabi: SIMDe passes 512-bit vectors between static functions of one file, where the
  # ABI note about doing so without -mavx512f is moot)
  # compiled once for both tests; these sources are heavy to compile with SIMDe (tens of
  # seconds), and are left at the build's optimization level for that reason
  add_library(trt_cpu_emulated OBJECT ${emulated_sources})
  target_include_directories(trt_cpu_emulated PRIVATE ${CMAKE_SOURCE_DIR}/src
    ${CMAKE_SOURCE_DIR}/include ${CMAKE_CURRENT_SOURCE_DIR} ${SIMDE_INCLUDE_DIR})
  foreach(t sgemm vmath)
    add_executable(test_${t}_avx512_emulated test_${t}.c testutil.c
      $<TARGET_OBJECTS:trt_cpu_emulated>)
    target_include_directories(test_${t}_avx512_emulated PRIVATE
      ${CMAKE_SOURCE_DIR}/src ${CMAKE_CURRENT_SOURCE_DIR})
    target_compile_definitions(test_${t}_avx512_emulated PRIVATE TRT_TEST_EMULATED_AVX512)
    # the library supplies the rest (allocator, thread pool); its copies of the sources
    # above are not pulled from the archive since the executable defines their symbols
    target_link_libraries(test_${t}_avx512_emulated PRIVATE tinyrt)
    add_test(NAME test_${t}_avx512_emulated COMMAND test_${t}_avx512_emulated)
  endforeach()
else()
  message(STATUS "tests: SIMDe (libsimde-dev) not found; AVX-512 kernels not tested by emulation")
  add_test(NAME test_avx512_emulated_missing
           COMMAND ${CMAKE_COMMAND} -E echo "libsimde-dev is missing: AVX-512 kernels untested")
  set_tests_properties(test_avx512_emulated_missing PROPERTIES PASS_REGULAR_EXPRESSION "^$")
endif()
