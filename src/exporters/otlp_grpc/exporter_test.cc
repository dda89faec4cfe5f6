#include "exporters/otlp_grpc/exporter.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>

#include "component/registry.h"
#include "config/loader.h"
#include "exporters/exporterhelper/fake_clock.h"
#include "exporters/exporterhelper/testing.h"
#include "net/test_util.h"
#include "net/tls.h"
#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"

namespace otter::otlp_grpc_exporter {
namespace {

using namespace std::chrono_literals;
using exporterhelper::testing::Answer;
using exporterhelper::testing::TestContext;

// A scripted OTLP/gRPC backend: records every call and answers them from a script (then OK).
class FakeBackend {
 public:
  struct Reply {
    Reply() = default;
    Reply(grpc::Status s, std::string b = "", bool h = false)  // NOLINT: brace lists in scripts
        : status(std::move(s)), body(std::move(b)), hang(h) {}
    grpc::Status status;  // non-OK: the call fails with it
    std::string body;     // Export*ServiceResponse bytes for an OK answer
    bool hang = false;    // never answer (until the call is cancelled)
  };
  struct Call {
    std::string method;
    std::multimap<std::string, std::string> metadata;
    std::string body;
  };

  explicit FakeBackend(
      std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials(),
      bool accept_gzip = true)
      : service_(this) {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", creds, &port_);
    b.RegisterCallbackGenericService(&service_);
    if (!accept_gzip) b.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_GZIP, false);
    server_ = b.BuildAndStart();
  }
  ~FakeBackend() { server_->Shutdown(std::chrono::system_clock::now() + 1s); }

  int port() const { return port_; }
  void Script(std::vector<Reply> replies) {
    std::lock_guard l(mu_);
    script_.assign(replies.begin(), replies.end());
  }
  std::vector<Call> calls() {
    std::lock_guard l(mu_);
    return calls_;
  }

 private:
  class Reactor : public grpc::ServerGenericBidiReactor {
   public:
    Reactor(grpc::GenericCallbackServerContext* ctx, FakeBackend* b) : ctx_(ctx), b_(b) {
      StartRead(&request_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) return FinishOnce(grpc::Status(grpc::StatusCode::INTERNAL, "no request"));
      Call call;
      call.method = ctx_->method();
      for (const auto& [k, v] : ctx_->client_metadata())
        call.metadata.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
      std::vector<grpc::Slice> slices;
      (void)request_.Dump(&slices);
      for (const auto& s : slices)
        call.body.append(reinterpret_cast<const char*>(s.begin()), s.size());
      Reply r = b_->Record(std::move(call));
      if (r.hang) return;  // OnCancel answers
      if (!r.status.ok()) return FinishOnce(r.status);
      if (finished_.exchange(true)) return;
      grpc::Slice slice(r.body);
      response_ = grpc::ByteBuffer(&slice, 1);
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnCancel() override { FinishOnce(grpc::Status::CANCELLED); }
    void OnDone() override { delete this; }

   private:
    // OnCancel may follow (or race) an answer; a reactor finishes once.
    void FinishOnce(const grpc::Status& s) {
      if (!finished_.exchange(true)) Finish(s);
    }
    std::atomic<bool> finished_{false};
    grpc::GenericCallbackServerContext* ctx_;
    FakeBackend* b_;
    grpc::ByteBuffer request_, response_;
  };
  class Service : public grpc::CallbackGenericService {
   public:
    explicit Service(FakeBackend* b) : b_(b) {}
    grpc::ServerGenericBidiReactor* CreateReactor(
        grpc::GenericCallbackServerContext* ctx) override {
      return new Reactor(ctx, b_);
    }

   private:
    FakeBackend* b_;
  };

  Reply Record(Call call) {
    std::lock_guard l(mu_);
    calls_.push_back(std::move(call));
    if (script_.empty()) return {};
    Reply r = std::move(script_.front());
    script_.pop_front();
    return r;
  }

