// OTLP protobuf decoding: entry points, error reporting, primitives, the common messages and
// the trace and log signals (metrics are in proto_decode_metrics.cc).
//
// Ids: the Go collector (pdata's TraceID/SpanID UnmarshalProto) accepts an empty id as the
// all-zero id and rejects any other length that is not exact; it does not reject spans whose
// trace_id/span_id are missing or all-zero. We do the same, so that otter accepts what the
// reference collector accepts and a pipeline of both behaves the same. Validating ids (the spec
// calls all-zero ids invalid) is left to processors that care.
#include <cstdio>

#include "otlp/proto_codec.h"
#include "otlp/proto_decode_internal.h"

namespace otter::otlp {
namespace internal {

using wire::kI32;
using wire::kI64;
using wire::kLen;
using wire::kVarint;
using wire::Tag;

namespace {

const char* WireTypeName(uint32_t t) {
  switch (t) {
    case kVarint:
      return "varint";
    case kI64:
      return "i64";
    case kLen:
      return "length-delimited";
    case wire::kStartGroup:
      return "start-group";
    case wire::kEndGroup:
      return "end-group";
    case kI32:
      return "i32";
  }
  return "invalid";
}

}  // namespace

// ---- errors --------------------------------------------------------------------------------

void ProtoDecoder::SetError(std::string what) {
  if (error_.empty()) error_ = std::move(what);
}

void ProtoDecoder::SetTruncated(Ptr at) {
  SetError("truncated message at byte " + std::to_string(at - base_));
}

void ProtoDecoder::SetBadVarint(Ptr at, Ptr end) {
  if (end - at >= 10) {
    SetError("malformed varint (more than 10 bytes) at byte " + std::to_string(at - base_));
  } else {
    SetTruncated(at);
  }
}

void ProtoDecoder::PushPath(const char* field) { path_.emplace_back(field); }

void ProtoDecoder::PushPath(const char* field, size_t index) {
  path_.push_back(std::string(field) + "[" + std::to_string(index) + "]");
}

void ProtoDecoder::SetIdSizeError(const char* field, size_t want, size_t got) {
  PushPath(field);
  SetError("must be " + std::to_string(want) + " bytes, got " + std::to_string(got));
}

Status ProtoDecoder::TakeError() {
  std::string msg;
  for (auto it = path_.rbegin(); it != path_.rend(); ++it) {
    if (!msg.empty()) msg += '.';
    msg += *it;
  }
  if (!msg.empty()) msg += ": ";
  msg += error_.empty() ? std::string("malformed message") : error_;
  path_.clear();
  error_.clear();
  return InvalidArgument(std::move(msg));
}

// ---- primitives ----------------------------------------------------------------------------

bool ProtoDecoder::ReadTagSlow(Ptr& p, Ptr end, uint32_t* tag) {
  Ptr at = p;
  uint64_t t;
  if (!wire::ReadVarint(p, end, &t)) return BadVarint(at, end);
  if (t > 0xffffffffu || (t >> 3) == 0) {
    return Fail("invalid field tag " + std::to_string(t) + " at byte " +
                std::to_string(at - base_));
  }
  *tag = static_cast<uint32_t>(t);
  return true;
}

bool ProtoDecoder::SkipOrReject(Ptr& p, Ptr end, uint32_t tag, const FieldInfo* fields, size_t n) {
  uint32_t number = wire::FieldOf(tag);
  uint32_t type = wire::WireTypeOf(tag);
  for (size_t i = 0; i < n; ++i) {
    if (fields[i].number == number) {
      if (fields[i].type == type) break;  // known but not modelled (e.g. entity_refs): skip
      return FieldError(fields[i].name, std::string("wrong wire type ") + WireTypeName(type) +
                                            ", expected " + WireTypeName(fields[i].type));
    }
  }
  if (type == wire::kStartGroup || type == wire::kEndGroup) {
    return Fail("unsupported group (wire type " + std::to_string(type) + ") in field " +
                std::to_string(number));
  }
  if (type > kI32) {
    return Fail("invalid wire type " + std::to_string(type) + " in field " +
                std::to_string(number));
  }
  Ptr at = p;
  if (!SkipValue(p, end, tag)) return Truncated(at);
  return true;
}

bool ProtoDecoder::PackedFixed64(Ptr& p, Ptr end, uint32_t tag, std::vector<uint64_t>& out,
                                 const char* field) {
  if (wire::WireTypeOf(tag) == kI64) {
    uint64_t v;
    if (!Fixed64(p, end, &v)) return false;
    out.push_back(v);
    return true;
  }
  Ptr sub_end;
  if (!Sub(p, end, &sub_end)) return false;
  size_t len = static_cast<size_t>(sub_end - p);
  if (len % 8 != 0) {
    return FieldError(field, "packed length " + std::to_string(len) + " is not a multiple of 8");
  }
  size_t old = out.size();
  out.resize(old + len / 8);
  if (len) std::memcpy(out.data() + old, p, len);
  p = sub_end;
  return true;
}

bool ProtoDecoder::PackedDouble(Ptr& p, Ptr end, uint32_t tag, std::vector<double>& out,
                                const char* field) {
  if (wire::WireTypeOf(tag) == kI64) {
    double v;
    if (!Double(p, end, &v)) return false;
    out.push_back(v);
    return true;
  }
  Ptr sub_end;
  if (!Sub(p, end, &sub_end)) return false;
  size_t len = static_cast<size_t>(sub_end - p);
  if (len % 8 != 0) {
    return FieldError(field, "packed length " + std::to_string(len) + " is not a multiple of 8");
  }
  size_t old = out.size();
  out.resize(old + len / 8);
  if (len) std::memcpy(out.data() + old, p, len);
  p = sub_end;
  return true;
}

bool ProtoDecoder::PackedVarint(Ptr& p, Ptr end, uint32_t tag, std::vector<uint64_t>& out) {
  uint64_t v;
  if (wire::WireTypeOf(tag) == kVarint) {
    if (!Varint(p, end, &v)) return false;
    out.push_back(v);
    return true;
  }
  Ptr sub_end;
  if (!Sub(p, end, &sub_end)) return false;
  size_t n = 0;  // every varint ends with exactly one byte below 0x80
  for (Ptr q = p; q < sub_end; ++q) n += *q < 0x80;
  out.reserve(out.size() + n);
  while (p < sub_end) {
    if (!Varint(p, sub_end, &v)) return false;
    out.push_back(v);
  }
  return true;
}

// ---- common messages -----------------------------------------------------------------------

namespace {

using AnyType = pdata::AnyValue::Type;

// Oneof semantics: setting a different member clears the previous one; setting the same
// message member again merges into it (so arrays/kvlists append).
[[gnu::always_inline]] inline void Become(pdata::AnyValue& v, AnyType t) {
  if (v.type == t) return;
  if (v.type == AnyType::kArray) v.array_value.clear();
  if (v.type == AnyType::kKvList) v.kvlist_value.clear();
  v.type = t;
}

constexpr FieldInfo kAnyValueFields[] = {
    {1, kLen, "string_value"}, {2, kVarint, "bool_value"},
    {3, kVarint, "int_value"}, {4, kI64, "double_value"},
    {5, kLen, "array_value"},  {6, kLen, "kvlist_value"},
    {7, kLen, "bytes_value"},  {8, kVarint, "string_value_strindex"},
};
constexpr FieldInfo kListFields[] = {{1, kLen, "values"}};
constexpr FieldInfo kKeyValueFields[] = {
    {1, kLen, "key"}, {2, kLen, "value"}, {3, kVarint, "key_strindex"}};
constexpr FieldInfo kResourceFields[] = {
    {1, kLen, "attributes"}, {2, kVarint, "dropped_attributes_count"}, {3, kLen, "entity_refs"}};
constexpr FieldInfo kScopeFields[] = {{1, kLen, "name"},
                                      {2, kLen, "version"},
                                      {3, kLen, "attributes"},
                                      {4, kVarint, "dropped_attributes_count"}};

}  // namespace

bool ProtoDecoder::AnyValue(Ptr p, Ptr end, pdata::AnyValue& v, int depth) {
  if (depth > kMaxAnyValueDepth) {
    return Fail("AnyValue nesting deeper than " + std::to_string(kMaxAnyValueDepth) + " levels");
  }
  while (p < end) {
    uint32_t tag;
    if (!ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kLen):
        Become(v, AnyType::kString);
        if (!Str(p, end, &v.string_value)) return false;
        break;
      case Tag(2, kVarint): {
        uint64_t x;
        if (!Varint(p, end, &x)) return false;
        Become(v, AnyType::kBool);
        v.bool_value = x != 0;
        break;
      }
      case Tag(3, kVarint): {
        uint64_t x;
        if (!Varint(p, end, &x)) return false;
        Become(v, AnyType::kInt);
        v.int_value = static_cast<int64_t>(x);
        break;
      }
      case Tag(4, kI64):
        Become(v, AnyType::kDouble);
        if (!Double(p, end, &v.double_value)) return false;
        break;
      case Tag(5, kLen): {
        Ptr sub_end;
        if (!Sub(p, end, &sub_end)) return false;
        Become(v, AnyType::kArray);
        v.array_value.reserve(v.array_value.size() + CountTag(p, sub_end, Tag(1, kLen)));
        for (Ptr q = p; q < sub_end;) {
          if (!ReadTag(q, sub_end, &tag)) return In("array_value");
          if (tag != Tag(1, kLen)) {
            if (!Other(q, sub_end, tag, kListFields)) return In("array_value");
            continue;
          }
          Ptr el_end;
          if (!Sub(q, sub_end, &el_end)) return In("array_value");
          auto& el = v.array_value.emplace_back();
          if (!AnyValue(q, el_end, el, depth + 1)) {
            In("values", v.array_value.size() - 1);
            return In("array_value");
          }
          q = el_end;
        }
        if (watched_) WatchCount(v.array_value.size(), watched_->max_array_length);
        p = sub_end;
        break;
      }
      case Tag(6, kLen): {
        Ptr sub_end;
        if (!Sub(p, end, &sub_end)) return false;
        Become(v, AnyType::kKvList);
        v.kvlist_value.reserve(v.kvlist_value.size() + CountTag(p, sub_end, Tag(1, kLen)));
        for (Ptr q = p; q < sub_end;) {
          if (!ReadTag(q, sub_end, &tag)) return In("kvlist_value");
          if (tag != Tag(1, kLen)) {
            if (!Other(q, sub_end, tag, kListFields)) return In("kvlist_value");
            continue;
          }
          Ptr el_end;
          if (!Sub(q, sub_end, &el_end)) return In("kvlist_value");
          auto& el = v.kvlist_value.emplace_back();
          if (!KeyValue(q, el_end, el, depth)) {
            In("values", v.kvlist_value.size() - 1);
            return In("kvlist_value");
          }
          q = el_end;
        }
        if (watched_) WatchCount(v.kvlist_value.size(), watched_->max_array_length);
        p = sub_end;
        break;
      }
      case Tag(7, kLen):
        Become(v, AnyType::kBytes);
        if (!Bytes(p, end, &v.string_value)) return false;
        break;
      case Tag(8, kVarint): {
        // Profiles-only string-table index: a non-profile signal treats the value as absent.
        uint64_t x;
        if (!Varint(p, end, &x)) return false;
        Become(v, AnyType::kEmpty);
        break;
      }
      default:
        if (!Other(p, end, tag, kAnyValueFields)) return false;
    }
  }
  return true;
}

bool ProtoDecoder::KeyValue(Ptr p, Ptr end, pdata::KeyValue& kv, int depth) {
  while (p < end) {
    uint32_t tag;
    if (!ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kLen):
        if (!Str(p, end, &kv.key)) return false;
        break;
      case Tag(2, kLen): {
        Ptr sub_end;
        if (!Sub(p, end, &sub_end)) return false;
        if (!AnyValue(p, sub_end, kv.value, depth + 1)) return In("value");
        p = sub_end;
        break;
      }
      case Tag(3, kVarint): {  // key_strindex: profiles only, ignored
        uint64_t x;
        if (!Varint(p, end, &x)) return false;
        break;
      }
      default:
        if (!Other(p, end, tag, kKeyValueFields)) return false;
    }
  }
  return true;
}

