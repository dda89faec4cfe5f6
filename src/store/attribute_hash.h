// Order-independent hash of a pdata attribute set (the same set in any order hashes the same),
// for in-process series tables keyed by resource + point attributes (the anomaly and
// cardinality_guard processors). Allocation-free for scalar values; arrays and maps hash their
// string form. Not persisted: the seeds are fixed, but the value may change between versions.
// Thread-safety: pure functions.
#pragma once

#include <bit>
#include <cstdint>

#include "pdata/common.h"
#include "store/hash.h"

namespace otter::store {

inline uint64_t HashAnyValue(const pdata::AnyValue& v) {
  const uint64_t type = static_cast<uint64_t>(v.type) + 1;
  switch (v.type) {
    case pdata::AnyValue::Type::kString:
    case pdata::AnyValue::Type::kBytes:
      return HashBytes(v.string_value, type);
    case pdata::AnyValue::Type::kBool:
      return Mix(type * 0x9e3779b97f4a7c15ull, v.bool_value + 0x51ull);
    case pdata::AnyValue::Type::kInt:
      return Mix(type * 0x9e3779b97f4a7c15ull, static_cast<uint64_t>(v.int_value) ^ 0x7full);
    case pdata::AnyValue::Type::kDouble:
      return Mix(type * 0x9e3779b97f4a7c15ull, std::bit_cast<uint64_t>(v.double_value) | 1);
    case pdata::AnyValue::Type::kEmpty:
      return type;
    case pdata::AnyValue::Type::kArray:
    case pdata::AnyValue::Type::kKvList:
      return HashBytes(v.ToString(), type);
  }
  return type;
}

// A sum of per-attribute mixes, so independent of attribute order; `seed` separates uses
// (resource vs point attributes, or one metric's series from another's).
inline uint64_t HashAttributeSet(const pdata::Attributes& attrs,
                                 uint64_t seed = 0x2545f4914f6cdd1dull) {
  uint64_t h = seed;
  for (const auto& kv : attrs) h += Mix(HashBytes(kv.key, 0x6a09e667), HashAnyValue(kv.value) | 1);
  return h;
}

}  // namespace otter::store
