// The SaaS back-end examples (examples/saas/*.yaml): each one passes `otter validate` with its
// API-key variables set, and its exporters end up with the vendor's endpoint form and auth
// headers once ${env:...} is expanded. No network: nothing is sent.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "config/loader.h"
#include "exporters/otlp_grpc/config.h"
#include "exporters/otlp_http/config.h"

namespace otter {
namespace {

// Every variable any example reads, with a recognisable fake value.
const std::map<std::string, std::string> kEnv = {
    {"GRAFANA_CLOUD_ZONE", "prod-eu-west-2"},
    {"GRAFANA_CLOUD_OTLP_AUTH", "MTIzNDU2OmdsY190b2tlbg=="},
    {"HONEYCOMB_API_KEY", "hc-key"},
    {"DD_API_KEY", "dd-key"},
    {"DD_OTLP_SOURCE", "acme"},
    {"NEW_RELIC_LICENSE_KEY", "nr-license"},
    {"DT_ENVIRONMENT_ID", "abc12345"},
    {"DT_API_TOKEN", "dt0c01.token"},
};

std::string Example(const std::string& name) {
  return std::string(OTTER_SOURCE_DIR) + "/examples/saas/" + name;
}

std::pair<int, std::string> Validate(const std::string& file, bool with_env) {
  std::string cmd;
  for (const auto& [k, v] : kEnv) cmd += with_env ? k + "=" + v + " " : "";
  cmd = "env " + std::string(with_env ? "" : "-i ") + cmd + OTTER_BINARY + " validate --config " +
        file + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The exporters section of an example, loaded as otter loads it (env expanded from kEnv).
config::Node Exporters(const std::string& file) {
  config::LoadOptions o;
  o.uris = {file};
  o.env = [](const std::string& name, std::string* value) {
    auto it = kEnv.find(name);
    if (it == kEnv.end()) return false;
    *value = it->second;
    return true;
  };
  auto root = config::Load(o);
  EXPECT_TRUE(root.ok()) << root.status().ToString();
  const config::Node* e = root.ok() ? root->Find("exporters") : nullptr;
  return e ? *e : config::Node{};
}

otlp_http_exporter::OtlpHttpConfig Http(const config::Node& exporters, const std::string& id) {
  otlp_http_exporter::OtlpHttpConfig cfg;
  const config::Node* n = exporters.Find(id);
  EXPECT_NE(n, nullptr) << id;
  if (!n) return cfg;
  config::Diagnostics d;
  otlp_http_exporter::OtlpHttpTable().Parse(*n, cfg, d);
  EXPECT_TRUE(d.ok()) << id;
  EXPECT_TRUE(cfg.Validate().ok()) << id;
  return cfg;
}

otlp_grpc_exporter::OtlpGrpcConfig Grpc(const config::Node& exporters, const std::string& id) {
  otlp_grpc_exporter::OtlpGrpcConfig cfg;
  const config::Node* n = exporters.Find(id);
  EXPECT_NE(n, nullptr) << id;
  if (!n) return cfg;
  config::Diagnostics d;
  otlp_grpc_exporter::OtlpGrpcTable().Parse(*n, cfg, d);
  EXPECT_TRUE(d.ok()) << id;
  EXPECT_TRUE(cfg.Validate().ok()) << id;
  return cfg;
}

using Headers = std::map<std::string, std::string>;

TEST(SaasExamplesTest, EveryExampleValidatesWithItsVariables) {
  std::set<std::string> seen;
  for (const auto& f : std::filesystem::directory_iterator(Example(""))) {
    if (f.path().extension() != ".yaml") continue;
    seen.insert(f.path().filename().string());
    auto [code, out] = Validate(f.path().string(), true);
    EXPECT_EQ(code, 0) << f.path() << "\n" << out;
    EXPECT_NE(out.find("config is valid (3 pipelines)"), std::string::npos) << f.path() << out;
  }
  EXPECT_EQ(seen, (std::set<std::string>{"datadog.yaml", "dynatrace.yaml", "grafana-cloud.yaml",
                                         "honeycomb.yaml", "newrelic.yaml"}));
}

TEST(SaasExamplesTest, MissingKeyIsReportedNotSilentlyEmpty) {
  auto [code, out] = Validate(Example("newrelic.yaml"), false);
  EXPECT_NE(out.find("NEW_RELIC_LICENSE_KEY"), std::string::npos) << out;
}

TEST(SaasExamplesTest, GrafanaCloud) {
  auto cfg = Http(Exporters(Example("grafana-cloud.yaml")), "otlp_http/grafana_cloud");
  EXPECT_EQ(cfg.SignalUrl(Signal::kTraces),
            "https://otlp-gateway-prod-eu-west-2.grafana.net/otlp/v1/traces");
  EXPECT_EQ(cfg.SignalUrl(Signal::kLogs),
            "https://otlp-gateway-prod-eu-west-2.grafana.net/otlp/v1/logs");
  EXPECT_EQ(cfg.headers, (Headers{{"Authorization", "Basic MTIzNDU2OmdsY190b2tlbg=="}}));
}

TEST(SaasExamplesTest, Honeycomb) {
  auto e = Exporters(Example("honeycomb.yaml"));
  auto cfg = Grpc(e, "otlp_grpc/honeycomb");
  EXPECT_EQ(cfg.Target(), "api.honeycomb.io:443");
  EXPECT_TRUE(cfg.UseTls());
  EXPECT_EQ(cfg.headers, (Headers{{"x-honeycomb-team", "hc-key"}}));
  auto metrics = Grpc(e, "otlp_grpc/honeycomb_metrics");
  EXPECT_EQ(metrics.headers,
            (Headers{{"x-honeycomb-dataset", "otter-metrics"}, {"x-honeycomb-team", "hc-key"}}));
}

TEST(SaasExamplesTest, Datadog) {
  auto cfg = Http(Exporters(Example("datadog.yaml")), "otlp_http/datadog");
  EXPECT_EQ(cfg.SignalUrl(Signal::kTraces), "https://otlp.datadoghq.com/v1/traces");
  EXPECT_EQ(cfg.SignalUrl(Signal::kMetrics), "https://otlp.datadoghq.com/v1/metrics");
  EXPECT_EQ(cfg.encoding, "proto");  // the intake takes protobuf only
  EXPECT_EQ(
      cfg.headers,
      (Headers{{"dd-api-key", "dd-key"}, {"dd-otlp-source", "acme"}, {"dd-protocol", "otlp"}}));
}

TEST(SaasExamplesTest, NewRelic) {
  auto cfg = Http(Exporters(Example("newrelic.yaml")), "otlp_http/newrelic");
  EXPECT_EQ(cfg.SignalUrl(Signal::kLogs), "https://otlp.nr-data.net/v1/logs");
  EXPECT_EQ(cfg.compression, "gzip");
  EXPECT_EQ(cfg.headers, (Headers{{"api-key", "nr-license"}}));
}

TEST(SaasExamplesTest, Dynatrace) {
  auto cfg = Http(Exporters(Example("dynatrace.yaml")), "otlp_http/dynatrace");
  EXPECT_EQ(cfg.SignalUrl(Signal::kMetrics),
            "https://abc12345.live.dynatrace.com/api/v2/otlp/v1/metrics");
  EXPECT_EQ(cfg.headers, (Headers{{"Authorization", "Api-Token dt0c01.token"}}));
}

}  // namespace
}  // namespace otter
