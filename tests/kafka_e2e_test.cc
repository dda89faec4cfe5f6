// End-to-end Kafka tests with independent peers: the otter binary against the standalone
// loopback mock broker (tests/tools/kafka_mock_broker), kcat as producer and consumer, and the
// protoc-generated OTLP classes as the decoder of what otter wrote.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "kafka/kafka_testing.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"
#include "otlp/synthetic.h"
#include "util/harness.h"

namespace otter::testing {
namespace {

using namespace std::chrono_literals;
using kafka::testing::TestRecord;
using opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

// The loopback broker in its own process.
class MockBroker {
 public:
  explicit MockBroker(const std::vector<std::string>& topics) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      std::vector<std::string> args = {OTTER_KAFKA_MOCK_BROKER};
      for (const auto& t : topics) args.insert(args.end(), {"--topic", t});
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    std::string line;
    char c;
    while (read(fds[0], &c, 1) == 1 && c != '\n') line += c;
    close(fds[0]);
    if (line.rfind("bootstrap=", 0) == 0) bootstrap_ = line.substr(10);
  }
  ~MockBroker() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  const std::string& bootstrap() const { return bootstrap_; }

 private:
  pid_t pid_ = -1;
  std::string bootstrap_;
};

std::string Shell(const std::string& cmd, int* exit_code = nullptr) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int st = pclose(p);
  if (exit_code) *exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

struct KcatRecord {
  std::string key, headers, value;
};

// kcat consumes `count` messages of `topic` from the beginning: key, headers and payload.
std::vector<KcatRecord> KcatConsume(const std::string& bootstrap, const std::string& topic,
                                    int count) {
  std::string out =
      Shell("timeout 30 kcat -q -C -b " + bootstrap + " -t " + topic + " -o beginning -e -c " +
            std::to_string(count) + " -f '%k\\t%h\\t%S\\n%s\\n' 2>/dev/null");
  std::vector<KcatRecord> recs;
  size_t at = 0;
  while (at < out.size()) {
    size_t nl = out.find('\n', at);
    if (nl == std::string::npos) break;
    std::string head = out.substr(at, nl - at);
    size_t t1 = head.find('\t'), t2 = head.find('\t', t1 + 1);
    KcatRecord r;
    r.key = head.substr(0, t1);
    r.headers = head.substr(t1 + 1, t2 - t1 - 1);
    size_t size = std::stoul(head.substr(t2 + 1));
    r.value = out.substr(nl + 1, size);
    at = nl + 1 + size + 1;
    recs.push_back(std::move(r));
  }
  return recs;
}

// Retries until `count` messages are there (kcat -e stops at the current end).
std::vector<KcatRecord> KcatConsumeEventually(const std::string& bootstrap,
                                              const std::string& topic, int count,
                                              std::chrono::seconds deadline = 30s) {
  std::vector<KcatRecord> recs;
  Eventually(
      [&] {
        recs = KcatConsume(bootstrap, topic, count);
        return static_cast<int>(recs.size()) >= count;
      },
      deadline);
  return recs;
}

std::string TracesJson(int traces, int spans_per_trace) {
  std::string s =
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"kafka-e2e"}}]},"scopeSpans":[{"spans":[)";
  for (int t = 0; t < traces; ++t)
    for (int i = 0; i < spans_per_trace; ++i) {
      char span[512];
      std::snprintf(
          span, sizeof span,
          R"(%s{"traceId":"%032x","spanId":"%016x",%s"name":"op-%d-%d","kind":2,)"
          R"("startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000001000000"})",
          (t || i) ? "," : "", t + 1, t * 100 + i + 1,
          i == 0 ? "" : (R"("parentSpanId":")" + std::string(15, '0') + "1" + "\",").c_str(), t, i);
      s += span;
    }
  return s + "]}]}]}";
}

std::string Common(int health) {
  return "extensions:\n  health_check:\n    endpoint: 127.0.0.1:" + std::to_string(health) + "\n";
}
std::string ServiceHead() {
  return "service:\n  extensions: [health_check]\n  telemetry:\n    metrics:\n      level: none\n";
}

