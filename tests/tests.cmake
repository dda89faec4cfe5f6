# Cross-component tests that run the built otter binary with third-party clients.
# Included from the top CMakeLists.txt inside the OTTER_TESTS block, after enable_testing().

# ---- interop with the official OpenTelemetry JS SDK (tests/interop) -----------------------------
# Needs node >= 20.6, npm (installs the pinned packages from package-lock.json on first run),
# openssl (test certificates), curl and promtool (Debian `prometheus`, for the store's Prometheus
# API); scripts/install-deps.sh installs them. Missing tools are a
# configure error: CI must never pass by skipping the interop suite.
# Debian 12's nodejs is 18: scripts/ensure-node.sh then installs node 20 from the npm registry's
# `node` package into the build tree (once) and the suite runs with that node first on PATH.
find_program(OTTER_NPM npm)
execute_process(COMMAND ${CMAKE_SOURCE_DIR}/scripts/ensure-node.sh ${CMAKE_BINARY_DIR}/node-runtime
                OUTPUT_VARIABLE OTTER_NODE_BIN OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE OTTER_NODE_RESULT)
if(NOT OTTER_NODE_RESULT EQUAL 0)
  message(FATAL_ERROR "interop_js_sdk needs node >= 20.6 (see the ensure-node message above)")
endif()
find_program(OTTER_NODE node PATHS ${OTTER_NODE_BIN} NO_DEFAULT_PATH)
find_program(OTTER_OPENSSL openssl)
find_program(OTTER_CURL curl)
find_program(OTTER_PROMTOOL promtool)
if(OTTER_NODE AND OTTER_NPM AND OTTER_OPENSSL AND OTTER_CURL AND OTTER_PROMTOOL)
  message(STATUS "interop_js_sdk runs with ${OTTER_NODE}")
  add_test(NAME interop_js_sdk
           COMMAND ${CMAKE_SOURCE_DIR}/tests/interop/run.sh $<TARGET_FILE:otter>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/interop)
  # The suite itself stays under ~3 minutes; the margin covers a first-time `npm ci`.
  set_tests_properties(interop_js_sdk PROPERTIES TIMEOUT 420 LABELS "interop" RUN_SERIAL TRUE
                       ENVIRONMENT "OTTER_NODE_BIN=${OTTER_NODE_BIN}")
else()
  message(FATAL_ERROR "interop_js_sdk needs node, npm, openssl, curl and promtool on PATH (run scripts/install-deps.sh)")
endif()

# ---- example deployments (examples/*/run.sh) ------------------------------------------------------
# Each example starts its otter processes on free loopback ports, sends data with otter-loadgen
# and checks where it arrives (curl, python3). Labelled interop: they need the Release build's
# otter-loadgen, which the sanitizer builds do not build.
if(OTTER_BENCH)
  file(GLOB OTTER_EXAMPLE_SCRIPTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/examples/*/run.sh)
  foreach(script ${OTTER_EXAMPLE_SCRIPTS})
    get_filename_component(example_dir ${script} DIRECTORY)
    get_filename_component(example ${example_dir} NAME)
    add_test(NAME example_${example}
             COMMAND bash ${script} $<TARGET_FILE:otter> $<TARGET_FILE:otter-loadgen>)
    set_tests_properties(example_${example} PROPERTIES TIMEOUT 120 LABELS "interop;example"
                         ENVIRONMENT "KAFKA_MOCK_BROKER=$<TARGET_FILE:kafka_mock_broker>;OTTER_NODE_BIN=${OTTER_NODE_BIN}")
  endforeach()
endif()

# ---- the web UI in a browser (tests/ui) -----------------------------------------------------------
# node:test + playwright-core (pinned in tests/ui/package-lock.json, no browser download) driving
# Debian's chromium headless against the built otter; needs the UI built into it (`make ui`, which
# `make build` runs). Labelled interop too: it needs node and chromium, and the sanitizer builds
# skip it.
find_program(OTTER_CHROMIUM NAMES chromium chromium-browser)
if(OTTER_NODE AND OTTER_NPM AND OTTER_CHROMIUM)
  add_test(NAME ui_browser COMMAND ${CMAKE_SOURCE_DIR}/tests/ui/run.sh $<TARGET_FILE:otter>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/ui)
  set_tests_properties(ui_browser PROPERTIES TIMEOUT 240 LABELS "ui;interop" RUN_SERIAL TRUE
                       ENVIRONMENT "OTTER_NODE_BIN=${OTTER_NODE_BIN};CHROMIUM=${OTTER_CHROMIUM}")
else()
  message(FATAL_ERROR "ui_browser needs node, npm and chromium (run scripts/install-deps.sh)")
endif()

# ---- client kits (clients/) -----------------------------------------------------------------------
# The Python logging helper's unittest suite (standard library only).
find_program(OTTER_PYTHON3 python3 REQUIRED)
add_test(NAME clients_python COMMAND ${OTTER_PYTHON3} -m unittest -v test_otter_logging
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/clients/python)
set_tests_properties(clients_python PROPERTIES TIMEOUT 60 LABELS "clients")
# The PowerShell module's syntax/AST and golden-shape checks (tree-sitter grammar from npm; no
# PowerShell needed). Labelled interop too: it needs npm and node, like the interop suite.
add_test(NAME clients_powershell_ast COMMAND ${CMAKE_SOURCE_DIR}/clients/powershell/tests/run.sh)
set_tests_properties(clients_powershell_ast PROPERTIES TIMEOUT 300 LABELS "interop;clients"
                     ENVIRONMENT "OTTER_NODE_BIN=${OTTER_NODE_BIN}")
