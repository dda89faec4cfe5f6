#include "exporters/elasticsearch/document.h"

#include <charconv>

#include "exporters/elasticsearch/flat_document.h"
#include "otlp/json_codec.h"
#include "pdata/span_names.h"

namespace otter::elasticsearch_exporter {
namespace {

using pdata::AnyValue;
using pdata::Attributes;

constexpr size_t kMaxDataStreamBytes = 100;

// Record > scope > resource, string values only.
const AnyValue* FindIn(std::string_view key, const Attributes& record,
                       const pdata::InstrumentationScope& scope, const Attributes& resource) {
  for (const Attributes* a : {&record, &scope.attributes, &resource}) {
    const AnyValue* v = pdata::FindAttribute(*a, key);
    if (v && v->type == AnyValue::Type::kString) return v;
  }
  return nullptr;
}

std::string Sanitize(std::string_view field, std::string_view disallowed, std::string_view suffix) {
  std::string out;
  out.reserve(field.size() + suffix.size());
  for (char c : field) {
    if (disallowed.find(c) != std::string_view::npos)
      out += '_';
    else
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (out.size() > kMaxDataStreamBytes - suffix.size())
    out.resize(kMaxDataStreamBytes - suffix.size());
  out += suffix;
  return out;
}

// The receiver in a scope name such as ".../receiver/hostmetricsreceiver/internal/...".
std::string_view ReceiverName(std::string_view scope) {
  static constexpr std::string_view kMark = "/receiver/";
  for (size_t at = scope.find(kMark); at != std::string_view::npos;
       at = scope.find(kMark, at + 1)) {
    size_t begin = at + kMark.size(), end = begin;
    while (end < scope.size() &&
           (std::isalnum(static_cast<unsigned char>(scope[end])) || scope[end] == '_'))
      ++end;
    std::string_view run = scope.substr(begin, end - begin);
    size_t last = run.rfind("receiver");
    if (last != std::string_view::npos) return run.substr(0, last + 8);
  }
  return {};
}

// True if a record's own attributes could change its route (else the scope's route holds).
bool RoutesItself(const Attributes& record) {
  for (const auto& kv : record)
    if (kv.key == "elasticsearch.index" || kv.key == "data_stream.dataset" ||
        kv.key == "data_stream.namespace")
      return true;
  return false;
}

void AppendHexId(const uint8_t* b, size_t n, std::string& out) {
  static const char* kHex = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 15];
  }
}
template <size_t N>
std::string_view Hex(const pdata::Id<N>& id, std::string& scratch) {
  scratch.clear();
  if (!id.empty()) AppendHexId(id.bytes.data(), N, scratch);
  return scratch;
}

void AppendUint(uint64_t v, std::string& out) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// The action line; the source line follows it.
void BeginDoc(const IndexTarget& t, BulkBody* out, size_t* start) {
  *start = out->ndjson.size();
  out->ndjson += "{\"create\":{\"_index\":";
  otlp::AppendJsonString(out->ndjson, t.index);
  out->ndjson += "}}\n";
}
void EndDoc(size_t start, uint32_t items, BulkBody* out) {
  out->ndjson += '\n';
  out->docs.push_back(
      {static_cast<uint32_t>(start), static_cast<uint32_t>(out->ndjson.size() - start), items});
  out->items += items;
}

uint64_t Duration(const pdata::Span& s) {
  return s.end_time_unix_nano > s.start_time_unix_nano
             ? s.end_time_unix_nano - s.start_time_unix_nano
             : 0;
}

// ---- otel mode: written straight out, attributes in their own order -----------------------------

class OtelWriter {
 public:
  explicit OtelWriter(std::string& out) : out_(out) {}
  void Key(std::string_view k) {
    if (!first_) out_ += ',';
    first_ = false;
    otlp::AppendJsonString(out_, k);
    out_ += ':';
  }
  void Begin() {
    out_ += '{';
    first_ = true;
  }
  void End() {
    out_ += '}';
    first_ = false;
  }
  void String(std::string_view k, std::string_view v) {
    if (v.empty()) return;
    Key(k);
    otlp::AppendJsonString(out_, v);
  }
  void IntSkipZero(std::string_view k, int64_t v) {
    if (v == 0) return;
    Key(k);
    char buf[24];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  }
  void Uint(std::string_view k, uint64_t v) {
    Key(k);
    AppendUint(v, out_);
  }
  void Timestamp(std::string_view k, uint64_t ns) {
    Key(k);
    out_ += '"';
    AppendEpochMillis(ns, out_);
    out_ += '"';
  }
  void DataStream(const IndexTarget& t) {
    if (!t.data_stream) return;
    Key("data_stream");
    Begin();
    String("type", t.type);
    String("dataset", t.dataset);
    String("namespace", t.ns);
    End();
  }
  void Attributes(const pdata::Attributes& attrs, std::string_view event_name = {}) {
    if (attrs.empty() && event_name.empty()) return;
    Key("attributes");
    Begin();
    for (const auto& kv : attrs) {
      if (kv.key == "data_stream.type" || kv.key == "data_stream.dataset" ||
          kv.key == "data_stream.namespace" || kv.key == "elasticsearch.mapping.hints" ||
          kv.key == "elasticsearch.document_id" || (!event_name.empty() && kv.key == "event.name"))
        continue;
      Key(kv.key);
      AppendAnyValueJson(kv.value, true, out_);
    }
    if (!event_name.empty()) String("event.name", event_name);
    End();
  }
  void Resource(const pdata::Resource& r, std::string_view schema_url) {
    Key("resource");
    Begin();
    String("schema_url", schema_url);
    Attributes(r.attributes);
    IntSkipZero("dropped_attributes_count", r.dropped_attributes_count);
    End();
  }
  void Scope(const pdata::InstrumentationScope& s, std::string_view schema_url) {
    Key("scope");
    Begin();
    String("schema_url", schema_url);
    String("name", s.name);
    String("version", s.version);
    Attributes(s.attributes);
    IntSkipZero("dropped_attributes_count", s.dropped_attributes_count);
    End();
  }
  void Body(const AnyValue& body, bool is_event) {
    using T = AnyValue::Type;
    if (body.type == T::kEmpty) return;
    Key("body");
    Begin();
    const char* kind = is_event ? "structured" : "flattened";
    if (body.type == T::kArray) {
      bool all_maps = true;
      for (const auto& v : body.array_value) all_maps &= v.type == T::kKvList;
      Key(kind);
      if (all_maps) {
        AppendAnyValueJson(body, true, out_);
      } else {
        out_ += "{\"value\":";
        AppendAnyValueJson(body, true, out_);
        out_ += '}';
      }
    } else if (body.type == T::kKvList) {
      Key(kind);
      AppendAnyValueJson(body, true, out_);
    } else {
      Key("text");
      if (body.type == T::kString) {
        otlp::AppendJsonString(out_, body.string_value);
      } else {
        std::string s;
        AppendAnyValueJson(body, true, s);
        if (body.type == T::kBytes) s = s.substr(1, s.size() - 2);
        otlp::AppendJsonString(out_, s);
      }
    }
    End();
  }

