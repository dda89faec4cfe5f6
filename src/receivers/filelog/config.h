// Typed config of the `filelog` receiver (otelcol-contrib's keys and defaults): which files
// (include/exclude globs with **), where to start, how to split them into entries (newline or
// multiline patterns, force_flush_period, max_log_size, encoding), what to attach
// (log.file.* attributes, static attributes/resource), the operators, the storage extension
// for offsets, and how to retry a refused batch. Parsed once at start-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/node.h"
#include "config/table.h"

namespace otter::filelog {

struct MultilineConfig {
  std::string line_start_pattern;
  std::string line_end_pattern;
  bool omit_pattern = false;
};

struct RetryOnFailureConfig {
  bool enabled = false;
  config::Duration initial_interval = std::chrono::seconds(1);
  config::Duration max_interval = std::chrono::seconds(30);
  config::Duration max_elapsed_time = std::chrono::minutes(5);
};

struct FileLogConfig : ComponentConfig {
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  config::Duration exclude_older_than{0};
  std::string start_at = "end";
  std::optional<MultilineConfig> multiline;
  config::Duration force_flush_period = std::chrono::milliseconds(500);
  std::string encoding = "utf-8";
  bool preserve_leading_whitespaces = false;
  bool preserve_trailing_whitespaces = false;
  bool include_file_name = true;
  bool include_file_path = false;
  bool include_file_name_resolved = false;
  bool include_file_path_resolved = false;
  bool include_file_record_number = false;
  config::Duration poll_interval = std::chrono::milliseconds(200);
  uint64_t fingerprint_size = 1000;
  uint64_t initial_buffer_size = 16 * 1024;
  uint64_t max_log_size = 1024 * 1024;
  int64_t max_concurrent_files = 1024;
  int64_t max_batches = 0;
  bool delete_after_read = false;
  std::map<std::string, std::string> attributes;
  std::map<std::string, std::string> resource;
  config::Node operators;  // validated by building the operator pipeline once
  std::string storage;     // id of a storage extension; "" = offsets in memory only
  RetryOnFailureConfig retry_on_failure;

  Status Validate() const override;
};

const config::Table<FileLogConfig>& FileLogConfigTable();

// "1kb", "1KiB", "16MiB", 1000 → bytes (helper.ByteSize's units, case-insensitive).
bool ParseByteSize(const std::string& s, uint64_t* out);

}  // namespace otter::filelog
