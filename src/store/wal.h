// Wal: the store's write-ahead log. Records (a type byte + an OTLP protobuf payload) are
// appended to numbered segment files and made durable by Sync() (fdatasync); the store's
// writer thread calls Sync() once per group of appends (group commit). A failed write or sync
// leaves the log degraded: nothing more goes into that segment, and Recover() starts the next
// one with a header that seals the failed one at its last good byte, so a refused group is never
// replayed. On open, every record of the segments not yet covered by blocks is replayed up to its
// seal; damaged records are skipped (framing with a magic lets replay find the next record) and
// counted; a torn tail is truncated. Byte layout and crash behaviour: docs/storage.md.
// Thread-safety: not thread-safe; owned by the store's writer thread (Open/replay before that).
#pragma once

#include <spdlog/logger.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/env.h"

namespace otter::store {

class Wal {
 public:
  struct Options {
    std::string dir;                         // created if missing
    uint64_t segment_bytes = 128ull << 20;   // a new segment starts past this size
    bool sync = true;                        // false only for benchmarks of the non-durable path
    std::shared_ptr<spdlog::logger> logger;  // required
    Env* env = PosixEnv();
    // Segments it returns true for are not read at Open: the caller has their records already
    // (the store's head checkpoint). They stay in the log, as the others, until RemoveUpTo.
    // Never asked for the newest segment.
    std::function<bool(uint64_t segment)> skip_replay;
  };
  // Called for every intact record during Open, in log order.
  using ReplayFn = std::function<Status(uint8_t type, std::string_view payload, uint64_t segment)>;

  struct ReplayStats {
    uint64_t records = 0;
    uint64_t bytes = 0;
    uint64_t segments = 0;
    uint64_t truncated_bytes = 0;      // torn tails cut off (a crash during an append)
    uint64_t aborted_bytes = 0;        // past a segment's seal: groups whose commit failed
    uint64_t corrupt_bytes = 0;        // damaged bytes skipped before an intact record
    uint64_t corrupt_regions = 0;      // how many such damaged stretches (or lost sealed bytes)
    uint64_t unreadable_segments = 0;  // set aside as .corrupt: they could not be read
    uint64_t skipped_segments = 0;     // not read: Options::skip_replay said so
  };

  // Opens the log in `options.dir`, replays segments numbered > `replay_after` through `fn`
  // (older ones are covered by blocks and are deleted), skips damage, truncates a torn tail, and
  // opens a fresh segment for appends. Only a replay callback error (or failing to create the
  // directory) fails Open: damaged or unreadable files never do, and when the new segment cannot
  // be created (a full disk) the log opens degraded.
  static StatusOr<std::unique_ptr<Wal>> Open(Options options, uint64_t replay_after,
                                             const ReplayFn& fn, ReplayStats* stats);
  ~Wal();

  // Buffers one record (a copy of `payload`); it is durable only after Sync().
  Status Append(uint8_t type, std::string_view payload);
  // The same without copying the payload, which must stay valid until Sync() returns: Sync
  // hands it to the kernel directly (writev), sparing a copy of every received request.
  Status AppendRef(uint8_t type, std::string_view payload);
  // Writes the buffered records and fdatasyncs the segment. On failure the buffered records are
  // dropped and the log is degraded (below).
  Status Sync();
  // After a failed Sync the segment's tail is in an unknown state: the records may or may not be
  // on disk (after a failed fsync the page cache cannot be trusted). Until Recover() succeeds,
  // Sync() refuses. Recover() cuts the segment back to its last good byte and starts the next
  // segment, whose durable header seals the old one there: replay never reads past the seal.
  bool degraded() const { return degraded_; }
  Status Recover();
  // Drops the records appended since the last Sync() (a group commit that failed to append).
  void Discard();
  // Closes the current segment and starts the next; returns the closed segment's number. Records
  // appended before are durable (Rotate syncs).
  StatusOr<uint64_t> Rotate();
  // Deletes segments numbered <= `segment` (their records are in durable blocks).
  Status RemoveUpTo(uint64_t segment);

  uint64_t current_segment() const { return segment_; }
  // Bytes in all live segments (for the size-based flush trigger and self-metrics).
  uint64_t size_bytes() const { return total_bytes_ + buffer_.size() + ref_bytes_; }

  static constexpr size_t kHeaderSize = 13;  // u32 magic, u32 length, u32 crc32, u8 type
  static constexpr size_t kSegmentHeaderSize = 28;
  static constexpr uint32_t kMaxRecord = 512u << 20;

 private:
  Wal() = default;
  // Creates segment `n` (emptying a leftover of a failed attempt) and makes its header, which
  // seals the current segment at its good size, durable.
  Status OpenSegment(uint64_t n);
  std::string SegmentPath(uint64_t n) const;
  Status ReplaySegment(size_t index, const std::vector<uint64_t>& segments, const ReplayFn& fn,
                       ReplayStats* st);

  Options options_;
  std::unique_ptr<WritableFile> file_;
  uint64_t segment_ = 0;
  uint64_t segment_size_ = 0;  // bytes of the current segment known to be written and synced
  uint64_t total_bytes_ = 0;
  bool degraded_ = false;
  std::string degraded_reason_;
  std::vector<uint64_t> live_;  // segment numbers on disk, ascending
  Status Header(uint8_t type, std::string_view payload);
  // Appended, not yet written: buffer_ holds headers and copied payloads; each ref is written
  // after buffer_'s bytes up to its `after`.
  std::string buffer_;
  struct Ref {
    size_t after;
    std::string_view bytes;
  };
  std::vector<Ref> refs_;
  uint64_t ref_bytes_ = 0;
};

// The WAL's record framing (magic, length, CRC-32 of length, type and payload; docs/storage.md),
// also used by the head checkpoint's files. Appends one record to *out.
void AppendFramedRecord(std::string* out, uint8_t type, std::string_view payload);
// The intact record at data[pos], or false (bad magic, length or CRC, or cut short).
bool ParseFramedRecord(std::string_view data, size_t pos, uint8_t* type, std::string_view* payload);

// Lists `dir`'s WAL segment numbers, ascending.
StatusOr<std::vector<uint64_t>> ListWalSegments(const std::string& dir);

}  // namespace otter::store
