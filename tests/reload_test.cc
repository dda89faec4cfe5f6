// SIGHUP reload of the real binary (docs/reload.md): a changed config takes effect while data
// keeps flowing — every export is either acknowledged and then queryable in the store, or
// refused retryably — and a config that is invalid, or valid but unable to start, leaves otter
// serving with the previous one and logs why. Never exits.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "util/harness.h"

namespace otter::testing {
namespace {

struct Ports {
  int otlp = FreePort();
  int health = FreePort();
  int metrics = FreePort();
  int query = FreePort();
};

std::string Addr(int port) { return "127.0.0.1:" + std::to_string(port); }

// otlp (HTTP) → store. `receivers` are extra receiver definitions (2-space indented ids) whose
// ids are listed in `extra_ids`; `store_extra` is appended to the store's section.
std::string Config(const Ports& p, const std::string& data, const std::string& receivers = "",
                   const std::string& extra_ids = "", const std::string& store_extra = "") {
  return "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: " + Addr(p.otlp) +
         "\n" + receivers + "exporters:\n  store:\n    directory: " + data + "\n    sync: true\n" +
         store_extra + "    query:\n      endpoint: " + Addr(p.query) +
         "\nextensions:\n  health_check:\n    endpoint: " + Addr(p.health) +
         "\nservice:\n  extensions: [health_check]\n  telemetry:\n    metrics:\n      address: " +
         Addr(p.metrics) + "\n  pipelines:\n    traces:\n      receivers: [otlp" + extra_ids +
         "]\n      exporters: [store]\n";
}

std::string ExtraReceiver(const std::string& id, int port) {
  return "  " + id + ":\n    protocols:\n      http:\n        endpoint: " + Addr(port) + "\n";
}

// One span of trace `trace_id`, started now (within the store's retention).
std::string SpanJson(const std::string& trace_id) {
  uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  return R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"reload"}}]},"scopeSpans":[{"spans":[{"traceId":")" +
         trace_id + R"(","spanId":"00000000000000a1","name":"op","kind":2,"startTimeUnixNano":")" +
         std::to_string(now) + R"(","endTimeUnixNano":")" + std::to_string(now + 1000000) +
         "\"}]}]}]}";
}

bool Stored(int query_port, const std::string& trace_id) {
  auto r = HttpRequest("GET", query_port, "/api/traces/" + trace_id);
  return r.status == 200 && r.body.find("\"traceID\":\"" + trace_id + "\"") != std::string::npos;
}

int Count(const std::string& log, const std::string& needle) {
  int n = 0;
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
  return n;
}

// Sends one span per request, each with its own trace id, from a thread, and sorts the answers.
class Sender {
 public:
  explicit Sender(int port) : port_(port), thread_([this] { Run(); }) {}
  ~Sender() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int acked() const { return acked_count_.load(); }
  std::vector<std::string> acked_ids() {
    std::lock_guard lock(mu_);
    return acked_;
  }
  std::atomic<int> refused_503{0}, connect_failed{0};
  std::vector<std::string> unexpected;  // any other answer (read after Stop): a test failure

 private:
  void Run() {
    for (uint64_t i = 1; !stop_ && i < 100000; ++i) {
      char id[33];
      std::snprintf(id, sizeof id, "5e1d%012x%016llx", port_, static_cast<unsigned long long>(i));
      auto r = HttpRequest("POST", port_, "/v1/traces", SpanJson(id), "application/json");
      if (r.status == 200) {
        std::lock_guard lock(mu_);
        acked_.push_back(id);
        ++acked_count_;
      } else if (r.status == 503) {
        ++refused_503;
      } else if (r.status == 0) {
        ++connect_failed;
      } else {
        unexpected.push_back(std::to_string(r.status) + " " + r.body);
      }
    }
  }

  int port_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> acked_;
  std::atomic<int> acked_count_{0};
  std::thread thread_;
};

// Writes the new config, sends SIGHUP and waits until the log has `n` lines containing `marker`.
bool ReloadAndWait(const TempDir& dir, OtterProcess& otter, const std::string& config,
                   const std::string& marker, int n) {
  dir.Write("otter.yaml", config);
  otter.Signal(SIGHUP);
  return Eventually([&] { return Count(otter.Log(), marker) >= n; });
}

void ExpectAllAckedStored(Sender& sender, int query_port, const std::string& log) {
  std::vector<std::string> missing;
  auto ids = sender.acked_ids();
  for (const auto& id : ids)
    if (!Stored(query_port, id)) missing.push_back(id);
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << ids.size()
                               << " acknowledged traces are not in the store, e.g. "
                               << missing.front() << "\n"
                               << log;
  EXPECT_TRUE(sender.unexpected.empty()) << sender.unexpected.front();
}

// (a) A valid changed config takes effect without interrupting intake: an unchanged receiver and
// store are carried over (no refusal at all), and a changed store is handed over (its directory
// lock released before the new one opens it) with retryable refusals only; nothing acked is lost.
TEST(ReloadTest, ChangedConfigTakesEffectAndLosesNothing) {
  TempDir dir;
  Ports p;
  const std::string data = dir.path() + "/data";
  OtterProcess otter(dir, "otter", Config(p, data));
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();
  Sender sender(p.otlp);
  ASSERT_TRUE(Eventually([&] { return sender.acked() >= 50; })) << otter.Log();

  // 1. A new receiver: started alongside; the running receiver and store are kept.
  int extra = FreePort();
  std::string with_extra = Config(p, data, ExtraReceiver("otlp/extra", extra), ", otlp/extra");
  ASSERT_TRUE(ReloadAndWait(dir, otter, with_extra, "config reloaded", 1)) << otter.Log();
  EXPECT_EQ(HttpRequest("POST", extra, "/v1/traces", SpanJson("e0e0e1e0e0e1e0e0e1e0e0e1e0e0e1e1"),
                        "application/json")
                .status,
            200)
      << otter.Log();
  int at_first = sender.acked();
  ASSERT_TRUE(Eventually([&] { return sender.acked() >= at_first + 50; })) << otter.Log();
  EXPECT_EQ(sender.refused_503 + sender.connect_failed, 0)
      << "an unchanged receiver and store must not refuse anything during a reload\n"
      << otter.Log();

  // 2. A changed store: it is stopped (lock released) before the new one opens the directory.
  std::string new_store =
      Config(p, data, ExtraReceiver("otlp/extra", extra), ", otlp/extra", "    retention: 48h\n");
  ASSERT_TRUE(ReloadAndWait(dir, otter, new_store, "config reloaded (changed components", 1))
      << otter.Log();
  int at_second = sender.acked();
  ASSERT_TRUE(Eventually([&] { return sender.acked() >= at_second + 50; })) << otter.Log();
  sender.Stop();
  RecordProperty("acked", sender.acked());
  RecordProperty("refused_503", sender.refused_503.load());
  EXPECT_EQ(sender.connect_failed, 0) << "kept receivers never close their socket";
  EXPECT_TRUE(Stored(p.query, "e0e0e1e0e0e1e0e0e1e0e0e1e0e0e1e1")) << otter.Log();
  ExpectAllAckedStored(sender, p.query, otter.Log());
  std::string log = otter.Log();
  EXPECT_EQ(Count(log, " error "), 0) << log;
  EXPECT_EQ(otter.Stop(), 0) << otter.Log();
}

// A changed receiver on the same port cannot bind beside its predecessor: it is handed over (the
// old one stops, the new one binds), clients see at most a refused connection or a 503 meanwhile,
// and the new settings apply.
TEST(ReloadTest, ChangedReceiverOnTheSamePortIsHandedOver) {
  TempDir dir;
  Ports p;
  const std::string data = dir.path() + "/data";
  std::string config = Config(p, data);
  OtterProcess otter(dir, "otter", config);
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();
  Sender sender(p.otlp);
  ASSERT_TRUE(Eventually([&] { return sender.acked() >= 50; })) << otter.Log();

  const std::string endpoint = "        endpoint: " + Addr(p.otlp) + "\n";
  config.replace(config.find(endpoint), endpoint.size(),
                 endpoint + "        traces_url_path: /v2/traces\n");
  ASSERT_TRUE(ReloadAndWait(dir, otter, config, "config reloaded (changed components", 1))
      << otter.Log();
  EXPECT_EQ(HttpRequest("POST", p.otlp, "/v2/traces", SpanJson("d0d0d1d0d0d1d0d0d1d0d0d1d0d0d1d1"),
                        "application/json")
                .status,
            200)
      << otter.Log();
  sender.Stop();  // it posts to /v1/traces, which is now 404: only what came before counts
  std::vector<std::string> other;
  for (auto& u : sender.unexpected)
    if (u.rfind("404", 0) != 0) other.push_back(u);
  sender.unexpected.clear();
  EXPECT_TRUE(other.empty()) << other.front();
  ExpectAllAckedStored(sender, p.query, otter.Log());
  EXPECT_TRUE(Stored(p.query, "d0d0d1d0d0d1d0d0d1d0d0d1d0d0d1d1"));
  EXPECT_EQ(otter.Stop(), 0) << otter.Log();
}

// A socket held by someone else (not otter), without SO_REUSEPORT.
class TakenPort {
 public:
  TakenPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 1);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~TakenPort() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1, port_ = 0;
};

// (b) A config that validates but cannot start (its port is taken by another socket): otter
// keeps serving with the old config, logs which component failed and why, and does not exit.
TEST(ReloadTest, ConfigThatCannotStartKeepsTheOldOneServing) {
  TempDir dir;
  Ports p;
  const std::string data = dir.path() + "/data";
  const std::string original = Config(p, data);
  OtterProcess otter(dir, "otter", original);
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();
  TakenPort taken;
  Sender sender(p.otlp);
  ASSERT_TRUE(Eventually([&] { return sender.acked() >= 50; })) << otter.Log();

  // A new receiver on the taken port: the running graph is never touched.
  ASSERT_TRUE(ReloadAndWait(
      dir, otter, Config(p, data, ExtraReceiver("otlp/extra", taken.port()), ", otlp/extra"),
      "keeping the running config", 1))
      << otter.Log();
  std::string log = otter.Log();
  EXPECT_NE(log.find("receiver otlp/extra"), std::string::npos) << log;
  EXPECT_NE(log.find("Address already in use"), std::string::npos) << log;
  int at = sender.acked();
  ASSERT_TRUE(Eventually([&] { return sender.acked() >= at + 50; })) << otter.Log();
  EXPECT_EQ(sender.refused_503 + sender.connect_failed, 0) << otter.Log();

  // The running receiver moved to the taken port: it is stopped to free what it holds, the new
  // one fails, and the previous config is started again from memory.
  std::string moved = original;
  moved.replace(moved.find(Addr(p.otlp)), Addr(p.otlp).size(), Addr(taken.port()));
  ASSERT_TRUE(ReloadAndWait(dir, otter, moved, "previous config restored", 1)) << otter.Log();
  log = otter.Log();
  EXPECT_NE(log.find("restoring the previous config"), std::string::npos) << log;
  at = sender.acked();
  ASSERT_TRUE(Eventually([&] { return sender.acked() >= at + 50; })) << otter.Log();
  EXPECT_EQ(HttpRequest("GET", p.health, "/").status, 200);
  sender.Stop();
  RecordProperty("acked", sender.acked());
  RecordProperty("refused_503", sender.refused_503.load());
  RecordProperty("connect_failed", sender.connect_failed.load());
  ExpectAllAckedStored(sender, p.query, otter.Log());
  EXPECT_EQ(otter.Stop(), 0) << otter.Log();
}

// (c) An invalid config: every error with file:line, and the running config keeps serving.
TEST(ReloadTest, InvalidConfigIsReportedWithFileAndLine) {
  TempDir dir;
  Ports p;
  const std::string data = dir.path() + "/data";
  std::string config = Config(p, data);
  OtterProcess otter(dir, "otter", config);
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();
  // Line 5 ("        endpoint: ...") misspelled.
  std::string bad = config;
  bad.replace(bad.find("endpoint"), 8, "endpiont");
  ASSERT_TRUE(ReloadAndWait(dir, otter, bad, "config reload failed", 1)) << otter.Log();
  std::string log = otter.Log();
  EXPECT_NE(log.find(dir.path() + "/otter.yaml:5: unknown key \"endpiont\""), std::string::npos)
      << log;
  EXPECT_EQ(HttpRequest("POST", p.otlp, "/v1/traces", SpanJson("c0c0c1c0c0c1c0c0c1c0c0c1c0c0c1c1"),
                        "application/json")
                .status,
            200)
      << log;
  EXPECT_TRUE(Stored(p.query, "c0c0c1c0c0c1c0c0c1c0c0c1c0c0c1c1")) << log;
  EXPECT_EQ(otter.Stop(), 0) << otter.Log();
}

// service.telemetry.logs.encoding: json applies from the first line the config's own warnings
// produce (here: an unset ${env:...}, which expands to "" and is named), through a reload.
TEST(ReloadTest, JsonLogEncodingAndUnsetEnvWarning) {
  TempDir dir;
  Ports p;
  std::string config = Config(p, dir.path() + "/data");
  config.replace(config.find("  telemetry:\n"), 13,
                 "  telemetry:\n    logs:\n      encoding: json\n");
  // An unset variable (line 9) whose "" leaves the value valid: "true" + "".
  config.replace(config.find("    sync: true\n"), 15,
                 "    sync: true${env:OTTER_RELOAD_TEST_SURELY_UNSET}\n");
  OtterProcess otter(dir, "otter", config);
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();
  dir.Write("otter.yaml", config);
  otter.Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] { return otter.Log().find("config reloaded") != std::string::npos; }))
      << otter.Log();
  EXPECT_EQ(otter.Stop(), 0);
  std::string log = otter.Log();
  int lines = 0;
  for (size_t start = 0; start < log.size();) {
    size_t end = log.find('\n', start);
    std::string line = log.substr(start, end - start);
    start = end == std::string::npos ? log.size() : end + 1;
    ++lines;
    EXPECT_EQ(line.rfind("{\"level\":\"", 0), 0u) << line;
    EXPECT_EQ(line.back(), '}') << line;
  }
  EXPECT_GE(lines, 5) << log;
  EXPECT_NE(log.find("{\"level\":\"warn\""), std::string::npos) << log;
  EXPECT_NE(log.find("unset environment variable OTTER_RELOAD_TEST_SURELY_UNSET"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("otter.yaml:9"), std::string::npos) << log;
}

