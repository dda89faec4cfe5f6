// StatusHub: where components report their health (e.g. an exporter failing to send) and the
// service reports readiness; the health_check extension reads it. Thread-safe (one mutex).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "common/status.h"

namespace otter {

class Extension;
struct ComponentId;

// The running service's extensions by id (the pipeline's Service implements it).
class ExtensionLookup {
 public:
  virtual ~ExtensionLookup() = default;
  // The extension `id` enabled in service.extensions of the graph being built, or null.
  virtual Extension* FindExtension(const ComponentId& id) const = 0;
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

  // The Service being built sets itself here so components can find their extensions (an
  // authenticator) while they are created; valid during creation and Start.
  void SetExtensions(const ExtensionLookup* lookup);
  const ExtensionLookup* extensions() const;

 private:
  mutable std::mutex mu_;
  bool ready_ = false;                           // GUARDED_BY(mu_)
  std::map<std::string, Status> failures_;       // GUARDED_BY(mu_)
  std::map<std::string, std::string> degraded_;  // GUARDED_BY(mu_)
  const ExtensionLookup* extensions_ = nullptr;  // GUARDED_BY(mu_)
};

}  // namespace otter
