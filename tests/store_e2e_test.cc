// End-to-end tests of the embedded store through the real `otter` binary: OTLP/HTTP protobuf in,
// Jaeger / Prometheus / Loki query APIs out, with exact expected answers; acknowledged data
// survives kill -9; a torn WAL tail is truncated with a warning; flushed blocks survive a
// restart; `otter validate` warns about `batch` in front of `store`.
#include "util/store_e2e.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"
#include "util/harness.h"

namespace otter::testing {
namespace {

namespace fs = std::filesystem;

// ---- 1. round trip ------------------------------------------------------------------------

constexpr char kTrace[] = "5b8efff798038103d269b633813fc60c";
constexpr char kOtherTrace[] = "7a3c1e0f9d2b4a6857e8c9d0a1b2c3d4";
constexpr char kParent[] = "eee19b7ec3c1b174";
constexpr char kChild[] = "0af7651916cd43dd";
constexpr char kExemplarTrace1[] = "11111111111111111111111111111111";
constexpr char kExemplarTrace2[] = "22222222222222222222222222222222";
constexpr char kExemplarTrace3[] = "33333333333333333333333333333333";

std::string RoundTripTraces(uint64_t start_ns) {
  auto span = [&](const std::string& id, const std::string& parent, const std::string& name,
                  int kind, uint64_t offset_ms, uint64_t dur_ms) {
    std::string s = R"({"traceId":")" + std::string(kTrace) + R"(","spanId":")" + id + "\"";
    if (!parent.empty()) s += R"(,"parentSpanId":")" + parent + "\"";
    return s + R"(,"name":")" + name + R"(","kind":)" + std::to_string(kind) +
           R"(,"startTimeUnixNano":)" + Str(start_ns + offset_ms * 1000000) +
           R"(,"endTimeUnixNano":)" + Str(start_ns + (offset_ms + dur_ms) * 1000000) + "}";
  };
  return R"({"resourceSpans":[{)" + Resource("frontend") + R"(,"scopeSpans":[{"spans":[)" +
         span(kParent, "", "GET /checkout", 2, 0, 50) + R"(]}]},{)" + Resource("checkout") +
         R"(,"scopeSpans":[{"spans":[)" + span(kChild, kParent, "charge", 3, 10, 30) + "]}]}]}";
}

// Four log records of service "checkout": two of kTrace, one of kOtherTrace, one without.
std::string RoundTripLogs(uint64_t t_ns) {
  auto rec = [&](int i, const std::string& body, const std::string& trace) {
    std::string s = R"({"timeUnixNano":)" + Str(t_ns + i * 1000000) +
                    R"(,"severityText":"INFO","severityNumber":9,"body":{"stringValue":")" + body +
                    "\"}";
    if (!trace.empty()) s += R"(,"traceId":")" + trace + R"(","spanId":")" + kChild + "\"";
    return s + "}";
  };
  return R"({"resourceLogs":[{)" + Resource("checkout") + R"(,"scopeLogs":[{"logRecords":[)" +
         rec(0, "payment authorized", kTrace) + "," + rec(1, "unrelated", kOtherTrace) + "," +
         rec(2, "payment captured", kTrace) + "," + rec(3, "no trace here", "") + "]}]}]}";
}

