// The otlp receiver over HTTP, end to end through a socket: status codes, bodies, encodings,
// pipeline answers and self-metrics, as an OTLP/HTTP client sees them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <future>

#include "google/rpc/status.pb.h"
#include "net/compression.h"
#include "net/test_util.h"
#include "otlp/proto_codec.h"
#include "receivers/otlp/ingest.h"
#include "receivers/otlp/receiver.h"
#include "receivers/otlp/test_fakes.h"

namespace otter::otlp_receiver {
namespace {

using net::testing::HttpTestClient;
using net::testing::TestHttpRequest;
using net::testing::TestHttpResponse;
using testing::FakeConsumer;
using ::testing::HasSubstr;

constexpr char kPb[] = "application/x-protobuf";
constexpr char kJson[] = "application/json";

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class OtlpHttpTest : public ::testing::Test {
 protected:
  void StartReceiver(HttpProtocolConfig http = {}, bool with_logs = false) {
    http.endpoint = "127.0.0.1:0";
    OtlpReceiverConfig cfg;
    cfg.protocols.http = http;
    ASSERT_TRUE(cfg.Validate().ok());
    ComponentContext ctx;
    ctx.id = {"otlp", ""};
    ctx.metrics = &metrics_;
    Consumers next;
    next.traces = &traces_;
    next.metrics = &metric_points_;
    if (with_logs) next.logs = &logs_;
    receiver_ = std::make_unique<OtlpReceiver>(ctx, cfg, next);
    Status s = receiver_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    client_ = std::make_unique<HttpTestClient>(receiver_->http_port());
  }

  TestHttpResponse Post(const std::string& path, const std::string& content_type, std::string body,
                        net::HttpHeaders extra = {}) {
    extra.emplace_back("Content-Type", content_type);
    auto r = client_->Send({"POST", path, extra, std::move(body)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : TestHttpResponse{};
  }

  double Count(const std::string& name, const std::string& transport = "http") {
    return metrics_.Value(name, {{"receiver", "otlp"}, {"transport", transport}});
  }

  static google::rpc::Status PbStatus(const TestHttpResponse& r) {
    google::rpc::Status s;
    EXPECT_TRUE(s.ParseFromString(r.body)) << r.body;
    return s;
  }

  telemetry::SelfMetrics metrics_;
  FakeConsumer<pdata::TraceBatch> traces_;
  FakeConsumer<pdata::MetricBatch> metric_points_;
  FakeConsumer<pdata::LogBatch> logs_;
  std::unique_ptr<OtlpReceiver> receiver_;
  std::unique_ptr<HttpTestClient> client_;
};

// The README's smoke test: curl -X POST localhost:4318/v1/traces -H 'Content-Type:
// application/json' -d '{"resourceSpans":[]}'.
TEST_F(OtlpHttpTest, IncludeMetadataKeepsEveryHeaderLowerCasedWithTheBatch) {
  HttpProtocolConfig http;
  http.include_metadata = true;
  StartReceiver(http);
  auto r = Post("/v1/traces", kPb, testing::TraceRequest(1),
                {{"X-Scope-OrgID", "tenant-a"}, {"X-Multi", "1"}, {"x-multi", "2"}});
  ASSERT_EQ(r.status, 200);
  pdata::TraceBatch b = traces_.TakeBatch(0);
  EXPECT_EQ(b.metadata().Get("x-scope-orgid"), std::vector<std::string_view>{"tenant-a"});
  EXPECT_EQ(b.metadata().Get("X-MULTI"), (std::vector<std::string_view>{"1", "2"}));
  EXPECT_EQ(b.metadata().Get("content-type"), std::vector<std::string_view>{kPb});
  for (const auto& e : b.metadata().entries())
    EXPECT_EQ(e.key, Lower(std::string(e.key))) << "keys are stored lower-cased";
}

TEST_F(OtlpHttpTest, EmptyJsonRequestIsAccepted) {
  StartReceiver();
  auto r = Post("/v1/traces", kJson, R"({"resourceSpans":[]})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), kJson);
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(traces_.batches(), 0u);  // nothing to deliver
  EXPECT_EQ(Count("otelcol_receiver_accepted_spans"), 0);
}

TEST_F(OtlpHttpTest, ProtobufSpansReachThePipeline) {
  StartReceiver();
  auto r = Post("/v1/traces", kPb, testing::TraceRequest(3));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), kPb);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse resp;
  ASSERT_TRUE(resp.ParseFromString(r.body));
  EXPECT_FALSE(resp.has_partial_success());
  ASSERT_EQ(traces_.batches(), 1u);
  pdata::TraceBatch b = traces_.TakeBatch(0);
  ASSERT_EQ(b.ItemCount(), 3u);
  EXPECT_EQ(b.resources()[0].scope_spans[0].spans[2].name, "op");
  EXPECT_EQ(b.client_ip(), "127.0.0.1");  // the sender, for k8sattributes' `from: connection`
  EXPECT_TRUE(b.metadata().empty());      // include_metadata is off
  EXPECT_EQ(Count("otelcol_receiver_accepted_spans"), 3);
  EXPECT_EQ(Count("otelcol_receiver_refused_spans"), 0);
}

TEST(OtlpClientIp, FromPeerDescriptions) {
  EXPECT_EQ(ClientIpFromPeer("10.1.2.3:4318"), "10.1.2.3");
  EXPECT_EQ(ClientIpFromPeer("::1:4318"), "::1");
  EXPECT_EQ(ClientIpFromPeer("ipv4:10.1.2.3:51234"), "10.1.2.3");
  EXPECT_EQ(ClientIpFromPeer("ipv6:[fd00::7]:51234"), "fd00::7");
  EXPECT_EQ(ClientIpFromPeer("ipv6:%5B::1%5D:51234"), "::1");
  EXPECT_EQ(ClientIpFromPeer("unix:/tmp/otel.sock"), "");
  EXPECT_EQ(ClientIpFromPeer("?"), "");
}

// metrics.level detailed adds the acknowledgement-latency histogram; normal does not create it.
TEST_F(OtlpHttpTest, DetailedMetricsLevelAddsRequestDurationHistogram) {
  metrics_.SetLevel(telemetry::MetricsLevel::kDetailed);
  StartReceiver();
  EXPECT_EQ(Post("/v1/traces", kPb, testing::TraceRequest(3)).status, 200);
  EXPECT_EQ(Post("/v1/traces", kPb, testing::TraceRequest(1)).status, 200);
  std::string text = metrics_.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("otter_receiver_request_duration_seconds_count{receiver=\"otlp\","
                              "signal=\"traces\",transport=\"http\"} 2"));
}

TEST_F(OtlpHttpTest, NormalMetricsLevelHasNoRequestDurationHistogram) {
  StartReceiver();
  EXPECT_EQ(Post("/v1/traces", kPb, testing::TraceRequest(3)).status, 200);
  metrics_.SetLevel(telemetry::MetricsLevel::kDetailed);  // rendering cannot show what was not made
  EXPECT_THAT(metrics_.RenderPrometheus(),
              ::testing::Not(HasSubstr("otter_receiver_request_duration_seconds")));
}

// A pipeline that keeps only part of a request answers 200 with partial_success (protobuf) /
// partialSuccess (JSON) carrying the rejected count and the message naming the metric.
TEST_F(OtlpHttpTest, PartialRejectionIsAnsweredAsPartialSuccess) {
  StartReceiver({}, /*with_logs=*/true);
  const std::string why = "metric \"size\": exponential histograms are not supported";
  metric_points_.AnswerWith(Status::PartialSuccess(2, why));
  auto r = Post("/v1/metrics", kPb, testing::MetricsRequest(3));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), kPb);
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse resp;
  ASSERT_TRUE(resp.ParseFromString(r.body));
  ASSERT_TRUE(resp.has_partial_success());
  EXPECT_EQ(resp.partial_success().rejected_data_points(), 2);
  EXPECT_EQ(resp.partial_success().error_message(), why);

