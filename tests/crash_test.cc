// kill -9 in a loop: otter runs the all-in-one store pipeline under load from otter-loadgen while
// three checked senders write traces, logs and metric points with unique ids (OTLP/HTTP
// protobuf, one item per request); at a random moment otter is killed with SIGKILL and started
// again on the same directory, OTTER_CRASH_ROUNDS times (CI: a short slice; `make crash-test`:
// 200). A request that got no answer is sent again after the restart, as a client would. At the
// end every acknowledged item must be queryable, and duplicates (a request stored but killed
// before its answer, then retried) must stay within 0.1%.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "util/harness.h"
#include "util/store_e2e.h"

extern char** environ;

namespace otter::testing {
namespace {

namespace fs = std::filesystem;

enum Signal { kTraces, kLogs, kMetrics };

// Item `n` of `signal`: its request body and the id it is found by.
struct Item {
  std::string body, id;
};

Item MakeItem(Signal signal, uint64_t n, uint64_t t0_ns) {
  char id[33];
  std::snprintf(id, sizeof id, "c4a5%02d%026llu", static_cast<int>(signal),
                static_cast<unsigned long long>(n));
  uint64_t t = t0_ns + n * 1'000'000;  // 1 ms apart: metric points get distinct timestamps
  switch (signal) {
    case kTraces:
      return {
          TracesProto(R"({"resourceSpans":[{)" + Resource("crash") +
                      R"(,"scopeSpans":[{"spans":[{"traceId":")" + std::string(id) +
                      R"(","spanId":"00000000000000a1","name":"op","kind":2,"startTimeUnixNano":)" +
                      Str(t) + R"(,"endTimeUnixNano":)" + Str(t + 1000) + "}]}]}]}"),
          id};
    case kLogs:
      return {LogsProto(R"({"resourceLogs":[{)" + Resource("crash") +
                        R"(,"scopeLogs":[{"logRecords":[{"timeUnixNano":)" + Str(t) +
                        R"(,"body":{"stringValue":"item )" + std::string(id) + R"("}}]}]}]})"),
              id};
    case kMetrics:
      return {
          MetricsProto(
              R"({"resourceMetrics":[{)" + Resource("crash") +
              R"(,"scopeMetrics":[{"metrics":[{"name":"crash.item","gauge":{"dataPoints":[{"timeUnixNano":)" +
              Str(t) + R"(,"asInt":)" + Str(n) + "}]}}]}]}]}"),
          std::to_string(n)};
  }
  return {};
}

const char* kPaths[] = {"/v1/traces", "/v1/logs", "/v1/metrics"};

