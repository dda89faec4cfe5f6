#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

#include "config/loader.h"
#include "exporters/exporterhelper/testing.h"
#include "kafka/kafka_testing.h"
#include "kafka/mock_cluster.h"
#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"
#include "receivers/kafka/consumer_loop.h"
#include "receivers/kafka/receiver.h"
#include "receivers/kafka/replay.h"

namespace otter::kafka_receiver {
namespace {

using exporterhelper::testing::TestContext;
using kafka::MockCluster;
using kafka::testing::ProduceAll;
using kafka::testing::TestRecord;
using namespace std::chrono_literals;

std::unique_ptr<KafkaReceiverConfig> Parse(const std::string& yaml, config::Diagnostics& d) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(node.ok()) << node.status().ToString();
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kReceiver, "kafka");
  EXPECT_NE(f, nullptr);
  auto cfg = f->parse_config(*node, d);
  return std::unique_ptr<KafkaReceiverConfig>(static_cast<KafkaReceiverConfig*>(cfg.release()));
}

TEST(KafkaReceiverConfigTest, DefaultsMarkAfterAcceptance) {
  config::Diagnostics d;
  auto c = Parse("{}", d);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(c->group_id, "otel-collector");
  EXPECT_EQ(c->initial_offset, "latest");
  EXPECT_TRUE(c->message_marking.after);  // otter's default, unlike otelcol
  EXPECT_FALSE(c->message_marking.on_error);
  EXPECT_TRUE(c->OnPermanentError());  // otter: skip what can never succeed
  EXPECT_TRUE(c->autocommit.enable);
  EXPECT_EQ(c->Topics(Signal::kTraces), std::vector<std::string>{"otlp_spans"});
  EXPECT_EQ(c->Topics(Signal::kMetrics), std::vector<std::string>{"otlp_metrics"});
  EXPECT_EQ(c->Topics(Signal::kLogs), std::vector<std::string>{"otlp_logs"});
  auto props = c->ConsumerProperties();
  auto get = [&](const std::string& k) {
    for (auto& [pk, v] : props)
      if (pk == k) return v;
    return std::string("<unset>");
  };
  EXPECT_EQ(get("group.id"), "otel-collector");
  EXPECT_EQ(get("enable.auto.offset.store"), "false");
  EXPECT_EQ(get("session.timeout.ms"), "10000");
  EXPECT_EQ(get("heartbeat.interval.ms"), "3000");
  EXPECT_EQ(get("auto.offset.reset"), "latest");
}

