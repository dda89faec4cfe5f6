#include "rules/alert_context.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace otter::rules {
namespace {

constexpr int64_t kMaxBaselineMs = 6 * 3600 * 1000;
constexpr double kMinGrowthPoints = 0.02;
constexpr double kMinGrowthRatio = 1.25;

// A series matches an alert when every alert label it also has carries the same value.
bool Consistent(const store::Labels& series, const store::Labels& alert,
                const std::set<std::string>& ignore) {
  for (const auto& l : alert) {
    if (ignore.count(l.name)) continue;
    for (const auto& s : series)
      if (s.name == l.name && s.value != l.value) return false;
  }
  return true;
}

// Activity of a series over [from, to]: its increase per second when it never decreases there
// (a counter), else its mean (a gauge). 0 without samples.
double Activity(const std::vector<store::Sample>& samples, int64_t from, int64_t to) {
  double first = 0, last = 0, sum = 0;
  int64_t t0 = 0, t1 = 0;
  size_t n = 0;
  bool monotonic = true;
  for (const auto& s : samples) {
    if (s.t_ms < from || s.t_ms > to || std::isnan(s.v)) continue;
    if (n == 0) {
      first = s.v;
      t0 = s.t_ms;
    } else if (s.v < last) {
      monotonic = false;
    }
    last = s.v;
    t1 = s.t_ms;
    sum += s.v;
    ++n;
  }
  if (n == 0) return 0;
  if (monotonic && n > 1 && t1 > t0) return (last - first) / ((t1 - t0) / 1000.0);
  return std::fabs(sum / n);
}

}  // namespace

void SelectorsOf(const query::promql::Node& expr, std::vector<store::Matchers>* selectors,
                 int64_t* max_range_ms) {
  using query::promql::NodeKind;
  if (expr.kind == NodeKind::kVectorSelector) selectors->push_back(expr.matchers);
  // The range of what is read up to "now" (not of `offset` windows, which look at the past).
  bool now = expr.kind == NodeKind::kSubquery
                 ? expr.offset_ms == 0
                 : !expr.children.empty() && expr.children[0] && expr.children[0]->offset_ms == 0;
  if ((expr.kind == NodeKind::kMatrixSelector || expr.kind == NodeKind::kSubquery) && now)
    *max_range_ms = std::max(*max_range_ms, expr.range_ms);
  for (const auto& c : expr.children)
    if (c) SelectorsOf(*c, selectors, max_range_ms);
  if (expr.param) SelectorsOf(*expr.param, selectors, max_range_ms);
}

store::Labels AlertContext(store::MetricQuerier& metrics, store::TraceQuerier* traces,
                           const std::vector<store::Matchers>& selectors,
                           const store::Labels& labels, const std::set<std::string>& ignore,
                           int64_t window_start_ms, int64_t ts_ms,
                           const AlertContextOptions& options) {
  store::Labels out;
  const int64_t len = std::max<int64_t>(ts_ms - window_start_ms, 1000);
  const int64_t base_start = window_start_ms - std::min(4 * len, kMaxBaselineMs);

  // Exemplars in the window, highest value first.
  std::vector<store::ExemplarData> exemplars;
  auto ex = metrics.Exemplars(selectors, window_start_ms, ts_ms);
  if (ex.ok()) {
    for (auto& se : *ex) {
      if (!Consistent(se.series_labels, labels, ignore)) continue;
      for (auto& e : se.exemplars) exemplars.push_back(std::move(e));
    }
  }
  std::stable_sort(exemplars.begin(), exemplars.end(),
                   [](const auto& a, const auto& b) { return a.value > b.value; });
  std::vector<std::string> found, unknown;
  std::set<std::string> seen;
  for (const auto& e : exemplars) {
    std::string id(store::GetLabel(e.labels, "trace_id"));
    if (id.empty() || !seen.insert(id).second) continue;
    if (found.size() >= options.max_trace_ids) break;
    pdata::TraceId tid;
    bool stored = true;
    if (traces && pdata::ParseHexId(id, &tid)) stored = traces->GetTrace(tid).ok();
    (stored ? found : unknown).push_back(id);
    if (seen.size() >= 8 * options.max_trace_ids) break;  // bounded trace-store lookups
  }
  // Ids the trace store holds first; unknown ones only if it holds none (not yet arrived).
  if (found.empty()) found = std::move(unknown);
  if (found.size() > options.max_trace_ids) found.resize(options.max_trace_ids);
  if (!found.empty()) {
    std::string joined;
    for (const auto& id : found) joined += (joined.empty() ? "" : ",") + id;
    out.push_back(store::Label{"trace_ids", joined});
  }

  // Label values whose share of the activity grew most.
  struct Share {
    double window = 0, base = 0;
  };
  std::map<std::string, std::map<std::string, Share>> by_label;  // name → value → activity
  for (const auto& m : selectors) {
    auto series = metrics.Select(m, base_start, ts_ms, 1'000'000);
    if (!series.ok()) continue;
    for (const auto& s : *series) {
      if (!Consistent(s.labels, labels, ignore)) continue;
      double w = Activity(s.samples, window_start_ms, ts_ms);
      double b = Activity(s.samples, base_start, window_start_ms - 1);
      for (const auto& l : s.labels) {
        // Bucket bounds and quantiles are not attributes of the traffic.
        if (l.name == "__name__" || l.name == "le" || l.name == "quantile" ||
            store::GetLabel(labels, l.name) == l.value)
          continue;
        auto& sh = by_label[l.name][l.value];
        sh.window += w;
        sh.base += b;
      }
    }
  }
  struct Change {
    double growth;
    std::string text;
  };
  std::vector<Change> changes;
  for (const auto& [name, values] : by_label) {
    if (values.size() < 2) continue;  // one value: nothing differs
    double tw = 0, tb = 0;
    for (const auto& [v, sh] : values) {
      tw += sh.window;
      tb += sh.base;
    }
    if (tw <= 0 || tb <= 0) continue;  // no activity to compare with
    for (const auto& [v, sh] : values) {
      double sw = sh.window / tw, sb = sh.base / tb;
      // A change is a share that grew by a quarter of itself and by 2 points at least: a level
      // shift stays visible when the window also holds the steady traffic before it.
      if (sw - sb < kMinGrowthPoints || sw < kMinGrowthRatio * sb) continue;
      changes.push_back(
          {sw - sb, fmt::format("{}={} {:.0f}%→{:.0f}%", name, v, 100 * sb, 100 * sw)});
    }
  }
  std::stable_sort(changes.begin(), changes.end(),
                   [](const Change& a, const Change& b) { return a.growth > b.growth; });
  if (!changes.empty()) {
    std::string joined;
    for (size_t i = 0; i < changes.size() && i < options.max_changed_labels; ++i)
      joined += (i ? ", " : "") + changes[i].text;
    out.push_back(store::Label{"changed_labels", joined});
  }
  store::SortLabels(out);
  return out;
}

}  // namespace otter::rules
