# `tinyrt optimize` end to end (tests/optimize_check.py): the static-shape copy of the shipped
# model passes ONNX's checker, differs from the original only in the fixed dims, and runs in
# tinyrt with the dynamic model's outputs bit for bit.
add_test(NAME cli_optimize
         COMMAND ${TINYRT_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/optimize_check.py
                 $<TARGET_FILE:tinyrt_cli> ${CMAKE_SOURCE_DIR})
set_tests_properties(cli_optimize PROPERTIES LABELS cli TIMEOUT 600)
