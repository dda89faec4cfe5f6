// The batch processor's metadata_keys: one batch in the making per combination of values, sent
// with only those keys as its metadata; metadata_cardinality_limit refuses a new combination
// permanently; without metadata_keys the metadata is dropped (as in otelcol).
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "otlp/proto_codec.h"
#include "processors/batch/batch_processor.h"

namespace otter {
namespace {

using namespace std::chrono_literals;
using pdata::TraceBatch;

// One span per item, named `name`; metadata from `md` (key, value) pairs.
TraceBatch Spans(const std::string& name, size_t n,
                 const std::vector<std::pair<std::string, std::string>>& md) {
  TraceBatch b;
  pdata::ResourceSpans rs;
  pdata::ScopeSpans ss;
  for (size_t i = 0; i < n; ++i) {
    pdata::Span span;
    span.name = b.arenas().Copy(name);
    ss.spans.push_back(std::move(span));
  }
  rs.scope_spans.push_back(std::move(ss));
  b.resources().push_back(std::move(rs));
  for (const auto& [k, v] : md) b.AddMetadata(k, v);
  return b;
}

// Records each batch it gets as "k=v,k=v|name name ..." and accepts it. With `undecoded`, it
// takes undecoded batches (the batch processor's bytes mode) and decodes them to record them.
class Recorder : public Consumer<TraceBatch> {
 public:
  explicit Recorder(bool undecoded = false) : undecoded_(undecoded) {}
  bool TakesUndecoded() const override { return undecoded_; }
  void Consume(TraceBatch&& batch, Completion done) override {
    std::string s;
    for (const auto& e : batch.metadata().entries())
      s += (s.empty() ? "" : ",") + std::string(e.key) + "=" + std::string(e.value);
    s += "|";
    EXPECT_EQ(batch.undecoded(), undecoded_);
    auto decoded = batch.undecoded() ? otlp::DecodeTraces(std::string(batch.wire()))
                                     : StatusOr<TraceBatch>(std::move(batch));
    ASSERT_TRUE(decoded.ok());
    const TraceBatch& b = *decoded;
    for (const auto& rs : b.resources())
      for (const auto& ss : rs.scope_spans)
        for (const auto& sp : ss.spans) s += std::string(sp.name) + " ";
    {
      std::lock_guard l(mu_);
      got_.push_back(std::move(s));
    }
    done(Status::Ok());
  }
  std::vector<std::string> got() {
    std::lock_guard l(mu_);
    std::vector<std::string> g = got_;
    std::sort(g.begin(), g.end());
    return g;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> got_;
  const bool undecoded_;
};

BatchConfig Cfg(std::vector<std::string> keys, uint32_t limit = 1000) {
  BatchConfig c;
  c.send_batch_size = 1000;
  c.timeout = 1h;  // only Shutdown sends
  c.metadata_keys = std::move(keys);
  c.metadata_cardinality_limit = limit;
  return c;
}

ComponentContext Ctx(telemetry::SelfMetrics* metrics) {
  ComponentContext ctx;
  ctx.id = ComponentId{"batch", ""};
  ctx.metrics = metrics;
  return ctx;
}

Status ConsumeAndAnswer(BatchProcessor<TraceBatch>& p, TraceBatch b) {
  Status answer = Internal("not answered");
  p.Consume(std::move(b), Completion([&](Status s) { answer = std::move(s); }));
  return answer;
}

class BatchMetadataModes : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(Downstream, BatchMetadataModes, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Undecoded" : "Decoded"; });

TEST_P(BatchMetadataModes, EachCombinationOfValuesIsBatchedApartAndKeepsOnlyItsKeys) {
  Recorder down(GetParam());
  telemetry::SelfMetrics metrics;
  ComponentContext ctx = Ctx(&metrics);
  BatchProcessor<TraceBatch> p(ctx, Cfg({"X-Tenant", "region"}), &down);
  ASSERT_TRUE(p.Start().ok());
  // Header names arrive in any case; the receivers lower-case them.
  ASSERT_TRUE(ConsumeAndAnswer(p, Spans("a1", 1, {{"X-Tenant", "a"}, {"user-agent", "x"}})).ok());
  ASSERT_TRUE(ConsumeAndAnswer(p, Spans("b1", 2, {{"x-tenant", "b"}})).ok());
  ASSERT_TRUE(ConsumeAndAnswer(p, Spans("a2", 1, {{"x-tenant", "a"}, {"user-agent", "y"}})).ok());
  ASSERT_TRUE(ConsumeAndAnswer(p, Spans("a-eu", 1, {{"x-tenant", "a"}, {"region", "eu"}})).ok());
  ASSERT_TRUE(ConsumeAndAnswer(p, Spans("empty", 1, {{"x-tenant", ""}})).ok());  // not unset
  ASSERT_TRUE(ConsumeAndAnswer(p, Spans("none", 1, {})).ok());
  ASSERT_TRUE(ConsumeAndAnswer(p, Spans("two", 1, {{"x-tenant", "a"}, {"x-tenant", "b"}})).ok());
  EXPECT_EQ(metrics.Value("otelcol_processor_batch_metadata_cardinality", {{"processor", "batch"}}),
            6);
  p.Shutdown();
  EXPECT_EQ(down.got(),
            (std::vector<std::string>{"region=eu,x-tenant=a|a-eu ", "x-tenant=a,x-tenant=b|two ",
                                      "x-tenant=a|a1 a2 ", "x-tenant=b|b1 b1 ", "x-tenant=|empty ",
                                      "|none "}));
}

TEST(BatchMetadataTest, CardinalityLimitRefusesANewCombinationPermanently) {
  Recorder down;
  telemetry::SelfMetrics metrics;
  ComponentContext ctx = Ctx(&metrics);
  BatchProcessor<TraceBatch> p(ctx, Cfg({"tenant"}, 2), &down);
  ASSERT_TRUE(p.Start().ok());
  ASSERT_TRUE(ConsumeAndAnswer(p, Spans("a", 1, {{"tenant", "a"}})).ok());
  ASSERT_TRUE(ConsumeAndAnswer(p, Spans("b", 1, {{"tenant", "b"}})).ok());
  Status c = ConsumeAndAnswer(p, Spans("c", 3, {{"tenant", "c"}}));
  EXPECT_EQ(c.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.message(), "too many batcher metadata-value combinations");
  EXPECT_EQ(metrics.Value("otelcol_processor_refused_spans", {{"processor", "batch"}}), 3);
  ASSERT_TRUE(ConsumeAndAnswer(p, Spans("a", 1, {{"tenant", "a"}})).ok());  // known: accepted
  p.Shutdown();
  EXPECT_EQ(down.got(), (std::vector<std::string>{"tenant=a|a a ", "tenant=b|b "}));
}

TEST(BatchMetadataTest, WithoutMetadataKeysTheMetadataIsDropped) {
  Recorder down;
  BatchProcessor<TraceBatch> p(ComponentContext{}, Cfg({}), &down);
  ASSERT_TRUE(p.Start().ok());
  ASSERT_TRUE(ConsumeAndAnswer(p, Spans("a", 1, {{"tenant", "a"}})).ok());
  ASSERT_TRUE(ConsumeAndAnswer(p, Spans("b", 1, {{"tenant", "b"}})).ok());
  p.Shutdown();
  EXPECT_EQ(down.got(), (std::vector<std::string>{"|a b "}));
}

}  // namespace
}  // namespace otter