TEST(KafkaReceiverConfigTest, OldTopicKeysAreAliasesWithWarnings) {
  config::Diagnostics d;
  auto c = Parse("topic: otel-traces\nlogs: {topic: app-logs, encoding: text}\n", d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(c->Topics(Signal::kTraces), std::vector<std::string>{"otel-traces"});
  EXPECT_EQ(c->Topics(Signal::kLogs), std::vector<std::string>{"app-logs"});
  ASSERT_EQ(d.warnings().size(), 2u);
  EXPECT_NE(d.warnings()[0].find("\"topic\" is deprecated; use traces::topics"), std::string::npos);
  EXPECT_NE(d.warnings()[1].find("\"logs::topic\" is deprecated; use logs::topics"),
            std::string::npos);
}

TEST(KafkaReceiverConfigTest, ErrorsNameTheKey) {
  for (auto [yaml, want] : std::vector<std::pair<std::string, std::string>>{
           {"initial_offset: oldest\n", "initial_offset: should be one of 'latest' or"},
           {"traces: {topic: a, topics: [b]}\n", "both traces.topic and traces.topics"},
           {"traces: {encoding: raw}\n", "traces: encoding \"raw\" is not supported"},
           {"group_rebalance_strategy: fair\n", "group_rebalance_strategy: should be one of"},
           {"heartbeat_interval: 20s\n", "heartbeat_interval: must be less than"}}) {
    config::Diagnostics d;
    Parse(yaml, d);
    ASSERT_FALSE(d.ok()) << yaml;
    EXPECT_NE(d.ErrorsText().find(want), std::string::npos) << d.ErrorsText();
  }
}

TEST(KafkaReplayTest, FromParsesOffsetsAndTimes) {
  auto o = ParseReplayFrom("42");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(*o->offset, 42);
  auto t = ParseReplayFrom("2026-01-02T03:04:05.5Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t->timestamp_ms, 1767323045500);
  EXPECT_FALSE(ParseReplayFrom("yesterday").ok());
  EXPECT_EQ(ProgressBar(5, 10, 10), "[#####.....]  50%  5/10 messages");
}

// ---- against the mock cluster ---------------------------------------------------------------

// Records every batch; answers with what `policy` says (OK by default) or holds the answer.
class Sink : public TraceConsumer {
 public:
  std::function<std::optional<Status>(int call)> policy;
  void Consume(pdata::TraceBatch&& b, Completion done) override {
    std::unique_lock l(mu_);
    int call = calls_++;
    std::optional<Status> answer = policy ? policy(call) : std::optional<Status>(Status::Ok());
    if (!answer) {
      held_.push_back(std::move(done));
      return;
    }
    if (answer->ok()) {
      for (auto& rs : b.resources())
        for (auto& ss : rs.scope_spans)
          for (auto& s : ss.spans) ++seen_[std::string(s.name) + "/" + s.span_id.Hex()];
      batches_.push_back(std::move(b));
    }
    l.unlock();
    done(*answer);
  }
  size_t accepted_batches() {
    std::lock_guard l(mu_);
    return batches_.size();
  }
  std::map<std::string, int> seen() {
    std::lock_guard l(mu_);
    return seen_;
  }
  int calls() {
    std::lock_guard l(mu_);
    return calls_;
  }
  std::vector<pdata::TraceBatch> batches_;

 private:
  std::mutex mu_;
  int calls_ = 0;
  std::map<std::string, int> seen_;
  std::vector<Completion> held_;
};

// `n` messages, message i holding one span named "m<i>".
std::vector<TestRecord> Messages(int n, int first = 0) {
  std::vector<TestRecord> out;
  for (int i = first; i < first + n; ++i) {
    auto b = otlp::MakeSyntheticTraces(1, 1000 + i);
    b.resources()[0].scope_spans[0].spans[0].name = b.arenas().Copy("m" + std::to_string(i));
    TestRecord r;
    otlp::EncodeTraces(b, &r.value);
    r.key = "k" + std::to_string(i);
    r.headers = {{"tenant", "acme"}};
    out.push_back(std::move(r));
  }
  return out;
}

std::set<std::string> Names(const std::map<std::string, int>& seen) {
  std::set<std::string> out;
  for (auto& [k, n] : seen) out.insert(k.substr(0, k.find('/')));
  return out;
}

class KafkaReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = MockCluster::Start(1);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cluster_ = std::move(*c);
    cfg_.brokers = {cluster_->bootstrap()};
    cfg_.initial_offset = "earliest";
    cfg_.session_timeout = 6s;
    cfg_.heartbeat_interval = 500ms;
    cfg_.error_backoff.enabled = true;
    cfg_.error_backoff.initial_interval = 50ms;
    cfg_.error_backoff.max_interval = 100ms;
  }
  std::unique_ptr<Receiver> Start(Sink& sink, const KafkaReceiverConfig& cfg) {
    Consumers next;
    next.traces = &sink;
    auto r = CreateReceiver(tc_.ctx(), cfg, next);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE((*r)->Start().ok());
    return std::move(*r);
  }
  static bool WaitFor(std::function<bool()> pred, std::chrono::seconds d = 30s) {
    auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return pred();
  }

  TestContext tc_{ComponentId{"kafka", ""}};
  std::unique_ptr<MockCluster> cluster_;
  KafkaReceiverConfig cfg_;
};

