#include "pipeline/service.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <future>

#include "config/loader.h"
#include "pipeline/tap.h"

namespace otter::pipeline {
namespace {

// Test components: a receiver that exposes its Consumers, a processor that tags spans, and an
// exporter that records what it got and answers with a scripted status.
std::vector<std::string>* g_events = nullptr;

struct EmptyConfig : ComponentConfig {
  std::string answer = "ok";
};
const config::Table<EmptyConfig>& EmptyTable() {
  static const auto t =
      config::Table<EmptyConfig>().Field("answer", &EmptyConfig::answer, "ok|retry|fail");
  return t;
}

class FakeReceiver : public Receiver {
 public:
  FakeReceiver(std::string id, Consumers c) : c_(c), id_(std::move(id)) {}
  Status Start() override {
    g_events->push_back("start " + id_);
    return Status::Ok();
  }
  void Shutdown() override { g_events->push_back("stop " + id_); }
  Consumers c_;

 private:
  std::string id_;
};

class TagProcessor : public Processor, public TraceConsumer {
 public:
  TagProcessor(std::string id, TraceConsumer* next) : id_(std::move(id)), next_(next) {}
  Status Start() override {
    g_events->push_back("start " + id_);
    return Status::Ok();
  }
  void Shutdown() override { g_events->push_back("stop " + id_); }
  Consumers consumers() override { return {this, nullptr, nullptr}; }
  void Consume(pdata::TraceBatch&& b, Completion done) override {
    for (auto& r : b.resources())
      r.schema_url = b.arenas().Copy(std::string(r.schema_url) + id_ + ";");
    next_->Consume(std::move(b), std::move(done));
  }
  bool MutatesData() const override { return true; }

 private:
  std::string id_;
  TraceConsumer* next_;
};

class RecordingExporter : public Exporter, public TraceConsumer {
 public:
  RecordingExporter(std::string id, std::string answer)
      : id_(std::move(id)), answer_(std::move(answer)) {}
  Status Start() override {
    if (answer_ == "nostart") return FailedPrecondition("bind: Address already in use");
    g_events->push_back("start " + id_);
    return Status::Ok();
  }
  void Shutdown() override { g_events->push_back("stop " + id_); }
  Consumers consumers() override { return {this, nullptr, nullptr}; }
  void Consume(pdata::TraceBatch&& b, Completion done) override {
    for (auto& r : b.resources()) got.push_back(std::string(r.schema_url));
    if (answer_ == "ok")
      done(Status::Ok());
    else if (answer_ == "retry")
      done(Unavailable(id_ + " down"));
    else
      done(InvalidArgument(id_ + " rejects"));
  }
  std::vector<std::string> got;

 private:
  std::string id_, answer_;
};

// A traces → traces connector that records start/stop and passes batches on.
class PassConnector : public Connector, public TraceConsumer {
 public:
  PassConnector(std::string id, TraceConsumer* next) : id_(std::move(id)), next_(next) {}
  Status Start() override {
    g_events->push_back("start " + id_);
    return Status::Ok();
  }
  void Shutdown() override { g_events->push_back("stop " + id_); }
  Consumers consumers() override { return {this, nullptr, nullptr}; }
  void Consume(pdata::TraceBatch&& b, Completion done) override {
    next_->Consume(std::move(b), std::move(done));
  }

