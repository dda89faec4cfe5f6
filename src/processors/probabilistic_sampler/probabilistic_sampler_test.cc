#include "processors/probabilistic_sampler/probabilistic_sampler.h"

#include <gtest/gtest.h>

#include <vector>

namespace otter {
namespace {

using sampling::Threshold;

pdata::TraceId Tid(std::string_view hex) {
  pdata::TraceId id;
  EXPECT_TRUE(pdata::ParseHexId(hex, &id)) << hex;
  return id;
}

ProbabilisticSamplerConfig Cfg(double pct, uint32_t seed = 0, std::string mode = "") {
  ProbabilisticSamplerConfig c;
  c.sampling_percentage = pct;
  c.hash_seed = seed;
  c.mode = std::move(mode);
  return c;
}

struct SpanResult {
  bool keep;
  std::string trace_state;
  RandomnessSource source;
};

SpanResult Sample(const ProbabilisticSamplerConfig& cfg, pdata::Span span) {
  pdata::ArenaSet arena;
  SamplingRule rule(cfg, false);
  RandomnessSource src;
  bool keep = DecideSpan(rule, cfg.fail_closed, span, arena, &src);
  return {keep, std::string(span.trace_state), src};
}

pdata::Span SpanWith(std::string_view tid, std::string_view trace_state = "") {
  pdata::Span s;
  s.trace_id = Tid(tid);
  s.trace_state = trace_state;
  return s;
}

// hash_seed decisions and the tracestate the Go processor writes for kept spans, computed by
// testdata/gen_hash_seed_table.py from the published algorithm (not from this code).
struct HashRow {
  const char* trace_id;
  uint32_t seed;
  float pct;
  bool keep;
  const char* trace_state;
};
constexpr HashRow kHashTable[] = {
    {"803c55955cc7de7802e2350a16b10f37", 0u, 0.5f, false, ""},
    {"17f2c0cf439a9a67961534409023afa2", 0u, 0.5f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 0u, 0.5f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 0u, 0.5f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 0u, 0.5f, false, ""},
    {"60af7c3973549a978df4087e3f7d90e6", 0u, 0.5f, false, ""},
    {"803c55955cc7de7802e2350a16b10f37", 0u, 10.0f, false, ""},
    {"17f2c0cf439a9a67961534409023afa2", 0u, 10.0f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 0u, 10.0f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 0u, 10.0f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 0u, 10.0f, false, ""},
    {"60af7c3973549a978df4087e3f7d90e6", 0u, 10.0f, false, ""},
    {"803c55955cc7de7802e2350a16b10f37", 0u, 33.3f, false, ""},
    {"17f2c0cf439a9a67961534409023afa2", 0u, 33.3f, true, "ot=rv:b03738f80d93f2;th:aac4"},
    {"53dda8976e948e6c2965e7174ad05591", 0u, 33.3f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 0u, 33.3f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 0u, 33.3f, true, "ot=rv:b2528bc2d8136b;th:aac4"},
    {"60af7c3973549a978df4087e3f7d90e6", 0u, 33.3f, false, ""},
    {"803c55955cc7de7802e2350a16b10f37", 0u, 50.0f, false, ""},
    {"17f2c0cf439a9a67961534409023afa2", 0u, 50.0f, true, "ot=rv:b03738f80d93f2;th:8"},
    {"53dda8976e948e6c2965e7174ad05591", 0u, 50.0f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 0u, 50.0f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 0u, 50.0f, true, "ot=rv:b2528bc2d8136b;th:8"},
    {"60af7c3973549a978df4087e3f7d90e6", 0u, 50.0f, false, ""},
    {"803c55955cc7de7802e2350a16b10f37", 0u, 99.99f, true, "ot=rv:2a7e2a8082b560;th:0008"},
    {"17f2c0cf439a9a67961534409023afa2", 0u, 99.99f, true, "ot=rv:b03738f80d93f2;th:0008"},
    {"53dda8976e948e6c2965e7174ad05591", 0u, 99.99f, true, "ot=rv:258d8690bc769c;th:0008"},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 0u, 99.99f, true, "ot=rv:445d751353aee8;th:0008"},
    {"850b5b02ef4c7e79df9e0143949ba807", 0u, 99.99f, true, "ot=rv:b2528bc2d8136b;th:0008"},
    {"60af7c3973549a978df4087e3f7d90e6", 0u, 99.99f, true, "ot=rv:54151785f02afa;th:0008"},
    {"803c55955cc7de7802e2350a16b10f37", 1u, 0.5f, false, ""},
    {"17f2c0cf439a9a67961534409023afa2", 1u, 0.5f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 1u, 0.5f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 1u, 0.5f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 1u, 0.5f, false, ""},
    {"60af7c3973549a978df4087e3f7d90e6", 1u, 0.5f, false, ""},
    {"803c55955cc7de7802e2350a16b10f37", 1u, 10.0f, false, ""},
    {"17f2c0cf439a9a67961534409023afa2", 1u, 10.0f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 1u, 10.0f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 1u, 10.0f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 1u, 10.0f, false, ""},
    {"60af7c3973549a978df4087e3f7d90e6", 1u, 10.0f, true, "ot=rv:ebb00b92e40513;th:e668"},
    {"803c55955cc7de7802e2350a16b10f37", 1u, 33.3f, false, ""},
    {"17f2c0cf439a9a67961534409023afa2", 1u, 33.3f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 1u, 33.3f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 1u, 33.3f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 1u, 33.3f, false, ""},
    {"60af7c3973549a978df4087e3f7d90e6", 1u, 33.3f, true, "ot=rv:ebb00b92e40513;th:aac4"},
    {"803c55955cc7de7802e2350a16b10f37", 1u, 50.0f, true, "ot=rv:a5d9e80a1c1689;th:8"},
    {"17f2c0cf439a9a67961534409023afa2", 1u, 50.0f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 1u, 50.0f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 1u, 50.0f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 1u, 50.0f, false, ""},
    {"60af7c3973549a978df4087e3f7d90e6", 1u, 50.0f, true, "ot=rv:ebb00b92e40513;th:8"},
    {"803c55955cc7de7802e2350a16b10f37", 1u, 99.99f, true, "ot=rv:a5d9e80a1c1689;th:0008"},
    {"17f2c0cf439a9a67961534409023afa2", 1u, 99.99f, true, "ot=rv:4cb16e56836cd3;th:0008"},
    {"53dda8976e948e6c2965e7174ad05591", 1u, 99.99f, true, "ot=rv:52792514576b61;th:0008"},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 1u, 99.99f, true, "ot=rv:40f93f22db6fc1;th:0008"},
    {"850b5b02ef4c7e79df9e0143949ba807", 1u, 99.99f, true, "ot=rv:4f250d764d6c36;th:0008"},
    {"60af7c3973549a978df4087e3f7d90e6", 1u, 99.99f, true, "ot=rv:ebb00b92e40513;th:0008"},
    {"803c55955cc7de7802e2350a16b10f37", 22u, 0.5f, false, ""},
    {"17f2c0cf439a9a67961534409023afa2", 22u, 0.5f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 22u, 0.5f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 22u, 0.5f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 22u, 0.5f, false, ""},
    {"60af7c3973549a978df4087e3f7d90e6", 22u, 0.5f, false, ""},
    {"803c55955cc7de7802e2350a16b10f37", 22u, 10.0f, false, ""},
    {"17f2c0cf439a9a67961534409023afa2", 22u, 10.0f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 22u, 10.0f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 22u, 10.0f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 22u, 10.0f, false, ""},
    {"60af7c3973549a978df4087e3f7d90e6", 22u, 10.0f, false, ""},
    {"803c55955cc7de7802e2350a16b10f37", 22u, 33.3f, true, "ot=rv:abe5dcd5289506;th:aac4"},
    {"17f2c0cf439a9a67961534409023afa2", 22u, 33.3f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 22u, 33.3f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 22u, 33.3f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 22u, 33.3f, false, ""},
    {"60af7c3973549a978df4087e3f7d90e6", 22u, 33.3f, true, "ot=rv:bfadaf8ef95014;th:aac4"},
    {"803c55955cc7de7802e2350a16b10f37", 22u, 50.0f, true, "ot=rv:abe5dcd5289506;th:8"},
    {"17f2c0cf439a9a67961534409023afa2", 22u, 50.0f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 22u, 50.0f, true, "ot=rv:a7845763dd961e;th:8"},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 22u, 50.0f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 22u, 50.0f, true, "ot=rv:8fdb58fb0b5c09;th:8"},
    {"60af7c3973549a978df4087e3f7d90e6", 22u, 50.0f, true, "ot=rv:bfadaf8ef95014;th:8"},
    {"803c55955cc7de7802e2350a16b10f37", 22u, 99.99f, true, "ot=rv:abe5dcd5289506;th:0008"},
    {"17f2c0cf439a9a67961534409023afa2", 22u, 99.99f, true, "ot=rv:770e5645b4223c;th:0008"},
    {"53dda8976e948e6c2965e7174ad05591", 22u, 99.99f, true, "ot=rv:a7845763dd961e;th:0008"},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 22u, 99.99f, true, "ot=rv:2744009024362e;th:0008"},
    {"850b5b02ef4c7e79df9e0143949ba807", 22u, 99.99f, true, "ot=rv:8fdb58fb0b5c09;th:0008"},
    {"60af7c3973549a978df4087e3f7d90e6", 22u, 99.99f, true, "ot=rv:bfadaf8ef95014;th:0008"},
    {"803c55955cc7de7802e2350a16b10f37", 4294967295u, 0.5f, false, ""},
    {"17f2c0cf439a9a67961534409023afa2", 4294967295u, 0.5f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 4294967295u, 0.5f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 4294967295u, 0.5f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 4294967295u, 0.5f, false, ""},
    {"60af7c3973549a978df4087e3f7d90e6", 4294967295u, 0.5f, false, ""},
    {"803c55955cc7de7802e2350a16b10f37", 4294967295u, 10.0f, false, ""},
    {"17f2c0cf439a9a67961534409023afa2", 4294967295u, 10.0f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 4294967295u, 10.0f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 4294967295u, 10.0f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 4294967295u, 10.0f, false, ""},
    {"60af7c3973549a978df4087e3f7d90e6", 4294967295u, 10.0f, false, ""},
    {"803c55955cc7de7802e2350a16b10f37", 4294967295u, 33.3f, false, ""},
    {"17f2c0cf439a9a67961534409023afa2", 4294967295u, 33.3f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 4294967295u, 33.3f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 4294967295u, 33.3f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 4294967295u, 33.3f, false, ""},
    {"60af7c3973549a978df4087e3f7d90e6", 4294967295u, 33.3f, true, "ot=rv:b3e5b336d69306;th:aac4"},
    {"803c55955cc7de7802e2350a16b10f37", 4294967295u, 50.0f, false, ""},
    {"17f2c0cf439a9a67961534409023afa2", 4294967295u, 50.0f, false, ""},
    {"53dda8976e948e6c2965e7174ad05591", 4294967295u, 50.0f, false, ""},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 4294967295u, 50.0f, false, ""},
    {"850b5b02ef4c7e79df9e0143949ba807", 4294967295u, 50.0f, true, "ot=rv:87e064fd391e07;th:8"},
    {"60af7c3973549a978df4087e3f7d90e6", 4294967295u, 50.0f, true, "ot=rv:b3e5b336d69306;th:8"},
    {"803c55955cc7de7802e2350a16b10f37", 4294967295u, 99.99f, true, "ot=rv:544c2d795caaec;th:0008"},
    {"17f2c0cf439a9a67961534409023afa2", 4294967295u, 99.99f, true, "ot=rv:7fa447f8fa6016;th:0008"},
    {"53dda8976e948e6c2965e7174ad05591", 4294967295u, 99.99f, true, "ot=rv:179c70ca35ba18;th:0008"},
    {"5aa462ffdb6ed55fa3c2f0ddb1a92570", 4294967295u, 99.99f, true, "ot=rv:074f885a2e3e2c;th:0008"},
    {"850b5b02ef4c7e79df9e0143949ba807", 4294967295u, 99.99f, true, "ot=rv:87e064fd391e07;th:0008"},
    {"60af7c3973549a978df4087e3f7d90e6", 4294967295u, 99.99f, true, "ot=rv:b3e5b336d69306;th:0008"},
};

