#include "telemetry/self_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace otter::telemetry {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(SelfMetricsTest, ParsesOtelcolLevelNames) {
  EXPECT_EQ(ParseMetricsLevel("none"), MetricsLevel::kNone);
  EXPECT_EQ(ParseMetricsLevel("basic"), MetricsLevel::kBasic);
  EXPECT_EQ(ParseMetricsLevel("normal"), MetricsLevel::kNormal);
  EXPECT_EQ(ParseMetricsLevel("detailed"), MetricsLevel::kDetailed);
  EXPECT_EQ(ParseMetricsLevel("Detailed"), std::nullopt);
  EXPECT_EQ(ParseMetricsLevel("verbose"), std::nullopt);
}

// Each level exposes its own families and every lower level's; counting goes on regardless.
TEST(SelfMetricsTest, LevelChoosesWhichFamiliesAreRendered) {
  SelfMetrics m;
  m.GetCounter("otelcol_receiver_accepted_spans", "h", {{"receiver", "otlp"}}).Add(5);
  m.GetCounter("otelcol_exporter_send_failed_spans", "h", {}).Add(1);
  m.GetCounter("otter_store_written_items_total", "h", {{"signal", "traces"}}).Add(5);
  m.GetCounter("otter_store_refused_items_total", "h", {{"signal", "logs"}}).Add(4);
  m.GetCounter("otter_store_dropped_items_total", "h", {{"signal", "metrics"}}).Add(3);
  m.GetCounter("otelcol_processor_batch_timeout_trigger_send", "h", {}).Add(2);
  m.AddCallbackGauge("otelcol_process_uptime", "h", {}, [] { return 3.0; });
  m.GetHistogram("otter_receiver_request_duration_seconds", "h", {}, {0.1}).Observe(0.05);

  std::string normal = m.RenderPrometheus();  // the default
  EXPECT_THAT(normal, HasSubstr("otelcol_receiver_accepted_spans{receiver=\"otlp\"} 5"));
  EXPECT_THAT(normal, HasSubstr("otelcol_processor_batch_timeout_trigger_send 2"));
  EXPECT_THAT(normal, HasSubstr("otelcol_process_uptime 3"));
  EXPECT_THAT(normal, Not(HasSubstr("otter_receiver_request_duration_seconds")));

  m.SetLevel(MetricsLevel::kBasic);
  std::string basic = m.RenderPrometheus();
  EXPECT_THAT(basic, HasSubstr("otelcol_receiver_accepted_spans{receiver=\"otlp\"} 5"));
  EXPECT_THAT(basic, HasSubstr("otelcol_exporter_send_failed_spans 1"));
  EXPECT_THAT(basic, HasSubstr("otter_store_written_items_total{signal=\"traces\"} 5"));
  // The store's three accounting counters: received = written + refused + dropped.
  EXPECT_THAT(basic, HasSubstr("otter_store_refused_items_total{signal=\"logs\"} 4"));
  EXPECT_THAT(basic, HasSubstr("otter_store_dropped_items_total{signal=\"metrics\"} 3"));
  EXPECT_THAT(basic, Not(HasSubstr("otelcol_processor_batch_timeout_trigger_send")));
  EXPECT_THAT(basic, Not(HasSubstr("otelcol_process_uptime")));

  m.SetLevel(MetricsLevel::kDetailed);
  std::string detailed = m.RenderPrometheus();
  EXPECT_THAT(detailed, HasSubstr("otelcol_process_uptime 3"));
  EXPECT_THAT(detailed, HasSubstr("otter_receiver_request_duration_seconds_count 1"));

  m.SetLevel(MetricsLevel::kNone);
  EXPECT_EQ(m.RenderPrometheus(), "");
}

}  // namespace
}  // namespace otter::telemetry
