// Test-only in-memory store::LogQuerier for the LogQL engine and Loki API tests. Records every
// LogSelect it receives so tests can observe push-downs (trace_id, limit), and how many entries
// its scans passed on (`scanned`: proves that a query stopped early). Header-only; not
// thread-safe (tests use it from one thread).
#pragma once

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/querier.h"

namespace otter::query::logql::testing {

class FakeLogQuerier : public store::LogQuerier {
 public:
  // Adds an entry to the stream with `labels` (created on first use).
  void Add(store::Labels labels, int64_t ts_ns, std::string line, store::Labels metadata = {}) {
    store::SortLabels(labels);
    store::SortLabels(metadata);
    for (const auto& w : watches_)
      if (store::MatchesAll(w->matchers, labels)) w->fn(labels, {ts_ns, line, metadata, {}});
    for (auto& s : streams_) {
      if (s.labels == labels) {
        s.entries.push_back({ts_ns, std::move(line), std::move(metadata), {}});
        return;
      }
    }
    streams_.push_back({std::move(labels), {{ts_ns, std::move(line), std::move(metadata), {}}}});
  }

  StatusOr<std::vector<store::LogStream>> Select(const store::LogSelect& select) override {
    selects.push_back(select);
    if (!fail.ok()) return fail;
    const bool backward = select.direction == store::Direction::kBackward;
    std::vector<store::LogStream> out;
    for (const auto& s : streams_) {
      if (!store::MatchesAll(select.stream_matchers, s.labels)) continue;
      store::LogStream r{s.labels, {}};
      for (const auto& e : s.entries) {
        if (e.ts_ns < select.start_ns || e.ts_ns >= select.end_ns) continue;
        if (select.trace_id && store::GetLabel(e.metadata, "trace_id") != *select.trace_id)
          continue;
        r.entries.push_back(e);
      }
      std::stable_sort(r.entries.begin(), r.entries.end(), [&](const auto& a, const auto& b) {
        return backward ? a.ts_ns > b.ts_ns : a.ts_ns < b.ts_ns;
      });
      if (!r.entries.empty()) out.push_back(std::move(r));
    }
    if (select.limit > 0) {
      // Keep the first `limit` entries across streams in direction order.
      std::vector<int64_t> all;
      for (const auto& s : out)
        for (const auto& e : s.entries) all.push_back(e.ts_ns);
      if (all.size() > select.limit) {
        std::sort(all.begin(), all.end());
        int64_t cut = backward ? all[all.size() - select.limit] : all[select.limit - 1];
        for (auto& s : out)
          std::erase_if(s.entries,
                        [&](const auto& e) { return backward ? e.ts_ns < cut : e.ts_ns > cut; });
      }
    }
    return out;
  }

  // Select's entries (without its limit) merged across streams in direction order, ties in
  // stream order.
  Status Scan(const store::LogSelect& select, const store::QueryLimits& limits,
              const store::LogVisitor& fn) override {
    store::LogSelect all = select;
    all.limit = 0;
    auto streams = Select(all);
    selects.back().limit = select.limit;
    if (!streams.ok()) return streams.status();
    RETURN_IF_ERROR(limits.CheckDeadline());
    const bool backward = select.direction == store::Direction::kBackward;
    struct Ref {
      int64_t ts;
      size_t stream, entry;
    };
    std::vector<Ref> refs;
    for (size_t s = 0; s < streams->size(); ++s)
      for (size_t e = 0; e < (*streams)[s].entries.size(); ++e)
        refs.push_back({(*streams)[s].entries[e].ts_ns, s, e});
    std::stable_sort(refs.begin(), refs.end(), [&](const Ref& a, const Ref& b) {
      return backward ? a.ts > b.ts : a.ts < b.ts;
    });
    size_t passed = 0;
    for (const Ref& r : refs) {
      ++scanned;
      store::LogStream& s = (*streams)[r.stream];
      if (!fn(s.labels, std::move(s.entries[r.entry]))) break;
      if (++passed == select.limit) break;
    }
    return Status::Ok();
  }

  StatusOr<std::vector<std::string>> LabelNames(int64_t, int64_t) override {
    std::set<std::string> names;
    for (const auto& s : streams_)
      for (const auto& l : s.labels) names.insert(l.name);
    return std::vector<std::string>(names.begin(), names.end());
  }

  StatusOr<std::vector<std::string>> LabelValues(const std::string& name, int64_t,
                                                 int64_t) override {
    std::set<std::string> values;
    for (const auto& s : streams_) {
      std::string_view v = store::GetLabel(s.labels, name);
      if (!v.empty()) values.insert(std::string(v));
    }
    return std::vector<std::string>(values.begin(), values.end());
  }

  StatusOr<std::vector<store::Labels>> Series(const std::vector<store::Matchers>& match_sets,
                                              int64_t, int64_t) override {
    std::vector<store::Labels> out;
    for (const auto& s : streams_) {
      bool any = match_sets.empty();
      for (const auto& m : match_sets) any = any || store::MatchesAll(m, s.labels);
      if (any) out.push_back(s.labels);
    }
    return out;
  }

  // One chunk per stream; entries and line bytes counted exactly.
  StatusOr<std::vector<store::StreamStats>> IndexStats(const store::Matchers& matchers,
                                                       int64_t start_ns, int64_t end_ns,
                                                       const store::QueryLimits&) override {
    std::vector<store::StreamStats> out;
    for (const auto& s : streams_) {
      if (!store::MatchesAll(matchers, s.labels)) continue;
      store::StreamStats st{s.labels, 1, 0, 0};
      for (const auto& e : s.entries) {
        if (e.ts_ns < start_ns || e.ts_ns >= end_ns) continue;
        ++st.entries;
        st.bytes += e.line.size();
      }
      if (st.entries > 0) out.push_back(std::move(st));
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.labels < b.labels; });
    return out;
  }

  std::unique_ptr<store::LogWatch> Watch(store::Matchers stream_matchers,
                                         store::LogWatchFn fn) override {
    auto h = std::make_unique<WatchHandle>(*this, std::move(stream_matchers), std::move(fn));
    watches_.push_back(h.get());
    return h;
  }

  std::vector<store::LogSelect> selects;
  size_t scanned = 0;  // entries Scan passed to its callers
  Status fail;         // returned by Select when not OK

 private:
  struct WatchHandle : store::LogWatch {
    WatchHandle(FakeLogQuerier& q, store::Matchers m, store::LogWatchFn f)
        : querier(q), matchers(std::move(m)), fn(std::move(f)) {}
    ~WatchHandle() override { std::erase(querier.watches_, this); }
    FakeLogQuerier& querier;
    store::Matchers matchers;
    store::LogWatchFn fn;
  };

  std::vector<store::LogStream> streams_;
  std::vector<WatchHandle*> watches_;
};

}  // namespace otter::query::logql::testing