TEST(ProbabilisticSamplerHashSeed, MatchesGoAlgorithmTable) {
  int kept = 0;
  for (const HashRow& r : kHashTable) {
    SpanResult res = Sample(Cfg(r.pct, r.seed), SpanWith(r.trace_id));
    SCOPED_TRACE(std::string(r.trace_id) + " seed " + std::to_string(r.seed) + " pct " +
                 std::to_string(r.pct));
    EXPECT_EQ(res.keep, r.keep);
    EXPECT_EQ(res.source, RandomnessSource::kTraceIdHash);
    if (r.keep) {
      EXPECT_EQ(res.trace_state, r.trace_state);
    }
    kept += res.keep;
  }
  EXPECT_EQ(kept, 41);  // the table's true rows: a regression in the table itself shows here
}

TEST(ProbabilisticSamplerHashSeed, ScaledRateIsFloat32Truncated) {
  EXPECT_EQ(sampling::HashSeedScaledRate(10), 1638u);
  EXPECT_EQ(sampling::HashSeedScaledRate(100), 16384u);
  EXPECT_EQ(sampling::HashSeedScaledRate(0.001f), 0u);  // rounds to "never"
  EXPECT_EQ(sampling::HashSeedScaledRate(33.3f), 5455u);
  EXPECT_EQ(sampling::HashSeedThreshold(1638).TValue(), "e668");
}