// A monotonic cumulative counter (5 → 12, exemplar on the second point) and a cumulative
// histogram whose second point is exactly twice the first: the buckets' increase is [2,4,2,2,0]
// over bounds [1,2,4,8], whose median is 1 + (2-1) * (5-2)/(6-2) = 1.75.
std::string RoundTripMetrics(uint64_t t0_ns, uint64_t t1_ns) {
  uint64_t start = t0_ns - 60'000'000'000ull;
  auto exemplar = [](uint64_t t, const std::string& value, const char* trace) {
    return R"({"timeUnixNano":)" + Str(t) + R"(,"asDouble":)" + value + R"(,"traceId":")" + trace +
           R"(","spanId":")" + kChild + "\"}";
  };
  auto counter_point = [&](uint64_t t, int v, const std::string& exemplars) {
    return R"({"startTimeUnixNano":)" + Str(start) + R"(,"timeUnixNano":)" + Str(t) +
           R"(,"asInt":)" + Str(v) + R"(,"exemplars":[)" + exemplars + "]}";
  };
  auto hist_point = [&](uint64_t t, int k, const std::string& exemplars) {
    std::string buckets;
    for (int c : {2, 4, 2, 2, 0}) buckets += (buckets.empty() ? "" : ",") + Str(c * k);
    return R"({"startTimeUnixNano":)" + Str(start) + R"(,"timeUnixNano":)" + Str(t) +
           R"(,"count":)" + Str(10 * k) + R"(,"sum":)" + std::to_string(25 * k) +
           R"(,"bucketCounts":[)" + buckets + R"(],"explicitBounds":[1,2,4,8],"exemplars":[)" +
           exemplars + "]}";
  };
  return R"({"resourceMetrics":[{)" + Resource("checkout") +
         R"(,"scopeMetrics":[{"metrics":[{"name":"checkout.orders","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[)" +
         counter_point(t0_ns, 5, "") + "," +
         counter_point(t1_ns, 12, exemplar(t1_ns, "7", kExemplarTrace3)) +
         R"(]}},{"name":"checkout.latency","histogram":{"aggregationTemporality":2,"dataPoints":[)" +
         hist_point(t0_ns, 1, exemplar(t0_ns, "1.5", kExemplarTrace1)) + "," +
         hist_point(t1_ns, 2, exemplar(t1_ns, "3", kExemplarTrace2)) + "]}}]}]}]}";
}

// Trace ids of every exemplar in a /api/v1/query_exemplars answer.
std::multiset<std::string> ExemplarTraceIds(int query_port, const std::string& query,
                                            int64_t start_s, int64_t end_s) {
  auto r = HttpRequest("GET", query_port,
                       "/api/v1/query_exemplars?query=" + UrlEncode(query) +
                           "&start=" + std::to_string(start_s) + "&end=" + std::to_string(end_s));
  EXPECT_EQ(r.status, 200) << r.body;
  std::multiset<std::string> ids;
  CheckJson(r, [&](element root) {
    EXPECT_EQ(Text(root["status"].value()), "success") << r.body;
    for (element series : Array(root["data"]))
      for (element ex : Array(series["exemplars"]))
        ids.insert(Text(ex["labels"]["trace_id"].value()));
  });
  return ids;
}

