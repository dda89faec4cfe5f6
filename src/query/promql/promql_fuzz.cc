// libFuzzer target for PromQL: any text must parse or fail with InvalidArgument; whatever parses
// is evaluated as an instant query and as a short range query against a small in-memory store
// (counters, a gauge with NaN/Inf, a classic and a native histogram) and must return a value or
// an error, never crash. The sample budget and deadline keep pathological queries short.
//   promql_fuzz -max_len=512 -dict=fuzz/promql.dict corpus/
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>

#include "query/promql/engine.h"
#include "query/promql/parser.h"
#include "query/promql/testing.h"

namespace {

using otter::query::promql::testing::FakeMetricQuerier;
using otter::query::promql::testing::L;

constexpr int64_t kStep = 15000;  // ms between samples
constexpr int kSamples = 40;      // 10 minutes of data

// The test querier with native histogram series too.
class Querier : public FakeMetricQuerier {
 public:
  void AddHistograms(otter::store::SeriesData s) { histograms_.push_back(std::move(s)); }
  otter::StatusOr<std::vector<otter::store::SeriesData>> Select(
      const otter::store::Matchers& matchers, int64_t mint_ms, int64_t maxt_ms,
      size_t max_samples) override {
    auto out = FakeMetricQuerier::Select(matchers, mint_ms, maxt_ms, max_samples);
    if (!out.ok()) return out;
    for (const auto& s : histograms_) {
      if (!otter::store::MatchesAll(matchers, s.labels)) continue;
      otter::store::SeriesData d{s.labels, {}, {}};
      for (const auto& h : s.histograms)
        if (h.t_ms >= mint_ms && h.t_ms <= maxt_ms) d.histograms.push_back(h);
      if (!d.histograms.empty()) out->push_back(std::move(d));
    }
    return out;
  }

 private:
  std::vector<otter::store::SeriesData> histograms_;
};

Querier* Data() {
  static Querier* q = [] {
    auto* f = new Querier;
    const char* codes[] = {"200", "500"};
    for (int i = 0; i < 2; ++i) {
      f->AddLinear(L({{"__name__", "http_requests_total"}, {"job", "api"}, {"code", codes[i]}}), 0,
                   kStep, kSamples, 10 * i, 1 + i);
    }
    // A counter reset halfway.
    std::vector<otter::store::Sample> reset;
    for (int i = 0; i < kSamples; ++i) reset.push_back({i * kStep, double(i % 20)});
    f->Add(L({{"__name__", "http_requests_total"}, {"job", "web"}, {"code", "200"}}), reset);
    std::vector<otter::store::Sample> odd;
    const double special[] = {0,
                              -1,
                              std::numeric_limits<double>::quiet_NaN(),
                              std::numeric_limits<double>::infinity(),
                              -0.0,
                              1e308};
    for (int i = 0; i < kSamples; ++i) odd.push_back({i * kStep, special[i % 6]});
    f->Add(L({{"__name__", "temperature"}, {"room", "a"}, {"job", "api"}}), odd);
    const char* les[] = {"0.1", "1", "10", "+Inf"};
    for (int b = 0; b < 4; ++b) {
      f->AddLinear(L({{"__name__", "latency_seconds_bucket"}, {"le", les[b]}, {"job", "api"}}), 0,
                   kStep, kSamples, 0, 1 + b);
    }
    f->AddLinear(L({{"__name__", "latency_seconds_count"}, {"job", "api"}}), 0, kStep, kSamples, 0,
                 4);
    f->AddLinear(L({{"__name__", "latency_seconds_sum"}, {"job", "api"}}), 0, kStep, kSamples, 0,
                 2.5);
    otter::store::SeriesData native;
    native.labels = L({{"__name__", "rpc_duration_seconds"}, {"job", "api"}});
    for (int i = 0; i < kSamples; ++i) {
      otter::store::HistogramSample h;
      h.t_ms = i * kStep;
      h.h.schema = 1;
      h.h.count = 3.0 * i;
      h.h.sum = 1.5 * i;
      h.h.zero_count = i;
      h.h.positive_spans = {{0, 2}};
      h.h.positive_buckets = {double(i), double(i)};
      native.histograms.push_back(h);
    }
    f->AddHistograms(std::move(native));
    return f;
  }();
  return q;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace otter::query::promql;
  std::string_view query(reinterpret_cast<const char*>(data), size);
  auto expr = ParseExpr(query);
  if (!expr.ok()) {
    if (expr.status().code() != otter::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  EngineOptions options;
  options.max_samples = 100000;
  Engine engine(*Data(), options);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  Annotations notes;
  notes.query = query;
  (void)engine.ExecInstant(**expr, 5 * 60 * 1000, deadline, &notes);
  (void)engine.ExecRange(**expr, 0, 10 * 60 * 1000, 60 * 1000, deadline, &notes);
  return 0;
}
