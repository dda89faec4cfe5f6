#include "otlp/json_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "otlp/json_testdata.h"

namespace otter::otlp {
namespace {

using pdata::AnyValue;
using pdata::KeyValue;
using testdata::kFullLogs;
using testdata::kFullMetrics;
using testdata::kFullTraces;
using ::testing::HasSubstr;

// ---- helpers ------------------------------------------------------------------------------------

pdata::TraceId Tid(std::string_view hex) {
  pdata::TraceId id;
  EXPECT_TRUE(pdata::ParseHexId(hex, &id)) << hex;
  return id;
}
pdata::SpanId Sid(std::string_view hex) {
  pdata::SpanId id;
  EXPECT_TRUE(pdata::ParseHexId(hex, &id)) << hex;
  return id;
}
AnyValue Bytes(std::string_view b) {
  AnyValue v;
  v.type = AnyValue::Type::kBytes;
  v.string_value = b;
  return v;
}
AnyValue Arr(std::vector<AnyValue> values) {
  AnyValue v;
  v.type = AnyValue::Type::kArray;
  v.array_value = std::move(values);
  return v;
}
AnyValue Map(std::vector<KeyValue> values) {
  AnyValue v;
  v.type = AnyValue::Type::kKvList;
  v.kvlist_value = std::move(values);
  return v;
}

pdata::TraceBatch Traces(std::string json) {
  auto r = DecodeTracesJson(std::move(json));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : pdata::TraceBatch{};
}
pdata::MetricBatch Metrics(std::string json) {
  auto r = DecodeMetricsJson(std::move(json));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : pdata::MetricBatch{};
}
pdata::LogBatch Logs(std::string json) {
  auto r = DecodeLogsJson(std::move(json));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : pdata::LogBatch{};
}
std::string TraceError(std::string json) {
  auto r = DecodeTracesJson(std::move(json));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

// Wraps span objects in the resourceSpans/scopeSpans envelope.
std::string SpansJson(std::string spans) {
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + spans + "]}]}]}";
}
// The single span of a one-span batch.
const pdata::Span& OnlySpan(pdata::TraceBatch&&) = delete;  // the views would dangle
const pdata::Span& OnlySpan(const pdata::TraceBatch& b) {
  static const pdata::Span kNone;
  if (b.resources().size() != 1 || b.resources()[0].scope_spans.size() != 1 ||
      b.resources()[0].scope_spans[0].spans.size() != 1) {
    ADD_FAILURE() << "expected exactly one span";
    return kNone;
  }
  return b.resources()[0].scope_spans[0].spans[0];
}
constexpr std::string_view kIds =
    R"("traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174")";
std::string OneSpan(std::string_view fields) {
  return SpansJson("{" + std::string(kIds) + (fields.empty() ? "" : ",") + std::string(fields) +
                   "}");
}

pdata::Attributes AllValues() {
  return {
      {"s", AnyValue::String("h\xc3\xa9llo \"q\" \\ \n \xf0\x9f\x98\x80")},
      {"b", AnyValue::Bool(false)},
      {"i", AnyValue::Int(std::numeric_limits<int64_t>::min())},
      {"i2", AnyValue::Int(42)},
      {"d", AnyValue::Double(3.25)},
      {"bytes", Bytes(std::string_view("\x00\x01\x02\xff", 4))},
      {"arr", Arr({AnyValue::String("x"), AnyValue::Int(1), Arr({AnyValue::Bool(true)}),
                   Map({{"k", AnyValue::Double(1.5)}})})},
      {"map", Map({{"nested", Map({{"deep", AnyValue::String("yes")}})}, {"empty", AnyValue{}}})},
      {"emptyArr", Arr({})},
      {"empty", AnyValue{}},
      {"noval", AnyValue{}},
  };
}

// ---- traces: every field ------------------------------------------------------------------------

pdata::Span FullSpan() {
  pdata::Span s;
  s.trace_id = Tid("5b8efff798038103d269b633813fc60c");
  s.span_id = Sid("eee19b7ec3c1b174");
  s.trace_state = "vendor=value";
  s.parent_span_id = Sid("eee19b7ec3c1b173");
  s.flags = 769;
  s.name = "GET /cart";
  s.kind = pdata::SpanKind::kServer;
  s.start_time_unix_nano = 1544712660000000000ull;
  s.end_time_unix_nano = 1544712661000000000ull;
  s.attributes = AllValues();
  s.dropped_attributes_count = 3;
  pdata::SpanEvent e1;
  e1.time_unix_nano = 1544712660300000000ull;
  e1.name = "ev";
  e1.attributes = {{"a", AnyValue::Int(1)}};
  e1.dropped_attributes_count = 4;
  pdata::SpanEvent e2;
  e2.name = "second";
  s.events = {e1, e2};
  s.dropped_events_count = 5;
  pdata::SpanLink l;
  l.trace_id = Tid("0af7651916cd43dd8448eb211c80319c");
  l.span_id = Sid("b7ad6b7169203331");
  l.trace_state = "k=v";
  l.attributes = {{"l", AnyValue::String("x")}};
  l.dropped_attributes_count = 6;
  l.flags = 256;
  s.links = {l};
  s.dropped_links_count = 7;
  s.status.code = pdata::StatusCode::kError;
  s.status.message = "boom";
  return s;
}

TEST(JsonDecode, TracesEveryField) {
  pdata::TraceBatch b = Traces(kFullTraces);
  ASSERT_EQ(b.resources().size(), 1u);
  const pdata::ResourceSpans& rs = b.resources()[0];
  EXPECT_EQ(rs.resource.attributes,
            (pdata::Attributes{{"service.name", AnyValue::String("checkout")}}));
  EXPECT_EQ(rs.resource.dropped_attributes_count, 1u);
  EXPECT_EQ(rs.schema_url, "https://opentelemetry.io/schemas/1.21.0");
  ASSERT_EQ(rs.scope_spans.size(), 1u);
  const pdata::ScopeSpans& ss = rs.scope_spans[0];
  EXPECT_EQ(ss.scope.name, "lib");
  EXPECT_EQ(ss.scope.version, "1.2.3");
  EXPECT_EQ(ss.scope.attributes, (pdata::Attributes{{"scope.attr", AnyValue::Bool(true)}}));
  EXPECT_EQ(ss.scope.dropped_attributes_count, 2u);
  EXPECT_EQ(ss.schema_url, "https://scope.example/schema");
  ASSERT_EQ(ss.spans.size(), 2u);
  // Field by field first, for readable failures; then the whole struct.
  const pdata::Span want = FullSpan();
  const pdata::Span& got = ss.spans[0];
  ASSERT_EQ(got.attributes.size(), want.attributes.size());
  for (size_t i = 0; i < want.attributes.size(); ++i) {
    EXPECT_EQ(got.attributes[i], want.attributes[i]) << "attribute " << want.attributes[i].key;
  }
  EXPECT_EQ(got.events, want.events);
  EXPECT_EQ(got.links, want.links);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got, want);
  EXPECT_EQ(ss.spans[1].name, "child");
  EXPECT_TRUE(ss.spans[1].parent_span_id.empty());
  EXPECT_EQ(b.ItemCount(), 2u);
}

TEST(JsonDecode, EmptyRequests) {
  EXPECT_EQ(Traces(R"({"resourceSpans":[]})").resources().size(), 0u);
  EXPECT_EQ(Traces("{}").resources().size(), 0u);
  EXPECT_EQ(Traces(R"({"resourceSpans":null})").resources().size(), 0u);
  EXPECT_EQ(Metrics(R"({"resourceMetrics":[]})").resources().size(), 0u);
  EXPECT_EQ(Logs(R"({"resourceLogs":[]})").resources().size(), 0u);
  // An empty resource and scope survive as such.
  pdata::TraceBatch b = Traces(R"({"resourceSpans":[{"scopeSpans":[{}]}]})");
  ASSERT_EQ(b.resources().size(), 1u);
  EXPECT_EQ(b.resources()[0].scope_spans.size(), 1u);
  EXPECT_TRUE(b.empty());
}

// The seed's PowerShell example: times as JSON numbers, parentSpanId "".
TEST(JsonDecode, PowerShellPayload) {
  pdata::TraceBatch b = Traces(
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"powershell-script"}}]},"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","parentSpanId":"","name":"x","kind":1,"startTimeUnixNano":1700000000000000000,"endTimeUnixNano":1700000000100000000,"attributes":[{"key":"script.name","value":{"stringValue":"deploy.ps1"}},{"key":"attempt","value":{"intValue":1}}],"status":{"code":1}}]}]}]})");
  const pdata::Span& s = OnlySpan(b);
  EXPECT_EQ(s.trace_id, Tid("4bf92f3577b34da6a3ce929d0e0e4736"));
  EXPECT_EQ(s.span_id, Sid("00f067aa0ba902b7"));
  EXPECT_TRUE(s.parent_span_id.empty());
  EXPECT_EQ(s.kind, pdata::SpanKind::kInternal);
  EXPECT_EQ(s.start_time_unix_nano, 1700000000000000000ull);
  EXPECT_EQ(s.end_time_unix_nano, 1700000000100000000ull);
  EXPECT_EQ(s.attributes, (pdata::Attributes{{"script.name", AnyValue::String("deploy.ps1")},
                                             {"attempt", AnyValue::Int(1)}}));
  EXPECT_EQ(s.status.code, pdata::StatusCode::kOk);
  EXPECT_EQ(b.resources()[0].resource.attributes[0].value, AnyValue::String("powershell-script"));
}

