// A trace block as the table reads it (docs/storage.md, "Traces"): pages of spans, and an index
// that stays small in memory. Per page the block keeps what rules the page in or out of a search
// (its time range, longest span, error flag and operations); each page's *directory* (its traces'
// ids, row ranges and summaries) is a frame of the file and its tag filter shares a frame with
// those of up to 63 other pages, both read when a query reaches the page; trace ids are found
// through a table of id fingerprints sorted on disk, of which only a fence per chunk is in
// memory. So a block costs memory per page, not per trace.
// Blocks of formats 1 and 2 (every trace's entry in the index) are read too: their directories
// and fingerprints are built at open and kept in memory; compaction rewrites them in format 3.
// TraceBlockBuilder writes format 3. Thread-safety: a TraceBlock is immutable and shared by
// queries; the builder is single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/block.h"
#include "store/querier.h"
#include "store/span_columns.h"

namespace otter::store {

// What a search can rule a trace (or a page of traces) out by without reading its spans.
struct TraceSummary {
  uint64_t min_start = UINT64_MAX, max_start = 0;  // of its spans' starts
  uint64_t max_duration = 0;                       // its longest span
  bool error = false;                              // a span has status ERROR

  void Add(const SpanRow& r) {
    min_start = std::min(min_start, r.start);
    max_start = std::max(max_start, r.start);
    max_duration = std::max(max_duration, r.end > r.start ? r.end - r.start : 0);
    error = error || r.status_code == static_cast<int32_t>(pdata::StatusCode::kError);
  }
  void Add(const TraceSummary& s) {
    min_start = std::min(min_start, s.min_start);
    max_start = std::max(max_start, s.max_start);
    max_duration = std::max(max_duration, s.max_duration);
    error = error || s.error;
  }
  // Whether a span of the trace might match `q` (its time range, duration and error tags).
  bool MayMatch(const TraceSearch& q) const;
};

// A page's traces, in page order.
struct PageDirectory {
  struct Entry {
    pdata::TraceId id;
    uint32_t first_row = 0;  // within the page
    uint32_t count = 0;      // spans
    uint32_t first_op = 0;   // into op_refs
    uint32_t nops = 0;
    TraceSummary summary;
  };
  std::vector<Entry> entries;
  std::vector<uint32_t> op_refs;  // block-local operation numbers per entry
  // store/tag_filter.h; empty: none (blocks before filters). Format 3 keeps it apart from the
  // directory (TraceBlock::TagFilter): the builder takes it here, Directory() leaves it empty.
  std::string tag_filter;
  // The entries of `id`, in page order (one, unless a damaged writer repeated it).
  template <class Fn>
  void ForEachOf(const pdata::TraceId& id, Fn&& fn) const {
    for (const Entry& e : entries)
      if (e.id == id) fn(e);
  }
};

// The 32-bit fingerprint the id table sorts by (a persisted hash: fixed seed).
uint32_t TraceFingerprint(const pdata::TraceId& id);

struct TraceBlock {
  struct Page {
    RecordLocation loc;         // the spans
    RecordLocation directory;   // format 3: its directory frame
    RecordLocation tag_filter;  // format 3: in a frame of the tag filters of up to 64 pages
    uint32_t traces = 0;
    TraceSummary summary;             // over its traces
    uint32_t first_op = 0, nops = 0;  // into page_ops: its traces' operations, distinct
  };
  // A chunk of the id table: fingerprints from first_fp on, with their pages.
  struct IdChunk {
    uint32_t first_fp = 0;
    RecordLocation loc;
  };

  std::shared_ptr<BlockReader> reader;
  uint64_t first_segment = 0;  // the WAL segments it covers, up to reader->wal_segment()
  uint32_t version = 0;        // the block format version (BlockReader::version)
  uint64_t min_start = UINT64_MAX;
  uint64_t max_start = 0;
  std::vector<std::pair<std::string, Operation>> ops;  // (service, operation) by block-local id
  std::vector<Page> pages;
  std::vector<uint32_t> page_ops;
  std::vector<IdChunk> id_chunks;

  static StatusOr<std::shared_ptr<const TraceBlock>> Parse(std::shared_ptr<BlockReader> reader);

