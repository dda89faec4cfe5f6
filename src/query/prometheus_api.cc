#include "query/prometheus_api.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>

#include "common/civil_date.h"
#include "common/version.h"
#include "query/go_parse.h"
#include "query/http_params.h"
#include "query/http_route.h"
#include "query/json_writer.h"
#include "query/promql/lexer.h"
#include "query/promql/parser.h"

namespace otter::query {
namespace {

// Prometheus's minimum/maximum API times (Go time.Unix(math.MinInt64/1000+62135596801, 0) ...),
// approximated in milliseconds.
constexpr int64_t kMinTimeMs = -9223309901257974;
constexpr int64_t kMaxTimeMs = 9223309901257974;

struct ApiError {
  std::string type;  // bad_data, execution, timeout, internal, not_found
  std::string message;
};

int HttpStatusFor(std::string_view type) {
  if (type == "bad_data") return 400;
  if (type == "execution") return 422;
  if (type == "timeout") return 503;
  if (type == "not_found") return 404;
  if (type == "canceled") return 499;
  return 500;
}

ApiError FromStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      return {"bad_data", std::string(s.message())};
    case StatusCode::kDeadlineExceeded:
      return {"timeout", std::string(s.message())};
    case StatusCode::kCancelled:
      return {"canceled", std::string(s.message())};
    case StatusCode::kInternal:
    case StatusCode::kUnavailable:
    case StatusCode::kDataLoss:
    case StatusCode::kUnknown:
      return {"internal", std::string(s.message())};
    default:
      return {"execution", std::string(s.message())};
  }
}

ApiError InvalidParam(std::string_view name, std::string_view msg) {
  return {"bad_data", "invalid parameter \"" + std::string(name) + "\": " + std::string(msg)};
}

void WriteError(const ApiError& e, net::HttpResponse* out) {
  JsonWriter w;
  w.BeginObject().Key("status").String("error").Key("errorType").String(e.type);
  w.Key("error").String(e.message).EndObject();
  out->status = HttpStatusFor(e.type);
  out->body = w.Take();
  out->SetHeader("Content-Type", "application/json");
}

// `data` is pre-encoded JSON. A query's annotations follow as "warnings" / "infos" (each
// only when not empty), as Prometheus 3 answers.
void WriteSuccess(std::string_view data, net::HttpResponse* out,
                  const promql::Annotations* annotations = nullptr) {
  out->status = 200;
  out->body = "{\"status\":\"success\",\"data\":";
  out->body += data;
  if (annotations) {
    for (const auto* list : {&annotations->warnings, &annotations->infos}) {
      if (list->empty()) continue;
      JsonWriter w;
      w.BeginArray();
      for (const auto& a : *list) w.String(a);
      w.EndArray();
      out->body += list == &annotations->warnings ? ",\"warnings\":" : ",\"infos\":";
      out->body += w.str();
    }
  }
  out->body += "}";
  out->SetHeader("Content-Type", "application/json");
}

// Unix seconds with millisecond precision, as Prometheus marshals timestamps (1.5 → 1.500).
std::string TimeJson(int64_t ms) {
  std::string out;
  if (ms < 0) {
    out += '-';
    ms = -ms;
  }
  out += std::to_string(ms / 1000);
  int64_t frac = ms % 1000;
  if (frac != 0) {
    out += '.';
    if (frac < 100) out += '0';
    if (frac < 10) out += '0';
    out += std::to_string(frac);
  }
  return out;
}

void WriteLabels(JsonWriter& w, const store::Labels& labels) {
  w.BeginObject();
  for (const auto& l : labels) w.Key(l.name).String(l.value);
  w.EndObject();
}

void WritePoint(JsonWriter& w, int64_t t_ms, double v) {
  w.BeginArray().Raw(TimeJson(t_ms)).String(FormatPromFloat(v)).EndArray();
}