  Service service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::mutex mu_;
  std::deque<Reply> script_;  // GUARDED_BY(mu_)
  std::vector<Call> calls_;   // GUARDED_BY(mu_)
};

grpc::Status Error(grpc::StatusCode code, const std::string& msg,
                   std::optional<std::chrono::milliseconds> retry_delay = std::nullopt) {
  std::string details;
  otlp::EncodeRpcStatus(code, msg, &details, retry_delay);
  return grpc::Status(code, msg, details);
}

class OtlpGrpcExporterTest : public ::testing::Test {
 protected:
  OtlpGrpcExporterTest() {
    cfg_.tls.insecure = true;
    cfg_.sending_queue.wait_for_result = true;
    cfg_.retry_on_failure.initial_interval = 1ms;
    cfg_.retry_on_failure.randomization_factor = 0;
  }
  std::unique_ptr<Exporter> Make(int port, exporterhelper::SenderOptions opts = {}) {
    cfg_.endpoint = "127.0.0.1:" + std::to_string(port);
    auto e = CreateExporter(t_.ctx(), cfg_, std::move(opts));
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (!e.ok()) return nullptr;
    EXPECT_TRUE((*e)->Start().ok());
    return std::move(*e);
  }
  Status SendTraces(Exporter& e, pdata::TraceBatch b) {
    Answer a;
    e.consumers().traces->Consume(std::move(b), a.done());
    return a.get();
  }

  OtlpGrpcConfig cfg_;
  TestContext t_{{"otlp_grpc", "backend"}};
};

TEST_F(OtlpGrpcExporterTest, DeliversEachSignalByteExact) {
  FakeBackend backend;
  auto e = Make(backend.port());
  auto traces = otlp::MakeSyntheticTraces(25, 1);
  auto metrics = otlp::MakeSyntheticMetrics(30, 2);
  auto logs = otlp::MakeSyntheticLogs(20, 3);
  Answer at, am, al;
  e->consumers().traces->Consume(traces.Clone(), at.done());
  e->consumers().metrics->Consume(metrics.Clone(), am.done());
  e->consumers().logs->Consume(logs.Clone(), al.done());
  EXPECT_TRUE(at.get().ok());
  EXPECT_TRUE(am.get().ok());
  EXPECT_TRUE(al.get().ok());
  e->Shutdown();

  auto calls = backend.calls();
  ASSERT_EQ(calls.size(), 3u);
  std::map<std::string, std::string> by_method;
  for (auto& c : calls) by_method[c.method] = c.body;
  auto t =
      otlp::DecodeTraces(by_method["/opentelemetry.proto.collector.trace.v1.TraceService/Export"]);
  auto m = otlp::DecodeMetrics(
      by_method["/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"]);
  auto l = otlp::DecodeLogs(by_method["/opentelemetry.proto.collector.logs.v1.LogsService/Export"]);
  ASSERT_TRUE(t.ok() && m.ok() && l.ok());
  EXPECT_TRUE(t->resources() == traces.resources());
  EXPECT_TRUE(m->resources() == metrics.resources());
  EXPECT_TRUE(l->resources() == logs.resources());
  EXPECT_EQ(t_.Counter("sent", "spans"), 25);
  EXPECT_EQ(t_.Counter("sent", "metric_points"), 30);
  EXPECT_EQ(t_.Counter("sent", "log_records"), 20);
  EXPECT_EQ(t_.Counter("send_failed", "spans"), 0);
}

// An undecoded request (the receiver and the batch processor only moved it) goes out byte for
// byte as it came, fields pdata does not model included; logs too, metrics are decoded.
TEST_F(OtlpGrpcExporterTest, ForwardsAnUndecodedTracesRequestAsItCame) {
  FakeBackend backend;
  auto e = Make(backend.port());
  EXPECT_TRUE(e->consumers().traces->TakesUndecoded());
  EXPECT_FALSE(e->consumers().metrics->TakesUndecoded());
  EXPECT_TRUE(e->consumers().logs->TakesUndecoded());
  std::string body;
  otlp::EncodeTraces(otlp::MakeSyntheticTraces(7, 4), &body);
  body += std::string("\xf8\x06\x01", 3);  // field 111, varint 1: unknown to otter
  EXPECT_TRUE(SendTraces(*e, pdata::TraceBatch::Undecoded(body, 7)).ok());
  e->Shutdown();
  auto calls = backend.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].body, body);
  EXPECT_EQ(t_.Counter("sent", "spans"), 7);
}

