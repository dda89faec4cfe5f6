// OTLP protobuf decoding of ExportLogsServiceRequest (== LogsData) into pdata logs.
#include "otlp/proto_decode_internal.h"

namespace otter::otlp::internal {
namespace {

using wire::kI32;
using wire::kI64;
using wire::kLen;
using wire::kVarint;
using wire::Tag;
using Ptr = ProtoDecoder::Ptr;

constexpr FieldInfo kRequestFields[] = {{1, kLen, "resource_logs"}};
constexpr FieldInfo kResourceLogsFields[] = {
    {1, kLen, "resource"}, {2, kLen, "scope_logs"}, {3, kLen, "schema_url"}};
constexpr FieldInfo kScopeLogsFields[] = {
    {1, kLen, "scope"}, {2, kLen, "log_records"}, {3, kLen, "schema_url"}};
constexpr FieldInfo kLogRecordFields[] = {
    {1, kI64, "time_unix_nano"}, {2, kVarint, "severity_number"},
    {3, kLen, "severity_text"},  {5, kLen, "body"},
    {6, kLen, "attributes"},     {7, kVarint, "dropped_attributes_count"},
    {8, kI32, "flags"},          {9, kLen, "trace_id"},
    {10, kLen, "span_id"},       {11, kI64, "observed_time_unix_nano"},
    {12, kLen, "event_name"},
};

// The fields of a LogRecord, shared by the decoder and the counting walk: `attr(p, end)` reads
// one attributes entry at p, `body(begin, end)` the body's AnyValue.
template <class Attr, class Body>
bool LogRecordFields(ProtoDecoder& d, Ptr p, Ptr end, pdata::LogRecord& r, Attr&& attr,
                     Body&& body) {
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kI64):
        if (!d.Fixed64(p, end, &r.time_unix_nano)) return false;
        break;
      case Tag(2, kVarint):
        if (!d.I32(p, end, &r.severity_number)) return false;
        break;
      case Tag(3, kLen):
        if (!d.Str(p, end, &r.severity_text)) return false;
        break;
      case Tag(5, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        if (!body(p, sub_end)) return d.In("body");
        p = sub_end;
        break;
      }
      case Tag(6, kLen):
        if (!attr(p, end)) return false;
        break;
      case Tag(7, kVarint):
        if (!d.U32(p, end, &r.dropped_attributes_count)) return false;
        break;
      case Tag(8, kI32):
        if (!d.Fixed32(p, end, &r.flags)) return false;
        break;
      case Tag(9, kLen):
        if (!d.Id(p, end, r.trace_id, "trace_id")) return false;
        break;
      case Tag(10, kLen):
        if (!d.Id(p, end, r.span_id, "span_id")) return false;
        break;
      case Tag(11, kI64):
        if (!d.Fixed64(p, end, &r.observed_time_unix_nano)) return false;
        break;
      case Tag(12, kLen):
        if (!d.Str(p, end, &r.event_name)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kLogRecordFields)) return false;
    }
  }
  return true;
}

bool DecodeLogRecord(ProtoDecoder& d, Ptr p, Ptr end, pdata::LogRecord& r) {
  r.attributes.reserve(r.attributes.size() + ProtoDecoder::CountTag(p, end, Tag(6, kLen)));
  return LogRecordFields(
      d, p, end, r,
      [&](Ptr& q, Ptr q_end) { return d.Attribute(q, q_end, r.attributes, "attributes"); },
      [&](Ptr b, Ptr e) { return d.AnyValue(b, e, r.body, 1); });
}

bool DecodeScopeLogs(ProtoDecoder& d, Ptr p, Ptr end, pdata::ScopeLogs& sl) {
  sl.log_records.reserve(sl.log_records.size() + ProtoDecoder::CountTag(p, end, Tag(2, kLen)));
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        if (!d.Scope(p, sub_end, sl.scope)) return d.In("scope");
        p = sub_end;
        break;
      }
      case Tag(2, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        auto& r = sl.log_records.emplace_back();
        if (!DecodeLogRecord(d, p, sub_end, r)) {
          return d.In("log_records", sl.log_records.size() - 1);
        }
        p = sub_end;
        break;
      }
      case Tag(3, kLen):
        if (!d.Str(p, end, &sl.schema_url)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kScopeLogsFields)) return false;
    }
  }
  return true;
}

bool DecodeResourceLogs(ProtoDecoder& d, Ptr p, Ptr end, pdata::ResourceLogs& rl) {
  rl.scope_logs.reserve(rl.scope_logs.size() + ProtoDecoder::CountTag(p, end, Tag(2, kLen)));
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        if (!d.Resource(p, sub_end, rl.resource)) return d.In("resource");
        p = sub_end;
        break;
      }
      case Tag(2, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        auto& sl = rl.scope_logs.emplace_back();
        if (!DecodeScopeLogs(d, p, sub_end, sl)) {
          return d.In("scope_logs", rl.scope_logs.size() - 1);
        }
        p = sub_end;
        break;
      }
      case Tag(3, kLen):
        if (!d.Str(p, end, &rl.schema_url)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kResourceLogsFields)) return false;
    }
  }
  return true;
}

