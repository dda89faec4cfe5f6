// Hostile and unusual input for the OTLP protobuf decoder (truncation, bad ids, wrong wire types,
// deep nesting, unknown fields, groups, packed/unpacked, oneof and merge semantics) and the
// response / google.rpc.Status helpers.
#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "otlp/proto_codec.h"
#include "otlp/proto_testing.h"
#include "otlp/synthetic.h"

namespace otter::otlp::testing {
namespace {

// ---- hand-made protobuf bytes -------------------------------------------------------------

std::string Varint(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}
std::string Tag(int field, int wire_type) {
  return Varint(static_cast<uint64_t>(field) << 3 | static_cast<uint64_t>(wire_type));
}
std::string VarintField(int field, uint64_t v) { return Tag(field, 0) + Varint(v); }
std::string Fixed64Field(int field, uint64_t v) {
  return Tag(field, 1) + std::string(reinterpret_cast<const char*>(&v), 8);
}
std::string DoubleField(int field, double d) {
  uint64_t v;
  std::memcpy(&v, &d, 8);
  return Fixed64Field(field, v);
}
std::string Fixed32Field(int field, uint32_t v) {
  return Tag(field, 5) + std::string(reinterpret_cast<const char*>(&v), 4);
}
std::string Len(int field, const std::string& payload) {
  return Tag(field, 2) + Varint(payload.size()) + payload;
}
// request -> resource_spans[0] -> scope_spans[0] -> spans[0] = span
std::string TraceRequestWithSpan(const std::string& span) { return Len(1, Len(2, Len(2, span))); }
std::string ValidSpan() {
  return Len(1, std::string(16, '\x11')) + Len(2, std::string(8, '\x22')) + Len(5, "op");
}
// A span with one attribute {key: "k", value: <value bytes>}.
std::string SpanWithValue(const std::string& value) {
  return ValidSpan() + Len(9, Len(1, "k") + Len(2, value));
}
// request -> resource_metrics[0] -> scope_metrics[0] -> metrics[0] = metric
std::string MetricsRequestWithMetric(const std::string& metric) {
  return Len(1, Len(2, Len(2, metric)));
}

const pdata::Span& OnlySpan(const pdata::TraceBatch& b) {
  return b.resources().at(0).scope_spans.at(0).spans.at(0);
}
const pdata::Metric& OnlyMetric(const pdata::MetricBatch& b) {
  return b.resources().at(0).scope_metrics.at(0).metrics.at(0);
}

// ---- ids ------------------------------------------------------------------------------------

TEST(ProtoCodecErrors, WrongTraceIdLengthNamesPathAndSize) {
  PbTraceRequest req;
  auto* rs = req.add_resource_spans();
  rs->add_scope_spans();
  auto* ss = rs->add_scope_spans();
  for (int i = 0; i < 4; ++i) {
    auto* sp = ss->add_spans();
    sp->set_trace_id(std::string(16, '\x01'));
    sp->set_span_id(std::string(8, '\x02'));
  }
  ss->mutable_spans(3)->set_trace_id(std::string(24, '\x03'));
  auto b = DecodeTraces(req.SerializeAsString());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b.status().message(),
            "resource_spans[0].scope_spans[1].spans[3].trace_id: must be 16 bytes, got 24");
}

TEST(ProtoCodecErrors, OtherIdLengthsAreChecked) {
  struct Case {
    std::string bytes;
    std::string want;
  } cases[] = {
      {TraceRequestWithSpan(Len(2, std::string(7, 'x'))),
       "resource_spans[0].scope_spans[0].spans[0].span_id: must be 8 bytes, got 7"},
      {TraceRequestWithSpan(Len(4, std::string(5, 'x'))),
       "resource_spans[0].scope_spans[0].spans[0].parent_span_id: must be 8 bytes, got 5"},
      {TraceRequestWithSpan(ValidSpan() + Len(13, Len(1, std::string(15, 'x')))),
       "resource_spans[0].scope_spans[0].spans[0].links[0].trace_id: must be 16 bytes, got 15"},
      {TraceRequestWithSpan(ValidSpan() + Len(13, Len(2, std::string(9, 'x')))),
       "resource_spans[0].scope_spans[0].spans[0].links[0].span_id: must be 8 bytes, got 9"},
  };
  for (const Case& c : cases) {
    auto b = DecodeTraces(c.bytes);
    ASSERT_FALSE(b.ok()) << c.want;
    EXPECT_EQ(b.status().message(), c.want);
  }
  auto logs = DecodeLogs(Len(1, Len(2, Len(2, Len(10, "abc")))));
  ASSERT_FALSE(logs.ok());
  EXPECT_EQ(logs.status().message(),
            "resource_logs[0].scope_logs[0].log_records[0].span_id: must be 8 bytes, got 3");
  auto metrics = DecodeMetrics(MetricsRequestWithMetric(
      Len(5, Len(1, DoubleField(4, 1) + Len(5, DoubleField(3, 1) + Len(5, "abcd"))))));
  ASSERT_FALSE(metrics.ok());
  EXPECT_EQ(metrics.status().message(),
            "resource_metrics[0].scope_metrics[0].metrics[0].gauge.data_points[0].exemplars[0]."
            "trace_id: must be 16 bytes, got 4");
}

// Like the Go collector: an empty id is the all-zero ("absent") id, not an error.
TEST(ProtoCodecErrors, EmptyAndZeroIdsAreAccepted) {
  auto b = DecodeTraces(TraceRequestWithSpan(Len(1, "") + Len(2, "") + Len(5, "no ids")));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_TRUE(OnlySpan(*b).trace_id.empty());
  EXPECT_TRUE(OnlySpan(*b).span_id.empty());
  auto z = DecodeTraces(TraceRequestWithSpan(Len(1, std::string(16, '\0'))));
  ASSERT_TRUE(z.ok());
  EXPECT_TRUE(OnlySpan(*z).trace_id.empty());
}

// ---- wire types, tags, varints ---------------------------------------------------------------

TEST(ProtoCodecErrors, WrongWireTypeNamesTheField) {
  auto b = DecodeTraces(TraceRequestWithSpan(VarintField(5, 3)));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(),
            "resource_spans[0].scope_spans[0].spans[0].name: wrong wire type varint, expected "
            "length-delimited");
  auto t = DecodeTraces(TraceRequestWithSpan(VarintField(7, 3)));
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("start_time_unix_nano: wrong wire type"), std::string::npos);
  auto f = DecodeTraces(TraceRequestWithSpan(VarintField(16, 1)));
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("spans[0].flags: wrong wire type varint, expected i32"),
            std::string::npos);
  auto top = DecodeTraces(VarintField(1, 1));
  ASSERT_FALSE(top.ok());
  EXPECT_EQ(top.status().message(),
            "resource_spans: wrong wire type varint, expected length-delimited");
  auto sum = DecodeMetrics(MetricsRequestWithMetric(Len(7, Len(2, "x"))));
  ASSERT_FALSE(sum.ok());
  EXPECT_NE(sum.status().message().find("metrics[0].sum.aggregation_temporality: wrong wire type"),
            std::string::npos);
}

