// pdata -> OTLP/JSON: lowerCamelCase keys, hex ids, base64 bytes, enums as integers, 64-bit
// integers as decimal strings, NaN/Infinity as strings, default values omitted (proto3 JSON).
// Strings that are not valid UTF-8 (protobuf input is not checked) get U+FFFD per bad byte, as
// Go's encoding/json does, so the output is always valid JSON.
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "otlp/json_codec.h"
#include "otlp/utf8.h"

namespace otter::otlp {
namespace {

// Appends JSON text. Objects and arrays are written without "is this the first member" state:
// every member starts with ',', and Close() turns the first ',' into the opening bracket (or
// writes "{}" / "[]" when nothing was added).
class Writer {
 public:
  explicit Writer(std::string* out) : out_(*out) {}

  size_t Open() const { return out_.size(); }
  void CloseObject(size_t at) { Close(at, '{', '}'); }
  void CloseArray(size_t at) { Close(at, '[', ']'); }
  void Key(std::string_view key) {
    out_ += ",\"";
    out_ += key;
    out_ += "\":";
  }
  void Element() { out_ += ','; }

  // ---- values ----
  void String(std::string_view s) {
    out_ += '"';
    if (simdjson::validate_utf8(s.data(), s.size())) {
      EscapeValidUtf8(s);
    } else {
      EscapeRepairingUtf8(s);
    }
    out_ += '"';
  }
  template <class I>
  void Integer(I v) {
    char buf[24];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  }
  template <class I>
  void QuotedInteger(I v) {
    out_ += '"';
    Integer(v);
    out_ += '"';
  }
  void Double(double d) {
    if (std::isnan(d)) {
      out_ += "\"NaN\"";
    } else if (std::isinf(d)) {
      out_ += d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    } else {
      char buf[32];
      char* end = std::to_chars(buf, buf + sizeof buf, d).ptr;
      out_.append(buf, end);
      // Shortest form may look like an integer ("-0", "18446744073709551616"); keep such
      // values doubles for parsers (simdjson among them) that refuse integers beyond 64 bits.
      if ((d == 0 && std::signbit(d)) || std::fabs(d) >= 9223372036854775808.0) {
        if (std::find_if(buf, end, [](char c) { return c == '.' || c == 'e'; }) == end) {
          out_ += ".0";
        }
      }
    }
  }
  void Bool(bool b) { out_ += b ? "true" : "false"; }
  template <size_t N>
  void Hex(const pdata::Id<N>& id) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_ += '"';
    for (uint8_t b : id.bytes) {
      out_ += kHex[b >> 4];
      out_ += kHex[b & 15];
    }
    out_ += '"';
  }
  void Base64(std::string_view s) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out_ += '"';
    size_t i = 0;
    auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(s[k])); };
    for (; i + 3 <= s.size(); i += 3) {
      uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
      out_ += kAlphabet[v >> 18];
      out_ += kAlphabet[(v >> 12) & 63];
      out_ += kAlphabet[(v >> 6) & 63];
      out_ += kAlphabet[v & 63];
    }
    if (s.size() - i == 1) {
      uint32_t v = byte(i) << 16;
      out_ += kAlphabet[v >> 18];
      out_ += kAlphabet[(v >> 12) & 63];
      out_ += "==";
    } else if (s.size() - i == 2) {
      uint32_t v = byte(i) << 16 | byte(i + 1) << 8;
      out_ += kAlphabet[v >> 18];
      out_ += kAlphabet[(v >> 12) & 63];
      out_ += kAlphabet[(v >> 6) & 63];
      out_ += '=';
    }
    out_ += '"';
  }

  // ---- fields that proto3 JSON omits when they hold the default value ----
  void StringField(std::string_view key, std::string_view s) {
    if (s.empty()) return;
    Key(key);
    String(s);
  }
  // 64-bit integers are strings: JavaScript numbers lose precision above 2^53.
  template <class I>
  void Int64Field(std::string_view key, I v) {
    if (v == 0) return;
    Key(key);
    QuotedInteger(v);
  }
  template <class I>
  void Int32Field(std::string_view key, I v) {
    if (v == 0) return;
    Key(key);
    Integer(v);
  }
  template <class E>
  void EnumField(std::string_view key, E v) {
    Int32Field(key, static_cast<int32_t>(v));
  }
  // -0.0 is not the default (proto3 compares bits), so it survives a round trip.
  void DoubleField(std::string_view key, double d) {
    if (d == 0 && !std::signbit(d)) return;
    Key(key);
    Double(d);
  }
  void OptionalDoubleField(std::string_view key, const std::optional<double>& d) {
    if (!d) return;
    Key(key);
    Double(*d);
  }
  void BoolField(std::string_view key, bool b) {
    if (!b) return;
    Key(key);
    Bool(b);
  }
  template <size_t N>
  void IdField(std::string_view key, const pdata::Id<N>& id) {
    if (id.empty()) return;
    Key(key);
    Hex(id);
  }
  // A repeated field: `write(elem)` writes one element.
  template <class T, class F>
  void ArrayField(std::string_view key, const std::vector<T>& v, F write) {
    if (v.empty()) return;
    Key(key);
    size_t at = Open();
    for (const T& e : v) {
      Element();
      write(e);
    }
    CloseArray(at);
  }

 private:
  void Close(size_t at, char open, char close) {
    if (out_.size() == at) {
      out_ += open;
    } else {
      out_[at] = open;
    }
    out_ += close;
  }

  static bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

  void Escape(unsigned char c) {
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      case '\b':
        out_ += "\\b";
        break;
      case '\f':
        out_ += "\\f";
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        out_ += "\\u00";
        out_ += kHex[c >> 4];
        out_ += kHex[c & 15];
      }
    }
  }

  void EscapeValidUtf8(std::string_view s) {
    size_t run = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (!NeedsEscape(c)) continue;
      out_.append(s.data() + run, i - run);
      Escape(c);
      run = i + 1;
    }
    out_.append(s.data() + run, s.size() - run);
  }

  void EscapeRepairingUtf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    for (size_t i = 0; i < s.size();) {
      size_t n = Utf8SequenceLength(p + i, s.size() - i);
      if (n == 0) {
        out_ += "\xef\xbf\xbd";  // U+FFFD
        ++i;
      } else if (n == 1 && NeedsEscape(p[i])) {
        Escape(p[i]);
        ++i;
      } else {
        out_.append(s.data() + i, n);
        i += n;
      }
    }
  }

  std::string& out_;
};

