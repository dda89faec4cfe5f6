// Env: the store's file-system seam. The WAL, flushes (blocks and the FLUSHED marker), block
// reads, compaction, retention and start-up go through it, so that tests can put a fault-injecting
// file system underneath (tests/util/fault_env.h: failed and short writes, failed fsyncs, power
// loss) in the spirit of LevelDB's and RocksDB's test environments. PosixEnv() is the real one.
// Thread-safety: implementations are thread-safe; a WritableFile is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace otter::store {

// A file open for appending. Errors are Unavailable (retryable) and name the path.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends the pieces in order. On error, any prefix of them may have reached the file.
  virtual Status Append(std::span<const std::string_view> pieces) = 0;
  // fdatasync: everything appended so far is durable once this returns OK.
  virtual Status Sync() = 0;
  // Cuts the file back to `size` bytes (not durable until the next Sync).
  virtual Status Truncate(uint64_t size) = 0;
  // The descriptor, for writers that hand data to the kernel themselves (copy_file_range).
  // Bytes written through it are treated like appended ones.
  virtual int fd() const = 0;
  virtual const std::string& path() const = 0;
};

// A file open for reading at offsets (blocks). Errors name the path.
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  // Exactly `n` bytes at `offset` (DataLoss when the file ends first).
  virtual Status ReadAt(uint64_t offset, size_t n, char* out) const = 0;
  virtual uint64_t size() const = 0;
  // The descriptor, for copying ranges in the kernel (copy_file_range).
  virtual int fd() const = 0;
};

class Env {
 public:
  virtual ~Env() = default;
  // Opens `path` for appending, creating it (its directory entry is durable after SyncDir of its
  // directory) or, with `truncate`, emptying it.
  virtual StatusOr<std::unique_ptr<WritableFile>> OpenForAppend(const std::string& path,
                                                                bool truncate) = 0;
  virtual StatusOr<std::unique_ptr<ReadableFile>> OpenForRead(const std::string& path) = 0;
  virtual StatusOr<std::string> ReadFile(const std::string& path) = 0;
  // At most the first `n` bytes of the file.
  virtual StatusOr<std::string> ReadPrefix(const std::string& path, size_t n) = 0;
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status CreateDirs(const std::string& dir) = 0;
};

// The operating system's file system. Stateless; lives for the whole process.
Env* PosixEnv();

// Writes a file so that after a crash either the old or the new content is there, never a torn
// one: `fill` writes path.tmp, which is synced, renamed over `path`, and the directory synced.
// When a step fails, path.tmp is removed and the error returned.
Status WriteFileAtomic(Env& env, const std::string& path,
                       const std::function<Status(WritableFile& file)>& fill);
Status WriteFileAtomic(Env& env, const std::string& path, std::string_view data);

}  // namespace otter::store
