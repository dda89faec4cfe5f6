// Cross-checks the OTLP/JSON codec against protobuf's own proto3 JSON implementation (the
// protoc-generated classes of proto/, linked as otter_proto_oracle):
//  - protobuf's strict JSON parser accepts what we encode, and it means the same data;
//  - our decoder accepts what protobuf's JSON printer writes (enum names, snake_case keys,
//    explicit defaults) and reads the same data.
// OTLP ids are hex in OTLP/JSON but base64 in plain proto3 JSON, so the data here has no ids;
// json_codec_test.cc covers ids.
#if __has_include("opentelemetry/proto/collector/trace/v1/trace_service.pb.h")

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <string>

#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/json_codec.h"
#include "otlp/json_testdata.h"
#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"

namespace otter::otlp {
namespace {

namespace pb = google::protobuf::util;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse;
using opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

void ClearIds(pdata::TraceBatch& b) {
  for (auto& r : b.resources()) {
    for (auto& s : r.scope_spans) {
      for (auto& span : s.spans) {
        span.trace_id = {};
        span.span_id = {};
        span.parent_span_id = {};
        for (auto& l : span.links) {
          l.trace_id = {};
          l.span_id = {};
        }
      }
    }
  }
}
void ClearExemplarIds(std::vector<pdata::Exemplar>& exemplars) {
  for (auto& e : exemplars) {
    e.trace_id = {};
    e.span_id = {};
  }
}
void ClearIds(pdata::MetricBatch& b) {
  for (auto& r : b.resources()) {
    for (auto& s : r.scope_metrics) {
      for (auto& m : s.metrics) {
        for (auto& p : m.number_points) ClearExemplarIds(p.exemplars);
        for (auto& p : m.histogram_points) ClearExemplarIds(p.exemplars);
        for (auto& p : m.exp_histogram_points) ClearExemplarIds(p.exemplars);
      }
    }
  }
}
void ClearIds(pdata::LogBatch& b) {
  for (auto& r : b.resources()) {
    for (auto& s : r.scope_logs) {
      for (auto& l : s.log_records) {
        l.trace_id = {};
        l.span_id = {};
      }
    }
  }
}

template <class B>
struct Codec;
template <>
struct Codec<pdata::TraceBatch> {
  using Message = ExportTraceServiceRequest;
  static constexpr auto kEncodeJson = EncodeTracesJson;
  static constexpr auto kDecodeJson = DecodeTracesJson;
  static constexpr auto kDecodeProto = DecodeTraces;
};
template <>
struct Codec<pdata::MetricBatch> {
  using Message = ExportMetricsServiceRequest;
  static constexpr auto kEncodeJson = EncodeMetricsJson;
  static constexpr auto kDecodeJson = DecodeMetricsJson;
  static constexpr auto kDecodeProto = DecodeMetrics;
};
template <>
struct Codec<pdata::LogBatch> {
  using Message = ExportLogsServiceRequest;
  static constexpr auto kEncodeJson = EncodeLogsJson;
  static constexpr auto kDecodeJson = DecodeLogsJson;
  static constexpr auto kDecodeProto = DecodeLogs;
};

template <class B>
void ExpectProtobufAgrees(B batch) {
  using C = Codec<B>;
  ClearIds(batch);

  // Our JSON, read by protobuf's strict parser (unknown keys are errors there)...
  std::string json;
  C::kEncodeJson(batch, &json);
  typename C::Message msg;
  pb::JsonParseOptions strict;
  strict.ignore_unknown_fields = false;
  auto st = pb::JsonStringToMessage(json, &msg, strict);
  ASSERT_TRUE(st.ok()) << st.ToString() << "\n" << json;
  // ...means the same data: its protobuf encoding decodes back to the batch.
  auto from_proto = C::kDecodeProto(msg.SerializeAsString());
  ASSERT_TRUE(from_proto.ok()) << from_proto.status().ToString();
  EXPECT_EQ(from_proto->resources(), batch.resources()) << json;

  // protobuf's JSON in several dialects, read by our decoder.
  for (int dialect = 0; dialect < 4; ++dialect) {
    pb::JsonPrintOptions print;
    print.preserve_proto_field_names = dialect & 1;            // snake_case keys
    print.always_print_enums_as_ints = false;                  // enum names
    print.always_print_primitive_fields = (dialect & 2) != 0;  // explicit zeros and []
    std::string pjson;
    ASSERT_TRUE(pb::MessageToJsonString(msg, &pjson, print).ok());
    auto ours = C::kDecodeJson(pjson);
    ASSERT_TRUE(ours.ok()) << ours.status().ToString() << "\n" << pjson;
    EXPECT_EQ(ours->resources(), batch.resources()) << pjson;
  }
}

TEST(JsonOracle, FullTraces) {
  auto b = DecodeTracesJson(testdata::kFullTraces);
  ASSERT_TRUE(b.ok());
  ExpectProtobufAgrees(std::move(b).value());
}
TEST(JsonOracle, FullMetrics) {
  auto b = DecodeMetricsJson(testdata::kFullMetrics);
  ASSERT_TRUE(b.ok());
  ExpectProtobufAgrees(std::move(b).value());
}
TEST(JsonOracle, FullLogs) {
  auto b = DecodeLogsJson(testdata::kFullLogs);
  ASSERT_TRUE(b.ok());
  ExpectProtobufAgrees(std::move(b).value());
}
TEST(JsonOracle, SyntheticBatches) {
  for (uint64_t seed : {1, 2, 3}) {
    ExpectProtobufAgrees(MakeSyntheticTraces(50, seed));
    ExpectProtobufAgrees(MakeSyntheticMetrics(50, seed));
    ExpectProtobufAgrees(MakeSyntheticLogs(50, seed));
  }
}

TEST(JsonOracle, ResponsesParse) {
  std::string json;
  EncodeExportResponseJson<pdata::TraceBatch>(3, "bad ids", &json);
  ExportTraceServiceResponse traces;
  ASSERT_TRUE(pb::JsonStringToMessage(json, &traces).ok()) << json;
  EXPECT_EQ(traces.partial_success().rejected_spans(), 3);
  EXPECT_EQ(traces.partial_success().error_message(), "bad ids");

  json.clear();
  EncodeExportResponseJson<pdata::LogBatch>(0, "", &json);
  ExportLogsServiceResponse logs;
  ASSERT_TRUE(pb::JsonStringToMessage(json, &logs).ok()) << json;
  EXPECT_FALSE(logs.has_partial_success());

  json.clear();
  EncodeRpcStatusJson(3, "traceId: \"x\"", &json);
  google::rpc::Status status;
  ASSERT_TRUE(pb::JsonStringToMessage(json, &status).ok()) << json;
  EXPECT_EQ(status.code(), 3);
  EXPECT_EQ(status.message(), "traceId: \"x\"");
}

}  // namespace
}  // namespace otter::otlp

#endif
