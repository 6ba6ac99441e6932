# End-to-end model tests: `tinyrt run` against PyTorch references.
#
# Tolerances (absolute, on outputs of magnitude ~1): 1e-5 on the shipped model, as issue 2 asks;
# float32 reassociation across ~10 chained reductions of length <= 3072 stays well below it
# (measured max errors are reported by compare_npy.py in the test log). 2e-5 on the other exports
# (hidden sizes up to 768, where dot products are 6x longer), as the issue allows.
set(TINYRT_TEST_EPS ref cpu)  # execution providers the model tests run with
# Every case runs at each of these graph optimization levels (tinyrt run --opt-level): 2 (the
# default; test names without suffix) exercises the fusions, 0 the graph exactly as exported
# (names end in _O0).
set(TINYRT_TEST_OPT_LEVELS 2 0)
set(RUN_CASE ${CMAKE_CURRENT_SOURCE_DIR}/run_model_case.sh)

file(GLOB SHIPPED_CASES RELATIVE ${CMAKE_SOURCE_DIR}/models/bert-tiny/refs
     ${CMAKE_SOURCE_DIR}/models/bert-tiny/refs/*)
foreach(level ${TINYRT_TEST_OPT_LEVELS})
  set(sfx "")
  if(NOT level EQUAL 2)
    set(sfx "_O${level}")
  endif()
  foreach(ep ${TINYRT_TEST_EPS})
    foreach(case ${SHIPPED_CASES})
      add_test(NAME model_bert_tiny_${case}_${ep}${sfx}
               COMMAND ${RUN_CASE} $<TARGET_FILE:tinyrt_cli> ${CMAKE_SOURCE_DIR}
                       ${CMAKE_SOURCE_DIR}/models/bert-tiny ${case} 1e-5 --ep ${ep}
                       --opt-level ${level})
      set_tests_properties(model_bert_tiny_${case}_${ep}${sfx} PROPERTIES LABELS model)
    endforeach()
  endforeach()
endforeach()

# Other exports of the same kind, generated at test time by tools/make_test_models.py.
set(VARIANT_DIR ${CMAKE_BINARY_DIR}/test-models)
execute_process(COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tools/make_test_models.py --list
                OUTPUT_VARIABLE VARIANT_LIST RESULT_VARIABLE VARIANT_RC)
if(NOT VARIANT_RC EQUAL 0)
  message(FATAL_ERROR "tools/make_test_models.py --list failed (python3-torch installed?)")
endif()
add_test(NAME model_variants_export
         COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tools/make_test_models.py ${VARIANT_DIR})
set_tests_properties(model_variants_export PROPERTIES FIXTURES_SETUP variants TIMEOUT 600
                     LABELS model)
string(REPLACE "\n" ";" VARIANT_LINES "${VARIANT_LIST}")
foreach(line ${VARIANT_LINES})
  if(line MATCHES "^([A-Za-z0-9_]+) .* cases (.*)$")
    set(variant ${CMAKE_MATCH_1})
    string(REPLACE " " ";" cases "${CMAKE_MATCH_2}")
    foreach(level ${TINYRT_TEST_OPT_LEVELS})
      set(sfx "")
      if(NOT level EQUAL 2)
        set(sfx "_O${level}")
      endif()
      foreach(ep ${TINYRT_TEST_EPS})
        foreach(case ${cases})
          add_test(NAME model_${variant}_${case}_${ep}${sfx}
                   COMMAND ${RUN_CASE} $<TARGET_FILE:tinyrt_cli> ${CMAKE_SOURCE_DIR}
                           ${VARIANT_DIR}/${variant} ${case} 2e-5 --ep ${ep} --opt-level ${level})
          set_tests_properties(model_${variant}_${case}_${ep}${sfx} PROPERTIES
                               FIXTURES_REQUIRED variants LABELS model)
        endforeach()
      endforeach()
    endforeach()
  endif()
endforeach()

# The cpu provider's kernel paths, each forced: every path the CPU can run is tested on a padded
# batch of the shipped model and of the widest variant. A path this CPU lacks (AVX-512 on a CPU
# without it) cannot run here: ctest reports it as skipped, with the reason in its output.
foreach(isa portable avx2 avx512)
  add_test(NAME model_bert_tiny_isa_${isa}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_isa_case.sh ${isa} ${RUN_CASE}
                   $<TARGET_FILE:tinyrt_cli> ${CMAKE_SOURCE_DIR} ${CMAKE_SOURCE_DIR}/models/bert-tiny
                   b4_s37_pad 1e-5 --ep cpu --isa ${isa})
  set_tests_properties(model_bert_tiny_isa_${isa} PROPERTIES SKIP_RETURN_CODE 77 LABELS model)
  add_test(NAME model_h768_a12_isa_${isa}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/run_isa_case.sh ${isa} ${RUN_CASE}
                   $<TARGET_FILE:tinyrt_cli> ${CMAKE_SOURCE_DIR} ${VARIANT_DIR}/h768_a12
                   b2_s19_pad 2e-5 --ep cpu --isa ${isa})
  set_tests_properties(model_h768_a12_isa_${isa} PROPERTIES SKIP_RETURN_CODE 77
                       FIXTURES_REQUIRED variants LABELS model)
endforeach()

# Padding removal: real positions against the references, padded positions exactly zero.
foreach(ep ${TINYRT_TEST_EPS})
  foreach(case b4_s37_pad b8_s16_pad b1_s128)
    add_test(NAME model_bert_tiny_${case}_${ep}_remove_padding
             COMMAND ${RUN_CASE} $<TARGET_FILE:tinyrt_cli> ${CMAKE_SOURCE_DIR}
                     ${CMAKE_SOURCE_DIR}/models/bert-tiny ${case} 1e-5 --ep ${ep} --remove-padding)
    set_tests_properties(model_bert_tiny_${case}_${ep}_remove_padding PROPERTIES LABELS model)
  endforeach()
  foreach(vc "h768_a12 b2_s19_pad" "opset17 b2_s23_pad" "mask_expand b3_s21_pad" "l3_a4 b2_s33_pad")
    string(REPLACE " " ";" vc ${vc})
    list(GET vc 0 variant)
    list(GET vc 1 case)
    add_test(NAME model_${variant}_${case}_${ep}_remove_padding
             COMMAND ${RUN_CASE} $<TARGET_FILE:tinyrt_cli> ${CMAKE_SOURCE_DIR}
                     ${VARIANT_DIR}/${variant} ${case} 2e-5 --ep ${ep} --remove-padding)
    set_tests_properties(model_${variant}_${case}_${ep}_remove_padding PROPERTIES
                         FIXTURES_REQUIRED variants LABELS model)
  endforeach()
endforeach()

# The cpu attention kernel schedules work by sequence when the batch has at least 2 rows per
# thread and by head otherwise (src/ep/cpu/k_attention.c); the thread count picks the schedule,
# so each padded case runs under both, with and without padding removal.
foreach(threads 1 3)
  foreach(case b4_s37_pad b8_s16_pad)
    add_test(NAME model_bert_tiny_${case}_cpu_t${threads}
             COMMAND ${RUN_CASE} $<TARGET_FILE:tinyrt_cli> ${CMAKE_SOURCE_DIR}
                     ${CMAKE_SOURCE_DIR}/models/bert-tiny ${case} 1e-5 --ep cpu
                     --threads ${threads})
    add_test(NAME model_bert_tiny_${case}_cpu_t${threads}_remove_padding
             COMMAND ${RUN_CASE} $<TARGET_FILE:tinyrt_cli> ${CMAKE_SOURCE_DIR}
                     ${CMAKE_SOURCE_DIR}/models/bert-tiny ${case} 1e-5 --ep cpu
                     --threads ${threads} --remove-padding)
    set_tests_properties(model_bert_tiny_${case}_cpu_t${threads}
                         model_bert_tiny_${case}_cpu_t${threads}_remove_padding
                         PROPERTIES LABELS model)
  endforeach()
endforeach()
