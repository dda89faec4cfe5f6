// ExporterCounters: otelcol_exporter_sent_<items> and otelcol_exporter_send_failed_<items>
// {exporter="<id>"}, the two counters every exporter reports (the Go collector's obsreport),
// registered in one place so that names, help and labels cannot drift between exporters. The
// sending queue counts with it, and so do exporters without a queue (file, store, debug, nop).
// Thread-safety: the counters are atomic; any thread may count.
#pragma once

#include <cstdint>

#include "component/completion.h"
#include "component/component.h"

namespace otter::exporterhelper {

class ExporterCounters {
 public:
  ExporterCounters() = default;  // counts nothing (for arrays filled in later)
  ExporterCounters(telemetry::SelfMetrics& metrics, const ComponentId& id, Signal signal);

  void Sent(uint64_t items) const {
    if (sent_) sent_->Add(items);
  }
  void Failed(uint64_t items) const {
    if (failed_) failed_->Add(items);
  }
  // Counts the outcome of delivering `items`: all failed on an error; on OK the items the
  // destination rejected in a partial success (Status::rejected_items) failed, the rest sent.
  void Count(const Status& outcome, uint64_t items) const;
  // A completion that counts `items` by the answer it gets (Count) and then passes it to `done`.
  Completion Counting(uint64_t items, Completion done) const;

 private:
  telemetry::Counter* sent_ = nullptr;
  telemetry::Counter* failed_ = nullptr;
};

}  // namespace otter::exporterhelper
