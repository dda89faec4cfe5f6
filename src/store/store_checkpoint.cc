// The store's head checkpoint (docs/storage.md, "Head checkpoint"): after every checkpoint_bytes
// of WAL the writer thread rotates the log and copies the trace head's rows added since the last
// checkpoint into a file covering the WAL up to the closed segment; a background thread writes it
// atomically. Open loads the chain of such files that continues the last flush and replays only
// what they do not cover. The WAL stays the source of truth: a missing, damaged or stale
// checkpoint only means more replay.
#include <charconv>
#include <filesystem>
#include <future>

#include "common/heap_trim.h"
#include "store/file_util.h"
#include "store/store.h"

namespace otter::store {

namespace {

constexpr uint8_t kHeaderRecord = 1, kEndRecord = 13;
constexpr std::string_view kMagic = "OTCKPT01";

void PutMark(std::string& out, const RowsMark& m) {
  for (uint64_t v : {m.spans, m.attrs, m.events, m.links, m.resources, m.scopes, m.strings})
    PutVarint(out, v);
}

bool ReadMark(IndexReader& in, RowsMark* m) {
  for (uint64_t* v :
       {&m->spans, &m->attrs, &m->events, &m->links, &m->resources, &m->scopes, &m->strings})
    in.Varint(v);
  return in.ok();
}

std::string FileName(uint64_t segment) { return fmt::format("traces-{:020}.ckpt", segment); }

bool ParseFileName(std::string_view name, uint64_t* segment) {
  if (name.size() != 32 || !name.starts_with("traces-") || !name.ends_with(".ckpt")) return false;
  auto digits = name.substr(7, 20);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *segment);
  return ec == std::errc() && p == digits.data() + digits.size();
}

// A checkpoint file read and its framing checked (on a helper thread, while the previous file is
// applied).
struct ReadImage {
  StatusOr<std::string> image = std::string();
  std::vector<std::pair<uint8_t, std::string_view>> records;  // into image
};

std::unique_ptr<ReadImage> Read(Env& env, const std::string& path) {
  auto r = std::make_unique<ReadImage>();
  r->image = env.ReadFile(path);
  for (size_t pos = 0; r->image.ok() && pos < r->image->size();) {
    uint8_t type;
    std::string_view payload;
    if (!ParseFramedRecord(*r->image, pos, &type, &payload)) break;
    r->records.emplace_back(type, payload);
    pos += Wal::kHeaderSize + payload.size();
  }
  return r;
}

struct Header {
  uint64_t prev = 0, segment = 0;
  RowsMark base;
  std::vector<uint64_t> mixed;
};

}  // namespace

std::string Store::CheckpointDir() const { return options_.directory + "/checkpoint"; }

