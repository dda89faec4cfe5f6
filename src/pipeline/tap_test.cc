#include "pipeline/tap.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <thread>

#include "otlp/synthetic.h"
#include "pipeline/admin_server.h"
#include "pipeline/tap_client.h"

namespace otter::pipeline {
namespace {

class Sink : public TraceConsumer {
 public:
  void Consume(pdata::TraceBatch&& b, Completion done) override {
    items += b.ItemCount();
    done(Status::Ok());
  }
  size_t items = 0;
};

TEST(TapHubTest, CapturesOnlyWhileWatchedAndAtTheRateLimit) {
  TapHub::Options o;
  o.captures_per_second = 1;
  TapHub hub(o);
  size_t p = hub.DefinePipeline("traces", {"receivers", "batch"});
  Sink sink;
  TapPoint<pdata::TraceBatch> point(hub, p, 1, &sink);

  point.Consume(otlp::MakeSyntheticTraces(3, 1), Completion());
  EXPECT_EQ(sink.items, 3u);  // data always passes
  auto r = hub.Poll("traces", 0, 10);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->events.empty());  // nobody watched yet
  EXPECT_EQ(r->next, 0u);

  point.Consume(otlp::MakeSyntheticTraces(4, 2), Completion());
  point.Consume(otlp::MakeSyntheticTraces(5, 3), Completion());  // within the same second
  r = hub.Poll("traces", 0, 10);
  ASSERT_EQ(r->events.size(), 1u);
  const TapEvent& e = r->events[0];
  EXPECT_EQ(e.stage, 1u);
  EXPECT_EQ(e.after, "batch");
  EXPECT_EQ(e.items, 4u);
  EXPECT_EQ(e.json.size(), e.json_bytes);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(e.json).get(doc));
  EXPECT_EQ(doc["resourceSpans"].get_array().size(), 1u);
  EXPECT_EQ(r->next, e.seq);
  EXPECT_TRUE(hub.Poll("traces", r->next, 10)->events.empty());
  EXPECT_EQ(sink.items, 12u);
}

TEST(TapHubTest, UnknownPipelineNamesTheKnownOnes) {
  TapHub hub;
  hub.DefinePipeline("traces", {"receivers"});
  hub.DefinePipeline("logs/x", {"receivers"});
  auto r = hub.Poll("metrics", 0, 1);
  EXPECT_EQ(r.status().message(), "no pipeline \"metrics\" (pipelines: traces, logs/x)");
  EXPECT_EQ(hub.DescribeJson(),
            "{\"pipelines\":[{\"pipeline\":\"traces\",\"stages\":[\"receivers\"]},"
            "{\"pipeline\":\"logs/x\",\"stages\":[\"receivers\"]}]}");
}

TEST(TapHubTest, RingKeepsTheNewestAndLargeBatchesComeWithoutData) {
  TapHub::Options o;
  o.ring_size = 2;
  o.max_json_bytes = 10;
  TapHub hub(o);
  size_t p = hub.DefinePipeline("traces", {"receivers"});
  hub.Record(p, 0, 1, "{\"i\":1}");
  hub.Record(p, 0, 2, "{\"i\":2}");
  hub.Record(p, 0, 3, "{\"items\":[1,2,3]}");  // 17 bytes: over the limit
  auto r = hub.Poll("traces", 0, 10);
  ASSERT_EQ(r->events.size(), 2u);
  EXPECT_EQ(r->events[0].seq, 2u);
  EXPECT_EQ(r->events[0].json, "{\"i\":2}");
  EXPECT_EQ(r->events[1].json, "");
  EXPECT_EQ(r->events[1].json_bytes, 17u);
}

TEST(AdminServerTest, RefusesANonLoopbackEndpoint) {
  EXPECT_EQ(ValidateAdminEndpoint("0.0.0.0:1234").message(),
            "service.admin.endpoint \"0.0.0.0:1234\" must be a loopback address (localhost, "
            "127.0.0.1 or ::1): the admin listener shows the telemetry itself");
  EXPECT_TRUE(ValidateAdminEndpoint("localhost:0").ok());
  EXPECT_TRUE(ValidateAdminEndpoint("[::1]:0").ok());
}

// The whole path: a tap point in a pipeline, the admin listener, and `otter tap`'s client.
TEST(AdminServerTest, OtterTapStreamsTheCapturedBatches) {
  TapHub hub;
  size_t p = hub.DefinePipeline("traces", {"receivers", "memory_limiter"});
  AdminServer server(hub, "127.0.0.1:0", nullptr);
  ASSERT_TRUE(server.Start().ok());
  Sink sink;
  TapPoint<pdata::TraceBatch> point(hub, p, 0, &sink);

  // List the pipelines.
  TapCommandOptions o;
  o.admin = "127.0.0.1:" + std::to_string(server.port());
  char* buf = nullptr;
  size_t len = 0;
  FILE* out = open_memstream(&buf, &len);
  EXPECT_EQ(RunTapCommand(o, out, stderr, [] { return false; }), 0);
  std::fclose(out);
  EXPECT_EQ(std::string(buf, len), "traces: receivers → memory_limiter\n");
  free(buf);

  // Stream two batches while a producer keeps sending.
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (uint64_t seed = 1; !done; ++seed) {
      point.Consume(otlp::MakeSyntheticTraces(2, seed), Completion());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  o.pipeline = "traces";
  o.count = 2;
  o.poll_interval = std::chrono::milliseconds(20);
  out = open_memstream(&buf, &len);
  int rc = RunTapCommand(o, out, stderr, [] { return false; });
  std::fclose(out);
  done = true;
  producer.join();
  EXPECT_EQ(rc, 0);
  std::string text(buf, len);
  free(buf);
  simdjson::dom::parser parser;
  size_t lines = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    simdjson::dom::element e;
    ASSERT_FALSE(parser.parse(line).get(e)) << line;
    EXPECT_EQ(uint64_t(e["stage"]), 0u);
    EXPECT_EQ(std::string_view(e["after"]), "receivers");
    EXPECT_EQ(uint64_t(e["items"]), 2u);
    EXPECT_EQ(simdjson::dom::array(e["data"]["resourceSpans"]).size(), 1u);
    ++lines;
  }
  EXPECT_EQ(lines, 2u);

  // An unknown pipeline is an error naming the known ones.
  o.pipeline = "logs";
  char* ebuf = nullptr;
  size_t elen = 0;
  FILE* err = open_memstream(&ebuf, &elen);
  EXPECT_EQ(RunTapCommand(o, stdout, err, [] { return false; }), 1);
  std::fclose(err);
  EXPECT_NE(std::string(ebuf, elen).find("no pipeline \\\"logs\\\" (pipelines: traces)"),
            std::string::npos)
      << std::string(ebuf, elen);
  free(ebuf);
  server.Stop();
}

}  // namespace
}  // namespace otter::pipeline
