#include "processors/probabilistic_sampler/probabilistic_sampler.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace otter {

using sampling::Threshold;

namespace {

constexpr std::string_view kThresholdAttr = "sampling.threshold";
constexpr std::string_view kRandomnessAttr = "sampling.randomness";

std::string_view IdBytes(const pdata::TraceId& id) {
  return {reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size()};
}

// The span's "sampling.priority" (OpenTracing): 0 forces a drop, > 0 a keep; else no opinion.
std::optional<bool> SpanPriority(const pdata::Span& span) {
  const pdata::AnyValue* v = pdata::FindAttribute(span.attributes, "sampling.priority");
  if (!v) return std::nullopt;
  double d;
  switch (v->type) {
    case pdata::AnyValue::Type::kInt:
      d = static_cast<double>(v->int_value);
      break;
    case pdata::AnyValue::Type::kDouble:
      d = v->double_value;
      break;
    case pdata::AnyValue::Type::kString: {
      std::string s(v->string_value);
      char* end = nullptr;
      d = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) return std::nullopt;
      break;
    }
    default:
      return std::nullopt;
  }
  if (d == 0) return false;
  if (d > 0) return true;
  return std::nullopt;
}

// What the item's own sampling information says, before the rule's decision.
struct Assessment {
  std::optional<uint64_t> randomness;
  RandomnessSource source = RandomnessSource::kMissing;
  bool carrier = false;  // the item's sampling information may be updated
  bool error = false;    // missing randomness, bad syntax, or information already in use
};

// The common tail of both signals: consistency check, rule, fail_closed. Returns the threshold.
Threshold Evaluate(const SamplingRule& rule, bool fail_closed, Assessment& a,
                   std::optional<Threshold>& incoming, bool* clear_incoming) {
  *clear_incoming = false;
  if (!a.error) {
    if (!a.randomness) {
      a.error = true;
    } else if (a.carrier && incoming && !incoming->ShouldSample(*a.randomness)) {
      // An arriving threshold the randomness does not pass is a lie: drop it (and the item when
      // failing closed).
      *clear_incoming = true;
      incoming.reset();
      a.error = true;
    }
  }
  if (a.error) return fail_closed ? Threshold::Never() : Threshold::Always();
  return rule.Decide(a.carrier ? incoming : std::nullopt);
}

}  // namespace

std::string_view RandomnessSourceName(RandomnessSource s, std::string_view attribute) {
  switch (s) {
    case RandomnessSource::kMissing:
      return "missing_randomness";
    case RandomnessSource::kTraceIdHash:
      return "trace_id_hash";
    case RandomnessSource::kTraceIdW3C:
      return "trace_id_w3c";
    case RandomnessSource::kSamplingRandomness:
      return "sampling_randomness";
    case RandomnessSource::kSamplingPriority:
      return "sampling_priority";
    case RandomnessSource::kAttribute:
      return attribute;
  }
  return "";
}

SamplingRule::SamplingRule(const ProbabilisticSamplerConfig& cfg, bool logs) {
  float pct = std::min(cfg.Percentage(), 100.0f);
  precision_ = static_cast<int>(cfg.sampling_precision);
  seed_ = cfg.hash_seed;
  if (pct <= 0) return;  // kNever
  double ratio = std::max(static_cast<double>(pct) / 100.0,
                          1.0 / static_cast<double>(sampling::kMaxAdjustedCount));
  (void)logs;  // an unset mode means hash_seed for both signals (otelcol's code)
  switch (cfg.EffectiveMode()) {
    case SamplerMode::kEqualizing:
      kind_ = Kind::kEqualizing;
      fixed_ = *sampling::ProbabilityToThreshold(ratio, precision_);
      break;
    case SamplerMode::kProportional:
      kind_ = Kind::kProportional;
      ratio_ = ratio;
      break;
    case SamplerMode::kHashSeed:
      if (uint32_t rate = sampling::HashSeedScaledRate(pct); rate > 0) {
        kind_ = Kind::kHashSeed;
        fixed_ = sampling::HashSeedThreshold(rate);
      }
      break;
  }
}

Threshold SamplingRule::Decide(const std::optional<Threshold>& incoming) const {
  switch (kind_) {
    case Kind::kNever:
      return Threshold::Never();
    case Kind::kHashSeed:
      return fixed_;
    case Kind::kEqualizing:
      // Never raises the probability an item arrived with.
      if (incoming && fixed_.rejected < incoming->rejected) return *incoming;
      return fixed_;
    case Kind::kProportional: {
      double p = (incoming ? incoming->Probability() : 1.0) * ratio_;
      std::optional<Threshold> t = sampling::ProbabilityToThreshold(p, precision_);
      return t ? *t : Threshold::Never();
    }
  }
  return Threshold::Never();
}

