// The store's streaming read paths under query limits: LogTable::Scan (merge order across heads
// and blocks, early stop, deadline, entry budget) and TraceTable::Dependencies (calls counted
// from rows across blocks and heads, each trace once).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <thread>
#include <tuple>

#include "store/store.h"
#include "store/store_testing.h"
#include "store/trace_table.h"
#include "util/harness.h"

namespace otter::store {
namespace {

using testing::NullLogger;
using testing::TraceIdOf;
using testing::WriteSync;

constexpr int64_t kT0 = 1'700'000'000'000'000'000;
constexpr int64_t kSec = 1'000'000'000;

// `n` records of `service`, at t0 + first*s, t0 + (first+step)*s, ...; the body says which.
pdata::LogBatch Logs(std::string_view service, int first, int step, int n) {
  pdata::LogBatch b;
  auto& rl = b.resources().emplace_back();
  rl.resource.attributes.push_back({"service.name", pdata::AnyValue::String(service)});
  auto& sl = rl.scope_logs.emplace_back();
  for (int i = 0; i < n; ++i) {
    auto& r = sl.log_records.emplace_back();
    int sec = first + i * step;
    r.time_unix_nano = static_cast<uint64_t>(kT0 + sec * kSec);
    r.body =
        pdata::AnyValue::String(b.arenas().Copy(std::string(service) + " " + std::to_string(sec)));
  }
  return b;
}

class QueryLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StoreOptions o;
    o.directory = dir_.path() + "/data";
    o.retention = std::chrono::milliseconds(0);
    auto s = Store::Open(o, NullLogger(), nullptr);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  // Everything Scan passes for `q`, as (ts seconds after t0, line).
  StatusOr<std::vector<std::pair<int64_t, std::string>>> ScanAll(const LogSelect& q,
                                                                 const QueryLimits& limits = {}) {
    std::vector<std::pair<int64_t, std::string>> out;
    Status s = store_->logs().Scan(q, limits, [&](const Labels& stream, LogEntry&& e) {
      EXPECT_FALSE(GetLabel(stream, "service_name").empty());
      out.emplace_back((e.ts_ns - kT0) / kSec, std::move(e.line));
      return true;
    });
    if (!s.ok()) return s;
    return out;
  }
  static LogSelect Everything(Direction d) {
    LogSelect q;
    q.stream_matchers = {*LabelMatcher::Make(LabelMatcher::Op::kRe, "service_name", ".+")};
    q.start_ns = kT0;
    q.end_ns = kT0 + 1'000'000 * kSec;
    q.direction = d;
    return q;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(QueryLimitsTest, LogScanMergesStreamsFromBlocksAndHeadsInOrder) {
  // Two streams interleaved in time, in blocks (several chunks each) and in the head.
  ASSERT_TRUE(WriteSync(*store_, Logs("a", 0, 2, 2500)).ok());  // even seconds 0..4998
  ASSERT_TRUE(WriteSync(*store_, Logs("b", 1, 2, 2500)).ok());  // odd seconds 1..4999
  ASSERT_TRUE(store_->FlushForTesting().ok());
  ASSERT_TRUE(WriteSync(*store_, Logs("a", 5000, 1, 300)).ok());  // head: 5000..5299
  ASSERT_GE(store_->logs().block_count(), 1u);

  auto fwd = ScanAll(Everything(Direction::kForward));
  ASSERT_TRUE(fwd.ok()) << fwd.status().ToString();
  ASSERT_EQ(fwd->size(), 5300u);
  for (size_t i = 0; i < fwd->size(); ++i) ASSERT_EQ((*fwd)[i].first, static_cast<int64_t>(i));
  EXPECT_EQ((*fwd)[1].second, "b 1");

  auto bwd = ScanAll(Everything(Direction::kBackward));
  ASSERT_TRUE(bwd.ok());
  ASSERT_EQ(bwd->size(), 5300u);
  for (size_t i = 0; i < bwd->size(); ++i)
    ASSERT_EQ((*bwd)[i].first, static_cast<int64_t>(5299 - i));

  // A range and a limit: the first entries in the direction, from the middle of a block.
  LogSelect q = Everything(Direction::kBackward);
  q.end_ns = kT0 + 3001 * kSec;
  q.limit = 4;
  auto some = ScanAll(q);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(*some, (std::vector<std::pair<int64_t, std::string>>{
                       {3000, "a 3000"}, {2999, "b 2999"}, {2998, "a 2998"}, {2997, "b 2997"}}));
}

TEST_F(QueryLimitsTest, LogScanHoldsOnlyTheChunksItIsMerging) {
  // 20 000 entries in blocks; a budget of 3000 held entries is enough to stream them all (two
  // streams, 1000-record chunks), though not to hold them all.
  ASSERT_TRUE(WriteSync(*store_, Logs("a", 0, 2, 10000)).ok());
  ASSERT_TRUE(WriteSync(*store_, Logs("b", 1, 2, 10000)).ok());
  ASSERT_TRUE(store_->FlushForTesting().ok());
  QueryLimits limits;
  limits.max_items = 3000;
  limits.max_items_name = "query::max_log_entries";
  size_t n = 0;
  Status s = store_->logs().Scan(Everything(Direction::kForward), limits,
                                 [&](const Labels&, LogEntry&&) { return ++n > 0; });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(n, 20000u);

  // A budget smaller than what must be held at once fails, naming the limit.
  limits.max_items = 500;
  s = store_->logs().Scan(Everything(Direction::kForward), limits,
                          [&](const Labels&, LogEntry&&) { return true; });
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("query::max_log_entries"), std::string_view::npos) << s.message();
}

TEST_F(QueryLimitsTest, LogScanStopsWhenTheCallerDoesAndAtTheDeadline) {
  ASSERT_TRUE(WriteSync(*store_, Logs("a", 0, 1, 5000)).ok());
  ASSERT_TRUE(store_->FlushForTesting().ok());
  size_t n = 0;
  Status s = store_->logs().Scan(Everything(Direction::kBackward), {},
                                 [&](const Labels&, LogEntry&&) { return ++n < 7; });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(n, 7u);

  QueryLimits past = QueryLimits::WithTimeout(std::chrono::seconds(0));
  s = store_->logs().Scan(Everything(Direction::kBackward), past,
                          [&](const Labels&, LogEntry&&) { return true; });
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  // A deadline that passes while the scan runs stops it there.
  QueryLimits soon = QueryLimits::WithTimeout(std::chrono::milliseconds(50));
  n = 0;
  s = store_->logs().Scan(Everything(Direction::kForward), soon, [&](const Labels&, LogEntry&&) {
    if (++n == 100) std::this_thread::sleep_for(std::chrono::milliseconds(60));
    return true;
  });
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  EXPECT_LT(n, 5000u);
}

TEST_F(QueryLimitsTest, LogScanAgreesWithSelectOverCompactedBlocks) {
  // Three streams written in five rounds with random, overlapping timestamps: four flushed and
  // compacted into one block (whose streams' chunks overlap in time), the last in the head.
  uint64_t rng = 7;
  auto next = [&rng](uint64_t n) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (rng >> 33) % n;
  };
  for (int round = 0; round < 5; ++round) {
    pdata::LogBatch b;
    for (const char* service : {"x", "y", "z"}) {
      auto& rl = b.resources().emplace_back();
      rl.resource.attributes.push_back({"service.name", pdata::AnyValue::String(service)});
      auto& sl = rl.scope_logs.emplace_back();
      for (int i = 0; i < 1500; ++i) {
        auto& r = sl.log_records.emplace_back();
        uint64_t sec = next(10000);
        r.time_unix_nano = static_cast<uint64_t>(kT0) + sec * static_cast<uint64_t>(kSec);
        r.body = pdata::AnyValue::String(b.arenas().Copy(
            std::string(service) + " " + std::to_string(round) + " " + std::to_string(sec) + " " +
            std::to_string(i)));  // distinct lines: Scan passes identical entries once
      }
    }
    ASSERT_TRUE(WriteSync(*store_, std::move(b)).ok());
    if (round < 4) {
      ASSERT_TRUE(store_->FlushForTesting().ok());
    }
  }
  ASSERT_TRUE(store_->CompactForTesting(/*eager=*/true).ok());
  ASSERT_EQ(store_->logs().block_count(), 1u);
  for (Direction d : {Direction::kForward, Direction::kBackward}) {
    for (size_t limit : {size_t{0}, size_t{1}, size_t{777}}) {
      LogSelect q = Everything(d);
      q.start_ns = kT0 + 1000 * kSec;
      q.end_ns = kT0 + 9000 * kSec;
      q.limit = limit;
      auto selected = store_->logs().Select(q);
      ASSERT_TRUE(selected.ok());
      std::vector<std::tuple<int64_t, std::string, std::string>> want, got;
      for (const auto& st : *selected)
        for (const auto& e : st.entries)
          want.emplace_back(e.ts_ns, LabelsToString(st.labels), e.line);
      Status s = store_->logs().Scan(q, {}, [&](const Labels& stream, LogEntry&& e) {
        got.emplace_back(e.ts_ns, LabelsToString(stream), e.line);
        return true;
      });
      ASSERT_TRUE(s.ok());
      // In the direction's order; the same entries as Select (up to the order of equal times,
      // which neither promises).
      for (size_t i = 1; i < got.size(); ++i)
        ASSERT_TRUE(d == Direction::kForward ? std::get<0>(got[i - 1]) <= std::get<0>(got[i])
                                             : std::get<0>(got[i - 1]) >= std::get<0>(got[i]));
      ASSERT_EQ(got.size(), want.size());
      if (limit == 0) {
        std::sort(got.begin(), got.end());
        std::sort(want.begin(), want.end());
        EXPECT_EQ(got, want);
      } else {
        std::vector<int64_t> got_ts, want_ts;
        for (const auto& g : got) got_ts.push_back(std::get<0>(g));
        for (const auto& w : want) want_ts.push_back(std::get<0>(w));
        std::sort(got_ts.begin(), got_ts.end());
        std::sort(want_ts.begin(), want_ts.end());
        EXPECT_EQ(got_ts, want_ts);
      }
    }
  }
}

// A span of `service` in trace `trace`.
void AddSpan(pdata::TraceBatch& b, std::string_view service, uint8_t trace, uint8_t span,
             uint8_t parent, uint64_t start) {
  auto& rs = b.resources().emplace_back();
  rs.resource.attributes.push_back({"service.name", pdata::AnyValue::String(service)});
  auto& s = rs.scope_spans.emplace_back().spans.emplace_back();
  s.trace_id = TraceIdOf(trace);
  s.span_id.bytes.fill(span);
  if (parent) s.parent_span_id.bytes.fill(parent);
  s.name = "op";
  s.start_time_unix_nano = start;
  s.end_time_unix_nano = start + 1000;
}

TEST_F(QueryLimitsTest, DependenciesCountEachCallOnceAcrossBlocksAndHeads) {
  const auto t0 = static_cast<uint64_t>(kT0);
  const auto sec = static_cast<uint64_t>(kSec);
  // Trace 1: frontend → backend → db, its spans split between a block (the root, at t0) and
  // the head (the children, 30 s later).
  pdata::TraceBatch part1;
  AddSpan(part1, "frontend", 1, 1, 0, t0);
  ASSERT_TRUE(WriteSync(*store_, std::move(part1)).ok());
  // Trace 2, entirely in the block: frontend → backend twice, frontend → frontend (same
  // service: not a dependency).
  pdata::TraceBatch t2;
  AddSpan(t2, "frontend", 2, 1, 0, t0 + 10 * sec);
  AddSpan(t2, "backend", 2, 2, 1, t0 + 10 * sec + 1);
  AddSpan(t2, "backend", 2, 3, 1, t0 + 10 * sec + 2);
  AddSpan(t2, "frontend", 2, 4, 1, t0 + 10 * sec + 3);
  ASSERT_TRUE(WriteSync(*store_, std::move(t2)).ok());
  ASSERT_TRUE(store_->FlushForTesting().ok());
  pdata::TraceBatch part2;
  AddSpan(part2, "backend", 1, 2, 1, t0 + 30 * sec);
  AddSpan(part2, "db", 1, 3, 2, t0 + 30 * sec + 1);
  // Trace 3, much later, in the head only: db → cache.
  AddSpan(part2, "db", 3, 1, 0, t0 + 100 * sec);
  AddSpan(part2, "cache", 3, 2, 1, t0 + 100 * sec + 1);
  ASSERT_TRUE(WriteSync(*store_, std::move(part2)).ok());

  auto all = store_->traces().Dependencies(0, UINT64_MAX, {});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, (std::vector<DependencyLink>{
                      {"backend", "db", 1}, {"db", "cache", 1}, {"frontend", "backend", 3}}));
  // A window holding trace 1's root only still counts the calls of its children (in the head,
  // outside the window): the trace is counted whole, once. Trace 3 is out.
  auto early = store_->traces().Dependencies(t0, t0 + 20 * sec, {});
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(*early,
            (std::vector<DependencyLink>{{"backend", "db", 1}, {"frontend", "backend", 3}}));
  // A window holding only trace 1's children (head): counted there, with its root's service
  // read from the block.
  auto middle = store_->traces().Dependencies(t0 + 25 * sec, t0 + 40 * sec, {});
  ASSERT_TRUE(middle.ok());
  EXPECT_EQ(*middle,
            (std::vector<DependencyLink>{{"backend", "db", 1}, {"frontend", "backend", 1}}));
  auto late = store_->traces().Dependencies(t0 + 50 * sec, UINT64_MAX, {});
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(*late, (std::vector<DependencyLink>{{"db", "cache", 1}}));

