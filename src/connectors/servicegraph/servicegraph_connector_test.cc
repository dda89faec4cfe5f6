#include "connectors/servicegraph/servicegraph_connector.h"

#include <gtest/gtest.h>

#include <map>

#include "config/loader.h"

namespace otter {
namespace {

using pdata::AnyValue;
using pdata::SpanKind;

struct MetricSink : MetricConsumer {
  std::vector<pdata::MetricBatch> got;
  void Consume(pdata::MetricBatch&& b, Completion done) override {
    got.push_back(std::move(b));
    done(Status::Ok());
  }
};

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;
constexpr uint64_t kSec = 1'000'000'000ull;

struct SpanSpec {
  std::string service;
  SpanKind kind;
  uint8_t span_id, parent_id;
  uint64_t duration_ns = 10'000'000;
  pdata::StatusCode status = pdata::StatusCode::kUnset;
  std::vector<std::pair<std::string, std::string>> attrs = {};
  uint8_t trace = 1;
};

pdata::TraceBatch Batch(const std::vector<SpanSpec>& specs) {
  pdata::TraceBatch b;
  auto& a = b.arenas();
  for (const auto& sp : specs) {
    auto& rs = b.resources().emplace_back();
    rs.resource.attributes = {{"service.name", AnyValue::String(a.Copy(sp.service))},
                              {"k8s.cluster.name", AnyValue::String("east")}};
    auto& span = rs.scope_spans.emplace_back().spans.emplace_back();
    span.trace_id.bytes[0] = sp.trace;
    span.span_id.bytes[0] = sp.span_id;
    span.parent_span_id.bytes[0] = sp.parent_id;
    span.kind = sp.kind;
    span.status.code = sp.status;
    span.start_time_unix_nano = kT0;
    span.end_time_unix_nano = kT0 + sp.duration_ns;
    for (const auto& [k, v] : sp.attrs)
      span.attributes.push_back({a.Copy(k), AnyValue::String(a.Copy(v))});
  }
  return b;
}

std::string Attrs(const pdata::Attributes& attrs) {
  std::string s;
  for (const auto& kv : attrs)
    s += (s.empty() ? "" : ",") + std::string(kv.key) + "=" + kv.value.ToString();
  return s;
}

const pdata::Metric* Find(const pdata::MetricBatch& b, std::string_view name) {
  for (const auto& rm : b.resources())
    for (const auto& sm : rm.scope_metrics)
      for (const auto& m : sm.metrics)
        if (m.name == name) return &m;
  return nullptr;
}

// Counter values by attributes.
std::map<std::string, int64_t> Counts(const pdata::MetricBatch& b, std::string_view name) {
  std::map<std::string, int64_t> out;
  if (const auto* m = Find(b, name))
    for (const auto& p : m->number_points) out[Attrs(p.attributes)] = p.as_int;
  return out;
}

class ServiceGraphTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServiceGraphConnector> Make(const std::string& yaml = "{}") {
    auto node = config::ParseYaml(yaml, "sg.yaml");
    EXPECT_TRUE(node.ok());
    config::Diagnostics d;
    ServiceGraphConfigTable().Parse(*node, cfg_, d);
    EXPECT_TRUE(d.ok()) << d.ErrorsText();
    EXPECT_TRUE(cfg_.Validate().ok());
    ComponentContext ctx;
    ctx.id = {"servicegraph", ""};
    ctx.metrics = &self_;
    return std::make_unique<ServiceGraphConnector>(ctx, cfg_, &sink_, [this] { return now_; });
  }
  void Send(ServiceGraphConnector& c, const std::vector<SpanSpec>& specs) {
    Status got = Internal("not answered");
    c.Consume(Batch(specs), Completion([&](Status s) { got = s; }));
    EXPECT_TRUE(got.ok());
  }
  double Self(const std::string& name) {
    return self_.Value(name, {{"connector", "servicegraph"}});
  }
  ServiceGraphConfig cfg_;
  MetricSink sink_;
  telemetry::SelfMetrics self_;
  uint64_t now_ = kT0;
};

TEST_F(ServiceGraphTest, PairsClientAndServerSpansInEitherOrder) {
  auto c = Make();
  Send(*c, {{"backend", SpanKind::kServer, 2, 1, 8'000'000, pdata::StatusCode::kError}});
  Send(*c, {{"frontend", SpanKind::kClient, 1, 0, 10'000'000},
            {"frontend", SpanKind::kInternal, 3, 0}});
  Send(*c, {{"frontend", SpanKind::kClient, 5, 0, 3'000'000, pdata::StatusCode::kUnset, {}, 2},
            {"backend", SpanKind::kServer, 6, 5, 1'000'000, pdata::StatusCode::kUnset, {}, 2}});
  now_ += 60 * kSec;
  c->Flush();
  ASSERT_EQ(sink_.got.size(), 1u);
  const auto& b = sink_.got[0];
  EXPECT_EQ(b.resources().at(0).scope_metrics.at(0).scope.name, "traces_service_graph");
  const std::string failed = "client=frontend,server=backend,connection_type=,failed=true";
  const std::string ok = "client=frontend,server=backend,connection_type=,failed=false";
  EXPECT_EQ(Counts(b, "traces_service_graph_request_total"),
            (std::map<std::string, int64_t>{{failed, 1}, {ok, 1}}));
  EXPECT_EQ(Counts(b, "traces_service_graph_request_failed_total"),
            (std::map<std::string, int64_t>{{failed, 1}}));
  const auto* server = Find(b, "traces_service_graph_request_server");
  const auto* client = Find(b, "traces_service_graph_request_client");
  ASSERT_TRUE(server && client);
  EXPECT_EQ(server->unit, "s");
  EXPECT_EQ(server->temporality, pdata::AggregationTemporality::kCumulative);
  for (const auto& p : server->histogram_points) {
    if (Attrs(p.attributes) != failed) continue;
    std::vector<uint64_t> want(17, 0);
    want[3] = 1;  // 8 ms → (6 ms, 8 ms]
    EXPECT_EQ(p.bucket_counts, want);
    EXPECT_DOUBLE_EQ(*p.sum, 0.008);
    EXPECT_EQ(p.start_time_unix_nano, kT0);
    EXPECT_EQ(p.time_unix_nano, kT0 + 60 * kSec);
  }
  for (const auto& p : client->histogram_points) {
    if (Attrs(p.attributes) == failed) {
      EXPECT_DOUBLE_EQ(*p.sum, 0.010);
    }
  }
  EXPECT_EQ(Self("otelcol_connector_servicegraph_total_edges"), 2);
}

TEST_F(ServiceGraphTest, MessagingAndDatabaseEdges) {
  auto c = Make("metrics_flush_interval: 0s\ndimensions: [k8s.cluster.name, http.route]");
  Send(*c, {{"shop", SpanKind::kProducer, 1, 0},
            {"mailer",
             SpanKind::kConsumer,
             2,
             1,
             1,
             pdata::StatusCode::kUnset,
             {{"http.route", "/send"}}},
            {"shop",
             SpanKind::kClient,
             3,
             0,
             4'000'000,
             pdata::StatusCode::kUnset,
             {{"db.name", "orders"}}}});
  ASSERT_EQ(sink_.got.size(), 1u);  // flush interval 0: after every batch
  EXPECT_EQ(
      Counts(sink_.got[0], "traces_service_graph_request_total"),
      (std::map<std::string, int64_t>{
          {"client=shop,server=mailer,connection_type=messaging_system,failed=false,"
           "client_k8s.cluster.name=east,server_k8s.cluster.name=east,server_http.route=/send",
           1},
          {"client=shop,server=orders,connection_type=database,failed=false,"
           "client_k8s.cluster.name=east",
           1}}));
}

TEST_F(ServiceGraphTest, UnpairedEdgesExpireAfterTtlAndAFullStoreDropsSpans) {
  auto c = Make("store: {ttl: 2s, max_items: 2}");
  Send(*c, {{"a", SpanKind::kClient, 1, 0}, {"a", SpanKind::kClient, 2, 0}});
  Send(*c, {{"a", SpanKind::kClient, 3, 0}});  // the store holds 2
  EXPECT_EQ(Self("otelcol_connector_servicegraph_dropped_spans"), 1);
  now_ += 1 * kSec;
  c->Tick();
  EXPECT_EQ(Self("otelcol_connector_servicegraph_expired_edges"), 0);
  now_ += 1 * kSec;
  c->Tick();
  EXPECT_EQ(Self("otelcol_connector_servicegraph_expired_edges"), 2);
  Send(*c, {{"b", SpanKind::kServer, 9, 1}});  // too late: its client has expired
  c->Flush();
  EXPECT_TRUE(sink_.got.empty());
  EXPECT_EQ(Self("otelcol_connector_servicegraph_total_edges"), 3);
}

TEST_F(ServiceGraphTest, IdleSeriesAreRemovedAfterFifteenMinutes) {
  auto c = Make();
  Send(*c, {{"a", SpanKind::kClient, 1, 0}, {"b", SpanKind::kServer, 2, 1}});
  now_ += 14 * 60 * kSec;
  c->Tick();
  c->Flush();
  now_ += 2 * 60 * kSec;
  c->Tick();
  c->Flush();
  ASSERT_EQ(sink_.got.size(), 1u);
  EXPECT_EQ(Counts(sink_.got[0], "traces_service_graph_request_total").size(), 1u);
}

TEST(ServiceGraphConfigTest, DefaultsAndErrors) {
  ServiceGraphConfig c;
  EXPECT_EQ(c.store.ttl, std::chrono::seconds(2));
  EXPECT_EQ(c.store.max_items, 1000);
  EXPECT_EQ(c.metrics_flush_interval, std::chrono::seconds(60));
  EXPECT_EQ(c.Bounds().size(), 16u);
  EXPECT_EQ(c.Bounds().front(), 0.002);
  EXPECT_EQ(c.DatabaseNameAttributes(), (std::vector<std::string>{"db.name"}));
  c.database_name_attribute = "db.namespace";
  EXPECT_EQ(c.DatabaseNameAttributes(), (std::vector<std::string>{"db.namespace", "db.name"}));
  c.store.max_items = 0;
  EXPECT_EQ(c.Validate().message(), "store: max_items must be positive");
  auto node = config::ParseYaml("virtual_node_peer_attributes: [peer.service]", "sg.yaml");
  config::Diagnostics d;
  ServiceGraphConfig parsed;
  ServiceGraphConfigTable().Parse(*node, parsed, d);
  EXPECT_NE(d.ErrorsText().find("\"virtual_node_peer_attributes\" is not supported yet"),
            std::string::npos);
}

}  // namespace
}  // namespace otter
