// Test-only: a trace batch that uses every field the OTLP → Jaeger translation maps, and the
// exact Jaeger model it must become (checked field by field on protoc's classes built from
// proto/jaeger/api_v2). Shared by the translator and exporter tests; included only by *_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jaeger/api_v2/collector.pb.h"
#include "pdata/batch.h"

namespace otter::jaeger_exporter::testing {

namespace pb = ::jaeger::api_v2;

constexpr uint64_t kStart = 1'700'000'000'123'456'789;  // 2023-11-14T22:13:20.123456789Z
constexpr uint64_t kEnd = kStart + 1'500'000'007;       // 1.500000007 s later

inline pdata::TraceId TraceIdOf(uint8_t first) {
  pdata::TraceId id;
  for (int i = 0; i < 16; ++i) id.bytes[i] = static_cast<uint8_t>(first + i);
  return id;
}
inline pdata::SpanId SpanIdOf(uint8_t first) {
  pdata::SpanId id;
  for (int i = 0; i < 8; ++i) id.bytes[i] = static_cast<uint8_t>(first + i);
  return id;
}
inline std::string Bytes(const pdata::TraceId& id) {
  return std::string(reinterpret_cast<const char*>(id.bytes.data()), 16);
}
inline std::string Bytes(const pdata::SpanId& id) {
  return std::string(reinterpret_cast<const char*>(id.bytes.data()), 8);
}

// One resource (service "checkout" + host.name + an int attribute), one scope, one span with
// attributes of every type, two events, two links, an error status, trace state, flags and
// dropped counts.
inline pdata::ResourceSpans FullResourceSpans() {
  using pdata::AnyValue;
  pdata::ResourceSpans rs;
  rs.resource.attributes = {{"host.name", AnyValue::String("h1")},
                            {"service.name", AnyValue::String("checkout")},
                            {"process.pid", AnyValue::Int(42)}};
  pdata::ScopeSpans ss;
  ss.scope.name = "shop.lib";
  ss.scope.version = "1.2.0";
  pdata::Span s;
  s.trace_id = TraceIdOf(0x10);
  s.span_id = SpanIdOf(0xa0);
  s.parent_span_id = SpanIdOf(0xb0);
  s.trace_state = "vendor=1";
  s.name = "POST /pay";
  s.kind = pdata::SpanKind::kServer;
  s.start_time_unix_nano = kStart;
  s.end_time_unix_nano = kEnd;
  AnyValue bytes;
  bytes.type = AnyValue::Type::kBytes;
  bytes.string_value = std::string_view("\x00\xff\x01", 3);
  AnyValue list;
  list.type = AnyValue::Type::kArray;
  list.array_value = {AnyValue::Int(1), AnyValue::String("a"), AnyValue::Bool(false)};
  AnyValue map;
  map.type = AnyValue::Type::kKvList;
  map.kvlist_value = {{"z", AnyValue::Double(1.5)}, {"a", AnyValue::String("x")}};
  s.attributes = {{"http.method", AnyValue::String("POST")},
                  {"retry", AnyValue::Bool(true)},
                  {"http.status_code", AnyValue::Int(-502)},
                  {"ratio", AnyValue::Double(0.25)},
                  {"raw", bytes},
                  {"list", list},
                  {"map", map},
                  {"nothing", AnyValue{}}};
  s.dropped_attributes_count = 1;
  pdata::SpanEvent retry;
  retry.time_unix_nano = kStart + 1000;
  retry.name = "retry";
  retry.attributes = {{"attempt", AnyValue::Int(2)}};
  pdata::SpanEvent custom;
  custom.time_unix_nano = kStart + 2000;
  custom.name = "exception";
  custom.attributes = {{"event", AnyValue::String("own name")}};
  custom.dropped_attributes_count = 4;
  s.events = {retry, custom};
  s.dropped_events_count = 2;
  pdata::SpanLink other;
  other.trace_id = TraceIdOf(0x30);
  other.span_id = SpanIdOf(0xc0);
  other.attributes = {{"why", AnyValue::String("batch")}};
  pdata::SpanLink child;
  child.trace_id = TraceIdOf(0x40);
  child.span_id = SpanIdOf(0xd0);
  child.attributes = {{"opentracing.ref_type", AnyValue::String("child_of")}};
  s.links = {other, child};
  s.dropped_links_count = 3;
  s.status.code = pdata::StatusCode::kError;
  s.status.message = "card declined";
  s.flags = 0x301;  // sampled + W3C "parent is remote" bits
  ss.spans.push_back(std::move(s));
  rs.scope_spans.push_back(std::move(ss));
  return rs;
}

// "key=type:value" for a tag list, so a whole list compares at once with a readable diff.
inline std::vector<std::string> Render(
    const google::protobuf::RepeatedPtrField<pb::KeyValue>& kvs) {
  std::vector<std::string> out;
  for (const pb::KeyValue& kv : kvs) {
    std::string v;
    switch (kv.v_type()) {
      case pb::STRING:
        v = "string:" + kv.v_str();
        break;
      case pb::BOOL:
        v = std::string("bool:") + (kv.v_bool() ? "true" : "false");
        break;
      case pb::INT64:
        v = "int64:" + std::to_string(kv.v_int64());
        break;
      case pb::FLOAT64:
        v = "float64:" + std::to_string(kv.v_float64());
        break;
      case pb::BINARY:
        v = "binary:" + std::to_string(kv.v_binary().size()) + " bytes";
        break;
      default:
        v = "?";
    }
    // Only the field of the value's type may be set.
    if (kv.v_type() != pb::STRING && !kv.v_str().empty()) v += " +v_str";
    if (kv.v_type() != pb::BOOL && kv.v_bool()) v += " +v_bool";
    if (kv.v_type() != pb::INT64 && kv.v_int64()) v += " +v_int64";
    if (kv.v_type() != pb::FLOAT64 && kv.v_float64() != 0) v += " +v_float64";
    if (kv.v_type() != pb::BINARY && !kv.v_binary().empty()) v += " +v_binary";
    out.push_back(kv.key() + "=" + v);
  }
  return out;
}

// The Jaeger model of FullResourceSpans(): every field, exactly.
inline void ExpectFullBatch(const pb::Batch& batch) {
  ASSERT_TRUE(batch.has_process());
  EXPECT_EQ(batch.process().service_name(), "checkout");
  EXPECT_EQ(Render(batch.process().tags()),
            (std::vector<std::string>{"host.name=string:h1", "process.pid=int64:42"}));
  ASSERT_EQ(batch.spans_size(), 1);
  const pb::Span& s = batch.spans(0);
  EXPECT_EQ(s.trace_id(), Bytes(TraceIdOf(0x10)));
  EXPECT_EQ(s.span_id(), Bytes(SpanIdOf(0xa0)));
  EXPECT_EQ(s.operation_name(), "POST /pay");
  ASSERT_EQ(s.references_size(), 3);
  EXPECT_EQ(s.references(0).ref_type(), pb::CHILD_OF);  // the parent, first
  EXPECT_EQ(s.references(0).trace_id(), Bytes(TraceIdOf(0x10)));
  EXPECT_EQ(s.references(0).span_id(), Bytes(SpanIdOf(0xb0)));
  EXPECT_EQ(s.references(1).ref_type(), pb::FOLLOWS_FROM);
  EXPECT_EQ(s.references(1).trace_id(), Bytes(TraceIdOf(0x30)));
  EXPECT_EQ(s.references(1).span_id(), Bytes(SpanIdOf(0xc0)));
  EXPECT_EQ(s.references(2).ref_type(), pb::CHILD_OF);  // opentracing.ref_type=child_of
  EXPECT_EQ(s.references(2).trace_id(), Bytes(TraceIdOf(0x40)));
  EXPECT_EQ(s.references(2).span_id(), Bytes(SpanIdOf(0xd0)));
  EXPECT_EQ(s.flags(), 1u);
  EXPECT_EQ(s.start_time().seconds(), 1'700'000'000);
  EXPECT_EQ(s.start_time().nanos(), 123'456'789);
  EXPECT_EQ(s.duration().seconds(), 1);
  EXPECT_EQ(s.duration().nanos(), 500'000'007);
  EXPECT_EQ(Render(s.tags()), (std::vector<std::string>{
                                  "otel.scope.name=string:shop.lib",
                                  "otel.scope.version=string:1.2.0",
                                  "http.method=string:POST",
                                  "retry=bool:true",
                                  "http.status_code=int64:-502",
                                  "ratio=float64:0.250000",
                                  "raw=binary:3 bytes",
                                  "list=string:[1,\"a\",false]",
                                  "map=string:{\"a\":\"x\",\"z\":1.5}",
                                  "nothing=string:",
                                  "span.kind=string:server",
                                  "otel.status_code=string:ERROR",
                                  "error=bool:true",
                                  "otel.status_description=string:card declined",
                                  "w3c.tracestate=string:vendor=1",
                                  "otel.dropped_attributes_count=int64:1",
                                  "otel.dropped_events_count=int64:2",
                                  "otel.dropped_links_count=int64:3",
                              }));
  EXPECT_EQ(s.tags(6).v_binary(), std::string("\x00\xff\x01", 3));
  ASSERT_EQ(s.logs_size(), 2);
  EXPECT_EQ(s.logs(0).timestamp().seconds(), 1'700'000'000);
  EXPECT_EQ(s.logs(0).timestamp().nanos(), 123'457'789);
  EXPECT_EQ(Render(s.logs(0).fields()),
            (std::vector<std::string>{"event=string:retry", "attempt=int64:2"}));
  EXPECT_EQ(s.logs(1).timestamp().nanos(), 123'458'789);
  // An `event` attribute wins over the event's name.
  EXPECT_EQ(
      Render(s.logs(1).fields()),
      (std::vector<std::string>{"event=string:own name", "otel.dropped_attributes_count=int64:4"}));
  EXPECT_FALSE(s.has_process());  // the batch carries it
  EXPECT_EQ(s.process_id(), "");
  EXPECT_EQ(s.warnings_size(), 0);
}

}  // namespace otter::jaeger_exporter::testing
