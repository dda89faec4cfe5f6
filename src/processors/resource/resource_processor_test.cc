#include "processors/resource/resource_processor.h"

#include <gtest/gtest.h>

#include "processors/attraction/testing.h"

namespace otter {
namespace {

using attraction::testing::CaptureConsumer;
using attraction::testing::CreateProcessor;
using attraction::testing::ParseProcessorConfig;
using attraction::testing::RunProcessor;
using attraction::testing::Send;
using pdata::AnyValue;
using pdata::Attributes;

// The seed's `resource` example.
constexpr const char* kSeedResource = R"(
attributes:
  - key: deployment.environment
    action: upsert
    value: production
)";

TEST(ResourceProcessorTest, SeedUpsertsDeploymentEnvironmentOnEveryResource) {
  pdata::TraceBatch b;
  auto& a = b.resources().emplace_back();
  a.resource.attributes = {{"service.name", AnyValue::String("cart")},
                           {"deployment.environment", AnyValue::String("staging")}};
  a.scope_spans.emplace_back().spans.emplace_back().attributes = {
      {"deployment.environment", AnyValue::String("span-level")}};
  auto& c = b.resources().emplace_back();
  c.resource.attributes = {{"service.name", AnyValue::String("pay")}};
  auto out = RunProcessor("resource", kSeedResource, std::move(b));
  Attributes want_a = {{"service.name", AnyValue::String("cart")},
                       {"deployment.environment", AnyValue::String("production")}};
  Attributes want_c = {{"service.name", AnyValue::String("pay")},
                       {"deployment.environment", AnyValue::String("production")}};
  EXPECT_EQ(out.resources()[0].resource.attributes, want_a);
  EXPECT_EQ(out.resources()[1].resource.attributes, want_c);
  // Span attributes are untouched.
  Attributes span = {{"deployment.environment", AnyValue::String("span-level")}};
  EXPECT_EQ(out.resources()[0].scope_spans[0].spans[0].attributes, span);
}

TEST(ResourceProcessorTest, MetricsAndLogsWithSeveralActions) {
  const std::string yaml = R"(
attributes:
  - key: host.name
    action: hash
  - key: k8s.pod.name
    pattern: '^(?P<k8s_deployment_name>[a-z-]+)-[0-9a-f]+-[0-9a-z]{5}$'
    action: extract
  - pattern: '^telemetry\.sdk\.'
    action: delete
  - key: region
    from_attribute: cloud.region
    action: insert
)";
  pdata::MetricBatch m;
  m.resources().emplace_back().resource.attributes = {
      {"host.name", AnyValue::String("secret")},
      {"k8s.pod.name", AnyValue::String("checkout-7d9f8b6c4-x2x9z")},
      {"telemetry.sdk.name", AnyValue::String("opentelemetry")},
      {"telemetry.sdk.language", AnyValue::String("go")},
      {"cloud.region", AnyValue::String("eu-west-1")}};
  auto out = RunProcessor("resource", yaml, std::move(m));
  Attributes want = {
      {"host.name",
       AnyValue::String("2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b")},
      {"k8s.pod.name", AnyValue::String("checkout-7d9f8b6c4-x2x9z")},
      {"cloud.region", AnyValue::String("eu-west-1")},
      {"k8s_deployment_name", AnyValue::String("checkout")},
      {"region", AnyValue::String("eu-west-1")}};
  EXPECT_EQ(out.resources()[0].resource.attributes, want);

  pdata::LogBatch l;
  l.resources().emplace_back().resource.attributes = {{"host.name", AnyValue::Int(42)}};
  auto out_logs = RunProcessor("resource", yaml, std::move(l));
  Attributes want_logs = {
      {"host.name",
       AnyValue::String("ed049108bc18f2c64369e8d0ea42850bdd1a7d1dd340cfde716315579702a76c")}};
  EXPECT_EQ(out_logs.resources()[0].resource.attributes, want_logs);
}

TEST(ResourceProcessorTest, ConfigErrors) {
  auto empty = ParseProcessorConfig("resource", "attributes: []\n");
  ASSERT_EQ(empty.errors.size(), 1u);
  EXPECT_EQ(empty.errors[0], "test.yaml:1: attributes: missing required field \"attributes\"");
  auto bad = ParseProcessorConfig("resource", R"(attributes:
  - key: a
    action: convert
)");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0],
            "test.yaml:2: error creating AttrProc due to missing required field "
            "\"converted_type\" for action \"convert\" at the 0-th action");
}

}  // namespace
}  // namespace otter
