#include "query/loki_patterns.h"

#include <algorithm>
#include <array>

#include "query/json_writer.h"
#include "query/logql/parser.h"
#include "query/logql/patterns.h"

namespace otter::query {

namespace {

constexpr int64_t kResolutionNs = 10'000'000'000;  // Loki's pattern TimeResolution
constexpr size_t kDeadlineCheckEvery = 1024;
// Streams (x levels) clustered separately; lines of further groups are not read into patterns.
constexpr size_t kMaxGroups = 1024;

// Loki's detected_level values; anything else counts as "unknown".
std::string LevelOf(const store::LogEntry& e) {
  static constexpr std::array<std::string_view, 8> kLevels = {
      "unknown", "debug", "info", "warn", "error", "fatal", "critical", "trace"};
  std::string level(store::GetLabel(e.metadata, "detected_level"));
  std::transform(level.begin(), level.end(), level.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (std::find(kLevels.begin(), kLevels.end(), level) == kLevels.end()) return "unknown";
  return level;
}

// jsoniter's WriteStringWithHTMLEscaped: '<', '>' and '&' as \u escapes, as Loki writes the
// pattern field.
std::string HtmlEscapedJsonString(std::string_view s) {
  JsonWriter w;
  w.String(s);
  std::string json = w.Take();
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

StatusOr<std::string> PatternsResponse(store::LogQuerier& querier, const PatternsRequest& request,
                                       const store::QueryLimits& limits) {
  ASSIGN_OR_RETURN(store::Matchers matchers, logql::ParseStreamSelector(request.query));
  const int64_t step = std::max(request.step_ns, kResolutionNs);
  store::LogSelect sel;
  sel.stream_matchers = std::move(matchers);
  sel.start_ns = request.start_ns;
  sel.end_ns = request.end_ns;
  sel.direction = store::Direction::kForward;  // Drain learns lines in arrival order

  logql::PatternCounter counter(step, logql::DrainOptions{});
  size_t lines = 0;
  Status stopped;
  std::string key;
  auto visit = [&](const store::Labels& stream, store::LogEntry&& e) {
    if (++lines % kDeadlineCheckEvery == 0) {
      stopped = limits.CheckDeadline();
      if (!stopped.ok()) return false;
    }
    std::string level = LevelOf(e);
    key = store::LabelsToString(stream);
    key += '\0';
    key += level;
    if (counter.groups() < kMaxGroups || counter.HasGroup(key))
      counter.Add(key, level, e.ts_ns, e.line);
    return lines < request.max_lines;
  };
  RETURN_IF_ERROR(querier.Scan(sel, limits, visit));
  RETURN_IF_ERROR(stopped);
  RETURN_IF_ERROR(limits.CheckDeadline());

  // Written by hand: the pattern field needs jsoniter's HTML escaping.
  std::string out = R"({"status":"success","data":[)";
  bool first = true;
  for (const auto& s : counter.Result()) {
    if (!first) out += ',';
    first = false;
    JsonWriter level;
    level.String(s.level);
    out += R"({"pattern":)" + HtmlEscapedJsonString(s.pattern) + R"(,"level":)" + level.Take() +
           R"(,"samples":[)";
    for (size_t i = 0; i < s.samples.size(); ++i) {
      if (i) out += ',';
      out += '[' + std::to_string(s.samples[i].first / 1'000'000'000) + ',' +
             std::to_string(s.samples[i].second) + ']';
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

}  // namespace otter::query
