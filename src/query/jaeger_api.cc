#include "query/jaeger_api.h"

#include <simdjson.h>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "otlp/json_codec.h"
#include "query/http_params.h"
#include "query/http_route.h"
#include "query/jaeger_call.h"
#include "query/jaeger_json.h"
#include "query/json_writer.h"

namespace otter::query::jaeger {
namespace {

std::string_view JsonKindName(simdjson::dom::element_type t) {
  switch (t) {
    case simdjson::dom::element_type::ARRAY:
      return "array";
    case simdjson::dom::element_type::OBJECT:
      return "object";
    case simdjson::dom::element_type::BOOL:
      return "bool";
    case simdjson::dom::element_type::STRING:
      return "string";
    default:
      return "number";
  }
}

}  // namespace

// writeJSON: json.Encoder output (a trailing newline).
void JsonOk(net::HttpResponse* out, std::string body, bool newline) {
  out->status = 200;
  out->headers.clear();
  out->SetHeader("Content-Type", "application/json");
  if (newline) body += '\n';
  out->body = std::move(body);
}

// Go's http.Error with a JSON body, as Jaeger's handleError / tryHandleError send it.
void HttpError(net::HttpResponse* out, int status, std::string body) {
  out->status = status;
  out->headers.clear();
  out->SetHeader("Content-Type", "text/plain; charset=utf-8");
  out->SetHeader("X-Content-Type-Options", "nosniff");
  out->body = std::move(body) + "\n";
}

void V3Error(net::HttpResponse* out, int status, std::string_view msg) {
  JsonWriter w;
  w.BeginObject().Key("error").BeginObject().Key("httpCode").Int(status);
  w.Key("message").String(msg).EndObject().EndObject();
  HttpError(out, status, w.Take());
}

int StatusForStoreError(const Status& s) {
  if (s.code() == StatusCode::kNotFound) return 404;
  if (s.code() == StatusCode::kInvalidArgument) return 400;
  // A query past its budget will fail again the same way: the client must narrow it.
  if (s.code() == StatusCode::kResourceExhausted) return 422;
  if (s.retryable()) return 503;  // including a query past its deadline
  return 500;
}

// The store's message for NotFound is its own; the API speaks Jaeger's ErrTraceNotFound.
std::string StoreErrorMessage(const Status& s) {
  if (s.code() == StatusCode::kNotFound) return std::string(kTraceNotFound);
  if (s.code() == StatusCode::kDeadlineExceeded)
    return "query timed out: narrow the time range or the lookback (query::timeout)";
  return std::string(s.message());
}

Status ParseJsonStringMap(const std::string& json, std::string_view error_prefix,
                          std::map<std::string, std::string>* tags) {
  auto fail = [&](std::string_view why) {
    return InvalidArgument(std::string(error_prefix) + std::string(why));
  };
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(json).get(root); err) return fail(simdjson::error_message(err));
  if (root.is_null()) return Status::Ok();
  if (!root.is_object()) {
    return fail("json: cannot unmarshal " + std::string(JsonKindName(root.type())) +
                " into Go value of type map[string]string");
  }
  simdjson::dom::object object;
  if (auto err = root.get(object); err) return fail(simdjson::error_message(err));
  for (auto field : object) {
    std::string key(field.key);
    std::string_view str;
    if (field.value.is_null()) {
      (*tags)[key] = "";
    } else if (field.value.get(str) == simdjson::SUCCESS) {
      (*tags)[key] = std::string(str);
    } else {
      return fail("json: cannot unmarshal " + std::string(JsonKindName(field.value.type())) +
                  " into Go value of type string");
    }
  }
  return Status::Ok();
}

uint64_t TraceStartNs(const pdata::TraceBatch& batch) {
  uint64_t start = std::numeric_limits<uint64_t>::max();
  for (const auto& rs : batch.resources())
    for (const auto& ss : rs.scope_spans)
      for (const auto& span : ss.spans) start = std::min(start, span.start_time_unix_nano);
  return start;
}

}  // namespace otter::query::jaeger