TEST(ProbabilisticSamplerHashSeed, AllOrNothing) {
  const char* tid = "803c55955cc7de7802e2350a16b10f37";
  SpanResult all = Sample(Cfg(100), SpanWith(tid));
  EXPECT_TRUE(all.keep);
  EXPECT_EQ(all.trace_state.substr(0, 6), "ot=rv:");
  EXPECT_EQ(all.trace_state.substr(all.trace_state.size() - 5), ";th:0");
  EXPECT_TRUE(Sample(Cfg(250), SpanWith(tid)).keep);
  SpanResult none = Sample(Cfg(0), SpanWith(tid));
  EXPECT_FALSE(none.keep);
  EXPECT_EQ(none.source, RandomnessSource::kSamplingPriority);
}

TEST(ProbabilisticSamplerHashSeed, KeepsOtherVendorsTracestate) {
  SpanResult r =
      Sample(Cfg(100), SpanWith("803c55955cc7de7802e2350a16b10f37", "congo=t61, rojo=00f"));
  EXPECT_TRUE(r.keep);
  EXPECT_TRUE(r.trace_state.ends_with(";th:0,congo=t61,rojo=00f")) << r.trace_state;
}

TEST(ProbabilisticSamplerHashSeed, SamplingInformationFromUpstreamFailsClosed) {
  const char* tid = "803c55955cc7de7802e2350a16b10f37";
  EXPECT_FALSE(Sample(Cfg(100), SpanWith(tid, "ot=th:8")).keep);
  EXPECT_FALSE(Sample(Cfg(100), SpanWith(tid, "ot=rv:aaaaaaaaaaaaaa")).keep);
  ProbabilisticSamplerConfig open = Cfg(100);
  open.fail_closed = false;
  SpanResult r = Sample(open, SpanWith(tid, "ot=th:8"));
  EXPECT_TRUE(r.keep);
  EXPECT_EQ(r.trace_state, "ot=th:8");  // not touched
}