// What the OpenTelemetry JS SDK's JSON exporter sends: explicit zero values, empty arrays.
TEST(JsonDecode, JsSdkShape) {
  pdata::TraceBatch b = Traces(
      R"({"resourceSpans":[{"resource":{"attributes":[],"droppedAttributesCount":0},"scopeSpans":[{"scope":{"name":"js","version":""},"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","name":"fetch","kind":3,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000100000000","attributes":[],"droppedAttributesCount":0,"events":[],"droppedEventsCount":0,"status":{"code":0},"links":[],"droppedLinksCount":0,"flags":1}]}]}]})");
  const pdata::Span& s = OnlySpan(b);
  EXPECT_EQ(s.kind, pdata::SpanKind::kClient);
  EXPECT_EQ(s.flags, 1u);
  EXPECT_EQ(s.status, pdata::SpanStatus{});
}

// ---- metrics: every field -----------------------------------------------------------------------

TEST(JsonDecode, MetricsEveryField) {
  pdata::MetricBatch b = Metrics(kFullMetrics);
  ASSERT_EQ(b.resources().size(), 1u);
  const auto& rm = b.resources()[0];
  EXPECT_EQ(rm.schema_url, "rs-schema");
  EXPECT_EQ(rm.resource.attributes, (pdata::Attributes{{"service.name", AnyValue::String("m")}}));
  ASSERT_EQ(rm.scope_metrics.size(), 1u);
  const auto& sm = rm.scope_metrics[0];
  EXPECT_EQ(sm.scope.name, "meter");
  EXPECT_EQ(sm.scope.version, "2");
  EXPECT_EQ(sm.schema_url, "sm-schema");
  ASSERT_EQ(sm.metrics.size(), 6u);

  pdata::Metric gauge;
  gauge.name = "g";
  gauge.description = "a gauge";
  gauge.unit = "1";
  gauge.type = pdata::MetricType::kGauge;
  gauge.metadata = {{"meta", AnyValue::String("data")}};
  {
    pdata::NumberDataPoint p;
    p.attributes = {{"k", AnyValue::String("v")}};
    p.start_time_unix_nano = 1;
    p.time_unix_nano = 2;
    p.value_type = pdata::NumberDataPoint::ValueType::kInt;
    p.as_int = -5;
    p.flags = 1;
    pdata::Exemplar e1;
    e1.filtered_attributes = {{"f", AnyValue::Int(9)}};
    e1.time_unix_nano = 3;
    e1.as_double = 0.5;
    e1.span_id = Sid("eee19b7ec3c1b174");
    e1.trace_id = Tid("5b8efff798038103d269b633813fc60c");
    pdata::Exemplar e2;
    e2.is_int = true;
    e2.as_int = 7;
    p.exemplars = {e1, e2};
    pdata::NumberDataPoint q;
    q.time_unix_nano = 4;
    q.value_type = pdata::NumberDataPoint::ValueType::kDouble;
    q.as_double = 2.5;
    gauge.number_points = {p, q};
  }
  EXPECT_EQ(sm.metrics[0], gauge);

  pdata::Metric sum;
  sum.name = "s";
  sum.type = pdata::MetricType::kSum;
  sum.temporality = pdata::AggregationTemporality::kCumulative;
  sum.is_monotonic = true;
  sum.number_points.resize(3);
  sum.number_points[0].value_type = pdata::NumberDataPoint::ValueType::kDouble;
  sum.number_points[0].as_double = 1e300;
  sum.number_points[1].value_type = pdata::NumberDataPoint::ValueType::kInt;
  EXPECT_EQ(sm.metrics[1], sum);

  pdata::Metric hist;
  hist.name = "h";
  hist.type = pdata::MetricType::kHistogram;
  hist.temporality = pdata::AggregationTemporality::kDelta;
  {
    pdata::HistogramDataPoint p;
    p.start_time_unix_nano = 10;
    p.time_unix_nano = 11;
    p.count = 6;
    p.sum = 12.5;
    p.bucket_counts = {1, 2, 3};
    p.explicit_bounds = {0.5, 1};
    p.min = 0.25;
    p.max = 9;
    pdata::Exemplar e;
    e.as_double = 1.25;
    p.exemplars = {e};
    hist.histogram_points = {p, pdata::HistogramDataPoint{}};
  }
  EXPECT_EQ(sm.metrics[2], hist);
  EXPECT_FALSE(sm.metrics[2].histogram_points[1].sum.has_value());
  EXPECT_FALSE(sm.metrics[2].histogram_points[1].min.has_value());

  pdata::Metric exp;
  exp.name = "e";
  exp.type = pdata::MetricType::kExponentialHistogram;
  exp.temporality = pdata::AggregationTemporality::kCumulative;
  {
    pdata::ExponentialHistogramDataPoint p;
    p.start_time_unix_nano = 19;
    p.time_unix_nano = 20;
    p.count = 10;
    p.sum = -3.5;
    p.scale = -2;
    p.zero_count = 1;
    p.zero_threshold = 1e-9;
    p.positive = {3, {4, 0, 2}};
    p.negative = {-4, {1, 2}};
    p.min = -2;
    p.max = 5;
    p.flags = 1;
    pdata::Exemplar e;
    e.is_int = true;
    e.as_int = 3;
    p.exemplars = {e};
    exp.exp_histogram_points = {p};
  }
  EXPECT_EQ(sm.metrics[3], exp);

  pdata::Metric summary;
  summary.name = "sm";
  summary.type = pdata::MetricType::kSummary;
  {
    pdata::SummaryDataPoint p;
    p.time_unix_nano = 30;
    p.count = 4;
    p.sum = 10;
    p.quantile_values = {{0, 1}, {0.5, 2.5}, {1, 4}};
    summary.summary_points = {p};
  }
  EXPECT_EQ(sm.metrics[4], summary);

  pdata::Metric nodata;
  nodata.name = "nodata";
  EXPECT_EQ(sm.metrics[5], nodata);
  EXPECT_EQ(b.ItemCount(), 2u + 3u + 2u + 1u + 1u);
}