 private:
  std::string id_;
  TraceConsumer* next_;
};

void RegisterFakes(Registry& r) {
  Factory c;
  c.kind = ComponentKind::kConnector;
  c.type = "pass";
  c.signals = {Signal::kTraces};
  c.connects = {{Signal::kTraces, Signal::kTraces}};
  SetConfigTable(c, EmptyTable());
  c.create_connector = [](const ComponentContext& ctx, const ComponentConfig&, Signal, Signal,
                          const ConnectorNext& next) -> StatusOr<std::unique_ptr<Connector>> {
    return std::unique_ptr<Connector>(new PassConnector(ctx.id.ToString(), next.all.traces));
  };
  r.Add(c);
  Factory t2m;  // only for validation: joins a traces pipeline to a metrics one
  t2m.kind = ComponentKind::kConnector;
  t2m.type = "t2m";
  t2m.signals = {Signal::kTraces, Signal::kMetrics};
  t2m.connects = {{Signal::kTraces, Signal::kMetrics}};
  SetConfigTable(t2m, EmptyTable());
  r.Add(t2m);

  Factory rx;
  rx.kind = ComponentKind::kReceiver;
  rx.type = "fake";
  rx.signals = {Signal::kTraces};
  SetConfigTable(rx, EmptyTable());
  rx.create_receiver = [](const ComponentContext& ctx, const ComponentConfig&,
                          Consumers c) -> StatusOr<std::unique_ptr<Receiver>> {
    return std::unique_ptr<Receiver>(new FakeReceiver(ctx.id.ToString(), c));
  };
  r.Add(rx);
  Factory p;
  p.kind = ComponentKind::kProcessor;
  p.type = "tag";
  p.signals = {Signal::kTraces};
  SetConfigTable(p, EmptyTable());
  p.create_processor = [](const ComponentContext& ctx, const ComponentConfig&, Signal,
                          Consumers c) -> StatusOr<std::unique_ptr<Processor>> {
    return std::unique_ptr<Processor>(new TagProcessor(ctx.id.ToString(), c.traces));
  };
  r.Add(p);
  Factory e;
  e.kind = ComponentKind::kExporter;
  e.type = "rec";
  e.aliases = {"oldrec"};
  e.signals = {Signal::kTraces};
  SetConfigTable(e, EmptyTable());
  e.create_exporter = [](const ComponentContext& ctx,
                         const ComponentConfig& cfg) -> StatusOr<std::unique_ptr<Exporter>> {
    return std::unique_ptr<Exporter>(
        new RecordingExporter(ctx.id.ToString(), static_cast<const EmptyConfig&>(cfg).answer));
  };
  r.Add(e);
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_events = &events_;
    RegisterFakes(registry_);
    logger_ =
        std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  }
  void TearDown() override { g_events = nullptr; }

  ServiceConfig Parse(const std::string& yaml, config::Diagnostics& d) {
    return ParseInto(yaml, root_, d);
  }
  // The specs point into `root`, which must outlive the ServiceConfig.
  ServiceConfig ParseInto(const std::string& yaml, config::Node& root, config::Diagnostics& d) {
    auto parsed = config::ParseYaml(yaml, "svc.yaml");
    EXPECT_TRUE(parsed.ok());
    root = std::move(*parsed);
    return ParseServiceConfig(root, registry_, d);
  }
  // The tags the exporter `id` of `s` saw on the last batch.
  static std::string LastGot(Service& s, const std::string& id) {
    auto* e = static_cast<RecordingExporter*>(s.FindExporter(id));
    return e && !e->got.empty() ? e->got.back() : "";
  }

  Status Send(Service& s, const std::string& receiver) {
    auto* rx = static_cast<FakeReceiver*>(s.FindReceiver(receiver));
    pdata::TraceBatch b;
    b.resources().emplace_back();
    b.resources().back().scope_spans.emplace_back().spans.emplace_back();
    std::promise<Status> p;
    rx->c_.traces->Consume(std::move(b), Completion([&](Status st) { p.set_value(st); }));
    return p.get_future().get();
  }

  Registry registry_;
  std::vector<std::string> events_;
  std::shared_ptr<spdlog::logger> logger_;
  config::Node root_;
  telemetry::SelfMetrics metrics_;
  StatusHub hub_;
};

TEST_F(ServiceTest, FanOutClonesPerPipelineAndExporterAndStartsInOrder) {
  config::Diagnostics d;
  auto sc = Parse(R"(
receivers: {fake: {}}
processors: {tag/a: {}, tag/b: {}}
exporters: {rec/1: {}, rec/2: {}}
service:
  pipelines:
    traces/one: {receivers: [fake], processors: [tag/a, tag/b], exporters: [rec/1, rec/2]}
    traces/two: {receivers: [fake], processors: [tag/b], exporters: [rec/2]}
)",
                  d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  Service s(sc, logger_, &metrics_, &hub_);
  ASSERT_TRUE(s.Start().ok());
  EXPECT_TRUE(hub_.ready());
  EXPECT_TRUE(Send(s, "fake").ok());
  auto* e1 = static_cast<RecordingExporter*>(s.FindExporter("rec/1"));
  auto* e2 = static_cast<RecordingExporter*>(s.FindExporter("rec/2"));
  EXPECT_EQ(e1->got, (std::vector<std::string>{"tag/a;tag/b;"}));
  ASSERT_EQ(e2->got.size(), 2u);  // one copy from each pipeline
  std::sort(e2->got.begin(), e2->got.end());
  EXPECT_EQ(e2->got, (std::vector<std::string>{"tag/a;tag/b;", "tag/b;"}));
  s.Shutdown();
  EXPECT_FALSE(hub_.ready());
  // exporters start before processors, processors back to front, receivers last; stop reverses.
  std::vector<std::string> want = {"start rec/1", "start rec/2", "start tag/b", "start tag/a",
                                   "start tag/b", "start fake",  "stop fake",   "stop tag/b",
                                   "stop tag/a",  "stop tag/b",  "stop rec/1",  "stop rec/2"};
  EXPECT_EQ(events_, want);
}

constexpr char kOld[] = R"(
receivers: {fake: {}}
processors: {tag/a: {}}
exporters: {rec/1: {}}
service:
  pipelines:
    traces: {receivers: [fake], processors: [tag/a], exporters: [rec/1]}
)";

