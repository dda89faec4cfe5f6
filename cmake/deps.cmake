# Finds otter's Debian-packaged dependencies and gathers them in one interface target.
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++)
find_package(Boost 1.81 EXACT REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(simdjson REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(GTest)
find_package(benchmark)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
find_library(SNAPPY_LIB snappy REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# librdkafka's C API (Debian librdkafka-dev): the kafka exporter and receiver, and its mock cluster
# for tests. rdkafka.h stays inside src/kafka and the kafka components' .cc files.
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)

add_library(otter_deps INTERFACE)
target_link_libraries(otter_deps INTERFACE
  PkgConfig::GRPCPP protobuf::libprotobuf Boost::headers yaml-cpp simdjson::simdjson
  OpenSSL::SSL OpenSSL::Crypto ZLIB::ZLIB PkgConfig::ZSTD PkgConfig::LZ4 ${SNAPPY_LIB} PkgConfig::RE2
  PkgConfig::RDKAFKA
  fmt::fmt spdlog::spdlog Threads::Threads)
target_compile_definitions(otter_deps INTERFACE BOOST_ASIO_NO_DEPRECATED SPDLOG_FMT_EXTERNAL)