// ---- messages -----------------------------------------------------------------------------------

void WriteAnyValue(Writer& w, const pdata::AnyValue& v);

void WriteKeyValue(Writer& w, const pdata::KeyValue& kv) {
  size_t at = w.Open();
  // Key and value are written even when empty: a KeyValue without them reads as a mistake.
  w.Key("key");
  w.String(kv.key);
  w.Key("value");
  WriteAnyValue(w, kv.value);
  w.CloseObject(at);
}

void WriteAttributes(Writer& w, std::string_view key, const pdata::Attributes& attrs) {
  w.ArrayField(key, attrs, [&](const pdata::KeyValue& kv) { WriteKeyValue(w, kv); });
}

// oneof members are written even when they hold the default value ({"intValue":"0"}).
void WriteAnyValue(Writer& w, const pdata::AnyValue& v) {
  using Type = pdata::AnyValue::Type;
  size_t at = w.Open();
  switch (v.type) {
    case Type::kEmpty:
      break;
    case Type::kString:
      w.Key("stringValue");
      w.String(v.string_value);
      break;
    case Type::kBool:
      w.Key("boolValue");
      w.Bool(v.bool_value);
      break;
    case Type::kInt:
      w.Key("intValue");
      w.QuotedInteger(v.int_value);
      break;
    case Type::kDouble:
      w.Key("doubleValue");
      w.Double(v.double_value);
      break;
    case Type::kBytes:
      w.Key("bytesValue");
      w.Base64(v.string_value);
      break;
    case Type::kArray: {
      w.Key("arrayValue");
      size_t inner = w.Open();
      w.ArrayField("values", v.array_value, [&](const pdata::AnyValue& e) { WriteAnyValue(w, e); });
      w.CloseObject(inner);
      break;
    }
    case Type::kKvList: {
      w.Key("kvlistValue");
      size_t inner = w.Open();
      WriteAttributes(w, "values", v.kvlist_value);
      w.CloseObject(inner);
      break;
    }
  }
  w.CloseObject(at);
}

void WriteResource(Writer& w, const pdata::Resource& r) {
  if (r.attributes.empty() && r.dropped_attributes_count == 0) return;
  w.Key("resource");
  size_t at = w.Open();
  WriteAttributes(w, "attributes", r.attributes);
  w.Int32Field("droppedAttributesCount", r.dropped_attributes_count);
  w.CloseObject(at);
}

