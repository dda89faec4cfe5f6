#include "query/loki_api.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include "query/http_params.h"
#include "query/json_writer.h"
#include "query/logql/engine.h"
#include "query/logql/lexer.h"
#include "query/logql/parser.h"

namespace otter::query {

namespace {

constexpr std::string_view kPrefix = "/loki/api/v1/";
constexpr int64_t kHourNs = 3600LL * 1000000000LL;
constexpr int64_t kMaxPoints = 11000;
constexpr long long kMaxTailDelaySeconds = 5;  // Loki's maxDelayForInTailing

constexpr std::string_view kTimeoutMessage =
    "request timed out, decrease the duration of the request or add more label matchers "
    "(prefer exact match over regex match) to reduce the amount of data processed";

void WriteError(net::HttpResponse* out, int status, std::string_view message) {
  out->status = status;
  out->headers = {{"Content-Type", "text/plain; charset=utf-8"},
                  {"X-Content-Type-Options", "nosniff"}};
  out->body = std::string(message) + "\n";  // Go's http.Error appends a newline
}

void WriteStatusError(net::HttpResponse* out, const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kResourceExhausted:
    case StatusCode::kOutOfRange:
      WriteError(out, 400, s.message());
      break;
    case StatusCode::kDeadlineExceeded:
      WriteError(out, 504, kTimeoutMessage);
      break;
    case StatusCode::kUnavailable:
      WriteError(out, 503, s.message());
      break;
    default:
      WriteError(out, 500, s.message());
      break;
  }
}

void WriteJson(net::HttpResponse* out, std::string body) {
  out->status = 200;
  out->headers = {{"Content-Type", "application/json; charset=UTF-8"}};
  out->body = std::move(body);
}

// Loki's parseTimestamp: float seconds (with '.'), integer seconds (<= 10 digits) or
// nanoseconds, or RFC3339.
StatusOr<int64_t> ParseTime(const std::string& v, const std::string& param) {
  if (v.find('.') != std::string::npos && v.find('T') == std::string::npos) {
    char* end = nullptr;
    double f = std::strtod(v.c_str(), &end);
    if (end == v.c_str() + v.size() && std::isfinite(f)) {
      double secs = std::trunc(f);
      double frac = std::round((f - secs) * 1000) / 1000;
      return static_cast<int64_t>(secs) * 1000000000LL + static_cast<int64_t>(frac * 1e9);
    }
  }
  bool digits = !v.empty();
  for (size_t i = 0; i < v.size(); ++i)
    digits = digits && (std::isdigit(static_cast<unsigned char>(v[i])) || (i == 0 && v[i] == '-'));
  if (digits) {
    int64_t n = std::strtoll(v.c_str(), nullptr, 10);
    return v.size() <= 10 ? n * 1000000000LL : n;
  }
  // RFC3339: 2006-01-02T15:04:05[.frac](Z|±hh:mm)
  int y, mo, d, h, mi, s;
  int consumed = 0;
  if (std::sscanf(v.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) ==
      6) {
    std::string_view rest = std::string_view(v).substr(consumed);
    int64_t frac_ns = 0;
    if (!rest.empty() && rest[0] == '.') {
      rest.remove_prefix(1);
      int64_t scale = 100000000;
      while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest[0]))) {
        frac_ns += (rest[0] - '0') * scale;
        scale /= 10;
        rest.remove_prefix(1);
      }
    }
    int64_t offset_s = 0;
    bool ok = false;
    if (rest == "Z" || rest == "z") {
      ok = true;
    } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
      int oh = std::atoi(std::string(rest.substr(1, 2)).c_str());
      int om = std::atoi(std::string(rest.substr(4, 2)).c_str());
      offset_s = (rest[0] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
      ok = true;
    }
    if (ok) {
      std::tm tm{};
      tm.tm_year = y - 1900;
      tm.tm_mon = mo - 1;
      tm.tm_mday = d;
      tm.tm_hour = h;
      tm.tm_min = mi;
      tm.tm_sec = s;
      int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset_s;
      return secs * 1000000000LL + frac_ns;
    }
  }
  return InvalidArgument(
      fmt::format("invalid parameter \"{}\": cannot parse \"{}\" to a valid timestamp", param, v));
}

