#include "exporters/otlp_http/exporter.h"

#include <gtest/gtest.h>

#include <ctime>
#include <deque>
#include <mutex>

#include "component/registry.h"
#include "config/loader.h"
#include "exporters/exporterhelper/fake_backend.h"
#include "exporters/exporterhelper/fake_clock.h"
#include "exporters/exporterhelper/testing.h"
#include "exporters/otlp_http/response.h"
#include "net/compression.h"
#include "net/http_server.h"
#include "net/test_util.h"
#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"

namespace otter::otlp_http_exporter {
namespace {

using namespace std::chrono_literals;
using exporterhelper::testing::Answer;
using exporterhelper::testing::FakeBackend;
using exporterhelper::testing::Respond;
using exporterhelper::testing::TestContext;

std::string Unzip(const net::HttpRequest& r) {
  auto enc = net::ParseContentEncoding(r.Header("Content-Encoding"));
  EXPECT_TRUE(enc.has_value());
  auto out = net::Decompress(enc.value_or(net::Encoding::kIdentity), r.body, 64 << 20);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : "";
}

class OtlpHttpExporterTest : public ::testing::Test {
 protected:
  OtlpHttpExporterTest() {
    cfg_.sending_queue.wait_for_result = true;
    cfg_.retry_on_failure.initial_interval = 1ms;
    cfg_.retry_on_failure.randomization_factor = 0;
  }
  std::unique_ptr<Exporter> Make(const std::string& endpoint,
                                 exporterhelper::SenderOptions opts = {}) {
    cfg_.endpoint = endpoint;
    auto e = CreateExporter(t_.ctx(), cfg_, std::move(opts));
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (!e.ok()) return nullptr;
    EXPECT_TRUE((*e)->Start().ok());
    return std::move(*e);
  }
  static Status SendTraces(Exporter& e, pdata::TraceBatch b) {
    Answer a;
    e.consumers().traces->Consume(std::move(b), a.done());
    return a.get();
  }

  OtlpHttpConfig cfg_;
  TestContext t_{{"otlp_http", "backend"}};
};

TEST_F(OtlpHttpExporterTest, DeliversEachSignalAsGzippedProtobuf) {
  FakeBackend backend;
  auto e = Make(backend.url());
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

  std::map<std::string, net::HttpRequest> by_path;
  for (auto& r : backend.requests()) by_path[std::string(r.path())] = r;
  ASSERT_EQ(by_path.size(), 3u);
  for (auto& [path, r] : by_path) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.Header("Content-Type"), "application/x-protobuf");
    EXPECT_EQ(r.Header("Content-Encoding"), "gzip");
    EXPECT_EQ(r.Header("User-Agent"), "otter");
  }
  auto t = otlp::DecodeTraces(Unzip(by_path["/v1/traces"]));
  auto m = otlp::DecodeMetrics(Unzip(by_path["/v1/metrics"]));
  auto l = otlp::DecodeLogs(Unzip(by_path["/v1/logs"]));
  ASSERT_TRUE(t.ok() && m.ok() && l.ok());
  EXPECT_TRUE(t->resources() == traces.resources());
  EXPECT_TRUE(m->resources() == metrics.resources());
  EXPECT_TRUE(l->resources() == logs.resources());
  EXPECT_EQ(t_.Counter("sent", "spans"), 25);
  EXPECT_EQ(t_.Counter("sent", "metric_points"), 30);
  EXPECT_EQ(t_.Counter("sent", "log_records"), 20);
}

TEST_F(OtlpHttpExporterTest, JsonWithoutCompression) {
  FakeBackend backend;
  cfg_.encoding = "json";
  cfg_.compression = "none";
  auto e = Make(backend.url() + "/prefix/");
  auto traces = otlp::MakeSyntheticTraces(4, 9);
  EXPECT_TRUE(SendTraces(*e, traces.Clone()).ok());
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/prefix/v1/traces");
  EXPECT_EQ(reqs[0].Header("Content-Type"), "application/json");
  EXPECT_FALSE(reqs[0].HasHeader("Content-Encoding"));
  auto got = otlp::DecodeTracesJson(reqs[0].body);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->resources() == traces.resources());
}

