#include "receivers/filelog/receiver.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "receivers/filelog/glob.h"
#include "receivers/filelog/operators.h"
#include "receivers/filelog/splitter.h"

namespace otter::filelog {

// One file the receiver knows: open (matched in the last poll) or archived (fd < 0).
struct FileLogReceiver::Reader {
  int fd = -1;
  std::string path;
  std::string fingerprint;
  uint64_t offset = 0;      // committed: everything before it was accepted downstream
  uint64_t record_num = 0;  // entries before offset
  // A partial last entry seen at EOF: its length and since when it has not changed.
  uint64_t partial_len = 0;
  std::chrono::steady_clock::time_point partial_since{};
  // This batch's arena copies of the file's name/path attributes.
  uint64_t attr_gen = UINT64_MAX;
  std::vector<pdata::KeyValue> file_attrs;

  ~Reader() { Close(); }
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

namespace {

constexpr size_t kMaxBatchEntries = 100;  // stanza's reader batch
constexpr size_t kReadChunk = 64 * 1024;
constexpr auto kShutdownWait = std::chrono::seconds(5);

uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::string ReadPrefix(int fd, size_t n) {
  std::string fp(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, fp.data() + got, n - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  fp.resize(got);
  return fp;
}

void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutBytes(std::string* out, std::string_view s) {
  PutU64(out, s.size());
  out->append(s);
}
bool GetU64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  *v = 0;
  for (int i = 0; i < 8; ++i)
    *v |= static_cast<uint64_t>(static_cast<uint8_t>((*in)[i])) << (8 * i);
  in->remove_prefix(8);
  return true;
}
bool GetBytes(std::string_view* in, std::string* s) {
  uint64_t n;
  if (!GetU64(in, &n) || in->size() < n) return false;
  s->assign(in->data(), n);
  in->remove_prefix(n);
  return true;
}

std::string BaseName(const std::string& p) {
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

}  // namespace

FileLogReceiver::FileLogReceiver(const ComponentContext& ctx, const FileLogConfig& cfg,
                                 LogConsumer* next, FileLogOptions options)
    : ctx_(ctx), cfg_(cfg), next_(next), options_(std::move(options)) {
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  telemetry::Labels labels = {{"receiver", ctx.id.ToString()}, {"transport", ""}};
  accepted_ = &metrics->GetCounter("otelcol_receiver_accepted_log_records",
                                   "Log records the pipeline accepted.", labels);
  refused_ = &metrics->GetCounter("otelcol_receiver_refused_log_records",
                                  "Log records the pipeline refused.", labels);
  telemetry::Labels rx = {{"receiver", ctx.id.ToString()}};
  dropped_ = &metrics->GetCounter("otter_receiver_filelog_dropped_log_records_total",
                                  "Entries dropped: refused permanently, retries given up, or "
                                  "dropped by an operator's on_error: drop.",
                                  rx);
  operator_errors_ = &metrics->GetCounter("otter_receiver_filelog_operator_errors_total",
                                          "Entries an operator failed to process.", rx);
  open_files_ =
      &metrics->GetGauge("otelcol_fileconsumer_open_files", "Files the receiver holds open.", rx);
  splitter_ = std::make_unique<Splitter>(cfg_);
  config::Diagnostics d;
  ops_ = OperatorPipeline::Build(cfg_.operators, d);
  if (ops_) {
    ops_->SetErrorHandler([this](const Operator& op, const Status& s, bool quiet) {
      operator_errors_->Add(1);
      auto now = std::chrono::steady_clock::now();
      if (quiet || !ctx_.logger || now - last_error_log_ < std::chrono::seconds(1)) return;
      last_error_log_ = now;
      ctx_.logger->warn("operator {} ({}): {}", op.id, op.type, s.message());
    });
  }
}

FileLogReceiver::~FileLogReceiver() { Shutdown(); }

Status FileLogReceiver::Start() {
  if (!ops_) return InvalidArgument("operators: invalid (see the config errors)");
  if (!cfg_.storage.empty()) {
    ASSIGN_OR_RETURN(storage_, GetStorageClient(ctx_, cfg_.storage));
    LoadCheckpoint();
  }
  if (FindFiles(cfg_.include, cfg_.exclude).empty() && ctx_.logger)
    ctx_.logger->warn("no files match the configured include patterns");
  if (!options_.manual_polling) thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void FileLogReceiver::Shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stop_deadline_ = std::chrono::steady_clock::now() + kShutdownWait;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The readers stay known (their offsets are saved); only the descriptors go.
  for (auto* set : {&current_, &previous_})
    for (auto& r : *set) r->Close();
  SaveCheckpoint();
  if (open_files_) open_files_->Set(0);
}

void FileLogReceiver::PollOnce() { Poll(); }

void FileLogReceiver::Run() {
  while (!Stopping()) {
    auto next = std::chrono::steady_clock::now() + cfg_.poll_interval;
    Poll();
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, next, [&] { return Stopping(); });
  }
}

void FileLogReceiver::Poll() {
  std::vector<std::string> paths = FindFiles(cfg_.include, cfg_.exclude);
  const size_t group = static_cast<size_t>(std::max<int64_t>(1, cfg_.max_concurrent_files / 2));
  int64_t groups = 0;
  for (size_t i = 0; i < paths.size() || i == 0; i += group) {
    std::vector<std::string> slice(
        paths.begin() + static_cast<ptrdiff_t>(std::min(i, paths.size())),
        paths.begin() + static_cast<ptrdiff_t>(std::min(i + group, paths.size())));
    Consume(slice);
    if (Stopping()) return;
    if (cfg_.max_batches > 0 && ++groups >= cfg_.max_batches) break;
    if (paths.empty()) break;
  }
  // Files that appear from now on are read from their beginning.
  first_poll_ = false;
  from_beginning_ = true;
  archive_.emplace_front();
  while (archive_.size() > 3) archive_.pop_back();
  SaveCheckpoint();
}

void FileLogReceiver::Consume(const std::vector<std::string>& paths) {
  current_.clear();
  auto take = [](std::vector<std::unique_ptr<Reader>>& from,
                 const std::string& fp) -> std::unique_ptr<Reader> {
    for (auto it = from.begin(); it != from.end(); ++it) {
      if (!(*it)->fingerprint.empty() && fp.starts_with((*it)->fingerprint)) {
        auto r = std::move(*it);
        from.erase(it);
        return r;
      }
    }
    return nullptr;
  };
  const auto now_wall = std::chrono::system_clock::now();
  for (const std::string& path : paths) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (ctx_.logger) ctx_.logger->debug("open {}: {}", path, std::strerror(errno));
      continue;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      continue;
    }
    if (cfg_.exclude_older_than > config::Duration::zero()) {
      auto mtime = std::chrono::system_clock::time_point(
          std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec));
      if (now_wall - mtime > cfg_.exclude_older_than) {
        ::close(fd);
        continue;
      }
    }
    std::string fp = ReadPrefix(fd, static_cast<size_t>(cfg_.fingerprint_size));
    if (fp.empty()) {  // nothing to identify it by yet
      ::close(fd);
      continue;
    }
    bool dup = false;
    for (const auto& r : current_) dup = dup || r->fingerprint == fp;
    if (dup) {  // a copy (copy-truncate rotation before the truncate): read one of them
      ::close(fd);
      continue;
    }
    std::unique_ptr<Reader> r = take(previous_, fp);
    for (size_t g = 0; !r && g < archive_.size(); ++g) r = take(archive_[g], fp);
    if (r) {
      r->Close();
    } else {
      r = std::make_unique<Reader>();
      r->offset =
          from_beginning_ || cfg_.start_at == "beginning" ? 0 : static_cast<uint64_t>(st.st_size);
      if (ctx_.logger) ctx_.logger->info("Started watching file {}", path);
    }
    r->fd = fd;
    r->path = path;
    r->fingerprint = std::move(fp);
    r->attr_gen = UINT64_MAX;
    current_.push_back(std::move(r));
  }
  if (open_files_) open_files_->Set(static_cast<int64_t>(current_.size() + previous_.size()));
  // Files matched last time but not now: renamed out of the pattern (or deleted). If the open
  // descriptor still shows the same file, read what was appended before the rename.
  for (auto& r : previous_) {
    if (Stopping()) return;
    if (r->fd >= 0) {
      std::string fp = ReadPrefix(r->fd, r->fingerprint.size());
      if (fp == r->fingerprint && !ReadToEnd(*r)) return;
    }
    r->Close();
    if (archive_.empty()) archive_.emplace_front();
    archive_.front().push_back(std::move(r));
  }
  previous_.clear();
  for (size_t i = 0; i < current_.size(); ++i) {
    if (Stopping()) return;
    Reader& r = *current_[i];
    if (!ReadToEnd(r)) return;
    if (cfg_.delete_after_read && r.partial_len == 0) {
      if (::unlink(r.path.c_str()) != 0 && ctx_.logger)
        ctx_.logger->error("could not delete {}: {}", r.path, std::strerror(errno));
      r.Close();
      current_.erase(current_.begin() + static_cast<ptrdiff_t>(i--));
    }
  }
  previous_ = std::move(current_);
  current_.clear();
}

