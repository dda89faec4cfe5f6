#include "exporters/loki/push_request.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>

#include "otlp/json_codec.h"
#include "store/prom_naming.h"

namespace otter::loki_exporter {
namespace {

constexpr std::string_view kHintResources = "loki.resource.labels";
constexpr std::string_view kHintAttributes = "loki.attribute.labels";
constexpr std::string_view kHintTenant = "loki.tenant";
constexpr std::string_view kHintFormat = "loki.format";

bool IsHint(std::string_view k) {
  return k == kHintResources || k == kHintAttributes || k == kHintTenant || k == kHintFormat;
}

std::string AsString(const pdata::AnyValue& v) {
  std::string s;
  store::promconv::AppendAttributeValueString(v, &s);
  return s;
}

// Go's encoding/json for a float64: plain digits in [1e-6, 1e21), else an exponent ("1e-07"
// written "1e-7").
void AppendJsonNumber(double v, std::string& out) {
  if (!std::isfinite(v)) {
    out += "null";  // JSON has no NaN or Inf
    return;
  }
  char buf[64];
  const double a = std::fabs(v);
  if (a == 0 || (a >= 1e-6 && a < 1e21)) {
    out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
    return;
  }
  std::string s(buf, std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific).ptr);
  size_t e = s.find('e');
  if (e != std::string::npos && e + 2 < s.size() && s[e + 2] == '0') s.erase(e + 2, 1);
  out += s;
}

void AppendBase64(std::string_view in, std::string& out) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n =
        uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out += kAlphabet[(n >> k) & 63];
  }
  if (size_t rest = in.size() - i) {
    uint32_t n =
        uint32_t(uint8_t(in[i])) << 16 | (rest == 2 ? uint32_t(uint8_t(in[i + 1])) << 8 : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
}

void AppendRawJson(const pdata::AnyValue& v, std::string& out);

// A map as Go marshals map[string]any: keys sorted.
void AppendObject(const std::vector<const pdata::KeyValue*>& kvs, std::string& out) {
  std::vector<const pdata::KeyValue*> sorted = kvs;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto* a, const auto* b) { return a->key < b->key; });
  out += '{';
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i) out += ',';
    otlp::AppendJsonString(out, sorted[i]->key);
    out += ':';
    AppendRawJson(sorted[i]->value, out);
  }
  out += '}';
}

void AppendRawJson(const pdata::AnyValue& v, std::string& out) {
  using T = pdata::AnyValue::Type;
  switch (v.type) {
    case T::kEmpty:
      out += "null";
      return;
    case T::kString:
      otlp::AppendJsonString(out, v.string_value);
      return;
    case T::kBool:
      out += v.bool_value ? "true" : "false";
      return;
    case T::kInt:
      out += std::to_string(v.int_value);
      return;
    case T::kDouble:
      AppendJsonNumber(v.double_value, out);
      return;
    case T::kBytes:
      out += '"';
      AppendBase64(v.string_value, out);
      out += '"';
      return;
    case T::kArray:
      out += '[';
      for (size_t i = 0; i < v.array_value.size(); ++i) {
        if (i) out += ',';
        AppendRawJson(v.array_value[i], out);
      }
      out += ']';
      return;
    case T::kKvList: {
      std::vector<const pdata::KeyValue*> kvs;
      for (const auto& kv : v.kvlist_value) kvs.push_back(&kv);
      AppendObject(kvs, out);
      return;
    }
  }
}