  auto timed_out = store_->traces().Dependencies(0, UINT64_MAX,
                                                 QueryLimits::WithTimeout(std::chrono::seconds(0)));
  EXPECT_EQ(timed_out.status().code(), StatusCode::kDeadlineExceeded);
}

// Dependencies from OTLP batches, the way /api/dependencies computed them before: the oracle.
std::vector<DependencyLink> DependenciesOfBatches(TraceQuerier& q, uint64_t start, uint64_t end) {
  std::map<std::pair<std::string, std::string>, uint64_t> links;
  Status s = q.ScanTraces(start, end, [&](const pdata::TraceBatch& trace) {
    std::map<pdata::SpanId, std::string_view> service_of;
    for (const auto& rs : trace.resources())
      for (const auto& ss : rs.scope_spans)
        for (const auto& span : ss.spans) service_of[span.span_id] = ServiceName(rs.resource);
    for (const auto& rs : trace.resources()) {
      for (const auto& ss : rs.scope_spans) {
        for (const auto& span : ss.spans) {
          auto it = service_of.find(span.parent_span_id);
          if (span.parent_span_id.empty() || it == service_of.end() ||
              it->second == ServiceName(rs.resource))
            continue;
          ++links[{std::string(it->second), std::string(ServiceName(rs.resource))}];
        }
      }
    }
    return true;
  });
  EXPECT_TRUE(s.ok());
  std::vector<DependencyLink> out;
  for (const auto& [k, n] : links) out.push_back({k.first, k.second, n});
  return out;
}