// ---- logs: every field --------------------------------------------------------------------------

TEST(JsonDecode, LogsEveryField) {
  pdata::LogBatch b = Logs(kFullLogs);
  ASSERT_EQ(b.resources().size(), 1u);
  EXPECT_EQ(b.resources()[0].schema_url, "rl");
  ASSERT_EQ(b.resources()[0].scope_logs.size(), 1u);
  const auto& sl = b.resources()[0].scope_logs[0];
  EXPECT_EQ(sl.scope.name, "logger");
  EXPECT_EQ(sl.schema_url, "sl");
  ASSERT_EQ(sl.log_records.size(), 9u);

  pdata::LogRecord first;
  first.time_unix_nano = 100;
  first.observed_time_unix_nano = 101;
  first.severity_number = 9;
  first.severity_text = "INFO";
  first.body = AnyValue::String("hello");
  first.attributes = {{"a", AnyValue::Bool(true)}};
  first.dropped_attributes_count = 2;
  first.flags = 1;
  first.trace_id = Tid("5b8efff798038103d269b633813fc60c");
  first.span_id = Sid("eee19b7ec3c1b174");
  first.event_name = "app.start";
  EXPECT_EQ(sl.log_records[0], first);

  EXPECT_EQ(sl.log_records[1].body, AnyValue::Int(12));
  EXPECT_EQ(sl.log_records[2].body, AnyValue::Double(-0.5));
  EXPECT_EQ(sl.log_records[3].body, AnyValue::Bool(true));
  EXPECT_EQ(sl.log_records[4].body, Bytes("hi"));
  EXPECT_EQ(sl.log_records[5].body, Arr({AnyValue::String("a"), AnyValue::Int(2)}));
  EXPECT_EQ(sl.log_records[6].body, Map({{"k", AnyValue::String("v")}}));
  EXPECT_EQ(sl.log_records[7].body, AnyValue{});
  EXPECT_TRUE(sl.log_records[7].trace_id.empty());
  EXPECT_EQ(sl.log_records[8].severity_number, 24);
  EXPECT_EQ(sl.log_records[8].severity_text, "FATAL4");
}

// ---- round trips --------------------------------------------------------------------------------

template <class B, class Decode, class Encode>
void ExpectRoundTrip(const B& original, Decode decode, Encode encode) {
  std::string json;
  encode(original, &json);
  auto again = decode(json);
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << json;
  EXPECT_EQ(again->resources(), original.resources()) << json;
  std::string json2;
  encode(*again, &json2);
  EXPECT_EQ(json2, json);
}

TEST(JsonRoundTrip, Traces) {
  pdata::TraceBatch b = Traces(kFullTraces);
  ExpectRoundTrip(b, DecodeTracesJson, EncodeTracesJson);
}

TEST(JsonRoundTrip, Metrics) {
  pdata::MetricBatch b = Metrics(kFullMetrics);
  ExpectRoundTrip(b, DecodeMetricsJson, EncodeMetricsJson);
}

TEST(JsonRoundTrip, Logs) {
  pdata::LogBatch b = Logs(kFullLogs);
  ExpectRoundTrip(b, DecodeLogsJson, EncodeLogsJson);
}

