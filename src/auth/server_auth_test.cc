// Authentication at the edges, over real sockets: the OTLP receiver (gRPC and HTTP) and the loki
// receiver refuse requests without valid credentials before reading them (nothing reaches the
// pipeline, each refusal is counted), the otlp_grpc / otlp_http exporters authenticate an
// otter-to-otter hop, and config errors name the key.
#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <future>

#include "auth/server_guard.h"
#include "component/status_hub.h"
#include "config/loader.h"
#include "extensions/basicauth/extension.h"
#include "extensions/bearertokenauth/extension.h"
#include "net/test_util.h"
#include "pipeline/service.h"
#include "pipeline/service_config.h"
#include "receivers/loki/receiver.h"
#include "receivers/otlp/grpc_frontend.h"
#include "receivers/otlp/receiver.h"
#include "receivers/otlp/test_fakes.h"
#include "receivers/prometheusremotewrite/receiver.h"

namespace otter::auth {
namespace {

using otlp_receiver::testing::FakeConsumer;
using ::testing::HasSubstr;

class FakeLookup final : public ExtensionHost {
 public:
  Extension* FindExtension(const ComponentId& id) const override {
    auto it = extensions.find(id.ToString());
    return it == extensions.end() ? nullptr : it->second;
  }
  std::map<std::string, Extension*> extensions;
};

grpc::Status CallExport(int port, const std::string& body,
                        std::vector<std::pair<std::string, std::string>> metadata) {
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  for (const auto& [k, v] : metadata) ctx.AddMetadata(k, v);
  grpc::Slice slice(body);
  grpc::ByteBuffer request(&slice, 1), response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, std::string(otlp_receiver::kTraceExportMethod), grpc::StubOptions(),
                 &request, &response, [&](grpc::Status s) { done.set_value(std::move(s)); });
  return done.get_future().get();
}

class ServerAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bearertokenauth::BearerTokenAuthConfig bc;
    bc.token = "tok-123";
    bearer_ = std::make_unique<bearertokenauth::BearerTokenAuth>(Ctx("bearertokenauth"), bc);
    ASSERT_TRUE(bearer_->Start().ok());
    lookup_.extensions["bearertokenauth"] = bearer_.get();
  }

  ComponentContext Ctx(const std::string& type) {
    ComponentContext ctx;
    ctx.id = {type, ""};
    ctx.metrics = &metrics_;
    ctx.status = &hub_;
    ctx.host = &lookup_;
    ctx.logger =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    return ctx;
  }

  void StartOtlp() {
    otlp_receiver::OtlpReceiverConfig cfg;
    cfg.protocols.grpc = otlp_receiver::GrpcProtocolConfig{};
    cfg.protocols.grpc->endpoint = "127.0.0.1:0";
    cfg.protocols.grpc->auth = AuthSettings{"bearertokenauth"};
    cfg.protocols.http = otlp_receiver::HttpProtocolConfig{};
    cfg.protocols.http->endpoint = "127.0.0.1:0";
    cfg.protocols.http->auth = AuthSettings{"bearertokenauth"};
    Consumers next;
    next.traces = &traces_;
    receiver_ = std::make_unique<otlp_receiver::OtlpReceiver>(Ctx("otlp"), cfg, next);
    ASSERT_TRUE(receiver_->setup_status().ok()) << receiver_->setup_status().ToString();
    ASSERT_TRUE(receiver_->Start().ok());
  }

  double Failures(const std::string& transport, const std::string& reason,
                  const std::string& receiver = "otlp") {
    return metrics_.Value("otter_receiver_auth_failures_total",
                          {{"receiver", receiver}, {"transport", transport}, {"reason", reason}});
  }

  telemetry::SelfMetrics metrics_;
  StatusHub hub_;
  FakeLookup lookup_;
  std::unique_ptr<bearertokenauth::BearerTokenAuth> bearer_;
  FakeConsumer<pdata::TraceBatch> traces_;
  std::unique_ptr<otlp_receiver::OtlpReceiver> receiver_;
};