// An undecoded protobuf request goes out byte for byte as it came (then compressed); with
// encoding json the exporter needs pdata, so it takes no undecoded batches.
TEST_F(OtlpHttpExporterTest, ForwardsAnUndecodedTracesRequestAsItCame) {
  FakeBackend backend;
  auto e = Make(backend.url());
  EXPECT_TRUE(e->consumers().traces->TakesUndecoded());
  EXPECT_TRUE(e->consumers().logs->TakesUndecoded());
  EXPECT_FALSE(e->consumers().metrics->TakesUndecoded());
  std::string body;
  otlp::EncodeTraces(otlp::MakeSyntheticTraces(7, 4), &body);
  body += std::string("\xf8\x06\x01", 3);  // field 111, varint 1: unknown to otter
  EXPECT_TRUE(SendTraces(*e, pdata::TraceBatch::Undecoded(body, 7)).ok());
  e->Shutdown();
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(Unzip(reqs[0]), body);
  EXPECT_EQ(t_.Counter("sent", "spans"), 7);

  cfg_.encoding = "json";
  EXPECT_FALSE(Make(backend.url())->consumers().traces->TakesUndecoded());
}

TEST_F(OtlpHttpExporterTest, ZstdAndSnappy) {
  for (const char* c : {"zstd", "snappy"}) {
    FakeBackend backend;
    cfg_.compression = c;
    auto e = Make(backend.url());
    auto logs = otlp::MakeSyntheticLogs(10, 1);
    Answer a;
    e->consumers().logs->Consume(logs.Clone(), a.done());
    EXPECT_TRUE(a.get().ok());
    auto reqs = backend.requests();
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].Header("Content-Encoding"), c);
    auto got = otlp::DecodeLogs(Unzip(reqs[0]));
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(got->resources() == logs.resources());
  }
}

TEST_F(OtlpHttpExporterTest, SignalEndpointOverridesAndHeaders) {
  FakeBackend backend;
  cfg_.traces_endpoint = backend.url() + "/custom/traces?tenant=a";
  cfg_.headers = {{"Authorization", "Bearer xyz"}, {"X-Scope-OrgID", "team-1"}};
  auto e = Make(backend.url());
  EXPECT_TRUE(SendTraces(*e, otlp::MakeSyntheticTraces(1, 1)).ok());
  Answer a;
  e->consumers().metrics->Consume(otlp::MakeSyntheticMetrics(3, 1), a.done());
  EXPECT_TRUE(a.get().ok());
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].target, "/custom/traces?tenant=a");
  EXPECT_EQ(reqs[1].target, "/v1/metrics");
  for (auto& r : reqs) {
    EXPECT_EQ(r.Header("Authorization"), "Bearer xyz");
    EXPECT_EQ(r.Header("X-Scope-OrgID"), "team-1");
  }
}

TEST_F(OtlpHttpExporterTest, KeepsConnectionsAlive) {
  FakeBackend backend;
  auto e = Make(backend.url());
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(SendTraces(*e, otlp::MakeSyntheticTraces(1, i)).ok());
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 4u);
  for (auto& r : reqs) EXPECT_EQ(r.remote_address, reqs[0].remote_address);
}

TEST_F(OtlpHttpExporterTest, Retries503ThenDeliversOnce) {
  FakeBackend backend;
  backend.Script({Respond(503, "busy"), Respond(502), Respond(504)});
  auto e = Make(backend.url());
  EXPECT_TRUE(SendTraces(*e, otlp::MakeSyntheticTraces(6, 1)).ok());
  auto reqs = backend.requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].body, reqs[3].body);
  EXPECT_EQ(t_.Counter("sent", "spans"), 6);
  EXPECT_EQ(t_.Counter("send_failed", "spans"), 0);
}

