# libFuzzer targets, each run for 60 s by ctest: the ONNX loader (tests/fuzz/fuzz_loader.c) and
# the server's handling of an inference request body (tests/fuzz/fuzz_infer_request.c). Only with
# -DTINYRT_FUZZ=ON and clang (the test build of `make test`). The sources under test are compiled
# into each target itself so that libFuzzer's coverage instrumentation sees them.
if(TINYRT_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  file(GLOB FUZZ_LOADER_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/onnx/*.c)
  add_executable(fuzz_loader
    ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_loader.c ${FUZZ_LOADER_SOURCES}
    ${CMAKE_SOURCE_DIR}/src/ir/graph.c ${CMAKE_SOURCE_DIR}/src/core/common.c)
  target_include_directories(fuzz_loader PRIVATE ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src)
  target_compile_options(fuzz_loader PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g)
  target_link_options(fuzz_loader PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_loader PRIVATE m)

  add_test(NAME fuzz_loader_60s
    COMMAND ${CMAKE_COMMAND} -DFUZZER=$<TARGET_FILE:fuzz_loader>
            -DCORPUS=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus
            -DWORK=${CMAKE_CURRENT_BINARY_DIR}/fuzz_loader_corpus -DFUZZ_SECONDS=60
            -P ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run_fuzz.cmake)
  set_tests_properties(fuzz_loader_60s PROPERTIES TIMEOUT 120)

  # parsing (JSON and binary tensors), the check against the model's signature, output
  # selection and the response; the rest of the library comes from tinyrt, uninstrumented
  add_executable(fuzz_infer_request ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_infer_request.c
    ${CMAKE_SOURCE_DIR}/src/serve/protocol.c ${CMAKE_SOURCE_DIR}/src/serve/model.c)
  target_include_directories(fuzz_infer_request PRIVATE ${CMAKE_SOURCE_DIR}/include
    ${CMAKE_SOURCE_DIR}/src)
  target_compile_options(fuzz_infer_request PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g)
  target_link_options(fuzz_infer_request PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(fuzz_infer_request PRIVATE tinyrt PkgConfig::CJSON)

  add_test(NAME fuzz_infer_request_60s
    COMMAND ${CMAKE_COMMAND} -DFUZZER=$<TARGET_FILE:fuzz_infer_request>
            -DCORPUS=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus_infer
            -DWORK=${CMAKE_CURRENT_BINARY_DIR}/fuzz_infer_request_corpus -DFUZZ_SECONDS=60
            -P ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run_fuzz.cmake)
  set_tests_properties(fuzz_infer_request_60s PROPERTIES TIMEOUT 120)
endif()
