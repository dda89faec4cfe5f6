#include "exporters/jaeger/jaeger_proto.h"

#include <gtest/gtest.h>

#include "exporters/jaeger/jaeger_testing.h"

namespace otter::jaeger_exporter {
namespace {

using namespace testing;  // NOLINT: the fixture helpers
using pdata::AnyValue;

std::vector<std::string> Split(std::string_view encoded) {
  std::vector<std::string> out;
  while (!encoded.empty()) {
    std::string_view r = FirstRequest(encoded);
    EXPECT_FALSE(r.empty());
    if (r.empty()) break;
    out.emplace_back(r);
    encoded.remove_prefix(r.size());
  }
  return out;
}

pb::PostSpansRequest Parse(const std::string& bytes) {
  pb::PostSpansRequest req;
  EXPECT_TRUE(req.ParseFromString(bytes));
  return req;
}

pdata::ResourceSpans OneSpan(std::string_view service, pdata::Span span = {}) {
  pdata::ResourceSpans rs;
  if (!service.empty()) rs.resource.attributes = {{"service.name", AnyValue::String(service)}};
  rs.scope_spans.emplace_back();
  rs.scope_spans[0].spans.push_back(std::move(span));
  return rs;
}

TEST(JaegerProtoTest, TranslatesEveryField) {
  pdata::TraceBatch b;
  b.resources().push_back(FullResourceSpans());
  std::string out;
  EXPECT_EQ(EncodePostSpansRequests(b, &out), 1u);
  pb::PostSpansRequest req = Parse(out);
  ExpectFullBatch(req.batch());
  // Field order and presence as protoc (and gogoproto) write them: re-encoding is identical.
  EXPECT_EQ(req.SerializeAsString(), out);
}

TEST(JaegerProtoTest, OneRequestPerResourceWithSpans) {
  pdata::TraceBatch b;
  b.resources().push_back(OneSpan("a"));
  pdata::ResourceSpans empty;  // attributes but no spans: nothing to send
  empty.resource.attributes = {{"service.name", AnyValue::String("idle")}};
  empty.scope_spans.emplace_back();
  b.resources().push_back(std::move(empty));
  pdata::ResourceSpans two = OneSpan("b");
  two.scope_spans.push_back(two.scope_spans[0]);  // a second scope: its spans join the batch
  b.resources().push_back(std::move(two));
  std::string out = "x";  // appends
  EXPECT_EQ(EncodePostSpansRequests(b, &out), 2u);
  EXPECT_EQ(out[0], 'x');
  auto requests = Split(std::string_view(out).substr(1));
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(Parse(requests[0]).batch().process().service_name(), "a");
  EXPECT_EQ(Parse(requests[0]).batch().spans_size(), 1);
  EXPECT_EQ(Parse(requests[1]).batch().process().service_name(), "b");
  EXPECT_EQ(Parse(requests[1]).batch().spans_size(), 2);
}

TEST(JaegerProtoTest, EmptyBatchEncodesNothing) {
  pdata::TraceBatch b;
  std::string out;
  EXPECT_EQ(EncodePostSpansRequests(b, &out), 0u);
  EXPECT_EQ(out, "");
  EXPECT_EQ(FirstRequest(""), "");
}

TEST(JaegerProtoTest, ProcessOfAResourceWithoutAttributesOrServiceName) {
  pdata::TraceBatch b;
  b.resources().push_back(OneSpan(""));
  pdata::ResourceSpans other = OneSpan("");
  other.resource.attributes = {{"service.name", AnyValue::Int(7)}, {"k", AnyValue::String("v")}};
  b.resources().push_back(std::move(other));
  std::string out;
  ASSERT_EQ(EncodePostSpansRequests(b, &out), 2u);
  auto requests = Split(out);
  const pb::Process p0 = Parse(requests[0]).batch().process();
  EXPECT_EQ(p0.service_name(), "OTLPResourceNoServiceName");
  EXPECT_EQ(p0.tags_size(), 0);
  // A non-string service.name gives no name and is not a tag either.
  const pb::Process p1 = Parse(requests[1]).batch().process();
  EXPECT_EQ(p1.service_name(), "");
  EXPECT_EQ(Render(p1.tags()), (std::vector<std::string>{"k=string:v"}));
}

TEST(JaegerProtoTest, MinimalSpan) {
  // A root span with nothing set: ids and times are still written (non-nullable in Jaeger's
  // model), no references, tags or logs.
  pdata::TraceBatch b;
  b.resources().push_back(OneSpan("svc"));
  std::string out;
  ASSERT_EQ(EncodePostSpansRequests(b, &out), 1u);
  pb::PostSpansRequest req = Parse(out);
  const pb::Span& s = req.batch().spans(0);
  EXPECT_EQ(s.trace_id(), std::string(16, '\0'));
  EXPECT_EQ(s.span_id(), std::string(8, '\0'));
  EXPECT_TRUE(s.has_start_time());
  EXPECT_TRUE(s.has_duration());
  EXPECT_EQ(s.start_time().seconds(), 0);
  EXPECT_EQ(s.references_size(), 0);
  EXPECT_EQ(s.tags_size(), 0);
  EXPECT_EQ(s.logs_size(), 0);
  EXPECT_EQ(s.flags(), 0u);
  EXPECT_EQ(req.SerializeAsString(), out);
}

TEST(JaegerProtoTest, StatusAndKindTags) {
  pdata::Span ok;
  ok.status.code = pdata::StatusCode::kOk;
  ok.kind = pdata::SpanKind::kInternal;
  pdata::Span unset;
  unset.status.message = "kept even when unset";
  unset.kind = pdata::SpanKind::kUnspecified;
  pdata::Span producer;
  producer.kind = pdata::SpanKind::kProducer;
  pdata::Span consumer;
  consumer.kind = pdata::SpanKind::kConsumer;
  pdata::Span client;
  client.kind = pdata::SpanKind::kClient;
  pdata::TraceBatch b;
  pdata::ResourceSpans rs = OneSpan("svc", ok);
  for (auto* s : {&unset, &producer, &consumer, &client}) rs.scope_spans[0].spans.push_back(*s);
  b.resources().push_back(std::move(rs));
  std::string out;
  ASSERT_EQ(EncodePostSpansRequests(b, &out), 1u);
  pb::PostSpansRequest req = Parse(out);
  using V = std::vector<std::string>;
  EXPECT_EQ(Render(req.batch().spans(0).tags()),
            (V{"span.kind=string:internal", "otel.status_code=string:OK"}));
  EXPECT_EQ(Render(req.batch().spans(1).tags()),
            (V{"otel.status_description=string:kept even when unset"}));
  EXPECT_EQ(Render(req.batch().spans(2).tags()), (V{"span.kind=string:producer"}));
  EXPECT_EQ(Render(req.batch().spans(3).tags()), (V{"span.kind=string:consumer"}));
  EXPECT_EQ(Render(req.batch().spans(4).tags()), (V{"span.kind=string:client"}));
}

TEST(JaegerProtoTest, LinkToTheParentOnlySetsItsType) {
  pdata::Span s;
  s.trace_id = TraceIdOf(1);
  s.parent_span_id = SpanIdOf(2);
  pdata::SpanLink to_parent;
  to_parent.trace_id = TraceIdOf(1);
  to_parent.span_id = SpanIdOf(2);  // no opentracing.ref_type: FOLLOWS_FROM
  s.links = {to_parent};
  pdata::TraceBatch b;
  b.resources().push_back(OneSpan("svc", s));
  std::string out;
  ASSERT_EQ(EncodePostSpansRequests(b, &out), 1u);
  const pb::Span span = Parse(out).batch().spans(0);
  ASSERT_EQ(span.references_size(), 1);
  EXPECT_EQ(span.references(0).ref_type(), pb::FOLLOWS_FROM);
  EXPECT_EQ(span.references(0).span_id(), Bytes(SpanIdOf(2)));
}

TEST(JaegerProtoTest, DurationIsSignedLikeGo) {
  pdata::Span backwards;  // end before start: a negative duration, as Go's time.Sub gives
  backwards.start_time_unix_nano = 10'000'000'000;
  backwards.end_time_unix_nano = 8'500'000'000;
  pdata::Span huge;  // beyond int64 nanoseconds: saturated
  huge.start_time_unix_nano = 0;
  huge.end_time_unix_nano = ~uint64_t{0};
  pdata::TraceBatch b;
  pdata::ResourceSpans rs = OneSpan("svc", backwards);
  rs.scope_spans[0].spans.push_back(huge);
  b.resources().push_back(std::move(rs));
  std::string out;
  ASSERT_EQ(EncodePostSpansRequests(b, &out), 1u);
  pb::PostSpansRequest req = Parse(out);
  EXPECT_EQ(req.batch().spans(0).duration().seconds(), -1);
  EXPECT_EQ(req.batch().spans(0).duration().nanos(), -500'000'000);
  EXPECT_EQ(req.batch().spans(1).duration().seconds(), 9'223'372'036);
  EXPECT_EQ(req.batch().spans(1).duration().nanos(), 854'775'807);
  EXPECT_EQ(req.SerializeAsString(), out);
}

TEST(JaegerProtoTest, FirstRequestRejectsForeignBytes) {
  EXPECT_EQ(FirstRequest("\x12\x00"), "");  // not field 1
  EXPECT_EQ(FirstRequest("\x0a\x05"
                         "abc"),
            "");  // shorter than its length
  EXPECT_EQ(FirstRequest(std::string_view("\x0a\x01"
                                          "ab",
                                          4)),
            "\x0a\x01"
            "a");
}

}  // namespace
}  // namespace otter::jaeger_exporter
