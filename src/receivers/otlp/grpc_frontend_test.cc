// The otlp receiver over gRPC, driven by grpc::GenericStub with raw bytes (the receiver sees
// exactly what an OTLP exporter sends): status codes, retry details, limits, compression, TLS.
#include "receivers/otlp/grpc_frontend.h"

#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>

#include "net/test_util.h"
#include "net/tls.h"
#include "otlp/proto_codec.h"
#include "receivers/otlp/receiver.h"
#include "receivers/otlp/test_fakes.h"

namespace otter::otlp_receiver {
namespace {

using testing::FakeConsumer;
using ::testing::HasSubstr;

struct CallResult {
  grpc::Status status;
  std::string response;
};

CallResult Call(const std::shared_ptr<grpc::Channel>& channel, std::string_view method,
                const std::string& body, bool gzip = false,
                const std::vector<std::pair<std::string, std::string>>& metadata = {}) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  if (gzip) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  for (const auto& [k, v] : metadata) ctx.AddMetadata(k, v);
  grpc::Slice slice(body);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, std::string(method), grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) { done.set_value(std::move(s)); });
  CallResult r;
  r.status = done.get_future().get();
  std::vector<grpc::Slice> slices;
  if (r.status.ok() && response.Dump(&slices).ok())
    for (auto& s : slices) r.response.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return r;
}

class OtlpGrpcTest : public ::testing::Test {
 protected:
  void StartReceiver(GrpcProtocolConfig grpc = {}) {
    grpc.endpoint = "127.0.0.1:0";
    OtlpReceiverConfig cfg;
    cfg.protocols.grpc = grpc;
    ComponentContext ctx;
    ctx.id = {"otlp", ""};
    ctx.metrics = &metrics_;
    Consumers next;
    next.traces = &traces_;
    next.metrics = &metric_points_;
    receiver_ = std::make_unique<OtlpReceiver>(ctx, cfg, next);
    Status s = receiver_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(receiver_->grpc_port()),
                                   grpc::InsecureChannelCredentials());
  }

  double Count(const std::string& name) {
    return metrics_.Value(name, {{"receiver", "otlp"}, {"transport", "grpc"}});
  }

  telemetry::SelfMetrics metrics_;
  FakeConsumer<pdata::TraceBatch> traces_;
  FakeConsumer<pdata::MetricBatch> metric_points_;
  std::unique_ptr<OtlpReceiver> receiver_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(OtlpGrpcTest, ExportSucceeds) {
  StartReceiver();
  CallResult r = Call(channel_, kTraceExportMethod, testing::TraceRequest(3));
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse resp;
  ASSERT_TRUE(resp.ParseFromString(r.response));
  EXPECT_FALSE(resp.has_partial_success());
  EXPECT_EQ(traces_.items(), 3u);
  pdata::TraceBatch b = traces_.TakeBatch(0);
  EXPECT_EQ(b.client_ip(), "127.0.0.1");
  EXPECT_TRUE(b.metadata().empty());  // include_metadata is off
  EXPECT_EQ(Count("otelcol_receiver_accepted_spans"), 3);
  CallResult m = Call(channel_, kMetricsExportMethod, testing::MetricsRequest(2));
  ASSERT_TRUE(m.status.ok());
  EXPECT_EQ(metric_points_.items(), 2u);
  EXPECT_EQ(Count("otelcol_receiver_accepted_metric_points"), 2);
}

TEST_F(OtlpGrpcTest, IncludeMetadataKeepsTheCallsMetadataWithTheBatch) {
  GrpcProtocolConfig g;
  g.include_metadata = true;
  StartReceiver(g);
  CallResult r = Call(channel_, kTraceExportMethod, testing::TraceRequest(1), false,
                      {{"x-scope-orgid", "tenant-a"}, {"x-extra", "1"}});
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  pdata::TraceBatch b = traces_.TakeBatch(0);
  EXPECT_EQ(b.metadata().Get("X-Scope-OrgID"), std::vector<std::string_view>{"tenant-a"});
  EXPECT_EQ(b.metadata().Get("x-extra"), std::vector<std::string_view>{"1"});
  EXPECT_EQ(b.metadata().Count("user-agent"), 1u);  // every entry, as configgrpc
  EXPECT_EQ(b.metadata().Get("host"),
            std::vector<std::string_view>{"127.0.0.1:" + std::to_string(receiver_->grpc_port())});
}

