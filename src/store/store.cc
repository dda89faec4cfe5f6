#include "store/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <tuple>

#include "otlp/proto_codec.h"
#include "store/crc32.h"
#include "store/file_util.h"

namespace otter::store {

namespace {
constexpr const char* kSignalNames[] = {"traces", "metrics", "logs"};

DiskBudget Budget(const StoreOptions& o) {
  return DiskBudgetOf(o.head_max_bytes, o.max_pending_bytes, o.compaction_max_bytes);
}

// FLUSHED holds "<segment> <crc32 of the number's text, 8 hex digits>": a flipped bit must not
// name another segment (too low deletes blocks, too high deletes WAL segments). A bare number
// (written before the checksum) is accepted.
std::string FlushedMarker(uint64_t segment) {
  std::string n = std::to_string(segment);
  return fmt::format("{} {:08x}", n, Crc32(0, n));
}

bool ParseFlushedMarker(std::string_view text, uint64_t* segment) {
  std::string_view n = text.substr(0, text.find(' '));
  if (n.empty() || n.size() > 20 || n.find_first_not_of("0123456789") != std::string_view::npos)
    return false;
  if (n.size() < text.size() && text.substr(n.size()) != fmt::format(" {:08x}", Crc32(0, n)))
    return false;
  *segment = std::strtoull(std::string(n).c_str(), nullptr, 10);
  return true;
}

}  // namespace

Store::Store(StoreOptions options, std::shared_ptr<spdlog::logger> logger,
             telemetry::SelfMetrics* metrics)
    : options_(std::move(options)),
      logger_(std::move(logger)),
      metrics_sink_(metrics),
      metrics_(
          DeltaAccumulator::Options{options_.delta_max_stale.count(), options_.delta_max_streams}),
      logs_(options_.log_mapping) {
  metrics_sink_ = telemetry::GivenOrOwn(metrics_sink_, own_metrics_);
  auto& m = *metrics_sink_;
  for (int i = 0; i < 3; ++i) {
    const telemetry::Labels labels = {{"signal", kSignalNames[i]}};
    written_[i] = &m.GetCounter(
        "otter_store_written_items_total",
        "OTLP items (spans, metric points, log records) committed to the store and kept.", labels);
    refused_items_[i] = &m.GetCounter(
        "otter_store_refused_items_total",
        "OTLP items of writes the store refused (answered with an error; the client may retry).",
        labels);
    dropped_[i] = &m.GetCounter("otter_store_dropped_items_total",
                                "OTLP items of accepted writes that the store cannot represent "
                                "(e.g. delta temporality); answered as a partial success.",
                                labels);
  }
  commits_ = &m.GetCounter("otter_store_wal_commits_total",
                           "Group commits (one write + fdatasync of the WAL each).", {});
  commit_errors_ = &m.GetCounter("otter_store_wal_commit_errors_total",
                                 "Group commits that failed; their writes were refused.", {});
  refused_ = &m.GetCounter(
      "otter_store_refused_writes_total",
      "Writes refused: commit queue full, flushing behind, a failed commit, undecodable, or the "
      "store closing.",
      {});
  refused_series_ = &m.GetCounter(
      "otter_store_refused_series_total",
      "New metric series refused because the store holds max_series series (once per write).", {});
  refused_samples_ = &m.GetCounter("otter_store_refused_samples_total",
                                   "Samples of the series refused by max_series.", {});
  flushes_ = &m.GetCounter("otter_store_flushes_total", "Heads written as blocks.", {});
  flush_errors_ = &m.GetCounter("otter_store_flush_errors_total",
                                "Flushes that failed (retried; the data stays in the WAL).", {});
  compaction_errors_ = &m.GetCounter(
      "otter_store_compaction_errors_total",
      "Compactions that failed (e.g. no space left); their inputs stay and are merged later.", {});
  checkpoints_ =
      &m.GetCounter("otter_store_checkpoints_total",
                    "Head checkpoints written (docs/storage.md, \"Head checkpoint\").", {});
  checkpoint_errors_ = &m.GetCounter(
      "otter_store_checkpoint_errors_total",
      "Head checkpoints that failed to write (start-up replays the WAL instead).", {});
  retention_deleted_ = &m.GetCounter("otter_store_retention_deleted_blocks_total",
                                     "Blocks deleted by retention (age or size).", {});
  for (int i : {0, 1, 2}) {
    compactions_[i] =
        &m.GetCounter("otter_store_compactions_total", "Compactions: blocks merged into one.",
                      {{"signal", i == 0   ? "traces"
                                  : i == 1 ? "logs"
                                           : "metrics"}});
  }
  for (const char* kind : {"wal_record", "wal_segment", "wal_undecodable", "block",
                           "block_unreadable", "marker", "checkpoint"})
    ReportCorruption(kind, 0, "");  // present (at 0) from the start, for alerts on increase
  auto gauge = [&](const std::string& name, const std::string& help, const char* signal,
                   std::function<double()> fn) {
    telemetry::Labels labels;
    if (signal) labels.emplace_back("signal", signal);
    m.AddCallbackGauge(name, help, labels, std::move(fn));
    callbacks_.emplace_back(name, labels);
  };
  const std::string kHead = "otter_store_head_items", kHeadHelp = "Items in the in-memory heads.";
  gauge(kHead, kHeadHelp, "traces", [this] { return double(traces_.span_count()); });
  gauge(kHead, kHeadHelp, "metrics", [this] { return double(metrics_.sample_count()); });
  gauge(kHead, kHeadHelp, "logs", [this] { return double(logs_.record_count()); });
  gauge("otter_store_series", "Metric series in the store.", nullptr,
        [this] { return double(metrics_.series_count()); });
  const std::string kDisk = "otter_store_disk_bytes",
                    kDiskHelp = "Bytes on disk: blocks per signal, and the write-ahead log.";
  gauge(kDisk, kDiskHelp, "traces", [this] { return double(traces_.block_bytes()); });
  gauge(kDisk, kDiskHelp, "metrics", [this] { return double(metrics_.block_bytes()); });
  gauge(kDisk, kDiskHelp, "logs", [this] { return double(logs_.block_bytes()); });
  gauge(kDisk, kDiskHelp, "wal", [this] { return double(wal_bytes_); });
  const std::string kBlocks = "otter_store_blocks", kBlocksHelp = "Blocks per signal.";
  gauge(kBlocks, kBlocksHelp, "traces", [this] { return double(traces_.block_count()); });
  gauge(kBlocks, kBlocksHelp, "metrics", [this] { return double(metrics_.block_count()); });
  gauge(kBlocks, kBlocksHelp, "logs", [this] { return double(logs_.block_count()); });
}

StatusOr<std::unique_ptr<Store>> Store::Open(StoreOptions options,
                                             std::shared_ptr<spdlog::logger> logger,
                                             telemetry::SelfMetrics* metrics) {
  if (options.max_disk_bytes && options.max_disk_bytes < Budget(options).MinMaxDisk()) {
    return InvalidArgument("max_disk_bytes " + std::to_string(options.max_disk_bytes) +
                           " is below " + std::to_string(Budget(options).MinMaxDisk()) +
                           ", the least that holds the write-ahead log, a block being written "
                           "and one more block (docs/storage.md, \"Retention\")");
  }
  std::unique_ptr<Store> store(new Store(std::move(options), std::move(logger), metrics));
  const std::string& dir = store->options_.directory;
  RETURN_IF_ERROR(store->options_.env->CreateDirs(dir));
  std::string lock_path = dir + "/LOCK";
  store->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (store->lock_fd_ < 0) {
    return Unavailable("open " + lock_path + ": " + std::strerror(errno));
  }
  if (::flock(store->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return FailedPrecondition("store directory " + dir + " is in use by another otter process (" +
                              lock_path + " is locked)");
  }
  RETURN_IF_ERROR(store->LoadBlocks());
  store->LoadDeltaState();
  // The head checkpoint holds the trace records of the WAL up to `covered`: segments of nothing
  // else are not read at all, and in the others only the other records are replayed.
  std::set<uint64_t> mixed;
  const uint64_t flushed = store->flushed_upto_;
  const uint64_t covered = store->LoadCheckpoints(&mixed);
  store->replay_covered_ = covered;
  Wal::Options wo;
  wo.skip_replay = [flushed, covered, mixed](uint64_t segment) {
    return segment > flushed && segment <= covered && !mixed.count(segment);
  };
  wo.dir = dir + "/wal";
  wo.segment_bytes = store->options_.wal_segment_bytes;
  wo.sync = store->options_.sync;
  wo.logger = store->logger_;
  wo.env = store->options_.env;
  Wal::ReplayStats stats;
  Store* s = store.get();
  ASSIGN_OR_RETURN(store->wal_, Wal::Open(
                                    wo, store->flushed_upto_,
                                    [s](uint8_t type, std::string_view payload, uint64_t segment) {
                                      const bool traces =
                                          type == static_cast<uint8_t>(RecordType::kTraces);
                                      if (segment <= s->replay_covered_) {
                                        if (traces) return Status::Ok();
                                      } else {
                                        s->ckpt_bytes_ += payload.size();
                                        if (!traces) s->ckpt_mixed_.insert(segment);
                                      }
                                      return s->Replay(type, payload);
                                    },
                                    &stats));
  store->logger_->info(
      "store {}: replayed {} WAL records ({} bytes) from {} segments ({} more covered by head "
      "checkpoints): {} spans, {} metric series, {} log records{}{}",
      dir, stats.records, stats.bytes, stats.segments, stats.skipped_segments,
      store->traces_.span_count(), store->metrics_.series_count(), store->logs_.record_count(),
      stats.truncated_bytes
          ? fmt::format("; truncated {} bytes of torn tail", stats.truncated_bytes)
          : std::string(),
      stats.aborted_bytes
          ? fmt::format("; {} bytes of failed commits not replayed", stats.aborted_bytes)
          : std::string());
  if (stats.corrupt_regions) {
    store->ReportCorruption("wal_record", stats.corrupt_regions,
                            fmt::format("the write-ahead log had {} damaged stretches ({} bytes) "
                                        "that were skipped at start-up",
                                        stats.corrupt_regions, stats.corrupt_bytes));
  }
  if (stats.unreadable_segments) {
    store->ReportCorruption("wal_segment", stats.unreadable_segments,
                            fmt::format("{} write-ahead log segments could not be read and were "
                                        "set aside as .corrupt",
                                        stats.unreadable_segments));
  }
  store->wal_bytes_ = store->wal_->size_bytes();
  // Replayed heads age and fill like new ones: without a start time they would never be cut, and
  // a WAL replayed above twice head_max would refuse every write for good.
  if (store->traces_.span_count() || store->metrics_.series_count() || store->logs_.record_count())
    store->head_started_ = std::chrono::steady_clock::now();
  store->writer_ = std::thread([s] { s->WriterLoop(); });
  store->flusher_ = std::thread([s] { s->FlusherLoop(); });
  if (store->options_.checkpoint_bytes && store->options_.checkpoint_in_background)
    store->checkpointer_ = std::thread([s] { s->CheckpointerLoop(); });
  if (store->options_.compact_in_background)
    store->compactor_ = std::thread([s] { s->CompactorLoop(); });
  return store;
}

Store::~Store() {
  Close();
  for (const auto& [name, labels] : callbacks_) metrics_sink_->RemoveCallbackGauge(name, labels);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status Store::Replay(uint8_t type, std::string_view payload) {
  // A record that no longer decodes (it passed its checksum, so this means a codec change or a
  // bug) is skipped with an error rather than blocking start-up.
  auto skip = [&](const Status& st) {
    logger_->error("store: skipping an undecodable {} WAL record: {}", type, st.message());
    ReportCorruption("wal_undecodable", 1,
                     "a write-ahead log record did not decode at start-up and was skipped");
    return Status::Ok();
  };
  switch (static_cast<RecordType>(type)) {
    case RecordType::kTraces: {
      if (traces_.ApplyWire(payload)) return Status::Ok();
      Status st = ApplyDecodedTraces(payload);
      return st.ok() ? st : skip(st);
    }
    case RecordType::kMetrics: {
      auto b = otlp::DecodeMetrics(std::string(payload));
      // The refusal names its record by checksum: if that record was lost, it applies to none.
      std::set<Labels> refused;
      if (replay_refused_crc_ && *replay_refused_crc_ == Crc32(0, payload))
        refused = std::move(replay_refused_);
      replay_refused_.clear();
      replay_refused_crc_.reset();
      if (!b.ok()) return skip(b.status());
      ConvertedMetrics converted = metrics_.Convert(*b);
      if (!refused.empty()) {
        std::erase_if(converted.series,
                      [&](const ConvertedSeries& s) { return refused.count(s.labels) > 0; });
      }
      metrics_.Accumulate(converted);
      metrics_.Apply(std::move(converted));
      return Status::Ok();
    }
    case RecordType::kRefusedSeries: {
      replay_refused_.clear();
      replay_refused_crc_.reset();
      IndexReader in(payload);
      std::string_view crc;
      uint64_t n = 0;
      in.Bytes(4, &crc);
      in.Varint(&n);
      for (uint64_t i = 0; in.ok() && i < n; ++i) {
        Labels labels;
        uint64_t k = 0;
        in.Varint(&k);
        for (uint64_t j = 0; in.ok() && j < k; ++j) {
          std::string_view name, value;
          in.String(&name);
          in.String(&value);
          labels.push_back(Label{std::string(name), std::string(value)});
        }
        replay_refused_.insert(std::move(labels));
      }
      if (!in.ok()) {
        replay_refused_.clear();
        return skip(DataLoss("malformed refused-series record"));
      }
      replay_refused_crc_ = LoadLE32(crc.data());
      return Status::Ok();
    }
    case RecordType::kLogs: {
      auto b = otlp::DecodeLogs(std::string(payload));
      if (!b.ok()) return skip(b.status());
      logs_.Apply(std::move(*b));
      return Status::Ok();
    }
  }
  return skip(DataLoss("unknown record type"));
}

// The WAL gets a received request's own bytes (no re-encode, no copy: they live in the batch's
// arenas, which the pending write holds); a batch built or changed in the pipeline is encoded.
void Store::Write(pdata::TraceBatch&& batch, Completion done) {
  Pending p{RecordType::kTraces,
            {},
            batch.wire(),
            {},
            std::move(done),
            {},
            false,
            batch.ItemCount(),
            0,
            {}};
  if (p.wire.empty()) otlp::EncodeTraces(batch, &p.encoded);
  p.data = std::move(batch);
  Enqueue(std::move(p));
}

namespace {

// Decodes an undecoded batch in place (on the caller's thread); the store reads only undecoded
// traces itself.
template <class B>
Status DecodeInPlace(B& batch, StatusOr<B> (*decode)(std::string)) {
  if (!batch.undecoded()) return Status::Ok();
  auto decoded = decode(std::string(batch.wire()));
  if (!decoded.ok()) return decoded.status();
  batch = std::move(*decoded);
  return Status::Ok();
}

}  // namespace

void Store::Write(pdata::MetricBatch&& batch, Completion done) {
  Pending p{RecordType::kMetrics, {}, {}, {}, std::move(done), {}, false, batch.ItemCount(), 0, {}};
  if (Status st = DecodeInPlace(batch, &otlp::DecodeMetrics); !st.ok()) return Refuse(p, st);
  p.items = batch.ItemCount();
  if (batch.wire().empty()) {
    otlp::EncodeMetrics(batch, &p.encoded);
  } else {
    p.encoded.assign(batch.wire());  // the batch itself is not kept: copy its bytes
  }
  p.data = metrics_.Convert(batch);  // on the caller's thread: conversion runs in parallel
  Enqueue(std::move(p));
}

void Store::Write(pdata::LogBatch&& batch, Completion done) {
  Pending p{RecordType::kLogs, {}, {}, {}, std::move(done), {}, false, batch.ItemCount(), 0, {}};
  if (Status st = DecodeInPlace(batch, &otlp::DecodeLogs); !st.ok()) return Refuse(p, st);
  p.items = batch.ItemCount();
  p.wire = batch.wire();
  if (p.wire.empty()) otlp::EncodeLogs(batch, &p.encoded);
  p.data = std::move(batch);
  Enqueue(std::move(p));
}

void Store::Refuse(Pending& p, Status why) {
  refused_->Add(1);
  refused_items_[static_cast<int>(p.type) - 1]->Add(p.items);
  p.done(std::move(why));
}

void Store::Enqueue(Pending&& p) {
  std::unique_lock lock(mu_);
  if (closing_) {
    lock.unlock();
    return Refuse(p, Unavailable("the store is shutting down"));
  }
  // Back-pressure when flushing falls behind: the WAL not yet covered by blocks is what the heads
  // hold in memory, so it is bounded (two heads: the one being flushed and the next).
  if (wal_bytes_ >= 2 * options_.head_max_bytes) {
    lock.unlock();
    return Refuse(
        p, Unavailable("the store is behind writing blocks (" + std::to_string(wal_bytes_ >> 20) +
                       " MiB not yet flushed); retry later"));
  }
  if (queued_bytes_ + p.payload().size() > options_.max_pending_bytes && !queue_.empty()) {
    lock.unlock();
    return Refuse(p,
                  Unavailable("the store's commit queue is full (" +
                              std::to_string(options_.max_pending_bytes) + " bytes); retry later"));
  }
  queued_bytes_ += p.payload().size();
  queue_.push_back(std::move(p));
  lock.unlock();
  cv_.notify_one();
}

Status Store::ApplyToTables(Pending& p) {
  Status answer;
  std::visit(
      [&](auto& data) {
        using T = std::decay_t<decltype(data)>;
        if constexpr (std::is_same_v<T, pdata::TraceBatch>) {
          written_[0]->Add(p.items);
          if (!data.undecoded()) {
            traces_.Apply(data);
          } else if (!traces_.ApplyWire(data.wire())) {
            // The receiver validated it with the same walk: not expected.
            Status st = ApplyDecodedTraces(data.wire());
            if (!st.ok())
              logger_->error("store: a committed traces write did not apply: {}", st.message());
          }
        } else if constexpr (std::is_same_v<T, ConvertedMetrics>) {
          metrics_.Accumulate(data);  // in commit order, as replay does
          // OTLP points, not Prometheus samples: a histogram point is one item here.
          const size_t kept = p.items - std::min(p.items, data.dropped_points);
          const size_t rejected = std::min(kept, p.series_rejected);
          written_[1]->Add(kept - rejected);
          dropped_[1]->Add(rejected);
          answer = ReportDrops(data);
          if (rejected) {  // and max_series refused some of the write's new series
            std::string why(answer.message());
            why += (why.empty() ? "" : "; ") + p.series_message;
            answer = Status::PartialSuccess(answer.rejected_items() + rejected, std::move(why));
          }
          metrics_.Apply(std::move(data));
        } else {
          written_[2]->Add(p.items);
          logs_.Apply(std::move(data));
        }
      },
      p.data);
  return answer;
}

Status Store::ApplyDecodedTraces(std::string_view request) {
  auto b = otlp::DecodeTraces(std::string(request));
  if (!b.ok()) return b.status();
  traces_.Apply(*b);
  return Status::Ok();
}

void Store::ReportCorruption(const char* kind, uint64_t n, const std::string& reason) {
  metrics_sink_
      ->GetCounter(
          "otter_store_corruption_total",
          "Damage found in the store's files: skipped WAL stretches (wal_record), "
          "unreadable WAL segments (wal_segment), undecodable WAL records "
          "(wal_undecodable), blocks set aside (block) or not readable (block_unreadable), a lost "
          "FLUSHED marker (marker), a lost delta accumulator state (delta_state).",
          {{"kind", kind}})
      .Add(n);
  if (n && options_.status) options_.status->ReportDegraded(options_.status_component, reason);
}

Status Store::ReportDrops(const ConvertedMetrics& converted) {
  if (!converted.dropped_points) return Status::Ok();
  dropped_[1]->Add(converted.dropped_points);
  // The reasons name the metrics; the client gets them in partial_success, bounded.
  std::string reasons;
  for (const auto& r : converted.drop_reasons) {
    if (reasons.size() + r.size() > kMaxPartialMessageBytes) {
      reasons += "; ...";
      break;
    }
    reasons += (reasons.empty() ? "" : "; ") + r;
  }
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  int64_t prev = last_drop_log_s_.load();
  if (now - prev >= 10 && last_drop_log_s_.compare_exchange_strong(prev, now))
    logger_->warn("store: dropped {} metric points: {}", converted.dropped_points, reasons);
  return Status::PartialSuccess(converted.dropped_points,
                                "the store cannot keep " +
                                    std::to_string(converted.dropped_points) +
                                    " metric points: " + reasons);
}

void Store::WriterLoop() {
  std::deque<Pending> group;
  while (true) {
    bool cut_requested = false;
    {
      std::unique_lock lock(mu_);
      // Held writes (below) are looked at again soon.
      auto wait = unsealed_.empty()
                      ? std::chrono::milliseconds(1000)
                      : std::max(std::chrono::milliseconds(1), options_.unsealed_wait / 4);
      cv_.wait_for(lock, wait, [&] { return closing_ || flush_requested_ || !queue_.empty(); });
      if (closing_ && queue_.empty()) {
        lock.unlock();
        ResolveUnsealed(/*closing=*/true);
        return;
      }
      group.swap(queue_);
      queued_bytes_ = 0;
      cut_requested = flush_requested_;
      flush_requested_ = false;
    }
    ResolveUnsealed(/*closing=*/false);
    if (!group.empty()) Commit(group);
    group.clear();
    uint64_t flushed;
    {
      std::lock_guard lock(flush_mu_);
      flushed = flushed_upto_;
    }
    if (flushed > wal_removed_upto_) {
      Status st = wal_->RemoveUpTo(flushed);
      if (!st.ok()) logger_->error("store: {}", st.message());
      wal_removed_upto_ = flushed;
      RemoveCheckpointsUpTo(flushed);
    }
    if (cut_requested || ShouldCut()) Cut();
    MaybeCheckpoint();
    wal_bytes_ = wal_->size_bytes();
  }
}

Status Store::RecoverWal() {
  if (!wal_->degraded()) return Status::Ok();
  Status st = wal_->Recover();
  if (options_.status) {
    options_.status->Report(options_.status_component, st);
    options_.status->SetStatus(options_.status_component, st);  // healthcheckv2
  }
  if (st.ok()) {
    logger_->info("store: the write-ahead log recovered; new segment {}", wal_->current_segment());
  }
  return st;
}

void Store::ResolveUnsealed(bool closing) {
  if (unsealed_.empty()) return;
  Status sealed = RecoverWal();
  Status answer;
  if (sealed.ok()) {
    answer = Unavailable("store commit failed: " + unsealed_reason_);
  } else if (closing ||
             std::chrono::steady_clock::now() - unsealed_since_ >= options_.unsealed_wait) {
    // An honest "unknown": DEADLINE_EXCEEDED is retryable, and a retry may store it twice.
    answer = DeadlineExceeded(
        "store commit failed (" + unsealed_reason_ +
        ") and the disk did not let the store mark the write as failed: it may or may not be "
        "stored");
  } else {
    return;
  }
  for (auto& done : unsealed_) done(answer);
  unsealed_.clear();
}

void Store::Commit(std::deque<Pending>& group) {
  // While the log cannot start a clean segment, nothing can be made durable: refuse (retryably).
  if (Status st = RecoverWal(); !st.ok()) {
    for (auto& p : group)
      Refuse(p, Unavailable("the store cannot write its log: " + std::string(st.message())));
    return;
  }
  Status st;
  MetricTable::GroupAdmission admitted;              // new series of this group's writes
  const uint64_t segment = wal_->current_segment();  // the group goes into it
  uint64_t bytes = 0;
  bool mixed = false;
  for (auto& p : group) {
    if (p.type == RecordType::kMetrics) {
      AdmitSeries(p, admitted);
      if (p.refused) continue;
      if (!p.refused_series.empty()) {
        st = wal_->AppendRef(static_cast<uint8_t>(RecordType::kRefusedSeries), p.refused_series);
        if (!st.ok()) break;
      }
    }
    st = wal_->AppendRef(static_cast<uint8_t>(p.type), p.payload());
    if (!st.ok()) break;
    bytes += p.payload().size() + p.refused_series.size();
    mixed |= p.type != RecordType::kTraces;
  }
  if (st.ok()) {
    st = wal_->Sync();
  } else {
    wal_->Discard();  // the whole group fails: none of it may reach the log later
  }
  commits_->Add(1);
  if (!st.ok()) {
    commit_errors_->Add(1);
    logger_->error("store: WAL commit of {} writes failed: {}", group.size(), st.message());
    // Seal the failed group off before refusing it, so that its client's retry can never meet a
    // replayed copy of it.
    Status sealed = RecoverWal();
    if (!sealed.ok()) {
      // Part of the group may be durable and nothing can say otherwise yet: refusing it now could
      // let a replay resurrect it. Hold the answers until a sealed segment exists.
      logger_->error(
          "store: cannot start a new WAL segment after the failure (writes are "
          "refused until it can): {}",
          sealed.message());
      if (unsealed_.empty()) unsealed_since_ = std::chrono::steady_clock::now();
      unsealed_reason_ = std::string(st.message());
      // Their answer will be an error either way: counted refused now (max_series refusals were
      // answered and counted already).
      for (auto& p : group) {
        if (p.refused) continue;
        refused_->Add(1);
        refused_items_[static_cast<int>(p.type) - 1]->Add(p.items);
        unsealed_.push_back(std::move(p.done));
      }
      return;
    }
    for (auto& p : group) {
      if (!p.refused) Refuse(p, Unavailable("store commit failed: " + std::string(st.message())));
    }
    return;
  }
  if (head_started_ == std::chrono::steady_clock::time_point{})
    head_started_ = std::chrono::steady_clock::now();
  ckpt_bytes_ += bytes;
  if (mixed) ckpt_mixed_.insert(segment);
  for (auto& p : group) {
    if (p.refused) continue;
    p.done(ApplyToTables(p));
  }
}

void Store::AdmitSeries(Pending& p, MetricTable::GroupAdmission& group) {
  auto& converted = std::get<ConvertedMetrics>(p.data);
  size_t before = converted.series.size();
  MetricTable::SeriesRefusal refusal = metrics_.AdmitSeries(converted, options_.max_series, group);
  if (refusal.series.empty()) return;
  std::string message = SeriesLimitRefusal(refusal, before - refusal.series.size());
  if (converted.series.empty()) {
    // Nothing of it may be stored: the client must not retry it as it is (Mimir answers 400).
    p.refused = true;
    Refuse(p, InvalidArgument(message));
    return;
  }
  p.series_rejected = refusal.samples;
  p.series_message = std::move(message);
  std::string& out = p.refused_series;
  uint32_t crc = Crc32(0, p.payload());  // names the record it applies to (replay checks it)
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  PutVarint(out, refusal.series.size());
  for (const Labels& labels : refusal.series) {
    PutVarint(out, labels.size());
    for (const auto& l : labels) {
      PutString(out, l.name);
      PutString(out, l.value);
    }
  }
}

std::string Store::SeriesLimitRefusal(const MetricTable::SeriesRefusal& refusal, size_t written) {
  refused_series_->Add(refusal.series.size());
  refused_samples_->Add(refusal.samples);
  std::string message =
      "series limit reached: the store holds max_series (" + std::to_string(options_.max_series) +
      ") metric series; refused " + std::to_string(refusal.series.size()) + " new series (" +
      std::to_string(refusal.samples) + " samples, e.g. " + LabelsToString(refusal.series.front()) +
      ")" + (written ? ", stored the write's " + std::to_string(written) + " other series" : "");
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  if (now - last_refusal_log_s_ >= 10) {
    last_refusal_log_s_ = now;
    logger_->warn("store: {} (raise max_series, or drop high-cardinality labels)", message);
  }
  return message;
}

bool Store::ShouldCut() const {
  {
    std::lock_guard lock(flush_mu_);
    if (flush_job_) return false;  // one flush at a time
  }
  if (head_started_ == std::chrono::steady_clock::time_point{}) return false;  // empty heads
  return wal_->size_bytes() >= options_.head_max_bytes ||
         std::chrono::steady_clock::now() - head_started_ >= options_.block_duration;
}

void Store::Cut() {
  {
    std::lock_guard lock(flush_mu_);
    if (flush_job_) return;
  }
  auto fail = [&](const Status& st) {
    logger_->error("store: cannot start a new WAL segment: {}", st.message());
    std::lock_guard lock(flush_mu_);
    flush_failure_ = st;
    flush_cv_.notify_all();
  };
  if (wal_->degraded()) return fail(Unavailable("the write-ahead log is degraded"));
  auto closed = wal_->Rotate();
  if (!closed.ok()) return fail(closed.status());
  traces_.Freeze();
  metrics_.Freeze();
  logs_.Freeze();
  head_started_ = {};
  ResetCheckpointChain(*closed);
  {
    std::lock_guard lock(flush_mu_);
    flush_job_ = *closed;
  }
  flush_cv_.notify_all();
}

std::string Store::BlockPath(const char* signal, uint64_t segment) const {
  return options_.directory + "/blocks/" + BlockFileName(signal, segment, segment);
}

Status Store::WriteBlocks(uint64_t segment) {
  auto started = std::chrono::steady_clock::now();
  // Empty heads write no block. The trace block, the large one, is written as it is encoded;
  // the others are built in memory first.
  bool written[3] = {traces_.HasFrozenSpans(), false, false};
  if (written[0]) {
    RETURN_IF_ERROR(
        WriteFileAtomic(*options_.env, BlockPath(kSignalNames[0], segment),
                        [&](WritableFile& f) { return traces_.WriteBlock(segment, f); }));
  }
  std::string images[3] = {"", metrics_.BuildBlock(segment), logs_.BuildBlock(segment)};
  auto built = std::chrono::steady_clock::now();
  for (int i = 1; i < 3; ++i) {
    written[i] = !images[i].empty();
    if (written[i])
      RETURN_IF_ERROR(
          WriteFileAtomic(*options_.env, BlockPath(kSignalNames[i], segment), images[i]));
  }
  // The delta accumulator's state as of the cut: Open restores it, then replays what follows.
  RETURN_IF_ERROR(
      WriteFileAtomic(*options_.env, DeltaStatePath(segment), metrics_.FrozenDeltaState()));
  // The flush is complete once FLUSHED names it; before that, Open deletes these blocks and
  // replays the WAL instead.
  RETURN_IF_ERROR(
      WriteFileAtomic(*options_.env, options_.directory + "/FLUSHED", FlushedMarker(segment)));
  uint64_t previous;
  {
    std::lock_guard lock(flush_mu_);
    previous = flushed_upto_;
  }
  if (previous && previous != segment) {
    Status removed = options_.env->RemoveFile(DeltaStatePath(previous));
    if (!removed.ok()) logger_->warn("store: {}", removed.message());
  }
  uint64_t bytes = 0;
  for (int i = 0; i < 3; ++i) {
    if (!written[i]) {
      i == 0 ? traces_.DropFrozen() : i == 1 ? metrics_.DropFrozen() : logs_.DropFrozen();
      continue;
    }
    ASSIGN_OR_RETURN(auto reader, OpenBlock(BlockPath(kSignalNames[i], segment)));
    bytes += reader->file_bytes();
    RETURN_IF_ERROR(i == 0   ? traces_.AddBlock(reader, true)
                    : i == 1 ? metrics_.AddBlock(reader, true)
                             : logs_.AddBlock(reader, true));
  }
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  logger_->info(
      "store: flushed WAL segments up to {} into blocks ({} bytes) in {} ms ({} ms building)",
      segment, bytes, ms(std::chrono::steady_clock::now() - started), ms(built - started));
  return Status::Ok();
}

StatusOr<std::shared_ptr<BlockReader>> Store::OpenBlock(const std::string& path) {
  return BlockReader::Open(path, *options_.env, [this](const std::string& p, const Status& st) {
    std::lock_guard lock(flush_mu_);
    corrupt_blocks_.emplace_back(p, st);
    flush_cv_.notify_all();
  });
}

void Store::SetAside(const std::string& path, const Status& error) {
  BlockName name;
  if (!ParseBlockName(std::filesystem::path(path).filename().string(), &name)) return;
  bool removed = name.signal == "traces"    ? traces_.RemoveBlockOfFile(path)
                 : name.signal == "metrics" ? metrics_.RemoveBlockOfFile(path)
                                            : logs_.RemoveBlockOfFile(path);
  if (!removed) return;  // retention or compaction removed it meanwhile
  logger_->error("store: block {} is corrupt and is set aside as .corrupt; the rest is served: {}",
                 path, error.message());
  Status moved = options_.env->RenameFile(path, path + ".corrupt");
  if (!moved.ok()) logger_->error("store: {}", moved.message());
  ReportCorruption("block", 1,
                   "block " + path + " was found corrupt and is set aside as " + path +
                       ".corrupt (" + std::string(error.message()) + ")");
}

void Store::FlusherLoop() {
  auto last_retention = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string, Status>> corrupt;
  while (true) {
    uint64_t job;
    {
      std::unique_lock lock(flush_mu_);
      flush_cv_.wait_for(lock, std::chrono::seconds(10), [&] {
        return flusher_stop_ || flush_job_ != 0 || !corrupt_blocks_.empty();
      });
      if (flusher_stop_ && flush_job_ == 0) return;
      job = flush_job_;
      corrupt.swap(corrupt_blocks_);
    }
    for (const auto& [path, error] : corrupt) SetAside(path, error);
    corrupt.clear();
    if (job) {
      Status st = WriteBlocks(job);
      if (!st.ok()) {
        flush_errors_->Add(1);
        logger_->error(
            "store: flush of WAL segment {} failed (will retry; the data is safe in "
            "the WAL): {}",
            job, st.message());
        std::unique_lock lock(flush_mu_);
        flush_failure_ = st;
        retry_flush_ = false;
        flush_cv_.notify_all();
        if (flusher_stop_) return;
        flush_cv_.wait_for(lock, std::chrono::seconds(5),
                           [&] { return flusher_stop_ || retry_flush_; });
        continue;
      }
      flushes_->Add(1);
      {
        std::lock_guard lock(flush_mu_);
        flushed_upto_ = job;
        flush_job_ = 0;
      }
      flush_cv_.notify_all();
      cv_.notify_all();  // the writer deletes the covered WAL segments
      {
        std::lock_guard lock(flush_mu_);
        compaction_requested_ = true;
      }
      compact_cv_.notify_all();
    }
    if (job || std::chrono::steady_clock::now() - last_retention >= std::chrono::minutes(1)) {
      EnforceRetention();
      last_retention = std::chrono::steady_clock::now();
    }
  }
}

void Store::CompactorLoop() {
  // Compaction is background work: it yields the CPU to ingest and queries.
  setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  while (true) {
    {
      std::unique_lock lock(flush_mu_);
      compact_cv_.wait_for(lock, std::chrono::seconds(30),
                           [&] { return flusher_stop_ || compaction_requested_; });
      if (flusher_stop_) return;
      compaction_requested_ = false;
    }
    while (CompactOnce()) {
      std::lock_guard lock(flush_mu_);
      if (flusher_stop_) return;
    }
  }
}

bool Store::CompactOnce(bool eager) {
  bool any = false;
  any |= CompactSignal("traces", compactions_[0], [&](const BlockWrite& write) {
    return traces_.CompactOnce(options_.compaction_max_bytes, write, &stopping_, eager);
  });
  any |= CompactSignal("logs", compactions_[1], [&](const BlockWrite& write) {
    return logs_.CompactOnce(options_.compaction_max_bytes, write, &stopping_, eager);
  });
  any |= CompactSignal("metrics", compactions_[2], [&](const BlockWrite& write) {
    return metrics_.CompactOnce(options_.compaction_max_bytes, write, &stopping_, eager);
  });
  return any;
}

template <class Step>
bool Store::CompactSignal(const char* signal, telemetry::Counter* counter, Step&& step) {
  BlockWrite write = [&](const BlockFill& fill, uint64_t first,
                         uint64_t last) -> StatusOr<std::shared_ptr<BlockReader>> {
    std::string path = options_.directory + "/blocks/" + BlockFileName(signal, last, first);
    RETURN_IF_ERROR(WriteFileAtomic(
        *options_.env, path, [&](WritableFile& file) { return fill(file.fd(), file.path()); }));
    return OpenBlock(path);
  };
  auto started = std::chrono::steady_clock::now();
  StatusOr<std::vector<std::string>> replaced = step(write);
  if (!replaced.ok()) {
    if (replaced.status().code() == StatusCode::kAborted) {
      // Cancelled, or retention removed an input meanwhile: the merged block (named in the
      // status, if it was written) goes.
      if (!replaced.status().message().empty())
        RemoveBlockFile(std::string(replaced.status().message()));
    } else {
      compaction_errors_->Add(1);
      logger_->error("store: compaction of {} blocks failed (retried later): {}", signal,
                     replaced.status().message());
    }
    return false;
  }
  if (replaced->empty()) return false;
  // The merged block supersedes its inputs (LoadBlocks deletes any left by a crash here).
  for (const auto& p : *replaced) RemoveBlockFile(p);
  counter->Add(1);
  logger_->info("store: compacted {} {} blocks in {} ms", replaced->size(), signal,
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count());
  return true;
}

Status Store::CompactForTesting(bool eager) {
  while (CompactOnce(eager)) {
  }
  return Status::Ok();
}

void Store::EnforceRetentionForTesting() { EnforceRetention(); }

void Store::EnforceRetention() {
  // The flusher runs it, and tests may too: one at a time.
  std::lock_guard retention_lock(retention_mu_);
  std::vector<std::string> doomed;
  if (options_.retention.count() > 0) {
    auto cutoff = options_.now() - options_.retention;
    int64_t cutoff_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(cutoff.time_since_epoch()).count();
    for (auto& p : traces_.RemoveBlocksBefore(static_cast<uint64_t>(cutoff_ns)))
      doomed.push_back(p);
    for (auto& p : logs_.RemoveBlocksBefore(cutoff_ns)) doomed.push_back(p);
    for (auto& p : metrics_.RemoveBlocksBefore(cutoff_ns / 1'000'000)) doomed.push_back(p);
  }
  if (options_.max_disk_bytes) {
    // The WAL's share is reserved whatever it holds now (docs/storage.md, "Retention"): blocks
    // are not deleted because the log is momentarily full.
    uint64_t limit = Budget(options_).BlockBytes(options_.max_disk_bytes, wal_bytes_);
    while (true) {
      uint64_t t = traces_.block_bytes(), m = metrics_.block_bytes(), l = logs_.block_bytes();
      if (t + m + l <= limit) break;
      // Take from the signal using the most space.
      std::vector<std::string> removed = t >= m && t >= l ? traces_.RemoveOldestBlock()
                                         : m >= l         ? metrics_.RemoveOldestBlock()
                                                          : logs_.RemoveOldestBlock();
      if (removed.empty()) break;
      doomed.insert(doomed.end(), removed.begin(), removed.end());
    }
  }
  for (const auto& p : doomed) {
    RemoveBlockFile(p);
    retention_deleted_->Add(1);
    logger_->info("store: retention deleted {}", p);
  }
}

void Store::RemoveBlockFile(const std::string& path) {
  // A file left behind is only disk space: LoadBlocks removes superseded and unfinished blocks,
  // and an orphan of retention ages out again at the next start.
  Status st = options_.env->RemoveFile(path);
  if (!st.ok()) logger_->error("store: {}", st.message());
}

Status Store::FlushForTesting() {
  uint64_t before;
  {
    std::lock_guard lock(flush_mu_);
    before = flushed_upto_;
    flush_failure_ = Status::Ok();
    retry_flush_ = true;  // a failed flush is retried now rather than after its pause
  }
  flush_cv_.notify_all();
  {
    std::lock_guard lock(mu_);
    flush_requested_ = true;
  }
  cv_.notify_all();
  std::unique_lock lock(flush_mu_);
  if (!flush_cv_.wait_for(lock, std::chrono::seconds(60), [&] {
        return (flushed_upto_ > before && flush_job_ == 0) || !flush_failure_.ok();
      })) {
    return DeadlineExceeded("flush did not finish within 60s");
  }
  return flush_failure_;
}

Status Store::LoadBlocks() {
  namespace fs = std::filesystem;
  std::string bdir = options_.directory + "/blocks";
  RETURN_IF_ERROR(options_.env->CreateDirs(bdir));
  const std::string marker_path = options_.directory + "/FLUSHED";
  uint64_t flushed = 0;
  bool marker_ok = false;
  std::string marker_problem;  // set when FLUSHED is there but cannot be used
  auto marker = options_.env->ReadFile(marker_path);
  if (marker.ok()) {
    marker_ok = ParseFlushedMarker(*marker, &flushed);
    if (!marker_ok) marker_problem = "is malformed or damaged";
  } else if (fs::exists(marker_path)) {
    marker_problem = "cannot be read (" + std::string(marker.status().message()) + ")";
  }
  // (last segment, signal, first segment, path), opened in segment order.
  std::vector<std::tuple<uint64_t, int, uint64_t, std::string>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(bdir, ec)) {
    std::string name = e.path().filename().string();
    if (name.ends_with(".tmp")) {
      RemoveBlockFile(e.path().string());
      continue;
    }
    BlockName parsed;
    if (!ParseBlockName(name, &parsed)) continue;
    for (int i = 0; i < 3; ++i) {
      if (parsed.signal == kSignalNames[i])
        found.emplace_back(parsed.last_segment, i, parsed.first_segment, e.path().string());
    }
  }
  if (ec) return Unavailable("list " + bdir + ": " + ec.message());
  std::sort(found.begin(), found.end());
  if (!marker_ok && !found.empty()) {
    // Without the commit point, the WAL tells it: segments up to the flushed one are deleted
    // only after FLUSHED names it, so everything below the oldest segment left is in blocks.
    auto wal = ListWalSegments(options_.directory + "/wal");
    flushed = !wal.ok() || wal->empty() ? std::get<0>(found.back())
              : wal->front() > 0        ? wal->front() - 1
                                        : 0;
    if (!marker_problem.empty() || flushed > 0) {
      std::string why = marker_problem.empty() ? "is missing" : marker_problem;
      ReportCorruption(
          "marker", 1,
          marker_path + " " + why + "; rebuilt from the WAL as " + std::to_string(flushed));
      logger_->error("store: {} {}; the last flushed WAL segment is taken to be {}", marker_path,
                     why, flushed);
      Status st = WriteFileAtomic(*options_.env, marker_path, FlushedMarker(flushed));
      if (!st.ok()) logger_->error("store: {}", st.message());
    }
  }
  // A compacted block supersedes the blocks whose segments it covers: a crash after writing it
  // may have left some of them behind.
  std::vector<bool> superseded(found.size());
  for (size_t i = 0; i < found.size(); ++i) {
    const auto& [last, signal, first, path] = found[i];
    for (const auto& [c_last, c_signal, c_first, c_path] : found) {
      bool inside = c_signal == signal && c_first <= first && last <= c_last;
      if (inside && (c_first != first || c_last != last)) {
        logger_->info("store: removing {}, which compacted block {} replaced", path, c_path);
        RemoveBlockFile(path);
        superseded[i] = true;
        break;
      }
    }
  }
  for (size_t i = 0; i < found.size(); ++i) {
    if (superseded[i]) continue;
    const auto& [seg, signal, first, path] = found[i];
    if (seg > flushed) {
      logger_->warn(
          "store: removing {} from a flush that did not finish (its data is replayed "
          "from the WAL)",
          path);
      RemoveBlockFile(path);
      continue;
    }
    auto reader = OpenBlock(path);
    for (int attempt = 1;
         !reader.ok() && reader.status().code() != StatusCode::kDataLoss && attempt < 3;
         ++attempt) {
      reader = OpenBlock(path);
    }
    Status st = reader.status();
    if (reader.ok()) {
      st = signal == 0   ? traces_.AddBlock(*reader, false)
           : signal == 1 ? metrics_.AddBlock(*reader, false)
                         : logs_.AddBlock(*reader, false);
    }
    if (st.ok()) continue;
    if (st.code() != StatusCode::kDataLoss) {
      // An I/O error is not damage: the file stays for the next start to read.
      logger_->error(
          "store: block {} cannot be read ({}); it is not served until a restart "
          "reads it",
          path, st.message());
      ReportCorruption("block_unreadable", 1,
                       "block " + path + " could not be read (" + std::string(st.message()) +
                           ") and is not served");
      continue;
    }
    logger_->error("store: block {} is corrupt and is set aside as .corrupt: {}", path,
                   st.message());
    Status moved = options_.env->RenameFile(path, path + ".corrupt");
    if (!moved.ok()) logger_->error("store: {}", moved.message());
    ReportCorruption("block", 1,
                     "block " + path + " was corrupt and is set aside as " + path + ".corrupt (" +
                         std::string(st.message()) + ")");
  }
  flushed_upto_ = flushed;
  wal_removed_upto_ = flushed;
  return Status::Ok();
}

std::string Store::DeltaStatePath(uint64_t segment) const {
  return fmt::format("{}/DELTA-{:020}", options_.directory, segment);
}

void Store::LoadDeltaState() {
  namespace fs = std::filesystem;
  const std::string keep = DeltaStatePath(flushed_upto_);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(options_.directory, ec)) {
    std::string path = e.path().string();
    if (e.path().filename().string().starts_with("DELTA-") && path != keep) {
      Status st = options_.env->RemoveFile(path);
      if (!st.ok()) logger_->warn("store: {}", st.message());
    }
  }
  if (flushed_upto_ == 0) return;  // nothing flushed yet: the WAL holds every delta point
  auto image = options_.env->ReadFile(keep);
  if (!image.ok() && !fs::exists(keep, ec)) {
    // A store written before delta metrics were kept has none, and nothing to restore.
    logger_->info("store: no delta metric state {}; delta streams start empty", keep);
    return;
  }
  Status st = image.ok() ? metrics_.RestoreDeltaState(*image) : image.status();
  if (st.ok()) return;
  // The streams start over: the next point of each is taken as its first (Prometheus sees a
  // counter reset), which loses no increase but the one of the lost state's last interval.
  logger_->error("store: delta metric state {} is damaged ({}); delta streams restart", keep,
                 st.message());
  ReportCorruption("delta_state", 1,
                   "the delta metric state " + keep + " could not be read (" +
                       std::string(st.message()) + "); delta series restart from 0");
}

void Store::Close() {
  {
    std::lock_guard lock(mu_);
    if (closing_) return;
    closing_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  stopping_ = true;  // a running compaction gives up
  {
    std::lock_guard lock(flush_mu_);
    flusher_stop_ = true;
  }
  flush_cv_.notify_all();
  compact_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  if (compactor_.joinable()) compactor_.join();
  {
    std::lock_guard lock(ckpt_mu_);
    ckpt_stop_ = true;
  }
  ckpt_cv_.notify_all();
  if (checkpointer_.joinable()) checkpointer_.join();
  wal_.reset();
}

}  // namespace otter::store