TEST(StoreE2eTest, RoundTripThroughJaegerPrometheusAndLokiApis) {
  TempDir dir;
  Ports p;
  OtterProcess otter(dir, "otter", StoreConfig(p, dir.path() + "/data"));
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();

  const int64_t t_s = static_cast<int64_t>(NowNs() / 1000000000);  // the evaluation time
  const uint64_t t1_ns = static_cast<uint64_t>(t_s - 1) * 1000000000;
  // The two points sit 1 s inside both ends of a 5m range ending at t_s, so every rate() sees
  // 298 s of samples extrapolated by 1 s on each side, however the extrapolation is ordered.
  const uint64_t t0_ns = t1_ns - 298'000'000'000ull;
  auto r =
      HttpRequest("POST", p.otlp, "/v1/traces", TracesProto(RoundTripTraces(t0_ns)), kProtobuf);
  ASSERT_EQ(r.status, 200) << r.body;
  r = HttpRequest("POST", p.otlp, "/v1/logs", LogsProto(RoundTripLogs(t0_ns)), kProtobuf);
  ASSERT_EQ(r.status, 200) << r.body;
  r = HttpRequest("POST", p.otlp, "/v1/metrics", MetricsProto(RoundTripMetrics(t0_ns, t1_ns)),
                  kProtobuf);
  ASSERT_EQ(r.status, 200) << r.body;

  // Jaeger: the trace, both services and the parent reference. The store acknowledges only
  // after applying, so the data is visible without polling.
  r = HttpRequest("GET", p.query, std::string("/api/traces/") + kTrace);
  ASSERT_EQ(r.status, 200) << r.body;
  CheckJson(r, [&](element root) {
    auto data = Array(root["data"]);
    ASSERT_EQ(data.size(), 1u) << r.body;
    element trace = data.at(0).value();
    EXPECT_EQ(Text(trace["traceID"].value()), kTrace);
    std::map<std::string, std::string> service_of_process;
    for (auto [id, process] : Object(trace["processes"]))
      service_of_process[std::string(id)] = Text(process["serviceName"].value());
    std::set<std::string> services;
    for (const auto& [id, s] : service_of_process) services.insert(s);
    EXPECT_EQ(services, (std::set<std::string>{"checkout", "frontend"})) << r.body;
    auto spans = Array(trace["spans"]);
    ASSERT_EQ(spans.size(), 2u) << r.body;
    int seen = 0;
    for (element span : spans) {
      std::string id = Text(span["spanID"].value());
      std::string service = service_of_process[Text(span["processID"].value())];
      auto refs = Array(span["references"]);
      if (id == kParent) {
        ++seen;
        EXPECT_EQ(Text(span["operationName"].value()), "GET /checkout");
        EXPECT_EQ(service, "frontend");
        EXPECT_EQ(refs.size(), 0u) << r.body;
      } else if (id == kChild) {
        ++seen;
        EXPECT_EQ(Text(span["operationName"].value()), "charge");
        EXPECT_EQ(service, "checkout");
        ASSERT_EQ(refs.size(), 1u) << r.body;
        element ref = refs.at(0).value();
        EXPECT_EQ(Text(ref["refType"].value()), "CHILD_OF");
        EXPECT_EQ(Text(ref["traceID"].value()), kTrace);
        EXPECT_EQ(Text(ref["spanID"].value()), kParent);
      }
    }
    EXPECT_EQ(seen, 2) << r.body;
  });
  r = HttpRequest("GET", p.query, "/api/services");
  ASSERT_EQ(r.status, 200) << r.body;
  CheckJson(r, [&](element root) {
    std::multiset<std::string> services;
    for (element s : Array(root["data"])) services.insert(Text(s));
    EXPECT_EQ(services, (std::multiset<std::string>{"checkout", "frontend"})) << r.body;
    EXPECT_EQ(root["total"].get_int64().value(), 2) << r.body;
  });
  EXPECT_EQ(HttpRequest("GET", p.query, std::string("/api/traces/") + kOtherTrace).status, 404);
  // Search by the child's service finds the whole trace (Jaeger times are microseconds).
  r = HttpRequest("GET", p.query,
                  "/api/traces?service=checkout&start=" + std::to_string(t0_ns / 1000 - 600000000) +
                      "&end=" + std::to_string(NowNs() / 1000 + 60000000));
  ASSERT_EQ(r.status, 200) << r.body;
  CheckJson(r, [&](element root) {
    auto data = Array(root["data"]);
    ASSERT_EQ(data.size(), 1u) << r.body;
    EXPECT_EQ(Text(data.at(0)["traceID"].value()), kTrace);
    EXPECT_EQ(Array(data.at(0)["spans"]).size(), 2u) << r.body;
  });

  // Prometheus: the counter's latest value and the histogram's median at t_s.
  // The single sample of an instant query at t_s; `name` gets its __name__ ("" if none).
  auto instant = [&](const std::string& query, std::string* name) {
    auto res = HttpRequest(
        "GET", p.query, "/api/v1/query?query=" + UrlEncode(query) + "&time=" + std::to_string(t_s));
    EXPECT_EQ(res.status, 200) << res.body;
    double out = -1;
    CheckJson(res, [&](element root) {
      EXPECT_EQ(Text(root["status"].value()), "success") << res.body;
      EXPECT_EQ(Text(root["data"]["resultType"].value()), "vector") << res.body;
      auto result = Array(root["data"]["result"]);
      ASSERT_EQ(result.size(), 1u) << query << ": " << res.body;
      element sample = result.at(0).value();
      element metric = sample["metric"].value();
      if (name) {
        *name = metric["__name__"].error() ? "" : Text(metric["__name__"].value());
        EXPECT_EQ(Text(metric["job"].value()), "checkout") << res.body;
      }
      auto value = Array(sample["value"]);
      EXPECT_EQ(value.at(0).get_double().value(), static_cast<double>(t_s)) << res.body;
      out = std::strtod(Text(value.at(1).value()).c_str(), nullptr);
    });
    return out;
  };
  std::string name;
  EXPECT_EQ(instant("checkout_orders_total", &name), 12.0);
  EXPECT_EQ(name, "checkout_orders_total");
  // 7 over 298 s, extrapolated to 300 s, per second.
  EXPECT_NEAR(instant("rate(checkout_orders_total[5m])", &name), 7.0 / 298, 1e-12);
  EXPECT_EQ(name, "");
  EXPECT_NEAR(instant("histogram_quantile(0.5, rate(checkout_latency_bucket[5m]))", nullptr), 1.75,
              1e-9);
  EXPECT_NEAR(instant("sum(increase(checkout_latency_count[5m])) / "
                      "sum(increase(checkout_orders_total[5m]))",
                      nullptr),
              10.0 / 7.0, 1e-9);

  r = HttpRequest("GET", p.query,
                  "/api/v1/series?match[]=" + UrlEncode("{__name__=~\"checkout_orders.*\"}") +
                      "&start=" + std::to_string(t_s - 600) + "&end=" + std::to_string(t_s));
  ASSERT_EQ(r.status, 200) << r.body;
  CheckJson(r, [&](element root) {
    auto data = Array(root["data"]);
    ASSERT_EQ(data.size(), 1u) << r.body;
    std::map<std::string, std::string> labels;
    for (auto [k, v] : Object(data.at(0))) labels[std::string(k)] = Text(v);
    EXPECT_EQ(labels, (std::map<std::string, std::string>{{"__name__", "checkout_orders_total"},
                                                          {"job", "checkout"}}))
        << r.body;
  });

  // Exemplars: exactly the trace ids that were attached.
  EXPECT_EQ(ExemplarTraceIds(p.query, "checkout_latency_bucket", t_s - 600, t_s),
            (std::multiset<std::string>{kExemplarTrace1, kExemplarTrace2}));
  EXPECT_EQ(ExemplarTraceIds(p.query, "checkout_orders_total", t_s - 600, t_s),
            (std::multiset<std::string>{kExemplarTrace3}));

  // Loki: the logs of one trace, and nothing else.
  std::string logql = std::string(R"({service_name="checkout"} | trace_id=")") + kTrace + "\"";
  uint64_t from = t0_ns - 600'000'000'000ull, to = NowNs() + 60'000'000'000ull;
  r = HttpRequest("GET", p.query,
                  "/loki/api/v1/query_range?query=" + UrlEncode(logql) + "&start=" +
                      std::to_string(from) + "&end=" + std::to_string(to) + "&limit=100");
  ASSERT_EQ(r.status, 200) << r.body;
  CheckJson(r, [&](element root) {
    EXPECT_EQ(Text(root["status"].value()), "success");
    EXPECT_EQ(Text(root["data"]["resultType"].value()), "streams");
    std::multimap<std::string, std::string> lines;  // line → timestamp
    for (element stream : Array(root["data"]["result"])) {
      EXPECT_EQ(Text(stream["stream"]["service_name"].value()), "checkout") << r.body;
      for (element v : Array(stream["values"]))
        lines.emplace(Text(v.at(1).value()), Text(v.at(0).value()));
    }
    EXPECT_EQ(lines, (std::multimap<std::string, std::string>{
                         {"payment authorized", std::to_string(t0_ns)},
                         {"payment captured", std::to_string(t0_ns + 2000000)}}))
        << r.body;
  });
  r = HttpRequest(
      "GET", p.query,
      "/loki/api/v1/labels?start=" + std::to_string(from) + "&end=" + std::to_string(to));
  ASSERT_EQ(r.status, 200) << r.body;
  CheckJson(r, [&](element root) {
    std::multiset<std::string> labels;
    for (element l : Array(root["data"])) labels.insert(Text(l));
    EXPECT_EQ(labels, (std::multiset<std::string>{"service_name"})) << r.body;
  });
  EXPECT_EQ(otter.Stop(kStopDeadline), 0) << otter.Log();
}

