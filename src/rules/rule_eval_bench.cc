// Rule evaluation cost: expanding an alert annotation template, and one evaluation of a rule
// group (a recording rule and an alerting rule over N series, every series firing) against an
// in-memory querier, so the figure is the rules' own work plus the PromQL engine's.
#include <benchmark/benchmark.h>

#include <string>

#include "rules/alert_template.h"
#include "rules/rule_group.h"
#include "rules/rules_testing.h"

namespace otter::rules {
namespace {

void BM_AlertTemplateExpand(benchmark::State& state) {
  auto t = ParseAlertTemplate(
      "{{ $labels.job }} on {{ $labels.instance | stripPort }}: {{ $value | humanizePercentage }} "
      "of requests fail",
      "__alert_bench");
  store::Labels labels{{"instance", "web-1:8080"}, {"job", "api"}};
  AlertTemplateData data{&labels, nullptr, 0.1234, ""};
  for (auto _ : state) benchmark::DoNotOptimize(ExpandAlertTemplate(*t, data));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AlertTemplateExpand);

void BM_RuleGroupEval(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  testing::MemoryMetrics metrics;
  constexpr int64_t kT0 = 1796083200000, kMin = 60000;
  for (int s = 0; s < series; ++s) {
    store::Labels l{
        {"__name__", "requests_total"}, {"instance", "i" + std::to_string(s)}, {"job", "api"}};
    for (int i = 0; i <= 10; ++i) metrics.Append(l, kT0 + i * kMin, i * 600.0);
  }
  RuleEnv env;
  env.metrics = &metrics;
  env.write = [](std::vector<store::SeriesData>&&) { return Status::Ok(); };
  config::Diagnostics d;
  auto groups = ParseRuleFile(R"(groups:
  - name: bench
    rules:
      - record: instance:requests:rate5m
        expr: rate(requests_total[5m])
      - alert: Busy
        expr: rate(requests_total[5m]) > 1
        annotations:
          summary: '{{ $labels.instance }} serves {{ $value | humanize }} req/s'
)",
                              "bench.yml", RuleLanguage::kPromQL, d);
  RuleGroup group(std::move(groups[0]), env);
  const int64_t t = kT0 + 10 * kMin;  // the same time: every alert stays firing
  for (auto _ : state) benchmark::DoNotOptimize(group.Eval(t));
  state.SetItemsProcessed(state.iterations() * series);
}
BENCHMARK(BM_RuleGroupEval)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace otter::rules
