// Store: otter's embedded, durable store of traces, metrics and logs. Writes are encoded as OTLP
// protobuf, appended to the write-ahead log by one writer thread that group-commits (one
// fdatasync for every write queued meanwhile), applied to the per-signal tables, and only then
// completed — so an acknowledged write survives kill -9 and is immediately queryable.
// Design and file layout: docs/storage.md.
// Thread-safety: Write() and the queriers may be used from any thread; Open/Close by the owner.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <variant>

#include "component/completion.h"
#include "component/status_hub.h"
#include "pdata/batch.h"
#include "store/disk_budget.h"
#include "store/log_table.h"
#include "store/metric_table.h"
#include "store/trace_table.h"
#include "store/wal.h"
#include "telemetry/self_metrics.h"

namespace otter::store {

struct StoreOptions {
  std::string directory = "./otter-data";
  bool sync = true;                          // fdatasync each group commit
  uint64_t max_pending_bytes = 64ull << 20;  // queued for the next commit; more is refused
  uint64_t wal_segment_bytes = 128ull << 20;
  uint64_t head_max_bytes = 64ull << 20;  // WAL size that triggers a flush to blocks
  std::chrono::milliseconds block_duration{std::chrono::hours(2)};  // head age that does too
  std::chrono::milliseconds retention{std::chrono::hours(24 * 7)};  // 0 = keep forever
  // The wall clock retention measures age against (benchmarks simulate time with it).
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
  // Bounds blocks plus WAL (store/disk_budget.h); 0 = unlimited. Open refuses a value below
  // DiskBudget::MinMaxDisk().
  uint64_t max_disk_bytes = 0;
  // Trace blocks are merged in the background, four or more small ones at a time, into blocks
  // of up to this size (docs/storage.md, "Compaction").
  uint64_t compaction_max_bytes = 128ull << 20;
  // Active metric series; samples of new series beyond it are refused (permanently), existing
  // series keep being written. 0 = no limit. docs/storage.md, "Series limit".
  size_t max_series = 1'000'000;
  // Delta sums and histograms are accumulated into cumulative series (store/delta_accumulator.h):
  // a stream without a point for this long (in data time) is forgotten, and new streams beyond
  // delta_max_streams are dropped (0 = no limit). docs/storage.md, "Delta metrics".
  std::chrono::milliseconds delta_max_stale{std::chrono::minutes(5)};
  size_t delta_max_streams = 1'000'000;
  // How OTLP log records become Loki streams and entries (Loki's otlp_config).
  LokiMapping log_mapping;
  // The trace head is checkpointed after every this many bytes of WAL, so that start-up loads it
  // instead of replaying those records (docs/storage.md, "Head checkpoint"); 0 = never.
  uint64_t checkpoint_bytes = 32ull << 20;
  bool checkpoint_in_background = true;  // false: the writer thread writes them (tests)
  bool compact_in_background = true;     // false: only CompactForTesting compacts
  Env* env = PosixEnv();                 // the file system (tests inject faults)
  // After a failed commit the store can refuse the writes only once the WAL has sealed them off;
  // while the disk does not allow that, their answers wait this long, then say the outcome is
  // unknown (DEADLINE_EXCEEDED).
  std::chrono::milliseconds unsealed_wait{5000};
  // Where the store reports failing writes and data it set aside (the health check reads it);
  // optional.
  StatusHub* status = nullptr;
  std::string status_component = "exporter/store";
};

// WAL record types. kRefusedSeries precedes, in the same group commit, the metrics record whose
// series max_series refused: replay leaves them out too (a refused point is never stored).
enum class RecordType : uint8_t { kTraces = 1, kMetrics = 2, kLogs = 3, kRefusedSeries = 4 };

class Store {
 public:
  // Locks the directory, replays the WAL into the tables and starts the writer thread.
  static StatusOr<std::unique_ptr<Store>> Open(StoreOptions options,
                                               std::shared_ptr<spdlog::logger> logger,
                                               telemetry::SelfMetrics* metrics);
  ~Store();  // Close()s
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Queues the batch for the next group commit; `done` gets OK once it is durable and
  // queryable, Unavailable (retryable) when the queue is full, the flush to blocks is more than a
  // head behind (memory stays bounded), the disk fails or the store is closing. Undecoded trace
  // batches go into the head rows straight from their protobuf; undecoded metrics and logs are
  // decoded here (InvalidArgument if they do not decode). Metric series beyond max_series are
  // refused: a write of nothing but such series fails with InvalidArgument (permanent); in a
  // mixed write the others are stored and a partial success names the refused ones (counted and
  // logged: SeriesLimitRefusal). Points the store cannot represent (exponential histograms of a
  // scale below -4, unspecified temporality, delta points the accumulator drops) are likewise
  // answered with a partial success naming the metrics.
  void Write(pdata::TraceBatch&& batch, Completion done);
  void Write(pdata::MetricBatch&& batch, Completion done);
  void Write(pdata::LogBatch&& batch, Completion done);

