// The `filelog` receiver (otelcol-contrib's): tails the files matching `include` (minus
// `exclude`), cuts them into entries (splitter.h), runs each through the operators
// (operators.h) and sends them to the logs pipeline in batches of up to 100 entries per file.
//
// Files are known by their fingerprint — their first fingerprint_size bytes — not their path,
// so a file renamed by rotation is recognised and read to its end, a copy (copy-truncate) is
// not read twice, and a file that shrank below its offset (truncated) is read again from 0.
// A poll (every poll_interval) matches the files, reads files that vanished from the match since
// the last poll through their still-open descriptor (rename rotation out of the pattern), then
// reads every matched file to its end.
//
// Delivery is at-least-once: a batch's offset is committed only once the pipeline accepted it;
// a retryable refusal makes the reader wait and send it again (retry_on_failure), a permanent
// one drops it (counted). With `storage` (a file_storage extension) the committed offsets are
// written after every accepted batch, so a restart — even after kill -9 — resumes where the
// pipeline last accepted: nothing is lost, and at most the batch in flight per file is sent
// again.
// Thread-safety: Start/Shutdown from the service thread; one poller thread does all reading;
// completions arrive on any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "component/component.h"
#include "component/storage.h"
#include "receivers/filelog/config.h"
#include "receivers/filelog/entry.h"

namespace otter::filelog {

class OperatorPipeline;
class Splitter;

struct FileLogOptions {
  // Tests poll by hand (PollOnce) instead of a poller thread.
  bool manual_polling = false;
  std::function<std::chrono::steady_clock::time_point()> now = [] {
    return std::chrono::steady_clock::now();
  };
};

class FileLogReceiver final : public Receiver {
 public:
  FileLogReceiver(const ComponentContext& ctx, const FileLogConfig& cfg, LogConsumer* next,
                  FileLogOptions options = {});
  ~FileLogReceiver() override;

  Status Start() override;
  void Shutdown() override;

  // One poll cycle on the caller's thread (manual_polling only).
  void PollOnce();
  // The storage key holding the offsets.
  static constexpr const char* kCheckpointKey = "file_input.knownFiles";

  struct Reader;

 private:
  void Run();
  void Poll();
  void Consume(const std::vector<std::string>& paths);
  // Reads `r` from its offset to the end, sending what it finds; false when stopping.
  bool ReadToEnd(Reader& r);
  void AddEntry(Reader& r, std::string_view token);
  // Sends the pending entries of `r` and commits its offset; false when stopping.
  bool Flush(Reader& r);
  Status SendWithRetry(pdata::LogBatch batch, size_t records);
  Status SendOnce(pdata::LogBatch batch);
  bool WaitFor(std::chrono::nanoseconds d);  // false when stopping
  void SaveCheckpoint();
  void LoadCheckpoint();
  bool Stopping() const { return stopping_.load(std::memory_order_acquire); }

  const ComponentContext ctx_;
  const FileLogConfig cfg_;
  LogConsumer* const next_;
  FileLogOptions options_;
  std::unique_ptr<Splitter> splitter_;
  std::unique_ptr<OperatorPipeline> ops_;
  std::unique_ptr<StorageClient> storage_;

  // Poller-thread state.
  std::vector<std::unique_ptr<Reader>> current_, previous_;
  std::deque<std::vector<std::unique_ptr<Reader>>> archive_;  // closed, newest generation first
  bool first_poll_ = true;
  bool from_beginning_ = false;
  std::vector<Entry> pending_;
  pdata::ArenaSet arena_;
  uint64_t pending_end_ = 0;      // file offset after the last entry added
  uint64_t pending_records_ = 0;  // entries (also dropped or empty ones) since the last commit
  uint64_t batch_gen_ = 0;        // bumps when arena_ is handed to a batch
  std::vector<pdata::KeyValue> static_attrs_, static_resource_;  // views into arena_ per gen
  uint64_t static_gen_ = UINT64_MAX;
  std::string read_buf_, decode_buf_;

  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::Counter* accepted_ = nullptr;
  telemetry::Counter* refused_ = nullptr;
  telemetry::Counter* dropped_ = nullptr;
  telemetry::Counter* operator_errors_ = nullptr;
  telemetry::Gauge* open_files_ = nullptr;
  std::chrono::steady_clock::time_point last_error_log_{};

  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stopping_{false};
  std::chrono::steady_clock::time_point stop_deadline_;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace otter::filelog
