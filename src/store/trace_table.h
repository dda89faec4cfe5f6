// TraceTable: the trace side of the store. Recent spans live in an in-memory head (span rows,
// store/span_columns.h, plus a trace-id index); a flush freezes the head and turns it into an
// immutable block of columnar pages (docs/storage.md, "Traces"). Queries see blocks, the frozen
// head and the active head together. Thread-safety: Apply/Freeze from the store's writer thread,
// BuildBlock/AddBlock from its flusher, queries from any thread. mu_ guards the head pointers, the
// block list and the service catalogue; blocks and frozen heads are immutable and read without the
// lock.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "store/block.h"
#include "store/block_retention.h"
#include "store/compaction.h"
#include "store/id_hash.h"
#include "store/querier.h"
#include "store/span_columns.h"
#include "store/trace_block.h"

namespace otter::store {

class TraceTable final : public TraceQuerier {
 public:
  TraceTable();
  ~TraceTable() override;

  // Takes a write into the active head (it becomes queryable at once).
  void Apply(const pdata::TraceBatch& batch);
  // Applies an OTLP protobuf ExportTraceServiceRequest without decoding it into a batch
  // (SpanRows::AppendWire); false, with nothing applied, for one otlp::WalkTraces rejects.
  bool ApplyWire(std::string_view request);
  // Head checkpoint (docs/storage.md, "Head checkpoint"). Appends to *out the active head's rows
  // after `*mark` (records in the WAL's framing) and moves *mark to their end. Writer thread.
  void AppendCheckpoint(RowsMark* mark, std::string* out) const;
  // Appends one record of a checkpoint to the active head (opening the store, before any write).
  Status LoadCheckpointRecord(uint8_t type, std::string_view payload);
  // The active head's Mark(), and indexes the rows appended since `from` by
  // LoadCheckpointRecord (once a checkpoint file has been loaded whole); DataLoss when a loaded
  // row refers past what was loaded (the rows are then not to be used: see Reset).
  RowsMark HeadMark() const;
  Status IndexLoaded(const RowsMark& from);
  // Drops the active head (a checkpoint failed to load: the WAL is replayed instead).
  void ResetActive();
  // Makes the active head the frozen one and starts an empty head. Requires no frozen head.
  void Freeze();
  // The frozen head as a block file image covering WAL segments <= wal_segment; "" when the
  // frozen head is empty (no block is written).
  std::string BuildBlock(uint64_t wal_segment) const;
  // Whether the frozen head holds spans (a block is written for it).
  bool HasFrozenSpans() const;
  // The block written to `file` as it is built (holding about BlockWriter::kSpillBytes of it).
  // Requires HasFrozenSpans().
  Status WriteBlock(uint64_t wal_segment, WritableFile& file) const;
  // Forgets the frozen head (it was empty, so no block replaces it).
  void DropFrozen();
  // One compaction step (store/compaction.h: CompactRun); `write` stores the merged image.
  StatusOr<std::vector<std::string>> CompactOnce(uint64_t max_bytes, const BlockWrite& write,
                                                 const std::atomic<bool>* cancel = nullptr,
                                                 bool eager = false);
  // Adds a block (at open, or the one built from the frozen head, which it then replaces).
  Status AddBlock(std::shared_ptr<BlockReader> reader, bool replaces_frozen);
  // Removes blocks whose newest span started before `cutoff_ns`; returns their paths.
  std::vector<std::string> RemoveBlocksBefore(uint64_t cutoff_ns);
  // Removes the oldest block; returns its path (none when there is no block).
  std::vector<std::string> RemoveOldestBlock();
  // Forgets the block read from `path` (found corrupt); false when it is not in the table.
  bool RemoveBlockOfFile(const std::string& path);

  size_t span_count() const;  // in the heads
  size_t block_count() const;
  uint64_t block_bytes() const;
  uint64_t oldest_head_ns() const;  // start time of the active head's first write (0 = empty)

  StatusOr<pdata::TraceBatch> GetTrace(const pdata::TraceId& id) override;
  StatusOr<std::vector<pdata::TraceBatch>> FindTraces(const TraceSearch& search) override;
  std::vector<std::string> Services() override;
  std::vector<Operation> Operations(const std::string& service) override;
  Status ScanTraces(uint64_t start_ns, uint64_t end_ns,
                    const std::function<bool(const pdata::TraceBatch&)>& fn) override;
  StatusOr<std::vector<DependencyLink>> Dependencies(uint64_t start_ns, uint64_t end_ns,
                                                     const QueryLimits& limits) override;

 private:
  static constexpr size_t kPageSpans = 2048;  // spans per block page, about
  struct Head;
  using Block = TraceBlock;
  // The inputs (consecutive blocks, oldest first) merged into one block, written to `fd`.
  Status Compact(const std::vector<std::shared_ptr<const Block>>& in, uint64_t wal_segment,
                 const std::atomic<bool>* cancel, int fd, const std::string& path) const;
  class PageCache;
  // The frozen head encoded into a builder writing through `writer`; none when it is empty.
  std::optional<TraceBlockBuilder> BuildFrozen(BlockWriter writer) const;
  // GetTrace, reading block pages through `cache`.
  StatusOr<pdata::TraceBatch> GetTrace(const pdata::TraceId& id, PageCache* cache);
  // Calls fn with each trace having a span that matches `search`, newest trace first (by its
  // latest span start), until fn returns false. Candidates come from the per-trace time range
  // and operation index; each is then checked span by span on its rows (block pages decoded
  // once per search, a few at a time).
  Status ForEachMatch(const TraceSearch& search,
                      const std::function<bool(pdata::TraceBatch&&)>& fn);

  // Orders operations and finds them by (name, kind) views without building strings.
  struct OperationLess {
    using is_transparent = void;
    using Key = std::pair<std::string_view, std::string_view>;
    static Key K(const Operation& o) { return {o.name, o.span_kind}; }
    static Key K(const Key& k) { return k; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return K(a) < K(b);
    }
  };
  // Operation → its id in ops_.
  using OperationIds = std::map<Operation, uint32_t, OperationLess>;
  // The id of (service, name, kind), added to the catalogue if new. Requires mu_ exclusive.
  uint32_t OperationId(std::string_view service, OperationLess::Key key);
  // Indexes the active head's rows from `first` on (trace ids, operations). Requires mu_.
  void IndexActive(uint32_t first);

  mutable std::shared_mutex mu_;
  std::shared_ptr<Head> active_;                      // GUARDED_BY(mu_)
  std::shared_ptr<const Head> frozen_;                // GUARDED_BY(mu_)
  std::vector<std::shared_ptr<const Block>> blocks_;  // GUARDED_BY(mu_), oldest first
  // The catalogue: service → operations (with ids), and (service, operation) by id.
  std::map<std::string, OperationIds, std::less<>> services_;  // GUARDED_BY(mu_)
  std::vector<std::pair<std::string, Operation>> ops_;         // GUARDED_BY(mu_)
};

// Jaeger's span.kind tag value for an OTLP kind ("" for unspecified).
std::string_view SpanKindName(pdata::SpanKind kind);
// The resource's service.name ("" if absent).
std::string_view ServiceName(const pdata::Resource& resource);

}  // namespace otter::store
