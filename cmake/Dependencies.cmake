# Every third-party dependency comes from a Debian 12 package (scripts/install-deps).
# Nothing is downloaded at configure or build time.

find_package(Threads REQUIRED)
find_package(RocksDB CONFIG REQUIRED)
find_package(simdjson CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(roaring CONFIG REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(ICU REQUIRED COMPONENTS uc i18n)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
# The server's allocator: tcmalloc's thread caches instead of glibc's arenas
# (a search allocates and frees many small objects on several threads;
# docs/benchmarks.md, "Allocator").
pkg_check_modules(TCMALLOC REQUIRED IMPORTED_TARGET libtcmalloc_minimal)

find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
find_path(RAPIDJSON_INCLUDE_DIR rapidjson/document.h REQUIRED)

find_path(STEMMER_INCLUDE_DIR libstemmer.h PATH_SUFFIXES libstemmer REQUIRED)
find_library(STEMMER_LIBRARY stemmer REQUIRED)
add_library(holdfast_dep_stemmer INTERFACE)
target_include_directories(holdfast_dep_stemmer INTERFACE ${STEMMER_INCLUDE_DIR})
target_link_libraries(holdfast_dep_stemmer INTERFACE ${STEMMER_LIBRARY})

find_path(STREAMVBYTE_INCLUDE_DIR streamvbyte.h REQUIRED)
find_library(STREAMVBYTE_LIBRARY streamvbyte REQUIRED)
add_library(holdfast_dep_streamvbyte INTERFACE)
target_include_directories(holdfast_dep_streamvbyte INTERFACE ${STREAMVBYTE_INCLUDE_DIR})
target_link_libraries(holdfast_dep_streamvbyte INTERFACE ${STREAMVBYTE_LIBRARY})

find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

if(HOLDFAST_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
  include(GoogleTest)
endif()
if(HOLDFAST_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