// A pipeline that keeps only part of a request (the store and delta sums) answers OK with
// partial_success{rejected_data_points, error_message}, not an empty success.
TEST_F(OtlpGrpcTest, PartialRejectionIsAnsweredAsPartialSuccess) {
  StartReceiver();
  metric_points_.AnswerWith(
      Status::PartialSuccess(2, "metric \"bytes_in\": delta temporality is not supported"));
  CallResult r = Call(channel_, kMetricsExportMethod, testing::MetricsRequest(3));
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse resp;
  ASSERT_TRUE(resp.ParseFromString(r.response));
  ASSERT_TRUE(resp.has_partial_success());
  EXPECT_EQ(resp.partial_success().rejected_data_points(), 2);
  EXPECT_EQ(resp.partial_success().error_message(),
            "metric \"bytes_in\": delta temporality is not supported");
  // The request was accepted (the Go receiver counts it so); the stage that did not keep the
  // points counts those.
  EXPECT_EQ(Count("otelcol_receiver_accepted_metric_points"), 3);

  // A fan-out may sum more rejections than the request had items: capped at the request's.
  traces_.AnswerWith(Status::PartialSuccess(9, "not kept"));
  CallResult t = Call(channel_, kTraceExportMethod, testing::TraceRequest(2));
  ASSERT_TRUE(t.status.ok());
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse tr;
  ASSERT_TRUE(tr.ParseFromString(t.response));
  EXPECT_EQ(tr.partial_success().rejected_spans(), 2);
}

TEST_F(OtlpGrpcTest, EmptyRequestSucceedsWithoutThePipeline) {
  StartReceiver();
  CallResult r = Call(channel_, kTraceExportMethod, "");
  EXPECT_TRUE(r.status.ok());
  EXPECT_EQ(traces_.batches(), 0u);
}

// A client that closes its side without sending the request message (not an OTLP exporter, but
// a client may do it) never reaches the pipeline: the call is answered INVALID_ARGUMENT at once.
TEST_F(OtlpGrpcTest, CallWithoutAMessageNeverReachesThePipeline) {
  StartReceiver();
  grpc::GenericStub stub(channel_);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(&ctx, std::string(kTraceExportMethod), &cq);
  auto step = [&cq](auto start) {
    start();
    void* tag = nullptr;
    bool ok = false;
    ASSERT_TRUE(cq.Next(&tag, &ok));
  };
  step([&] { call->StartCall(reinterpret_cast<void*>(1)); });
  step([&] { call->WritesDone(reinterpret_cast<void*>(2)); });
  grpc::Status status;
  step([&] { call->Finish(&status, reinterpret_cast<void*>(3)); });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_EQ(traces_.batches(), 0u);
  EXPECT_EQ(Count("otelcol_receiver_accepted_spans") + Count("otelcol_receiver_refused_spans"), 0);
  // The receiver still serves the next call on that connection.
  EXPECT_TRUE(Call(channel_, kTraceExportMethod, testing::TraceRequest(1)).status.ok());
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
}

TEST_F(OtlpGrpcTest, UndecodableRequestIsInvalidArgument) {
  StartReceiver();
  std::string body = testing::TraceRequest(2);
  CallResult r = Call(channel_, kTraceExportMethod, body.substr(0, body.size() - 3));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(r.status.error_message().empty());
  EXPECT_EQ(traces_.batches(), 0u);
  EXPECT_EQ(Count("otelcol_receiver_refused_spans"), 0);
}

