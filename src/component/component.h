// The component interfaces: Consumer (what a pipeline stage accepts), Receiver, Processor,
// Exporter, Extension, Connector, and the context every component is created with. Components never
// read global state: logger, self-metrics and the status hub come in ComponentContext.
// Thread-safety: Start/Shutdown are called from the service thread; Consume may be called
// concurrently from any receiver thread, so implementations must be thread-safe.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "common/status.h"
#include "component/completion.h"
#include "pdata/batch.h"
#include "telemetry/self_metrics.h"

namespace otter {

enum class Signal { kTraces, kMetrics, kLogs };
inline constexpr Signal kAllSignals[] = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
std::string_view SignalName(Signal s);      // "traces", "metrics", "logs"
std::string_view SignalItemName(Signal s);  // "spans", "metric_points", "log_records"

template <class B>
constexpr Signal SignalOf();
template <>
constexpr Signal SignalOf<pdata::TraceBatch>() {
  return Signal::kTraces;
}
template <>
constexpr Signal SignalOf<pdata::MetricBatch>() {
  return Signal::kMetrics;
}
template <>
constexpr Signal SignalOf<pdata::LogBatch>() {
  return Signal::kLogs;
}

// A pipeline stage that takes ownership of batches. `done` must be called exactly once.
template <class B>
class Consumer {
 public:
  virtual ~Consumer() = default;
  virtual void Consume(B&& batch, Completion done) = 0;
  // True if the consumer modifies batches in place (a fan-out then hands it a clone).
  virtual bool MutatesData() const { return false; }
  // True if the consumer accepts undecoded batches (pdata::Batch::Undecoded: validated protobuf
  // bytes and an item count). A receiver then need not decode a request into pdata.
  virtual bool TakesUndecoded() const { return false; }
};
using TraceConsumer = Consumer<pdata::TraceBatch>;
using MetricConsumer = Consumer<pdata::MetricBatch>;
using LogConsumer = Consumer<pdata::LogBatch>;

// One consumer per signal; null where the signal is not wired.
struct Consumers {
  TraceConsumer* traces = nullptr;
  MetricConsumer* metrics = nullptr;
  LogConsumer* logs = nullptr;

  template <class B>
  Consumer<B>* get() const {
    if constexpr (std::is_same_v<B, pdata::TraceBatch>)
      return traces;
    else if constexpr (std::is_same_v<B, pdata::MetricBatch>)
      return metrics;
    else
      return logs;
  }
  // The consumers of a stage that takes one signal: `c` for B's signal, null for the others.
  template <class B>
  static Consumers Of(Consumer<B>* c) {
    Consumers out;
    if constexpr (SignalOf<B>() == Signal::kTraces)
      out.traces = c;
    else if constexpr (SignalOf<B>() == Signal::kMetrics)
      out.metrics = c;
    else
      out.logs = c;
    return out;
  }
  bool Has(Signal s) const {
    return s == Signal::kTraces    ? traces != nullptr
           : s == Signal::kMetrics ? metrics != nullptr
                                   : logs != nullptr;
  }
};

enum class ComponentKind { kReceiver, kProcessor, kExporter, kExtension, kConnector };
std::string_view ComponentKindName(ComponentKind k);  // "receiver", ...

// "type" or "type/name", as in otelcol.
struct ComponentId {
  std::string type;
  std::string name;
  std::string ToString() const { return name.empty() ? type : type + "/" + name; }
  static StatusOr<ComponentId> Parse(std::string_view s);
  friend auto operator<=>(const ComponentId&, const ComponentId&) = default;
};

class StatusHub;  // component/status_hub.h
class Extension;

// What a component may ask of the running collector while it starts (otelcol's component.Host):
// the enabled extensions by id. Extensions start before every other component, so a receiver
// finds them started in its Start().
class ExtensionHost {
 public:
  virtual ~ExtensionHost() = default;
  // The enabled (listed under service.extensions) extension with this id, or null.
  virtual Extension* FindExtension(const ComponentId& id) const = 0;
};

struct ComponentContext {
  ComponentId id;
  ComponentKind kind = ComponentKind::kReceiver;
  std::shared_ptr<spdlog::logger> logger;
  telemetry::SelfMetrics* metrics = nullptr;
  StatusHub* status = nullptr;
  // Valid while the component is created and during Start() (a component kept across a reload
  // is not started again): look extensions up then and keep what they hand out, never the host.
  const ExtensionHost* host = nullptr;
};

class Component {
 public:
  virtual ~Component() = default;
  // Opens ports, starts threads. Errors stop start-up.
  virtual Status Start() { return Status::Ok(); }
  // Stops accepting, drains what it holds (answering every pending completion), joins threads.
  virtual void Shutdown() {}
};

class Receiver : public Component {};

class Processor : public Component {
 public:
  // The consumer for the signal this processor instance was created for.
  virtual Consumers consumers() = 0;
};

class Exporter : public Component {
 public:
  virtual Consumers consumers() = 0;
};

class Extension : public Component {};

// A connector (otelcol's): the exporter of one pipeline and the receiver of another. The service
// creates one instance per (id, exporting pipelines' signal, receiving pipelines' signal) pair;
// consumers() is its exporter side, for the signal it was created `from`. What it emits goes to
// the `next` consumer it was created with (a fan-out to every pipeline that receives from it).
// A connector that passes batches on answers upstream when its downstream answers; one that
// aggregates (spanmetrics) answers once the data is counted.
class Connector : public Component {
 public:
  virtual Consumers consumers() = 0;
};

}  // namespace otter
