// Enricher: the k8sattributes processor's per-resource work, as otelcol does it. Finds the pod of
// a resource (pod_association rules over resource attributes and the client's IP; without
// rules: k8s.pod.ip, then "ip", then the connection, then host.name when it is an IP), adds
// k8s.pod.ip from the connection in passthrough mode (or when k8s.pod.ip is extracted), then the
// pod's attributes, its container's, and its namespace's and node's labels/annotations. An
// attribute the resource already has with a non-empty value is never overwritten.
// Thread-safety: Enrich may be called concurrently; the table is internally synchronized.
#pragma once

#include <string_view>
#include <vector>

#include "pdata/arena.h"
#include "pdata/common.h"
#include "processors/k8sattributes/pod_table.h"

namespace otter::k8sattributes {

// The pod identifier for a resource; *connection_value gets the value of the first connection
// source used ("" when none).
PodIdentifier ExtractPodId(const pdata::Attributes& attrs, std::string_view client_ip,
                           const std::vector<Association>& associations,
                           std::string_view* connection_value);

struct EnrichStats {
  uint64_t found = 0;   // resources associated with a known pod
  uint64_t missed = 0;  // resources with an identifier but no (or an excluded) pod
  uint64_t no_id = 0;   // resources without any identifier
};

class Enricher {
 public:
  // `table` is null in passthrough mode.
  Enricher(const PodTable* table, const Rules* rules, std::vector<Association> associations,
           bool passthrough)
      : table_(table),
        rules_(rules),
        associations_(std::move(associations)),
        passthrough_(passthrough) {}

  void Enrich(pdata::Resource& resource, pdata::ArenaSet& arenas, std::string_view client_ip,
              EnrichStats* stats) const;

 private:
  const PodTable* table_;
  const Rules* rules_;
  std::vector<Association> associations_;
  bool passthrough_;
};

}  // namespace otter::k8sattributes
