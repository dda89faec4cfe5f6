#include "processors/resourcedetection/resourcedetection_processor.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "processors/attraction/testing.h"

namespace otter::resourcedetection {
namespace {

using attraction::testing::CaptureConsumer;
using attraction::testing::ParseProcessorConfig;
using pdata::AnyValue;
using pdata::Attributes;

// A host described by maps: no real environment, files or resolver.
struct FakeHost {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> files;
  std::optional<std::string> hostname = "web-1";
  std::map<std::string, std::string> dns = {{"web-1", "web-1.prod.example.com"}};
  std::string machine = "x86_64";

  HostEnv Env() const {
    HostEnv e;
    e.getenv = [env = env](const std::string& k) -> std::optional<std::string> {
      auto it = env.find(k);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    e.read_file = [files = files](const std::string& p) -> std::optional<std::string> {
      auto it = files.find(p);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    e.hostname = [h = hostname] { return h; };
    e.canonical_name = [dns = dns](const std::string& h) -> std::optional<std::string> {
      auto it = dns.find(h);
      if (it == dns.end()) return std::nullopt;
      return it->second;
    };
    e.machine = machine;
    e.system = "linux";
    return e;
  }
};

ResourceDetectionConfig Parse(const std::string& yaml) {
  auto parsed = ParseProcessorConfig("resourcedetection", yaml);
  EXPECT_TRUE(parsed.errors.empty()) << parsed.errors[0];
  return static_cast<const ResourceDetectionConfig&>(*parsed.config);
}

Detected Pairs(std::initializer_list<std::pair<std::string, std::string>> l) { return l; }

TEST(ResourceDetectionTest, EnvDetectorParsesAndPercentDecodes) {
  FakeHost h;
  h.env["OTEL_RESOURCE_ATTRIBUTES"] =
      " service.name = checkout , team=pay%20ments,note=a+b%2Cc, k8s.ns=prod,";
  auto got = DetectEnv(h.Env());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, Pairs({{"service.name", "checkout"},
                         {"team", "pay ments"},
                         {"note", "a+b,c"},
                         {"k8s.ns", "prod"}}));

  h.env["OTEL_RESOURCE_ATTRIBUTES"] = "a=1,b=50%";
  auto bad = DetectEnv(h.Env());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "OTEL_RESOURCE_ATTRIBUTES: invalid resource format in attribute: \"b=50%\", err: "
            "invalid URL escape \"%\"");
  h.env["OTEL_RESOURCE_ATTRIBUTES"] = "a=1,oops";
  auto bad2 = DetectEnv(h.Env());
  ASSERT_FALSE(bad2.ok());
  EXPECT_EQ(bad2.status().message(),
            "OTEL_RESOURCE_ATTRIBUTES: invalid resource format, invalid text: \"oops\"");

  FakeHost old;
  old.env["OTEL_RESOURCE"] = "legacy=yes";
  EXPECT_EQ(*DetectEnv(old.Env()), Pairs({{"legacy", "yes"}}));
  EXPECT_TRUE(DetectEnv(FakeHost{}.Env())->empty());
}

TEST(ResourceDetectionTest, SystemDetectorDefaultsAndResourceAttributes) {
  FakeHost h;
  h.files["/etc/machine-id"] = "0123456789abcdef0123456789abcdef\n";
  auto def = DetectSystem(SystemDetectorConfig{}, h.Env());
  ASSERT_TRUE(def.ok());
  EXPECT_EQ(*def, Pairs({{"host.name", "web-1.prod.example.com"}, {"os.type", "linux"}}));

  auto cfg = Parse(R"(
detectors: [system]
system:
  hostname_sources: [os]
  resource_attributes:
    host.id: {enabled: true}
    host.arch: {enabled: true}
    os.type: {enabled: false}
)");
  h.machine = "aarch64";
  auto all = DetectSystem(cfg.system, h.Env());
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, Pairs({{"host.name", "web-1"},
                         {"host.id", "0123456789abcdef0123456789abcdef"},
                         {"host.arch", "arm64"}}));
}

TEST(ResourceDetectionTest, DnsFallsBackToOsAndMachineIdToDbus) {
  FakeHost h;
  h.dns.clear();  // the resolver knows nothing: dns fails, os is next
  h.files["/var/lib/dbus/machine-id"] = "feedface";
  SystemDetectorConfig cfg;
  cfg.enabled["host.id"] = true;
  auto got = DetectSystem(cfg, h.Env());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, Pairs({{"host.name", "web-1"}, {"host.id", "feedface"}, {"os.type", "linux"}}));

  h.hostname.reset();
  auto none = DetectSystem(SystemDetectorConfig{}, h.Env());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(),
            "failed to get host name: all hostname sources failed (dns, os)");
}

TEST(ResourceDetectionTest, HostArchUsesOtelValues) {
  EXPECT_EQ(HostArch("x86_64"), "amd64");
  EXPECT_EQ(HostArch("aarch64"), "arm64");
  EXPECT_EQ(HostArch("i686"), "x86");
  EXPECT_EQ(HostArch("armv7l"), "arm32");
  EXPECT_EQ(HostArch("ppc64le"), "ppc64");
  EXPECT_EQ(HostArch("s390x"), "s390x");
  EXPECT_EQ(HostArch("riscv64"), "riscv64");
}

