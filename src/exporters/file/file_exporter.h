// FileExporter: otelcol-contrib's `file` exporter. Writes every batch it receives to `path` as
// soon as it arrives, framed as otelcol does:
//   json (no compression): one OTLP/JSON Export*ServiceRequest per line ('\n'-terminated);
//   proto, or any format with compression: zstd: a 4-byte big-endian length, then the request
//     bytes (OTLP protobuf or JSON; each request compressed separately as one zstd frame when
//     compression is set).
// The completion is answered after the write(2): OK, or a permanent error naming the file and
// the OS error (a failed write is removed from the file, see rotating_file.h). flush_interval
// controls how often the file is fdatasync'ed; the sync runs outside the write lock.
// One instance serves all three signals (they share the file). Items are counted in
// otelcol_exporter_sent_<items> / otelcol_exporter_send_failed_<items>{exporter="<id>"}.
// Thread-safety: Consume is called concurrently; encoding runs in the caller's thread, writes are
// serialised by mu_; a flusher thread syncs. Start/Shutdown on the service thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "component/component.h"
#include "exporters/exporterhelper/exporter_counters.h"
#include "exporters/file/config.h"
#include "exporters/file/rotating_file.h"

namespace otter {

struct FileExporterOptions {
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
  // Called after each periodic fdatasync (tests observe flush_interval with it).
  std::function<void()> on_sync;
};

class FileExporter final : public Exporter,
                           public TraceConsumer,
                           public MetricConsumer,
                           public LogConsumer {
 public:
  FileExporter(const ComponentContext& ctx, const FileExporterConfig& cfg,
               FileExporterOptions options = {});
  ~FileExporter() override;

  Status Start() override;
  void Shutdown() override;
  Consumers consumers() override { return Consumers{this, this, this}; }
  void Consume(pdata::TraceBatch&& batch, Completion done) override;
  void Consume(pdata::MetricBatch&& batch, Completion done) override;
  void Consume(pdata::LogBatch&& batch, Completion done) override;

 private:
  template <class B>
  void Export(const B& batch, Completion done);
  // Appends the framed (and maybe compressed) record for `batch` to *out.
  template <class B>
  Status Frame(const B& batch, std::string* out) const;
  void FlushLoop();
  void SyncNow();

  const FileExporterConfig cfg_;
  const FileExporterOptions options_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  exporterhelper::ExporterCounters counters_[3];

  std::mutex mu_;
  std::unique_ptr<RotatingFile> file_;  // GUARDED_BY(mu_)
  bool dirty_ = false;                  // GUARDED_BY(mu_): written since the last sync
  bool stop_ = false;                   // GUARDED_BY(mu_)
  std::condition_variable stop_cv_;
  std::thread flusher_;
};

}  // namespace otter