void WriteScope(Writer& w, const pdata::InstrumentationScope& s) {
  if (s == pdata::InstrumentationScope{}) return;
  w.Key("scope");
  size_t at = w.Open();
  w.StringField("name", s.name);
  w.StringField("version", s.version);
  WriteAttributes(w, "attributes", s.attributes);
  w.Int32Field("droppedAttributesCount", s.dropped_attributes_count);
  w.CloseObject(at);
}

// The Resource* / Scope* envelope shared by the three signals; `write_scope_body` writes the
// spans / metrics / log records of one scope.
template <class R, class F>
void WriteRequest(Writer& w, std::string_view resources_key, std::string_view scopes_key,
                  const std::vector<R>& resources, F write_scope_body) {
  size_t at = w.Open();
  w.Key(resources_key);
  size_t list = w.Open();
  for (const R& r : resources) {
    w.Element();
    size_t robj = w.Open();
    WriteResource(w, r.resource);
    w.ArrayField(scopes_key, r.*R::kScopes, [&](const typename R::Scope& s) {
      size_t sobj = w.Open();
      WriteScope(w, s.scope);
      write_scope_body(s);
      w.StringField("schemaUrl", s.schema_url);
      w.CloseObject(sobj);
    });
    w.StringField("schemaUrl", r.schema_url);
    w.CloseObject(robj);
  }
  w.CloseArray(list);
  w.CloseObject(at);
}

// ---- traces ----

void WriteSpan(Writer& w, const pdata::Span& s) {
  size_t at = w.Open();
  w.IdField("traceId", s.trace_id);
  w.IdField("spanId", s.span_id);
  w.StringField("traceState", s.trace_state);
  w.IdField("parentSpanId", s.parent_span_id);
  w.Int32Field("flags", s.flags);
  w.StringField("name", s.name);
  w.EnumField("kind", s.kind);
  w.Int64Field("startTimeUnixNano", s.start_time_unix_nano);
  w.Int64Field("endTimeUnixNano", s.end_time_unix_nano);
  WriteAttributes(w, "attributes", s.attributes);
  w.Int32Field("droppedAttributesCount", s.dropped_attributes_count);
  w.ArrayField("events", s.events, [&](const pdata::SpanEvent& e) {
    size_t eobj = w.Open();
    w.Int64Field("timeUnixNano", e.time_unix_nano);
    w.StringField("name", e.name);
    WriteAttributes(w, "attributes", e.attributes);
    w.Int32Field("droppedAttributesCount", e.dropped_attributes_count);
    w.CloseObject(eobj);
  });
  w.Int32Field("droppedEventsCount", s.dropped_events_count);
  w.ArrayField("links", s.links, [&](const pdata::SpanLink& l) {
    size_t lobj = w.Open();
    w.IdField("traceId", l.trace_id);
    w.IdField("spanId", l.span_id);
    w.StringField("traceState", l.trace_state);
    WriteAttributes(w, "attributes", l.attributes);
    w.Int32Field("droppedAttributesCount", l.dropped_attributes_count);
    w.Int32Field("flags", l.flags);
    w.CloseObject(lobj);
  });
  w.Int32Field("droppedLinksCount", s.dropped_links_count);
  if (s.status != pdata::SpanStatus{}) {
    w.Key("status");
    size_t sobj = w.Open();
    w.StringField("message", s.status.message);
    w.EnumField("code", s.status.code);
    w.CloseObject(sobj);
  }
  w.CloseObject(at);
}

// ---- metrics ----

void WriteExemplars(Writer& w, const std::vector<pdata::Exemplar>& exemplars) {
  w.ArrayField("exemplars", exemplars, [&](const pdata::Exemplar& e) {
    size_t at = w.Open();
    WriteAttributes(w, "filteredAttributes", e.filtered_attributes);
    w.Int64Field("timeUnixNano", e.time_unix_nano);
    if (e.is_int) {
      w.Key("asInt");
      w.QuotedInteger(e.as_int);
    } else {
      w.Key("asDouble");
      w.Double(e.as_double);
    }
    w.IdField("spanId", e.span_id);
    w.IdField("traceId", e.trace_id);
    w.CloseObject(at);
  });
}

void WriteUint64Array(Writer& w, std::string_view key, const std::vector<uint64_t>& v) {
  w.ArrayField(key, v, [&](uint64_t x) { w.QuotedInteger(x); });
}

void WriteBuckets(Writer& w, std::string_view key, const pdata::ExponentialBuckets& b) {
  if (b.offset == 0 && b.bucket_counts.empty()) return;
  w.Key(key);
  size_t at = w.Open();
  w.Int32Field("offset", b.offset);
  WriteUint64Array(w, "bucketCounts", b.bucket_counts);
  w.CloseObject(at);
}

