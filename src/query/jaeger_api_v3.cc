// api_v3's HTTP gateway as Jaeger 2 serves it (cmd/jaeger/.../apiv3/http_gateway.go and
// query_parser.go): parameter names (canonical camelCase and the deprecated snake_case
// aliases), their order of checks and error texts; responses as gogo jsonpb writes the
// api_v3 messages (camelCase names, zero values left out, 64-bit integers as strings).
#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "otlp/json_codec.h"
#include "query/jaeger_call.h"
#include "query/jaeger_json.h"
#include "query/json_writer.h"

namespace otter::query::jaeger {
namespace {

constexpr int64_t kDefaultSearchDepth = 100;  // apiv3's defaultSearchDepth
constexpr std::string_view kNoTracesFound = "No traces found";

// getQueryParam: the canonical name's value if non-empty, else the deprecated alias's; with the
// name the value came from (for error texts).
std::pair<std::string, std::string_view> Param(const HttpParams& params, std::string_view canonical,
                                               std::string_view deprecated) {
  std::string v = params.GetOr(canonical, "");
  if (!v.empty()) return {v, canonical};
  return {params.GetOr(deprecated, ""), deprecated};
}

Status Malformed(std::string_view param, const Status& why) {
  return InvalidArgument("malformed parameter " + std::string(param) + ": " +
                         std::string(why.message()));
}

// A path variable as Go's Request.PathValue gives it: %-unescaped, '+' kept.
std::string PathUnescape(std::string_view raw) {
  std::string escaped;
  for (char c : raw) escaped += c == '+' ? std::string("%2B") : std::string(1, c);
  auto decoded = UrlDecode(escaped);
  return decoded.ok() ? *decoded : std::string(raw);
}

uint64_t ClampNs(int64_t ns) { return ns < 0 ? 0 : static_cast<uint64_t>(ns); }

struct V3Query {
  store::TraceSearch search;
  bool raw_traces = false;
};

// parseFindTracesQuery, then the query service's refusal of a structured filter (its feature
// gate is off by default). A search without a service name reads as any service: otter's store
// can search all services, like Jaeger's Elasticsearch and ClickHouse backends.
StatusOr<V3Query> ParseFindTracesQuery(const Call& call) {
  const HttpParams& q = call.params;
  V3Query out;
  out.search.service = Param(q, "query.serviceName", "query.service_name").first;
  out.search.operation = Param(q, "query.operationName", "query.operation_name").first;
  if (std::string attrs = q.GetOr("query.attributes", ""); !attrs.empty()) {
    std::map<std::string, std::string> tags;
    RETURN_IF_ERROR(ParseJsonStringMap(attrs, "malformed parameter query.attributes: ", &tags));
    out.search.tags.assign(tags.begin(), tags.end());
  }
  bool has_filter = !q.GetOr("query.filter", "").empty();

  auto [min_str, min_name] = Param(q, "query.startTimeMin", "query.start_time_min");
  auto [max_str, max_name] = Param(q, "query.startTimeMax", "query.start_time_max");
  if (min_str.empty() || max_str.empty()) {
    return InvalidArgument("query.startTimeMin and query.startTimeMax are required");
  }
  auto min_ns = ParseGoRfc3339Nano(min_str);
  if (!min_ns.ok()) return Malformed(min_name, min_ns.status());
  auto max_ns = ParseGoRfc3339Nano(max_str);
  if (!max_ns.ok()) return Malformed(max_name, max_ns.status());
  if (*min_ns >= *max_ns) {
    return InvalidArgument("query.startTimeMin must be before query.startTimeMax");
  }
  out.search.start_ns = ClampNs(*min_ns);
  out.search.end_ns = ClampNs(*max_ns);

  auto [depth_str, depth_name] = Param(q, "query.searchDepth", "query.search_depth");
  if (depth_str.empty()) {
    depth_str = q.GetOr("query.num_traces", "");
    depth_name = "query.num_traces";
  }
  int64_t depth = kDefaultSearchDepth;
  if (!depth_str.empty()) {
    auto n = ParseGoAtoi(depth_str);
    if (!n.ok()) return Malformed(depth_name, n.status());
    if (*n <= 0) {
      return InvalidArgument("malformed parameter " + std::string(depth_name) +
                             ": search depth must be greater than 0");
    }
    depth = *n;
  }
  out.search.limit = std::min(static_cast<size_t>(depth), call.options.max_limit);

  for (bool min : {true, false}) {
    auto [d, name] = min ? Param(q, "query.durationMin", "query.duration_min")
                         : Param(q, "query.durationMax", "query.duration_max");
    if (d.empty()) continue;
    auto ns = ParseGoDuration(d);
    if (!ns.ok()) return Malformed(name, ns.status());
    if (*ns == 0) continue;  // Go's zero Duration: no bound
    (min ? out.search.min_duration_ns : out.search.max_duration_ns) = ClampNs(*ns);
  }
  if (auto [r, name] = Param(q, "query.rawTraces", "query.raw_traces"); !r.empty()) {
    auto raw = ParseGoBool(r);
    if (!raw.ok()) return Malformed(name, raw.status());
    out.raw_traces = *raw;
  }
  if (has_filter) {
    return InvalidArgument(
        "the structured query filter is disabled: enable the \"jaeger.query.structuredFilters\" "
        "feature gate to use it");
  }
  return out;
}

// gogo jsonpb leaves out zero values.
void OptString(JsonWriter& w, std::string_view key, std::string_view v) {
  if (!v.empty()) w.Key(key).String(v);
}
void OptInt(JsonWriter& w, std::string_view key, int64_t v) {
  if (v != 0) w.Key(key).Int(v);
}
void OptFixed64(JsonWriter& w, std::string_view key, uint64_t v) {
  if (v != 0) w.Key(key).String(std::to_string(v));
}

// querysvc's summarizeTrace: per-service span and error counts (by resource service.name,
// sorted), the root (the earliest-starting span without a parent), the time span, and spans
// whose parent is not in the trace.
void WriteTraceSummary(const pdata::TraceBatch& trace, JsonWriter& w) {
  struct Counts {
    int64_t spans = 0;
    int64_t errors = 0;
  };
  std::map<std::string_view, Counts> services;
  std::unordered_set<uint64_t> span_ids;
  auto id64 = [](const pdata::SpanId& id) {
    uint64_t v = 0;
    for (uint8_t b : id.bytes) v = v << 8 | b;
    return v;
  };
  for (const auto& rs : trace.resources())
    for (const auto& ss : rs.scope_spans)
      for (const auto& span : ss.spans) span_ids.insert(id64(span.span_id));

  std::string_view root_service, root_name;
  uint64_t root_start = 0, min_start = 0, max_end = 0;
  bool have_root = false, have_times = false;
  Counts total;
  int64_t orphans = 0;
  pdata::TraceId trace_id;
  for (const auto& rs : trace.resources()) {
    std::string_view service;
    for (const auto& kv : rs.resource.attributes)
      if (kv.key == "service.name" && kv.value.type == pdata::AnyValue::Type::kString)
        service = kv.value.string_value;
    for (const auto& ss : rs.scope_spans) {
      for (const auto& span : ss.spans) {
        trace_id = span.trace_id;
        Counts& c = services[service];
        ++c.spans;
        ++total.spans;
        if (span.status.code == pdata::StatusCode::kError) {
          ++c.errors;
          ++total.errors;
        }
        if (!have_times || span.start_time_unix_nano < min_start)
          min_start = span.start_time_unix_nano;
        if (!have_times || span.end_time_unix_nano > max_end) max_end = span.end_time_unix_nano;
        have_times = true;
        if (span.parent_span_id.empty()) {
          if (!have_root || span.start_time_unix_nano < root_start) {
            root_service = service;
            root_name = span.name;
            root_start = span.start_time_unix_nano;
            have_root = true;
          }
        } else if (!span_ids.count(id64(span.parent_span_id))) {
          ++orphans;
        }
      }
    }
  }
  w.BeginObject();
  OptString(w, "traceId", trace_id.Hex());
  OptString(w, "rootServiceName", root_service);
  OptString(w, "rootOperationName", root_name);
  OptFixed64(w, "minStartTimeUnixNano", min_start);
  OptFixed64(w, "maxEndTimeUnixNano", max_end);
  OptInt(w, "spanCount", total.spans);
  OptInt(w, "errorSpanCount", total.errors);
  OptInt(w, "orphanSpanCount", orphans);
  w.Key("services").BeginArray();
  for (const auto& [name, c] : services) {
    w.BeginObject();
    OptString(w, "name", name);
    OptInt(w, "spanCount", c.spans);
    OptInt(w, "errorSpanCount", c.errors);
    w.EndObject();
  }
  w.EndArray().EndObject();
}

// returnTraces: 404 for none, else every trace's resource spans in one TracesData.
void ReturnTraces(const Call& call, std::vector<pdata::TraceBatch> traces) {
  pdata::TraceBatch combined;
  for (auto& t : traces)
    if (!t.empty()) combined.Append(std::move(t));
  if (combined.empty()) return V3Error(call.out, 404, kNoTracesFound);
  std::string body = "{\"result\":";
  otlp::EncodeTracesJson(combined, &body);
  body += '}';
  JsonOk(call.out, std::move(body), /*newline=*/false);
}

void StoreError(const Call& call, const Status& s) {
  if (s.code() == StatusCode::kNotFound) return V3Error(call.out, 404, kNoTracesFound);
  V3Error(call.out, StatusForStoreError(s), StoreErrorMessage(s));
}

}  // namespace

void V3Services(const Call& call) {
  JsonWriter w;
  w.BeginObject().Key("services").BeginArray();
  for (const auto& s : call.querier.Services()) w.String(s);
  w.EndArray().EndObject();
  JsonOk(call.out, w.Take(), /*newline=*/false);
}

// An operation of unspecified kind is listed as "internal", as Jaeger 2 does.
void V3Operations(const Call& call) {
  std::string kind = Param(call.params, "spanKind", "span_kind").first;
  JsonWriter w;
  w.BeginObject().Key("operations").BeginArray();
  for (const auto& op : call.querier.Operations(call.params.GetOr("service", ""))) {
    if (!kind.empty() && op.span_kind != kind) continue;
    w.BeginObject();
    OptString(w, "name", op.name);
    w.Key("spanKind").String(op.span_kind.empty() ? "internal" : op.span_kind);
    w.EndObject();
  }
  w.EndArray().EndObject();
  JsonOk(call.out, w.Take(), /*newline=*/false);
}

// startTime/endTime narrow where Jaeger's backends look for the trace; otter's lookup by id
// needs no hint, so they are only validated. rawTraces likewise: otter returns spans as stored.
void V3GetTrace(const Call& call) {
  auto id = ParseTraceIdHexOrBase64(PathUnescape(call.vars.Get("trace_id")));
  if (!id.ok()) return V3Error(call.out, 400, Malformed("trace_id", id.status()).message());
  for (auto [canonical, deprecated] :
       {std::pair{"startTime", "start_time"}, std::pair{"endTime", "end_time"}}) {
    auto [v, name] = Param(call.params, canonical, deprecated);
    if (v.empty()) continue;
    auto t = ParseGoRfc3339Nano(v);
    if (!t.ok()) return V3Error(call.out, 400, Malformed(name, t.status()).message());
  }
  if (auto [r, name] = Param(call.params, "rawTraces", "raw_traces"); !r.empty()) {
    auto raw = ParseGoBool(r);
    if (!raw.ok()) return V3Error(call.out, 400, Malformed(name, raw.status()).message());
  }
  auto trace = call.querier.GetTrace(*id);
  if (!trace.ok()) return StoreError(call, trace.status());
  std::vector<pdata::TraceBatch> traces;
  traces.push_back(std::move(*trace));
  ReturnTraces(call, std::move(traces));
}

void V3FindTraces(const Call& call) {
  auto query = ParseFindTracesQuery(call);
  if (!query.ok()) return V3Error(call.out, 400, query.status().message());
  query->search.limits = call.limits;
  auto found = call.querier.FindTraces(query->search);
  if (!found.ok()) return StoreError(call, found.status());
  ReturnTraces(call, std::move(*found));
}

void V3FindTraceSummaries(const Call& call) {
  auto query = ParseFindTracesQuery(call);
  if (!query.ok()) return V3Error(call.out, 400, query.status().message());
  query->search.limits = call.limits;
  auto found = call.querier.FindTraces(query->search);
  if (!found.ok())
    return V3Error(call.out, StatusForStoreError(found.status()),
                   StoreErrorMessage(found.status()));
  JsonWriter w;
  w.BeginObject().Key("summaries").BeginArray();
  for (const auto& trace : *found)
    if (!trace.empty()) WriteTraceSummary(trace, w);
  w.EndArray().EndObject();
  JsonOk(call.out, w.Take(), /*newline=*/false);
}

}  // namespace otter::query::jaeger
