// `otter validate` on every complete collector config in the seed document: it must pass or name
// exactly the components and keys otter does not implement yet, with file:line — never crash.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

struct Result {
  int exit_code;
  std::string output;
};

Result RunOtter(const std::string& args) {
  std::string cmd = std::string(OTTER_BINARY) + " " + args + " 2>&1";
  Result r{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string Seed(const std::string& name) {
  return std::string(OTTER_SOURCE_DIR) + "/tests/testdata/seed/" + name;
}

int CountLines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(SeedConfigTest, GatewayConfigIsValid) {
  // Every component is implemented: the jaeger exporter (Jaeger's gRPC PostSpans), the
  // attributes processor (insert deployment.environment), prometheus and loki.
  auto r = RunOtter("validate --config " + Seed("gateway.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("config is valid (3 pipelines)"), std::string::npos) << r.output;
  EXPECT_EQ(CountLines(r.output), 1) << r.output;  // nothing else is reported
}

TEST(SeedConfigTest, KafkaNamesOnlyTheUndefinedIdsAndWarnsAboutOldKeys) {
  // collector-with-kafka.yaml shows only its exporter: the ids it names are not defined.
  auto r = RunOtter("validate --config " + Seed("kafka.yaml"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const std::string f = Seed("kafka.yaml");
  EXPECT_NE(r.output.find(
                f + ":14: pipeline traces references receiver \"otlp\" which is not configured"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(
                f + ":15: pipeline traces references processor \"batch\" which is not configured"),
            std::string::npos)
      << r.output;
  // The kafka exporter is implemented; its top-level topic/encoding/compression are aliases.
  EXPECT_EQ(r.output.find("not implemented"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(f + ":7: kafka exporter: \"topic\" is deprecated; use traces::topic"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(f + ":9: kafka exporter: \"compression\" is deprecated; use "
                              "producer::compression"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(CountLines(r.output), 5) << r.output;  // 3 warnings, 2 errors
}

TEST(SeedConfigTest, KafkaHybridConfigIsValid) {
  // otel-collector-config.yaml of "When to Use Both": kafka + otlp/jaeger.
  auto r = RunOtter("validate --config " + Seed("kafka-hybrid.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("config is valid (1 pipelines)"), std::string::npos) << r.output;
}

TEST(SeedConfigTest, MetricsConfigIsValid) {
  // The prometheus and prometheusremotewrite exporters are implemented.
  auto r = RunOtter("validate --config " + Seed("metrics.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("config is valid (1 pipelines)"), std::string::npos) << r.output;
}

TEST(SeedConfigTest, ProcessorsConfigIsValid) {
  // The seed's recommended processors: all implemented; its `host` detector (no collector has
  // one) is read as `system` with a warning. The chain runs in tests/interop/k8sattributes.
  auto r = RunOtter("validate --config " + Seed("processors.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("config is valid (3 pipelines)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(Seed("processors.yaml") + ":22: detectors: \"host\" is not a detector"),
            std::string::npos)
      << r.output;
}

TEST(SeedConfigTest, TlsSnippetIsValid) {
  // Like otelcol, validate checks the config, not the files it names.
  auto r = RunOtter("validate --config " + Seed("tls.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("config is valid (1 pipelines)"), std::string::npos) << r.output;
}

TEST(SeedConfigTest, MissingCertificateStopsStartupNamingTheFile) {
  // The seed's TLS snippet on a free port: the certificate files do not exist here.
  auto r = RunOtter("--config " + Seed("tls.yaml") +
                    " --set receivers::otlp::protocols::grpc::endpoint=127.0.0.1:0" +
                    " --set service::telemetry::metrics::level=none");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("/etc/certs/collector.crt"), std::string::npos) << r.output;
}

TEST(SeedConfigTest, DefaultConfigAndComponentsList) {
  auto r = RunOtter("components");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* name : {"otlp ", "batch ", "memory_limiter ", "otlp_grpc ", "otlp_http ",
                           "debug ", "file ", "nop ", "health_check "})
    EXPECT_NE(r.output.find(name), std::string::npos) << name << "\n" << r.output;
  EXPECT_NE(r.output.find("(alias: otlp)"), std::string::npos);
  EXPECT_NE(r.output.find("(alias: otlphttp)"), std::string::npos);
}

TEST(SeedConfigTest, ValidateNeedsConfigAndReportsMissingFile) {
  auto r = RunOtter("validate --config /nonexistent.yaml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("/nonexistent.yaml"), std::string::npos);
}

}  // namespace
