// OTLP protobuf decoding of ExportTraceServiceRequest (== TracesData) into pdata traces.
#include "otlp/proto_decode_internal.h"

namespace otter::otlp::internal {
namespace {

using wire::kI32;
using wire::kI64;
using wire::kLen;
using wire::kVarint;
using wire::Tag;
using Ptr = ProtoDecoder::Ptr;

constexpr FieldInfo kRequestFields[] = {{1, kLen, "resource_spans"}};
constexpr FieldInfo kResourceSpansFields[] = {
    {1, kLen, "resource"}, {2, kLen, "scope_spans"}, {3, kLen, "schema_url"}};
constexpr FieldInfo kScopeSpansFields[] = {
    {1, kLen, "scope"}, {2, kLen, "spans"}, {3, kLen, "schema_url"}};
constexpr FieldInfo kSpanFields[] = {
    {1, kLen, "trace_id"},
    {2, kLen, "span_id"},
    {3, kLen, "trace_state"},
    {4, kLen, "parent_span_id"},
    {5, kLen, "name"},
    {6, kVarint, "kind"},
    {7, kI64, "start_time_unix_nano"},
    {8, kI64, "end_time_unix_nano"},
    {9, kLen, "attributes"},
    {10, kVarint, "dropped_attributes_count"},
    {11, kLen, "events"},
    {12, kVarint, "dropped_events_count"},
    {13, kLen, "links"},
    {14, kVarint, "dropped_links_count"},
    {15, kLen, "status"},
    {16, kI32, "flags"},
};
constexpr FieldInfo kEventFields[] = {{1, kI64, "time_unix_nano"},
                                      {2, kLen, "name"},
                                      {3, kLen, "attributes"},
                                      {4, kVarint, "dropped_attributes_count"}};
constexpr FieldInfo kLinkFields[] = {
    {1, kLen, "trace_id"},
    {2, kLen, "span_id"},
    {3, kLen, "trace_state"},
    {4, kLen, "attributes"},
    {5, kVarint, "dropped_attributes_count"},
    {6, kI32, "flags"},
};
constexpr FieldInfo kStatusFields[] = {{2, kLen, "message"}, {3, kVarint, "code"}};

bool DecodeEvent(ProtoDecoder& d, Ptr p, Ptr end, pdata::SpanEvent& e) {
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kI64):
        if (!d.Fixed64(p, end, &e.time_unix_nano)) return false;
        break;
      case Tag(2, kLen):
        if (!d.Str(p, end, &e.name)) return false;
        break;
      case Tag(3, kLen):
        if (!d.Attribute(p, end, e.attributes, "attributes")) return false;
        break;
      case Tag(4, kVarint):
        if (!d.U32(p, end, &e.dropped_attributes_count)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kEventFields)) return false;
    }
  }
  return true;
}

bool DecodeLink(ProtoDecoder& d, Ptr p, Ptr end, pdata::SpanLink& l) {
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kLen):
        if (!d.Id(p, end, l.trace_id, "trace_id")) return false;
        break;
      case Tag(2, kLen):
        if (!d.Id(p, end, l.span_id, "span_id")) return false;
        break;
      case Tag(3, kLen):
        if (!d.Str(p, end, &l.trace_state)) return false;
        break;
      case Tag(4, kLen):
        if (!d.Attribute(p, end, l.attributes, "attributes")) return false;
        break;
      case Tag(5, kVarint):
        if (!d.U32(p, end, &l.dropped_attributes_count)) return false;
        break;
      case Tag(6, kI32):
        if (!d.Fixed32(p, end, &l.flags)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kLinkFields)) return false;
    }
  }
  return true;
}

bool DecodeStatus(ProtoDecoder& d, Ptr p, Ptr end, pdata::SpanStatus& s) {
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(2, kLen):
        if (!d.Str(p, end, &s.message)) return false;
        break;
      case Tag(3, kVarint): {
        int32_t code;
        if (!d.I32(p, end, &code)) return false;
        s.code = static_cast<pdata::StatusCode>(code);
        break;
      }
      default:  // includes the reserved deprecated_code (1)
        if (!d.Other(p, end, tag, kStatusFields)) return false;
    }
  }
  return true;
}