TEST(ProbabilisticSamplerHashSeed, MissingTraceIdAndBadTracestate) {
  EXPECT_FALSE(Sample(Cfg(100), pdata::Span{}).keep);
  SpanResult r = Sample(Cfg(100), pdata::Span{});
  EXPECT_EQ(r.source, RandomnessSource::kMissing);
  EXPECT_FALSE(Sample(Cfg(100), SpanWith("803c55955cc7de7802e2350a16b10f37", "ot=rv:xyz")).keep);
  EXPECT_FALSE(Sample(Cfg(100), SpanWith("803c55955cc7de7802e2350a16b10f37", "Bad Key=1")).keep);
}

TEST(ProbabilisticSamplerHashSeed, SamplingPriorityOverrides) {
  pdata::Span s = SpanWith("803c55955cc7de7802e2350a16b10f37");
  s.attributes.push_back({"sampling.priority", pdata::AnyValue::Int(0)});
  SpanResult r = Sample(Cfg(100), s);
  EXPECT_FALSE(r.keep);
  EXPECT_EQ(r.source, RandomnessSource::kSamplingPriority);
  s.attributes[0].value = pdata::AnyValue::String("2");
  r = Sample(Cfg(0), s);
  EXPECT_TRUE(r.keep);
  EXPECT_EQ(r.trace_state, "ot=th:0");                  // 0% writes no rv (as otelcol)
  s.attributes[0].value = pdata::AnyValue::Double(-1);  // negative: no opinion
  EXPECT_FALSE(Sample(Cfg(0), s).keep);
}

