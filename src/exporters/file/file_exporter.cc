#include "exporters/file/file_exporter.h"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"

namespace otter {
namespace {

void Encode(const pdata::TraceBatch& b, FileFormat f, std::string* out) {
  if (f == FileFormat::kJson)
    otlp::EncodeTracesJson(b, out);
  else
    otlp::EncodeTraces(b, out);
}
void Encode(const pdata::MetricBatch& b, FileFormat f, std::string* out) {
  if (f == FileFormat::kJson)
    otlp::EncodeMetricsJson(b, out);
  else
    otlp::EncodeMetrics(b, out);
}
void Encode(const pdata::LogBatch& b, FileFormat f, std::string* out) {
  if (f == FileFormat::kJson)
    otlp::EncodeLogsJson(b, out);
  else
    otlp::EncodeLogs(b, out);
}

void PutBigEndian32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}

config::Duration EffectiveFlushInterval(const FileExporterConfig& cfg) {
  return cfg.flush_interval.count() > 0 ? cfg.flush_interval
                                        : config::Duration(std::chrono::seconds(1));
}

}  // namespace

FileExporter::FileExporter(const ComponentContext& ctx, const FileExporterConfig& cfg,
                           FileExporterOptions options)
    : cfg_(cfg), options_(std::move(options)) {
  logger_ = ctx.logger ? ctx.logger
                       : std::make_shared<spdlog::logger>(
                             "file", std::make_shared<spdlog::sinks::null_sink_mt>());
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  for (Signal s : kAllSignals)
    counters_[static_cast<int>(s)] = exporterhelper::ExporterCounters(*metrics, ctx.id, s);
}

FileExporter::~FileExporter() { Shutdown(); }

Status FileExporter::Start() {
  if (flusher_.joinable())
    return FailedPrecondition("file exporter for " + cfg_.path + " already started");
  RotatingFile::Options o;
  o.path = cfg_.path;
  o.append = cfg_.append;
  o.rotation = cfg_.rotation;
  o.create_directory = cfg_.create_directory;
  o.directory_mode = cfg_.DirectoryMode();
  o.now = options_.now;
  ASSIGN_OR_RETURN(std::unique_ptr<RotatingFile> file, RotatingFile::Open(std::move(o)));
  {
    std::lock_guard lock(mu_);
    file_ = std::move(file);
    stop_ = false;
  }
  flusher_ = std::thread([this] { FlushLoop(); });
  return Status::Ok();
}

void FileExporter::Shutdown() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  SyncNow();
  std::lock_guard lock(mu_);
  file_.reset();
}

void FileExporter::FlushLoop() {
  const config::Duration interval = EffectiveFlushInterval(cfg_);
  std::unique_lock lock(mu_);
  while (!stop_cv_.wait_for(lock, interval, [&] { return stop_; })) {
    lock.unlock();
    SyncNow();
    if (options_.on_sync) options_.on_sync();
    lock.lock();
  }
}

void FileExporter::SyncNow() {
  int fd = -1;
  {
    std::lock_guard lock(mu_);
    if (!file_ || !dirty_) return;
    dirty_ = false;
    fd = file_->DupDescriptor();
  }
  if (fd < 0) return;
  if (::fdatasync(fd) != 0) logger_->warn("fdatasync {}: {}", cfg_.path, std::strerror(errno));
  ::close(fd);
}

void FileExporter::Consume(pdata::TraceBatch&& batch, Completion done) {
  Export(batch, std::move(done));
}
void FileExporter::Consume(pdata::MetricBatch&& batch, Completion done) {
  Export(batch, std::move(done));
}
void FileExporter::Consume(pdata::LogBatch&& batch, Completion done) {
  Export(batch, std::move(done));
}

template <class B>
Status FileExporter::Frame(const B& batch, std::string* out) const {
  if (cfg_.compression.empty()) {
    if (cfg_.format == FileFormat::kJson) {
      Encode(batch, cfg_.format, out);
      out->push_back('\n');
      return Status::Ok();
    }
    out->append(4, '\0');
    Encode(batch, cfg_.format, out);
    PutBigEndian32(out->data(), static_cast<uint32_t>(out->size() - 4));
    return Status::Ok();
  }
  std::string plain;
  Encode(batch, cfg_.format, &plain);
  const size_t bound = ZSTD_compressBound(plain.size());
  out->resize(4 + bound);
  size_t n = ZSTD_compress(out->data() + 4, bound, plain.data(), plain.size(), ZSTD_CLEVEL_DEFAULT);
  if (ZSTD_isError(n)) return Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  out->resize(4 + n);
  PutBigEndian32(out->data(), static_cast<uint32_t>(n));
  return Status::Ok();
}

template <class B>
void FileExporter::Export(const B& batch, Completion done) {
  const int signal = static_cast<int>(SignalOf<B>());
  const size_t items = batch.ItemCount();
  std::string record;
  Status s = Frame(batch, &record);
  if (s.ok() && record.size() > UINT32_MAX &&
      (cfg_.format == FileFormat::kProto || !cfg_.compression.empty())) {
    s = InvalidArgument("request of " + std::to_string(record.size()) +
                        " bytes does not fit the 4-byte length prefix");
  }
  if (s.ok()) {
    std::lock_guard lock(mu_);
    if (!file_) {
      s = FailedPrecondition("file exporter for " + cfg_.path + " is not running");
    } else {
      s = file_->Write(record);
      dirty_ = dirty_ || s.ok();
    }
  }
  counters_[signal].Count(s, items);
  if (!s.ok()) {
    logger_->error("failed to write {} {} to {}: {}", items, SignalItemName(SignalOf<B>()),
                   cfg_.path, s.ToString());
  }
  done(std::move(s));
}

}  // namespace otter