bool DecideSpan(const SamplingRule& rule, bool fail_closed, pdata::Span& span,
                pdata::ArenaSet& arena, RandomnessSource* source) {
  sampling::TraceState ts;
  bool parsed = ts.Parse(span.trace_state);
  Assessment a;
  a.carrier = parsed;
  a.error = !parsed;
  switch (rule.kind()) {
    case SamplingRule::Kind::kNever:
      a.randomness = sampling::kAllProbabilitiesRandomness;
      a.source = RandomnessSource::kSamplingPriority;
      break;
    case SamplingRule::Kind::kHashSeed:
      if (!span.trace_id.empty()) {
        a.randomness = sampling::HashSeedRandomness(IdBytes(span.trace_id), rule.seed());
        a.source = RandomnessSource::kTraceIdHash;
      }
      if (parsed && (ts.rv || ts.th)) {
        // Sampling information from a consistent sampler upstream: hash_seed must not touch it.
        a.error = true;
        a.carrier = false;
      } else if (parsed) {
        ts.SetRandomness(a.randomness.value_or(sampling::kAllProbabilitiesRandomness));
      }
      break;
    case SamplingRule::Kind::kProportional:
    case SamplingRule::Kind::kEqualizing:
      if (parsed && ts.rv) {
        a.randomness = ts.rv;
        a.source = RandomnessSource::kSamplingRandomness;
      } else if (parsed && !span.trace_id.empty()) {
        a.randomness = sampling::TraceIdRandomness(span.trace_id);
        a.source = RandomnessSource::kTraceIdW3C;
      }
      break;
  }
  bool cleared = false;
  Threshold t = Evaluate(rule, fail_closed, a, ts.th, &cleared);
  if (cleared) ts.ClearThreshold();
  if (std::optional<bool> prio = SpanPriority(span)) {
    t = *prio ? Threshold::Always() : Threshold::Never();
    a.source = RandomnessSource::kSamplingPriority;
  }
  bool keep = t.ShouldSample(a.randomness.value_or(sampling::kAllProbabilitiesRandomness));
  if (keep && a.carrier) {
    ts.UpdateThreshold(t);  // refused if it would raise the probability: left as it was
    span.trace_state = arena.Copy(ts.Serialize());
  }
  *source = a.source;
  return keep;
}

namespace {

// The record's sampling.threshold / sampling.randomness (string attributes); false on bad syntax.
bool ReadRecordCarrier(const pdata::LogRecord& r, std::optional<Threshold>* th,
                       std::optional<uint64_t>* rv) {
  bool ok = true;
  auto str = [&r](std::string_view key) -> std::string_view {
    const pdata::AnyValue* v = pdata::FindAttribute(r.attributes, key);
    return v && v->type == pdata::AnyValue::Type::kString ? v->string_value : std::string_view();
  };
  if (std::string_view t = str(kThresholdAttr); !t.empty()) {
    *th = sampling::ParseTValue(t);
    ok = ok && th->has_value();
  }
  if (std::string_view v = str(kRandomnessAttr); !v.empty()) {
    *rv = sampling::ParseRValue(v);
    ok = ok && rv->has_value();
  }
  return ok;
}

// sampling_priority: a percentage that replaces the configured one for this record.
std::optional<Threshold> RecordPriority(const pdata::LogRecord& r, const std::string& key,
                                        int precision) {
  if (key.empty()) return std::nullopt;
  const pdata::AnyValue* v = pdata::FindAttribute(r.attributes, key);
  if (!v) return std::nullopt;
  double p = 0;
  if (v->type == pdata::AnyValue::Type::kDouble) p = v->double_value / 100.0;
  if (v->type == pdata::AnyValue::Type::kInt) p = static_cast<double>(v->int_value) / 100.0;
  if (p == 0) return std::nullopt;
  return sampling::ProbabilityToThreshold(p, precision);
}

}  // namespace

