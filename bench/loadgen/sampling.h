// Seeded random sampling for the load generator: a small PRNG, a bijective 64-bit mixer for ids,
// and table-driven discrete distributions (weighted, Zipf) plus lognormal. Written out here rather
// than taken from <random> so that a seed produces the same payloads with every standard library.
// Used by payload.cc only; each object belongs to one generator (one thread).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace otter::loadgen {

// The splitmix64 finalizer: a bijection on uint64_t (so distinct inputs give distinct ids).
constexpr uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// splitmix64: small, fast, good enough for payload content (not for cryptography).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() { return Mix64(state_ += 0x9e3779b97f4a7c15ULL); }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  bool Bernoulli(double p) { return Uniform() < p; }
  // Standard normal (Box-Muller; one of the pair is discarded to keep the state simple).
  double Normal() {
    double u1 = 1.0 - Uniform();  // (0, 1]: log() stays finite
    double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // exp(N(mu, sigma^2)): the median is exp(mu).
  double Lognormal(double mu, double sigma) { return std::exp(mu + sigma * Normal()); }

 private:
  uint64_t state_;
};

// A discrete distribution over indices 0..n-1 given by weights; sampled by binary search over
// the cumulative table (n is at most a few dozen here).
class DiscreteTable {
 public:
  DiscreteTable() = default;
  explicit DiscreteTable(std::vector<double> weights) : cdf_(std::move(weights)) {
    double total = 0;
    for (double& w : cdf_) w = (total += w);
    for (double& w : cdf_) w /= total;
  }
  DiscreteTable(std::initializer_list<double> weights)
      : DiscreteTable(std::vector<double>(weights)) {}

  // P(k) proportional to 1 / (k+1)^s.
  static DiscreteTable Zipf(size_t n, double s) {
    std::vector<double> w(n);
    for (size_t k = 0; k < n; ++k) w[k] = 1.0 / std::pow(static_cast<double>(k + 1), s);
    return DiscreteTable(std::move(w));
  }

  size_t Sample(Rng& rng) const {
    double u = rng.Uniform();
    auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
    return std::min(static_cast<size_t>(it - cdf_.begin()), cdf_.size() - 1);
  }
  size_t size() const { return cdf_.size(); }

 private:
  std::vector<double> cdf_;
};

// Trace and span ids that never repeat for one seed: trace id = (Mix64(u ^ k1), Mix64(u ^ k2)) with
// u = connection << 40 | trace counter, span id = Mix64(v ^ k3) with v = connection << 40 | span
// counter. Mix64 is a bijection, so distinct counters give distinct ids (2^40 per connection).
// Written big-endian into the 16 / 8 id bytes.
class IdSequence {
 public:
  IdSequence(uint32_t connection, uint64_t seed)
      : prefix_(static_cast<uint64_t>(connection) << 40),
        k1_(Mix64(seed ^ 0x5452414345ULL)),
        k2_(Mix64(seed ^ 0x5452414346ULL)),
        k3_(Mix64(seed ^ 0x5350414eULL ^ (seed << 32))) {}

  void NextTraceId(uint8_t* out16) {
    uint64_t u = prefix_ | traces_++;
    PutBigEndian(out16, Mix64(u ^ k1_));
    PutBigEndian(out16 + 8, Mix64(u ^ k2_));
  }
  void NextSpanId(uint8_t* out8) { PutBigEndian(out8, Mix64((prefix_ | spans_++) ^ k3_)); }

 private:
  static void PutBigEndian(uint8_t* out, uint64_t v) {
    for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<uint8_t>(v);
  }
  const uint64_t prefix_;
  const uint64_t k1_, k2_, k3_;
  uint64_t traces_ = 0;
  uint64_t spans_ = 0;
};

// 16 lowercase hex characters: one 64-bit draw.
inline void FillToken(Rng& rng, char* out16) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t r = rng.Next();
  for (int i = 0; i < 16; ++i, r >>= 4) out16[i] = kHex[r & 15];
}
inline constexpr size_t kTokenSize = 16;

}  // namespace otter::loadgen
