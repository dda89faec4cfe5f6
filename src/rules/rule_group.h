// RuleGroup: one group of a rule file, evaluated as Prometheus (or Loki's ruler) evaluates it —
// every `interval`, its rules in order at one timestamp, so a rule sees what the recording rules
// before it wrote. Recording rules write their result as new series; alerting rules update their
// alerts (alerting_rule.h) and write ALERTS{alertstate=...} series; alerts that start firing get
// their trace context (alert_context.h). Each rule keeps its health, last error and timing for
// the rules API. Called by the RuleManager's evaluation thread; the API reads it under the
// manager's lock. Not thread-safe itself.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "query/logql/ast.h"
#include "query/promql/ast.h"
#include "rules/alerting_rule.h"
#include "rules/rule_file.h"
#include "store/querier.h"

namespace otter::rules {

// What rules read and write; outlives the groups.
struct RuleEnv {
  store::MetricQuerier* metrics = nullptr;
  store::LogQuerier* logs = nullptr;      // LogQL rules; null = they fail
  store::TraceQuerier* traces = nullptr;  // to prefer exemplar trace ids the store holds
  // Appends samples (recording rules, ALERTS) and returns once they are queryable.
  std::function<Status(std::vector<store::SeriesData>&&)> write;
  int64_t default_interval_ms = 60'000;
  int64_t resend_delay_ms = 60'000;
  store::Labels external_labels;
  std::string external_url;
  std::chrono::milliseconds query_timeout{std::chrono::minutes(2)};
  size_t max_samples = 50'000'000;
};

struct RuleStatus {
  std::string health = "unknown";  // "ok", "err", "unknown" (not evaluated yet)
  std::string last_error;
  int64_t last_eval_ms = 0;
  double eval_seconds = 0;
};

class RuleGroup {
 public:
  RuleGroup(GroupSpec spec, const RuleEnv& env);
  ~RuleGroup();

  const GroupSpec& spec() const { return spec_; }
  int64_t interval_ms() const;
  // Evaluates every rule at `ts_ms`; returns the alerts due to be sent (with the rule's
  // expression for their generator URL).
  struct Outgoing {
    Alert alert;
    std::string expr;
  };
  std::vector<Outgoing> Eval(int64_t ts_ms);

  // After a reload: alerts of identical rules (same name and definition) carry over.
  void TakeStateFrom(RuleGroup& old);

  size_t size() const { return spec_.rules.size(); }
  const RuleStatus& status(size_t i) const { return status_[i]; }
  const AlertingRule* alerting(size_t i) const { return alerting_[i].get(); }
  int64_t last_eval_ms() const { return last_eval_ms_; }
  double eval_seconds() const { return eval_seconds_; }

 private:
  StatusOr<std::vector<RuleSample>> Query(size_t i, int64_t t_ms) const;
  Status EvalRule(size_t i, int64_t ts_ms, std::vector<store::SeriesData>& alerts_series,
                  std::vector<Outgoing>& out);

  GroupSpec spec_;
  const RuleEnv& env_;
  std::vector<std::unique_ptr<query::promql::Node>> promql_;
  std::vector<std::shared_ptr<const query::logql::Expr>> logql_;
  std::vector<std::unique_ptr<AlertingRule>> alerting_;  // null for recording rules
  std::vector<RuleStatus> status_;
  int64_t last_eval_ms_ = 0;
  double eval_seconds_ = 0;
};

}  // namespace otter::rules