// otter-loadgen next to the otter binary (absent in builds without benchmarks).
pid_t StartLoadgen(int otlp_port, uint64_t seed) {
  std::string bin = (fs::path(OTTER_BINARY).parent_path() / "otter-loadgen").string();
  if (!fs::exists(bin)) return -1;
  std::string endpoint = "127.0.0.1:" + std::to_string(otlp_port);
  std::string seed_s = std::to_string(seed);
  std::vector<std::string> args = {bin,
                                   "--protocol",
                                   "http",
                                   "--endpoint",
                                   endpoint,
                                   "--signal",
                                   "traces",
                                   "--connections",
                                   "2",
                                   "--items",
                                   "50",
                                   "--duration",
                                   "60",
                                   "--seed",
                                   seed_s,
                                   "--quiet",
                                   "--error-backoff-ms",
                                   "50"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// The last `n` lines of `text` (the log of every round is one file).
std::string LastLines(const std::string& text, int n) {
  size_t at = text.size();
  while (n-- > 0 && at > 0 && at != std::string::npos) at = text.rfind('\n', at - 1);
  return at == std::string::npos ? text : text.substr(at);
}

uint64_t RoundsFromEnv() {
  const char* v = std::getenv("OTTER_CRASH_ROUNDS");
  return v && *v ? std::strtoull(v, nullptr, 10) : 4;
}

TEST(CrashTest, AcknowledgedItemsSurviveRepeatedKill9) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  const uint64_t rounds = RoundsFromEnv();
  const uint64_t t0 = NowNs() - 3'600'000'000'000ull;  // metric points stay inside the lookback
  std::mt19937_64 rng(rounds);
  std::mutex mu;
  std::vector<std::vector<uint64_t>> acked(3);    // item numbers per signal
  std::vector<std::vector<uint64_t>> pending(3);  // sent, no answer: resent next round
  std::vector<uint64_t> next(3, 0);
  uint64_t killed_in_flight = 0;  // requests without an answer when otter was killed
  auto started = std::chrono::steady_clock::now();
  for (uint64_t round = 0; round < rounds; ++round) {
    Ports p;
    OtterProcess otter(dir, "otter",
                       StoreConfig(p, data, "    head_max_mib: 4\n    checkpoint_mib: 1\n"));
    ASSERT_TRUE(otter.Start(p.health)) << "round " << round << "; the log's end:\n"
                                       << LastLines(otter.Log(), 40);
    pid_t loadgen = StartLoadgen(p.otlp, 1000 + round);
    std::atomic<bool> stop{false};
    std::vector<std::thread> senders;
    for (int s : {kTraces, kLogs, kMetrics}) {
      senders.emplace_back([&, s] {
        auto signal = static_cast<Signal>(s);
        while (!stop.load()) {
          uint64_t n;
          {
            std::lock_guard lock(mu);
            if (!pending[s].empty()) {
              n = pending[s].back();
              pending[s].pop_back();
            } else {
              n = next[s]++;
            }
          }
          Item item = MakeItem(signal, n, t0);
          auto r = HttpRequest("POST", p.otlp, kPaths[s], item.body, kProtobuf);
          std::lock_guard lock(mu);
          if (r.status == 200) {
            acked[s].push_back(n);
          } else {
            pending[s].push_back(n);  // refused (503) or killed: the client sends it again
            if (r.status == 0) return;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 1200));
    otter.Kill();
    stop = true;
    for (auto& t : senders) t.join();
    if (loadgen > 0) {
      kill(loadgen, SIGKILL);
      waitpid(loadgen, nullptr, 0);
    }
    std::lock_guard lock(mu);
    for (auto& v : pending) killed_in_flight += v.size();
  }
  auto loop_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count();

  Ports p;
  OtterProcess otter(dir, "check", StoreConfig(p, data));
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();
  uint64_t total = 0, missing = 0, duplicates = 0;
  uint64_t dups_of[3] = {0, 0, 0};
  std::string examples;
  auto miss = [&](Signal s, uint64_t n, int found) {
    if (found == 0 || found < 0) {
      ++missing;
      if (examples.size() < 300) examples += " " + MakeItem(s, n, t0).id;
    } else if (found > 1) {
      duplicates += found - 1;
      dups_of[s] += found - 1;
    }
  };
  for (uint64_t n : acked[kTraces]) {
    ++total;
    miss(kTraces, n, JaegerSpanCount(p.query, MakeItem(kTraces, n, t0).id));
  }
  // Logs: Loki queries over windows of 4000 items (1 ms apart; a query returns at most 5000
  // lines), counted by the id in each line.
  std::map<std::string, int> log_lines;
  for (uint64_t from = 0; from < next[kLogs]; from += 4000) {
    uint64_t start = t0 + from * 1'000'000, end = start + 4000 * 1'000'000ull;
    std::string q = "/loki/api/v1/query_range?query=" + UrlEncode("{service_name=\"crash\"}") +
                    "&start=" + std::to_string(start) + "&end=" + std::to_string(end - 1) +
                    "&limit=5000&direction=forward";
    auto r = HttpRequest("GET", p.query, q);
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
    CheckJson(r, [&](element root) {
      for (element stream : Array(root["data"]["result"]))
        for (element v : Array(stream["values"])) {
          std::string line = Text(v.at(1).value());
          ++log_lines[line.substr(line.find(' ') + 1)];
        }
    });
  }
  for (uint64_t n : acked[kLogs]) {
    ++total;
    miss(kLogs, n, log_lines[MakeItem(kLogs, n, t0).id]);
  }
  // Metrics: every raw point of the gauge, by value (= item number).
  std::map<uint64_t, int> points;
  {
    uint64_t window_s = (NowNs() - t0) / 1'000'000'000 + 60;
    auto r = HttpRequest(
        "GET", p.query,
        "/api/v1/query?query=" + UrlEncode("crash_item[" + std::to_string(window_s) + "s]"));
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
    CheckJson(r, [&](element root) {
      for (element series : Array(root["data"]["result"]))
        for (element v : Array(series["values"]))
          ++points[std::strtoull(Text(v.at(1).value()).c_str(), nullptr, 10)];
    });
  }
  for (uint64_t n : acked[kMetrics]) {
    ++total;
    miss(kMetrics, n, points[n]);
  }
  std::printf(
      "crash loop: %llu rounds in %lld ms, %llu acknowledged items (%zu traces, %zu logs, %zu "
      "points), %llu missing, %llu duplicates (%llu spans, %llu log records, %llu points); %llu "
      "requests were in flight at a kill\n",
      static_cast<unsigned long long>(rounds), static_cast<long long>(loop_ms),
      static_cast<unsigned long long>(total), acked[kTraces].size(), acked[kLogs].size(),
      acked[kMetrics].size(), static_cast<unsigned long long>(missing),
      static_cast<unsigned long long>(duplicates), static_cast<unsigned long long>(dups_of[0]),
      static_cast<unsigned long long>(dups_of[1]), static_cast<unsigned long long>(dups_of[2]),
      static_cast<unsigned long long>(killed_in_flight));
  EXPECT_GT(total, rounds * 3) << "the senders hardly got through";
  EXPECT_EQ(missing, 0u) << "acknowledged but not found:" << examples;
  EXPECT_LE(duplicates * 1000, total) << "more than 0.1% duplicates";
  EXPECT_EQ(otter.Stop(kStopDeadline), 0) << otter.Log();
}

}  // namespace
}  // namespace otter::testing