namespace otter::query {
namespace {

using jaeger::Call;
using jaeger::FormatTraceId;
using jaeger::HttpError;
using jaeger::JsonOk;
using jaeger::kTraceNotFound;
using jaeger::ParseJsonStringMap;
using jaeger::StatusForStoreError;
using jaeger::StoreErrorMessage;
using jaeger::TraceStartNs;

// One entry of structuredResponse.errors; Go omits a zero code and an empty traceID.
struct ApiError {
  int code = 0;
  std::string msg;
  std::string trace_id;
};

void WriteErrors(JsonWriter& w, const std::vector<ApiError>& errors) {
  if (errors.empty()) {
    w.Null();
    return;
  }
  w.BeginArray();
  for (const ApiError& e : errors) {
    w.BeginObject();
    if (e.code != 0) w.Key("code").Int(e.code);
    w.Key("msg").String(e.msg);
    if (!e.trace_id.empty()) w.Key("traceID").String(e.trace_id);
    w.EndObject();
  }
  w.EndArray();
}

// Jaeger's structuredResponse around pre-encoded `data` JSON.
std::string StructuredResponse(std::string_view data_json, int64_t total,
                               const std::vector<ApiError>& errors = {}) {
  JsonWriter w;
  w.BeginObject().Key("data").Raw(data_json).Key("total").Int(total);
  w.Key("limit").Int(0).Key("offset").Int(0).Key("errors");
  WriteErrors(w, errors);
  w.EndObject();
  return w.Take();
}

void V1Error(net::HttpResponse* out, int status, std::string_view msg) {
  HttpError(out, status, StructuredResponse("null", 0, {{status, std::string(msg), {}}}));
}

uint64_t MicrosToNanos(int64_t us) {
  if (us <= 0) return 0;
  if (static_cast<uint64_t>(us) > std::numeric_limits<uint64_t>::max() / 1000) {
    return std::numeric_limits<uint64_t>::max();
  }
  return static_cast<uint64_t>(us) * 1000;
}

struct SearchQuery {
  store::TraceSearch search;
  std::vector<pdata::TraceId> trace_ids;
};

// queryParser.parseTraceQueryParams: the same parameters, order of checks and error texts.
StatusOr<SearchQuery> ParseSearch(const HttpParams& params, const JaegerApiOptions& options,
                                  int64_t now_ns) {
  SearchQuery q;
  q.search.service = params.GetOr("service", "");
  q.search.operation = params.GetOr("operation", "");

  auto parse_time = [&](std::string_view name) -> StatusOr<std::optional<int64_t>> {
    std::string v = params.GetOr(name, "");
    if (v.empty()) return std::optional<int64_t>();
    auto us = jaeger::ParseGoInt(v, 64);
    if (!us.ok()) {
      return InvalidArgument("unable to parse param '" + std::string(name) +
                             "': " + std::string(us.status().message()));
    }
    return std::optional<int64_t>(*us);
  };
  ASSIGN_OR_RETURN(std::optional<int64_t> start_us, parse_time("start"));
  ASSIGN_OR_RETURN(std::optional<int64_t> end_us, parse_time("end"));
  uint64_t end_ns =
      end_us ? MicrosToNanos(*end_us) : static_cast<uint64_t>(std::max<int64_t>(now_ns, 0));
  int64_t lookback_ns = options.default_lookback.count();
  if (!start_us) {
    // Jaeger UI sends lookback=1h (or "custom") beside start/end; honour it only when there is
    // no start, which Jaeger itself would replace with its configured lookback.
    if (auto lb = params.Get("lookback")) {
      auto d = jaeger::ParseGoDuration(*lb);
      if (d.ok() && *d > 0) lookback_ns = *d;
    }
  }
  uint64_t start_ns =
      start_us ? MicrosToNanos(*start_us)
               : end_ns - std::min<uint64_t>(
                              end_ns, static_cast<uint64_t>(std::max<int64_t>(lookback_ns, 0)));
  q.search.start_ns = start_ns;
  q.search.end_ns = end_ns;

  std::map<std::string, std::string> tags;
  for (const std::string& tag : params.GetAll("tag")) {
    size_t colon = tag.find(':');
    if (colon == std::string::npos) {
      return InvalidArgument("malformed 'tag' parameter, expecting key:value, received: " + tag);
    }
    tags[tag.substr(0, colon)] = tag.substr(colon + 1);
  }
  for (const std::string& json : params.GetAll("tags"))
    RETURN_IF_ERROR(
        ParseJsonStringMap(json, "malformed 'tags' parameter, cannot unmarshal JSON: ", &tags));
  q.search.tags.assign(tags.begin(), tags.end());

  q.search.limit = options.default_limit;
  if (std::string limit = params.GetOr("limit", ""); !limit.empty()) {
    ASSIGN_OR_RETURN(int64_t n, jaeger::ParseGoInt(limit, 32));
    if (n > 0) q.search.limit = std::min(static_cast<size_t>(n), options.max_limit);
  }

  auto parse_duration = [&](std::string_view name) -> StatusOr<int64_t> {
    std::string v = params.GetOr(name, "");
    if (v.empty()) return int64_t{0};
    auto d = jaeger::ParseGoDuration(v);
    if (!d.ok()) {
      return InvalidArgument("unable to parse param '" + std::string(name) +
                             "': " + std::string(d.status().message()));
    }
    return *d;
  };
  ASSIGN_OR_RETURN(int64_t min_d, parse_duration("minDuration"));
  ASSIGN_OR_RETURN(int64_t max_d, parse_duration("maxDuration"));
  if (min_d > 0) q.search.min_duration_ns = static_cast<uint64_t>(min_d);
  if (max_d > 0) q.search.max_duration_ns = static_cast<uint64_t>(max_d);

  for (const std::string& id : params.GetAll("traceID")) {
    auto parsed = jaeger::ParseTraceId(id);
    if (!parsed.ok()) {
      return InvalidArgument("cannot parse traceID param: " +
                             std::string(parsed.status().message()));
    }
    q.trace_ids.push_back(*parsed);
  }

  if (q.trace_ids.empty() && q.search.service.empty()) {
    return InvalidArgument("parameter 'service' is required");
  }
  if (min_d != 0 && max_d != 0 && max_d < min_d) {
    return InvalidArgument("'maxDuration' should be greater than 'minDuration'");
  }
  return q;
}

std::string TracesJson(std::vector<pdata::TraceBatch>& traces) {
  // Most recent first, as the UI lists them.
  std::vector<std::pair<uint64_t, const pdata::TraceBatch*>> order;
  for (const auto& t : traces)
    if (!t.empty()) order.emplace_back(TraceStartNs(t), &t);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  JsonWriter w;
  w.BeginArray();
  for (const auto& [start, batch] : order) jaeger::WriteUiTrace(*batch, w);
  w.EndArray();
  return w.Take();
}

void Services(const Call& call) {
  std::vector<std::string> services = call.querier.Services();
  JsonWriter w;
  w.BeginArray();
  for (const auto& s : services) w.String(s);
  w.EndArray();
  JsonOk(call.out, StructuredResponse(w.str(), static_cast<int64_t>(services.size())), true);
}

// /api/services/{service}/operations: names only, null for none (Go's nil slice).
void OperationsLegacy(const Call& call) {
  auto decoded = UrlDecode(call.vars.Get("service"));
  std::string service = decoded.ok() ? *decoded : std::string();
  std::set<std::string> names;
  for (const auto& op : call.querier.Operations(service)) names.insert(op.name);
  JsonWriter w;
  if (names.empty()) {
    w.Null();
  } else {
    w.BeginArray();
    for (const auto& n : names) w.String(n);
    w.EndArray();
  }
  JsonOk(call.out, StructuredResponse(w.str(), static_cast<int64_t>(names.size())), true);
}

void Operations(const Call& call) {
  std::string service = call.params.GetOr("service", "");
  std::string kind = call.params.GetOr("spanKind", "");
  if (service.empty()) return V1Error(call.out, 400, "parameter 'service' is required");
  JsonWriter w;
  w.BeginArray();
  size_t n = 0;
  for (const auto& op : call.querier.Operations(service)) {
    if (!kind.empty() && op.span_kind != kind) continue;
    w.BeginObject().Key("name").String(op.name).Key("spanKind").String(op.span_kind);
    w.EndObject();
    ++n;
  }
  w.EndArray();
  JsonOk(call.out, StructuredResponse(w.str(), static_cast<int64_t>(n)), true);
}

void GetTrace(const Call& call) {
  auto id = jaeger::ParseTraceId(call.vars.Get("trace_id"));
  if (!id.ok()) return V1Error(call.out, 400, id.status().message());
  auto trace = call.querier.GetTrace(*id);
  if (trace.ok() && trace->empty()) trace = NotFound(std::string(kTraceNotFound));
  if (!trace.ok()) {
    return V1Error(call.out, StatusForStoreError(trace.status()),
                   StoreErrorMessage(trace.status()));
  }
  std::vector<pdata::TraceBatch> traces;
  traces.push_back(std::move(*trace));
  JsonOk(call.out, StructuredResponse(TracesJson(traces), 0), true);
}

void FindTraces(const Call& call) {
  auto query = ParseSearch(call.params, call.options, call.now_ns);
  if (!query.ok()) return V1Error(call.out, 400, query.status().message());
  std::vector<pdata::TraceBatch> traces;
  std::vector<ApiError> errors;
  if (!query->trace_ids.empty()) {
    for (const auto& id : query->trace_ids) {
      if (Status s = call.limits.CheckDeadline(); !s.ok()) {
        return V1Error(call.out, StatusForStoreError(s), StoreErrorMessage(s));
      }
      auto trace = call.querier.GetTrace(id);
      if (trace.ok() && !trace->empty()) {
        traces.push_back(std::move(*trace));
      } else if (trace.ok() || trace.status().code() == StatusCode::kNotFound) {
        errors.push_back({0, std::string(kTraceNotFound), FormatTraceId(id)});
      } else {
        return V1Error(call.out, StatusForStoreError(trace.status()), trace.status().message());
      }
    }
  } else {
    query->search.limits = call.limits;
    auto found = call.querier.FindTraces(query->search);
    if (!found.ok()) {
      return V1Error(call.out, StatusForStoreError(found.status()),
                     StoreErrorMessage(found.status()));
    }
    traces = std::move(*found);
  }
  JsonOk(call.out, StructuredResponse(TracesJson(traces), 0, errors), true);
}

// parseDependenciesQueryParams: endTs in Unix ms (default now), lookback in ms.
void Dependencies(const Call& call) {
  auto parse_ms = [&](std::string_view name, int64_t fallback) -> StatusOr<int64_t> {
    std::string v = call.params.GetOr(name, "");
    if (v.empty()) return fallback;
    auto parsed = jaeger::ParseGoInt(v, 64);
    if (!parsed.ok()) {
      return InvalidArgument("unable to parse param '" + std::string(name) +
                             "': " + std::string(parsed.status().message()));
    }
    return *parsed;
  };
  auto end_ms = parse_ms("endTs", call.now_ns / 1000000);
  if (!end_ms.ok()) return V1Error(call.out, 400, end_ms.status().message());
  auto lookback_ms =
      parse_ms("lookback", call.options.default_dependency_lookback.count() / 1000000);
  if (!lookback_ms.ok()) return V1Error(call.out, 400, lookback_ms.status().message());
  auto ms_to_ns = [](int64_t ms) {
    return MicrosToNanos(ms > std::numeric_limits<int64_t>::max() / 1000
                             ? std::numeric_limits<int64_t>::max()
                             : ms * 1000);
  };
  uint64_t end_ns = ms_to_ns(*end_ms);
  uint64_t start_ns = end_ns - std::min(end_ns, ms_to_ns(*lookback_ms));
  std::string service = call.params.GetOr("service", "");

  auto links = call.querier.Dependencies(start_ns, end_ns, call.limits);
  if (!links.ok()) {
    return V1Error(call.out, StatusForStoreError(links.status()),
                   StoreErrorMessage(links.status()));
  }
  JsonWriter w;
  w.BeginArray();
  for (const store::DependencyLink& link : *links) {
    if (!service.empty() && link.parent != service && link.child != service) continue;
    w.BeginObject().Key("parent").String(link.parent).Key("child").String(link.child);
    w.Key("callCount").Uint(link.call_count).EndObject();
  }
  w.EndArray();
  JsonOk(call.out, StructuredResponse(w.str(), 0), true);
}

// POST /api/transform (Jaeger UI's upload of an OTLP/JSON file): the spans of the body as UI
// traces, one per trace id in order of first appearance. The per-trace batches view the
// decoded batch's strings, which outlive them.
void Transform(const Call& call) {
  auto decoded = otlp::DecodeTracesJson(call.request.body);
  if (!decoded.ok()) {
    return V1Error(call.out, 400,
                   "cannot unmarshal OTLP : " + std::string(decoded.status().message()));
  }
  struct Group {
    pdata::TraceId id;
    pdata::TraceBatch batch;
    const pdata::ResourceSpans* last_resource = nullptr;
    const pdata::ScopeSpans* last_scope = nullptr;
  };
  std::vector<Group> groups;
  std::map<pdata::TraceId, size_t> index;
  for (const auto& rs : decoded->resources()) {
    for (const auto& ss : rs.scope_spans) {
      for (const auto& span : ss.spans) {
        auto [it, added] = index.try_emplace(span.trace_id, groups.size());
        if (added) groups.push_back(Group{span.trace_id, {}, nullptr, nullptr});
        Group& g = groups[it->second];
        if (g.last_resource != &rs) {
          auto& copy = g.batch.resources().emplace_back();
          copy.resource = rs.resource;
          copy.schema_url = rs.schema_url;
          g.last_resource = &rs;
          g.last_scope = nullptr;
        }
        auto& scopes = g.batch.resources().back().scope_spans;
        if (g.last_scope != &ss) {
          auto& copy = scopes.emplace_back();
          copy.scope = ss.scope;
          copy.schema_url = ss.schema_url;
          g.last_scope = &ss;
        }
        scopes.back().spans.push_back(span);
      }
    }
  }
  JsonWriter w;
  w.BeginArray();
  for (const Group& g : groups) jaeger::WriteUiTrace(g.batch, w);
  w.EndArray();
  JsonOk(call.out, StructuredResponse(w.str(), 0), true);
}

// Path pattern -> handler, as Jaeger 2 registers them: the v1 routes through gorilla/mux, the
// api_v3 gateway's through Go's ServeMux ("GET /api/v3/...").
struct Route {
  std::string_view pattern;
  bool v3;
  void (*handler)(const Call&);
  std::string_view method = "GET";
};

constexpr Route kRoutes[] = {
    {"/api/services", false, Services},
    {"/api/services/{service}/operations", false, OperationsLegacy},
    {"/api/operations", false, Operations},
    {"/api/traces", false, FindTraces},
    {"/api/traces/{trace_id}", false, GetTrace},
    {"/api/dependencies", false, Dependencies},
    {"/api/transform", false, Transform, "POST"},
    {"/api/v3/services", true, jaeger::V3Services},
    {"/api/v3/operations", true, jaeger::V3Operations},
    {"/api/v3/traces", true, jaeger::V3FindTraces},
    {"/api/v3/traces/{trace_id}", true, jaeger::V3GetTrace},
    {"/api/v3/trace-summaries", true, jaeger::V3FindTraceSummaries},
};

}  // namespace

JaegerApi::JaegerApi(store::TraceQuerier& querier, Options options)
    : querier_(querier), options_(std::move(options)) {}

int64_t JaegerApi::NowNs() const {
  if (options_.now_ns) return options_.now_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool JaegerApi::Handles(std::string_view path) const {
  PathVars vars;
  return FindRoute(kRoutes, path, &vars) != nullptr;
}

void JaegerApi::Handle(const net::HttpRequest& request, net::HttpResponse* out,
                       std::chrono::steady_clock::time_point received) {
  PathVars vars;
  const Route* route = FindRoute(kRoutes, request.path(), &vars);
  if (route == nullptr) {
    *out = net::HttpResponse::Text(404, "404 page not found\n");
    return;
  }
  if (request.method != route->method && !(route->v3 && request.method == "HEAD")) {
    out->status = 405;
    out->headers.clear();
    out->body.clear();
    if (route->v3) {  // Go's ServeMux: a "GET" pattern also serves HEAD
      jaeger::HttpError(out, 405, "Method Not Allowed");
      out->SetHeader("Allow", "GET, HEAD");
    }
    return;
  }
  auto params = HttpParams::FromRequest(request);
  if (!params.ok()) {
    if (route->v3) return jaeger::V3Error(out, 400, params.status().message());
    return V1Error(out, 400, params.status().message());
  }
  store::QueryLimits limits =
      store::QueryLimits::WithTimeout(options_.timeout, options_.max_traces, received);
  limits.max_items_name = "query::max_traces";
  route->handler(Call{request, querier_, options_, NowNs(), *params, vars, limits, out});
  // Catalogue reads and lookups of one trace are bounded and not interrupted; one that ran past
  // the deadline still answers as a timeout, like every other request.
  if (out->status != 200) return;
  if (Status s = limits.CheckDeadline(); !s.ok()) {
    if (route->v3) return jaeger::V3Error(out, 503, StoreErrorMessage(s));
    V1Error(out, 503, StoreErrorMessage(s));
  }
}

}  // namespace otter::query
