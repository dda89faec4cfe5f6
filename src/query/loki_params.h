// Request parameters and JSON pieces shared by the Loki API's endpoints (query/loki_api.h):
// Loki's timestamp, duration, range, direction and limit parsing with its error texts, its
// plain-text error answers, and the label/point encodings of its JSON. Stateless; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "net/http_server.h"
#include "query/http_params.h"
#include "query/json_writer.h"
#include "store/labels.h"
#include "store/querier.h"

namespace otter::query::logql {
struct QueryStats;
}

namespace otter::query::loki {

constexpr int64_t kSecondNs = 1000000000LL;
constexpr int64_t kHourNs = 3600 * kSecondNs;

// Loki's parseTimestamp: float seconds (with '.'), integer seconds (<= 10 digits) or
// nanoseconds, or RFC3339. `param` names the parameter in the error.
StatusOr<int64_t> ParseTime(const std::string& v, const std::string& param);
// Loki's step / since: float seconds or a duration ("5m").
StatusOr<int64_t> ParseSecondsOrDuration(const std::string& v, const std::string& param);

struct TimeRange {
  int64_t start = 0;
  int64_t end = 0;
};
// start/end/since as Loki reads them: end defaults to now, start to end - since (1h).
StatusOr<TimeRange> ParseRange(const HttpParams& p, int64_t now);
// A positive integer parameter; `fallback` when absent or empty.
StatusOr<uint64_t> ParseCount(const HttpParams& p, std::string_view name, uint64_t fallback);
StatusOr<store::Direction> ParseDirection(const HttpParams& p);
// ?limit= for log queries: default `fallback`, at most `max` (max_entries_limit_per_query).
StatusOr<size_t> ParseLimit(const HttpParams& p, size_t fallback, size_t max);

// The X-Loki-Response-Encoding-Flags the client sent (comma-separated), in order, once each.
std::vector<std::string> EncodingFlags(const net::HttpRequest& request);
constexpr std::string_view kCategorizeLabels = "categorize-labels";

// Go's http.Error: text/plain with a trailing newline.
void WriteError(net::HttpResponse* out, int status, std::string_view message);
// The status code Loki answers for `s` (400 bad request, 504 timeout, ...).
void WriteStatusError(net::HttpResponse* out, const Status& s);
// 200 with a JSON body; Loki's own encoders end it with a newline, its Prometheus-style ones
// (index/volume, the ruler) do not.
void WriteJson(net::HttpResponse* out, std::string body, bool newline = true);

// Prometheus's timestamp encoding: seconds with up to 3 decimals.
std::string FormatSeconds(int64_t t_ns);
void WriteLabels(JsonWriter& w, const store::Labels& labels);
// Loki's entry: [ts, line], or with categorized labels [ts, line, {structuredMetadata?, parsed?}].
void WriteEntry(JsonWriter& w, const store::LogEntry& e, bool categorized);
// [<seconds>, "<value>"]
void WritePoint(JsonWriter& w, int64_t t_ns, double v);
// "stats":{"summary":{...}} of a query that ran `exec_ns` (Loki's stats.Result summary).
void WriteStats(JsonWriter& w, const logql::QueryStats& s, int64_t exec_ns);
// {"status":"success","data":[...strings]}; "data" left out when empty (Go's omitempty).
std::string StringListJson(const std::vector<std::string>& values);

}  // namespace otter::query::loki
