#include "store/store.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"
#include "store/file_util.h"
#include "store/store_testing.h"
#include "util/fault_env.h"
#include "util/harness.h"

namespace otter::store {
namespace {

using testing::NullLogger;
using testing::TraceIdOf;
using testing::WriteSync;

// Two services, one trace (0x11…): checkout (root, server) → payments (child, client→server).
pdata::TraceBatch TwoServiceTrace(uint64_t t0) {
  pdata::TraceBatch b;
  auto add = [&](std::string_view service, std::string_view name, uint8_t span, uint8_t parent,
                 pdata::SpanKind kind, uint64_t start) {
    auto& rs = b.resources().emplace_back();
    rs.resource.attributes.push_back({"service.name", pdata::AnyValue::String(service)});
    auto& s = rs.scope_spans.emplace_back().spans.emplace_back();
    s.trace_id = TraceIdOf(0x11);
    s.span_id.bytes.fill(span);
    if (parent) s.parent_span_id.bytes.fill(parent);
    s.name = name;
    s.kind = kind;
    s.start_time_unix_nano = start;
    s.end_time_unix_nano = start + 5'000'000;
    s.attributes.push_back({"http.route", pdata::AnyValue::String("/pay")});
  };
  add("checkout", "POST /checkout", 1, 0, pdata::SpanKind::kServer, t0);
  add("payments", "charge", 2, 1, pdata::SpanKind::kServer, t0 + 1'000'000);
  return b;
}

pdata::LogBatch LogsFor(std::string_view service,
                        const std::vector<std::pair<uint8_t, uint64_t>>& recs) {
  pdata::LogBatch b;
  auto& rl = b.resources().emplace_back();
  rl.resource.attributes.push_back({"service.name", pdata::AnyValue::String(service)});
  rl.resource.attributes.push_back({"host.name", pdata::AnyValue::String("h1")});
  auto& sl = rl.scope_logs.emplace_back();
  for (auto [trace, t] : recs) {
    auto& r = sl.log_records.emplace_back();
    r.time_unix_nano = t;
    r.body = pdata::AnyValue::String(trace ? "in trace" : "no trace");
    r.severity_text = "INFO";
    if (trace) r.trace_id = TraceIdOf(trace);
  }
  return b;
}

class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open(bool compact_in_background = true, std::string_view sub = "data") {
    StoreOptions o;
    o.directory = dir_.path() + "/" + std::string(sub);
    o.retention = std::chrono::milliseconds(0);  // the test data is from 2023
    o.compact_in_background = compact_in_background;
    auto s = Store::Open(o, NullLogger(), nullptr);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  testing::TempDir dir_;
};

TEST_F(StoreTest, TraceIsQueryableWhenAcknowledgedAndAfterReopen) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  {
    auto store = Open();
    ASSERT_TRUE(WriteSync(*store, TwoServiceTrace(t0)).ok());
    auto trace = store->traces().GetTrace(TraceIdOf(0x11));
    ASSERT_TRUE(trace.ok());
    EXPECT_EQ(trace->ItemCount(), 2u);
    EXPECT_EQ(store->traces().Services(), (std::vector<std::string>{"checkout", "payments"}));
  }
  auto store = Open();  // replays the WAL
  auto trace = store->traces().GetTrace(TraceIdOf(0x11));
  ASSERT_TRUE(trace.ok());
  ASSERT_EQ(trace->resources().size(), 2u);
  EXPECT_EQ(ServiceName(trace->resources()[0].resource), "checkout");
  EXPECT_EQ(trace->resources()[1].scope_spans[0].spans[0].name, "charge");
  EXPECT_EQ(store->traces().GetTrace(TraceIdOf(0x22)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->traces().Operations("payments"), (std::vector<Operation>{{"charge", "server"}}));
}

// Undecoded trace batches (what the receiver hands the store) go into the head rows straight
// from their protobuf, and back again on replay, with the same answers as decoded ones.
TEST_F(StoreTest, UndecodedWritesAnswerLikeDecodedOnes) {
  std::vector<std::string> requests;
  std::vector<pdata::TraceId> ids;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    pdata::TraceBatch b = otlp::MakeSyntheticTraces(40, seed);
    for (const auto& rs : b.resources())
      for (const auto& ss : rs.scope_spans)
        for (const auto& sp : ss.spans) ids.push_back(sp.trace_id);
    otlp::EncodeTraces(b, &requests.emplace_back());
  }
  auto answers = [&](Store& store) {
    std::vector<std::string> out;
    for (const auto& id : ids) {
      auto t = store.traces().GetTrace(id);
      EXPECT_TRUE(t.ok()) << t.status().ToString();
      if (t.ok()) otlp::EncodeTraces(*t, &out.emplace_back());
    }
    return out;
  };
  std::vector<std::string> want;
  {
    auto decoded = Open(true, "decoded");
    for (const auto& r : requests) ASSERT_TRUE(WriteSync(*decoded, *otlp::DecodeTraces(r)).ok());
    want = answers(*decoded);
    ASSERT_EQ(want.size(), ids.size());
  }
  {
    auto store = Open(true, "undecoded");
    for (const auto& r : requests)
      ASSERT_TRUE(WriteSync(*store, pdata::TraceBatch::Undecoded(r, 40)).ok());
    EXPECT_EQ(answers(*store), want);
    // Undecoded metrics and logs are decoded on the way in; a malformed one is refused.
    std::string logs;
    otlp::EncodeLogs(LogsFor("checkout", {{0x11, 1}}), &logs);
    EXPECT_TRUE(WriteSync(*store, pdata::LogBatch::Undecoded(logs, 1)).ok());
    EXPECT_EQ(WriteSync(*store, pdata::LogBatch::Undecoded(logs.substr(1), 1)).code(),
              StatusCode::kInvalidArgument);
  }
  auto reopened = Open(true, "undecoded");  // replays the WAL's requests the same way
  EXPECT_EQ(answers(*reopened), want);
}

TEST_F(StoreTest, FindTracesMatchesServiceOperationTagsAndDuration) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  auto store = Open();
  ASSERT_TRUE(WriteSync(*store, TwoServiceTrace(t0)).ok());
  ASSERT_TRUE(WriteSync(*store, otlp::MakeSyntheticTraces(50, 7, t0)).ok());
  TraceSearch q;
  q.start_ns = t0 - 1;
  q.end_ns = t0 + 60'000'000'000ull;
  q.service = "payments";
  q.tags = {{"http.route", "/pay"}, {"span.kind", "server"}};
  q.min_duration_ns = 5'000'000;
  auto found = store->traces().FindTraces(q);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].ItemCount(), 2u);  // the whole trace, both services
  q.min_duration_ns = 5'000'001;
  EXPECT_TRUE(store->traces().FindTraces(q)->empty());
  q.min_duration_ns.reset();
  q.tags = {{"http.route", "/other"}};
  EXPECT_TRUE(store->traces().FindTraces(q)->empty());
}

