// The store exporter's config: defaults validate, and a max_disk_mib that cannot hold the
// write-ahead log plus blocks is refused at start-up with the key's file:line.
#include "exporters/store/config.h"

#include <gtest/gtest.h>

#include "config/loader.h"
#include "exporters/store/store_exporter.h"
#include "store/disk_budget.h"

namespace otter {
namespace {

std::vector<std::string> Errors(const std::string& yaml) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(node.ok());
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kExporter, "store");
  EXPECT_NE(f, nullptr);
  config::Diagnostics d;
  f->parse_config(*node, d);
  return d.errors();
}

// Receivers pass traces requests on undecoded (the store reads their protobuf itself); logs and
// metrics arrive decoded (the store would decode them).
TEST(StoreExporterTest, TakesOnlyTracesUndecoded) {
  ComponentContext ctx;
  ctx.id = ComponentId{"store", ""};
  StoreExporterConfig cfg;
  cfg.directory = "unused";
  StoreExporter e(ctx, cfg);
  EXPECT_TRUE(e.consumers().traces->TakesUndecoded());
  EXPECT_FALSE(e.consumers().metrics->TakesUndecoded());
  EXPECT_FALSE(e.consumers().logs->TakesUndecoded());
}

TEST(StoreExporterConfigTest, DefaultsAreValid) { EXPECT_TRUE(Errors("directory: x\n").empty()); }

// With the defaults (head 64, pending 64, compaction 128 MiB) the WAL may hold 192 MiB and a
// block being written 128: 100 MiB of max_disk_mib would leave blocks nothing (it used to make
// retention delete every block whenever the WAL was full).
TEST(StoreExporterConfigTest, MaxDiskTooSmallForTheWalIsAnErrorAtItsLine) {
  auto errors = Errors("directory: x\nmax_disk_mib: 100\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("test.yaml:2"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("max_disk_mib: 100 is too small"), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find("at least 448"), std::string::npos) << errors[0];
  EXPECT_TRUE(Errors("max_disk_mib: 448\n").empty());
  EXPECT_EQ(Errors("max_disk_mib: 447\n").size(), 1u);
  // Smaller heads and merges make a small store possible: 2*8+8 + 2*16 = 56.
  const std::string small = "head_max_mib: 8\nmax_pending_mib: 8\ncompaction_max_mib: 16\n";
  EXPECT_TRUE(Errors(small + "max_disk_mib: 56\n").empty());
  EXPECT_EQ(Errors(small + "max_disk_mib: 55\n").size(), 1u);
  EXPECT_TRUE(Errors("max_disk_mib: 0\n").empty());  // unlimited
}

TEST(DiskBudgetTest, BlocksGetWhatTheWalAndTheBlockBeingWrittenLeave) {
  auto b = store::DiskBudgetOf(64, 64, 128);
  EXPECT_EQ(b.wal, 192u);
  EXPECT_EQ(b.writing, 128u);
  EXPECT_EQ(b.MinMaxDisk(), 448u);
  EXPECT_EQ(b.BlockBytes(1000, 0), 1000u - 192 - 128);    // the WAL's share is reserved...
  EXPECT_EQ(b.BlockBytes(1000, 300), 1000u - 300 - 128);  // ...and more if it holds more
  EXPECT_EQ(b.BlockBytes(100, 0), 0u);
  EXPECT_EQ(store::DiskBudgetOf(256, 8, 16).writing, 256u);  // a flush's block: one head
}

}  // namespace
}  // namespace otter

namespace otter {
namespace {

// Loki's limits_config.otlp_config, as its YAML spells it.
TEST(StoreExporterConfigTest, OtlpConfig) {
  const std::string yaml =
      "otlp_config:\n"
      "  resource_attributes:\n"
      "    ignore_defaults: true\n"
      "    attributes_config:\n"
      "      - action: index_label\n"
      "        attributes: [service.name, team]\n"
      "      - action: drop\n"
      "        regex: process\\..*\n"
      "  log_attributes:\n"
      "    - action: drop\n"
      "      attributes: [password]\n";
  EXPECT_TRUE(Errors(yaml).empty());
  auto node = config::ParseYaml(yaml, "test.yaml");
  ASSERT_TRUE(node.ok());
  StoreExporterConfig c;
  config::Diagnostics d;
  StoreExporterConfigTable().Parse(*node, c, d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_TRUE(c.otlp_config.resource_attributes.ignore_defaults);
  ASSERT_EQ(c.otlp_config.resource_attributes.attributes_config.size(), 2u);
  EXPECT_EQ(c.otlp_config.resource_attributes.attributes_config[0].attributes,
            (std::vector<std::string>{"service.name", "team"}));
  EXPECT_EQ(c.otlp_config.resource_attributes.attributes_config[1].action,
            store::AttributeAction::kDrop);
  EXPECT_EQ(c.otlp_config.resource_attributes.attributes_config[1].regex, "process\\..*");
  ASSERT_EQ(c.otlp_config.log_attributes.size(), 1u);

  auto errors =
      Errors("otlp_config:\n  log_attributes:\n    - action: keep\n      attributes: [a]\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("unsupported action \"keep\""), std::string::npos) << errors[0];
  errors =
      Errors("otlp_config:\n  scope_attributes:\n    - action: index_label\n      regex: .*\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("index_label action is only supported for resource_attributes"),
            std::string::npos)
      << errors[0];
}

}  // namespace
}  // namespace otter
