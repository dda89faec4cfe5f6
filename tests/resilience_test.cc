// End-to-end resilience of the real binary: otter A (OTLP/HTTP in → memory_limiter, batch →
// otlp_http out) forwarding to otter B. While B is down A answers 503 once its queue fills,
// everything A accepted arrives at B after recovery, and at shutdown every undeliverable span
// is counted and logged — all asserted with exact counts.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <regex>

#include "util/harness.h"

namespace otter::testing {
namespace {

std::string SpansJson(int request, int spans) {
  std::string s =
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"resilience"}}]},"scopeSpans":[{"spans":[)";
  for (int i = 0; i < spans; ++i) {
    char ids[128];
    std::snprintf(ids, sizeof ids, R"("traceId":"%032x","spanId":"%016x")", request + 1,
                  request * 1000 + i + 1);
    s +=
        std::string(i ? "," : "") + "{" + ids +
        R"(,"name":"op","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000001000000"})";
  }
  return s + "]}]}]}";
}

std::string ConfigB(int http, int health, int metrics) {
  return "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:" +
         std::to_string(http) +
         "\nexporters:\n  nop: {}\nextensions:\n  health_check:\n    endpoint: 127.0.0.1:" +
         std::to_string(health) +
         "\nservice:\n  extensions: [health_check]\n  telemetry:\n    metrics:\n      address: "
         "127.0.0.1:" +
         std::to_string(metrics) +
         "\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [nop]\n";
}

std::string ConfigA(int http, int health, int metrics, int b_http) {
  return "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:" +
         std::to_string(http) +
         R"(
processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: 4000
  batch:
    timeout: 20ms
    send_batch_size: 10
exporters:
  otlp_http:
    endpoint: http://127.0.0.1:)" +
         std::to_string(b_http) + R"(
    encoding: json
    timeout: 2s
    sending_queue:
      queue_size: 4
      num_consumers: 1
    retry_on_failure:
      initial_interval: 50ms
      max_interval: 100ms
      max_elapsed_time: 0s
extensions:
  health_check:
    endpoint: 127.0.0.1:)" +
         std::to_string(health) + R"(
service:
  extensions: [health_check]
  telemetry:
    metrics:
      address: 127.0.0.1:)" +
         std::to_string(metrics) + R"(
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [otlp_http]
)";
}

double Metric(int port, const std::string& series) {
  return ScrapeValue(HttpRequest("GET", port, "/metrics").body, series);
}