TEST_F(ServerAuthTest, GrpcRefusesMissingAndWrongTokensBeforeReadingTheRequest) {
  StartOtlp();
  int port = receiver_->grpc_port();
  grpc::Status none = CallExport(port, otlp_receiver::testing::TraceRequest(2), {});
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(none.error_message(), "missing or empty authorization header: Authorization");
  grpc::Status wrong = CallExport(port, otlp_receiver::testing::TraceRequest(2),
                                  {{"authorization", "Bearer tok-124"}});
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(wrong.error_message(), "scheme or token does not match");
  EXPECT_EQ(traces_.items(), 0u);
  EXPECT_EQ(Failures("grpc", "missing"), 1);
  EXPECT_EQ(Failures("grpc", "invalid"), 1);
  EXPECT_EQ(metrics_.Value("otelcol_receiver_accepted_spans",
                           {{"receiver", "otlp"}, {"transport", "grpc"}}),
            0);

  grpc::Status ok = CallExport(port, otlp_receiver::testing::TraceRequest(2),
                               {{"authorization", "Bearer tok-123"}});
  EXPECT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(traces_.items(), 2u);
  // No self-metric carries a credential.
  EXPECT_THAT(metrics_.RenderPrometheus(), ::testing::Not(HasSubstr("tok-12")));
}

TEST_F(ServerAuthTest, HttpAnswers401WithAChallengeAndNeverReadsTheBody) {
  StartOtlp();
  net::testing::HttpTestClient client(receiver_->http_port());
  auto post = [&](net::HttpHeaders headers) {
    headers.emplace_back("Content-Type", "application/x-protobuf");
    auto r = client.Send({"POST", "/v1/traces", headers, otlp_receiver::testing::TraceRequest(3)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : net::testing::TestHttpResponse{};
  };
  auto none = post({});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Header("www-authenticate"), "Bearer");
  net::testing::HttpTestClient client2(receiver_->http_port());
  auto wrong =
      client2.Send({"POST",
                    "/v1/traces",
                    {{"Authorization", "Bearer nope"}, {"Content-Type", "application/json"}},
                    "{}"});
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 401);
  // Authentication comes before routing: an unknown path is 401 too, not 404.
  net::testing::HttpTestClient client3(receiver_->http_port());
  auto unknown = client3.Send({"POST", "/v1/unknown", {}, "x"});
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(traces_.items(), 0u);
  EXPECT_EQ(Failures("http", "missing"), 2);
  EXPECT_EQ(Failures("http", "invalid"), 1);

  net::testing::HttpTestClient client4(receiver_->http_port());
  auto ok = client4.Send(
      {"POST",
       "/v1/traces",
       {{"authorization", "Bearer tok-123"}, {"Content-Type", "application/x-protobuf"}},
       otlp_receiver::testing::TraceRequest(3)});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(traces_.items(), 3u);
}

TEST_F(ServerAuthTest, LokiPushNeedsCredentials) {
  basicauth::BasicAuthConfig bc;
  bc.htpasswd = basicauth::HtpasswdSettings{"", "loki:pw"};
  basicauth::BasicAuth basic(Ctx("basicauth"), bc);
  ASSERT_TRUE(basic.Start().ok());
  lookup_.extensions["basicauth"] = &basic;
  LokiReceiverConfig cfg;
  cfg.protocols.http = LokiReceiverConfig::Http{};
  cfg.protocols.http->endpoint = "127.0.0.1:0";
  FakeConsumer<pdata::LogBatch> logs;
  auto guard =
      MakeServerAuthGuard(Ctx("loki"), AuthSettings{"basicauth"}, "protocols.http.auth", "http");
  ASSERT_TRUE(guard.ok());
  loki_receiver::LokiReceiver rx(Ctx("loki"), cfg, &logs, *guard);
  ASSERT_TRUE(rx.Start().ok());
  std::string body =
      R"({"streams":[{"stream":{"job":"a"},"values":[["1700000000000000000","hi"]]}]})";
  net::testing::HttpTestClient c1(rx.port());
  auto refused = c1.Send({"POST",
                          "/loki/api/v1/push",
                          {{"Content-Type", "application/json"},
                           {"Authorization", "Basic bG9raTp3cm9uZw=="}},  // loki:wrong
                          body});
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->Header("www-authenticate"), "Basic realm=\"otter\", charset=\"UTF-8\"");
  EXPECT_EQ(logs.items(), 0u);
  EXPECT_EQ(Failures("http", "invalid", "loki"), 1);
  net::testing::HttpTestClient c2(rx.port());
  auto ok =
      c2.Send({"POST",
               "/loki/api/v1/push",
               {{"Content-Type", "application/json"}, {"Authorization", "Basic bG9raTpwdw=="}},
               body});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 204);
  EXPECT_EQ(logs.items(), 1u);
  rx.Shutdown();
}

