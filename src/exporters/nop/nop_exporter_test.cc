#include "exporters/nop/nop_exporter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "config/loader.h"

namespace otter {
namespace {

template <class B>
B WithItems(size_t n);
template <>
pdata::TraceBatch WithItems(size_t n) {
  pdata::TraceBatch b;
  b.resources().emplace_back().scope_spans.emplace_back().spans.resize(n);
  return b;
}
template <>
pdata::MetricBatch WithItems(size_t n) {
  pdata::MetricBatch b;
  auto& m = b.resources().emplace_back().scope_metrics.emplace_back().metrics.emplace_back();
  m.type = pdata::MetricType::kGauge;
  m.number_points.resize(n);
  return b;
}
template <>
pdata::LogBatch WithItems(size_t n) {
  pdata::LogBatch b;
  b.resources().emplace_back().scope_logs.emplace_back().log_records.resize(n);
  return b;
}

TEST(NopExporterTest, AcceptsEverythingAndCountsExactly) {
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kExporter, "nop");
  ASSERT_NE(f, nullptr);
  config::Diagnostics d;
  auto cfg = f->parse_config(*config::ParseYaml("{}", "t.yaml"), d);
  ASSERT_TRUE(d.ok());
  telemetry::SelfMetrics metrics;
  ComponentContext ctx;
  ctx.id = ComponentId{"nop", "load"};
  ctx.metrics = &metrics;
  auto exp = f->create_exporter(ctx, *cfg);
  ASSERT_TRUE(exp.ok());
  Consumers c = (*exp)->consumers();

  std::atomic<int> oks{0};
  auto count_ok = [&] { return Completion([&](Status s) { oks += s.ok(); }); };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) {
        c.traces->Consume(WithItems<pdata::TraceBatch>(3), count_ok());
        c.metrics->Consume(WithItems<pdata::MetricBatch>(2), count_ok());
        c.logs->Consume(WithItems<pdata::LogBatch>(5), count_ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(oks, 3000);
  const telemetry::Labels labels = {{"exporter", "nop/load"}};
  EXPECT_EQ(metrics.Value("otelcol_exporter_sent_spans", labels), 3000);
  EXPECT_EQ(metrics.Value("otelcol_exporter_sent_metric_points", labels), 2000);
  EXPECT_EQ(metrics.Value("otelcol_exporter_sent_log_records", labels), 5000);
}

TEST(NopExporterTest, HasNoSettings) {
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kExporter, "nop");
  config::Diagnostics d;
  f->parse_config(*config::ParseYaml("verbosity: basic\n", "t.yaml"), d);
  ASSERT_EQ(d.errors().size(), 1u);
  EXPECT_NE(d.errors()[0].find("unknown key \"verbosity\""), std::string::npos) << d.errors()[0];
}

}  // namespace
}  // namespace otter