TEST_F(OtlpGrpcExporterTest, RetriesUnavailableThenDeliversOnce) {
  FakeBackend backend;
  backend.Script({{Error(grpc::StatusCode::UNAVAILABLE, "warming up")},
                  {Error(grpc::StatusCode::UNAVAILABLE, "warming up")}});
  auto e = Make(backend.port());
  EXPECT_TRUE(SendTraces(*e, otlp::MakeSyntheticTraces(7, 1)).ok());
  auto calls = backend.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].body, calls[2].body);
  EXPECT_EQ(t_.Counter("sent", "spans"), 7);
  EXPECT_EQ(t_.Counter("send_failed", "spans"), 0);
}

TEST_F(OtlpGrpcExporterTest, HonoursRetryInfo) {
  FakeBackend backend;
  backend.Script({{Error(grpc::StatusCode::UNAVAILABLE, "throttled", 3500ms)},
                  {Error(grpc::StatusCode::RESOURCE_EXHAUSTED, "quota", 2s)}});
  auto clock = std::make_shared<exporterhelper::FakeClock>();
  exporterhelper::SenderOptions opts;
  opts.clock = clock;
  auto e = Make(backend.port(), opts);
  EXPECT_TRUE(SendTraces(*e, otlp::MakeSyntheticTraces(2, 1)).ok());
  EXPECT_EQ(backend.calls().size(), 3u);
  EXPECT_EQ(clock->waits(), (std::vector<std::chrono::nanoseconds>{3500ms, 2s}));
}

TEST_F(OtlpGrpcExporterTest, PermanentCodesAreNotRetried) {
  FakeBackend backend;
  backend.Script({{Error(grpc::StatusCode::INVALID_ARGUMENT, "bad span")},
                  {Error(grpc::StatusCode::RESOURCE_EXHAUSTED, "too large")},  // no RetryInfo
                  {Error(grpc::StatusCode::UNAUTHENTICATED, "who are you")}});
  auto e = Make(backend.port());
  Status s1 = SendTraces(*e, otlp::MakeSyntheticTraces(3, 1));
  EXPECT_EQ(s1.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s1.message(), "bad span");
  EXPECT_EQ(SendTraces(*e, otlp::MakeSyntheticTraces(3, 1)).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(SendTraces(*e, otlp::MakeSyntheticTraces(3, 1)).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(backend.calls().size(), 3u);
  EXPECT_EQ(t_.Counter("send_failed", "spans"), 9);
  EXPECT_EQ(t_.Counter("sent", "spans"), 0);
  EXPECT_EQ(t_.hub().FirstFailure().first, "otlp_grpc/backend:traces");
}

TEST_F(OtlpGrpcExporterTest, PartialSuccessIsLoggedNotRetried) {
  FakeBackend backend;
  std::string body;
  otlp::EncodeExportResponse(2, "2 spans had no name", &body);
  backend.Script({{grpc::Status::OK, body}});
  auto e = Make(backend.port());
  EXPECT_TRUE(SendTraces(*e, otlp::MakeSyntheticTraces(5, 1)).ok());
  EXPECT_EQ(backend.calls().size(), 1u);
  EXPECT_EQ(t_.Counter("sent", "spans"), 5);
  EXPECT_EQ(t_.CountInLog("partial success: the server rejected 2 spans of 5: 2 spans had no name"),
            1)
      << t_.log();
}

TEST_F(OtlpGrpcExporterTest, SendsHeadersAndGzip) {
  FakeBackend backend;
  cfg_.headers = {{"X-Api-Key", "secret"}, {"tenant", "a"}};
  auto e = Make(backend.port());
  EXPECT_TRUE(SendTraces(*e, otlp::MakeSyntheticTraces(50, 1)).ok());
  auto calls = backend.calls();
  ASSERT_EQ(calls.size(), 1u);
  auto& md = calls[0].metadata;
  ASSERT_EQ(md.count("x-api-key"), 1u);
  EXPECT_EQ(md.find("x-api-key")->second, "secret");
  EXPECT_EQ(md.find("tenant")->second, "a");
  EXPECT_NE(md.find("user-agent")->second.find("otter"), std::string::npos);
}

TEST_F(OtlpGrpcExporterTest, GzipIsReallyApplied) {
  // A server that refuses gzip proves the exporter compresses by default; with compression:
  // none the same server accepts the call.
  FakeBackend backend(grpc::InsecureServerCredentials(), /*accept_gzip=*/false);
  auto e = Make(backend.port());
  Status s = SendTraces(*e, otlp::MakeSyntheticTraces(50, 1));
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented) << s.ToString();
  EXPECT_NE(s.message().find("gzip"), std::string::npos) << s.ToString();
  e->Shutdown();

  cfg_.compression = "none";
  auto plain = Make(backend.port());
  EXPECT_TRUE(SendTraces(*plain, otlp::MakeSyntheticTraces(50, 1)).ok());
}

TEST_F(OtlpGrpcExporterTest, TimeoutEndsAHangingCall) {
  FakeBackend backend;
  backend.Script({{grpc::Status::OK, "", /*hang=*/true}});
  cfg_.timeout = 100ms;
  cfg_.retry_on_failure.enabled = false;
  auto e = Make(backend.port());
  Status s = SendTraces(*e, otlp::MakeSyntheticTraces(1, 1));
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded) << s.ToString();
  EXPECT_TRUE(s.retryable());
}

