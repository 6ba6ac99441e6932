# Error handling through the public API, on small models written by tests/make_error_models.py.
set(ERROR_MODELS ${CMAKE_BINARY_DIR}/error-models)
add_test(NAME error_models_export
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/make_error_models.py ${ERROR_MODELS})
set_tests_properties(error_models_export PROPERTIES FIXTURES_SETUP error_models)

add_executable(errors_test ${CMAKE_CURRENT_SOURCE_DIR}/errors_test.c
               ${CMAKE_CURRENT_SOURCE_DIR}/testutil.c)
target_include_directories(errors_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(errors_test PRIVATE tinyrt)
add_test(NAME errors COMMAND errors_test ${ERROR_MODELS} ${CMAKE_SOURCE_DIR}/models/bert-tiny/model.onnx)
set_tests_properties(errors PROPERTIES FIXTURES_REQUIRED error_models)
