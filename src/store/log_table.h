// LogTable: the log side of the store. Log records are grouped into Loki streams (labels from
// resource attributes). Recent records live in an in-memory head with a trace-id index; a flush
// turns the frozen head into an immutable block of per-stream chunks with its own trace-id index
// (docs/storage.md, "Logs"). A LokiMapping (store/loki_mapping.h) turns records into Loki streams
// and entries.
// Thread-safety: Apply/Freeze from the store's writer thread, BuildBlock/AddBlock from its
// flusher, queries from any thread; mu_ guards the head pointers and the block list, watch_mu_
// the live-tail watches (called from Apply, on the writer thread).
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "store/block.h"
#include "store/block_retention.h"
#include "store/compaction.h"
#include "store/loki_mapping.h"
#include "store/querier.h"

namespace otter::store {

class LogTable final : public LogQuerier {
 public:
  explicit LogTable(LokiMapping mapping = LokiMapping());
  ~LogTable() override;

  void Apply(pdata::LogBatch&& batch);
  void Freeze();
  // The frozen head as a block file image covering WAL segments <= wal_segment; "" when the
  // frozen head is empty (no block is written).
  std::string BuildBlock(uint64_t wal_segment) const;
  // Forgets the frozen head (it was empty, so no block replaces it).
  void DropFrozen();
  Status AddBlock(std::shared_ptr<BlockReader> reader, bool replaces_frozen);
  // One compaction step (store/compaction.h: CompactRun): a run of small blocks becomes one,
  // their frames copied still compressed and streams of equal labels joined.
  StatusOr<std::vector<std::string>> CompactOnce(uint64_t max_bytes, const BlockWrite& write,
                                                 const std::atomic<bool>* cancel = nullptr,
                                                 bool eager = false);
  std::vector<std::string> RemoveBlocksBefore(int64_t cutoff_ns);
  std::vector<std::string> RemoveOldestBlock();
  // Forgets the block read from `path` (found corrupt); false when it is not in the table.
  bool RemoveBlockOfFile(const std::string& path);

  size_t record_count() const;  // in the heads
  size_t block_count() const;
  uint64_t block_bytes() const;

  StatusOr<std::vector<LogStream>> Select(const LogSelect& select) override;
  Status Scan(const LogSelect& select, const QueryLimits& limits, const LogVisitor& fn) override;
  StatusOr<std::vector<std::string>> LabelNames(int64_t start_ns, int64_t end_ns) override;
  StatusOr<std::vector<std::string>> LabelValues(const std::string& name, int64_t start_ns,
                                                 int64_t end_ns) override;
  StatusOr<std::vector<Labels>> Series(const std::vector<Matchers>& match_sets, int64_t start_ns,
                                       int64_t end_ns) override;
  StatusOr<std::vector<StreamStats>> IndexStats(const Matchers& matchers, int64_t start_ns,
                                                int64_t end_ns, const QueryLimits& limits) override;
  std::unique_ptr<LogWatch> Watch(Matchers stream_matchers, LogWatchFn fn) override;

  // Entries one Select may collect before failing with ResourceExhausted.
  static constexpr size_t kMaxSelectEntries = 5'000'000;
  // Records per chunk in a block.
  static constexpr size_t kChunkRecords = 1000;

 private:
  struct Head;
  struct Block;
  // The inputs (consecutive blocks, oldest first) merged into one block, written to `fd`.
  Status Compact(const std::vector<std::shared_ptr<const Block>>& in, uint64_t wal_segment,
                 const std::atomic<bool>* cancel, int fd, const std::string& path) const;
  // Calls fn(labels) for each stream (heads and blocks) overlapping the range.
  void ForEachStream(int64_t start_ns, int64_t end_ns,
                     const std::function<void(const Labels&)>& fn) const;

  const std::shared_ptr<const LokiMapping> mapping_;  // shared with the heads
  // Calls the watches with the entries of `batch` (about to be applied).
  void Notify(const pdata::LogBatch& batch);

  struct Watcher {
    Matchers matchers;
    LogWatchFn fn;
  };
  class WatchHandle;
  std::mutex watch_mu_;                 // held while a watch runs
  std::list<Watcher> watchers_;         // GUARDED_BY(watch_mu_)
  std::atomic<size_t> watch_count_{0};  // watchers_.size(), read without the lock

  mutable std::shared_mutex mu_;
  std::shared_ptr<Head> active_;                      // GUARDED_BY(mu_)
  std::shared_ptr<const Head> frozen_;                // GUARDED_BY(mu_)
  std::vector<std::shared_ptr<const Block>> blocks_;  // GUARDED_BY(mu_), oldest first
};

}  // namespace otter::store
