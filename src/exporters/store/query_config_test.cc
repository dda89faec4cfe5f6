// The store exporter's query limits: parsed from YAML with their defaults, and validated.
#include <gtest/gtest.h>

#include "component/registry.h"
#include "config/loader.h"
#include "exporters/store/config.h"

namespace otter {
namespace {

std::unique_ptr<StoreExporterConfig> Parse(const std::string& yaml, config::Diagnostics* diag) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(node.ok()) << node.status().ToString();
  Factory f;
  SetConfigTable(f, StoreExporterConfigTable());
  auto cfg = f.parse_config(*node, *diag);
  return std::unique_ptr<StoreExporterConfig>(static_cast<StoreExporterConfig*>(cfg.release()));
}

TEST(StoreQueryConfigTest, LimitsHaveDefaultsAndParse) {
  config::Diagnostics diag;
  auto c = Parse("directory: /tmp/x\n", &diag);
  ASSERT_TRUE(diag.ok()) << diag.ErrorsText();
  EXPECT_EQ(c->query.max_log_entries, 5'000'000);
  EXPECT_EQ(c->query.max_traces, 1'000'000);
  EXPECT_EQ(c->query.scan_threads, 1);
  EXPECT_TRUE(c->Validate().ok());

  c = Parse("query:\n  max_log_entries: 1000\n  max_traces: 20\n  scan_threads: 3\n", &diag);
  ASSERT_TRUE(diag.ok()) << diag.ErrorsText();
  EXPECT_EQ(c->query.max_log_entries, 1000);
  EXPECT_EQ(c->query.max_traces, 20);
  EXPECT_EQ(c->query.scan_threads, 3);
}

TEST(StoreQueryConfigTest, LimitsMustBePositive) {
  StoreExporterConfig c;
  c.query.max_log_entries = 0;
  EXPECT_EQ(c.Validate().message(), "query::max_log_entries must be positive");
  c = StoreExporterConfig();
  c.query.max_traces = -1;
  EXPECT_EQ(c.Validate().message(), "query::max_traces must be positive");
  c = StoreExporterConfig();
  c.query.scan_threads = 0;
  EXPECT_EQ(c.Validate().message(), "query::scan_threads must be between 1 and 64");
}

}  // namespace
}  // namespace otter
