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
#include "query/jaeger_json.h"
#include "query/json_writer.h"

namespace otter::query {
namespace {

using jaeger::FormatTraceId;

constexpr std::string_view kTraceNotFound = "trace not found";

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

// writeJSON: json.Encoder output (a trailing newline).
void JsonOk(net::HttpResponse* out, std::string body, bool newline = true) {
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

void V1Error(net::HttpResponse* out, int status, std::string_view msg) {
  HttpError(out, status, StructuredResponse("null", 0, {{status, std::string(msg), {}}}));
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

uint64_t MicrosToNanos(int64_t us) {
  if (us <= 0) return 0;
  if (static_cast<uint64_t>(us) > std::numeric_limits<uint64_t>::max() / 1000) {
    return std::numeric_limits<uint64_t>::max();
  }
  return static_cast<uint64_t>(us) * 1000;
}

// Splits "/a/b/c" (no leading-slash-only artefacts) into segments.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path[0] != '/') return out;
  path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

enum class Route {
  kNone,
  kServices,
  kOperationsLegacy,
  kOperations,
  kSearch,
  kGetTrace,
  kDependencies,
  kV3GetTrace,
  kV3Services,
  kV3Operations,
};

// Matches the way gorilla/mux matches Jaeger's routes: {var} is one non-empty segment.
Route Match(std::string_view path, std::string_view* var) {
  std::vector<std::string_view> s = Segments(path);
  if (s.size() < 2 || s[0] != "api") return Route::kNone;
  if (s.size() == 2) {
    if (s[1] == "services") return Route::kServices;
    if (s[1] == "operations") return Route::kOperations;
    if (s[1] == "traces") return Route::kSearch;
    if (s[1] == "dependencies") return Route::kDependencies;
    return Route::kNone;
  }
  if (s.size() == 3 && s[1] == "traces" && !s[2].empty()) {
    *var = s[2];
    return Route::kGetTrace;
  }
  if (s.size() == 4 && s[1] == "services" && !s[2].empty() && s[3] == "operations") {
    *var = s[2];
    return Route::kOperationsLegacy;
  }
  if (s[1] != "v3") return Route::kNone;
  if (s.size() == 3 && s[2] == "services") return Route::kV3Services;
  if (s.size() == 3 && s[2] == "operations") return Route::kV3Operations;
  if (s.size() == 4 && s[2] == "traces" && !s[3].empty()) {
    *var = s[3];
    return Route::kV3GetTrace;
  }
  return Route::kNone;
}

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

// One ?tags= value: a JSON object of strings (Go: json.Unmarshal into map[string]string).
Status ParseJsonTags(const std::string& json, std::map<std::string, std::string>* tags) {
  auto fail = [](std::string_view why) {
    return InvalidArgument("malformed 'tags' parameter, cannot unmarshal JSON: " +
                           std::string(why));
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

struct SearchQuery {
  store::TraceSearch search;
  std::vector<pdata::TraceId> trace_ids;
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
  std::string_view var;
  return Match(path, &var) != Route::kNone;
}

namespace {

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
  for (const std::string& json : params.GetAll("tags")) RETURN_IF_ERROR(ParseJsonTags(json, &tags));
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

uint64_t TraceStartNs(const pdata::TraceBatch& batch) {
  uint64_t start = std::numeric_limits<uint64_t>::max();
  for (const auto& rs : batch.resources())
    for (const auto& ss : rs.scope_spans)
      for (const auto& span : ss.spans) start = std::min(start, span.start_time_unix_nano);
  return start;
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

}  // namespace

void JaegerApi::Handle(const net::HttpRequest& request, net::HttpResponse* out,
                       std::chrono::steady_clock::time_point received) {
  std::string_view var;
  Route route = Match(request.path(), &var);
  if (route == Route::kNone) {
    *out = net::HttpResponse::Text(404, "404 page not found\n");
    return;
  }
  if (request.method != "GET") {
    out->status = 405;  // gorilla/mux: route matched, method did not
    out->headers.clear();
    out->body.clear();
    return;
  }
  bool v3 =
      route == Route::kV3GetTrace || route == Route::kV3Services || route == Route::kV3Operations;
  auto params_or = HttpParams::FromRequest(request);
  if (!params_or.ok()) {
    if (v3) {
      V3Error(out, 400, params_or.status().message());
    } else {
      V1Error(out, 400, params_or.status().message());
    }
    return;
  }
  const HttpParams& params = *params_or;
  store::QueryLimits limits =
      store::QueryLimits::WithTimeout(options_.timeout, options_.max_traces, received);
  limits.max_items_name = "query::max_traces";
  // Catalogue reads and lookups of one trace are bounded and not interrupted; one that ran past
  // the deadline still answers as a timeout, like every other request.
  struct TimeoutOnReturn {
    const store::QueryLimits& limits;
    net::HttpResponse* out;
    bool v3;
    ~TimeoutOnReturn() {
      if (out->status != 200) return;
      Status s = limits.CheckDeadline();
      if (s.ok()) return;
      if (v3) {
        V3Error(out, 503, StoreErrorMessage(s));
      } else {
        V1Error(out, 503, StoreErrorMessage(s));
      }
    }
  } timeout_on_return{limits, out, v3};

  switch (route) {
    case Route::kServices: {
      std::vector<std::string> services = querier_.Services();
      JsonWriter w;
      w.BeginArray();
      for (const auto& s : services) w.String(s);
      w.EndArray();
      JsonOk(out, StructuredResponse(w.str(), static_cast<int64_t>(services.size())));
      return;
    }
    case Route::kOperationsLegacy: {
      auto decoded = UrlDecode(var);
      std::string service = decoded.ok() ? *decoded : std::string();
      std::set<std::string> names;
      for (const auto& op : querier_.Operations(service)) names.insert(op.name);
      JsonWriter w;
      if (names.empty()) {
        w.Null();  // Go's nil slice
      } else {
        w.BeginArray();
        for (const auto& n : names) w.String(n);
        w.EndArray();
      }
      JsonOk(out, StructuredResponse(w.str(), static_cast<int64_t>(names.size())));
      return;
    }
    case Route::kOperations:
    case Route::kV3Operations: {
      std::string service = params.GetOr("service", "");
      std::string kind = params.GetOr(v3 ? "span_kind" : "spanKind", "");
      if (!v3 && service.empty()) {
        V1Error(out, 400, "parameter 'service' is required");
        return;
      }
      std::vector<store::Operation> ops;
      for (auto& op : querier_.Operations(service))
        if (kind.empty() || op.span_kind == kind) ops.push_back(std::move(op));
      JsonWriter w;
      if (v3) {
        w.BeginObject();
        if (!ops.empty()) {
          w.Key("operations").BeginArray();
          for (const auto& op : ops) {
            w.BeginObject().Key("name").String(op.name);
            if (!op.span_kind.empty()) w.Key("spanKind").String(op.span_kind);
            w.EndObject();
          }
          w.EndArray();
        }
        w.EndObject();
        JsonOk(out, w.Take(), /*newline=*/false);
        return;
      }
      w.BeginArray();
      for (const auto& op : ops) {
        w.BeginObject().Key("name").String(op.name).Key("spanKind").String(op.span_kind);
        w.EndObject();
      }
      w.EndArray();
      JsonOk(out, StructuredResponse(w.str(), static_cast<int64_t>(ops.size())));
      return;
    }
    case Route::kV3Services: {
      std::vector<std::string> services = querier_.Services();
      JsonWriter w;
      w.BeginObject();
      if (!services.empty()) {
        w.Key("services").BeginArray();
        for (const auto& s : services) w.String(s);
        w.EndArray();
      }
      w.EndObject();
      JsonOk(out, w.Take(), /*newline=*/false);
      return;
    }
    case Route::kGetTrace:
    case Route::kV3GetTrace: {
      auto id = jaeger::ParseTraceId(var);
      if (!id.ok()) {
        if (v3) {
          V3Error(out, 400, "malformed parameter trace_id: " + std::string(id.status().message()));
        } else {
          V1Error(out, 400, id.status().message());
        }
        return;
      }
      auto trace = querier_.GetTrace(*id);
      if (trace.ok() && trace->empty()) trace = NotFound("trace not found");
      if (!trace.ok()) {
        int status = StatusForStoreError(trace.status());
        if (v3) {
          V3Error(out, status, StoreErrorMessage(trace.status()));
        } else {
          V1Error(out, status, StoreErrorMessage(trace.status()));
        }
        return;
      }
      if (v3) {
        std::string body = "{\"result\":";
        otlp::EncodeTracesJson(*trace, &body);
        body += '}';
        JsonOk(out, std::move(body), /*newline=*/false);
        return;
      }
      std::vector<pdata::TraceBatch> traces;
      traces.push_back(std::move(*trace));
      JsonOk(out, StructuredResponse(TracesJson(traces), 0));
      return;
    }
    case Route::kSearch: {
      auto query = ParseSearch(params, options_, NowNs());
      if (!query.ok()) {
        V1Error(out, 400, query.status().message());
        return;
      }
      std::vector<pdata::TraceBatch> traces;
      std::vector<ApiError> errors;
      if (!query->trace_ids.empty()) {
        for (const auto& id : query->trace_ids) {
          if (Status s = limits.CheckDeadline(); !s.ok()) {
            V1Error(out, StatusForStoreError(s), StoreErrorMessage(s));
            return;
          }
          auto trace = querier_.GetTrace(id);
          if (trace.ok() && !trace->empty()) {
            traces.push_back(std::move(*trace));
          } else if (trace.ok() || trace.status().code() == StatusCode::kNotFound) {
            errors.push_back({0, std::string(kTraceNotFound), FormatTraceId(id)});
          } else {
            V1Error(out, StatusForStoreError(trace.status()), trace.status().message());
            return;
          }
        }
      } else {
        query->search.limits = limits;
        auto found = querier_.FindTraces(query->search);
        if (!found.ok()) {
          V1Error(out, StatusForStoreError(found.status()), StoreErrorMessage(found.status()));
          return;
        }
        traces = std::move(*found);
      }
      JsonOk(out, StructuredResponse(TracesJson(traces), 0, errors));
      return;
    }
    case Route::kDependencies: {
      // parseDependenciesQueryParams: endTs in Unix ms (default now), lookback in ms.
      int64_t end_ms = NowNs() / 1000000;
      if (std::string v = params.GetOr("endTs", ""); !v.empty()) {
        auto parsed = jaeger::ParseGoInt(v, 64);
        if (!parsed.ok()) {
          V1Error(out, 400,
                  "unable to parse param 'endTs': " + std::string(parsed.status().message()));
          return;
        }
        end_ms = *parsed;
      }
      int64_t lookback_ms = options_.default_dependency_lookback.count() / 1000000;
      if (std::string v = params.GetOr("lookback", ""); !v.empty()) {
        auto parsed = jaeger::ParseGoInt(v, 64);
        if (!parsed.ok()) {
          V1Error(out, 400,
                  "unable to parse param 'lookback': " + std::string(parsed.status().message()));
          return;
        }
        lookback_ms = *parsed;
      }
      std::string service = params.GetOr("service", "");
      uint64_t end_ns = MicrosToNanos(end_ms > std::numeric_limits<int64_t>::max() / 1000
                                          ? std::numeric_limits<int64_t>::max()
                                          : end_ms * 1000);
      uint64_t lookback_ns = MicrosToNanos(lookback_ms > std::numeric_limits<int64_t>::max() / 1000
                                               ? std::numeric_limits<int64_t>::max()
                                               : lookback_ms * 1000);
      uint64_t start_ns = end_ns - std::min(end_ns, lookback_ns);

      auto links = querier_.Dependencies(start_ns, end_ns, limits);
      if (!links.ok()) {
        V1Error(out, StatusForStoreError(links.status()), StoreErrorMessage(links.status()));
        return;
      }
      JsonWriter w;
      w.BeginArray();
      for (const store::DependencyLink& link : *links) {
        if (!service.empty() && link.parent != service && link.child != service) continue;
        w.BeginObject().Key("parent").String(link.parent).Key("child").String(link.child);
        w.Key("callCount").Uint(link.call_count).EndObject();
      }
      w.EndArray();
      JsonOk(out, StructuredResponse(w.str(), 0));
      return;
    }
    case Route::kNone:
      break;
  }
}

}  // namespace otter::query
