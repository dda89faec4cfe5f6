#include "component/status_hub.h"

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

void StatusHub::SetExtensions(const ExtensionLookup* lookup) {
  std::lock_guard l(mu_);
  extensions_ = lookup;
}

const ExtensionLookup* StatusHub::extensions() const {
  std::lock_guard l(mu_);
  return extensions_;
}

}  // namespace otter
