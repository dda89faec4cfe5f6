#include "component/status_hub.h"

#include <algorithm>

namespace otter {

void StatusHub::SetReady(bool ready) {
  std::lock_guard lock(mu_);
  ready_ = ready;
}

bool StatusHub::ready() const {
  std::lock_guard lock(mu_);
  return ready_;
}

void StatusHub::Report(const std::string& component, const Status& status) {
  std::lock_guard lock(mu_);
  if (status.ok())
    failures_.erase(component);
  else
    failures_[component] = status;
}

std::pair<std::string, Status> StatusHub::FirstFailure() const {
  std::lock_guard lock(mu_);
  if (failures_.empty()) return {"", Status::Ok()};
  return *failures_.begin();
}

void StatusHub::ReportDegraded(const std::string& component, const std::string& reason) {
  std::lock_guard lock(mu_);
  if (reason.empty())
    degraded_.erase(component);
  else
    degraded_[component] = reason;
}

std::map<std::string, std::string> StatusHub::Degraded() const {
  std::lock_guard lock(mu_);
  return degraded_;
}

const char* ComponentStateName(ComponentState s) {
  switch (s) {
    case ComponentState::kStarting:
      return "StatusStarting";
    case ComponentState::kOk:
      return "StatusOK";
    case ComponentState::kRecoverableError:
      return "StatusRecoverableError";
    case ComponentState::kPermanentError:
      return "StatusPermanentError";
    case ComponentState::kFatalError:
      return "StatusFatalError";
    case ComponentState::kStopping:
      return "StatusStopping";
    case ComponentState::kStopped:
      return "StatusStopped";
  }
  return "StatusNone";
}

void StatusHub::SetState(const std::string& instance, ComponentState state, std::string error,
                         const std::string& signal) {
  std::lock_guard lock(mu_);
  ComponentStatus& st = states_[signal.empty() ? instance : instance + "#" + signal];
  if (st.state != state || st.time.time_since_epoch().count() == 0) {
    st.state = state;
    st.time = std::chrono::system_clock::now();
  }
  st.error = std::move(error);
}

void StatusHub::SetStatus(const std::string& instance, const Status& s, const std::string& signal) {
  if (s.ok()) {
    SetState(instance, ComponentState::kOk, "", signal);
    return;
  }
  SetState(instance,
           s.retryable() ? ComponentState::kRecoverableError : ComponentState::kPermanentError,
           std::string(s.message()), signal);
}

void StatusHub::SetTopology(std::vector<PipelineTopology> pipelines,
                            std::vector<std::string> extensions) {
  std::lock_guard lock(mu_);
  pipelines_ = std::move(pipelines);
  extensions_ = std::move(extensions);
}

int StatusHub::AddQueue(const std::string& instance, std::function<double()> fill) {
  std::lock_guard lock(mu_);
  queues_[next_queue_] = {instance, std::move(fill)};
  return next_queue_++;
}

void StatusHub::RemoveQueue(int id) {
  std::lock_guard lock(mu_);
  queues_.erase(id);
}

StatusHub::Snapshot StatusHub::GetSnapshot() const {
  std::lock_guard lock(mu_);
  Snapshot s{pipelines_, extensions_, states_, {}};
  for (const auto& [id, q] : queues_) {
    double& f = s.queue_fill[q.instance];
    f = std::max(f, q.fill());
  }
  return s;
}

}  // namespace otter
