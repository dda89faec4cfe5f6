#include "processors/filter/config.h"

#include <algorithm>
#include <utility>

#include "ottl/ottl_config.h"
#include "ottl/runner.h"

namespace otter {
namespace {

using config::Node;
using Levels = std::vector<std::pair<std::string, ottl::ContextKind>>;

// `traces: {span: [...], spanevent: [...]}` and the like.
void ParseSection(const Node& n, const std::string& key, const Levels& levels,
                  FilterConditions& out, config::Diagnostics& d) {
  if (!n.IsMap()) {
    d.Error(n, key + ": expected a map of OTTL condition lists");
    return;
  }
  std::vector<std::string> names;
  for (const auto& [name, _] : levels) names.push_back(name);
  for (const auto& [k, v] : n.map) {
    const Node& at = v.line ? v : n;
    const std::string& name = k;  // clang 14 cannot capture a structured binding
    auto it =
        std::find_if(levels.begin(), levels.end(), [&](const auto& l) { return l.first == name; });
    if (it != levels.end()) {
      ottl::ParseConditionList(v, key + "." + k, it->second, out.at(it->second), d);
      continue;
    }
    if (k == "include" || k == "exclude" || k == "span" || k == "metric_names") {
      d.Error(at, key + "." + k +
                      ": the legacy include/exclude matching is not supported by otter; use "
                      "OTTL conditions");
      continue;
    }
    std::string valid;
    for (const auto& s : names) valid += (valid.empty() ? "" : ", ") + s;
    std::string near = config::NearestName(k, names);
    d.Error(at, key + ": unknown key \"" + k + "\"" +
                    (near.empty() ? "" : "; did you mean \"" + near + "\"?") +
                    " (valid keys: " + valid + ")");
  }
}

// `trace_conditions: [...]`: each condition's context is inferred from its path prefixes.
void ParseInferred(const Node& n, const std::string& key, std::string_view signal,
                   FilterConditions& out, config::Diagnostics& d) {
  const auto& allowed = ottl::ContextsOf(signal);
  size_t i = 0;
  for (const Node* e : ottl::StringEntries(n, key, d)) {
    while (&n.seq[i] != e) ++i;
    std::string path = key + "[" + std::to_string(i) + "]";
    auto k = ottl::InferContext(e->scalar, false, allowed);
    StatusOr<ottl::Condition> c =
        k.ok() ? ottl::Condition::Parse(e->scalar, *k) : StatusOr<ottl::Condition>(k.status());
    if (!c.ok()) {
      d.Error(e->line ? *e : n,
              path + ": condition \"" + e->scalar + "\": " + std::string(c.status().message()));
      continue;
    }
    out.at(*k).push_back(std::move(*c));
  }
}

template <FilterConditions FilterConfig::*Member>
config::Table<FilterConfig>::ParseFn Section(std::string key, Levels levels) {
  return [key, levels](const Node& n, FilterConfig& c, config::Diagnostics& d) {
    ParseSection(n, key, levels, c.*Member, d);
  };
}

template <FilterConditions FilterConfig::*Member>
config::Table<FilterConfig>::ParseFn Inferred(std::string key, std::string signal) {
  return [key, signal](const Node& n, FilterConfig& c, config::Diagnostics& d) {
    ParseInferred(n, key, signal, c.*Member, d);
  };
}

}  // namespace

const config::Table<FilterConfig>& FilterConfigTable() {
  using C = FilterConfig;
  using K = ottl::ContextKind;
  static const config::Table<C> table =
      config::Table<C>()
          .Custom("error_mode", "string", "propagate",
                  "what a failing condition does: propagate (the batch is refused), ignore (log; "
                  "the condition counts as false) or silent (false, without logging)",
                  [](const Node& n, C& c, config::Diagnostics& d) {
                    ottl::ParseErrorModeNode(n, c.error_mode, d);
                  })
          .Custom("traces", "map", "{}",
                  "span: conditions that drop a span (with its events); spanevent: conditions "
                  "that drop a span event",
                  Section<&C::traces>("traces", {{"span", K::kSpan}, {"spanevent", K::kSpanEvent}}))
          .Custom("metrics", "map", "{}",
                  "metric: conditions that drop a whole metric; datapoint: conditions that drop "
                  "a data point (a metric left without points is dropped)",
                  Section<&C::metrics>("metrics",
                                       {{"metric", K::kMetric}, {"datapoint", K::kDataPoint}}))
          .Custom("logs", "map", "{}", "log_record: conditions that drop a log record",
                  Section<&C::logs>("logs", {{"log_record", K::kLog}}))
          .Custom("trace_conditions", "list", "[]",
                  "conditions whose context (resource, scope, span, spanevent) is inferred from "
                  "their path prefixes",
                  Inferred<&C::traces>("trace_conditions", "traces"))
          .Custom("metric_conditions", "list", "[]",
                  "conditions with inferred context (resource, scope, metric, datapoint)",
                  Inferred<&C::metrics>("metric_conditions", "metrics"))
          .Custom("log_conditions", "list", "[]",
                  "conditions with inferred context (resource, scope, log)",
                  Inferred<&C::logs>("log_conditions", "logs"))
          .NotSupportedYet("spans", "legacy include/exclude span matching")
          .Check([](const Node& section, const C&, config::Diagnostics& d) {
            for (auto [a, b] : {std::pair{"traces", "trace_conditions"},
                                {"metrics", "metric_conditions"},
                                {"logs", "log_conditions"}}) {
              if (section.Find(a) && section.Find(b)) {
                d.Error(*section.Find(b), std::string(b) + ": cannot be used together with \"" + a +
                                              "\"; use one form per signal");
              }
            }
          });
  return table;
}

}  // namespace otter