TEST(ResilienceTest, OutageGives503ThenEverythingAcceptedIsDelivered) {
  TempDir dir;
  int a_http = FreePort(), a_health = FreePort(), a_metrics = FreePort();
  int b_http = FreePort(), b_health = FreePort(), b_metrics = FreePort();
  OtterProcess a(dir, "a", ConfigA(a_http, a_health, a_metrics, b_http));
  auto b = std::make_unique<OtterProcess>(dir, "b1", ConfigB(b_http, b_health, b_metrics));
  ASSERT_TRUE(b->Start(b_health)) << b->Log();
  ASSERT_TRUE(a.Start(a_health)) << a.Log();

  const int kSpans = 5;
  int request = 0, accepted = 0;
  for (; request < 10; ++request) {
    auto r =
        HttpRequest("POST", a_http, "/v1/traces", SpansJson(request, kSpans), "application/json");
    ASSERT_EQ(r.status, 200) << r.body;
    accepted += kSpans;
  }
  const std::string b_accepted =
      R"(otelcol_receiver_accepted_spans{receiver="otlp",transport="http"})";
  ASSERT_TRUE(Eventually([&] { return Metric(b_metrics, b_accepted) == accepted; })) << a.Log();
  double delivered_before = Metric(b_metrics, b_accepted);

  // Outage: B goes away. A keeps accepting until its queue and batch buffer are full, then 503.
  ASSERT_EQ(b->Stop(), 0);
  b.reset();
  int refused = 0;
  std::string retry_after;
  for (int i = 0; i < 2000 && refused == 0; ++i, ++request) {
    auto r =
        HttpRequest("POST", a_http, "/v1/traces", SpansJson(request, kSpans), "application/json");
    if (r.status == 200) {
      accepted += kSpans;
    } else {
      ASSERT_EQ(r.status, 503) << r.body;
      retry_after = r.Header("Retry-After");
      ++refused;
    }
  }
  ASSERT_EQ(refused, 1) << "A never refused while B was down";
  EXPECT_FALSE(retry_after.empty());
  // Longer than two backoff intervals (100ms max) before B returns.
  struct timespec ts {
    0, 400 * 1000 * 1000
  };
  nanosleep(&ts, nullptr);
  EXPECT_EQ(
      HttpRequest("POST", a_http, "/v1/traces", SpansJson(request++, kSpans), "application/json")
          .status,
      503);

  OtterProcess b2(dir, "b2", ConfigB(b_http, b_health, b_metrics));
  ASSERT_TRUE(b2.Start(b_health)) << b2.Log();
  ASSERT_TRUE(
      Eventually([&] { return delivered_before + Metric(b_metrics, b_accepted) == accepted; },
                 std::chrono::seconds(30)))
      << "B got " << delivered_before + Metric(b_metrics, b_accepted) << " of " << accepted << "\n"
      << a.Log();
  // A's own books balance: accepted = sent, nothing failed or queued. (A counts a send once it
  // has read B's response, which can be just after B counted the spans.)
  EXPECT_EQ(
      Metric(a_metrics, R"(otelcol_receiver_accepted_spans{receiver="otlp",transport="http"})"),
      accepted);
  EXPECT_TRUE(Eventually([&] {
    return Metric(a_metrics, R"(otelcol_exporter_sent_spans{exporter="otlp_http"})") == accepted;
  })) << Metric(a_metrics, R"(otelcol_exporter_sent_spans{exporter="otlp_http"})")
      << " of " << accepted;
  EXPECT_EQ(Metric(a_metrics, R"(otelcol_exporter_send_failed_spans{exporter="otlp_http"})"), 0);
  EXPECT_EQ(a.Stop(), 0);
  EXPECT_EQ(b2.Stop(), 0);
}

TEST(ResilienceTest, ShutdownCountsAndLogsEveryUndeliverableSpan) {
  TempDir dir;
  int a_http = FreePort(), a_health = FreePort(), a_metrics = FreePort(), b_http = FreePort();
  OtterProcess a(dir, "a", ConfigA(a_http, a_health, a_metrics, b_http));  // B never runs
  ASSERT_TRUE(a.Start(a_health)) << a.Log();
  int accepted = 0;
  for (int request = 0; request < 6; ++request) {
    auto r = HttpRequest("POST", a_http, "/v1/traces", SpansJson(request, 3), "application/json");
    if (r.status == 200) accepted += 3;
  }
  ASSERT_GT(accepted, 0);
  EXPECT_EQ(a.Stop(), 0);
  std::string log = a.Log();
  // One line states the exact number of spans that could not be delivered...
  std::smatch m;
  std::regex dropped_re("dropped ([0-9]+) spans");
  int lines = 0, total = 0;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), dropped_re);
       it != std::sregex_iterator(); ++it) {
    ++lines;
    total += std::stoi((*it)[1]);
  }
  EXPECT_EQ(total, accepted) << log;
  EXPECT_GE(lines, 1) << log;
  // ... and the final self-metrics line printed at exit has them as send_failed.
  std::regex failed_re(R"(otelcol_exporter_send_failed_spans\{exporter="otlp_http"\} ([0-9]+))");
  ASSERT_TRUE(std::regex_search(log, m, failed_re)) << log;
  EXPECT_EQ(std::stoi(m[1]), accepted) << log;
}

}  // namespace
}  // namespace otter::testing
