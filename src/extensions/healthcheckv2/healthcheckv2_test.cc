#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <thread>

#include "component/status_hub.h"
#include "exporters/exporterhelper/testing.h"
#include "extensions/healthcheckv2/aggregation.h"
#include "extensions/healthcheckv2/extension.h"
#include "net/test_util.h"

namespace otter::healthcheckv2 {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using Clock = std::chrono::system_clock;

// Two pipelines sharing receiver:otlp and exporter:otlp/backend; an extension.
class AggregationTest : public ::testing::Test {
 protected:
  AggregationTest() {
    hub_.SetTopology(
        {{"traces", "traces", {"receiver:otlp", "processor:batch", "exporter:otlp/backend"}},
         {"logs", "logs", {"receiver:otlp", "exporter:otlp/backend", "exporter:debug"}}},
        {"extension:healthcheckv2"});
    for (const char* i : {"receiver:otlp", "processor:batch", "exporter:otlp/backend",
                          "exporter:debug", "extension:healthcheckv2"})
      hub_.SetState(i, ComponentState::kOk);
  }
  Aggregate Collector() { return AggregateCollector(hub_.GetSnapshot(), opts_); }
  Aggregate Pipeline(const std::string& p) {
    return *AggregatePipeline(hub_.GetSnapshot(), p, opts_);
  }
  int Code(const Aggregate& a, Clock::duration later = {}) {
    return HttpCode(a, opts_, Clock::now() + later);
  }
  StatusHub hub_;
  ComponentHealth opts_;
};

TEST_F(AggregationTest, AllOkIsHealthyWithEveryPipelineAndComponentInTheVerboseBody) {
  Aggregate a = Collector();
  EXPECT_EQ(a.state, ComponentState::kOk);
  EXPECT_EQ(Code(a), 200);
  ASSERT_EQ(a.components.size(), 3u);
  EXPECT_EQ(a.components.count("pipeline:traces"), 1u);
  EXPECT_EQ(a.components.count("extensions"), 1u);
  EXPECT_EQ(a.components.at("pipeline:logs").components.size(), 3u);
  std::string verbose = ToJson(a, opts_, Clock::now(), Clock::now(), true);
  EXPECT_NE(verbose.find("\"pipeline:logs\":{\"healthy\":true,\"status\":\"StatusOK\""),
            std::string::npos)
      << verbose;
  EXPECT_NE(verbose.find("\"exporter:debug\":{\"healthy\":true"), std::string::npos);
  std::string brief = ToJson(a, opts_, Clock::now(), Clock::now(), false);
  EXPECT_EQ(brief.find("components"), std::string::npos);
  EXPECT_EQ(brief.rfind("{\"start_time\":\"", 0), 0u) << brief;
}

TEST_F(AggregationTest, ARecoverableErrorCountsOnlyAfterTheRecoveryDurationAndOnlyIfIncluded) {
  hub_.SetStatus("exporter:otlp/backend", Unavailable("backend down"), "traces");
  Aggregate a = Collector();
  EXPECT_EQ(a.state, ComponentState::kRecoverableError);
  EXPECT_EQ(a.error, "backend down");
  EXPECT_EQ(Code(a, minutes(10)), 200) << "not included: reported, still healthy";
  opts_.include_recoverable_errors = true;
  opts_.recovery_duration = minutes(5);
  EXPECT_EQ(Code(a), 200) << "within the recovery duration";
  EXPECT_EQ(Code(a, minutes(6)), 500);
  // The report was for traces only: the logs pipeline, sharing the exporter, is fine.
  EXPECT_EQ(Pipeline("logs").state, ComponentState::kOk);
  EXPECT_EQ(Pipeline("traces").state, ComponentState::kRecoverableError);
  // Recovery.
  hub_.SetStatus("exporter:otlp/backend", Status::Ok(), "traces");
  EXPECT_EQ(Code(Collector(), minutes(6)), 200);
}

TEST_F(AggregationTest, RepeatedErrorsKeepTheTimeOfTheFirst) {
  hub_.SetStatus("exporter:otlp/backend", Unavailable("first"), "traces");
  Aggregate first = Collector();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  hub_.SetStatus("exporter:otlp/backend", Unavailable("again"), "traces");
  hub_.SetStatus("exporter:debug", Unavailable("later"), "logs");
  Aggregate a = Collector();
  EXPECT_EQ(a.time, first.time) << "the earliest error marks the start of the failure";
  EXPECT_EQ(a.error, "again");  // the same component, its latest message
}

TEST_F(AggregationTest, PermanentErrorsWinUnlessOnlyRecoverableOnesAreIncluded) {
  hub_.SetStatus("exporter:otlp/backend", Unavailable("flaky"), "traces");
  hub_.SetStatus("exporter:debug", InvalidArgument("bad data"), "logs");
  EXPECT_EQ(Collector().state, ComponentState::kPermanentError);
  EXPECT_EQ(Code(Collector()), 200);
  opts_.include_permanent_errors = true;
  EXPECT_EQ(Code(Collector()), 500);
  opts_.include_permanent_errors = false;
  opts_.include_recoverable_errors = true;
  EXPECT_EQ(Collector().state, ComponentState::kRecoverableError);
}

TEST_F(AggregationTest, LifecycleStatesComeFirst) {
  hub_.SetState("processor:batch", ComponentState::kStarting);
  hub_.SetStatus("exporter:debug", InvalidArgument("bad"), "logs");
  EXPECT_EQ(Collector().state, ComponentState::kStarting);
  EXPECT_EQ(Code(Collector()), 503);
  hub_.SetState("processor:batch", ComponentState::kFatalError, "cannot start");
  EXPECT_EQ(Collector().state, ComponentState::kFatalError);
  EXPECT_EQ(Code(Collector()), 500);
  for (const char* i : {"receiver:otlp", "processor:batch", "exporter:otlp/backend"})
    hub_.SetState(i, ComponentState::kStopped);
  hub_.SetState("exporter:debug", ComponentState::kStopping);
  EXPECT_EQ(Collector().state, ComponentState::kStopping);
  EXPECT_EQ(Code(Collector()), 503);
  EXPECT_EQ(AggregateCollector(StatusHub().GetSnapshot(), opts_).state, ComponentState::kStarting)
      << "nothing published yet";
}

TEST_F(AggregationTest, AQueueAboveTheFillThresholdIsUnhealthyAtOnce) {
  double fill = 0.95;
  int id = hub_.AddQueue("exporter:otlp/backend", [&] { return fill; });
  EXPECT_EQ(Code(Collector()), 200) << "no threshold configured";
  opts_.queue_fill_threshold = 0.9;
  Aggregate a = Collector();
  EXPECT_EQ(Code(a), 500);
  EXPECT_EQ(a.error, "sending queue 95% full (queue_fill_threshold 90%)");
  fill = 0.5;
  EXPECT_EQ(Code(Collector()), 200);
  hub_.RemoveQueue(id);
}

// ---- the extension's HTTP and gRPC services ---------------------------------------------------

std::string CheckBytes(const std::string& service) {
  std::string m;
  if (!service.empty()) m = std::string("\x0a") + static_cast<char>(service.size()) + service;
  return m;
}

// grpc.health.v1.Health/Check over a generic stub: the response's status field (1 SERVING,
// 2 NOT_SERVING), or -code for an RPC error.
int Check(int port, const std::string& service) {
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(Clock::now() + seconds(5));
  std::string req = CheckBytes(service);
  grpc::Slice slice(req);
  grpc::ByteBuffer in(&slice, 1), out;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status st;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &in, &out,
                 [&](grpc::Status s) {
                   std::lock_guard l(mu);
                   st = s;
                   done = true;
                   cv.notify_all();
                 });
  std::unique_lock l(mu);
  cv.wait(l, [&] { return done; });
  if (!st.ok()) return -st.error_code();
  std::vector<grpc::Slice> slices;
  (void)out.Dump(&slices);
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes.size() == 2 && bytes[0] == 0x08 ? bytes[1] : 0;  // status = 1: varint
}