bool FileLogReceiver::ReadToEnd(Reader& r) {
  struct stat st;
  if (::fstat(r.fd, &st) != 0) return true;
  if (static_cast<uint64_t>(st.st_size) < r.offset) {
    // Truncated below what was read (copy-truncate that kept the first bytes): start over.
    r.offset = 0;
    r.record_num = 0;
  }
  pending_end_ = r.offset;
  pending_records_ = 0;
  std::string& buf = read_buf_;
  buf.clear();
  uint64_t buf_start = r.offset;  // file offset of buf[0]
  bool eof = false;
  const size_t chunk = std::max<size_t>(kReadChunk, static_cast<size_t>(cfg_.initial_buffer_size));
  while (!eof) {
    if (Stopping()) return false;
    size_t old = buf.size();
    buf.resize(old + chunk);
    ssize_t n;
    do {
      n = ::pread(r.fd, buf.data() + old, chunk, static_cast<off_t>(buf_start + old));
    } while (n < 0 && errno == EINTR);
    buf.resize(old + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    eof = n <= 0;
    size_t scan = 0;
    std::string_view tok;
    while (size_t used = splitter_->Next(std::string_view(buf).substr(scan), false, &tok)) {
      scan += used;
      AddEntry(r, tok);
      pending_end_ = buf_start + scan;
      if (pending_.size() >= kMaxBatchEntries && !Flush(r)) return false;
    }
    buf.erase(0, scan);
    buf_start += scan;
  }
  // What is left has no end yet: wait for more, or emit it after force_flush_period.
  const auto now = options_.now();
  if (buf.empty()) {
    r.partial_len = 0;
  } else if (buf.size() != r.partial_len) {
    r.partial_len = buf.size();
    r.partial_since = now;
  } else if (cfg_.force_flush_period > config::Duration::zero() &&
             now - r.partial_since >= cfg_.force_flush_period) {
    size_t scan = 0;
    std::string_view tok;
    while (size_t used = splitter_->Next(std::string_view(buf).substr(scan), true, &tok)) {
      scan += used;
      AddEntry(r, tok);
      pending_end_ = buf_start + scan;
    }
    r.partial_len = 0;
  }
  return Flush(r);
}

void FileLogReceiver::AddEntry(Reader& r, std::string_view token) {
  ++pending_records_;
  token = splitter_->Trim(token);
  if (token.empty()) return;
  std::string_view text = splitter_->Decode(token, &decode_buf_);
  if (static_gen_ != batch_gen_) {
    static_attrs_.clear();
    static_resource_.clear();
    for (const auto& [k, v] : cfg_.attributes)
      static_attrs_.push_back({arena_.Copy(k), pdata::AnyValue::String(arena_.Copy(v))});
    for (const auto& [k, v] : cfg_.resource)
      static_resource_.push_back({arena_.Copy(k), pdata::AnyValue::String(arena_.Copy(v))});
    static_gen_ = batch_gen_;
  }
  if (r.attr_gen != batch_gen_) {
    r.file_attrs.clear();
    auto add = [&](const char* key, const std::string& value) {
      r.file_attrs.push_back({arena_.Copy(key), pdata::AnyValue::String(arena_.Copy(value))});
    };
    if (cfg_.include_file_name) add("log.file.name", BaseName(r.path));
    if (cfg_.include_file_path) add("log.file.path", r.path);
    if (cfg_.include_file_name_resolved || cfg_.include_file_path_resolved) {
      char buf[PATH_MAX];
      std::string resolved = ::realpath(r.path.c_str(), buf) ? buf : r.path;
      if (cfg_.include_file_name_resolved) add("log.file.name_resolved", BaseName(resolved));
      if (cfg_.include_file_path_resolved) add("log.file.path_resolved", resolved);
    }
    r.attr_gen = batch_gen_;
  }
  Entry e;
  e.record.body = pdata::AnyValue::String(arena_.Copy(text));
  e.record.observed_time_unix_nano = NowNs();
  e.record.attributes.reserve(r.file_attrs.size() + static_attrs_.size() + 1);
  e.record.attributes = r.file_attrs;
  if (cfg_.include_file_record_number)
    e.record.attributes.push_back(
        {arena_.Copy("log.file.record_number"),
         pdata::AnyValue::Int(static_cast<int64_t>(r.record_num + pending_records_))});
  for (const auto& kv : static_attrs_) e.record.attributes.push_back(kv);
  e.resource = static_resource_;
  if (!ops_->Run(e, arena_)) {
    dropped_->Add(1);
    return;
  }
  pending_.push_back(std::move(e));
}

bool FileLogReceiver::Flush(Reader& r) {
  if (!pending_.empty()) {
    pdata::LogBatch batch;
    auto& resources = batch.resources();
    for (Entry& e : pending_) {
      pdata::ResourceLogs* rl = nullptr;
      for (auto& x : resources)
        if (x.resource.attributes == e.resource) rl = &x;
      if (!rl) {
        resources.emplace_back();
        rl = &resources.back();
        rl->resource.attributes = std::move(e.resource);
        rl->scope_logs.emplace_back();
      }
      rl->scope_logs[0].log_records.push_back(std::move(e.record));
    }
    const size_t records = pending_.size();
    pending_.clear();
    batch.arenas() = std::move(arena_);
    arena_ = pdata::ArenaSet();
    ++batch_gen_;
    Status s = SendWithRetry(std::move(batch), records);
    if (!s.ok() && Stopping()) return false;  // not committed: read again after a restart
  }
  if (pending_end_ != r.offset || pending_records_ > 0) {
    r.offset = pending_end_;
    r.record_num += pending_records_;
    pending_records_ = 0;
    SaveCheckpoint();
  }
  return true;
}

Status FileLogReceiver::SendWithRetry(pdata::LogBatch batch, size_t records) {
  const auto start = std::chrono::steady_clock::now();
  config::Duration backoff = cfg_.retry_on_failure.initial_interval;
  while (true) {
    Status s = SendOnce(batch.Clone());
    if (s.ok()) {
      accepted_->Add(records);
      return s;
    }
    if (Stopping() && s.code() == StatusCode::kAborted) return s;
    refused_->Add(records);
    const bool give_up =
        !s.retryable() || (cfg_.retry_on_failure.enabled &&
                           cfg_.retry_on_failure.max_elapsed_time > config::Duration::zero() &&
                           std::chrono::steady_clock::now() - start + backoff >
                               cfg_.retry_on_failure.max_elapsed_time);
    if (give_up) {
      dropped_->Add(records);
      if (ctx_.logger)
        ctx_.logger->error("dropped {} log records the pipeline refused: {}", records, s.message());
      return s;
    }
    if (ctx_.logger)
      ctx_.logger->debug("pipeline refused {} log records ({}); retrying in {} ms", records,
                         s.message(),
                         std::chrono::duration_cast<std::chrono::milliseconds>(backoff).count());
    if (!WaitFor(backoff)) return Aborted("shutting down");
    backoff = std::min<config::Duration>(backoff * 2, cfg_.retry_on_failure.max_interval);
  }
}

Status FileLogReceiver::SendOnce(pdata::LogBatch batch) {
  struct Wait {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    Status status;
  };
  auto w = std::make_shared<Wait>();
  next_->Consume(std::move(batch), Completion([w](Status s) {
                   std::lock_guard lock(w->mu);
                   w->status = std::move(s);
                   w->done = true;
                   w->cv.notify_all();
                 }));
  std::unique_lock lock(w->mu);
  while (!w->done) {
    w->cv.wait_for(lock, std::chrono::milliseconds(50));
    if (!w->done && Stopping()) {
      std::lock_guard l2(mu_);
      if (std::chrono::steady_clock::now() >= stop_deadline_)
        return Aborted("shutting down before the pipeline answered");
    }
  }
  return w->status;
}

bool FileLogReceiver::WaitFor(std::chrono::nanoseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return Stopping(); });
}

