// RequestPool: encoded requests built before the run, so that the timed run only copies bytes.
// Each pooled body comes with the offsets of everything that must be fresh in every request —
// trace ids, span ids (incl. parent span ids), timestamps and the app.request_id tokens — found by
// walking the encoded protobuf. A connection's PooledSource copies a (seeded) random entry and
// writes new ids from its own IdSequence (keeping which spans share a trace and who is whose
// parent), shifts every timestamp by (now - the entry's build time), and draws new tokens.
// Thread-safety: a RequestPool is immutable after Build and shared by all threads; a PooledSource
// belongs to one connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "options.h"
#include "sampling.h"

namespace otter::loadgen {

// Where the fresh parts of one encoded request are.
struct PatchPlan {
  struct IdRef {
    uint32_t offset;  // of the id bytes in the body
    uint32_t index;   // which new id: equal old ids get equal new ids
  };
  std::vector<IdRef> trace_ids;  // 16 bytes each
  std::vector<IdRef> span_ids;   // 8 bytes each (span_id and parent_span_id)
  uint32_t trace_count = 0;
  uint32_t span_count = 0;
  std::vector<uint32_t> times;   // fixed64 timestamps to shift (metric start times are kept)
  std::vector<uint32_t> tokens;  // kTokenSize-byte app.request_id strings to redraw
};

// Finds the plan of an Export*ServiceRequest of `signal`; InvalidArgument if it does not parse.
StatusOr<PatchPlan> PlanPatches(Signal signal, std::string_view body);

class RequestPool {
 public:
  struct Entry {
    std::string body;
    PatchPlan plan;
    uint64_t base_ns = 0;  // the wall-clock time its timestamps were generated for
    size_t items = 0;
  };
  // Builds min(size, what fits in kMaxBytes) entries with a PayloadGenerator.
  static StatusOr<std::unique_ptr<RequestPool>> Build(const Options& opts, size_t size);
  static constexpr size_t kMaxBytes = size_t{64} << 20;

  size_t size() const { return entries_.size(); }
  const Entry& entry(size_t i) const { return entries_[i]; }

 private:
  std::vector<Entry> entries_;
};

class PooledSource {
 public:
  PooledSource(const RequestPool& pool, uint32_t connection, uint64_t seed);
  // Replaces *out with the next request; returns its item count.
  size_t Next(std::string* out);

 private:
  const RequestPool& pool_;
  IdSequence ids_;
  Rng rng_;
  uint64_t base_ns_ = 0;
  std::vector<uint8_t> trace_ids_;
  std::vector<uint8_t> span_ids_;
};

}  // namespace otter::loadgen
