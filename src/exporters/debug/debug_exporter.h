// DebugExporter: otelcol's `debug` exporter (and its deprecated alias `logging`). Writes each
// batch it receives to the log — a one-line summary ("TracesExporter: 2 resource spans, 10
// spans"), followed at verbosity normal / detailed by the item text (text_format.h) — subject to
// zap-style sampling per signal and second. Always completes OK (a skipped or sampled batch is
// not an error) and counts otelcol_exporter_sent_<items>{exporter="<id>"}.
// Thread-safety: Consume may be called concurrently; the sampler has its own mutex and spdlog
// loggers are thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include "component/component.h"
#include "exporters/debug/config.h"
#include "exporters/exporterhelper/exporter_counters.h"

namespace otter {

struct DebugExporterOptions {
  // Clock for the sampling window (tests inject a fake).
  std::function<std::chrono::steady_clock::time_point()> now = [] {
    return std::chrono::steady_clock::now();
  };
  // Where use_internal_logger: false writes (default: stdout, message text only).
  std::shared_ptr<spdlog::logger> plain_output;
};

class DebugExporter final : public Exporter,
                            public TraceConsumer,
                            public MetricConsumer,
                            public LogConsumer {
 public:
  DebugExporter(const ComponentContext& ctx, const DebugConfig& cfg,
                DebugExporterOptions options = {});

  Consumers consumers() override { return Consumers{this, this, this}; }
  void Consume(pdata::TraceBatch&& batch, Completion done) override;
  void Consume(pdata::MetricBatch&& batch, Completion done) override;
  void Consume(pdata::LogBatch&& batch, Completion done) override;

 private:
  template <class B>
  void Export(const B& batch, Completion done);
  // zap's sampler: the first `initial` per second pass, then every `thereafter`-th.
  bool Sample(Signal s);

  const DebugConfig cfg_;
  const DebugExporterOptions options_;
  std::shared_ptr<spdlog::logger> out_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  exporterhelper::ExporterCounters counters_[3];

  std::mutex mu_;
  std::chrono::steady_clock::time_point window_start_[3];  // GUARDED_BY(mu_)
  uint64_t window_count_[3] = {};                          // GUARDED_BY(mu_)
};

}  // namespace otter
