#include "processors/probabilistic_sampler/config.h"

#include <fmt/format.h>

#include <cmath>

namespace otter {

SamplerMode ProbabilisticSamplerConfig::EffectiveMode() const {
  if (mode == "proportional") return SamplerMode::kProportional;
  if (mode == "equalizing") return SamplerMode::kEqualizing;
  return SamplerMode::kHashSeed;
}

Status ProbabilisticSamplerConfig::Validate() const {
  float pct = Percentage();
  double ratio = static_cast<double>(pct) / 100.0;
  if (std::isinf(ratio) || std::isnan(ratio))
    return InvalidArgument(
        fmt::format("sampling_percentage: sampling rate is invalid: {:.2f}%", pct));
  if (ratio < 0)
    return InvalidArgument(
        fmt::format("sampling_percentage: negative sampling rate: {:.2f}%", pct));
  if (ratio != 0 && ratio < std::ldexp(1.0, -56))
    return InvalidArgument(
        fmt::format("sampling_percentage: sampling rate is too small: {:.2f}%", pct));
  if (!mode.empty() && mode != "hash_seed" && mode != "proportional" && mode != "equalizing")
    return InvalidArgument("mode: unsupported sampler mode \"" + mode +
                           "\" (valid: hash_seed, proportional, equalizing)");
  if (attribute_source != "traceID" && attribute_source != "record")
    return InvalidArgument("attribute_source: invalid attribute source: " + attribute_source +
                           ". Expected: traceID or record");
  if (sampling_precision == 0)
    return InvalidArgument("sampling_precision: invalid sampling precision: 0");
  if (sampling_precision > 14)
    return InvalidArgument(
        "sampling_precision: sampling precision is too great, should be <= 14: " +
        std::to_string(sampling_precision));
  return Status::Ok();
}

const config::Table<ProbabilisticSamplerConfig>& ProbabilisticSamplerConfigTable() {
  using C = ProbabilisticSamplerConfig;
  static const config::Table<C> table =
      config::Table<C>()
          .Field("sampling_percentage", &C::sampling_percentage,
                 "percentage of traces (or log records) kept; >= 100 keeps all, 0 none")
          .Field("hash_seed", &C::hash_seed,
                 "seed of the FNV-1a trace id hash (hash_seed mode); every collector of a tier "
                 "must use the same seed, different tiers different seeds")
          .Field("mode", &C::mode,
                 "hash_seed (default: otelcol's original algorithm), proportional (multiplies "
                 "the probability an item arrives with, OTEP 235) or equalizing (lowers every "
                 "item to the configured probability, OTEP 235)")
          .Field("fail_closed", &C::fail_closed,
                 "drop items whose randomness is missing or whose tracestate is invalid or "
                 "inconsistent (false: keep them)")
          .Field("sampling_precision", &C::sampling_precision,
                 "hex digits of precision of the threshold written to the tracestate (`ot=th:`) "
                 "or the sampling.threshold log attribute, 1..14")
          .Field("attribute_source", &C::attribute_source,
                 "logs: where the randomness comes from, traceID or record (from_attribute)")
          .Field("from_attribute", &C::from_attribute,
                 "logs: record attribute hashed for randomness when attribute_source is record "
                 "or the record has no trace id")
          .Field("sampling_priority", &C::sampling_priority,
                 "logs: record attribute holding a percentage that replaces sampling_percentage "
                 "for that record");
  return table;
}

}  // namespace otter
