// UTF-8 checks and repair shared by the OTLP/JSON encoder and the receivers' item limits
// (otlp/item_limits.h). Protobuf input is not checked by the decoder, so strings may hold any
// bytes; these give the repaired form Go's encoding/json produces (U+FFFD per bad byte).
// Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace otter::otlp {

// Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, surrogates or > U+10FFFF),
// or 0 if the bytes there are not one.
inline size_t Utf8SequenceLength(const unsigned char* p, size_t left) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
    return i < left && p[i] >= lo && p[i] <= hi;
  };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c == 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c == 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// True if [p, p + n) is valid UTF-8 (simdjson).
bool IsValidUtf8Bytes(const char* p, size_t n);

// True if `s` is valid UTF-8. Inline: the common all-ASCII string is checked a word at a time
// without a call (a short one with two overlapping loads, no byte loop); a string with a byte
// past ASCII goes to simdjson.
inline bool IsValidUtf8(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t high;
  if (n >= 8) {
    uint64_t w, tail;
    high = 0;
    for (size_t i = 0; i + 8 <= n; i += 8) {
      std::memcpy(&w, p + i, 8);
      high |= w;
    }
    std::memcpy(&tail, p + n - 8, 8);
    high = (high | tail) & 0x8080808080808080ull;
  } else if (n >= 4) {
    uint32_t head, tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    high = (head | tail) & 0x80808080u;
  } else if (n > 0) {
    high = (static_cast<unsigned char>(p[0]) | static_cast<unsigned char>(p[n / 2]) |
            static_cast<unsigned char>(p[n - 1])) &
           0x80u;
  } else {
    return true;
  }
  return high == 0 || IsValidUtf8Bytes(p, n);
}

// `s` with every byte that does not start a valid sequence replaced by U+FFFD.
std::string RepairUtf8(std::string_view s);

// The longest prefix of `s` of at most `max_bytes` that does not end inside a multi-byte
// sequence (for truncating valid UTF-8 without producing an invalid tail).
std::string_view Utf8Prefix(std::string_view s, size_t max_bytes);

}  // namespace otter::otlp