TEST_F(OtlpGrpcTest, RetryableRefusalIsUnavailableWithRetryInfo) {
  StartReceiver();
  traces_.AnswerWith(Unavailable("queue full").WithRetryAfter(std::chrono::seconds(2)));
  CallResult r = Call(channel_, kTraceExportMethod, testing::TraceRequest(2));
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(r.status.error_message(), "queue full");
  auto delay = otlp::DecodeRpcStatusRetryDelay(r.status.error_details());
  ASSERT_TRUE(delay.has_value());
  EXPECT_EQ(*delay, std::chrono::milliseconds(2000));
  traces_.AnswerWith(Unavailable("no hint"));
  CallResult plain = Call(channel_, kTraceExportMethod, testing::TraceRequest(1));
  EXPECT_EQ(plain.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(plain.status.error_details().empty());
  EXPECT_EQ(Count("otelcol_receiver_refused_spans"), 3);
}

TEST_F(OtlpGrpcTest, PermanentRefusals) {
  StartReceiver();
  traces_.AnswerWith(InvalidArgument("bad span"));
  EXPECT_EQ(Call(channel_, kTraceExportMethod, testing::TraceRequest(1)).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  traces_.AnswerWith(FailedPrecondition("broken"));
  EXPECT_EQ(Call(channel_, kTraceExportMethod, testing::TraceRequest(1)).status.error_code(),
            grpc::StatusCode::INTERNAL);
}

TEST_F(OtlpGrpcTest, UnknownMethodsAreUnimplemented) {
  StartReceiver();  // no logs pipeline
  CallResult logs = Call(channel_, kLogsExportMethod, testing::LogsRequest(1));
  EXPECT_EQ(logs.status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(logs.status.error_message(),
              HasSubstr("opentelemetry.proto.collector.logs.v1.LogsService"));
  EXPECT_EQ(logs.status.error_message(),
            "unknown service opentelemetry.proto.collector.logs.v1.LogsService");
  CallResult other = Call(channel_, "/some.Service/Method", "");
  EXPECT_EQ(other.status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  CallResult method =
      Call(channel_, "/opentelemetry.proto.collector.trace.v1.TraceService/Import", "");
  EXPECT_EQ(method.status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(
      method.status.error_message(),
      "unknown method Import for service opentelemetry.proto.collector.trace.v1.TraceService");
}

TEST_F(OtlpGrpcTest, OversizedMessageIsResourceExhausted) {
  GrpcProtocolConfig grpc;
  grpc.max_recv_msg_size_mib = 1;
  StartReceiver(grpc);
  std::string big = testing::TraceRequest(1, std::string(2 << 20, 'n'));
  CallResult r = Call(channel_, kTraceExportMethod, big);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << r.status.error_message();
  EXPECT_EQ(traces_.batches(), 0u);
  // Under the limit is fine.
  EXPECT_TRUE(
      Call(channel_, kTraceExportMethod, testing::TraceRequest(1, std::string(512 << 10, 'n')))
          .status.ok());
}

TEST_F(OtlpGrpcTest, GzipBombIsResourceExhausted) {
  GrpcProtocolConfig grpc;
  grpc.max_recv_msg_size_mib = 1;
  StartReceiver(grpc);
  // 4 MiB of one span name compresses to a few KiB: the limit must hold after decompression.
  CallResult r = Call(channel_, kTraceExportMethod,
                      testing::TraceRequest(1, std::string(4 << 20, 'a')), /*gzip=*/true);
  EXPECT_EQ(r.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << r.status.error_message();
  EXPECT_EQ(traces_.batches(), 0u);
}

TEST_F(OtlpGrpcTest, GzipCompressedRequests) {
  StartReceiver();
  CallResult r = Call(channel_, kTraceExportMethod,
                      testing::TraceRequest(5, std::string(10000, 'z')), /*gzip=*/true);
  ASSERT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(traces_.items(), 5u);
}

TEST_F(OtlpGrpcTest, AnswerWaitsForThePipeline) {
  StartReceiver();
  traces_.Hold(true);
  auto reply = std::async(std::launch::async, [this] {
    return Call(channel_, kTraceExportMethod, testing::TraceRequest(1));
  });
  traces_.WaitHeld(1);
  EXPECT_EQ(reply.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  traces_.Release(Status::Ok());
  EXPECT_TRUE(reply.get().status.ok());
}

TEST_F(OtlpGrpcTest, ShutdownWaitsForInFlightCalls) {
  StartReceiver();
  traces_.Hold(true);
  auto reply = std::async(std::launch::async, [this] {
    return Call(channel_, kTraceExportMethod, testing::TraceRequest(1));
  });
  traces_.WaitHeld(1);
  auto shutdown = std::async(std::launch::async, [&] { receiver_->Shutdown(); });
  EXPECT_EQ(shutdown.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  traces_.Release(Status::Ok());
  shutdown.get();
  EXPECT_TRUE(reply.get().status.ok());
}

TEST_F(OtlpGrpcTest, BusyPortFailsStart) {
  StartReceiver();
  OtlpReceiverConfig cfg;
  cfg.protocols.grpc = GrpcProtocolConfig{};
  cfg.protocols.grpc->endpoint = "127.0.0.1:" + std::to_string(receiver_->grpc_port());
  ComponentContext ctx;
  Consumers next;
  next.traces = &traces_;
  OtlpReceiver second(ctx, cfg, next);
  Status s = second.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("protocols.grpc"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("in use"));
}

TEST(GrpcServerArgsTest, KeepaliveMapsToChannelArgs) {
  GrpcProtocolConfig c;
  c.max_recv_msg_size_mib = 16;
  c.max_concurrent_streams = 100;
  c.keepalive.server_parameters.max_connection_idle = std::chrono::seconds(11);
  c.keepalive.server_parameters.max_connection_age = std::chrono::seconds(12);
  c.keepalive.server_parameters.max_connection_age_grace = std::chrono::seconds(13);
  c.keepalive.server_parameters.time = std::chrono::seconds(14);
  c.keepalive.server_parameters.timeout = std::chrono::seconds(15);
  c.keepalive.enforcement_policy.min_time = std::chrono::seconds(16);
  c.keepalive.enforcement_policy.permit_without_stream = true;
  std::map<std::string, int> args;
  for (auto& [k, v] : GrpcServerArgs(c)) args[k] = v;
  EXPECT_EQ(args["grpc.so_reuseport"], 0);
  EXPECT_EQ(args["grpc.max_receive_message_length"], 16 << 20);
  EXPECT_EQ(args["grpc.max_concurrent_streams"], 100);
  EXPECT_EQ(args["grpc.max_connection_idle_ms"], 11000);
  EXPECT_EQ(args["grpc.max_connection_age_ms"], 12000);
  EXPECT_EQ(args["grpc.max_connection_age_grace_ms"], 13000);
  EXPECT_EQ(args["grpc.keepalive_time_ms"], 14000);
  EXPECT_EQ(args["grpc.keepalive_timeout_ms"], 15000);
  EXPECT_EQ(args["grpc.http2.min_ping_interval_without_data_ms"], 16000);
  EXPECT_EQ(args["grpc.keepalive_permit_without_calls"], 1);
  EXPECT_EQ(GrpcServerArgs(GrpcProtocolConfig{}).size(), 3u);  // defaults: gRPC's own keepalive
}

class OtlpGrpcTlsTest : public OtlpGrpcTest {
 protected:
  static void SetUpTestSuite() {
    certs_ = new net::testing::TestCerts(net::testing::MakeTestCerts());
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(certs_->dir);
    delete certs_;
  }
  std::shared_ptr<grpc::Channel> SecureChannel(const net::TlsClientSettings& tls) {
    auto creds = net::MakeGrpcChannelCredentials(tls);
    EXPECT_TRUE(creds.ok()) << creds.status().ToString();
    return grpc::CreateChannel("localhost:" + std::to_string(receiver_->grpc_port()), *creds);
  }
  static net::testing::TestCerts* certs_;
};
net::testing::TestCerts* OtlpGrpcTlsTest::certs_ = nullptr;

TEST_F(OtlpGrpcTlsTest, ServesTls) {
  GrpcProtocolConfig grpc;
  grpc.tls = certs_->Server();
  StartReceiver(grpc);
  EXPECT_TRUE(Call(SecureChannel(certs_->Client()), kTraceExportMethod, testing::TraceRequest(1))
                  .status.ok());
  // A plaintext client cannot talk to it.
  EXPECT_EQ(Call(channel_, kTraceExportMethod, testing::TraceRequest(1)).status.error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(OtlpGrpcTlsTest, InsecureSkipVerifyClient) {
  GrpcProtocolConfig grpc;
  grpc.tls = certs_->Server();
  StartReceiver(grpc);
  net::TlsClientSettings unverified;  // no CA: only works because verification is off
  unverified.insecure_skip_verify = true;
  EXPECT_TRUE(
      Call(SecureChannel(unverified), kTraceExportMethod, testing::TraceRequest(1)).status.ok());
  net::TlsClientSettings verified;  // a CA that did not sign the server certificate
  verified.ca_file = certs_->foreign_ca_cert;
  EXPECT_EQ(Call(SecureChannel(verified), kTraceExportMethod, testing::TraceRequest(1))
                .status.error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(OtlpGrpcTlsTest, MutualTlsRejectsClientsWithoutACertificate) {
  GrpcProtocolConfig grpc;
  grpc.tls = certs_->Server(/*require_client_cert=*/true);
  StartReceiver(grpc);
  CallResult ok = Call(SecureChannel(certs_->Client(/*with_cert=*/true)), kTraceExportMethod,
                       testing::TraceRequest(1));
  EXPECT_TRUE(ok.status.ok()) << ok.status.error_message();
  CallResult anonymous =
      Call(SecureChannel(certs_->Client()), kTraceExportMethod, testing::TraceRequest(1));
  EXPECT_EQ(anonymous.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(traces_.batches(), 1u);
}

TEST_F(OtlpGrpcTlsTest, MinVersion13IsRefusedForGrpc) {
  GrpcProtocolConfig grpc;
  grpc.tls = certs_->Server();
  grpc.tls->min_version = "1.3";
  grpc.endpoint = "127.0.0.1:0";
  OtlpReceiverConfig cfg;
  cfg.protocols.grpc = grpc;
  OtlpReceiver r(ComponentContext{}, cfg, Consumers{});
  Status s = r.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("min_version"));
}

TEST_F(OtlpGrpcTlsTest, MaxVersionAndCipherSuitesAreRefusedForGrpc) {
  GrpcProtocolConfig grpc;
  grpc.tls = certs_->Server();
  grpc.tls->max_version = "1.2";
  OtlpReceiverConfig cfg;
  cfg.protocols.grpc = grpc;
  EXPECT_THAT(std::string(cfg.Validate().message()), HasSubstr("max_version \"1.2\" cannot"));
  cfg.protocols.grpc->tls->max_version = "";
  cfg.protocols.grpc->tls->cipher_suites = {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"};
  EXPECT_THAT(std::string(cfg.Validate().message()), HasSubstr("cipher_suites cannot be set"));
}

TEST_F(OtlpGrpcTlsTest, ExpiredServerCertificateIsRejected) {
  GrpcProtocolConfig grpc;
  grpc.tls = certs_->Server();
  grpc.tls->cert_file = certs_->expired_server_cert;
  grpc.tls->key_file = certs_->expired_server_key;
  StartReceiver(grpc);
  EXPECT_EQ(Call(SecureChannel(certs_->Client()), kTraceExportMethod, testing::TraceRequest(1))
                .status.error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(traces_.batches(), 0u);
}

void Install(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to + ".new", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(to + ".new", to);
}

// gRPC's file watcher re-reads the files (whole seconds): a client that trusts only the new CA
// gets through once it has, without a restart.
TEST_F(OtlpGrpcTlsTest, ServerCertificateRotatesWithoutRestart) {
  std::string dir = certs_->dir + "/grpc-rotate";
  std::filesystem::create_directories(dir);
  GrpcProtocolConfig grpc;
  grpc.tls = certs_->Server();
  grpc.tls->cert_file = dir + "/cert.pem";
  grpc.tls->key_file = dir + "/key.pem";
  grpc.tls->reload_interval = std::chrono::seconds(1);
  Install(certs_->server_cert, grpc.tls->cert_file);
  Install(certs_->server_key, grpc.tls->key_file);
  StartReceiver(grpc);
  net::TlsClientSettings new_ca = certs_->Client();
  new_ca.ca_file = certs_->foreign_ca_cert;
  auto call = [&](const net::TlsClientSettings& tls) {
    return Call(SecureChannel(tls), kTraceExportMethod, testing::TraceRequest(1)).status.ok();
  };
  EXPECT_TRUE(call(certs_->Client()));
  EXPECT_FALSE(call(new_ca));

  Install(certs_->foreign_server_cert, grpc.tls->cert_file);
  Install(certs_->foreign_server_key, grpc.tls->key_file);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool rotated = false;
  while (!(rotated = call(new_ca)) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_TRUE(rotated);
  EXPECT_FALSE(call(certs_->Client()));
}

// An exporter-side channel with reload_interval uses gRPC's TLS credentials: it must still verify
// the server against ca_file and the host name.
TEST_F(OtlpGrpcTlsTest, ReloadingClientStillVerifiesTheServer) {
  GrpcProtocolConfig grpc;
  grpc.tls = certs_->Server();
  StartReceiver(grpc);
  net::TlsClientSettings c = certs_->Client(/*with_cert=*/true);
  c.reload_interval = std::chrono::seconds(1);
  CallResult ok = Call(SecureChannel(c), kTraceExportMethod, testing::TraceRequest(1));
  EXPECT_TRUE(ok.status.ok()) << ok.status.error_message();
  c.ca_file = certs_->foreign_ca_cert;
  EXPECT_FALSE(Call(SecureChannel(c), kTraceExportMethod, testing::TraceRequest(1)).status.ok());
  c.ca_file = certs_->ca_cert;
  c.server_name_override = "not-the-server.example";
  grpc::ChannelArguments args;
  net::ApplyGrpcChannelTlsArgs(c, &args);
  auto creds = net::MakeGrpcChannelCredentials(c);
  ASSERT_TRUE(creds.ok());
  auto channel = grpc::CreateCustomChannel("localhost:" + std::to_string(receiver_->grpc_port()),
                                           *creds, args);
  EXPECT_FALSE(Call(channel, kTraceExportMethod, testing::TraceRequest(1)).status.ok());
}

}  // namespace
}  // namespace otter::otlp_receiver
