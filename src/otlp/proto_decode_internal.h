// The OTLP protobuf decoder's machinery: error/path bookkeeping, field helpers and the decoders
// for common messages (AnyValue, KeyValue, Resource, InstrumentationScope). The signal-specific
// decoders live in proto_decode_{traces,metrics,logs}.cc and the entry points in
// proto_decode.cc. A ProtoDecoder decodes one request on one thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "otlp/proto_wire.h"
#include "otlp/utf8.h"
#include "pdata/batch.h"

namespace otter::otlp::internal {

// What the receivers' per-item limits (otlp/item_limits.h) would change, watched while decoding
// so that a request within them needs no second walk.
struct WatchedLimits {
  uint32_t max_attributes;
  uint32_t max_array_length;
  uint32_t max_string_length;
  bool utf8;
};

// Names known fields so that a known field with the wrong wire type is reported by name (and an
// unknown field is skipped).
struct FieldInfo {
  uint32_t number;
  wire::WireType type;
  const char* name;
};

class ProtoDecoder {
 public:
  using Ptr = const uint8_t*;

  // `whole` is the full request; error messages give byte offsets relative to its start.
  explicit ProtoDecoder(std::string_view whole) : base_(wire::AsBytes(whole.data())) {}

  // Each decodes one request body (all of [p, end)) and appends to `out`.
  bool TracesRequest(Ptr p, Ptr end, std::vector<pdata::ResourceSpans>& out);
  bool MetricsRequest(Ptr p, Ptr end, std::vector<pdata::ResourceMetrics>& out);
  bool LogsRequest(Ptr p, Ptr end, std::vector<pdata::ResourceLogs>& out);
  // The request level every signal shares: each field 1 (a Resource{Spans,Metrics,Logs}) goes
  // to `resource(begin, end)`; other fields are checked against `fields` and skipped.
  template <size_t N, class Resource>
  bool EachResource(Ptr p, Ptr end, const FieldInfo (&fields)[N], Resource&& resource) {
    while (p < end) {
      uint32_t tag;
      if (!ReadTag(p, end, &tag)) return false;
      if (tag != wire::Tag(1, wire::kLen)) {
        if (!Other(p, end, tag, fields)) return false;
        continue;
      }
      Ptr sub_end;
      if (!Sub(p, end, &sub_end) || !resource(p, sub_end)) return false;
      p = sub_end;
    }
    return true;
  }
  // Walks a logs request exactly as LogsRequest decodes it (the same field functions, so it
  // accepts the same input and notes the same limits), decoding each resource, scope and record
  // into one reused object instead of building a batch; *records: the log record count.
  bool CountLogsRequest(Ptr p, Ptr end, size_t* records);

  // After a decoder returned false: InvalidArgument("<path>: <what went wrong>").
  Status TakeError();

  // From now on, notes (over_limits()) any text field, attribute list or array / kvlist value
  // that `limits` would change: strings read by Str (not bytes or ids), attribute lists read by
  // Attribute, and AnyValue arrays and kvlists. `limits` must outlive the decoder.
  void Watch(const WatchedLimits* limits) { watched_ = limits; }
  bool over_limits() const { return over_limits_; }

  // ---- used by the per-signal decoders ----

  // Error reporting. Each returns false so callers can `return Fail(...)`. The path is built
  // while unwinding: the innermost segment is pushed first.
  // (Inline wrappers so the compiler sees the constant false; the work is out of line.)
  bool Fail(std::string what) {
    SetError(std::move(what));
    return false;
  }
  bool Truncated(Ptr at) {
    SetTruncated(at);
    return false;
  }
  bool FieldError(const char* field, std::string what) {
    PushPath(field);
    SetError(std::move(what));
    return false;
  }
  bool In(const char* field) {
    PushPath(field);
    return false;
  }
  bool In(const char* field, size_t index) {
    PushPath(field, index);
    return false;
  }