  // Commits what is queued, then stops the writer and waits for a running flush. Idempotent.
  void Close();
  // Cuts the heads and waits until they are written as blocks (tests, benchmarks).
  Status FlushForTesting();
  // Runs compaction steps until there is nothing to compact (tests). `eager` merges any run of
  // four small blocks; otherwise runs wait as in the background (store/compaction.h).
  Status CompactForTesting(bool eager = true);
  // Runs a retention check now (age and size), as the flusher does after each flush (tests).
  void EnforceRetentionForTesting();

  TraceTable& traces() { return traces_; }
  MetricTable& metrics() { return metrics_; }
  LogTable& logs() { return logs_; }
  const std::string& directory() const { return options_.directory; }

 private:
  struct Pending {
    RecordType type;
    std::string encoded;    // the WAL payload, when encoded here
    std::string_view wire;  // otherwise: the received bytes, which `data` holds
    std::variant<pdata::TraceBatch, ConvertedMetrics, pdata::LogBatch> data;
    Completion done;
    std::string refused_series;  // a kRefusedSeries payload, written before this record
    bool refused = false;        // answered already: nothing of it is written
    size_t items = 0;            // OTLP items (spans, metric points, log records) in the write
    // A metrics write some of whose new series max_series refused: their samples (counted as
    // points not kept: exact for gauges and sums, at most the write's points) and why.
    size_t series_rejected = 0;
    std::string series_message;
    std::string_view payload() const { return wire.empty() ? std::string_view(encoded) : wire; }
  };
  Store(StoreOptions options, std::shared_ptr<spdlog::logger> logger,
        telemetry::SelfMetrics* metrics);
  Status Replay(uint8_t type, std::string_view payload);
  Status LoadBlocks();
  // Open: restores the delta accumulator from the state file of the last flush (its WAL replay
  // follows) and removes the other state files.
  void LoadDeltaState();
  std::string DeltaStatePath(uint64_t segment) const;
  bool ShouldCut() const;  // writer thread
  void Cut();              // writer thread
  void FlusherLoop();
  Status WriteBlocks(uint64_t segment);
  void EnforceRetention();
  void RemoveBlockFile(const std::string& path);  // through the Env; a failure is logged
  // Opens a block whose readers report damage they find to the flusher, which sets it aside.
  StatusOr<std::shared_ptr<BlockReader>> OpenBlock(const std::string& path);
  void SetAside(const std::string& path, const Status& error);  // flusher thread
  void CompactorLoop();
  // One compaction step; false when there was nothing to compact or it failed.
  bool CompactOnce(bool eager = false);
  template <class Step>
  bool CompactSignal(const char* signal, telemetry::Counter* counter, Step&& step);
  std::string BlockPath(const char* signal, uint64_t segment) const;
  void Enqueue(Pending&& p);
  // Answers `why` (an error) to a write that will not be committed, counting its items refused.
  void Refuse(Pending& p, Status why);
  void WriterLoop();
  void Commit(std::deque<Pending>& group);  // writer thread
  // Applies a committed write; returns its answer: OK, or a partial success naming what the
  // store could not keep.
  Status ApplyToTables(Pending& p);
  // Decodes a traces request into a batch and applies that: for requests TraceTable::ApplyWire
  // does not take (none are expected; it takes what the decoder does).
  Status ApplyDecodedTraces(std::string_view request);
  // Counts and logs (rate-limited) the points a write could not keep; returns the write's answer.
  Status ReportDrops(const ConvertedMetrics& converted);
  // Counts `n` corruption events of `kind` and reports the store degraded with `reason`.
  void ReportCorruption(const char* kind, uint64_t n, const std::string& reason);
  // Writer thread: a failed commit leaves the WAL degraded until it starts a sealed segment.
  Status RecoverWal();
  // Writer thread: answers the held writes of a failed commit once the WAL is sealed (refused),
  // or when unsealed_wait has passed or the store closes (outcome unknown).
  void ResolveUnsealed(bool closing);
  // Applies max_series to a metrics write before it reaches the WAL (writer thread).
  void AdmitSeries(Pending& p, MetricTable::GroupAdmission& group);
  // The one place that words and counts a max_series refusal: the message the client gets (the
  // whole write refused) or that a partial success would carry (some series refused).
  std::string SeriesLimitRefusal(const MetricTable::SeriesRefusal& refusal, size_t written);

  // Head checkpoint (store_checkpoint.cc; docs/storage.md, "Head checkpoint").
  std::string CheckpointDir() const;
  // Open: loads the checkpoint files that continue the last flush into the trace head; returns
  // the WAL segment they cover up to (flushed_upto_ when none) and adds the segments up to it
  // that also hold other records to *mixed. Removes the files it does not use.
  uint64_t LoadCheckpoints(std::set<uint64_t>* mixed);
  void MaybeCheckpoint();  // writer thread
  void CheckpointerLoop();
  void RemoveCheckpointsUpTo(uint64_t segment);  // writer thread
  void ResetCheckpointChain(uint64_t segment);   // writer thread: a new head starts after it