TEST(KafkaE2ETest, OtterProducesAndKcatReadsOtlpKeyedByTraceIdWithTraceparent) {
  MockBroker broker({"otel-traces:3"});
  ASSERT_FALSE(broker.bootstrap().empty());
  TempDir dir;
  int http = FreePort(), health = FreePort();
  OtterProcess otter(dir, "producer",
                     "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: "
                     "127.0.0.1:" +
                         std::to_string(http) + "\nexporters:\n  kafka:\n    brokers: [" +
                         broker.bootstrap() +
                         "]\n    traces: {topic: otel-traces}\n    partition_traces_by_id: true\n"
                         "    producer: {compression: zstd}\n" +
                         Common(health) + ServiceHead() +
                         "  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: "
                         "[kafka]\n");
  ASSERT_TRUE(otter.Start(health)) << otter.Log();
  auto r = HttpRequest("POST", http, "/v1/traces", TracesJson(3, 2), "application/json");
  ASSERT_EQ(r.status, 200) << r.body;
  auto recs = KcatConsumeEventually(broker.bootstrap(), "otel-traces", 3);
  ASSERT_EQ(recs.size(), 3u) << otter.Log();
  std::set<std::string> keys;
  std::regex traceparent("traceparent=00-([0-9a-f]{32})-([0-9a-f]{16})-01");
  for (const auto& rec : recs) {
    keys.insert(rec.key);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(rec.headers, m, traceparent)) << rec.headers;
    EXPECT_EQ(m[1].str(), rec.key);
    ExportTraceServiceRequest req;
    ASSERT_TRUE(req.ParseFromString(rec.value));
    int spans = 0;
    for (const auto& rs : req.resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& s : ss.spans()) {
          ++spans;
          std::string hex;
          for (unsigned char c : s.trace_id()) {
            char b[3];
            std::snprintf(b, sizeof b, "%02x", c);
            hex += b;
          }
          EXPECT_EQ(hex, rec.key);
          if (s.parent_span_id().empty()) {  // the root span's id is in the header
            std::string sid;
            for (unsigned char c : s.span_id()) {
              char x[3];
              std::snprintf(x, sizeof x, "%02x", c);
              sid += x;
            }
            EXPECT_EQ(m[2].str(), sid);
          }
        }
    EXPECT_EQ(spans, 2);
  }
  EXPECT_EQ(keys, (std::set<std::string>{std::string(31, '0') + "1", std::string(31, '0') + "2",
                                         std::string(31, '0') + "3"}));
  EXPECT_EQ(otter.Stop(), 0);
}

// Lines of an OTLP JSON file exporter output: the span names (a torn last line is skipped).
std::vector<std::string> SpanNamesInFile(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto b = otlp::DecodeTracesJson(line);
    if (!b.ok()) continue;
    for (auto& rs : b->resources())
      for (auto& ss : rs.scope_spans)
        for (auto& s : ss.spans) out.emplace_back(s.name);
  }
  return out;
}

std::string ConsumerConfig(const std::string& bootstrap, int health, const std::string& out) {
  return "receivers:\n  kafka:\n    brokers: [" + bootstrap +
         "]\n    initial_offset: earliest\n    session_timeout: 6s\n    heartbeat_interval: "
         "500ms\n    autocommit: {interval: 200ms}\n"
         "exporters:\n  file:\n    path: " +
         out + "\n" + Common(health) + ServiceHead() +
         "  pipelines:\n    traces:\n      receivers: [kafka]\n      exporters: [file]\n";
}

