// Loki's live tail: history then live entries through the query's pipeline, delay_for ordering,
// slow clients (dropped_entries), limits, categorize-labels — with a fake socket and clock — and
// end to end over a real WebSocket on the query server, fed through the store.
#include "query/loki_tail.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "net/websocket_test_client.h"
#include "query/logql/parser.h"
#include "query/logql/testing.h"
#include "query/query_server.h"
#include "store/store.h"
#include "store/store_testing.h"
#include "util/harness.h"

namespace otter::query {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1'700'000'000 * kSec;

// Records what the tail sends; refuses messages while `full` (a client that reads too slowly).
class FakeWebSocket final : public net::WebSocket {
 public:
  bool SendText(std::string message) override {
    std::lock_guard lock(mu_);
    if (closed_ || full) return false;
    messages_.push_back(std::move(message));
    cv_.notify_all();
    return true;
  }
  void Close(uint16_t code, std::string reason) override {
    std::lock_guard lock(mu_);
    close_code = code;
    close_reason = std::move(reason);
    closed_ = true;
    cv_.notify_all();
  }
  bool closed() const override {
    std::lock_guard lock(mu_);
    return closed_;
  }
  void OnClose(std::function<void()>) override {}

  // Waits for the n-th message (0-based).
  std::string Message(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return messages_.size() > n; });
    return messages_.size() > n ? messages_[n] : "<none>";
  }
  bool WaitClosed() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return closed_; });
  }
  size_t count() {
    std::lock_guard lock(mu_);
    return messages_.size();
  }
  void Hangup() {
    std::lock_guard lock(mu_);
    closed_ = true;
  }

  std::atomic<bool> full{false};
  uint16_t close_code = 0;
  std::string close_reason;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> messages_;
  bool closed_ = false;
};

class LokiTailTest : public ::testing::Test {
 protected:
  LokiTailTest() {
    options_.poll = std::chrono::milliseconds(5);
    options_.now_ns = [this] { return now_.load(); };
  }

  TailRequest Request(std::string_view query, size_t limit = 100, int64_t delay_s = 0) {
    TailRequest r;
    auto e = logql::ParseQuery(query);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    r.expr = *e;
    r.limit = limit;
    r.start_ns = kT0 - 3600 * kSec;
    r.delay_ns = delay_s * kSec;
    return r;
  }

  // Gives the pump time for several passes (to check that something does NOT go out).
  void Settle() { std::this_thread::sleep_for(options_.poll * 20); }

  logql::testing::FakeLogQuerier logs_;
  LokiTail::Options options_;
  std::atomic<int64_t> now_{kT0};
};

