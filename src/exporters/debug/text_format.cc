#include "exporters/debug/text_format.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <ctime>

#include "otlp/json_codec.h"
#include "pdata/span_names.h"

namespace otter::debugtext {
namespace {

using pdata::AnyValue;
using pdata::Attributes;

void AppendDouble(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d > 0 ? "+Inf" : "-Inf";
    return;
  }
  // As Go's float64AsString: fixed notation unless tiny or huge.
  double a = std::fabs(d);
  auto format = (a != 0 && (a < 1e-6 || a >= 1e21)) ? std::chars_format::scientific
                                                    : std::chars_format::fixed;
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d, format);
  out.append(buf, ec == std::errc() ? p : buf);
}

void AppendBase64(std::string& out, std::string_view s) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t v =
        uint32_t(uint8_t(s[i])) << 16 | uint32_t(uint8_t(s[i + 1])) << 8 | uint8_t(s[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == s.size()) {
    uint32_t v = uint32_t(uint8_t(s[i])) << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == s.size()) {
    uint32_t v = uint32_t(uint8_t(s[i])) << 16 | uint32_t(uint8_t(s[i + 1])) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
}

void AppendJson(std::string& out, const AnyValue& v) {
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      out += "null";
      break;
    case AnyValue::Type::kString:
      otlp::AppendJsonString(out, v.string_value);
      break;
    case AnyValue::Type::kBytes: {
      std::string b64;
      AppendBase64(b64, v.string_value);
      otlp::AppendJsonString(out, b64);
      break;
    }
    case AnyValue::Type::kArray:
      out += '[';
      for (size_t i = 0; i < v.array_value.size(); ++i) {
        if (i) out += ',';
        AppendJson(out, v.array_value[i]);
      }
      out += ']';
      break;
    case AnyValue::Type::kKvList:
      out += '{';
      for (size_t i = 0; i < v.kvlist_value.size(); ++i) {
        if (i) out += ',';
        otlp::AppendJsonString(out, v.kvlist_value[i].key);
        out += ':';
        AppendJson(out, v.kvlist_value[i].value);
      }
      out += '}';
      break;
    default:
      out += ValueAsString(v);
  }
}

const char* ValueTypeName(AnyValue::Type t) {
  switch (t) {
    case AnyValue::Type::kEmpty:
      return "Empty";
    case AnyValue::Type::kString:
      return "Str";
    case AnyValue::Type::kBool:
      return "Bool";
    case AnyValue::Type::kInt:
      return "Int";
    case AnyValue::Type::kDouble:
      return "Double";
    case AnyValue::Type::kArray:
      return "Slice";
    case AnyValue::Type::kKvList:
      return "Map";
    case AnyValue::Type::kBytes:
      return "Bytes";
  }
  return "?";
}

// "Str(value)"
std::string TypedValue(const AnyValue& v) {
  return std::string(ValueTypeName(v.type)) + "(" + ValueAsString(v) + ")";
}

template <size_t N>
std::string IdString(const pdata::Id<N>& id) {
  return id.empty() ? std::string() : id.Hex();
}

std::string SeverityName(int32_t n) {
  static const char* kNames[] = {
      "Unspecified", "Trace",  "Trace2", "Trace3", "Trace4", "Debug",  "Debug2", "Debug3", "Debug4",
      "Info",        "Info2",  "Info3",  "Info4",  "Warn",   "Warn2",  "Warn3",  "Warn4",  "Error",
      "Error2",      "Error3", "Error4", "Fatal",  "Fatal2", "Fatal3", "Fatal4"};
  if (n >= 0 && n <= 24) return kNames[n];
  return "SeverityNumber(" + std::to_string(n) + ")";
}

const char* MetricTypeName(pdata::MetricType t) {
  switch (t) {
    case pdata::MetricType::kEmpty:
      return "Empty";
    case pdata::MetricType::kGauge:
      return "Gauge";
    case pdata::MetricType::kSum:
      return "Sum";
    case pdata::MetricType::kHistogram:
      return "Histogram";
    case pdata::MetricType::kExponentialHistogram:
      return "ExponentialHistogram";
    case pdata::MetricType::kSummary:
      return "Summary";
  }
  return "Empty";
}