TEST_F(StoreTest, LogsByStreamAndByTraceId) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  {
    auto store = Open();
    ASSERT_TRUE(
        WriteSync(*store, LogsFor("checkout", {{0x11, t0}, {0, t0 + 1}, {0x11, t0 + 2}})).ok());
    ASSERT_TRUE(WriteSync(*store, LogsFor("payments", {{0x11, t0 + 3}, {0x22, t0 + 4}})).ok());
  }
  auto store = Open();
  LogSelect q;
  q.stream_matchers.push_back(*LabelMatcher::Make(LabelMatcher::Op::kRe, "service_name", ".+"));
  q.start_ns = static_cast<int64_t>(t0);
  q.end_ns = static_cast<int64_t>(t0 + 10);
  q.trace_id = TraceIdOf(0x11).Hex();
  auto streams = store->logs().Select(q);
  ASSERT_TRUE(streams.ok());
  size_t n = 0;
  for (const auto& s : *streams) {
    for (const auto& e : s.entries) {
      EXPECT_EQ(GetLabel(e.metadata, "trace_id"), TraceIdOf(0x11).Hex());
      EXPECT_EQ(e.line, "in trace");
      ++n;
    }
  }
  EXPECT_EQ(n, 3u);
  // Backward order with a limit: the newest two of checkout's stream.
  q.trace_id.reset();
  q.stream_matchers = {*LabelMatcher::Make(LabelMatcher::Op::kEq, "service_name", "checkout")};
  q.limit = 2;
  streams = store->logs().Select(q);
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams->size(), 1u);
  EXPECT_EQ((*streams)[0].labels, (Labels{{"service_name", "checkout"}}));
  ASSERT_EQ((*streams)[0].entries.size(), 2u);
  EXPECT_EQ((*streams)[0].entries[0].ts_ns, static_cast<int64_t>(t0 + 2));
  EXPECT_EQ((*streams)[0].entries[1].ts_ns, static_cast<int64_t>(t0 + 1));
  EXPECT_EQ(GetLabel((*streams)[0].entries[0].metadata, "host_name"), "h1");
  EXPECT_EQ(*store->logs().LabelValues("service_name", 0, INT64_MAX),
            (std::vector<std::string>{"checkout", "payments"}));
}

