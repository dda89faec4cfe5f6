#include "store/number_coding.h"

#include <cstring>

namespace otter::store {

using Type = pdata::AnyValue::Type;

bool PutNumbers(Sink& out, Type type, std::span<const uint64_t> values) {
  if (type == Type::kInt) {
    size_t plain = 0, delta = 0;
    uint64_t prev = 0;
    for (uint64_t v : values) {
      plain += VarintSize(ZigZag(static_cast<int64_t>(v)));
      delta += VarintSize(ZigZag(static_cast<int64_t>(v - prev)));
      prev = v;
    }
    if (delta >= plain) return false;
    out.Byte(kIntDeltas);
    prev = 0;
    for (uint64_t v : values) {
      out.Varint(ZigZag(static_cast<int64_t>(v - prev)));
      prev = v;
    }
    return true;
  }
  if (type != Type::kDouble) return false;
  int e = DecimalExponent(values);
  if (e < 0) return false;
  out.Byte(kDecimalDoubles);
  out.Byte(static_cast<uint8_t>(e));
  for (uint64_t v : values) {
    int64_t n;
    if (DecimalOf(v, e, &n)) {
      out.Varint(ZigZag(n) + 1);
    } else {
      out.Byte(0);
      out.Raw(&v, 8);
    }
  }
  return true;
}

bool ReadNumbers(IndexReader& r, uint8_t coding, uint32_t key, std::span<AttrCell> col) {
  uint64_t v, prev = 0;
  if (coding == kIntDeltas) {
    for (AttrCell& c : col) {
      if (!r.Varint(&v)) return false;
      prev += static_cast<uint64_t>(UnZigZag(v));
      c = {key, Type::kInt, prev};
    }
    return true;
  }
  if (coding != kDecimalDoubles) return false;
  std::string_view raw;
  if (!r.Bytes(1, &raw) || static_cast<uint8_t>(raw[0]) > kMaxDecimalExponent) return false;
  int e = static_cast<uint8_t>(raw[0]);
  for (AttrCell& c : col) {
    c = {key, Type::kDouble, 0};
    if (!r.Varint(&v)) return false;
    if (v == 0) {
      if (!r.Bytes(8, &raw)) return false;
      std::memcpy(&c.value, raw.data(), 8);
    } else {
      c.value = DecimalBits(UnZigZag(v - 1), e);
    }
  }
  return true;
}

}  // namespace otter::store