// Values at the edges of their types, built directly rather than decoded.
TEST(JsonRoundTrip, EdgeValues) {
  pdata::TraceBatch b;
  auto& span = b.resources().emplace_back().scope_spans.emplace_back().spans.emplace_back();
  span.trace_id = Tid("ffffffffffffffffffffffffffffffff");
  span.span_id = Sid("0000000000000001");
  span.start_time_unix_nano = std::numeric_limits<uint64_t>::max();
  span.flags = std::numeric_limits<uint32_t>::max();
  span.kind = static_cast<pdata::SpanKind>(7);  // unknown enum values pass through
  span.name = "ctl\x01\x1f\x7f tab\t nul";
  span.attributes = {
      {"nan", AnyValue::Double(std::numeric_limits<double>::quiet_NaN())},
      {"inf", AnyValue::Double(std::numeric_limits<double>::infinity())},
      {"-inf", AnyValue::Double(-std::numeric_limits<double>::infinity())},
      {"-0", AnyValue::Double(-0.0)},
      {"tiny", AnyValue::Double(5e-324)},
      {"big", AnyValue::Double(1.7976931348623157e308)},
      {"third", AnyValue::Double(1.0 / 3)},
      {"2^64", AnyValue::Double(18446744073709551616.0)},
      {"1e20", AnyValue::Double(1e20)},
      {"-2^63", AnyValue::Double(-9223372036854775808.0)},
      {"2^53+2", AnyValue::Double(9007199254740994.0)},
      {"max", AnyValue::Int(std::numeric_limits<int64_t>::max())},
      {"min", AnyValue::Int(std::numeric_limits<int64_t>::min())},
      {"zero", AnyValue::Int(0)},
      {"false", AnyValue::Bool(false)},
      {"", AnyValue::String("")},
      {"nul", AnyValue::String(std::string_view("a\0b", 3))},
      {"bytes0", Bytes("")},
      {"bytes1", Bytes("\xfb")},
      {"bytes2", Bytes("\xfb\xff")},
      {"unicode", AnyValue::String("\xe2\x80\xa8 \xf4\x8f\xbf\xbf \xc3\xa9")},
  };
  ExpectRoundTrip(b, DecodeTracesJson, EncodeTracesJson);
  std::string json;
  EncodeTracesJson(b, &json);
  EXPECT_THAT(json, HasSubstr(R"("startTimeUnixNano":"18446744073709551615")"));
  EXPECT_THAT(json, HasSubstr(R"("doubleValue":"NaN")"));
  EXPECT_THAT(json, HasSubstr(R"("doubleValue":"-Infinity")"));
  EXPECT_THAT(json, HasSubstr(R"("doubleValue":-0.0})"));
  EXPECT_THAT(json, HasSubstr(R"("doubleValue":18446744073709551616.0})"));
  EXPECT_THAT(json, HasSubstr(R"("intValue":"-9223372036854775808")"));
  EXPECT_THAT(json, HasSubstr(R"("name":"ctl\u0001\u001f)"));
  EXPECT_THAT(json, HasSubstr(R"("stringValue":"a\u0000b")"));
  EXPECT_THAT(json, HasSubstr(R"("bytesValue":"+/8=")"));
  EXPECT_THAT(json, HasSubstr(R"("kind":7)"));
}

TEST(JsonRoundTrip, MetricEdgeValues) {
  pdata::MetricBatch b;
  auto& m = b.resources().emplace_back().scope_metrics.emplace_back().metrics.emplace_back();
  m.name = "h";
  m.type = pdata::MetricType::kHistogram;
  auto& p = m.histogram_points.emplace_back();
  p.sum = 0.0;  // present-but-zero optional fields survive
  p.min = 0.0;
  p.max = std::numeric_limits<double>::infinity();
  p.bucket_counts = {0, std::numeric_limits<uint64_t>::max()};
  p.explicit_bounds = {-std::numeric_limits<double>::infinity()};
  auto& e = b.resources()[0].scope_metrics[0].metrics.emplace_back();
  e.name = "empty-gauge";
  e.type = pdata::MetricType::kGauge;  // no points: the type must still survive
  ExpectRoundTrip(b, DecodeMetricsJson, EncodeMetricsJson);
}

// ---- the encoder's exact output -----------------------------------------------------------------

TEST(JsonEncode, CanonicalSpan) {
  pdata::TraceBatch b;
  auto& rs = b.resources().emplace_back();
  rs.resource.attributes = {{"service.name", AnyValue::String("svc")}};
  auto& ss = rs.scope_spans.emplace_back();
  ss.scope.name = "lib";
  auto& s = ss.spans.emplace_back();
  s.trace_id = Tid("0123456789ABCDEF0123456789abcdef");
  s.span_id = Sid("0011223344556677");
  s.name = "op";
  s.kind = pdata::SpanKind::kServer;
  s.start_time_unix_nano = 1700000000000000000ull;
  s.end_time_unix_nano = 1700000000250000000ull;
  s.attributes = {{"n", AnyValue::Int(200)}, {"d", AnyValue::Double(0.1)}};
  s.status.code = pdata::StatusCode::kOk;
  std::string json;
  EncodeTracesJson(b, &json);
  EXPECT_EQ(
      json,
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},)"
      R"("scopeSpans":[{"scope":{"name":"lib"},"spans":[{"traceId":"0123456789abcdef0123456789abcdef",)"
      R"("spanId":"0011223344556677","name":"op","kind":2,"startTimeUnixNano":"1700000000000000000",)"
      R"("endTimeUnixNano":"1700000000250000000","attributes":[{"key":"n","value":{"intValue":"200"}},)"
      R"({"key":"d","value":{"doubleValue":0.1}}],"status":{"code":1}}]}]}]})");
}

// Encoders append, like the protobuf codec's.
template <class B>
std::string Encoded(const B& batch) {
  std::string out = "prefix:";
  if constexpr (std::is_same_v<B, pdata::TraceBatch>) EncodeTracesJson(batch, &out);
  if constexpr (std::is_same_v<B, pdata::MetricBatch>) EncodeMetricsJson(batch, &out);
  if constexpr (std::is_same_v<B, pdata::LogBatch>) EncodeLogsJson(batch, &out);
  EXPECT_EQ(out.substr(0, 7), "prefix:");
  return out.substr(7);
}

TEST(JsonEncode, EmptyBatches) {
  EXPECT_EQ(Encoded(pdata::TraceBatch{}), R"({"resourceSpans":[]})");
  EXPECT_EQ(Encoded(pdata::MetricBatch{}), R"({"resourceMetrics":[]})");
  EXPECT_EQ(Encoded(pdata::LogBatch{}), R"({"resourceLogs":[]})");
  pdata::TraceBatch one;
  one.resources().emplace_back().scope_spans.emplace_back().spans.emplace_back();
  EXPECT_EQ(Encoded(one), R"({"resourceSpans":[{"scopeSpans":[{"spans":[{}]}]}]})");
}

TEST(JsonEncode, MetricShapes) {
  pdata::MetricBatch b;
  auto& metrics = b.resources().emplace_back().scope_metrics.emplace_back().metrics;
  auto& sum = metrics.emplace_back();
  sum.name = "c";
  sum.type = pdata::MetricType::kSum;
  sum.temporality = pdata::AggregationTemporality::kCumulative;
  sum.is_monotonic = true;
  auto& p = sum.number_points.emplace_back();
  p.value_type = pdata::NumberDataPoint::ValueType::kInt;  // asInt 0 is still written (oneof)
  std::string json;
  EncodeMetricsJson(b, &json);
  EXPECT_EQ(json,
            R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"c","sum":{"dataPoints":[)"
            R"({"asInt":"0"}],"aggregationTemporality":2,"isMonotonic":true}}]}]}]})");
}

TEST(JsonEncode, InvalidUtf8IsReplaced) {
  pdata::LogBatch b;
  auto& l = b.resources().emplace_back().scope_logs.emplace_back().log_records.emplace_back();
  l.body = AnyValue::String("ok\xff\xc3(\xed\xa0\x80!");  // bad byte, truncated, surrogate
  std::string json;
  EncodeLogsJson(b, &json);
  EXPECT_THAT(
      json,
      HasSubstr(
          "\"stringValue\":\"ok\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!\""));
  EXPECT_TRUE(DecodeLogsJson(json).ok());
}

template <class B>
std::string Response(int64_t rejected, std::string_view message) {
  std::string out = "x";
  EncodeExportResponseJson<B>(rejected, message, &out);
  EXPECT_EQ(out[0], 'x');
  return out.substr(1);
}

TEST(JsonEncode, ExportResponses) {
  EXPECT_EQ(Response<pdata::TraceBatch>(0, ""), "{}");
  EXPECT_EQ(Response<pdata::TraceBatch>(3, "bad \"ids\""),
            R"({"partialSuccess":{"rejectedSpans":"3","errorMessage":"bad \"ids\""}})");
  EXPECT_EQ(Response<pdata::MetricBatch>(2, "x"),
            R"({"partialSuccess":{"rejectedDataPoints":"2","errorMessage":"x"}})");
  EXPECT_EQ(Response<pdata::LogBatch>(1, ""), R"({"partialSuccess":{"rejectedLogRecords":"1"}})");
  EXPECT_EQ(Response<pdata::LogBatch>(0, "warning only"),
            R"({"partialSuccess":{"errorMessage":"warning only"}})");
}

