// Protobuf wire-format primitives shared by the hand-written OTLP codec (proto_decode.cc,
// proto_encode.cc, proto_response.cc): bounds-checked readers and unchecked writers that
// target a buffer whose size was computed beforehand.
// Internal to src/otlp; stateless, so safe from any thread.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace otter::otlp::wire {

static_assert(std::endian::native == std::endian::little,
              "the codec copies fixed-width fields with memcpy and assumes a little-endian host");

enum WireType : uint32_t {
  kVarint = 0,
  kI64 = 1,
  kLen = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kI32 = 5,
};

constexpr uint32_t Tag(uint32_t field, WireType type) { return field << 3 | type; }
constexpr uint32_t FieldOf(uint32_t tag) { return tag >> 3; }
constexpr WireType WireTypeOf(uint32_t tag) { return static_cast<WireType>(tag & 7); }

inline const char* AsChars(const uint8_t* p) { return reinterpret_cast<const char*>(p); }
inline const uint8_t* AsBytes(const char* p) { return reinterpret_cast<const uint8_t*>(p); }

// ---- reading: every function returns false (leaving `p` unspecified) when the input ends early.

// Slow path of ReadVarint: at most 10 bytes; bits past 64 are dropped as protobuf does, but a
// continuation bit on the tenth byte is malformed.
inline bool ReadVarintSlow(const uint8_t*& p, const uint8_t* end, uint64_t* out) {
  uint64_t v = 0;
  for (int i = 0; i < 10; ++i) {
    if (p >= end) return false;
    uint8_t b = *p++;
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);  // i == 9: only bit 63 survives
    if (b < 0x80) {
      *out = v;
      return true;
    }
  }
  return false;
}

inline bool ReadVarint(const uint8_t*& p, const uint8_t* end, uint64_t* out) {
  if (p < end && *p < 0x80) [[likely]] {
    *out = *p++;
    return true;
  }
  if (end - p >= 2 && p[1] < 0x80) {
    *out = (p[0] & 0x7fu) | static_cast<uint64_t>(p[1]) << 7;
    p += 2;
    return true;
  }
  return ReadVarintSlow(p, end, out);
}

inline bool ReadFixed64(const uint8_t*& p, const uint8_t* end, uint64_t* out) {
  if (end - p < 8) return false;
  std::memcpy(out, p, 8);
  p += 8;
  return true;
}

inline bool ReadFixed32(const uint8_t*& p, const uint8_t* end, uint32_t* out) {
  if (end - p < 4) return false;
  std::memcpy(out, p, 4);
  p += 4;
  return true;
}

// Reads a length prefix and checks that many bytes follow before `end`.
inline bool ReadLength(const uint8_t*& p, const uint8_t* end, size_t* len) {
  uint64_t n;
  if (!ReadVarint(p, end, &n)) return false;
  if (n > static_cast<uint64_t>(end - p)) return false;
  *len = static_cast<size_t>(n);
  return true;
}

constexpr int32_t ZigZagDecode32(uint32_t n) {
  return static_cast<int32_t>((n >> 1) ^ (~(n & 1) + 1));
}
constexpr uint32_t ZigZagEncode32(int32_t n) {
  return (static_cast<uint32_t>(n) << 1) ^ static_cast<uint32_t>(n >> 31);
}

inline double BitsToDouble(uint64_t bits) { return std::bit_cast<double>(bits); }
inline uint64_t DoubleToBits(double d) { return std::bit_cast<uint64_t>(d); }

// ---- sizing

constexpr size_t VarintSize(uint64_t v) {
  return static_cast<size_t>((64 - std::countl_zero(v | 1)) * 9 + 64) / 64;
}
// Size of a length-delimited field with a one- or two-byte tag and a `len`-byte payload.
constexpr size_t LenFieldSize(uint32_t tag, size_t len) {
  return VarintSize(tag) + VarintSize(len) + len;
}

// ---- writing: callers guarantee the room (the size pass computed it).

inline uint8_t* WriteVarint(uint8_t* w, uint64_t v) {
  while (v >= 0x80) {
    *w++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *w++ = static_cast<uint8_t>(v);
  return w;
}

inline uint8_t* WriteTag(uint8_t* w, uint32_t tag) {
  if (tag < 0x80) [[likely]] {
    *w = static_cast<uint8_t>(tag);
    return w + 1;
  }
  return WriteVarint(w, tag);
}

inline uint8_t* WriteFixed64(uint8_t* w, uint64_t v) {
  std::memcpy(w, &v, 8);
  return w + 8;
}

inline uint8_t* WriteFixed32(uint8_t* w, uint32_t v) {
  std::memcpy(w, &v, 4);
  return w + 4;
}

inline uint8_t* WriteBytes(uint8_t* w, std::string_view s) {
  if (!s.empty()) std::memcpy(w, s.data(), s.size());
  return w + s.size();
}

}  // namespace otter::otlp::wire