  auto j = Post("/v1/metrics", kJson,
                R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":)"
                R"({"dataPoints":[{"asInt":"1"},{"asInt":"2"}]}}]}]}]})");
  EXPECT_EQ(j.status, 200);
  EXPECT_EQ(j.Header("content-type"), kJson);
  EXPECT_EQ(j.body, R"({"partialSuccess":{"rejectedDataPoints":"2","errorMessage":"metric )"
                    R"(\"size\": exponential histograms are not supported"}})");

  logs_.AnswerWith(Status::PartialSuccess(1, "one record too large"));
  auto l =
      Post("/v1/logs", kJson,
           R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}]})");
  EXPECT_EQ(l.status, 200);
  EXPECT_EQ(
      l.body,
      R"({"partialSuccess":{"rejectedLogRecords":"1","errorMessage":"one record too large"}})");
  EXPECT_EQ(Count("otelcol_receiver_accepted_metric_points"), 5);
  EXPECT_EQ(Count("otelcol_receiver_refused_metric_points"), 0);
}

// For a consumer that reads the protobuf itself (the store) the receiver only validates and
// counts a protobuf traces request; malformed ones still get the decoder's error, and JSON is
// decoded as before.
TEST_F(OtlpHttpTest, UndecodedSpansForAConsumerThatTakesThem) {
  traces_.TakeUndecoded(true);
  StartReceiver();
  std::string body = testing::TraceRequest(3);
  EXPECT_EQ(Post("/v1/traces", kPb, body).status, 200);
  ASSERT_EQ(traces_.batches(), 1u);
  pdata::TraceBatch b = traces_.TakeBatch(0);
  EXPECT_TRUE(b.undecoded());
  EXPECT_EQ(b.ItemCount(), 3u);
  EXPECT_EQ(b.wire(), body);
  EXPECT_EQ(Count("otelcol_receiver_accepted_spans"), 3);

  std::string truncated = body.substr(0, body.size() - 5);
  auto bad = Post("/v1/traces", kPb, truncated);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(PbStatus(bad).message(), otlp::DecodeTraces(truncated).status().message());
  EXPECT_EQ(traces_.batches(), 1u);

  EXPECT_EQ(
      Post("/v1/traces", kJson,
           R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":")"
           R"(0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"j"}]}]}]})")
          .status,
      200);
  ASSERT_EQ(traces_.batches(), 2u);
  pdata::TraceBatch j = traces_.TakeBatch(1);
  EXPECT_FALSE(j.undecoded());
  EXPECT_EQ(j.resources()[0].scope_spans[0].spans[0].name, "j");
}