// The attribute names a hint lists: a comma-separated string or a list.
std::vector<std::string> HintNames(const pdata::AnyValue& hint) {
  std::vector<std::string> out;
  auto add = [&](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    if (!s.empty()) out.emplace_back(s);
  };
  if (hint.type == pdata::AnyValue::Type::kArray) {
    for (const auto& e : hint.array_value) add(AsString(e));
    return out;
  }
  std::string all = AsString(hint);
  for (size_t start = 0;;) {
    size_t comma = all.find(',', start);
    add(std::string_view(all).substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string Job(const pdata::Attributes& res) {
  const pdata::AnyValue* name = pdata::FindAttribute(res, "service.name");
  if (!name) return {};
  const pdata::AnyValue* ns = pdata::FindAttribute(res, "service.namespace");
  std::string n = ns ? AsString(*ns) : "";
  return n.empty() ? AsString(*name) : n + "/" + AsString(*name);
}

std::string LabelString(const std::map<std::string, std::string>& labels) {
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    if (out.size() > 1) out += ", ";
    out += k + "=\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

// Moves the attributes a hint names from `attrs` into `labels` (sanitised names).
void Promote(const pdata::AnyValue* hint, const pdata::Attributes& attrs,
             std::map<std::string, std::string>& labels, std::vector<std::string_view>& promoted) {
  if (!hint) return;
  for (const std::string& name : HintNames(*hint)) {
    const pdata::AnyValue* v = pdata::FindAttribute(attrs, name);
    if (!v) continue;
    std::string label = store::PrometheusLabelName(name);
    if (label.empty()) continue;
    labels[label] = AsString(*v);
    for (const auto& kv : attrs)
      if (kv.key == name) promoted.push_back(kv.key);
  }
}

std::string LogfmtValue(std::string_view v) {
  bool quote = v.empty() || v.find_first_of(" =\"\\") != std::string_view::npos;
  if (!quote) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string LogfmtLine(const pdata::LogRecord& r, const pdata::Attributes& attrs,
                       const pdata::Attributes& res, const pdata::InstrumentationScope& scope) {
  std::vector<std::pair<std::string, std::string>> kv;
  if (r.body.type != pdata::AnyValue::Type::kEmpty) kv.emplace_back("msg", AsString(r.body));
  if (!r.trace_id.empty()) kv.emplace_back("traceID", r.trace_id.Hex());
  if (!r.span_id.empty()) kv.emplace_back("spanID", r.span_id.Hex());
  if (!r.severity_text.empty()) kv.emplace_back("severity", std::string(r.severity_text));
  if (r.flags) kv.emplace_back("flags", std::to_string(r.flags));
  for (const auto& a : attrs) kv.emplace_back("attribute_" + std::string(a.key), AsString(a.value));
  for (const auto& a : res) kv.emplace_back("resource_" + std::string(a.key), AsString(a.value));
  if (!scope.name.empty()) {
    kv.emplace_back("instrumentation_scope_name", std::string(scope.name));
    if (!scope.version.empty())
      kv.emplace_back("instrumentation_scope_version", std::string(scope.version));
  }
  std::string out;
  for (const auto& [k, v] : kv) {
    if (!out.empty()) out += ' ';
    out += k + "=" + LogfmtValue(v);
  }
  return out;
}

// Protobuf helpers (logproto.PushRequest).
void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void PutBytes(std::string& out, uint32_t field, std::string_view s) {
  PutVarint(out, field << 3 | 2);
  PutVarint(out, s.size());
  out.append(s);
}
void PutInt(std::string& out, uint32_t field, int64_t v) {
  if (v == 0) return;
  PutVarint(out, field << 3);
  PutVarint(out, static_cast<uint64_t>(v));
}

}  // namespace

std::string JsonLine(const pdata::LogRecord& r, const pdata::Attributes& attrs,
                     const pdata::Attributes& res, const pdata::InstrumentationScope& scope) {
  std::string out = "{";
  auto field = [&](std::string_view name) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += name;
    out += "\":";
  };
  if (r.body.type != pdata::AnyValue::Type::kEmpty) {
    field("body");
    AppendRawJson(r.body, out);
  }
  if (!r.trace_id.empty()) {
    field("traceid");
    out += '"' + r.trace_id.Hex() + '"';
  }
  if (!r.span_id.empty()) {
    field("spanid");
    out += '"' + r.span_id.Hex() + '"';
  }
  if (!r.severity_text.empty()) {
    field("severity");
    otlp::AppendJsonString(out, r.severity_text);
  }
  if (r.flags) {
    field("flags");
    out += std::to_string(r.flags);
  }
  auto object = [&](std::string_view name, const pdata::Attributes& a) {
    if (a.empty()) return;
    field(name);
    std::vector<const pdata::KeyValue*> kvs;
    for (const auto& kv : a) kvs.push_back(&kv);
    AppendObject(kvs, out);
  };
  object("attributes", attrs);
  object("resources", res);
  if (!scope.name.empty()) {
    field("instrumentation_scope");
    out += "{\"name\":";
    otlp::AppendJsonString(out, scope.name);
    if (!scope.version.empty()) {
      out += ",\"version\":";
      otlp::AppendJsonString(out, scope.version);
    }
    out += '}';
  }
  return out + "}";
}

Tenants ToStreams(const pdata::LogBatch& batch, const LokiExporterConfig::DefaultLabels& dl) {
  Tenants tenants;
  std::map<std::pair<std::string, std::string>, size_t> index;  // (tenant, labels) → stream
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  for (const auto& rl : batch.resources()) {
    const pdata::Attributes& res = rl.resource.attributes;
    for (const auto& sl : rl.scope_logs) {
      for (const auto& r : sl.log_records) {
        std::map<std::string, std::string> labels;
        if (dl.exporter) labels["exporter"] = "OTLP";
        if (dl.job)
          if (std::string job = Job(res); !job.empty()) labels["job"] = job;
        if (dl.instance)
          if (const auto* id = pdata::FindAttribute(res, "service.instance.id"))
            labels["instance"] = AsString(*id);
        if (dl.level && !r.severity_text.empty()) labels["level"] = std::string(r.severity_text);
        std::vector<std::string_view> res_promoted, attr_promoted;
        Promote(pdata::FindAttribute(res, kHintResources), res, labels, res_promoted);
        Promote(pdata::FindAttribute(r.attributes, kHintResources), res, labels, res_promoted);
        Promote(pdata::FindAttribute(r.attributes, kHintAttributes), r.attributes, labels,
                attr_promoted);
        std::string tenant;
        if (const auto* t = pdata::FindAttribute(res, kHintTenant)) {
          if (const auto* v = pdata::FindAttribute(res, AsString(*t))) tenant = AsString(*v);
        } else if (const auto* t2 = pdata::FindAttribute(r.attributes, kHintTenant)) {
          if (const auto* v = pdata::FindAttribute(r.attributes, AsString(*t2)))
            tenant = AsString(*v);
        }
        std::string format = "json";
        if (const auto* f = pdata::FindAttribute(r.attributes, kHintFormat))
          format = AsString(*f);
        else if (const auto* f2 = pdata::FindAttribute(res, kHintFormat))
          format = AsString(*f2);
        // What stays in the line: neither hints nor attributes that became labels.
        auto keep = [](const pdata::Attributes& from, const std::vector<std::string_view>& gone) {
          pdata::Attributes out;
          for (const auto& kv : from)
            if (!IsHint(kv.key) && std::find(gone.begin(), gone.end(), kv.key) == gone.end())
              out.push_back(kv);
          return out;
        };
        pdata::Attributes attrs = keep(r.attributes, attr_promoted);
        pdata::Attributes resource = keep(res, res_promoted);

        Entry e;
        e.t_ns = r.time_unix_nano            ? static_cast<int64_t>(r.time_unix_nano)
                 : r.observed_time_unix_nano ? static_cast<int64_t>(r.observed_time_unix_nano)
                                             : now_ns;
        if (format == "raw")
          e.line = AsString(r.body);
        else if (format == "logfmt")
          e.line = LogfmtLine(r, attrs, resource, sl.scope);
        else
          e.line = JsonLine(r, attrs, resource, sl.scope);
        if (!r.trace_id.empty()) e.metadata.emplace_back("trace_id", r.trace_id.Hex());
        if (!r.span_id.empty()) e.metadata.emplace_back("span_id", r.span_id.Hex());
        std::string key = LabelString(labels);
        auto& streams = tenants[tenant];
        auto [it, fresh] = index.try_emplace({tenant, key}, streams.size());
        if (fresh) streams.push_back({std::move(key), {}});
        streams[it->second].entries.push_back(std::move(e));
      }
    }
  }
  return tenants;
}

std::string EncodePushRequest(const std::vector<Stream>& streams) {
  std::string out;
  for (const Stream& s : streams) {
    std::string sm;
    PutBytes(sm, 1, s.labels);
    for (const Entry& e : s.entries) {
      std::string em, ts;
      PutInt(ts, 1, e.t_ns / 1'000'000'000);
      PutInt(ts, 2, e.t_ns % 1'000'000'000);
      PutBytes(em, 1, ts);
      PutBytes(em, 2, e.line);
      for (const auto& [k, v] : e.metadata) {
        std::string lp;
        PutBytes(lp, 1, k);
        PutBytes(lp, 2, v);
        PutBytes(em, 3, lp);
      }
      PutBytes(sm, 2, em);
    }
    PutBytes(out, 1, sm);
  }
  return out;
}

}  // namespace otter::loki_exporter
