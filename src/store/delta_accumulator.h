// DeltaAccumulator: turns the delta-temporality sums and histograms of converted writes
// (prom_convert.h's DeltaPoints) into cumulative samples, one running total per stream, with the
// rules of otelcol-contrib's deltatocumulative processor: a stream's first point starts it; a
// point whose start time is older than the stream's is dropped, as is one not newer than the
// stream's last point (out of order); any other point is added, also across a gap (a delta SDK
// sends no point for an interval without measurements); a histogram whose bucket layout changed
// starts the stream over. Exponential histograms are added at the coarser of the two schemas.
// Streams without a point for max_stale (measured in data time, so that replaying the WAL
// rebuilds exactly the same state) are forgotten; new streams beyond max_streams are dropped.
// Dropped points are counted in the write's ConvertedMetrics (the client gets a partial success).
// The state is serialised at each flush (Snapshot/Restore; docs/storage.md, "Delta metrics").
// Thread-safety: not thread-safe; the store's writer thread owns it (Open's replay before that).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "store/labels.h"
#include "store/prom_convert.h"

namespace otter::store {

class DeltaAccumulator {
 public:
  struct Options {
    int64_t max_stale_ms = 5 * 60 * 1000;  // 0 = streams are never forgotten
    size_t max_streams = 1'000'000;        // 0 = no limit
  };
  DeltaAccumulator() = default;
  explicit DeltaAccumulator(Options options) : options_(options) {}

  // Replaces the delta values of `converted` (its DeltaPoints, in order) with cumulative samples
  // appended to their series; points that are dropped are counted in dropped_points with a
  // reason. Series left without samples or exemplars are removed.
  void Accumulate(ConvertedMetrics* converted);

  // The whole state as bytes (magic, crc32, body), and back. Restore replaces the state; a
  // damaged image is DataLoss and leaves the state empty.
  std::string Snapshot() const;
  Status Restore(std::string_view image);

  size_t stream_count() const { return streams_.size(); }
  uint64_t dropped_points() const { return dropped_; }

 private:
  struct Stream {
    uint64_t start_ns = 0;
    uint64_t last_ns = 0;
    uint64_t layout = 0;
    std::vector<double> values;  // running totals, one per component
    bool histogram = false;      // an exponential histogram stream: the total is `hist`
    NativeHistogram hist;
  };
  struct LabelsHash {
    size_t operator()(const Labels& l) const { return HashLabels(l); }
  };
  // Forgets streams idle for max_stale (in data time) once per sweep interval.
  void Expire();
  void Drop(const DeltaPoint& p, std::string_view why, ConvertedMetrics* out);

  Options options_;
  std::unordered_map<Labels, Stream, LabelsHash> streams_;
  uint64_t watermark_ns_ = 0;   // newest point time seen
  uint64_t last_sweep_ns_ = 0;  // watermark at the last expiry sweep
  uint64_t dropped_ = 0;
};

}  // namespace otter::store
