#include "connectors/routing/routing_connector.h"

#include <gtest/gtest.h>

#include <map>

#include "config/loader.h"

namespace otter {
namespace {

using pdata::AnyValue;

// A pipeline entry: records "service:span,span" per resource it gets; answers `answer`.
struct Pipeline : TraceConsumer {
  std::vector<std::string> got;
  Status answer = Status::Ok();
  void Consume(pdata::TraceBatch&& b, Completion done) override {
    for (const auto& rs : b.resources()) {
      std::string s =
          pdata::FindAttribute(rs.resource.attributes, "service.name")->ToString() + ":";
      for (const auto& ss : rs.scope_spans)
        for (const auto& sp : ss.spans) s += std::string(sp.name) + ",";
      got.push_back(s);
    }
    done(answer);
  }
};

// One resource per entry: {service, tenant, span names}; each span has attribute
// http.route = its name.
pdata::TraceBatch Batch(
    const std::vector<std::tuple<std::string, std::string, std::vector<std::string>>>& spec) {
  pdata::TraceBatch b;
  auto& a = b.arenas();
  for (const auto& [service, tenant, spans] : spec) {
    auto& rs = b.resources().emplace_back();
    rs.resource.attributes = {{"service.name", AnyValue::String(a.Copy(service))},
                              {"tenant", AnyValue::String(a.Copy(tenant))}};
    auto& ss = rs.scope_spans.emplace_back();
    for (const auto& n : spans) {
      auto& sp = ss.spans.emplace_back();
      sp.name = a.Copy(n);
      sp.attributes.push_back({"http.route", AnyValue::String(sp.name)});
    }
  }
  return b;
}

class RoutingTest : public ::testing::Test {
 protected:
  // Parses `yaml`; on success creates the connector over pipelines traces/a, traces/b, traces/c.
  std::string Make(const std::string& yaml) {
    Registry r;
    RegisterBuiltins(r);
    const Factory* f = r.Find(ComponentKind::kConnector, "routing");
    auto node = config::ParseYaml(yaml, "r.yaml");
    EXPECT_TRUE(node.ok());
    config::Diagnostics d;
    cfg_ = f->parse_config(*node, d);
    if (!d.ok()) return d.ErrorsText();
    ConnectorNext next;
    for (auto& [id, p] : pipelines_) {
      Consumers c;
      c.traces = &p;
      next.pipelines.emplace_back(id, c);
    }
    ComponentContext ctx;
    ctx.id = {"routing", ""};
    ctx.metrics = &self_;
    auto c = f->create_connector(ctx, *cfg_, Signal::kTraces, Signal::kTraces, next);
    if (!c.ok()) return std::string(c.status().message());
    connector_ = std::move(*c);
    return "";
  }
  Status Send(pdata::TraceBatch b) {
    Status got = Internal("not answered");
    connector_->consumers().traces->Consume(std::move(b), Completion([&](Status s) { got = s; }));
    return got;
  }
  std::vector<std::string>& Got(const std::string& id) { return pipelines_[id].got; }

  std::map<std::string, Pipeline> pipelines_ = {
      {"traces/a", {}}, {"traces/b", {}}, {"traces/c", {}}};
  std::unique_ptr<ComponentConfig> cfg_;
  std::unique_ptr<Connector> connector_;
  telemetry::SelfMetrics self_;
};

TEST_F(RoutingTest, ResourcesGoToTheFirstMatchingRouteOrTheDefault) {
  ASSERT_EQ(Make(R"(
default_pipelines: [traces/c]
table:
  - condition: attributes["tenant"] == "acme"
    pipelines: [traces/a]
  - statement: route() where attributes["tenant"] == "acme" or attributes["tenant"] == "globex"
    pipelines: [traces/b, traces/c]
)"),
            "");
  pipelines_["traces/b"].answer = Unavailable("b is down");
  Status s = Send(Batch({{"shop", "acme", {"x"}}, {"mail", "globex", {"y"}}, {"db", "", {"z"}}}));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);  // the worst of the pipelines' answers
  EXPECT_EQ(Got("traces/a"), (std::vector<std::string>{"shop:x,"}));  // matched once: not in b
  EXPECT_EQ(Got("traces/b"), (std::vector<std::string>{"mail:y,"}));
  EXPECT_EQ(Got("traces/c"), (std::vector<std::string>{"mail:y,", "db:z,"}));
}

TEST_F(RoutingTest, SpanRoutesSplitResourcesAndUnroutedDataIsCounted) {
  ASSERT_EQ(Make(R"(
table:
  - context: span
    condition: IsMatch(attributes["http.route"], "^/api")
    pipelines: [traces/a]
  - statement: route()
    context: span
    pipelines: [traces/b]
    )"),
            "");
  ASSERT_TRUE(Send(Batch({{"shop", "t", {"/api/1", "/static", "/api/2"}}})).ok());
  EXPECT_EQ(Got("traces/a"), (std::vector<std::string>{"shop:/api/1,/api/2,"}));
  EXPECT_EQ(Got("traces/b"), (std::vector<std::string>{"shop:/static,"}));

  ASSERT_EQ(Make(R"(
table:
  - condition: attributes["tenant"] == "acme"
    pipelines: [traces/a]
)"),
            "");
  ASSERT_TRUE(Send(Batch({{"shop", "other", {"p", "q"}}})).ok());  // no default: dropped
  EXPECT_EQ(self_.Value("otter_connector_routing_unrouted_spans", {{"connector", "routing"}}), 2);
}

TEST_F(RoutingTest, ConfigErrorsNameTheRouteAndColumn) {
  EXPECT_NE(Make("default_pipelines: [traces/a]")
                .find("table: invalid routing table: the routing table is empty"),
            std::string::npos);
  EXPECT_NE(
      Make("table: [{condition: 'true'}]").find("table[0]: invalid route: no pipelines defined"),
      std::string::npos);
  EXPECT_NE(Make("table: [{pipelines: [traces/a]}]")
                .find("table[0]: invalid route: no condition or statement provided"),
            std::string::npos);
  EXPECT_NE(Make("table: [{condition: 'true', statement: 'route()', pipelines: [traces/a]}]")
                .find("table[0]: invalid route: both condition and statement provided"),
            std::string::npos);
  std::string e = Make("table: [{statement: 'route() where nme == \"x\"', pipelines: [traces/a]}]");
  EXPECT_NE(e.find("r.yaml:1: table[0]: statement \"route() where nme == \"x\"\": column 15:"),
            std::string::npos)
      << e;
  EXPECT_NE(Make("table: [{condition: 'true', pipelines: [traces/x]}]")
                .find("table[0].pipelines: pipeline \"traces/x\" does not receive from this "
                      "connector (receiving: traces/a, traces/b, traces/c)"),
            std::string::npos);
  EXPECT_NE(Make("table: [{context: metric, condition: 'true', pipelines: [traces/a]}]")
                .find("table[0]: context metric does not apply to traces"),
            std::string::npos);
  EXPECT_NE(Make("table: [{context: request, condition: 'true', pipelines: [traces/a]}]")
                .find("context \"request\" is not supported yet"),
            std::string::npos);
}

}  // namespace
}  // namespace otter
