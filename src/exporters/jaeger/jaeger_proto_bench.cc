// Jaeger exporter encoding: a batch of 1024 synthetic spans (otlp/synthetic.h: 8 resource
// attributes, ~10 span attributes, events and links) translated to PostSpansRequest bytes.
// BM_JaegerEncode is the exporter's path (the two-pass wire writer); BM_JaegerEncodeWithProtoc
// builds the same messages with protoc's generated classes and serialises them: the alternative
// the writer was chosen over (it leaves out the rarer tags, which only flatters it).
// BM_CodecEncodeTraces (bench/codec_bench.cc) is the OTLP encoder, for scale.
// Run: otter_bench --benchmark_filter=JaegerEncode
#include <benchmark/benchmark.h>

#include "exporters/jaeger/jaeger_proto.h"
#include "jaeger/api_v2/collector.pb.h"
#include "otlp/synthetic.h"
#include "query/jaeger_json.h"

namespace otter::jaeger_exporter {
namespace {

namespace pb = ::jaeger::api_v2;
constexpr int kSpans = 1024;

const pdata::TraceBatch& Batch() {
  static const pdata::TraceBatch b = otlp::MakeSyntheticTraces(kSpans, 1);
  return b;
}

void BM_JaegerEncode(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    EncodePostSpansRequests(Batch(), &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_JaegerEncode);

// ---- the same translation through protoc's classes ---------------------------------------------

std::string IdBytes(const auto& id) {
  return std::string(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
}

void SetValue(pb::KeyValue* kv, std::string_view key, const pdata::AnyValue& v) {
  using T = pdata::AnyValue::Type;
  kv->set_key(std::string(key));
  switch (v.type) {
    case T::kEmpty:
      break;
    case T::kString:
      kv->set_v_str(std::string(v.string_value));
      break;
    case T::kBool:
      kv->set_v_type(pb::BOOL);
      kv->set_v_bool(v.bool_value);
      break;
    case T::kInt:
      kv->set_v_type(pb::INT64);
      kv->set_v_int64(v.int_value);
      break;
    case T::kDouble:
      kv->set_v_type(pb::FLOAT64);
      kv->set_v_float64(v.double_value);
      break;
    case T::kBytes:
      kv->set_v_type(pb::BINARY);
      kv->set_v_binary(std::string(v.string_value));
      break;
    case T::kArray:
    case T::kKvList:
      kv->set_v_str(query::jaeger::AnyValueAsJson(v));
      break;
  }
}

void SetString(pb::KeyValue* kv, std::string_view key, std::string_view value) {
  kv->set_key(std::string(key));
  kv->set_v_str(std::string(value));
}

void SetTime(google::protobuf::Timestamp* t, uint64_t ns) {
  t->set_seconds(static_cast<int64_t>(ns / 1'000'000'000));
  t->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
}

void EncodeWithProtoc(const pdata::TraceBatch& batch, std::string* out) {
  std::vector<query::jaeger::SpanReference> refs;
  for (const auto& rs : batch.resources()) {
    pb::PostSpansRequest req;
    pb::Batch* b = req.mutable_batch();
    pb::Process* p = b->mutable_process();
    p->set_service_name(std::string(query::jaeger::ServiceNameOf(rs.resource)));
    for (const auto& kv : rs.resource.attributes)
      if (kv.key != "service.name") SetValue(p->add_tags(), kv.key, kv.value);
    for (const auto& ss : rs.scope_spans) {
      for (const auto& span : ss.spans) {
        pb::Span* s = b->add_spans();
        s->set_trace_id(IdBytes(span.trace_id));
        s->set_span_id(IdBytes(span.span_id));
        s->set_operation_name(std::string(span.name));
        query::jaeger::SpanReferences(span, &refs);
        for (const auto& r : refs) {
          pb::SpanRef* ref = s->add_references();
          ref->set_trace_id(IdBytes(*r.trace_id));
          ref->set_span_id(IdBytes(*r.span_id));
          ref->set_ref_type(r.child_of ? pb::CHILD_OF : pb::FOLLOWS_FROM);
        }
        s->set_flags(span.flags & 1);
        SetTime(s->mutable_start_time(), span.start_time_unix_nano);
        int64_t d = static_cast<int64_t>(span.end_time_unix_nano - span.start_time_unix_nano);
        s->mutable_duration()->set_seconds(d / 1'000'000'000);
        s->mutable_duration()->set_nanos(static_cast<int32_t>(d % 1'000'000'000));
        if (!ss.scope.name.empty()) SetString(s->add_tags(), "otel.scope.name", ss.scope.name);
        if (!ss.scope.version.empty())
          SetString(s->add_tags(), "otel.scope.version", ss.scope.version);
        for (const auto& kv : span.attributes) SetValue(s->add_tags(), kv.key, kv.value);
        std::string_view kind = query::jaeger::SpanKindTag(span.kind);
        if (!kind.empty()) SetString(s->add_tags(), "span.kind", kind);
        if (span.status.code == pdata::StatusCode::kError) {
          SetString(s->add_tags(), "otel.status_code", "ERROR");
          SetValue(s->add_tags(), "error", pdata::AnyValue::Bool(true));
        }
        for (const auto& e : span.events) {
          pb::Log* log = s->add_logs();
          SetTime(log->mutable_timestamp(), e.time_unix_nano);
          if (!e.name.empty()) SetString(log->add_fields(), "event", e.name);
          for (const auto& kv : e.attributes) SetValue(log->add_fields(), kv.key, kv.value);
        }
      }
    }
    req.AppendToString(out);
  }
}

void BM_JaegerEncodeWithProtoc(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    EncodeWithProtoc(Batch(), &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kSpans);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_JaegerEncodeWithProtoc);

}  // namespace
}  // namespace otter::jaeger_exporter