  StoreOptions options_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::SelfMetrics* metrics_sink_;
  // Callback gauges registered (they capture `this`; removed by the destructor).
  std::vector<std::pair<std::string, telemetry::Labels>> callbacks_;
  int lock_fd_ = -1;
  std::unique_ptr<Wal> wal_;  // writer thread only (after Open)
  TraceTable traces_;
  MetricTable metrics_;
  LogTable logs_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // GUARDED_BY(mu_)
  uint64_t queued_bytes_ = 0;  // GUARDED_BY(mu_)
  bool closing_ = false;       // GUARDED_BY(mu_)
  std::thread writer_;
  // Writer thread: answers of a failed commit that the WAL could not seal off yet.
  std::vector<Completion> unsealed_;
  std::chrono::steady_clock::time_point unsealed_since_{};
  std::string unsealed_reason_;

  // Flushing: the writer cuts and hands the closed WAL segment to the flusher, which writes the
  // blocks and reports back the segment the WAL may delete up to.
  mutable std::mutex flush_mu_;
  std::condition_variable flush_cv_;
  uint64_t flush_job_ = 0;        // GUARDED_BY(flush_mu_): segment to flush, 0 = none
  uint64_t flushed_upto_ = 0;     // GUARDED_BY(flush_mu_): last segment covered by blocks
  bool flusher_stop_ = false;     // GUARDED_BY(flush_mu_)
  bool flush_requested_ = false;  // GUARDED_BY(mu_): FlushForTesting asks the writer to cut
  Status flush_failure_;          // GUARDED_BY(flush_mu_): why the last cut or flush failed
  // GUARDED_BY(flush_mu_): blocks that reads found corrupt, for the flusher to set aside.
  std::vector<std::pair<std::string, Status>> corrupt_blocks_;
  bool retry_flush_ = false;  // GUARDED_BY(flush_mu_): FlushForTesting cuts a retry pause short
  std::thread flusher_;
  bool compaction_requested_ = false;  // GUARDED_BY(flush_mu_): a flush added a block
  std::condition_variable compact_cv_;
  std::thread compactor_;
  std::mutex retention_mu_;            // one retention check at a time
  std::atomic<bool> stopping_{false};  // set by Close: a running compaction is cancelled
  std::chrono::steady_clock::time_point head_started_{};  // writer thread: first write of the head
  uint64_t wal_removed_upto_ = 0;                         // writer thread
  std::atomic<uint64_t> wal_bytes_{0};
  std::atomic<int64_t> last_drop_log_s_{0};  // rate-limits the dropped-points warning
  int64_t last_refusal_log_s_ = 0;           // writer thread: rate-limits the max_series warning
  // Writer thread: the active trace head's checkpoints cover its rows up to ckpt_mark_ and the
  // WAL up to segment ckpt_segment_; later segments with records other than traces; WAL bytes
  // since; a checkpoint of this head failed (no more until the next head).
  uint64_t ckpt_segment_ = 0;
  RowsMark ckpt_mark_;
  std::set<uint64_t> ckpt_mixed_;
  uint64_t ckpt_bytes_ = 0;
  bool ckpt_broken_ = false;
  uint64_t replay_covered_ = 0;  // Open: trace records of segments <= it came from checkpoints
  std::mutex ckpt_mu_;
  std::condition_variable ckpt_cv_;
  std::string ckpt_path_, ckpt_image_;  // GUARDED_BY(ckpt_mu_): the next file to write
  bool ckpt_busy_ = false;              // GUARDED_BY(ckpt_mu_): a file is being written
  bool ckpt_failed_ = false;            // GUARDED_BY(ckpt_mu_): writing one failed
  bool ckpt_stop_ = false;              // GUARDED_BY(ckpt_mu_)
  std::thread checkpointer_;
  telemetry::Counter* checkpoints_ = nullptr;
  telemetry::Counter* checkpoint_errors_ = nullptr;
  std::set<Labels> replay_refused_;             // Open: series the next metrics record refused
  std::optional<uint32_t> replay_refused_crc_;  // Open: that record's payload checksum

  // Per signal (RecordType - 1), in OTLP items: every item of a write ends in exactly one of
  // written (committed and kept), refused (the write was answered with an error) or dropped
  // (committed, but the store cannot represent it).
  telemetry::Counter* written_[3] = {};
  telemetry::Counter* refused_items_[3] = {};
  telemetry::Counter* dropped_[3] = {};
  telemetry::Counter* commits_ = nullptr;
  telemetry::Counter* commit_errors_ = nullptr;
  telemetry::Counter* refused_ = nullptr;  // writes (requests), not items
  telemetry::Counter* refused_series_ = nullptr;
  telemetry::Counter* refused_samples_ = nullptr;
  telemetry::Counter* flushes_ = nullptr;
  telemetry::Counter* flush_errors_ = nullptr;
  telemetry::Counter* retention_deleted_ = nullptr;
  telemetry::Counter* compaction_errors_ = nullptr;
  telemetry::Counter* compactions_[3] = {};  // traces, logs, metrics
};

}  // namespace otter::store