TEST(JsonEncode, RpcStatus) {
  std::string out;
  EncodeRpcStatusJson(3, "traceId: bad\n", &out);
  EXPECT_EQ(out, R"({"code":3,"message":"traceId: bad\n"})");
  out.clear();
  EncodeRpcStatusJson(14, "", &out);
  EXPECT_EQ(out, R"({"code":14})");
}

// ---- tolerance ----------------------------------------------------------------------------------

TEST(JsonTolerance, Int64AsNumberStringOrExactFloat) {
  for (std::string_view t : {R"("1700000000000000000")", "1700000000000000000", "1.7e18", "1.7E+18",
                             R"("1.7e18")", "17e17", "1700000000000000000.0"}) {
    pdata::TraceBatch b = Traces(OneSpan("\"startTimeUnixNano\":" + std::string(t)));
    EXPECT_EQ(OnlySpan(b).start_time_unix_nano, 1700000000000000000ull) << t;
  }
  pdata::TraceBatch max = Traces(OneSpan(R"("endTimeUnixNano":18446744073709551615)"));
  EXPECT_EQ(OnlySpan(max).end_time_unix_nano, std::numeric_limits<uint64_t>::max());
  pdata::LogBatch l =
      Logs(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"intValue":-3e3}}]}]}]})");
  EXPECT_EQ(l.resources()[0].scope_logs[0].log_records[0].body, AnyValue::Int(-3000));
}

TEST(JsonTolerance, Int32AsString) {
  pdata::TraceBatch s_batch =
      Traces((OneSpan(R"("droppedAttributesCount":"3","flags":"257","kind":"2")")));
  const pdata::Span& s = OnlySpan(s_batch);
  EXPECT_EQ(s.dropped_attributes_count, 3u);
  EXPECT_EQ(s.flags, 257u);
  EXPECT_EQ(s.kind, pdata::SpanKind::kServer);
}

TEST(JsonTolerance, NullOrEmptyParentSpanIdIsAbsent) {
  for (std::string_view v : {R"("")", "null"}) {
    pdata::TraceBatch b = Traces(OneSpan("\"parentSpanId\":" + std::string(v)));
    EXPECT_TRUE(OnlySpan(b).parent_span_id.empty()) << v;
  }
}

TEST(JsonTolerance, EnumNames) {
  pdata::TraceBatch s_batch =
      Traces((OneSpan(R"("kind":"SPAN_KIND_SERVER","status":{"code":"STATUS_CODE_ERROR"})")));
  const pdata::Span& s = OnlySpan(s_batch);
  EXPECT_EQ(s.kind, pdata::SpanKind::kServer);
  EXPECT_EQ(s.status.code, pdata::StatusCode::kError);
  pdata::LogBatch l = Logs(
      R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"SEVERITY_NUMBER_INFO"},{"severityNumber":"SEVERITY_NUMBER_FATAL4"}]}]}]})");
  EXPECT_EQ(l.resources()[0].scope_logs[0].log_records[0].severity_number, 9);
  EXPECT_EQ(l.resources()[0].scope_logs[0].log_records[1].severity_number, 24);
  pdata::MetricBatch m = Metrics(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE"}},{"histogram":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA"}}]}]}]})");
  EXPECT_EQ(m.resources()[0].scope_metrics[0].metrics[0].temporality,
            pdata::AggregationTemporality::kCumulative);
  EXPECT_EQ(m.resources()[0].scope_metrics[0].metrics[1].temporality,
            pdata::AggregationTemporality::kDelta);
}

