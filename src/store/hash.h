// Byte-string hashing for the store: a multiply-mix over 8-byte words (short strings, the common
// case, take one or two loads; std::hash's byte-oriented murmur was a tenth of building head
// rows). The same seed gives the same hash in every process, so a hash with a fixed seed may be
// persisted (tag filters, store/tag_filter.h); in-memory tables use a random per-process seed so
// that clients cannot choose colliding strings (hash flooding).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string_view>

namespace otter::store {

inline uint64_t Mix(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

namespace hash_detail {
constexpr uint64_t k0 = 0x9e3779b97f4a7c15ull, k1 = 0xbf58476d1ce4e5b9ull;

// The word loop, from an initial state `h` that already holds the seed and the length.
inline uint64_t HashWords(std::string_view s, uint64_t h) {
  auto load64 = [](const char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  };
  const char* p = s.data();
  size_t n = s.size();
  while (n > 16) {
    h = Mix(load64(p) ^ k1, load64(p + 8) ^ h);
    p += 16;
    n -= 16;
  }
  uint64_t a = 0, b = 0;
  if (n >= 8) {
    a = load64(p);
    b = load64(p + n - 8);
  } else if (n >= 4) {
    uint32_t x, y;
    std::memcpy(&x, p, 4);
    std::memcpy(&y, p + n - 4, 4);
    a = x;
    b = y;
  } else if (n > 0) {
    a = (uint64_t{static_cast<uint8_t>(p[0])} << 16) |
        (uint64_t{static_cast<uint8_t>(p[n / 2])} << 8) | static_cast<uint8_t>(p[n - 1]);
  }
  return Mix(a ^ k1, b ^ h);
}
}  // namespace hash_detail

// The length goes through a multiply of its own, so no choice of bytes can cancel it: strings of
// different lengths collide only by chance, whatever the seed.
inline uint64_t HashBytes(std::string_view s, uint64_t seed) {
  using namespace hash_detail;
  return HashWords(s, Mix(k0 ^ seed, k1 + s.size()));
}

// The first version, frozen because block indexes persist it (store/tag_filter.cc). It XORs the
// length into the state, so some strings of different lengths collide under every seed ("1000"
// and "10000"): tolerable for a bloom filter (a false positive costs a read), not for a table.
inline uint64_t HashBytesV1(std::string_view s, uint64_t seed) {
  using namespace hash_detail;
  return HashWords(s, k0 ^ seed ^ s.size());
}

// A random seed drawn once per process, for in-memory hash tables.
inline const uint64_t kProcessSeed = [] {
  std::random_device rd;
  return (uint64_t{rd()} << 32) ^ rd();
}();

}  // namespace otter::store
