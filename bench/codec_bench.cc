// OTLP protobuf codec benchmarks: our decoder/encoder against the protoc-generated classes on the
// same realistic payloads (otlp/synthetic.h): 100 spans with ~14 attributes and an event each,
// 100 log records with string bodies, 100 metric data points (gauge / sum / histogram).
// Run: otter_bench --benchmark_filter=Codec --benchmark_repetitions=3
// On VMs where page faults are expensive, glibc trimming the heap top between iterations can
// dominate (decode looked 5-10x slower, for protoc too, depending on heap layout); to measure
// the codec rather than the kernel, run with
//   GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456
#include <benchmark/benchmark.h>

#include <string>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"

namespace otter::otlp {
namespace {

using PbTraces = ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using PbMetrics = ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using PbLogs = ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;

constexpr int kItems = 100;

struct Payloads {
  pdata::TraceBatch traces = MakeSyntheticTraces(kItems, 1);
  pdata::MetricBatch metrics = MakeSyntheticMetrics(kItems, 1);
  pdata::LogBatch logs = MakeSyntheticLogs(kItems, 1);
  std::string trace_wire, metric_wire, log_wire;
  Payloads() {
    EncodeTraces(traces, &trace_wire);
    EncodeMetrics(metrics, &metric_wire);
    EncodeLogs(logs, &log_wire);
  }
};

const Payloads& P() {
  static const Payloads p;
  return p;
}

void Report(benchmark::State& state, size_t bytes) {
  state.SetItemsProcessed(state.iterations() * kItems);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.counters["request_bytes"] = static_cast<double>(bytes);
}

// ---- decode: wire -> a fresh batch / message each iteration (destruction included) ----------

template <class Batch, Status (*Into)(std::string_view, Batch&)>
void OurDecode(benchmark::State& state, const std::string& wire) {
  for (auto _ : state) {
    Batch b;
    Status s = Into(wire, b);
    if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
    benchmark::DoNotOptimize(b);
  }
  Report(state, wire.size());
}

template <class Pb>
void ProtocParse(benchmark::State& state, const std::string& wire) {
  for (auto _ : state) {
    Pb m;
    if (!m.ParseFromString(wire)) state.SkipWithError("protoc parse failed");
    benchmark::DoNotOptimize(m);
  }
  Report(state, wire.size());
}

void BM_CodecDecodeTraces(benchmark::State& s) {
  OurDecode<pdata::TraceBatch, DecodeTracesInto>(s, P().trace_wire);
}
void BM_CodecDecodeTracesProtoc(benchmark::State& s) { ProtocParse<PbTraces>(s, P().trace_wire); }
void BM_CodecDecodeMetrics(benchmark::State& s) {
  OurDecode<pdata::MetricBatch, DecodeMetricsInto>(s, P().metric_wire);
}
void BM_CodecDecodeMetricsProtoc(benchmark::State& s) {
  ProtocParse<PbMetrics>(s, P().metric_wire);
}
void BM_CodecDecodeLogs(benchmark::State& s) {
  OurDecode<pdata::LogBatch, DecodeLogsInto>(s, P().log_wire);
}
void BM_CodecDecodeLogsProtoc(benchmark::State& s) { ProtocParse<PbLogs>(s, P().log_wire); }

// The receiver's path: the body string is moved into the batch (includes copying the wire
// into a fresh string each iteration, which a real receiver gets from the transport).
void BM_CodecDecodeTracesOwned(benchmark::State& state) {
  const std::string& wire = P().trace_wire;
  for (auto _ : state) {
    auto b = DecodeTraces(std::string(wire));
    benchmark::DoNotOptimize(b);
  }
  Report(state, wire.size());
}

// ---- encode: batch / message -> wire, reusing the output buffer ------------------------------

template <class Batch, void (*Encode)(const Batch&, std::string*)>
void OurEncode(benchmark::State& state, const Batch& batch, size_t bytes) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    Encode(batch, &out);
    benchmark::DoNotOptimize(out.data());
  }
  Report(state, bytes);
}

template <class Pb>
void ProtocSerialize(benchmark::State& state, const std::string& wire) {
  Pb m;
  m.ParseFromString(wire);
  std::string out;
  for (auto _ : state) {
    out.clear();
    m.SerializeToString(&out);
    benchmark::DoNotOptimize(out.data());
  }
  Report(state, wire.size());
}

void BM_CodecEncodeTraces(benchmark::State& s) {
  OurEncode<pdata::TraceBatch, EncodeTraces>(s, P().traces, P().trace_wire.size());
}
void BM_CodecEncodeTracesProtoc(benchmark::State& s) {
  ProtocSerialize<PbTraces>(s, P().trace_wire);
}
void BM_CodecEncodeMetrics(benchmark::State& s) {
  OurEncode<pdata::MetricBatch, EncodeMetrics>(s, P().metrics, P().metric_wire.size());
}
void BM_CodecEncodeMetricsProtoc(benchmark::State& s) {
  ProtocSerialize<PbMetrics>(s, P().metric_wire);
}
void BM_CodecEncodeLogs(benchmark::State& s) {
  OurEncode<pdata::LogBatch, EncodeLogs>(s, P().logs, P().log_wire.size());
}
void BM_CodecEncodeLogsProtoc(benchmark::State& s) { ProtocSerialize<PbLogs>(s, P().log_wire); }

BENCHMARK(BM_CodecDecodeTraces);
BENCHMARK(BM_CodecDecodeTracesProtoc);
BENCHMARK(BM_CodecDecodeTracesOwned);
BENCHMARK(BM_CodecDecodeMetrics);
BENCHMARK(BM_CodecDecodeMetricsProtoc);
BENCHMARK(BM_CodecDecodeLogs);
BENCHMARK(BM_CodecDecodeLogsProtoc);
BENCHMARK(BM_CodecEncodeTraces);
BENCHMARK(BM_CodecEncodeTracesProtoc);
BENCHMARK(BM_CodecEncodeMetrics);
BENCHMARK(BM_CodecEncodeMetricsProtoc);
BENCHMARK(BM_CodecEncodeLogs);
BENCHMARK(BM_CodecEncodeLogsProtoc);

}  // namespace
}  // namespace otter::otlp
