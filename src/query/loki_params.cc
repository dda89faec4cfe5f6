#include "query/loki_params.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include "query/logql/engine.h"
#include "query/logql/lexer.h"

namespace otter::query::loki {

namespace {

constexpr std::string_view kTimeoutMessage =
    "request timed out, decrease the duration of the request or add more label matchers "
    "(prefer exact match over regex match) to reduce the amount of data processed";

}  // namespace

std::vector<std::string> EncodingFlags(const net::HttpRequest& request) {
  std::vector<std::string> flags;
  std::string_view raw = request.Header("X-Loki-Response-Encoding-Flags");
  while (!raw.empty()) {
    size_t comma = raw.find(',');
    std::string flag(raw.substr(0, comma));
    raw = comma == std::string_view::npos ? std::string_view() : raw.substr(comma + 1);
    if (!flag.empty() && std::find(flags.begin(), flags.end(), flag) == flags.end())
      flags.push_back(std::move(flag));
  }
  return flags;
}

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

void WriteJson(net::HttpResponse* out, std::string body, bool newline) {
  out->status = 200;
  out->headers = {{"Content-Type", "application/json; charset=UTF-8"}};
  out->body = std::move(body);
  if (newline) out->body += '\n';
}

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

StatusOr<uint64_t> ParseCount(const HttpParams& p, std::string_view name, uint64_t fallback) {
  auto v = p.Get(name);
  if (!v || v->empty()) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (end != v->c_str() + v->size() || n <= 0)
    return InvalidArgument(
        fmt::format("invalid parameter \"{}\": \"{}\" is not a positive integer", name, *v));
  return static_cast<uint64_t>(n);
}

StatusOr<store::Direction> ParseDirection(const HttpParams& p) {
  std::string d = p.GetOr("direction", "backward");
  for (char& c : d) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (d == "backward") return store::Direction::kBackward;
  if (d == "forward") return store::Direction::kForward;
  return InvalidArgument(fmt::format("invalid direction \"{}\"", p.GetOr("direction", "")));
}

StatusOr<size_t> ParseLimit(const HttpParams& p, size_t fallback, size_t max) {
  auto v = p.Get("limit");
  if (!v || v->empty()) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (end != v->c_str() + v->size())
    return InvalidArgument(fmt::format("invalid parameter \"limit\": cannot parse \"{}\"", *v));
  if (n <= 0) return InvalidArgument("limit must be a positive value");
  if (static_cast<unsigned long long>(n) > max) {
    return InvalidArgument(fmt::format(
        "max entries limit per query exceeded, limit > max_entries_limit_per_query ({} > {})", n,
        max));
  }
  return static_cast<size_t>(n);
}

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

std::string StringListJson(const std::vector<std::string>& values) {
  JsonWriter w;
  w.BeginObject().Key("status").String("success");
  if (!values.empty()) {
    w.Key("data").BeginArray();
    for (const auto& v : values) w.String(v);
    w.EndArray();
  }
  w.EndObject();
  return w.Take();
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

// Loki's entry: [ts, line], or with categorized labels [ts, line, {structuredMetadata?, parsed?}].
void WriteEntry(JsonWriter& w, const store::LogEntry& e, bool categorized) {
  w.BeginArray().String(std::to_string(e.ts_ns)).String(e.line);
  if (categorized) {
    w.BeginObject();
    if (!e.metadata.empty()) {
      w.Key("structuredMetadata");
      WriteLabels(w, e.metadata);
    }
    if (!e.parsed.empty()) {
      w.Key("parsed");
      WriteLabels(w, e.parsed);
    }
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace otter::query::loki