const char* TemporalityName(pdata::AggregationTemporality t) {
  switch (t) {
    case pdata::AggregationTemporality::kUnspecified:
      return "Unspecified";
    case pdata::AggregationTemporality::kDelta:
      return "Delta";
    case pdata::AggregationTemporality::kCumulative:
      return "Cumulative";
  }
  return "Unspecified";
}

std::string F(double d) { return fmt::format("{:f}", d); }  // Go's %f

std::string Shortest(double d) {
  std::string s;
  AppendDouble(s, d);
  return s;
}

// ---- detailed ("otlptext") ---------------------------------------------------------------------

class Text {
 public:
  template <class... Args>
  void Line(fmt::format_string<Args...> f, Args&&... args) {
    out_ += fmt::format(f, std::forward<Args>(args)...);
    out_ += '\n';
  }
  // "    Name           : value"
  void Attr(std::string_view name, std::string_view value) {
    out_ += fmt::format("    {:<15}: {}\n", name, value);
  }
  // Header line and "     -> key: Type(value)" per attribute; nothing when empty. A header
  // containing "->" indents the attributes under it, as Go does.
  void Attributes(std::string_view header, const pdata::Attributes& attrs) {
    if (attrs.empty()) return;
    Line("{}:", header);
    std::string prefix = "     ->";
    if (size_t arrow = header.find("->"); arrow != std::string_view::npos)
      prefix = std::string(header.substr(0, arrow)) + prefix;
    for (const auto& kv : attrs) Line("{} {}: {}", prefix, kv.key, TypedValue(kv.value));
  }
  void Scope(const pdata::InstrumentationScope& s) {
    Line("InstrumentationScope {} {}", s.name, s.version);
    Attributes("InstrumentationScope attributes", s.attributes);
  }
  void Resource(const char* title, size_t i, std::string_view schema_url,
                const pdata::Resource& r) {
    Line("{} #{}", title, i);
    Line("Resource SchemaURL: {}", schema_url);
    Attributes("Resource attributes", r.attributes);
  }
  void Exemplars(const std::vector<pdata::Exemplar>& exemplars) {
    if (exemplars.empty()) return;
    Line("Exemplars:");
    for (size_t i = 0; i < exemplars.size(); ++i) {
      const auto& e = exemplars[i];
      Line("Exemplar #{}", i);
      Line("     -> Trace ID: {}", IdString(e.trace_id));
      Line("     -> Span ID: {}", IdString(e.span_id));
      Line("     -> Timestamp: {}", FormatTimestamp(e.time_unix_nano));
      if (e.is_int)
        Line("     -> Value: {}", e.as_int);
      else
        Line("     -> Value: {}", F(e.as_double));
      Attributes("     -> FilteredAttributes", e.filtered_attributes);
    }
  }
  void PointHeader(const char* kind, size_t i, const pdata::Attributes& attrs, uint64_t start,
                   uint64_t time) {
    Line("{} #{}", kind, i);
    Attributes("Data point attributes", attrs);
    Line("StartTimestamp: {}", FormatTimestamp(start));
    Line("Timestamp: {}", FormatTimestamp(time));
  }
  void MinSumMax(const std::optional<double>& sum, const std::optional<double>& min,
                 const std::optional<double>& max) {
    if (sum) Line("Sum: {}", F(*sum));
    if (min) Line("Min: {}", F(*min));
    if (max) Line("Max: {}", F(*max));
  }
  void Flags(uint32_t flags) {
    if (flags) Line("Flags: {}", flags);
  }
  std::string Take() {
    if (!out_.empty() && out_.back() == '\n') out_.pop_back();
    return std::move(out_);
  }

 private:
  std::string out_;
};