// ---- 2. crash durability --------------------------------------------------------------------

std::string SpanProto(const std::string& trace_id, uint64_t start_ns) {
  return TracesProto(
      R"({"resourceSpans":[{)" + Resource("crash") + R"(,"scopeSpans":[{"spans":[{"traceId":")" +
      trace_id + R"(","spanId":"00000000000000a1","name":"op","kind":2,"startTimeUnixNano":)" +
      Str(start_ns) + R"(,"endTimeUnixNano":)" + Str(start_ns + 1000000) + "}]}]}]}");
}

TEST(StoreE2eTest, EveryAcknowledgedTraceSurvivesKill9) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  Ports p;
  OtterProcess otter(dir, "before", StoreConfig(p, data));
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();

  std::mutex mu;
  std::vector<std::string> acked;
  std::atomic<bool> stop{false};
  std::atomic<int> acked_count{0};
  std::vector<std::thread> senders;
  const uint64_t now = NowNs();
  for (int s = 0; s < 2; ++s) {
    senders.emplace_back([&, s] {
      for (uint64_t i = 1; !stop.load(); ++i) {
        char id[33];
        std::snprintf(id, sizeof id, "c0ffee%02x%08x%016llx", s, 0,
                      static_cast<unsigned long long>(i));
        auto r = HttpRequest("POST", p.otlp, "/v1/traces", SpanProto(id, now), kProtobuf);
        if (r.status == 200) {
          std::lock_guard lock(mu);
          acked.push_back(id);
          ++acked_count;
        } else if (r.status == 0) {
          return;  // the process is gone
        }
      }
    });
  }
  // Let the senders run under load, then kill -9 with requests in flight.
  bool enough = Eventually([&] { return acked_count.load() >= 1000; });
  otter.Kill();
  stop = true;
  for (auto& t : senders) t.join();
  ASSERT_TRUE(enough) << "only " << acked_count.load() << " acknowledged\n" << otter.Log();

  Ports p2;
  OtterProcess after(dir, "after", StoreConfig(p2, data));
  ASSERT_TRUE(after.Start(p2.health)) << after.Log();
  std::vector<std::string> missing;
  for (const auto& id : acked)
    if (JaegerSpanCount(p2.query, id) != 1) missing.push_back(id);
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << acked.size()
                               << " acknowledged traces lost, e.g. " << missing.front() << "\n"
                               << after.Log();
  std::string log = after.Log();
  // Every acknowledged request is one WAL record; requests in flight at the kill may add more.
  size_t at = log.find("replayed ");
  ASSERT_NE(at, std::string::npos) << log;
  EXPECT_GE(std::strtoull(log.c_str() + at + 9, nullptr, 10), acked.size()) << log;
  EXPECT_EQ(Joined(LogLines(log, "error")) + Joined(LogLines(log, "critical")), "") << log;
  EXPECT_EQ(after.Stop(kStopDeadline), 0) << after.Log();
}