TEST(ProtoCodecErrors, UnknownFieldsOfEveryWireTypeAreSkipped) {
  std::string unknown = VarintField(100, 1ull << 60) + Fixed64Field(101, 7) + Len(102, "opaque") +
                        Fixed32Field(103, 9) + VarintField(4000000, 1);
  auto clean = DecodeTraces(TraceRequestWithSpan(SpanWithValue(VarintField(3, 5))));
  auto noisy = DecodeTraces(
      Len(1,
          Len(2, Len(2, unknown + SpanWithValue(unknown + VarintField(3, 5)) + unknown) + unknown) +
              unknown) +
      unknown);
  ASSERT_TRUE(clean.ok());
  ASSERT_TRUE(noisy.ok()) << noisy.status().ToString();
  EXPECT_EQ(noisy->resources(), clean->resources());
  // Resource.entity_refs is skipped like an unknown field.
  auto refs = DecodeTraces(Len(1, Len(1, Len(3, Len(2, "service")))));
  ASSERT_TRUE(refs.ok()) << refs.status().ToString();
}

TEST(ProtoCodecErrors, GroupsAndInvalidWireTypesAreRejected) {
  auto g = DecodeTraces(TraceRequestWithSpan(ValidSpan() + Tag(100, 3) + Tag(100, 4)));
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("group"), std::string::npos);
  auto w = DecodeTraces(TraceRequestWithSpan(ValidSpan() + Tag(100, 6)));
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("invalid wire type 6"), std::string::npos);
  auto zero = DecodeTraces(Tag(0, 2) + Varint(0));
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("invalid field tag"), std::string::npos);
}

