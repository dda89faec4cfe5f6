// kill -9 with the persistent sending queue: otter receives spans over OTLP/HTTP from four
// client threads (requests of 100 spans, unique span ids) and forwards them through an
// otlp_http exporter whose queue is kept by file_storage, to a downstream that goes up and down
// every few hundred ms. At a random moment otter is killed with SIGKILL and started again on
// the same directory (fsync on in every other round), PQUEUE_CRASH_ROUNDS times (ctest: 5;
// `make pqueue-crash`: 50). Then, with the downstream up, every span acknowledged to a client
// must reach the downstream at least once (counted by span id), and start-up must never fail.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include "util/harness.h"
#include "util/pqueue_e2e.h"

namespace otter::testing {
namespace {

constexpr size_t kSpansPerRequest = 100;
constexpr int kClients = 4;

uint64_t RoundsFromEnv() {
  const char* v = std::getenv("PQUEUE_CRASH_ROUNDS");
  return v && *v ? std::strtoull(v, nullptr, 10) : 5;
}

TEST(PqueueCrashTest, EveryAcknowledgedSpanReachesTheDownstreamAfterKill9) {
  TempDir dir;
  const std::string storage = dir.path() + "/storage";
  const uint64_t rounds = RoundsFromEnv();
  std::mt19937_64 rng(rounds * 7919);
  OtlpSink sink;
  std::mutex mu;
  std::vector<uint64_t> acked;  // first span id of every acknowledged request
  std::atomic<uint64_t> next{1};
  uint64_t refused = 0, unanswered = 0;
  auto started = std::chrono::steady_clock::now();

  for (uint64_t round = 0; round < rounds; ++round) {
    PqueuePorts p;
    OtterProcess otter(dir, "otter",
                       PqueueConfig(p, sink.port(), storage, round % 2 == 1,
                                    /*queue_size=*/5000, /*num_consumers=*/4));
    ASSERT_TRUE(otter.Start(p.health)) << "round " << round << "\n" << otter.Log();
    std::atomic<bool> stop{false};
    // The downstream flaps while otter runs.
    std::thread flapper([&, seed = rng()] {
      std::mt19937_64 r(seed);
      while (!stop.load()) {
        sink.SetUp(r() % 2 == 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(50 + r() % 250));
      }
    });
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&] {
        while (!stop.load()) {
          const uint64_t first = next.fetch_add(kSpansPerRequest);
          auto r = HttpRequest("POST", p.otlp, "/v1/traces", SpanRequest(first, kSpansPerRequest),
                               "application/x-protobuf");
          std::lock_guard l(mu);
          if (r.status == 200) {
            acked.push_back(first);
          } else if (r.status == 0) {
            ++unanswered;  // killed: not acknowledged, a real client would resend it
            return;
          } else {
            ++refused;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 800));
    otter.Kill();
    stop = true;
    for (auto& t : clients) t.join();
    flapper.join();
  }
  const auto loop_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();

  // The last start: downstream up, the queue drains.
  sink.SetUp(true);
  PqueuePorts p;
  OtterProcess otter(dir, "check",
                     PqueueConfig(p, sink.port(), storage, false, 5000, /*num_consumers=*/2));
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();
  const uint64_t want = acked.size() * kSpansPerRequest;
  auto all_there = [&] {
    for (uint64_t first : acked)
      for (uint64_t i = 0; i < kSpansPerRequest; ++i)
        if (sink.Count(first + i) == 0) return false;
    return true;
  };
  bool complete = Eventually(all_there, std::chrono::seconds(60));
  uint64_t missing = 0;
  std::string examples;
  for (uint64_t first : acked)
    for (uint64_t i = 0; i < kSpansPerRequest; ++i)
      if (sink.Count(first + i) == 0) {
        ++missing;
        if (examples.size() < 200) examples += " " + std::to_string(first + i);
      }
  EXPECT_EQ(otter.Stop(), 0) << otter.Log();
  std::printf(
      "[pqueue-crash] %llu rounds in %lld ms: %llu spans acknowledged, %llu requests refused, "
      "%llu unanswered at a kill; downstream got %llu spans (%llu distinct)\n",
      static_cast<unsigned long long>(rounds), static_cast<long long>(loop_ms),
      static_cast<unsigned long long>(want), static_cast<unsigned long long>(refused),
      static_cast<unsigned long long>(unanswered), static_cast<unsigned long long>(sink.spans()),
      static_cast<unsigned long long>(sink.unique()));
  EXPECT_TRUE(complete);
  EXPECT_EQ(missing, 0u) << "acknowledged spans that never arrived:" << examples;
  EXPECT_GT(want, 0u);
}

}  // namespace
}  // namespace otter::testing