void WriteNumberPoint(Writer& w, const pdata::NumberDataPoint& p) {
  size_t at = w.Open();
  WriteAttributes(w, "attributes", p.attributes);
  w.Int64Field("startTimeUnixNano", p.start_time_unix_nano);
  w.Int64Field("timeUnixNano", p.time_unix_nano);
  switch (p.value_type) {
    case pdata::NumberDataPoint::ValueType::kNone:
      break;
    case pdata::NumberDataPoint::ValueType::kDouble:
      w.Key("asDouble");
      w.Double(p.as_double);
      break;
    case pdata::NumberDataPoint::ValueType::kInt:
      w.Key("asInt");
      w.QuotedInteger(p.as_int);
      break;
  }
  WriteExemplars(w, p.exemplars);
  w.Int32Field("flags", p.flags);
  w.CloseObject(at);
}

void WriteHistogramPoint(Writer& w, const pdata::HistogramDataPoint& p) {
  size_t at = w.Open();
  WriteAttributes(w, "attributes", p.attributes);
  w.Int64Field("startTimeUnixNano", p.start_time_unix_nano);
  w.Int64Field("timeUnixNano", p.time_unix_nano);
  w.Int64Field("count", p.count);
  w.OptionalDoubleField("sum", p.sum);
  WriteUint64Array(w, "bucketCounts", p.bucket_counts);
  w.ArrayField("explicitBounds", p.explicit_bounds, [&](double d) { w.Double(d); });
  WriteExemplars(w, p.exemplars);
  w.Int32Field("flags", p.flags);
  w.OptionalDoubleField("min", p.min);
  w.OptionalDoubleField("max", p.max);
  w.CloseObject(at);
}

void WriteExpHistogramPoint(Writer& w, const pdata::ExponentialHistogramDataPoint& p) {
  size_t at = w.Open();
  WriteAttributes(w, "attributes", p.attributes);
  w.Int64Field("startTimeUnixNano", p.start_time_unix_nano);
  w.Int64Field("timeUnixNano", p.time_unix_nano);
  w.Int64Field("count", p.count);
  w.OptionalDoubleField("sum", p.sum);
  w.Int32Field("scale", p.scale);
  w.Int64Field("zeroCount", p.zero_count);
  WriteBuckets(w, "positive", p.positive);
  WriteBuckets(w, "negative", p.negative);
  w.Int32Field("flags", p.flags);
  WriteExemplars(w, p.exemplars);
  w.OptionalDoubleField("min", p.min);
  w.OptionalDoubleField("max", p.max);
  w.DoubleField("zeroThreshold", p.zero_threshold);
  w.CloseObject(at);
}

void WriteSummaryPoint(Writer& w, const pdata::SummaryDataPoint& p) {
  size_t at = w.Open();
  WriteAttributes(w, "attributes", p.attributes);
  w.Int64Field("startTimeUnixNano", p.start_time_unix_nano);
  w.Int64Field("timeUnixNano", p.time_unix_nano);
  w.Int64Field("count", p.count);
  w.DoubleField("sum", p.sum);
  w.ArrayField("quantileValues", p.quantile_values, [&](const pdata::QuantileValue& q) {
    size_t qobj = w.Open();
    w.DoubleField("quantile", q.quantile);
    w.DoubleField("value", q.value);
    w.CloseObject(qobj);
  });
  w.Int32Field("flags", p.flags);
  w.CloseObject(at);
}

// The data member object (gauge, sum, ...) is written even with no points: its presence is
// what gives the metric its type.
template <class P, class F>
void WriteMetricData(Writer& w, std::string_view key, const pdata::Metric& m,
                     const std::vector<P>& points, bool has_temporality, F write_point) {
  w.Key(key);
  size_t at = w.Open();
  w.ArrayField("dataPoints", points, [&](const P& p) { write_point(w, p); });
  if (has_temporality) w.EnumField("aggregationTemporality", m.temporality);
  if (m.type == pdata::MetricType::kSum) w.BoolField("isMonotonic", m.is_monotonic);
  w.CloseObject(at);
}