TEST(ProtoCodecErrors, MalformedVarintsAndLengths) {
  auto overlong = DecodeTraces(TraceRequestWithSpan(Tag(6, 0) + std::string(11, '\x80') + "\x01"));
  ASSERT_FALSE(overlong.ok());
  EXPECT_NE(overlong.status().message().find("malformed varint"), std::string::npos);
  // A length running past the enclosing message.
  std::string bad = Len(1, Len(2, Len(2, Tag(5, 2) + Varint(50) + "op")));
  auto past = DecodeTraces(bad);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().message(),
            "resource_spans[0].scope_spans[0].spans[0]: truncated message at byte 7");
}

TEST(ProtoCodecErrors, PackedFixedLengthMustBeAMultipleOfEight) {
  auto b = DecodeMetrics(MetricsRequestWithMetric(Len(9, Len(1, Len(6, "1234567")))));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(),
            "resource_metrics[0].scope_metrics[0].metrics[0].histogram.data_points[0]."
            "bucket_counts: packed length 7 is not a multiple of 8");
}

// ---- truncation and nesting -----------------------------------------------------------------

template <class Decode, class Encode>
void TruncateEverywhere(const std::string& wire, Decode decode, Encode encode) {
  int errors = 0;
  for (size_t n = 0; n < wire.size(); ++n) {
    auto b = decode(wire.substr(0, n));
    if (!b.ok()) {
      ++errors;
      EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
      continue;
    }
    // A prefix that happens to parse must round-trip.
    std::string again;
    encode(*b, &again);
    auto b2 = decode(again);
    ASSERT_TRUE(b2.ok()) << "prefix " << n << ": " << b2.status().ToString();
    EXPECT_EQ(b2->resources(), b->resources()) << "prefix " << n;
  }
  EXPECT_GT(errors, 0);
}

TEST(ProtoCodecErrors, EveryPrefixIsAnErrorOrRoundTrips) {
  TruncateEverywhere(FullTraceRequest().SerializeAsString(), DecodeTraces, EncodeTraces);
  TruncateEverywhere(FullLogsRequest().SerializeAsString(), DecodeLogs, EncodeLogs);
  // Metrics: no NaNs in the test data, so pdata == is a fair comparison.
  TruncateEverywhere(FullMetricsRequest().SerializeAsString(), DecodeMetrics, EncodeMetrics);
}

TEST(ProtoCodecErrors, TruncationReportsTheOffset) {
  std::string wire = FullTraceRequest().SerializeAsString();
  auto b = DecodeTraces(wire.substr(0, wire.size() - 1));
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("truncated message at byte"), std::string::npos);
}

pdata::AnyValue Nested(int depth) {
  pdata::AnyValue v = pdata::AnyValue::Int(1);
  for (int i = 1; i < depth; ++i) {
    pdata::AnyValue outer;
    outer.type = pdata::AnyValue::Type::kArray;
    outer.array_value.push_back(std::move(v));
    v = std::move(outer);
  }
  return v;
}

std::string SpanWithNestedAttribute(int depth) {
  pdata::TraceBatch b;
  pdata::ResourceSpans rs;
  pdata::ScopeSpans ss;
  pdata::Span sp;
  sp.attributes.push_back({"deep", Nested(depth)});
  ss.spans.push_back(std::move(sp));
  rs.scope_spans.push_back(std::move(ss));
  b.resources().push_back(std::move(rs));
  std::string out;
  EncodeTraces(b, &out);
  return out;
}

