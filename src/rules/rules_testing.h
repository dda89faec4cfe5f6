// Test-only in-memory store::MetricQuerier that rules can also write to (recording rules,
// ALERTS): series keyed by their labels, samples appended in time order, exemplars per series.
// Header-only; used by the rules tests. Not thread-safe (tests drive it from one thread).
#pragma once

#include <map>
#include <vector>

#include "rules/rule_group.h"
#include "store/matcher.h"
#include "store/querier.h"

namespace otter::rules::testing {

class MemoryMetrics final : public store::MetricQuerier {
 public:
  void Append(const store::Labels& labels, int64_t t_ms, double v) {
    auto& s = series_[labels];
    s.labels = labels;
    s.samples.push_back({t_ms, v});
  }
  void AddExemplar(const store::Labels& series, store::ExemplarData e) {
    exemplars_[series].push_back(std::move(e));
  }
  // The write function of a RuleEnv.
  std::function<Status(std::vector<store::SeriesData>&&)> Writer() {
    return [this](std::vector<store::SeriesData>&& in) {
      for (auto& s : in)
        for (auto& p : s.samples) Append(s.labels, p.t_ms, p.v);
      return Status::Ok();
    };
  }
  const std::map<store::Labels, store::SeriesData>& series() const { return series_; }

  StatusOr<std::vector<store::SeriesData>> Select(const store::Matchers& m, int64_t mint,
                                                  int64_t maxt, size_t) override {
    std::vector<store::SeriesData> out;
    for (const auto& [l, s] : series_) {
      if (!store::MatchesAll(m, l)) continue;
      store::SeriesData d{l, {}, {}};
      auto lo = std::lower_bound(s.samples.begin(), s.samples.end(), mint,
                                 [](const store::Sample& a, int64_t t) { return a.t_ms < t; });
      for (; lo != s.samples.end() && lo->t_ms <= maxt; ++lo) d.samples.push_back(*lo);
      if (!d.samples.empty()) out.push_back(std::move(d));
    }
    return out;
  }
  StatusOr<std::vector<store::Labels>> Series(const std::vector<store::Matchers>&, int64_t,
                                              int64_t) override {
    return std::vector<store::Labels>{};
  }
  StatusOr<std::vector<std::string>> LabelNames(const std::vector<store::Matchers>&, int64_t,
                                                int64_t) override {
    return std::vector<std::string>{};
  }
  StatusOr<std::vector<std::string>> LabelValues(const std::string&,
                                                 const std::vector<store::Matchers>&, int64_t,
                                                 int64_t) override {
    return std::vector<std::string>{};
  }
  std::map<std::string, std::vector<store::MetricMetadata>> Metadata(const std::string&,
                                                                     size_t) override {
    return {};
  }
  StatusOr<std::vector<store::SeriesExemplars>> Exemplars(const std::vector<store::Matchers>& sets,
                                                          int64_t mint, int64_t maxt) override {
    std::vector<store::SeriesExemplars> out;
    for (const auto& [l, list] : exemplars_) {
      bool match = sets.empty();
      for (const auto& m : sets) match |= store::MatchesAll(m, l);
      if (!match) continue;
      store::SeriesExemplars se{l, {}};
      for (const auto& e : list)
        if (e.t_ms >= mint && e.t_ms <= maxt) se.exemplars.push_back(e);
      if (!se.exemplars.empty()) out.push_back(std::move(se));
    }
    return out;
  }

 private:
  std::map<store::Labels, store::SeriesData> series_;
  std::map<store::Labels, std::vector<store::ExemplarData>> exemplars_;
};

}  // namespace otter::rules::testing
