// Partition: splits a batch into one batch per backend by routing key, keeping each item's
// resource and scope (copied into every part that has items of them). Traces split per span,
// logs per record, metrics per resource (service, resource), per metric (metric) or per data
// point (streamID). The parts share the source batch's arenas read-only.
// Pure functions; thread-safe.
#pragma once

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "exporters/loadbalancing/config.h"
#include "exporters/loadbalancing/ring.h"
#include "pdata/batch.h"

namespace otter::loadbalancing {

struct PartitionOptions {
  RoutingKey key = RoutingKey::kTraceId;
  const std::vector<std::string>* routing_attributes = nullptr;  // for kAttributes
  // Items with no key (log records without a trace id) go round-robin by this counter.
  std::atomic<uint64_t>* round_robin = nullptr;
};

// (index into ring.endpoints(), that backend's part), parts in backend order, none empty.
// `ring` must not be empty.
template <class B>
std::vector<std::pair<size_t, B>> Partition(B&& batch, const HashRing& ring,
                                            const PartitionOptions& options);

}  // namespace otter::loadbalancing
