#include "rules/alerting_rule.h"

#include <fmt/format.h>

#include <algorithm>

#include "rules/alert_template.h"

namespace otter::rules {

std::string_view AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
  }
  return "inactive";
}

AlertingRule::AlertingRule(const RuleSpec& spec, store::Labels external_labels,
                           std::string external_url)
    : spec_(spec),
      external_labels_(std::move(external_labels)),
      external_url_(std::move(external_url)) {
  const std::string name = "__alert_" + spec_.alert;
  for (const auto& [k, v] : spec_.labels) {
    auto t = ParseAlertTemplate(v, name);
    if (t.ok()) label_templates_.emplace_back(k, std::move(*t));
  }
  for (const auto& [k, v] : spec_.annotations) {
    auto t = ParseAlertTemplate(v, name);
    if (t.ok()) annotation_templates_.emplace_back(k, std::move(*t));
  }
}

AlertState AlertingRule::State() const {
  AlertState s = AlertState::kInactive;
  for (const auto& [h, a] : active_)
    if (a.state > s) s = a.state;
  return s;
}

Status AlertingRule::Apply(const std::vector<RuleSample>& result, int64_t ts_ms, int64_t limit) {
  std::map<uint64_t, Alert> fresh;
  for (const RuleSample& s : result) {
    store::Labels series;
    for (const auto& l : s.labels)
      if (l.name != "__name__") series.push_back(l);
    AlertTemplateData data{&series, &external_labels_, s.value, external_url_};
    auto expand = [&](const query::logql::LineTemplate& t) {
      auto out = ExpandAlertTemplate(t, data);
      return out.ok() ? *out
                      : "<error expanding template: " + std::string(out.status().message()) + ">";
    };
    store::Labels labels = series;
    for (const auto& [k, t] : label_templates_) store::SetLabel(labels, k, expand(t));
    store::SetLabel(labels, "alertname", spec_.alert);
    store::Labels annotations;
    for (const auto& [k, t] : annotation_templates_)
      annotations.push_back(store::Label{k, expand(t)});
    store::SortLabels(annotations);
    uint64_t h = store::HashLabels(labels);
    if (fresh.count(h)) {
      return FailedPrecondition(
          "vector contains metrics with the same labelset after applying alert labels");
    }
    Alert a;
    a.labels = std::move(labels);
    a.annotations = std::move(annotations);
    a.value = s.value;
    a.active_at_ms = ts_ms;
    fresh.emplace(h, std::move(a));
  }
  for (auto& [h, a] : fresh) {
    auto it = active_.find(h);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = a.value;
      it->second.annotations = std::move(a.annotations);
      continue;
    }
    active_[h] = std::move(a);
  }
  int64_t active_pending = 0;
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& a = it->second;
    if (!fresh.count(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && spec_.keep_firing_for_ms > 0) {
        if (a.keep_firing_since_ms == 0) a.keep_firing_since_ms = ts_ms;
        keep_firing = ts_ms - a.keep_firing_since_ms < spec_.keep_firing_for_ms;
      }
      if (a.state == AlertState::kPending ||
          (a.resolved_at_ms != 0 && ts_ms - a.resolved_at_ms > kResolvedRetentionMs)) {
        it = active_.erase(it);
        continue;
      }
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at_ms = ts_ms;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since_ms = 0;
    }
    ++active_pending;
    if (a.state == AlertState::kPending && ts_ms - a.active_at_ms >= spec_.for_ms) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = ts_ms;
    }
    ++it;
  }
  if (limit > 0 && active_pending > limit) {
    active_.clear();
    return FailedPrecondition(
        fmt::format("exceeded limit of {} with {} alerts", limit, active_pending));
  }
  return Status::Ok();
}

std::vector<Alert> AlertingRule::DueForSending(int64_t ts_ms, int64_t resend_delay_ms,
                                               int64_t interval_ms) {
  std::vector<Alert> out;
  for (auto& [h, a] : active_) {
    if (a.state == AlertState::kPending) continue;
    bool due = a.resolved_at_ms > a.last_sent_at_ms || a.last_sent_at_ms + resend_delay_ms < ts_ms;
    if (!due) continue;
    a.last_sent_at_ms = ts_ms;
    a.valid_until_ms = ts_ms + 4 * std::max(resend_delay_ms, interval_ms);
    out.push_back(a);
  }
  return out;
}

}  // namespace otter::rules
