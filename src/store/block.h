// The block container shared by the three signals (docs/storage.md, "Block file"): records
// packed into zstd-compressed frames, a signal-specific index, and a footer. BlockWriter builds
// a block in memory, or streams it to a file (compaction: merged blocks are as large as
// compaction_max_mib); BlockReader opens one, returns its index and reads records on demand with
// a small cache of decompressed frames. Also the varint/string helpers the indexes use.
// Thread-safety: BlockWriter is single-threaded; BlockReader is safe to share between threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/env.h"

namespace otter::store {

// Where a record lives in a block.
struct RecordLocation {
  uint32_t frame = 0;
  uint32_t offset = 0;  // within the decompressed frame
  uint32_t length = 0;
};

class BlockReader;

class BlockWriter {
 public:
  // Builds the block in memory; Finish returns it.
  explicit BlockWriter(size_t frame_bytes = 256 * 1024) : frame_bytes_(frame_bytes) {}
  // Writes the block to `fd` (an empty file; `path` names it in errors) as it is built, holding
  // at most about kSpillBytes; FinishFile completes it. Write errors are kept and returned there.
  BlockWriter(int fd, std::string path, size_t frame_bytes = 256 * 1024)
      : frame_bytes_(frame_bytes), fd_(fd), path_(std::move(path)) {}
  // The same through `file`'s Append (a flush: the file system seam sees every write).
  explicit BlockWriter(WritableFile& file, size_t frame_bytes = 256 * 1024)
      : frame_bytes_(frame_bytes), out_(&file), path_(file.path()) {}
  RecordLocation Add(std::string_view record);
  // Adds a record as a frame of its own (a record that is read whole, like a span page).
  RecordLocation AddFrame(std::string_view record);
  // Adds frame `n` of `source` as it is stored, without recompressing it; when streaming, the
  // kernel copies it from file to file.
  StatusOr<RecordLocation> AddFrameOf(const BlockReader& source, uint32_t n);
  // The whole file: magic, frames, index (frame table + `signal_index`), footer.
  std::string Finish(std::string_view signal_index, uint64_t wal_segment);
  // The same, written to the file given at construction.
  Status FinishFile(std::string_view signal_index, uint64_t wal_segment);

  static constexpr size_t kSpillBytes = 1 << 20;

 private:
  uint64_t offset() const { return written_ + file_.size(); }
  void CloseFrame();
  void Compress(std::string_view raw);                                   // appends one frame
  void AppendTail(std::string_view signal_index, uint64_t wal_segment);  // index and footer
  void Spill(size_t at_least);  // writes the buffer out once it holds `at_least` bytes
  struct Frame {
    uint64_t offset;
    uint32_t compressed;
    uint32_t raw;
  };
  size_t frame_bytes_;
  std::string file_ = "OTBLK001";
  std::string frame_;
  std::vector<Frame> frames_;
  std::unique_ptr<char[]> scratch_;  // compression output
  size_t scratch_size_ = 0;
  int fd_ = -1;                  // streaming to this file, when >= 0
  WritableFile* out_ = nullptr;  // or to this one
  std::string path_;
  uint64_t written_ = 0;  // bytes of the file already written to fd_ or out_
  Status status_;         // the first write error
};

// Told (once per block) when a read finds the block damaged: the store sets such a block aside.
// Called on the reading thread; must not block.
using CorruptBlockHandler = std::function<void(const std::string& path, const Status& error)>;

class BlockReader {
 public:
  // Reads and checks the footer and index. DataLoss when the file is torn or corrupt.
  static StatusOr<std::shared_ptr<BlockReader>> Open(const std::string& path,
                                                     Env& env = *PosixEnv(),
                                                     CorruptBlockHandler on_corrupt = {});
  ~BlockReader();

  const std::string& signal_index() const { return signal_index_; }
  uint64_t wal_segment() const { return wal_segment_; }
  // The block format version of the footer (block.cc, kVersion).
  uint32_t version() const { return version_; }
  uint64_t file_bytes() const { return file_bytes_; }
  const std::string& path() const { return path_; }
  size_t frame_count() const { return frames_.size(); }

