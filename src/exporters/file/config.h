// Typed config of the file exporter (otelcol-contrib's `file`), its config table and validation.
// Parsed once at start-up; read-only afterwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "component/registry.h"
#include "config/table.h"

namespace otter {

// Size-based rotation with lumberjack's semantics (the library otelcol uses).
struct FileRotationConfig {
  int32_t max_megabytes = 100;  // rotate before a write would make the file larger; 0 = 100
  int32_t max_days = 0;         // delete backups older than this (by their name); 0 = keep
  int32_t max_backups = 100;    // keep at most this many backups; 0 = keep all
  bool localtime = false;       // backup names use local time instead of UTC
};

enum class FileFormat { kJson, kProto };

struct FileExporterConfig : ComponentConfig {
  std::string path;
  FileFormat format = FileFormat::kJson;
  bool append = false;
  std::optional<FileRotationConfig> rotation;  // present in the config = rotation enabled
  config::Duration flush_interval = std::chrono::seconds(1);
  std::string compression;  // "" or "zstd"
  bool create_directory = false;
  std::string directory_permissions;  // octal, e.g. "0755"; only with create_directory

  // directory_permissions as a mode (0755 when unset).
  unsigned DirectoryMode() const;
  Status Validate() const override;
};

const config::Table<FileExporterConfig>& FileExporterConfigTable();

}  // namespace otter