TEST(ProtoCodecErrors, NestingIsBounded) {
  auto ok = DecodeTraces(SpanWithNestedAttribute(kMaxAnyValueDepth));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  auto deep = DecodeTraces(SpanWithNestedAttribute(kMaxAnyValueDepth + 1));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("nesting deeper than 64"), std::string::npos);
  EXPECT_EQ(deep.status().message().rfind(
                "resource_spans[0].scope_spans[0].spans[0].attributes[0].value.array_value."
                "values[0].array_value.values[0]",
                0),
            0u);
  // Hostile depth: arrays and kvlists alternating, thousands deep, must not exhaust the stack.
  std::string v = VarintField(3, 1);
  for (int i = 0; i < 3000; ++i) v = i % 2 ? Len(5, Len(1, v)) : Len(6, Len(1, Len(2, v)));
  EXPECT_FALSE(DecodeTraces(TraceRequestWithSpan(SpanWithValue(v))).ok());
}

// ---- protobuf semantics -----------------------------------------------------------------------

TEST(ProtoCodecSemantics, UnpackedAndMixedRepeatedScalarsAreAccepted) {
  std::string point = Fixed64Field(6, 1) + Fixed64Field(6, 2) + Len(6, std::string(8, '\0')) +
                      DoubleField(7, 0.5) + Len(7, std::string("\0\0\0\0\0\0\xf0\x3f", 8)) +
                      DoubleField(7, 2.0);
  std::string exp_point = Len(8, VarintField(1, 3) + VarintField(2, 5) + VarintField(2, 300) +
                                     Len(2, Varint(7) + Varint(1ull << 40)));
  std::string wire = MetricsRequestWithMetric(Len(9, Len(1, point))) +
                     Len(1, Len(2, Len(2, Len(10, Len(1, exp_point)))));
  auto b = DecodeMetrics(wire);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  const auto& hp = OnlyMetric(*b).histogram_points.at(0);
  EXPECT_EQ(hp.bucket_counts, (std::vector<uint64_t>{1, 2, 0}));
  EXPECT_EQ(hp.explicit_bounds, (std::vector<double>{0.5, 1.0, 2.0}));
  const auto& ep = b->resources()[1].scope_metrics[0].metrics[0].exp_histogram_points.at(0);
  EXPECT_EQ(ep.positive.offset, -2);  // zigzag(3) == -2
  EXPECT_EQ(ep.positive.bucket_counts, (std::vector<uint64_t>{5, 300, 7, 1ull << 40}));
  // protoc agrees with what we re-encode (packed).
  PbMetricsRequest want, got;
  ASSERT_TRUE(want.ParseFromString(wire));
  std::string ours;
  EncodeMetrics(*b, &ours);
  ASSERT_TRUE(got.ParseFromString(ours));
  EXPECT_EQ(Diff(want, got), "");
}

TEST(ProtoCodecSemantics, OneofLastMemberWins) {
  auto b = DecodeTraces(TraceRequestWithSpan(SpanWithValue(Len(1, "s") + VarintField(3, 5))));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(OnlySpan(*b).attributes[0].value, pdata::AnyValue::Int(5));
  // The same message member twice merges (arrays append), as protobuf does.
  auto arr = DecodeTraces(TraceRequestWithSpan(
      SpanWithValue(Len(5, Len(1, VarintField(3, 1))) + Len(5, Len(1, VarintField(2, 1))))));
  ASSERT_TRUE(arr.ok());
  const auto& av = OnlySpan(*arr).attributes[0].value;
  ASSERT_EQ(av.type, pdata::AnyValue::Type::kArray);
  ASSERT_EQ(av.array_value.size(), 2u);
  EXPECT_EQ(av.array_value[1], pdata::AnyValue::Bool(true));
  // Metric data: gauge then sum -> a sum holding only the sum's points.
  auto m = DecodeMetrics(
      MetricsRequestWithMetric(Len(5, Len(1, DoubleField(4, 1.0))) +
                               Len(7, Len(1, Fixed64Field(6, 9)) + VarintField(3, 1))));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const pdata::Metric& metric = OnlyMetric(*m);
  EXPECT_EQ(metric.type, pdata::MetricType::kSum);
  ASSERT_EQ(metric.number_points.size(), 1u);
  EXPECT_EQ(metric.number_points[0].as_int, 9);
  EXPECT_TRUE(metric.is_monotonic);
  // Number point value: as_double then as_int.
  auto np = DecodeMetrics(
      MetricsRequestWithMetric(Len(5, Len(1, DoubleField(4, 1.5) + Fixed64Field(6, 3)))));
  ASSERT_TRUE(np.ok());
  EXPECT_EQ(OnlyMetric(*np).number_points[0].value_type, pdata::NumberDataPoint::ValueType::kInt);
}