  // For retention (store/block_retention.h): the newest span's start, in ns.
  int64_t newest() const {
    return pages.empty() ? INT64_MAX
                         : static_cast<int64_t>(std::min<uint64_t>(max_start, INT64_MAX));
  }
  std::span<const uint32_t> PageOps(const Page& p) const {
    return {page_ops.data() + p.first_op, p.nops};
  }
  // Page `n`'s tag filter (read from the file for format 3; "" when the page has none).
  StatusOr<std::string> TagFilter(uint32_t n) const;
  // Page `n`'s directory (read from the file for format 3).
  StatusOr<std::shared_ptr<const PageDirectory>> Directory(uint32_t n) const;
  // The pages that may hold spans of `id`, ascending (a fingerprint match: the caller checks
  // the directory). `chunks` caches decoded id-table chunks for a query that looks up many ids
  // (nullptr: none).
  class ChunkCache;
  StatusOr<std::vector<uint32_t>> PagesOf(const pdata::TraceId& id,
                                          ChunkCache* chunks = nullptr) const;
  // Page `n`, decoded (`dir`: its directory).
  StatusOr<std::shared_ptr<const SpanRows>> DecodePage(uint32_t n, const PageDirectory& dir) const;

 private:
  // Decoded id-table records (fingerprint << 32 | page), sorted.
  using Records = std::vector<uint64_t>;
  // A record of the block; a damaged one is reported to the block's corruption handler.
  StatusOr<std::string> Read(const RecordLocation& loc) const;
  StatusOr<std::shared_ptr<const Records>> Chunk(size_t n) const;
  static Status ParseLegacy(const BlockReader& reader, IndexReader& in, uint64_t npages,
                            TraceBlock* b);
  // Formats 1 and 2: every directory, and the whole id table as one chunk.
  std::vector<std::shared_ptr<const PageDirectory>> legacy_directories_;
  std::shared_ptr<const Records> legacy_records_;
};

// Decoded id-table chunks of several blocks, for one query (a query holds the blocks it reads).
class TraceBlock::ChunkCache {
 public:
  std::shared_ptr<const Records>* Find(const TraceBlock* b, size_t n) {
    auto it = chunks_.find({b, n});
    return it == chunks_.end() ? nullptr : &it->second;
  }
  void Put(const TraceBlock* b, size_t n, std::shared_ptr<const Records> r) {
    chunks_.emplace(Key{b, n}, std::move(r));
  }

 private:
  using Key = std::pair<const TraceBlock*, size_t>;
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<const void*>()(k.first) ^ (k.second * 0x9e3779b97f4a7c15ull);
    }
  };
  std::unordered_map<Key, std::shared_ptr<const Records>, KeyHash> chunks_;
};

// Writes a format-3 trace block from pages of whole traces: a flushed head's pages, or the pages
// of blocks being compacted (copied as stored, with their directories re-encoded).
class TraceBlockBuilder {
 public:
  explicit TraceBlockBuilder(std::vector<std::pair<std::string, Operation>> ops,
                             BlockWriter writer = BlockWriter())
      : ops_table_(std::move(ops)), writer_(std::move(writer)) {}

  // One encoded page and its directory (entries in page order, their op_refs numbered in this
  // block's operation table).
  void AddPage(std::string_view page, const PageDirectory& dir);
  // A page copied, still compressed, from another block (`page`: where `source` holds it).
  Status AddPageOf(const BlockReader& source, RecordLocation page, const PageDirectory& dir);

  std::string Finish(uint64_t wal_segment);
  Status FinishFile(uint64_t wal_segment);

 private:
  void AddDirectory(RecordLocation page, const PageDirectory& dir);
  std::string Index();

  std::vector<std::pair<std::string, Operation>> ops_table_;
  BlockWriter writer_;
  std::vector<TraceBlock::Page> pages_;
  std::vector<uint32_t> page_ops_;
  std::vector<uint64_t> fingerprints_;  // fingerprint << 32 | page
  // Tag filters of the pages not yet written (pages numbered from filters_from_), written as one
  // frame every kFilterPages pages: a tag search reads them in a row, one decompression each.
  std::string filters_;
  size_t filters_from_ = 0;
  void WriteFilters();
  uint64_t min_start_ = UINT64_MAX, max_start_ = 0;
};

}  // namespace otter::store