// metrics.level as otelcol spells it: none opens no endpoint, basic exposes only the accounting
// counters, and a reload switches level (the endpoint kept open when its address is unchanged).
TEST(ReloadTest, MetricsLevelsChooseWhatIsExposed) {
  TempDir dir;
  Ports p;
  auto with_level = [&](const std::string& level) {
    std::string config = Config(p, dir.path() + "/data");
    config.replace(config.find("    metrics:\n"), 13, "    metrics:\n      level: " + level + "\n");
    return config;
  };
  OtterProcess otter(dir, "otter", with_level("none"));
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();
  EXPECT_EQ(HttpRequest("GET", p.metrics, "/metrics").status, 0) << "level none opens no endpoint";

  ASSERT_TRUE(ReloadAndWait(dir, otter, with_level("basic"), "config reloaded", 1)) << otter.Log();
  ASSERT_EQ(HttpRequest("POST", p.otlp, "/v1/traces", SpanJson("b0b0b1b0b0b1b0b0b1b0b0b1b0b0b1b1"),
                        "application/json")
                .status,
            200);
  std::string basic = HttpRequest("GET", p.metrics, "/metrics").body;
  EXPECT_EQ(
      ScrapeValue(basic, R"(otelcol_receiver_accepted_spans{receiver="otlp",transport="http"})"), 1)
      << basic;
  EXPECT_EQ(basic.find("otelcol_process_uptime"), std::string::npos) << basic;

  ASSERT_TRUE(ReloadAndWait(dir, otter, with_level("detailed"), "config reloaded", 2))
      << otter.Log();
  std::string detailed = HttpRequest("GET", p.metrics, "/metrics").body;
  EXPECT_NE(detailed.find("otelcol_process_uptime"), std::string::npos) << detailed;
  EXPECT_EQ(
      ScrapeValue(detailed, R"(otelcol_receiver_accepted_spans{receiver="otlp",transport="http"})"),
      1)
      << detailed;
  EXPECT_EQ(otter.Stop(), 0) << otter.Log();
}

}  // namespace
}  // namespace otter::testing