pdata::TraceBatch OneResource(Attributes attrs) {
  pdata::TraceBatch b;
  b.resources().emplace_back().resource.attributes = std::move(attrs);
  return b;
}

// The resource's attributes, dumped while the output batch (and its arena) is alive.
std::string RunProcessor(const std::string& yaml, const FakeHost& host, Attributes in) {
  auto cfg = Parse(yaml);
  CaptureConsumer<pdata::TraceBatch> sink;
  ResourceDetectionProcessor<pdata::TraceBatch> p(ComponentContext{}, cfg, host.Env(), &sink);
  EXPECT_TRUE(p.Start().ok());
  p.Consume(OneResource(std::move(in)), Completion());
  EXPECT_EQ(sink.batches.size(), 1u);
  return attraction::testing::Dump(sink.batches.at(0).resources()[0].resource.attributes);
}

TEST(ResourceDetectionTest, MergesWithOverrideAndEarlierDetectorsWin) {
  FakeHost h;
  h.env["OTEL_RESOURCE_ATTRIBUTES"] = "host.name=from-env,deployment.environment=prod";
  const Attributes in = {{"service.name", AnyValue::String("cart")},
                         {"host.name", AnyValue::String("sdk-host")}};
  // override (default true): detected values replace the SDK's; env ran first, so its host.name
  // wins over system's.
  EXPECT_EQ(
      RunProcessor("detectors: [env, system]\n", h, in),
      attraction::testing::Dump(Attributes{{"service.name", AnyValue::String("cart")},
                                           {"host.name", AnyValue::String("from-env")},
                                           {"deployment.environment", AnyValue::String("prod")},
                                           {"os.type", AnyValue::String("linux")}}));
  EXPECT_EQ(
      RunProcessor("detectors: [system, env]\noverride: false\n", h, in),
      attraction::testing::Dump(Attributes{{"service.name", AnyValue::String("cart")},
                                           {"host.name", AnyValue::String("sdk-host")},
                                           {"os.type", AnyValue::String("linux")},
                                           {"deployment.environment", AnyValue::String("prod")}}));
}

TEST(ResourceDetectionTest, FailingDetectorFailsStartAndTimeoutIsEnforced) {
  FakeHost h;
  h.env["OTEL_RESOURCE_ATTRIBUTES"] = "=x";
  CaptureConsumer<pdata::TraceBatch> sink;
  ResourceDetectionProcessor<pdata::TraceBatch> p(ComponentContext{}, Parse("detectors: [env]\n"),
                                                  h.Env(), &sink);
  Status s = p.Start();
  EXPECT_EQ(s.message(),
            "detector \"env\": OTEL_RESOURCE_ATTRIBUTES: invalid resource format, invalid text: "
            "\"=x\"");

  FakeHost slow;
  HostEnv env = slow.Env();
  env.canonical_name = [](const std::string&) -> std::optional<std::string> {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return std::nullopt;
  };
  auto got = DetectWithTimeout(Parse("detectors: [system]\ntimeout: 20ms\n"), env);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(), "resource detection did not finish within timeout 20ms");
}

TEST(ResourceDetectionTest, ConfigErrorsNameDetectorsAndKeys) {
  // The seed's list: `host` is no detector (otelcol rejects it); otter runs `system` for it.
  auto seed = ParseProcessorConfig("resourcedetection", "detectors: [env, system, host]\n");
  EXPECT_TRUE(seed.errors.empty());
  ASSERT_EQ(seed.warnings.size(), 1u);
  EXPECT_EQ(seed.warnings[0],
            "test.yaml:1: detectors: \"host\" is not a detector of the Go collector, which "
            "rejects it; otter runs the \"system\" detector for it");
  auto bad = ParseProcessorConfig("resourcedetection", "detectors: [env, hots]\n");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0],
            "test.yaml:1: detectors: invalid detector key: hots (otter's detectors: env, system)");
  auto cloud = ParseProcessorConfig("resourcedetection", "detectors: [ec2]\n");
  ASSERT_EQ(cloud.errors.size(), 1u);
  EXPECT_EQ(cloud.errors[0],
            "test.yaml:1: detectors: ec2: not implemented in otter yet (otter's detectors: env, "
            "system)");
  auto attr = ParseProcessorConfig("resourcedetection", R"(detectors: [system]
system:
  resource_attributes:
    host.nme: {enabled: true}
    host.ip: {enabled: true}
)");
  ASSERT_EQ(attr.errors.size(), 2u);
  EXPECT_EQ(attr.errors[0],
            "test.yaml:4: unknown system resource attribute \"host.nme\"; did you mean "
            "\"host.name\"?");
  EXPECT_EQ(attr.errors[1],
            "test.yaml:5: system resource attribute \"host.ip\" is not supported yet by otter");
  auto src = ParseProcessorConfig("resourcedetection",
                                  "detectors: [system]\nsystem:\n  hostname_sources: [bogus]\n");
  ASSERT_EQ(src.errors.size(), 1u);
  EXPECT_EQ(src.errors[0],
            "test.yaml:2: system: invalid hostname source \"bogus\" (valid: dns, os, cname, "
            "lookup)");
}

}  // namespace
}  // namespace otter::resourcedetection
