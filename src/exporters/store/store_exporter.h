// StoreExporter: the `store` exporter — writes every signal into otter's embedded store
// (src/store) and serves the query APIs over it. A batch's completion fires only after the
// write-ahead-log group commit that holds it, so the receiver acknowledges durable data only.
// There is no sending queue in front of the store. Items are counted as every exporter counts
// them (otelcol_exporter_sent_* once kept, otelcol_exporter_send_failed_* when refused or, in a
// partial success, not kept). Thread-safety: Consume from any thread.
#pragma once

#include <memory>

#include "component/component.h"
#include "component/reload_aware.h"
#include "exporters/exporterhelper/exporter_counters.h"
#include "exporters/store/config.h"
#include "query/query_server.h"
#include "rules/ruler.h"
#include "store/store.h"

namespace otter {

// The store reads traces requests' protobuf itself (store::Store::Write); logs and metrics it
// decodes, so they had better arrive decoded (the receiver reads them anyway to validate them).
class UndecodedTraceConsumer : public TraceConsumer {
 public:
  bool TakesUndecoded() const override { return true; }
};

class StoreExporter final : public Exporter,
                            public ReloadAware,
                            public UndecodedTraceConsumer,
                            public MetricConsumer,
                            public LogConsumer {
 public:
  StoreExporter(const ComponentContext& ctx, const StoreExporterConfig& config);
  ~StoreExporter() override;

  Status Start() override;
  void Shutdown() override;
  // A reload kept the store: its rule files are read again (docs/rules.md).
  void Reloaded() override;  // ReloadAware
  Consumers consumers() override { return Consumers{this, this, this}; }

  void Consume(pdata::TraceBatch&& batch, Completion done) override { Write(batch, done); }
  void Consume(pdata::MetricBatch&& batch, Completion done) override { Write(batch, done); }
  void Consume(pdata::LogBatch&& batch, Completion done) override { Write(batch, done); }

  store::Store* store() { return store_.get(); }
  int query_port() const { return query_ ? query_->port() : 0; }
  rules::Ruler* ruler() { return ruler_.get(); }

 private:
  template <class B>
  void Write(B& batch, Completion& done) {
    const auto& counters = counters_[static_cast<int>(SignalOf<B>())];
    Completion counted = counters.Counting(batch.ItemCount(), std::move(done));
    if (!store_) {
      counted(Unavailable("the store is not open"));
      return;
    }
    store_->Write(std::move(batch), std::move(counted));
  }

  ComponentContext ctx_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;  // when ctx has none (tests)
  exporterhelper::ExporterCounters counters_[3];
  StoreExporterConfig config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<rules::Ruler> ruler_;
  std::unique_ptr<query::QueryServer> query_;
};

}  // namespace otter
