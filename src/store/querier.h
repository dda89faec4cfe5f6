// The read side of the embedded store, as the query APIs (src/query/) see it: one interface per
// signal. The store implements them over its head and on-disk blocks; tests implement them in
// memory. Every method may be called from any thread, concurrently with writes.
//
// Times: metrics in Unix milliseconds (Prometheus), logs in Unix nanoseconds (Loki), traces in
// Unix nanoseconds (OTLP). Ranges are inclusive of both ends unless said otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "pdata/batch.h"
#include "store/labels.h"
#include "store/matcher.h"
#include "store/native_histogram.h"

namespace otter::store {

// The limits of one query (docs/storage.md, "Query limits"), checked by the store while it reads
// so that a query stops as soon as it passes one: past the deadline it fails with
// DeadlineExceeded, past its budget with ResourceExhausted naming the limit.
struct QueryLimits {
  using Clock = std::chrono::steady_clock;
  Clock::time_point deadline = Clock::time_point::max();
  // Items (log entries, trace candidates) the query may hold in memory at once; 0 = no limit.
  size_t max_items = 0;
  // The option that sets max_items, named in the error.
  std::string_view max_items_name = "max_items";

  // Limits whose deadline is `timeout` after `start` (when the request arrived).
  static QueryLimits WithTimeout(Clock::duration timeout, size_t max_items = 0,
                                 Clock::time_point start = Clock::now());
  // DeadlineExceeded once the deadline has passed.
  Status CheckDeadline() const;
  // ResourceExhausted when `held` items exceed max_items; `what` names them ("log entries").
  Status CheckHeld(size_t held, std::string_view what) const;
};

// ---------------------------------------------------------------- metrics (Prometheus model)

struct Sample {
  int64_t t_ms = 0;
  double v = 0;
  friend bool operator==(const Sample&, const Sample&) = default;
};

// A native histogram sample (OTLP exponential histograms are stored as these).
struct HistogramSample {
  int64_t t_ms = 0;
  NativeHistogram h;
  friend bool operator==(const HistogramSample&, const HistogramSample&) = default;
};

struct SeriesData {
  Labels labels;                // includes __name__
  std::vector<Sample> samples;  // ascending t_ms, unique t_ms
  // Native histogram samples, ascending t_ms, unique t_ms (a series may have both kinds).
  std::vector<HistogramSample> histograms;
};

struct ExemplarData {
  Labels labels;  // trace_id, span_id (hex) and the exemplar's filtered attributes
  double value = 0;
  int64_t t_ms = 0;
};

struct SeriesExemplars {
  Labels series_labels;
  std::vector<ExemplarData> exemplars;  // ascending t_ms
};

struct MetricMetadata {
  std::string type;  // "counter", "gauge", "histogram", "summary", "unknown"
  std::string help;
  std::string unit;
  friend bool operator==(const MetricMetadata&, const MetricMetadata&) = default;
};

// Prometheus's storage.Querier, roughly. `match_sets` are OR-ed selectors (the `match[]` API
// parameter); an empty list means "all series".
class MetricQuerier {
 public:
  virtual ~MetricQuerier() = default;

