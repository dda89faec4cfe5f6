// PayloadGenerator: builds one OTLP Export*ServiceRequest body after another for one connection,
// with fresh trace/span ids and timestamps in every request and attribute values drawn from the
// seeded distribution documented in payload.cc and README.md. The pdata batch is built once and
// refilled in place for each request, so the steady state allocates only the output string.
// Thread-safety: one generator per connection, used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "options.h"

namespace otter::loadgen {

class PayloadGenerator {
 public:
  // `connection` (< 2^24) and opts.seed make the id sequence: ids never repeat for one seed
  // (with Generator::kSynthetic they are random: unique with overwhelming probability).
  PayloadGenerator(const Options& opts, uint32_t connection);
  ~PayloadGenerator();
  PayloadGenerator(const PayloadGenerator&) = delete;
  PayloadGenerator& operator=(const PayloadGenerator&) = delete;

  // Replaces *out with the next serialized request; returns its item count.
  size_t Next(std::string* out);
  // The wall-clock time (ns) the last request's timestamps were placed around.
  uint64_t base_ns() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Gzip (RFC 1952) compressor that keeps its zlib state between requests. The constructor throws
// std::runtime_error if zlib cannot start (only at set-up, on the main thread).
// Thread-safety: one per connection.
class Gzipper {
 public:
  explicit Gzipper(int level);
  ~Gzipper();
  Gzipper(const Gzipper&) = delete;
  Gzipper& operator=(const Gzipper&) = delete;
  // Replaces *out with the gzip of `in`; false if zlib failed.
  bool Compress(std::string_view in, std::string* out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace otter::loadgen