 private:
  std::string& out_;
  bool first_ = true;
};

// ---- ecs mode
// -------------------------------------------------------------------------------------

// Semantic-convention resource attributes that ECS names differently ("" = dropped).
std::string_view EcsResourceName(std::string_view k) {
  static const std::pair<std::string_view, std::string_view> kMap[] = {
      {"service.instance.id", "service.node.name"},
      {"deployment.environment", "service.environment"},
      {"telemetry.sdk.name", ""},
      {"telemetry.sdk.language", ""},
      {"telemetry.sdk.version", ""},
      {"telemetry.distro.name", ""},
      {"telemetry.distro.version", ""},
      {"cloud.platform", "cloud.service.name"},
      {"container.image.tags", "container.image.tag"},
      {"host.name", "host.hostname"},
      {"host.arch", "host.architecture"},
      {"process.executable.path", "process.executable"},
      {"process.runtime.name", "service.runtime.name"},
      {"process.runtime.version", "service.runtime.version"},
      {"os.name", "host.os.name"},
      {"os.type", "host.os.platform"},
      {"os.description", "host.os.full"},
      {"os.version", "host.os.version"},
      {"k8s.deployment.name", "kubernetes.deployment.name"},
      {"k8s.namespace.name", "kubernetes.namespace"},
      {"k8s.node.name", "kubernetes.node.name"},
      {"k8s.pod.name", "kubernetes.pod.name"},
      {"k8s.pod.uid", "kubernetes.pod.uid"},
      {"k8s.job.name", "kubernetes.job.name"},
      {"k8s.cronjob.name", "kubernetes.cronjob.name"},
      {"k8s.statefulset.name", "kubernetes.statefulset.name"},
      {"k8s.replicaset.name", "kubernetes.replicaset.name"},
      {"k8s.daemonset.name", "kubernetes.daemonset.name"},
      {"k8s.container.name", "kubernetes.container.name"},
      {"k8s.cluster.name", "orchestrator.cluster.name"},
  };
  for (const auto& [from, to] : kMap)
    if (from == k) return to;
  return k;
}

std::string_view EcsLogRecordName(std::string_view k) {
  if (k == "event.name") return "event.action";
  if (k == "exception.message") return "error.message";
  if (k == "exception.stacktrace") return "error.stacktrace";
  if (k == "exception.type") return "error.type";
  if (k == "exception.escaped") return "event.error.exception.handled";
  return k;
}

void EcsResource(const Attributes& resource, FlatDocument& d) {
  for (const auto& kv : resource) {
    std::string_view to = EcsResourceName(kv.key);
    if (to.empty()) continue;
    d.AddValue({}, to, kv.value);
    if (kv.key == "host.name") d.AddValue({}, kv.key, kv.value);  // kept as well
  }
  // agent.name: <sdk name or "otlp">[/<language>[/<distro>]]; agent.version; host.os.type.
  auto str = [&](std::string_view k) -> std::string_view {
    const AnyValue* v = pdata::FindAttribute(resource, k);
    return v && v->type == AnyValue::Type::kString ? v->string_value : std::string_view();
  };
  std::string agent(str("telemetry.sdk.name").empty() ? "otlp" : str("telemetry.sdk.name"));
  std::string_view lang = str("telemetry.sdk.language"), distro = str("telemetry.distro.name");
  if (!distro.empty()) {
    agent += '/';
    agent += lang.empty() ? std::string_view("unknown") : lang;
    agent += '/';
    agent += distro;
  } else if (!lang.empty()) {
    agent += '/';
    agent += lang;
  }
  d.AddString({}, "agent.name", agent);
  if (pdata::FindAttribute(resource, "telemetry.distro.version"))
    d.AddString({}, "agent.version", str("telemetry.distro.version"));
  else
    d.AddString({}, "agent.version", str("telemetry.sdk.version"));
  std::string_view os_type;
  std::string_view t = str("os.type");
  if (t == "windows" || t == "linux") os_type = t;
  if (t == "darwin") os_type = "macos";
  if (t == "aix" || t == "hpux" || t == "solaris") os_type = "unix";
  std::string_view os_name = str("os.name");
  if (os_name == "Android") os_type = "android";
  if (os_name == "iOS") os_type = "ios";
  d.AddString({}, "host.os.type", os_type);
}

void AddDataStreamFields(const IndexTarget& t, FlatDocument& d) {
  if (!t.data_stream) return;
  d.AddString({}, "data_stream.type", t.type);
  d.AddString({}, "data_stream.dataset", t.dataset);
  d.AddString({}, "data_stream.namespace", t.ns);
}

void ScopeFields(const pdata::InstrumentationScope& s, FlatDocument& d) {
  d.AddValue("Scope", "name", AnyValue::String(s.name));
  d.AddValue("Scope", "version", AnyValue::String(s.version));
  for (const auto& kv : s.attributes) {
    if (kv.value.type == AnyValue::Type::kString)
      d.AddValue("Scope", kv.key, kv.value);
    else
      d.AddValue("Scope", kv.key, AnyValue::String(kv.value.ToString()));
  }
}

std::string LinksJson(const std::vector<pdata::SpanLink>& links) {
  std::string out = "[";
  for (size_t i = 0; i < links.size(); ++i) {
    if (i) out += ',';
    out += "{\"span\":{\"id\":\"";
    if (!links[i].span_id.empty()) AppendHexId(links[i].span_id.bytes.data(), 8, out);
    out += "\"},\"trace\":{\"id\":\"";
    if (!links[i].trace_id.empty()) AppendHexId(links[i].trace_id.bytes.data(), 16, out);
    out += "\"}}";
  }
  out += ']';
  return out;
}

}  // namespace