TEST_F(ServerAuthTest, RemoteWriteNeedsTheToken) {
  PrometheusRemoteWriteReceiverConfig cfg;
  cfg.endpoint = "127.0.0.1:0";
  FakeConsumer<pdata::MetricBatch> metrics;
  auto guard = MakeServerAuthGuard(Ctx("prometheusremotewrite"), AuthSettings{"bearertokenauth"},
                                   "auth", "http");
  ASSERT_TRUE(guard.ok());
  prometheusremotewrite::RemoteWriteReceiver rx(Ctx("prometheusremotewrite"), cfg, &metrics,
                                                *guard);
  ASSERT_TRUE(rx.Start().ok());
  net::testing::HttpTestClient c(rx.port());
  auto refused =
      c.Send({"POST",
              "/api/v1/write",
              {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "snappy"}},
              std::string(1000, 'x')});
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->Header("www-authenticate"), "Bearer");
  EXPECT_EQ(metrics.batches(), 0u);
  EXPECT_EQ(Failures("http", "missing", "prometheusremotewrite"), 1);
  rx.Shutdown();
}

// Service-level: the real registry, YAML config, file:line errors and an otter-to-otter hop.
class AuthServiceTest : public ::testing::Test {
 protected:
  AuthServiceTest() {
    RegisterBuiltins(registry_);
    logger_ =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  }
  pipeline::ServiceConfig Parse(const std::string& yaml, config::Diagnostics& d) {
    auto parsed = config::ParseYaml(yaml, "svc.yaml");
    EXPECT_TRUE(parsed.ok());
    root_ = std::move(*parsed);
    return pipeline::ParseServiceConfig(root_, registry_, d);
  }
  Registry registry_;
  config::Node root_;
  std::shared_ptr<spdlog::logger> logger_;
  telemetry::SelfMetrics metrics_;
  StatusHub hub_;
};

TEST_F(AuthServiceTest, ValidationNamesTheKeyAndLine) {
  config::Diagnostics d;
  Parse(R"(extensions:
  bearertokenauth/off: {token: x}
receivers:
  otlp:
    protocols:
      grpc:
        auth:
          authenticator: bearertokenauth/nope
      http:
        auth: {authenticator: bearertokenauth/off}
exporters: {debug: {}}
service:
  pipelines: {traces: {receivers: [otlp], exporters: [debug]}}
)",
        d);
  ASSERT_EQ(d.errors().size(), 2u) << d.ErrorsText();
  EXPECT_EQ(d.errors()[0],
            "svc.yaml:8: auth.authenticator: \"bearertokenauth/nope\" is not configured under "
            "extensions");
  EXPECT_EQ(d.errors()[1],
            "svc.yaml:10: auth.authenticator: extension \"bearertokenauth/off\" is not listed in "
            "service.extensions");
}

TEST_F(AuthServiceTest, AnExtensionThatIsNoAuthenticatorIsRefusedAtBuild) {
  config::Diagnostics d;
  auto sc = Parse(R"(extensions: {health_check: {endpoint: "127.0.0.1:0"}}
receivers:
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0", auth: {authenticator: health_check}}}}
exporters: {debug: {}}
service:
  extensions: [health_check]
  pipelines: {traces: {receivers: [otlp], exporters: [debug]}}
)",
                  d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  pipeline::Service s(sc, logger_, &metrics_, &hub_);
  Status st = s.Build();
  EXPECT_THAT(std::string(st.message()),
              HasSubstr("protocols.grpc.auth.authenticator: extension \"health_check\" is not a "
                        "server authenticator"));
}

