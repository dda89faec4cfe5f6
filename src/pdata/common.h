// pdata common types: attribute values, resources, instrumentation scopes and ids, as in OTLP.
// Strings are views into the owning batch's ArenaSet; containers are ordinary vectors so that
// batches merge and split by moving. No protobuf or gRPC types here.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace otter::pdata {

struct KeyValue;

// A W3C/OTLP id: all-zero means "absent" (an empty bytes field on the wire).
template <size_t N>
struct Id {
  std::array<uint8_t, N> bytes{};
  bool empty() const {
    for (uint8_t b : bytes)
      if (b) return false;
    return true;
  }
  std::string Hex() const;  // lowercase
  friend bool operator==(const Id&, const Id&) = default;
  friend auto operator<=>(const Id&, const Id&) = default;
};
using TraceId = Id<16>;
using SpanId = Id<8>;

// Parses lowercase or uppercase hex of exactly 2*N characters.
template <size_t N>
bool ParseHexId(std::string_view hex, Id<N>* out);

struct AnyValue {
  enum class Type : uint8_t { kEmpty, kString, kBool, kInt, kDouble, kArray, kKvList, kBytes };
  Type type = Type::kEmpty;
  bool bool_value = false;
  int64_t int_value = 0;
  double double_value = 0;
  std::string_view string_value;  // kString and kBytes
  std::vector<AnyValue> array_value;
  std::vector<KeyValue> kvlist_value;

  // (Defined below KeyValue: clang needs KeyValue complete to build an AnyValue.)
  static AnyValue String(std::string_view s);
  static AnyValue Int(int64_t i);
  static AnyValue Double(double d);
  static AnyValue Bool(bool b);
  // Human-readable rendering (strings unquoted, arrays/maps JSON-like); used by debug and labels.
  std::string ToString() const;
  bool operator==(const AnyValue& o) const;
};

struct KeyValue {
  std::string_view key;
  AnyValue value;
  bool operator==(const KeyValue&) const = default;
};

inline AnyValue AnyValue::String(std::string_view s) {
  AnyValue v;
  v.type = Type::kString;
  v.string_value = s;
  return v;
}
inline AnyValue AnyValue::Int(int64_t i) {
  AnyValue v;
  v.type = Type::kInt;
  v.int_value = i;
  return v;
}
inline AnyValue AnyValue::Double(double d) {
  AnyValue v;
  v.type = Type::kDouble;
  v.double_value = d;
  return v;
}
inline AnyValue AnyValue::Bool(bool b) {
  AnyValue v;
  v.type = Type::kBool;
  v.bool_value = b;
  return v;
}

using Attributes = std::vector<KeyValue>;

// Lookup helpers (linear: attribute lists are short).
const AnyValue* FindAttribute(const Attributes& attrs, std::string_view key);
// Sets key to value, replacing an existing entry; `key`/strings must already live in the arena.
void UpsertAttribute(Attributes& attrs, std::string_view key, AnyValue value);
bool RemoveAttribute(Attributes& attrs, std::string_view key);

struct Resource {
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  bool operator==(const Resource&) const = default;
};

struct InstrumentationScope {
  std::string_view name;
  std::string_view version;
  Attributes attributes;
  uint32_t dropped_attributes_count = 0;
  bool operator==(const InstrumentationScope&) const = default;
};

}  // namespace otter::pdata
