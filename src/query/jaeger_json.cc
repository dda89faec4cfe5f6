#include "query/jaeger_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <vector>

#include "otlp/json_codec.h"

namespace otter::query::jaeger {
namespace {

using pdata::AnyValue;
using pdata::KeyValue;

constexpr std::string_view kNoServiceName = "OTLPResourceNoServiceName";
constexpr int64_t kJsMaxSafeInteger = (int64_t{1} << 53) - 1;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// strconv.ParseUint(s, 16, 64) for at most 16 digits (so it cannot overflow).
StatusOr<uint64_t> ParseHex64(std::string_view s) {
  uint64_t v = 0;
  bool ok = !s.empty();
  for (char c : s) {
    int d = HexDigit(c);
    if (d < 0) {
      ok = false;
      break;
    }
    v = v << 4 | static_cast<uint64_t>(d);
  }
  if (!ok) return InvalidArgument("strconv.ParseUint: parsing " + GoQuote(s) + ": invalid syntax");
  return v;
}

void AppendBase64(std::string& out, std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16 | static_cast<uint8_t>(in[i + 1]) << 8 |
                 static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16 | static_cast<uint8_t>(in[i + 1]) << 8;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
}

// Attributes in key order: Jaeger's query service sorts attributes (SortCollections adjuster)
// before translating a trace. The sort is stable, so duplicate keys keep their order.
std::vector<const KeyValue*> SortedAttributes(const pdata::Attributes& attrs,
                                              std::string_view skip_key = {}) {
  std::vector<const KeyValue*> out;
  out.reserve(attrs.size());
  for (const auto& kv : attrs)
    if (skip_key.empty() || kv.key != skip_key) out.push_back(&kv);
  std::stable_sort(out.begin(), out.end(),
                   [](const KeyValue* a, const KeyValue* b) { return a->key < b->key; });
  return out;
}

void AppendRawJson(const AnyValue& v, std::string& out) {
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      out += "null";
      break;
    case AnyValue::Type::kString:
      otlp::AppendJsonString(out, v.string_value);
      break;
    case AnyValue::Type::kBool:
      out += v.bool_value ? "true" : "false";
      break;
    case AnyValue::Type::kInt:
      out += std::to_string(v.int_value);
      break;
    case AnyValue::Type::kDouble:
      // Go's json.Marshal fails on NaN/Inf (pcommon then yields ""); null keeps the JSON valid.
      out += std::isfinite(v.double_value) ? FormatGoJsonFloat(v.double_value) : "null";
      break;
    case AnyValue::Type::kBytes:
      out += '"';
      AppendBase64(out, v.string_value);
      out += '"';
      break;
    case AnyValue::Type::kArray: {
      out += '[';
      for (size_t i = 0; i < v.array_value.size(); ++i) {
        if (i) out += ',';
        AppendRawJson(v.array_value[i], out);
      }
      out += ']';
      break;
    }
    case AnyValue::Type::kKvList: {
      // A Go map: keys sorted, the last duplicate wins.
      std::map<std::string_view, const AnyValue*> sorted;
      for (const auto& kv : v.kvlist_value) sorted[kv.key] = &kv.value;
      out += '{';
      bool first = true;
      for (const auto& [k, val] : sorted) {
        if (!first) out += ',';
        first = false;
        otlp::AppendJsonString(out, k);
        out += ':';
        AppendRawJson(*val, out);
      }
      out += '}';
      break;
    }
  }
}

void WriteStringTag(JsonWriter& w, std::string_view key, std::string_view value) {
  w.BeginObject().Key("key").String(key).Key("type").String("string").Key("value").String(value);
  w.EndObject();
}

// attributeToJaegerProtoTag + the UI converter's value rendering.
void WriteTag(JsonWriter& w, std::string_view key, const AnyValue& v) {
  w.BeginObject().Key("key").String(key);
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      w.Key("type").String("string").Key("value").String("");
      break;
    case AnyValue::Type::kString:
      w.Key("type").String("string").Key("value").String(v.string_value);
      break;
    case AnyValue::Type::kBool:
      w.Key("type").String("bool").Key("value").Bool(v.bool_value);
      break;
    case AnyValue::Type::kInt:
      w.Key("type").String("int64").Key("value");
      // Beyond JavaScript's safe integers the UI converter writes a decimal string.
      if (v.int_value > kJsMaxSafeInteger || v.int_value < -kJsMaxSafeInteger) {
        w.String(std::to_string(v.int_value));
      } else {
        w.Int(v.int_value);
      }
      break;
    case AnyValue::Type::kDouble:
      w.Key("type").String("float64").Key("value");
      if (std::isfinite(v.double_value)) {
        w.Raw(FormatGoJsonFloat(v.double_value));
      } else {
        w.Null();
      }
      break;
    case AnyValue::Type::kBytes: {
      std::string b64;
      AppendBase64(b64, v.string_value);
      w.Key("type").String("binary").Key("value").String(b64);
      break;
    }
    case AnyValue::Type::kArray:
    case AnyValue::Type::kKvList:
      w.Key("type").String("string").Key("value").String(AnyValueAsJson(v));
      break;
  }
  w.EndObject();
}