TEST(JsonTolerance, SnakeCaseKeys) {
  pdata::TraceBatch b = Traces(
      R"({"resource_spans":[{"resource":{"attributes":[{"key":"k","value":{"string_value":"v"}}],"dropped_attributes_count":1},"schema_url":"u","scope_spans":[{"scope":{"name":"n"},"spans":[{"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174","parent_span_id":"eee19b7ec3c1b173","trace_state":"t","start_time_unix_nano":"5","end_time_unix_nano":6,"dropped_events_count":2,"events":[{"time_unix_nano":"7"}],"links":[{"trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174"}],"attributes":[{"key":"a","value":{"array_value":{"values":[{"int_value":"1"},{"kvlist_value":{"values":[{"key":"x","value":{"bool_value":true}}]}},{"double_value":2.5},{"bytes_value":"AA=="}]}}}]}]}]}]})");
  ASSERT_EQ(b.resources().size(), 1u);
  EXPECT_EQ(b.resources()[0].schema_url, "u");
  EXPECT_EQ(b.resources()[0].resource.dropped_attributes_count, 1u);
  EXPECT_EQ(b.resources()[0].resource.attributes[0].value, AnyValue::String("v"));
  const pdata::Span& s = OnlySpan(b);
  EXPECT_EQ(s.trace_id, Tid("5b8efff798038103d269b633813fc60c"));
  EXPECT_EQ(s.span_id, Sid("eee19b7ec3c1b174"));
  EXPECT_EQ(s.parent_span_id, Sid("eee19b7ec3c1b173"));
  EXPECT_EQ(s.trace_state, "t");
  EXPECT_EQ(s.start_time_unix_nano, 5u);
  EXPECT_EQ(s.end_time_unix_nano, 6u);
  EXPECT_EQ(s.dropped_events_count, 2u);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].time_unix_nano, 7u);
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0].span_id, Sid("eee19b7ec3c1b174"));
  EXPECT_EQ(s.attributes[0].value, Arr({AnyValue::Int(1), Map({{"x", AnyValue::Bool(true)}}),
                                        AnyValue::Double(2.5), Bytes(std::string_view("\0", 1))}));

  pdata::MetricBatch m = Metrics(
      R"({"resource_metrics":[{"scope_metrics":[{"metrics":[{"exponential_histogram":{"aggregation_temporality":2,"data_points":[{"zero_count":"1","zero_threshold":0.5,"positive":{"bucket_counts":["1"]},"start_time_unix_nano":"1","time_unix_nano":"2"}]}},{"sum":{"is_monotonic":true,"data_points":[{"as_int":"4","exemplars":[{"filtered_attributes":[],"as_double":1,"span_id":"eee19b7ec3c1b174"}]}]}},{"histogram":{"data_points":[{"bucket_counts":["1"],"explicit_bounds":[],"min":1}]}},{"summary":{"data_points":[{"quantile_values":[{"quantile":0.5,"value":1}]}]}}]}]}]})");
  const auto& ms = m.resources()[0].scope_metrics[0].metrics;
  ASSERT_EQ(ms.size(), 4u);
  EXPECT_EQ(ms[0].type, pdata::MetricType::kExponentialHistogram);
  EXPECT_EQ(ms[0].temporality, pdata::AggregationTemporality::kCumulative);
  EXPECT_EQ(ms[0].exp_histogram_points[0].zero_count, 1u);
  EXPECT_EQ(ms[0].exp_histogram_points[0].zero_threshold, 0.5);
  EXPECT_EQ(ms[0].exp_histogram_points[0].positive.bucket_counts, (std::vector<uint64_t>{1}));
  EXPECT_EQ(ms[0].exp_histogram_points[0].time_unix_nano, 2u);
  EXPECT_TRUE(ms[1].is_monotonic);
  EXPECT_EQ(ms[1].number_points[0].as_int, 4);
  EXPECT_EQ(ms[1].number_points[0].exemplars[0].span_id, Sid("eee19b7ec3c1b174"));
  EXPECT_EQ(ms[2].histogram_points[0].min, 1.0);
  EXPECT_EQ(ms[3].summary_points[0].quantile_values[0].value, 1.0);

  pdata::LogBatch l = Logs(
      R"({"resource_logs":[{"scope_logs":[{"log_records":[{"time_unix_nano":"1","observed_time_unix_nano":"2","severity_number":5,"severity_text":"DEBUG","event_name":"e","trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174","dropped_attributes_count":3}]}]}]})");
  const pdata::LogRecord& r = l.resources()[0].scope_logs[0].log_records[0];
  EXPECT_EQ(r.time_unix_nano, 1u);
  EXPECT_EQ(r.observed_time_unix_nano, 2u);
  EXPECT_EQ(r.severity_number, 5);
  EXPECT_EQ(r.severity_text, "DEBUG");
  EXPECT_EQ(r.event_name, "e");
  EXPECT_EQ(r.trace_id, Tid("5b8efff798038103d269b633813fc60c"));
  EXPECT_EQ(r.dropped_attributes_count, 3u);
}

TEST(JsonTolerance, UnknownKeysIgnored) {
  pdata::TraceBatch b = Traces(
      R"({"extra":{"deep":[1,{"x":null}]},"resourceSpans":[{"unknown":[],"entityRefs":[{"type":"service"}],)"
      R"("scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",)"
      R"("futureField":"x","name":"n","attributes":[{"key":"k","value":{"stringValueStrindex":3,"stringValue":"v"},"keyStrindex":1}]}]}]}]})");
  const pdata::Span& s = OnlySpan(b);
  EXPECT_EQ(s.name, "n");
  EXPECT_EQ(s.attributes, (pdata::Attributes{{"k", AnyValue::String("v")}}));
  // An AnyValue holding only an unknown member is the empty value.
  pdata::TraceBatch s2_batch =
      Traces((OneSpan(R"("attributes":[{"key":"k","value":{"newValue":1}}])")));
  const pdata::Span& s2 = OnlySpan(s2_batch);
  EXPECT_EQ(s2.attributes[0].value, AnyValue{});
}

TEST(JsonTolerance, UppercaseHexIds) {
  pdata::TraceBatch s_batch = Traces((SpansJson(
      R"({"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174","parentSpanId":"AbCdEf0123456789"})")));
  const pdata::Span& s = OnlySpan(s_batch);
  EXPECT_EQ(s.trace_id, Tid("5b8efff798038103d269b633813fc60c"));
  EXPECT_EQ(s.span_id, Sid("eee19b7ec3c1b174"));
  EXPECT_EQ(s.parent_span_id, Sid("abcdef0123456789"));
}

TEST(JsonTolerance, NullMeansAbsent) {
  pdata::TraceBatch b = Traces(
      R"({"resourceSpans":[{"resource":null,"schemaUrl":null,"scopeSpans":[{"scope":null,"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","traceState":null,"parentSpanId":null,"name":null,"kind":null,"startTimeUnixNano":null,"endTimeUnixNano":null,"attributes":null,"droppedAttributesCount":null,"events":null,"links":null,"status":null,"flags":null}]}]}]})");
  pdata::Span want;
  want.trace_id = Tid("5b8efff798038103d269b633813fc60c");
  want.span_id = Sid("eee19b7ec3c1b174");
  EXPECT_EQ(OnlySpan(b), want);
  pdata::TraceBatch s_batch = Traces((OneSpan(
      R"("attributes":[{"key":"k","value":null},{"key":"j","value":{"stringValue":null}}])")));
  const pdata::Span& s = OnlySpan(s_batch);
  EXPECT_EQ(s.attributes, (pdata::Attributes{{"k", AnyValue{}}, {"j", AnyValue{}}}));
  pdata::MetricBatch m = Metrics(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","gauge":null,"sum":{"dataPoints":[{"asDouble":null,"asInt":"3"}]}}]}]}]})");
  EXPECT_EQ(m.resources()[0].scope_metrics[0].metrics[0].type, pdata::MetricType::kSum);
  EXPECT_EQ(m.resources()[0].scope_metrics[0].metrics[0].number_points[0].as_int, 3);
}

TEST(JsonTolerance, DoubleSpellings) {
  pdata::MetricBatch m = Metrics(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[)"
      R"({"asDouble":"NaN"},{"asDouble":"Infinity"},{"asDouble":"-Infinity"},{"asDouble":"2.5"},)"
      R"({"asDouble":"7"},{"asDouble":7},{"asDouble":18446744073709551615},{"asDouble":-1e-7}]}}]}]}]})");
  const auto& pts = m.resources()[0].scope_metrics[0].metrics[0].number_points;
  ASSERT_EQ(pts.size(), 8u);
  EXPECT_TRUE(std::isnan(pts[0].as_double));
  EXPECT_EQ(pts[1].as_double, std::numeric_limits<double>::infinity());
  EXPECT_EQ(pts[2].as_double, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(pts[3].as_double, 2.5);
  EXPECT_EQ(pts[4].as_double, 7.0);
  EXPECT_EQ(pts[5].as_double, 7.0);
  EXPECT_EQ(pts[6].as_double, 18446744073709551615.0);
  EXPECT_EQ(pts[7].as_double, -1e-7);
  for (const auto& p : pts) EXPECT_EQ(p.value_type, pdata::NumberDataPoint::ValueType::kDouble);
  pdata::MetricBatch h = Metrics(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"histogram":{"dataPoints":[{"sum":"NaN","explicitBounds":[1,"2.5","Infinity"],"bucketCounts":[1,"2",3e0,"4"]}]}}]}]}]})");
  const auto& hp = h.resources()[0].scope_metrics[0].metrics[0].histogram_points[0];
  EXPECT_TRUE(std::isnan(*hp.sum));
  EXPECT_EQ(hp.explicit_bounds,
            (std::vector<double>{1, 2.5, std::numeric_limits<double>::infinity()}));
  EXPECT_EQ(hp.bucket_counts, (std::vector<uint64_t>{1, 2, 3, 4}));
}

