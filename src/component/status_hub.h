// StatusHub: where components report their health (e.g. an exporter failing to send) and the
// service reports readiness; the health_check and healthcheckv2 extensions read it.
// Component status follows otelcol's model: each component instance ("exporter:otlp/staging")
// has a state (StatusOK, StatusRecoverableError, ...) with the time it entered it and its last
// error; the service publishes which instances make up which pipeline.
// Thread-safe (one mutex).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"

namespace otter {

enum class ComponentState : uint8_t {
  kStarting,
  kOk,
  kRecoverableError,
  kPermanentError,
  kFatalError,
  kStopping,
  kStopped,
};
// otelcol's names: "StatusStarting", "StatusOK", "StatusRecoverableError", ...
const char* ComponentStateName(ComponentState s);

struct ComponentStatus {
  ComponentState state = ComponentState::kStarting;
  std::string error;                           // for the error states
  std::chrono::system_clock::time_point time;  // when the component entered `state`
};

struct PipelineTopology {
  std::string name;                     // "traces/http"
  std::string signal;                   // "traces", "metrics", "logs"
  std::vector<std::string> components;  // instance names: "receiver:otlp", "processor:batch", ...
};

class StatusHub {
 public:
  void SetReady(bool ready);
  bool ready() const;
  // Latest outcome of a component's work; OK clears a previous error.
  void Report(const std::string& component, const Status& status);
  // First failing component ("" if none) and its error.
  std::pair<std::string, Status> FirstFailure() const;
  // A component that serves but not fully (e.g. a store that set a corrupt file aside) says why;
  // "" clears it. The health check shows these without failing.
  void ReportDegraded(const std::string& component, const std::string& reason);
  std::map<std::string, std::string> Degraded() const;

  // Component status. `signal` ("" for all) limits a report to that signal's pipelines, for a
  // component shared by pipelines of several signals. Reporting the state a component is already
  // in keeps its time (a recoverable error's clock runs from the first failure), updating the
  // error text.
  void SetState(const std::string& instance, ComponentState state, std::string error = "",
                const std::string& signal = "");
  // An error status: kOk when `s` is OK, else recoverable or permanent by s.retryable().
  void SetStatus(const std::string& instance, const Status& s, const std::string& signal = "");
  void SetTopology(std::vector<PipelineTopology> pipelines, std::vector<std::string> extensions);
  // A queue whose fill (0..1) health checks may watch; the returned id unregisters it.
  int AddQueue(const std::string& instance, std::function<double()> fill);
  void RemoveQueue(int id);

  struct Snapshot {
    std::vector<PipelineTopology> pipelines;
    std::vector<std::string> extensions;
    // By instance, and by "instance#signal" for reports limited to one signal.
    std::map<std::string, ComponentStatus> states;
    std::map<std::string, double> queue_fill;  // by instance: the fullest of its queues
  };
  Snapshot GetSnapshot() const;

 private:
  mutable std::mutex mu_;
  bool ready_ = false;                             // GUARDED_BY(mu_)
  std::map<std::string, Status> failures_;         // GUARDED_BY(mu_)
  std::map<std::string, std::string> degraded_;    // GUARDED_BY(mu_)
  std::map<std::string, ComponentStatus> states_;  // GUARDED_BY(mu_)
  std::vector<PipelineTopology> pipelines_;        // GUARDED_BY(mu_)
  std::vector<std::string> extensions_;            // GUARDED_BY(mu_)
  struct Queue {
    std::string instance;
    std::function<double()> fill;
  };
  std::map<int, Queue> queues_;  // GUARDED_BY(mu_)
  int next_queue_ = 0;           // GUARDED_BY(mu_)
};

}  // namespace otter