TEST_F(OtlpHttpExporterTest, HonoursRetryAfter) {
  FakeBackend backend;
  // An HTTP-date 100s ahead (whole seconds, so the wait is in (99s, 101s]).
  std::time_t when = std::time(nullptr) + 100;
  char date[64];
  std::tm tm{};
  gmtime_r(&when, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  backend.Script({Respond(429, "slow down", {{"Retry-After", "7"}}),
                  Respond(503, "maintenance", {{"Retry-After", date}})});
  auto clock = std::make_shared<exporterhelper::FakeClock>();
  exporterhelper::SenderOptions opts;
  opts.clock = clock;
  auto e = Make(backend.url(), opts);
  EXPECT_TRUE(SendTraces(*e, otlp::MakeSyntheticTraces(1, 1)).ok());
  EXPECT_EQ(backend.requests().size(), 3u);
  auto waits = clock->waits();
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_EQ(waits[0], 7s);
  EXPECT_GT(waits[1], 98s);
  EXPECT_LE(waits[1], 101s);
}

TEST_F(OtlpHttpExporterTest, PermanentStatusIsNotRetried) {
  FakeBackend backend;
  std::string status_body;
  otlp::EncodeRpcStatus(3, "span 2 has an invalid trace id", &status_body);
  backend.Script({Respond(400, status_body, {{"Content-Type", "application/x-protobuf"}})});
  auto e = Make(backend.url());
  Status s = SendTraces(*e, otlp::MakeSyntheticTraces(3, 1));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "HTTP 400 Bad Request from " + backend.url() +
                             "/v1/traces: span 2 has an invalid trace id");
  EXPECT_EQ(backend.requests().size(), 1u);
  EXPECT_EQ(t_.Counter("send_failed", "spans"), 3);
  EXPECT_EQ(t_.hub().FirstFailure().first, "otlp_http/backend:traces");
}

TEST_F(OtlpHttpExporterTest, PartialSuccessIsLoggedNotRetried) {
  FakeBackend backend;
  std::string pb;
  otlp::EncodeExportResponse(1, "one record too old", &pb);
  backend.Script(
      {Respond(200, pb, {{"Content-Type", "application/x-protobuf"}}),
       Respond(200, R"({"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"two bad"}})",
               {{"Content-Type", "application/json"}})});
  exporterhelper::SenderOptions opts;
  opts.clock = std::make_shared<exporterhelper::FakeClock>();  // log throttle in fake time
  auto e = Make(backend.url(), opts);
  for (int i = 0; i < 2; ++i) {
    Answer a;
    e->consumers().logs->Consume(otlp::MakeSyntheticLogs(5, i), a.done());
    EXPECT_TRUE(a.get().ok());
  }
  EXPECT_EQ(backend.requests().size(), 2u);
  EXPECT_EQ(t_.Counter("sent", "log_records"), 10);
  EXPECT_EQ(t_.CountInLog("the server rejected 1 log_records of 5: one record too old"), 1)
      << t_.log();
}

TEST_F(OtlpHttpExporterTest, TimeoutEndsAHangingRequest) {
  FakeBackend backend;
  backend.Script({{net::HttpResponse{}, /*hang=*/true}});
  cfg_.timeout = 100ms;
  cfg_.retry_on_failure.enabled = false;
  auto e = Make(backend.url());
  Status s = SendTraces(*e, otlp::MakeSyntheticTraces(1, 1));
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded) << s.ToString();
  EXPECT_TRUE(s.retryable());
}

TEST_F(OtlpHttpExporterTest, ShutdownAbortsAHangingRequest) {
  FakeBackend backend;
  backend.Script({{net::HttpResponse{}, /*hang=*/true}, {net::HttpResponse{}, /*hang=*/true}});
  cfg_.timeout = 0s;  // no per-request deadline: only shutdown ends it
  cfg_.sending_queue.wait_for_result = false;
  exporterhelper::SenderOptions opts;
  opts.drain_timeout = 100ms;
  auto e = Make(backend.url(), opts);
  e->consumers().traces->Consume(otlp::MakeSyntheticTraces(8, 1), Completion());
  e->consumers().traces->Consume(otlp::MakeSyntheticTraces(3, 2), Completion());
  e->Shutdown();
  EXPECT_EQ(t_.Counter("send_failed", "spans"), 11);
  EXPECT_EQ(t_.Counter("sent", "spans"), 0);
  EXPECT_EQ(t_.CountInLog("dropped 11 spans at shutdown"), 1) << t_.log();
}

