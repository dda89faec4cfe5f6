// Two-pass protobuf writer sinks for otter's hand-written encoders (OTLP in proto_encode.cc,
// Jaeger's model in exporters/jaeger). An encoder writes each message's layout once, as a
// template over a sink S; the Sizer pass walks the data and records the size of every nested
// message in pre-order in a size cache; the Writer pass walks it again in the same order, takes
// the sizes from the cache and writes straight into the output, which was resized once to the
// exact total. Because both passes run the same code, they cannot disagree about which fields
// are present. Plain proto3 rules: the non-"Always" writers leave out default values.
// Stateless apart from the cache a caller owns; safe from any thread.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "otlp/proto_wire.h"
#include "pdata/common.h"

namespace otter::otlp::wire {

class Sizer {
 public:
  explicit Sizer(std::vector<uint32_t>* cache) : cache_(cache) {}
  size_t size() const { return n_; }

  void VarintAlways(uint32_t tag, uint64_t v) { n_ += VarintSize(tag) + VarintSize(v); }
  void Varint(uint32_t tag, uint64_t v) {
    if (v) VarintAlways(tag, v);
  }
  // int32 / enum: negative values are sign-extended to ten bytes, as protobuf does.
  void Int32(uint32_t tag, int32_t v) { Varint(tag, static_cast<uint64_t>(int64_t{v})); }
  void Fixed64Always(uint32_t tag, uint64_t) { n_ += VarintSize(tag) + 8; }
  void Fixed64(uint32_t tag, uint64_t v) {
    if (v) Fixed64Always(tag, v);
  }
  void Fixed32(uint32_t tag, uint32_t v) {
    if (v) n_ += VarintSize(tag) + 4;
  }
  void DoubleAlways(uint32_t tag, double) { n_ += VarintSize(tag) + 8; }
  // Like protobuf, "default" means +0.0 exactly: -0.0 is written.
  void Double(uint32_t tag, double v) {
    if (wire::DoubleToBits(v)) DoubleAlways(tag, v);
  }
  void StringAlways(uint32_t tag, std::string_view s) { n_ += wire::LenFieldSize(tag, s.size()); }
  void String(uint32_t tag, std::string_view s) {
    if (!s.empty()) StringAlways(tag, s);
  }
  template <size_t N>
  void IdAlways(uint32_t tag, const pdata::Id<N>&) {
    n_ += wire::LenFieldSize(tag, N);
  }
  template <size_t N>
  void Id(uint32_t tag, const pdata::Id<N>& id) {
    if (!id.empty()) IdAlways(tag, id);
  }
  // Packed repeated fixed64 / double.
  template <class T>
  void PackedFixed(uint32_t tag, const std::vector<T>& v) {
    static_assert(sizeof(T) == 8);
    if (!v.empty()) n_ += wire::LenFieldSize(tag, v.size() * 8);
  }
  // Packed repeated uint64 (varints): the payload size goes through the cache.
  void PackedVarint(uint32_t tag, const std::vector<uint64_t>& v) {
    if (v.empty()) return;
    size_t len = 0;
    for (uint64_t x : v) len += VarintSize(x);
    cache_->push_back(static_cast<uint32_t>(len));
    n_ += wire::LenFieldSize(tag, len);
  }
  // A sub-message that is always written (even when empty: presence carries meaning).
  template <class Body>
  void Message(uint32_t tag, Body&& body) {
    size_t slot = Measure(body);
    n_ += wire::LenFieldSize(tag, (*cache_)[slot]);
  }
  // A sub-message that is left out when all its fields are defaults.
  template <class Body>
  void MessageIfNonEmpty(uint32_t tag, Body&& body) {
    size_t slot = Measure(body);
    if ((*cache_)[slot]) n_ += wire::LenFieldSize(tag, (*cache_)[slot]);
  }

 private:
  template <class Body>
  size_t Measure(Body& body) {
    size_t slot = cache_->size();
    cache_->push_back(0);
    size_t outer = n_;
    n_ = 0;
    body();
    (*cache_)[slot] = static_cast<uint32_t>(n_);
    n_ = outer;
    return slot;
  }