TEST_F(StoreTest, MetricsBecomeSeriesAndSurviveReopen) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  auto counter = [&](uint64_t t, int64_t v) {
    pdata::MetricBatch b;
    auto& rm = b.resources().emplace_back();
    rm.resource.attributes.push_back({"service.name", pdata::AnyValue::String("checkout")});
    auto& m = rm.scope_metrics.emplace_back().metrics.emplace_back();
    m.name = "http.requests";
    m.type = pdata::MetricType::kSum;
    m.is_monotonic = true;
    m.temporality = pdata::AggregationTemporality::kCumulative;
    auto& p = m.number_points.emplace_back();
    p.time_unix_nano = t;
    p.value_type = pdata::NumberDataPoint::ValueType::kInt;
    p.as_int = v;
    p.attributes.push_back({"status", pdata::AnyValue::String("500")});
    return b;
  };
  {
    auto store = Open();
    ASSERT_TRUE(WriteSync(*store, counter(t0, 10)).ok());
    ASSERT_TRUE(WriteSync(*store, counter(t0 + 15'000'000'000ull, 25)).ok());
  }
  auto store = Open();
  Matchers m = {*LabelMatcher::Make(LabelMatcher::Op::kEq, "__name__", "http_requests_total")};
  auto sel = store->metrics().Select(m, 0, INT64_MAX, 0);
  ASSERT_TRUE(sel.ok());
  ASSERT_EQ(sel->size(), 1u);
  EXPECT_EQ((*sel)[0].labels,
            (Labels{{"__name__", "http_requests_total"}, {"job", "checkout"}, {"status", "500"}}));
  const int64_t ms = static_cast<int64_t>(t0 / 1'000'000);
  EXPECT_EQ((*sel)[0].samples, (std::vector<Sample>{{ms, 10}, {ms + 15000, 25}}));
  EXPECT_EQ(store->metrics().Select(m, 0, INT64_MAX, 1).status().code(),
            StatusCode::kResourceExhausted);
  auto md = store->metrics().Metadata("http_requests_total", 0);
  ASSERT_EQ(md.size(), 1u);
  EXPECT_EQ(md.begin()->second[0].type, "counter");
}

// Metric blocks compact like the others: six flushes (a series in all of them, one only in some,
// exemplars and metadata in several) merge into one block that answers exactly as the six did,
// also after a reopen.
TEST_F(StoreTest, MetricCompactionKeepsEverySample) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  auto counters = [&](int flush) {
    pdata::MetricBatch b;
    auto& rm = b.resources().emplace_back();
    rm.resource.attributes.push_back({"service.name", pdata::AnyValue::String("checkout")});
    auto& m = rm.scope_metrics.emplace_back().metrics.emplace_back();
    m.name = "queue.items";
    m.description = "Items queued.";
    m.type = pdata::MetricType::kSum;  // a counter: sums keep their exemplars
    m.is_monotonic = true;
    m.temporality = pdata::AggregationTemporality::kCumulative;
    for (int k = 0; k < 3; ++k) {
      if (k == 2 && flush % 2) continue;  // queue "c" only in even flushes
      auto& p = m.number_points.emplace_back();
      p.time_unix_nano = t0 + static_cast<uint64_t>(flush) * 15'000'000'000ull;
      p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
      p.as_double = flush * 10 + k;
      static constexpr std::string_view kQueues[] = {"a", "b", "c"};
      p.attributes.push_back({"queue", pdata::AnyValue::String(kQueues[k])});
      if (k == 0) {
        auto& x = p.exemplars.emplace_back();
        x.time_unix_nano = p.time_unix_nano;
        x.as_double = flush;
        x.trace_id = TraceIdOf(static_cast<uint8_t>(0x40 + flush));
      }
    }
    return b;
  };
  Matchers all = {*LabelMatcher::Make(LabelMatcher::Op::kEq, "__name__", "queue_items_total")};
  auto snapshot = [&](Store& st) {
    std::string out;
    auto sel = st.metrics().Select(all, 0, INT64_MAX, 0);
    EXPECT_TRUE(sel.ok());
    for (const auto& series : *sel) {
      out += LabelsToString(series.labels) + ":";
      for (const auto& x : series.samples)
        out += " " + std::to_string(x.t_ms) + "=" + std::to_string(x.v);
      out += "\n";
    }
    auto ex = st.metrics().Exemplars({all}, 0, INT64_MAX);
    EXPECT_TRUE(ex.ok());
    for (const auto& se : *ex)
      for (const auto& x : se.exemplars) out += "exemplar " + LabelsToString(x.labels) + "\n";
    for (const auto& [name, list] : st.metrics().Metadata("", 0))
      for (const auto& md : list) out += name + " " + md.type + " " + md.help + "\n";
    return out;
  };
  std::string before;
  {
    auto store = Open(false);
    for (int flush = 0; flush < 6; ++flush) {
      ASSERT_TRUE(WriteSync(*store, counters(flush)).ok());
      ASSERT_TRUE(store->FlushForTesting().ok());
    }
    ASSERT_EQ(store->metrics().block_count(), 6u);
    before = snapshot(*store);
    EXPECT_NE(before.find("queue=\"c\""), std::string::npos) << before;
    EXPECT_NE(before.find("exemplar"), std::string::npos) << before;
    ASSERT_TRUE(store->CompactForTesting().ok());
    EXPECT_EQ(store->metrics().block_count(), 1u);
    EXPECT_EQ(snapshot(*store), before);
  }
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/data/blocks"))
    if (e.path().filename().string().starts_with("metrics-"))
      files.push_back(e.path().filename().string());
  EXPECT_EQ(files.size(), 1u);
  auto store = Open(false);
  EXPECT_EQ(store->metrics().block_count(), 1u);
  EXPECT_EQ(snapshot(*store), before);
}

TEST_F(StoreTest, SecondOpenOfTheSameDirectoryFails) {
  auto first = Open();
  StoreOptions o;
  o.directory = dir_.path() + "/data";
  auto second = Store::Open(o, NullLogger(), nullptr);
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(StoreTest, WritesAfterCloseAreRefusedRetryably) {
  auto store = Open();
  store->Close();
  Status s = WriteSync(*store, TwoServiceTrace(1));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
}

TEST_F(StoreTest, FlushedBlocksAnswerQueriesAndReplaceTheWal) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  auto metric = [&](uint64_t t, double v) {
    pdata::MetricBatch b;
    auto& rm = b.resources().emplace_back();
    rm.resource.attributes.push_back({"service.name", pdata::AnyValue::String("checkout")});
    auto& m = rm.scope_metrics.emplace_back().metrics.emplace_back();
    m.name = "queue.depth";
    m.type = pdata::MetricType::kGauge;
    auto& p = m.number_points.emplace_back();
    p.time_unix_nano = t;
    p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
    p.as_double = v;
    return b;
  };
  const int64_t ms = static_cast<int64_t>(t0 / 1'000'000);
  Matchers m = {*LabelMatcher::Make(LabelMatcher::Op::kEq, "__name__", "queue_depth")};
  LogSelect q;
  q.stream_matchers = {*LabelMatcher::Make(LabelMatcher::Op::kEq, "service_name", "checkout")};
  q.start_ns = static_cast<int64_t>(t0);
  q.end_ns = static_cast<int64_t>(t0 + 100);
  q.trace_id = TraceIdOf(0x11).Hex();
  auto count_entries = [](const std::vector<LogStream>& streams) {
    size_t n = 0;
    for (const auto& s : streams) n += s.entries.size();
    return n;
  };
  {
    auto store = Open();
    ASSERT_TRUE(WriteSync(*store, TwoServiceTrace(t0)).ok());
    ASSERT_TRUE(WriteSync(*store, metric(t0, 1.5)).ok());
    ASSERT_TRUE(WriteSync(*store, LogsFor("checkout", {{0x11, t0}, {0, t0 + 1}})).ok());
    ASSERT_TRUE(store->FlushForTesting().ok());
    EXPECT_EQ(store->traces().span_count(), 0u);  // all in blocks now
    EXPECT_EQ(store->traces().block_count(), 1u);
    // Written after the flush: lives in the new head, merged with the block's data.
    ASSERT_TRUE(WriteSync(*store, metric(t0 + 60'000'000'000ull, 2.5)).ok());
    ASSERT_TRUE(WriteSync(*store, LogsFor("checkout", {{0x11, t0 + 2}})).ok());
    auto sel = store->metrics().Select(m, 0, INT64_MAX, 0);
    ASSERT_TRUE(sel.ok());
    ASSERT_EQ(sel->size(), 1u);
    EXPECT_EQ((*sel)[0].samples, (std::vector<Sample>{{ms, 1.5}, {ms + 60000, 2.5}}));
    EXPECT_EQ(count_entries(*store->logs().Select(q)), 2u);
  }
  auto store = Open();  // blocks + the WAL written after the flush
  auto trace = store->traces().GetTrace(TraceIdOf(0x11));
  ASSERT_TRUE(trace.ok()) << trace.status().ToString();
  EXPECT_EQ(trace->ItemCount(), 2u);
  EXPECT_EQ(store->traces().Services(), (std::vector<std::string>{"checkout", "payments"}));
  auto sel = store->metrics().Select(m, 0, INT64_MAX, 0);
  ASSERT_TRUE(sel.ok());
  ASSERT_EQ(sel->size(), 1u);
  EXPECT_EQ((*sel)[0].samples, (std::vector<Sample>{{ms, 1.5}, {ms + 60000, 2.5}}));
  EXPECT_EQ(count_entries(*store->logs().Select(q)), 2u);
  q.trace_id.reset();
  EXPECT_EQ(count_entries(*store->logs().Select(q)), 3u);
  TraceSearch ts;
  ts.service = "payments";
  ts.start_ns = t0;
  ts.end_ns = t0 + 10'000'000;
  auto found = store->traces().FindTraces(ts);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].ItemCount(), 2u);
}

TEST_F(StoreTest, SearchReturnsTheNewestMatchingTracesAcrossBlocksAndHead) {
  // Five one-span traces of "api", a second apart; the older three go to a block.
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  auto one = [&](uint8_t id, uint64_t start, std::string_view op, bool error) {
    pdata::TraceBatch b;
    auto& rs = b.resources().emplace_back();
    rs.resource.attributes.push_back({"service.name", pdata::AnyValue::String("api")});
    auto& span = rs.scope_spans.emplace_back().spans.emplace_back();
    span.trace_id = TraceIdOf(id);
    span.span_id.bytes.fill(id);
    span.name = op;
    span.start_time_unix_nano = start;
    span.end_time_unix_nano = start + 1000;
    if (error) span.status.code = pdata::StatusCode::kError;
    return b;
  };
  auto store = Open();
  for (uint8_t i = 1; i <= 3; ++i)
    ASSERT_TRUE(WriteSync(*store, one(i, t0 + i * 1'000'000'000ull, "GET", i == 2)).ok());
  ASSERT_TRUE(store->FlushForTesting().ok());
  for (uint8_t i = 4; i <= 5; ++i)
    ASSERT_TRUE(
        WriteSync(*store, one(i, t0 + i * 1'000'000'000ull, i == 5 ? "POST" : "GET", false)).ok());
  auto ids = [&](const TraceSearch& q) {
    std::vector<int> out;
    auto found = store->traces().FindTraces(q);
    EXPECT_TRUE(found.ok());
    for (const auto& t : *found)
      out.push_back(t.resources()[0].scope_spans[0].spans[0].trace_id.bytes[0]);
    return out;
  };
  TraceSearch q;
  q.service = "api";
  q.start_ns = t0;
  q.end_ns = t0 + 10'000'000'000ull;
  q.limit = 3;
  EXPECT_EQ(ids(q), (std::vector<int>{5, 4, 3}));
  q.operation = "GET";
  EXPECT_EQ(ids(q), (std::vector<int>{4, 3, 2}));
  q.tags = {{"error", "true"}};
  EXPECT_EQ(ids(q), (std::vector<int>{2}));
  q.tags.clear();
  q.end_ns = t0 + 2'500'000'000ull;  // only traces 1 and 2 started in range
  EXPECT_EQ(ids(q), (std::vector<int>{2, 1}));
  q.service = "other";
  EXPECT_TRUE(ids(q).empty());
}

// A trace as a comparable value: "<trace id>:" and every span's id, times, name, kind, status,
// service and attribute / event counts, sorted (the store may regroup spans by resource).
std::string TraceDump(const pdata::TraceBatch& t) {
  std::vector<std::string> spans;
  std::string trace_id;
  for (const auto& rs : t.resources()) {
    const pdata::AnyValue* svc = pdata::FindAttribute(rs.resource.attributes, "service.name");
    for (const auto& ss : rs.scope_spans)
      for (const auto& sp : ss.spans) {
        trace_id = sp.trace_id.Hex();
        spans.push_back(sp.span_id.Hex() + "@" + std::to_string(sp.start_time_unix_nano) + "-" +
                        std::to_string(sp.end_time_unix_nano) + "/" + std::string(sp.name) + "/" +
                        std::to_string(static_cast<int>(sp.kind)) + "/" +
                        std::to_string(static_cast<int>(sp.status.code)) + "/" +
                        (svc ? svc->ToString() : "") + "/" + std::to_string(sp.attributes.size()) +
                        "a/" + std::to_string(sp.events.size()) + "e");
      }
  }
  std::sort(spans.begin(), spans.end());
  std::string out = trace_id + ":";
  for (const auto& x : spans) out += " " + x;
  return out;
}

// The search semantics of TraceSearch (store/querier.h), evaluated naively over the written
// batches: the reference the head and the blocks must both equal.
bool ReferenceSpanMatches(const pdata::Resource& res, const pdata::Span& sp, const TraceSearch& q) {
  if (sp.start_time_unix_nano < q.start_ns || sp.start_time_unix_nano > q.end_ns) return false;
  if (!q.operation.empty() && sp.name != q.operation) return false;
  uint64_t d = sp.end_time_unix_nano > sp.start_time_unix_nano
                   ? sp.end_time_unix_nano - sp.start_time_unix_nano
                   : 0;
  if (q.min_duration_ns && d < *q.min_duration_ns) return false;
  if (q.max_duration_ns && d > *q.max_duration_ns) return false;
  const pdata::AnyValue* svc = pdata::FindAttribute(res.attributes, "service.name");
  if (!q.service.empty() && (!svc || svc->ToString() != q.service)) return false;
  auto has = [](const pdata::Attributes& attrs, std::string_view k, std::string_view v) {
    for (const auto& kv : attrs)
      if (kv.key == k && kv.value.ToString() == v) return true;
    return false;
  };
  for (const auto& [k, v] : q.tags) {
    bool m = has(sp.attributes, k, v) || has(res.attributes, k, v);
    for (const auto& e : sp.events) m = m || has(e.attributes, k, v);
    if (k == "error") m = m || (v == "true" && sp.status.code == pdata::StatusCode::kError);
    if (k == "span.kind") m = m || v == SpanKindName(sp.kind);
    if (k == "otel.status_code")
      m = m || (v == "ERROR" && sp.status.code == pdata::StatusCode::kError) ||
          (v == "OK" && sp.status.code == pdata::StatusCode::kOk);
    if (!m) return false;
  }
  return true;
}

// Dumps (TraceDump) of the traces of `batches` that have a span matching `q`, sorted.
std::vector<std::string> ReferenceSearch(const std::vector<pdata::TraceBatch>& batches,
                                         const TraceSearch& q) {
  std::map<std::string, pdata::TraceBatch> traces;
  std::set<std::string> matched;
  for (const auto& b : batches)
    for (const auto& rs : b.resources())
      for (const auto& ss : rs.scope_spans)
        for (const auto& sp : ss.spans) {
          const std::string id = sp.trace_id.Hex();
          auto& t = traces[id];
          auto& out_rs = t.resources().emplace_back();
          out_rs.resource = rs.resource;
          out_rs.scope_spans.emplace_back().spans.push_back(sp);
          if (ReferenceSpanMatches(rs.resource, sp, q)) matched.insert(id);
        }
  std::vector<std::string> out;
  for (const auto& id : matched) out.push_back(TraceDump(traces[id]));
  std::sort(out.begin(), out.end());
  return out;
}

// Searches answer the same before a flush (head rows) and after it (columnar block pages with
// tag filters), also from blocks merged by compaction and after a reopen, for every kind of
// condition: span, resource and event attributes of each type (values shared by many spans and
// values only one span has), derived tags, durations and operations.
TEST_F(StoreTest, SearchesAnswerAlikeFromTheHeadAndFromBlocks) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  auto batch = [&](uint64_t seed) {
    return otlp::MakeSyntheticTraces(100, seed, t0 + seed * 1'000'000'000ull);
  };
  auto store = Open();
  std::vector<pdata::TraceBatch> written;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    written.push_back(batch(seed));
    ASSERT_TRUE(WriteSync(*store, batch(seed)).ok());
  }
  // Values of one span (seed 17, span 42): a rare string, a rare int and a double.
  auto sample = batch(17);
  const pdata::Span& one = sample.resources()[0].scope_spans[0].spans[42];
  auto value_of = [&](std::string_view key) {
    return pdata::FindAttribute(one.attributes, key)->ToString();
  };
  std::vector<TraceSearch> queries;
  auto add = [&](std::string service, std::string op,
                 std::vector<std::pair<std::string, std::string>> tags,
                 std::optional<uint64_t> min_d = {}, std::optional<uint64_t> max_d = {}) {
    TraceSearch q;
    q.service = std::move(service);
    q.operation = std::move(op);
    q.tags = std::move(tags);
    q.min_duration_ns = min_d;
    q.max_duration_ns = max_d;
    q.start_ns = t0;
    q.end_ns = t0 + 40'000'000'000ull;
    q.limit = 0;
    queries.push_back(q);
  };
  add("", "", {});
  add("cart", "", {});
  add("checkout", "GET /healthz", {});
  add("", "", {{"http.response.status_code", "500"}});                   // int attribute
  add("", "", {{"app.cache.hit", "true"}, {"http.route", "/healthz"}});  // bool attribute
  add("", "", {{"host.name", "node-03"}});                               // resource attribute
  add("", "", {{"message.type", "RECEIVED"}, {"error", "true"}});        // event attribute, derived
  add("", "", {{"span.kind", "server"}, {"http.route", "/api/v1/cart"}});
  add("orders", "", {{"otel.status_code", "ERROR"}}, 40'000'000);
  add("", "", {}, 10'000'000, 11'000'000);
  add("", "", {{"client.address", value_of("client.address")}});
  add("", "", {{"http.response.body.size", value_of("http.response.body.size")}});
  add("", "", {{"app.cache.ratio", value_of("app.cache.ratio")}});
  add("", "", {{"url.path", value_of("url.path")}, {"http.route", value_of("http.route")}});
  for (size_t i : {0, 1, 3}) {  // the newest few only: blocks are read newest first
    TraceSearch q = queries[i];
    q.limit = 5;
    queries.push_back(q);
  }
  const size_t kPresent = queries.size();
  add("", "", {{"client.address", "192.0.2.1"}});
  add("", "", {{"http.response.body.size", "-1"}});
  add("", "", {{"client.address", value_of("url.path")}});  // a value under another key
  // The answer as returned (in order), each trace with all its spans.
  auto ids_in = [&](Store& st, const TraceSearch& q) {
    std::vector<std::string> out;
    auto found = st.traces().FindTraces(q);
    EXPECT_TRUE(found.ok());
    for (const auto& t : *found) out.push_back(TraceDump(t));
    return out;
  };
  auto ids = [&](const TraceSearch& q) { return ids_in(*store, q); };
  std::vector<std::vector<std::string>> before;
  for (const auto& q : queries) before.push_back(ids(q));
  // The head answers exactly what a naive evaluation over the written spans finds.
  EXPECT_EQ(before[0].size(), 300u);
  for (size_t i = 0; i < queries.size(); ++i) {
    std::vector<std::string> expected = ReferenceSearch(written, queries[i]);
    if (i < kPresent) {
      // The query is worth asking: it selects some traces, and (but the first) not all.
      EXPECT_FALSE(expected.empty()) << i;
      if (i > 0 && queries[i].limit == 0) {
        EXPECT_LT(expected.size(), 300u) << i;
      }
    }
    std::vector<std::string> got = before[i];
    if (queries[i].limit == 0) {
      std::sort(got.begin(), got.end());
      EXPECT_EQ(got, expected) << i;
    } else {  // the newest `limit` of them
      EXPECT_EQ(got.size(), std::min<size_t>(queries[i].limit, expected.size())) << i;
      for (const auto& t : got)
        EXPECT_TRUE(std::binary_search(expected.begin(), expected.end(), t)) << i << " " << t;
    }
  }
  for (size_t i = kPresent; i < before.size(); ++i) EXPECT_TRUE(before[i].empty()) << i;
  ASSERT_TRUE(store->FlushForTesting().ok());
  for (size_t i = 0; i < queries.size(); ++i) EXPECT_EQ(ids(queries[i]), before[i]) << i;

  // The same data in five blocks (flushed every six requests), then merged into one.
  {
    auto blocks = Open(false, "blocks");
    for (uint64_t seed = 1; seed <= 30; ++seed) {
      ASSERT_TRUE(WriteSync(*blocks, batch(seed)).ok());
      if (seed % 6 == 0) {
        ASSERT_TRUE(blocks->FlushForTesting().ok());
      }
    }
    ASSERT_EQ(blocks->traces().block_count(), 5u);
    for (size_t i = 0; i < queries.size(); ++i)
      EXPECT_EQ(ids_in(*blocks, queries[i]), before[i]) << i;
    ASSERT_TRUE(blocks->CompactForTesting().ok());
    ASSERT_EQ(blocks->traces().block_count(), 1u);
    for (size_t i = 0; i < queries.size(); ++i)
      EXPECT_EQ(ids_in(*blocks, queries[i]), before[i]) << i;
  }
  auto reopened = Open(false, "blocks");
  for (size_t i = 0; i < queries.size(); ++i)
    EXPECT_EQ(ids_in(*reopened, queries[i]), before[i]) << i;
}

// Every trace's spans, as sorted "span id@start" strings, by trace id.
std::map<std::string, std::vector<std::string>> AllSpans(Store& store,
                                                         const std::vector<pdata::TraceId>& ids) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& id : ids) {
    auto t = store.traces().GetTrace(id);
    EXPECT_TRUE(t.ok()) << id.Hex();
    if (!t.ok()) continue;
    auto& spans = out[id.Hex()];
    for (const auto& rs : t->resources())
      for (const auto& ss : rs.scope_spans)
        for (const auto& sp : ss.spans)
          spans.push_back(sp.span_id.Hex() + "@" + std::to_string(sp.start_time_unix_nano) + "/" +
                          std::string(sp.name) + "/" + std::to_string(sp.attributes.size()));
    std::sort(spans.begin(), spans.end());
  }
  return out;
}

std::vector<std::string> TraceBlockFiles(const std::string& data) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(data + "/blocks")) {
    std::string name = e.path().filename().string();
    if (name.starts_with("traces-")) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Six flushes (one trace written across two of them) compact into one block that answers
// exactly as the six did, also after a reopen; blocks a crash left behind after compaction are
// removed at open instead of duplicating spans.
TEST_F(StoreTest, CompactionMergesBlocksAndKeepsEverySpan) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  const std::string data = dir_.path() + "/data";
  std::vector<pdata::TraceId> ids;
  std::map<std::string, std::vector<std::string>> before;
  std::vector<std::string> searched;
  TraceSearch q;
  q.service = "cart";
  q.start_ns = t0;
  q.end_ns = t0 + 100'000'000'000ull;
  q.limit = 0;
  std::vector<pdata::TraceBatch> written;
  auto search = [&](Store& s) {
    std::vector<std::string> out;
    auto found = s.traces().FindTraces(q);
    EXPECT_TRUE(found.ok());
    for (const auto& t : *found) out.push_back(TraceDump(t));
    return out;
  };
  {
    auto store = Open(false);
    for (uint64_t flush = 0; flush < 6; ++flush) {
      for (uint64_t k = 0; k < 3; ++k) {
        uint64_t seed = flush * 10 + k + 1;
        auto b = otlp::MakeSyntheticTraces(40, seed, t0 + seed * 1'000'000'000ull);
        for (const auto& sp : b.resources()[0].scope_spans[0].spans)
          if (ids.empty() || !(ids.back() == sp.trace_id)) ids.push_back(sp.trace_id);
        written.push_back(b.Clone());
        ASSERT_TRUE(WriteSync(*store, std::move(b)).ok());
      }
      // Trace 0x11…: its two spans land in the first and the fourth flush.
      if (flush == 0 || flush == 3) {
        auto two = TwoServiceTrace(t0 + flush * 1'000'000);
        auto& rs = two.resources()[flush == 0 ? 0 : 1];
        pdata::TraceBatch one;
        one.resources().push_back(rs);
        written.push_back(one.Clone());
        ASSERT_TRUE(WriteSync(*store, std::move(one)).ok());
      }
      ASSERT_TRUE(store->FlushForTesting().ok());
    }
    ids.push_back(TraceIdOf(0x11));
    ASSERT_EQ(TraceBlockFiles(data).size(), 6u);
    before = AllSpans(*store, ids);
    EXPECT_EQ(before[TraceIdOf(0x11).Hex()].size(), 2u);
    searched = search(*store);
    // The blocks answer exactly what a naive evaluation over the written spans finds.
    std::vector<std::string> expected = ReferenceSearch(written, q);
    EXPECT_FALSE(expected.empty());
    std::vector<std::string> sorted = searched;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, expected);

    std::filesystem::create_directories(dir_.path() + "/inputs");
    for (const auto& f : TraceBlockFiles(data))
      std::filesystem::copy_file(data + "/blocks/" + f, dir_.path() + "/inputs/" + f);
    ASSERT_TRUE(store->CompactForTesting().ok());
    auto files = TraceBlockFiles(data);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_NE(files[0].find("-0000000000000001.blk"), std::string::npos) << files[0];
    EXPECT_EQ(store->traces().block_count(), 1u);
    EXPECT_EQ(AllSpans(*store, ids), before);
    EXPECT_EQ(search(*store), searched);
    EXPECT_EQ(store->traces().Services(),
              (std::vector<std::string>{"cart", "checkout", "frontend", "orders", "payments"}));
  }
  {
    auto store = Open(false);
    EXPECT_EQ(AllSpans(*store, ids), before);
    EXPECT_EQ(search(*store), searched);
  }
  // As if the process died between writing the merged block and deleting its inputs.
  for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/inputs"))
    std::filesystem::copy_file(e.path(), data + "/blocks/" + e.path().filename().string());
  ASSERT_EQ(TraceBlockFiles(data).size(), 7u);
  auto store = Open(false);
  EXPECT_EQ(TraceBlockFiles(data).size(), 1u);
  EXPECT_EQ(AllSpans(*store, ids), before);
}

// Log blocks compact too: frames copied, streams of equal labels joined, the trace-id index
// renumbered; every query answers as before the merge and after a reopen.
TEST_F(StoreTest, LogCompactionKeepsEveryEntry) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  const std::string data = dir_.path() + "/data";
  auto everything = [&](Store& s, std::optional<uint8_t> trace) {
    LogSelect q;
    q.stream_matchers.push_back(*LabelMatcher::Make(LabelMatcher::Op::kRe, "service_name", ".+"));
    q.start_ns = static_cast<int64_t>(t0);
    q.end_ns = static_cast<int64_t>(t0 + 1000);
    if (trace) q.trace_id = TraceIdOf(*trace).Hex();
    auto streams = s.logs().Select(q);
    EXPECT_TRUE(streams.ok());
    std::vector<std::string> out;
    for (const auto& st : *streams)
      for (const auto& e : st.entries)
        out.push_back(st.labels[0].value + " " + std::to_string(e.ts_ns - int64_t(t0)) + " " +
                      std::string(GetLabel(e.metadata, "trace_id")));
    std::sort(out.begin(), out.end());
    return out;
  };
  auto log_blocks = [&] {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(data + "/blocks"))
      n += e.path().filename().string().starts_with("logs-");
    return n;
  };
  std::vector<std::string> all, in_trace;
  {
    auto store = Open(false);
    for (uint64_t flush = 0; flush < 4; ++flush) {
      uint64_t t = t0 + flush * 10;
      ASSERT_TRUE(WriteSync(*store, LogsFor("checkout", {{0x11, t}, {0, t + 1}})).ok());
      ASSERT_TRUE(WriteSync(*store, LogsFor(flush % 2 ? "payments" : "cart",
                                            {{static_cast<uint8_t>(0x20 + flush), t + 2}}))
                      .ok());
      ASSERT_TRUE(store->FlushForTesting().ok());
    }
    ASSERT_EQ(log_blocks(), 4u);
    all = everything(*store, std::nullopt);
    in_trace = everything(*store, 0x11);
    ASSERT_EQ(all.size(), 12u);
    ASSERT_EQ(in_trace.size(), 4u);
    ASSERT_TRUE(store->CompactForTesting().ok());
    EXPECT_EQ(log_blocks(), 1u);
    EXPECT_EQ(everything(*store, std::nullopt), all);
    EXPECT_EQ(everything(*store, 0x11), in_trace);
    EXPECT_EQ(everything(*store, 0x23),
              std::vector<std::string>{"payments 32 " + TraceIdOf(0x23).Hex()});
    EXPECT_EQ(*store->logs().LabelValues("service_name", 0, INT64_MAX),
              (std::vector<std::string>{"cart", "checkout", "payments"}));
  }
  auto store = Open(false);
  EXPECT_EQ(everything(*store, std::nullopt), all);
  EXPECT_EQ(everything(*store, 0x11), in_trace);
}

// The background compaction leaves a few small blocks alone (merging them would only be merged
// again) and merges once sixteen have accumulated.
TEST_F(StoreTest, CompactionWaitsForARunWorthMerging) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  const std::string data = dir_.path() + "/data";
  auto store = Open(false);
  auto flush = [&](uint64_t seed) {
    ASSERT_TRUE(
        WriteSync(*store, otlp::MakeSyntheticTraces(20, seed, t0 + seed * 1'000'000'000ull)).ok());
    ASSERT_TRUE(store->FlushForTesting().ok());
  };
  for (uint64_t seed = 1; seed <= 15; ++seed) flush(seed);
  ASSERT_TRUE(store->CompactForTesting(/*eager=*/false).ok());
  EXPECT_EQ(TraceBlockFiles(data).size(), 15u);
  flush(16);
  ASSERT_TRUE(store->CompactForTesting(/*eager=*/false).ok());
  auto files = TraceBlockFiles(data);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0], "traces-0000000000000016-0000000000000001.blk");
  size_t spans = 0;
  ASSERT_TRUE(store->traces()
                  .ScanTraces(0, UINT64_MAX,
                              [&](const pdata::TraceBatch& t) {
                                spans += t.ItemCount();
                                return true;
                              })
                  .ok());
  EXPECT_EQ(spans, 320u);
}

TEST_F(StoreTest, UnfinishedFlushIsRolledBackToTheWal) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  testing::FaultEnv env(1);
  StoreOptions o;
  o.directory = dir_.path() + "/data";
  o.retention = std::chrono::milliseconds(0);
  o.env = &env;
  {
    auto store = Store::Open(o, NullLogger(), nullptr);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(WriteSync(**store, TwoServiceTrace(t0)).ok());
    // The power goes after the blocks are written, as FLUSHED is about to name them.
    env.InjectOnPath("FLUSHED", testing::FaultEnv::Fault::kPowerLoss);
    EXPECT_FALSE((*store)->FlushForTesting().ok());
  }
  env.PowerLoss(/*torn=*/false);
  ASSERT_TRUE(std::filesystem::exists(o.directory + "/blocks"));
  bool block_left = false;
  for (const auto& e : std::filesystem::directory_iterator(o.directory + "/blocks"))
    block_left |= e.path().extension() == ".blk";
  ASSERT_TRUE(block_left);
  telemetry::SelfMetrics metrics;
  auto store = Store::Open(o, NullLogger(), &metrics);
  ASSERT_TRUE(store.ok());
  // The blocks are removed as unfinished and the WAL is replayed: each span once.
  EXPECT_EQ((*store)->traces().block_count(), 0u);
  auto trace = (*store)->traces().GetTrace(TraceIdOf(0x11));
  ASSERT_TRUE(trace.ok());
  EXPECT_EQ(trace->ItemCount(), 2u);
  EXPECT_EQ(metrics.Value("otter_store_corruption_total", {{"kind", "marker"}}), 0);
}

// A WAL replayed at start-up above twice head_max (left by a crash while flushing lagged, or by
// a smaller head_max_mib in the new config) is cut and flushed like a live head: writes are
// refused retryably only until then.
TEST_F(StoreTest, AReplayedWalAboveTheHeadLimitIsFlushedAndWritesResume) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  StoreOptions o;
  o.directory = dir_.path() + "/data";
  o.retention = std::chrono::milliseconds(0);
  {
    auto store = Store::Open(o, NullLogger(), nullptr);
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 200; ++i)
      ASSERT_TRUE(WriteSync(**store, otlp::MakeSyntheticTraces(20, i + 1, t0)).ok());
  }
  o.head_max_bytes = 64 << 10;
  auto store = Store::Open(o, NullLogger(), nullptr);
  ASSERT_TRUE(store.ok());
  const uint64_t spans = (*store)->traces().span_count();
  ASSERT_EQ(spans, 4000u);
  bool accepted = otter::testing::Eventually(
      [&] { return WriteSync(**store, TwoServiceTrace(t0)).ok(); }, std::chrono::seconds(10));
  EXPECT_TRUE(accepted);
  EXPECT_GE((*store)->traces().block_count(), 1u);
  EXPECT_TRUE((*store)->traces().GetTrace(TraceIdOf(0x11)).ok());
}