bool DecodeSpan(ProtoDecoder& d, Ptr p, Ptr end, pdata::Span& s) {
  {
    static constexpr uint32_t kCounted[] = {Tag(9, kLen), Tag(11, kLen), Tag(13, kLen)};
    size_t n[3];
    ProtoDecoder::CountTags(p, end, kCounted, n);
    s.attributes.reserve(s.attributes.size() + n[0]);
    if (n[1]) s.events.reserve(s.events.size() + n[1]);
    if (n[2]) s.links.reserve(s.links.size() + n[2]);
  }
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kLen):
        if (!d.Id(p, end, s.trace_id, "trace_id")) return false;
        break;
      case Tag(2, kLen):
        if (!d.Id(p, end, s.span_id, "span_id")) return false;
        break;
      case Tag(3, kLen):
        if (!d.Str(p, end, &s.trace_state)) return false;
        break;
      case Tag(4, kLen):
        if (!d.Id(p, end, s.parent_span_id, "parent_span_id")) return false;
        break;
      case Tag(5, kLen):
        if (!d.Str(p, end, &s.name)) return false;
        break;
      case Tag(6, kVarint): {
        int32_t kind;
        if (!d.I32(p, end, &kind)) return false;
        s.kind = static_cast<pdata::SpanKind>(kind);
        break;
      }
      case Tag(7, kI64):
        if (!d.Fixed64(p, end, &s.start_time_unix_nano)) return false;
        break;
      case Tag(8, kI64):
        if (!d.Fixed64(p, end, &s.end_time_unix_nano)) return false;
        break;
      case Tag(9, kLen):
        if (!d.Attribute(p, end, s.attributes, "attributes")) return false;
        break;
      case Tag(10, kVarint):
        if (!d.U32(p, end, &s.dropped_attributes_count)) return false;
        break;
      case Tag(11, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        auto& e = s.events.emplace_back();
        if (!DecodeEvent(d, p, sub_end, e)) return d.In("events", s.events.size() - 1);
        p = sub_end;
        break;
      }
      case Tag(12, kVarint):
        if (!d.U32(p, end, &s.dropped_events_count)) return false;
        break;
      case Tag(13, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        auto& l = s.links.emplace_back();
        if (!DecodeLink(d, p, sub_end, l)) return d.In("links", s.links.size() - 1);
        p = sub_end;
        break;
      }
      case Tag(14, kVarint):
        if (!d.U32(p, end, &s.dropped_links_count)) return false;
        break;
      case Tag(15, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        if (!DecodeStatus(d, p, sub_end, s.status)) return d.In("status");
        p = sub_end;
        break;
      }
      case Tag(16, kI32):
        if (!d.Fixed32(p, end, &s.flags)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kSpanFields)) return false;
    }
  }
  return true;
}

bool DecodeScopeSpans(ProtoDecoder& d, Ptr p, Ptr end, pdata::ScopeSpans& ss) {
  ss.spans.reserve(ss.spans.size() + ProtoDecoder::CountTag(p, end, Tag(2, kLen)));
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        if (!d.Scope(p, sub_end, ss.scope)) return d.In("scope");
        p = sub_end;
        break;
      }
      case Tag(2, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        auto& s = ss.spans.emplace_back();
        if (!DecodeSpan(d, p, sub_end, s)) return d.In("spans", ss.spans.size() - 1);
        p = sub_end;
        break;
      }
      case Tag(3, kLen):
        if (!d.Str(p, end, &ss.schema_url)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kScopeSpansFields)) return false;
    }
  }
  return true;
}

bool DecodeResourceSpans(ProtoDecoder& d, Ptr p, Ptr end, pdata::ResourceSpans& rs) {
  rs.scope_spans.reserve(rs.scope_spans.size() + ProtoDecoder::CountTag(p, end, Tag(2, kLen)));
  while (p < end) {
    uint32_t tag;
    if (!d.ReadTag(p, end, &tag)) return false;
    switch (tag) {
      case Tag(1, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        if (!d.Resource(p, sub_end, rs.resource)) return d.In("resource");
        p = sub_end;
        break;
      }
      case Tag(2, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        auto& ss = rs.scope_spans.emplace_back();
        if (!DecodeScopeSpans(d, p, sub_end, ss)) {
          return d.In("scope_spans", rs.scope_spans.size() - 1);
        }
        p = sub_end;
        break;
      }
      case Tag(3, kLen):
        if (!d.Str(p, end, &rs.schema_url)) return false;
        break;
      default:
        if (!d.Other(p, end, tag, kResourceSpansFields)) return false;
    }
  }
  return true;
}

}  // namespace

bool ProtoDecoder::TracesRequest(Ptr p, Ptr end, std::vector<pdata::ResourceSpans>& out) {
  size_t base = out.size();
  out.reserve(base + CountTag(p, end, Tag(1, kLen)));
  while (p < end) {
    uint32_t tag;
    if (!ReadTag(p, end, &tag)) return false;
    if (tag != Tag(1, kLen)) {
      if (!Other(p, end, tag, kRequestFields)) return false;
      continue;
    }
    Ptr sub_end;
    if (!Sub(p, end, &sub_end)) return false;
    auto& rs = out.emplace_back();
    if (!DecodeResourceSpans(*this, p, sub_end, rs)) {
      return In("resource_spans", out.size() - 1 - base);
    }
    p = sub_end;
  }
  return true;
}

}  // namespace otter::otlp::internal
