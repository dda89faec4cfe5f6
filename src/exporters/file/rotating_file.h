// RotatingFile: an append-only output file with optional size-based rotation, following
// lumberjack (the Go library otelcol's file exporter uses): before a write that would take the
// file past max_megabytes it is renamed to <name>-<2006-01-02T15-04-05.000><ext> (UTC unless
// localtime) and a new file is started at the original path; afterwards backups beyond
// max_backups (newest kept) or older than max_days (by the timestamp in their name) are deleted.
// A record larger than the limit gets a file of its own. With rotation an existing file is
// appended to (as lumberjack does); without it the file is truncated unless `append`.
// A failed write is undone (the file is truncated back to its previous size) so the framing of
// what is already in the file stays intact.
// Thread-safety: none; the owner serialises calls (FileExporter holds a mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "exporters/file/config.h"

namespace otter {

class RotatingFile {
 public:
  struct Options {
    std::string path;
    bool append = false;
    std::optional<FileRotationConfig> rotation;
    bool create_directory = false;
    unsigned directory_mode = 0755;
    // Clock for backup names and max_days (tests inject one).
    std::function<std::chrono::system_clock::time_point()> now = [] {
      return std::chrono::system_clock::now();
    };
  };

  static StatusOr<std::unique_ptr<RotatingFile>> Open(Options options);
  ~RotatingFile();
  RotatingFile(const RotatingFile&) = delete;
  RotatingFile& operator=(const RotatingFile&) = delete;

  // Writes the whole record (rotating first if needed). Errors name the path and errno text.
  Status Write(std::string_view record);
  // A duplicate of the current descriptor, for an fdatasync outside the owner's lock (-1 on
  // failure). The caller closes it.
  int DupDescriptor() const;
  uint64_t size() const { return size_; }

  // Backup file names in the directory for `path`, oldest first.
  static std::vector<std::string> ListBackups(const std::string& path);

 private:
  explicit RotatingFile(Options options) : options_(std::move(options)) {}
  Status OpenFile(bool truncate);
  Status Rotate();
  void Prune();
  std::string BackupName(std::chrono::system_clock::time_point t) const;

  Options options_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace otter
