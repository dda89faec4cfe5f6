#include "query/otter_api.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <unordered_map>

#include "component/status_hub.h"
#include "query/http_params.h"
#include "query/jaeger_json.h"
#include "query/json_writer.h"
#include "telemetry/self_metrics.h"

namespace otter::query {

namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

net::HttpResponse JsonResponse(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.SetHeader("Content-Type", "application/json");
  r.SetHeader("Cache-Control", "no-store");
  return r;
}

net::HttpResponse ErrorResponse(int status, std::string_view message) {
  JsonWriter w;
  w.BeginObject().Key("error").String(message).EndObject();
  return JsonResponse(status, w.Take());
}

int StatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kResourceExhausted:
      return 422;
    default:
      return 503;
  }
}

// Duration statistics of a set of spans.
struct Red {
  uint64_t count = 0;
  uint64_t errors = 0;
  uint64_t total_ns = 0;
  std::vector<uint64_t> durations;

  void Add(uint64_t dur, bool error) {
    ++count;
    errors += error;
    total_ns += dur;
    durations.push_back(dur);
  }
  // Nearest-rank quantile in milliseconds (durations is sorted by Finish()).
  double QuantileMs(double q) const {
    if (durations.empty()) return 0;
    size_t rank = static_cast<size_t>(q * static_cast<double>(durations.size()));
    if (rank >= durations.size()) rank = durations.size() - 1;
    return static_cast<double>(durations[rank]) / 1e6;
  }
  void Finish() { std::sort(durations.begin(), durations.end()); }
  void Write(JsonWriter& w, double seconds) const {
    w.Key("count").Uint(count).Key("errors").Uint(errors);
    w.Key("rate").Double(seconds > 0 ? static_cast<double>(count) / seconds : 0);
    w.Key("error_rate")
        .Double(count ? static_cast<double>(errors) / static_cast<double>(count) : 0);
    w.Key("p50").Double(QuantileMs(0.50)).Key("p95").Double(QuantileMs(0.95));
    w.Key("p99").Double(QuantileMs(0.99));
    w.Key("total_ms").Double(static_cast<double>(total_ns) / 1e6);
  }
};

struct ServiceRed {
  Red entry;  // server, consumer and root spans
  Red all;    // every span (for services that have no entry span)
  // Spans (and errors) per time bucket: [0] entry spans, [1] all spans.
  std::vector<uint64_t> spark[2], spark_errors[2];
};

struct EdgeStat {
  uint64_t count = 0;
  uint64_t errors = 0;
  uint64_t total_ns = 0;
};

uint64_t SpanKey(const pdata::SpanId& id) {
  uint64_t k;
  std::memcpy(&k, id.bytes.data(), sizeof k);
  return k;
}

// Maps keyed by a pair of names ("service\0operation", "parent\0child"), ordered as the pairs
// are; looked up through a reused buffer, so only a new key allocates.
template <class V>
using PairMap = std::map<std::string, V, std::less<>>;

template <class V>
V& PairSlot(PairMap<V>& m, std::string& buf, std::string_view a, std::string_view b) {
  buf.assign(a);
  buf += '\0';
  buf += b;
  auto it = m.find(buf);
  if (it == m.end()) it = m.emplace(buf, V{}).first;
  return it->second;
}

std::pair<std::string_view, std::string_view> SplitPair(std::string_view key) {
  size_t z = key.find('\0');
  return {key.substr(0, z), key.substr(z + 1)};
}

// The calling side of a call to another service; its error status marks the call failed even
// when the callee's span does not (HTTP 4xx leave the server span unset, a timeout may have no
// server span at all), as the servicegraph connector counts failed edges.
bool FailedCall(const pdata::Span& s) {
  return (s.kind == pdata::SpanKind::kClient || s.kind == pdata::SpanKind::kProducer) &&
         s.status.code == pdata::StatusCode::kError;
}

bool IsEntry(const pdata::Span& s) {
  return s.kind == pdata::SpanKind::kServer || s.kind == pdata::SpanKind::kConsumer ||
         s.parent_span_id.empty();
}

