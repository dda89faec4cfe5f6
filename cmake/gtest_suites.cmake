# Writes a CTest file with one test per GoogleTest suite of BIN (run as
# `cmake -DBIN=... -DOUT=... -P gtest_suites.cmake` after BIN is linked). The sanitizer tree uses
# it instead of one process per test: an ASan binary's start-up costs ~0.7 s of CPU, which over
# ~1300 tests was a quarter of the sanitizer run.
execute_process(COMMAND ${BIN} --gtest_list_tests OUTPUT_VARIABLE listing RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${BIN} --gtest_list_tests failed (${rc})")
endif()
string(REPLACE "\n" ";" lines "${listing}")
set(content "")
foreach(line IN LISTS lines)
  # Suite lines start in column 0 and end with '.' (typed suites add "  # TypeParam = ...").
  if(line MATCHES "^([^ ][^ ]*)\\.")
    set(suite "${CMAKE_MATCH_1}")
    string(APPEND content "add_test([=[${suite}]=] [=[${BIN}]=] [=[--gtest_filter=${suite}.*]=])\n"
                          "set_tests_properties([=[${suite}]=] PROPERTIES TIMEOUT 600)\n")
  endif()
endforeach()
file(WRITE "${OUT}" "${content}")
