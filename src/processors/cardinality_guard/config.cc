#include "processors/cardinality_guard/config.h"

#include <set>

namespace otter {

Status CardinalityGuardConfig::Validate() const {
  if (exemplar_attributes.empty() && max_series_per_metric == 0) {
    return InvalidArgument(
        "exemplar_attributes or max_series_per_metric must be set (the processor would do "
        "nothing)");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < exemplar_attributes.size(); ++i) {
    const std::string& key = exemplar_attributes[i];
    if (key.empty()) {
      return InvalidArgument("exemplar_attributes[" + std::to_string(i) + "]: empty key");
    }
    if (!seen.insert(key).second) {
      return InvalidArgument("exemplar_attributes[" + std::to_string(i) + "]: \"" + key +
                             "\" is listed twice");
    }
  }
  if (max_series_per_metric > 0 && series_ttl.count() <= 0)
    return InvalidArgument("series_ttl must be greater than zero");
  if (!exemplar_attributes.empty() && max_exemplars_per_data_point == 0)
    return InvalidArgument("max_exemplars_per_data_point must be at least 1");
  return Status::Ok();
}

const config::Table<CardinalityGuardConfig>& CardinalityGuardConfigTable() {
  using C = CardinalityGuardConfig;
  static const config::Table<C> table =
      config::Table<C>()
          .Field("exemplar_attributes", &C::exemplar_attributes,
                 "attribute keys moved off every data point into an exemplar of it (trace_id / "
                 "span_id with hex values become the exemplar's ids); points left with equal "
                 "attributes are merged")
          .Field("max_exemplars_per_data_point", &C::max_exemplars_per_data_point,
                 "exemplars kept on a point when points merge")
          .Field("max_series_per_metric", &C::max_series_per_metric,
                 "series allowed per metric name; points of further series go to one overflow "
                 "series with the attribute otel.metric.overflow=true (0 = no limit)")
          .Field("series_ttl", &C::series_ttl,
                 "a series not seen for this long frees its place under max_series_per_metric");
  return table;
}

}  // namespace otter
