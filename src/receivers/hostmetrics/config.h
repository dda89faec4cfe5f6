// Typed config of the `hostmetrics` receiver, with otelcol-contrib's keys: collection_interval,
// initial_delay, timeout, root_path and a `scrapers:` map whose keys (cpu, disk, filesystem,
// load, memory, network, paging, processes, process) each enable one scraper with its own
// settings and per-metric `metrics: <name>: enabled:` toggles. Parsed once at start-up.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"
#include "receivers/hostmetrics/metadata.h"

namespace otter {

// otelcol's filterset.Config with its item list: `match_type` (strict | regexp) and the names
// (`devices`, `interfaces`, `names`, `fs_types` or `mount_points`, by where it is used).
struct HostMetricsMatchSet {
  std::vector<std::string> items;
  std::string match_type;
};

// One scraper's settings. Every scraper reads `metrics`; the other keys exist only in the
// tables of the scrapers that have them (see config.cc).
struct HostMetricsScraperConfig {
  std::map<std::string, bool> metrics;              // metric name → enabled (overrides)
  std::map<std::string, bool> resource_attributes;  // process only
  // disk: devices; network: interfaces; process: names
  HostMetricsMatchSet include, exclude;
  // filesystem
  bool include_virtual_filesystems = false;
  HostMetricsMatchSet include_devices, exclude_devices, include_fs_types, exclude_fs_types,
      include_mount_points, exclude_mount_points;
  // load
  bool cpu_average = false;
  // process
  bool mute_process_all_errors = false;
  bool mute_process_name_error = false;
  bool mute_process_exe_error = false;
  bool mute_process_io_error = false;
  bool mute_process_user_error = false;
  bool mute_process_cgroup_error = false;
  config::Duration scrape_process_delay{0};

  // Whether metric `i` of MetricDefs(kind) is on: the default unless `metrics` overrides it.
  bool MetricEnabled(hostmetrics::ScraperKind kind, size_t i) const;
  bool ResourceAttrEnabled(hostmetrics::ScraperKind kind, size_t i) const;
};

struct HostMetricsReceiverConfig : ComponentConfig {
  config::Duration collection_interval = std::chrono::minutes(1);
  config::Duration initial_delay = std::chrono::seconds(1);
  config::Duration timeout{0};  // accepted as in otelcol; a scrape is never cut short
  std::string root_path;        // the host's / (e.g. /hostfs when otter runs in a container)
  // Indexed by ScraperKind; set = the scraper is enabled.
  std::array<std::optional<HostMetricsScraperConfig>, hostmetrics::kScraperKinds> scrapers;

  Status Validate() const override;
};

const config::Table<HostMetricsReceiverConfig>& HostMetricsReceiverConfigTable();

}  // namespace otter
