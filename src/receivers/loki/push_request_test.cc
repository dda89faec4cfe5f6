#include "receivers/loki/push_request.h"

#include <gtest/gtest.h>

#include "exporters/loki/push_request.h"

namespace otter::loki_receiver {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(LokiPushReceiveTest, ParsesStreamLabels) {
  auto l = ParseStreamLabels(R"({job="varlogs", filename="/var/log/a \"b\"\\c", __x="1"})");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(*l, (Pairs{{"job", "varlogs"}, {"filename", "/var/log/a \"b\"\\c"}, {"__x", "1"}}));
  EXPECT_EQ(ParseStreamLabels("{}").value(), Pairs{});
  EXPECT_EQ(ParseStreamLabels(R"({job="a" x="b"})").status().message(),
            "stream labels at 9: expected ',' or '}'");
  EXPECT_EQ(ParseStreamLabels(R"({job=a})").status().message(),
            "stream labels at 5: expected a quoted value for \"job\"");
}

// The loki exporter's request, read back by the receiver.
TEST(LokiPushReceiveTest, DecodesWhatTheExporterSends) {
  loki_exporter::Stream s{
      "{exporter=\"OTLP\", job=\"shop/checkout\"}",
      {{1'700'000'000'000'000'005, "line one", {{"trace_id", "0af7651916cd43dd8448eb211c80319c"}}},
       {1'700'000'000'000'000'009, "line two", {{"user", "u1"}}}}};
  auto streams = DecodePushProtobuf(loki_exporter::EncodePushRequest({s}));
  ASSERT_TRUE(streams.ok()) << streams.status().ToString();
  ASSERT_EQ(streams->size(), 1u);
  EXPECT_EQ((*streams)[0].labels, (Pairs{{"exporter", "OTLP"}, {"job", "shop/checkout"}}));
  ASSERT_EQ((*streams)[0].entries.size(), 2u);
  EXPECT_EQ((*streams)[0].entries[1].t_ns, 1'700'000'000'000'000'009);
  EXPECT_EQ((*streams)[0].entries[1].line, "line two");

  size_t records = 0;
  pdata::LogBatch b = ToLogs(*streams, /*use_incoming_timestamp=*/true, 42, &records);
  EXPECT_EQ(records, 2u);
  ASSERT_EQ(b.resources().size(), 1u);
  EXPECT_EQ(b.resources()[0].resource.attributes,
            (pdata::Attributes{{"exporter", pdata::AnyValue::String("OTLP")},
                               {"job", pdata::AnyValue::String("shop/checkout")},
                               {"loki.resource.labels", pdata::AnyValue::String("exporter,job")}}));
  const auto& recs = b.resources()[0].scope_logs[0].log_records;
  EXPECT_EQ(recs[0].trace_id.Hex(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_TRUE(recs[0].attributes.empty());
  EXPECT_EQ(recs[1].attributes, (pdata::Attributes{{"user", pdata::AnyValue::String("u1")}}));
  EXPECT_EQ(recs[1].time_unix_nano, 1'700'000'000'000'000'009u);
  EXPECT_EQ(recs[1].observed_time_unix_nano, 42u);
  EXPECT_EQ(recs[1].body.string_value, "line two");
  b = ToLogs(*streams, /*use_incoming_timestamp=*/false, 42, &records);
  EXPECT_EQ(b.resources()[0].scope_logs[0].log_records[1].time_unix_nano, 42u);
}

TEST(LokiPushReceiveTest, JsonPushAndItsErrors) {
  auto streams = DecodePushJson(
      R"({"streams":[{"stream":{"app":"web"},"values":[["1700000000000000001","hello",{"span_id":"b7ad6b7169203331"}],["1700000000000000002","bye"]]}]})");
  ASSERT_TRUE(streams.ok()) << streams.status().ToString();
  ASSERT_EQ((*streams)[0].entries.size(), 2u);
  EXPECT_EQ((*streams)[0].entries[0].metadata, (Pairs{{"span_id", "b7ad6b7169203331"}}));
  EXPECT_EQ(DecodePushJson(R"({"streams":[{"stream":{"a":"b"},"values":[["soon","x"]]}]})")
                .status()
                .message(),
            "streams[0].values[0]: timestamp \"soon\" is not unix nanoseconds");
  EXPECT_EQ(DecodePushJson(R"({"streams":{}})").status().message(), "\"streams\" must be a list");
}

// A protobuf length-delimited field (lengths < 128 here).
std::string Field(int number, const std::string& payload) {
  return std::string(1, static_cast<char>(number << 3 | 2)) +
         std::string(1, static_cast<char>(payload.size())) + payload;
}

std::string Varint(uint64_t v) {
  std::string out;
  for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>(v | 0x80));
  out.push_back(static_cast<char>(v));
  return out;
}

// A push whose one entry has the timestamp {seconds, nanos} (found by push_request_fuzz: seconds
// past 2262 overflowed the int64 nanoseconds).
std::string PushWithTimestamp(int64_t seconds, int64_t nanos) {
  std::string ts = "\x08" + Varint(static_cast<uint64_t>(seconds)) + "\x10" +
                   Varint(static_cast<uint64_t>(nanos));
  return Field(1, Field(1, "{a=\"b\"}") + Field(2, Field(1, ts) + Field(2, "line")));
}

TEST(LokiPushReceiveTest, RefusesTimestampsOutsideInt64Nanoseconds) {
  auto ok = DecodePushProtobuf(PushWithTimestamp(9'223'372'035, 999'999'999));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)[0].entries[0].t_ns, 9'223'372'035'999'999'999);
  ok = DecodePushProtobuf(PushWithTimestamp(-1, 5));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)[0].entries[0].t_ns, -999'999'995);
  for (auto [seconds, nanos] : {std::pair<int64_t, int64_t>{10'558'370'048, 5},
                                {9'223'372'036, 854'775'808},
                                {-9'223'372'037, 0},
                                {1, 1'000'000'000},
                                {1, -1}}) {
    EXPECT_EQ(DecodePushProtobuf(PushWithTimestamp(seconds, nanos)).status().message(),
              "malformed protobuf in streams[0].entries[0]")
        << seconds << "s " << nanos << "ns";
  }
}

}  // namespace
}  // namespace otter::loki_receiver