// OTEP 235 thresholds, computed by testdata/gen_hash_seed_table.py from the spec's algorithm.
TEST(ConsistentSampling, ProbabilityToThreshold) {
  struct {
    double p;
    const char* th;
  } rows[] = {
      {0.1, "e666"},
      {0.5, "8"},
      {0.25, "c"},
      {0.3333333333333333, "aaab"},
      {0.001, "ffbe77"},
      {0.999, "004189"},
      {1e-09, "fffffffbb48"},
  };
  for (const auto& r : rows) {
    std::optional<Threshold> t = sampling::ProbabilityToThreshold(r.p, 4);
    ASSERT_TRUE(t) << r.p;
    EXPECT_EQ(t->TValue(), r.th) << r.p;
  }
  EXPECT_EQ(sampling::ProbabilityToThreshold(1, 4)->TValue(), "0");
  EXPECT_FALSE(sampling::ProbabilityToThreshold(0, 4));
  EXPECT_FALSE(sampling::ProbabilityToThreshold(1.5, 4));
  EXPECT_EQ(sampling::ParseTValue("c")->rejected, uint64_t{0xc} << 52);
  EXPECT_FALSE(sampling::ParseTValue("123456789abcdef"));
  EXPECT_EQ(*sampling::ParseRValue("00000000000001"), 1u);
  EXPECT_FALSE(sampling::ParseRValue("0001"));
  EXPECT_EQ(sampling::TraceIdRandomness(Tid("000000000000000000ffeeddccbbaa99")),
            0xffeeddccbbaa99u);
}

// Trace ids whose low 56 bits (the W3C randomness) are near the top and the bottom.
constexpr const char* kHighRandomness = "0000000000000000fff0000000000000";
constexpr const char* kLowRandomness = "00000000000000000010000000000000";

