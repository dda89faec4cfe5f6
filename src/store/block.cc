#include "store/block.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "store/crc32.h"
#include "store/file_util.h"

namespace otter::store {

namespace {
constexpr std::string_view kMagic = "OTBLK001";
constexpr std::string_view kEndMagic = "OTBLKEND";
constexpr size_t kFooterSize = 8 + 8 + 8 + 4 + 4 + 8;
// 2: span pages may code int columns as deltas and double columns as decimals
// (span_columns.cc, ColumnCoding). Version-1 blocks are read as they are, and compaction copies
// their pages unchanged into version-2 blocks: a page names the coding of each column.
// 3: a trace block's index keeps per page only a summary; each page's trace directory is a frame
// of its own, and trace ids are found through a sorted fingerprint table (trace_block.h).
// Metric and log blocks did not change.
constexpr uint32_t kVersion = 3;
constexpr uint32_t kOldestVersion = 1;
constexpr int kZstdLevel = 2;
constexpr size_t kZstdMaxFrameHeader = 18;  // bytes: magic, descriptor, window, dict id, size

// Appends zstd(raw) to *out and returns its size, compressing through `scratch` (grown as needed,
// never zero-filled).
size_t CompressTo(std::string_view raw, std::string* out, std::unique_ptr<char[]>* scratch,
                  size_t* scratch_size) {
  size_t bound = ZSTD_compressBound(raw.size());
  if (*scratch_size < bound) {
    *scratch = std::make_unique_for_overwrite<char[]>(bound);
    *scratch_size = bound;
  }
  // One context per thread: ZSTD_compress would allocate and clear a fresh one for every page.
  // Frames carry zstd's content checksum (XXH64), which decompression verifies: a flipped bit in
  // a frame is an error, not wrong data.
  auto make = [] {
    ZSTD_CCtx* c = ZSTD_createCCtx();
    if (c) {
      ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, kZstdLevel);
      ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    }
    return c;
  };
  thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(make(), &ZSTD_freeCCtx);
  if (!cctx) return 0;
  size_t n = ZSTD_compress2(cctx.get(), scratch->get(), bound, raw.data(), raw.size());
  if (ZSTD_isError(n)) return 0;
  out->append(scratch->get(), n);
  return n;
}

StatusOr<std::string> Decompress(std::string_view compressed, size_t raw_size,
                                 const std::string& path) {
  std::string out(raw_size, '\0');
  thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(),
                                                                       &ZSTD_freeDCtx);
  if (!dctx) return ResourceExhausted("no memory for a zstd context reading " + path);
  size_t n =
      ZSTD_decompressDCtx(dctx.get(), out.data(), out.size(), compressed.data(), compressed.size());
  if (ZSTD_isError(n) || n != raw_size) {
    return DataLoss("corrupt compressed data in " + path + ": " +
                    (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch"));
  }
  return out;
}

uint32_t Crc(std::string_view s) { return Crc32(0, s); }
}  // namespace

std::string BlockFileName(std::string_view signal, uint64_t last_segment, uint64_t first_segment) {
  char digits[48];
  if (first_segment == last_segment) {
    std::snprintf(digits, sizeof digits, "-%016llu.blk",
                  static_cast<unsigned long long>(last_segment));
  } else {
    std::snprintf(digits, sizeof digits, "-%016llu-%016llu.blk",
                  static_cast<unsigned long long>(last_segment),
                  static_cast<unsigned long long>(first_segment));
  }
  return std::string(signal) + digits;
}

bool ParseBlockName(std::string_view name, BlockName* out) {
  if (!name.ends_with(".blk")) return false;
  name.remove_suffix(4);
  auto number = [](std::string_view s, uint64_t* v) {
    if (s.empty() || s.size() > 19) return false;
    *v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      *v = *v * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
  };
  size_t dash = name.find('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  out->signal = std::string(name.substr(0, dash));
  std::string_view rest = name.substr(dash + 1);
  size_t second = rest.find('-');
  if (second == std::string_view::npos) {
    if (!number(rest, &out->last_segment)) return false;
    out->first_segment = out->last_segment;
    return true;
  }
  return number(rest.substr(0, second), &out->last_segment) &&
         number(rest.substr(second + 1), &out->first_segment) &&
         out->first_segment <= out->last_segment;
}

void PutVarintSlow(std::string& out, uint64_t v) {
  char buf[10];
  size_t n = 0;
  for (; v >= 0x80; v >>= 7) buf[n++] = static_cast<char>(v | 0x80);
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}

void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

bool IndexReader::U32(uint32_t* v) {
  uint64_t x;
  if (!Varint(&x) || x > UINT32_MAX) return ok_ = false;
  *v = static_cast<uint32_t>(x);
  return true;
}

bool IndexReader::Bytes(size_t n, std::string_view* s) {
  if (!ok_ || data_.size() - pos_ < n) return ok_ = false;
  *s = data_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool IndexReader::String(std::string_view* s) {
  uint64_t n;
  return Varint(&n) && Bytes(n, s);
}

uint64_t FirstSegment(const BlockReader& reader) {
  std::string_view name = reader.path();
  name.remove_prefix(name.rfind('/') + 1);
  BlockName parsed;
  return ParseBlockName(name, &parsed) ? parsed.first_segment : reader.wal_segment();
}

RecordLocation BlockWriter::Add(std::string_view record) {
  if (!frame_.empty() && frame_.size() + record.size() > frame_bytes_) CloseFrame();
  RecordLocation loc{static_cast<uint32_t>(frames_.size()), static_cast<uint32_t>(frame_.size()),
                     static_cast<uint32_t>(record.size())};
  frame_.append(record);
  return loc;
}

RecordLocation BlockWriter::AddFrame(std::string_view record) {
  if (!frame_.empty()) CloseFrame();
  RecordLocation loc{static_cast<uint32_t>(frames_.size()), 0,
                     static_cast<uint32_t>(record.size())};
  Compress(record);
  return loc;
}

StatusOr<RecordLocation> BlockWriter::AddFrameOf(const BlockReader& source, uint32_t n) {
  if (!frame_.empty()) CloseFrame();
  uint64_t at = offset();
  uint32_t raw = 0, compressed = 0;
  if (fd_ >= 0) {
    Spill(1);  // what is buffered goes first: the copy lands at the file's end
    RETURN_IF_ERROR(status_);
    RETURN_IF_ERROR(source.CopyFrameTo(n, fd_, path_, &raw, &compressed));
    written_ += compressed;
  } else {
    ASSIGN_OR_RETURN(std::string bytes, source.CompressedFrame(n, &raw));
    compressed = static_cast<uint32_t>(bytes.size());
    file_.append(bytes);
  }
  frames_.push_back(Frame{at, compressed, raw});
  Spill(kSpillBytes);
  return RecordLocation{static_cast<uint32_t>(frames_.size() - 1), 0, raw};
}

void BlockWriter::Compress(std::string_view raw) {
  uint64_t at = offset();
  size_t n = CompressTo(raw, &file_, &scratch_, &scratch_size_);
  frames_.push_back(Frame{at, static_cast<uint32_t>(n), static_cast<uint32_t>(raw.size())});
  Spill(kSpillBytes);
}

void BlockWriter::Spill(size_t at_least) {
  if ((fd_ < 0 && !out_) || file_.size() < at_least || !status_.ok()) return;
  if (out_) {
    std::string_view piece = file_;
    status_ = out_->Append({&piece, 1});
  } else {
    status_ = WriteAll(fd_, file_, path_);
  }
  written_ += file_.size();
  file_.clear();
}

void BlockWriter::CloseFrame() {
  Compress(frame_);
  frame_.clear();
}

std::string BlockWriter::Finish(std::string_view signal_index, uint64_t wal_segment) {
  AppendTail(signal_index, wal_segment);
  return std::move(file_);
}

Status BlockWriter::FinishFile(std::string_view signal_index, uint64_t wal_segment) {
  if (fd_ < 0 && !out_) return FailedPrecondition("the block writer has no file");
  AppendTail(signal_index, wal_segment);
  Spill(1);
  return status_;
}

void BlockWriter::AppendTail(std::string_view signal_index, uint64_t wal_segment) {
  if (!frame_.empty()) CloseFrame();
  std::string index;
  PutVarint(index, frames_.size());
  for (const auto& f : frames_) {
    PutVarint(index, f.offset);
    PutVarint(index, f.compressed);
    PutVarint(index, f.raw);
  }
  PutVarint(index, signal_index.size());
  index.append(signal_index);
  uint64_t index_offset = offset();
  size_t index_at = file_.size();
  size_t index_len = CompressTo(index, &file_, &scratch_, &scratch_size_);
  char footer[kFooterSize];
  StoreLE64(footer, index_offset);
  StoreLE64(footer + 8, index_len);
  StoreLE64(footer + 16, wal_segment);
  StoreLE32(footer + 24, Crc(std::string_view(file_).substr(index_at, index_len)));
  StoreLE32(footer + 28, kVersion);
  std::memcpy(footer + 32, kEndMagic.data(), 8);
  file_.append(footer, kFooterSize);
  // The index's raw size is not stored: a zstd frame carries its content size.
}

StatusOr<std::shared_ptr<BlockReader>> BlockReader::Open(const std::string& path, Env& env,
                                                         CorruptBlockHandler on_corrupt) {
  std::shared_ptr<BlockReader> r(new BlockReader());
  r->path_ = path;
  r->on_corrupt_ = std::move(on_corrupt);
  ASSIGN_OR_RETURN(r->file_, env.OpenForRead(path));
  uint64_t size = r->file_->size();
  if (size < kMagic.size() + kFooterSize) {
    return DataLoss(path + ": too short for a block (" + std::to_string(size) + " bytes)");
  }
  r->file_bytes_ = size;
  char footer[kFooterSize];
  RETURN_IF_ERROR(r->file_->ReadAt(r->file_bytes_ - kFooterSize, kFooterSize, footer));
  if (std::string_view(footer + 32, 8) != kEndMagic) return DataLoss(path + ": no block footer");
  uint64_t index_offset = LoadLE64(footer);
  uint64_t index_len = LoadLE64(footer + 8);
  r->wal_segment_ = LoadLE64(footer + 16);
  uint32_t crc = LoadLE32(footer + 24);
  r->version_ = LoadLE32(footer + 28);
  if (r->version_ < kOldestVersion || r->version_ > kVersion) {
    return DataLoss(path + ": unsupported block version " + std::to_string(LoadLE32(footer + 28)));
  }
  if (index_offset + index_len + kFooterSize != r->file_bytes_) {
    return DataLoss(path + ": index bounds do not match the file size");
  }
  std::string compressed(index_len, '\0');
  RETURN_IF_ERROR(r->file_->ReadAt(index_offset, index_len, compressed.data()));
  if (Crc(compressed) != crc) return DataLoss(path + ": index checksum mismatch");
  unsigned long long raw = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (raw == ZSTD_CONTENTSIZE_ERROR || raw == ZSTD_CONTENTSIZE_UNKNOWN || raw > (1ull << 32)) {
    return DataLoss(path + ": bad index frame");
  }
  ASSIGN_OR_RETURN(std::string index, Decompress(compressed, raw, path));
  IndexReader in(index);
  uint64_t nframes;
  in.Varint(&nframes);
  for (uint64_t i = 0; in.ok() && i < nframes; ++i) {
    FrameInfo f{};
    in.Varint(&f.offset);
    in.U32(&f.compressed);
    in.U32(&f.raw);
    if (f.offset + f.compressed > index_offset) return DataLoss(path + ": frame out of bounds");
    r->frames_.push_back(f);
  }
  std::string_view sig;
  if (!in.String(&sig) || !in.done()) return DataLoss(path + ": malformed block index");
  r->signal_index_ = std::string(sig);
  return r;
}

BlockReader::~BlockReader() = default;

StatusOr<std::shared_ptr<const std::string>> BlockReader::Frame(uint32_t n) const {
  {
    std::lock_guard lock(mu_);
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->first == n) {
        cache_.splice(cache_.begin(), cache_, it);
        return cache_.front().second;
      }
    }
  }
  uint32_t raw_size = 0;
  auto compressed = CompressedFrame(n, &raw_size);
  if (!compressed.ok()) return Checked(compressed.status());
  auto raw = Decompress(*compressed, raw_size, path_);
  if (!raw.ok()) return Checked(raw.status());
  auto frame = std::make_shared<const std::string>(std::move(*raw));
  std::lock_guard lock(mu_);
  cache_.emplace_front(n, frame);
  if (cache_.size() > kCachedFrames) cache_.pop_back();
  return frame;
}

Status BlockReader::Checked(Status st) const {
  if (st.code() == StatusCode::kDataLoss && on_corrupt_ && !reported_corrupt_.exchange(true))
    on_corrupt_(path_, st);
  return st;
}

Status BlockReader::CheckFrameHeader(uint32_t n, std::string_view head) const {
  // The frame header's content size must agree with the frame table (a check that costs no
  // decompression; a copy's content is checked whenever it is read).
  if (ZSTD_getFrameContentSize(head.data(), head.size()) != frames_[n].raw)
    return DataLoss(path_ + ": frame " + std::to_string(n) + " is corrupt");
  return Status::Ok();
}

StatusOr<std::string> BlockReader::CompressedFrame(uint32_t n, uint32_t* raw_size) const {
  if (n >= frames_.size())
    return DataLoss(path_ + ": frame " + std::to_string(n) + " out of range");
  const FrameInfo& f = frames_[n];
  std::string compressed(f.compressed, '\0');
  RETURN_IF_ERROR(file_->ReadAt(f.offset, f.compressed, compressed.data()));
  RETURN_IF_ERROR(CheckFrameHeader(n, compressed));
  *raw_size = f.raw;
  return compressed;
}

Status BlockReader::CopyFrameTo(uint32_t n, int fd, const std::string& fd_path, uint32_t* raw_size,
                                uint32_t* compressed_size) const {
  if (n >= frames_.size())
    return DataLoss(path_ + ": frame " + std::to_string(n) + " out of range");
  const FrameInfo& f = frames_[n];
  char head[kZstdMaxFrameHeader];
  size_t head_len = std::min<size_t>(sizeof head, f.compressed);
  RETURN_IF_ERROR(Checked(file_->ReadAt(f.offset, head_len, head)));
  RETURN_IF_ERROR(Checked(CheckFrameHeader(n, {head, head_len})));
  auto in = static_cast<loff_t>(f.offset);
  size_t left = f.compressed;
  while (left > 0) {
    ssize_t c = ::copy_file_range(file_->fd(), &in, fd, nullptr, left, 0);
    if (c < 0 && errno == EINTR) continue;
    if (c < 0 && left == f.compressed &&
        (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
      // These files cannot be copied between in the kernel: through memory instead.
      uint32_t raw = 0;
      ASSIGN_OR_RETURN(std::string bytes, CompressedFrame(n, &raw));
      RETURN_IF_ERROR(WriteAll(fd, bytes, fd_path));
      break;
    }
    if (c < 0)
      return Unavailable("copy from " + path_ + " to " + fd_path + ": " + std::strerror(errno));
    if (c == 0) return DataLoss(path_ + ": unexpected end of file");
    left -= static_cast<size_t>(c);
  }
  *raw_size = f.raw;
  *compressed_size = f.compressed;
  return Status::Ok();
}

StatusOr<std::string> BlockReader::Read(const RecordLocation& loc) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const std::string> frame, Frame(loc.frame));
  if (uint64_t(loc.offset) + loc.length > frame->size()) {
    return DataLoss(path_ + ": record out of frame bounds");
  }
  return frame->substr(loc.offset, loc.length);
}

}  // namespace otter::store