TEST(ProtoCodecSemantics, RepeatedSingularMessagesMerge) {
  auto b = DecodeTraces(
      TraceRequestWithSpan(ValidSpan() + Len(15, Len(2, "why")) + Len(15, VarintField(3, 2))));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(OnlySpan(*b).status.message, "why");
  EXPECT_EQ(OnlySpan(*b).status.code, pdata::StatusCode::kError);
}

TEST(ProtoCodecSemantics, ProfileStringIndexesAreIgnored) {
  auto b = DecodeTraces(
      TraceRequestWithSpan(ValidSpan() + Len(9, Len(1, "k") + VarintField(3, 4) +
                                                    Len(2, Len(1, "s") + VarintField(8, 2)))));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(OnlySpan(*b).attributes[0].key, "k");
  EXPECT_EQ(OnlySpan(*b).attributes[0].value.type, pdata::AnyValue::Type::kEmpty);
}

TEST(ProtoCodecSemantics, FailedDecodeLeavesTheBatchUnchanged) {
  pdata::TraceBatch b;
  std::string_view good = b.arenas().Adopt(TraceRequestWithSpan(ValidSpan()));
  ASSERT_TRUE(DecodeTracesInto(good, b).ok());
  std::string_view bad =
      b.arenas().Adopt(TraceRequestWithSpan(ValidSpan()) + TraceRequestWithSpan(Len(1, "short")));
  Status s = DecodeTracesInto(bad, b);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "resource_spans[1].scope_spans[0].spans[0].trace_id: must be 16 bytes, got 5");
  EXPECT_EQ(b.resources().size(), 1u);
}

TEST(ProtoCodecSemantics, SyntheticBatchesRoundTrip) {
  auto traces = MakeSyntheticTraces(100, 7);
  std::string wire;
  EncodeTraces(traces, &wire);
  PbTraceRequest pb;
  ASSERT_TRUE(pb.ParseFromString(wire));
  EXPECT_EQ(pb.resource_spans(0).scope_spans(0).spans_size(), 100);
  auto back = DecodeTraces(wire);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->resources(), traces.resources());

  auto logs = MakeSyntheticLogs(100, 7);
  std::string lw;
  EncodeLogs(logs, &lw);
  auto lback = DecodeLogs(lw);
  ASSERT_TRUE(lback.ok());
  EXPECT_EQ(lback->resources(), logs.resources());

  auto metrics = MakeSyntheticMetrics(100, 7);
  EXPECT_EQ(metrics.ItemCount(), 100u);
  std::string mw;
  EncodeMetrics(metrics, &mw);
  auto mback = DecodeMetrics(mw);
  ASSERT_TRUE(mback.ok());
  EXPECT_EQ(mback->resources(), metrics.resources());
}

TEST(ProtoCodecSemantics, SyntheticSeedsGiveDistinctIds) {
  auto a = MakeSyntheticTraces(10, 1);
  auto b = MakeSyntheticTraces(10, 2);
  const auto& sa = a.resources()[0].scope_spans[0].spans;
  const auto& sb = b.resources()[0].scope_spans[0].spans;
  EXPECT_NE(sa[0].trace_id, sb[0].trace_id);
  EXPECT_NE(sa[0].span_id, sa[1].span_id);
  EXPECT_NE(sa[0].start_time_unix_nano, sb[0].start_time_unix_nano);
  auto again = MakeSyntheticTraces(10, 1);
  EXPECT_EQ(again.resources(), a.resources());  // deterministic
}

