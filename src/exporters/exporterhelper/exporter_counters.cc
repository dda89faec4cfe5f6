#include "exporters/exporterhelper/exporter_counters.h"

#include <algorithm>
#include <string>

namespace otter::exporterhelper {

ExporterCounters::ExporterCounters(telemetry::SelfMetrics& metrics, const ComponentId& id,
                                   Signal signal) {
  const std::string items(SignalItemName(signal));
  const telemetry::Labels labels = {{"exporter", id.ToString()}};
  sent_ = &metrics.GetCounter("otelcol_exporter_sent_" + items,
                              "Number of " + items + " successfully sent to destination.", labels);
  failed_ = &metrics.GetCounter(
      "otelcol_exporter_send_failed_" + items,
      "Number of " + items + " in failed attempts to send to destination.", labels);
}

void ExporterCounters::Count(const Status& outcome, uint64_t items) const {
  if (!outcome.ok()) {
    Failed(items);
    return;
  }
  const uint64_t rejected = std::min(outcome.rejected_items(), items);
  Sent(items - rejected);
  Failed(rejected);
}

Completion ExporterCounters::Counting(uint64_t items, Completion done) const {
  return Completion([counters = *this, items, done = std::move(done)](Status s) mutable {
    counters.Count(s, items);
    done(std::move(s));
  });
}

}  // namespace otter::exporterhelper