// Loki's step / since: float seconds or a duration ("5m").
StatusOr<int64_t> ParseSecondsOrDuration(const std::string& v, const std::string& param) {
  char* end = nullptr;
  double f = std::strtod(v.c_str(), &end);
  if (!v.empty() && end == v.c_str() + v.size() && std::isfinite(f))
    return static_cast<int64_t>(std::llround(f * 1e9));
  int64_t ns = 0;
  if (logql::ParseDurationNs(v, &ns)) return ns;
  return InvalidArgument(
      fmt::format("invalid parameter \"{}\": cannot parse \"{}\" to a valid duration", param, v));
}

struct TimeRange {
  int64_t start = 0;
  int64_t end = 0;
};

StatusOr<TimeRange> ParseRange(const HttpParams& p, int64_t now) {
  TimeRange r;
  r.end = now;
  if (auto v = p.Get("end"); v && !v->empty()) {
    ASSIGN_OR_RETURN(r.end, ParseTime(*v, "end"));
  }
  int64_t since = kHourNs;
  if (auto v = p.Get("since"); v && !v->empty()) {
    ASSIGN_OR_RETURN(since, ParseSecondsOrDuration(*v, "since"));
  }
  r.start = r.end - since;
  if (auto v = p.Get("start"); v && !v->empty()) {
    ASSIGN_OR_RETURN(r.start, ParseTime(*v, "start"));
  }
  if (r.end < r.start)
    return InvalidArgument("end timestamp must not be before or equal to start time");
  return r;
}

StatusOr<store::Direction> ParseDirection(const HttpParams& p) {
  std::string d = p.GetOr("direction", "backward");
  for (char& c : d) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (d == "backward") return store::Direction::kBackward;
  if (d == "forward") return store::Direction::kForward;
  return InvalidArgument(fmt::format("invalid direction \"{}\"", p.GetOr("direction", "")));
}

StatusOr<size_t> ParseLimit(const HttpParams& p, const LokiApi::Options& o) {
  auto v = p.Get("limit");
  if (!v || v->empty()) return o.default_limit;
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (end != v->c_str() + v->size())
    return InvalidArgument(fmt::format("invalid parameter \"limit\": cannot parse \"{}\"", *v));
  if (n <= 0) return InvalidArgument("limit must be a positive value");
  if (static_cast<unsigned long long>(n) > o.max_entries_limit) {
    return InvalidArgument(fmt::format(
        "max entries limit per query exceeded, limit > max_entries_limit_per_query ({} > {})", n,
        o.max_entries_limit));
  }
  return static_cast<size_t>(n);
}