// JavaScript prints doubles below 1e21 without an exponent (JSON.stringify(2**64)); simdjson
// alone would refuse such integer literals and with them the whole body.
TEST(JsonTolerance, IntegerLiteralsBeyond64BitsInDoubleFields) {
  pdata::MetricBatch m = Metrics(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[)"
      R"({"asDouble":18446744073709552000,"timeUnixNano":"1"},{"asDouble":-100000000000000000000},)"
      R"({"asDouble":9223372036854775807,"attributes":[{"key":"s","value":{"stringValue":"99999999999999999999999 \" 99999999999999999999999"}}]}]}}]}]}]})");
  const auto& pts = m.resources()[0].scope_metrics[0].metrics[0].number_points;
  ASSERT_EQ(pts.size(), 3u);
  EXPECT_EQ(pts[0].as_double, 18446744073709551616.0);
  EXPECT_EQ(pts[1].as_double, -1e20);
  EXPECT_EQ(pts[2].as_double, 9223372036854775807.0);
  // Strings are left alone.
  EXPECT_EQ(pts[2].attributes[0].value,
            AnyValue::String("99999999999999999999999 \" 99999999999999999999999"));
  // Still invalid JSON when something else is wrong with it.
  EXPECT_THAT(TraceError(R"({"a":100000000000000000000,"b":01})"), HasSubstr("invalid JSON"));
}

TEST(JsonTolerance, Base64Variants) {
  for (std::string_view b64 : {"+/8=", "-_8=", "+/8", "-_8"}) {
    pdata::TraceBatch s_batch = Traces((OneSpan(
        R"("attributes":[{"key":"b","value":{"bytesValue":")" + std::string(b64) + R"("}}])")));
    const pdata::Span& s = OnlySpan(s_batch);
    EXPECT_EQ(s.attributes[0].value, Bytes("\xfb\xff")) << b64;
  }
}

// Decision (documented in json_decode.cc): like the Go collector, a missing or "" span
// traceId/spanId decodes to the all-zero (empty) id rather than failing the request.
TEST(JsonTolerance, MissingOrEmptySpanIdsAreZero) {
  pdata::TraceBatch s_batch = Traces((SpansJson(R"({"traceId":"","name":"x"})")));
  const pdata::Span& s = OnlySpan(s_batch);
  EXPECT_TRUE(s.trace_id.empty());
  EXPECT_TRUE(s.span_id.empty());
}

TEST(JsonTolerance, WhitespaceAndDuplicateKeys) {
  pdata::TraceBatch s_batch =
      Traces(("\n\t {  \"resourceSpans\" : [ { \"scopeSpans\" : [ { \"spans\" : [ { "
              "\"name\" : \"a\" , \"name\" : \"b\" } ] } ] } ] } \r\n"));
  const pdata::Span& s = OnlySpan(s_batch);
  EXPECT_EQ(s.name, "b");  // last wins
}

// ---- errors -------------------------------------------------------------------------------------

// The PowerShell example's New-TraceId makes 48 hex characters; the error must say so.
TEST(JsonErrors, TraceIdWrongLengthNamesPathAndLength) {
  std::string ok = std::string("{") + std::string(kIds) + "}";
  std::string msg = TraceError(SpansJson(
      ok + "," + ok +
      R"(,{"traceId":"4bf92f3577b34da6a3ce929d0e0e47364bf92f3577b34da6","spanId":"00f067aa0ba902b7"})"));
  EXPECT_EQ(msg,
            "resourceSpans[0].scopeSpans[0].spans[2].traceId: must be 32 hex characters (16 "
            "bytes), got 48 characters");
}

TEST(JsonErrors, BadIds) {
  EXPECT_EQ(TraceError(SpansJson(R"({"spanId":"00f067aa0ba902"})")),
            "resourceSpans[0].scopeSpans[0].spans[0].spanId: must be 16 hex characters (8 bytes), "
            "got 14 characters");
  EXPECT_THAT(TraceError(SpansJson(R"({"traceId":"4bf92f3577b34da6a3ce929d0e0e473g"})")),
              HasSubstr("traceId: must be hex, got \"4bf92f3577b34da6a3ce929d0e0e473g\" (bad "
                        "character at position 31)"));
  EXPECT_THAT(TraceError(SpansJson(R"({"links":[{},{"spanId":"zz"}]})")),
              HasSubstr("spans[0].links[1].spanId: must be 16 hex characters"));
  EXPECT_THAT(TraceError(SpansJson(R"({"traceId":12})")),
              HasSubstr("traceId: expected a hex string, got a number"));
}

TEST(JsonErrors, InvalidJson) {
  for (std::string body : {std::string(""), std::string("{"), std::string(R"({"resourceSpans":[})"),
                           std::string(R"({"resourceSpans":[]} trailing)"), std::string("{'a':1}"),
                           std::string("{\"a\":\"\xff\"}"), std::string(R"({"a":01})"),
                           std::string(R"({"unknown":[1,2,}, "resourceSpans":[]})")}) {
    std::string msg = TraceError(body);
    EXPECT_THAT(msg, HasSubstr("invalid JSON: ")) << body;
  }
}

