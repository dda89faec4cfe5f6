// ProbabilisticSampler<B>: otelcol-contrib's `probabilistic_sampler` for traces (per span) and
// logs (per record). Decides from the item's randomness (FNV-1a hash of the trace id and seed in
// hash_seed mode; the trace id's low 56 bits or an explicit `rv` in proportional / equalizing
// mode), records the threshold it applied (`ot=th:` tracestate for spans, sampling.threshold /
// sampling.randomness attributes for logs) and forwards what it keeps with the original
// completion; a batch left empty is answered OK. Every decision is counted in
// otelcol_processor_probabilistic_sampler_count_{traces,logs}_sampled{policy,sampled}.
// Thread-safety: stateless after construction except atomic counters; Consume may run
// concurrently.
#pragma once

#include <string_view>

#include "component/component.h"
#include "processors/probabilistic_sampler/config.h"
#include "processors/probabilistic_sampler/consistent_sampling.h"

namespace otter {

// The decision rule of one configured sampler, independent of the signal.
class SamplingRule {
 public:
  SamplingRule(const ProbabilisticSamplerConfig& cfg, bool logs);

  enum class Kind { kNever, kHashSeed, kProportional, kEqualizing };
  Kind kind() const { return kind_; }
  uint32_t seed() const { return seed_; }
  // The threshold for an item that arrived with threshold `incoming` (if any).
  sampling::Threshold Decide(const std::optional<sampling::Threshold>& incoming) const;

 private:
  Kind kind_ = Kind::kNever;
  uint32_t seed_ = 0;
  sampling::Threshold fixed_;  // hash_seed, equalizing
  double ratio_ = 0;           // proportional
  int precision_ = 4;
};

// Where an item's randomness came from: the `policy` label of otelcol's counters
// (kAttribute is named after from_attribute).
enum class RandomnessSource : uint8_t {
  kMissing,             // missing_randomness
  kTraceIdHash,         // trace_id_hash
  kTraceIdW3C,          // trace_id_w3c
  kSamplingRandomness,  // sampling_randomness (an explicit rv)
  kSamplingPriority,    // sampling_priority
  kAttribute,           // <from_attribute>
};
inline constexpr int kRandomnessSources = 6;
std::string_view RandomnessSourceName(RandomnessSource s, std::string_view attribute);

// Decides one span in place (may rewrite its trace_state into `arena`); true = keep.
bool DecideSpan(const SamplingRule& rule, bool fail_closed, pdata::Span& span,
                pdata::ArenaSet& arena, RandomnessSource* source);
// Decides one log record in place (may set sampling.* attributes); true = keep.
bool DecideLogRecord(const SamplingRule& rule, const ProbabilisticSamplerConfig& cfg,
                     pdata::LogRecord& record, pdata::ArenaSet& arena, RandomnessSource* source);

template <class B>
class ProbabilisticSampler final : public Processor, public Consumer<B> {
 public:
  ProbabilisticSampler(const ComponentContext& ctx, const ProbabilisticSamplerConfig& cfg,
                       Consumer<B>* next);

  Consumers consumers() override;
  void Consume(B&& batch, Completion done) override;
  bool MutatesData() const override { return true; }

 private:
  bool Decide(pdata::Span& span, pdata::ArenaSet& arena, RandomnessSource* source) {
    return DecideSpan(rule_, cfg_.fail_closed, span, arena, source);
  }
  bool Decide(pdata::LogRecord& record, pdata::ArenaSet& arena, RandomnessSource* source) {
    return DecideLogRecord(rule_, cfg_, record, arena, source);
  }

  ProbabilisticSamplerConfig cfg_;
  SamplingRule rule_;
  Consumer<B>* next_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  // [source][sampled]
  telemetry::Counter* counters_[kRandomnessSources][2] = {};
};

extern template class ProbabilisticSampler<pdata::TraceBatch>;
extern template class ProbabilisticSampler<pdata::LogBatch>;

}  // namespace otter