TEST_F(KafkaReceiverTest, ReceivesOtlpProtobufMessagesAndExtractsHeaders) {
  ASSERT_TRUE(cluster_->CreateTopic("otlp_spans", 2).ok());
  ASSERT_TRUE(ProduceAll(cluster_->bootstrap(), "otlp_spans", Messages(20)));
  cfg_.header_extraction.extract_headers = true;
  cfg_.header_extraction.headers = {"tenant", "absent"};
  Sink sink;
  auto r = Start(sink, cfg_);
  ASSERT_TRUE(WaitFor([&] { return sink.accepted_batches() >= 20; }));
  r->Shutdown();
  auto seen = sink.seen();
  EXPECT_EQ(seen.size(), 20u);
  for (auto& [k, n] : seen) EXPECT_EQ(n, 1) << k;
  const auto& attrs = sink.batches_[0].resources()[0].resource.attributes;
  const pdata::AnyValue* v = pdata::FindAttribute(attrs, "kafka.header.tenant");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->string_value, "acme");
  EXPECT_EQ(pdata::FindAttribute(attrs, "kafka.header.absent"), nullptr);
  EXPECT_EQ(tc_.metrics().Value("otelcol_receiver_accepted_spans",
                                {{"receiver", "kafka"}, {"transport", "kafka"}}),
            20);
}

TEST_F(KafkaReceiverTest, RefusalsPauseThePartitionAndNothingIsLost) {
  ASSERT_TRUE(cluster_->CreateTopic("otlp_spans", 1).ok());
  ASSERT_TRUE(ProduceAll(cluster_->bootstrap(), "otlp_spans", Messages(30)));
  Sink sink;
  // The pipeline is full for the 5th to the 12th call.
  sink.policy = [](int call) -> std::optional<Status> {
    if (call >= 4 && call < 12) return Unavailable("pipeline full");
    return Status::Ok();
  };
  auto r = Start(sink, cfg_);
  ASSERT_TRUE(WaitFor([&] { return Names(sink.seen()).size() >= 30; }));
  r->Shutdown();
  EXPECT_EQ(Names(sink.seen()).size(), 30u);
  // Paused and re-read, not spun: about one extra call per refusal (plus messages that were
  // in flight behind a refused one).
  EXPECT_LT(sink.calls(), 30 + 8 * 4) << sink.calls();
  EXPECT_EQ(tc_.metrics().Value("otelcol_receiver_refused_spans",
                                {{"receiver", "kafka"}, {"transport", "kafka"}}),
            8);
}

TEST_F(KafkaReceiverTest, AMessageThatDoesNotDecodeIsSkippedAndCounted) {
  ASSERT_TRUE(cluster_->CreateTopic("otlp_spans", 1).ok());
  auto msgs = Messages(3);
  TestRecord junk;
  junk.value = "\xff\xff not protobuf";
  msgs.insert(msgs.begin() + 1, junk);
  ASSERT_TRUE(ProduceAll(cluster_->bootstrap(), "otlp_spans", msgs));
  Sink sink;
  auto r = Start(sink, cfg_);
  ASSERT_TRUE(WaitFor([&] { return sink.accepted_batches() >= 3; }));
  r->Shutdown();
  EXPECT_EQ(Names(sink.seen()), (std::set<std::string>{"m0", "m1", "m2"}));
  EXPECT_EQ(
      tc_.metrics().Value("otelcol_kafka_receiver_unmarshal_failed_spans", {{"receiver", "kafka"}}),
      1);
  EXPECT_NE(tc_.log().find("dropped the message at otlp_spans[0] offset 1: decoding"),
            std::string::npos)
      << tc_.log();
}

TEST_F(KafkaReceiverTest, OffsetsAreCommittedOnlyAfterThePipelineAccepted) {
  ASSERT_TRUE(cluster_->CreateTopic("otlp_spans", 1).ok());
  ASSERT_TRUE(ProduceAll(cluster_->bootstrap(), "otlp_spans", Messages(10)));
  Sink first;
  first.policy = [](int call) -> std::optional<Status> {
    if (call < 5) return Status::Ok();
    return std::nullopt;  // never answered: the data died with the pipeline
  };
  auto r1 = Start(first, cfg_);
  ASSERT_TRUE(WaitFor([&] { return first.calls() >= 10; }));
  r1->Shutdown();  // commits what was accepted: m0..m4
  // A new member of the group starts where the group's committed offset is, not at the end.
  cfg_.initial_offset = "latest";
  Sink second;
  auto r2 = Start(second, cfg_);
  ASSERT_TRUE(WaitFor([&] { return second.accepted_batches() >= 5; }));
  std::this_thread::sleep_for(300ms);
  r2->Shutdown();
  EXPECT_EQ(Names(second.seen()), (std::set<std::string>{"m5", "m6", "m7", "m8", "m9"}));
}

