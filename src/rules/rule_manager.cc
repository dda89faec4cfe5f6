#include "rules/rule_manager.h"

#include <charconv>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>

#include "query/go_parse.h"
#include "query/json_writer.h"

namespace otter::rules {
namespace {

int64_t WallNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Go's strconv.FormatFloat(v, 'e', -1, 64): how Prometheus writes an alert's value.
std::string FormatGoE(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  return std::string(buf, r.ptr);
}

std::string TimeOrZero(int64_t ms) { return ms ? Rfc3339(ms) : "0001-01-01T00:00:00Z"; }

// Prometheus's model.Duration text: "1h30m", "5m", "500ms", "0s".
std::string PromDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  struct Unit {
    int64_t ms;
    const char* name;
  };
  static const Unit kUnits[] = {{604800000, "w"}, {86400000, "d"}, {3600000, "h"},
                                {60000, "m"},     {1000, "s"},     {1, "ms"}};
  for (const auto& u : kUnits) {
    if (ms >= u.ms) {
      out += std::to_string(ms / u.ms) + u.name;
      ms %= u.ms;
    }
  }
  return out;
}

void WriteLabels(query::JsonWriter& w, const store::Labels& labels) {
  w.BeginObject();
  for (const auto& l : labels) w.Key(l.name).String(l.value);
  w.EndObject();
}

void WritePairs(query::JsonWriter& w, const std::vector<std::pair<std::string, std::string>>& p) {
  store::Labels l;
  for (const auto& [k, v] : p) l.push_back({k, v});
  store::SortLabels(l);
  WriteLabels(w, l);
}

store::Labels Annotations(const Alert& a) {
  store::Labels out = a.annotations;
  for (const auto& c : a.context)
    if (store::GetLabel(out, c.name).empty()) out.push_back(c);
  store::SortLabels(out);
  return out;
}

void WriteAlert(query::JsonWriter& w, const Alert& a) {
  w.BeginObject().Key("labels");
  WriteLabels(w, a.labels);
  w.Key("annotations");
  WriteLabels(w, Annotations(a));
  w.Key("state").String(AlertStateName(a.state));
  w.Key("activeAt").String(Rfc3339(a.active_at_ms));
  if (a.keep_firing_since_ms) w.Key("keepFiringSince").String(Rfc3339(a.keep_firing_since_ms));
  w.Key("value").String(FormatGoE(a.value)).EndObject();
}

// Go's quoting is a valid YAML double-quoted scalar (\n, \t, \", \\, \xNN, \uNNNN).
std::string YamlQuote(std::string_view s) { return query::GoQuote(s); }

std::string Namespace(const std::string& file) {
  size_t slash = file.rfind('/');
  return slash == std::string::npos ? file : file.substr(slash + 1);
}

}  // namespace

RuleManager::RuleManager(const RuleEnv& env, Notifier* notifier, std::function<int64_t()> now_ms)
    : env_(env), notifier_(notifier), now_ms_(now_ms ? std::move(now_ms) : WallNowMs) {}

RuleManager::~RuleManager() { Stop(); }

void RuleManager::Update(std::vector<GroupSpec> groups) {
  std::vector<Slot> fresh;
  for (auto& g : groups) fresh.push_back({std::make_unique<RuleGroup>(std::move(g), env_), 0});
  {
    std::lock_guard l(mu_);
    for (auto& f : fresh) {
      for (auto& old : slots_) {
        if (old.group->spec().name == f.group->spec().name &&
            old.group->spec().file == f.group->spec().file) {
          f.group->TakeStateFrom(*old.group);
          if (f.group->interval_ms() == old.group->interval_ms()) f.next_ms = old.next_ms;
          break;
        }
      }
    }
    slots_ = std::move(fresh);
  }
  cv_.notify_all();
}

void RuleManager::RunDue(int64_t now_ms) {
  std::lock_guard eval(eval_mu_);
  std::vector<std::pair<std::vector<Alert>, std::string>> outgoing;
  {
    std::lock_guard l(mu_);
    for (auto& s : slots_) {
      const int64_t iv = s.group->interval_ms();
      if (s.next_ms != 0 && now_ms < s.next_ms) continue;
      const int64_t ts = now_ms - now_ms % iv;  // the newest slot not in the future
      for (auto& o : s.group->Eval(ts)) outgoing.push_back({{std::move(o.alert)}, o.expr});
      s.next_ms = ts + iv;
    }
  }
  if (notifier_)
    for (auto& [alerts, expr] : outgoing) notifier_->Send(std::move(alerts), expr);
}