// A reload keeps the unchanged receiver and exporter running (no stop/start), starts only what
// changed, re-points the receiver on Activate, and the old graph stops only what it alone had.
TEST_F(ServiceTest, ReloadAdoptsUnchangedComponentsAndRepointsReceivers) {
  config::Diagnostics d;
  config::Node old_root, new_root;
  auto old_cfg = ParseInto(kOld, old_root, d);
  auto new_cfg = ParseInto(R"(
receivers: {fake: {}}
processors: {tag/b: {}}
exporters: {rec/1: {}}
service:
  pipelines:
    traces: {receivers: [fake], processors: [tag/b], exporters: [rec/1]}
)",
                           new_root, d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  auto old = std::make_unique<Service>(old_cfg, logger_, &metrics_, &hub_);
  ASSERT_TRUE(old->Start().ok());
  ASSERT_TRUE(Send(*old, "fake").ok());
  EXPECT_EQ(LastGot(*old, "rec/1"), "tag/a;");
  events_.clear();

  Service next(new_cfg, logger_, &metrics_, &hub_);
  ASSERT_TRUE(next.Build(old.get()).ok());
  EXPECT_EQ(next.FindReceiver("fake"), old->FindReceiver("fake"));  // the same instance
  EXPECT_EQ(next.FindExporter("rec/1"), old->FindExporter("rec/1"));
  EXPECT_FALSE(next.ReplacesComponentsOf(*old));
  ASSERT_TRUE(next.Start().ok());
  EXPECT_EQ(events_, (std::vector<std::string>{"start tag/b"}));
  ASSERT_TRUE(Send(next, "fake").ok());  // not activated yet: still the old pipeline
  EXPECT_EQ(LastGot(next, "rec/1"), "tag/a;");

  next.Activate();
  ASSERT_TRUE(Send(next, "fake").ok());
  EXPECT_EQ(LastGot(next, "rec/1"), "tag/b;");
  old->Shutdown(&next);
  old.reset();
  EXPECT_EQ(events_, (std::vector<std::string>{"start tag/b", "stop tag/a"}));
  EXPECT_TRUE(hub_.ready());
  ASSERT_TRUE(Send(next, "fake").ok());
  EXPECT_EQ(LastGot(next, "rec/1"), "tag/b;");

  next.Shutdown();
  EXPECT_EQ(events_, (std::vector<std::string>{"start tag/b", "stop tag/a", "stop fake",
                                               "stop tag/b", "stop rec/1"}));
  EXPECT_FALSE(hub_.ready());
}

// A new graph that cannot start stops what it started and leaves the running one untouched.
TEST_F(ServiceTest, ReloadThatCannotStartLeavesTheRunningGraphServing) {
  config::Diagnostics d;
  config::Node old_root, new_root;
  auto old_cfg = ParseInto(kOld, old_root, d);
  auto new_cfg = ParseInto(R"(
receivers: {fake: {}}
processors: {tag/b: {}}
exporters: {rec/1: {}, rec/2: {answer: nostart}}
service:
  pipelines:
    traces: {receivers: [fake], processors: [tag/b], exporters: [rec/1, rec/2]}
)",
                           new_root, d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  Service old(old_cfg, logger_, &metrics_, &hub_);
  ASSERT_TRUE(old.Start().ok());
  events_.clear();
  {
    Service next(new_cfg, logger_, &metrics_, &hub_);
    ASSERT_TRUE(next.Build(&old).ok());
    EXPECT_FALSE(next.ReplacesComponentsOf(old));  // rec/2 is new, not a changed rec/1
    Status s = next.Start();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.message(), "exporter rec/2: bind: Address already in use");
  }
  EXPECT_TRUE(events_.empty()) << "the running graph was touched";
  EXPECT_TRUE(hub_.ready());
  ASSERT_TRUE(Send(old, "fake").ok());
  EXPECT_EQ(LastGot(old, "rec/1"), "tag/a;");
}

