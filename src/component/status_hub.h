// StatusHub: where components report their health (e.g. an exporter failing to send) and the
// service reports readiness; the health_check extension reads it. Thread-safe (one mutex).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "common/status.h"

namespace otter {

class StatusHub {
 public:
  void SetReady(bool ready);
  bool ready() const;
  // Latest outcome of a component's work; OK clears a previous error.
  void Report(const std::string& component, const Status& status);
  // First failing component ("" if none) and its error.
  std::pair<std::string, Status> FirstFailure() const;

 private:
  mutable std::mutex mu_;
  bool ready_ = false;                      // GUARDED_BY(mu_)
  std::map<std::string, Status> failures_;  // GUARDED_BY(mu_)
};

}  // namespace otter