TEST_F(OtlpHttpExporterTest, ShutdownWithUnreachableBackendCountsEverything) {
  cfg_.sending_queue.wait_for_result = false;
  cfg_.retry_on_failure.initial_interval = 1h;
  cfg_.retry_on_failure.max_interval = 1h;
  cfg_.retry_on_failure.max_elapsed_time = 0s;  // retry forever: only shutdown stops it
  auto e = Make("http://127.0.0.1:" + std::to_string(exporterhelper::testing::ClosedPort()));
  for (int i = 0; i < 4; ++i)
    e->consumers().metrics->Consume(otlp::MakeSyntheticMetrics(10, i), Completion());
  e->consumers().traces->Consume(otlp::MakeSyntheticTraces(3, 1), Completion());
  e->Shutdown();
  EXPECT_EQ(t_.Counter("send_failed", "metric_points"), 40);
  EXPECT_EQ(t_.Counter("send_failed", "spans"), 3);
  EXPECT_EQ(
      t_.CountInLog("dropped 40 metric points at shutdown: UNAVAILABLE: connect to 127.0.0.1:"), 1)
      << t_.log();
  EXPECT_EQ(t_.CountInLog("dropped 3 spans at shutdown"), 1) << t_.log();
  EXPECT_EQ(t_.CountInLog("at shutdown"), 2);
}

TEST_F(OtlpHttpExporterTest, Tls) {
  auto certs = net::testing::MakeTestCerts();
  FakeBackend backend(certs.Server());
  cfg_.tls = certs.Client();
  cfg_.retry_on_failure.enabled = false;
  auto e = Make("https://localhost:" + std::to_string(backend.port()));
  EXPECT_TRUE(SendTraces(*e, otlp::MakeSyntheticTraces(2, 1)).ok());
  EXPECT_EQ(backend.requests().size(), 1u);

  cfg_.tls.ca_file.clear();  // system roots do not know the test CA
  auto untrusted = Make("https://localhost:" + std::to_string(backend.port()));
  Status s = SendTraces(*untrusted, otlp::MakeSyntheticTraces(2, 1));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("TLS handshake"), std::string::npos) << s.ToString();
  EXPECT_EQ(backend.requests().size(), 1u);
}

TEST_F(OtlpHttpExporterTest, MutualTls) {
  auto certs = net::testing::MakeTestCerts();
  FakeBackend backend(certs.Server(/*require_client_cert=*/true));
  cfg_.retry_on_failure.enabled = false;
  cfg_.tls = certs.Client(/*with_cert=*/true);
  auto e = Make("https://localhost:" + std::to_string(backend.port()));
  EXPECT_TRUE(SendTraces(*e, otlp::MakeSyntheticTraces(2, 1)).ok());

  cfg_.tls = certs.Client(/*with_cert=*/false);
  auto anonymous = Make("https://localhost:" + std::to_string(backend.port()));
  EXPECT_FALSE(SendTraces(*anonymous, otlp::MakeSyntheticTraces(2, 1)).ok());
  EXPECT_EQ(backend.requests().size(), 1u);
}

