# ONNX backend node tests: one ctest test per case (see tests/node_cases.py for the selection and
# tests/node_excluded/*.txt for the cases left out, each with its reason).
set(ONNX_NODE_DATA /usr/share/libonnx-testdata/data/node)
add_executable(node_test ${CMAKE_CURRENT_SOURCE_DIR}/node_test.c ${CMAKE_CURRENT_SOURCE_DIR}/testutil.c)
target_include_directories(node_test PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(node_test PRIVATE tinyrt)

if(EXISTS ${ONNX_NODE_DATA})
  execute_process(
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/node_cases.py ${ONNX_NODE_DATA}
            ${CMAKE_CURRENT_SOURCE_DIR}/node_excluded
    OUTPUT_VARIABLE NODE_CASES RESULT_VARIABLE NODE_CASES_RC)
  if(NOT NODE_CASES_RC EQUAL 0)
    message(FATAL_ERROR "tests/node_cases.py failed (is python3-onnx installed?)")
  endif()
  string(REPLACE "\n" ";" NODE_CASES "${NODE_CASES}")
  set(n 0)
  foreach(case ${NODE_CASES})
    if(case)
      add_test(NAME node_${case} COMMAND node_test ${ONNX_NODE_DATA}/${case} ref)
      set_tests_properties(node_${case} PROPERTIES LABELS node)
      # the same case with the cpu provider first: its kernels where it claims the node
      add_test(NAME node_cpu_${case} COMMAND node_test ${ONNX_NODE_DATA}/${case} cpu,ref)
      set_tests_properties(node_cpu_${case} PROPERTIES LABELS node)
      math(EXPR n "${n}+1")
    endif()
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${CMAKE_CURRENT_SOURCE_DIR}/node_cases.py)
  file(GLOB NODE_EXCL_FILES ${CMAKE_CURRENT_SOURCE_DIR}/node_excluded/*.txt)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${NODE_EXCL_FILES})
  message(STATUS "ONNX node tests: ${n} cases")
else()
  message(FATAL_ERROR "ONNX node test data not found at ${ONNX_NODE_DATA} (Debian libonnx-testdata)")
endif()