// The group's committed offset of partition 0, read by an outside client.
int64_t Committed(const std::string& bootstrap, const std::string& group) {
  auto c = kafka::testing::TestClient(RD_KAFKA_CONSUMER, bootstrap, {{"group.id", group}});
  kafka::PartitionListPtr l(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(l.get(), "otlp_spans", 0);
  if (rd_kafka_committed(c.get(), l.get(), 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) return -100;
  return l->elems[0].offset;
}

TEST_F(KafkaReceiverTest, AutocommitCommitsTheAcceptedPrefixWhileRunning) {
  ASSERT_TRUE(cluster_->CreateTopic("otlp_spans", 1).ok());
  ASSERT_TRUE(ProduceAll(cluster_->bootstrap(), "otlp_spans", Messages(10)));
  cfg_.autocommit.interval = 100ms;
  Sink sink;
  sink.policy = [](int call) -> std::optional<Status> {
    if (call < 7) return Status::Ok();
    return std::nullopt;  // m7.. are still in the pipeline
  };
  auto r = Start(sink, cfg_);
  ASSERT_TRUE(WaitFor([&] { return sink.calls() >= 10; }));
  // Committed while running (no shutdown yet): up to the first message without an answer.
  EXPECT_TRUE(WaitFor([&] { return Committed(cluster_->bootstrap(), "otel-collector") == 7; }, 10s))
      << Committed(cluster_->bootstrap(), "otel-collector");
  r->Shutdown();
}

TEST_F(KafkaReceiverTest, TwoConsumersInOneGroupSplitThePartitionsExactlyOnce) {
  ASSERT_TRUE(cluster_->CreateTopic("otlp_spans", 4).ok());
  Sink a, b;
  auto ra = Start(a, cfg_);
  auto rb = Start(b, cfg_);
  // Both members hold two of the four partitions (range assignment) before data flows, so no
  // rebalance happens mid-stream (one would be a failure: revoked work is read again).
  ASSERT_TRUE(WaitFor([&] { return tc_.CountInLog("assigned 2 partition(s)") >= 2; }, 60s))
      << tc_.log();
  ASSERT_TRUE(ProduceAll(cluster_->bootstrap(), "otlp_spans", Messages(100)));
  ASSERT_TRUE(WaitFor([&] { return a.accepted_batches() + b.accepted_batches() >= 100; }, 60s));
  std::this_thread::sleep_for(300ms);
  ra->Shutdown();
  rb->Shutdown();
  auto sa = a.seen(), sb = b.seen();
  std::set<std::string> all;
  for (auto& [k, n] : sa) all.insert(k);
  for (auto& [k, n] : sb) all.insert(k);
  EXPECT_EQ(all.size(), 100u);
  EXPECT_EQ(sa.size() + sb.size(), 100u) << "a message was received twice";
  EXPECT_GT(sa.size(), 0u);
  EXPECT_GT(sb.size(), 0u);
}

TEST_F(KafkaReceiverTest, ReplayReadsARangeAndFinishes) {
  ASSERT_TRUE(cluster_->CreateTopic("otlp_spans", 1).ok());
  ASSERT_TRUE(ProduceAll(cluster_->bootstrap(), "otlp_spans", Messages(10)));
  Sink sink;
  sink.policy = [](int call) -> std::optional<Status> {
    return call == 2 ? Unavailable("busy") : Status::Ok();
  };
  Consumers next;
  next.traces = &sink;
  MessageDecoder decoder(tc_.ctx(), cfg_, Signal::kTraces, next);
  ConsumerOptions o;
  o.properties = cfg_.ConsumerProperties();
  o.ranges = {{"otlp_spans", 0, 3, 8}};
  o.backoff = [](int) { return std::chrono::milliseconds(20); };
  ConsumerLoop loop(tc_.ctx().logger, std::move(o),
                    [&](const Record& r, Completion done) { decoder.Deliver(r, std::move(done)); });
  ASSERT_TRUE(loop.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return loop.finished(); }, 10s)) << tc_.log();
  EXPECT_EQ(loop.progress(), 5u);
  loop.Stop();
  EXPECT_EQ(Names(sink.seen()), (std::set<std::string>{"m3", "m4", "m5", "m6", "m7"}));
}

}  // namespace
}  // namespace otter::kafka_receiver
