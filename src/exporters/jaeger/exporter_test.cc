#include "exporters/jaeger/exporter.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <mutex>

#include "component/registry.h"
#include "config/loader.h"
#include "exporters/exporterhelper/testing.h"
#include "exporters/jaeger/jaeger_testing.h"
#include "jaeger/api_v2/collector.grpc.pb.h"

namespace otter::jaeger_exporter {
namespace {

using namespace std::chrono_literals;
using exporterhelper::testing::Answer;
using exporterhelper::testing::TestContext;
using testing::pb::PostSpansRequest;
using testing::pb::PostSpansResponse;

// A Jaeger collector on 127.0.0.1:0 built from proto/jaeger/api_v2/collector.proto: records
// every PostSpans call (request and metadata) and answers from a script (then OK).
class FakeCollector final : public testing::pb::CollectorService::Service {
 public:
  struct Call {
    PostSpansRequest request;
    std::multimap<std::string, std::string> metadata;
  };
  explicit FakeCollector(bool accept_gzip = true) {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.RegisterService(this);
    if (!accept_gzip) b.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_GZIP, false);
    server_ = b.BuildAndStart();
  }
  ~FakeCollector() override { server_->Shutdown(std::chrono::system_clock::now() + 1s); }

  int port() const { return port_; }
  void Script(std::vector<grpc::Status> answers) {
    std::lock_guard l(mu_);
    script_.assign(answers.begin(), answers.end());
  }
  std::vector<Call> calls() {
    std::lock_guard l(mu_);
    return calls_;
  }

  grpc::Status PostSpans(grpc::ServerContext* ctx, const PostSpansRequest* request,
                         PostSpansResponse*) override {
    Call call{*request, {}};
    for (const auto& [k, v] : ctx->client_metadata())
      call.metadata.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
    std::lock_guard l(mu_);
    calls_.push_back(std::move(call));
    if (script_.empty()) return grpc::Status::OK;
    grpc::Status s = script_.front();
    script_.pop_front();
    return s;
  }

 private:
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::mutex mu_;
  std::deque<grpc::Status> script_;  // GUARDED_BY(mu_)
  std::vector<Call> calls_;          // GUARDED_BY(mu_)
};

pdata::ResourceSpans Service(std::string_view name, int spans) {
  pdata::ResourceSpans rs;
  rs.resource.attributes = {{"service.name", pdata::AnyValue::String(name)}};
  rs.scope_spans.emplace_back();
  for (int i = 0; i < spans; ++i) {
    pdata::Span s;
    s.trace_id = testing::TraceIdOf(static_cast<uint8_t>(i));
    s.span_id = testing::SpanIdOf(static_cast<uint8_t>(i + 1));
    rs.scope_spans[0].spans.push_back(s);
  }
  return rs;
}

class JaegerExporterTest : public ::testing::Test {
 protected:
  JaegerExporterTest() {
    cfg_.tls.insecure = true;
    cfg_.sending_queue.wait_for_result = true;
    cfg_.retry_on_failure.initial_interval = 1ms;
    cfg_.retry_on_failure.randomization_factor = 0;
  }
  std::unique_ptr<Exporter> Make(int port) {
    cfg_.endpoint = "127.0.0.1:" + std::to_string(port);
    auto e = CreateExporter(t_.ctx(), cfg_);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (!e.ok()) return nullptr;
    EXPECT_TRUE((*e)->Start().ok());
    return std::move(*e);
  }
  Status Send(Exporter& e, std::vector<pdata::ResourceSpans> resources) {
    pdata::TraceBatch b;
    b.resources() = std::move(resources);
    Answer a;
    e.consumers().traces->Consume(std::move(b), a.done());
    return a.get();
  }

  JaegerConfig cfg_;
  TestContext t_{{"jaeger", ""}};
};

TEST_F(JaegerExporterTest, PostsEveryFieldTranslated) {
  FakeCollector collector;
  auto e = Make(collector.port());
  EXPECT_TRUE(Send(*e, {testing::FullResourceSpans()}).ok());
  e->Shutdown();
  auto calls = collector.calls();
  ASSERT_EQ(calls.size(), 1u);
  testing::ExpectFullBatch(calls[0].request.batch());
  EXPECT_EQ(t_.Counter("sent", "spans"), 1);
}

TEST_F(JaegerExporterTest, OnePostPerResource) {
  FakeCollector collector;
  auto e = Make(collector.port());
  EXPECT_TRUE(Send(*e, {Service("a", 2), Service("b", 3)}).ok());
  auto calls = collector.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].request.batch().process().service_name(), "a");
  EXPECT_EQ(calls[0].request.batch().spans_size(), 2);
  EXPECT_EQ(calls[1].request.batch().process().service_name(), "b");
  EXPECT_EQ(calls[1].request.batch().spans_size(), 3);
  EXPECT_EQ(t_.Counter("sent", "spans"), 5);
}

TEST_F(JaegerExporterTest, RetryResumesAfterTheAcceptedPosts) {
  FakeCollector collector;
  collector.Script({grpc::Status::OK, grpc::Status(grpc::StatusCode::UNAVAILABLE, "busy")});
  auto e = Make(collector.port());
  EXPECT_TRUE(Send(*e, {Service("a", 1), Service("b", 1), Service("c", 1)}).ok());
  auto calls = collector.calls();
  std::vector<std::string> order;
  for (const auto& c : calls) order.push_back(c.request.batch().process().service_name());
  // "a" is not sent again; "b" is retried, then "c" follows.
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "b", "c"}));
  EXPECT_EQ(t_.Counter("sent", "spans"), 3);
  EXPECT_EQ(t_.Counter("send_failed", "spans"), 0);
}

