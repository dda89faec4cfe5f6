// MetricTable: the metric side of the store — OTLP metrics converted to Prometheus series
// (prom_convert.h). The series registry, its label postings, exemplars and metadata stay in
// memory; samples live in each series' head, then (after a flush) in per-series chunks of
// immutable blocks (docs/storage.md, "Metrics"). A series left without samples by retention is
// forgotten everywhere; the number of series is bounded by the store's max_series (AdmitSeries).
// Thread-safety: Accumulate/Apply/Freeze from the store's writer thread, BuildBlock/AddBlock from
// its flusher, queries from any thread; mu_ guards the registry. Chunks are read without the lock.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "store/block.h"
#include "store/block_retention.h"
#include "store/compaction.h"
#include "store/delta_accumulator.h"
#include "store/prom_convert.h"
#include "store/querier.h"

namespace otter::store {

// The column encoding of one series' samples in a block (delta-of-delta timestamps, XOR values).
void EncodeSamples(const std::vector<Sample>& samples, std::string* out);
bool DecodeSamples(std::string_view data, std::vector<Sample>* out);
// The same for native histogram samples (docs/storage.md, "Native histograms").
void EncodeHistogramSamples(const std::vector<HistogramSample>& samples, std::string* out);
bool DecodeHistogramSamples(std::string_view data, std::vector<HistogramSample>* out);

class MetricTable final : public MetricQuerier {
 public:
  explicit MetricTable(DeltaAccumulator::Options delta = {});
  ~MetricTable() override;

  // Converts `batch` (pure; any thread). Points that cannot be stored are counted in the result.
  ConvertedMetrics Convert(const pdata::MetricBatch& batch) const;
  // Turns the delta points of a converted write into cumulative samples (DeltaAccumulator), in
  // write order: the writer thread calls it for each committed write (and replay for each WAL
  // record) after AdmitSeries, before Apply. Dropped points are counted in `converted`.
  void Accumulate(ConvertedMetrics& converted) { delta_.Accumulate(&converted); }
  void Apply(ConvertedMetrics&& converted);
  // The accumulator's state as of the last Freeze (the flush writes it beside its blocks), and
  // restoring it at start-up before the WAL replay (docs/storage.md, "Delta metrics").
  std::string FrozenDeltaState() const;
  Status RestoreDeltaState(std::string_view image) { return delta_.Restore(image); }
  size_t delta_stream_count() const { return delta_.stream_count(); }

  // The series of a write refused by the active-series limit.
  struct SeriesRefusal {
    std::vector<Labels> series;
    size_t samples = 0;
  };
  // What one group commit admitted before it is applied.
  struct GroupAdmission {
    std::set<Labels> new_series;  // checked: not in the table
    size_t unchecked = 0;         // admitted without a look-up (far from the limit), maybe new
  };
  // Removes from `converted` the series that do not exist yet and would take the table past
  // `max_series` (0 = no limit): existing series are always written. `group` holds what earlier
  // writes of the same group commit (not yet applied) admitted and receives this write's. Exact
  // near the limit for the writer thread, the only one that creates series (far from it, a
  // write whose series all fit even if new is admitted without looking them up); retention may
  // meanwhile forget a series admitted as existing, which then comes back as one more.
  SeriesRefusal AdmitSeries(ConvertedMetrics& converted, size_t max_series,
                            GroupAdmission& group) const;
  void Freeze();
  // The frozen head as a block file image covering WAL segments <= wal_segment; "" when the
  // frozen head is empty (no block is written).
  std::string BuildBlock(uint64_t wal_segment) const;
  // Forgets the frozen head (it was empty, so no block replaces it).
  void DropFrozen();
  Status AddBlock(std::shared_ptr<BlockReader> reader, bool replaces_frozen);
  // One compaction step (store/compaction.h): merges the oldest run of consecutive blocks worth
  // merging into one written through `write`, copying their frames as stored. Returns the paths
  // of the blocks it replaced, for the caller to delete; none when there was nothing to merge;
  // Aborted (naming the merged block, or empty when `*cancel` stopped it) like CompactRun.
  StatusOr<std::vector<std::string>> CompactOnce(uint64_t max_bytes, const BlockWrite& write,
                                                 const std::atomic<bool>* cancel, bool eager);
  // Retention (store/block_retention.h): removes blocks whose newest sample is older than
  // cutoff_ms / the oldest block, with the series' chunks in them; returns their paths.
  std::vector<std::string> RemoveBlocksBefore(int64_t cutoff_ms);
  std::vector<std::string> RemoveOldestBlock();
  // Forgets the block read from `path` (found corrupt); false when it is not in the table.
  bool RemoveBlockOfFile(const std::string& path);

  size_t series_count() const;    // live series (with samples in a head or a block)
  size_t postings_count() const;  // (label name, value) pairs indexed
  size_t sample_count() const;    // in the heads
  size_t block_count() const;
  uint64_t block_bytes() const;