TEST_F(OtlpHttpTest, JsonSpansWithCharsetParameter) {
  StartReceiver();
  auto r = Post("/v1/traces", "application/json; charset=utf-8", testing::TraceRequestJson());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(traces_.items(), 2u);
  EXPECT_EQ(Count("otelcol_receiver_accepted_spans"), 2);
}

TEST_F(OtlpHttpTest, MetricsAndLogsPaths) {
  StartReceiver({}, /*with_logs=*/true);
  EXPECT_EQ(Post("/v1/metrics", kPb, testing::MetricsRequest(4)).status, 200);
  EXPECT_EQ(Post("/v1/logs", kPb, testing::LogsRequest(5)).status, 200);
  EXPECT_EQ(metric_points_.items(), 4u);
  EXPECT_EQ(logs_.items(), 5u);
  EXPECT_EQ(Count("otelcol_receiver_accepted_metric_points"), 4);
  EXPECT_EQ(Count("otelcol_receiver_accepted_log_records"), 5);
}

TEST_F(OtlpHttpTest, CustomPathsAndResponseHeaders) {
  HttpProtocolConfig http;
  http.traces_url_path = "/custom/traces";
  http.response_headers = {{"X-Served-By", "otter"}};
  StartReceiver(http);
  EXPECT_EQ(Post("/v1/traces", kPb, testing::TraceRequest(1)).status, 404);
  auto r = Post("/custom/traces", kPb, testing::TraceRequest(1));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-served-by"), "otter");
}

TEST_F(OtlpHttpTest, UnknownPathAndUnwiredSignalAre404) {
  StartReceiver();  // no logs pipeline
  auto r = Post("/v1/nope", kPb, "");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 page not found\n");
  EXPECT_EQ(Post("/v1/logs", kPb, testing::LogsRequest(1)).status, 404);
  EXPECT_EQ(Post("/v1/traces/", kPb, testing::TraceRequest(1)).status, 404);
}

TEST_F(OtlpHttpTest, OnlyPostIsAllowed) {
  StartReceiver();
  auto r = client_->Send({"GET", "/v1/traces", {}, ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "POST");
  EXPECT_EQ(r->body, "405 method not allowed, supported: [POST]");
  auto put =
      client_->Send({"PUT", "/v1/traces", {{"Content-Type", kPb}}, testing::TraceRequest(1)});
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->status, 405);
  EXPECT_EQ(traces_.batches(), 0u);
}

