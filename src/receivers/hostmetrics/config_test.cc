#include "receivers/hostmetrics/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/loader.h"

namespace otter {
namespace {

using hostmetrics::ScraperKind;
using ::testing::HasSubstr;

struct Parsed {
  std::unique_ptr<HostMetricsReceiverConfig> config;
  config::Diagnostics diag;
};

Parsed ParseConfig(const std::string& yaml) {
  Parsed p;
  auto node = config::ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(node.ok()) << node.status().ToString();
  Factory f;
  SetConfigTable(f, HostMetricsReceiverConfigTable());
  auto cfg = f.parse_config(*node, p.diag);
  p.config.reset(static_cast<HostMetricsReceiverConfig*>(cfg.release()));
  return p;
}

const HostMetricsScraperConfig& Scraper(const Parsed& p, ScraperKind k) {
  return *p.config->scrapers[static_cast<size_t>(k)];
}

TEST(HostMetricsConfigTest, DefaultsAndEmptyScrapers) {
  Parsed p = ParseConfig("scrapers:\n  cpu:\n  memory:\n");
  ASSERT_TRUE(p.diag.ok()) << p.diag.ErrorsText();
  EXPECT_EQ(p.config->collection_interval, std::chrono::minutes(1));
  EXPECT_EQ(p.config->initial_delay, std::chrono::seconds(1));
  EXPECT_EQ(p.config->root_path, "");
  EXPECT_TRUE(p.config->scrapers[size_t(ScraperKind::kCpu)]);
  EXPECT_TRUE(p.config->scrapers[size_t(ScraperKind::kMemory)]);
  EXPECT_FALSE(p.config->scrapers[size_t(ScraperKind::kDisk)]);
  // Defaults of the contrib metadata: time on, utilization off.
  EXPECT_TRUE(Scraper(p, ScraperKind::kCpu).MetricEnabled(ScraperKind::kCpu, 3));
  EXPECT_FALSE(Scraper(p, ScraperKind::kCpu).MetricEnabled(ScraperKind::kCpu, 4));
}

TEST(HostMetricsConfigTest, EveryScraperWithItsKeys) {
  Parsed p = ParseConfig(R"(
collection_interval: 10s
initial_delay: 0s
root_path: /
scrapers:
  cpu:
    metrics:
      system.cpu.utilization:
        enabled: true
      system.cpu.time:
        enabled: false
  disk:
    include:
      devices: [sda, sdb]
      match_type: strict
  filesystem:
    include_virtual_filesystems: true
    exclude_mount_points:
      mount_points: ["/dev/.*", "/proc/.*"]
      match_type: regexp
    exclude_fs_types:
      fs_types: [tmpfs]
      match_type: strict
  load:
    cpu_average: true
  network:
    exclude:
      interfaces: [lo]
      match_type: strict
  paging:
  processes:
  process:
    include:
      names: [otter, "java.*"]
      match_type: regexp
    mute_process_exe_error: true
    mute_process_io_error: true
    mute_process_user_error: true
    scrape_process_delay: 30s
    resource_attributes:
      process.command_line:
        enabled: false
    metrics:
      process.threads:
        enabled: true
)");
  ASSERT_TRUE(p.diag.ok()) << p.diag.ErrorsText();
  EXPECT_EQ(p.config->collection_interval, std::chrono::seconds(10));
  const auto& cpu = Scraper(p, ScraperKind::kCpu);
  EXPECT_FALSE(cpu.MetricEnabled(ScraperKind::kCpu, 3));
  EXPECT_TRUE(cpu.MetricEnabled(ScraperKind::kCpu, 4));
  EXPECT_EQ(Scraper(p, ScraperKind::kDisk).include.items, (std::vector<std::string>{"sda", "sdb"}));
  const auto& fs = Scraper(p, ScraperKind::kFilesystem);
  EXPECT_TRUE(fs.include_virtual_filesystems);
  EXPECT_EQ(fs.exclude_mount_points.match_type, "regexp");
  EXPECT_EQ(fs.exclude_fs_types.items, std::vector<std::string>{"tmpfs"});
  EXPECT_TRUE(Scraper(p, ScraperKind::kLoad).cpu_average);
  EXPECT_EQ(Scraper(p, ScraperKind::kNetwork).exclude.items, std::vector<std::string>{"lo"});
  const auto& proc = Scraper(p, ScraperKind::kProcess);
  EXPECT_TRUE(proc.mute_process_exe_error && proc.mute_process_io_error &&
              proc.mute_process_user_error);
  EXPECT_EQ(proc.scrape_process_delay, std::chrono::seconds(30));
  EXPECT_FALSE(proc.ResourceAttrEnabled(ScraperKind::kProcess, 1));  // command_line
  EXPECT_TRUE(proc.ResourceAttrEnabled(ScraperKind::kProcess, 0));   // command
  EXPECT_TRUE(proc.MetricEnabled(ScraperKind::kProcess, 11));        // threads
}

TEST(HostMetricsConfigTest, ErrorsNameTheKey) {
  struct Case {
    std::string yaml, error;
  };
  const Case cases[] = {
      {"collection_interval: 1m\n",
       "must specify at least one scraper when using hostmetrics receiver"},
      {"scrapers:\n  cpus:\n", "invalid scraper key: cpus; did you mean \"cpu\"?"},
      {"scrapers:\n  cpu:\n    metrics:\n      system.cpu.tim:\n        enabled: true\n",
       "unknown metric \"system.cpu.tim\"; did you mean \"system.cpu.time\"?"},
      {"scrapers:\n  cpu:\n    metrics:\n      system.cpu.time:\n        enable: true\n",
       "unknown key \"enable\" for metric \"system.cpu.time\" (valid keys: enabled)"},
      {"scrapers:\n  cpu:\n    include:\n      devices: [a]\n", "unknown key \"include\""},
      {"scrapers:\n  disk:\n    include:\n      devices: [sda]\n",
       "scrapers: disk: include: unrecognized match_type: '', valid types are: [regexp strict]"},
      {"scrapers:\n  process:\n    exclude:\n      names: [\"(\"]\n      match_type: regexp\n",
       "scrapers: process: exclude: error parsing regexp `(`: missing ): ("},
      {"root_path: /no/such/dir\nscrapers:\n  cpu:\n",
       "root_path: invalid root_path: stat /no/such/dir: No such file or directory"},
      {"collection_interval: 0s\nscrapers:\n  cpu:\n",
       "collection_interval: requires positive value"},
      {"scrapers:\n  memory:\n    cpu_average: true\n", "unknown key \"cpu_average\""},
  };
  for (const auto& c : cases) {
    Parsed p = ParseConfig(c.yaml);
    EXPECT_FALSE(p.diag.ok()) << c.yaml;
    EXPECT_THAT(p.diag.ErrorsText(), HasSubstr(c.error)) << c.yaml;
    EXPECT_THAT(p.diag.ErrorsText(), HasSubstr("test.yaml:")) << c.yaml;
  }
}

}  // namespace
}  // namespace otter
