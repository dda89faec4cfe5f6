// TargetConverter: turns one target's scrapes into OTLP metric batches the way otelcol-contrib's
// prometheus receiver does (its transaction / metricfamily rules): samples merged with the
// target's labels (honor_labels, exported_ renames), metric_relabel_configs, sample_limit; metric
// families from the TYPE/HELP/UNIT metadata (counters keep their sample name, histograms and
// summaries are assembled from _bucket/_sum/_count and quantile lines under the family name,
// info/stateset become non-monotonic sums, untyped becomes a gauge, `_created` gives the start
// time); one resource per (job, instance) with service.name, server.address, service.instance.id,
// server.port and url.scheme, target_info labels added to it, otel_scope_* labels as scopes;
// Prometheus's synthetic up / scrape_* gauges; and staleness: a series present in the previous
// scrape and absent now (or every series when the scrape failed or the target went away) gets
// a point flagged NoRecordedValue, which the store writes as a stale marker.
// Start times: `_created` when exposed, else (as otelcol's initial-point adjuster did) the time
// the series was first seen, renewed when a cumulative value goes down; or with
// use_start_time_metric, the value of process_start_time_seconds.
// Thread-safety: one converter per target, called by that target's scrape worker only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pdata/batch.h"
#include "receivers/prometheus/exposition_parser.h"
#include "receivers/prometheus/flat_table.h"
#include "receivers/prometheus/relabel.h"

namespace otter::promscrape {

struct TargetSpec {
  LabelSet labels;  // the target's labels after relabeling, without "__" names
  std::string scheme = "http";
  bool honor_labels = false;
  bool honor_timestamps = true;
  std::vector<RelabelRule> metric_relabel;
  uint64_t sample_limit = 0;  // 0 = none
  bool use_start_time_metric = false;
  std::string scope_version;  // the receiver scope's version (otter's)
};

struct ScrapeStats {
  size_t samples_scraped = 0;       // samples in the exposition
  size_t samples_post_relabel = 0;  // after metric_relabel_configs
  size_t series_added = 0;          // series not in the previous scrape
  size_t stale_series = 0;          // series given a stale marker
  size_t dropped = 0;               // samples dropped (duplicates, inconsistent timestamps, bad le)
  Status error;                     // parse error or sample_limit exceeded
};

// The otelcol scope name for metrics without otel_scope_name.
inline constexpr std::string_view kReceiverScopeName =
    "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver";

class TargetConverter {
 public:
  explicit TargetConverter(TargetSpec spec);

  // Converts one scrape. `body`/`content_type` are the response (ignored when `fetch_error` is
  // set); `scrape_ms` is when the scrape started; `duration_s` how long it took. The batch holds
  // the samples, the synthetic metrics and the stale markers.
  pdata::MetricBatch Convert(std::string body, std::string_view content_type, int64_t scrape_ms,
                             double duration_s, const Status& fetch_error, ScrapeStats* stats);

  // Stale markers for every series of the last scrape and for the synthetic metrics, at `ms`:
  // the target went away.
  pdata::MetricBatch StaleAll(int64_t ms);

  const TargetSpec& spec() const { return spec_; }

 private:
  struct FamilyMeta {
    FamilyType type = FamilyType::kUnknown;
    std::string help, unit;
    uint64_t last_seen = 0;
  };
  struct StartState {
    uint64_t start_ns = 0;
    double prev_value = 0, prev_sum = 0;
    uint64_t last_seen = 0;
  };
  // Compact record of one series of a scrape (name, then label names and values, NUL-separated).
  struct SeriesRecord {
    uint64_t hash;
    uint32_t offset, size;
  };
  class Assembler;
  friend class Assembler;

  // Stale markers for the previous scrape's series not in this one (all of them if `all`).
  void EmitStale(Assembler& a, int64_t ms, bool all, ScrapeStats* stats);
  void RecordSeries(uint64_t hash, std::string_view name, const std::vector<Label>& labels);

  TargetSpec spec_;
  std::vector<Label> target_labels_;  // views of spec_.labels
  std::unordered_map<std::string, FamilyMeta> metadata_;
  FlatTable<StartState> starts_;
  uint64_t generation_ = 0;
  // Series of the previous and the current scrape (staleness, scrape_series_added).
  std::string prev_buf_, cur_buf_;
  std::vector<SeriesRecord> prev_series_, cur_series_;
  FlatTable<uint64_t> series_gen_;  // series hash → generation of the scrape that last had it
  uint64_t last_scrape_gen_ = 0;    // the previous successful scrape's generation
  bool reported_ = false;           // synthetic metrics were emitted at least once
};

}  // namespace otter::promscrape
