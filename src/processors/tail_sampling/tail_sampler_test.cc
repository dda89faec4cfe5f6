#include "processors/tail_sampling/tail_sampler.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>

#include "config/loader.h"
#include "exporters/exporterhelper/fake_clock.h"

namespace otter {
namespace {

using namespace std::chrono_literals;
using tailsampling::ProbabilisticHash;
using tailsampling::ProbabilisticThreshold;

TailSamplingConfig ParseConfig(const std::string& yaml) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(node.ok());
  TailSamplingConfig cfg;
  config::Diagnostics d;
  TailSamplingConfigTable().Parse(*node, cfg, d);
  EXPECT_TRUE(d.ok()) << d.ErrorsText();
  EXPECT_TRUE(cfg.Validate().ok());
  return cfg;
}

// The seed's tail_sampling policies, verbatim.
constexpr const char* kSeedPolicies = R"(
policies:
  - name: errors
    type: status_code
    status_code:
      status_codes: [ERROR]
  - name: probabilistic
    type: probabilistic
    probabilistic:
      sampling_percentage: 10
)";

class Sink : public TraceConsumer {
 public:
  void Consume(pdata::TraceBatch&& b, Completion done) override {
    for (const auto& rs : b.resources())
      for (const auto& ss : rs.scope_spans)
        for (const auto& s : ss.spans) {
          ++spans[s.trace_id];
          names.push_back(std::string(s.name));
          scopes.push_back(std::string(ss.scope.name));
          services.push_back(
              pdata::FindAttribute(rs.resource.attributes, "service.name")
                  ? pdata::FindAttribute(rs.resource.attributes, "service.name")->ToString()
                  : "");
        }
    ++batches;
    done(answer);
  }
  std::map<pdata::TraceId, int> spans;
  std::vector<std::string> names, services, scopes;
  int batches = 0;
  Status answer = Status::Ok();
};