TEST_F(OtlpHttpTest, UnsupportedContentTypeIs415) {
  StartReceiver();
  auto r = Post("/v1/traces", "text/plain", "hello");
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.body,
            "415 unsupported media type, supported: [application/json, application/x-protobuf]");
  auto none = client_->Send({"POST", "/v1/traces", {}, "x"});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->status, 415);
}

TEST_F(OtlpHttpTest, BadTraceIdIs400NamingTheField) {
  StartReceiver();
  std::string id48(48, 'a');
  auto r = Post("/v1/traces", kJson,
                R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":")" + id48 +
                    R"(","spanId":"0102030405060708","name":"x"}]}]}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("content-type"), kJson);
  EXPECT_THAT(r.body, HasSubstr("\"code\":3"));
  EXPECT_THAT(r.body, HasSubstr("traceId"));
  EXPECT_THAT(r.body, HasSubstr("48"));
  EXPECT_EQ(traces_.batches(), 0u);
  // Undecodable requests never reach the pipeline and are counted nowhere (as in Go).
  EXPECT_EQ(Count("otelcol_receiver_accepted_spans"), 0);
  EXPECT_EQ(Count("otelcol_receiver_refused_spans"), 0);
}

TEST_F(OtlpHttpTest, TruncatedProtobufIs400WithProtobufStatus) {
  StartReceiver();
  std::string body = testing::TraceRequest(2);
  auto r = Post("/v1/traces", kPb, body.substr(0, body.size() - 5));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("content-type"), kPb);
  google::rpc::Status s = PbStatus(r);
  EXPECT_EQ(s.code(), 3);
  EXPECT_FALSE(s.message().empty());
  EXPECT_EQ(traces_.batches(), 0u);
}

TEST_F(OtlpHttpTest, RetryableRefusalIs503WithRetryAfter) {
  StartReceiver();
  traces_.AnswerWith(Unavailable("sending queue is full"));
  auto r = Post("/v1/traces", kJson, testing::TraceRequestJson());
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_THAT(r.body, HasSubstr("sending queue is full"));
  EXPECT_THAT(r.body, HasSubstr("\"code\":14"));
  traces_.AnswerWith(Unavailable("backend down").WithRetryAfter(std::chrono::milliseconds(2500)));
  auto r2 = Post("/v1/traces", kPb, testing::TraceRequest(1));
  EXPECT_EQ(r2.status, 503);
  EXPECT_EQ(r2.Header("retry-after"), "3");
  EXPECT_EQ(PbStatus(r2).code(), 14);
  EXPECT_EQ(Count("otelcol_receiver_refused_spans"), 3);
  EXPECT_EQ(Count("otelcol_receiver_accepted_spans"), 0);
}

TEST_F(OtlpHttpTest, ThrottlingIs429) {
  StartReceiver();
  traces_.AnswerWith(ResourceExhausted("memory limit").WithRetryAfter(std::chrono::seconds(5)));
  auto r = Post("/v1/traces", kPb, testing::TraceRequest(1));
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("retry-after"), "5");
}

TEST_F(OtlpHttpTest, PermanentRefusals) {
  StartReceiver();
  traces_.AnswerWith(InvalidArgument("span name too long"));
  auto bad = Post("/v1/traces", kPb, testing::TraceRequest(1));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Header("retry-after"), "");
  EXPECT_EQ(PbStatus(bad).message(), "span name too long");
  traces_.AnswerWith(Internal("exporter bug"));
  auto internal = Post("/v1/traces", kPb, testing::TraceRequest(1));
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(PbStatus(internal).code(), 13);
  traces_.AnswerWith(ResourceExhausted("too big for the backend"));  // no retry delay: permanent
  EXPECT_EQ(Post("/v1/traces", kPb, testing::TraceRequest(1)).status, 500);
  EXPECT_EQ(Count("otelcol_receiver_refused_spans"), 3);
}

