// The store writes a batch's cached wire() (the received request) as its WAL record, and encodes
// afresh once the batch was mutated.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "otlp/proto_codec.h"
#include "store/store.h"
#include "store/store_testing.h"
#include "util/harness.h"

namespace otter::store {
namespace {

using testing::NullLogger;
using testing::TraceIdOf;
using testing::WriteSync;

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;

// An encoded one-span request plus an unknown top-level field (17: varint 1), which the decoder
// skips and an encoder would drop: the WAL holds it only if the body was passed through.
std::string TraceBody(std::string_view name) {
  pdata::TraceBatch b;
  auto& rs = b.resources().emplace_back();
  rs.resource.attributes.push_back({"service.name", pdata::AnyValue::String("checkout")});
  auto& s = rs.scope_spans.emplace_back().spans.emplace_back();
  s.trace_id = TraceIdOf(0x11);
  s.span_id.bytes.fill(1);
  s.name = name;
  s.start_time_unix_nano = kT0;
  s.end_time_unix_nano = kT0 + 5'000'000;
  std::string body;
  otlp::EncodeTraces(b, &body);
  body += "\x88\x01\x01";
  return body;
}

std::string LogBody(std::string_view line) {
  pdata::LogBatch b;
  auto& rl = b.resources().emplace_back();
  rl.resource.attributes.push_back({"service.name", pdata::AnyValue::String("checkout")});
  auto& r = rl.scope_logs.emplace_back().log_records.emplace_back();
  r.time_unix_nano = kT0;
  r.body = pdata::AnyValue::String(line);
  std::string body;
  otlp::EncodeLogs(b, &body);
  return body;
}

std::string MetricBody(std::string_view name) {
  pdata::MetricBatch b;
  auto& rm = b.resources().emplace_back();
  rm.resource.attributes.push_back({"service.name", pdata::AnyValue::String("checkout")});
  auto& m = rm.scope_metrics.emplace_back().metrics.emplace_back();
  m.name = name;
  m.type = pdata::MetricType::kGauge;
  auto& p = m.number_points.emplace_back();
  p.time_unix_nano = kT0;
  p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
  p.as_double = 1.5;
  std::string body;
  otlp::EncodeMetrics(b, &body);
  return body;
}

class StoreWireTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() {
    StoreOptions o;
    o.directory = dir_.path() + "/data";
    o.retention = std::chrono::milliseconds(0);  // the test data is from 2023
    auto s = Store::Open(o, NullLogger(), nullptr);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  // Every WAL segment, concatenated.
  std::string WalBytes() const {
    std::string all;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path() + "/data/wal")) {
      std::ifstream f(e.path(), std::ios::binary);
      std::ostringstream ss;
      ss << f.rdbuf();
      all += ss.str();
    }
    return all;
  }
  std::string SpanName(Store& store) {
    auto trace = store.traces().GetTrace(TraceIdOf(0x11));
    EXPECT_TRUE(trace.ok()) << trace.status().ToString();
    if (!trace.ok() || trace->ItemCount() != 1) return "";
    const pdata::TraceBatch& t = *trace;
    return std::string(t.resources()[0].scope_spans[0].spans[0].name);
  }
  testing::TempDir dir_;
};

TEST_F(StoreWireTest, ReceivedBodyIsTheWalRecord) {
  const std::string body = TraceBody("POST /checkout");
  {
    auto store = Open();
    auto batch = otlp::DecodeTraces(body);
    ASSERT_TRUE(batch.ok());
    ASSERT_EQ(batch->wire(), body);
    ASSERT_TRUE(WriteSync(*store, std::move(*batch)).ok());
    EXPECT_EQ(SpanName(*store), "POST /checkout");
  }
  EXPECT_NE(WalBytes().find(body), std::string::npos);
  auto store = Open();  // replays the WAL
  EXPECT_EQ(SpanName(*store), "POST /checkout");
}

TEST_F(StoreWireTest, MutatedTraceBatchIsEncodedFresh) {
  const std::string body = TraceBody("POST /checkout");
  {
    auto store = Open();
    auto batch = otlp::DecodeTraces(body);
    ASSERT_TRUE(batch.ok());
    batch->resources()[0].scope_spans[0].spans[0].name = "renamed";
    ASSERT_TRUE(batch->wire().empty());
    ASSERT_TRUE(WriteSync(*store, std::move(*batch)).ok());
    EXPECT_EQ(SpanName(*store), "renamed");  // the head answers from the WAL record
  }
  EXPECT_EQ(WalBytes().find(body), std::string::npos);
  {
    auto store = Open();
    EXPECT_EQ(SpanName(*store), "renamed");
    ASSERT_TRUE(store->FlushForTesting().ok());
    EXPECT_EQ(SpanName(*store), "renamed");  // from the block
  }
}

TEST_F(StoreWireTest, MutatedLogBatchIsEncodedFresh) {
  {
    auto store = Open();
    auto batch = otlp::DecodeLogs(LogBody("original"));
    ASSERT_TRUE(batch.ok());
    batch->resources()[0].scope_logs[0].log_records[0].body = pdata::AnyValue::String("renamed");
    ASSERT_TRUE(WriteSync(*store, std::move(*batch)).ok());
  }
  auto store = Open();  // the log table keeps pdata: only a replay reads the WAL record
  LogSelect q;
  q.stream_matchers.push_back(
      *LabelMatcher::Make(LabelMatcher::Op::kEq, "service_name", "checkout"));
  q.start_ns = static_cast<int64_t>(kT0);
  q.end_ns = static_cast<int64_t>(kT0 + 1);
  auto streams = store->logs().Select(q);
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams->size(), 1u);
  ASSERT_EQ((*streams)[0].entries.size(), 1u);
  EXPECT_EQ((*streams)[0].entries[0].line, "renamed");
}

TEST_F(StoreWireTest, MutatedMetricBatchIsEncodedFresh) {
  {
    auto store = Open();
    auto batch = otlp::DecodeMetrics(MetricBody("original"));
    ASSERT_TRUE(batch.ok());
    batch->resources()[0].scope_metrics[0].metrics[0].name = "renamed";
    ASSERT_TRUE(WriteSync(*store, std::move(*batch)).ok());
  }
  auto store = Open();
  auto named = [&](const char* name) {
    auto sel = store->metrics().Select(
        {*LabelMatcher::Make(LabelMatcher::Op::kEq, "__name__", name)}, 0, INT64_MAX, 0);
    EXPECT_TRUE(sel.ok());
    return sel.ok() ? sel->size() : 0;
  };
  EXPECT_EQ(named("renamed"), 1u);
  EXPECT_EQ(named("original"), 0u);
}

}  // namespace
}  // namespace otter::store