pdata::TraceId IdOf(uint64_t n) {
  // splitmix64: well-spread ids like an SDK's random ones.
  auto mix = [](uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  pdata::TraceId id;
  uint64_t a = mix(n * 2 + 1), b = mix(n * 2 + 2);
  for (int i = 0; i < 8; ++i) {
    id.bytes[i] = static_cast<uint8_t>(a >> (8 * i));
    id.bytes[8 + i] = static_cast<uint8_t>(b >> (8 * i));
  }
  return id;
}

// Batches built by hand: one resource (service.name) and scope; strings live in the batch arena.
class BatchBuilder {
 public:
  explicit BatchBuilder(std::string_view service = "checkout") {
    auto& rs = batch_.resources().emplace_back();
    rs.resource.attributes.push_back({batch_.arenas().Copy("service.name"),
                                      pdata::AnyValue::String(batch_.arenas().Copy(service))});
    rs.scope_spans.emplace_back().scope.name = batch_.arenas().Copy("test-scope");
  }
  pdata::Span& Add(const pdata::TraceId& id, std::string_view name,
                   pdata::StatusCode code = pdata::StatusCode::kUnset, size_t attr_bytes = 0) {
    auto& s = batch_.resources()[0].scope_spans[0].spans.emplace_back();
    s.trace_id = id;
    s.span_id.bytes[0] = static_cast<uint8_t>(++n_);
    s.name = batch_.arenas().Copy(name);
    s.status.code = code;
    if (attr_bytes)
      s.attributes.push_back(
          {batch_.arenas().Copy("payload"),
           pdata::AnyValue::String(batch_.arenas().Copy(std::string(attr_bytes, 'x')))});
    return s;
  }
  pdata::TraceBatch Take() { return std::move(batch_); }

 private:
  pdata::TraceBatch batch_;
  int n_ = 0;
};

struct Harness {
  explicit Harness(const std::string& yaml, std::string name = "") : cfg(ParseConfig(yaml)) {
    ctx.id = {"tail_sampling", std::move(name)};
    ctx.metrics = &metrics;
    sampler = std::make_unique<TailSampler>(ctx, cfg, &sink, &clock);
  }
  void Consume(pdata::TraceBatch&& b) {
    Status answer = Internal("unanswered");
    sampler->Consume(std::move(b), Completion([&](Status s) { answer = s; }));
    EXPECT_TRUE(answer.ok()) << answer.ToString();  // acknowledged as soon as taken
  }
  double Metric(const std::string& name, telemetry::Labels extra = {}) {
    extra.insert(extra.begin(), {"processor", ctx.id.ToString()});
    return metrics.Value(name, extra);
  }
  double Dropped(const char* reason) {
    return Metric("otter_processor_tail_sampling_spans_dropped", {{"reason", reason}});
  }

  TailSamplingConfig cfg;
  telemetry::SelfMetrics metrics;
  ComponentContext ctx;
  exporterhelper::FakeClock clock;
  Sink sink;
  std::unique_ptr<TailSampler> sampler;
};

// Acceptance: the seed's policy pair over 100k traces of 2 spans (the second 500 ms after the
// first, 5% carrying an error), 1000 new traces per second with the default decision_wait (30s)
// and num_traces (50000).
TEST(TailSampler, SeedPoliciesKeepAllErrorsAndTenPercentOfTheRest) {
  Harness h(kSeedPolicies);
  constexpr int kTraces = 100000;
  constexpr int kPerStep = 10;  // every 10 ms
  auto is_error = [](int i) { return i % 20 == 7; };
  uint64_t peak_bytes = 0;
  size_t peak_traces = 0;
  auto elapsed = 0ms;
  for (int step = 0; step * kPerStep < kTraces + 50 * kPerStep; ++step) {
    BatchBuilder b;
    for (int k = 0; k < kPerStep; ++k) {
      int first = step * kPerStep + k;  // trace starting now
      if (first < kTraces) b.Add(IdOf(first), "GET /cart");
      int second = first - 50 * kPerStep;  // trace that started 500 ms ago
      if (second >= 0 && second < kTraces)
        b.Add(IdOf(second), "SELECT cart",
              is_error(second) ? pdata::StatusCode::kError : pdata::StatusCode::kOk);
    }
    h.Consume(b.Take());
    TailSampler::Stats st = h.sampler->stats();
    peak_bytes = std::max(peak_bytes, st.bytes);
    peak_traces = std::max(peak_traces, st.traces);
    h.clock.Advance(10ms);
    elapsed += 10ms;
    if (elapsed % 1s == 0ms) h.sampler->Tick();
  }
  h.clock.Advance(31s);
  h.sampler->Tick();
  EXPECT_EQ(h.sampler->stats().pending, 0u);
  EXPECT_EQ(h.sampler->stats().spans, 0u);
  EXPECT_EQ(h.sampler->stats().bytes, 0u);

  int errors = 0, kept_errors = 0, rest = 0, kept_rest = 0;
  uint64_t threshold = ProbabilisticThreshold(10);
  for (int i = 0; i < kTraces; ++i) {
    auto it = h.sink.spans.find(IdOf(i));
    int spans = it == h.sink.spans.end() ? 0 : it->second;
    EXPECT_TRUE(spans == 0 || spans == 2) << i;  // whole traces only
    bool probabilistic = ProbabilisticHash("default-hash-seed", IdOf(i)) <= threshold;
    if (is_error(i)) {
      ++errors;
      kept_errors += spans == 2;
    } else {
      ++rest;
      kept_rest += spans == 2;
      EXPECT_EQ(spans == 2, probabilistic) << i;
    }
  }
  EXPECT_EQ(kept_errors, errors);
  double ratio = static_cast<double>(kept_rest) / rest;
  EXPECT_GE(ratio, 0.08);
  EXPECT_LE(ratio, 0.12);
  EXPECT_EQ(h.Metric("otter_processor_tail_sampling_traces_evicted", {{"reason", "num_traces"}}),
            0);
  EXPECT_EQ(h.Metric("otelcol_processor_tail_sampling_global_count_traces_sampled",
                     {{"sampled", "true"}, {"decision", "sampled"}}),
            kept_errors + kept_rest);
  EXPECT_EQ(h.Metric("otelcol_processor_tail_sampling_count_traces_sampled",
                     {{"policy", "errors"}, {"sampled", "true"}, {"decision", "sampled"}}),
            errors);
  EXPECT_EQ(h.Dropped("not_sampled"), 2.0 * (kTraces - kept_errors - kept_rest));
  EXPECT_LE(peak_bytes, h.cfg.MaxBytes());
  EXPECT_LE(peak_traces, h.cfg.num_traces);
  std::printf(
      "seed policies: %d/%d error traces kept, %.2f%% of the rest; peak %zu traces, %.1f MiB "
      "of held spans (limit %llu MiB)\n",
      kept_errors, errors, 100 * ratio, peak_traces, peak_bytes / 1048576.0,
      static_cast<unsigned long long>(h.cfg.max_memory_mib));
}

TEST(TailSampler, MemoryBoundedByByteLimitWithCountedEvictions) {
  Harness h(std::string("max_memory_mib: 1\nnum_traces: 1000000\ndecision_wait: 10s\n") +
            kSeedPolicies);
  constexpr int kTraces = 20000;
  uint64_t spans_in = 0;
  for (int i = 0; i < kTraces; i += 20) {
    BatchBuilder b;
    for (int k = 0; k < 20; ++k) {
      b.Add(IdOf(i + k), "op", pdata::StatusCode::kError, 200);
      ++spans_in;
    }
    h.Consume(b.Take());
    ASSERT_LE(h.sampler->stats().bytes, h.cfg.MaxBytes());
    h.clock.Advance(1ms);
  }
  double evicted = h.Metric("otter_processor_tail_sampling_traces_evicted", {{"reason", "memory"}});
  EXPECT_GT(evicted, 0);
  h.clock.Advance(11s);
  h.sampler->Tick();
  // Every span is accounted for: sent, or dropped with a reason.
  uint64_t sent = 0;
  for (const auto& [id, n] : h.sink.spans) sent += static_cast<uint64_t>(n);
  EXPECT_EQ(static_cast<double>(spans_in), sent + h.Dropped("evicted") + h.Dropped("not_sampled"));
  EXPECT_EQ(h.Dropped("evicted"), evicted);  // one span per trace
  EXPECT_EQ(h.Metric("otelcol_processor_tail_sampling_sampling_trace_dropped_too_early"), evicted);
}

TEST(TailSampler, NumTracesBound) {
  Harness h(std::string("num_traces: 100\n") + kSeedPolicies);
  for (int i = 0; i < 1000; ++i) {
    BatchBuilder b;
    b.Add(IdOf(i), "op");
    h.Consume(b.Take());
    ASSERT_LE(h.sampler->stats().traces, 100u);
  }
  EXPECT_EQ(h.Metric("otter_processor_tail_sampling_traces_evicted", {{"reason", "num_traces"}}),
            900);
}

TEST(TailSampler, DecidesAfterDecisionWait) {
  Harness h("decision_wait: 5s\npolicies: [{name: all, type: always_sample}]");
  BatchBuilder b;
  b.Add(IdOf(1), "a");
  h.Consume(b.Take());
  h.clock.Advance(3s);
  BatchBuilder b2;
  b2.Add(IdOf(1), "b");  // same trace, later: waits with it
  h.Consume(b2.Take());
  h.clock.Advance(2s - 1ms);
  h.sampler->Tick();
  EXPECT_EQ(h.sink.batches, 0);
  h.clock.Advance(1ms);
  h.sampler->Tick();
  ASSERT_EQ(h.sink.batches, 1);
  EXPECT_EQ(h.sink.spans[IdOf(1)], 2);
  EXPECT_EQ(h.sink.names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(h.sink.services, (std::vector<std::string>{"checkout", "checkout"}));
}

void LateSpansFollow(const std::string& extra) {
  Harness h("decision_wait: 1s\n" + extra +
            "policies: [{name: e, type: status_code, status_code: {status_codes: [ERROR]}}]");
  BatchBuilder b;
  b.Add(IdOf(1), "err", pdata::StatusCode::kError);
  b.Add(IdOf(2), "ok", pdata::StatusCode::kOk);
  h.Consume(b.Take());
  h.clock.Advance(1s);
  h.sampler->Tick();
  EXPECT_EQ(h.sink.spans[IdOf(1)], 1);
  EXPECT_EQ(h.sink.spans.count(IdOf(2)), 0u);
  h.clock.Advance(5s);
  BatchBuilder late("late-service");
  late.Add(IdOf(1), "late-of-sampled");
  late.Add(IdOf(2), "late-of-dropped", pdata::StatusCode::kError);  // too late to change it
  h.Consume(late.Take());
  EXPECT_EQ(h.sink.batches, 2);  // sent at once, not held
  EXPECT_EQ(h.sink.spans[IdOf(1)], 2);
  EXPECT_EQ(h.sink.spans.count(IdOf(2)), 0u);
  EXPECT_EQ(h.sink.names.back(), "late-of-sampled");
  EXPECT_EQ(h.sink.services.back(), "late-service");
  EXPECT_EQ(h.Dropped("late_not_sampled"), 1);
  h.clock.Advance(5s);
  h.sampler->Tick();
  EXPECT_EQ(h.sink.batches, 2);  // nothing decided twice
}

TEST(TailSampler, LateSpansFollowTheDecisionWithoutCaches) { LateSpansFollow(""); }

TEST(TailSampler, LateSpansFollowTheDecisionFromTheCaches) {
  LateSpansFollow("decision_cache: {sampled_cache_size: 10, non_sampled_cache_size: 10}\n");
}

TEST(TailSampler, CachesFreeTheTraceTable) {
  Harness h(
      "decision_wait: 1s\ndecision_cache: {sampled_cache_size: 2, non_sampled_cache_size: 2}\n"
      "policies: [{name: all, type: always_sample}]");
  BatchBuilder b;
  for (int i = 0; i < 3; ++i) b.Add(IdOf(i), "op");
  h.Consume(b.Take());
  h.clock.Advance(1s);
  h.sampler->Tick();
  EXPECT_EQ(h.sampler->stats().traces, 0u);
  BatchBuilder late;
  late.Add(IdOf(2), "late");  // in the cache (the 2 most recent)
  late.Add(IdOf(0), "late");  // fell out of the cache: a new trace
  h.Consume(late.Take());
  EXPECT_EQ(h.Metric("otelcol_processor_tail_sampling_early_releases_from_cache_decision",
                     {{"sampled", "true"}}),
            1);
  EXPECT_EQ(h.sampler->stats().pending, 1u);
}

TEST(TailSampler, DropWinsAndInvertedDecisions) {
  Harness h(R"(
decision_wait: 1s
policies:
  - {name: all, type: always_sample}
  - name: no-health
    type: drop
    drop: {drop_sub_policy: [{name: h, type: string_attribute, string_attribute: {key: http.route, values: [/health]}}]}
  - {name: not-noisy, type: string_attribute, string_attribute: {key: tier, values: [noisy], invert_match: true}}
)",
            "edge");
  BatchBuilder b;
  b.Add(IdOf(1), "health").attributes.push_back({"http.route", pdata::AnyValue::String("/health")});
  b.Add(IdOf(2), "noisy").attributes.push_back({"tier", pdata::AnyValue::String("noisy")});
  b.Add(IdOf(3), "plain");
  h.Consume(b.Take());
  h.clock.Advance(1s);
  h.sampler->Tick();
  EXPECT_EQ(h.sink.spans.size(), 1u);
  EXPECT_EQ(h.sink.spans.count(IdOf(3)), 1u);
  EXPECT_EQ(h.Metric("otelcol_processor_tail_sampling_global_count_traces_sampled",
                     {{"sampled", "false"}, {"decision", "dropped"}}),
            1);
  // The drop policy ran first and stopped the evaluation of trace 1; labels carry the
  // processor's name.
  EXPECT_EQ(h.Metric("otelcol_processor_tail_sampling_count_traces_sampled",
                     {{"policy", "edge.all"}, {"sampled", "true"}, {"decision", "sampled"}}),
            2);
  EXPECT_EQ(
      h.Metric("otelcol_processor_tail_sampling_count_traces_sampled",
               {{"policy", "edge.not-noisy"}, {"sampled", "false"}, {"decision", "not_sampled"}}),
      1);
}

TEST(TailSampler, InvertSampledLosesToNotSampled) {
  Harness h(R"(
decision_wait: 1s
sample_on_first_match: true
policies:
  - {name: e, type: status_code, status_code: {status_codes: [ERROR]}}
  - {name: inv, type: string_attribute, string_attribute: {key: tier, values: [noisy], invert_match: true}}
)");
  BatchBuilder b;
  b.Add(IdOf(1), "plain");                           // e: not sampled, inv: invert sampled
  b.Add(IdOf(2), "err", pdata::StatusCode::kError);  // e samples: first match stops
  h.Consume(b.Take());
  h.clock.Advance(1s);
  h.sampler->Tick();
  EXPECT_EQ(h.sink.spans.size(), 1u);
  EXPECT_EQ(h.sink.spans.count(IdOf(2)), 1u);
  EXPECT_EQ(h.Metric("otelcol_processor_tail_sampling_count_traces_sampled",
                     {{"policy", "inv"}, {"sampled", "true"}, {"decision", "sampled"}}),
            1);  // trace 1 only
}

TEST(TailSampler, ShutdownDecidesPendingOrDropsThem) {
  {
    Harness h{std::string(kSeedPolicies)};
    BatchBuilder b;
    b.Add(IdOf(1), "err", pdata::StatusCode::kError);
    h.Consume(b.Take());
    h.sampler->Shutdown();
    EXPECT_EQ(h.sink.spans[IdOf(1)], 1);
  }
  {
    Harness h(std::string("drop_pending_traces_on_shutdown: true\n") + kSeedPolicies);
    BatchBuilder b;
    b.Add(IdOf(1), "err", pdata::StatusCode::kError);
    b.Add(IdOf(1), "err2");
    h.Consume(b.Take());
    h.sampler->Shutdown();
    EXPECT_EQ(h.sink.batches, 0);
    EXPECT_EQ(h.Dropped("shutdown"), 2);
  }
}

TEST(TailSampler, DownstreamRefusalIsCounted) {
  Harness h("decision_wait: 1s\npolicies: [{name: all, type: always_sample}]");
  h.sink.answer = InvalidArgument("no");
  BatchBuilder b;
  b.Add(IdOf(1), "a");
  b.Add(IdOf(1), "b");
  h.Consume(b.Take());
  h.clock.Advance(1s);
  h.sampler->Tick();
  EXPECT_EQ(h.Dropped("export_failed"), 2);
}

TEST(TailSampler, DecisionThreadTicksOnTheClock) {
  Harness h("decision_wait: 1s\npolicies: [{name: all, type: always_sample}]");
  BatchBuilder b;
  b.Add(IdOf(1), "a");
  h.Consume(b.Take());
  ASSERT_TRUE(h.sampler->Start().ok());
  // The fake clock jumps to each wait's deadline, so the thread decides without real waiting.
  for (int i = 0; i < 10000 && h.sink.batches == 0; ++i) std::this_thread::yield();
  h.sampler->Shutdown();
  EXPECT_EQ(h.sink.spans[IdOf(1)], 1);
}

}  // namespace
}  // namespace otter