void DataPoints(Text& t, const pdata::Metric& m) {
  for (size_t i = 0; i < m.number_points.size(); ++i) {
    const auto& p = m.number_points[i];
    t.PointHeader("NumberDataPoints", i, p.attributes, p.start_time_unix_nano, p.time_unix_nano);
    if (p.value_type == pdata::NumberDataPoint::ValueType::kInt)
      t.Line("Value: {}", p.as_int);
    else if (p.value_type == pdata::NumberDataPoint::ValueType::kDouble)
      t.Line("Value: {}", F(p.as_double));
    t.Flags(p.flags);
    t.Exemplars(p.exemplars);
  }
  for (size_t i = 0; i < m.histogram_points.size(); ++i) {
    const auto& p = m.histogram_points[i];
    t.PointHeader("HistogramDataPoints", i, p.attributes, p.start_time_unix_nano, p.time_unix_nano);
    t.Line("Count: {}", p.count);
    t.MinSumMax(p.sum, p.min, p.max);
    for (size_t b = 0; b < p.explicit_bounds.size(); ++b)
      t.Line("ExplicitBounds #{}: {}", b, F(p.explicit_bounds[b]));
    for (size_t b = 0; b < p.bucket_counts.size(); ++b)
      t.Line("Buckets #{}, Count: {}", b, p.bucket_counts[b]);
    t.Flags(p.flags);
    t.Exemplars(p.exemplars);
  }
  for (size_t i = 0; i < m.exp_histogram_points.size(); ++i) {
    const auto& p = m.exp_histogram_points[i];
    t.PointHeader("ExponentialHistogramDataPoints", i, p.attributes, p.start_time_unix_nano,
                  p.time_unix_nano);
    t.Line("Count: {}", p.count);
    t.MinSumMax(p.sum, p.min, p.max);
    const double factor = std::ldexp(std::log(2.0), -p.scale);
    const auto& neg = p.negative.bucket_counts;
    for (size_t k = 0; k < neg.size(); ++k) {
      size_t pos = neg.size() - k - 1;
      double index = double(p.negative.offset) + double(pos);
      t.Line("Bucket [{}, {}), Count: {}", F(-std::exp((index + 1) * factor)),
             F(-std::exp(index * factor)), neg[pos]);
    }
    if (p.zero_count != 0) t.Line("Bucket [0, 0], Count: {}", p.zero_count);
    const auto& posb = p.positive.bucket_counts;
    for (size_t pos = 0; pos < posb.size(); ++pos) {
      double index = double(p.positive.offset) + double(pos);
      t.Line("Bucket ({}, {}], Count: {}", F(std::exp(index * factor)),
             F(std::exp((index + 1) * factor)), posb[pos]);
    }
    t.Flags(p.flags);
    t.Exemplars(p.exemplars);
  }
  for (size_t i = 0; i < m.summary_points.size(); ++i) {
    const auto& p = m.summary_points[i];
    t.PointHeader("SummaryDataPoints", i, p.attributes, p.start_time_unix_nano, p.time_unix_nano);
    t.Line("Count: {}", p.count);
    t.Line("Sum: {}", F(p.sum));
    for (size_t q = 0; q < p.quantile_values.size(); ++q)
      t.Line("QuantileValue #{}: Quantile {}, Value {}", q, F(p.quantile_values[q].quantile),
             F(p.quantile_values[q].value));
    t.Flags(p.flags);
  }
}

// ---- normal ------------------------------------------------------------------------------------

// " k=v k=v" (empty when there are none)
std::string AttrsSuffix(const Attributes& attrs, char sep = ' ', bool leading = true) {
  std::string s;
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (i || leading) s += sep;
    s += attrs[i].key;
    s += '=';
    s += ValueAsString(attrs[i].value);
  }
  return s;
}

std::string ResourceDetails(std::string_view schema_url) {
  return schema_url.empty() ? std::string() : " [" + std::string(schema_url) + "]";
}

std::string ScopeDetails(const pdata::InstrumentationScope& s, std::string_view schema_url) {
  std::string d(s.name);
  if (!s.version.empty()) d += "@" + std::string(s.version);
  if (!schema_url.empty()) {
    if (!d.empty()) d += ' ';
    d += "[" + std::string(schema_url) + "]";
  }
  return d.empty() ? d : " " + d;
}

template <class R>
void NormalResourceLine(std::string& out, const char* resource_title, size_t i, const R& r) {
  out += fmt::format("{} #{}{}{}\n", resource_title, i, ResourceDetails(r.schema_url),
                     AttrsSuffix(r.resource.attributes));
}