  [[gnu::always_inline]] bool ReadTag(Ptr& p, Ptr end, uint32_t* tag) {
    if (p < end && *p < 0x80 && *p >= 8) [[likely]] {
      *tag = *p++;
      return true;
    }
    return ReadTagSlow(p, end, tag);
  }
  [[gnu::always_inline]] bool Varint(Ptr& p, Ptr end, uint64_t* v) {
    Ptr at = p;
    if (wire::ReadVarint(p, end, v)) [[likely]]
      return true;
    return BadVarint(at, end);
  }
  // A varint that could not be read: truncated, or longer than ten bytes.
  bool BadVarint(Ptr at, Ptr end) {
    SetBadVarint(at, end);
    return false;
  }
  [[gnu::always_inline]] bool U32(Ptr& p, Ptr end, uint32_t* v) {
    uint64_t x;
    if (!Varint(p, end, &x)) return false;
    *v = static_cast<uint32_t>(x);
    return true;
  }
  // int32 and enum fields: sign-extended varints, truncated to 32 bits as protobuf does.
  [[gnu::always_inline]] bool I32(Ptr& p, Ptr end, int32_t* v) {
    uint64_t x;
    if (!Varint(p, end, &x)) return false;
    *v = static_cast<int32_t>(static_cast<uint32_t>(x));
    return true;
  }
  [[gnu::always_inline]] bool Fixed64(Ptr& p, Ptr end, uint64_t* v) {
    if (wire::ReadFixed64(p, end, v)) [[likely]]
      return true;
    return Truncated(p);
  }
  [[gnu::always_inline]] bool Fixed32(Ptr& p, Ptr end, uint32_t* v) {
    if (wire::ReadFixed32(p, end, v)) [[likely]]
      return true;
    return Truncated(p);
  }
  [[gnu::always_inline]] bool Double(Ptr& p, Ptr end, double* v) {
    uint64_t bits;
    if (!Fixed64(p, end, &bits)) return false;
    *v = wire::BitsToDouble(bits);
    return true;
  }
  // A length-delimited field: the payload is [p, *sub_end) on return; the caller sets p = *sub_end
  // once it has consumed it.
  [[gnu::always_inline]] bool Sub(Ptr& p, Ptr end, Ptr* sub_end) {
    Ptr at = p;
    uint64_t len;
    if (!wire::ReadVarint(p, end, &len)) [[unlikely]]
      return BadVarint(at, end);
    if (len > static_cast<uint64_t>(end - p)) [[unlikely]]
      return Truncated(at);
    *sub_end = p + len;
    return true;
  }
  // A bytes field (also: ids, AnyValue.bytes_value).
  [[gnu::always_inline]] bool Bytes(Ptr& p, Ptr end, std::string_view* s) {
    Ptr sub_end;
    if (!Sub(p, end, &sub_end)) return false;
    *s = std::string_view(wire::AsChars(p), static_cast<size_t>(sub_end - p));
    p = sub_end;
    return true;
  }
  // A string field: text, checked against the watched limits.
  [[gnu::always_inline]] bool Str(Ptr& p, Ptr end, std::string_view* s) {
    if (!Bytes(p, end, s)) return false;
    if (watched_) WatchText(*s);
    return true;
  }
  [[gnu::always_inline]] void WatchText(std::string_view s) {
    if (s.size() > watched_->max_string_length || (watched_->utf8 && !IsValidUtf8(s)))
      over_limits_ = true;
  }
  [[gnu::always_inline]] void WatchCount(size_t n, uint32_t max) {
    if (watched_ && n > max) over_limits_ = true;
  }
  // An id field: exactly N bytes, or empty (decodes to the all-zero id, i.e. absent).
  template <size_t N>
  [[gnu::always_inline]] bool Id(Ptr& p, Ptr end, pdata::Id<N>& id, const char* field) {
    std::string_view b;
    if (!Bytes(p, end, &b)) return false;
    if (b.size() == N) [[likely]] {
      std::memcpy(id.bytes.data(), b.data(), N);
      return true;
    }
    if (b.empty()) {
      id = {};
      return true;
    }
    return IdSizeError(field, N, b.size());
  }
  // Packed (LEN) or one unpacked element of a repeated fixed64 / double field.
  bool PackedFixed64(Ptr& p, Ptr end, uint32_t tag, std::vector<uint64_t>& out, const char* field);
  bool PackedDouble(Ptr& p, Ptr end, uint32_t tag, std::vector<double>& out, const char* field);
  bool PackedVarint(Ptr& p, Ptr end, uint32_t tag, std::vector<uint64_t>& out);