// ---- responses and google.rpc.Status ------------------------------------------------------------

TEST(ProtoResponse, ExportResponseMatchesProtoc) {
  using TraceResponse = ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;
  using LogsResponse = ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse;
  std::string empty;
  EncodeExportResponse(0, "", &empty);
  EXPECT_TRUE(empty.empty());
  TraceResponse none;
  ASSERT_TRUE(none.ParseFromString(empty));
  EXPECT_FALSE(none.has_partial_success());

  std::string partial;
  EncodeExportResponse(5, "5 spans had bad ids", &partial);
  TraceResponse tr;
  ASSERT_TRUE(tr.ParseFromString(partial));
  EXPECT_EQ(tr.partial_success().rejected_spans(), 5);
  EXPECT_EQ(tr.partial_success().error_message(), "5 spans had bad ids");

  std::string warning;
  EncodeExportResponse(0, "deprecated field", &warning);
  LogsResponse lr;
  ASSERT_TRUE(lr.ParseFromString(warning));
  EXPECT_TRUE(lr.has_partial_success());
  EXPECT_EQ(lr.partial_success().rejected_log_records(), 0);

  auto r = DecodeExportResponse(tr.SerializeAsString());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->partial_success);
  EXPECT_EQ(r->rejected, 5);
  EXPECT_EQ(r->error_message, "5 spans had bad ids");
  auto ok = DecodeExportResponse("");
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(ok->partial_success);
  EXPECT_FALSE(DecodeExportResponse("\x0a\x05\x08").ok());
}

TEST(ProtoResponse, RpcStatusWithRetryInfoMatchesProtoc) {
  std::string bytes;
  EncodeRpcStatus(14, "try later", &bytes, std::chrono::milliseconds(1500));
  google::rpc::Status st;
  ASSERT_TRUE(st.ParseFromString(bytes));
  EXPECT_EQ(st.code(), 14);
  EXPECT_EQ(st.message(), "try later");
  ASSERT_EQ(st.details_size(), 1);
  google::rpc::RetryInfo ri;
  ASSERT_TRUE(st.details(0).UnpackTo(&ri));
  EXPECT_EQ(ri.retry_delay().seconds(), 1);
  EXPECT_EQ(ri.retry_delay().nanos(), 500000000);
  EXPECT_EQ(DecodeRpcStatusRetryDelay(bytes), std::chrono::milliseconds(1500));

  std::string plain;
  EncodeRpcStatus(3, "bad data", &plain);
  ASSERT_TRUE(st.ParseFromString(plain));
  EXPECT_EQ(st.details_size(), 0);
  EXPECT_EQ(DecodeRpcStatusRetryDelay(plain), std::nullopt);
}

TEST(ProtoResponse, DecodesRetryInfoAmongOtherDetails) {
  google::rpc::Status st;
  st.set_code(8);
  st.set_message("slow down");
  google::rpc::Status other;  // any other detail type is skipped
  other.set_message("unrelated");
  st.add_details()->PackFrom(other);
  google::rpc::RetryInfo ri;
  ri.mutable_retry_delay()->set_seconds(2);
  ri.mutable_retry_delay()->set_nanos(250000000);
  st.add_details()->PackFrom(ri);
  auto s = DecodeRpcStatus(st.SerializeAsString());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->code, 8);
  EXPECT_EQ(s->message, "slow down");
  EXPECT_EQ(s->retry_delay, std::chrono::milliseconds(2250));
  EXPECT_EQ(DecodeRpcStatusRetryDelay("\xff\xff"), std::nullopt);
  ri.mutable_retry_delay()->set_seconds(-1);
  st.mutable_details(1)->PackFrom(ri);
  EXPECT_EQ(DecodeRpcStatusRetryDelay(st.SerializeAsString()), std::nullopt);
}

}  // namespace
}  // namespace otter::otlp::testing
