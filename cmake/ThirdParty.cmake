# GoogleTest and Google Benchmark are compiled here, with libc++, from the
# sources Debian ships (/usr/src/googletest; the `benchmark` source package).
set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
set(BUILD_GMOCK ON CACHE BOOL "" FORCE)
add_subdirectory(/usr/src/googletest ${CMAKE_BINARY_DIR}/third_party/googletest EXCLUDE_FROM_ALL)

if(NOT PSX_BENCHMARK_SRC)
  file(GLOB _bench_candidates LIST_DIRECTORIES true "${PSX_CACHE}/src/benchmark-1.*")
  list(SORT _bench_candidates)
  list(GET _bench_candidates -1 PSX_BENCHMARK_SRC)
endif()
if(NOT EXISTS "${PSX_BENCHMARK_SRC}/CMakeLists.txt")
  message(FATAL_ERROR "Google Benchmark source not found (PSX_BENCHMARK_SRC='${PSX_BENCHMARK_SRC}'); run scripts/setup.sh")
endif()
set(BENCHMARK_ENABLE_TESTING OFF CACHE BOOL "" FORCE)
set(BENCHMARK_ENABLE_GTEST_TESTS OFF CACHE BOOL "" FORCE)
set(BENCHMARK_ENABLE_INSTALL OFF CACHE BOOL "" FORCE)
set(BENCHMARK_ENABLE_WERROR OFF CACHE BOOL "" FORCE)
set(BENCHMARK_INSTALL_DOCS OFF CACHE BOOL "" FORCE)
# Debian patched out the git version lookup; say "no git version" so it uses project()'s.
set(GIT_VERSION "0.0.0")
add_subdirectory(${PSX_BENCHMARK_SRC} ${CMAKE_BINARY_DIR}/third_party/benchmark EXCLUDE_FROM_ALL)

find_path(LMDB_INCLUDE_DIR lmdb.h REQUIRED)
find_library(LMDB_LIBRARY lmdb REQUIRED)
find_path(UNICORN_INCLUDE_DIR unicorn/unicorn.h REQUIRED)
find_library(UNICORN_LIBRARY unicorn REQUIRED)
