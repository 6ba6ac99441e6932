# tinyrt report end to end (tests/report_check.py): every seed section, consistent figures, --json,
# and the HTML page checked in headless Chromium.
add_test(NAME cli_report
         COMMAND ${TINYRT_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/report_check.py $<TARGET_FILE:tinyrt_cli>
                 ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/report-check)
set_tests_properties(cli_report PROPERTIES LABELS cli TIMEOUT 1200)
add_test(NAME report_help COMMAND $<TARGET_FILE:tinyrt_cli> report --help)
