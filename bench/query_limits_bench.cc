// Query isolation at scale (docs/storage.md, "Query limits"): a store holding N log records
// (OTTER_QUERY_BENCH_RECORDS, default 1 000 000; BENCHMARKS.md has the 10M run) and M traces
// (OTTER_QUERY_BENCH_TRACES, default 100 000), served by a QueryServer. BM_SlowQueryIsolation
// sends a LogQL query whose filter matches nothing (it scans every record) and an
// /api/dependencies over every trace, each under query.timeout (OTTER_QUERY_BENCH_TIMEOUT_MS,
// default 2000), while another client sends /api/v1/query back to back; it reports each slow
// query's status and time, the PromQL latencies (max, p99) and the process's peak RSS growth.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "query/query_server.h"
#include "store/store.h"
#include "store/store_testing.h"

namespace otter {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;

size_t EnvOr(const char* name, size_t def) {
  const char* v = std::getenv(name);
  return v && *v ? static_cast<size_t>(std::strtoull(v, nullptr, 10)) : def;
}
double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
long PeakRssMib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

// GET `target` from 127.0.0.1:port over a fresh connection (Connection: close); the status code,
// 0 when the exchange failed.
int HttpGetStatus(int port, const std::string& target) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  int status = 0;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size())) {
    std::string resp;
    char buf[65536];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
      resp.append(buf, static_cast<size_t>(n));
    if (resp.size() > 12 && resp.compare(0, 5, "HTTP/") == 0) status = std::atoi(resp.c_str() + 9);
  }
  close(fd);
  return status;
}

