// Rule files: Prometheus's rule-file format (groups of recording and alerting rules, PromQL) and
// Loki's ruler format (the same shape, LogQL expressions), read from YAML into typed, validated
// specs. Every error names the file and line ("rules.yml:12: group \"api\", rule 2: field 'expr'
// must be set in rule"), so `otter validate` and a SIGHUP reload report them like config errors.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/node.h"
#include "store/labels.h"

namespace otter::rules {

enum class RuleLanguage { kPromQL, kLogQL };

struct RuleSpec {
  std::string alert;   // set for an alerting rule
  std::string record;  // set for a recording rule
  std::string expr;
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  std::vector<std::pair<std::string, std::string>> labels;       // file order; templates
  std::vector<std::pair<std::string, std::string>> annotations;  // file order; templates
  int line = 0;
  bool is_alert() const { return !alert.empty(); }
  std::string name() const { return is_alert() ? alert : record; }
  friend bool operator==(const RuleSpec& a, const RuleSpec& b) {
    return a.alert == b.alert && a.record == b.record && a.expr == b.expr && a.for_ms == b.for_ms &&
           a.keep_firing_for_ms == b.keep_firing_for_ms && a.labels == b.labels &&
           a.annotations == b.annotations;
  }
};

struct GroupSpec {
  std::string name;
  std::string file;  // the rule file it came from (Prometheus's group "file"; Loki's namespace)
  int line = 0;
  RuleLanguage language = RuleLanguage::kPromQL;
  int64_t interval_ms = 0;      // 0 = the configured evaluation_interval
  int64_t query_offset_ms = 0;  // evaluate as of this long ago (late-arriving data)
  int64_t limit = 0;            // alerts (or recorded series) per rule; 0 = no limit
  std::vector<RuleSpec> rules;
};

// Parses one rule file's text; `path` names it in errors. Errors go to `d`; the groups that
// parsed are returned.
std::vector<GroupSpec> ParseRuleFile(const std::string& text, const std::string& path,
                                     RuleLanguage language, config::Diagnostics& d);

// Reads every file matching `patterns` (shell globs; relative ones against `base_dir`, the
// directory of the config that names them, as Prometheus resolves rule_files). A pattern that
// matches nothing is not an error (Prometheus's rule_files neither); an unreadable file is.
// Group names must be unique per file.
std::vector<GroupSpec> LoadRuleFiles(const std::vector<std::string>& patterns,
                                     const std::string& base_dir, RuleLanguage language,
                                     config::Diagnostics& d);

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsValidMetricName(std::string_view s);

}  // namespace otter::rules
