#include "connectors/servicegraph/config.h"

namespace otter {

std::vector<double> ServiceGraphConfig::Bounds() const {
  if (exponential_histogram_max_size > 0) return {};
  if (latency_histogram_buckets.empty())
    return {0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15};
  std::vector<double> out;
  for (auto d : latency_histogram_buckets) out.push_back(d.count() / 1e9);
  return out;
}

std::vector<std::string> ServiceGraphConfig::DatabaseNameAttributes() const {
  std::vector<std::string> out;
  if (!database_name_attribute.empty()) out.push_back(database_name_attribute);
  for (const auto& a : database_name_attributes)
    if (a != database_name_attribute) out.push_back(a);
  return out;
}

Status ServiceGraphConfig::Validate() const {
  for (size_t i = 1; i < latency_histogram_buckets.size(); ++i)
    if (latency_histogram_buckets[i] <= latency_histogram_buckets[i - 1])
      return InvalidArgument("latency_histogram_buckets: must be strictly increasing");
  if (store.max_items <= 0) return InvalidArgument("store: max_items must be positive");
  if (store.ttl.count() <= 0) return InvalidArgument("store: ttl must be positive");
  if (metrics_flush_interval.count() < 0)
    return InvalidArgument("metrics_flush_interval: must not be negative");
  if (exponential_histogram_max_size < 0)
    return InvalidArgument("exponential_histogram_max_size: must not be negative");
  if (exponential_histogram_max_size > 0 && !latency_histogram_buckets.empty())
    return InvalidArgument(
        "latency_histogram_buckets: not used with exponential_histogram_max_size");
  return Status::Ok();
}

namespace {

const config::Table<ServiceGraphConfig::Store>& StoreTable() {
  using S = ServiceGraphConfig::Store;
  static const auto t =
      config::Table<S>()
          .Field("ttl", &S::ttl, "how long a span waits for the other side of its edge")
          .Field("max_items", &S::max_items,
                 "unpaired edges held at once; spans beyond it are dropped (counted)");
  return t;
}

}  // namespace

const config::Table<ServiceGraphConfig>& ServiceGraphConfigTable() {
  using C = ServiceGraphConfig;
  static const auto t =
      config::Table<C>()
          .Custom("latency_histogram_buckets", "[]duration", "[2ms ... 15s]",
                  "bounds of the request latency histograms",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    for (const auto& item : n.seq) {
                      config::Duration x{};
                      if (config::ParseValue(item, x, d)) c.latency_histogram_buckets.push_back(x);
                    }
                  })
          .Field("exponential_histogram_max_size", &C::exponential_histogram_max_size,
                 "when > 0, exponential latency histograms with at most this many buckets")
          .Field("dimensions", &C::dimensions,
                 "span or resource attributes added as client_<name> and server_<name> labels")
          .Section("store", &C::store, StoreTable(), "the store of unpaired edges")
          .Field("cache_loop", &C::cache_loop,
                 "how often series not updated for 15 minutes are removed")
          .Field("store_expiration_loop", &C::store_expiration_loop,
                 "how often unpaired edges older than store.ttl are expired")
          .Field("metrics_flush_interval", &C::metrics_flush_interval,
                 "how often the metrics are emitted; 0 = after every batch of spans")
          .Field("metrics_timestamp_offset", &C::metrics_timestamp_offset,
                 "subtracted from the data points' timestamps")
          .Field("database_name_attribute", &C::database_name_attribute,
                 "deprecated: use database_name_attributes")
          .Field("database_name_attributes", &C::database_name_attributes,
                 "attributes naming the database of a client span (the edge's server)")
          .Field("metrics_exporter", &C::metrics_exporter, "deprecated; has no effect")
          .NotSupportedYet("virtual_node_peer_attributes",
                           "virtual nodes for edges with one side missing")
          .NotSupportedYet("virtual_node_extra_label", "the virtual_node label");
  return t;
}

}  // namespace otter
