// HeldTrace: the spans tail_sampling holds for one trace until its decision, with their strings
// copied into blocks the trace owns (so an incoming request's memory is not pinned by one slow
// trace, and the bytes held are known exactly), plus the trace's bookkeeping. Released blocks are
// adopted by the outgoing batch without copying. Not thread-safe: the processor's mutex guards it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pdata/batch.h"
#include "processors/tail_sampling/policy.h"

namespace otter::tailsampling {

struct HeldTrace {
  using TimePoint = std::chrono::steady_clock::time_point;

  std::vector<pdata::ResourceSpans> resources;
  std::vector<std::string> blocks;  // string storage; each block's capacity is never exceeded
  int64_t span_count = 0;
  uint64_t bytes = 0;  // estimated: structures + block capacities
  uint64_t seq = 0;    // insertion number: tells a live entry from a stale queue reference
  TimePoint arrival;
  TimePoint decided_at;
  Decision decision = Decision::kUnspecified;
  // Where the last span came from (Consume call, resource and scope index): spans of one
  // request's scope share one ScopeSpans entry.
  uint64_t last_batch = 0;
  size_t last_r = 0, last_s = 0;
  size_t reserve = 0;  // string bytes the current request will add (Consume's first pass)

  // Appends `span` (moved) under a copy of `resource` / `scope`, reusing the last resource and
  // scope entries when `new_resource` / `new_scope` are false. Strings are copied into blocks.
  void Add(const pdata::ResourceSpans& resource, bool new_resource, const pdata::ScopeSpans& scope,
           bool new_scope, pdata::Span&& span);
  // Makes room for `bytes` more string bytes in one block, so the strings of one request's spans
  // of this trace take a single allocation of the right size.
  void ReserveStrings(size_t bytes);
  // Moves the spans and their string blocks into `out`; the trace keeps no data afterwards.
  void ReleaseInto(pdata::TraceBatch& out);
  // Frees the spans (not sampled, or evicted).
  void Clear();

 private:
  std::string_view Copy(std::string_view s);
  void Relocate(pdata::AnyValue& v);
  void Relocate(pdata::Attributes& attrs);
  void Relocate(pdata::Span& s);
};

// Estimated heap bytes of the structures of a span (strings excluded).
uint64_t EstimateBytes(const pdata::Span& s);
// Bytes of the strings HeldTrace::Add copies for a span, a resource entry and a scope entry.
size_t StringBytes(const pdata::Span& s);
size_t StringBytes(const pdata::ResourceSpans& rs);
size_t StringBytes(const pdata::ScopeSpans& ss);

}  // namespace otter::tailsampling