void WriteMetric(Writer& w, const pdata::Metric& m) {
  using T = pdata::MetricType;
  size_t at = w.Open();
  w.StringField("name", m.name);
  w.StringField("description", m.description);
  w.StringField("unit", m.unit);
  switch (m.type) {
    case T::kEmpty:
      break;
    case T::kGauge:
      WriteMetricData(w, "gauge", m, m.number_points, false, WriteNumberPoint);
      break;
    case T::kSum:
      WriteMetricData(w, "sum", m, m.number_points, true, WriteNumberPoint);
      break;
    case T::kHistogram:
      WriteMetricData(w, "histogram", m, m.histogram_points, true, WriteHistogramPoint);
      break;
    case T::kExponentialHistogram:
      WriteMetricData(w, "exponentialHistogram", m, m.exp_histogram_points, true,
                      WriteExpHistogramPoint);
      break;
    case T::kSummary:
      WriteMetricData(w, "summary", m, m.summary_points, false, WriteSummaryPoint);
      break;
  }
  WriteAttributes(w, "metadata", m.metadata);
  w.CloseObject(at);
}

// ---- logs ----

void WriteLogRecord(Writer& w, const pdata::LogRecord& l) {
  size_t at = w.Open();
  w.Int64Field("timeUnixNano", l.time_unix_nano);
  w.Int64Field("observedTimeUnixNano", l.observed_time_unix_nano);
  w.EnumField("severityNumber", l.severity_number);
  w.StringField("severityText", l.severity_text);
  if (l.body.type != pdata::AnyValue::Type::kEmpty) {
    w.Key("body");
    WriteAnyValue(w, l.body);
  }
  WriteAttributes(w, "attributes", l.attributes);
  w.Int32Field("droppedAttributesCount", l.dropped_attributes_count);
  w.Int32Field("flags", l.flags);
  w.IdField("traceId", l.trace_id);
  w.IdField("spanId", l.span_id);
  w.StringField("eventName", l.event_name);
  w.CloseObject(at);
}

}  // namespace

void EncodeTracesJson(const pdata::TraceBatch& batch, std::string* out) {
  Writer w(out);
  WriteRequest(w, "resourceSpans", "scopeSpans", batch.resources(),
               [&](const pdata::ScopeSpans& s) {
                 w.ArrayField("spans", s.spans, [&](const pdata::Span& sp) { WriteSpan(w, sp); });
               });
}

void EncodeMetricsJson(const pdata::MetricBatch& batch, std::string* out) {
  Writer w(out);
  WriteRequest(
      w, "resourceMetrics", "scopeMetrics", batch.resources(), [&](const pdata::ScopeMetrics& s) {
        w.ArrayField("metrics", s.metrics, [&](const pdata::Metric& m) { WriteMetric(w, m); });
      });
}

void EncodeLogsJson(const pdata::LogBatch& batch, std::string* out) {
  Writer w(out);
  WriteRequest(w, "resourceLogs", "scopeLogs", batch.resources(), [&](const pdata::ScopeLogs& s) {
    w.ArrayField("logRecords", s.log_records,
                 [&](const pdata::LogRecord& l) { WriteLogRecord(w, l); });
  });
}

template <class B>
void EncodeExportResponseJson(int64_t rejected, std::string_view error_message, std::string* out) {
  std::string_view rejected_key;
  if constexpr (std::is_same_v<B, pdata::TraceBatch>) {
    rejected_key = "rejectedSpans";
  } else if constexpr (std::is_same_v<B, pdata::MetricBatch>) {
    rejected_key = "rejectedDataPoints";
  } else {
    static_assert(std::is_same_v<B, pdata::LogBatch>);
    rejected_key = "rejectedLogRecords";
  }
  Writer w(out);
  size_t at = w.Open();
  if (rejected != 0 || !error_message.empty()) {
    w.Key("partialSuccess");
    size_t ps = w.Open();
    w.Int64Field(rejected_key, rejected);
    w.StringField("errorMessage", error_message);
    w.CloseObject(ps);
  }
  w.CloseObject(at);
}

template void EncodeExportResponseJson<pdata::TraceBatch>(int64_t, std::string_view, std::string*);
template void EncodeExportResponseJson<pdata::MetricBatch>(int64_t, std::string_view, std::string*);
template void EncodeExportResponseJson<pdata::LogBatch>(int64_t, std::string_view, std::string*);

void EncodeRpcStatusJson(int code, std::string_view message, std::string* out) {
  Writer w(out);
  size_t at = w.Open();
  w.Key("code");
  w.Integer(code);
  w.StringField("message", message);
  w.CloseObject(at);
}

void AppendJsonString(std::string& out, std::string_view s) { Writer(&out).String(s); }

}  // namespace otter::otlp