namespace otter {
namespace {

TEST(TailSampler, KeepsResourceAndScopeOfEverySpan) {
  Harness h("decision_wait: 1s\npolicies: [{name: all, type: always_sample}]");
  pdata::TraceBatch b;
  auto& arenas = b.arenas();
  for (const char* service : {"frontend", "backend"}) {
    auto& rs = b.resources().emplace_back();
    rs.resource.attributes.push_back(
        {arenas.Copy("service.name"), pdata::AnyValue::String(arenas.Copy(service))});
    for (const char* scope : {"http", "db"}) {
      auto& ss = rs.scope_spans.emplace_back();
      ss.scope.name = arenas.Copy(scope);
      for (int trace = 1; trace <= 2; ++trace) {
        auto& s = ss.spans.emplace_back();
        s.trace_id = IdOf(trace);
        s.name = arenas.Copy(std::string(service) + "/" + scope);
      }
    }
  }
  h.Consume(std::move(b));
  h.clock.Advance(1s);
  h.sampler->Tick();
  ASSERT_EQ(h.sink.batches, 1);
  EXPECT_EQ(h.sink.spans[IdOf(1)], 4);
  EXPECT_EQ(h.sink.spans[IdOf(2)], 4);
  // Each span is still under its own resource and scope (its name says which).
  ASSERT_EQ(h.sink.names.size(), 8u);
  for (size_t i = 0; i < h.sink.names.size(); ++i) {
    EXPECT_EQ(h.sink.names[i], h.sink.services[i] + "/" + h.sink.scopes[i]) << i;
  }
}

}  // namespace
}  // namespace otter