void WriteSpanId(JsonWriter& w, const pdata::SpanId& id) { w.String(id.Hex()); }

struct SpanEntry {
  const pdata::ResourceSpans* resource;
  const pdata::ScopeSpans* scope;
  const pdata::Span* span;
};

void WriteReferences(JsonWriter& w, const pdata::Span& span) {
  std::vector<SpanReference> refs;
  SpanReferences(span, &refs);
  w.BeginArray();
  for (const SpanReference& r : refs) {
    w.BeginObject().Key("refType").String(r.child_of ? "CHILD_OF" : "FOLLOWS_FROM");
    w.Key("traceID").String(FormatTraceId(*r.trace_id));
    w.Key("spanID");
    WriteSpanId(w, *r.span_id);
    w.EndObject();
  }
  w.EndArray();
}

void WriteSpanTags(JsonWriter& w, const pdata::ScopeSpans& scope, const pdata::Span& span) {
  w.BeginArray();
  if (!scope.scope.name.empty()) WriteStringTag(w, "otel.scope.name", scope.scope.name);
  if (!scope.scope.version.empty()) WriteStringTag(w, "otel.scope.version", scope.scope.version);
  for (const KeyValue* kv : SortedAttributes(span.attributes)) WriteTag(w, kv->key, kv->value);
  std::string_view kind = SpanKindTag(span.kind);
  if (!kind.empty()) WriteStringTag(w, "span.kind", kind);
  if (span.status.code == pdata::StatusCode::kError) {
    WriteStringTag(w, "otel.status_code", "ERROR");
    w.BeginObject().Key("key").String("error").Key("type").String("bool").Key("value").Bool(true);
    w.EndObject();
  } else if (span.status.code == pdata::StatusCode::kOk) {
    WriteStringTag(w, "otel.status_code", "OK");
  }
  if (!span.status.message.empty()) {
    WriteStringTag(w, "otel.status_description", span.status.message);
  }
  if (!span.trace_state.empty()) WriteStringTag(w, "w3c.tracestate", span.trace_state);
  w.EndArray();
}

void WriteLogs(JsonWriter& w, const pdata::Span& span) {
  w.BeginArray();
  for (const auto& event : span.events) {
    w.BeginObject().Key("timestamp").Uint(event.time_unix_nano / 1000).Key("fields").BeginArray();
    if (!event.name.empty() && !pdata::FindAttribute(event.attributes, "event")) {
      WriteStringTag(w, "event", event.name);
    }
    for (const KeyValue* kv : SortedAttributes(event.attributes)) WriteTag(w, kv->key, kv->value);
    w.EndArray().EndObject();
  }
  w.EndArray();
}

