// HashRing: consistent hashing of routing keys onto backends. Each backend owns kVirtualNodes
// points on a 64-bit circle (hashes of "endpoint#i"); a key goes to the owner of the first point
// at or after the key's hash. Adding or removing one of N backends therefore moves only the keys
// whose nearest point belonged to it: about 1/N of them. Endpoints are sorted and deduplicated,
// so every loadbalancer with the same backend list routes every key the same way.
// Immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace otter::loadbalancing {

// The 64-bit hash routing keys and ring points are placed by (FNV-1a, then a finaliser that
// spreads nearby inputs over the whole circle).
uint64_t HashKey(std::string_view key);

class HashRing {
 public:
  static constexpr int kVirtualNodes = 160;

  explicit HashRing(std::vector<std::string> endpoints);

  bool empty() const { return endpoints_.empty(); }
  const std::vector<std::string>& endpoints() const { return endpoints_; }
  // Index into endpoints() of the backend that owns `key_hash`. Must not be called when empty.
  size_t Pick(uint64_t key_hash) const;

 private:
  std::vector<std::string> endpoints_;
  std::vector<std::pair<uint64_t, uint32_t>> points_;  // ascending position → endpoint index
};

}  // namespace otter::loadbalancing
