#include "connectors/spanmetrics/config.h"

#include <set>

namespace otter {

void ParseDimensions(const config::Node& n, std::vector<MetricDimension>& out,
                     config::Diagnostics& d) {
  if (n.kind != config::Node::Kind::kSeq) {
    d.Error(n, "expected a list of {name, default} maps");
    return;
  }
  for (const auto& item : n.seq) {
    MetricDimension dim;
    if (!item.IsMap()) {
      d.Error(item, "a dimension is a map with keys name and default");
      continue;
    }
    for (const auto& [k, v] : item.map) {
      if (k == "name") {
        config::ParseValue(v, dim.name, d);
      } else if (k == "default") {
        std::string s;
        if (!v.IsNull() && config::ParseValue(v, s, d)) dim.default_value = s;
      } else {
        d.Error(v, "unknown key \"" + k + "\" in a dimension (valid keys: name, default)");
      }
    }
    if (dim.name.empty()) d.Error(item, "a dimension needs a name");
    out.push_back(std::move(dim));
  }
}

namespace {

constexpr double kDefaultBucketsMs[] = {2,   4,   6,    8,    10,   50,   100,   200,
                                        400, 800, 1000, 1400, 2000, 5000, 10000, 15000};

Status CheckDimensions(const std::vector<MetricDimension>& dims, const char* key) {
  std::set<std::string> names = {"service.name", "span.name", "span.kind", "status.code"};
  for (const auto& d : dims)
    if (!names.insert(d.name).second)
      return InvalidArgument(std::string(key) + ": duplicate dimension name " + d.name);
  return Status::Ok();
}

const config::Table<SpanMetricsConfig::Histogram>& HistogramTable() {
  using H = SpanMetricsConfig::Histogram;
  static const auto t =
      config::Table<H>()
          .Field("disable", &H::disable, "emit no duration histogram")
          .Field("unit", &H::unit, "unit of the duration histogram: ms or s")
          .Custom("explicit", "section", "", "explicit.buckets: bucket bounds as durations",
                  [](const config::Node& n, H& h, config::Diagnostics& d) {
                    if (n.IsNull()) return;
                    for (const auto& [k, v] : n.map) {
                      if (k != "buckets") {
                        d.Error(v, "unknown key \"" + k + "\" in explicit (valid keys: buckets)");
                        continue;
                      }
                      std::vector<config::Duration> b;
                      for (const auto& item : v.seq) {
                        config::Duration x{};
                        if (config::ParseValue(item, x, d)) b.push_back(x);
                      }
                      h.explicit_buckets = std::move(b);
                    }
                  })
          .Custom("exponential", "section", "",
                  "exponential.max_size (default 160): an exponential histogram instead",
                  [](const config::Node& n, H& h, config::Diagnostics& d) {
                    h.exponential = true;
                    if (n.IsNull()) return;
                    for (const auto& [k, v] : n.map) {
                      if (k == "max_size")
                        config::ParseValue(v, h.exponential_max_size, d);
                      else
                        d.Error(v,
                                "unknown key \"" + k + "\" in exponential (valid keys: max_size)");
                    }
                  })
          .NotSupportedYet("dimensions", "extra dimensions for the histogram only");
  return t;
}

const config::Table<SpanMetricsConfig::Exemplars>& ExemplarsTable() {
  using E = SpanMetricsConfig::Exemplars;
  static const auto t =
      config::Table<E>()
          .Field("enabled", &E::enabled, "attach exemplars (trace and span ids) to data points")
          .Field("max_per_data_point", &E::max_per_data_point,
                 "exemplars kept per data point and flush interval");
  return t;
}

const config::Table<SpanMetricsConfig::Events>& EventsTable() {
  using E = SpanMetricsConfig::Events;
  static const auto t = config::Table<E>()
                            .Field("enabled", &E::enabled, "count span events (metric `events`)")
                            .Custom("dimensions", "[]dimension", "[]",
                                    "extra dimensions of the events metric, read from the event's "
                                    "attributes",
                                    [](const config::Node& n, E& e, config::Diagnostics& d) {
                                      ParseDimensions(n, e.dimensions, d);
                                    });
  return t;
}

}  // namespace

std::vector<double> SpanMetricsConfig::Bounds() const {
  std::vector<double> out;
  double ns_per_unit = histogram.unit == "s" ? 1e9 : 1e6;
  if (histogram.explicit_buckets) {
    for (auto b : *histogram.explicit_buckets) out.push_back(b.count() / ns_per_unit);
  } else {
    for (double ms : kDefaultBucketsMs) out.push_back(histogram.unit == "s" ? ms / 1000 : ms);
  }
  return out;
}

Status SpanMetricsConfig::Validate() const {
  RETURN_IF_ERROR(CheckDimensions(dimensions, "dimensions"));
  if (events.enabled) {
    if (events.dimensions.empty())
      return InvalidArgument("events: no dimensions configured for events");
    RETURN_IF_ERROR(CheckDimensions(events.dimensions, "events"));
  }
  if (histogram.explicit_buckets && histogram.exponential)
    return InvalidArgument("histogram: use either `explicit` or `exponential` buckets histogram");
  if (histogram.unit != "ms" && histogram.unit != "s")
    return InvalidArgument("histogram: unit must be ms or s, not \"" + histogram.unit + "\"");
  if (histogram.exponential && histogram.exponential_max_size < 2)
    return InvalidArgument("histogram: exponential.max_size must be at least 2");
  if (histogram.explicit_buckets) {
    const auto& b = *histogram.explicit_buckets;
    for (size_t i = 1; i < b.size(); ++i)
      if (b[i] <= b[i - 1])
        return InvalidArgument("histogram: explicit.buckets must be strictly increasing");
  }
  if (aggregation_temporality != "AGGREGATION_TEMPORALITY_CUMULATIVE" && !delta())
    return InvalidArgument(
        "aggregation_temporality: must be AGGREGATION_TEMPORALITY_CUMULATIVE or "
        "AGGREGATION_TEMPORALITY_DELTA");
  if (metrics_flush_interval.count() <= 0)
    return InvalidArgument("metrics_flush_interval: must be positive");
  if (metrics_expiration.count() < 0)
    return InvalidArgument("metrics_expiration: the duration should be positive");
  if (aggregation_cardinality_limit < 0)
    return InvalidArgument("aggregation_cardinality_limit: the limit should be positive");
  if (dimensions_cache_size < 0)
    return InvalidArgument("dimensions_cache_size: the limit should be positive");
  if (resource_metrics_cache_size <= 0)
    return InvalidArgument("resource_metrics_cache_size: must be positive");
  if (delta() && metric_timestamp_cache_size <= 0)
    return InvalidArgument(
        "metric_timestamp_cache_size: the maximum number of the items in the cache should be "
        "positive");
  if (exemplars.max_per_data_point < 0)
    return InvalidArgument("exemplars: max_per_data_point must not be negative");
  return Status::Ok();
}

const config::Table<SpanMetricsConfig>& SpanMetricsConfigTable() {
  using C = SpanMetricsConfig;
  static const auto t =
      config::Table<C>()
          .Custom("dimensions", "[]dimension", "[]",
                  "extra dimensions ({name, default}) read from span, then resource attributes",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    ParseDimensions(n, c.dimensions, d);
                  })
          .Field("exclude_dimensions", &C::exclude_dimensions,
                 "default dimensions to leave out (service.name, span.name, span.kind, "
                 "status.code)")
          .Field("namespace", &C::namespace_, "prefix of the metric names (namespace.calls, ...)")
          .Field("aggregation_temporality", &C::aggregation_temporality,
                 "AGGREGATION_TEMPORALITY_CUMULATIVE or AGGREGATION_TEMPORALITY_DELTA")
          .Field("metrics_flush_interval", &C::metrics_flush_interval,
                 "how often the metrics are emitted")
          .Field("metrics_expiration", &C::metrics_expiration,
                 "a resource's series not updated for this long are no longer emitted; 0 = "
                 "never")
          .Field("aggregation_cardinality_limit", &C::aggregation_cardinality_limit,
                 "series per resource; further ones are counted in one series with "
                 "otel.metric.overflow=true. 0 = no limit")
          .Field("dimensions_cache_size", &C::dimensions_cache_size,
                 "deprecated: used as aggregation_cardinality_limit when that is 0")
          .Field("resource_metrics_cache_size", &C::resource_metrics_cache_size,
                 "resources tracked at once; the least recently seen is evicted beyond it")
          .Field("resource_metrics_key_attributes", &C::resource_metrics_key_attributes,
                 "resource attributes that identify a resource (default: all)")
          .Field("metric_timestamp_cache_size", &C::metric_timestamp_cache_size,
                 "accepted for compatibility: delta points start at the previous flush")
          .Section("histogram", &C::histogram, HistogramTable(), "the duration histogram")
          .Section("exemplars", &C::exemplars, ExemplarsTable(), "exemplars")
          .Section("events", &C::events, EventsTable(), "the span events metric")
          .NotSupportedYet("calls_dimensions", "extra dimensions for the calls metric only")
          .NotSupportedYet("include_instrumentation_scope",
                           "instrumentation scope name and version as dimensions");
  return t;
}

}  // namespace otter
