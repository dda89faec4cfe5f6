// AlertingRule: the state of one alerting rule's alerts across evaluations, as Prometheus keeps
// it — inactive → pending (the expression returned the series) → firing (for `for`), kept firing
// for `keep_firing_for` after the expression stops returning it, then resolved (kept 15m to be
// sent as resolved) — and which alerts are due to be sent to Alertmanager (resend_delay,
// valid-until = 4 × max(interval, resend_delay)). Times are Unix milliseconds supplied by the
// caller (the rule manager's clock, a fake one in tests).
// Thread-safety: none; the rule group that owns it serialises calls.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "query/logql/template.h"
#include "rules/rule_file.h"
#include "store/labels.h"

namespace otter::rules {

enum class AlertState { kInactive, kPending, kFiring };
std::string_view AlertStateName(AlertState s);  // "inactive", "pending", "firing"

struct Alert {
  store::Labels labels;       // the series' labels (no __name__), rule labels, alertname
  store::Labels annotations;  // expanded
  AlertState state = AlertState::kPending;
  double value = 0;
  int64_t active_at_ms = 0;
  int64_t fired_at_ms = 0;
  int64_t resolved_at_ms = 0;
  int64_t last_sent_at_ms = 0;
  int64_t valid_until_ms = 0;
  int64_t keep_firing_since_ms = 0;
  // Alert → traces context (alert_context.h), computed once when the alert starts firing (for
  // at most kMaxAlertContexts alerts of a rule per evaluation) and sent as annotations.
  store::Labels context;
  bool context_done = false;
};

// One sample of the rule expression's result.
struct RuleSample {
  store::Labels labels;  // may include __name__ (dropped)
  double value = 0;
};

class AlertingRule {
 public:
  // `spec` was validated (rule_file.h): its templates parse.
  AlertingRule(const RuleSpec& spec, store::Labels external_labels, std::string external_url);

  const RuleSpec& spec() const { return spec_; }

  // Applies the expression's result at `ts_ms`. Fails (and keeps no alert, as Prometheus) when
  // two samples map to the same alert labels or the alerts exceed `limit` (0 = none). A label
  // or annotation template that fails to expand renders its error text, as in Prometheus.
  Status Apply(const std::vector<RuleSample>& result, int64_t ts_ms, int64_t limit);

  // The active (pending/firing, or resolved within 15 minutes) alerts, by label hash.
  const std::map<uint64_t, Alert>& active() const { return active_; }
  std::map<uint64_t, Alert>& mutable_active() { return active_; }
  // The highest state of any active alert.
  AlertState State() const;

  // The alerts due to be sent at `ts_ms` (firing ones every resend_delay, resolved ones once),
  // with their send bookkeeping updated.
  std::vector<Alert> DueForSending(int64_t ts_ms, int64_t resend_delay_ms, int64_t interval_ms);

  // After a reload: take over the alerts of the rule this one replaces (same group, name and
  // definition), so a reload neither resets `for` nor re-sends.
  void TakeStateFrom(AlertingRule&& old) { active_ = std::move(old.active_); }

 private:
  RuleSpec spec_;
  store::Labels external_labels_;
  std::string external_url_;
  std::vector<std::pair<std::string, query::logql::LineTemplate>> label_templates_;
  std::vector<std::pair<std::string, query::logql::LineTemplate>> annotation_templates_;
  std::map<uint64_t, Alert> active_;
};

// Alerts of one rule that get their trace context in one evaluation: each costs a read of the
// rule's series, so an incident that fires thousands at once does not stall the group.
inline constexpr int kMaxAlertContexts = 20;

// Prometheus keeps a resolved alert this long, to report it as resolved.
inline constexpr int64_t kResolvedRetentionMs = 15 * 60 * 1000;

}  // namespace otter::rules
