// Prometheus naming for OTLP metrics: metric names with unit and type suffixes, label names,
// unit words and number formatting, following the OTel "Prometheus compatibility" spec as
// implemented by prometheus/otlptranslator (strategy UnderscoreEscapingWithSuffixes).
// Called by prom_convert.cc on every ingested metric batch. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "pdata/metrics.h"

namespace otter::store {

// The Prometheus metric family name of `metric`: name sanitised to [a-zA-Z0-9:_], unit words
// appended ("By" → "_bytes", "m/s" → "_meters_per_second", "{...}" dropped), "_total" for
// monotonic sums, "_ratio" for gauges with unit "1". Empty when the name normalises to nothing
// usable (empty or only underscores).
std::string PrometheusMetricName(const pdata::Metric& metric);

// The Prometheus label name for an attribute key: characters outside [a-zA-Z0-9_] become "_",
// a leading digit gets "key_", a single leading "_" gets "key" ("__x" is kept). Empty when
// the key is empty or normalises to only underscores (the attribute is then skipped).
std::string PrometheusLabelName(std::string_view attribute_key);

namespace promconv {

// How the translator classifies a metric for naming.
enum class MetricKind {
  kUnknown,
  kGauge,
  kMonotonicCounter,
  kNonMonotonicCounter,
  kHistogram,
  kExponentialHistogram,
  kSummary
};

MetricKind KindOf(const pdata::Metric& metric);

std::string BuildMetricName(std::string_view name, std::string_view unit, MetricKind kind);

// The unit word used in metadata: "s" → "seconds", "By/s" → "bytes_per_second", "1" → "",
// "{requests}" → "".
std::string PrometheusUnit(std::string_view unit);

// The reverse, as the Prometheus receiver maps an OpenMetrics UNIT to the OTLP unit (the
// translator's UnitWordToUCUM): "seconds" → "s", "bytes_per_second" → "By/s"; words it does not
// know are kept as they are.
std::string UnitWordToUcum(std::string_view word);

// Go strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip, never an exponent; "+Inf",
// "-Inf", "NaN". Used for `le` and `quantile` label values.
void AppendPromFloat(double v, std::string* out);
std::string FormatPromFloat(double v);

// pcommon.Value.AsString(): strings as-is, ints decimal, doubles like JavaScript/ES6, bools
// "true"/"false", bytes base64, arrays/maps JSON. Appends to *out.
void AppendAttributeValueString(const pdata::AnyValue& v, std::string* out);

}  // namespace promconv
}  // namespace otter::store