TEST(ProbabilisticSamplerProportional, MultipliesArrivingProbability) {
  SpanResult r = Sample(Cfg(50, 0, "proportional"), SpanWith(kHighRandomness, "ot=th:8"));
  EXPECT_TRUE(r.keep);
  EXPECT_EQ(r.trace_state, "ot=th:c");  // 50% of 50%
  EXPECT_EQ(r.source, RandomnessSource::kTraceIdW3C);
  SpanResult first = Sample(Cfg(10, 0, "proportional"), SpanWith(kHighRandomness));
  EXPECT_EQ(first.trace_state, "ot=th:e666");
  EXPECT_FALSE(Sample(Cfg(50, 0, "proportional"), SpanWith(kLowRandomness)).keep);
  // A seed does not change the consistent modes.
  EXPECT_TRUE(Sample(Cfg(50, 9, "proportional"), SpanWith(kHighRandomness)).keep);
}

TEST(ProbabilisticSamplerProportional, ExplicitRandomnessWins) {
  SpanResult r =
      Sample(Cfg(50, 0, "proportional"), SpanWith(kLowRandomness, "ot=rv:f0000000000000;x:1,a=b"));
  EXPECT_TRUE(r.keep);
  EXPECT_EQ(r.source, RandomnessSource::kSamplingRandomness);
  EXPECT_EQ(r.trace_state, "ot=rv:f0000000000000;th:8;x:1,a=b");
}

TEST(ProbabilisticSamplerProportional, InconsistentArrivingThresholdFailsClosed) {
  // rv below th: the item should not have been sampled upstream.
  EXPECT_FALSE(
      Sample(Cfg(100, 0, "proportional"), SpanWith(kHighRandomness, "ot=rv:10000000000000;th:8"))
          .keep);
  ProbabilisticSamplerConfig open = Cfg(100, 0, "proportional");
  open.fail_closed = false;
  SpanResult r = Sample(open, SpanWith(kHighRandomness, "ot=rv:10000000000000;th:8"));
  EXPECT_TRUE(r.keep);
  EXPECT_EQ(r.trace_state, "ot=rv:10000000000000;th:0");  // the lying threshold was cleared
}

TEST(ProbabilisticSamplerEqualizing, NeverRaisesProbability) {
  SpanResult r = Sample(Cfg(50, 0, "equalizing"), SpanWith(kHighRandomness, "ot=th:c"));
  EXPECT_TRUE(r.keep);
  EXPECT_EQ(r.trace_state, "ot=th:c");  // arrived at 25%: stays 25%
  r = Sample(Cfg(25, 0, "equalizing"), SpanWith(kHighRandomness, "ot=th:8"));
  EXPECT_EQ(r.trace_state, "ot=th:c");
  EXPECT_FALSE(Sample(Cfg(25, 0, "equalizing"), SpanWith(kLowRandomness)).keep);
  EXPECT_TRUE(Sample(Cfg(25, 0, "equalizing"), pdata::Span{}).keep == false);
}

struct LogRow {
  const char* value;
  bool keep;
  const char* rv;
};
// attribute_source: record, from_attribute: id, hash_seed 7, 50%: gen_hash_seed_table.py.
constexpr LogRow kLogTable[] = {
    {"alpha", true, "8697ca8f9f5e5a"},
    {"bravo", false, ""},
    {"charlie", false, ""},
    {"delta", true, "90afc523749bd4"},
    {"echo", true, "a93275216f15b3"},
    {"foxtrot", false, ""},
    {"golf", true, "b1a7f9935b5396"},
    {"hotel", false, ""},
};