// ---- 3. torn WAL tail ---------------------------------------------------------------------

TEST(StoreE2eTest, TornWalTailIsTruncatedWithAWarning) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  const uint64_t now = NowNs();
  const std::string kBefore = "aaaaaaaaaaaaaaaa0000000000000001";
  {
    Ports p;
    OtterProcess otter(dir, "first", StoreConfig(p, data));
    ASSERT_TRUE(otter.Start(p.health)) << otter.Log();
    auto r = HttpRequest("POST", p.otlp, "/v1/traces", SpanProto(kBefore, now), kProtobuf);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(otter.Stop(kStopDeadline), 0) << otter.Log();
  }
  // The newest segment gets a record header promising 1000 bytes, followed by only 10.
  std::string newest;
  for (const auto& e : fs::directory_iterator(data + "/wal"))
    if (e.path().extension() == ".wal" && e.path().string() > newest) newest = e.path().string();
  ASSERT_FALSE(newest.empty());
  const auto size_before = fs::file_size(newest);
  {
    std::string garbage = {'\xe8', '\x03', 0, 0, '\x12', '\x34', '\x56', '\x78', 1};
    garbage += std::string(10, 'x');
    std::ofstream(newest, std::ios::binary | std::ios::app) << garbage;
  }
  ASSERT_EQ(fs::file_size(newest), size_before + 19);

  Ports p;
  OtterProcess otter(dir, "second", StoreConfig(p, data));
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();
  EXPECT_EQ(JaegerSpanCount(p.query, kBefore), 1) << otter.Log();
  std::string log = otter.Log();
  auto warnings = LogLines(log, "warning");
  bool found = false;
  for (const auto& w : warnings)
    found |= w.find("truncating 19 bytes") != std::string::npos &&
             w.find(fs::path(newest).filename().string()) != std::string::npos;
  EXPECT_TRUE(found) << log;
  EXPECT_EQ(fs::file_size(newest), size_before) << "the torn tail was not cut off";
  // The store keeps working after the repair.
  const std::string kAfter = "aaaaaaaaaaaaaaaa0000000000000002";
  auto r = HttpRequest("POST", p.otlp, "/v1/traces", SpanProto(kAfter, now), kProtobuf);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JaegerSpanCount(p.query, kAfter), 1);
  EXPECT_EQ(otter.Stop(kStopDeadline), 0) << otter.Log();
}

