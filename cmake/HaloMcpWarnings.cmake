function(halo_mcp_enable_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  # GCC 12 reports false maybe-uninitialized warnings inside nlohmann/json's iterators.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  if(HALO_MCP_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# One Catch2 test executable per directory, tests living beside the code they test.
function(halo_mcp_add_tests name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE halo_mcp_test_main ${ARG_LIBS})
  halo_mcp_enable_warnings(${name})
  # A test name ctest cannot pass back to Catch intact (a ";" cuts it) would match nothing and
  # pass without running: make "no test matched" a failure.
  catch_discover_tests(${name} EXTRA_ARGS --warn NoTests PROPERTIES LABELS ${ARG_LABEL} TIMEOUT 120)
endfunction()