void RuleManager::Start() {
  std::lock_guard l(mu_);
  stopping_ = false;
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

void RuleManager::Stop() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RuleManager::Loop() {
  std::unique_lock l(mu_);
  while (!stopping_) {
    int64_t now = now_ms_();
    int64_t next = INT64_MAX;
    for (const auto& s : slots_) next = std::min(next, s.next_ms);
    if (next != INT64_MAX && next <= now) {
      l.unlock();
      RunDue(now);
      l.lock();
      continue;
    }
    auto wait = next == INT64_MAX
                    ? std::chrono::milliseconds(60'000)
                    : std::chrono::milliseconds(std::min<int64_t>(next - now, 60'000));
    cv_.wait_for(l, wait);
  }
}

size_t RuleManager::group_count() const {
  std::lock_guard l(mu_);
  return slots_.size();
}

std::string RuleManager::RulesJson(const query::RuleFilter& f) const {
  std::lock_guard l(mu_);
  query::JsonWriter w;
  w.BeginObject().Key("groups").BeginArray();
  for (const auto& s : slots_) {
    const RuleGroup& g = *s.group;
    if (!f.groups.empty() && !f.groups.count(g.spec().name)) continue;
    if (!f.files.empty() && !f.files.count(g.spec().file)) continue;
    query::JsonWriter rules;
    rules.BeginArray();
    size_t listed = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      const RuleSpec& r = g.spec().rules[i];
      if (f.type == "alert" && !r.is_alert()) continue;
      if (f.type == "record" && r.is_alert()) continue;
      if (!f.rule_names.empty() && !f.rule_names.count(r.name())) continue;
      ++listed;
      const RuleStatus& st = g.status(i);
      rules.BeginObject();
      if (const AlertingRule* a = g.alerting(i)) {
        rules.Key("state").String(AlertStateName(a->State()));
        rules.Key("name").String(r.alert).Key("query").String(r.expr);
        rules.Key("duration").Double(r.for_ms / 1000.0);
        rules.Key("keepFiringFor").Double(r.keep_firing_for_ms / 1000.0);
        rules.Key("labels");
        WritePairs(rules, r.labels);
        rules.Key("annotations");
        WritePairs(rules, r.annotations);
        if (!f.exclude_alerts) {
          rules.Key("alerts").BeginArray();
          for (const auto& [h, alert] : a->active())
            if (alert.state != AlertState::kInactive) WriteAlert(rules, alert);
          rules.EndArray();
        }
      } else {
        rules.Key("name").String(r.record).Key("query").String(r.expr);
        if (!r.labels.empty()) {
          rules.Key("labels");
          WritePairs(rules, r.labels);
        }
      }
      rules.Key("health").String(st.health);
      if (!st.last_error.empty()) rules.Key("lastError").String(st.last_error);
      rules.Key("evaluationTime").Double(st.eval_seconds);
      rules.Key("lastEvaluation").String(TimeOrZero(st.last_eval_ms));
      rules.Key("type").String(r.is_alert() ? "alerting" : "recording").EndObject();
    }
    rules.EndArray();
    // Prometheus leaves out groups that the rule filters emptied.
    if (listed == 0 && (!f.type.empty() || !f.rule_names.empty()) && g.size() > 0) continue;
    w.BeginObject().Key("name").String(g.spec().name).Key("file").String(g.spec().file);
    w.Key("rules").Raw(rules.str());
    w.Key("interval").Double(g.interval_ms() / 1000.0).Key("limit").Int(g.spec().limit);
    w.Key("evaluationTime").Double(g.eval_seconds());
    w.Key("lastEvaluation").String(TimeOrZero(g.last_eval_ms())).EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

std::string RuleManager::AlertsJson() const {
  std::lock_guard l(mu_);
  query::JsonWriter w;
  w.BeginObject().Key("alerts").BeginArray();
  for (const auto& s : slots_) {
    for (size_t i = 0; i < s.group->size(); ++i) {
      const AlertingRule* a = s.group->alerting(i);
      if (!a) continue;
      for (const auto& [h, alert] : a->active())
        if (alert.state != AlertState::kInactive) WriteAlert(w, alert);
    }
  }
  w.EndArray().EndObject();
  return w.Take();
}

std::string RuleManager::RuleGroupsYaml(std::string_view ns) const {
  std::lock_guard l(mu_);
  std::string out, current;
  for (const auto& s : slots_) {
    const GroupSpec& g = s.group->spec();
    std::string name = Namespace(g.file);
    if (!ns.empty() && name != ns) continue;
    if (name != current) {
      out += YamlQuote(name) + ":\n";
      current = name;
    }
    out += "    - name: " + YamlQuote(g.name) + "\n";
    if (g.interval_ms) out += "      interval: " + PromDuration(g.interval_ms) + "\n";
    if (g.limit) out += "      limit: " + std::to_string(g.limit) + "\n";
    out += "      rules:\n";
    for (const auto& r : g.rules) {
      out += r.is_alert() ? "        - alert: " + YamlQuote(r.alert) + "\n"
                          : "        - record: " + YamlQuote(r.record) + "\n";
      out += "          expr: " + YamlQuote(r.expr) + "\n";
      if (r.for_ms) out += "          for: " + PromDuration(r.for_ms) + "\n";
      if (r.keep_firing_for_ms)
        out += "          keep_firing_for: " + PromDuration(r.keep_firing_for_ms) + "\n";
      for (const auto* list : {&r.labels, &r.annotations}) {
        if (list->empty()) continue;
        out += list == &r.labels ? "          labels:\n" : "          annotations:\n";
        for (const auto& [k, v] : *list) out += "            " + k + ": " + YamlQuote(v) + "\n";
      }
    }
  }
  return out;
}

}  // namespace otter::rules