TEST(KafkaE2ETest, KcatProducesProtobufFixturesAndOtterReceivesThem) {
  MockBroker broker({"otlp_spans:2"});
  TempDir dir;
  // Fixtures written with the protoc-generated classes, one file per message.
  std::string files;
  for (int i = 0; i < 5; ++i) {
    ExportTraceServiceRequest req;
    auto* s = req.add_resource_spans()->add_scope_spans()->add_spans();
    s->set_trace_id(std::string(15, '\0') + static_cast<char>(i + 1));
    s->set_span_id(std::string(7, '\0') + static_cast<char>(i + 1));
    s->set_name("fixture-" + std::to_string(i));
    files += " " + dir.Write("m" + std::to_string(i) + ".bin", req.SerializeAsString());
  }
  int rc = -1;
  Shell("timeout 30 kcat -q -P -b " + broker.bootstrap() + " -t otlp_spans" + files, &rc);
  ASSERT_EQ(rc, 0);
  int health = FreePort();
  std::string out = dir.path() + "/out.json";
  OtterProcess otter(dir, "consumer", ConsumerConfig(broker.bootstrap(), health, out));
  ASSERT_TRUE(otter.Start(health)) << otter.Log();
  ASSERT_TRUE(Eventually([&] { return SpanNamesInFile(out).size() >= 5; }, 30s)) << otter.Log();
  auto names = SpanNamesInFile(out);
  EXPECT_EQ(
      std::set<std::string>(names.begin(), names.end()),
      (std::set<std::string>{"fixture-0", "fixture-1", "fixture-2", "fixture-3", "fixture-4"}));
  EXPECT_EQ(otter.Stop(), 0);
}

std::vector<TestRecord> Numbered(int n) {
  std::vector<TestRecord> out;
  for (int i = 0; i < n; ++i) {
    auto b = otlp::MakeSyntheticTraces(1, 5000 + i);
    b.resources()[0].scope_spans[0].spans[0].name = b.arenas().Copy("n" + std::to_string(i));
    TestRecord r;
    otlp::EncodeTraces(b, &r.value);
    r.timestamp_ms = 1700000000000 + i * 1000;
    out.push_back(std::move(r));
  }
  return out;
}

TEST(KafkaE2ETest, AConsumerKilledWithSigkillLosesNothing) {
  MockBroker broker({"otlp_spans:2"});
  constexpr int kMessages = 3000;
  ASSERT_TRUE(kafka::testing::ProduceAll(broker.bootstrap(), "otlp_spans", Numbered(kMessages)));
  TempDir dir;
  int h1 = FreePort(), h2 = FreePort();
  std::string out1 = dir.path() + "/a.json", out2 = dir.path() + "/b.json";
  OtterProcess a(dir, "a", ConsumerConfig(broker.bootstrap(), h1, out1));
  ASSERT_TRUE(a.Start(h1)) << a.Log();
  ASSERT_TRUE(Eventually([&] { return SpanNamesInFile(out1).size() >= 500; }, 30s)) << a.Log();
  a.Kill();  // SIGKILL mid-stream: no drain, no final commit
  const size_t before_kill = SpanNamesInFile(out1).size();
  OtterProcess b(dir, "b", ConsumerConfig(broker.bootstrap(), h2, out2));
  ASSERT_TRUE(b.Start(h2)) << b.Log();
  std::map<std::string, int> seen;
  ASSERT_TRUE(Eventually(
      [&] {
        seen.clear();
        for (const auto& n : SpanNamesInFile(out1)) ++seen[n];
        for (const auto& n : SpanNamesInFile(out2)) ++seen[n];
        return static_cast<int>(seen.size()) >= kMessages;
      },
      60s))
      << seen.size() << "\n"
      << b.Log();
  int duplicates = 0;
  for (auto& [n, c] : seen) duplicates += c - 1;
  EXPECT_EQ(static_cast<int>(seen.size()), kMessages);  // nothing lost
  RecordProperty("duplicates", duplicates);
  std::printf("kill -9 after %zu of %d messages: %d delivered twice (at-least-once)\n", before_kill,
              kMessages, duplicates);
  EXPECT_EQ(b.Stop(), 0);
}