// The ui.Process JSON of a resource; equal strings mean the same Jaeger process.
std::string ProcessJson(const pdata::Resource& resource) {
  JsonWriter w;
  w.BeginObject().Key("serviceName").String(ServiceNameOf(resource)).Key("tags").BeginArray();
  for (const KeyValue* kv : SortedAttributes(resource.attributes, "service.name")) {
    WriteTag(w, kv->key, kv->value);
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace

std::string_view SpanKindTag(pdata::SpanKind kind) {
  switch (kind) {
    case pdata::SpanKind::kClient:
      return "client";
    case pdata::SpanKind::kServer:
      return "server";
    case pdata::SpanKind::kProducer:
      return "producer";
    case pdata::SpanKind::kConsumer:
      return "consumer";
    case pdata::SpanKind::kInternal:
      return "internal";
    case pdata::SpanKind::kUnspecified:
      break;
  }
  return {};
}

void SpanReferences(const pdata::Span& span, std::vector<SpanReference>* out) {
  out->clear();
  // The parent comes first: Jaeger looks for the parent as the first CHILD_OF reference.
  if (!span.parent_span_id.empty()) out->push_back({true, &span.trace_id, &span.parent_span_id});
  for (const auto& link : span.links) {
    const AnyValue* ref_type = pdata::FindAttribute(link.attributes, "opentracing.ref_type");
    bool child_of = ref_type && ref_type->type == AnyValue::Type::kString &&
                    ref_type->string_value == "child_of";
    if (!span.parent_span_id.empty() && link.trace_id == span.trace_id &&
        link.span_id == span.parent_span_id) {
      (*out)[0].child_of = child_of;  // a link to the parent only sets the parent's type
      continue;
    }
    out->push_back({child_of, &link.trace_id, &link.span_id});
  }
}

std::string FormatTraceId(const pdata::TraceId& id) {
  std::string hex = id.Hex();
  if (hex.compare(0, 16, "0000000000000000") == 0) return hex.substr(16);
  return hex;
}

StatusOr<pdata::TraceId> ParseTraceId(std::string_view s) {
  if (s.size() > 32) {
    return InvalidArgument("TraceID cannot be longer than 32 hex characters: " + std::string(s));
  }
  uint64_t hi = 0, lo = 0;
  if (s.size() > 16) {
    size_t hi_len = s.size() - 16;
    ASSIGN_OR_RETURN(hi, ParseHex64(s.substr(0, hi_len)));
    ASSIGN_OR_RETURN(lo, ParseHex64(s.substr(hi_len)));
  } else {
    ASSIGN_OR_RETURN(lo, ParseHex64(s));
  }
  pdata::TraceId id;
  for (int i = 0; i < 8; ++i) {
    id.bytes[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    id.bytes[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  return id;
}

std::string FormatGoJsonFloat(double v) {
  char buf[40];
  double a = std::fabs(v);
  bool exp = a != 0 && (a < 1e-6 || a >= 1e21);
  auto r = exp ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific)
               : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  std::string out(buf, r.ptr);
  // Go writes "e-7", not "e-07".
  size_t n = out.size();
  if (exp && n >= 4 && out[n - 4] == 'e' && out[n - 3] == '-' && out[n - 2] == '0') {
    out.erase(n - 2, 1);
  }
  return out;
}

std::string AnyValueAsJson(const AnyValue& v) {
  std::string out;
  AppendRawJson(v, out);
  return out;
}

std::string_view ServiceNameOf(const pdata::Resource& resource) {
  if (resource.attributes.empty()) return kNoServiceName;
  const AnyValue* name = pdata::FindAttribute(resource.attributes, "service.name");
  if (name && name->type == AnyValue::Type::kString) return name->string_value;
  return {};
}

void WriteUiTrace(const pdata::TraceBatch& batch, JsonWriter& w) {
  std::vector<SpanEntry> spans;
  for (const auto& rs : batch.resources())
    for (const auto& ss : rs.scope_spans)
      for (const auto& span : ss.spans) spans.push_back({&rs, &ss, &span});
  std::stable_sort(spans.begin(), spans.end(), [](const SpanEntry& a, const SpanEntry& b) {
    return a.span->start_time_unix_nano < b.span->start_time_unix_nano;
  });

  // Processes: one per distinct resource rendering, numbered in order of first use.
  std::map<const pdata::ResourceSpans*, std::string> process_of;
  std::map<std::string, std::string> id_of_json;       // process JSON → "pN"
  std::map<std::string, std::string_view> json_of_id;  // "pN" → JSON (Go sorts map keys)
  for (const SpanEntry& e : spans) {
    if (process_of.count(e.resource)) continue;
    std::string json = ProcessJson(e.resource->resource);
    auto it = id_of_json.find(json);
    if (it == id_of_json.end()) {
      std::string id = "p" + std::to_string(id_of_json.size() + 1);
      it = id_of_json.emplace(std::move(json), id).first;
      json_of_id.emplace(id, it->first);
    }
    process_of[e.resource] = it->second;
  }

  w.BeginObject().Key("traceID").String(spans.empty() ? ""
                                                      : FormatTraceId(spans[0].span->trace_id));
  w.Key("spans").BeginArray();
  for (const SpanEntry& e : spans) {
    const pdata::Span& span = *e.span;
    w.BeginObject();
    w.Key("traceID").String(FormatTraceId(span.trace_id));
    w.Key("spanID");
    WriteSpanId(w, span.span_id);
    // The W3C trace flags' sampled bit is Jaeger's sampled flag (1); Go omits a zero value.
    if (uint32_t flags = span.flags & 0xff; flags != 0) w.Key("flags").Uint(flags);
    w.Key("operationName").String(span.name);
    w.Key("references");
    WriteReferences(w, span);
    w.Key("startTime").Uint(span.start_time_unix_nano / 1000);
    uint64_t duration_ns = span.end_time_unix_nano > span.start_time_unix_nano
                               ? span.end_time_unix_nano - span.start_time_unix_nano
                               : 0;
    w.Key("duration").Uint(duration_ns / 1000);
    w.Key("tags");
    WriteSpanTags(w, *e.scope, span);
    w.Key("logs");
    WriteLogs(w, span);
    w.Key("processID").String(process_of[e.resource]);
    w.Key("warnings").Null();
    w.EndObject();
  }
  w.EndArray();
  w.Key("processes").BeginObject();
  for (const auto& [id, json] : json_of_id) w.Key(id).Raw(json);
  w.EndObject();
  w.Key("warnings").Null();
  w.EndObject();
}

}  // namespace otter::query::jaeger

namespace otter::query::jaeger {
namespace {

std::optional<std::string> DecodeBase64(std::string_view s, bool url_safe, bool padded) {
  auto value = [&](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url_safe ? '-' : '+')) return 62;
    if (c == (url_safe ? '_' : '/')) return 63;
    return -1;
  };
  if (padded) {
    if (s.size() % 4 != 0) return std::nullopt;
    size_t pad = 0;
    while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
    s.remove_suffix(pad);
    if (pad > 0 && (s.size() + pad) % 4 != 0) return std::nullopt;
  }
  if (s.size() % 4 == 1) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // Go rejects non-zero trailing bits
  return out;
}

}  // namespace

StatusOr<pdata::TraceId> ParseTraceIdHexOrBase64(std::string_view s) {
  auto hex = ParseTraceId(s);
  if (hex.ok() || s.size() > 24) return hex;
  for (int variant = 0; variant < 4; ++variant) {
    auto bytes = DecodeBase64(s, /*url_safe=*/variant % 2 == 1, /*padded=*/variant < 2);
    if (!bytes) continue;
    if (bytes->size() != 8 && bytes->size() != 16) {
      return InvalidArgument("invalid length for TraceID");
    }
    pdata::TraceId id;
    std::copy(bytes->begin(), bytes->end(), id.bytes.begin() + (16 - bytes->size()));
    return id;
  }
  return hex;
}

}  // namespace otter::query::jaeger
