#include "connectors/servicegraph/edge_store.h"

#include <cstring>

namespace otter {

size_t EdgeStore::KeyHash::operator()(const Key& k) const {
  uint64_t a, b, c;
  std::memcpy(&a, k.trace.bytes.data(), 8);
  std::memcpy(&b, k.trace.bytes.data() + 8, 8);
  std::memcpy(&c, k.span.bytes.data(), 8);
  return static_cast<size_t>(a * 0x9E3779B97F4A7C15ull ^ b * 0xC2B2AE3D27D4EB4Full ^ c);
}

size_t EdgeStore::Expire(uint64_t now_ns) {
  size_t n = 0;
  while (!edges_.empty() && edges_.front().second.expires_ns <= now_ns) {
    index_.erase(edges_.front().first);
    edges_.pop_front();
    ++n;
  }
  return n;
}

}  // namespace otter
