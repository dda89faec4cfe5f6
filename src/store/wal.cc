#include "store/wal.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "store/crc32.h"
#include "store/file_util.h"

namespace otter::store {

namespace fs = std::filesystem;

namespace {

// Segment header (format 2): magic, the previous segment's number and the length of its good
// part (its seal), and a CRC of the three. Segments of format 1 have no header.
constexpr std::string_view kSegmentMagic = "OTWAL002";
// Record magic (format 2): lets replay find the next record after a damaged one.
constexpr uint32_t kRecordMagic = 0x57a7c0deu;
constexpr size_t kV1HeaderSize = 9;  // u32 length, u32 crc, u8 type

uint32_t RecordCrc(const char* length_le, uint8_t type, std::string_view payload) {
  char t = static_cast<char>(type);
  return Crc32(Crc32(Crc32(0, {length_le, 4}), {&t, 1}), payload);
}

uint32_t V1RecordCrc(uint8_t type, std::string_view payload) {
  char t = static_cast<char>(type);
  return Crc32(Crc32(0, {&t, 1}), payload);
}

bool ParseSegmentName(const std::string& name, uint64_t* n) {
  if (name.size() != 20 || name.substr(16) != ".wal") return false;
  uint64_t v = 0;
  for (size_t i = 0; i < 16; ++i) {
    char c = name[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *n = v;
  return true;
}

struct SegmentHeader {
  uint64_t prev = 0;      // 0: none
  uint64_t prev_end = 0;  // bytes of segment `prev` that hold its committed records
};

std::string EncodeSegmentHeader(const SegmentHeader& h) {
  std::string out(Wal::kSegmentHeaderSize, '\0');
  std::memcpy(out.data(), kSegmentMagic.data(), 8);
  StoreLE64(out.data() + 8, h.prev);
  StoreLE64(out.data() + 16, h.prev_end);
  StoreLE32(out.data() + 24, Crc32(0, std::string_view(out.data(), 24)));
  return out;
}

enum class HeaderKind { kV1, kTorn, kDamaged, kValid };

HeaderKind ParseSegmentHeader(std::string_view data, SegmentHeader* h) {
  size_t n = std::min(data.size(), kSegmentMagic.size());
  if (data.substr(0, n) != kSegmentMagic.substr(0, n)) return HeaderKind::kV1;
  if (data.size() < Wal::kSegmentHeaderSize) return HeaderKind::kTorn;
  if (Crc32(0, data.substr(0, 24)) != LoadLE32(data.data() + 24)) return HeaderKind::kDamaged;
  h->prev = LoadLE64(data.data() + 8);
  h->prev_end = LoadLE64(data.data() + 16);
  return HeaderKind::kValid;
}

// The record at `pos` if it is intact and ends by `end`.
bool ParseRecord(std::string_view data, size_t pos, size_t end, uint8_t* type,
                 std::string_view* payload) {
  if (end - pos < Wal::kHeaderSize) return false;
  const char* p = data.data() + pos;
  if (LoadLE32(p) != kRecordMagic) return false;
  uint32_t len = LoadLE32(p + 4);
  if (len > Wal::kMaxRecord || end - pos - Wal::kHeaderSize < len) return false;
  *type = static_cast<uint8_t>(p[12]);
  *payload = data.substr(pos + Wal::kHeaderSize, len);
  return RecordCrc(p + 4, *type, *payload) == LoadLE32(p + 8);
}

// The first offset after `pos` where an intact record starts, or `end`.
size_t Resync(std::string_view data, size_t pos, size_t end) {
  char magic[4];
  StoreLE32(magic, kRecordMagic);
  std::string_view window = data.substr(0, end);
  for (size_t at = window.find(std::string_view(magic, 4), pos + 1); at != std::string_view::npos;
       at = window.find(std::string_view(magic, 4), at + 1)) {
    uint8_t type;
    std::string_view payload;
    if (ParseRecord(data, at, end, &type, &payload)) return at;
  }
  return end;
}

}  // namespace

void AppendFramedRecord(std::string* out, uint8_t type, std::string_view payload) {
  char header[Wal::kHeaderSize];
  StoreLE32(header, kRecordMagic);
  StoreLE32(header + 4, static_cast<uint32_t>(payload.size()));
  StoreLE32(header + 8, RecordCrc(header + 4, type, payload));
  header[12] = static_cast<char>(type);
  out->append(header, Wal::kHeaderSize);
  out->append(payload);
}

bool ParseFramedRecord(std::string_view data, size_t pos, uint8_t* type,
                       std::string_view* payload) {
  return pos <= data.size() && ParseRecord(data, pos, data.size(), type, payload);
}

StatusOr<std::vector<uint64_t>> ListWalSegments(const std::string& dir) {
  std::vector<uint64_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    uint64_t n;
    if (ParseSegmentName(e.path().filename().string(), &n)) out.push_back(n);
  }
  if (ec) return Internal("list " + dir + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

std::string Wal::SegmentPath(uint64_t n) const {
  char name[32];
  std::snprintf(name, sizeof name, "%016llu.wal", static_cast<unsigned long long>(n));
  return options_.dir + "/" + name;
}

StatusOr<std::unique_ptr<Wal>> Wal::Open(Options options, uint64_t replay_after, const ReplayFn& fn,
                                         ReplayStats* stats) {
  std::unique_ptr<Wal> wal(new Wal());
  wal->options_ = std::move(options);
  Env& env = *wal->options_.env;
  RETURN_IF_ERROR(env.CreateDirs(wal->options_.dir));
  ASSIGN_OR_RETURN(std::vector<uint64_t> segments, ListWalSegments(wal->options_.dir));
  ReplayStats st;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i] <= replay_after) {
      // Covered by a block; a crash between writing the block and deleting the log left it.
      (void)env.RemoveFile(wal->SegmentPath(segments[i]));
      continue;
    }
    if (i + 1 < segments.size() && wal->options_.skip_replay &&
        wal->options_.skip_replay(segments[i])) {
      std::error_code ec;
      uint64_t size = fs::file_size(wal->SegmentPath(segments[i]), ec);
      wal->live_.push_back(segments[i]);
      wal->total_bytes_ += ec ? 0 : size;
      ++st.skipped_segments;
      continue;
    }
    RETURN_IF_ERROR(wal->ReplaySegment(i, segments, fn, &st));
  }
  if (stats) *stats = st;
  // The new segment's header seals the last one at its good size.
  uint64_t last = std::max<uint64_t>(replay_after, segments.empty() ? 0 : segments.back());
  if (!wal->live_.empty()) wal->segment_ = wal->live_.back();
  if (Status s = wal->OpenSegment(last + 1); !s.ok()) {
    // E.g. a full disk: start degraded (refusing writes) rather than not at all; the replayed
    // data is served, and the first write that finds space starts the segment.
    wal->options_.logger->error(
        "WAL: cannot start a new segment ({}); writes are refused until "
        "it can",
        s.message());
    wal->degraded_ = true;
    wal->degraded_reason_ = std::string(s.message());
  }
  return wal;
}

Status Wal::ReplaySegment(size_t index, const std::vector<uint64_t>& segments, const ReplayFn& fn,
                          ReplayStats* st) {
  Env& env = *options_.env;
  auto& log = *options_.logger;
  uint64_t n = segments[index];
  std::string path = SegmentPath(n);
  StatusOr<std::string> read = env.ReadFile(path);
  for (int attempt = 1; !read.ok() && attempt < 3; ++attempt) read = env.ReadFile(path);
  if (!read.ok()) {
    // Its records cannot be replayed; keep the file for inspection, out of the log's way.
    log.error("WAL segment {} cannot be read and is set aside as .corrupt: {}", path,
              read.status().message());
    ++st->unreadable_segments;
    (void)env.RenameFile(path, path + ".corrupt");
    return Status::Ok();
  }
  std::string_view data = *read;
  size_t end = data.size();
  bool sealed = false;
  // The next segment's header says where this one's committed records end.
  if (index + 1 < segments.size() && segments[index + 1] == n + 1) {
    auto head = env.ReadPrefix(SegmentPath(n + 1), kSegmentHeaderSize);
    SegmentHeader h;
    if (head.ok() && ParseSegmentHeader(*head, &h) == HeaderKind::kValid && h.prev == n) {
      sealed = true;
      if (h.prev_end > data.size()) {
        log.error("WAL segment {} is {} bytes shorter than its seal: committed records are lost",
                  path, h.prev_end - data.size());
        ++st->corrupt_regions;
      } else if (h.prev_end < data.size()) {
        st->aborted_bytes += data.size() - h.prev_end;
        log.warn(
            "WAL segment {}: {} bytes after offset {} are groups whose commit failed; "
            "they are not replayed",
            path, data.size() - h.prev_end, h.prev_end);
        end = h.prev_end;
      }
    }
  }
  size_t pos = 0;
  size_t keep = end;  // the file is cut back to this size
  SegmentHeader own;
  HeaderKind kind = ParseSegmentHeader(data, &own);
  if (kind == HeaderKind::kV1) {
    // Format 1: no magic to resynchronise on; the first bad record ends the segment.
    while (pos < end) {
      if (end - pos < kV1HeaderSize) break;
      uint32_t len = LoadLE32(data.data() + pos);
      auto type = static_cast<uint8_t>(data[pos + 8]);
      if (len > kMaxRecord || end - pos - kV1HeaderSize < len) break;
      std::string_view payload = data.substr(pos + kV1HeaderSize, len);
      if (V1RecordCrc(type, payload) != LoadLE32(data.data() + pos + 4)) break;
      RETURN_IF_ERROR(fn(type, payload, n));
      ++st->records;
      st->bytes += len;
      pos += kV1HeaderSize + len;
    }
  } else if (kind == HeaderKind::kTorn) {
    pos = end;
    keep = 0;  // a segment whose creation never completed: nothing in it was acknowledged
    st->truncated_bytes += end;
  } else {
    if (kind == HeaderKind::kDamaged) {
      log.error("WAL segment {}: its header is damaged; replaying the records after it", path);
      ++st->corrupt_regions;
      st->corrupt_bytes += kSegmentHeaderSize;
    }
    pos = std::min(end, kSegmentHeaderSize);
    while (pos < end) {
      uint8_t type;
      std::string_view payload;
      if (ParseRecord(data, pos, end, &type, &payload)) {
        RETURN_IF_ERROR(fn(type, payload, n));
        ++st->records;
        st->bytes += payload.size();
        pos += kHeaderSize + payload.size();
        continue;
      }
      size_t next = Resync(data, pos, end);
      if (next == end) break;
      log.error("WAL segment {}: {} damaged bytes at offset {} skipped; replay continues at {}",
                path, next - pos, pos, next);
      ++st->corrupt_regions;
      st->corrupt_bytes += next - pos;
      pos = next;
    }
  }
  if (pos < end && kind != HeaderKind::kTorn) {
    // Nothing intact follows: an append that never completed (a crash mid-write). Inside a
    // sealed segment those bytes were committed, so that is damage, not a torn append.
    uint64_t cut = end - pos;
    if (sealed) {
      ++st->corrupt_regions;
      st->corrupt_bytes += cut;
    } else {
      st->truncated_bytes += cut;
    }
    log.warn("WAL segment {}: {} at offset {}; truncating {} bytes", path,
             sealed ? "damaged committed records" : "a torn append (never acknowledged)", pos, cut);
    keep = pos;
  }
  if (keep < data.size()) {
    Status cut = env.TruncateFile(path, keep);
    if (!cut.ok()) log.error("WAL segment {}: {}", path, cut.message());
  }
  ++st->segments;
  live_.push_back(n);
  total_bytes_ += keep;
  segment_size_ = keep;
  return Status::Ok();
}

Wal::~Wal() {
  if (file_ && !degraded_) (void)Sync();
}

Status Wal::OpenSegment(uint64_t n) {
  std::string path = SegmentPath(n);
  ASSIGN_OR_RETURN(auto file, options_.env->OpenForAppend(path, /*truncate=*/true));
  std::string header = EncodeSegmentHeader({segment_, segment_ ? segment_size_ : 0});
  std::string_view piece = header;
  RETURN_IF_ERROR(file->Append({&piece, 1}));
  if (options_.sync) RETURN_IF_ERROR(file->Sync());
  // The new file's directory entry must survive a crash too.
  RETURN_IF_ERROR(options_.env->SyncDir(options_.dir));
  file_ = std::move(file);
  segment_ = n;
  segment_size_ = header.size();
  total_bytes_ += header.size();
  live_.push_back(n);
  return Status::Ok();
}

Status Wal::Header(uint8_t type, std::string_view payload) {
  if (payload.size() > kMaxRecord) {
    return InvalidArgument("record of " + std::to_string(payload.size()) +
                           " bytes exceeds the WAL's limit");
  }
  char header[kHeaderSize];
  StoreLE32(header, kRecordMagic);
  StoreLE32(header + 4, static_cast<uint32_t>(payload.size()));
  StoreLE32(header + 8, RecordCrc(header + 4, type, payload));
  header[12] = static_cast<char>(type);
  buffer_.append(header, kHeaderSize);
  return Status::Ok();
}

Status Wal::Append(uint8_t type, std::string_view payload) {
  RETURN_IF_ERROR(Header(type, payload));
  buffer_.append(payload);
  return Status::Ok();
}

Status Wal::AppendRef(uint8_t type, std::string_view payload) {
  RETURN_IF_ERROR(Header(type, payload));
  refs_.push_back({buffer_.size(), payload});
  ref_bytes_ += payload.size();
  return Status::Ok();
}

Status Wal::Sync() {
  if (degraded_) {
    Discard();
    return Unavailable("the write-ahead log has not recovered from an earlier failure (" +
                       degraded_reason_ + ")");
  }
  Status s;
  if (!buffer_.empty()) {
    std::vector<std::string_view> pieces;
    pieces.reserve(2 * refs_.size() + 1);
    size_t at = 0;
    for (const Ref& r : refs_) {
      pieces.push_back(std::string_view(buffer_).substr(at, r.after - at));
      pieces.push_back(r.bytes);
      at = r.after;
    }
    pieces.push_back(std::string_view(buffer_).substr(at));
    uint64_t bytes = buffer_.size() + ref_bytes_;
    s = file_->Append(pieces);
    Discard();
    if (s.ok() && options_.sync) s = file_->Sync();
    if (s.ok()) {
      segment_size_ += bytes;
      total_bytes_ += bytes;
    }
  } else if (options_.sync) {
    s = file_->Sync();
  }
  if (!s.ok()) {
    // Part of the group may be in the file, durable or not: the segment is done for.
    degraded_ = true;
    degraded_reason_ = std::string(s.message());
    return s;
  }
  if (segment_size_ >= options_.segment_bytes) {
    ASSIGN_OR_RETURN(uint64_t closed, Rotate());
    (void)closed;
  }
  return Status::Ok();
}

Status Wal::Recover() {
  if (!degraded_) return Status::Ok();
  // Best effort: the seal written next is what replay trusts.
  if (file_) (void)file_->Truncate(segment_size_);
  Status s = OpenSegment(segment_ + 1);
  if (!s.ok()) return s;
  degraded_ = false;
  degraded_reason_.clear();
  return Status::Ok();
}

void Wal::Discard() {
  buffer_.clear();
  refs_.clear();
  ref_bytes_ = 0;
}

StatusOr<uint64_t> Wal::Rotate() {
  if (!buffer_.empty() || degraded_) RETURN_IF_ERROR(Sync());
  if (!file_) return Unavailable("the write-ahead log has no open segment");
  uint64_t closed = segment_;
  RETURN_IF_ERROR(OpenSegment(segment_ + 1));
  return closed;
}

Status Wal::RemoveUpTo(uint64_t segment) {
  std::vector<uint64_t> keep;
  Status result;
  for (uint64_t n : live_) {
    if (n <= segment && n != segment_) {
      std::error_code ec;
      uint64_t size = fs::file_size(SegmentPath(n), ec);
      Status s = options_.env->RemoveFile(SegmentPath(n));
      if (!s.ok()) {
        result = s;
        keep.push_back(n);
        continue;
      }
      if (!ec) total_bytes_ -= std::min(total_bytes_, size);
    } else {
      keep.push_back(n);
    }
  }
  live_ = std::move(keep);
  return result;
}

}  // namespace otter::store