TEST_F(JaegerExporterTest, PermanentCodesAreNotRetried) {
  FakeCollector collector;
  collector.Script({grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad span"),
                    grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "no")});
  auto e = Make(collector.port());
  Status s = Send(*e, {Service("a", 2)});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "bad span");
  EXPECT_EQ(Send(*e, {Service("a", 1)}).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(collector.calls().size(), 2u);
  EXPECT_EQ(t_.Counter("send_failed", "spans"), 3);
  EXPECT_EQ(t_.Counter("sent", "spans"), 0);
}

TEST_F(JaegerExporterTest, HeadersGoAsMetadata) {
  FakeCollector collector;
  cfg_.headers = {{"X-Tenant", "team-a"}};
  auto e = Make(collector.port());
  EXPECT_TRUE(Send(*e, {Service("a", 1)}).ok());
  auto calls = collector.calls();
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_EQ(calls[0].metadata.count("x-tenant"), 1u);
  EXPECT_EQ(calls[0].metadata.find("x-tenant")->second, "team-a");
  EXPECT_NE(calls[0].metadata.find("user-agent")->second.find("otter"), std::string::npos);
}

TEST_F(JaegerExporterTest, UncompressedByDefaultGzipOnRequest) {
  // A collector that refuses gzip takes the default (no compression, as configgrpc) but not
  // compression: gzip.
  FakeCollector collector(/*accept_gzip=*/false);
  cfg_.retry_on_failure.enabled = false;
  auto plain = Make(collector.port());
  EXPECT_TRUE(Send(*plain, {Service("a", 1)}).ok());
  cfg_.compression = "gzip";
  auto gzip = Make(collector.port());
  Status s = Send(*gzip, {Service("a", 1)});
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented) << s.ToString();
  EXPECT_EQ(collector.calls().size(), 1u);
}

TEST_F(JaegerExporterTest, RoundRobinBalancer) {
  FakeCollector collector;
  cfg_.balancer_name = "round_robin";
  auto e = Make(collector.port());
  EXPECT_TRUE(Send(*e, {Service("a", 1)}).ok());
  EXPECT_EQ(collector.calls().size(), 1u);
}

TEST_F(JaegerExporterTest, UnreachableCollectorIsRetryable) {
  cfg_.retry_on_failure.enabled = false;
  auto e = Make(exporterhelper::testing::ClosedPort());
  Status s = Send(*e, {Service("a", 1)});
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_TRUE(s.retryable());
}

StatusOr<std::unique_ptr<ComponentConfig>> ParseConfig(const Factory& f, const std::string& yaml,
                                                       config::Diagnostics& d) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  if (!node.ok()) return node.status();
  return f.parse_config(*node, d);
}

TEST(JaegerConfigTest, OtelcolKeysAndDefaults) {
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kExporter, "jaeger");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->signals, std::vector<Signal>{Signal::kTraces});
  config::Diagnostics d;
  auto cfg = ParseConfig(*f,
                         "endpoint: jaeger:14250\n"
                         "tls: {insecure: true}\n"
                         "headers: {x-tenant: a}\n"
                         "keepalive: {time: 20s}\n"
                         "balancer_name: round_robin\n"
                         "timeout: 3s\n"
                         "sending_queue: {num_consumers: 2}\n"
                         "retry_on_failure: {max_elapsed_time: 1m}\n",
                         d);
  ASSERT_TRUE(cfg.ok());
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  auto& c = static_cast<const JaegerConfig&>(**cfg);
  EXPECT_EQ(c.Target(), "jaeger:14250");
  EXPECT_FALSE(c.UseTls());
  EXPECT_EQ(c.compression, "");  // configgrpc's default: none
  EXPECT_EQ(c.headers.at("x-tenant"), "a");
  EXPECT_EQ(c.keepalive->time, 20s);
  EXPECT_EQ(c.balancer_name, "round_robin");
  EXPECT_EQ(c.timeout, 3s);
  EXPECT_EQ(c.sending_queue.num_consumers, 2);
  EXPECT_EQ(c.retry_on_failure.max_elapsed_time, 60s);

  auto error_of = [&](const std::string& yaml) {
    config::Diagnostics e;
    auto parsed = ParseConfig(*f, yaml, e);
    return e.ErrorsText();
  };
  EXPECT_NE(error_of("tls: {insecure: true}\n").find("endpoint is required"), std::string::npos);
  EXPECT_NE(error_of("endpoint: jaeger:14250\ncompression: zstd\n").find("\"zstd\" is not"),
            std::string::npos);
  EXPECT_NE(error_of("endpoint: jaeger:14250\nendpont: x\n").find("did you mean \"endpoint\""),
            std::string::npos);
  EXPECT_NE(error_of("endpoint: jaeger:14250\nbalancer_name: grpclb\n").find("test.yaml:2:"),
            std::string::npos);
  EXPECT_NE(error_of("endpoint: jaeger:14250\nwrite_buffer_size: 512\n").find("not supported yet"),
            std::string::npos);
}

}  // namespace
}  // namespace otter::jaeger_exporter
