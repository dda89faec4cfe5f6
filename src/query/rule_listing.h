// RuleListing: what the query APIs serve about alerting and recording rules — Prometheus's
// /api/v1/rules and /api/v1/alerts (and the same on Loki's /prometheus/api/v1/... ruler paths),
// and Loki's /loki/api/v1/rules YAML — implemented by the rule manager (src/rules), so the query
// layer does not depend on it. Implementations are thread-safe.
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace otter::query {

struct RuleFilter {
  std::string type;  // "", "alert", "record"
  std::set<std::string> rule_names, groups, files;
  bool exclude_alerts = false;
};

class RuleListing {
 public:
  virtual ~RuleListing() = default;
  // The "data" of /api/v1/rules: {"groups":[...]} in Prometheus's shapes.
  virtual std::string RulesJson(const RuleFilter& filter) const = 0;
  // The "data" of /api/v1/alerts: {"alerts":[...]} (pending and firing).
  virtual std::string AlertsJson() const = 0;
  // Loki's ruler listing as YAML: namespace (the rule file's name) → its groups, all or
  // those of `ns`. "" when there is none.
  virtual std::string RuleGroupsYaml(std::string_view ns) const = 0;
};

}  // namespace otter::query