TEST(ProbabilisticSamplerLogs, RecordAttributeHashMatchesGoAlgorithm) {
  ProbabilisticSamplerConfig cfg = Cfg(50, 7);
  cfg.attribute_source = "record";
  cfg.from_attribute = "id";
  SamplingRule rule(cfg, true);
  for (const LogRow& row : kLogTable) {
    pdata::LogRecord r;
    r.trace_id = Tid(kHighRandomness);  // ignored: the source is the record
    r.attributes.push_back({"id", pdata::AnyValue::String(row.value)});
    pdata::ArenaSet arena;
    RandomnessSource src;
    EXPECT_EQ(DecideLogRecord(rule, cfg, r, arena, &src), row.keep) << row.value;
    EXPECT_EQ(src, RandomnessSource::kAttribute);
    if (!row.keep) continue;
    const pdata::AnyValue* rv = pdata::FindAttribute(r.attributes, "sampling.randomness");
    const pdata::AnyValue* th = pdata::FindAttribute(r.attributes, "sampling.threshold");
    ASSERT_TRUE(rv && th);
    EXPECT_EQ(rv->string_value, row.rv);
    EXPECT_EQ(th->string_value, "8");
  }
}

TEST(ProbabilisticSamplerLogs, SamplingPriorityReplacesPercentage) {
  ProbabilisticSamplerConfig cfg = Cfg(0);
  cfg.sampling_priority = "prio";
  SamplingRule rule(cfg, true);
  pdata::LogRecord r;
  r.trace_id = Tid(kLowRandomness);
  r.attributes.push_back({"prio", pdata::AnyValue::Int(100)});
  pdata::ArenaSet arena;
  RandomnessSource src;
  EXPECT_TRUE(DecideLogRecord(rule, cfg, r, arena, &src));
  EXPECT_EQ(src, RandomnessSource::kSamplingPriority);
  EXPECT_EQ(pdata::FindAttribute(r.attributes, "sampling.threshold")->string_value, "0");
  pdata::LogRecord none;
  EXPECT_FALSE(DecideLogRecord(rule, cfg, none, arena, &src));  // no attribute: 0% applies
}

TEST(ProbabilisticSamplerLogs, MissingRandomnessFailsClosed) {
  ProbabilisticSamplerConfig cfg = Cfg(100);
  SamplingRule rule(cfg, true);
  pdata::LogRecord r;  // no trace id, no from_attribute
  pdata::ArenaSet arena;
  RandomnessSource src;
  EXPECT_FALSE(DecideLogRecord(rule, cfg, r, arena, &src));
  EXPECT_EQ(src, RandomnessSource::kMissing);
  cfg.fail_closed = false;
  EXPECT_TRUE(DecideLogRecord(SamplingRule(cfg, true), cfg, r, arena, &src));
}

class Sink : public TraceConsumer {
 public:
  void Consume(pdata::TraceBatch&& b, Completion done) override {
    batches.push_back(std::move(b));
    done(Status::Ok());
  }
  std::vector<pdata::TraceBatch> batches;
};

TEST(ProbabilisticSamplerProcessor, FiltersBatchAndCounts) {
  telemetry::SelfMetrics metrics;
  ComponentContext ctx;
  ctx.id = {"probabilistic_sampler", ""};
  ctx.metrics = &metrics;
  Sink sink;
  ProbabilisticSampler<pdata::TraceBatch> proc(ctx, Cfg(50, 0, "proportional"), &sink);
  pdata::TraceBatch b;
  auto& rs = b.resources().emplace_back();
  auto& ss = rs.scope_spans.emplace_back();
  ss.spans.push_back(SpanWith(kHighRandomness));
  ss.spans.push_back(SpanWith(kLowRandomness));
  ss.spans.push_back(SpanWith(kHighRandomness));
  rs.scope_spans.emplace_back().spans.push_back(SpanWith(kLowRandomness));  // emptied: removed
  Status answer = Internal("unanswered");
  proc.Consume(std::move(b), Completion([&](Status s) { answer = s; }));
  EXPECT_TRUE(answer.ok());
  ASSERT_EQ(sink.batches.size(), 1u);
  EXPECT_EQ(sink.batches[0].ItemCount(), 2u);
  EXPECT_EQ(sink.batches[0].resources()[0].scope_spans.size(), 1u);
  auto value = [&](const char* sampled) {
    return metrics.Value(
        "otelcol_processor_probabilistic_sampler_count_traces_sampled",
        {{"processor", "probabilistic_sampler"}, {"policy", "trace_id_w3c"}, {"sampled", sampled}});
  };
  EXPECT_EQ(value("true"), 2);
  EXPECT_EQ(value("false"), 2);

  // All dropped: answered OK without a downstream call.
  pdata::TraceBatch low;
  low.resources().emplace_back().scope_spans.emplace_back().spans.push_back(
      SpanWith(kLowRandomness));
  answer = Internal("unanswered");
  proc.Consume(std::move(low), Completion([&](Status s) { answer = s; }));
  EXPECT_TRUE(answer.ok());
  EXPECT_EQ(sink.batches.size(), 1u);
}