TEST_F(OtlpGrpcExporterTest, ShutdownWithUnreachableBackendCountsEverything) {
  cfg_.sending_queue.wait_for_result = false;
  cfg_.retry_on_failure.initial_interval = 1h;
  cfg_.retry_on_failure.max_interval = 1h;
  cfg_.retry_on_failure.max_elapsed_time = 0s;  // retry forever: only shutdown stops it
  auto e = Make(exporterhelper::testing::ClosedPort());
  for (int i = 0; i < 5; ++i) {
    Answer a;
    e->consumers().traces->Consume(otlp::MakeSyntheticTraces(10, i), a.done());
    EXPECT_TRUE(a.get().ok());  // queued
  }
  e->consumers().logs->Consume(otlp::MakeSyntheticLogs(4, 1), Completion());
  e->Shutdown();
  EXPECT_EQ(t_.Counter("send_failed", "spans"), 50);
  EXPECT_EQ(t_.Counter("send_failed", "log_records"), 4);
  EXPECT_EQ(t_.Counter("sent", "spans"), 0);
  EXPECT_EQ(t_.CountInLog("dropped 50 spans at shutdown: UNAVAILABLE"), 1) << t_.log();
  EXPECT_EQ(t_.CountInLog("dropped 4 log records at shutdown: UNAVAILABLE"), 1) << t_.log();
  EXPECT_EQ(t_.CountInLog("at shutdown"), 2);
}

TEST_F(OtlpGrpcExporterTest, Tls) {
  auto certs = net::testing::MakeTestCerts();
  auto creds = net::MakeGrpcServerCredentials(certs.Server());
  ASSERT_TRUE(creds.ok());
  FakeBackend backend(*creds);
  cfg_.tls = certs.Client();
  cfg_.retry_on_failure.enabled = false;
  cfg_.endpoint = "localhost:" + std::to_string(backend.port());
  auto e = CreateExporter(t_.ctx(), cfg_);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_TRUE(SendTraces(**e, otlp::MakeSyntheticTraces(3, 1)).ok());
  EXPECT_EQ(backend.calls().size(), 1u);

  // Without the CA the server is not trusted.
  cfg_.tls.ca_file.clear();
  auto untrusted = CreateExporter(t_.ctx(), cfg_);
  ASSERT_TRUE(untrusted.ok());
  Status s = SendTraces(**untrusted, otlp::MakeSyntheticTraces(3, 1));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_EQ(backend.calls().size(), 1u);
}

TEST_F(OtlpGrpcExporterTest, MutualTls) {
  auto certs = net::testing::MakeTestCerts();
  auto creds = net::MakeGrpcServerCredentials(certs.Server(/*require_client_cert=*/true));
  ASSERT_TRUE(creds.ok());
  FakeBackend backend(*creds);
  cfg_.retry_on_failure.enabled = false;
  cfg_.endpoint = "localhost:" + std::to_string(backend.port());

  cfg_.tls = certs.Client(/*with_cert=*/true);
  auto e = CreateExporter(t_.ctx(), cfg_);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_TRUE(SendTraces(**e, otlp::MakeSyntheticTraces(3, 1)).ok());

  cfg_.tls = certs.Client(/*with_cert=*/false);
  auto anonymous = CreateExporter(t_.ctx(), cfg_);
  ASSERT_TRUE(anonymous.ok());
  EXPECT_FALSE(SendTraces(**anonymous, otlp::MakeSyntheticTraces(3, 1)).ok());
  EXPECT_EQ(backend.calls().size(), 1u);
}