void FileLogReceiver::SaveCheckpoint() {
  if (!storage_) return;
  std::string blob;
  uint64_t n = 0;
  std::string body;
  auto put = [&](const Reader& r) {
    PutBytes(&body, r.fingerprint);
    PutU64(&body, r.offset);
    PutU64(&body, r.record_num);
    PutBytes(&body, r.path);
    ++n;
  };
  for (const auto& r : current_) put(*r);
  for (const auto& r : previous_) put(*r);
  for (const auto& gen : archive_)
    for (const auto& r : gen) put(*r);
  PutU64(&blob, 1);  // format version
  PutU64(&blob, n);
  blob += body;
  if (Status s = storage_->Set(kCheckpointKey, blob); !s.ok() && ctx_.logger)
    ctx_.logger->error("save offsets: {}", s.message());
}

void FileLogReceiver::LoadCheckpoint() {
  auto v = storage_->Get(kCheckpointKey);
  if (!v.ok()) {
    if (ctx_.logger) ctx_.logger->error("read known files from storage: {}", v.status().message());
    return;
  }
  if (!*v) return;
  std::string_view in = **v;
  uint64_t version = 0, n = 0;
  if (!GetU64(&in, &version) || version != 1 || !GetU64(&in, &n)) {
    if (ctx_.logger) ctx_.logger->error("stored offsets have an unknown format; starting afresh");
    return;
  }
  archive_.emplace_front();
  for (uint64_t i = 0; i < n; ++i) {
    auto r = std::make_unique<Reader>();
    if (!GetBytes(&in, &r->fingerprint) || !GetU64(&in, &r->offset) ||
        !GetU64(&in, &r->record_num) || !GetBytes(&in, &r->path))
      break;
    archive_.front().push_back(std::move(r));
  }
  if (!archive_.front().empty()) {
    // As in otelcol: resuming from stored offsets makes start_at irrelevant.
    from_beginning_ = true;
    if (ctx_.logger)
      ctx_.logger->info("resuming from {} stored offset(s); start_at does not apply",
                        archive_.front().size());
  }
}

}  // namespace otter::filelog
