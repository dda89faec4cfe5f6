#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

#include "component/registry.h"
#include "config/loader.h"
#include "exporters/exporterhelper/testing.h"
#include "exporters/loadbalancing/config.h"
#include "exporters/loadbalancing/exporter.h"
#include "exporters/loadbalancing/partition.h"
#include "exporters/loadbalancing/ring.h"

namespace otter {
void RegisterBuiltins(Registry&);
namespace loadbalancing {
namespace {

pdata::TraceId TraceIdOf(uint64_t n) {
  pdata::TraceId id;
  for (int i = 0; i < 8; ++i) id.bytes[8 + i] = static_cast<uint8_t>(n >> (8 * i));
  id.bytes[0] = 1;
  return id;
}

std::string IdKey(const pdata::TraceId& id) {
  return std::string(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
}

TEST(HashRingTest, SpreadsKeysEvenlyAndRemovingOneBackendMovesOnlyItsKeys) {
  HashRing three({"gw-a:4317", "gw-b:4317", "gw-c:4317"});
  HashRing two({"gw-a:4317", "gw-c:4317"});
  constexpr int kTraces = 100000;
  std::map<std::string, int> load;
  int moved = 0;
  for (int i = 0; i < kTraces; ++i) {
    uint64_t h = HashKey(IdKey(TraceIdOf(i)));
    const std::string& before = three.endpoints()[three.Pick(h)];
    const std::string& after = two.endpoints()[two.Pick(h)];
    ++load[before];
    if (before != after) {
      ++moved;
      EXPECT_EQ(before, "gw-b:4317") << "only the removed backend's keys may move";
    }
  }
  for (const auto& [ep, n] : load) {
    EXPECT_GT(n, kTraces / 3 * 0.85) << ep;
    EXPECT_LT(n, kTraces / 3 * 1.15) << ep;
  }
  EXPECT_EQ(moved, load["gw-b:4317"]);
  EXPECT_LE(moved, kTraces * 0.40);
}

TEST(HashRingTest, AddingABackendMovesAboutAQuarterOfTheKeysToIt) {
  HashRing three({"10.0.0.1:4317", "10.0.0.2:4317", "10.0.0.3:4317"});
  HashRing four({"10.0.0.1:4317", "10.0.0.2:4317", "10.0.0.3:4317", "10.0.0.4:4317"});
  int moved = 0;
  for (int i = 0; i < 50000; ++i) {
    uint64_t h = HashKey("service-" + std::to_string(i));
    const std::string& after = four.endpoints()[four.Pick(h)];
    if (three.endpoints()[three.Pick(h)] != after) {
      ++moved;
      EXPECT_EQ(after, "10.0.0.4:4317");
    }
  }
  EXPECT_GT(moved, 50000 * 0.18);
  EXPECT_LT(moved, 50000 * 0.32);
}

TEST(HashRingTest, OrderAndDuplicatesOfTheListDoNotMatter) {
  HashRing a({"b:1", "a:1", "c:1"});
  HashRing b({"c:1", "a:1", "b:1", "a:1"});
  ASSERT_EQ(a.endpoints(), b.endpoints());
  for (int i = 0; i < 1000; ++i) {
    uint64_t h = HashKey(std::to_string(i));
    EXPECT_EQ(a.Pick(h), b.Pick(h));
  }
}

// Two resources, each with two scopes, each with spans of 40 traces (3 spans per trace).
pdata::TraceBatch Traces() {
  pdata::TraceBatch batch;
  for (int r = 0; r < 2; ++r) {
    auto& rs = batch.resources().emplace_back();
    rs.resource.attributes = {
        {"service.name", pdata::AnyValue::String(r == 0 ? "cart" : "checkout")}};
    for (int s = 0; s < 2; ++s) {
      auto& ss = rs.scope_spans.emplace_back();
      ss.scope.name = s == 0 ? "http" : "db";
      for (int t = 0; t < 40; ++t) {
        for (int k = 0; k < 3; ++k) {
          auto& span = ss.spans.emplace_back();
          span.trace_id = TraceIdOf(t);
          span.span_id.bytes[0] = static_cast<uint8_t>(k + 1);
          span.name = "op";
        }
      }
    }
  }
  return batch;
}

TEST(PartitionTest, EverySpanOfATraceGoesToOneBackendUnderItsOwnResourceAndScope) {
  HashRing ring({"a:4317", "b:4317", "c:4317"});
  auto parts = Partition(Traces(), ring, {RoutingKey::kTraceId});
  ASSERT_EQ(parts.size(), 3u);
  std::map<std::string, size_t> backend_of_trace;
  size_t spans = 0;
  for (auto& [b, part] : parts) {
    for (const auto& rs : part.resources()) {
      const std::string service = rs.resource.attributes[0].value.ToString();
      for (const auto& ss : rs.scope_spans) {
        EXPECT_TRUE(ss.scope.name == "http" || ss.scope.name == "db");
        for (const auto& span : ss.spans) {
          ++spans;
          auto [it, fresh] = backend_of_trace.try_emplace(IdKey(span.trace_id), b);
          EXPECT_EQ(it->second, b) << "a trace was split across backends";
          EXPECT_EQ(b, ring.Pick(HashKey(IdKey(span.trace_id))));
        }
      }
      EXPECT_TRUE(service == "cart" || service == "checkout");
    }
  }
  EXPECT_EQ(spans, 2u * 2 * 40 * 3);
  EXPECT_EQ(backend_of_trace.size(), 40u);
}

TEST(PartitionTest, ServiceRoutingMovesWholeResources) {
  HashRing ring({"a:4317", "b:4317", "c:4317", "d:4317"});
  auto parts = Partition(Traces(), ring, {RoutingKey::kService});
  size_t resources = 0;
  for (auto& [b, part] : parts) {
    for (const auto& rs : part.resources()) {
      ++resources;
      EXPECT_EQ(b, ring.Pick(HashKey(rs.resource.attributes[0].value.ToString())));
      EXPECT_EQ(rs.scope_spans.size(), 2u);
      EXPECT_EQ(rs.scope_spans[0].spans.size(), 120u);
    }
  }
  EXPECT_EQ(resources, 2u);
}

TEST(PartitionTest, AttributeRoutingUsesTheNamedValuesAndFallsBackToTheTraceId) {
  pdata::TraceBatch batch = Traces();
  for (auto& span : batch.resources()[0].scope_spans[0].spans)
    span.attributes = {{"tenant", pdata::AnyValue::String("acme")}};
  std::vector<std::string> names = {"tenant"};
  HashRing ring({"a:4317", "b:4317", "c:4317"});
  auto parts = Partition(std::move(batch), ring, {RoutingKey::kAttributes, &names});
  size_t acme = 0;
  for (auto& [b, part] : parts) {
    for (const auto& rs : part.resources())
      for (const auto& ss : rs.scope_spans)
        for (const auto& span : ss.spans) {
          if (!span.attributes.empty()) {
            ++acme;
            EXPECT_EQ(b, ring.Pick(HashKey(std::string("acme") + '\x1f')));
          } else {
            EXPECT_EQ(b, ring.Pick(HashKey(IdKey(span.trace_id))));
          }
        }
  }
  EXPECT_EQ(acme, 120u);
}

TEST(PartitionTest, LogsWithoutTraceIdsGoRoundRobin) {
  pdata::LogBatch batch;
  auto& sl = batch.resources().emplace_back().scope_logs.emplace_back();
  for (int i = 0; i < 9; ++i) sl.log_records.emplace_back().body = pdata::AnyValue::Int(i);
  std::atomic<uint64_t> rr{0};
  HashRing ring({"a:1", "b:1", "c:1"});
  auto parts = Partition(std::move(batch), ring, {RoutingKey::kTraceId, nullptr, &rr});
  ASSERT_EQ(parts.size(), 3u);
  for (auto& [b, part] : parts) EXPECT_EQ(part.ItemCount(), 3u);
}

TEST(PartitionTest, StreamIdRoutingSplitsAMetricByPointAttributes) {
  pdata::MetricBatch batch;
  auto& rm = batch.resources().emplace_back();
  rm.resource.attributes = {{"service.name", pdata::AnyValue::String("api")}};
  auto& m = rm.scope_metrics.emplace_back().metrics.emplace_back();
  m.name = "requests";
  m.type = pdata::MetricType::kSum;
  m.is_monotonic = true;
  for (int i = 0; i < 60; ++i) {
    auto& p = m.number_points.emplace_back();
    p.attributes = {{"route", pdata::AnyValue::String(i % 2 ? "/a" : "/b")},
                    {"pod", pdata::AnyValue::Int(i % 30)}};
    p.as_int = i;
  }
  HashRing ring({"a:1", "b:1", "c:1"});
  auto parts = Partition(std::move(batch), ring, {RoutingKey::kStreamId});
  EXPECT_EQ(parts.size(), 3u);
  std::map<std::string, size_t> backend_of_stream;
  size_t points = 0;
  for (auto& [b, part] : parts) {
    const auto& metric = part.resources()[0].scope_metrics[0].metrics[0];
    EXPECT_EQ(metric.name, "requests");
    EXPECT_TRUE(metric.is_monotonic);
    for (const auto& p : metric.number_points) {
      ++points;
      std::string stream = p.attributes[0].value.ToString() + p.attributes[1].value.ToString();
      auto [it, fresh] = backend_of_stream.try_emplace(stream, b);
      EXPECT_EQ(it->second, b);
    }
  }
  EXPECT_EQ(points, 60u);
  EXPECT_EQ(backend_of_stream.size(), 30u);
}

// ---- config ----------------------------------------------------------------------------------

StatusOr<LoadBalancingConfig> Parse(const std::string& yaml) {
  auto node = config::ParseYaml(yaml, "t.yaml");
  if (!node.ok()) return node.status();
  Registry r;
  RegisterBuiltins(r);
  config::Diagnostics d;
  auto cfg = r.Find(ComponentKind::kExporter, "loadbalancing")->parse_config(*node, d);
  if (!d.errors().empty()) return InvalidArgument(d.errors()[0]);
  return static_cast<const LoadBalancingConfig&>(*cfg);
}

TEST(LoadBalancingConfigTest, OtelcolKeysAndErrors) {
  auto ok = Parse(
      "routing_key: service\n"
      "protocol: {otlp: {timeout: 1s, tls: {insecure: true}}}\n"
      "resolver: {static: {hostnames: [gw-1:4317, gw-2, '[::1]:5317']}}\n");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->routing_key, "service");
  EXPECT_EQ(WithDefaultPort("gw-2"), "gw-2:4317");
  EXPECT_EQ(WithDefaultPort("[::1]:5317"), "[::1]:5317");
  EXPECT_EQ(WithDefaultPort("::1"), "[::1]:4317");
  EXPECT_EQ(ok->BackendConfig("gw-2:4317").endpoint, "gw-2:4317");
  EXPECT_EQ(ok->BackendConfig("gw-2:4317").timeout, std::chrono::seconds(1));

  auto no_resolver = Parse("protocol: {otlp: {tls: {insecure: true}}}\n");
  ASSERT_FALSE(no_resolver.ok());
  EXPECT_NE(no_resolver.status().message().find("no resolver configured"), std::string::npos)
      << no_resolver.status().message();
  auto k8s = Parse("resolver: {k8s: {service: lb}}\n");
  EXPECT_NE(k8s.status().message().find("\"k8s\" is not supported yet"), std::string::npos)
      << k8s.status().message();
  auto endpoint =
      Parse("protocol: {otlp: {endpoint: x:1}}\nresolver: {static: {hostnames: [a]}}\n");
  EXPECT_NE(endpoint.status().message().find("otlp.endpoint must not be set"), std::string::npos);
  auto key = Parse("routing_key: span\nresolver: {static: {hostnames: [a]}}\n");
  EXPECT_NE(key.status().message().find("\"span\" is not one of"), std::string::npos);

  LoadBalancingConfig c;
  c.routing_key = "traceID";
  EXPECT_FALSE(c.KeyFor(Signal::kMetrics).ok());
  c.routing_key = "";
  EXPECT_EQ(*c.KeyFor(Signal::kMetrics), RoutingKey::kService);
  EXPECT_EQ(*c.KeyFor(Signal::kLogs), RoutingKey::kTraceId);
}

// ---- exporter with fake backends -------------------------------------------------------------

// Records what each backend received; answers with `answer`.
struct FakeBackends {
  std::mutex mu;
  std::map<std::string, size_t> spans;  // by endpoint
  std::map<std::string, int> started, stopped;
  Status answer;

