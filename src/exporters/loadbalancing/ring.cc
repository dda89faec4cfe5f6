#include "exporters/loadbalancing/ring.h"

#include <algorithm>

#include "common/fnv.h"

namespace otter::loadbalancing {

uint64_t HashKey(std::string_view key) {
  uint64_t h = Fnv1a64().Add(key).value();
  // splitmix64's finaliser: FNV alone leaves similar keys ("host#1", "host#2") close together.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

HashRing::HashRing(std::vector<std::string> endpoints) : endpoints_(std::move(endpoints)) {
  std::sort(endpoints_.begin(), endpoints_.end());
  endpoints_.erase(std::unique(endpoints_.begin(), endpoints_.end()), endpoints_.end());
  points_.reserve(endpoints_.size() * kVirtualNodes);
  for (uint32_t e = 0; e < endpoints_.size(); ++e)
    for (int i = 0; i < kVirtualNodes; ++i)
      points_.emplace_back(HashKey(endpoints_[e] + "#" + std::to_string(i)), e);
  std::sort(points_.begin(), points_.end());
}

size_t HashRing::Pick(uint64_t key_hash) const {
  auto it = std::lower_bound(points_.begin(), points_.end(), std::make_pair(key_hash, uint32_t{0}));
  if (it == points_.end()) it = points_.begin();  // past the last point: wrap around
  return it->second;
}

}  // namespace otter::loadbalancing