StatusOr<int64_t> IntParam(const HttpParams& p, std::string_view name, int64_t fallback) {
  auto v = p.Get(name);
  if (!v) return fallback;
  auto parsed = ParseGoInt(*v, 64);
  if (!parsed.ok()) return InvalidArgument(std::string(name) + ": not an integer: " + *v);
  return *parsed;
}

// Adds each otelcol_* sample of a Prometheus text exposition that has a receiver, processor,
// exporter or connector label to (*out)["<kind>:<id>"]["<metric without prefix and kind>"].
void AddComponentMetrics(std::string_view text,
                         std::map<std::string, std::map<std::string, double>>* out) {
  constexpr std::string_view kPrefix = "otelcol_";
  constexpr std::string_view kKinds[] = {"receiver", "processor", "exporter", "connector"};
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.starts_with(kPrefix)) continue;
    size_t brace = line.find('{');
    size_t close = line.rfind('}');
    if (brace == std::string_view::npos || close == std::string_view::npos || close < brace)
      continue;
    std::string_view name = line.substr(kPrefix.size(), brace - kPrefix.size());
    if (name.ends_with("_bucket") || name.ends_with("_sum") || name.ends_with("_count")) continue;
    std::string_view labels = line.substr(brace + 1, close - brace - 1);
    std::string_view value = line.substr(close + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    value = value.substr(0, value.find(' '));
    char* end = nullptr;
    std::string v(value);
    double d = std::strtod(v.c_str(), &end);
    if (end == v.c_str()) continue;
    for (std::string_view kind : kKinds) {
      std::string key = std::string(kind) + "=\"";
      size_t at = labels.find(key);
      // A whole label name: at the start or after a comma.
      while (at != std::string_view::npos && at != 0 && labels[at - 1] != ',')
        at = labels.find(key, at + 1);
      if (at == std::string_view::npos) continue;
      size_t vstart = at + key.size();
      size_t vend = labels.find('"', vstart);
      if (vend == std::string_view::npos) continue;
      std::string_view metric = name;
      if (metric.starts_with(kind) && metric.size() > kind.size() && metric[kind.size()] == '_')
        metric.remove_prefix(kind.size() + 1);
      (*out)[std::string(kind) + ":" + std::string(labels.substr(vstart, vend - vstart))]
            [std::string(metric)] += d;
      break;
    }
  }
}

}  // namespace

OtterApi::OtterApi(store::TraceQuerier& traces, store::MetricQuerier& metrics,
                   store::LogQuerier& logs, Options options)
    : traces_(traces), metrics_(metrics), logs_(logs), options_(std::move(options)) {}

