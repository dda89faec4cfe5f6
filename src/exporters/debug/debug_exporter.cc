#include "exporters/debug/debug_exporter.h"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "exporters/debug/text_format.h"

namespace otter {

DebugExporter::DebugExporter(const ComponentContext& ctx, const DebugConfig& cfg,
                             DebugExporterOptions options)
    : cfg_(cfg), options_(std::move(options)) {
  if (!cfg_.use_internal_logger) {
    out_ = options_.plain_output;
    if (!out_) {
      out_ = std::make_shared<spdlog::logger>("debug-stdout",
                                              std::make_shared<spdlog::sinks::stdout_sink_mt>());
      out_->set_pattern("%v");
    }
  } else {
    out_ = ctx.logger ? ctx.logger
                      : std::make_shared<spdlog::logger>(
                            "debug", std::make_shared<spdlog::sinks::null_sink_mt>());
  }
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  for (Signal s : kAllSignals)
    counters_[static_cast<int>(s)] = exporterhelper::ExporterCounters(*metrics, ctx.id, s);
}

void DebugExporter::Consume(pdata::TraceBatch&& batch, Completion done) {
  Export(batch, std::move(done));
}
void DebugExporter::Consume(pdata::MetricBatch&& batch, Completion done) {
  Export(batch, std::move(done));
}
void DebugExporter::Consume(pdata::LogBatch&& batch, Completion done) {
  Export(batch, std::move(done));
}

bool DebugExporter::Sample(Signal s) {
  const int i = static_cast<int>(s);
  const auto now = options_.now();
  std::lock_guard lock(mu_);
  if (window_count_[i] == 0 || now - window_start_[i] >= std::chrono::seconds(1)) {
    window_start_[i] = now;
    window_count_[i] = 0;
  }
  const uint64_t n = ++window_count_[i];
  const uint64_t first = static_cast<uint64_t>(cfg_.sampling_initial);
  const uint64_t thereafter = static_cast<uint64_t>(cfg_.sampling_thereafter);
  if (n <= first) return true;
  return thereafter != 0 && (n - first) % thereafter == 0;
}

template <class B>
void DebugExporter::Export(const B& batch, Completion done) {
  constexpr Signal signal = SignalOf<B>();
  if (Sample(signal)) {
    out_->info("{}", debugtext::Summary(batch));
    if (cfg_.verbosity != DebugVerbosity::kBasic && !batch.resources().empty()) {
      std::string text = cfg_.verbosity == DebugVerbosity::kNormal ? debugtext::Normal(batch)
                                                                   : debugtext::Detailed(batch);
      out_->info("{}", text);
    }
  }
  counters_[static_cast<int>(signal)].Sent(batch.ItemCount());
  done(Status::Ok());
}

}  // namespace otter
