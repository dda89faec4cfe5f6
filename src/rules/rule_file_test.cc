#include "rules/rule_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace otter::rules {
namespace {

std::vector<std::string> Errors(const std::string& text,
                                RuleLanguage lang = RuleLanguage::kPromQL) {
  config::Diagnostics d;
  ParseRuleFile(text, "r.yml", lang, d);
  return d.errors();
}

TEST(RuleFileTest, ParsesGroupsAndRules) {
  config::Diagnostics d;
  auto groups = ParseRuleFile(R"(groups:
  - name: api
    interval: 30s
    limit: 10
    rules:
      - record: job:http_requests:rate5m
        expr: sum by (job) (rate(http_requests_total[5m]))
        labels: {team: web}
      - alert: HighErrorRate
        expr: job:errors:ratio > 0.05
        for: 5m
        keep_firing_for: 10m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.job }} errors at {{ $value | humanizePercentage }}"
)",
                              "r.yml", RuleLanguage::kPromQL, d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  ASSERT_EQ(groups.size(), 1u);
  const GroupSpec& g = groups[0];
  EXPECT_EQ(g.name, "api");
  EXPECT_EQ(g.file, "r.yml");
  EXPECT_EQ(g.interval_ms, 30000);
  EXPECT_EQ(g.limit, 10);
  ASSERT_EQ(g.rules.size(), 2u);
  EXPECT_EQ(g.rules[0].record, "job:http_requests:rate5m");
  EXPECT_EQ(g.rules[0].labels, (std::vector<std::pair<std::string, std::string>>{{"team", "web"}}));
  EXPECT_EQ(g.rules[1].alert, "HighErrorRate");
  EXPECT_EQ(g.rules[1].for_ms, 300000);
  EXPECT_EQ(g.rules[1].keep_firing_for_ms, 600000);
  EXPECT_EQ(g.rules[1].line, 9);
  EXPECT_EQ(g.rules[1].annotations[0].second,
            "{{ $labels.job }} errors at {{ $value | humanizePercentage }}");
}

TEST(RuleFileTest, ErrorsNameFileLineGroupAndRule) {
  EXPECT_EQ(Errors(R"(groups:
  - name: g
    rules:
      - alert: A
        expr: up ==
)"),
            std::vector<std::string>{
                "r.yml:5: group \"g\", rule 1: could not parse expression: 1:6: parse error: "
                "unexpected end of input"});
  EXPECT_EQ(Errors("groups:\n  - name: g\n    rules:\n      - expr: up\n"),
            std::vector<std::string>{
                "r.yml:4: group \"g\", rule 1: one of 'record' or 'alert' must be set"});
  EXPECT_EQ(Errors("groups:\n  - name: g\n    rules:\n      - record: a\n        alert: b\n"
                   "        expr: up\n"),
            std::vector<std::string>{
                "r.yml:4: group \"g\", rule 1: only one of 'record' and 'alert' must be set"});
  EXPECT_EQ(
      Errors("groups:\n  - name: g\n    rules:\n      - alert: a\n"),
      std::vector<std::string>{"r.yml:4: group \"g\", rule 1: field 'expr' must be set in rule"});
  EXPECT_EQ(Errors("groups:\n  - name: g\n    rules:\n      - record: 'bad name'\n"
                   "        expr: up\n        for: 5m\n"),
            (std::vector<std::string>{
                "r.yml:6: group \"g\", rule 1: invalid field 'for' in recording rule",
                "r.yml:4: group \"g\", rule 1: invalid recording rule name: bad name"}));
  EXPECT_EQ(Errors("groups:\n  - name: g\n  - name: g\n"),
            std::vector<std::string>{"r.yml:3: groupname: \"g\" is repeated in the same file"});
  EXPECT_EQ(Errors("groups:\n  - rules: []\n"),
            std::vector<std::string>{"r.yml:2: Groupname must not be empty"});
  EXPECT_EQ(Errors("groups:\n  - name: g\n    rules:\n      - alert: a\n        expr: up\n"
                   "        fro: 5m\n"),
            std::vector<std::string>{"r.yml:6: group \"g\", rule 1: field fro not found in rule "
                                     "(did you mean \"for\"?)"});
  EXPECT_EQ(Errors("groups:\n  - name: g\n    interval: 5 minutes\n"),
            std::vector<std::string>{
                "r.yml:3: group \"g\": interval: not a valid duration string: \"5 minutes\""});
  EXPECT_EQ(Errors("groups:\n  - name: g\n    rules:\n      - alert: a\n        expr: up\n"
                   "        labels:\n          0bad: x\n"),
            std::vector<std::string>{"r.yml:7: group \"g\", rule 1: invalid label name: 0bad"});
}

TEST(RuleFileTest, TemplateErrorsAreReported) {
  EXPECT_EQ(Errors("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n"
                   "        annotations:\n          summary: '{{ nosuch $value }}'\n"),
            std::vector<std::string>{"r.yml:7: group \"g\", rule 1: template: __alert_A:1: "
                                     "function \"nosuch\" not defined"});
  EXPECT_EQ(Errors("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n"
                   "        annotations:\n          summary: '{{ $nope }}'\n"),
            std::vector<std::string>{"r.yml:7: group \"g\", rule 1: template: __alert_A:1: "
                                     "undefined variable \"$nope\""});
}

TEST(RuleFileTest, LogQLRulesNeedMetricQueries) {
  EXPECT_TRUE(Errors("groups:\n  - name: g\n    rules:\n      - alert: A\n"
                     "        expr: sum(count_over_time({app=\"x\"} |= \"error\" [5m])) > 1\n",
                     RuleLanguage::kLogQL)
                  .empty());
  EXPECT_EQ(Errors("groups:\n  - name: g\n    rules:\n      - alert: A\n"
                   "        expr: '{app=\"x\"}'\n",
                   RuleLanguage::kLogQL),
            std::vector<std::string>{"r.yml:5: group \"g\", rule 1: a LogQL rule needs a metric "
                                     "query (e.g. count_over_time(...[5m])), not a log query"});
}

TEST(RuleFileTest, LoadsGlobsRelativeToBaseDir) {
  auto dir = std::filesystem::temp_directory_path() / ("otter_rules_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "rules");
  std::ofstream(dir / "rules" / "a.yml") << "groups:\n  - name: a\n";
  std::ofstream(dir / "rules" / "b.yml") << "groups:\n  - name: b\n    rules:\n      - alert: X\n";
  std::ofstream(dir / "rules" / "c.txt") << "not yaml: [";
  config::Diagnostics d;
  auto groups = LoadRuleFiles({"rules/*.yml"}, dir.string(), RuleLanguage::kPromQL, d);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].name, "a");
  EXPECT_EQ(d.errors(), std::vector<std::string>{(dir / "rules" / "b.yml").string() +
                                                 ":4: group \"b\", rule 1: field 'expr' must be "
                                                 "set in rule"});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace otter::rules

namespace otter::rules {
namespace {

TEST(RuleFileTest, ShippedExamplesAreValid) {
  config::Diagnostics d;
  auto prom =
      LoadRuleFiles({"examples/rules/seed.yml"}, OTTER_SOURCE_DIR, RuleLanguage::kPromQL, d);
  auto loki = LoadRuleFiles({"examples/rules/logs.yml"}, OTTER_SOURCE_DIR, RuleLanguage::kLogQL, d);
  EXPECT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(prom.size(), 4u);
  EXPECT_EQ(loki.size(), 1u);
}

}  // namespace
}  // namespace otter::rules