  std::vector<uint32_t>* cache_;
  size_t n_ = 0;
};

class Writer {
 public:
  Writer(uint8_t* out, const uint32_t* cache) : w_(out), cache_(cache) {}
  uint8_t* pos() const { return w_; }

  void VarintAlways(uint32_t tag, uint64_t v) {
    uint8_t* w = wire::WriteTag(w_, tag);
    w_ = wire::WriteVarint(w, v);
  }
  void Varint(uint32_t tag, uint64_t v) {
    if (v) VarintAlways(tag, v);
  }
  void Int32(uint32_t tag, int32_t v) { Varint(tag, static_cast<uint64_t>(int64_t{v})); }
  void Fixed64Always(uint32_t tag, uint64_t v) {
    uint8_t* w = wire::WriteTag(w_, tag);
    w_ = wire::WriteFixed64(w, v);
  }
  void Fixed64(uint32_t tag, uint64_t v) {
    if (v) Fixed64Always(tag, v);
  }
  void Fixed32(uint32_t tag, uint32_t v) {
    if (!v) return;
    uint8_t* w = wire::WriteTag(w_, tag);
    w_ = wire::WriteFixed32(w, v);
  }
  void DoubleAlways(uint32_t tag, double v) { Fixed64Always(tag, wire::DoubleToBits(v)); }
  void Double(uint32_t tag, double v) { Fixed64(tag, wire::DoubleToBits(v)); }
  void StringAlways(uint32_t tag, std::string_view s) {
    uint8_t* w = wire::WriteTag(w_, tag);
    w = wire::WriteVarint(w, s.size());
    w_ = wire::WriteBytes(w, s);
  }
  void String(uint32_t tag, std::string_view s) {
    if (!s.empty()) StringAlways(tag, s);
  }
  template <size_t N>
  void Id(uint32_t tag, const pdata::Id<N>& id) {
    if (!id.empty()) IdAlways(tag, id);
  }
  template <size_t N>
  void IdAlways(uint32_t tag, const pdata::Id<N>& id) {
    uint8_t* w = wire::WriteTag(w_, tag);
    *w++ = static_cast<uint8_t>(N);
    std::memcpy(w, id.bytes.data(), N);
    w_ = w + N;
  }
  template <class T>
  void PackedFixed(uint32_t tag, const std::vector<T>& v) {
    if (v.empty()) return;
    uint8_t* w = wire::WriteTag(w_, tag);
    w = wire::WriteVarint(w, v.size() * 8);
    std::memcpy(w, v.data(), v.size() * 8);
    w_ = w + v.size() * 8;
  }
  void PackedVarint(uint32_t tag, const std::vector<uint64_t>& v) {
    if (v.empty()) return;
    uint8_t* w = wire::WriteTag(w_, tag);
    w = wire::WriteVarint(w, *cache_++);
    for (uint64_t x : v) w = wire::WriteVarint(w, x);
    w_ = w;
  }
  template <class Body>
  void Message(uint32_t tag, Body&& body) {
    uint32_t len = *cache_++;
    uint8_t* w = wire::WriteTag(w_, tag);
    w_ = wire::WriteVarint(w, len);
    body();
  }
  template <class Body>
  void MessageIfNonEmpty(uint32_t tag, Body&& body) {
    uint32_t len = *cache_++;
    if (len) {
      uint8_t* w = wire::WriteTag(w_, tag);
      w_ = wire::WriteVarint(w, len);
    }
    body();  // writes nothing when len == 0, but keeps the cache in step
  }

 private:
  uint8_t* w_;
  const uint32_t* cache_;
};

// Encodes with `emit(sink)` run twice (Sizer, then Writer), appending the bytes to `out`.
// `cache_hint`: expected number of nested messages, to size the cache once.
template <class Emit>
void EncodeTwoPass(std::string* out, size_t cache_hint, Emit&& emit) {
  std::vector<uint32_t> cache;
  cache.reserve(cache_hint);
  Sizer sizer(&cache);
  emit(sizer);
  size_t old = out->size();
  out->resize(old + sizer.size());
  uint8_t* begin = reinterpret_cast<uint8_t*>(out->data()) + old;
  Writer writer(begin, cache.data());
  emit(writer);
  assert(writer.pos() == begin + sizer.size());
}

}  // namespace otter::otlp::wire
