// The downstream down at steady load, with the persistent sending queue: a paced client sends
// requests of 10 spans (100 requests/s) to otter, whose otlp_http exporter keeps its queue in
// file_storage (fsync: true) while the downstream answers 503 for PQUEUE_OUTAGE_SECONDS (ctest:
// 6 s; `make pqueue-outage`: 600). The queue holds 3/4 of what arrives in the outage, so:
// nothing is refused until it is full, then every request is refused retryably (503) and
// counted; when the downstream returns the queue drains, and the counts add up exactly:
// delivered = acknowledged, sent = acknowledged, enqueue_failed = refused.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "util/harness.h"
#include "util/pqueue_e2e.h"

namespace otter::testing {
namespace {

constexpr size_t kSpans = 10;
constexpr int kRate = 100;  // requests per second
constexpr int kConsumers = 4;

int SecondsFromEnv() {
  const char* v = std::getenv("PQUEUE_OUTAGE_SECONDS");
  return v && *v ? std::atoi(v) : 6;
}

double Self(int port, const std::string& name) {
  auto r = HttpRequest("GET", port, "/metrics");
  return ScrapeValue(r.body, name + "{exporter=\"otlp_http\"}");
}

double Receiver(int port, const std::string& name) {
  auto r = HttpRequest("GET", port, "/metrics");
  return ScrapeValue(r.body, name + "{receiver=\"otlp\",transport=\"http\"}");
}

TEST(PqueueOutageTest, NoLossUntilFullThenCountedRefusalsThenExactDrain) {
  TempDir dir;
  OtlpSink sink;
  sink.SetUp(false);
  const int seconds = SecondsFromEnv();
  const int queue_size = kRate * seconds * 3 / 4;
  PqueuePorts p;
  OtterProcess otter(dir, "otter",
                     PqueueConfig(p, sink.port(), dir.path() + "/storage", /*fsync=*/true,
                                  queue_size, kConsumers));
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();

  uint64_t acked = 0, refused = 0, acked_before_refusal = 0, other = 0;
  uint64_t next = 1;
  const auto start = std::chrono::steady_clock::now();
  const auto period = std::chrono::microseconds(1'000'000 / kRate);
  for (int i = 0; i < kRate * seconds; ++i) {
    std::this_thread::sleep_until(start + i * period);
    auto r = HttpRequest("POST", p.otlp, "/v1/traces", SpanRequest(next, kSpans),
                         "application/x-protobuf");
    next += kSpans;
    if (r.status == 200) {
      ++acked;
      if (refused == 0) ++acked_before_refusal;
    } else if (r.status == 503) {
      ++refused;
    } else {
      ++other;
    }
  }
  EXPECT_EQ(sink.spans(), 0u);
  EXPECT_EQ(other, 0u);
  // Nothing refused until the queue was full: queue_size stored, plus one request held by each
  // consumer's retry loop (taken off the queue).
  EXPECT_GE(acked_before_refusal, static_cast<uint64_t>(queue_size));
  EXPECT_LE(acked_before_refusal, static_cast<uint64_t>(queue_size + kConsumers));
  EXPECT_GT(refused, 0u);
  EXPECT_EQ(acked + refused, static_cast<uint64_t>(kRate * seconds));
  EXPECT_EQ(Self(p.metrics, "otelcol_exporter_enqueue_failed_spans"),
            static_cast<double>(refused * kSpans));

  sink.SetUp(true);
  ASSERT_TRUE(Eventually([&] { return sink.spans() >= acked * kSpans; },
                         std::chrono::seconds(30 + seconds / 2)))
      << sink.spans() << " of " << acked * kSpans;
  EXPECT_TRUE(
      Eventually([&] { return Self(p.metrics, "otelcol_exporter_sent_spans") == acked * kSpans; }));
  EXPECT_EQ(sink.spans(), acked * kSpans);  // no duplicates without a crash
  EXPECT_EQ(sink.unique(), acked * kSpans);
  EXPECT_EQ(Self(p.metrics, "otelcol_exporter_send_failed_spans"), 0);
  EXPECT_EQ(Self(p.metrics, "otelcol_exporter_enqueue_failed_spans"),
            static_cast<double>(refused * kSpans));
  // The receiver saw the same: every span offered was accepted or refused, once.
  EXPECT_EQ(Receiver(p.metrics, "otelcol_receiver_accepted_spans"),
            static_cast<double>(acked * kSpans));
  EXPECT_EQ(Receiver(p.metrics, "otelcol_receiver_refused_spans"),
            static_cast<double>(refused * kSpans));
  EXPECT_EQ(otter.Stop(), 0) << otter.Log();
  std::printf(
      "[pqueue-outage] %d s down, queue_size %d: %llu requests acknowledged (%llu before "
      "the first refusal), %llu refused; downstream got %llu spans\n",
      seconds, queue_size, static_cast<unsigned long long>(acked),
      static_cast<unsigned long long>(acked_before_refusal),
      static_cast<unsigned long long>(refused), static_cast<unsigned long long>(sink.spans()));
}

}  // namespace
}  // namespace otter::testing
