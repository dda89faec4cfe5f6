// Test-only in-memory store::MetricQuerier for the PromQL engine and the Prometheus API tests.
// Header-only; counts Select calls so tests can check each selector is fetched once.
// Not thread-safe (tests use it from one thread).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "query/json_writer.h"
#include "query/promql/engine.h"
#include "store/querier.h"

namespace otter::query::promql::testing {

// Builds Labels from {{"__name__","x"},{"a","b"}}, sorted.
inline store::Labels L(std::vector<std::pair<std::string, std::string>> pairs) {
  store::Labels out;
  for (auto& [n, v] : pairs) out.push_back(store::Label{n, v});
  store::SortLabels(out);
  return out;
}

class FakeMetricQuerier : public store::MetricQuerier {
 public:
  void Add(store::Labels labels, std::vector<store::Sample> samples) {
    series_.push_back(store::SeriesData{std::move(labels), std::move(samples), {}});
  }
  // A sample every `step_ms` from `start_ms` with values start_value + i*increment.
  void AddLinear(store::Labels labels, int64_t start_ms, int64_t step_ms, int count,
                 double start_value, double increment) {
    std::vector<store::Sample> s;
    for (int i = 0; i < count; ++i)
      s.push_back(store::Sample{start_ms + i * step_ms, start_value + i * increment});
    Add(std::move(labels), std::move(s));
  }
  void AddMetadata(const std::string& metric, store::MetricMetadata md) {
    metadata_[metric].push_back(std::move(md));
  }
  void AddExemplars(store::SeriesExemplars ex) { exemplars_.push_back(std::move(ex)); }

  int select_calls() const { return select_calls_; }

  StatusOr<std::vector<store::SeriesData>> Select(const store::Matchers& matchers, int64_t mint_ms,
                                                  int64_t maxt_ms, size_t max_samples) override {
    ++select_calls_;
    std::vector<store::SeriesData> out;
    size_t total = 0;
    for (const auto& s : series_) {
      if (!store::MatchesAll(matchers, s.labels)) continue;
      store::SeriesData d{s.labels, {}, {}};
      for (const auto& smp : s.samples)
        if (smp.t_ms >= mint_ms && smp.t_ms <= maxt_ms) d.samples.push_back(smp);
      if (d.samples.empty()) continue;
      total += d.samples.size();
      if (total > max_samples) return ResourceExhausted("too many samples");
      out.push_back(std::move(d));
    }
    return out;
  }

  StatusOr<std::vector<store::Labels>> Series(const std::vector<store::Matchers>& match_sets,
                                              int64_t mint_ms, int64_t maxt_ms) override {
    std::set<store::Labels> out;
    for (const auto& s : Matching(match_sets, mint_ms, maxt_ms)) out.insert(s->labels);
    return std::vector<store::Labels>(out.begin(), out.end());
  }

  StatusOr<std::vector<std::string>> LabelNames(const std::vector<store::Matchers>& match_sets,
                                                int64_t mint_ms, int64_t maxt_ms) override {
    std::set<std::string> out;
    for (const auto& s : Matching(match_sets, mint_ms, maxt_ms))
      for (const auto& l : s->labels) out.insert(l.name);
    return std::vector<std::string>(out.begin(), out.end());
  }

  StatusOr<std::vector<std::string>> LabelValues(const std::string& name,
                                                 const std::vector<store::Matchers>& match_sets,
                                                 int64_t mint_ms, int64_t maxt_ms) override {
    std::set<std::string> out;
    for (const auto& s : Matching(match_sets, mint_ms, maxt_ms)) {
      auto v = store::GetLabel(s->labels, name);
      if (!v.empty()) out.insert(std::string(v));
    }
    return std::vector<std::string>(out.begin(), out.end());
  }