TEST_F(LokiTailTest, HistoryThenLiveEntriesThroughThePipeline) {
  logs_.Add({{"app", "shop"}}, kT0 - 3 * kSec, "GET /a 200");
  logs_.Add({{"app", "shop"}}, kT0 - 2 * kSec, "GET /b 500");
  logs_.Add({{"app", "shop"}}, kT0 - 1 * kSec, "GET /c 200");
  logs_.Add({{"app", "other"}}, kT0 - 1 * kSec, "GET /d 200");
  LokiTail tail(logs_, options_);
  auto socket = std::make_shared<FakeWebSocket>();
  // The last 2 matching entries of the history, oldest first, each entry its own stream.
  ASSERT_TRUE(tail.Open(Request(R"({app="shop"} |= "200")", 2), socket).ok());
  EXPECT_EQ(
      socket->Message(0),
      R"({"streams":[{"stream":{"app":"shop"},"values":[["1699999997000000000","GET /a 200"]]},)"
      R"({"stream":{"app":"shop"},"values":[["1699999999000000000","GET /c 200"]]}]})");
  logs_.Add({{"app", "shop"}}, kT0 + 1 * kSec, "GET /e 500", {{"trace_id", "abc"}});
  logs_.Add({{"app", "shop"}}, kT0 + 2 * kSec, "GET /f 200", {{"trace_id", "abd"}});
  logs_.Add({{"app", "other"}}, kT0 + 2 * kSec, "GET /g 200");
  now_ = kT0 + 3 * kSec;
  EXPECT_EQ(
      socket->Message(1),
      R"({"streams":[{"stream":{"app":"shop","trace_id":"abd"},"values":[["1700000002000000000","GET /f 200"]]}]})");
  EXPECT_EQ(tail.active(), 1u);
  socket->Hangup();
  for (int i = 0; i < 1000 && tail.active() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(tail.active(), 0u);
  logs_.Add({{"app", "shop"}}, kT0 + 4 * kSec, "GET /h 200");  // no watch left to call
}

TEST_F(LokiTailTest, DelayForHoldsEntriesAndSendsThemInTimeOrder) {
  logs_.Add({{"app", "a"}}, kT0 - 10 * kSec, "old");
  LokiTail tail(logs_, options_);
  auto socket = std::make_shared<FakeWebSocket>();
  ASSERT_TRUE(tail.Open(Request(R"({app="a"})", 10, 2), socket).ok());
  ASSERT_NE(socket->Message(0), "<none>");
  // Stored out of order; both younger than the 2 s delay.
  logs_.Add({{"app", "a"}}, kT0 - 1 * kSec, "second");
  logs_.Add({{"app", "a"}}, kT0 - 1500'000'000, "first");
  Settle();
  EXPECT_EQ(socket->count(), 1u);
  now_ = kT0 + 1 * kSec + 1;  // both are now more than 2 s old
  EXPECT_EQ(socket->Message(1),
            R"({"streams":[{"stream":{"app":"a"},"values":[["1699999998500000000","first"]]},)"
            R"({"stream":{"app":"a"},"values":[["1699999999000000000","second"]]}]})");
}

TEST_F(LokiTailTest, SlowClientGetsDroppedEntriesInItsNextMessage) {
  logs_.Add({{"app", "a"}}, kT0 - 10 * kSec, "old");
  LokiTail tail(logs_, options_);
  auto socket = std::make_shared<FakeWebSocket>();
  ASSERT_TRUE(tail.Open(Request(R"({app="a"})"), socket).ok());
  ASSERT_NE(socket->Message(0), "<none>");
  socket->full = true;
  logs_.Add({{"app", "a"}}, kT0 - 5 * kSec, "lost");
  Settle();
  socket->full = false;
  logs_.Add({{"app", "a"}}, kT0 - 4 * kSec, "kept");
  EXPECT_EQ(socket->Message(1),
            R"({"streams":[{"stream":{"app":"a"},"values":[["1699999996000000000","kept"]]}],)"
            R"("dropped_entries":[{"timestamp":"1699999995000000000","labels":{"app":"a"}}]})");
}

TEST_F(LokiTailTest, CategorizeLabelsSeparatesMetadataAndParsedLabels) {
  logs_.Add({{"app", "a"}}, kT0 - 1 * kSec, R"(level=warn msg="disk low")", {{"host", "h1"}});
  LokiTail tail(logs_, options_);
  auto socket = std::make_shared<FakeWebSocket>();
  TailRequest r = Request(R"({app="a"} | logfmt)");
  r.categorize_labels = true;
  ASSERT_TRUE(tail.Open(std::move(r), socket).ok());
  EXPECT_EQ(
      socket->Message(0),
      R"({"streams":[{"stream":{"app":"a"},"values":[["1699999999000000000",)"
      R"("level=warn msg=\"disk low\"",{"structuredMetadata":{"host":"h1"},)"
      R"("parsed":{"level":"warn","msg":"disk low"}}]]}],"encodingFlags":["categorize-labels"]})");
}

TEST_F(LokiTailTest, LimitsAndMaxDuration) {
  logs_.Add({{"app", "a"}}, kT0 - 1 * kSec, "x");
  options_.max_tails = 1;
  options_.max_duration = std::chrono::milliseconds(200);
  LokiTail tail(logs_, options_);
  auto first = std::make_shared<FakeWebSocket>();
  ASSERT_TRUE(tail.Open(Request(R"({app="a"})"), first).ok());
  Status refused = tail.Open(Request(R"({app="a"})"), std::make_shared<FakeWebSocket>());
  EXPECT_EQ(refused.message(),
            "max concurrent tail requests limit exceeded, count > limit (2 > 1)");
  ASSERT_TRUE(first->WaitClosed());
  EXPECT_EQ(first->close_code, 1011);
  EXPECT_EQ(first->close_reason, "reached tail max duration limit");
  tail.Stop();
  EXPECT_EQ(tail.Open(Request(R"({app="a"})"), std::make_shared<FakeWebSocket>()).code(),
            StatusCode::kUnavailable);
}

// ---------------------------------------------------------------- end to end

class LokiTailE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions o;
    o.directory = dir_.path() + "/data";
    o.sync = false;
    auto s = store::Store::Open(o, otter::testing::NullLogger(), nullptr);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    QueryServerOptions q;
    q.endpoint = "127.0.0.1:0";
    q.logger = otter::testing::NullLogger();
    q.max_tails = 64;  // tails that ended may not have been cleared yet when the next opens
    server_ = std::make_unique<QueryServer>(q, store_->traces(), store_->metrics(), store_->logs());
    ASSERT_TRUE(server_->Start().ok());
  }

  void Write(int64_t ts_ns, std::string_view line) {
    pdata::LogBatch batch;
    auto& rl = batch.resources().emplace_back();
    rl.resource.attributes.push_back({"service.name", pdata::AnyValue::String("checkout")});
    auto& r = rl.scope_logs.emplace_back().log_records.emplace_back();
    r.time_unix_nano = static_cast<uint64_t>(ts_ns);
    r.body = pdata::AnyValue::String(batch.arenas().Copy(line));
    ASSERT_TRUE(otter::testing::WriteSync(*store_, std::move(batch)).ok());
  }

  otter::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<QueryServer> server_;
};