bool ProtoDecoder::Attribute(Ptr& p, Ptr end, pdata::Attributes& attrs, const char* field) {
  Ptr sub_end;
  if (!Sub(p, end, &sub_end)) return false;
  auto& kv = attrs.emplace_back();
  if (!KeyValue(p, sub_end, kv, 0)) return In(field, attrs.size() - 1);
  if (watched_) WatchCount(attrs.size(), watched_->max_attributes);
  p = sub_end;
  return true;
}

bool ProtoDecoder::Resource(Ptr p, Ptr end, pdata::Resource& r) {
  r.attributes.reserve(r.attributes.size() + CountTag(p, end, Tag(1, kLen)));
  while (p < end) {
    uint32_t tag;
    if (!ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kLen):
        if (!Attribute(p, end, r.attributes, "attributes")) return false;
        break;
      case Tag(2, kVarint):
        if (!U32(p, end, &r.dropped_attributes_count)) return false;
        break;
      default:  // entity_refs (3) is not modelled: skipped like an unknown field
        if (!Other(p, end, tag, kResourceFields)) return false;
    }
  }
  return true;
}

bool ProtoDecoder::Scope(Ptr p, Ptr end, pdata::InstrumentationScope& s) {
  while (p < end) {
    uint32_t tag;
    if (!ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kLen):
        if (!Str(p, end, &s.name)) return false;
        break;
      case Tag(2, kLen):
        if (!Str(p, end, &s.version)) return false;
        break;
      case Tag(3, kLen):
        if (!Attribute(p, end, s.attributes, "attributes")) return false;
        break;
      case Tag(4, kVarint):
        if (!U32(p, end, &s.dropped_attributes_count)) return false;
        break;
      default:
        if (!Other(p, end, tag, kScopeFields)) return false;
    }
  }
  return true;
}

}  // namespace internal

