// The query server under a slow query: LogQL queries that scan much data run on their own
// workers and stop at their deadline, while PromQL queries keep answering at once.
#include "query/query_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "common/sanitizers.h"
#include "store/store.h"
#include "store/store_testing.h"
#include "util/harness.h"

namespace otter::query {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kT0 = 1'700'000'000'000'000'000;

// Enough records that the slow query below takes well over a second without a deadline.
constexpr int kBatches = 60;
constexpr int kRecordsPerBatch = 5000;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

class QueryServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions o;
    o.directory = dir_.path() + "/data";
    o.retention = std::chrono::milliseconds(0);
    o.sync = false;
    auto s = store::Store::Open(o, otter::testing::NullLogger(), nullptr);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    // Lines of a's and b's: the slow query's regex makes RE2's DFA give up on them.
    std::string padding(400, 'a');
    for (size_t i = 0; i < padding.size(); ++i)
      if ((i * 7919) % 13 < 6) padding[i] = 'b';
    for (int b = 0; b < kBatches; ++b) {
      pdata::LogBatch batch;
      auto& rl = batch.resources().emplace_back();
      rl.resource.attributes.push_back({"service.name", pdata::AnyValue::String("svc")});
      auto& sl = rl.scope_logs.emplace_back();
      for (int i = 0; i < kRecordsPerBatch; ++i) {
        auto& r = sl.log_records.emplace_back();
        r.time_unix_nano = static_cast<uint64_t>(kT0) +
                           static_cast<uint64_t>(b * kRecordsPerBatch + i) * 1'000'000ull;
        r.body = pdata::AnyValue::String(batch.arenas().Copy(
            "request " + std::to_string(b * kRecordsPerBatch + i) + " done " + padding));
      }
      ASSERT_TRUE(otter::testing::WriteSync(*store_, std::move(batch)).ok());
    }
    ASSERT_TRUE(store_->FlushForTesting().ok());
  }

  std::unique_ptr<QueryServer> StartServer(std::chrono::milliseconds timeout) {
    QueryServerOptions o;
    o.endpoint = "127.0.0.1:0";
    o.timeout = timeout;
    o.threads = 1;
    o.scan_threads = 1;
    o.logger = otter::testing::NullLogger();
    auto server =
        std::make_unique<QueryServer>(o, store_->traces(), store_->metrics(), store_->logs());
    EXPECT_TRUE(server->Start().ok());
    return server;
  }

  // A LogQL query that reads every record in range: eight regex filters that RE2 cannot turn
  // into a small DFA, then a line filter that matches nothing:
  //   {service_name="svc"} !~ "a[ab]{20}b{30}" !~ "a[ab]{19}b{31}" ... !~ "a[ab]{13}b{37}"
  //     |= "nomatch"
  static std::string SlowQuery() {
    return "/loki/api/v1/"
           "query_range?query=%7Bservice_name%3D%22svc%22%7D%20%21~%20%22a%5Bab%5D%7B20%7Db%7B30%"
           "7D%22%20%21~%20%22a%5Bab%5D%7B19%7Db%7B31%7D%22%20%21~%20%22a%5Bab%5D%7B18%7Db%7B32%7D%"
           "22%20%21~%20%22a%5Bab%5D%7B17%7Db%7B33%7D%22%20%21~%20%22a%5Bab%5D%7B16%7Db%7B34%7D%22%"
           "20%21~%20%22a%5Bab%5D%7B15%7Db%7B35%7D%22%20%21~%20%22a%5Bab%5D%7B14%7Db%7B36%7D%22%20%"
           "21~%20%22a%5Bab%5D%7B13%7Db%7B37%7D%22%20%7C%3D%20%22nomatch%22"
           "&limit=100&start=" +
           std::to_string(kT0) + "&end=" + std::to_string(kT0 + 3600'000'000'000LL);
  }

  otter::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(QueryServerTest, SlowLogQueryStopsAtItsDeadlineWhilePromQLAnswers) {
  // Without a (short) deadline the query takes more than a second: the scale is real.
  {
    auto server = StartServer(std::chrono::seconds(60));
    auto start = Clock::now();
    auto r = otter::testing::HttpRequest("GET", server->port(), SlowQuery());
    double ms = Ms(Clock::now() - start);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.body.find("\"totalLinesProcessed\":" + std::to_string(kBatches * kRecordsPerBatch)),
              std::string::npos);
    RecordProperty("unbounded_ms", std::to_string(static_cast<int>(ms)));
    ASSERT_GT(ms, 1000) << "too little data to make the query slow";
  }

  auto server = StartServer(std::chrono::milliseconds(300));
  std::atomic<bool> slow_done{false};
  std::vector<std::pair<int, double>> slow;  // (status, ms)
  std::thread slow_client([&] {
    for (int i = 0; i < 3; ++i) {
      auto start = Clock::now();
      auto r = otter::testing::HttpRequest("GET", server->port(), SlowQuery());
      slow.emplace_back(r.status, Ms(Clock::now() - start));
    }
    slow_done = true;
  });
  // While the slow queries hold the scan worker, PromQL queries answer at once.
  std::vector<double> fast;
  while (!slow_done) {
    auto start = Clock::now();
    auto r = otter::testing::HttpRequest("GET", server->port(), "/api/v1/query?query=vector(1)");
    fast.push_back(Ms(Clock::now() - start));
    EXPECT_EQ(r.status, 200) << r.body;
  }
  slow_client.join();
  ASSERT_EQ(slow.size(), 3u);
  for (const auto& [status, ms] : slow) {
    EXPECT_EQ(status, 504);  // Loki's answer to a query past its timeout
    EXPECT_LT(ms, 300 + 500) << "the query ran well past its deadline";
  }
  ASSERT_GE(fast.size(), 5u);
  // Waiting for LogQL would take the slow query's 300 ms; ASan makes each query several times
  // slower, so its bound is looser but still below that.
  EXPECT_LT(*std::max_element(fast.begin(), fast.end()), OTTER_ASAN ? 200 : 100)
      << "PromQL waited for LogQL";

  // The client's own smaller ?timeout= wins.
  auto start = Clock::now();
  auto r = otter::testing::HttpRequest("GET", server->port(), SlowQuery() + "&timeout=50ms");
  EXPECT_EQ(r.status, 504);
  EXPECT_LT(Ms(Clock::now() - start), 250);
}

TEST(QueryServerRouting, ScanPoolTakesTheQueriesThatScan) {
  EXPECT_TRUE(QueryServer::IsScan("/loki/api/v1/query_range"));
  EXPECT_TRUE(QueryServer::IsScan("/loki/api/v1/query"));
  EXPECT_TRUE(QueryServer::IsScan("/loki/api/v1/index/stats"));
  EXPECT_TRUE(QueryServer::IsScan("/api/dependencies"));
  EXPECT_TRUE(QueryServer::IsScan("/api/traces"));
  EXPECT_TRUE(QueryServer::IsScan("/api/v3/traces"));
  EXPECT_TRUE(QueryServer::IsScan("/api/v3/trace-summaries"));
  EXPECT_FALSE(QueryServer::IsScan("/api/traces/0123456789abcdef"));
  EXPECT_FALSE(QueryServer::IsScan("/api/v3/traces/0123456789abcdef"));
  EXPECT_FALSE(QueryServer::IsScan("/api/v1/query"));
  EXPECT_FALSE(QueryServer::IsScan("/api/v1/query_range"));
  EXPECT_FALSE(QueryServer::IsScan("/loki/api/v1/labels"));
}

}  // namespace
}  // namespace otter::query
