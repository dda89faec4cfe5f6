// FNV-1a hashes (32- and 64-bit), as Go's hash/fnv computes them. The samplers use them so that
// otter's keep/drop decisions equal the Go collector's for the same ids and seeds. Incremental:
// feed bytes with Add, read value(). Plain value types; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace otter {

template <class U, U kOffsetBasis, U kPrime>
class Fnv1a {
 public:
  Fnv1a& Add(const uint8_t* data, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      h_ ^= data[i];
      h_ *= kPrime;
    }
    return *this;
  }
  Fnv1a& Add(std::string_view s) {
    return Add(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  U value() const { return h_; }

 private:
  U h_ = kOffsetBasis;
};

using Fnv1a32 = Fnv1a<uint32_t, 2166136261u, 16777619u>;
using Fnv1a64 = Fnv1a<uint64_t, 14695981039346656037ull, 1099511628211ull>;

}  // namespace otter