TEST(OtlpHttpResponseTest, RetryAfter) {
  auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(ParseRetryAfter("120", now), 120s);
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), 0s);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:50:07 GMT", now), 30s);
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:50:07 GMT", now), 30s);
  EXPECT_EQ(ParseRetryAfter("Sun Nov  6 08:50:07 1994", now), 30s);
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now), 0s);  // in the past
  EXPECT_EQ(ParseRetryAfter("-5", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
}

TEST(OtlpHttpResponseTest, StatusMapping) {
  auto now = std::chrono::system_clock::now();
  auto status_of = [&](int code, net::HttpHeaders h = {}) {
    HttpClientResponse r;
    r.status = code;
    for (auto& [k, v] : h) r.headers.emplace_back(k, v);
    return StatusFromHttpResponse(r, "http://b/v1/traces", now);
  };
  EXPECT_TRUE(status_of(200).ok());
  EXPECT_TRUE(status_of(202).ok());
  for (int code : {429, 502, 503, 504}) EXPECT_TRUE(status_of(code).retryable()) << code;
  for (int code : {400, 401, 403, 404, 405, 413, 415, 500, 501, 301})
    EXPECT_FALSE(status_of(code).retryable()) << code;
  EXPECT_EQ(status_of(400).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status_of(401).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(status_of(503, {{"retry-after", "3"}}).retry_after(), 3s);
  EXPECT_EQ(status_of(400, {{"Retry-After", "3"}}).retry_after(), std::nullopt);
}

TEST(OtlpHttpResponseTest, PlainTextAndJsonErrorBodies) {
  HttpClientResponse r;
  r.status = 500;
  r.reason = "Internal Server Error";
  r.body = "  boom\n";
  EXPECT_EQ(StatusFromHttpResponse(r, "u", {}).message(),
            "HTTP 500 Internal Server Error from u: boom");
  r.headers = {{"Content-Type", "application/json"}};
  r.body = R"({"code":13,"message":"disk full"})";
  EXPECT_EQ(StatusFromHttpResponse(r, "u", {}).message(),
            "HTTP 500 Internal Server Error from u: disk full");
}

StatusOr<std::unique_ptr<ComponentConfig>> ParseConfig(const Factory& f, const std::string& yaml,
                                                       config::Diagnostics& d) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  if (!node.ok()) return node.status();
  return f.parse_config(*node, d);
}

TEST(OtlpHttpConfigTest, RegisteredWithDeprecatedAlias) {
  Registry r;
  RegisterBuiltins(r);
  bool via_alias = false;
  const Factory* f = r.Find(ComponentKind::kExporter, "otlphttp", &via_alias);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->type, "otlp_http");
  EXPECT_TRUE(via_alias);
  config::Diagnostics d;
  auto cfg = ParseConfig(*f,
                         "endpoint: https://backend:4318/otlp\n"
                         "logs_endpoint: http://logs:9000/ingest\n"
                         "encoding: json\n"
                         "compression: zstd\n"
                         "sending_queue: {enabled: false}\n",
                         d);
  ASSERT_TRUE(cfg.ok());
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  auto& c = static_cast<const OtlpHttpConfig&>(**cfg);
  EXPECT_EQ(c.SignalUrl(Signal::kTraces), "https://backend:4318/otlp/v1/traces");
  EXPECT_EQ(c.SignalUrl(Signal::kMetrics), "https://backend:4318/otlp/v1/metrics");
  EXPECT_EQ(c.SignalUrl(Signal::kLogs), "http://logs:9000/ingest");
  EXPECT_EQ(c.timeout, 30s);
  EXPECT_FALSE(c.sending_queue.enabled);
}

TEST(OtlpHttpConfigTest, RejectsWhatItCannotDo) {
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kExporter, "otlp_http");
  ASSERT_NE(f, nullptr);
  auto error_of = [&](const std::string& yaml) {
    config::Diagnostics d;
    auto cfg = ParseConfig(*f, yaml, d);
    return d.ErrorsText();
  };
  EXPECT_NE(error_of("endpoint: http://a:1\ncompression: brotli\n").find("not supported"),
            std::string::npos);
  EXPECT_NE(error_of("endpoint: http://a:1\nencoding: thrift\n").find("\"proto\" or \"json\""),
            std::string::npos);
  EXPECT_NE(error_of("encoding: json\n").find("endpoint"), std::string::npos);
  EXPECT_NE(error_of("endpoint: backend:4318\n").find("must start with http:// or https://"),
            std::string::npos);
  EXPECT_NE(error_of("endpoint: http://a:1\nproxy_url: http://p\n").find("not supported yet"),
            std::string::npos);
  EXPECT_EQ(error_of("endpoint: http://a:1\ncompression: none\n"), "");
}

TEST(OtlpHttpUrlTest, Parses) {
  auto u = ParseUrl("https://[::1]:4318/a/b?x=1#frag");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->https);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 4318);
  EXPECT_EQ(u->target, "/a/b?x=1");
  EXPECT_EQ(u->HostHeader(), "[::1]:4318");
  auto d = ParseUrl("http://backend");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->port, 80);
  EXPECT_EQ(d->target, "/");
  EXPECT_EQ(d->HostHeader(), "backend");
  EXPECT_FALSE(ParseUrl("http://backend:99999").ok());
  EXPECT_FALSE(ParseUrl("http://user:pw@backend").ok());
  EXPECT_FALSE(ParseUrl("ftp://backend").ok());
}

}  // namespace
}  // namespace otter::otlp_http_exporter