std::string Chomp(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace

std::string FormatTimestamp(uint64_t unix_nanos) {
  time_t secs = static_cast<time_t>(unix_nanos / 1000000000);
  uint64_t frac = unix_nanos % 1000000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::string out = buf;
  if (frac) {
    std::string f = fmt::format("{:09d}", frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + " +0000 UTC";
}

std::string ValueAsString(const AnyValue& v) {
  std::string out;
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      break;
    case AnyValue::Type::kString:
      out.assign(v.string_value);
      break;
    case AnyValue::Type::kBool:
      out = v.bool_value ? "true" : "false";
      break;
    case AnyValue::Type::kInt:
      out = std::to_string(v.int_value);
      break;
    case AnyValue::Type::kDouble:
      AppendDouble(out, v.double_value);
      break;
    case AnyValue::Type::kBytes:
      AppendBase64(out, v.string_value);
      break;
    case AnyValue::Type::kArray:
    case AnyValue::Type::kKvList:
      AppendJson(out, v);
      break;
  }
  return out;
}

// ---- summaries ---------------------------------------------------------------------------------

std::string Summary(const pdata::TraceBatch& b) {
  return fmt::format("TracesExporter: {} resource spans, {} spans", b.resources().size(),
                     b.ItemCount());
}

std::string Summary(const pdata::MetricBatch& b) {
  size_t metrics = 0;
  for (const auto& rm : b.resources())
    for (const auto& sm : rm.scope_metrics) metrics += sm.metrics.size();
  return fmt::format("MetricsExporter: {} resource metrics, {} metrics, {} data points",
                     b.resources().size(), metrics, b.ItemCount());
}

std::string Summary(const pdata::LogBatch& b) {
  return fmt::format("LogsExporter: {} resource logs, {} log records", b.resources().size(),
                     b.ItemCount());
}

// ---- normal ------------------------------------------------------------------------------------

std::string Normal(const pdata::TraceBatch& b) {
  std::string out;
  for (size_t i = 0; i < b.resources().size(); ++i) {
    const auto& rs = b.resources()[i];
    NormalResourceLine(out, "ResourceTraces", i, rs);
    for (size_t j = 0; j < rs.scope_spans.size(); ++j) {
      const auto& ss = rs.scope_spans[j];
      out += fmt::format("ScopeTraces #{}{}{}\n", j, ScopeDetails(ss.scope, ss.schema_url),
                         AttrsSuffix(ss.scope.attributes));
      for (const auto& span : ss.spans) {
        out += fmt::format("{} {} {}{}\n", span.name, IdString(span.trace_id),
                           IdString(span.span_id), AttrsSuffix(span.attributes));
      }
    }
  }
  return Chomp(std::move(out));
}

std::string Normal(const pdata::MetricBatch& b) {
  std::string out;
  for (size_t i = 0; i < b.resources().size(); ++i) {
    const auto& rm = b.resources()[i];
    NormalResourceLine(out, "ResourceMetrics", i, rm);
    for (size_t j = 0; j < rm.scope_metrics.size(); ++j) {
      const auto& sm = rm.scope_metrics[j];
      out += fmt::format("ScopeMetrics #{}{}{}\n", j, ScopeDetails(sm.scope, sm.schema_url),
                         AttrsSuffix(sm.scope.attributes));
      for (const auto& m : sm.metrics) {
        auto line = [&](const Attributes& attrs, const std::string& value) {
          out += fmt::format("{}{{{}}} {}\n", m.name, AttrsSuffix(attrs, ',', false), value);
        };
        for (const auto& p : m.number_points) {
          line(p.attributes, p.value_type == pdata::NumberDataPoint::ValueType::kInt
                                 ? std::to_string(p.as_int)
                                 : Shortest(p.as_double));
        }
        for (const auto& p : m.histogram_points) {
          std::string v = fmt::format("count={}", p.count);
          if (p.sum) v += " sum=" + Shortest(*p.sum);
          if (p.min) v += " min=" + Shortest(*p.min);
          if (p.max) v += " max=" + Shortest(*p.max);
          for (size_t k = 0; k < p.bucket_counts.size(); ++k) {
            v += ' ';
            if (k < p.explicit_bounds.size()) v += "le" + Shortest(p.explicit_bounds[k]) + "=";
            v += std::to_string(p.bucket_counts[k]);
          }
          line(p.attributes, v);
        }
        for (const auto& p : m.exp_histogram_points) {
          std::string v = fmt::format("count={}", p.count);
          if (p.sum) v += " sum=" + Shortest(*p.sum);
          if (p.min) v += " min=" + Shortest(*p.min);
          if (p.max) v += " max=" + Shortest(*p.max);
          const double base = std::pow(2.0, std::pow(2.0, -double(p.scale)));
          for (size_t k = 0; k < p.negative.bucket_counts.size(); ++k)
            v += fmt::format(" le{}={}",
                             Shortest(std::pow(base, double(p.negative.offset + int(k)))),
                             p.negative.bucket_counts[k]);
          for (size_t k = 0; k < p.positive.bucket_counts.size(); ++k)
            v += fmt::format(" le{}={}",
                             Shortest(std::pow(base, double(p.positive.offset + int(k)))),
                             p.positive.bucket_counts[k]);
          if (p.zero_count > 0)
            v += fmt::format(" zero_count{}={}", Shortest(p.zero_threshold), p.zero_count);
          line(p.attributes, v);
        }
        for (const auto& p : m.summary_points) {
          std::string v = fmt::format("count={} sum={}", p.count, F(p.sum));
          for (const auto& q : p.quantile_values)
            v += fmt::format(" q{}={}", Shortest(q.quantile), Shortest(q.value));
          line(p.attributes, v);
        }
      }
    }
  }
  return Chomp(std::move(out));
}

std::string Normal(const pdata::LogBatch& b) {
  std::string out;
  for (size_t i = 0; i < b.resources().size(); ++i) {
    const auto& rl = b.resources()[i];
    NormalResourceLine(out, "ResourceLog", i, rl);
    for (size_t j = 0; j < rl.scope_logs.size(); ++j) {
      const auto& sl = rl.scope_logs[j];
      out += fmt::format("ScopeLog #{}{}{}\n", j, ScopeDetails(sl.scope, sl.schema_url),
                         AttrsSuffix(sl.scope.attributes));
      for (const auto& r : sl.log_records) {
        out += ValueAsString(r.body) + AttrsSuffix(r.attributes) + "\n";
      }
    }
  }
  return Chomp(std::move(out));
}

// ---- detailed ----------------------------------------------------------------------------------

std::string Detailed(const pdata::TraceBatch& b) {
  Text t;
  for (size_t i = 0; i < b.resources().size(); ++i) {
    const auto& rs = b.resources()[i];
    t.Resource("ResourceSpans", i, rs.schema_url, rs.resource);
    for (size_t j = 0; j < rs.scope_spans.size(); ++j) {
      const auto& ss = rs.scope_spans[j];
      t.Line("ScopeSpans #{}", j);
      t.Line("ScopeSpans SchemaURL: {}", ss.schema_url);
      t.Scope(ss.scope);
      for (size_t k = 0; k < ss.spans.size(); ++k) {
        const auto& s = ss.spans[k];
        t.Line("Span #{}", k);
        t.Attr("Trace ID", IdString(s.trace_id));
        t.Attr("Parent ID", IdString(s.parent_span_id));
        t.Attr("ID", IdString(s.span_id));
        t.Attr("Name", s.name);
        t.Attr("Kind", pdata::SpanKindShortName(s.kind));
        if (!s.trace_state.empty()) t.Attr("TraceState", s.trace_state);
        t.Attr("Start time", FormatTimestamp(s.start_time_unix_nano));
        t.Attr("End time", FormatTimestamp(s.end_time_unix_nano));
        t.Attr("Status code", pdata::StatusCodeShortName(s.status.code));
        t.Attr("Status message", s.status.message);
        if (s.flags) t.Attr("Flags", std::to_string(s.flags));
        if (s.dropped_attributes_count)
          t.Line("    DroppedAttributesCount: {}", s.dropped_attributes_count);
        if (s.dropped_events_count) t.Line("    DroppedEventsCount: {}", s.dropped_events_count);
        if (s.dropped_links_count) t.Line("    DroppedLinksCount: {}", s.dropped_links_count);
        t.Attributes("Attributes", s.attributes);
        if (!s.events.empty()) {
          t.Line("Events:");
          for (size_t e = 0; e < s.events.size(); ++e) {
            const auto& ev = s.events[e];
            t.Line("SpanEvent #{}", e);
            t.Line("     -> Name: {}", ev.name);
            t.Line("     -> Timestamp: {}", FormatTimestamp(ev.time_unix_nano));
            t.Line("     -> DroppedAttributesCount: {}", ev.dropped_attributes_count);
            t.Attributes("     -> Attributes:", ev.attributes);
          }
        }
        if (!s.links.empty()) {
          t.Line("Links:");
          for (size_t l = 0; l < s.links.size(); ++l) {
            const auto& link = s.links[l];
            t.Line("SpanLink #{}", l);
            t.Line("     -> Trace ID: {}", IdString(link.trace_id));
            t.Line("     -> ID: {}", IdString(link.span_id));
            t.Line("     -> TraceState: {}", link.trace_state);
            t.Line("     -> DroppedAttributesCount: {}", link.dropped_attributes_count);
            if (link.flags) t.Line("     -> Flags: {}", link.flags);
            t.Attributes("     -> Attributes:", link.attributes);
          }
        }
      }
    }
  }
  return t.Take();
}

std::string Detailed(const pdata::MetricBatch& b) {
  Text t;
  for (size_t i = 0; i < b.resources().size(); ++i) {
    const auto& rm = b.resources()[i];
    t.Resource("ResourceMetrics", i, rm.schema_url, rm.resource);
    for (size_t j = 0; j < rm.scope_metrics.size(); ++j) {
      const auto& sm = rm.scope_metrics[j];
      t.Line("ScopeMetrics #{}", j);
      t.Line("ScopeMetrics SchemaURL: {}", sm.schema_url);
      t.Scope(sm.scope);
      for (size_t k = 0; k < sm.metrics.size(); ++k) {
        const auto& m = sm.metrics[k];
        t.Line("Metric #{}", k);
        t.Line("Descriptor:");
        t.Line("     -> Name: {}", m.name);
        t.Line("     -> Description: {}", m.description);
        t.Line("     -> Unit: {}", m.unit);
        t.Line("     -> DataType: {}", MetricTypeName(m.type));
        if (m.type == pdata::MetricType::kSum) t.Line("     -> IsMonotonic: {}", m.is_monotonic);
        if (m.type == pdata::MetricType::kSum || m.type == pdata::MetricType::kHistogram ||
            m.type == pdata::MetricType::kExponentialHistogram) {
          t.Line("     -> AggregationTemporality: {}", TemporalityName(m.temporality));
        }
        t.Attributes("     -> Metadata", m.metadata);
        DataPoints(t, m);
      }
    }
  }
  return t.Take();
}

std::string Detailed(const pdata::LogBatch& b) {
  Text t;
  for (size_t i = 0; i < b.resources().size(); ++i) {
    const auto& rl = b.resources()[i];
    t.Resource("ResourceLog", i, rl.schema_url, rl.resource);
    for (size_t j = 0; j < rl.scope_logs.size(); ++j) {
      const auto& sl = rl.scope_logs[j];
      t.Line("ScopeLogs #{}", j);
      t.Line("ScopeLogs SchemaURL: {}", sl.schema_url);
      t.Scope(sl.scope);
      for (size_t k = 0; k < sl.log_records.size(); ++k) {
        const auto& r = sl.log_records[k];
        t.Line("LogRecord #{}", k);
        t.Line("ObservedTimestamp: {}", FormatTimestamp(r.observed_time_unix_nano));
        t.Line("Timestamp: {}", FormatTimestamp(r.time_unix_nano));
        t.Line("SeverityText: {}", r.severity_text);
        t.Line("SeverityNumber: {}({})", SeverityName(r.severity_number), r.severity_number);
        if (!r.event_name.empty()) t.Line("EventName: {}", r.event_name);
        t.Line("Body: {}", TypedValue(r.body));
        t.Attributes("Attributes", r.attributes);
        if (r.dropped_attributes_count)
          t.Line("DroppedAttributesCount: {}", r.dropped_attributes_count);
        t.Line("Trace ID: {}", IdString(r.trace_id));
        t.Line("Span ID: {}", IdString(r.span_id));
        t.Line("Flags: {}", r.flags);
      }
    }
  }
  return t.Take();
}

}  // namespace otter::debugtext