// ---- entry points ------------------------------------------------------------------------------

namespace {

template <class Batch, class Fn>
Status DecodeInto(std::string_view bytes, Batch& out, Fn decode,
                  const internal::WatchedLimits* watched = nullptr, bool* over_limits = nullptr) {
  internal::ProtoDecoder d(bytes);
  d.Watch(watched);
  const uint8_t* p = wire::AsBytes(bytes.data());
  std::string_view wire = out.wire();
  auto& resources = out.resources();
  size_t old = resources.size();
  if ((d.*decode)(p, p + bytes.size(), resources)) {
    if (over_limits) *over_limits = d.over_limits();
    return Status::Ok();
  }
  resources.resize(old);
  out.set_wire(wire);
  return d.TakeError();
}

template <class Batch, class Fn>
StatusOr<Batch> DecodeOwned(std::string body, Fn decode,
                            const internal::WatchedLimits* watched = nullptr,
                            bool* over_limits = nullptr) {
  Batch batch;
  std::string_view bytes =
      body.empty() ? std::string_view() : batch.arenas().Adopt(std::move(body));
  Status s = DecodeInto(bytes, batch, decode, watched, over_limits);
  if (!s.ok()) return s;
  batch.set_wire(bytes);  // the body is the request's encoding: consumers may reuse it
  return batch;
}

}  // namespace