TEST_F(OtlpHttpTest, BodyOverTheLimitIs413) {
  HttpProtocolConfig http;
  http.max_request_body_size = 1000;
  StartReceiver(http);
  auto r = Post("/v1/traces", kPb, std::string(2000, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.Header("content-type"), kPb);
  EXPECT_THAT(PbStatus(r).message(), HasSubstr("1000"));
  HttpTestClient json_client(receiver_->http_port());
  auto j = json_client.Send(
      {"POST", "/v1/traces", {{"Content-Type", kJson}}, std::string(2000, ' '), true});
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->status, 413);
  EXPECT_EQ(j->Header("content-type"), kJson);
  EXPECT_EQ(traces_.batches(), 0u);
}

TEST_F(OtlpHttpTest, GzipBombIs413) {
  HttpProtocolConfig http;
  http.max_request_body_size = 1 << 20;
  StartReceiver(http);
  auto bomb =
      net::Compress(net::Encoding::kGzip, std::string(16 << 20, '\0'));  // ~16 KiB on the wire
  ASSERT_TRUE(bomb.ok());
  ASSERT_LT(bomb->size(), size_t{1} << 20);
  auto r = Post("/v1/traces", kPb, *bomb, {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 413);
  EXPECT_THAT(PbStatus(r).message(), HasSubstr("1048576"));
  EXPECT_EQ(traces_.batches(), 0u);
}

TEST_F(OtlpHttpTest, EveryContentEncodingDecodes) {
  StartReceiver();
  std::string body = testing::TraceRequest(2);
  size_t expected = 0;
  for (auto [name, enc] : std::vector<std::pair<std::string, net::Encoding>>{
           {"gzip", net::Encoding::kGzip},
           {"zstd", net::Encoding::kZstd},
           {"snappy", net::Encoding::kSnappy},
           {"x-snappy-framed", net::Encoding::kSnappyFramed},
           {"lz4", net::Encoding::kLz4},
           {"deflate", net::Encoding::kDeflate},
           {"zlib", net::Encoding::kZlib},
           {"snappy", net::Encoding::kSnappyFramed}}) {
    auto packed = net::Compress(enc, body);
    ASSERT_TRUE(packed.ok());
    auto r = Post("/v1/traces", kPb, *packed, {{"Content-Encoding", name}});
    EXPECT_EQ(r.status, 200) << name << ": " << r.body;
    expected += 2;
    EXPECT_EQ(traces_.items(), expected) << name;
  }
  EXPECT_EQ(Count("otelcol_receiver_accepted_spans"), static_cast<double>(expected));
}

TEST_F(OtlpHttpTest, BadOrUnsupportedEncodingIs400) {
  HttpProtocolConfig http;
  http.compression_algorithms = {"", "gzip"};
  StartReceiver(http);
  auto br = Post("/v1/traces", kJson, "{}", {{"Content-Encoding", "br"}});
  EXPECT_EQ(br.status, 400);
  EXPECT_THAT(br.body, HasSubstr("unsupported Content-Encoding: br"));
  auto zstd = net::Compress(net::Encoding::kZstd, testing::TraceRequest(1));
  EXPECT_EQ(Post("/v1/traces", kPb, *zstd, {{"Content-Encoding", "zstd"}}).status,
            400);  // not enabled
  auto corrupt = Post("/v1/traces", kPb, "definitely not gzip", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(corrupt.status, 400);
  EXPECT_THAT(PbStatus(corrupt).message(), HasSubstr("gzip"));
  EXPECT_EQ(traces_.batches(), 0u);
}

TEST_F(OtlpHttpTest, AnswerWaitsForThePipeline) {
  StartReceiver();
  traces_.Hold(true);
  int port = receiver_->http_port();
  auto reply = std::async(std::launch::async, [port] {
    HttpTestClient c(port);
    return c.Send({"POST", "/v1/traces", {{"Content-Type", kPb}}, testing::TraceRequest(2)});
  });
  traces_.WaitHeld(1);
  EXPECT_EQ(reply.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  traces_.Release(Status::Ok());
  auto r = reply.get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Count("otelcol_receiver_accepted_spans"), 2);
}

TEST_F(OtlpHttpTest, ShutdownWaitsForInFlightRequests) {
  StartReceiver();
  traces_.Hold(true);
  int port = receiver_->http_port();
  auto reply = std::async(std::launch::async, [port] {
    HttpTestClient c(port);
    return c.Send({"POST", "/v1/traces", {{"Content-Type", kPb}}, testing::TraceRequest(1)});
  });
  traces_.WaitHeld(1);
  auto shutdown = std::async(std::launch::async, [&] { receiver_->Shutdown(); });
  EXPECT_EQ(shutdown.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
  traces_.Release(Unavailable("draining"));
  shutdown.get();
  auto r = reply.get();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 503);
}

TEST_F(OtlpHttpTest, CorsPreflightAndActualRequest) {
  HttpProtocolConfig http;
  http.cors = CorsConfig{{"https://*.example.com"}, {"X-Custom"}, 600};
  StartReceiver(http);
  auto pre = client_->Send({"OPTIONS",
                            "/v1/traces",
                            {{"Origin", "https://app.example.com"},
                             {"Access-Control-Request-Method", "POST"},
                             {"Access-Control-Request-Headers", "content-type, x-custom"}},
                            ""});
  ASSERT_TRUE(pre.ok());
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->Header("access-control-allow-origin"), "https://app.example.com");
  EXPECT_EQ(pre->Header("access-control-allow-methods"), "POST");
  EXPECT_EQ(pre->Header("access-control-allow-headers"), "content-type, x-custom");
  EXPECT_EQ(pre->Header("access-control-max-age"), "600");
  auto denied =
      client_->Send({"OPTIONS",
                     "/v1/traces",
                     {{"Origin", "https://evil.test"}, {"Access-Control-Request-Method", "POST"}},
                     ""});
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->status, 204);
  EXPECT_EQ(denied->Header("access-control-allow-origin"), "");
  auto r =
      Post("/v1/traces", kJson, R"({"resourceSpans":[]})", {{"Origin", "https://app.example.com"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("access-control-allow-origin"), "https://app.example.com");
}

TEST_F(OtlpHttpTest, WithoutCorsOptionsIs405) {
  StartReceiver();
  auto pre =
      client_->Send({"OPTIONS",
                     "/v1/traces",
                     {{"Origin", "https://a.test"}, {"Access-Control-Request-Method", "POST"}},
                     ""});
  ASSERT_TRUE(pre.ok());
  EXPECT_EQ(pre->status, 405);
}

// The same requests from curl, a client we did not write (skipped where curl is missing).
TEST_F(OtlpHttpTest, CurlInterop) {
  if (std::system("curl --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "curl not installed";
  StartReceiver();
  auto curl = [&](const std::string& args) {
    std::string cmd = "curl -sS -w '\\n%{http_code}' " + args +
                      " http://127.0.0.1:" + std::to_string(receiver_->http_port()) +
                      "/v1/traces 2>&1";
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    pclose(p);
    return out;
  };
  // The README's smoke test.
  EXPECT_EQ(curl("-X POST -H 'Content-Type: application/json' -d '{\"resourceSpans\":[]}'"),
            "{}\n200");
  // A body over 1 MiB makes curl send "Expect: 100-continue" first.
  std::string path = ::testing::TempDir() + "/otter-big-request.json";
  {
    std::string big =
        R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10",)"
        R"("spanId":"0102030405060708","name":")" +
        std::string(2 << 20, 'n') + R"("}]}]}]})";
    FILE* f = std::fopen(path.c_str(), "w");
    std::fwrite(big.data(), 1, big.size(), f);
    std::fclose(f);
  }
  EXPECT_EQ(curl("-X POST -H 'Content-Type: application/json' --data-binary @" + path), "{}\n200");
  EXPECT_EQ(traces_.items(), 1u);
  EXPECT_EQ(curl("-X GET"), "405 method not allowed, supported: [POST]\n405");
  std::remove(path.c_str());
}

TEST_F(OtlpHttpTest, BusyPortFailsStart) {
  StartReceiver();
  OtlpReceiverConfig cfg;
  cfg.protocols.http = HttpProtocolConfig{};
  cfg.protocols.http->endpoint = "127.0.0.1:" + std::to_string(receiver_->http_port());
  ComponentContext ctx;
  ctx.id = {"otlp", "2"};
  Consumers next;
  next.traces = &traces_;
  OtlpReceiver second(ctx, cfg, next);
  Status s = second.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("protocols.http"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("in use"));
}

}  // namespace
}  // namespace otter::otlp_receiver