int64_t OtterApi::NowNs() const {
  if (options_.now_ns) return options_.now_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void OtterApi::Handle(const net::HttpRequest& request, net::HttpResponse* out,
                      std::chrono::steady_clock::time_point received) {
  std::string_view path = request.path();
  if (request.method != "GET") {
    *out = ErrorResponse(405, "method not allowed");
    return;
  }
  if (path == "/api/otter/summary") return Summary(request, out, received);
  if (path == "/api/otter/pipeline") return Pipeline(out);
  if (path == "/api/otter/info") return Info(out);
  constexpr std::string_view kTraces = "/api/otter/traces/";
  if (path.starts_with(kTraces) && path.ends_with("/logs")) {
    std::string_view id = path.substr(kTraces.size());
    id.remove_suffix(std::string_view("/logs").size());
    if (id.find('/') == std::string_view::npos) return TraceLogs(request, id, out, received);
  }
  *out = ErrorResponse(404, "404 page not found");
}

void OtterApi::Summary(const net::HttpRequest& request, net::HttpResponse* out,
                       std::chrono::steady_clock::time_point received) {
  auto params = HttpParams::FromRequest(request);
  if (!params.ok()) return void(*out = ErrorResponse(400, params.status().message()));
  int64_t now = NowNs();
  auto end = IntParam(*params, "end", now);
  auto start = end.ok() ? IntParam(*params, "start", *end - 3600 * kNsPerSec) : end;
  auto buckets = IntParam(*params, "buckets", 30);
  for (const auto* s : {&end, &start, &buckets})
    if (!s->ok()) return void(*out = ErrorResponse(400, s->status().message()));
  if (*start >= *end || *start < 0)
    return void(*out = ErrorResponse(400, "start must be before end"));
  if (*buckets < 1 || *buckets > 500)
    return void(*out = ErrorResponse(400, "buckets: must be between 1 and 500"));
  const int64_t nb = *buckets;
  const int64_t width = std::max<int64_t>(1, (*end - *start + nb - 1) / nb);
  auto limits = store::QueryLimits::WithTimeout(options_.timeout, 0, received);

  std::map<std::string, ServiceRed, std::less<>> services;
  PairMap<Red> operations;
  PairMap<EdgeStat> edges;
  std::string key_buf;
  uint64_t spans = 0, traces = 0;
  struct SpanOwner {
    std::string_view service;
    bool failed_call;
  };
  std::unordered_map<uint64_t, SpanOwner> span_owner;
  Status deadline;
  Status scan = traces_.ScanTraces(
      static_cast<uint64_t>(*start), static_cast<uint64_t>(*end),
      [&](const pdata::TraceBatch& batch) {
        ++traces;
        span_owner.clear();
        for (const auto& rs : batch.resources()) {
          std::string_view svc = jaeger::ServiceNameOf(rs.resource);
          for (const auto& ss : rs.scope_spans)
            for (const auto& s : ss.spans) span_owner[SpanKey(s.span_id)] = {svc, FailedCall(s)};
        }
        for (const auto& rs : batch.resources()) {
          std::string_view svc = jaeger::ServiceNameOf(rs.resource);
          auto it = services.find(svc);
          if (it == services.end()) {
            it = services.emplace(std::string(svc), ServiceRed{}).first;
            for (int k = 0; k < 2; ++k) {
              it->second.spark[k].assign(nb, 0);
              it->second.spark_errors[k].assign(nb, 0);
            }
          }
          ServiceRed& sr = it->second;
          for (const auto& ss : rs.scope_spans) {
            for (const auto& s : ss.spans) {
              int64_t t = static_cast<int64_t>(s.start_time_unix_nano);
              if (t < *start || t > *end) continue;  // a span of the trace outside the range
              ++spans;
              uint64_t dur = s.end_time_unix_nano > s.start_time_unix_nano
                                 ? s.end_time_unix_nano - s.start_time_unix_nano
                                 : 0;
              bool error = s.status.code == pdata::StatusCode::kError;
              sr.all.Add(dur, error);
              const int64_t b = std::min<int64_t>((t - *start) / width, nb - 1);
              ++sr.spark[1][b];
              sr.spark_errors[1][b] += error;
              if (!s.parent_span_id.empty()) {
                auto parent = span_owner.find(SpanKey(s.parent_span_id));
                if (parent != span_owner.end() && parent->second.service != svc) {
                  EdgeStat& e = PairSlot(edges, key_buf, parent->second.service, svc);
                  ++e.count;
                  e.errors += error || parent->second.failed_call;
                  e.total_ns += dur;
                }
              }
              if (!IsEntry(s)) continue;
              sr.entry.Add(dur, error);
              ++sr.spark[0][b];
              sr.spark_errors[0][b] += error;
              PairSlot(operations, key_buf, svc, s.name).Add(dur, error);
            }
          }
        }
        deadline = limits.CheckDeadline();
        return deadline.ok();
      });
  if (!scan.ok()) return void(*out = ErrorResponse(StatusFor(scan), scan.message()));
  if (!deadline.ok()) return void(*out = ErrorResponse(503, deadline.message()));

  const double seconds = static_cast<double>(*end - *start) / 1e9;
  JsonWriter w;
  w.BeginObject();
  w.Key("start").String(std::to_string(*start)).Key("end").String(std::to_string(*end));
  w.Key("bucket_ns").String(std::to_string(width));
  w.Key("traces").Uint(traces).Key("spans").Uint(spans);
  w.Key("services").BeginArray();
  for (auto& [name, sr] : services) {
    // A service without entry spans (only client or internal spans) is summarised over all.
    bool entries = sr.entry.count > 0;
    Red& red = entries ? sr.entry : sr.all;
    red.Finish();
    w.BeginObject().Key("name").String(name).Key("entry_spans").Bool(entries);
    red.Write(w, seconds);
    w.Key("spans").Uint(sr.all.count);
    w.Key("spark").BeginArray();
    for (uint64_t c : sr.spark[entries ? 0 : 1]) w.Uint(c);
    w.EndArray().Key("spark_errors").BeginArray();
    for (uint64_t c : sr.spark_errors[entries ? 0 : 1]) w.Uint(c);
    w.EndArray().EndObject();
  }
  w.EndArray();
  // Operations by impact: the time spent in them (count × mean duration), largest first.
  std::vector<std::pair<const std::string*, Red*>> ops;
  for (auto& [key, red] : operations) {
    red.Finish();
    ops.emplace_back(&key, &red);
  }
  std::stable_sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) {
    return a.second->total_ns > b.second->total_ns;
  });
  w.Key("operations").BeginArray();
  for (const auto& [key, red] : ops) {
    auto [service, name] = SplitPair(*key);
    w.BeginObject().Key("service").String(service).Key("name").String(name);
    red->Write(w, seconds);
    w.EndObject();
  }
  w.EndArray();
  w.Key("edges").BeginArray();
  for (const auto& [key, e] : edges) {
    auto [parent, child] = SplitPair(key);
    w.BeginObject().Key("parent").String(parent).Key("child").String(child);
    w.Key("count").Uint(e.count).Key("errors").Uint(e.errors);
    w.Key("rate").Double(seconds > 0 ? static_cast<double>(e.count) / seconds : 0);
    w.Key("error_rate").Double(e.count ? static_cast<double>(e.errors) / e.count : 0);
    w.Key("mean_ms").Double(e.count ? static_cast<double>(e.total_ns) / 1e6 / e.count : 0);
    w.EndObject();
  }
  w.EndArray().EndObject();
  *out = JsonResponse(200, w.Take());
}

