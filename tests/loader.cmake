# Loader timing tool (not a test): bench_loader MODEL [N] prints the first and best load times.
add_executable(bench_loader ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench_loader.c)
target_include_directories(bench_loader PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(bench_loader PRIVATE tinyrt)
