# libFuzzer targets, each run for 60 s by ctest: the ONNX loader (tests/fuzz/fuzz_loader.c), the
# server's handling of an inference request body (tests/fuzz/fuzz_infer_request.c) and
# tinyrt_run() with fuzzed input tensors (tests/fuzz/fuzz_run.c). Only with -DTINYRT_FUZZ=ON and
# clang (the test build of `make test`). The sources under test are compiled into each target
# itself so that libFuzzer's coverage instrumentation sees them.
if(TINYRT_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  # Instruments `target` for libFuzzer and registers `name`_60s, which fuzzes a copy of the
  # committed seed corpus tests/fuzz/`corpus` (tests/fuzz/run_fuzz.cmake).
  function(tinyrt_fuzz_test target corpus)
    target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/include
                               ${CMAKE_SOURCE_DIR}/src)
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer,address,undefined
                           -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g)
    target_link_options(${target} PRIVATE -fsanitize=fuzzer,address,undefined)
    set(fuzz_dir ${CMAKE_SOURCE_DIR}/tests/fuzz)
    add_test(NAME ${target}_60s
      COMMAND ${CMAKE_COMMAND} -DFUZZER=$<TARGET_FILE:${target}> -DCORPUS=${fuzz_dir}/${corpus}
              -DWORK=${CMAKE_BINARY_DIR}/tests/${target}_corpus -DFUZZ_SECONDS=60
              -P ${fuzz_dir}/run_fuzz.cmake)
    set_tests_properties(${target}_60s PROPERTIES TIMEOUT 120)
  endfunction()

  file(GLOB FUZZ_LOADER_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/onnx/*.c)
  add_executable(fuzz_loader
    ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_loader.c ${FUZZ_LOADER_SOURCES}
    ${CMAKE_SOURCE_DIR}/src/ir/graph.c ${CMAKE_SOURCE_DIR}/src/core/common.c)
  target_link_libraries(fuzz_loader PRIVATE m)
  tinyrt_fuzz_test(fuzz_loader corpus)

  # parsing (JSON and binary tensors), the check against the model's signature, output
  # selection and the response; the rest of the library comes from tinyrt, uninstrumented
  add_executable(fuzz_infer_request ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_infer_request.c
    ${CMAKE_SOURCE_DIR}/src/serve/protocol.c ${CMAKE_SOURCE_DIR}/src/serve/model.c)
  target_link_libraries(fuzz_infer_request PRIVATE tinyrt PkgConfig::CJSON)
  tinyrt_fuzz_test(fuzz_infer_request corpus_infer)

  # tinyrt_run() on the shipped model with fuzzed input tensors (its own directory: see there)
  add_subdirectory(${CMAKE_CURRENT_SOURCE_DIR}/fuzz ${CMAKE_CURRENT_BINARY_DIR}/fuzz_run)
endif()
