// Typed config of the resourcedetection processor (otelcol's `resourcedetection`): which
// detectors run (env, system), whether detected attributes override the data's, the detection
// timeout, and the system detector's settings. Parsed once at start-up; read-only afterwards.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "component/registry.h"
#include "config/table.h"

namespace otter {

struct SystemDetectorConfig {
  // Where host.name comes from, first success wins: "dns" (the resolver's canonical name of the
  // host name, /etc/hosts first) and "os" (the kernel's host name).
  std::vector<std::string> hostname_sources = {"dns", "os"};
  // resource_attributes.<name>.enabled, for the names set in config (others keep defaults).
  std::map<std::string, bool> enabled;

  bool Enabled(const std::string& attribute) const;
};

struct ResourceDetectionConfig : ComponentConfig {
  std::vector<std::string> detectors;
  // Detected attributes replace ones the data already has (otelcol's default).
  bool override = true;
  config::Duration timeout = std::chrono::seconds(5);
  SystemDetectorConfig system;

  Status Validate() const override;
};

const config::Table<ResourceDetectionConfig>& ResourceDetectionConfigTable();

// Detectors otter implements, and otelcol-contrib's others (named in errors).
inline constexpr const char* kImplementedDetectors[] = {"env", "system"};
// The seed's config lists a `host` detector, which no collector has (otelcol rejects it); otter
// accepts it as `system`, with a warning, so that config runs as its authors meant.
inline constexpr std::string_view kHostDetectorAlias = "host";

}  // namespace otter