// [t, {"count": "…", "sum": "…", "buckets": [[boundary rule, "lower", "upper", "count"], …]}]
// as Prometheus writes a native histogram sample (empty buckets left out; no "buckets" key
// without any).
void WriteHistogramPoint(JsonWriter& w, int64_t t_ms, const store::NativeHistogram& h) {
  w.BeginArray().Raw(TimeJson(t_ms)).BeginObject();
  w.Key("count").String(FormatPromFloat(h.count));
  w.Key("sum").String(FormatPromFloat(h.sum));
  bool any = false;
  h.ForEachBucket([&](const store::HistogramBucket& b) {
    if (!any) w.Key("buckets").BeginArray();
    any = true;
    w.BeginArray().Raw(std::to_string(b.BoundaryRule()));
    w.String(FormatPromFloat(b.lower)).String(FormatPromFloat(b.upper));
    w.String(FormatPromFloat(b.count)).EndArray();
  });
  if (any) w.EndArray();
  w.EndObject().EndArray();
}

// A series' float points under "values" and its histogram points under "histograms", each only
// when there are some, as Prometheus does.
void WriteMatrix(JsonWriter& w, const promql::Matrix& m) {
  w.BeginArray();
  for (const auto& s : m) {
    w.BeginObject().Key("metric");
    WriteLabels(w, s.metric);
    bool floats = false, histograms = false;
    for (const auto& p : s.points) (p.h ? histograms : floats) = true;
    if (floats || !histograms) {
      w.Key("values").BeginArray();
      for (const auto& p : s.points)
        if (!p.h) WritePoint(w, p.t_ms, p.v);
      w.EndArray();
    }
    if (histograms) {
      w.Key("histograms").BeginArray();
      for (const auto& p : s.points)
        if (p.h) WriteHistogramPoint(w, p.t_ms, *p.h);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
}

std::string QueryData(const promql::Value& v, int64_t t_ms) {
  JsonWriter w;
  w.BeginObject().Key("resultType").String(promql::ResultTypeName(v.type)).Key("result");
  switch (v.type) {
    case promql::ValueType::kScalar:
      WritePoint(w, t_ms, v.scalar);
      break;
    case promql::ValueType::kString:
      w.BeginArray().Raw(TimeJson(t_ms)).String(v.str).EndArray();
      break;
    case promql::ValueType::kVector:
      w.BeginArray();
      for (const auto& e : v.vector) {
        w.BeginObject().Key("metric");
        WriteLabels(w, e.metric);
        if (e.h) {
          w.Key("histogram");
          WriteHistogramPoint(w, t_ms, *e.h);
        } else {
          w.Key("value");
          WritePoint(w, t_ms, e.v);
        }
        w.EndObject();
      }
      w.EndArray();
      break;
    case promql::ValueType::kMatrix:
      WriteMatrix(w, v.matrix);
      break;
  }
  w.EndObject();
  return w.Take();
}

bool IsValidLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
          (i > 0 && c >= '0' && c <= '9')))
      return false;
  }
  return true;
}

std::optional<int64_t> ParseRfc3339Millis(std::string_view s) {
  auto digits = [&](size_t pos, size_t n) -> std::optional<int> {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  auto y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2), h = digits(11, 2), mi = digits(14, 2),
       se = digits(17, 2);
  if (!y || !mo || !d || !h || !mi || !se || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 ||
      *mi > 59 || *se > 60)
    return std::nullopt;
  size_t i = 19;
  double frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    double scale = 0.1;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    auto oh = digits(i + 1, 2), om = digits(i + 4, 2);
    if (!oh || !om || i + 3 >= s.size() || s[i + 3] != ':') return std::nullopt;
    offset_s = (*oh * 3600 + *om * 60) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  int64_t days = DaysFromCivil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d));
  int64_t secs = days * 86400 + *h * 3600 + *mi * 60 + *se - offset_s;
  return secs * 1000 + static_cast<int64_t>(std::floor(frac * 1000 + 1e-6));
}

std::optional<double> ParseFloat(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string str(s);
  char* end = nullptr;
  double v = std::strtod(str.c_str(), &end);
  if (end != str.c_str() + str.size()) return std::nullopt;
  return v;
}

}  // namespace

