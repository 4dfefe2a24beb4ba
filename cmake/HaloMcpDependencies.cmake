# Debian 12 packages only; nothing is downloaded at configure or build time.
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog 1.10 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Threads REQUIRED)
find_package(CLI11 2 REQUIRED)
# Header-only: Beast and Asio serve the HTTP transport (server/http_transport.cc).
find_package(Boost 1.74 REQUIRED)
# Boost 1.74's Asio looks for C++20 coroutines only under gcc and MSVC; clang (the sanitizer and
# fuzz builds) has them too, through libstdc++'s <coroutine>.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  add_compile_definitions(BOOST_ASIO_HAS_CO_AWAIT=1 BOOST_ASIO_HAS_STD_COROUTINE=1)
endif()
find_package(PkgConfig REQUIRED)
# Debian's cpp-httplib 0.11.4 ships only a pkg-config file; its Cflags carry CPPHTTPLIB_OPENSSL_SUPPORT.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET GLOBAL cpp-httplib>=0.11)
add_library(httplib::httplib ALIAS PkgConfig::HTTPLIB)
# Redis client for state shared between replicas (--shared-state).
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET GLOBAL hiredis>=0.14)
if(HALO_MCP_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
  include(Catch)
endif()
