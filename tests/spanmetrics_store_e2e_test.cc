// Acceptance (issue 14): spans reach the spanmetrics connector and the embedded store in one
// process, and `rate(traces_span_metrics_calls_total[1m])` from the store's Prometheus API equals
// the span rate sent, per service and status. The traces "pipeline" fans out to spanmetrics and
// the store exporter as the service wires it; spanmetrics' metrics go to the same store. A fake
// clock drives the flushes so the samples sit exactly 10 s apart.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <future>
#include <map>

#include "config/loader.h"
#include "connectors/spanmetrics/spanmetrics_connector.h"
#include "pipeline/fanout.h"
#include "util/store_e2e.h"

namespace otter::testing {
namespace {

struct Load {
  std::string service;
  pdata::StatusCode status;
  std::string status_label;
  int spans_per_step;  // every 10 s
};

pdata::TraceBatch Step(const std::vector<Load>& load, uint64_t now_ns, uint8_t step) {
  pdata::TraceBatch b;
  uint32_t n = 0;
  for (const auto& l : load) {
    auto& rs = b.resources().emplace_back();
    rs.resource.attributes = {
        {"service.name", pdata::AnyValue::String(b.arenas().Copy(l.service))}};
    auto& ss = rs.scope_spans.emplace_back();
    for (int i = 0; i < l.spans_per_step; ++i, ++n) {
      auto& span = ss.spans.emplace_back();
      span.trace_id.bytes[0] = static_cast<uint8_t>(step + 1);
      span.trace_id.bytes[1] = static_cast<uint8_t>(n);
      span.span_id.bytes[0] = static_cast<uint8_t>(n + 1);
      span.name = "handle";
      span.kind = pdata::SpanKind::kServer;
      span.status.code = l.status;
      span.start_time_unix_nano = now_ns - 5'000'000;
      span.end_time_unix_nano = now_ns;
    }
  }
  return b;
}

TEST(SpanMetricsStoreE2eTest, PromqlRateOfCallsEqualsTheSpanRateSentPerServiceAndStatus) {
  TempDir dir;
  int query_port = FreePort();
  Registry registry;
  RegisterBuiltins(registry);
  ComponentContext ctx;
  ctx.logger =
      std::make_shared<spdlog::logger>("e2e", std::make_shared<spdlog::sinks::null_sink_mt>());
  telemetry::SelfMetrics self;
  ctx.metrics = &self;

  auto store = StartStore(registry, ctx, dir.path() + "/data", query_port);
  ASSERT_NE(store, nullptr);

  // Whole seconds, 10 minutes ago: inside the store's head, aligned so the samples are exact.
  const uint64_t kSec = 1'000'000'000ull;
  uint64_t now = (NowNs() / kSec - 600) / 10 * 10 * kSec;
  SpanMetricsConfig sm_cfg;  // the defaults: namespace traces.span.metrics, cumulative, ms
  ctx.id = {"spanmetrics", ""};
  SpanMetricsConnector spanmetrics(ctx, sm_cfg, store->consumers().metrics, [&] { return now; });
  pipeline::FanOut<pdata::TraceBatch> traces({&spanmetrics, store->consumers().traces});

  const std::vector<Load> load = {{"checkout", pdata::StatusCode::kOk, "STATUS_CODE_OK", 30},
                                  {"checkout", pdata::StatusCode::kError, "STATUS_CODE_ERROR", 10},
                                  {"cart", pdata::StatusCode::kUnset, "STATUS_CODE_UNSET", 5}};
  constexpr int kSteps = 8;
  for (int step = 0; step < kSteps; ++step) {
    std::promise<Status> answered;
    traces.Consume(Step(load, now, static_cast<uint8_t>(step)),
                   Completion([&](Status s) { answered.set_value(s); }));
    ASSERT_TRUE(answered.get_future().get().ok());  // the store committed the spans
    now += 10 * kSec;
    spanmetrics.Flush();  // → the store (the store answers after its commit)
  }
  // The flushes were acknowledged asynchronously; the last one is queryable once its sample is.
  const uint64_t eval_s = now / kSec;  // the last flush's timestamp

  auto query = [&](const std::string& expr) {
    std::map<std::string, double> out;  // "service|status" → value
    auto r =
        HttpRequest("GET", query_port,
                    "/api/v1/query?query=" + UrlEncode(expr) + "&time=" + std::to_string(eval_s));
    EXPECT_EQ(r.status, 200) << r.body;
    CheckJson(r, [&](element root) {
      for (element series : Array(root["data"]["result"])) {
        std::string key = Text(series["metric"]["service_name"].value()) + "|" +
                          Text(series["metric"]["status_code"].value());
        out[key] = std::stod(Text(Array(series["value"]).at(1).value()));
      }
    });
    return out;
  };
  std::map<std::string, double> totals;
  ASSERT_TRUE(Eventually([&] {
    totals = query("traces_span_metrics_calls_total");
    return totals.size() == load.size() && totals["cart|STATUS_CODE_UNSET"] == 5 * kSteps;
  })) << "store never showed the last flush";
  auto rates = query("rate(traces_span_metrics_calls_total[1m])");
  ASSERT_EQ(rates.size(), load.size());
  for (const auto& l : load) {
    std::string key = l.service + "|" + l.status_label;
    EXPECT_EQ(totals[key], l.spans_per_step * kSteps) << key;
    EXPECT_DOUBLE_EQ(rates[key], l.spans_per_step / 10.0) << key;  // spans per second sent
  }
  // The histogram is there under its Prometheus name too.
  auto count = query(
      "sum by (service_name, status_code) "
      "(traces_span_metrics_duration_milliseconds_count)");
  EXPECT_EQ(count["checkout|STATUS_CODE_ERROR"], 10 * kSteps);
  // And the spans themselves reached the store.
  EXPECT_EQ(JaegerSpanCount(query_port,
                            "0100000000000000"
                            "0000000000000000"),
            1);
  store->Shutdown();
}

}  // namespace
}  // namespace otter::testing