void OtterApi::Pipeline(net::HttpResponse* out) {
  JsonWriter w;
  w.BeginObject();
  StatusHub::Snapshot snap;
  if (options_.status) snap = options_.status->GetSnapshot();
  // Self-metrics by component instance ("receiver:otlp"), summed over their other labels
  // (signal-specific names stay apart: accepted_spans, accepted_log_records, ...). Read from the
  // Prometheus rendering, so what service.telemetry.metrics.level hides is not shown here either.
  std::map<std::string, std::map<std::string, double>> counters;
  if (options_.metrics) AddComponentMetrics(options_.metrics->RenderPrometheus(), &counters);
  w.Key("pipelines").BeginArray();
  for (const auto& p : snap.pipelines) {
    w.BeginObject().Key("name").String(p.name).Key("signal").String(p.signal);
    w.Key("components").BeginArray();
    for (const auto& c : p.components) w.String(c);
    w.EndArray().EndObject();
  }
  w.EndArray();
  w.Key("extensions").BeginArray();
  for (const auto& e : snap.extensions) w.String(e);
  w.EndArray();
  std::map<std::string, bool> instances;
  for (const auto& p : snap.pipelines)
    for (const auto& c : p.components) instances[c] = true;
  for (const auto& [name, _] : counters) instances[name] = true;
  w.Key("components").BeginObject();
  for (const auto& [name, _] : instances) {
    w.Key(name).BeginObject();
    if (auto st = snap.states.find(name); st != snap.states.end()) {
      w.Key("state").String(ComponentStateName(st->second.state));
      w.Key("error").String(st->second.error);
      w.Key("since").String(std::to_string(
          std::chrono::duration_cast<std::chrono::nanoseconds>(st->second.time.time_since_epoch())
              .count()));
    }
    if (auto q = snap.queue_fill.find(name); q != snap.queue_fill.end())
      w.Key("queue_fill").Double(q->second);
    w.Key("metrics").BeginObject();
    if (auto c = counters.find(name); c != counters.end())
      for (const auto& [metric, v] : c->second) w.Key(metric).Double(v);
    w.EndObject().EndObject();
  }
  w.EndObject().EndObject();
  *out = JsonResponse(200, w.Take());
}