TEST(KafkaE2ETest, ReplayReprocessesARangeWithAProgressBarAndACount) {
  MockBroker broker({"otlp_spans:1"});
  ASSERT_TRUE(kafka::testing::ProduceAll(broker.bootstrap(), "otlp_spans", Numbered(10)));
  TempDir dir;
  std::string out = dir.path() + "/replay.json";
  std::string cfg = dir.Write("replay.yaml", ConsumerConfig(broker.bootstrap(), FreePort(), out));
  int rc = -1;
  std::string o = Shell(std::string(OTTER_BINARY) + " kafka replay --from 3 --topic otlp_spans " +
                            "--config " + cfg + " 2>&1",
                        &rc);
  EXPECT_EQ(rc, 0) << o;
  EXPECT_NE(o.find("[##############################] 100%  7/7 messages"), std::string::npos) << o;
  EXPECT_NE(o.find("replayed 7 of 7 messages from topic otlp_spans"), std::string::npos) << o;
  auto names = SpanNamesInFile(out);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()),
            (std::set<std::string>{"n3", "n4", "n5", "n6", "n7", "n8", "n9"}));
  // From a time: messages n6.. have timestamps at or after 1700000006000.
  std::string out2 = dir.path() + "/replay2.json";
  std::string cfg2 =
      dir.Write("replay2.yaml", ConsumerConfig(broker.bootstrap(), FreePort(), out2));
  o = Shell(std::string(OTTER_BINARY) + " kafka replay --from 2023-11-14T22:13:26Z --topic " +
                "otlp_spans --config " + cfg2 + " 2>&1",
            &rc);
  EXPECT_EQ(rc, 0) << o;
  names = SpanNamesInFile(out2);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()),
            (std::set<std::string>{"n6", "n7", "n8", "n9"}))
      << o;
  o = Shell(
      std::string(OTTER_BINARY) + " kafka replay --from 0 --topic nosuch --config " + cfg + " 2>&1",
      &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(o.find("no kafka receiver of the config reads topic nosuch"), std::string::npos) << o;
}

// The seed's two Kafka configs, pointed at the loopback broker (brokers and listen addresses
// replaced, a health check added), run and write what they receive to their topic.
std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}
std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(KafkaE2ETest, TheSeedsKafkaConfigsRunAgainstTheTestBroker) {
  MockBroker broker({"telemetry-traces:3", "otel-traces:3"});
  TempDir dir;
  const std::string seed = std::string(OTTER_SOURCE_DIR) + "/tests/testdata/seed/";
  for (auto [file, topic] : std::vector<std::pair<std::string, std::string>>{
           {"kafka-hybrid.yaml", "telemetry-traces"}, {"kafka.yaml", "otel-traces"}}) {
    int grpc = FreePort(), http = FreePort(), health = FreePort();
    std::string y = ReadFile(seed + file);
    if (file == "kafka.yaml") {
      y = Replace(y, "      - kafka-01:9092\n      - kafka-02:9092\n",
                  "      - " + broker.bootstrap() + "\n");
      // collector-with-kafka.yaml shows only the exporter: add the receiver and processor it
      // names.
      y = "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317\n"
          "      http:\n        endpoint: 0.0.0.0:4318\nprocessors:\n  batch: {}\n" +
          y;
    } else {
      y = Replace(y, "      - kafka-01:9092\n      - kafka-02:9092\n      - kafka-03:9092\n",
                  "      - " + broker.bootstrap() + "\n");
      y = Replace(y, "jaeger:4317", "127.0.0.1:" + std::to_string(FreePort()));
    }
    y = Replace(y, "0.0.0.0:4317", "127.0.0.1:" + std::to_string(grpc));
    y = Replace(y, "0.0.0.0:4318", "127.0.0.1:" + std::to_string(http));
    y = Replace(y, "\nservice:\n", "\n" + Common(health) + ServiceHead());
    OtterProcess otter(dir, file, y);
    ASSERT_TRUE(otter.Start(health)) << otter.Log();
    EXPECT_NE(otter.Log().find("\"topic\" is deprecated; use traces::topic"), std::string::npos);
    auto r = HttpRequest("POST", http, "/v1/traces", TracesJson(2, 1), "application/json");
    ASSERT_EQ(r.status, 200);
    auto recs = KcatConsumeEventually(broker.bootstrap(), topic, 1);  // one batch, one message
    ASSERT_EQ(recs.size(), 1u) << otter.Log();
    ExportTraceServiceRequest req;
    ASSERT_TRUE(req.ParseFromString(recs[0].value));
    EXPECT_EQ(req.resource_spans(0).scope_spans(0).spans_size(), 2);
    EXPECT_EQ(otter.Stop(), 0) << otter.Log();
  }
}

}  // namespace
}  // namespace otter::testing
