#include "query/loki_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "query/http_params.h"
#include "query/http_route.h"
#include "query/json_writer.h"
#include "query/logql/engine.h"
#include "query/logql/parser.h"
#include "query/loki_params.h"
#include "query/loki_patterns.h"

namespace otter::query {

using loki::ParseRange;
using loki::ParseTime;
using loki::TimeRange;

namespace {

constexpr int64_t kMaxPoints = 11000;
constexpr long long kMaxTailDelaySeconds = 5;  // Loki's maxDelayForInTailing

// `flags`: the encoding flags the client sent, echoed in data.encodingFlags as Loki does.
std::string QueryResultJson(const logql::QueryResult& r, int64_t exec_ns,
                            const std::vector<std::string>& flags) {
  const bool categorized =
      std::find(flags.begin(), flags.end(), loki::kCategorizeLabels) != flags.end();
  JsonWriter w;
  w.BeginObject().Key("status").String("success").Key("data").BeginObject();
  auto result_type = [&](std::string_view type) {
    w.Key("resultType").String(type);
    if (flags.empty()) return;
    w.Key("encodingFlags").BeginArray();
    for (const auto& f : flags) w.String(f);
    w.EndArray();
  };
  switch (r.type) {
    case logql::QueryResult::Type::kStreams:
      result_type("streams");
      w.Key("result").BeginArray();
      for (const auto& s : r.streams) {
        w.BeginObject().Key("stream");
        loki::WriteLabels(w, s.labels);
        w.Key("values").BeginArray();
        for (const auto& e : s.entries) loki::WriteEntry(w, e, categorized);
        w.EndArray().EndObject();
      }
      w.EndArray();
      break;
    case logql::QueryResult::Type::kMatrix:
      result_type("matrix");
      w.Key("result").BeginArray();
      for (const auto& s : r.series) {
        w.BeginObject().Key("metric");
        loki::WriteLabels(w, s.labels);
        w.Key("values").BeginArray();
        for (const auto& [t, v] : s.points) loki::WritePoint(w, t, v);
        w.EndArray().EndObject();
      }
      w.EndArray();
      break;
    case logql::QueryResult::Type::kVector:
      result_type("vector");
      w.Key("result").BeginArray();
      for (const auto& s : r.series) {
        w.BeginObject().Key("metric");
        loki::WriteLabels(w, s.labels);
        w.Key("value");
        loki::WritePoint(w, s.points.front().first, s.points.front().second);
        w.EndObject();
      }
      w.EndArray();
      break;
    case logql::QueryResult::Type::kScalar:
      result_type("scalar");
      w.Key("result");
      loki::WritePoint(w, r.scalar_t_ns, r.scalar);
      break;
  }
  loki::WriteStats(w, r.stats, exec_ns);
  w.EndObject().EndObject();
  return w.Take();
}

int64_t NowNs(const LokiApi::Options& options) {
  if (options.now_ns) return options.now_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ?step= (default: Loki's defaultQueryRangeStep, range / 250 in whole seconds), positive, and
// with `limit_points` at most 11,000 points over the range.
StatusOr<int64_t> ParseStep(const HttpParams& p, const TimeRange& r, bool limit_points) {
  int64_t step = std::max<int64_t>((r.end - r.start) / loki::kSecondNs / 250, 1) * loki::kSecondNs;
  if (auto v = p.Get("step"); v && !v->empty()) {
    ASSIGN_OR_RETURN(step, loki::ParseSecondsOrDuration(*v, "step"));
  }
  if (step <= 0)
    return InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  if (limit_points && (r.end - r.start) / step > kMaxPoints)
    return InvalidArgument(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  return step;
}

// Evaluates `expr` and writes Loki's query response.
Status RunQuery(store::LogQuerier& querier, const LokiApi::Options& options,
                const LokiApi::Call& call, const logql::Expr& expr, logql::QueryParams qp,
                net::HttpResponse* out) {
  std::vector<std::string> flags = loki::EncodingFlags(call.http);
  qp.categorize_labels =
      std::find(flags.begin(), flags.end(), loki::kCategorizeLabels) != flags.end();
  logql::Engine engine(querier, logql::EngineOptions{options.max_series});
  ASSIGN_OR_RETURN(logql::QueryResult result, engine.Exec(expr, qp, call.limits));
  loki::WriteJson(out, QueryResultJson(result, NowNs(options) - call.now_ns, flags));
  return Status::Ok();
}

}  // namespace

LokiApi::LokiApi(store::LogQuerier& querier, Options options)
    : querier_(querier), options_(std::move(options)) {}

int64_t LokiApi::Now() const { return NowNs(options_); }

StatusOr<store::QueryLimits> LokiApi::Limits(const HttpParams& p,
                                             std::chrono::steady_clock::time_point received) const {
  std::chrono::nanoseconds timeout = options_.timeout;
  if (auto v = p.Get("timeout"); v && !v->empty()) {
    ASSIGN_OR_RETURN(int64_t ns, loki::ParseSecondsOrDuration(*v, "timeout"));
    if (ns > 0) timeout = std::min(timeout, std::chrono::nanoseconds(ns));
  }
  store::QueryLimits limits =
      store::QueryLimits::WithTimeout(timeout, options_.max_entries, received);
  limits.max_items_name = "query::max_log_entries";
  return limits;
}

const LokiApi::Route LokiApi::kRoutes[] = {
    {"/ready", &LokiApi::Ready, true},
    {"/loki/api/v1/query", &LokiApi::QueryInstant},
    {"/loki/api/v1/query_range", &LokiApi::QueryRange},
    {"/loki/api/v1/labels", &LokiApi::LabelNames},
    {"/loki/api/v1/label", &LokiApi::LabelNames},
    {"/loki/api/v1/label/{name}/values", &LokiApi::LabelValues},
    {"/loki/api/v1/series", &LokiApi::Series},
    {"/loki/api/v1/tail", &LokiApi::TailNotUpgraded},
    {"/loki/api/v1/index/stats", &LokiApi::IndexStats},
    {"/loki/api/v1/index/volume", &LokiApi::IndexVolume},
    {"/loki/api/v1/index/volume_range", &LokiApi::IndexVolumeRange},
    {"/loki/api/v1/detected_fields", &LokiApi::DetectedFields},
    {"/loki/api/v1/detected_field/{name}/values", &LokiApi::DetectedFieldValues},
    {"/loki/api/v1/detected_labels", &LokiApi::DetectedLabels},
    {"/loki/api/v1/patterns", &LokiApi::Patterns},
    {"/loki/api/v1/rules", &LokiApi::RuleGroups},
    {"/loki/api/v1/rules/{name}", &LokiApi::RuleGroups},
    {"/prometheus/api/v1/rules", &LokiApi::PrometheusRules},
    {"/prometheus/api/v1/alerts", &LokiApi::PrometheusAlerts},
};

bool LokiApi::Handles(std::string_view path) const {
  PathVars vars;
  return FindRoute(kRoutes, path, &vars) != nullptr;
}

void LokiApi::Handle(const net::HttpRequest& request, net::HttpResponse* out,
                     std::chrono::steady_clock::time_point received) const {
  PathVars vars;
  const Route* route = FindRoute(kRoutes, request.path(), &vars);
  if (route == nullptr) return loki::WriteError(out, 404, "404 page not found");
  if (!route->any_method && request.method != "GET" && request.method != "POST")
    return loki::WriteError(out, 405, "method not allowed");
  auto run = [&]() -> Status {
    ASSIGN_OR_RETURN(HttpParams params, HttpParams::FromRequest(request));
    ASSIGN_OR_RETURN(store::QueryLimits limits, Limits(params, received));
    ASSIGN_OR_RETURN(std::string name, UrlDecode(vars.Get("name")));
    Call call{request, params, std::move(name), limits, Now()};
    return (this->*route->handler)(call, out);
  };
  if (Status s = run(); !s.ok()) loki::WriteStatusError(out, s);
}

Status LokiApi::Ready(const Call&, net::HttpResponse* out) const {
  loki::WriteError(out, 200, "ready");
  return Status::Ok();
}

Status LokiApi::TailNotUpgraded(const Call&, net::HttpResponse* out) const {
  // As Loki's WebSocket upgrader answers it.
  loki::WriteError(out, 400,
                   "websocket: the client is not using the websocket protocol: 'upgrade' token "
                   "not found in 'Connection' header");
  return Status::Ok();
}

StatusOr<TailRequest> LokiApi::ParseTail(const net::HttpRequest& request) const {
  ASSIGN_OR_RETURN(const HttpParams p, HttpParams::FromRequest(request));
  TailRequest t;
  ASSIGN_OR_RETURN(t.expr, logql::ParseQuery(p.GetOr("query", "")));
  if (!t.expr->IsLogQuery())
    return InvalidArgument("tailing is only supported for log queries, not metric queries");
  ASSIGN_OR_RETURN(t.limit,
                   loki::ParseLimit(p, options_.default_limit, options_.max_entries_limit));
  ASSIGN_OR_RETURN(TimeRange r, ParseRange(p, Now()));
  t.start_ns = r.start;
  if (auto v = p.Get("delay_for"); v && !v->empty()) {
    char* end = nullptr;
    long long secs = std::strtoll(v->c_str(), &end, 10);
    if (end != v->c_str() + v->size())
      return InvalidArgument(
          fmt::format("invalid parameter \"delay_for\": cannot parse \"{}\"", *v));
    if (secs > kMaxTailDelaySeconds)
      return InvalidArgument(
          fmt::format("delay_for can't be greater than {}", kMaxTailDelaySeconds));
    t.delay_ns = std::max<long long>(secs, 0) * loki::kSecondNs;
  }
  std::vector<std::string> flags = loki::EncodingFlags(request);
  t.categorize_labels =
      std::find(flags.begin(), flags.end(), loki::kCategorizeLabels) != flags.end();
  return t;
}

Status LokiApi::QueryInstant(const Call& call, net::HttpResponse* out) const {
  const HttpParams& p = call.params;
  ASSIGN_OR_RETURN(auto expr, logql::ParseQuery(p.GetOr("query", "")));
  if (expr->IsLogQuery())
    return InvalidArgument(
        "log queries are not supported as an instant query type, please change your query to a "
        "range query type");
  logql::QueryParams qp;
  ASSIGN_OR_RETURN(qp.direction, loki::ParseDirection(p));
  qp.instant = true;
  qp.end_ns = call.now_ns;
  if (auto v = p.Get("time"); v && !v->empty()) {
    ASSIGN_OR_RETURN(qp.end_ns, ParseTime(*v, "time"));
  }
  qp.start_ns = qp.end_ns;
  return RunQuery(querier_, options_, call, *expr, qp, out);
}

Status LokiApi::QueryRange(const Call& call, net::HttpResponse* out) const {
  const HttpParams& p = call.params;
  ASSIGN_OR_RETURN(auto expr, logql::ParseQuery(p.GetOr("query", "")));
  logql::QueryParams qp;
  ASSIGN_OR_RETURN(qp.direction, loki::ParseDirection(p));
  if (expr->IsLogQuery()) {
    ASSIGN_OR_RETURN(qp.limit,
                     loki::ParseLimit(p, options_.default_limit, options_.max_entries_limit));
  }
  ASSIGN_OR_RETURN(TimeRange r, ParseRange(p, call.now_ns));
  qp.start_ns = r.start;
  qp.end_ns = r.end;
  ASSIGN_OR_RETURN(qp.step_ns, ParseStep(p, r, /*limit_points=*/!expr->IsLogQuery()));
  return RunQuery(querier_, options_, call, *expr, qp, out);
}

Status LokiApi::Patterns(const Call& call, net::HttpResponse* out) const {
  PatternsRequest req;
  req.query = call.params.GetOr("query", "");
  ASSIGN_OR_RETURN(TimeRange r, ParseRange(call.params, call.now_ns));
  req.start_ns = r.start;
  req.end_ns = r.end;
  ASSIGN_OR_RETURN(req.step_ns, ParseStep(call.params, r, /*limit_points=*/true));
  ASSIGN_OR_RETURN(std::string body, PatternsResponse(querier_, req, call.limits));
  loki::WriteJson(out, std::move(body));
  return Status::Ok();
}

StatusOr<std::vector<store::Labels>> LokiApi::SelectedStreams(const Call& call, int64_t start_ns,
                                                              int64_t end_ns) const {
  ASSIGN_OR_RETURN(auto matchers, logql::ParseStreamSelector(call.params.GetOr("query", "")));
  return querier_.Series({std::move(matchers)}, start_ns, end_ns);
}

Status LokiApi::LabelNames(const Call& call, net::HttpResponse* out) const {
  ASSIGN_OR_RETURN(TimeRange r, ParseRange(call.params, call.now_ns));
  std::vector<std::string> names;
  if (call.params.GetOr("query", "").empty()) {
    ASSIGN_OR_RETURN(names, querier_.LabelNames(r.start, r.end));
  } else {
    ASSIGN_OR_RETURN(auto streams, SelectedStreams(call, r.start, r.end));
    std::set<std::string> unique;
    for (const auto& labels : streams)
      for (const auto& l : labels) unique.insert(l.name);
    names.assign(unique.begin(), unique.end());
  }
  RETURN_IF_ERROR(call.limits.CheckDeadline());
  loki::WriteJson(out, loki::StringListJson(names));
  return Status::Ok();
}

Status LokiApi::LabelValues(const Call& call, net::HttpResponse* out) const {
  ASSIGN_OR_RETURN(TimeRange r, ParseRange(call.params, call.now_ns));
  std::vector<std::string> values;
  if (call.params.GetOr("query", "").empty()) {
    ASSIGN_OR_RETURN(values, querier_.LabelValues(call.name, r.start, r.end));
  } else {
    ASSIGN_OR_RETURN(auto streams, SelectedStreams(call, r.start, r.end));
    std::set<std::string> unique;
    for (const auto& labels : streams)
      if (auto v = store::GetLabel(labels, call.name); !v.empty()) unique.emplace(v);
    values.assign(unique.begin(), unique.end());
  }
  RETURN_IF_ERROR(call.limits.CheckDeadline());
  loki::WriteJson(out, loki::StringListJson(values));
  return Status::Ok();
}

Status LokiApi::Series(const Call& call, net::HttpResponse* out) const {
  std::vector<std::string> selectors = call.params.GetAll("match[]");
  for (auto& m : call.params.GetAll("match")) selectors.push_back(std::move(m));
  std::vector<store::Matchers> sets;
  for (const auto& s : selectors) {
    ASSIGN_OR_RETURN(auto m, logql::ParseStreamSelector(s));
    sets.push_back(std::move(m));
  }
  ASSIGN_OR_RETURN(TimeRange r, ParseRange(call.params, call.now_ns));
  ASSIGN_OR_RETURN(auto series, querier_.Series(sets, r.start, r.end));
  RETURN_IF_ERROR(call.limits.CheckDeadline());
  JsonWriter w;
  w.BeginObject().Key("status").String("success").Key("data").BeginArray();
  for (const auto& s : series) loki::WriteLabels(w, s);
  w.EndArray().EndObject();
  loki::WriteJson(out, w.Take());
  return Status::Ok();
}

// Loki's ruler listing: YAML, namespace (rule file) → groups; 404 when there is none.
Status LokiApi::RuleGroups(const Call& call, net::HttpResponse* out) const {
  std::string yaml = options_.rules ? options_.rules->RuleGroupsYaml(call.name) : "";
  if (yaml.empty()) {
    loki::WriteError(out, 404, "no rule groups found");
    return Status::Ok();
  }
  out->status = 200;
  out->body = std::move(yaml);
  out->headers = {{"Content-Type", "application/yaml"}};
  return Status::Ok();
}

namespace {

// The ruler's Prometheus-style answer: {"status","data","errorType","error"}, no omitempty.
void WriteRulerJson(net::HttpResponse* out, std::string_view data) {
  JsonWriter w;
  w.BeginObject().Key("status").String("success").Key("data").Raw(data);
  w.Key("errorType").String("").Key("error").String("").EndObject();
  loki::WriteJson(out, w.Take(), false);
  out->headers = {{"Content-Type", "application/json"}};
}

}  // namespace

Status LokiApi::PrometheusRules(const Call& call, net::HttpResponse* out) const {
  std::string type = call.params.GetOr("type", "");
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!type.empty() && type != "alert" && type != "record") {
    JsonWriter w;
    w.BeginObject().Key("status").String("error").Key("data").Null();
    w.Key("errorType").String("bad_data");
    w.Key("error").String(fmt::format("not supported value \"{}\"", call.params.GetOr("type", "")));
    w.EndObject();
    out->status = 400;
    out->headers = {{"Content-Type", "text/plain; charset=utf-8"}};
    out->body = w.Take();
    return Status::Ok();
  }
  if (!options_.rules) {
    WriteRulerJson(out, R"({"groups":[]})");
    return Status::Ok();
  }
  RuleFilter filter;
  filter.type = type;
  for (auto& n : call.params.GetAll("rule_name[]")) filter.rule_names.insert(std::move(n));
  for (auto& n : call.params.GetAll("rule_group[]")) filter.groups.insert(std::move(n));
  for (auto& n : call.params.GetAll("file[]")) filter.files.insert(std::move(n));
  WriteRulerJson(out, options_.rules->RulesJson(filter));
  return Status::Ok();
}

Status LokiApi::PrometheusAlerts(const Call&, net::HttpResponse* out) const {
  WriteRulerJson(out, options_.rules ? options_.rules->AlertsJson() : R"({"alerts":[]})");
  return Status::Ok();
}

}  // namespace otter::query
