// Typed config of the `file_storage` extension (otelcol-contrib's keys and defaults). Plain data.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "component/registry.h"
#include "config/table.h"

namespace otter::file_storage {

struct CompactionConfig {
  bool on_start = false;
  bool on_rebound = false;
  std::string directory;  // "" = the storage directory
  int64_t max_transaction_size = 65536;
  int64_t rebound_needed_threshold_mib = 100;
  int64_t rebound_trigger_threshold_mib = 10;
  config::Duration check_interval = std::chrono::seconds(5);
  bool cleanup_on_start = false;
};

struct FileStorageConfig : ComponentConfig {
  std::string directory = "/var/lib/otelcol/file_storage";
  config::Duration timeout = std::chrono::seconds(1);
  CompactionConfig compaction;
  bool fsync = false;
  bool create_directory = false;
  std::string directory_permissions = "0750";

  Status Validate() const override;
};

const config::Table<FileStorageConfig>& FileStorageConfigTable();

}  // namespace otter::file_storage