// The walk behind CountLogsRequest: DecodeResourceLogs and DecodeScopeLogs with one reused
// resource, scope and record.
struct LogsCounter {
  ProtoDecoder& d;
  pdata::Resource resource;
  pdata::InstrumentationScope scope;
  pdata::LogRecord record;  // its attributes stay empty: each one is read into `kv`
  pdata::KeyValue kv;
  std::string_view schema_url;
  size_t records = 0;

  // A ResourceLogs or ScopeLogs: field 1 (the resource or scope) to `own`, each field 2 (a
  // ScopeLogs or LogRecord) to `nested`, field 3 the schema URL.
  template <size_t N, class Own, class Nested>
  bool Message(Ptr p, Ptr end, const FieldInfo (&fields)[N], Own&& own, Nested&& nested) {
    while (p < end) {
      uint32_t tag;
      if (!d.ReadTag(p, end, &tag)) return false;
      Ptr sub_end;
      if (tag == Tag(1, kLen) || tag == Tag(2, kLen)) {
        if (!d.Sub(p, end, &sub_end)) return false;
        if (!(tag == Tag(1, kLen) ? own(p, sub_end) : nested(p, sub_end))) return false;
        p = sub_end;
      } else if (tag == Tag(3, kLen)) {
        if (!d.Str(p, end, &schema_url)) return false;
      } else if (!d.Other(p, end, tag, fields)) {
        return false;
      }
    }
    return true;
  }

  bool ResourceLogs(Ptr p, Ptr end) {
    return Message(
        p, end, kResourceLogsFields,
        [&](Ptr b, Ptr e) {
          resource = pdata::Resource{};
          return d.Resource(b, e, resource);
        },
        [&](Ptr b, Ptr e) { return ScopeLogs(b, e); });
  }

  bool ScopeLogs(Ptr p, Ptr end) {
    return Message(
        p, end, kScopeLogsFields,
        [&](Ptr b, Ptr e) {
          scope = pdata::InstrumentationScope{};
          return d.Scope(b, e, scope);
        },
        [&](Ptr b, Ptr e) {
          ++records;
          return Record(b, e);
        });
  }

  // A LogRecord as DecodeLogRecord reads it: a scalar attribute or body is checked where it
  // lies (ProtoDecoder::ScalarKeyValue), anything else decoded into `kv` or the body.
  bool Record(Ptr p, Ptr end) {
    if (!record.body.array_value.empty() || !record.body.kvlist_value.empty())
      record.body = pdata::AnyValue{};
    record.body.type = pdata::AnyValue::Type::kEmpty;
    size_t attributes = 0;
    auto attr = [&](Ptr& q, Ptr q_end) {
      Ptr sub_end;
      if (!d.Sub(q, q_end, &sub_end)) return false;
      if (!kv.value.array_value.empty() || !kv.value.kvlist_value.empty()) kv = pdata::KeyValue{};
      kv.key = {};
      kv.value.type = pdata::AnyValue::Type::kEmpty;
      if (!d.ScalarKeyValue(q, sub_end, kv)) {
        kv = pdata::KeyValue{};
        if (!d.KeyValue(q, sub_end, kv, 0)) return false;
      }
      ++attributes;
      q = sub_end;
      return true;
    };
    auto body = [&](Ptr b, Ptr e) {
      return d.ScalarAnyValue(b, e, record.body) || d.AnyValue(b, e, record.body, 1);
    };
    if (!LogRecordFields(d, p, end, record, attr, body)) return false;
    d.WatchAttributeCount(attributes);
    return true;
  }
};

}  // namespace

bool ProtoDecoder::CountLogsRequest(Ptr p, Ptr end, size_t* records) {
  LogsCounter c{*this, {}, {}, {}, {}, {}, 0};
  if (!EachResource(p, end, kRequestFields, [&](Ptr b, Ptr e) { return c.ResourceLogs(b, e); }))
    return false;
  *records = c.records;
  return true;
}

bool ProtoDecoder::LogsRequest(Ptr p, Ptr end, std::vector<pdata::ResourceLogs>& out) {
  size_t base = out.size();
  out.reserve(base + CountTag(p, end, Tag(1, kLen)));
  return EachResource(p, end, kRequestFields, [&](Ptr b, Ptr e) {
    return DecodeResourceLogs(*this, b, e, out.emplace_back()) ||
           In("resource_logs", out.size() - 1 - base);
  });
}

}  // namespace otter::otlp::internal