// A lost or damaged FLUSHED marker is rebuilt from the WAL: the flushed blocks stay and nothing
// is replayed twice.
TEST_F(StoreTest, DamagedFlushedMarkerIsRebuiltFromTheWal) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  for (std::string damage : {"", "x", "legacy", "3 00000000"}) {
    SCOPED_TRACE("FLUSHED=\"" + damage + "\"");
    std::filesystem::remove_all(dir_.path() + "/data");
    {
      auto store = Open();
      ASSERT_TRUE(WriteSync(*store, TwoServiceTrace(t0)).ok());
      ASSERT_TRUE(store->FlushForTesting().ok());
      ASSERT_TRUE(WriteSync(*store, TwoServiceTrace(t0 + 1)).ok());
    }
    std::string marker = dir_.path() + "/data/FLUSHED";
    std::string written = *ReadFile(marker);
    if (damage.empty()) {
      std::filesystem::remove(marker);
    } else if (damage == "legacy") {  // a bare number, as written before the checksum
      ASSERT_TRUE(WriteFileAtomic(marker, written.substr(0, written.find(' '))).ok());
    } else {
      ASSERT_TRUE(WriteFileAtomic(marker, damage).ok());
    }
    telemetry::SelfMetrics metrics;
    StoreOptions o;
    o.directory = dir_.path() + "/data";
    o.retention = std::chrono::milliseconds(0);
    auto store = Store::Open(o, NullLogger(), &metrics);
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->traces().block_count(), 1u);
    auto trace = (*store)->traces().GetTrace(TraceIdOf(0x11));
    ASSERT_TRUE(trace.ok());
    EXPECT_EQ(trace->ItemCount(), 4u);  // two from the block, two from the WAL
    EXPECT_EQ(metrics.Value("otter_store_corruption_total", {{"kind", "marker"}}),
              damage == "legacy" ? 0 : 1);
  }
}

