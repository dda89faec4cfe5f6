// OTLP protobuf decoding of ExportTraceServiceRequest (== TracesData) into pdata traces, and
// WalkTraces, which visits the same content without building a batch.
#include "otlp/proto_codec.h"
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

// The fields of an Event, Link and Span, shared by the decoder and the walker (WalkTraces):
// `attr(p, end)` reads one attributes entry at p; a Span's events and links go to
// `event(begin, end)` and `link(begin, end)`.
template <class Attr>
bool EventFields(ProtoDecoder& d, Ptr p, Ptr end, pdata::SpanEvent& e, Attr&& attr) {
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
        if (!attr(p, end)) return false;
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

template <class Attr>
bool LinkFields(ProtoDecoder& d, Ptr p, Ptr end, pdata::SpanLink& l, Attr&& attr) {
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
        if (!attr(p, end)) return false;
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

template <class Attr, class Event, class Link>
bool SpanFields(ProtoDecoder& d, Ptr p, Ptr end, pdata::Span& s, Attr&& attr, Event&& event,
                Link&& link) {
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
        if (!attr(p, end)) return false;
        break;
      case Tag(10, kVarint):
        if (!d.U32(p, end, &s.dropped_attributes_count)) return false;
        break;
      case Tag(11, kLen):
      case Tag(13, kLen): {
        Ptr sub_end;
        if (!d.Sub(p, end, &sub_end)) return false;
        if (!(tag == Tag(11, kLen) ? event(p, sub_end) : link(p, sub_end))) return false;
        p = sub_end;
        break;
      }
      case Tag(12, kVarint):
        if (!d.U32(p, end, &s.dropped_events_count)) return false;
        break;
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

bool DecodeSpan(ProtoDecoder& d, Ptr p, Ptr end, pdata::Span& s) {
  {
    static constexpr uint32_t kCounted[] = {Tag(9, kLen), Tag(11, kLen), Tag(13, kLen)};
    size_t n[3];
    ProtoDecoder::CountTags(p, end, kCounted, n);
    s.attributes.reserve(s.attributes.size() + n[0]);
    if (n[1]) s.events.reserve(s.events.size() + n[1]);
    if (n[2]) s.links.reserve(s.links.size() + n[2]);
  }
  return SpanFields(
      d, p, end, s,
      [&](Ptr& q, Ptr q_end) { return d.Attribute(q, q_end, s.attributes, "attributes"); },
      [&](Ptr q, Ptr q_end) {
        auto& e = s.events.emplace_back();
        return EventFields(d, q, q_end, e,
                           [&](Ptr& r, Ptr r_end) {
                             return d.Attribute(r, r_end, e.attributes, "attributes");
                           }) ||
               d.In("events", s.events.size() - 1);
      },
      [&](Ptr q, Ptr q_end) {
        auto& l = s.links.emplace_back();
        return LinkFields(d, q, q_end, l,
                          [&](Ptr& r, Ptr r_end) {
                            return d.Attribute(r, r_end, l.attributes, "attributes");
                          }) ||
               d.In("links", s.links.size() - 1);
      });
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

// ---- walking a request without building a batch (WalkTraces) --------------------------------
//
// The same field handling as the decoders above, feeding a TraceVisitor. Anything the fast paths
// here do not model (AnyValue arrays / kvlists, profile string indexes, unknown fields inside a
// KeyValue) is decoded by the ProtoDecoder itself, so both accept exactly the same input.

class Walker {
 public:
  Walker(ProtoDecoder& d, TraceVisitor& v) : d_(d), v_(v) {}

  bool Request(Ptr p, Ptr end) {
    return d_.EachResource(p, end, kRequestFields,
                           [&](Ptr b, Ptr e) { return ResourceSpans(b, e); });
  }

 private:
  // A ResourceSpans or ScopeSpans in two passes: the first reads field 1 (the resource or scope)
  // with `own(begin, end)` and field 3 (the schema_url, which follows the nested messages on the
  // wire) into *schema_url, then `between()` runs, then the second gives each field 2 (a
  // ScopeSpans or Span) to `nested`.
  template <size_t N, class Own, class Between, class Nested>
  bool TwoPasses(Ptr begin, Ptr end, const FieldInfo (&fields)[N], Own&& own,
                 std::string_view* schema_url, Between&& between, Nested&& nested) {
    for (Ptr p = begin; p < end;) {
      uint32_t tag;
      if (!d_.ReadTag(p, end, &tag)) return false;
      Ptr sub_end;
      if (tag == Tag(1, kLen) || tag == Tag(2, kLen)) {
        if (!d_.Sub(p, end, &sub_end) || (tag == Tag(1, kLen) && !own(p, sub_end))) return false;
        p = sub_end;
      } else if (tag == Tag(3, kLen)) {
        if (!d_.Str(p, end, schema_url)) return false;
      } else if (!d_.Other(p, end, tag, fields)) {
        return false;
      }
    }
    between();
    for (Ptr p = begin; p < end;) {
      uint32_t tag;
      if (!d_.ReadTag(p, end, &tag)) return false;
      Ptr sub_end;
      if (tag == Tag(2, kLen)) {
        if (!d_.Sub(p, end, &sub_end) || !nested(p, sub_end)) return false;
        p = sub_end;
      } else if (!ProtoDecoder::SkipValue(p, end, tag)) {
        return false;  // (checked by the first pass)
      }
    }
    return true;
  }

  bool ResourceSpans(Ptr begin, Ptr end) {
    rs_ = pdata::ResourceSpans{};
    return TwoPasses(
        begin, end, kResourceSpansFields,
        [&](Ptr p, Ptr e) { return d_.Resource(p, e, rs_.resource); }, &rs_.schema_url, [] {},
        [&](Ptr p, Ptr e) { return ScopeSpans(p, e); });
  }

  bool ScopeSpans(Ptr begin, Ptr end) {
    ss_ = pdata::ScopeSpans{};
    return TwoPasses(
        begin, end, kScopeSpansFields, [&](Ptr p, Ptr e) { return d_.Scope(p, e, ss_.scope); },
        &ss_.schema_url, [&] { v_.Scope(rs_, ss_); }, [&](Ptr p, Ptr e) { return Span(p, e); });
  }

  // A span's own fields in one pass; its events and links afterwards, events first, so that the
  // visitor sees each owner's attributes together.
  bool Span(Ptr p, Ptr end) {
    // Its vectors stay empty: only the scalars need resetting.
    static_assert(sizeof(pdata::Span) == 216, "a field was added to pdata::Span: reset it here");
    pdata::Span& s = span_;
    s.trace_id = {};
    s.span_id = {};
    s.trace_state = {};
    s.parent_span_id = {};
    s.name = {};
    s.kind = pdata::SpanKind::kUnspecified;
    s.start_time_unix_nano = s.end_time_unix_nano = 0;
    s.dropped_attributes_count = s.dropped_events_count = s.dropped_links_count = 0;
    s.status = {};
    s.flags = 0;
    uint32_t nattrs = 0;
    events_.clear();
    links_.clear();
    auto later = [](std::vector<Range>& to) {
      return [&to](Ptr b, Ptr e) {
        to.push_back({b, e});
        return true;
      };
    };
    if (!SpanFields(
            d_, p, end, s, [&](Ptr& q, Ptr q_end) { return Attribute(q, q_end, nattrs++); },
            later(events_), later(links_)))
      return false;
    for (const Range& r : events_) {
      pdata::SpanEvent e;
      uint32_t n = 0;
      if (!EventFields(d_, r.begin, r.end, e,
                       [&](Ptr& q, Ptr q_end) { return Attribute(q, q_end, n++); }))
        return false;
      d_.WatchAttributeCount(n);
      v_.Event(e, n);
    }
    for (const Range& r : links_) {
      pdata::SpanLink l;
      uint32_t n = 0;
      if (!LinkFields(d_, r.begin, r.end, l,
                      [&](Ptr& q, Ptr q_end) { return Attribute(q, q_end, n++); }))
        return false;
      d_.WatchAttributeCount(n);
      v_.Link(l, n);
    }
    d_.WatchAttributeCount(nattrs);
    v_.Span(s, nattrs);
    return true;
  }

  // One KeyValue: a key and a scalar value are read here; anything else goes through
  // ProtoDecoder::KeyValue.
  bool Attribute(Ptr& p, Ptr end, uint32_t index) {
    Ptr sub_end;
    if (!d_.Sub(p, end, &sub_end)) return false;
    Ptr begin = p;
    p = sub_end;
    pdata::KeyValue& kv = kv_;
    if (!kv.value.array_value.empty() || !kv.value.kvlist_value.empty()) kv = pdata::KeyValue{};
    kv.key = {};
    kv.value.type = pdata::AnyValue::Type::kEmpty;
    if (!d_.ScalarKeyValue(begin, sub_end, kv)) {
      kv = pdata::KeyValue{};
      if (!d_.KeyValue(begin, sub_end, kv, 0)) return false;
    }
    v_.Attribute(kv, index);
    return true;
  }

  struct Range {
    Ptr begin, end;
  };
  ProtoDecoder& d_;
  TraceVisitor& v_;
  pdata::ResourceSpans rs_;
  pdata::ScopeSpans ss_;
  pdata::Span span_;
  pdata::KeyValue kv_;
  std::vector<Range> events_, links_;  // of the span being walked
};

class SpanCounter final : public TraceVisitor {
 public:
  void Scope(const pdata::ResourceSpans&, const pdata::ScopeSpans&) override {}
  void Attribute(const pdata::KeyValue&, uint32_t) override {}
  void Event(const pdata::SpanEvent&, uint32_t) override {}
  void Link(const pdata::SpanLink&, uint32_t) override {}
  void Span(const pdata::Span&, uint32_t) override { ++spans; }
  size_t spans = 0;
};

}  // namespace

std::optional<size_t> CountTracesWatching(std::string_view bytes, const WatchedLimits& limits,
                                          bool* over_limits) {
  ProtoDecoder d(bytes);
  d.Watch(&limits);
  SpanCounter counter;
  const uint8_t* p = wire::AsBytes(bytes.data());
  if (!Walker(d, counter).Request(p, p + bytes.size())) return std::nullopt;
  *over_limits = d.over_limits();
  return counter.spans;
}

bool ProtoDecoder::TracesRequest(Ptr p, Ptr end, std::vector<pdata::ResourceSpans>& out) {
  size_t base = out.size();
  out.reserve(base + CountTag(p, end, Tag(1, kLen)));
  return EachResource(p, end, kRequestFields, [&](Ptr b, Ptr e) {
    return DecodeResourceSpans(*this, b, e, out.emplace_back()) ||
           In("resource_spans", out.size() - 1 - base);
  });
}

}  // namespace otter::otlp::internal

namespace otter::otlp {

bool WalkTraces(std::string_view bytes, TraceVisitor& visitor) {
  internal::ProtoDecoder d(bytes);
  const uint8_t* p = wire::AsBytes(bytes.data());
  return internal::Walker(d, visitor).Request(p, p + bytes.size());
}

std::optional<size_t> CountTraces(std::string_view bytes) {
  internal::SpanCounter counter;
  if (!WalkTraces(bytes, counter)) return std::nullopt;
  return counter.spans;
}

}  // namespace otter::otlp
