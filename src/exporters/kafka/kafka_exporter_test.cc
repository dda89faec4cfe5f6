#include <gtest/gtest.h>

#include <set>

#include "config/loader.h"
#include "exporters/exporterhelper/testing.h"
#include "exporters/kafka/exporter.h"
#include "exporters/kafka/messages.h"
#include "kafka/kafka_testing.h"
#include "kafka/mock_cluster.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"

namespace otter::kafka_exporter {
namespace {

using exporterhelper::testing::Answer;
using exporterhelper::testing::TestContext;
using kafka::MockCluster;
using kafka::testing::ReadAll;
using namespace std::chrono_literals;

std::unique_ptr<KafkaExporterConfig> Parse(const std::string& yaml, config::Diagnostics& d) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(node.ok()) << node.status().ToString();
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kExporter, "kafka");
  EXPECT_NE(f, nullptr);
  auto cfg = f->parse_config(*node, d);
  return std::unique_ptr<KafkaExporterConfig>(static_cast<KafkaExporterConfig*>(cfg.release()));
}

TEST(KafkaExporterConfigTest, TheSeedsTopLevelKeysAreAliasesWithWarnings) {
  config::Diagnostics d;
  auto cfg = Parse(
      "brokers: [kafka-01:9092, kafka-02:9092]\n"
      "topic: otel-traces\n"
      "encoding: otlp_proto\n"
      "compression: gzip\n",
      d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(cfg->Topic(Signal::kTraces), "otel-traces");
  EXPECT_EQ(cfg->Topic(Signal::kLogs), "otel-traces");
  EXPECT_EQ(cfg->Encoding(Signal::kMetrics), "otlp_proto");
  EXPECT_EQ(cfg->Compression(), "gzip");
  ASSERT_EQ(d.warnings().size(), 3u);
  EXPECT_NE(d.warnings()[0].find("test.yaml:2"), std::string::npos) << d.warnings()[0];
  EXPECT_NE(d.warnings()[0].find("\"topic\" is deprecated; use traces::topic"), std::string::npos)
      << d.warnings()[0];
  EXPECT_NE(d.warnings()[2].find("use producer::compression"), std::string::npos);
  EXPECT_EQ(cfg->ClientProperties()[0], (std::pair<std::string, std::string>{
                                            "bootstrap.servers", "kafka-01:9092,kafka-02:9092"}));
}

TEST(KafkaExporterConfigTest, DefaultsAndPerSignalKeysWin) {
  config::Diagnostics d;
  auto cfg = Parse(
      "topic: all\n"
      "traces: {topic: spans-here, encoding: otlp_json}\n"
      "producer: {required_acks: all}\n",
      d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(cfg->Topic(Signal::kTraces), "spans-here");
  EXPECT_EQ(cfg->Topic(Signal::kMetrics), "all");
  EXPECT_EQ(cfg->Encoding(Signal::kTraces), "otlp_json");
  EXPECT_EQ(cfg->producer.required_acks, -1);
  config::Diagnostics d2;
  auto def = Parse("{}", d2);
  EXPECT_EQ(def->Topic(Signal::kTraces), "otlp_spans");
  EXPECT_EQ(def->Topic(Signal::kMetrics), "otlp_metrics");
  EXPECT_EQ(def->Topic(Signal::kLogs), "otlp_logs");
  EXPECT_EQ(def->brokers, std::vector<std::string>{"localhost:9092"});
  EXPECT_EQ(def->client_id, "otel-collector");
  EXPECT_EQ(def->producer.max_message_bytes, 1000000);
  EXPECT_EQ(def->Compression(), "none");
}

TEST(KafkaExporterConfigTest, ErrorsNameTheKey) {
  for (auto [yaml, want] : std::vector<std::pair<std::string, std::string>>{
           {"producer: {compression: brotli}\n", "compression should be one of"},
           {"traces: {encoding: jaeger_proto}\n", "traces: encoding \"jaeger_proto\""},
           {"metrics: {encoding: raw}\n", "metrics: encoding \"raw\" is not supported"},
           {"producer: {required_acks: 2}\n", "required_acks: expected 'all' (-1), 0, or 1"},
           {"auth: {sasl: {mechanism: PLAIN, username: u}}\n", "sasl::password is required"},
           {"protocol_version: two\n", "protocol_version: invalid version"}}) {
    config::Diagnostics d;
    Parse(yaml, d);
    ASSERT_FALSE(d.ok()) << yaml;
    EXPECT_NE(d.ErrorsText().find(want), std::string::npos) << d.ErrorsText();
  }
}

TEST(KafkaExporterConfigTest, SaslAndTlsBecomeLibrdkafkaProperties) {
  config::Diagnostics d;
  auto cfg = Parse(
      "auth: {sasl: {mechanism: SCRAM-SHA-512, username: u, password: p}}\n"
      "tls: {ca_file: /ca.pem}\n",
      d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  auto props = cfg->ClientProperties();
  auto get = [&](const std::string& k) {
    for (auto& [pk, v] : props)
      if (pk == k) return v;
    return std::string("<unset>");
  };
  EXPECT_EQ(get("security.protocol"), "sasl_ssl");
  EXPECT_EQ(get("sasl.mechanisms"), "SCRAM-SHA-512");
  EXPECT_EQ(get("sasl.username"), "u");
  EXPECT_EQ(get("sasl.password"), "p");
  EXPECT_EQ(get("ssl.ca.location"), "/ca.pem");
}

// ---- messages ---------------------------------------------------------------------------------

// Two resources; trace A has a root span (not first) and a child, trace B one child span.
pdata::TraceBatch ThreeSpansTwoTraces() {
  pdata::TraceBatch b;
  auto add = [&](int res, const char* trace, const char* span, const char* parent,
                 const char* name) {
    while (static_cast<int>(b.resources().size()) <= res) {
      auto& rs = b.resources().emplace_back();
      rs.resource.attributes = {
          {"service.name", pdata::AnyValue::String(res == 0 ? "front" : "back")}};
      rs.scope_spans.emplace_back().scope.name = "lib";
    }
    pdata::Span s;
    pdata::ParseHexId(trace, &s.trace_id);
    pdata::ParseHexId(span, &s.span_id);
    if (parent) pdata::ParseHexId(parent, &s.parent_span_id);
    s.name = name;
    b.resources()[res].scope_spans[0].spans.push_back(s);
  };
  add(0, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1111111111111111", "2222222222222222", "child-a");
  add(0, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "3333333333333333", "4444444444444444", "child-b");
  add(1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "2222222222222222", nullptr, "root-a");
  return b;
}

TEST(KafkaMessagesTest, OneMessagePerTraceKeyedByTraceIdWithTraceparent) {
  MessageOptions o;
  o.partition = true;
  auto msgs = TraceMessages(ThreeSpansTwoTraces(), o);
  ASSERT_TRUE(msgs.ok()) << msgs.status().ToString();
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_EQ((*msgs)[0].key, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ((*msgs)[0].traceparent, "00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-2222222222222222-01");
  EXPECT_EQ((*msgs)[0].items, 2u);
  EXPECT_EQ((*msgs)[1].key, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  // No root span in the message: its first span.
  EXPECT_EQ((*msgs)[1].traceparent, "00-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-3333333333333333-01");
  auto a = otlp::DecodeTraces((*msgs)[0].value);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->resources().size(), 2u);  // trace A spans two resources
  EXPECT_EQ(a->resources()[0].scope_spans[0].spans[0].name, "child-a");
  EXPECT_EQ(a->resources()[1].scope_spans[0].spans[0].name, "root-a");
  EXPECT_EQ(a->resources()[1].resource.attributes[0].value.string_value, "back");

  // Unpartitioned: one message, no key, and no traceparent (two traces).
  auto one = TraceMessages(ThreeSpansTwoTraces(), MessageOptions{});
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].key, "");
  EXPECT_EQ((*one)[0].traceparent, "");
  EXPECT_EQ((*one)[0].items, 3u);
}

TEST(KafkaMessagesTest, SplitsToMaxMessageBytesAndNeverDrops) {
  auto batch = otlp::MakeSyntheticTraces(2000, 7);
  MessageOptions o;
  o.max_bytes = 50000;
  auto msgs = TraceMessages(batch, o);
  ASSERT_TRUE(msgs.ok()) << msgs.status().ToString();
  EXPECT_GT(msgs->size(), 10u);
  size_t spans = 0;
  std::set<std::string> ids;
  for (const auto& m : *msgs) {
    EXPECT_LE(m.value.size(), 50000u);
    auto b = otlp::DecodeTraces(m.value);
    ASSERT_TRUE(b.ok());
    spans += b->ItemCount();
    EXPECT_EQ(m.items, b->ItemCount());
    for (auto& rs : b->resources())
      for (auto& ss : rs.scope_spans)
        for (auto& s : ss.spans) ids.insert(s.span_id.Hex());
  }
  EXPECT_EQ(spans, 2000u);
  EXPECT_EQ(ids.size(), 2000u);

  o.max_bytes = 100;  // not even one span fits
  auto too_big = TraceMessages(otlp::MakeSyntheticTraces(1, 1), o);
  ASSERT_FALSE(too_big.ok());
  EXPECT_FALSE(too_big.status().retryable());
  EXPECT_NE(too_big.status().message().find("a single span encodes to"), std::string::npos);
}

TEST(KafkaMessagesTest, RawLogBodiesAndResourceKeys) {
  pdata::LogBatch b;
  for (const char* svc : {"a", "b"}) {
    auto& rl = b.resources().emplace_back();
    rl.resource.attributes = {{"service.name", pdata::AnyValue::String(svc)},
                              {"host", pdata::AnyValue::String("h")}};
    auto& rec = rl.scope_logs.emplace_back().log_records.emplace_back();
    rec.body = pdata::AnyValue::String(std::string_view(svc) == "a" ? "line one" : "line two");
  }
  MessageOptions o;
  o.encoding = Encoding::kRaw;
  o.partition = true;
  auto msgs = LogMessages(b, o);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_EQ((*msgs)[0].value, "line one");
  EXPECT_EQ((*msgs)[1].value, "line two");
  EXPECT_EQ((*msgs)[0].key.size(), 16u);
  EXPECT_NE((*msgs)[0].key, (*msgs)[1].key);
  // The key does not depend on attribute order.
  pdata::Resource r1, r2;
  r1.attributes = {{"x", pdata::AnyValue::Int(1)}, {"y", pdata::AnyValue::String("2")}};
  r2.attributes = {{"y", pdata::AnyValue::String("2")}, {"x", pdata::AnyValue::Int(1)}};
  EXPECT_EQ(ResourceKey(r1), ResourceKey(r2));
  r2.attributes[1].value = pdata::AnyValue::String("1");  // same rendering, other type
  EXPECT_NE(ResourceKey(r1), ResourceKey(r2));
}

// ---- against the mock cluster -------------------------------------------------------------------

class KafkaExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = MockCluster::Start(1);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cluster_ = std::move(*c);
    ASSERT_TRUE(cluster_->CreateTopic("otlp_spans", 4).ok());
    cfg_.brokers = {cluster_->bootstrap()};
    cfg_.retry_on_failure.initial_interval = 100ms;
    cfg_.retry_on_failure.max_interval = 200ms;
  }
  std::unique_ptr<Exporter> Make() {
    auto e = CreateExporter(tc_.ctx(), cfg_);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_TRUE((*e)->Start().ok());
    return std::move(*e);
  }

  TestContext tc_{ComponentId{"kafka", ""}};
  std::unique_ptr<MockCluster> cluster_;
  KafkaExporterConfig cfg_;
};

TEST_F(KafkaExporterTest, TracesArriveKeyedByTraceIdWithTraceparentHeaders) {
  cfg_.partition_traces_by_id = true;
  cfg_.sending_queue.wait_for_result = true;
  auto e = Make();
  Answer a;
  e->consumers().traces->Consume(ThreeSpansTwoTraces(), a.done());
  ASSERT_TRUE(a.get().ok());
  auto recs = ReadAll(cluster_->bootstrap(), "otlp_spans", 2);
  ASSERT_EQ(recs.size(), 2u);
  std::map<std::string, kafka::testing::TestRecord> by_key;
  for (auto& r : recs) by_key[r.key] = r;
  const auto& ra = by_key.at("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(ra.Header("traceparent"), "00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-2222222222222222-01");
  // The protoc-generated classes read what otter wrote.
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(ra.value));
  ASSERT_EQ(req.resource_spans_size(), 2);
  EXPECT_EQ(req.resource_spans(1).scope_spans(0).spans(0).name(), "root-a");
  EXPECT_EQ(req.resource_spans(1).scope_spans(0).spans(0).trace_id(), std::string(16, '\xaa'));
  EXPECT_EQ(tc_.Counter("sent", "spans"), 3);
  e->Shutdown();
}

TEST_F(KafkaExporterTest, IncludeMetadataKeysBecomeHeadersOfEveryMessageAlsoAfterARetry) {
  config::Diagnostics d;
  auto parsed = Parse("include_metadata_keys: [X-Tenant, x-region, x-absent]\n", d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  cfg_.include_metadata_keys = parsed->include_metadata_keys;
  cfg_.partition_traces_by_id = true;
  cfg_.sending_queue.wait_for_result = true;
  auto e = Make();
  cluster_->FailNextProduces(2);  // the headers survive the retry
  auto batch = ThreeSpansTwoTraces();
  batch.AddMetadata("x-region", "eu");
  batch.AddMetadata("X-TENANT", "acme");
  batch.AddMetadata("x-other", "not listed");
  batch.AddMetadata("X-Region", "us");
  Answer a;
  e->consumers().traces->Consume(std::move(batch), a.done());
  ASSERT_TRUE(a.get().ok());
  // Without metadata (no include_metadata upstream): no metadata headers.
  Answer b;
  e->consumers().traces->Consume(otlp::MakeSyntheticTraces(3, 7), b.done());
  ASSERT_TRUE(b.get().ok());

  auto recs = ReadAll(cluster_->bootstrap(), "otlp_spans", 3);
  ASSERT_EQ(recs.size(), 3u);
  using Headers = std::vector<std::pair<std::string, std::string>>;
  std::map<std::string, Headers> by_key;
  for (auto& r : recs) by_key[r.key] = r.headers;
  // Named as configured, in the configured order, one per value in the order received.
  EXPECT_EQ(by_key.at("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            (Headers{{"traceparent", "00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-2222222222222222-01"},
                     {"X-Tenant", "acme"},
                     {"x-region", "eu"},
                     {"x-region", "us"}}));
  EXPECT_EQ(by_key.at("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
            (Headers{{"traceparent", "00-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-3333333333333333-01"},
                     {"X-Tenant", "acme"},
                     {"x-region", "eu"},
                     {"x-region", "us"}}));
  by_key.erase("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  by_key.erase("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  ASSERT_EQ(by_key.size(), 1u);
  EXPECT_EQ(by_key.begin()->second.size(), 1u);  // only its traceparent
  EXPECT_EQ(by_key.begin()->second[0].first, "traceparent");
  e->Shutdown();
}

TEST_F(KafkaExporterTest, AnExportCompletesOnlyWhenTheBrokerAcknowledged) {
  cfg_.sending_queue.wait_for_result = true;
  cfg_.timeout = 2s;
  auto e = Make();
  ASSERT_TRUE(cluster_->SetBrokerDown(1, true).ok());
  Answer a;
  e->consumers().traces->Consume(otlp::MakeSyntheticTraces(10, 3), a.done());
  std::this_thread::sleep_for(1s);
  EXPECT_FALSE(a.ready()) << "answered before any broker acknowledged";
  ASSERT_TRUE(cluster_->SetBrokerDown(1, false).ok());
  ASSERT_TRUE(a.get().ok());
  auto recs = ReadAll(cluster_->bootstrap(), "otlp_spans", 1);
  ASSERT_EQ(recs.size(), 1u);
  auto b = otlp::DecodeTraces(recs[0].value);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->ItemCount(), 10u);
  e->Shutdown();
}

TEST_F(KafkaExporterTest, BrokerDownFillsTheQueueThenRefusesRetryablyAndDeliversLater) {
  cfg_.sending_queue.queue_size = 2;
  cfg_.sending_queue.num_consumers = 1;
  cfg_.timeout = 500ms;
  auto e = Make();
  ASSERT_TRUE(cluster_->SetBrokerDown(1, true).ok());
  int accepted = 0, refused = 0;
  for (int i = 0; i < 8; ++i) {
    Answer a;
    e->consumers().traces->Consume(otlp::MakeSyntheticTraces(5, 100 + i), a.done());
    Status s = a.get();
    if (s.ok()) {
      ++accepted;
    } else {
      EXPECT_TRUE(s.retryable()) << s.ToString();
      ++refused;
    }
  }
  EXPECT_GE(refused, 1);
  EXPECT_GE(accepted, 2);
  ASSERT_TRUE(cluster_->SetBrokerDown(1, false).ok());
  auto recs = ReadAll(cluster_->bootstrap(), "otlp_spans", accepted, 20s);
  EXPECT_EQ(static_cast<int>(recs.size()), accepted);  // everything acked arrived, once
  size_t spans = 0;
  for (auto& r : recs) spans += otlp::DecodeTraces(r.value)->ItemCount();
  EXPECT_EQ(spans, static_cast<size_t>(accepted) * 5);
  EXPECT_EQ(tc_.Counter("enqueue_failed", "spans"), refused * 5);
  e->Shutdown();
}

TEST_F(KafkaExporterTest, InjectedProduceErrorsAreRetriedAndJsonEncodingWorks) {
  cfg_.sending_queue.wait_for_result = true;
  cfg_.traces.encoding = "otlp_json";
  cfg_.producer.compression = "zstd";
  auto e = Make();
  cluster_->FailNextProduces(3);
  Answer a;
  e->consumers().traces->Consume(otlp::MakeSyntheticTraces(4, 9), a.done());
  ASSERT_TRUE(a.get().ok());
  auto recs = ReadAll(cluster_->bootstrap(), "otlp_spans", 1);
  ASSERT_EQ(recs.size(), 1u);
  auto b = otlp::DecodeTracesJson(recs[0].value);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->ItemCount(), 4u);
  e->Shutdown();
}

}  // namespace
}  // namespace otter::kafka_exporter
