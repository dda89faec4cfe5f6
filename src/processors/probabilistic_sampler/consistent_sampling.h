// Consistent probability sampling as OpenTelemetry specifies it (OTEP 235, "TraceState:
// Probability Sampling"): 56-bit randomness values (`rv`), rejection thresholds (`th`), the `ot`
// member of the W3C tracestate, and the legacy FNV-1a hash_seed randomness of otelcol's
// probabilistic_sampler. Used by the probabilistic_sampler processor; plain functions and value
// types, thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pdata/common.h"

namespace otter::sampling {

inline constexpr uint64_t kMaxAdjustedCount = uint64_t{1} << 56;
inline constexpr int kNumHexDigits = 14;
// The randomness value used when an item has none that matters (never-sample mode).
inline constexpr uint64_t kAllProbabilitiesRandomness = kMaxAdjustedCount - 1;

// How many of the 2^56 randomness values are rejected: 0 samples everything, 2^56 nothing.
struct Threshold {
  uint64_t rejected = 0;

  static constexpr Threshold Always() { return {0}; }
  static constexpr Threshold Never() { return {kMaxAdjustedCount}; }
  bool ShouldSample(uint64_t randomness) const { return rejected <= randomness; }
  double Probability() const {
    return static_cast<double>(kMaxAdjustedCount - rejected) /
           static_cast<double>(kMaxAdjustedCount);
  }
  // The `th` encoding: up to 14 hex digits without trailing zeros; "0" for always, "" for never.
  std::string TValue() const;
  friend bool operator==(Threshold, Threshold) = default;
};

// The threshold for sampling probability `fraction` rounded to `precision` significant hex digits
// (more near 0 and 1, as the spec's algorithm adds); nullopt outside [2^-56, 1].
std::optional<Threshold> ProbabilityToThreshold(double fraction, int precision);
// `th` value: 1..14 hex digits (trailing zeros implied).
std::optional<Threshold> ParseTValue(std::string_view s);
// `rv` value: exactly 14 hex digits.
std::optional<uint64_t> ParseRValue(std::string_view s);
std::string RValue(uint64_t randomness);  // 14 lowercase hex digits

// The W3C randomness of a trace id: its low 56 bits (bytes 9..15, big-endian).
uint64_t TraceIdRandomness(const pdata::TraceId& id);

// hash_seed mode (the processor's original algorithm, 14 bits of FNV-1a-32 over the seed's 4
// little-endian bytes then the data), expressed as 56-bit randomness so that the spec's test
// `threshold <= randomness` decides exactly as the legacy `bucket < scaled rate` did.
uint64_t HashSeedRandomness(std::string_view data, uint32_t seed);
// uint32(pct * 16384/100) computed in float32 with truncation, as otelcol does; 0 = never.
uint32_t HashSeedScaledRate(float pct);
// The rejection threshold for a scaled rate in (0, 16384].
Threshold HashSeedThreshold(uint32_t scaled_rate);

// A W3C tracestate whose `ot` member is parsed into rv, th and other OTel keys. Views point into
// the parsed string and into strings set by the caller, which must outlive the object.
class TraceState {
 public:
  // False on a syntax error (length, member syntax, or a bad rv/th).
  bool Parse(std::string_view raw);

  std::optional<uint64_t> rv;
  std::optional<Threshold> th;
  // Text of rv / th as they will be written (the original text when parsed).
  std::string rv_text, th_text;

  void SetRandomness(uint64_t randomness) {
    rv = randomness;
    rv_text = RValue(randomness);
  }
  void ClearThreshold() {
    th.reset();
    th_text.clear();
  }
  // Lowers the sampling probability to `t`'s; false (and no change) if that would raise it.
  bool UpdateThreshold(Threshold t);
  // "ot=rv:…;th:…;<other ot keys>" first, then the other vendors' members in their order.
  std::string Serialize() const;

 private:
  std::vector<std::pair<std::string_view, std::string_view>> ot_other_;
  std::vector<std::pair<std::string_view, std::string_view>> members_;
};

}  // namespace otter::sampling
