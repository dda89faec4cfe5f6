#include "query/loki_api.h"

#include <fmt/format.h>

#include "query/http_params.h"
#include "query/json_writer.h"
#include "query/logql/engine.h"
#include "query/logql/parser.h"
#include "query/loki_params.h"

namespace otter::query {

using loki::ParseRange;
using loki::ParseTime;
using loki::TimeRange;

namespace {

constexpr int64_t kMaxPoints = 11000;

void WriteStats(JsonWriter& w, const logql::QueryStats& s, int64_t exec_ns) {
  double exec_s = static_cast<double>(exec_ns) / 1e9;
  auto per_second = [&](uint64_t n) -> int64_t {
    return exec_s > 0 ? static_cast<int64_t>(static_cast<double>(n) / exec_s) : 0;
  };
  w.Key("stats").BeginObject().Key("summary").BeginObject();
  w.Key("bytesProcessedPerSecond").Int(per_second(s.bytes_processed));
  w.Key("linesProcessedPerSecond").Int(per_second(s.lines_processed));
  w.Key("totalBytesProcessed").Uint(s.bytes_processed);
  w.Key("totalLinesProcessed").Uint(s.lines_processed);
  w.Key("execTime").Double(exec_s);
  w.Key("queueTime").Int(0);
  w.Key("subqueries").Int(0);
  w.Key("totalEntriesReturned").Uint(s.entries_returned);
  w.Key("splits").Int(0);
  w.Key("shards").Int(0);
  w.Key("totalPostFilterLines").Uint(s.post_filter_lines);
  w.Key("totalStructuredMetadataBytesProcessed").Int(0);
  w.EndObject().EndObject();
}

std::string QueryResultJson(const logql::QueryResult& r, int64_t exec_ns) {
  JsonWriter w;
  w.BeginObject().Key("status").String("success").Key("data").BeginObject();
  switch (r.type) {
    case logql::QueryResult::Type::kStreams:
      w.Key("resultType").String("streams").Key("result").BeginArray();
      for (const auto& s : r.streams) {
        w.BeginObject().Key("stream");
        loki::WriteLabels(w, s.labels);
        w.Key("values").BeginArray();
        for (const auto& e : s.entries)
          w.BeginArray().String(std::to_string(e.ts_ns)).String(e.line).EndArray();
        w.EndArray().EndObject();
      }
      w.EndArray();
      break;
    case logql::QueryResult::Type::kMatrix:
      w.Key("resultType").String("matrix").Key("result").BeginArray();
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
      w.Key("resultType").String("vector").Key("result").BeginArray();
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
      w.Key("resultType").String("scalar").Key("result");
      loki::WritePoint(w, r.scalar_t_ns, r.scalar);
      break;
  }
  WriteStats(w, r.stats, exec_ns);
  w.EndObject().EndObject();
  return w.Take();
}

}  // namespace

LokiApi::LokiApi(store::LogQuerier& querier, Options options)
    : querier_(querier), options_(std::move(options)) {}

int64_t LokiApi::Now() const {
  if (options_.now_ns) return options_.now_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

const std::vector<LokiApi::Route>& LokiApi::Routes() {
  static const std::vector<Route> routes = {
      {"/ready", &LokiApi::Ready, true},
      {"/loki/api/v1/query", &LokiApi::QueryInstant},
      {"/loki/api/v1/query_range", &LokiApi::QueryRange},
      {"/loki/api/v1/labels", &LokiApi::LabelNames},
      {"/loki/api/v1/label", &LokiApi::LabelNames},
      {"/loki/api/v1/label/{}/values", &LokiApi::LabelValues},
      {"/loki/api/v1/series", &LokiApi::Series},
      {"/loki/api/v1/index/stats", &LokiApi::IndexStats},
  };
  return routes;
}

const LokiApi::Route* LokiApi::Match(std::string_view path, std::vector<std::string_view>* args) {
  for (const Route& route : Routes()) {
    std::string_view pattern = route.pattern, rest = path;
    args->clear();
    bool ok = true;
    while (ok && !pattern.empty() && !rest.empty()) {
      size_t pe = pattern.find('/', 1), re = rest.find('/', 1);
      std::string_view pseg = pattern.substr(0, pe), rseg = rest.substr(0, re);
      if (pseg == "/{}" && rseg.size() > 1) {
        args->push_back(rseg.substr(1));
      } else {
        ok = pseg == rseg;
      }
      pattern = pe == std::string_view::npos ? std::string_view() : pattern.substr(pe);
      rest = re == std::string_view::npos ? std::string_view() : rest.substr(re);
    }
    if (ok && pattern.empty() && rest.empty()) return &route;
  }
  return nullptr;
}

bool LokiApi::Handles(std::string_view path) const {
  std::vector<std::string_view> args;
  return Match(path, &args) != nullptr;
}

void LokiApi::Handle(const net::HttpRequest& request, net::HttpResponse* out,
                     std::chrono::steady_clock::time_point received) const {
  std::vector<std::string_view> raw_args;
  const Route* route = Match(request.path(), &raw_args);
  if (route == nullptr) return loki::WriteError(out, 404, "404 page not found");
  if (!route->any_method && request.method != "GET" && request.method != "POST")
    return loki::WriteError(out, 405, "method not allowed");
  auto run = [&]() -> Status {
    ASSIGN_OR_RETURN(HttpParams params, HttpParams::FromRequest(request));
    ASSIGN_OR_RETURN(store::QueryLimits limits, Limits(params, received));
    Call call{request, params, {}, limits, Now()};
    for (std::string_view a : raw_args) {
      ASSIGN_OR_RETURN(std::string decoded, UrlDecode(a));
      call.args.push_back(std::move(decoded));
    }
    return (this->*route->handler)(call, out);
  };
  if (Status s = run(); !s.ok()) loki::WriteStatusError(out, s);
}

Status LokiApi::Ready(const Call&, net::HttpResponse* out) const {
  loki::WriteError(out, 200, "ready");
  return Status::Ok();
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
  logql::Engine engine(querier_, logql::EngineOptions{options_.max_series});
  ASSIGN_OR_RETURN(logql::QueryResult result, engine.Exec(*expr, qp, call.limits));
  loki::WriteJson(out, QueryResultJson(result, Now() - call.now_ns));
  return Status::Ok();
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
  if (auto v = p.Get("step"); v && !v->empty()) {
    ASSIGN_OR_RETURN(qp.step_ns, loki::ParseSecondsOrDuration(*v, "step"));
  } else {
    int64_t secs = (r.end - r.start) / loki::kSecondNs / 250;
    qp.step_ns = std::max<int64_t>(secs, 1) * loki::kSecondNs;
  }
  if (qp.step_ns <= 0)
    return InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  if (!expr->IsLogQuery() && (r.end - r.start) / qp.step_ns > kMaxPoints)
    return InvalidArgument(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  logql::Engine engine(querier_, logql::EngineOptions{options_.max_series});
  ASSIGN_OR_RETURN(logql::QueryResult result, engine.Exec(*expr, qp, call.limits));
  loki::WriteJson(out, QueryResultJson(result, Now() - call.now_ns));
  return Status::Ok();
}

Status LokiApi::LabelNames(const Call& call, net::HttpResponse* out) const {
  ASSIGN_OR_RETURN(TimeRange r, ParseRange(call.params, call.now_ns));
  ASSIGN_OR_RETURN(auto names, querier_.LabelNames(r.start, r.end));
  RETURN_IF_ERROR(call.limits.CheckDeadline());
  loki::WriteJson(out, loki::StringListJson(names));
  return Status::Ok();
}

Status LokiApi::LabelValues(const Call& call, net::HttpResponse* out) const {
  ASSIGN_OR_RETURN(TimeRange r, ParseRange(call.params, call.now_ns));
  ASSIGN_OR_RETURN(auto values, querier_.LabelValues(call.args[0], r.start, r.end));
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

Status LokiApi::IndexStats(const Call& call, net::HttpResponse* out) const {
  ASSIGN_OR_RETURN(auto matchers, logql::ParseStreamSelector(call.params.GetOr("query", "")));
  ASSIGN_OR_RETURN(TimeRange r, ParseRange(call.params, call.now_ns));
  store::LogSelect sel;
  sel.stream_matchers = std::move(matchers);
  sel.start_ns = r.start;
  sel.end_ns = r.end;
  ASSIGN_OR_RETURN(auto streams, querier_.Select(sel));
  uint64_t entries = 0, bytes = 0;
  for (const auto& s : streams) {
    entries += s.entries.size();
    for (const auto& e : s.entries) bytes += e.line.size();
  }
  JsonWriter w;
  w.BeginObject().Key("streams").Uint(streams.size()).Key("chunks").Uint(0);
  w.Key("bytes").Uint(bytes).Key("entries").Uint(entries).EndObject();
  loki::WriteJson(out, w.Take());
  return Status::Ok();
}

}  // namespace otter::query
