# End-to-end test of `tinyrt serve` and `tinyrt loadgen`: tests/serve_e2e.py starts the server on a
# free loopback port, checks every endpoint and error case, batched-vs-alone results and SIGTERM /
# SIGINT shutdown. Standard-library Python only. Skipped (exit 77) when the model is absent.
add_test(NAME serve_e2e
  COMMAND ${TINYRT_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/serve_e2e.py
          --tinyrt $<TARGET_FILE:tinyrt_cli>
          --model ${TINYRT_MODELS}/bert-tiny/model.onnx --vocab-size 30522)
set_tests_properties(serve_e2e PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 900 LABELS serve)
