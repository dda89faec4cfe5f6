// Batch<R>: a move-only unit of telemetry (R = ResourceSpans / ResourceMetrics / ResourceLogs)
// plus the arenas its string views point into. Consumers take batches by rvalue; a fan-out that
// must hand the same data to a mutating consumer calls Clone().
// Thread-safety: a batch is owned by one thread at a time.
#pragma once

#include <cstddef>
#include <vector>

#include "pdata/arena.h"
#include "pdata/logs.h"
#include "pdata/metrics.h"
#include "pdata/trace.h"

namespace otter::pdata {

template <class R>
class Batch {
 public:
  using Resource = R;

  Batch() = default;
  Batch(Batch&&) noexcept = default;
  Batch& operator=(Batch&&) noexcept = default;
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  std::vector<R>& resources() { return resources_; }
  const std::vector<R>& resources() const { return resources_; }
  ArenaSet& arenas() { return arenas_; }
  const ArenaSet& arenas() const { return arenas_; }

  // Spans, metric data points, or log records.
  size_t ItemCount() const;
  bool empty() const { return ItemCount() == 0; }

  // Moves all of `other` to the end of this batch.
  void Append(Batch&& other);
  // Removes the first `max_items` items (whole resources/scopes where possible) into a new batch.
  Batch SplitOff(size_t max_items);
  // A structural copy; strings are shared read-only with this batch.
  Batch Clone() const;

 private:
  std::vector<R> resources_;
  ArenaSet arenas_;
};

using TraceBatch = Batch<ResourceSpans>;
using MetricBatch = Batch<ResourceMetrics>;
using LogBatch = Batch<ResourceLogs>;

extern template class Batch<ResourceSpans>;
extern template class Batch<ResourceMetrics>;
extern template class Batch<ResourceLogs>;

}  // namespace otter::pdata
