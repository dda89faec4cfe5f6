#include "receivers/otlp/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "component/registry.h"
#include "config/loader.h"

namespace otter::otlp_receiver {
namespace {

using ::testing::HasSubstr;

struct Parsed {
  std::unique_ptr<OtlpReceiverConfig> config;
  config::Diagnostics diag;
};

Parsed ParseConfig(const std::string& yaml) {
  Parsed p;
  auto node = config::ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(node.ok()) << node.status().ToString();
  Factory f;
  SetConfigTable(f, OtlpReceiverTable());
  auto cfg = f.parse_config(*node, p.diag);
  p.config.reset(static_cast<OtlpReceiverConfig*>(cfg.release()));
  return p;
}

TEST(OtlpConfigTest, EmptyProtocolsGetDefaults) {
  Parsed p = ParseConfig("protocols:\n  grpc:\n  http:\n");
  ASSERT_TRUE(p.diag.ok()) << p.diag.ErrorsText();
  ASSERT_TRUE(p.config->protocols.grpc && p.config->protocols.http);
  EXPECT_EQ(p.config->protocols.grpc->endpoint, "localhost:4317");
  EXPECT_EQ(p.config->protocols.grpc->max_recv_msg_size_mib, 4u);
  EXPECT_EQ(p.config->protocols.http->endpoint, "localhost:4318");
  EXPECT_EQ(p.config->protocols.http->max_request_body_size, 20971520u);
  EXPECT_EQ(p.config->protocols.http->traces_url_path, "/v1/traces");
  EXPECT_EQ(p.config->protocols.http->metrics_url_path, "/v1/metrics");
  EXPECT_EQ(p.config->protocols.http->logs_url_path, "/v1/logs");
  EXPECT_FALSE(p.config->protocols.http->cors);
  EXPECT_FALSE(p.config->protocols.grpc->tls);
}

TEST(OtlpConfigTest, OnlyHttp) {
  Parsed p = ParseConfig("protocols:\n  http:\n    endpoint: 0.0.0.0:4318\n");
  ASSERT_TRUE(p.diag.ok()) << p.diag.ErrorsText();
  EXPECT_FALSE(p.config->protocols.grpc);
  EXPECT_EQ(p.config->protocols.http->endpoint, "0.0.0.0:4318");
}

TEST(OtlpConfigTest, FullConfig) {
  Parsed p = ParseConfig(R"(
protocols:
  grpc:
    endpoint: 0.0.0.0:5317
    max_recv_msg_size_mib: 32
    max_concurrent_streams: 16
    keepalive:
      server_parameters:
        max_connection_idle: 11s
        max_connection_age: 12s
        max_connection_age_grace: 13s
        time: 30s
        timeout: 5s
      enforcement_policy:
        min_time: 10s
        permit_without_stream: true
    tls:
      cert_file: /c.pem
      key_file: /k.pem
      client_ca_file: /ca.pem
  http:
    endpoint: 0.0.0.0:5318
    max_request_body_size: 1048576
    traces_url_path: my/traces
    cors:
      allowed_origins: ["https://*.example.com"]
      allowed_headers: [X-Custom]
      max_age: 7200
)");
  ASSERT_TRUE(p.diag.ok()) << p.diag.ErrorsText();
  const auto& g = *p.config->protocols.grpc;
  EXPECT_EQ(g.max_recv_msg_size_mib, 32u);
  EXPECT_EQ(g.max_concurrent_streams, 16u);
  EXPECT_EQ(g.keepalive.server_parameters.time, std::chrono::seconds(30));
  EXPECT_EQ(g.keepalive.enforcement_policy.min_time, std::chrono::seconds(10));
  EXPECT_TRUE(g.keepalive.enforcement_policy.permit_without_stream);
  EXPECT_EQ(g.tls->client_ca_file, "/ca.pem");
  const auto& h = *p.config->protocols.http;
  EXPECT_EQ(h.traces_url_path, "/my/traces");  // leading slash added, as the Go receiver does
  EXPECT_EQ(h.max_request_body_size, 1048576u);
  EXPECT_EQ(h.cors->allowed_origins, std::vector<std::string>{"https://*.example.com"});
  EXPECT_EQ(h.cors->max_age, 7200);
}

// As in otelcol, a server's ca_file is accepted but verifies nobody; otter says so at load time
// (with the line) so a user who meant mTLS is not left with an open server.
TEST(OtlpConfigTest, ServerCaFileWithoutClientCaFileIsExplained) {
  Parsed p = ParseConfig(R"(protocols:
  grpc:
    tls:
      cert_file: /c.pem
      key_file: /k.pem
      ca_file: /ca.pem
  http:
    tls:
      cert_file: /c.pem
      key_file: /k.pem
      ca_file: /ca.pem
      client_ca_file: /ca.pem
)");
  ASSERT_TRUE(p.diag.ok()) << p.diag.ErrorsText();
  EXPECT_EQ(p.config->protocols.grpc->tls->ca_file, "/ca.pem");
  ASSERT_EQ(p.diag.warnings().size(), 1u);  // the http server sets client_ca_file: no warning
  EXPECT_THAT(p.diag.warnings()[0], HasSubstr("test.yaml:6"));
  EXPECT_THAT(p.diag.warnings()[0], HasSubstr("does not enable client verification"));
  EXPECT_THAT(p.diag.warnings()[0], HasSubstr("client_ca_file"));
}

TEST(OtlpConfigTest, NoProtocolIsAnError) {
  Parsed p = ParseConfig("protocols:\n");
  ASSERT_FALSE(p.diag.ok());
  EXPECT_THAT(p.diag.ErrorsText(), HasSubstr("at least one protocol"));
}

TEST(OtlpConfigTest, UnsupportedAndUnknownKeys) {
  Parsed a = ParseConfig("protocols:\n  grpc:\n    read_buffer_size: 1024\n");
  EXPECT_THAT(a.diag.ErrorsText(), HasSubstr("\"read_buffer_size\" is not supported yet"));
  Parsed m = ParseConfig(
      "protocols:\n  grpc:\n    include_metadata: true\n  http:\n    include_metadata: true\n");
  ASSERT_TRUE(m.diag.ok()) << m.diag.ErrorsText();
  EXPECT_TRUE(m.config->protocols.grpc->include_metadata);
  EXPECT_TRUE(m.config->protocols.http->include_metadata);
  Parsed b = ParseConfig("protocols:\n  http:\n    auth:\n      authenticator: \"\"\n");
  EXPECT_THAT(b.diag.ErrorsText(),
              HasSubstr("test.yaml:4: auth.authenticator: an extension id is required"));
  Parsed c = ParseConfig("protocols:\n  http:\n    endpiont: x\n");
  EXPECT_THAT(c.diag.ErrorsText(), HasSubstr("did you mean \"endpoint\""));
  EXPECT_THAT(c.diag.ErrorsText(), HasSubstr("test.yaml:3"));
  Parsed d = ParseConfig("protocols:\n  grpc:\n    transport: unix\n");
  EXPECT_THAT(d.diag.ErrorsText(), HasSubstr("not supported yet"));
}

TEST(OtlpConfigTest, ValidationErrors) {
  EXPECT_THAT(ParseConfig("protocols:\n  http:\n    endpoint: nope\n").diag.ErrorsText(),
              HasSubstr("nope"));
  EXPECT_THAT(ParseConfig("protocols:\n  http:\n    logs_url_path: /v1/traces\n").diag.ErrorsText(),
              HasSubstr("must differ"));
  EXPECT_THAT(ParseConfig("protocols:\n  http:\n    compression_algorithms: [gzip, brotli]\n")
                  .diag.ErrorsText(),
              HasSubstr("brotli"));
  EXPECT_THAT(ParseConfig("protocols:\n  grpc:\n    tls:\n      cert_file: /c\n").diag.ErrorsText(),
              HasSubstr("cert_file and key_file"));
  EXPECT_THAT(ParseConfig("protocols:\n  grpc:\n    tls:\n      cert_file: /c\n      key_file: /k\n"
                          "      min_version: \"1.3\"\n")
                  .diag.ErrorsText(),
              HasSubstr("min_version"));
}

TEST(OtlpConfigTest, LimitsAndTlsKeys) {
  Parsed d = ParseConfig("protocols:\n  http:\n");
  ASSERT_TRUE(d.diag.ok()) << d.diag.ErrorsText();
  otlp::ItemLimits l = d.config->limits.ToItemLimits();
  EXPECT_EQ(l.max_attributes, 4096u);
  EXPECT_EQ(l.max_array_length, 16384u);
  EXPECT_EQ(l.max_string_length, 1048576u);
  EXPECT_TRUE(l.repair_utf8);
  EXPECT_EQ(d.config->protocols.http->read_header_timeout, std::chrono::minutes(1));

  Parsed p = ParseConfig(R"(
protocols:
  http:
    tls:
      cert_file: /c
      key_file: /k
      max_version: "1.2"
      cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
      reload_interval: 1h
      client_ca_file: /ca
      client_ca_file_reload: true
limits:
  max_attributes_per_item: 128
  max_array_length: 0
  max_string_length: 100
  repair_invalid_utf8: false
)");
  ASSERT_TRUE(p.diag.ok()) << p.diag.ErrorsText();
  const auto& tls = *p.config->protocols.http->tls;
  EXPECT_EQ(tls.max_version, "1.2");
  EXPECT_EQ(tls.cipher_suites, std::vector<std::string>{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});
  EXPECT_EQ(tls.reload_interval, std::chrono::hours(1));
  EXPECT_TRUE(tls.client_ca_file_reload);
  l = p.config->limits.ToItemLimits();
  EXPECT_EQ(l.max_attributes, 128u);
  EXPECT_EQ(l.max_array_length, UINT32_MAX);  // 0 = no limit
  EXPECT_EQ(l.max_string_length, 100u);
  EXPECT_FALSE(l.repair_utf8);

  EXPECT_THAT(ParseConfig("protocols:\n  http:\n    tls:\n      cert_file: /c\n      key_file: "
                          "/k\n      cipher_suites: [TLS_RSA_WITH_3DES_EDE_CBC_SHA]\n")
                  .diag.ErrorsText(),
              HasSubstr("invalid TLS cipher suite: \"TLS_RSA_WITH_3DES_EDE_CBC_SHA\""));
  EXPECT_THAT(ParseConfig("protocols:\n  http:\nlimits:\n  max_attributes: 3\n").diag.ErrorsText(),
              HasSubstr("unknown key \"max_attributes\""));
}

TEST(OtlpConfigTest, DocsCoverEveryKey) {
  auto docs = Factory{};
  SetConfigTable(docs, OtlpReceiverTable());
  auto fields = docs.docs();
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].key, "protocols");
  EXPECT_EQ(fields[1].key, "limits");
  ASSERT_EQ(fields[0].children.size(), 2u);
  EXPECT_EQ(fields[0].children[0].key, "grpc");
  EXPECT_EQ(fields[0].children[1].key, "http");
}

}  // namespace
}  // namespace otter::otlp_receiver