TEST(JsonErrors, WrongTypes) {
  EXPECT_EQ(TraceError(OneSpan(R"("attributes":5)")),
            "resourceSpans[0].scopeSpans[0].spans[0].attributes: expected an array, got a number");
  EXPECT_EQ(TraceError("[]"), "expected an object, got an array");
  EXPECT_EQ(TraceError(R"({"resourceSpans":{}})"),
            "resourceSpans: expected an array, got an object");
  EXPECT_EQ(TraceError(R"({"resourceSpans":[5]})"),
            "resourceSpans[0]: expected an object, got a number");
  EXPECT_EQ(TraceError(OneSpan(R"("name":true)")),
            "resourceSpans[0].scopeSpans[0].spans[0].name: expected a string, got a boolean");
  EXPECT_THAT(
      TraceError(OneSpan(R"("attributes":[{"key":"k","value":{"boolValue":"true"}}])")),
      HasSubstr("spans[0].attributes[0].value.boolValue: expected a boolean, got a string"));
  EXPECT_THAT(
      TraceError(OneSpan(R"("startTimeUnixNano":[])")),
      HasSubstr("startTimeUnixNano: expected an integer (number or decimal string), got an array"));
  EXPECT_THAT(
      TraceError(OneSpan(
          R"("attributes":[{"key":"a","value":{"arrayValue":{"values":[{"intValue":"1"},{"kvlistValue":{"values":[{"key":5}]}}]}}}])")),
      HasSubstr("spans[0].attributes[0].value.arrayValue.values[1].kvlistValue.values[0].key: "
                "expected a string, got a number"));
  EXPECT_THAT(TraceError(OneSpan(R"("status":{"code":"STATUS_CODE_BROKEN"})")),
              HasSubstr("status.code: unknown StatusCode name \"STATUS_CODE_BROKEN\""));
}

TEST(JsonErrors, NumbersOutOfRangeOrNotIntegers) {
  EXPECT_THAT(TraceError(OneSpan(R"("startTimeUnixNano":-1)")),
              HasSubstr("startTimeUnixNano: integer out of range [0, 18446744073709551615]: -1"));
  EXPECT_THAT(TraceError(OneSpan(R"("startTimeUnixNano":"18446744073709551616")")),
              HasSubstr("startTimeUnixNano: integer out of range"));
  EXPECT_THAT(TraceError(OneSpan(R"("startTimeUnixNano":1.5)")),
              HasSubstr("startTimeUnixNano: expected an integer, got 1.5"));
  EXPECT_THAT(TraceError(OneSpan(R"("startTimeUnixNano":"12abc")")),
              HasSubstr("startTimeUnixNano: expected an integer, got \"12abc\""));
  EXPECT_THAT(
      TraceError(OneSpan(R"("startTimeUnixNano":1e30)")),
      HasSubstr("startTimeUnixNano: integer out of range [0, 18446744073709551615]: 1e+30"));
  EXPECT_THAT(TraceError(OneSpan(R"("startTimeUnixNano":18446744073709551616)")),
              HasSubstr("startTimeUnixNano: integer out of range [0, 18446744073709551615]: "
                        "18446744073709551616"));
  EXPECT_THAT(TraceError(OneSpan(R"("startTimeUnixNano":"1e400")")),
              HasSubstr("startTimeUnixNano: integer out of range"));
  EXPECT_THAT(TraceError(OneSpan(R"("startTimeUnixNano":"1e-400")")),
              HasSubstr("startTimeUnixNano: expected an integer, got \"1e-400\""));
  EXPECT_THAT(TraceError(OneSpan(R"("startTimeUnixNano":-18446744073709551616)")),
              HasSubstr("startTimeUnixNano: integer out of range"));
  EXPECT_THAT(TraceError(OneSpan(R"("droppedAttributesCount":4294967296)")),
              HasSubstr("droppedAttributesCount: integer out of range [0, 4294967295]"));
  EXPECT_THAT(TraceError(OneSpan(R"("kind":2147483648)")),
              HasSubstr("kind: integer out of range [-2147483648, 2147483647]"));
  EXPECT_THAT(
      TraceError(
          OneSpan(R"("attributes":[{"key":"i","value":{"intValue":"9223372036854775808"}}])")),
      HasSubstr("intValue: integer out of range [-9223372036854775808, 9223372036854775807]"));
  EXPECT_THAT(
      TraceError(OneSpan(R"("attributes":[{"key":"d","value":{"doubleValue":"fast"}}])")),
      HasSubstr(
          "doubleValue: expected a number or \"NaN\"/\"Infinity\"/\"-Infinity\", got \"fast\""));
}

TEST(JsonErrors, BadBase64) {
  EXPECT_THAT(TraceError(OneSpan(R"("attributes":[{"key":"b","value":{"bytesValue":"a*=="}}])")),
              HasSubstr("bytesValue: invalid base64: bad character at position 1"));
  EXPECT_THAT(TraceError(OneSpan(R"("attributes":[{"key":"b","value":{"bytesValue":"abcde"}}])")),
              HasSubstr("bytesValue: invalid base64: bad length or padding"));
  EXPECT_THAT(TraceError(OneSpan(R"("attributes":[{"key":"b","value":{"bytesValue":"ab=c"}}])")),
              HasSubstr("bytesValue: invalid base64"));
}

TEST(JsonErrors, MetricWithTwoDataFields) {
  auto r = DecodeMetricsJson(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{},"sum":{}}]}]}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "resourceMetrics[0].scopeMetrics[0].metrics[0].sum: a metric has exactly one data "
            "field, but this one also has gauge");
}

std::string NestedArrays(int levels) {
  std::string open, close;
  for (int i = 0; i < levels; ++i) {
    open += R"({"arrayValue":{"values":[)";
    close += "]}}";
  }
  return OneSpan(R"("attributes":[{"key":"deep","value":)" + open + R"({"intValue":"1"})" + close +
                 "}]");
}

TEST(JsonErrors, AnyValueDepthIsBounded) {
  // 63 arrays plus the innermost int = 64 AnyValue levels: accepted; one more is not.
  EXPECT_TRUE(DecodeTracesJson(NestedArrays(63)).ok());
  EXPECT_THAT(TraceError(NestedArrays(64)), HasSubstr("AnyValue nested more than 64 levels deep"));
  // Far deeper than simdjson allows: an error, not a stack overflow.
  EXPECT_THAT(TraceError(NestedArrays(5000)), HasSubstr("invalid JSON"));
  EXPECT_THAT(TraceError(std::string(100000, '[')), HasSubstr("invalid JSON"));
}

TEST(JsonErrors, LargeBodyUsesOwnParser) {
  // Bodies above the reuse limit take a separate code path; make sure it decodes the same.
  std::string spans;
  for (int i = 0; i < 20000; ++i) {
    if (i) spans += ',';
    spans +=
        R"({"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"span"})";
  }
  std::string body = SpansJson(spans);
  ASSERT_GT(body.size(), 1u << 20);
  EXPECT_EQ(Traces(body).ItemCount(), 20000u);
  EXPECT_EQ(Traces(kFullTraces).ItemCount(), 2u);  // and the small path still works after
}

TEST(JsonDecode, SetsNoWire) {  // wire() is protobuf only
  auto t = DecodeTracesJson(kFullTraces);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(std::as_const(*t).wire().empty());
  auto m = DecodeMetricsJson(kFullMetrics);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->wire().empty());
  auto l = DecodeLogsJson(kFullLogs);
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->wire().empty());
}

}  // namespace
}  // namespace otter::otlp
