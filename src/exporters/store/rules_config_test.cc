// The store exporter's `rules` block: defaults, rule files resolved against the config file's
// directory and checked while the config loads (errors with the rule file's line).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "component/registry.h"
#include "config/loader.h"
#include "exporters/store/config.h"

namespace otter {
namespace {

std::unique_ptr<StoreExporterConfig> Parse(const std::string& yaml, const std::string& file,
                                           config::Diagnostics* diag) {
  auto node = config::ParseYaml(yaml, file);
  EXPECT_TRUE(node.ok()) << node.status().ToString();
  Factory f;
  SetConfigTable(f, StoreExporterConfigTable());
  auto cfg = f.parse_config(*node, *diag);
  return std::unique_ptr<StoreExporterConfig>(static_cast<StoreExporterConfig*>(cfg.release()));
}

TEST(StoreRulesConfigTest, DefaultsAndSettings) {
  config::Diagnostics diag;
  auto c = Parse("directory: /tmp/x\n", "otter.yaml", &diag);
  ASSERT_TRUE(diag.ok()) << diag.ErrorsText();
  EXPECT_FALSE(c->rules.enabled());
  EXPECT_EQ(c->rules.evaluation_interval, std::chrono::minutes(1));
  EXPECT_EQ(c->rules.resend_delay, std::chrono::minutes(1));
  EXPECT_EQ(c->rules.notification_queue_capacity, 10000);

  c = Parse(
      "rules:\n  evaluation_interval: 15s\n  alertmanagers: [http://am:9093]\n"
      "  external_labels: {cluster: eu1}\n",
      "otter.yaml", &diag);
  ASSERT_TRUE(diag.ok()) << diag.ErrorsText();
  EXPECT_EQ(c->rules.evaluation_interval, std::chrono::seconds(15));
  EXPECT_EQ(c->rules.alertmanagers, std::vector<std::string>{"http://am:9093"});
  EXPECT_EQ(c->rules.external_labels, (std::map<std::string, std::string>{{"cluster", "eu1"}}));
  c->rules.evaluation_interval = {};
  EXPECT_EQ(c->Validate().message(), "rules.evaluation_interval must be positive");
}

TEST(StoreRulesConfigTest, RuleFilesAreCheckedWithTheirLines) {
  auto dir =
      std::filesystem::temp_directory_path() / ("otter_rules_cfg_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "rules");
  std::ofstream(dir / "rules" / "ok.yml") << "groups:\n  - name: a\n    rules:\n"
                                             "      - record: r\n        expr: up\n";
  std::ofstream(dir / "rules" / "bad.yml") << "groups:\n  - name: b\n    rules:\n"
                                              "      - alert: A\n        expr: rate(up)\n";
  config::Diagnostics diag;
  auto c = Parse("rules:\n  files: [rules/ok.yml]\n", (dir / "otter.yaml").string(), &diag);
  EXPECT_TRUE(diag.ok()) << diag.ErrorsText();
  EXPECT_EQ(c->rules.base_dir, dir.string());
  EXPECT_TRUE(c->rules.enabled());

  config::Diagnostics bad;
  Parse("rules:\n  files: [rules/*.yml]\n  evaluaton_interval: 1m\n", (dir / "otter.yaml").string(),
        &bad);
  ASSERT_EQ(bad.errors().size(), 2u) << bad.ErrorsText();
  EXPECT_EQ(bad.errors()[0].substr(0, bad.errors()[0].find(": could not")),
            (dir / "rules" / "bad.yml").string() + ":5: group \"b\", rule 1");
  EXPECT_NE(bad.errors()[1].find("evaluaton_interval"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace otter