TEST(ProbabilisticSamplerConfig, ValidationNamesTheKey) {
  ProbabilisticSamplerConfig c = Cfg(-1);
  EXPECT_EQ(c.Validate().message(), "sampling_percentage: negative sampling rate: -1.00%");
  c = Cfg(10, 0, "fast");
  EXPECT_EQ(c.Validate().message(),
            "mode: unsupported sampler mode \"fast\" (valid: hash_seed, proportional, equalizing)");
  c = Cfg(10);
  c.sampling_precision = 15;
  EXPECT_EQ(c.Validate().message(),
            "sampling_precision: sampling precision is too great, should be <= 14: 15");
  c = Cfg(10);
  c.attribute_source = "span";
  EXPECT_EQ(c.Validate().message(),
            "attribute_source: invalid attribute source: span. Expected: traceID or record");
  EXPECT_TRUE(Cfg(10).Validate().ok());
  EXPECT_EQ(Cfg(10).EffectiveMode(), SamplerMode::kHashSeed);  // unset = hash_seed, even seed 0
}

}  // namespace
}  // namespace otter

namespace otter {
namespace {

TEST(ProbabilisticSamplerLogs, ProportionalUsesRecordRandomnessAndWritesThreshold) {
  ProbabilisticSamplerConfig cfg;
  cfg.sampling_percentage = 50;
  cfg.mode = "proportional";
  SamplingRule rule(cfg, true);
  pdata::ArenaSet arena;
  RandomnessSource src;
  pdata::LogRecord high;
  high.attributes.push_back({"sampling.randomness", pdata::AnyValue::String("f0000000000000")});
  EXPECT_TRUE(DecideLogRecord(rule, cfg, high, arena, &src));
  EXPECT_EQ(src, RandomnessSource::kSamplingRandomness);
  EXPECT_EQ(pdata::FindAttribute(high.attributes, "sampling.threshold")->string_value, "8");
  pdata::LogRecord low;
  low.attributes.push_back({"sampling.randomness", pdata::AnyValue::String("10000000000000")});
  EXPECT_FALSE(DecideLogRecord(rule, cfg, low, arena, &src));
  // Arrived at 50% (th 8): proportional 50% makes it 25% (th c).
  pdata::LogRecord prior;
  prior.trace_id.bytes[9] = 0xff;  // W3C randomness from the trace id: high
  prior.attributes.push_back({"sampling.threshold", pdata::AnyValue::String("8")});
  EXPECT_TRUE(DecideLogRecord(rule, cfg, prior, arena, &src));
  EXPECT_EQ(src, RandomnessSource::kTraceIdW3C);
  EXPECT_EQ(pdata::FindAttribute(prior.attributes, "sampling.threshold")->string_value, "c");
  pdata::LogRecord bad;
  bad.attributes.push_back({"sampling.randomness", pdata::AnyValue::String("xyz")});
  EXPECT_FALSE(DecideLogRecord(rule, cfg, bad, arena, &src));  // invalid: fails closed
}

}  // namespace
}  // namespace otter
