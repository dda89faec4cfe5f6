// PersistentQueue: the on-disk half of a sending queue with `storage` set (design note:
// docs/persistent-queue.md). Requests are appended as records to a segment log — the store's
// WAL (store/wal.h: framing with magic + length + CRC, numbered segments, rotation, torn-tail
// truncation, seals after a failed write) over the store's Env seam — by one writer thread
// that group-commits: every request that arrived while the previous group was being written
// goes out in one write and (with fsync) one fdatasync, and only then is its WriteDone called.
// When a request's export has finished (sent, or rejected for good) the sending queue Commits
// it: commit records (ids) ride with the next group, and a segment is deleted once it and every
// older segment hold no uncommitted request. Open replays the segments and returns every
// request without a commit record, oldest first.
// Thread-safety: Write and Commit from any thread; WriteDone runs on the writer thread. Open
// and Close from the owner's thread.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "store/env.h"
#include "store/wal.h"

namespace otter::exporterhelper {

class PersistentQueue {
 public:
  struct Options {
    std::string dir;  // created if missing; one queue per directory (locked)
    bool fsync = false;
    std::chrono::milliseconds lock_timeout{1000};  // waiting for another process's lock
    uint64_t segment_bytes = 8ull << 20;           // a new segment starts past this size
    // Commit records wait this long for a request write to share a group with.
    std::chrono::milliseconds commit_delay{50};
    std::shared_ptr<spdlog::logger> logger;  // required
    store::Env* env = nullptr;               // null = PosixEnv()
  };
  // A request found on disk at Open.
  struct Stored {
    uint64_t id = 0;
    uint32_t items = 0;
    std::string body;  // what the exporter encoded (OTLP protobuf)
  };
  struct Stats {
    store::Wal::ReplayStats replay;
    uint64_t pending = 0;    // requests handed back by Open
    uint64_t committed = 0;  // requests found with their commit record
  };
  // A request on its way to disk; Done is called once, on the writer thread, with OK and the
  // request's id once it is durable (see Options::fsync), or with a retryable error.
  class PendingWrite {
   public:
    virtual ~PendingWrite() = default;
    virtual void Done(Status status, uint64_t id) = 0;
    std::string record;  // from NewRecord(), the body appended to it
  };

  static StatusOr<std::unique_ptr<PersistentQueue>> Open(Options options,
                                                         std::vector<Stored>* pending,
                                                         Stats* stats = nullptr);
  ~PersistentQueue();  // Close()
  PersistentQueue(const PersistentQueue&) = delete;
  PersistentQueue& operator=(const PersistentQueue&) = delete;

  // The start of a request record of `items` items; append the body to it.
  static std::string NewRecord(uint32_t items);
  void Write(std::unique_ptr<PendingWrite> write);
  // The request's export finished: it need not be sent again after a restart.
  void Commit(uint64_t id);
  // Writes what is queued (refusing nothing), stops the writer thread and releases the
  // directory (its lock). Writes after Close fail.
  void Close();

  uint64_t disk_bytes() const;
  size_t live_segments() const;
  uint64_t groups_written() const;  // write+sync rounds (group commit: <= requests written)

  static constexpr uint8_t kRequestRecord = 1;
  static constexpr uint8_t kCommitRecord = 2;
  static constexpr size_t kRequestHeader = 13;  // u8 version, u64 id, u32 items

 private:
  explicit PersistentQueue(Options options) : options_(std::move(options)) {}
  void WriterLoop();
  // Appends and syncs one group; returns the segment the requests went to.
  Status WriteGroup(std::vector<std::unique_ptr<PendingWrite>>& writes,
                    const std::vector<uint64_t>& commits, std::vector<uint64_t>* ids,
                    uint64_t* segment);
  // The newest segment such that it and all older ones hold no uncommitted request; 0 = none.
  uint64_t RemovablePrefixLocked() const;

  const Options options_;
  int lock_fd_ = -1;
  std::unique_ptr<store::Wal> wal_;  // only the writer thread (and Open) touch it
  uint64_t next_id_ = 1;             // writer thread

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PendingWrite>> writes_;  // GUARDED_BY(mu_)
  std::vector<uint64_t> commits_;                      // GUARDED_BY(mu_) not yet on disk
  std::chrono::steady_clock::time_point commit_due_;   // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, uint64_t> segment_of_;  // GUARDED_BY(mu_) uncommitted id -> segment
  std::map<uint64_t, uint64_t> open_in_;  // GUARDED_BY(mu_) segment -> uncommitted requests
  uint64_t current_segment_ = 0;          // GUARDED_BY(mu_)
  uint64_t disk_bytes_ = 0;               // GUARDED_BY(mu_)
  uint64_t groups_ = 0;                   // GUARDED_BY(mu_)
  bool closing_ = false;                  // GUARDED_BY(mu_)
  std::thread writer_;
};

}  // namespace otter::exporterhelper
