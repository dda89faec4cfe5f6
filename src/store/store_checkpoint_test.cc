// The head checkpoint (docs/storage.md, "Head checkpoint"): a restart loads the trace head from
// checkpoint files instead of replaying the WAL records they cover, and serves exactly what was
// acknowledged; damaged or stale files fall back to the WAL.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "otlp/proto_codec.h"
#include "store/store.h"
#include "store/store_testing.h"
#include "store/wal.h"
#include "telemetry/self_metrics.h"
#include "util/harness.h"

namespace otter::store {
namespace {

namespace fs = std::filesystem;
using pdata::AnyValue;

pdata::TraceId Id(uint64_t n) {
  pdata::TraceId id;
  for (int i = 0; i < 8; ++i) id.bytes[i] = static_cast<uint8_t>(n >> (8 * i));
  id.bytes[15] = 0xab;
  return id;
}

// Request n: two resources, spans with every attribute type, events, links and statuses; some
// strings repeat across requests (interned), some never do (copied).
pdata::TraceBatch Request(uint64_t n) {
  pdata::TraceBatch b;
  // pdata holds string views: a built string lives in the batch's arena.
  auto own = [&b](const std::string& str) { return b.arenas().Copy(str); };
  for (int r = 0; r < 2; ++r) {
    auto& rs = b.resources().emplace_back();
    rs.resource.attributes.push_back({"service.name", AnyValue::String(r ? "cart" : "checkout")});
    rs.resource.attributes.push_back(
        {"host.name", AnyValue::String(own("h" + std::to_string(n % 3)))});
    rs.schema_url = "https://opentelemetry.io/schemas/1.21.0";
    auto& ss = rs.scope_spans.emplace_back();
    ss.scope.name = "lib";
    ss.scope.version = own(std::to_string(n % 2));
    for (int i = 0; i < 3; ++i) {
      auto& s = ss.spans.emplace_back();
      s.trace_id = Id(n * 2 + r);
      s.span_id.bytes.fill(static_cast<uint8_t>(i + 1));
      if (i) s.parent_span_id.bytes.fill(1);
      s.name = i ? own("GET /item/" + std::to_string(i)) : "root";
      s.kind = static_cast<pdata::SpanKind>(1 + i);
      s.start_time_unix_nano = 1'700'000'000'000'000'000ull + n * 1'000'000 + i;
      s.end_time_unix_nano = s.start_time_unix_nano + 1000 * (i + 1);
      s.attributes.push_back(
          {"request.id", AnyValue::String(own("req-" + std::to_string(n * 7 + i)))});
      s.attributes.push_back({"http.status_code", AnyValue::Int(200 + i)});
      s.attributes.push_back({"ratio", AnyValue::Double(0.5 * i)});
      s.attributes.push_back({"cached", AnyValue::Bool(i == 1)});
      if (i == 2) {
        auto& ev = s.events.emplace_back();
        ev.name = "retry";
        ev.time_unix_nano = s.start_time_unix_nano + 10;
        ev.attributes.push_back({"attempt", AnyValue::Int(static_cast<int64_t>(n))});
        auto& link = s.links.emplace_back();
        link.trace_id = Id(n + 100000);
        link.span_id.bytes.fill(9);
        s.status.code = pdata::StatusCode::kError;
        s.status.message = own("boom " + std::to_string(n));
      }
    }
  }
  return b;
}

constexpr int kRequests = 60;

StoreOptions Options(const std::string& dir) {
  StoreOptions o;
  o.directory = dir;
  o.retention = std::chrono::milliseconds(0);
  o.compact_in_background = false;
  o.checkpoint_bytes = 4096;  // a checkpoint every few requests
  return o;
}

// The stored form of each trace, to compare across a restart.
std::vector<std::string> Snapshot(Store& store) {
  std::vector<std::string> out;
  for (uint64_t t = 0; t < 2 * kRequests; ++t) {
    auto trace = store.traces().GetTrace(Id(t));
    std::string bytes;
    if (trace.ok()) otlp::EncodeTraces(*trace, &bytes);
    out.push_back(std::move(bytes));
  }
  return out;
}

// Traces found by a Jaeger search for the service "cart".
size_t RootsOfCart(Store& store) {
  TraceSearch q;
  q.service = "cart";
  q.limit = 1000;
  q.end_ns = 2'000'000'000'000'000'000ull;
  auto found = store.traces().FindTraces(q);
  EXPECT_TRUE(found.ok());
  return found.ok() ? found->size() : 0;
}

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

class StoreCheckpointTest : public ::testing::Test {
 protected:
  // Writes the requests (logs between some of them when `mixed`), waits for the checkpoints and
  // returns the traces as stored.
  std::vector<std::string> Fill(bool mixed, StoreOptions o) {
    auto store = Store::Open(o, testing::NullLogger(), nullptr);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    for (int n = 0; n < kRequests; ++n) {
      EXPECT_TRUE(testing::WriteSync(**store, Request(n)).ok());
      if (mixed && n % 9 == 4) {
        pdata::LogBatch logs;
        auto& lr = logs.resources().emplace_back();
        lr.resource.attributes.push_back({"service.name", AnyValue::String("checkout")});
        auto& rec = lr.scope_logs.emplace_back().log_records.emplace_back();
        rec.time_unix_nano = 1'700'000'000'000'000'000ull + n;
        rec.body = AnyValue::String(logs.arenas().Copy("log " + std::to_string(n)));
        EXPECT_TRUE(testing::WriteSync(**store, std::move(logs)).ok());
      }
    }
    auto stored = Snapshot(**store);
    (*store)->Close();
    return stored;
  }
  testing::TempDir tmp_;
  std::string dir_ = tmp_.path() + "/store";
};

TEST_F(StoreCheckpointTest, RestartLoadsTheCheckpointsAndServesTheSameTraces) {
  auto before = Fill(false, Options(dir_));
  auto checkpoints = Files(dir_ + "/checkpoint");
  ASSERT_GE(checkpoints.size(), 5u);
  for (const auto& s : before) ASSERT_FALSE(s.empty());
  // The WAL segments the checkpoints cover are not even read: wiping their records loses nothing.
  auto segments = ListWalSegments(dir_ + "/wal");
  ASSERT_TRUE(segments.ok());
  ASSERT_GE(segments->size(), checkpoints.size() + 1);
  uint64_t covered = 0;
  {
    std::string last = fs::path(checkpoints.back()).filename().string();
    covered = std::stoull(last.substr(7, 20));
  }
  int wiped = 0;
  for (uint64_t n : *segments) {
    if (n > covered) continue;
    char name[32];
    std::snprintf(name, sizeof name, "%016llu.wal", static_cast<unsigned long long>(n));
    fs::resize_file(dir_ + "/wal/" + name, Wal::kSegmentHeaderSize);
    ++wiped;
  }
  ASSERT_GE(wiped, 5);
  telemetry::SelfMetrics metrics;
  auto store = Store::Open(Options(dir_), testing::NullLogger(), &metrics);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(Snapshot(**store), before);
  EXPECT_EQ(metrics.Value("otter_store_corruption_total", {{"kind", "checkpoint"}}), 0u);
  // Search and the catalogue see the loaded rows too.
  auto services = (*store)->traces().Services();
  EXPECT_EQ(services, (std::vector<std::string>{"cart", "checkout"}));
  EXPECT_EQ(RootsOfCart(**store), static_cast<size_t>(kRequests));
  // New writes continue the chain; a second restart still has everything once.
  ASSERT_TRUE(testing::WriteSync(**store, Request(kRequests)).ok());
  ASSERT_TRUE(testing::WriteSync(**store, Request(kRequests + 1)).ok());
  auto again_before = Snapshot(**store);
  store->reset();
  auto again = Store::Open(Options(dir_), testing::NullLogger(), nullptr);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Snapshot(**again), again_before);
}

TEST_F(StoreCheckpointTest, MixedSegmentsReplayTheirOtherRecords) {
  auto before = Fill(true, Options(dir_));
  ASSERT_FALSE(Files(dir_ + "/checkpoint").empty());
  auto store = Store::Open(Options(dir_), testing::NullLogger(), nullptr);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(Snapshot(**store), before);
  EXPECT_EQ((*store)->logs().record_count(), 7u);  // n % 9 == 4 for n < 60
}

TEST_F(StoreCheckpointTest, DamagedOrStaleCheckpointsFallBackToTheWal) {
  auto before = Fill(false, Options(dir_));
  auto checkpoints = Files(dir_ + "/checkpoint");
  ASSERT_GE(checkpoints.size(), 3u);
  // A flipped byte in the middle of the chain: the files before it load, the rest replays.
  {
    std::fstream f(checkpoints[1], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    char c = 0;
    f.read(&c, 1);
    f.seekp(40);
    c ^= 0x10;
    f.write(&c, 1);
  }
  // And a leftover of an interrupted write.
  std::ofstream(dir_ + "/checkpoint/traces-00000000000000000999.ckpt.tmp") << "partial";
  telemetry::SelfMetrics metrics;
  auto store = Store::Open(Options(dir_), testing::NullLogger(), &metrics);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(Snapshot(**store), before);
  EXPECT_EQ(metrics.Value("otter_store_corruption_total", {{"kind", "checkpoint"}}), 1u);
  // Only the intact prefix of the chain is left; the rest was removed.
  EXPECT_EQ(Files(dir_ + "/checkpoint"), std::vector<std::string>{checkpoints[0]});
  store->reset();
  // Checkpoints of a head that a finished flush covers are removed and not loaded.
  auto flushed = Store::Open(Options(dir_), testing::NullLogger(), nullptr);
  ASSERT_TRUE(flushed.ok());
  ASSERT_TRUE((*flushed)->FlushForTesting().ok());
  // The writer thread removes them after its next commit.
  ASSERT_TRUE(testing::WriteSync(**flushed, Request(kRequests)).ok());
  for (int i = 0; i < 500 && !Files(dir_ + "/checkpoint").empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(Files(dir_ + "/checkpoint").empty());
  auto after = Snapshot(**flushed);
  flushed->reset();
  auto reopened = Store::Open(Options(dir_), testing::NullLogger(), nullptr);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(Snapshot(**reopened), after);
}

TEST_F(StoreCheckpointTest, CheckpointsOffReplaysEverything) {
  StoreOptions o = Options(dir_);
  o.checkpoint_bytes = 0;
  auto before = Fill(false, o);
  EXPECT_TRUE(Files(dir_ + "/checkpoint").empty());
  auto store = Store::Open(o, testing::NullLogger(), nullptr);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(Snapshot(**store), before);
  EXPECT_EQ(RootsOfCart(**store), static_cast<size_t>(kRequests));
}

}  // namespace
}  // namespace otter::store