uint64_t Store::LoadCheckpoints(std::set<uint64_t>* mixed) {
  namespace fs = std::filesystem;
  const std::string dir = CheckpointDir();
  ckpt_segment_ = flushed_upto_;
  if (Status st = options_.env->CreateDirs(dir); !st.ok()) {
    logger_->warn("store: {}", st.message());
    return flushed_upto_;
  }
  std::vector<std::pair<uint64_t, std::string>> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    uint64_t segment;
    if (ParseFileName(name, &segment)) {
      files.emplace_back(segment, e.path().string());
    } else if (name.ends_with(".tmp")) {
      (void)options_.env->RemoveFile(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  uint64_t at = flushed_upto_;
  RowsMark mark;
  size_t loaded = 0;
  bool chain = true;
  auto damaged = [&](const std::string& path, std::string_view why) {
    logger_->error("store: head checkpoint {} is damaged ({}); the WAL is replayed instead", path,
                   why);
    ReportCorruption("checkpoint", 1,
                     "head checkpoint " + path + " was damaged (" + std::string(why) +
                         "); its data was replayed from the WAL");
  };
  std::future<std::unique_ptr<ReadImage>> next;
  auto prefetch = [&](size_t i) {
    while (i < files.size() && files[i].first <= at) ++i;
    if (i < files.size()) {
      next = std::async(std::launch::async, Read, std::ref(*options_.env), files[i].second);
    }
  };
  prefetch(0);
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& [segment, path] = files[i];
    if (!chain || segment <= at) {
      (void)options_.env->RemoveFile(path);  // covered by blocks, or not part of the chain
      continue;
    }
    std::unique_ptr<ReadImage> read = next.get();
    prefetch(i + 1);
    const auto& image = read->image;
    const auto& records = read->records;
    Header h;
    RowsMark end;
    bool framed = image.ok() && records.size() >= 2 && records.front().first == kHeaderRecord &&
                  records.back().first == kEndRecord;
    if (framed) {
      IndexReader in(records.front().second);
      std::string_view magic;
      uint64_t n = 0;
      in.Bytes(kMagic.size(), &magic);
      in.Varint(&h.prev);
      in.Varint(&h.segment);
      ReadMark(in, &h.base);
      in.Varint(&n);
      for (uint64_t i = 0; in.ok() && i < n; ++i) in.Varint(&h.mixed.emplace_back());
      IndexReader tail(records.back().second);
      framed = in.ok() && magic == kMagic && h.segment == segment && ReadMark(tail, &end);
    }
    if (!framed) {
      damaged(path, image.ok() ? "bad framing" : image.status().message());
      chain = false;
      (void)options_.env->RemoveFile(path);
      continue;
    }
    if (h.prev != at || !(h.base == mark)) {
      // From a later head (a flush that did not finish), or after a lost link: not ours.
      chain = false;
      (void)options_.env->RemoveFile(path);
      continue;
    }
    Status st;
    for (size_t i = 1; st.ok() && i + 1 < records.size(); ++i)
      st = traces_.LoadCheckpointRecord(records[i].first, records[i].second);
    if (st.ok()) st = traces_.IndexLoaded(mark);
    if (st.ok() && !(traces_.HeadMark() == end)) st = DataLoss("its rows do not add up");
    if (!st.ok()) {
      // Rows of it may be in the head already: start over from the WAL alone.
      damaged(path, st.message());
      traces_.ResetActive();
      at = flushed_upto_;
      mark = {};
      mixed->clear();
      chain = false;
      (void)options_.env->RemoveFile(path);
      continue;
    }
    at = segment;
    mark = end;
    mixed->insert(h.mixed.begin(), h.mixed.end());
    ++loaded;
  }
  if (ec) logger_->warn("store: list {}: {}", dir, ec.message());
  if (loaded) {
    // The files' buffers were freed as they were applied; the allocator would keep them.
    TrimHeap();
    logger_->info("store: loaded {} head checkpoints: {} spans, WAL segments up to {}", loaded,
                  mark.spans, at);
  }
  ckpt_segment_ = at;
  ckpt_mark_ = mark;
  return at;
}

void Store::ResetCheckpointChain(uint64_t segment) {
  ckpt_segment_ = segment;
  ckpt_mark_ = {};
  ckpt_mixed_.clear();
  ckpt_bytes_ = 0;
  ckpt_broken_ = false;
  std::lock_guard lock(ckpt_mu_);
  ckpt_failed_ = false;
}

void Store::MaybeCheckpoint() {
  if (!options_.checkpoint_bytes || ckpt_bytes_ < options_.checkpoint_bytes || ckpt_broken_) return;
  {
    std::lock_guard lock(ckpt_mu_);
    if (ckpt_failed_) {
      // A link of this head's chain is missing: later files could not be used.
      ckpt_broken_ = true;
      return;
    }
    if (ckpt_busy_) return;  // the next one covers more
  }
  if (wal_->degraded()) return;
  if (traces_.HeadMark() == ckpt_mark_) {
    ckpt_bytes_ = 0;  // no new spans: nothing to save
    return;
  }
  // Every committed write is applied, so the closed segments hold exactly what the head holds.
  auto closed = wal_->Rotate();
  if (!closed.ok()) {
    logger_->warn("store: no head checkpoint: cannot start a new WAL segment: {}",
                  closed.status().message());
    ckpt_bytes_ = 0;
    return;
  }
  std::string header(kMagic);
  PutVarint(header, ckpt_segment_);
  PutVarint(header, *closed);
  PutMark(header, ckpt_mark_);
  PutVarint(header, ckpt_mixed_.size());
  for (uint64_t s : ckpt_mixed_) PutVarint(header, s);
  std::string image;
  AppendFramedRecord(&image, kHeaderRecord, header);
  traces_.AppendCheckpoint(&ckpt_mark_, &image);
  std::string end;
  PutMark(end, ckpt_mark_);
  AppendFramedRecord(&image, kEndRecord, end);
  ckpt_segment_ = *closed;
  ckpt_mixed_.clear();
  ckpt_bytes_ = 0;
  std::string path = CheckpointDir() + "/" + FileName(*closed);
  if (options_.checkpoint_in_background) {
    {
      std::lock_guard lock(ckpt_mu_);
      ckpt_path_ = std::move(path);
      ckpt_image_ = std::move(image);
      ckpt_busy_ = true;
    }
    ckpt_cv_.notify_all();
    return;
  }
  Status st = WriteFileAtomic(*options_.env, path, image);
  if (st.ok()) {
    checkpoints_->Add(1);
  } else {
    checkpoint_errors_->Add(1);
    logger_->error("store: head checkpoint {} failed (start-up replays the WAL instead): {}", path,
                   st.message());
    ckpt_broken_ = true;
  }
}

void Store::CheckpointerLoop() {
  std::unique_lock lock(ckpt_mu_);
  while (true) {
    ckpt_cv_.wait(lock, [&] { return ckpt_stop_ || ckpt_busy_; });
    if (!ckpt_busy_) return;  // stopping, and nothing left to write
    std::string path = std::move(ckpt_path_), image = std::move(ckpt_image_);
    lock.unlock();
    auto started = std::chrono::steady_clock::now();
    Status st = WriteFileAtomic(*options_.env, path, image);
    if (st.ok()) {
      checkpoints_->Add(1);
      logger_->debug("store: head checkpoint {} ({} bytes) written in {} ms", path, image.size(),
                     std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count());
    } else {
      checkpoint_errors_->Add(1);
      logger_->error("store: head checkpoint {} failed (start-up replays the WAL instead): {}",
                     path, st.message());
    }
    image = std::string();
    lock.lock();
    ckpt_busy_ = false;
    if (!st.ok()) ckpt_failed_ = true;
  }
}

void Store::RemoveCheckpointsUpTo(uint64_t segment) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(CheckpointDir(), ec)) {
    uint64_t n;
    if (ParseFileName(e.path().filename().string(), &n) && n <= segment) {
      Status st = options_.env->RemoveFile(e.path().string());
      if (!st.ok()) logger_->warn("store: {}", st.message());
    }
  }
}

}  // namespace otter::store