  // An unexpected tag: a known field with the wrong wire type is an error naming the field;
  // anything else is skipped (groups and invalid wire types are errors).
  template <size_t N>
  bool Other(Ptr& p, Ptr end, uint32_t tag, const FieldInfo (&fields)[N]) {
    return SkipOrReject(p, end, tag, fields, N);
  }
  // Same, with only the first `n` entries of `fields` known.
  bool Other(Ptr& p, Ptr end, uint32_t tag, const FieldInfo* fields, size_t n) {
    return SkipOrReject(p, end, tag, fields, n);
  }

  // Common messages. `depth` counts the AnyValues enclosing the one being decoded.
  bool AnyValue(Ptr p, Ptr end, pdata::AnyValue& v, int depth);
  // Fast paths for walks that check a request without keeping it: an AnyValue (merged into `v`
  // as AnyValue would) or a KeyValue (into `kv`, whose value must hold no array / kvlist) made of
  // scalar fields only, read without reporting anything: false when the message holds anything
  // else or is malformed, and the caller then decodes it with AnyValue / KeyValue, which report
  // errors. Texts are watched as Str does; all of them are texts the full decoder watches too.
  [[gnu::always_inline]] bool ScalarAnyValue(Ptr p, Ptr end, pdata::AnyValue& v) {
    using Type = pdata::AnyValue::Type;
    while (p < end) {
      const uint8_t tag = *p++;
      uint64_t x;
      size_t len;
      switch (tag) {
        case wire::Tag(1, wire::kLen):
        case wire::Tag(7, wire::kLen): {
          if (!wire::ReadLength(p, end, &len)) return false;
          std::string_view text(wire::AsChars(p), len);
          p += len;
          const Type t = tag == wire::Tag(1, wire::kLen) ? Type::kString : Type::kBytes;
          ClearMessages(v, t);
          v.type = t;
          v.string_value = text;
          if (t == Type::kString && watched_) WatchText(text);
          break;
        }
        case wire::Tag(2, wire::kVarint):
          if (!wire::ReadVarint(p, end, &x)) return false;
          ClearMessages(v, Type::kBool);
          v.type = Type::kBool;
          v.bool_value = x != 0;
          break;
        case wire::Tag(3, wire::kVarint):
          if (!wire::ReadVarint(p, end, &x)) return false;
          ClearMessages(v, Type::kInt);
          v.type = Type::kInt;
          v.int_value = static_cast<int64_t>(x);
          break;
        case wire::Tag(4, wire::kI64):
          if (!wire::ReadFixed64(p, end, &x)) return false;
          ClearMessages(v, Type::kDouble);
          v.type = Type::kDouble;
          v.double_value = wire::BitsToDouble(x);
          break;
        default:
          return false;
      }
    }
    return true;
  }
  [[gnu::always_inline]] bool ScalarKeyValue(Ptr p, Ptr end, pdata::KeyValue& kv) {
    while (p < end) {
      const uint8_t tag = *p++;
      size_t len;
      if (tag != wire::Tag(1, wire::kLen) && tag != wire::Tag(2, wire::kLen)) return false;
      if (!wire::ReadLength(p, end, &len)) return false;
      if (tag == wire::Tag(1, wire::kLen)) {
        kv.key = std::string_view(wire::AsChars(p), len);
        if (watched_) WatchText(kv.key);
      } else if (!ScalarAnyValue(p, p + len, kv.value)) {
        return false;
      }
      p += len;
    }
    return true;
  }
  // Notes an item with `n` attributes, as Attribute does for each one it appends.
  void WatchAttributeCount(size_t n) {
    if (watched_) WatchCount(n, watched_->max_attributes);
  }
  bool KeyValue(Ptr p, Ptr end, pdata::KeyValue& kv, int depth);
  // A KeyValue list field: appends one decoded KeyValue; on error reports "<field>[i]".
  bool Attribute(Ptr& p, Ptr end, pdata::Attributes& attrs, const char* field);
  bool Resource(Ptr p, Ptr end, pdata::Resource& r);
  bool Scope(Ptr p, Ptr end, pdata::InstrumentationScope& s);

