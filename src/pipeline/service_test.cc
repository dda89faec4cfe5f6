#include "pipeline/service.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <future>

#include "config/loader.h"

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

void RegisterFakes(Registry& r) {
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
    auto root = config::ParseYaml(yaml, "svc.yaml");
    EXPECT_TRUE(root.ok());
    root_ = std::move(*root);
    return ParseServiceConfig(root_, registry_, d);
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
                                   "start tag/b", "start fake",  "stop fake",   "stop tag/a",
                                   "stop tag/b",  "stop tag/b",  "stop rec/1",  "stop rec/2"};
  EXPECT_EQ(events_, want);
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
  EXPECT_NE(all.find("svc.yaml:9: connector \"spanmetrics\""), std::string::npos) << all;
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

}  // namespace
}  // namespace otter::pipeline