// Prometheus's timestamp encoding: seconds with up to 3 decimals.
std::string FormatSeconds(int64_t t_ns) {
  int64_t ms = t_ns / 1000000;
  if (t_ns < 0 && t_ns % 1000000 != 0) --ms;
  int64_t secs = ms / 1000, frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --secs;
  }
  std::string out = std::to_string(secs);
  if (frac != 0) {
    std::string f = fmt::format("{:03}", frac);
    while (f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out;
}

void WriteLabels(JsonWriter& w, const store::Labels& labels) {
  w.BeginObject();
  for (const auto& l : labels) w.Key(l.name).String(l.value);
  w.EndObject();
}

void WritePoint(JsonWriter& w, int64_t t_ns, double v) {
  w.BeginArray().Raw(FormatSeconds(t_ns)).String(FormatPromFloat(v)).EndArray();
}

void WriteStats(JsonWriter& w, const logql::QueryStats& s, int64_t exec_ns) {
  double exec_s = static_cast<double>(exec_ns) / 1e9;
  auto per_second = [&](uint64_t n) -> int64_t {
    return exec_s > 0 ? static_cast<int64_t>(static_cast<double>(n) / exec_s) : 0;
  };
  w.Key("stats").BeginObject().Key("summary").BeginObject();
  w.Key("bytesProcessedPerSecond").Int(per_second(s.bytes_processed));
  w.Key("linesProcessedPerSecond").Int(per_second(s.lines_processed));
  w.Key("totalBytesProcessed").Uint(s.bytes_processed);
  w.Key("totalLinesProcessed").Uint(s.lines_processed);
  w.Key("execTime").Double(exec_s);
  w.Key("queueTime").Int(0);
  w.Key("subqueries").Int(0);
  w.Key("totalEntriesReturned").Uint(s.entries_returned);
  w.Key("splits").Int(0);
  w.Key("shards").Int(0);
  w.Key("totalPostFilterLines").Uint(s.post_filter_lines);
  w.Key("totalStructuredMetadataBytesProcessed").Int(0);
  w.EndObject().EndObject();
}

std::string QueryResultJson(const logql::QueryResult& r, int64_t exec_ns) {
  JsonWriter w;
  w.BeginObject().Key("status").String("success").Key("data").BeginObject();
  switch (r.type) {
    case logql::QueryResult::Type::kStreams:
      w.Key("resultType").String("streams").Key("result").BeginArray();
      for (const auto& s : r.streams) {
        w.BeginObject().Key("stream");
        WriteLabels(w, s.labels);
        w.Key("values").BeginArray();
        for (const auto& e : s.entries)
          w.BeginArray().String(std::to_string(e.ts_ns)).String(e.line).EndArray();
        w.EndArray().EndObject();
      }
      w.EndArray();
      break;
    case logql::QueryResult::Type::kMatrix:
      w.Key("resultType").String("matrix").Key("result").BeginArray();
      for (const auto& s : r.series) {
        w.BeginObject().Key("metric");
        WriteLabels(w, s.labels);
        w.Key("values").BeginArray();
        for (const auto& [t, v] : s.points) WritePoint(w, t, v);
        w.EndArray().EndObject();
      }
      w.EndArray();
      break;
    case logql::QueryResult::Type::kVector:
      w.Key("resultType").String("vector").Key("result").BeginArray();
      for (const auto& s : r.series) {
        w.BeginObject().Key("metric");
        WriteLabels(w, s.labels);
        w.Key("value");
        WritePoint(w, s.points.front().first, s.points.front().second);
        w.EndObject();
      }
      w.EndArray();
      break;
    case logql::QueryResult::Type::kScalar:
      w.Key("resultType").String("scalar").Key("result");
      WritePoint(w, r.scalar_t_ns, r.scalar);
      break;
  }
  WriteStats(w, r.stats, exec_ns);
  w.EndObject().EndObject();
  return w.Take();
}

std::string StringListJson(const std::vector<std::string>& values) {
  JsonWriter w;
  w.BeginObject().Key("status").String("success").Key("data").BeginArray();
  for (const auto& v : values) w.String(v);
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace

LokiApi::LokiApi(store::LogQuerier& querier, Options options)
    : querier_(querier), options_(std::move(options)) {}

int64_t LokiApi::Now() const {
  if (options_.now_ns) return options_.now_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

StatusOr<store::QueryLimits> LokiApi::Limits(const HttpParams& p,
                                             std::chrono::steady_clock::time_point received) const {
  std::chrono::nanoseconds timeout = options_.timeout;
  if (auto v = p.Get("timeout"); v && !v->empty()) {
    ASSIGN_OR_RETURN(int64_t ns, ParseSecondsOrDuration(*v, "timeout"));
    if (ns > 0) timeout = std::min(timeout, std::chrono::nanoseconds(ns));
  }
  store::QueryLimits limits =
      store::QueryLimits::WithTimeout(timeout, options_.max_entries, received);
  limits.max_items_name = "query::max_log_entries";
  return limits;
}

StatusOr<TailRequest> LokiApi::ParseTail(const net::HttpRequest& request) const {
  ASSIGN_OR_RETURN(const HttpParams p, HttpParams::FromRequest(request));
  TailRequest t;
  ASSIGN_OR_RETURN(t.expr, logql::ParseQuery(p.GetOr("query", "")));
  if (!t.expr->IsLogQuery())
    return InvalidArgument("tailing is only supported for log queries, not metric queries");
  ASSIGN_OR_RETURN(t.limit, ParseLimit(p, options_));
  ASSIGN_OR_RETURN(TimeRange r, ParseRange(p, Now()));
  t.start_ns = r.start;
  if (auto v = p.Get("delay_for"); v && !v->empty()) {
    char* end = nullptr;
    long long secs = std::strtoll(v->c_str(), &end, 10);
    if (end != v->c_str() + v->size())
      return InvalidArgument(
          fmt::format("invalid parameter \"delay_for\": cannot parse \"{}\"", *v));
    if (secs > kMaxTailDelaySeconds)
      return InvalidArgument(
          fmt::format("delay_for can't be greater than {}", kMaxTailDelaySeconds));
    t.delay_ns = std::max<long long>(secs, 0) * 1000000000LL;
  }
  for (std::string_view flags = request.Header("X-Loki-Response-Encoding-Flags"); !flags.empty();) {
    size_t comma = flags.find(',');
    std::string_view flag = flags.substr(0, comma);
    while (!flag.empty() && flag.front() == ' ') flag.remove_prefix(1);
    while (!flag.empty() && flag.back() == ' ') flag.remove_suffix(1);
    if (flag == "categorize-labels") t.categorize_labels = true;
    flags = comma == std::string_view::npos ? std::string_view() : flags.substr(comma + 1);
  }
  return t;
}

bool LokiApi::Handles(std::string_view path) const {
  if (path == "/ready") return true;
  if (path.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view rest = path.substr(kPrefix.size());
  if (rest == "query_range" || rest == "query" || rest == "labels" || rest == "label" ||
      rest == "series" || rest == "index/stats" || rest == "tail")
    return true;
  return rest.substr(0, 6) == "label/" && rest.size() > 13 &&
         rest.substr(rest.size() - 7) == "/values";
}

void LokiApi::Handle(const net::HttpRequest& request, net::HttpResponse* out,
                     std::chrono::steady_clock::time_point received) const {
  std::string_view path = request.path();
  if (path == "/ready") {
    WriteError(out, 200, "ready");
    return;
  }
  if (request.method != "GET" && request.method != "POST") {
    WriteError(out, 405, "method not allowed");
    return;
  }
  auto params_or = HttpParams::FromRequest(request);
  if (!params_or.ok()) return WriteStatusError(out, params_or.status());
  const HttpParams& p = *params_or;
  std::string_view rest = path.substr(std::min(kPrefix.size(), path.size()));
  const int64_t started = Now();

  if (rest == "tail") {  // a tail that is not a WebSocket upgrade, as Loki's upgrader answers it
    WriteError(out, 400,
               "websocket: the client is not using the websocket protocol: 'upgrade' token not "
               "found in 'Connection' header");
    return;
  }
  auto run = [&]() -> Status {
    ASSIGN_OR_RETURN(const store::QueryLimits limits, Limits(p, received));
    if (rest == "query_range" || rest == "query") {
      const bool instant = rest == "query";
      ASSIGN_OR_RETURN(auto expr, logql::ParseQuery(p.GetOr("query", "")));
      logql::QueryParams qp;
      ASSIGN_OR_RETURN(qp.direction, ParseDirection(p));
      if (expr->IsLogQuery()) {
        if (instant)
          return InvalidArgument(
              "log queries are not supported as an instant query type, please change your "
              "query to a range query type");
        ASSIGN_OR_RETURN(qp.limit, ParseLimit(p, options_));
      }
      if (instant) {
        qp.instant = true;
        qp.end_ns = started;
        if (auto v = p.Get("time"); v && !v->empty()) {
          ASSIGN_OR_RETURN(qp.end_ns, ParseTime(*v, "time"));
        }
        qp.start_ns = qp.end_ns;
      } else {
        ASSIGN_OR_RETURN(TimeRange r, ParseRange(p, started));
        qp.start_ns = r.start;
        qp.end_ns = r.end;
        if (auto v = p.Get("step"); v && !v->empty()) {
          ASSIGN_OR_RETURN(qp.step_ns, ParseSecondsOrDuration(*v, "step"));
        } else {
          int64_t secs = (r.end - r.start) / 1000000000LL / 250;
          qp.step_ns = std::max<int64_t>(secs, 1) * 1000000000LL;
        }
        if (qp.step_ns <= 0)
          return InvalidArgument(
              "zero or negative query resolution step widths are not accepted. Try a positive "
              "integer");
        if (!expr->IsLogQuery() && (r.end - r.start) / qp.step_ns > kMaxPoints)
          return InvalidArgument(
              "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the "
              "query resolution (?step=XX)");
      }
      logql::Engine engine(querier_, logql::EngineOptions{options_.max_series});
      ASSIGN_OR_RETURN(logql::QueryResult result, engine.Exec(*expr, qp, limits));
      WriteJson(out, QueryResultJson(result, Now() - started));
      return Status::Ok();
    }
    if (rest == "labels" || rest == "label") {
      ASSIGN_OR_RETURN(TimeRange r, ParseRange(p, started));
      ASSIGN_OR_RETURN(auto names, querier_.LabelNames(r.start, r.end));
      RETURN_IF_ERROR(limits.CheckDeadline());
      WriteJson(out, StringListJson(names));
      return Status::Ok();
    }
    if (rest.substr(0, 6) == "label/") {
      std::string_view name_enc = rest.substr(6, rest.size() - 6 - 7);
      ASSIGN_OR_RETURN(std::string name, UrlDecode(name_enc));
      ASSIGN_OR_RETURN(TimeRange r, ParseRange(p, started));
      ASSIGN_OR_RETURN(auto values, querier_.LabelValues(name, r.start, r.end));
      RETURN_IF_ERROR(limits.CheckDeadline());
      WriteJson(out, StringListJson(values));
      return Status::Ok();
    }
    if (rest == "series") {
      std::vector<std::string> selectors = p.GetAll("match[]");
      for (auto& m : p.GetAll("match")) selectors.push_back(std::move(m));
      std::vector<store::Matchers> sets;
      for (const auto& s : selectors) {
        ASSIGN_OR_RETURN(auto m, logql::ParseStreamSelector(s));
        sets.push_back(std::move(m));
      }
      ASSIGN_OR_RETURN(TimeRange r, ParseRange(p, started));
      ASSIGN_OR_RETURN(auto series, querier_.Series(sets, r.start, r.end));
      RETURN_IF_ERROR(limits.CheckDeadline());
      JsonWriter w;
      w.BeginObject().Key("status").String("success").Key("data").BeginArray();
      for (const auto& s : series) WriteLabels(w, s);
      w.EndArray().EndObject();
      WriteJson(out, w.Take());
      return Status::Ok();
    }
    if (rest == "index/stats") {
      ASSIGN_OR_RETURN(auto matchers, logql::ParseStreamSelector(p.GetOr("query", "")));
      ASSIGN_OR_RETURN(TimeRange r, ParseRange(p, started));
      store::LogSelect sel;
      sel.stream_matchers = std::move(matchers);
      sel.start_ns = r.start;
      sel.end_ns = r.end;
      ASSIGN_OR_RETURN(auto streams, querier_.Select(sel));
      uint64_t entries = 0, bytes = 0;
      for (const auto& s : streams) {
        entries += s.entries.size();
        for (const auto& e : s.entries) bytes += e.line.size();
      }
      JsonWriter w;
      w.BeginObject().Key("streams").Uint(streams.size()).Key("chunks").Uint(0);
      w.Key("bytes").Uint(bytes).Key("entries").Uint(entries).EndObject();
      WriteJson(out, w.Take());
      return Status::Ok();
    }
    return NotFound("404 page not found");
  };
  Status s = run();
  if (s.code() == StatusCode::kNotFound) {
    WriteError(out, 404, s.message());
  } else if (!s.ok()) {
    WriteStatusError(out, s);
  }
}

}  // namespace otter::query