TEST(HealthCheckV2ExtensionTest, ServesStatusOverHttpAndTheGrpcHealthProtocol) {
  StatusHub hub;
  hub.SetTopology({{"traces", "traces", {"receiver:otlp", "exporter:otlp"}}}, {});
  hub.SetState("receiver:otlp", ComponentState::kOk);
  hub.SetState("exporter:otlp", ComponentState::kOk);
  exporterhelper::testing::TestContext tc({"healthcheckv2", ""});
  ComponentContext ctx = tc.ctx();
  ctx.kind = ComponentKind::kExtension;
  ctx.status = &hub;
  HealthCheckV2Config cfg;
  cfg.use_v2 = true;
  int http_port = exporterhelper::testing::ClosedPort();
  int grpc_port = exporterhelper::testing::ClosedPort();
  cfg.http.endpoint = "127.0.0.1:" + std::to_string(http_port);
  cfg.grpc.endpoint = "127.0.0.1:" + std::to_string(grpc_port);
  ASSERT_TRUE(cfg.Validate().ok());
  auto ext = CreateExtension(ctx, cfg);
  ASSERT_TRUE(ext.ok());
  ASSERT_TRUE((*ext)->Start().ok()) << tc.log();

  net::testing::HttpTestClient client(http_port);
  auto r = client.Send({"GET", "/status?verbose", {}, ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("\"pipeline:traces\":{\"healthy\":true"), std::string::npos) << r->body;
  r = client.Send({"GET", "/status?pipeline=nope", {}, ""});
  EXPECT_EQ(r->status, 404);
  r = client.Send({"GET", "/elsewhere", {}, ""});
  EXPECT_EQ(r->status, 404);

  EXPECT_EQ(Check(grpc_port, ""), 1);
  EXPECT_EQ(Check(grpc_port, "traces"), 1);
  EXPECT_EQ(Check(grpc_port, "metrics"), -grpc::StatusCode::NOT_FOUND);
  hub.SetState("exporter:otlp", ComponentState::kFatalError, "boom");
  r = client.Send({"GET", "/status?pipeline=traces", {}, ""});
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find("\"error\":\"boom\""), std::string::npos) << r->body;
  int serving = 1;
  for (int i = 0; i < 40 && serving == 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    serving = Check(grpc_port, "");
  }
  EXPECT_EQ(serving, 2) << "NOT_SERVING once the ticker refreshed";
  (*ext)->Shutdown();
}

}  // namespace
}  // namespace otter::healthcheckv2