  StatusOr<std::vector<SeriesData>> Select(const Matchers& matchers, int64_t mint_ms,
                                           int64_t maxt_ms, size_t max_samples) override;
  StatusOr<std::vector<Labels>> Series(const std::vector<Matchers>& match_sets, int64_t mint_ms,
                                       int64_t maxt_ms) override;
  StatusOr<std::vector<std::string>> LabelNames(const std::vector<Matchers>& match_sets,
                                                int64_t mint_ms, int64_t maxt_ms) override;
  StatusOr<std::vector<std::string>> LabelValues(const std::string& name,
                                                 const std::vector<Matchers>& match_sets,
                                                 int64_t mint_ms, int64_t maxt_ms) override;
  std::map<std::string, std::vector<MetricMetadata>> Metadata(const std::string& metric,
                                                              size_t limit) override;
  StatusOr<std::vector<SeriesExemplars>> Exemplars(const std::vector<Matchers>& match_sets,
                                                   int64_t mint_ms, int64_t maxt_ms) override;

  // Exemplars kept per series (oldest dropped first), like Prometheus's bounded exemplar store.
  static constexpr size_t kMaxExemplarsPerSeries = 1000;

 private:
  struct Block {
    std::shared_ptr<BlockReader> reader;
    int64_t min_t = INT64_MAX, max_t = INT64_MIN;  // of its samples
    int64_t newest() const { return max_t == INT64_MIN ? INT64_MAX : max_t; }
  };
  struct ChunkRef {
    const Block* block;  // in blocks_: a block's chunks go when it does (under mu_)
    RecordLocation loc;
    int64_t min_t, max_t;
    bool histogram = false;  // a record of histogram samples
  };
  // A metric block's index entry (metric_block_format.cc): a series' labels, where its samples'
  // record is, their time range, the series' exemplars. A series has one entry per kind of
  // sample in a flushed block, and one per input block it was in in a compacted one.
  struct IndexEntry {
    Labels labels;
    RecordLocation loc;
    int64_t min_t = 0, max_t = 0;
    std::vector<ExemplarData> exemplars;
    bool histogram = false;
  };
  static void PutIndex(const std::vector<IndexEntry>& entries,
                       const std::vector<std::pair<std::string, MetricMetadata>>& metadata,
                       std::string* out);
  static Status ParseIndex(const BlockReader& reader, std::vector<IndexEntry>* entries,
                           std::vector<std::pair<std::string, MetricMetadata>>* metadata);
  using SampleVec = std::vector<Sample>;
  using HistogramVec = std::vector<HistogramSample>;
  struct StoredSeries {
    bool free = false;  // a forgotten series' slot, reused by the next new series
    Labels labels;
    SampleVec head;                           // ascending t_ms
    std::shared_ptr<const SampleVec> frozen;  // being flushed
    HistogramVec hist_head;                   // native histogram samples, the same way
    std::shared_ptr<const HistogramVec> hist_frozen;
    std::vector<ChunkRef> chunks;  // in blocks, oldest first
    int64_t min_t = INT64_MAX, max_t = INT64_MIN;
    std::vector<ExemplarData> exemplars;
  };
  struct FrozenSeries {
    Labels labels;
    std::shared_ptr<const SampleVec> samples;  // either may be null
    std::shared_ptr<const HistogramVec> histograms;
    std::vector<ExemplarData> exemplars;
  };
  struct Frozen {
    std::vector<FrozenSeries> series;
    std::map<std::string, std::vector<MetricMetadata>> metadata;
  };
  std::vector<uint32_t> Candidates(const Matchers& matchers) const;  // requires mu_
  std::vector<uint32_t> MatchingInRange(const std::vector<Matchers>& match_sets, int64_t mint_ms,
                                        int64_t maxt_ms) const;  // requires mu_
  uint32_t SeriesFor(Labels&& labels);                           // requires mu_ exclusive
  static void AddExemplars(StoredSeries& s, std::vector<ExemplarData>&& list);
  // Drops the removed blocks' chunks from the series, then forgets the series left without
  // samples (ForgetEmptySeries). Requires mu_ exclusive.
  void ForgetBlocks(const BlockPtrs<Block>& removed);
  // Removes series with no samples in a head or block from the registry, the postings and the
  // exemplars (their slots are reused), and the metadata of families with no series left;
  // survivors' exemplars older than their oldest sample go too. Requires mu_ exclusive.
  void ForgetEmptySeries();
  bool FamilyHasSeries(std::string_view family) const;  // requires mu_

  mutable std::shared_mutex mu_;
  std::vector<StoredSeries> series_;                             // GUARDED_BY(mu_)
  std::vector<uint32_t> free_slots_;                             // GUARDED_BY(mu_)
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash_;  // GUARDED_BY(mu_)
  std::map<std::string, std::map<std::string, std::vector<uint32_t>, std::less<>>, std::less<>>
      postings_;                                                 // GUARDED_BY(mu_)
  std::map<std::string, std::vector<MetricMetadata>> metadata_;  // GUARDED_BY(mu_)
  BlockPtrs<Block> blocks_;               // GUARDED_BY(mu_), oldest (WAL order) first
  std::shared_ptr<const Frozen> frozen_;  // GUARDED_BY(mu_)
  size_t head_samples_ = 0;               // GUARDED_BY(mu_)
  DeltaAccumulator delta_;                // the writer thread's
  std::string frozen_delta_state_;        // GUARDED_BY(mu_): Snapshot() at the last Freeze
};

}  // namespace otter::store