  // Series matching all `matchers` with their samples in [mint_ms, maxt_ms]; series with no
  // sample in range are left out. Fails with ResourceExhausted once more than `max_samples`
  // samples would be returned (the engine's "query processing would load too many samples").
  virtual StatusOr<std::vector<SeriesData>> Select(const Matchers& matchers, int64_t mint_ms,
                                                   int64_t maxt_ms, size_t max_samples) = 0;
  // Label sets of the series matching any of `match_sets` that have samples in range.
  virtual StatusOr<std::vector<Labels>> Series(const std::vector<Matchers>& match_sets,
                                               int64_t mint_ms, int64_t maxt_ms) = 0;
  // Sorted, unique.
  virtual StatusOr<std::vector<std::string>> LabelNames(const std::vector<Matchers>& match_sets,
                                                        int64_t mint_ms, int64_t maxt_ms) = 0;
  virtual StatusOr<std::vector<std::string>> LabelValues(const std::string& name,
                                                         const std::vector<Matchers>& match_sets,
                                                         int64_t mint_ms, int64_t maxt_ms) = 0;
  // Metric family name → metadata (one entry per distinct metadata). `metric` empty = all;
  // `limit` 0 = no limit on families.
  virtual std::map<std::string, std::vector<MetricMetadata>> Metadata(const std::string& metric,
                                                                      size_t limit) = 0;
  virtual StatusOr<std::vector<SeriesExemplars>> Exemplars(const std::vector<Matchers>& match_sets,
                                                           int64_t mint_ms, int64_t maxt_ms) = 0;
};

// ---------------------------------------------------------------- logs (Loki model)

struct LogEntry {
  int64_t ts_ns = 0;
  std::string line;
  // Loki's structured metadata: trace_id, span_id (hex), severity_text, the record's attributes
  // (names sanitised like labels). Sorted like Labels.
  Labels metadata;
  // Query results with categorized labels only: the labels the query's parsers and formatters
  // added (Loki's "parsed" category). Sorted like Labels.
  Labels parsed;
};

struct LogStream {
  Labels labels;                  // the stream's index labels (service_name, ...)
  std::vector<LogEntry> entries;  // ordered per the requested direction
};

enum class Direction { kBackward, kForward };

struct LogSelect {
  Matchers stream_matchers;  // the {…} selector; at least one
  int64_t start_ns = 0;      // inclusive
  int64_t end_ns = 0;        // exclusive (Loki)
  Direction direction = Direction::kBackward;
  // Stop after this many entries in total across streams, taken in `direction` order
  // (0 = no limit). Metric queries pass 0.
  size_t limit = 0;
  // When set, only entries whose trace_id metadata equals this (lowercase hex): lets the store use
  // its trace-id index for `| trace_id="…"`.
  std::optional<std::string> trace_id;
};

// What the index knows of one stream over a time range (Loki's index/stats and index/volume):
// its chunks overlapping the range, and its entries and line bytes in it. Entries and bytes of a
// stored chunk only partly in the range are prorated by the time it covers, as Loki does.
struct StreamStats {
  Labels labels;
  uint64_t chunks = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

// One entry of a scan, with the labels of its stream (valid during the call).
using LogVisitor = std::function<bool(const Labels& stream, LogEntry&& entry)>;

// A live-tail subscription (Loki's tail): while it exists, the store calls its function with each
// entry it stores whose stream matches. Destroying it ends the calls, waiting for one in progress.
class LogWatch {
 public:
  virtual ~LogWatch() = default;
};
using LogWatchFn = std::function<void(const Labels& stream, LogEntry&& entry)>;

class LogQuerier {
 public:
  virtual ~LogQuerier() = default;
  // Fails with ResourceExhausted past the store's per-query entry budget.
  virtual StatusOr<std::vector<LogStream>> Select(const LogSelect& select) = 0;
  // Calls `fn` with the entries `select` picks, merged across streams in select.direction order
  // (ties in a stable but unspecified order), until it returns false or select.limit entries were
  // passed. Streaming: the store holds only the chunks that overlap the current time, so a
  // caller that filters and stops early reads little. Checks `limits` as it goes (the deadline,
  // and max_items against the entries it holds).
  virtual Status Scan(const LogSelect& select, const QueryLimits& limits, const LogVisitor& fn) = 0;
  virtual StatusOr<std::vector<std::string>> LabelNames(int64_t start_ns, int64_t end_ns) = 0;
  virtual StatusOr<std::vector<std::string>> LabelValues(const std::string& name, int64_t start_ns,
                                                         int64_t end_ns) = 0;
  virtual StatusOr<std::vector<Labels>> Series(const std::vector<Matchers>& match_sets,
                                               int64_t start_ns, int64_t end_ns) = 0;
  // The streams matching `matchers` that have entries in [start_ns, end_ns), sorted by labels,
  // computed from the index (chunk metadata), not by reading entries. Checks limits' deadline.
  virtual StatusOr<std::vector<StreamStats>> IndexStats(const Matchers& matchers, int64_t start_ns,
                                                        int64_t end_ns,
                                                        const QueryLimits& limits) = 0;
  // Entries stored from now on, in the order they are stored, as long as the result lives. `fn`
  // runs on the store's writer thread: it must be quick and must not call into the store.
  virtual std::unique_ptr<LogWatch> Watch(Matchers stream_matchers, LogWatchFn fn) = 0;
};

// ---------------------------------------------------------------- traces (Jaeger model)

struct TraceSearch {
  std::string service;    // resource service.name; empty = any
  std::string operation;  // span name; empty = any
  // Each tag must match one span of the trace (with service/operation, if given): a span
  // attribute, a resource attribute, an event attribute, or the synthesised "error"
  // ("true" for status ERROR), "span.kind" ("server", ...), "otel.status_code" ("OK"/"ERROR").
  std::vector<std::pair<std::string, std::string>> tags;
  uint64_t start_ns = 0;  // span start time within [start_ns, end_ns]
  uint64_t end_ns = 0;
  std::optional<uint64_t> min_duration_ns;
  std::optional<uint64_t> max_duration_ns;
  size_t limit = 20;  // traces
  // Deadline, and max_items: the candidate traces a search may hold.
  QueryLimits limits;
};

// Calls from one service to another: spans of `child` whose parent span is of `parent`.
struct DependencyLink {
  std::string parent;
  std::string child;
  uint64_t call_count = 0;
  friend bool operator==(const DependencyLink&, const DependencyLink&) = default;
};

struct Operation {
  std::string name;
  std::string span_kind;  // "server", "client", "producer", "consumer", "internal", "" unspecified
  friend bool operator==(const Operation&, const Operation&) = default;
  friend auto operator<=>(const Operation&, const Operation&) = default;
};

class TraceQuerier {
 public:
  virtual ~TraceQuerier() = default;
  // All stored spans of the trace, over all retained data; NotFound when there are none.
  virtual StatusOr<pdata::TraceBatch> GetTrace(const pdata::TraceId& id) = 0;
  // Complete traces (every stored span of each) having a span that matches `search`, most
  // recent first, at most search.limit.
  virtual StatusOr<std::vector<pdata::TraceBatch>> FindTraces(const TraceSearch& search) = 0;
  // Sorted, unique.
  virtual std::vector<std::string> Services() = 0;
  // Sorted; `service` empty = all services.
  virtual std::vector<Operation> Operations(const std::string& service) = 0;
  // Calls `fn` with each trace having a span that starts in [start_ns, end_ns] until it returns
  // false (for /api/dependencies).
  virtual Status ScanTraces(uint64_t start_ns, uint64_t end_ns,
                            const std::function<bool(const pdata::TraceBatch&)>& fn) = 0;
  // Service call counts (for /api/dependencies) over the traces having a span that starts in
  // [start_ns, end_ns]: each span whose parent span (in the same trace) belongs to another
  // service counts one call parent → child. Sorted by (parent, child). Computed from the stored
  // rows trace by trace, holding one trace at a time; checks limits.deadline.
  virtual StatusOr<std::vector<DependencyLink>> Dependencies(uint64_t start_ns, uint64_t end_ns,
                                                             const QueryLimits& limits) = 0;
};

}  // namespace otter::store
