// Ruler: otter's rule evaluation beside the embedded store — the rule files of the store
// exporter's `rules` block (PromQL rule files and Loki-format LogQL rule files), one RuleManager
// per language over the store's queriers, recording-rule results written back into the store,
// and a Notifier to Alertmanagers and webhooks. Created and owned by the store exporter, which
// hands its managers to the query server (rules APIs) and calls Reload() on SIGHUP.
// Thread-safety: Start/Stop/Reload from the service thread; the managers run their own threads.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "rules/notifier.h"
#include "rules/rule_manager.h"
#include "rules/ruler_config.h"
#include "store/store.h"

namespace otter::rules {

class Ruler {
 public:
  struct Options {
    RulerConfig config;
    std::chrono::milliseconds query_timeout{std::chrono::minutes(2)};
    size_t max_samples = 50'000'000;
    std::shared_ptr<spdlog::logger> logger;
    telemetry::SelfMetrics* metrics = nullptr;
  };
  // Reads the rule files (errors are start-up errors naming file and line).
  static StatusOr<std::unique_ptr<Ruler>> Create(Options options, store::Store& store);
  ~Ruler();

  void Start();
  void Stop();
  // Reads the rule files again; on an error the running groups stay (and the error is logged).
  Status Reload();

  RuleManager* promql() { return promql_.get(); }
  RuleManager* logql() { return logql_.get(); }

 private:
  Ruler(Options options, store::Store& store);
  Status WriteSamples(std::vector<store::SeriesData>&& series);

  Options options_;
  store::Store& store_;
  RuleEnv env_;
  std::unique_ptr<Notifier> notifier_;
  std::unique_ptr<RuleManager> promql_, logql_;
  telemetry::Counter* write_failures_ = nullptr;
};

}  // namespace otter::rules