bool DecideLogRecord(const SamplingRule& rule, const ProbabilisticSamplerConfig& cfg,
                     pdata::LogRecord& record, pdata::ArenaSet& arena, RandomnessSource* source) {
  std::optional<Threshold> th;
  std::optional<uint64_t> rv;
  bool parsed = ReadRecordCarrier(record, &th, &rv);
  Assessment a;
  a.carrier = parsed;
  a.error = !parsed;
  auto put = [&record, &arena](std::string_view key, const std::string& value) {
    pdata::UpsertAttribute(record.attributes, key, pdata::AnyValue::String(arena.Copy(value)));
  };
  switch (rule.kind()) {
    case SamplingRule::Kind::kNever:
      a.randomness = sampling::kAllProbabilitiesRandomness;
      a.source = RandomnessSource::kSamplingPriority;
      break;
    case SamplingRule::Kind::kHashSeed: {
      if (cfg.attribute_source == "traceID" && !record.trace_id.empty()) {
        a.randomness = sampling::HashSeedRandomness(IdBytes(record.trace_id), rule.seed());
        a.source = RandomnessSource::kTraceIdHash;
      }
      if (!a.randomness && !cfg.from_attribute.empty()) {
        if (const pdata::AnyValue* v =
                pdata::FindAttribute(record.attributes, cfg.from_attribute)) {
          std::string text;
          std::string_view bytes;
          if (v->type == pdata::AnyValue::Type::kBytes ||
              v->type == pdata::AnyValue::Type::kString) {
            bytes = v->string_value;
          } else {
            text = v->ToString();
            bytes = text;
          }
          if (!bytes.empty()) {
            a.randomness = sampling::HashSeedRandomness(bytes, rule.seed());
            a.source = RandomnessSource::kAttribute;
          }
        }
      }
      if (parsed && (rv || th)) {
        a.error = true;
        a.carrier = false;
      } else if (parsed && a.randomness) {
        put(kRandomnessAttr, sampling::RValue(*a.randomness));
      }
      break;
    }
    case SamplingRule::Kind::kProportional:
    case SamplingRule::Kind::kEqualizing:
      if (parsed && rv) {
        a.randomness = rv;
        a.source = RandomnessSource::kSamplingRandomness;
      } else if (parsed && !record.trace_id.empty()) {
        a.randomness = sampling::TraceIdRandomness(record.trace_id);
        a.source = RandomnessSource::kTraceIdW3C;
      }
      break;
  }
  bool cleared = false;
  Threshold t = Evaluate(rule, cfg.fail_closed, a, th, &cleared);
  if (cleared) pdata::RemoveAttribute(record.attributes, kThresholdAttr);
  if (std::optional<Threshold> prio =
          RecordPriority(record, cfg.sampling_priority, static_cast<int>(cfg.sampling_precision))) {
    t = *prio;
    a.source = RandomnessSource::kSamplingPriority;
  }
  bool keep = t.ShouldSample(a.randomness.value_or(sampling::kAllProbabilitiesRandomness));
  if (keep && a.carrier && !(th && t.rejected < th->rejected)) put(kThresholdAttr, t.TValue());
  *source = a.source;
  return keep;
}

template <class B>
ProbabilisticSampler<B>::ProbabilisticSampler(const ComponentContext& ctx,
                                              const ProbabilisticSamplerConfig& cfg,
                                              Consumer<B>* next)
    : cfg_(cfg), rule_(cfg, SignalOf<B>() == Signal::kLogs), next_(next) {
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  bool logs = SignalOf<B>() == Signal::kLogs;
  std::string name = logs ? "otelcol_processor_probabilistic_sampler_count_logs_sampled"
                          : "otelcol_processor_probabilistic_sampler_count_traces_sampled";
  std::string help = logs ? "Log records sampled or not, by randomness source (policy)."
                          : "Spans sampled or not, by randomness source (policy).";
  for (int s = 0; s < kRandomnessSources; ++s) {
    auto src = static_cast<RandomnessSource>(s);
    if (src == RandomnessSource::kAttribute && cfg.from_attribute.empty()) continue;
    for (int sampled = 0; sampled < 2; ++sampled) {
      counters_[s][sampled] = &metrics->GetCounter(
          name, help,
          {{"processor", ctx.id.ToString()},
           {"policy", std::string(RandomnessSourceName(src, cfg.from_attribute))},
           {"sampled", sampled ? "true" : "false"}});
    }
  }
}

template <class B>
Consumers ProbabilisticSampler<B>::consumers() {
  return Consumers::Of<B>(this);
}

template <class B>
void ProbabilisticSampler<B>::Consume(B&& batch, Completion done) {
  uint64_t counts[kRandomnessSources][2] = {};
  pdata::ArenaSet& arena = batch.arenas();
  auto& resources = batch.resources();
  for (auto& rs : resources) {
    auto& scopes = rs.*B::Resource::kScopes;
    for (auto& scope : scopes) {
      auto& items = [&scope]() -> auto& {
        if constexpr (std::is_same_v<B, pdata::TraceBatch>)
          return scope.spans;
        else
          return scope.log_records;
      }
      ();
      size_t kept = 0;
      for (size_t i = 0; i < items.size(); ++i) {
        RandomnessSource src = RandomnessSource::kMissing;
        bool keep = Decide(items[i], arena, &src);
        ++counts[static_cast<int>(src)][keep ? 1 : 0];
        if (keep) {
          if (kept != i) items[kept] = std::move(items[i]);
          ++kept;
        }
      }
      items.resize(kept);
    }
    std::erase_if(scopes, [](const auto& s) { return B::Resource::ItemCount(s) == 0; });
  }
  std::erase_if(resources, [](const auto& rs) { return (rs.*B::Resource::kScopes).empty(); });
  for (int s = 0; s < kRandomnessSources; ++s)
    for (int k = 0; k < 2; ++k)
      if (counts[s][k] && counters_[s][k]) counters_[s][k]->Add(counts[s][k]);
  if (resources.empty()) {
    done(Status::Ok());
    return;
  }
  next_->Consume(std::move(batch), std::move(done));
}

template class ProbabilisticSampler<pdata::TraceBatch>;
template class ProbabilisticSampler<pdata::LogBatch>;

}  // namespace otter