void AppendIsoTimestamp(uint64_t unix_nano, std::string& out) {
  int64_t secs = static_cast<int64_t>(unix_nano / 1'000'000'000);
  uint32_t nanos = static_cast<uint32_t>(unix_nano % 1'000'000'000);
  int64_t days = secs / 86400, rem = secs % 86400;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[40];
  auto two = [](char* p, int64_t v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  two(buf, y / 100);
  two(buf + 2, y % 100);
  buf[4] = '-';
  two(buf + 5, m);
  buf[7] = '-';
  two(buf + 8, d);
  buf[10] = 'T';
  two(buf + 11, rem / 3600);
  buf[13] = ':';
  two(buf + 14, rem / 60 % 60);
  buf[16] = ':';
  two(buf + 17, rem % 60);
  buf[19] = '.';
  for (int i = 28; i >= 20; --i) {
    buf[i] = static_cast<char>('0' + nanos % 10);
    nanos /= 10;
  }
  buf[29] = 'Z';
  out.append(buf, 30);
}

void AppendEpochMillis(uint64_t unix_nano, std::string& out) {
  AppendUint(unix_nano / 1'000'000, out);
  out += '.';
  char frac[6];
  uint64_t rest = unix_nano % 1'000'000;
  for (int i = 5; i >= 0; --i) {
    frac[i] = static_cast<char>('0' + rest % 10);
    rest /= 10;
  }
  out.append(frac, 6);
}

IndexTarget Route(EsMappingMode mode, std::string_view static_index, std::string_view type,
                  const Attributes& resource, const pdata::InstrumentationScope& scope,
                  const Attributes& record) {
  IndexTarget t;
  if (!static_index.empty()) {
    t.index = static_index;
    return t;
  }
  if (const AnyValue* v = FindIn("elasticsearch.index", record, scope, resource)) {
    t.index = v->string_value;
    return t;
  }
  const AnyValue* ds = FindIn("data_stream.dataset", record, scope, resource);
  const AnyValue* ns = FindIn("data_stream.namespace", record, scope, resource);
  std::string_view dataset = ds ? ds->string_value : std::string_view("generic");
  if (!ds)
    if (std::string_view r = ReceiverName(scope.name); !r.empty()) dataset = r;
  t.data_stream = true;
  t.type = type;
  t.dataset = Sanitize(dataset, "-\\/*?\"<>| ,#:", mode == EsMappingMode::kOtel ? ".otel" : "");
  t.ns = Sanitize(ns ? ns->string_value : std::string_view("default"), "\\/*?\"<>| ,#:", "");
  t.index = t.type + "-" + t.dataset + "-" + t.ns;
  return t;
}

DocumentEncoder::DocumentEncoder(const ElasticsearchExporterConfig& cfg)
    : mode_(cfg.mode()), logs_index_(cfg.logs_index), traces_index_(cfg.traces_index) {}

void DocumentEncoder::EncodeLogs(const pdata::LogBatch& batch, BulkBody* out) const {
  FlatDocument d;
  std::string hex;
  size_t start = 0;
  for (const auto& rl : batch.resources()) {
    const Attributes& res = rl.resource.attributes;
    for (const auto& sl : rl.scope_logs) {
      const IndexTarget scope_target = Route(mode_, logs_index_, "logs", res, sl.scope, {});
      IndexTarget own;
      for (const auto& r : sl.log_records) {
        const bool routes = RoutesItself(r.attributes);
        if (routes) own = Route(mode_, logs_index_, "logs", res, sl.scope, r.attributes);
        const IndexTarget& t = routes ? own : scope_target;
        BeginDoc(t, out, &start);
        uint64_t ts = r.time_unix_nano ? r.time_unix_nano : r.observed_time_unix_nano;
        if (mode_ == EsMappingMode::kOtel) {
          OtelWriter w(out->ndjson);
          w.Begin();
          w.Timestamp("@timestamp", ts);
          w.Timestamp("observed_timestamp", r.observed_time_unix_nano);
          w.DataStream(t);
          w.String("severity_text", r.severity_text);
          w.IntSkipZero("severity_number", r.severity_number);
          w.String("trace_id", Hex(r.trace_id, hex));
          w.String("span_id", Hex(r.span_id, hex));
          w.Attributes(r.attributes);
          w.IntSkipZero("dropped_attributes_count", r.dropped_attributes_count);
          std::string_view event = r.event_name;
          if (event.empty())
            if (const AnyValue* e = pdata::FindAttribute(r.attributes, "event.name");
                e && e->type == AnyValue::Type::kString)
              event = e->string_value;
          w.String("event_name", event);
          w.Resource(rl.resource, rl.schema_url);
          w.Scope(sl.scope, sl.schema_url);
          w.Body(r.body, !event.empty());
          w.End();
          EndDoc(start, 1, out);
          continue;
        }
        d.Clear();
        if (mode_ == EsMappingMode::kEcs) {
          EcsResource(res, d);
          d.AddAttributes({}, sl.scope.attributes);
          for (const auto& kv : r.attributes) d.AddValue({}, EcsLogRecordName(kv.key), kv.value);
          d.AddTimestamp("@timestamp",
                         r.time_unix_nano ? r.time_unix_nano : r.observed_time_unix_nano);
          d.AddString({}, "trace.id", Hex(r.trace_id, hex));
          d.AddString({}, "span.id", Hex(r.span_id, hex));
          if (r.severity_number != 0) d.AddInt("event.severity", r.severity_number);
          d.AddString({}, "log.level", r.severity_text);
          if (r.body.type == AnyValue::Type::kString) d.AddValue({}, "message", r.body);
        } else {
          d.AddTimestamp("@timestamp", ts);
          d.AddString({}, "TraceId", Hex(r.trace_id, hex));
          d.AddString({}, "SpanId", Hex(r.span_id, hex));
          d.AddInt("TraceFlags", r.flags & 0xff);
          d.AddString({}, "SeverityText", r.severity_text);
          d.AddInt("SeverityNumber", r.severity_number);
          d.AddValue({}, "Body", r.body);
          d.AddAttributes(mode_ == EsMappingMode::kRaw ? "" : "Attributes", r.attributes);
          d.AddAttributes("Resource", res);
          ScopeFields(sl.scope, d);
        }
        AddDataStreamFields(t, d);
        d.Serialize(mode_ == EsMappingMode::kEcs, out->ndjson);
        EndDoc(start, 1, out);
      }
    }
  }
}

void DocumentEncoder::EncodeTraces(const pdata::TraceBatch& batch, BulkBody* out) const {
  FlatDocument d;
  std::string hex, key;
  size_t start = 0;
  for (const auto& rs : batch.resources()) {
    const Attributes& res = rs.resource.attributes;
    for (const auto& ss : rs.scope_spans) {
      const IndexTarget scope_target = Route(mode_, traces_index_, "traces", res, ss.scope, {});
      const IndexTarget event_target = Route(mode_, traces_index_, "logs", res, ss.scope, {});
      IndexTarget own, own_event;
      for (const auto& s : ss.spans) {
        const bool routes = RoutesItself(s.attributes);
        if (routes) own = Route(mode_, traces_index_, "traces", res, ss.scope, s.attributes);
        const IndexTarget& t = routes ? own : scope_target;
        BeginDoc(t, out, &start);
        if (mode_ == EsMappingMode::kOtel) {
          OtelWriter w(out->ndjson);
          w.Begin();
          w.Timestamp("@timestamp", s.start_time_unix_nano);
          w.DataStream(t);
          w.String("trace_id", Hex(s.trace_id, hex));
          w.String("span_id", Hex(s.span_id, hex));
          w.String("trace_state", s.trace_state);
          w.String("parent_span_id", Hex(s.parent_span_id, hex));
          w.String("name", s.name);
          w.String("kind", pdata::SpanKindShortName(s.kind));
          w.Uint("duration", Duration(s));
          w.Attributes(s.attributes);
          w.IntSkipZero("dropped_attributes_count", s.dropped_attributes_count);
          w.IntSkipZero("dropped_events_count", s.dropped_events_count);
          w.Key("links");
          out->ndjson += '[';
          for (size_t i = 0; i < s.links.size(); ++i) {
            if (i) out->ndjson += ',';
            const auto& l = s.links[i];
            w.Begin();
            w.String("trace_id", Hex(l.trace_id, hex));
            w.String("span_id", Hex(l.span_id, hex));
            w.String("trace_state", l.trace_state);
            w.Attributes(l.attributes);
            w.IntSkipZero("dropped_attributes_count", l.dropped_attributes_count);
            w.End();
          }
          out->ndjson += ']';
          w.IntSkipZero("dropped_links_count", s.dropped_links_count);
          w.Key("status");
          w.Begin();
          w.String("message", s.status.message);
          w.String("code", pdata::StatusCodeShortName(s.status.code));
          w.End();
          w.Resource(rs.resource, rs.schema_url);
          w.Scope(ss.scope, ss.schema_url);
          w.End();
          EndDoc(start, 1, out);
          // Each span event is a document of its own, in a logs data stream.
          for (const auto& e : s.events) {
            const bool event_routes = RoutesItself(e.attributes);
            if (event_routes)
              own_event = Route(mode_, traces_index_, "logs", res, ss.scope, e.attributes);
            const IndexTarget& et = event_routes ? own_event : event_target;
            BeginDoc(et, out, &start);
            OtelWriter ew(out->ndjson);
            ew.Begin();
            ew.Timestamp("@timestamp", e.time_unix_nano);
            ew.DataStream(et);
            ew.String("trace_id", Hex(s.trace_id, hex));
            ew.String("span_id", Hex(s.span_id, hex));
            ew.IntSkipZero("dropped_attributes_count", e.dropped_attributes_count);
            ew.String("event_name", e.name);
            ew.Attributes(e.attributes, e.name);
            ew.Resource(rs.resource, rs.schema_url);
            ew.Scope(ss.scope, ss.schema_url);
            ew.End();
            EndDoc(start, 0, out);
          }
          continue;
        }
        d.Clear();
        if (mode_ == EsMappingMode::kEcs) {
          EcsResource(res, d);
          d.AddAttributes({}, ss.scope.attributes);
          d.AddAttributes({}, s.attributes);
          d.AddTimestamp("@timestamp", s.start_time_unix_nano);
          d.AddString({}, "trace.id", Hex(s.trace_id, hex));
          d.AddString({}, "span.id", Hex(s.span_id, hex));
          d.AddString({}, "parent.id", Hex(s.parent_span_id, hex));
          d.AddString({}, "span.name", s.name);
          if (s.status.code == pdata::StatusCode::kOk) d.AddString({}, "event.outcome", "success");
          if (s.status.code == pdata::StatusCode::kError)
            d.AddString({}, "event.outcome", "failure");
          d.AddUint("event.duration", Duration(s));
          if (!s.links.empty()) d.AddRaw("span.links", LinksJson(s.links));
        } else {
          const bool raw = mode_ == EsMappingMode::kRaw;
          d.AddTimestamp("@timestamp", s.start_time_unix_nano);
          d.AddTimestamp("EndTimestamp", s.end_time_unix_nano);
          d.AddString({}, "TraceId", Hex(s.trace_id, hex));
          d.AddString({}, "SpanId", Hex(s.span_id, hex));
          d.AddString({}, "ParentSpanId", Hex(s.parent_span_id, hex));
          d.AddString({}, "Name", s.name);
          d.AddString({}, "Kind", pdata::SpanKindEnumName(s.kind));
          d.AddInt("TraceStatus", static_cast<int64_t>(s.status.code));
          d.AddString({}, "TraceStatusDescription", s.status.message);
          if (!s.links.empty()) d.AddRaw("Links", LinksJson(s.links));
          d.AddAttributes(raw ? "" : "Attributes", s.attributes);
          d.AddAttributes("Resource", res);
          for (const auto& e : s.events) {
            key.assign(raw ? "" : "Events.");
            key += e.name;
            size_t base = key.size();
            key += ".time";
            d.AddTimestamp(key, e.time_unix_nano);
            key.resize(base);
            d.AddAttributes(key, e.attributes);
          }
          d.AddInt("Duration", static_cast<int64_t>(Duration(s) / 1000));  // microseconds
          ScopeFields(ss.scope, d);
        }
        AddDataStreamFields(t, d);
        d.Serialize(mode_ == EsMappingMode::kEcs, out->ndjson);
        EndDoc(start, 1, out);
      }
    }
  }
}

}  // namespace otter::elasticsearch_exporter
