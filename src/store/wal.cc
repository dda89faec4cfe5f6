#include "store/wal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "store/crc32.h"
#include "store/file_util.h"

namespace otter::store {

namespace fs = std::filesystem;

namespace {

uint32_t RecordCrc(uint8_t type, std::string_view payload) {
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

}  // namespace

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
  auto& log = *wal->options_.logger;
  RETURN_IF_ERROR(CreateDirs(wal->options_.dir));
  ASSIGN_OR_RETURN(std::vector<uint64_t> segments, ListWalSegments(wal->options_.dir));
  ReplayStats st;
  for (uint64_t n : segments) {
    std::string path = wal->SegmentPath(n);
    if (n <= replay_after) {
      // Covered by a block; a crash between writing the block and deleting the log left it.
      std::error_code ec;
      fs::remove(path, ec);
      continue;
    }
    ASSIGN_OR_RETURN(std::string data, ReadFile(path));
    size_t pos = 0;
    while (pos < data.size()) {
      std::string why;
      if (data.size() - pos < kHeaderSize) {
        why = "torn record header";
      } else {
        uint32_t len = LoadLE32(data.data() + pos);
        uint32_t crc = LoadLE32(data.data() + pos + 4);
        auto type = static_cast<uint8_t>(data[pos + 8]);
        if (len > kMaxRecord || data.size() - pos - kHeaderSize < len) {
          why = "torn record (length " + std::to_string(len) + ")";
        } else {
          std::string_view payload(data.data() + pos + kHeaderSize, len);
          if (RecordCrc(type, payload) != crc) {
            why = "checksum mismatch";
          } else {
            RETURN_IF_ERROR(fn(type, payload, n));
            ++st.records;
            st.bytes += len;
            pos += kHeaderSize + len;
            continue;
          }
        }
      }
      // Everything from `pos` on is unusable: an append that never completed (or was damaged).
      uint64_t cut = data.size() - pos;
      st.truncated_bytes += cut;
      log.warn(
          "WAL segment {}: {} at offset {}; truncating {} bytes (records after it were never "
          "acknowledged if this is the last segment)",
          path, why, pos, cut);
      if (::truncate(path.c_str(), static_cast<off_t>(pos)) != 0) {
        return Internal("truncate " + path + ": " + std::strerror(errno));
      }
      data.resize(pos);
      break;
    }
    ++st.segments;
    wal->live_.push_back(n);
    wal->total_bytes_ += data.size();
  }
  if (stats) *stats = st;
  uint64_t next = std::max<uint64_t>(replay_after, segments.empty() ? 0 : segments.back()) + 1;
  RETURN_IF_ERROR(wal->OpenSegment(next));
  return wal;
}

Wal::~Wal() {
  if (fd_ >= 0) {
    (void)Sync();
    ::close(fd_);
  }
}

Status Wal::OpenSegment(uint64_t n) {
  std::string path = SegmentPath(n);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable("open " + path + ": " + std::strerror(errno));
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  segment_ = n;
  segment_size_ = 0;
  live_.push_back(n);
  // The new file's directory entry must survive a crash too.
  return SyncDir(options_.dir);
}

Status Wal::Header(uint8_t type, std::string_view payload) {
  if (payload.size() > kMaxRecord) {
    return InvalidArgument("record of " + std::to_string(payload.size()) +
                           " bytes exceeds the WAL's limit");
  }
  char header[kHeaderSize];
  StoreLE32(header, static_cast<uint32_t>(payload.size()));
  StoreLE32(header + 4, RecordCrc(type, payload));
  header[8] = static_cast<char>(type);
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
    Status s = WriteAllV(fd_, pieces, SegmentPath(segment_));
    Discard();
    // A partial write leaves a torn tail that replay truncates; these records fail.
    if (!s.ok()) return s;
    segment_size_ += bytes;
    total_bytes_ += bytes;
  }
  if (options_.sync && ::fdatasync(fd_) != 0) {
    return Unavailable("fdatasync " + SegmentPath(segment_) + ": " + std::strerror(errno));
  }
  if (segment_size_ >= options_.segment_bytes) {
    ASSIGN_OR_RETURN(uint64_t closed, Rotate());
    (void)closed;
  }
  return Status::Ok();
}

void Wal::Discard() {
  buffer_.clear();
  refs_.clear();
  ref_bytes_ = 0;
}

StatusOr<uint64_t> Wal::Rotate() {
  if (!buffer_.empty()) RETURN_IF_ERROR(Sync());
  uint64_t closed = segment_;
  RETURN_IF_ERROR(OpenSegment(segment_ + 1));
  return closed;
}

Status Wal::RemoveUpTo(uint64_t segment) {
  std::vector<uint64_t> keep;
  for (uint64_t n : live_) {
    if (n <= segment && n != segment_) {
      std::error_code ec;
      uint64_t size = fs::file_size(SegmentPath(n), ec);
      if (!ec) total_bytes_ -= std::min(total_bytes_, size);
      fs::remove(SegmentPath(n), ec);
      if (ec) return Internal("remove " + SegmentPath(n) + ": " + ec.message());
    } else {
      keep.push_back(n);
    }
  }
  live_ = std::move(keep);
  return Status::Ok();
}

}  // namespace otter::store
