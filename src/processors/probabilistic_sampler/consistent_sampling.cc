#include "processors/probabilistic_sampler/consistent_sampling.h"

#include <algorithm>
#include <cmath>

#include "common/fnv.h"

namespace otter::sampling {
namespace {

constexpr int kHexBits = 4;
constexpr uint64_t kHashBuckets = 1 << 14;

std::optional<uint64_t> ParseHex(std::string_view s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return std::nullopt;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsLcAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool IsLcDigit(char c) { return IsLcAlpha(c) || (c >= '0' && c <= '9'); }
bool IsLcDigitPunct(char c) { return IsLcDigit(c) || c == '-' || c == '*' || c == '/' || c == '_'; }

bool TailOk(std::string_view s, size_t max) {
  if (s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), IsLcDigitPunct);
}

// W3C list-member key: simple-key or tenant-id "@" system-id.
bool ValidW3CKey(std::string_view k) {
  if (k.empty()) return false;
  size_t at = k.find('@');
  if (at == std::string_view::npos) return IsLcAlpha(k[0]) && TailOk(k.substr(1), 255);
  std::string_view tenant = k.substr(0, at), system = k.substr(at + 1);
  return !tenant.empty() && IsLcDigit(tenant[0]) && TailOk(tenant.substr(1), 240) &&
         !system.empty() && IsLcAlpha(system[0]) && TailOk(system.substr(1), 13);
}

bool ValidW3CValue(std::string_view v) {
  if (v.empty() || v.size() > 256 || v.back() == ' ') return false;
  for (char c : v)
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  return true;
}

bool ValidOTelKey(std::string_view k) {
  if (k.empty() || !IsLcAlpha(k[0])) return false;
  return std::all_of(k.begin() + 1, k.end(), IsLcDigit);
}

bool ValidOTelValue(std::string_view v) {
  for (char c : v) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string Threshold::TValue() const {
  if (rejected == 0) return "0";
  if (rejected >= kMaxAdjustedCount) return "";
  std::string digits = RValue(rejected);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return digits;
}

std::optional<Threshold> ProbabilityToThreshold(double fraction, int precision) {
  if (precision == 0) precision = kNumHexDigits;
  if (!(fraction >= 1.0 / static_cast<double>(kMaxAdjustedCount) && fraction <= 1))
    return std::nullopt;
  if (fraction == 1) return Threshold::Always();
  // Leading 0 or f hex digits of the threshold carry no information: add one digit of precision
  // for each, whether the probability is near 0 or near 1.
  int exp_f = 0, exp_r = 0;
  std::frexp(fraction, &exp_f);
  std::frexp(1 - fraction, &exp_r);
  precision = std::min(kNumHexDigits,
                       std::max(precision + exp_f / -kHexBits, precision + exp_r / -kHexBits));
  uint64_t scaled =
      static_cast<uint64_t>(std::round(fraction * static_cast<double>(kMaxAdjustedCount)));
  uint64_t threshold = kMaxAdjustedCount - scaled;
  if (int shift = kHexBits * (kNumHexDigits - precision); shift != 0) {
    threshold += uint64_t{1} << (shift - 1);
    threshold >>= shift;
    threshold <<= shift;
  }
  return Threshold{threshold};
}

std::optional<Threshold> ParseTValue(std::string_view s) {
  if (s.empty() || s.size() > static_cast<size_t>(kNumHexDigits)) return std::nullopt;
  std::optional<uint64_t> v = ParseHex(s);
  if (!v) return std::nullopt;
  return Threshold{*v << (kHexBits * (kNumHexDigits - static_cast<int>(s.size())))};
}

std::optional<uint64_t> ParseRValue(std::string_view s) {
  if (s.size() != static_cast<size_t>(kNumHexDigits)) return std::nullopt;
  return ParseHex(s);
}

std::string RValue(uint64_t randomness) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kNumHexDigits, '0');
  for (int i = kNumHexDigits - 1; i >= 0; --i, randomness >>= 4) out[i] = kHex[randomness & 0xf];
  return out;
}

uint64_t TraceIdRandomness(const pdata::TraceId& id) {
  uint64_t r = 0;
  for (size_t i = 9; i < 16; ++i) r = r << 8 | id.bytes[i];
  return r;
}

uint64_t HashSeedRandomness(std::string_view data, uint32_t seed) {
  const uint8_t seed_le[4] = {static_cast<uint8_t>(seed), static_cast<uint8_t>(seed >> 8),
                              static_cast<uint8_t>(seed >> 16), static_cast<uint8_t>(seed >> 24)};
  uint32_t h = Fnv1a32().Add(seed_le, 4).Add(data).value();
  uint64_t bucket = h & (kHashBuckets - 1);
  // Most significant 14 bits: the bucket mirrored (R' = 16383 - bucket), so that
  // "bucket < rate" becomes "threshold <= randomness"; then 28 bits mixed from the 18 unused hash
  // bits; then the bucket again.
  uint64_t mirrored = kHashBuckets - 1 - bucket;
  uint64_t unused18 = h >> 14;
  uint64_t mixed28 = unused18 ^ (unused18 << 10);
  return (mirrored << 42) | (mixed28 << 14) | bucket;
}

uint32_t HashSeedScaledRate(float pct) {
  // float32 arithmetic, truncated: the Go processor's historical rounding.
  float scaled = pct * (static_cast<float>(kHashBuckets) / 100.0f);
  return static_cast<uint32_t>(scaled);
}

Threshold HashSeedThreshold(uint32_t scaled_rate) {
  return Threshold{static_cast<uint64_t>(kHashBuckets - scaled_rate) << 42};
}

bool TraceState::Parse(std::string_view raw) {
  rv.reset();
  th.reset();
  rv_text.clear();
  th_text.clear();
  ot_other_.clear();
  members_.clear();
  if (raw.size() > 1024) return false;
  size_t count = 0;
  while (true) {
    size_t comma = raw.find(',');
    std::string_view member = TrimOws(raw.substr(0, comma));
    if (!member.empty()) {
      if (++count > 32) return false;
      size_t eq = member.find('=');
      if (eq == std::string_view::npos) return false;
      std::string_view key = member.substr(0, eq), value = member.substr(eq + 1);
      if (!ValidW3CKey(key) || !ValidW3CValue(value)) return false;
      if (key == "ot") {
        if (value.size() > 256) return false;
        while (true) {
          size_t semi = value.find(';');
          std::string_view kv = value.substr(0, semi);
          size_t colon = kv.find(':');
          if (colon == std::string_view::npos) return false;
          std::string_view k = kv.substr(0, colon), v = kv.substr(colon + 1);
          if (!ValidOTelKey(k) || !ValidOTelValue(v)) return false;
          if (k == "rv") {
            rv = ParseRValue(v);
            if (!rv) return false;
            rv_text = std::string(v);
          } else if (k == "th") {
            th = ParseTValue(v);
            if (!th) return false;
            th_text = std::string(v);
          } else {
            ot_other_.emplace_back(k, v);
          }
          if (semi == std::string_view::npos) break;
          value.remove_prefix(semi + 1);
        }
      } else {
        members_.emplace_back(key, value);
      }
    }
    if (comma == std::string_view::npos) break;
    raw.remove_prefix(comma + 1);
  }
  return true;
}

bool TraceState::UpdateThreshold(Threshold t) {
  if (th && th->rejected > t.rejected) return false;
  th = t;
  th_text = t.TValue();
  if (th_text.empty()) th.reset();
  return true;
}

std::string TraceState::Serialize() const {
  std::string ot;
  auto add = [&ot](std::string_view k, std::string_view v) {
    if (!ot.empty()) ot += ';';
    ot.append(k).append(":").append(v);
  };
  if (!rv_text.empty()) add("rv", rv_text);
  if (!th_text.empty()) add("th", th_text);
  for (const auto& [k, v] : ot_other_) add(k, v);
  std::string out;
  if (!ot.empty()) out = "ot=" + ot;
  for (const auto& [k, v] : members_) {
    if (!out.empty()) out += ',';
    out.append(k).append("=").append(v);
  }
  return out;
}

}  // namespace otter::sampling
