# tinyrt analyze against an independent computation (tests/analyze_check.py, json module only) on
# a real ONNX Runtime profile, the synthetic CoreML-style profile and a fresh tinyrt profile.
add_test(NAME analyze_profiles
         COMMAND ${TINYRT_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/analyze_check.py $<TARGET_FILE:tinyrt_cli>
                 --bench ${TINYRT_MODELS}/bert-tiny/model.onnx ${CMAKE_BINARY_DIR}/analyze-profiles
                 ${CMAKE_CURRENT_SOURCE_DIR}/fixtures/ort_profile_bert_tiny.json
                 ${CMAKE_CURRENT_SOURCE_DIR}/fixtures/ort_profile_coreml_synthetic.json)
add_test(NAME analyze_help COMMAND $<TARGET_FILE:tinyrt_cli> analyze --help)
add_test(NAME analyze_usage COMMAND $<TARGET_FILE:tinyrt_cli> analyze)
set_tests_properties(analyze_usage PROPERTIES WILL_FAIL TRUE)
