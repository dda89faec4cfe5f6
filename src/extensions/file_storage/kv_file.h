// KvFile: the file_storage extension's durable key-value store, one file per client: an
// append-only log of CRC-checked records, each one atomic batch of sets and deletes, replayed
// into memory on open. A torn or corrupt tail (a crash mid-write) is cut off on open, so a batch
// is either wholly there or not at all. The log is rewritten (compacted) to a temp file that is
// fsynced and renamed over it once it holds much more than the live data. Byte layout and crash
// behaviour: docs/extensions/file_storage.md.
// Thread-safety: every method takes the instance's mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "component/storage.h"

namespace otter::file_storage {

class KvFile {
 public:
  struct Options {
    // fdatasync after every batch (survives power loss, not only a process crash).
    bool fsync = false;
    // Rewrite the log on open.
    bool compact_on_open = false;
    // Compact once the log is larger than this and 4x the live data.
    uint64_t compact_min_bytes = 1 << 20;
    // How long Open waits for another process's lock on the file.
    std::chrono::milliseconds lock_timeout{1000};
  };

  static StatusOr<std::unique_ptr<KvFile>> Open(const std::string& path, Options options);
  ~KvFile();
  KvFile(const KvFile&) = delete;
  KvFile& operator=(const KvFile&) = delete;

  std::optional<std::string> Get(std::string_view key) const;
  // Appends one record with all `ops` (and applies them in memory once it is written).
  Status Apply(const std::vector<StorageClient::Op>& ops);
  Status Compact();

  size_t entries() const;
  uint64_t file_bytes() const;
  // Bytes cut off a torn or corrupt tail when the file was opened.
  uint64_t recovered_tail_bytes() const { return dropped_tail_; }

 private:
  KvFile(std::string path, Options options) : path_(std::move(path)), options_(options) {}
  Status Load();
  Status CompactLocked();
  uint64_t LiveBytesLocked() const;

  const std::string path_;
  const Options options_;
  mutable std::mutex mu_;
  int fd_ = -1;                                           // GUARDED_BY(mu_)
  uint64_t size_ = 0;                                     // GUARDED_BY(mu_): bytes of valid log
  std::map<std::string, std::string, std::less<>> data_;  // GUARDED_BY(mu_)
  uint64_t dropped_tail_ = 0;
};

}  // namespace otter::file_storage