StatusOr<int64_t> ParsePromTimeMillis(std::string_view s) {
  if (auto f = ParseFloat(s); f && std::isfinite(*f)) {
    double secs;
    double frac = std::modf(*f, &secs);
    if (std::fabs(secs) > 9.2e15)
      return InvalidArgument("cannot parse " + GoQuote(s) + " to a valid timestamp");
    return static_cast<int64_t>(secs) * 1000 + static_cast<int64_t>(std::round(frac * 1000));
  }
  if (auto t = ParseRfc3339Millis(s)) return *t;
  return InvalidArgument("cannot parse " + GoQuote(s) + " to a valid timestamp");
}

StatusOr<int64_t> ParsePromDurationMillis(std::string_view s) {
  if (auto f = ParseFloat(s); f && !std::isnan(*f)) {
    double ms = *f * 1000;
    if (ms > 9.2e15 || ms < -9.2e15)
      return InvalidArgument("cannot parse " + GoQuote(s) +
                             " to a valid duration. It overflows int64");
    return static_cast<int64_t>(std::llround(ms));
  }
  auto d = promql::ParseDurationMillis(s);
  if (!d.ok()) return InvalidArgument("cannot parse " + GoQuote(s) + " to a valid duration");
  return *d;
}

PrometheusApi::PrometheusApi(store::MetricQuerier& querier, Options options)
    : querier_(querier),
      options_(std::move(options)),
      engine_(querier, promql::EngineOptions{options_.lookback_delta_ms, options_.max_samples, 0}) {
  if (!options_.now) {
    options_.now = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
}

bool PrometheusApi::Handles(std::string_view path) const { return path.substr(0, 8) == "/api/v1/"; }

namespace {

// One request: parsed params, path variables, and helpers returning ApiError.
struct Call {
  store::MetricQuerier& querier;
  const promql::Engine& engine;
  const PrometheusApi::Options& options;
  const HttpParams& params;
  const PathVars& vars;
  std::chrono::steady_clock::time_point received;
  net::HttpResponse* out;

  void Fail(const ApiError& e) const { WriteError(e, out); }
  void Success(std::string_view data, const promql::Annotations* annotations = nullptr) const {
    WriteSuccess(data, out, annotations);
  }

  std::optional<ApiError> Time(std::string_view name, int64_t fallback, int64_t* t) const {
    auto v = params.Get(name);
    if (!v || v->empty()) {
      *t = fallback;
      return std::nullopt;
    }
    auto parsed = ParsePromTimeMillis(*v);
    if (!parsed.ok()) return InvalidParam(name, parsed.status().message());
    *t = *parsed;
    return std::nullopt;
  }

  std::optional<ApiError> MatchSets(std::vector<store::Matchers>* sets, bool prefix) const {
    for (const auto& m : params.GetAll("match[]")) {
      auto ms = promql::ParseMetricSelector(m);
      if (!ms.ok()) {
        if (prefix) return InvalidParam("match[]", ms.status().message());
        return ApiError{"bad_data", std::string(ms.status().message())};
      }
      sets->push_back(std::move(*ms));
    }
    return std::nullopt;
  }

  // The request's deadline: the configured timeout, or ?timeout= when shorter.
  std::optional<ApiError> Deadline(std::chrono::steady_clock::time_point* deadline) const {
    auto timeout = options.query_timeout;
    if (auto to = params.Get("timeout"); to && !to->empty()) {
      auto d = ParsePromDurationMillis(*to);
      if (!d.ok()) return InvalidParam("timeout", d.status().message());
      timeout = std::min(timeout, std::chrono::milliseconds(*d));
    }
    *deadline = received + timeout;
    return std::nullopt;
  }

  // Series and label lookups read the index only; they still answer a timeout when they ran
  // past the deadline (Prometheus cancels them by context).
  bool TimedOut() const {
    std::chrono::steady_clock::time_point deadline;
    if (Deadline(&deadline)) deadline = received + options.query_timeout;
    return std::chrono::steady_clock::now() >= deadline;
  }
};

void Query(const Call& call) {
  int64_t t;
  if (auto e = call.Time("time", call.options.now(), &t)) return call.Fail(*e);
  std::chrono::steady_clock::time_point deadline;
  if (auto e = call.Deadline(&deadline)) return call.Fail(*e);
  std::string query = call.params.GetOr("query", "");
  auto expr = promql::ParseExpr(query);
  if (!expr.ok()) return call.Fail(InvalidParam("query", expr.status().message()));
  promql::Annotations annotations;
  annotations.query = query;  // positions in annotations refer to it
  auto v = call.engine.ExecInstant(**expr, t, deadline, &annotations);
  if (!v.ok()) return call.Fail(FromStatus(v.status()));
  call.Success(QueryData(*v, t), &annotations);
}

void QueryRange(const Call& call) {
  const HttpParams& params = call.params;
  auto start = ParsePromTimeMillis(params.GetOr("start", ""));
  if (!start.ok()) return call.Fail(InvalidParam("start", start.status().message()));
  auto end = ParsePromTimeMillis(params.GetOr("end", ""));
  if (!end.ok()) return call.Fail(InvalidParam("end", end.status().message()));
  if (*end < *start)
    return call.Fail(InvalidParam("end", "end timestamp must not be before start time"));
  auto step = ParsePromDurationMillis(params.GetOr("step", ""));
  if (!step.ok()) return call.Fail(InvalidParam("step", step.status().message()));
  if (*step <= 0) {
    return call.Fail(InvalidParam(
        "step",
        "zero or negative query resolution step widths are not accepted. Try a positive "
        "integer"));
  }
  if ((*end - *start) / *step > 11000) {
    return call.Fail({"bad_data",
                      "exceeded maximum resolution of 11,000 points per timeseries. Try "
                      "decreasing the query resolution (?step=XX)"});
  }
  std::chrono::steady_clock::time_point deadline;
  if (auto e = call.Deadline(&deadline)) return call.Fail(*e);
  std::string query = params.GetOr("query", "");
  auto expr = promql::ParseExpr(query);
  if (!expr.ok()) return call.Fail(InvalidParam("query", expr.status().message()));
  if ((*expr)->type != promql::ValueType::kScalar && (*expr)->type != promql::ValueType::kVector) {
    return call.Fail(
        InvalidParam("query", "invalid expression type \"" +
                                  std::string(promql::DocumentedTypeName((*expr)->type)) +
                                  "\" for range query, must be Scalar or instant Vector"));
  }
  promql::Annotations annotations;
  annotations.query = query;
  auto m = call.engine.ExecRange(**expr, *start, *end, *step, deadline, &annotations);
  if (!m.ok()) return call.Fail(FromStatus(m.status()));
  JsonWriter w;
  w.BeginObject().Key("resultType").String("matrix").Key("result");
  WriteMatrix(w, *m);
  w.EndObject();
  call.Success(w.str(), &annotations);
}

void Series(const Call& call) {
  if (call.params.GetAll("match[]").empty())
    return call.Fail({"bad_data", "no match[] parameter provided"});
  int64_t start, end;
  if (auto e = call.Time("start", kMinTimeMs, &start)) return call.Fail(*e);
  if (auto e = call.Time("end", kMaxTimeMs, &end)) return call.Fail(*e);
  std::vector<store::Matchers> sets;
  if (auto e = call.MatchSets(&sets, true)) return call.Fail(*e);
  auto series = call.querier.Series(sets, start, end);
  if (!series.ok()) return call.Fail(FromStatus(series.status()));
  if (call.TimedOut())
    return call.Fail(FromStatus(DeadlineExceeded(std::string(promql::kTimedOut))));
  JsonWriter w;
  w.BeginArray();
  for (const auto& l : *series) WriteLabels(w, l);
  w.EndArray();
  call.Success(w.str());
}

void WriteStrings(const Call& call, const StatusOr<std::vector<std::string>>& names) {
  if (!names.ok()) return call.Fail(FromStatus(names.status()));
  if (call.TimedOut())
    return call.Fail(FromStatus(DeadlineExceeded(std::string(promql::kTimedOut))));
  JsonWriter w;
  w.BeginArray();
  for (const auto& n : *names) w.String(n);
  w.EndArray();
  call.Success(w.str());
}

// The start, end and match[] of /labels and /label/<name>/values.
std::optional<ApiError> LabelQuery(const Call& call, int64_t* start, int64_t* end,
                                   std::vector<store::Matchers>* sets) {
  if (auto e = call.Time("start", kMinTimeMs, start)) return e;
  if (auto e = call.Time("end", kMaxTimeMs, end)) return e;
  return call.MatchSets(sets, false);
}

void LabelNames(const Call& call) {
  int64_t start, end;
  std::vector<store::Matchers> sets;
  if (auto e = LabelQuery(call, &start, &end, &sets)) return call.Fail(*e);
  WriteStrings(call, call.querier.LabelNames(sets, start, end));
}

void LabelValues(const Call& call) {
  int64_t start, end;
  std::vector<store::Matchers> sets;
  if (auto e = LabelQuery(call, &start, &end, &sets)) return call.Fail(*e);
  std::string_view raw = call.vars.Get("name");
  auto name = UrlDecode(raw);
  if (!name.ok() || !IsValidLabelName(*name))
    return call.Fail({"bad_data", "invalid label name: " + GoQuote(name.ok() ? *name : raw)});
  WriteStrings(call, call.querier.LabelValues(*name, sets, start, end));
}

void Metadata(const Call& call) {
  size_t limit = 0;
  if (auto l = call.params.Get("limit"); l && !l->empty()) {
    char* end = nullptr;
    long v = std::strtol(l->c_str(), &end, 10);
    if (end != l->c_str() + l->size()) return call.Fail({"bad_data", "limit must be a number"});
    limit = v < 0 ? 0 : static_cast<size_t>(v);
  }
  auto md = call.querier.Metadata(call.params.GetOr("metric", ""), limit);
  JsonWriter w;
  w.BeginObject();
  for (const auto& [name, list] : md) {
    w.Key(name).BeginArray();
    for (const auto& m : list) {
      w.BeginObject().Key("type").String(m.type).Key("help").String(m.help);
      w.Key("unit").String(m.unit).EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  call.Success(w.str());
}

void QueryExemplars(const Call& call) {
  int64_t start, end;
  if (auto e = call.Time("start", kMinTimeMs, &start)) return call.Fail(*e);
  if (auto e = call.Time("end", kMaxTimeMs, &end)) return call.Fail(*e);
  if (end < start)
    return call.Fail({"bad_data", "end timestamp must not be before start timestamp"});
  auto expr = promql::ParseExpr(call.params.GetOr("query", ""));
  if (!expr.ok()) return call.Fail({"bad_data", std::string(expr.status().message())});
  std::vector<store::Matchers> sets;
  promql::CollectSelectors(**expr, &sets);
  JsonWriter w;
  w.BeginArray();
  if (!sets.empty()) {
    auto ex = call.querier.Exemplars(sets, start, end);
    if (!ex.ok()) return call.Fail(FromStatus(ex.status()));
    for (const auto& s : *ex) {
      w.BeginObject().Key("seriesLabels");
      WriteLabels(w, s.series_labels);
      w.Key("exemplars").BeginArray();
      for (const auto& e : s.exemplars) {
        w.BeginObject().Key("labels");
        WriteLabels(w, e.labels);
        w.Key("value").String(FormatPromFloat(e.value));
        w.Key("timestamp").Raw(TimeJson(e.t_ms)).EndObject();
      }
      w.EndArray().EndObject();
    }
  }
  w.EndArray();
  call.Success(w.str());
}

// Prometheus's version whose API and PromQL semantics otter follows; Grafana reads it from
// buildinfo to decide which API features it may use.
constexpr std::string_view kCompatiblePrometheusVersion = "3.0.0";

// /api/v1/rules: the filters are validated as Prometheus does, in its order (match[], type,
// exclude_alerts, pagination); the rule manager lists the groups (none without one).
void Rules(const Call& call) {
  const HttpParams& params = call.params;
  std::vector<store::Matchers> sets;
  if (auto e = call.MatchSets(&sets, false)) return call.Fail(*e);
  std::string type = params.GetOr("type", "");
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (!type.empty() && type != "alert" && type != "record")
    return call.Fail(InvalidParam("type", "not supported value " + GoQuote(type)));
  std::string exclude = params.GetOr("exclude_alerts", "");
  std::transform(exclude.begin(), exclude.end(), exclude.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  RuleFilter filter;
  filter.type = type;
  if (!exclude.empty()) {
    auto b = ParseGoBool(exclude);
    if (!b.ok()) {
      return call.Fail(InvalidParam("exclude_alerts", "error converting exclude_alerts: " +
                                                          std::string(b.status().message())));
    }
    filter.exclude_alerts = *b;
  }
  for (auto& n : params.GetAll("rule_name[]")) filter.rule_names.insert(std::move(n));
  for (auto& n : params.GetAll("rule_group[]")) filter.groups.insert(std::move(n));
  for (auto& n : params.GetAll("file[]")) filter.files.insert(std::move(n));
  std::string limit = params.GetOr("group_limit", "");
  std::string token = params.GetOr("group_next_token", "");
  if (!token.empty() && limit.empty()) {
    return call.Fail(
        InvalidParam("group_next_token",
                     "group_limit needs to be present in order to paginate over the groups"));
  }
  if (!limit.empty()) {
    auto n = ParseGoInt(limit, 32);
    if (!n.ok()) {
      return call.Fail(InvalidParam("group_limit", "group_limit needs to be a valid number: " +
                                                       std::string(n.status().message())));
    }
    if (*n <= 0)
      return call.Fail(InvalidParam("group_limit", "group_limit needs to be greater than 0"));
  }
  // No group matches any token.
  if (!token.empty()) {
    return call.Fail(InvalidParam(
        "group_next_token", "invalid group_next_token '" + token + "'. were rule groups changed?"));
  }
  if (!call.options.rules) return call.Success("{\"groups\":[]}");
  call.Success(call.options.rules->RulesJson(filter));
}

// /api/v1/alerts: the pending and firing alerts.
void Alerts(const Call& call) {
  if (!call.options.rules) return call.Success("{\"alerts\":[]}");
  call.Success(call.options.rules->AlertsJson());
}

// Prometheus's build information with the version otter's API follows, plus otter's own name
// and version (as Mimir adds "application"). No "features": Grafana reads them only from Mimir,
// and otter has no ruler API to announce.
void BuildInfo(const Call& call) {
  JsonWriter w;
  w.BeginObject().Key("version").String(kCompatiblePrometheusVersion);
  w.Key("revision").String("").Key("branch").String("").Key("buildUser").String("");
  w.Key("buildDate").String("").Key("goVersion").String("");
  w.Key("application").String("otter").Key("applicationVersion").String(kVersion);
  w.EndObject();
  call.Success(w.str());
}

// Path pattern -> handler and the methods Prometheus registers it for (web/api/v1's Register).
struct Route {
  std::string_view pattern;
  bool post;  // POST allowed besides GET
  void (*handler)(const Call&);
};

constexpr Route kRoutes[] = {
    {"/api/v1/query", true, Query},
    {"/api/v1/query_range", true, QueryRange},
    {"/api/v1/query_exemplars", true, QueryExemplars},
    {"/api/v1/series", true, Series},
    {"/api/v1/labels", true, LabelNames},
    {"/api/v1/label/{name}/values", false, LabelValues},
    {"/api/v1/metadata", false, Metadata},
    {"/api/v1/rules", false, Rules},
    {"/api/v1/alerts", false, Alerts},
    {"/api/v1/status/buildinfo", false, BuildInfo},
};

}  // namespace

void PrometheusApi::Handle(const net::HttpRequest& request, net::HttpResponse* out,
                           std::chrono::steady_clock::time_point received) const {
  std::string_view path = request.path();
  PathVars vars;
  const Route* route = FindRoute(kRoutes, path, &vars);
  if (route == nullptr) {
    return WriteError({"not_found", "unknown API endpoint " + GoQuote(path)}, out);
  }
  if (request.method != "GET" && !(route->post && request.method == "POST")) {
    // httprouter's answer for a known path and another method.
    *out = net::HttpResponse::Text(405, "Method Not Allowed\n");
    out->SetHeader("Allow", route->post ? "GET, OPTIONS, POST" : "GET, OPTIONS");
    return;
  }
  auto params = HttpParams::FromRequest(request);
  if (!params.ok()) {
    return WriteError(
        {"bad_data", "error parsing form values: " + std::string(params.status().message())}, out);
  }
  route->handler(Call{querier_, engine_, options_, *params, vars, received, out});
}

}  // namespace otter::query
