#include "rules/rule_group.h"

#include <algorithm>
#include <set>

#include "query/logql/engine.h"
#include "query/logql/parser.h"
#include "query/promql/engine.h"
#include "query/promql/parser.h"
#include "rules/alert_context.h"

namespace otter::rules {

RuleGroup::RuleGroup(GroupSpec spec, const RuleEnv& env) : spec_(std::move(spec)), env_(env) {
  for (const auto& r : spec_.rules) {
    if (spec_.language == RuleLanguage::kPromQL) {
      auto e = query::promql::ParseExpr(r.expr);
      promql_.push_back(e.ok() ? std::move(*e) : nullptr);
    } else {
      auto e = query::logql::ParseQuery(r.expr);
      logql_.push_back(e.ok() ? *e : nullptr);
    }
    alerting_.push_back(
        r.is_alert() ? std::make_unique<AlertingRule>(r, env.external_labels, env.external_url)
                     : nullptr);
  }
  status_.resize(spec_.rules.size());
}

RuleGroup::~RuleGroup() = default;

int64_t RuleGroup::interval_ms() const {
  return spec_.interval_ms > 0 ? spec_.interval_ms : env_.default_interval_ms;
}

StatusOr<std::vector<RuleSample>> RuleGroup::Query(size_t i, int64_t t_ms) const {
  std::vector<RuleSample> out;
  auto deadline = std::chrono::steady_clock::now() + env_.query_timeout;
  if (spec_.language == RuleLanguage::kPromQL) {
    if (!promql_[i]) return InvalidArgument("the expression does not parse");
    query::promql::EngineOptions eo;
    eo.max_samples = env_.max_samples;
    eo.default_subquery_step_ms = interval_ms();
    query::promql::Engine engine(*env_.metrics, eo);
    ASSIGN_OR_RETURN(query::promql::Value v, engine.ExecInstant(*promql_[i], t_ms, deadline));
    if (v.type == query::promql::ValueType::kScalar) {
      out.push_back({{}, v.scalar});
    } else if (v.type == query::promql::ValueType::kVector) {
      for (auto& e : v.vector)
        if (!e.h) out.push_back({std::move(e.metric), e.v});
    } else {
      return InvalidArgument("rule result is not a vector or scalar");
    }
    return out;
  }
  if (!logql_[i]) return InvalidArgument("the expression does not parse");
  if (!env_.logs) return FailedPrecondition("no log store to evaluate LogQL rules on");
  query::logql::Engine engine(*env_.logs, query::logql::EngineOptions{});
  query::logql::QueryParams p;
  p.instant = true;
  p.start_ns = p.end_ns = t_ms * 1'000'000;
  ASSIGN_OR_RETURN(auto r, engine.Exec(*logql_[i], p, store::QueryLimits{deadline}));
  if (r.type == query::logql::QueryResult::Type::kScalar) {
    out.push_back({{}, r.scalar});
  } else {
    for (auto& s : r.series)
      if (!s.points.empty()) out.push_back({std::move(s.labels), s.points.back().second});
  }
  return out;
}

Status RuleGroup::EvalRule(size_t i, int64_t ts_ms, std::vector<store::SeriesData>& alerts_series,
                           std::vector<Outgoing>& out) {
  const RuleSpec& r = spec_.rules[i];
  const int64_t t = ts_ms - spec_.query_offset_ms;
  ASSIGN_OR_RETURN(std::vector<RuleSample> result, Query(i, t));
  if (!r.is_alert()) {
    std::vector<store::SeriesData> series;
    std::set<uint64_t> seen;
    for (auto& s : result) {
      store::Labels labels = std::move(s.labels);
      store::SetLabel(labels, "__name__", r.record);
      for (const auto& [k, v] : r.labels) store::SetLabel(labels, k, v);
      if (!seen.insert(store::HashLabels(labels)).second)
        return FailedPrecondition(
            "vector contains metrics with the same labelset after applying rule labels");
      series.push_back(store::SeriesData{std::move(labels), {{t, s.value}}, {}});
    }
    if (spec_.limit > 0 && static_cast<int64_t>(series.size()) > spec_.limit)
      return FailedPrecondition("exceeded limit of " + std::to_string(spec_.limit) + " with " +
                                std::to_string(series.size()) + " series");
    if (series.empty() || !env_.write) return Status::Ok();
    return env_.write(std::move(series));
  }
  AlertingRule& rule = *alerting_[i];
  Status applied = rule.Apply(result, ts_ms, spec_.limit);
  // Alerts that fire from this evaluation on carry their trace context.
  std::vector<store::Matchers> selectors;
  int64_t range_ms = 0;
  if (spec_.language == RuleLanguage::kPromQL && promql_[i]) {
    SelectorsOf(*promql_[i], &selectors, &range_ms);
    // A series recorded by a rule of this group stands for what that rule reads (its labels,
    // exemplars): read those too.
    for (size_t k = 0, n = selectors.size(); k < n; ++k) {
      for (size_t j = 0; j < spec_.rules.size(); ++j) {
        if (spec_.rules[j].is_alert() || !promql_[j]) continue;
        bool names_it = false;
        for (const auto& m : selectors[k])
          if (m.name() == "__name__" && m.Matches(spec_.rules[j].record)) names_it = true;
        if (names_it) SelectorsOf(*promql_[j], &selectors, &range_ms);
      }
    }
  }
  std::set<std::string> ignore{"alertname"};
  for (const auto& [k, v] : r.labels) ignore.insert(k);
  int contexts = 0;
  for (auto& [h, a] : rule.mutable_active()) {
    if (a.state == AlertState::kFiring && !a.context_done && !selectors.empty() &&
        contexts < kMaxAlertContexts) {
      ++contexts;
      a.context_done = true;
      int64_t lookback = std::clamp<int64_t>(range_ms, interval_ms(), 3'600'000);
      a.context = AlertContext(*env_.metrics, env_.traces, selectors, a.labels, ignore,
                               a.active_at_ms - lookback, t);
    }
    if (a.state == AlertState::kInactive) continue;
    store::Labels labels = a.labels;
    store::SetLabel(labels, "__name__", "ALERTS");
    store::SetLabel(labels, "alertstate", AlertStateName(a.state));
    alerts_series.push_back(store::SeriesData{std::move(labels), {{t, 1}}, {}});
  }
  for (auto& a : rule.DueForSending(ts_ms, env_.resend_delay_ms, interval_ms()))
    out.push_back({std::move(a), r.expr});
  return applied;
}

std::vector<RuleGroup::Outgoing> RuleGroup::Eval(int64_t ts_ms) {
  auto group_start = std::chrono::steady_clock::now();
  std::vector<Outgoing> out;
  std::vector<store::SeriesData> alerts_series;
  for (size_t i = 0; i < spec_.rules.size(); ++i) {
    auto start = std::chrono::steady_clock::now();
    Status s = EvalRule(i, ts_ms, alerts_series, out);
    RuleStatus& st = status_[i];
    st.health = s.ok() ? "ok" : "err";
    st.last_error = s.ok() ? "" : std::string(s.message());
    st.last_eval_ms = ts_ms;
    st.eval_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  if (!alerts_series.empty() && env_.write) {
    // ALERTS series are informational: a failure to write them is reported on no rule.
    (void)env_.write(std::move(alerts_series));
  }
  last_eval_ms_ = ts_ms;
  eval_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - group_start).count();
  return out;
}

void RuleGroup::TakeStateFrom(RuleGroup& old) {
  for (size_t i = 0; i < spec_.rules.size(); ++i) {
    if (!alerting_[i]) continue;
    for (size_t j = 0; j < old.spec_.rules.size(); ++j) {
      if (old.alerting_[j] && old.spec_.rules[j] == spec_.rules[i]) {
        alerting_[i]->TakeStateFrom(std::move(*old.alerting_[j]));
        status_[i] = old.status_[j];
        break;
      }
    }
  }
}

}  // namespace otter::rules