  // Skips one value of the tag's wire type; false on truncation, groups or invalid types.
  static bool SkipValue(Ptr& p, Ptr end, uint32_t tag) {
    switch (wire::WireTypeOf(tag)) {
      case wire::kVarint: {
        uint64_t v;
        return wire::ReadVarint(p, end, &v);
      }
      case wire::kI64:
        if (end - p < 8) return false;
        p += 8;
        return true;
      case wire::kLen: {
        size_t len;
        if (!wire::ReadLength(p, end, &len)) return false;
        p += len;
        return true;
      }
      case wire::kI32:
        if (end - p < 4) return false;
        p += 4;
        return true;
      default:
        return false;
    }
  }

  // Best-effort pre-pass used only to reserve vectors: counts the fields with tag `tags[i]` in
  // [p, end), stopping quietly at anything malformed (the real pass reports it).
  template <size_t N>
  static void CountTags(Ptr p, Ptr end, const uint32_t (&tags)[N], size_t (&counts)[N]) {
    for (size_t& c : counts) c = 0;
    while (p < end) {
      uint64_t tag;
      if (!wire::ReadVarint(p, end, &tag)) return;
      for (size_t i = 0; i < N; ++i) counts[i] += tag == tags[i];
      if (!SkipValue(p, end, static_cast<uint32_t>(tag))) return;
    }
  }
  static size_t CountTag(Ptr p, Ptr end, uint32_t tag) {
    const uint32_t tags[1] = {tag};
    size_t counts[1];
    CountTags(p, end, tags, counts);
    return counts[0];
  }

 private:
  // AnyValue's oneof: a scalar replacing an array or kvlist member clears it.
  [[gnu::always_inline]] static void ClearMessages(pdata::AnyValue& v, pdata::AnyValue::Type t) {
    if (v.type == t) return;
    if (v.type == pdata::AnyValue::Type::kArray) v.array_value.clear();
    if (v.type == pdata::AnyValue::Type::kKvList) v.kvlist_value.clear();
  }
  bool ReadTagSlow(Ptr& p, Ptr end, uint32_t* tag);
  bool SkipOrReject(Ptr& p, Ptr end, uint32_t tag, const FieldInfo* fields, size_t n);
  bool IdSizeError(const char* field, size_t want, size_t got) {
    SetIdSizeError(field, want, got);
    return false;
  }
  [[gnu::cold, gnu::noinline]] void SetError(std::string what);
  [[gnu::cold, gnu::noinline]] void SetTruncated(Ptr at);
  [[gnu::cold, gnu::noinline]] void SetBadVarint(Ptr at, Ptr end);
  [[gnu::cold, gnu::noinline]] void PushPath(const char* field);
  [[gnu::cold, gnu::noinline]] void PushPath(const char* field, size_t index);
  [[gnu::cold, gnu::noinline]] void SetIdSizeError(const char* field, size_t want, size_t got);

  Ptr base_;
  const WatchedLimits* watched_ = nullptr;
  bool over_limits_ = false;
  std::string error_;
  std::vector<std::string> path_;  // innermost first
};

// DecodeTraces / DecodeMetrics / DecodeLogs watching `limits`: *over_limits says whether the
// decoded batch has anything they would change (otlp/item_limits.h applies them).
StatusOr<pdata::TraceBatch> DecodeTracesWatching(std::string body, const WatchedLimits& limits,
                                                 bool* over_limits);
StatusOr<pdata::MetricBatch> DecodeMetricsWatching(std::string body, const WatchedLimits& limits,
                                                   bool* over_limits);
// CountTraces (the walk a receiver runs over a traces request it passes on undecoded) watching
// `limits`: *over_limits says whether DecodeTracesWatching would note anything (it reads every
// field with the same functions).
std::optional<size_t> CountTracesWatching(std::string_view bytes, const WatchedLimits& limits,
                                          bool* over_limits);
StatusOr<pdata::LogBatch> DecodeLogsWatching(std::string body, const WatchedLimits& limits,
                                             bool* over_limits);

}  // namespace otter::otlp::internal
