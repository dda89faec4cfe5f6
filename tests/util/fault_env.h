// FaultEnv: a store::Env for tests that injects file-system faults and simulates power loss, in
// the spirit of LevelDB's and RocksDB's fault-injection environments. It forwards to a real Env
// and remembers, per file, how much of it is durable (synced) and whether its directory entry is
// (directory synced since it was created or renamed). Faults: the Nth operation fails (an error,
// a short write, a failed fsync whose data is kept or lost), the disk fills up, or the power
// goes: every later operation fails, and PowerLoss() then drops what was not durable: unsynced
// bytes (all of them, or a random torn prefix survives), new files and renames whose directory
// was not synced. Removals are taken as durable at once (a simplification). It tracks
// durability itself, so it does not pass fsyncs on to the disk.
// Thread-safety: thread-safe (one mutex); the store's threads share one FaultEnv.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "store/env.h"

namespace otter::testing {

class FaultEnv final : public store::Env {
 public:
  enum class Fault {
    kError,       // the operation fails (EIO) and does nothing
    kShortWrite,  // an append writes a prefix of its bytes, then fails (ENOSPC); else kError
    kSyncKept,    // an fsync fails, yet its bytes turn out durable (worst case for replays)
    kPowerLoss,   // the power goes before the operation: it and every later one fail
  };

  explicit FaultEnv(uint64_t seed, store::Env* base = store::PosixEnv());

  // The operation numbered `op` (counting from 0 over all operations from now on) gets `fault`.
  void InjectAt(uint64_t op, Fault fault);
  // The next operation on a path containing `part` gets `fault`.
  void InjectOnPath(std::string part, Fault fault);
  // Appends fail with ENOSPC until cleared.
  void SetDiskFull(bool full);
  // Operations so far (to choose fault points for a workload of known length).
  uint64_t ops() const;
  bool power_lost() const;
  // Applies a power loss: drops what was not durable (keeping a random torn prefix of unsynced
  // bytes when `torn`), then lets operations succeed again. Call with no store open.
  void PowerLoss(bool torn);

  StatusOr<std::unique_ptr<store::WritableFile>> OpenForAppend(const std::string& path,
                                                               bool truncate) override;
  StatusOr<std::unique_ptr<store::ReadableFile>> OpenForRead(const std::string& path) override;
  StatusOr<std::string> ReadFile(const std::string& path) override;
  StatusOr<std::string> ReadPrefix(const std::string& path, size_t n) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status SyncDir(const std::string& dir) override;
  Status CreateDirs(const std::string& dir) override;

 private:
  class File;
  class Readable;
  Status ReadFault(const std::string& path);  // counts a read; its injected failure, if any
  struct FileState {
    uint64_t synced = 0;         // bytes durable
    bool entry_durable = false;  // directory synced since created/renamed
  };
  struct Rename {
    std::string to;
    bool had_old = false;
    std::string old_content;  // of `to` before the rename
  };
  // Counts an operation on `path`; true (and the fault) when it is to fail. Requires mu_.
  bool NextFault(const std::string& path, Fault* fault);
  Status Failure(const std::string& what, const std::string& path, Fault fault) const;
  FileState& Track(const std::string& path);  // requires mu_
  Status Append(File& file, std::span<const std::string_view> pieces);
  Status Sync(File& file);
  Status Truncate(File& file, uint64_t size);

  store::Env* base_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;                                 // GUARDED_BY(mu_)
  uint64_t ops_ = 0;                                    // GUARDED_BY(mu_)
  std::map<uint64_t, Fault> scheduled_;                 // GUARDED_BY(mu_)
  std::vector<std::pair<std::string, Fault>> on_path_;  // GUARDED_BY(mu_)
  bool disk_full_ = false;                              // GUARDED_BY(mu_)
  bool dead_ = false;                                   // GUARDED_BY(mu_)
  std::map<std::string, FileState> files_;              // GUARDED_BY(mu_)
  std::vector<Rename> renames_;  // GUARDED_BY(mu_): since their directory's sync
};

}  // namespace otter::testing