void OtterApi::TraceLogs(const net::HttpRequest& request, std::string_view id,
                         net::HttpResponse* out, std::chrono::steady_clock::time_point received) {
  pdata::TraceId trace_id;
  if (!pdata::ParseHexId(id, &trace_id))
    return void(*out = ErrorResponse(
                    400, "malformed trace id \"" + std::string(id) + "\": want 32 hex digits"));
  auto params = HttpParams::FromRequest(request);
  if (!params.ok()) return void(*out = ErrorResponse(400, params.status().message()));
  std::string span_id = params->GetOr("span_id", "");
  std::transform(span_id.begin(), span_id.end(), span_id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  size_t limit = 5000;
  if (auto l = params->Get("limit")) {
    auto v = ParseGoInt(*l, 64);
    if (!v.ok() || *v < 1) return void(*out = ErrorResponse(400, "limit: not a positive integer"));
    limit = static_cast<size_t>(*v);
  }
  store::LogSelect select;
  auto any = store::LabelMatcher::Make(store::LabelMatcher::Op::kRe, "service_name", ".+");
  if (!any.ok()) return void(*out = ErrorResponse(500, any.status().message()));
  select.stream_matchers.push_back(std::move(*any));
  select.start_ns = 0;
  select.end_ns = std::numeric_limits<int64_t>::max();
  select.direction = store::Direction::kForward;
  select.trace_id = trace_id.Hex();
  auto limits = store::QueryLimits::WithTimeout(options_.timeout, 0, received);
  JsonWriter w;
  w.BeginObject().Key("trace_id").String(trace_id.Hex()).Key("logs").BeginArray();
  size_t n = 0;
  bool truncated = false;
  Status s = logs_.Scan(select, limits, [&](const store::Labels& stream, store::LogEntry&& e) {
    if (!span_id.empty() && store::GetLabel(e.metadata, "span_id") != span_id) return true;
    if (n == limit) {
      truncated = true;
      return false;
    }
    ++n;
    w.BeginObject().Key("ts").String(std::to_string(e.ts_ns)).Key("line").String(e.line);
    w.Key("stream").BeginObject();
    for (const auto& l : stream) w.Key(l.name).String(l.value);
    w.EndObject().Key("metadata").BeginObject();
    for (const auto& l : e.metadata) w.Key(l.name).String(l.value);
    w.EndObject().EndObject();
    return true;
  });
  if (!s.ok()) return void(*out = ErrorResponse(StatusFor(s), s.message()));
  w.EndArray().Key("truncated").Bool(truncated).EndObject();
  *out = JsonResponse(200, w.Take());
}

void OtterApi::Info(net::HttpResponse* out) {
  int64_t now = NowNs();
  size_t services = traces_.Services().size();
  auto log_labels = logs_.LabelNames(0, now + 3600 * kNsPerSec);
  auto metric_names = metrics_.LabelValues("__name__", {}, 0, now / 1'000'000 + 3'600'000);
  bool has_logs = log_labels.ok() && !log_labels->empty();
  bool has_metrics = metric_names.ok() && !metric_names->empty();
  JsonWriter w;
  w.BeginObject();
  w.Key("services").Uint(services).Key("has_logs").Bool(has_logs);
  w.Key("has_metrics").Bool(has_metrics);
  w.Key("empty").Bool(services == 0 && !has_logs && !has_metrics);
  w.Key("now").String(std::to_string(now));
  w.EndObject();
  *out = JsonResponse(200, w.Take());
}

}  // namespace otter::query
