// NopExporter: otelcol's `nop` exporter. Accepts and discards every batch, answering OK, and
// counts the items in otelcol_exporter_sent_<items>{exporter="<id>"} so load tests can check
// totals. It takes undecoded batches (it never reads them). It has no settings.
// Thread-safety: Consume may be called concurrently (atomic counters).
#pragma once

#include <memory>

#include "component/component.h"
#include "exporters/exporterhelper/exporter_counters.h"
#include "exporters/nop/config.h"

namespace otter {

class NopExporter final : public Exporter,
                          public TraceConsumer,
                          public MetricConsumer,
                          public LogConsumer {
 public:
  explicit NopExporter(const ComponentContext& ctx);

  Consumers consumers() override { return Consumers{this, this, this}; }
  // It only counts items: a receiver need not decode what it sends here.
  bool TakesUndecoded() const override { return true; }
  void Consume(pdata::TraceBatch&& batch, Completion done) override { Discard(batch, done, 0); }
  void Consume(pdata::MetricBatch&& batch, Completion done) override { Discard(batch, done, 1); }
  void Consume(pdata::LogBatch&& batch, Completion done) override { Discard(batch, done, 2); }

 private:
  template <class B>
  void Discard(const B& batch, Completion& done, int signal) {
    counters_[signal].Sent(batch.ItemCount());
    done(Status::Ok());
  }

  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  exporterhelper::ExporterCounters counters_[3];
};

}  // namespace otter