// A changed exporter is a replacement: the caller may have to stop the old one first; shared
// receivers then refuse retryably until the new graph is activated.
TEST_F(ServiceTest, ChangedComponentIsAReplacementAndPausedReceiversRefuseRetryably) {
  config::Diagnostics d;
  config::Node old_root, new_root;
  auto old_cfg = ParseInto(kOld, old_root, d);
  std::string changed = kOld;
  changed.replace(changed.find("rec/1: {}"), 9, "rec/1: {answer: ok}");
  auto new_cfg = ParseInto(changed, new_root, d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  auto old = std::make_unique<Service>(old_cfg, logger_, &metrics_, &hub_);
  ASSERT_TRUE(old->Start().ok());
  Service next(new_cfg, logger_, &metrics_, &hub_);
  ASSERT_TRUE(next.Build(old.get()).ok());
  EXPECT_NE(next.FindExporter("rec/1"), old->FindExporter("rec/1"));
  EXPECT_TRUE(next.ReplacesComponentsOf(*old));
  next.PauseSharedReceivers();
  old->Shutdown(&next);
  old.reset();
  Status paused = Send(next, "fake");
  EXPECT_EQ(paused.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(paused.retryable());
  ASSERT_TRUE(next.Start().ok());
  next.Activate();
  ASSERT_TRUE(Send(next, "fake").ok());
  EXPECT_EQ(LastGot(next, "rec/1"), "tag/a;");
}

TEST_F(ServiceTest, CompletionJoinsWorstStatus) {
  config::Diagnostics d;
  auto sc = Parse(R"(
receivers: {fake: {}}
exporters: {rec/ok: {}, rec/retry: {answer: retry}, rec/fail: {answer: fail}}
service:
  pipelines:
    traces/a: {receivers: [fake], exporters: [rec/ok, rec/retry]}
    traces/b: {receivers: [fake], exporters: [rec/ok]}
)",
                  d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  Service s(sc, logger_, &metrics_, &hub_);
  ASSERT_TRUE(s.Start().ok());
  Status st = Send(s, "fake");
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(st.retryable());
}

TEST_F(ServiceTest, PermanentBeatsRetryable) {
  std::vector<Completion> parts;
  Status got;
  parts = SplitCompletion(Completion([&](Status s) { got = s; }), 3);
  parts[0](Unavailable("x"));
  parts[1](InvalidArgument("bad"));
  parts[2](Status::Ok());
  EXPECT_EQ(got.code(), StatusCode::kInvalidArgument);
}

TEST_F(ServiceTest, DroppedCompletionAnswersInternal) {
  Status got;
  {
    Completion c([&](Status s) { got = s; });
  }
  EXPECT_EQ(got.code(), StatusCode::kInternal);
}

TEST_F(ServiceTest, ValidationNamesEveryProblemWithLine) {
  config::Diagnostics d;
  Parse(R"(receivers:
  fake: {}
  jaeger: {}
exporters:
  oldrec: {}
  rec: {answr: ok}
processors: {}
connectors:
  spanmetrics: {}
service:
  pipelines:
    traces:
      receivers: [fake, otlp]
      exporters: [rec]
    profiles:
      receivers: [fake]
      exporters: [rec]
  extensions: [health_check]
recievers: {}
)",
        d);
  std::string all = d.ErrorsText();
  EXPECT_NE(all.find("svc.yaml:3: receiver type \"jaeger\" is not implemented in otter"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("available receivers: fake"), std::string::npos) << all;
  EXPECT_NE(all.find("svc.yaml:6: unknown key \"answr\"; did you mean \"answer\"?"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("svc.yaml:9: connector type \"spanmetrics\" is not implemented in otter"),
            std::string::npos)
      << all;
  EXPECT_NE(
      all.find("svc.yaml:13: pipeline traces references receiver \"otlp\" which is not configured"),
      std::string::npos)
      << all;
  EXPECT_NE(all.find("profiles are not supported yet"), std::string::npos) << all;
  EXPECT_NE(all.find("service.extensions references \"health_check\""), std::string::npos) << all;
  EXPECT_NE(
      all.find("svc.yaml:19: unknown top-level key \"recievers\"; did you mean \"receivers\"?"),
      std::string::npos)
      << all;
  ASSERT_EQ(d.warnings().size(), 1u);
  EXPECT_NE(d.warnings()[0].find("\"oldrec\" is deprecated; use \"rec\""), std::string::npos);
}

// A connector is the exporter of one pipeline and the receiver of another: data flows through
// it, it starts after the pipeline it feeds and before the one feeding it, and stops in reverse.
TEST_F(ServiceTest, ConnectorJoinsPipelinesInDependencyOrder) {
  config::Diagnostics d;
  auto sc = Parse(R"(
receivers: {fake: {}}
processors: {tag/a: {}, tag/b: {}}
exporters: {rec/1: {}, rec/2: {}}
connectors: {pass: {}}
service:
  pipelines:
    traces/in: {receivers: [fake], processors: [tag/a], exporters: [pass, rec/1]}
    traces/out: {receivers: [pass], processors: [tag/b], exporters: [rec/2]}
)",
                  d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  Service s(sc, logger_, &metrics_, &hub_);
  ASSERT_TRUE(s.Start().ok());
  EXPECT_TRUE(Send(s, "fake").ok());
  EXPECT_EQ(LastGot(s, "rec/1"), "tag/a;");
  EXPECT_EQ(LastGot(s, "rec/2"), "tag/a;tag/b;");
  s.Shutdown();
  std::vector<std::string> want = {"start rec/1", "start rec/2", "start tag/b", "start pass",
                                   "start tag/a", "start fake",  "stop fake",   "stop tag/a",
                                   "stop pass",   "stop tag/b",  "stop rec/1",  "stop rec/2"};
  EXPECT_EQ(events_, want);
}

// Fan-in from two pipelines; the receiver's answer is the downstream pipeline's.
TEST_F(ServiceTest, ConnectorCompletionComesFromDownstreamPipelines) {
  config::Diagnostics d;
  auto sc = Parse(R"(
receivers: {fake: {}, fake/2: {}}
processors: {tag/a: {}}
exporters: {rec/1: {}, rec/down: {answer: retry}}
connectors: {pass/x: {}}
service:
  pipelines:
    traces/a: {receivers: [fake], exporters: [pass/x, rec/1]}
    traces/b: {receivers: [fake/2], processors: [tag/a], exporters: [pass/x]}
    traces/c: {receivers: [pass/x], exporters: [rec/down]}
)",
                  d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  Service s(sc, logger_, &metrics_, &hub_);
  ASSERT_TRUE(s.Start().ok());
  Status st = Send(s, "fake");
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_NE(st.ToString().find("rec/down down"), std::string::npos) << st.ToString();
  EXPECT_EQ(Send(s, "fake/2").code(), StatusCode::kUnavailable);
  auto* down = static_cast<RecordingExporter*>(s.FindExporter("rec/down"));
  EXPECT_EQ(down->got, (std::vector<std::string>{"", "tag/a;"}));
  EXPECT_EQ(LastGot(s, "rec/1"), "");
}

TEST_F(ServiceTest, ConnectorUseAndSignalPairsValidatedWithOtelcolErrors) {
  config::Diagnostics d;
  Parse(R"(receivers: {fake: {}}
exporters: {rec: {}}
connectors:
  pass/only_exported: {}
  t2m: {}
  pass/unused: {}
service:
  pipelines:
    traces/in: {receivers: [fake], exporters: [pass/only_exported, t2m]}
    traces/out: {receivers: [t2m], exporters: [rec]}
)",
        d);
  std::string all = d.ErrorsText();
  EXPECT_NE(all.find("svc.yaml:4: connector \"pass/only_exported\" used as exporter in "
                     "[traces/in] pipeline but not used in any supported receiver pipeline"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("svc.yaml:5: connector \"t2m\" used as exporter in [traces/in] pipeline "
                     "but not used in any supported receiver pipeline"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("svc.yaml:5: connector \"t2m\" used as receiver in [traces/out] pipeline "
                     "but not used in any supported exporter pipeline"),
            std::string::npos)
      << all;
  EXPECT_EQ(d.errors().size(), 3u) << all;
  ASSERT_EQ(d.warnings().size(), 1u);
  EXPECT_NE(d.warnings()[0].find("connector \"pass/unused\" is not used in any pipeline"),
            std::string::npos);
}

TEST_F(ServiceTest, ConnectorCycleIsRejectedNamingItsComponents) {
  config::Diagnostics d;
  Parse(R"(receivers: {fake: {}}
processors: {tag/a: {}, tag/b: {}}
exporters: {rec: {}}
connectors: {pass/1: {}, pass/2: {}}
service:
  pipelines:
    traces/a: {receivers: [fake, pass/2], processors: [tag/a], exporters: [pass/1]}
    traces/b: {receivers: [pass/1], processors: [tag/b], exporters: [pass/2, rec]}
)",
        d);
  ASSERT_EQ(d.errors().size(), 1u) << d.ErrorsText();
  EXPECT_NE(d.ErrorsText().find(
                "cycle detected: connector \"pass/1\" (traces to traces) -> processor \"tag/b\" "
                "in pipeline \"traces/b\" -> connector \"pass/2\" (traces to traces) -> "
                "processor \"tag/a\" in pipeline \"traces/a\" -> connector \"pass/1\" (traces "
                "to traces)"),
            std::string::npos)
      << d.ErrorsText();
}

TEST_F(ServiceTest, ConnectorSharingAnExporterIdIsAmbiguous) {
  Factory e;  // an exporter type that is also a connector type, as otelcol allows
  e.kind = ComponentKind::kExporter;
  e.type = "pass";
  e.signals = {Signal::kTraces};
  SetConfigTable(e, EmptyTable());
  registry_.Add(e);
  config::Diagnostics d;
  Parse(R"(receivers: {fake: {}}
exporters: {pass: {}}
connectors: {pass: {}}
service:
  pipelines:
    traces: {receivers: [fake], exporters: [pass]}
)",
        d);
  EXPECT_NE(d.ErrorsText().find("svc.yaml:3: connectors::pass: ambiguous ID: Found both \"pass\" "
                                "exporter and \"pass\" connector."),
            std::string::npos)
      << d.ErrorsText();
}

// With a tap (service.admin.endpoint), every stage of a watched pipeline is captured: as
// received and after each processor, each showing what that processor did to the data.
TEST_F(ServiceTest, TappedPipelineShowsTheDataAfterEachProcessor) {
  config::Diagnostics d;
  auto sc = Parse(R"(
receivers: {fake: {}}
processors: {tag/a: {}, tag/b: {}}
exporters: {rec: {}}
service:
  admin: {endpoint: "localhost:0"}
  pipelines:
    traces: {receivers: [fake], processors: [tag/a, tag/b], exporters: [rec]}
)",
                  d);
  ASSERT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_EQ(sc.admin.endpoint, "localhost:0");
  TapHub tap;
  Service s(sc, logger_, &metrics_, &hub_);
  s.SetTap(&tap);
  ASSERT_TRUE(s.Start().ok());
  EXPECT_EQ(
      tap.DescribeJson(),
      "{\"pipelines\":[{\"pipeline\":\"traces\",\"stages\":[\"receivers\",\"tag/a\",\"tag/b\"]}]}");
  ASSERT_TRUE(tap.Poll("traces", 0, 10).ok());  // now watched
  EXPECT_TRUE(Send(s, "fake").ok());
  auto r = tap.Poll("traces", 0, 10);
  ASSERT_EQ(r->events.size(), 3u);
  std::vector<std::string> seen;
  for (const auto& e : r->events) {
    size_t at = e.json.find("\"schemaUrl\":\"");
    std::string url =
        at == std::string::npos ? "" : e.json.substr(at + 13, e.json.find('"', at + 13) - at - 13);
    seen.push_back(std::to_string(e.stage) + " " + e.after + " [" + url + "]");
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"0 receivers []", "1 tag/a [tag/a;]",
                                            "2 tag/b [tag/a;tag/b;]"}));
  EXPECT_EQ(LastGot(s, "rec"), "tag/a;tag/b;");
  s.Shutdown();
}

TEST_F(ServiceTest, AdminEndpointMustBeLoopback) {
  config::Diagnostics d;
  Parse(R"(receivers: {fake: {}}
exporters: {rec: {}}
service:
  admin: {endpoint: "0.0.0.0:55690", port: 1}
  pipelines:
    traces: {receivers: [fake], exporters: [rec]}
)",
        d);
  std::string all = d.ErrorsText();
  EXPECT_NE(all.find("svc.yaml:4: service.admin.endpoint \"0.0.0.0:55690\" must be a loopback"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("unknown key \"port\" in service.admin (valid keys: endpoint)"),
            std::string::npos)
      << all;
}

}  // namespace
}  // namespace otter::pipeline
