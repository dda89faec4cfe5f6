#include "rules/rule_file.h"

#include <fmt/format.h>
#include <glob.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "config/loader.h"
#include "query/go_parse.h"
#include "query/logql/parser.h"
#include "query/promql/go_compat.h"
#include "query/promql/lexer.h"
#include "query/promql/parser.h"
#include "rules/alert_template.h"

namespace otter::rules {
namespace {

using config::Node;

// [a-zA-Z_][a-zA-Z0-9_]*: a metric name without colons.
bool IsLegacyLabelName(std::string_view s) {
  return IsValidMetricName(s) && s.find(':') == std::string_view::npos;
}

// An error at `at`, prefixed with the group and rule it belongs to, as Prometheus words them.
struct Where {
  config::Diagnostics& d;
  std::string prefix;
  void Error(const Node& at, const std::string& msg) const { d.Error(at, prefix + msg); }
};

// Checks that `n` is a map whose keys are all in `allowed`.
bool CheckKeys(const Node& n, std::initializer_list<std::string_view> allowed, const Where& w,
               std::string_view what) {
  if (!n.IsMap()) {
    w.Error(n, fmt::format("expected a map ({})", what));
    return false;
  }
  std::vector<std::string> names(allowed.begin(), allowed.end());
  for (const auto& [key, value] : n.map) {
    if (std::find(names.begin(), names.end(), key) != names.end()) continue;
    std::string near = config::NearestName(key, names);
    w.Error(value, fmt::format("field {} not found in {}{}", key, what,
                               near.empty() ? "" : " (did you mean \"" + near + "\"?)"));
  }
  return true;
}

bool ScalarOf(const Node* n, std::string* out, const Where& w, std::string_view key) {
  if (!n) return true;
  if (n->kind == Node::Kind::kNull) return true;
  if (n->kind != Node::Kind::kScalar) {
    w.Error(*n, fmt::format("{}: expected a string", key));
    return false;
  }
  *out = n->scalar;
  return true;
}

bool DurationOf(const Node* n, int64_t* ms, const Where& w, std::string_view key) {
  std::string s;
  if (!n || !ScalarOf(n, &s, w, key) || s.empty()) return true;
  auto d = query::promql::ParseDurationMillis(s);
  if (!d.ok()) {
    w.Error(*n, fmt::format("{}: not a valid duration string: {}", key, query::GoQuote(s)));
    return false;
  }
  if (*d < 0) {
    w.Error(*n, fmt::format("{}: must not be negative", key));
    return false;
  }
  *ms = *d;
  return true;
}

void StringMapOf(const Node* n, std::vector<std::pair<std::string, std::string>>* out,
                 const Where& w, std::string_view key) {
  if (!n || n->kind == Node::Kind::kNull) return;
  if (!n->IsMap()) return w.Error(*n, fmt::format("{}: expected a map of strings", key));
  for (const auto& [k, v] : n->map) {
    if (v.kind == Node::Kind::kSeq || v.kind == Node::Kind::kMap) {
      w.Error(v, fmt::format("{}: the value of {} must be a string", key, k));
      continue;
    }
    out->emplace_back(k, v.scalar);
  }
}

void CheckExpr(const RuleSpec& r, RuleLanguage language, const Node& at, const Where& w) {
  if (language == RuleLanguage::kPromQL) {
    auto e = query::promql::ParseExpr(r.expr);
    if (!e.ok()) w.Error(at, "could not parse expression: " + std::string(e.status().message()));
    return;
  }
  auto e = query::logql::ParseQuery(r.expr);
  if (!e.ok()) {
    w.Error(at, "could not parse expression: " + std::string(e.status().message()));
  } else if ((*e)->kind == query::logql::Expr::Kind::kLogSelector) {
    w.Error(at,
            "a LogQL rule needs a metric query (e.g. count_over_time(...[5m])), not a log "
            "query");
  }
}

void ParseRule(const Node& n, RuleLanguage language, GroupSpec& g, const Where& w) {
  if (!CheckKeys(n, {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"},
                 w, "rule"))
    return;
  RuleSpec r;
  r.line = n.line;
  ScalarOf(n.Find("record"), &r.record, w, "record");
  ScalarOf(n.Find("alert"), &r.alert, w, "alert");
  ScalarOf(n.Find("expr"), &r.expr, w, "expr");
  DurationOf(n.Find("for"), &r.for_ms, w, "for");
  DurationOf(n.Find("keep_firing_for"), &r.keep_firing_for_ms, w, "keep_firing_for");
  StringMapOf(n.Find("labels"), &r.labels, w, "labels");
  StringMapOf(n.Find("annotations"), &r.annotations, w, "annotations");
  const Node* at_expr = n.Find("expr");
  if (!r.record.empty() && !r.alert.empty()) {
    w.Error(n, "only one of 'record' and 'alert' must be set");
  } else if (r.record.empty() && r.alert.empty()) {
    w.Error(n, "one of 'record' or 'alert' must be set");
  }
  if (r.expr.empty()) {
    w.Error(n, "field 'expr' must be set in rule");
  } else {
    CheckExpr(r, language, *at_expr, w);
  }
  if (!r.record.empty()) {
    if (n.Find("annotations"))
      w.Error(*n.Find("annotations"), "invalid field 'annotations' in recording rule");
    if (n.Find("for")) w.Error(*n.Find("for"), "invalid field 'for' in recording rule");
    if (n.Find("keep_firing_for"))
      w.Error(*n.Find("keep_firing_for"), "invalid field 'keep_firing_for' in recording rule");
    if (!IsValidMetricName(r.record))
      w.Error(*n.Find("record"), "invalid recording rule name: " + r.record);
  }
  for (const auto& [k, v] : r.labels) {
    if (!IsLegacyLabelName(k) || k == "__name__")
      w.Error(*n.Find("labels")->Find(k), "invalid label name: " + k);
  }
  for (const auto& [k, v] : r.annotations) {
    if (!IsLegacyLabelName(k))
      w.Error(*n.Find("annotations")->Find(k), "invalid annotation name: " + k);
  }
  // Templates parse as Prometheus parses them (alerting rules only expand them).
  if (r.is_alert()) {
    const std::string tname = "__alert_" + r.alert;
    for (const auto* list : {&r.labels, &r.annotations}) {
      const Node* parent = n.Find(list == &r.labels ? "labels" : "annotations");
      for (const auto& [k, v] : *list) {
        auto t = ParseAlertTemplate(v, tname);
        if (!t.ok()) w.Error(*parent->Find(k), std::string(t.status().message()));
      }
    }
  }
  g.rules.push_back(std::move(r));
}

}  // namespace

bool IsValidMetricName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::vector<GroupSpec> ParseRuleFile(const std::string& text, const std::string& path,
                                     RuleLanguage language, config::Diagnostics& d) {
  std::vector<GroupSpec> out;
  auto root = config::ParseYaml(text, path);
  if (!root.ok()) {
    d.Error(path, std::string(root.status().message()));
    return out;
  }
  if (root->IsNull()) return out;  // an empty file has no groups
  Where top{d, ""};
  if (!CheckKeys(*root, {"groups"}, top, "the rule file (it holds `groups:`)")) return out;
  const Node* groups = root->Find("groups");
  if (!groups || groups->IsNull()) return out;
  if (groups->kind != Node::Kind::kSeq) {
    d.Error(*groups, "groups: expected a list of rule groups");
    return out;
  }
  std::set<std::string> seen;
  for (const Node& gn : groups->seq) {
    GroupSpec g;
    g.file = path;
    g.line = gn.line;
    g.language = language;
    Where gw{d, ""};
    if (!CheckKeys(gn, {"name", "interval", "query_offset", "limit", "rules"}, gw, "rule group"))
      continue;
    ScalarOf(gn.Find("name"), &g.name, gw, "name");
    if (g.name.empty()) {
      d.Error(gn, "Groupname must not be empty");
      continue;
    }
    if (!seen.insert(g.name).second) {
      d.Error(*gn.Find("name"),
              fmt::format("groupname: \"{}\" is repeated in the same file", g.name));
      continue;
    }
    gw.prefix = fmt::format("group \"{}\": ", g.name);
    if (DurationOf(gn.Find("interval"), &g.interval_ms, gw, "interval")) {
      if (const Node* iv = gn.Find("interval"); iv && g.interval_ms == 0 && !iv->scalar.empty())
        gw.Error(*iv, "interval: must be positive");
    }
    DurationOf(gn.Find("query_offset"), &g.query_offset_ms, gw, "query_offset");
    if (const Node* lim = gn.Find("limit")) {
      char* end = nullptr;
      g.limit = std::strtoll(lim->scalar.c_str(), &end, 10);
      if (lim->kind != Node::Kind::kScalar || end == lim->scalar.c_str() || *end || g.limit < 0)
        gw.Error(*lim, "limit: expected a non-negative integer");
    }
    const Node* rules = gn.Find("rules");
    if (rules && !rules->IsNull()) {
      if (rules->kind != Node::Kind::kSeq) {
        gw.Error(*rules, "rules: expected a list of rules");
      } else {
        for (size_t i = 0; i < rules->seq.size(); ++i) {
          Where rw{d, fmt::format("group \"{}\", rule {}: ", g.name, i + 1)};
          ParseRule(rules->seq[i], language, g, rw);
        }
      }
    }
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<GroupSpec> LoadRuleFiles(const std::vector<std::string>& patterns,
                                     const std::string& base_dir, RuleLanguage language,
                                     config::Diagnostics& d) {
  std::vector<GroupSpec> out;
  std::set<std::string> files;
  for (const auto& p : patterns) {
    std::string pattern = p;
    if (!pattern.empty() && pattern[0] != '/' && !base_dir.empty())
      pattern = base_dir + "/" + pattern;
    glob_t g{};
    int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) files.insert(g.gl_pathv[i]);
    } else if (rc != GLOB_NOMATCH) {
      d.Error(pattern, "cannot expand the rule file pattern");
    }
    globfree(&g);
  }
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      d.Error(f, "cannot read the rule file");
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto groups = ParseRuleFile(ss.str(), f, language, d);
    for (auto& g : groups) out.push_back(std::move(g));
  }
  return out;
}

}  // namespace otter::rules