Status DecodeTracesInto(std::string_view bytes, pdata::TraceBatch& out) {
  return DecodeInto(bytes, out, &internal::ProtoDecoder::TracesRequest);
}
Status DecodeMetricsInto(std::string_view bytes, pdata::MetricBatch& out) {
  return DecodeInto(bytes, out, &internal::ProtoDecoder::MetricsRequest);
}
Status DecodeLogsInto(std::string_view bytes, pdata::LogBatch& out) {
  return DecodeInto(bytes, out, &internal::ProtoDecoder::LogsRequest);
}

StatusOr<pdata::TraceBatch> DecodeTraces(std::string body) {
  return DecodeOwned<pdata::TraceBatch>(std::move(body), &internal::ProtoDecoder::TracesRequest);
}
StatusOr<pdata::MetricBatch> DecodeMetrics(std::string body) {
  return DecodeOwned<pdata::MetricBatch>(std::move(body), &internal::ProtoDecoder::MetricsRequest);
}
StatusOr<pdata::LogBatch> DecodeLogs(std::string body) {
  return DecodeOwned<pdata::LogBatch>(std::move(body), &internal::ProtoDecoder::LogsRequest);
}

namespace internal {

StatusOr<pdata::TraceBatch> DecodeTracesWatching(std::string body, const WatchedLimits& limits,
                                                 bool* over_limits) {
  return DecodeOwned<pdata::TraceBatch>(std::move(body), &ProtoDecoder::TracesRequest, &limits,
                                        over_limits);
}
StatusOr<pdata::MetricBatch> DecodeMetricsWatching(std::string body, const WatchedLimits& limits,
                                                   bool* over_limits) {
  return DecodeOwned<pdata::MetricBatch>(std::move(body), &ProtoDecoder::MetricsRequest, &limits,
                                         over_limits);
}
StatusOr<pdata::LogBatch> DecodeLogsWatching(std::string body, const WatchedLimits& limits,
                                             bool* over_limits) {
  return DecodeOwned<pdata::LogBatch>(std::move(body), &ProtoDecoder::LogsRequest, &limits,
                                      over_limits);
}

}  // namespace internal

}  // namespace otter::otlp
