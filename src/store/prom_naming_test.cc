#include "store/prom_naming.h"

#include <gtest/gtest.h>

#include <limits>

namespace otter::store {
namespace {

using promconv::BuildMetricName;
using promconv::FormatPromFloat;
using promconv::MetricKind;
using promconv::PrometheusUnit;

TEST(PromNamingTest, UnitWordsAreAppended) {
  EXPECT_EQ(BuildMetricName("memory.usage", "By", MetricKind::kGauge), "memory_usage_bytes");
  EXPECT_EQ(BuildMetricName("rpc.duration", "ms", MetricKind::kHistogram),
            "rpc_duration_milliseconds");
  EXPECT_EQ(BuildMetricName("http.server.request.duration", "s", MetricKind::kHistogram),
            "http_server_request_duration_seconds");
  EXPECT_EQ(BuildMetricName("speed", "m/s", MetricKind::kGauge), "speed_meters_per_second");
  EXPECT_EQ(BuildMetricName("net.io", "By/s", MetricKind::kGauge), "net_io_bytes_per_second");
  EXPECT_EQ(BuildMetricName("disk.size", "TiBy", MetricKind::kGauge), "disk_size_tebibytes");
  EXPECT_EQ(BuildMetricName("temp", "Cel", MetricKind::kGauge), "temp_celsius");
  EXPECT_EQ(BuildMetricName("load", "%", MetricKind::kGauge), "load_percent");
  // Unknown units are used as they are (cleaned up).
  EXPECT_EQ(BuildMetricName("x", "widgets", MetricKind::kGauge), "x_widgets");
  // "{...}" annotations give no suffix, on either side of "/".
  EXPECT_EQ(BuildMetricName("http.requests", "{requests}", MetricKind::kMonotonicCounter),
            "http_requests_total");
  EXPECT_EQ(BuildMetricName("packets", "{packets}/s", MetricKind::kGauge), "packets_per_second");
  EXPECT_EQ(BuildMetricName("rate", "1/s", MetricKind::kGauge), "rate_per_second");
}

TEST(PromNamingTest, UnitAlreadyInNameIsNotRepeated) {
  EXPECT_EQ(BuildMetricName("duration.seconds", "s", MetricKind::kHistogram), "duration_seconds");
  EXPECT_EQ(BuildMetricName("sent_bytes", "By", MetricKind::kMonotonicCounter), "sent_bytes_total");
}

TEST(PromNamingTest, TotalAndRatioSuffixes) {
  EXPECT_EQ(BuildMetricName("requests", "", MetricKind::kMonotonicCounter), "requests_total");
  // An existing "total" token moves to the end instead of doubling.
  EXPECT_EQ(BuildMetricName("requests.total", "", MetricKind::kMonotonicCounter), "requests_total");
  EXPECT_EQ(BuildMetricName("total.requests", "By", MetricKind::kMonotonicCounter),
            "requests_bytes_total");
  EXPECT_EQ(BuildMetricName("queue.active", "", MetricKind::kNonMonotonicCounter), "queue_active");
  EXPECT_EQ(BuildMetricName("cpu.utilization", "1", MetricKind::kGauge), "cpu_utilization_ratio");
  EXPECT_EQ(BuildMetricName("cpu.ratio", "1", MetricKind::kGauge), "cpu_ratio");
  // "_ratio" is for gauges only; unit "1" on a counter adds nothing but "_total".
  EXPECT_EQ(BuildMetricName("events", "1", MetricKind::kMonotonicCounter), "events_total");
  EXPECT_EQ(BuildMetricName("items", "1", MetricKind::kNonMonotonicCounter), "items");
}

TEST(PromNamingTest, CharactersAndLeadingDigit) {
  EXPECT_EQ(BuildMetricName("foo__bar..baz", "", MetricKind::kGauge), "foo_bar_baz");
  EXPECT_EQ(BuildMetricName("2xx.count", "", MetricKind::kGauge), "_2xx_count");
  EXPECT_EQ(BuildMetricName("ns:metric", "", MetricKind::kGauge), "ns:metric");
  EXPECT_EQ(BuildMetricName("caf\xc3\xa9.hits", "", MetricKind::kGauge), "caf_hits");
  EXPECT_EQ(BuildMetricName("", "", MetricKind::kGauge), "");
  EXPECT_EQ(BuildMetricName("...", "", MetricKind::kGauge), "");
}

TEST(PromNamingTest, MetricNameFromPdata) {
  pdata::Metric m;
  m.name = "http.client.duration";
  m.unit = "ms";
  m.type = pdata::MetricType::kSum;
  m.is_monotonic = true;
  EXPECT_EQ(PrometheusMetricName(m), "http_client_duration_milliseconds_total");
  m.is_monotonic = false;
  EXPECT_EQ(PrometheusMetricName(m), "http_client_duration_milliseconds");
}

TEST(PromNamingTest, UnitForMetadata) {
  EXPECT_EQ(PrometheusUnit("s"), "seconds");
  EXPECT_EQ(PrometheusUnit("By"), "bytes");
  EXPECT_EQ(PrometheusUnit("By/s"), "bytes_per_second");
  EXPECT_EQ(PrometheusUnit("m/s"), "meters_per_second");
  EXPECT_EQ(PrometheusUnit("1"), "");
  EXPECT_EQ(PrometheusUnit("{requests}"), "");
  EXPECT_EQ(PrometheusUnit(""), "");
}

TEST(PromNamingTest, LabelNames) {
  EXPECT_EQ(PrometheusLabelName("http.method"), "http_method");
  EXPECT_EQ(PrometheusLabelName("service_name"), "service_name");
  EXPECT_EQ(PrometheusLabelName("123abc"), "key_123abc");
  EXPECT_EQ(PrometheusLabelName("_private"), "key_private");
  EXPECT_EQ(PrometheusLabelName("__reserved__"), "__reserved__");
  EXPECT_EQ(PrometheusLabelName("h\xc3\xa9llo"), "h_llo");  // one "_" per character
  EXPECT_EQ(PrometheusLabelName("a-b/c"), "a_b_c");
  EXPECT_EQ(PrometheusLabelName(""), "");
  EXPECT_EQ(PrometheusLabelName("..."), "");  // only underscores: unusable
}

TEST(PromNamingTest, FloatFormattingLikeGoFormatFloatF) {
  EXPECT_EQ(FormatPromFloat(0.005), "0.005");
  EXPECT_EQ(FormatPromFloat(1), "1");
  EXPECT_EQ(FormatPromFloat(2.5), "2.5");
  EXPECT_EQ(FormatPromFloat(0.1), "0.1");
  EXPECT_EQ(FormatPromFloat(1e6), "1000000");
  EXPECT_EQ(FormatPromFloat(2.5e-7), "0.00000025");
  EXPECT_EQ(FormatPromFloat(-3), "-3");
  EXPECT_EQ(FormatPromFloat(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatPromFloat(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatPromFloat(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

std::string ValueString(const pdata::AnyValue& v) {
  std::string s;
  promconv::AppendAttributeValueString(v, &s);
  return s;
}

TEST(PromNamingTest, AttributeValuesLikePcommonAsString) {
  EXPECT_EQ(ValueString(pdata::AnyValue::String("GET")), "GET");
  EXPECT_EQ(ValueString(pdata::AnyValue::Int(-42)), "-42");
  EXPECT_EQ(ValueString(pdata::AnyValue::Bool(true)), "true");
  EXPECT_EQ(ValueString(pdata::AnyValue::Double(1.5)), "1.5");
  EXPECT_EQ(ValueString(pdata::AnyValue::Double(0.1)), "0.1");
  EXPECT_EQ(ValueString(pdata::AnyValue::Double(100)), "100");
  EXPECT_EQ(ValueString(pdata::AnyValue::Double(1e21)), "1e+21");
  EXPECT_EQ(ValueString(pdata::AnyValue::Double(1e-7)), "1e-7");
  pdata::AnyValue bytes;
  bytes.type = pdata::AnyValue::Type::kBytes;
  bytes.string_value = "hi!?";
  EXPECT_EQ(ValueString(bytes), "aGkhPw==");
  pdata::AnyValue arr;
  arr.type = pdata::AnyValue::Type::kArray;
  arr.array_value = {pdata::AnyValue::String("a"), pdata::AnyValue::Int(1)};
  EXPECT_EQ(ValueString(arr), "[\"a\",1]");
}

}  // namespace
}  // namespace otter::store
