// Reader: a small pull reader of protobuf messages for decoders outside the OTLP hot path (Remote
// Write, Loki push): next field, varint, fixed64, length-delimited bytes as views of the input,
// skip. Plain value over borrowed bytes; not thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "otlp/proto_wire.h"

namespace otter::otlp::wire {

class Reader {
 public:
  explicit Reader(std::string_view s) : p_(AsBytes(s.data())), end_(p_ + s.size()) {}
  bool done() const { return p_ >= end_; }
  // Next field: its number and wire type; false at a malformed tag.
  bool Next(uint32_t* field, uint32_t* type) {
    uint64_t tag;
    if (!otlp::wire::ReadVarint(p_, end_, &tag)) return false;
    *field = static_cast<uint32_t>(tag >> 3);
    *type = static_cast<uint32_t>(tag & 7);
    return *field != 0;
  }
  bool Varint(uint64_t* v) { return otlp::wire::ReadVarint(p_, end_, v); }
  bool Fixed64(uint64_t* v) { return otlp::wire::ReadFixed64(p_, end_, v); }
  bool Bytes(std::string_view* out) {
    size_t n;
    if (!otlp::wire::ReadLength(p_, end_, &n)) return false;
    *out = std::string_view(AsChars(p_), n);
    p_ += n;
    return true;
  }
  bool Skip(uint32_t type) {
    uint64_t v;
    std::string_view s;
    switch (type) {
      case 0:
        return Varint(&v);
      case 1:
        return Fixed64(&v);
      case 2:
        return Bytes(&s);
      case 5:
        if (end_ - p_ < 4) return false;
        p_ += 4;
        return true;
      default:
        return false;
    }
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace otter::otlp::wire