  class Fake final : public Exporter, public TraceConsumer {
   public:
    Fake(FakeBackends* f, std::string ep) : f_(f), ep_(std::move(ep)) {}
    Status Start() override {
      std::lock_guard l(f_->mu);
      ++f_->started[ep_];
      return Status::Ok();
    }
    void Shutdown() override {
      std::lock_guard l(f_->mu);
      ++f_->stopped[ep_];
    }
    Consumers consumers() override { return {this, nullptr, nullptr}; }
    void Consume(pdata::TraceBatch&& b, Completion done) override {
      Status s;
      {
        std::lock_guard l(f_->mu);
        f_->spans[ep_] += b.ItemCount();
        s = f_->answer;
      }
      done(s);
    }

   private:
    FakeBackends* f_;
    std::string ep_;
  };

  BackendFactory Factory() {
    return
        [this](const ComponentContext&,
               const otlp_grpc_exporter::OtlpGrpcConfig& c) -> StatusOr<std::unique_ptr<Exporter>> {
          return std::unique_ptr<Exporter>(std::make_unique<Fake>(this, c.endpoint));
        };
  }
};

TEST(LoadBalancingExporterTest, SendsEachBackendItsPartAndJoinsTheAnswers) {
  exporterhelper::testing::TestContext tc({"loadbalancing", ""});
  FakeBackends fakes;
  LoadBalancingConfig cfg;
  cfg.resolver.static_hosts = StaticResolver{{"a", "b:4317", "c:4318"}};
  auto exp = CreateExporter(tc.ctx(), cfg, fakes.Factory());
  ASSERT_TRUE(exp.ok());
  ASSERT_TRUE((*exp)->Start().ok());
  exporterhelper::testing::Answer answer;
  (*exp)->consumers().traces->Consume(Traces(), answer.done());
  EXPECT_TRUE(answer.get().ok());
  EXPECT_EQ(fakes.spans.size(), 3u);
  size_t total = 0;
  for (const auto& [ep, n] : fakes.spans) total += n;
  EXPECT_EQ(total, 480u);
  EXPECT_EQ(fakes.spans.count("a:4317"), 1u);
  EXPECT_EQ(fakes.spans.count("c:4318"), 1u);
  EXPECT_EQ(tc.metrics().Value("otelcol_loadbalancer_num_backends", {{"resolver", "static"}}), 3);

  fakes.answer = Unavailable("backend down");
  exporterhelper::testing::Answer failed;
  (*exp)->consumers().traces->Consume(Traces(), failed.done());
  EXPECT_EQ(failed.get().code(), StatusCode::kUnavailable);

  (*exp)->Shutdown();
  for (const auto& ep : {"a:4317", "b:4317", "c:4318"}) EXPECT_EQ(fakes.stopped[ep], 1) << ep;
}

TEST(LoadBalancingExporterTest, DnsChangesRebuildTheRingAndRetireRemovedBackends) {
  exporterhelper::testing::TestContext tc({"loadbalancing", "gw"});
  FakeBackends fakes;
  LoadBalancingConfig cfg;
  cfg.resolver.dns = DnsResolver{"gateways.example", "4317", std::chrono::milliseconds(20),
                                 std::chrono::seconds(1)};
  std::mutex mu;
  std::vector<std::string> answer = {"10.0.0.1", "10.0.0.2"};
  bool fail = false;
  HostLookup lookup = [&](const std::string& host, Duration) -> StatusOr<std::vector<std::string>> {
    EXPECT_EQ(host, "gateways.example");
    std::lock_guard l(mu);
    if (fail) return Unavailable("SERVFAIL");
    return answer;
  };
  auto exp = CreateExporter(tc.ctx(), cfg, fakes.Factory(), lookup);
  ASSERT_TRUE(exp.ok());
  ASSERT_TRUE((*exp)->Start().ok());
  auto backends = [&] {
    return tc.metrics().Value("otelcol_loadbalancer_num_backends", {{"resolver", "dns"}});
  };
  EXPECT_EQ(backends(), 2);
  {
    std::lock_guard l(mu);
    answer = {"10.0.0.2", "10.0.0.3", "::1"};
  }
  for (int i = 0; i < 500 && backends() != 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(backends(), 3);
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard l(fakes.mu);
      if (fakes.stopped["10.0.0.1:4317"] == 1) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard l(fakes.mu);
    EXPECT_EQ(fakes.stopped["10.0.0.1:4317"], 1) << "a removed backend is shut down";
    EXPECT_EQ(fakes.started["10.0.0.2:4317"], 1) << "a backend that stays is reused";
    EXPECT_EQ(fakes.started["[::1]:4317"], 1);
  }
  {
    std::lock_guard l(mu);
    fail = true;
  }
  for (int i = 0; i < 500; ++i) {
    if (tc.metrics().Value("otelcol_loadbalancer_num_resolutions",
                           {{"resolver", "dns"}, {"success", "false"}}) > 0)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(backends(), 3) << "a failed resolution keeps the last list";
  exporterhelper::testing::Answer answer_done;
  (*exp)->consumers().traces->Consume(Traces(), answer_done.done());
  EXPECT_TRUE(answer_done.get().ok());
  (*exp)->Shutdown();
}

TEST(LoadBalancingExporterTest, RefusesRetryablyWithoutBackendsAndPermanentlyForAWrongKey) {
  exporterhelper::testing::TestContext tc({"loadbalancing", ""});
  FakeBackends fakes;
  LoadBalancingConfig cfg;
  cfg.resolver.dns =
      DnsResolver{"nowhere.example", "4317", std::chrono::seconds(60), std::chrono::seconds(1)};
  auto exp = CreateExporter(tc.ctx(), cfg, fakes.Factory(),
                            [](const std::string&, Duration) -> StatusOr<std::vector<std::string>> {
                              return Unavailable("NXDOMAIN");
                            });
  ASSERT_TRUE((*exp)->Start().ok());
  exporterhelper::testing::Answer none;
  (*exp)->consumers().traces->Consume(Traces(), none.done());
  EXPECT_EQ(none.get().code(), StatusCode::kUnavailable);
  (*exp)->Shutdown();

  LoadBalancingConfig by_trace;
  by_trace.routing_key = "traceID";
  by_trace.resolver.static_hosts = StaticResolver{{"a"}};
  auto exp2 = CreateExporter(tc.ctx(), by_trace, fakes.Factory());
  ASSERT_TRUE((*exp2)->Start().ok());
  exporterhelper::testing::Answer wrong;
  (*exp2)->consumers().metrics->Consume(pdata::MetricBatch(), wrong.done());
  Status s = wrong.get();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("cannot route metrics"), std::string::npos);
  (*exp2)->Shutdown();
}

TEST(LoadBalancingExporterTest, SystemLookupResolvesLocalhost) {
  auto ips = SystemLookup("localhost", std::chrono::seconds(5));
  ASSERT_TRUE(ips.ok()) << ips.status().ToString();
  EXPECT_NE(std::find(ips->begin(), ips->end(), "127.0.0.1"), ips->end());
}

}  // namespace
}  // namespace loadbalancing
}  // namespace otter