TEST_F(LokiTailE2eTest, HistoryAndNewEntriesOverAWebSocket) {
  const int64_t t = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count() -
                    60 * kSec;
  Write(t, "order 1 paid");
  Write(t + 1, "order 2 failed");
  net::testing::WebSocketTestClient client;
  ASSERT_EQ(client.Connect(server_->port(),
                           "/loki/api/v1/tail?query=%7Bservice_name%3D%22checkout%22%7D%20%7C%3D%20"
                           "%22paid%22&limit=5"),
            "");
  auto history = client.Next();
  ASSERT_TRUE(history);
  // Without categorize-labels the entries' structured metadata (detected_level) joins the
  // stream labels, as in Loki.
  EXPECT_EQ(history->payload, R"({"streams":[{"stream":{"detected_level":"unknown",)"
                              R"("service_name":"checkout"},"values":[[")" +
                                  std::to_string(t) + R"(","order 1 paid"]]}]})");
  Write(t + 2, "order 3 failed");
  Write(t + 3, "order 4 paid");
  auto live = client.Next();
  ASSERT_TRUE(live);
  EXPECT_EQ(live->payload, R"({"streams":[{"stream":{"detected_level":"unknown",)"
                           R"("service_name":"checkout"},"values":[[")" +
                               std::to_string(t + 3) + R"(","order 4 paid"]]}]})");
  client.SendClose(1000);
}

// Tails that end while the store is handing them entries: no deadlock between the store's writer
// (calling the watches) and the pump (ending them), and the server still tails afterwards.
TEST_F(LokiTailE2eTest, TailsEndingWhileEntriesArriveDoNotStallTheStore) {
  const int64_t t = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count() -
                    60 * kSec;
  const std::string kQuery = "/loki/api/v1/tail?query=%7Bservice_name%3D%22checkout%22%7D&limit=1";
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; !done && i < 100000; ++i) Write(t + i, "line " + std::to_string(i));
  });
  int tailed = 0;
  for (int round = 0; round < 20; ++round) {
    net::testing::WebSocketTestClient client;
    if (client.Connect(server_->port(), kQuery) != "" || !client.Next()) break;
    ++tailed;             // history or live entries: the tail works
    client.Disconnect();  // ends while entries keep arriving
  }
  done = true;
  writer.join();
  EXPECT_EQ(tailed, 20);
  net::testing::WebSocketTestClient last;
  ASSERT_EQ(last.Connect(server_->port(), kQuery), "");
  EXPECT_TRUE(last.Next());
}

TEST_F(LokiTailE2eTest, BadRequestsAreRefusedBeforeTheUpgrade) {
  net::testing::WebSocketTestClient a;
  std::string answer =
      a.Connect(server_->port(), "/loki/api/v1/tail?query=%7Ba%3D%22b%22%7D&delay_for=6");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find("delay_for can't be greater than 5"), std::string::npos) << answer;
  net::testing::WebSocketTestClient b;
  answer = b.Connect(server_->port(), "/loki/api/v1/tail?query=rate(%7Ba%3D%22b%22%7D%5B1m%5D)");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  // Without an upgrade, as Loki's WebSocket upgrader answers.
  net::HttpRequest get;
  get.method = "GET";
  get.target = "/loki/api/v1/tail?query=%7Ba%3D%22b%22%7D";
  net::HttpResponse r = server_->Serve(get);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "websocket: the client is not using the websocket protocol: 'upgrade' token not found "
            "in 'Connection' header\n");
}

}  // namespace
}  // namespace otter::query