TEST_F(StoreTest, CorruptBlockIsSetAsideAndTheStoreOpens) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  std::string path;
  {
    auto store = Open();
    ASSERT_TRUE(WriteSync(*store, TwoServiceTrace(t0)).ok());
    ASSERT_TRUE(store->FlushForTesting().ok());
  }
  for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/data/blocks"))
    if (e.path().filename().string().starts_with("traces-")) path = e.path().string();
  ASSERT_FALSE(path.empty());
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 3);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->traces().block_count(), 0u);
  EXPECT_TRUE(std::filesystem::exists(path + ".corrupt"));
  EXPECT_EQ(store->traces().GetTrace(TraceIdOf(0x11)).status().code(), StatusCode::kNotFound);
}

// Damage inside a block's frame passes the index checks at open; the first read that meets it
// fails, and the block is set aside (counted, renamed .corrupt) while the rest is served.
TEST_F(StoreTest, CorruptFrameFoundByAReadIsSetAsideAndTheRestServed) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  auto trace_with_id = [&](uint8_t id) {
    pdata::TraceBatch b = TwoServiceTrace(t0);
    for (auto& rs : b.resources())
      for (auto& ss : rs.scope_spans)
        for (auto& span : ss.spans) span.trace_id = TraceIdOf(id);
    return b;
  };
  std::string first_block;
  {
    auto store = Open(false);
    ASSERT_TRUE(WriteSync(*store, trace_with_id(0x21)).ok());
    ASSERT_TRUE(store->FlushForTesting().ok());
    for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/data/blocks"))
      if (e.path().filename().string().starts_with("traces-")) first_block = e.path().string();
    ASSERT_TRUE(WriteSync(*store, trace_with_id(0x22)).ok());
    ASSERT_TRUE(store->FlushForTesting().ok());
  }
  ASSERT_FALSE(first_block.empty());
  {
    // One byte inside the first frame (right after the 8-byte magic), not the index.
    std::fstream f(first_block, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(30);
    char b = 0;
    f.read(&b, 1);
    b = static_cast<char>(b ^ 0x40);
    f.seekp(30);
    f.write(&b, 1);
  }
  telemetry::SelfMetrics metrics;
  StatusHub hub;
  StoreOptions o;
  o.directory = dir_.path() + "/data";
  o.retention = std::chrono::milliseconds(0);
  o.compact_in_background = false;
  o.status = &hub;
  auto store = Store::Open(o, NullLogger(), &metrics);
  ASSERT_TRUE(store.ok());
  ASSERT_EQ((*store)->traces().block_count(), 2u);
  EXPECT_EQ((*store)->traces().GetTrace(TraceIdOf(0x21)).status().code(), StatusCode::kDataLoss);
  // The flusher sets it aside: out of the table, then renamed, then counted and reported.
  auto set_aside = [&] {
    return (*store)->traces().block_count() == 1 &&
           std::filesystem::exists(first_block + ".corrupt") &&
           metrics.Value("otter_store_corruption_total", {{"kind", "block"}}) == 1 &&
           hub.Degraded().count("exporter/store") == 1;
  };
  for (int i = 0; i < 500 && !set_aside(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(set_aside()) << (*store)->traces().block_count() << " blocks";
  EXPECT_EQ((*store)->traces().GetTrace(TraceIdOf(0x21)).status().code(), StatusCode::kNotFound);
  auto other = (*store)->traces().GetTrace(TraceIdOf(0x22));
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(other->ItemCount(), 2u);
}

// An export stored although its answer was lost (a kill between the commit and the answer) and
// then retried is stored twice: queries show it once, as Loki and Tempo do.
TEST_F(StoreTest, ARetriedWriteStoredTwiceIsAnsweredOnce) {
  const uint64_t t0 = 1'700'000'000'000'000'000ull;
  auto store = Open(false);
  for (int copy = 0; copy < 2; ++copy) {
    ASSERT_TRUE(WriteSync(*store, TwoServiceTrace(t0)).ok());
    ASSERT_TRUE(WriteSync(*store, LogsFor("checkout", {{0x11, t0}, {0x11, t0 + 5}})).ok());
    if (copy == 0) {
      ASSERT_TRUE(store->FlushForTesting().ok());  // one copy in a block
    }
  }
  // A different span at the same time with the same id stays (Zipkin-style shared span ids).
  pdata::TraceBatch shared = TwoServiceTrace(t0);
  shared.resources().resize(1);
  shared.resources()[0].scope_spans[0].spans[0].kind = pdata::SpanKind::kClient;
  ASSERT_TRUE(WriteSync(*store, std::move(shared)).ok());
  auto trace = store->traces().GetTrace(TraceIdOf(0x11));
  ASSERT_TRUE(trace.ok());
  EXPECT_EQ(trace->ItemCount(), 3u);
  LogSelect q;
  q.start_ns = 0;
  q.end_ns = INT64_MAX;
  q.limit = 100;
  std::vector<int64_t> times;
  ASSERT_TRUE(store->logs()
                  .Scan(q, {},
                        [&](const Labels&, LogEntry&& e) {
                          times.push_back(e.ts_ns);
                          return true;
                        })
                  .ok());
  EXPECT_EQ(times, (std::vector<int64_t>{int64_t(t0 + 5), int64_t(t0)}));  // backward by default
}

TEST(SampleEncodingTest, RoundTripsIrregularTimesAndValues) {
  std::vector<Sample> in = {{1000, 0.0},    {16000, 1.5}, {31000, 1.5}, {46001, -2.25},
                            {46002, 1e300}, {50000, NAN}, {-5, 3.0},    {70000, 42.0}};
  std::sort(in.begin(), in.end(), [](const Sample& a, const Sample& b) { return a.t_ms < b.t_ms; });
  std::string enc;
  EncodeSamples(in, &enc);
  std::vector<Sample> out;
  ASSERT_TRUE(DecodeSamples(enc, &out));
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].t_ms, in[i].t_ms);
    EXPECT_EQ(std::bit_cast<uint64_t>(out[i].v), std::bit_cast<uint64_t>(in[i].v));
  }
  EXPECT_FALSE(DecodeSamples(enc.substr(0, enc.size() - 1), &out));
}

}  // namespace
}  // namespace otter::store