// ---- 4. flush to blocks and restart ---------------------------------------------------------

std::vector<std::string> BlockFiles(const std::string& data, const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(data + "/blocks", ec)) {
    std::string name = e.path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(".blk")) out.push_back(name);
  }
  return out;
}

TEST(StoreE2eTest, FlushedBlocksAreQueryableAfterRestart) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  const std::string extra = "    head_max_mib: 1\n    compaction_max_mib: 1\n";
  Ports p;
  OtterProcess otter(dir, "first", StoreConfig(p, data, extra));
  ASSERT_TRUE(otter.Start(p.health)) << otter.Log();

  // ~5 MB of spans in 20 requests; traces of 10 spans, distinct ids per seed.
  std::map<std::string, int> spans_of_trace;
  size_t bytes = 0;
  const uint64_t now = NowNs() - 3'600'000'000'000ull;
  for (int i = 0; i < 20; ++i) {
    auto batch = otlp::MakeSyntheticTraces(500, 1000 + i, now + i * 1'000'000'000ull);
    for (const auto& rs : batch.resources())
      for (const auto& ss : rs.scope_spans)
        for (const auto& span : ss.spans) ++spans_of_trace[span.trace_id.Hex()];
    std::string body;
    otlp::EncodeTraces(batch, &body);
    bytes += body.size();
    // With a 1 MiB head the store may be a flush behind: it answers 503 (retryable), and an
    // exporter retries, as here.
    auto r = HttpRequest("POST", p.otlp, "/v1/traces", body, kProtobuf);
    for (int attempt = 0; r.status == 503 && attempt < 200; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      r = HttpRequest("POST", p.otlp, "/v1/traces", body, kProtobuf);
    }
    ASSERT_EQ(r.status, 200) << r.body;
  }
  ASSERT_GE(bytes, 4u << 20);
  ASSERT_EQ(spans_of_trace.size(), 1000u);
  EXPECT_TRUE(Eventually([&] {
    return Metric(p.metrics, "otter_store_flushes_total") >= 1 &&
           !BlockFiles(data, "traces-").empty();
  })) << "flushes: "
      << Metric(p.metrics, "otter_store_flushes_total") << "\n"
      << otter.Log();
  EXPECT_EQ(Metric(p.metrics, R"(otter_store_written_items_total{signal="traces"})"), 10000);
  // Each 1 MiB head makes a small block: the background compaction merges them.
  EXPECT_TRUE(Eventually([&] {
    return Metric(p.metrics, R"(otter_store_compactions_total{signal="traces"})") >= 1;
  })) << otter.Log();
  // The data is an hour old and retention is 7 days: nothing may have been deleted.
  EXPECT_EQ(Metric(p.metrics, "otter_store_retention_deleted_blocks_total"), 0) << otter.Log();
  EXPECT_EQ(otter.Stop(kStopDeadline), 0) << otter.Log();
  EXPECT_FALSE(BlockFiles(data, "traces-").empty());

  Ports p2;
  OtterProcess after(dir, "after", StoreConfig(p2, data, extra));
  ASSERT_TRUE(after.Start(p2.health)) << after.Log();
  EXPECT_GE(Metric(p2.metrics, R"(otter_store_blocks{signal="traces"})"), 1) << after.Log();
  int wrong = 0;
  std::string example;
  for (const auto& [id, spans] : spans_of_trace) {
    int got = JaegerSpanCount(p2.query, id);
    if (got != spans) {
      if (wrong++ == 0) example = id + ": " + std::to_string(got) + " of " + std::to_string(spans);
    }
  }
  EXPECT_EQ(wrong, 0) << "e.g. " << example << "\n" << after.Log();
  std::string log = after.Log();
  EXPECT_EQ(Joined(LogLines(log, "error")) + Joined(LogLines(log, "critical")), "") << log;
  EXPECT_EQ(after.Stop(kStopDeadline), 0) << after.Log();
}