// Writes what make() builds, again while the store refuses it retryably (its head is full
// until the flusher catches up).
template <class Make>
void WriteRetrying(store::Store& s, Make&& make) {
  while (true) {
    Status st = testing::WriteSync(s, make());
    if (st.ok()) return;
    if (!st.retryable()) {
      std::fprintf(stderr, "write failed: %s\n", st.ToString().c_str());
      std::abort();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Ingest(store::Store& s, size_t records, size_t traces) {
  constexpr size_t kBatch = 10000;
  const std::string padding(60, 'x');
  for (size_t done = 0; done < records; done += kBatch) {
    WriteRetrying(s, [&] {
      pdata::LogBatch b;
      for (int svc = 0; svc < 4; ++svc) {
        auto& rl = b.resources().emplace_back();
        rl.resource.attributes.push_back({"service.name", pdata::AnyValue::String(b.arenas().Copy(
                                                              "svc" + std::to_string(svc)))});
        auto& sl = rl.scope_logs.emplace_back();
        for (size_t i = svc; i < kBatch && done + i < records; i += 4) {
          auto& r = sl.log_records.emplace_back();
          r.time_unix_nano = kT0 + (done + i) * 1'000'000ull;  // 1 ms apart
          r.severity_text = "INFO";
          r.body = pdata::AnyValue::String(
              b.arenas().Copy("GET /api/item/" + std::to_string(done + i) + " 200 " + padding));
        }
      }
      return b;
    });
  }
  // Traces of three spans: frontend → backend → db.
  constexpr size_t kTraceBatch = 1000;
  for (size_t done = 0; done < traces; done += kTraceBatch) {
    WriteRetrying(s, [&] {
      pdata::TraceBatch b;
      const char* services[] = {"frontend", "backend", "db"};
      for (int k = 0; k < 3; ++k) {
        auto& rs = b.resources().emplace_back();
        rs.resource.attributes.push_back({"service.name", pdata::AnyValue::String(services[k])});
        auto& ss = rs.scope_spans.emplace_back();
        for (size_t t = done; t < done + kTraceBatch && t < traces; ++t) {
          auto& sp = ss.spans.emplace_back();
          std::memcpy(sp.trace_id.bytes.data(), &t, sizeof t);
          sp.trace_id.bytes[15] = 1;
          sp.span_id.bytes.fill(static_cast<uint8_t>(k + 1));
          if (k) sp.parent_span_id.bytes.fill(static_cast<uint8_t>(k));
          sp.name = "op";
          sp.start_time_unix_nano = kT0 + t * 1'000'000ull + k;
          sp.end_time_unix_nano = sp.start_time_unix_nano + 1000;
        }
      }
      return b;
    });
  }
  if (!s.FlushForTesting().ok()) std::abort();
}

void BM_SlowQueryIsolation(benchmark::State& state) {
  const size_t records = EnvOr("OTTER_QUERY_BENCH_RECORDS", 1'000'000);
  const size_t traces = EnvOr("OTTER_QUERY_BENCH_TRACES", 100'000);
  const auto timeout = std::chrono::milliseconds(EnvOr("OTTER_QUERY_BENCH_TIMEOUT_MS", 2000));
  char tmpl[] = "/tmp/otter-query-bench.XXXXXX";
  if (!mkdtemp(tmpl)) return state.SkipWithError("mkdtemp failed");
  const std::string dir = tmpl;
  store::StoreOptions so;
  so.directory = dir + "/data";
  so.retention = std::chrono::milliseconds(0);
  so.sync = false;
  auto opened = store::Store::Open(so, testing::NullLogger(), nullptr);
  if (!opened.ok()) return state.SkipWithError(opened.status().ToString().c_str());
  auto& s = **opened;
  auto ingest_start = Clock::now();
  Ingest(s, records, traces);
  double ingest_s = Ms(Clock::now() - ingest_start) / 1000;
  long rss_before = PeakRssMib();

  query::QueryServerOptions qo;
  qo.endpoint = "127.0.0.1:0";
  qo.timeout = timeout;
  qo.logger = testing::NullLogger();
  query::QueryServer server(qo, s.traces(), s.metrics(), s.logs());
  if (!server.Start().ok()) return state.SkipWithError("query server did not start");
  const std::string end = std::to_string(kT0 + records * 1'000'000ull + 1);
  const std::string logql =
      "/loki/api/v1/query_range?query=%7Bservice_name%3D~%22svc.%2B%22%7D"
      "%20%7C%3D%20%22nomatch%22&limit=100&start=" +
      std::to_string(kT0) + "&end=" + end;
  const std::string deps = "/api/dependencies?endTs=" +
                           std::to_string((kT0 + traces * 1'000'000ull) / 1'000'000 + 1000) +
                           "&lookback=" + std::to_string(traces + 10'000);
  for (auto _ : state) {
    std::atomic<bool> done{false};
    int logql_status = 0, deps_status = 0;
    double logql_ms = 0, deps_ms = 0;
    std::thread slow([&] {
      auto t = Clock::now();
      logql_status = HttpGetStatus(server.port(), logql);
      logql_ms = Ms(Clock::now() - t);
      t = Clock::now();
      deps_status = HttpGetStatus(server.port(), deps);
      deps_ms = Ms(Clock::now() - t);
      done = true;
    });
    std::vector<double> fast;
    while (!done) {
      auto t = Clock::now();
      int st = HttpGetStatus(server.port(), "/api/v1/query?query=vector(1)");
      fast.push_back(Ms(Clock::now() - t));
      if (st != 200) state.SkipWithError("PromQL query failed");
    }
    slow.join();
    std::sort(fast.begin(), fast.end());
    state.counters["logql_status"] = logql_status;
    state.counters["logql_ms"] = logql_ms;
    state.counters["deps_status"] = deps_status;
    state.counters["deps_ms"] = deps_ms;
    state.counters["promql_n"] = static_cast<double>(fast.size());
    state.counters["promql_max_ms"] = fast.empty() ? 0 : fast.back();
    state.counters["promql_p99_ms"] = fast.empty() ? 0 : fast[fast.size() * 99 / 100];
  }
  state.counters["records"] = static_cast<double>(records);
  state.counters["traces"] = static_cast<double>(traces);
  state.counters["ingest_s"] = ingest_s;
  state.counters["peak_rss_growth_mib"] = static_cast<double>(PeakRssMib() - rss_before);
  server.Stop();
  s.Close();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SlowQueryIsolation)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace otter