// otter → otter: an otlp_grpc and an otlp_http exporter with bearertokenauth feed a receiver
// that demands the same token; an exporter without credentials is refused.
TEST_F(AuthServiceTest, OtterToOtterHopWithClientAuth) {
  FakeConsumer<pdata::TraceBatch> got;
  bearertokenauth::BearerTokenAuthConfig bc;
  bc.token = "hop-token";
  ComponentContext ectx;
  ectx.id = {"bearertokenauth", ""};
  bearertokenauth::BearerTokenAuth bearer(ectx, bc);
  FakeLookup lookup;
  lookup.extensions["bearertokenauth"] = &bearer;
  ComponentContext rctx;
  rctx.id = {"otlp", ""};
  rctx.metrics = &metrics_;
  rctx.status = &hub_;
  rctx.host = &lookup;
  otlp_receiver::OtlpReceiverConfig rcfg;
  rcfg.protocols.grpc = otlp_receiver::GrpcProtocolConfig{};
  rcfg.protocols.grpc->endpoint = "127.0.0.1:0";
  rcfg.protocols.grpc->auth = AuthSettings{"bearertokenauth"};
  rcfg.protocols.http = otlp_receiver::HttpProtocolConfig{};
  rcfg.protocols.http->endpoint = "127.0.0.1:0";
  rcfg.protocols.http->auth = AuthSettings{"bearertokenauth"};
  Consumers next;
  next.traces = &got;
  otlp_receiver::OtlpReceiver rx(rctx, rcfg, next);
  ASSERT_TRUE(rx.Start().ok());

  auto export_one = [&](const std::string& type, const std::string& yaml) {
    const Factory* f = registry_.Find(ComponentKind::kExporter, type);
    auto node = config::ParseYaml(yaml, "exp.yaml");
    EXPECT_TRUE(node.ok());
    config::Diagnostics d;
    auto cfg = f->parse_config(*node, d);
    EXPECT_TRUE(d.ok()) << d.ErrorsText();
    ComponentContext ctx;
    ctx.id = {type, ""};
    ctx.metrics = &metrics_;
    ctx.status = &hub_;
    ctx.host = &lookup;
    ctx.logger = logger_;
    auto exp = f->create_exporter(ctx, *cfg);
    EXPECT_TRUE(exp.ok()) << exp.status().ToString();
    if (!exp.ok()) return Internal("no exporter");
    EXPECT_TRUE((*exp)->Start().ok());
    pdata::TraceBatch b;
    b.resources().emplace_back().scope_spans.emplace_back().spans.emplace_back();
    std::promise<Status> p;
    (*exp)->consumers().traces->Consume(std::move(b),
                                        Completion([&](Status s) { p.set_value(s); }));
    Status s = p.get_future().get();
    (*exp)->Shutdown();
    return s;
  };
  std::string grpc_ep = "127.0.0.1:" + std::to_string(rx.grpc_port());
  std::string http_ep = "http://127.0.0.1:" + std::to_string(rx.http_port());
  std::string common = ", sending_queue: {enabled: false}, retry_on_failure: {enabled: false}";
  EXPECT_TRUE(export_one("otlp_grpc", "{endpoint: \"" + grpc_ep +
                                          "\", tls: {insecure: true}, auth: {authenticator: "
                                          "bearertokenauth}" +
                                          common + "}")
                  .ok());
  EXPECT_TRUE(export_one("otlp_http", "{endpoint: \"" + http_ep +
                                          "\", auth: {authenticator: bearertokenauth}" + common +
                                          "}")
                  .ok());
  EXPECT_EQ(got.items(), 2u);
  Status refused = export_one(
      "otlp_grpc", "{endpoint: \"" + grpc_ep + "\", tls: {insecure: true}" + common + "}");
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.message()), HasSubstr("missing or empty authorization header"));
  Status refused_http = export_one("otlp_http", "{endpoint: \"" + http_ep + "\"" + common + "}");
  EXPECT_FALSE(refused_http.ok());
  EXPECT_THAT(std::string(refused_http.message()), HasSubstr("401"));
  EXPECT_EQ(got.items(), 2u);
  rx.Shutdown();
}

}  // namespace
}  // namespace otter::auth
