# Sanitizer and fuzzing builds, each in its own build directory (scripts/test.sh, scripts/fuzz.sh):
#
#   -DHALO_MCP_SANITIZE=address  ASan + UBSan (any UB aborts), libstdc++ assertions
#   -DHALO_MCP_SANITIZE=thread   TSan
#   -DHALO_MCP_FUZZ=ON           the libFuzzer targets in tests/fuzz: ASan + UBSan + coverage
#                                feedback on every library (clang only). UB is recoverable here
#                                so that a long campaign notes it and goes on; scripts/fuzz.sh
#                                makes it fatal (UBSAN_OPTIONS=halt_on_error=1) for short runs.
#
# The flags apply to every target of the build directory, so the libraries and the tests agree.
# Debian's gcc-built shared libraries (spdlog, fmt, cpp-httplib) are linked uninstrumented.
set(HALO_MCP_SANITIZE "" CACHE STRING "Instrument every target: address (ASan+UBSan) or thread")
set_property(CACHE HALO_MCP_SANITIZE PROPERTY STRINGS "" address thread)
option(HALO_MCP_FUZZ "Build the libFuzzer targets (tests/fuzz); needs clang" OFF)

if(HALO_MCP_FUZZ AND HALO_MCP_SANITIZE)
  message(FATAL_ERROR "HALO_MCP_FUZZ brings its own sanitizers; leave HALO_MCP_SANITIZE empty")
endif()
if(HALO_MCP_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "HALO_MCP_FUZZ needs clang (libFuzzer): configure with "
                      "-DCMAKE_CXX_COMPILER=clang++ in a build directory of its own")
endif()

set(_halo_asan_ubsan -fsanitize=address,undefined -fno-sanitize-recover=undefined)
# Two UBSan checks are off under clang 14: function, because clang cannot emit coroutines (the
# HTTP transport's) with it ("Cannot represent a difference across sections"), and vptr, which
# reports Asio's strand service (reached through its base class while the io_context shuts down)
# as the wrong type. The other UBSan checks stay.
set(_halo_no_function_check "")
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  set(_halo_no_function_check -fno-sanitize=function,vptr)
  list(APPEND _halo_asan_ubsan ${_halo_no_function_check})
endif()
if(HALO_MCP_SANITIZE STREQUAL "address")
  add_compile_options(${_halo_asan_ubsan} -fno-omit-frame-pointer -D_GLIBCXX_ASSERTIONS)
  add_link_options(${_halo_asan_ubsan})
elseif(HALO_MCP_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(HALO_MCP_SANITIZE)
  message(FATAL_ERROR "HALO_MCP_SANITIZE must be address, thread or empty; got ${HALO_MCP_SANITIZE}")
elseif(HALO_MCP_FUZZ)
  # Coverage feedback everywhere; libFuzzer's runtime and main only in the fuzz targets.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined ${_halo_no_function_check}
                      -fno-omit-frame-pointer -D_GLIBCXX_ASSERTIONS)
  add_link_options(-fsanitize=address,undefined)
endif()

# Line tables are enough for sanitizer stack traces and halve the compile time of full debug
# info; -O1 (after the build type's -O2, so it wins) compiles faster still and is what the
# sanitizers are tuned for. Fuzz targets keep -O2: there executions per second count.
if((HALO_MCP_SANITIZE OR HALO_MCP_FUZZ) AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  add_compile_options(-gline-tables-only)
endif()
if(HALO_MCP_SANITIZE)
  add_compile_options(-O1)
endif()