TEST_F(OtlpGrpcExporterTest, MissingCaFileIsAStartUpError) {
  cfg_.tls.insecure = false;
  cfg_.tls.ca_file = "/nonexistent/ca.pem";
  cfg_.endpoint = "localhost:4317";
  auto e = CreateExporter(t_.ctx(), cfg_);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("/nonexistent/ca.pem"), std::string::npos);
}

StatusOr<std::unique_ptr<ComponentConfig>> ParseConfig(const Factory& f, const std::string& yaml,
                                                       config::Diagnostics& d) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  if (!node.ok()) return node.status();
  return f.parse_config(*node, d);
}

TEST(OtlpGrpcConfigTest, RegisteredWithDeprecatedAlias) {
  Registry r;
  RegisterBuiltins(r);
  bool via_alias = false;
  const Factory* f = r.Find(ComponentKind::kExporter, "otlp", &via_alias);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->type, "otlp_grpc");
  EXPECT_TRUE(via_alias);
  EXPECT_EQ(r.Find(ComponentKind::kExporter, "otlp_grpc", &via_alias), f);
  EXPECT_FALSE(via_alias);

  config::Diagnostics d;
  auto cfg = ParseConfig(*f,
                         "endpoint: https://backend:4317\n"
                         "tls: {insecure: true}\n"
                         "headers: {x-token: abc}\n"
                         "timeout: 2s\n"
                         "sending_queue: {num_consumers: 2, queue_size: 50}\n"
                         "retry_on_failure: {initial_interval: 1s, max_elapsed_time: 0s}\n"
                         "keepalive: {time: 30s}\n",
                         d);
  ASSERT_TRUE(cfg.ok());
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  auto& c = static_cast<const OtlpGrpcConfig&>(**cfg);
  EXPECT_EQ(c.Target(), "backend:4317");
  EXPECT_TRUE(c.UseTls());  // https:// wins over insecure
  EXPECT_EQ(c.compression, "gzip");
  EXPECT_EQ(c.timeout, 2s);
  EXPECT_EQ(c.sending_queue.num_consumers, 2);
  EXPECT_EQ(c.retry_on_failure.max_elapsed_time, 0s);
  EXPECT_EQ(c.keepalive->time, 30s);
  EXPECT_EQ(c.keepalive->timeout, 10s);
}

TEST(OtlpGrpcConfigTest, RejectsWhatItCannotDo) {
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kExporter, "otlp_grpc");
  ASSERT_NE(f, nullptr);
  auto error_of = [&](const std::string& yaml) {
    config::Diagnostics d;
    auto cfg = ParseConfig(*f, yaml, d);
    return d.ErrorsText();
  };
  EXPECT_NE(error_of("endpoint: a:1\ncompression: zstd\n").find("use \"gzip\" or \"none\""),
            std::string::npos);
  EXPECT_NE(error_of("compression: gzip\n").find("endpoint is required"), std::string::npos);
  EXPECT_NE(error_of("endpoint: a:1\nbalancer_name: grpclb\n")
                .find("balancer_name: \"grpclb\" is not a load-balancing policy"),
            std::string::npos);
  EXPECT_EQ(error_of("endpoint: a:1\nbalancer_name: round_robin\n"), "");
  EXPECT_NE(error_of("endpoint: a:1\nsending_queue: {queue_size: 0}\n").find("queue_size"),
            std::string::npos);
  EXPECT_NE(
      error_of("endpoint: a:1\nretry_on_failur: {}\n").find("did you mean \"retry_on_failure\""),
      std::string::npos);
  EXPECT_NE(error_of("endpoint: backend\n").find("must be host:port"), std::string::npos);
  EXPECT_EQ(error_of("endpoint: a:1\ncompression: none\n"), "");
}

}  // namespace
}  // namespace otter::otlp_grpc_exporter