// ---- 5. otter validate ----------------------------------------------------------------------

// Runs `otter validate --config <path>`; returns the exit code and the combined output.
int RunValidate(const std::string& config_path, std::string* output) {
  std::string cmd = std::string(OTTER_BINARY) + " validate --config " + config_path + " 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) output->append(buf, n);
  int st = pclose(f);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(StoreE2eTest, ValidateWarnsAboutBatchInFrontOfStore) {
  TempDir dir;
  Ports p;
  std::string plain = StoreConfig(p, dir.path() + "/data");
  std::string with_batch = plain;
  // Add a batch processor and put it in the traces pipeline in front of the store.
  with_batch.replace(with_batch.find("exporters:\n  store:"), 0, "  batch:\n    timeout: 100ms\n");
  auto at =
      with_batch.find("    traces:\n      receivers: [otlp]\n      processors: [memory_limiter]");
  ASSERT_NE(at, std::string::npos);
  with_batch.replace(with_batch.find("[memory_limiter]", at), 16, "[memory_limiter, batch]");

  std::string out;
  EXPECT_EQ(RunValidate(dir.Write("batch.yaml", with_batch), &out), 0) << out;
  bool warned = false;
  for (const auto& line : LogLines(out, "warning"))
    warned |= line.find("\"batch\"") != std::string::npos &&
              line.find("\"store\"") != std::string::npos &&
              line.find("traces") != std::string::npos;
  EXPECT_TRUE(warned) << out;
  EXPECT_EQ(LogLines(out, "warning").size(), 1u) << out;
  EXPECT_NE(out.find("batch.yaml:"), std::string::npos) << "no file:line in " << out;
  EXPECT_FALSE(fs::exists(dir.path() + "/data")) << "validate opened the store";

  out.clear();
  EXPECT_EQ(RunValidate(dir.Write("plain.yaml", plain), &out), 0) << out;
  EXPECT_EQ(out.find("batch"), std::string::npos) << out;
  EXPECT_EQ(LogLines(out, "warning").size(), 0u) << out;
  EXPECT_NE(out.find("is valid (3 pipelines)"), std::string::npos) << out;
}

}  // namespace
}  // namespace otter::testing