  std::map<std::string, std::vector<store::MetricMetadata>> Metadata(const std::string& metric,
                                                                     size_t limit) override {
    std::map<std::string, std::vector<store::MetricMetadata>> out;
    for (const auto& [name, mds] : metadata_) {
      if (!metric.empty() && name != metric) continue;
      if (limit != 0 && out.size() >= limit) break;
      out[name] = mds;
    }
    return out;
  }

  StatusOr<std::vector<store::SeriesExemplars>> Exemplars(
      const std::vector<store::Matchers>& match_sets, int64_t mint_ms, int64_t maxt_ms) override {
    std::vector<store::SeriesExemplars> out;
    for (const auto& ex : exemplars_) {
      bool match = false;
      for (const auto& ms : match_sets) match = match || store::MatchesAll(ms, ex.series_labels);
      if (!match) continue;
      store::SeriesExemplars e{ex.series_labels, {}};
      for (const auto& x : ex.exemplars)
        if (x.t_ms >= mint_ms && x.t_ms <= maxt_ms) e.exemplars.push_back(x);
      if (!e.exemplars.empty()) out.push_back(std::move(e));
    }
    return out;
  }

 private:
  std::vector<const store::SeriesData*> Matching(const std::vector<store::Matchers>& match_sets,
                                                 int64_t mint_ms, int64_t maxt_ms) const {
    std::vector<const store::SeriesData*> out;
    for (const auto& s : series_) {
      bool match = match_sets.empty();
      for (const auto& ms : match_sets) match = match || store::MatchesAll(ms, s.labels);
      bool in_range = std::any_of(s.samples.begin(), s.samples.end(), [&](const store::Sample& x) {
        return x.t_ms >= mint_ms && x.t_ms <= maxt_ms;
      });
      if (match && in_range) out.push_back(&s);
    }
    return out;
  }

  std::vector<store::SeriesData> series_;
  std::map<std::string, std::vector<store::MetricMetadata>> metadata_;
  std::vector<store::SeriesExemplars> exemplars_;
  int select_calls_ = 0;
};

// The range query `q` over [start, end] by `step` and the instant queries at each of its steps,
// as "labels value@t" lines in time order (floats by their bits, histograms in full): the two
// lists must be equal. Lines start with "ERROR" for a failed query.
inline std::pair<std::string, std::string> RangeAndInstants(const Engine& engine,
                                                            std::string_view q, int64_t start,
                                                            int64_t end, int64_t step) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  auto line = [](const store::Labels& l, const Point& p) {
    uint64_t bits;
    std::memcpy(&bits, &p.v, sizeof bits);
    std::string s = store::LabelsToString(l) + " " + FormatPromFloat(p.v) + "/" +
                    std::to_string(bits) + "@" + std::to_string(p.t_ms);
    if (p.h) {
      s += " h{count=" + FormatPromFloat(p.h->count) + " sum=" + FormatPromFloat(p.h->sum) +
           " buckets=";
      for (double b : p.h->positive_buckets) s += FormatPromFloat(b) + ",";
      s += "}";
    }
    return s + "\n";
  };
  std::string range, instants;
  auto m = engine.Range(q, start, end, step, deadline);
  if (!m.ok()) range = "ERROR " + std::string(m.status().message());
  for (int64_t t = start; t <= end; t += step) {
    if (m.ok()) {
      std::map<store::Labels, const Point*> at;
      for (const auto& s : *m)
        for (const auto& p : s.points)
          if (p.t_ms == t) at[s.metric] = &p;
      for (const auto& [l, p] : at) range += line(l, *p);
    }
    auto v = engine.Instant(q, t, deadline);
    if (!v.ok()) {
      instants += "ERROR " + std::string(v.status().message());
      continue;
    }
    std::map<store::Labels, Point> at;
    if (v->type == ValueType::kScalar) at[{}] = Point{t, v->scalar};
    for (const auto& e : v->vector) at[e.metric] = Point{t, e.v, e.h};
    for (const auto& [l, p] : at) instants += line(l, p);
  }
  return {range, instants};
}

}  // namespace otter::query::promql::testing