TEST_F(QueryLimitsTest, DependenciesMatchTheirOtlpOracle) {
  // 400 traces of 1–8 spans over 5 services, each span's parent an earlier span of its trace,
  // written in three rounds with a flush after the first two: traces spread over two blocks
  // and the head, and some traces over all three.
  const char* services[] = {"a", "b", "c", "d", "e"};
  uint64_t rng = 42;
  auto next = [&rng](uint64_t n) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (rng >> 33) % n;
  };
  const auto t0 = static_cast<uint64_t>(kT0);
  for (int round = 0; round < 3; ++round) {
    pdata::TraceBatch b;
    for (uint8_t t = 1; t < 201; ++t) {
      // Trace t's spans in this round: ids round*8+1.., parents any earlier span id.
      if (next(3) == 0) continue;
      uint64_t nspans = 1 + next(8);
      for (uint64_t k = 0; k < nspans; ++k) {
        auto id = static_cast<uint8_t>(round * 8 + k + 1);
        auto parent = static_cast<uint8_t>(id > 1 && next(5) != 0 ? 1 + next(id - 1) : 0);
        AddSpan(b, services[next(5)], t, id, parent,
                t0 + static_cast<uint64_t>(round) * 60 * static_cast<uint64_t>(kSec) + t);
      }
    }
    ASSERT_TRUE(WriteSync(*store_, std::move(b)).ok());
    if (round < 2) {
      ASSERT_TRUE(store_->FlushForTesting().ok());
    }
  }
  ASSERT_EQ(store_->traces().block_count(), 2u);
  const uint64_t min = static_cast<uint64_t>(kSec) * 60;
  for (auto [start, end] :
       std::vector<std::pair<uint64_t, uint64_t>>{{0, UINT64_MAX},
                                                  {t0, t0 + 30 * 1'000'000'000ull},
                                                  {t0 + min, t0 + min + 150},
                                                  {t0 + 2 * min + 100, UINT64_MAX}}) {
    auto got = store_->traces().Dependencies(start, end, {});
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, DependenciesOfBatches(store_->traces(), start, end))
        << "window " << start << ".." << end;
    EXPECT_FALSE(got->empty());
  }
}

TEST_F(QueryLimitsTest, TraceSearchFailsPastItsCandidateBudget) {
  pdata::TraceBatch b;
  for (uint8_t t = 1; t <= 10; ++t) AddSpan(b, "frontend", t, 1, 0, static_cast<uint64_t>(kT0));
  ASSERT_TRUE(WriteSync(*store_, std::move(b)).ok());
  TraceSearch q;
  q.service = "frontend";
  q.end_ns = UINT64_MAX;
  q.limits.max_items = 5;
  q.limits.max_items_name = "query::max_traces";
  auto r = store_->traces().FindTraces(q);
  ASSERT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("query::max_traces"), std::string_view::npos);
  q.limits.max_items = 10;
  r = store_->traces().FindTraces(q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 10u);
  q.limits = QueryLimits::WithTimeout(std::chrono::seconds(0));
  EXPECT_EQ(store_->traces().FindTraces(q).status().code(), StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace otter::store