  // The record's bytes (copied out of the cached frame).
  StatusOr<std::string> Read(const RecordLocation& loc) const;
  // Frame `n` as stored (zstd), and its decompressed size: for copying it into another block.
  StatusOr<std::string> CompressedFrame(uint32_t n, uint32_t* raw_size) const;
  // Appends frame `n` as stored to the file `fd` (at its offset; copy_file_range, or read and
  // write where the kernel cannot copy between these files). Sets *raw_size as above.
  Status CopyFrameTo(uint32_t n, int fd, const std::string& fd_path, uint32_t* raw_size,
                     uint32_t* compressed_size) const;
  // Passes a DataLoss error about this block's content to the corruption handler (once) and
  // returns it: for readers that find a record malformed after it was read.
  Status Checked(Status st) const;

 private:
  BlockReader() = default;
  StatusOr<std::shared_ptr<const std::string>> Frame(uint32_t n) const;
  // Checks that frame `n`'s zstd header agrees with the frame table (costs no decompression).
  Status CheckFrameHeader(uint32_t n, std::string_view head) const;

  struct FrameInfo {
    uint64_t offset;
    uint32_t compressed;
    uint32_t raw;
  };
  std::string path_;
  std::unique_ptr<ReadableFile> file_;
  CorruptBlockHandler on_corrupt_;
  mutable std::atomic<bool> reported_corrupt_{false};
  uint64_t file_bytes_ = 0;
  uint64_t wal_segment_ = 0;
  uint32_t version_ = 0;
  std::vector<FrameInfo> frames_;
  std::string signal_index_;

  static constexpr size_t kCachedFrames = 8;
  mutable std::mutex mu_;
  mutable std::list<std::pair<uint32_t, std::shared_ptr<const std::string>>> cache_;  // MRU first
};

// Block file names: "<signal>-<last WAL segment, 16 digits>.blk" for a flush, and
// "<signal>-<last>-<first>.blk" for a compacted block covering segments first..last.
struct BlockName {
  std::string signal;
  uint64_t last_segment = 0;
  uint64_t first_segment = 0;  // = last_segment for a flush
};
std::string BlockFileName(std::string_view signal, uint64_t last_segment, uint64_t first_segment);
bool ParseBlockName(std::string_view file_name, BlockName* out);
// The first WAL segment a block covers (its name says; a flushed block covers one).
uint64_t FirstSegment(const BlockReader& reader);

// ---- index encoding helpers (LEB128 varints, length-prefixed strings)
void PutVarintSlow(std::string& out, uint64_t v);
inline void PutVarint(std::string& out, uint64_t v) {
  if (v < 0x80) {
    out.push_back(static_cast<char>(v));
  } else {
    PutVarintSlow(out, v);
  }
}
void PutString(std::string& out, std::string_view s);
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Reads from a byte range; every getter fails (returns false) past the end and sticks failed.
class IndexReader {
 public:
  IndexReader() = default;
  explicit IndexReader(std::string_view data) : data_(data) {}
  // Inline: block decoding reads a varint per timestamp and per value.
  bool Varint(uint64_t* v) {
    uint64_t r = 0;
    size_t left = ok_ ? data_.size() - pos_ : 0;
    const char* p = data_.data() + pos_;
    for (size_t k = 0; k < left && k < 10; ++k) {
      auto b = static_cast<uint8_t>(p[k]);
      r |= uint64_t(b & 0x7f) << (7 * k);
      if (!(b & 0x80)) {
        pos_ += k + 1;
        *v = r;
        return true;
      }
    }
    ok_ = false;
    return false;
  }
  bool U32(uint32_t* v);  // a varint that must fit 32 bits
  bool String(std::string_view* s);
  bool Bytes(size_t n, std::string_view* s);
  bool ok() const { return ok_; }
  bool done() const { return pos_ == data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace otter::store
