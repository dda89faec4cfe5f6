#include "query/logql/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "query/logql/pipeline.h"
#include "query/logql/step_eval.h"

namespace otter::query::logql {

namespace {

constexpr size_t kDeadlineCheckEvery = 1024;

Status MaxSeriesError(size_t limit) {
  return InvalidArgument(fmt::format(
      "maximum number of series ({}) reached for a single query; consider reducing query "
      "cardinality by adding more specific stream selectors, reducing the time range, or "
      "aggregating results with functions like sum(), count() or topk()",
      limit));
}

Status PipelineError(const store::Labels& labels) {
  std::string_view err = store::GetLabel(labels, kErrorLabel);
  return InvalidArgument(fmt::format(
      "pipeline error: '{}' for series: '{}'.\n"
      "Use a label filter to intentionally skip this error. (e.g | __error__!=\"{}\").\n"
      "To skip all potential errors you can match empty errors.(e.g __error__=\"\")\n"
      "The label filter can also be specified after unwrap. (e.g | unwrap latency | "
      "__error__=\"\" )\n",
      err, store::LabelsToString(labels), err));
}

}  // namespace

StatusOr<QueryResult> Engine::Exec(const Expr& expr, const QueryParams& params,
                                   const store::QueryLimits& limits) const {
  RETURN_IF_ERROR(limits.CheckDeadline());
  if (expr.kind == Expr::Kind::kLogSelector) return ExecLogs(expr.selector, params, limits);
  return ExecMetric(expr, params, limits);
}

StatusOr<QueryResult> Engine::ExecLogs(const LogSelectorExpr& selector, const QueryParams& params,
                                       const store::QueryLimits& limits) const {
  Pipeline pipeline(selector.stages);
  store::LogSelect sel;
  sel.stream_matchers = selector.matchers;
  sel.start_ns = params.start_ns;
  sel.end_ns = params.end_ns;
  sel.direction = params.direction;
  sel.trace_id = PushdownTraceId(selector.stages);
  if (pipeline.NeverFilters()) sel.limit = params.limit;

  // Entries arrive merged across streams in the query's direction, so the first `limit` that
  // pass the pipeline are the answer and the scan stops there.
  QueryResult result;
  result.type = QueryResult::Type::kStreams;
  std::unordered_map<std::string, size_t> index;
  std::string line;
  store::Labels labels;
  size_t accepted = 0;
  Status stopped;
  auto visit = [&](const store::Labels& stream, store::LogEntry&& e) {
    if (++result.stats.lines_processed % kDeadlineCheckEvery == 0) {
      stopped = limits.CheckDeadline();
      if (!stopped.ok()) return false;
    }
    result.stats.bytes_processed += e.line.size();
    if (!pipeline.Process(e.ts_ns, e.line, stream, e.metadata, &line, &labels)) return true;
    ++accepted;
    store::LogEntry out{e.ts_ns, line, {}, {}};
    if (params.categorize_labels) CategorizeLabels(stream, e.metadata, &labels, &out);
    std::string key = store::LabelsToString(labels);
    auto [it, inserted] = index.try_emplace(key, result.streams.size());
    if (inserted) result.streams.push_back({labels, {}});
    result.streams[it->second].entries.push_back(std::move(out));
    return params.limit == 0 || accepted < params.limit;
  };
  RETURN_IF_ERROR(querier_.Scan(sel, limits, visit));
  RETURN_IF_ERROR(stopped);
  RETURN_IF_ERROR(limits.CheckDeadline());
  result.stats.post_filter_lines = accepted;
  result.stats.entries_returned = accepted;
  std::vector<std::pair<std::string, size_t>> order(index.begin(), index.end());
  std::sort(order.begin(), order.end());
  std::vector<store::LogStream> sorted;
  sorted.reserve(order.size());
  for (const auto& [key, i] : order) sorted.push_back(std::move(result.streams[i]));
  result.streams = std::move(sorted);
  return result;
}

namespace {

struct BuildContext {
  store::LogQuerier& querier;
  int64_t first_t;
  int64_t last_t;
  const store::QueryLimits& limits;
  QueryStats* stats;
  size_t samples = 0;  // held by the series loaded so far
};

StatusOr<std::vector<RawSeries>> LoadSeries(const Expr& e, BuildContext& ctx) {
  store::LogSelect sel;
  sel.stream_matchers = e.selector.matchers;
  sel.start_ns = ctx.first_t - e.offset_ns - e.range_ns + 1;  // windows are (t - range, t]
  sel.end_ns = ctx.last_t - e.offset_ns + 1;
  sel.direction = store::Direction::kForward;
  sel.trace_id = PushdownTraceId(e.selector.stages);
  Pipeline pipeline(e.selector.stages);
  const bool bytes_op = e.op == "bytes_over_time" || e.op == "bytes_rate";
  std::vector<RawSeries> series;
  std::unordered_map<std::string, size_t> index;
  std::string line;
  store::Labels labels;
  Status stopped;
  auto visit = [&](const store::Labels& stream, store::LogEntry&& entry) {
    if (++ctx.stats->lines_processed % kDeadlineCheckEvery == 0) {
      stopped = ctx.limits.CheckDeadline();
      if (!stopped.ok()) return false;
    }
    ctx.stats->bytes_processed += entry.line.size();
    if (!pipeline.Process(entry.ts_ns, entry.line, stream, entry.metadata, &line, &labels))
      return true;
    double value = 1;
    if (bytes_op) value = static_cast<double>(line.size());
    if (e.unwrap) {
      if (!ExtractUnwrapValue(*e.unwrap, labels, &value)) return true;
      bool keep = true;
      for (const auto& f : e.unwrap->post_filters) keep = keep && EvalLabelFilter(*f, labels);
      if (!keep) return true;
      // The unwrapped label leaves the series labels (after the post filters saw it), unless
      // `by (...)` names what to keep.
      if (!e.grouping.present || e.grouping.without) store::SetLabel(labels, e.unwrap->label, "");
    }
    ++ctx.stats->post_filter_lines;
    if (!store::GetLabel(labels, kErrorLabel).empty()) {
      stopped = PipelineError(labels);
      return false;
    }
    // The samples stay until the steps are evaluated: they count against the entry budget.
    stopped = ctx.limits.CheckHeld(++ctx.samples, "log samples");
    if (!stopped.ok()) return false;
    if (e.grouping.present) labels = GroupLabels(labels, e.grouping);
    std::string key = store::LabelsToString(labels);
    auto [it, inserted] = index.try_emplace(key, series.size());
    if (inserted) series.push_back({labels, {}, {}});
    series[it->second].ts.push_back(entry.ts_ns);
    series[it->second].values.push_back(value);
    return true;
  };
  RETURN_IF_ERROR(ctx.querier.Scan(sel, ctx.limits, visit));
  RETURN_IF_ERROR(stopped);
  // Several streams can feed one series: order its samples by time.
  for (auto& s : series) {
    if (std::is_sorted(s.ts.begin(), s.ts.end())) continue;
    std::vector<size_t> idx(s.ts.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return s.ts[a] < s.ts[b]; });
    RawSeries sorted{s.labels, {}, {}};
    for (size_t i : idx) {
      sorted.ts.push_back(s.ts[i]);
      sorted.values.push_back(s.values[i]);
    }
    s = std::move(sorted);
  }
  return series;
}

bool ContainsSort(const Expr& e) {
  if (e.kind == Expr::Kind::kVectorAgg && (e.op == "sort" || e.op == "sort_desc")) return true;
  return (e.lhs && ContainsSort(*e.lhs)) || (e.rhs && ContainsSort(*e.rhs));
}

StatusOr<std::unique_ptr<StepEvaluator>> Build(const Expr& e, BuildContext& ctx) {
  switch (e.kind) {
    case Expr::Kind::kRangeAgg: {
      ASSIGN_OR_RETURN(auto series, LoadSeries(e, ctx));
      // Loki's absentLabels: the equality matchers' labels, minus names matched otherwise too.
      store::Labels absent;
      std::vector<std::string> drop;
      for (const auto& m : e.selector.matchers) {
        if (m.op() == store::LabelMatcher::Op::kEq && store::GetLabel(absent, m.name()).empty()) {
          store::SetLabel(absent, m.name(), m.value());
        } else {
          drop.push_back(m.name());
        }
      }
      for (const auto& name : drop) store::SetLabel(absent, name, "");
      return MakeRangeAggEvaluator(e, std::move(series), std::move(absent));
    }
    case Expr::Kind::kVectorAgg: {
      ASSIGN_OR_RETURN(auto child, Build(*e.lhs, ctx));
      return MakeVectorAggEvaluator(e, std::move(child));
    }
    case Expr::Kind::kBinary: {
      ASSIGN_OR_RETURN(auto l, Build(*e.lhs, ctx));
      ASSIGN_OR_RETURN(auto r, Build(*e.rhs, ctx));
      return MakeBinaryEvaluator(e, std::move(l), std::move(r));
    }
    case Expr::Kind::kLabelReplace: {
      ASSIGN_OR_RETURN(auto child, Build(*e.lhs, ctx));
      return MakeLabelReplaceEvaluator(e, std::move(child));
    }
    case Expr::Kind::kLiteral:
      return MakeConstantEvaluator(e.value, false);
    case Expr::Kind::kVector:
      return MakeConstantEvaluator(e.value, true);
    case Expr::Kind::kLogSelector:
      break;
  }
  return InvalidArgument("unexpected log selector in a metric expression");
}

}  // namespace

StatusOr<QueryResult> Engine::ExecMetric(const Expr& expr, const QueryParams& params,
                                         const store::QueryLimits& limits) const {
  QueryResult result;
  int64_t first = params.instant ? params.end_ns : params.start_ns;
  int64_t last = params.end_ns;
  if (!params.instant && params.step_ns <= 0)
    return InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive "
        "integer");
  BuildContext ctx{querier_, first, last, limits, &result.stats};
  ASSIGN_OR_RETURN(auto root, Build(expr, ctx));

  std::unordered_map<std::string, size_t> index;
  bool scalar = false;
  for (int64_t t = first; t <= last; t += params.instant ? 1 : params.step_ns) {
    RETURN_IF_ERROR(limits.CheckDeadline());
    ASSIGN_OR_RETURN(StepValue v, root->Eval(t));
    if (v.is_scalar) {
      scalar = true;
      v.vector.push_back({{}, v.scalar});
      result.scalar = v.scalar;
      result.scalar_t_ns = t;
    }
    for (auto& s : v.vector) {
      std::string key = store::LabelsToString(s.labels);
      auto [it, inserted] = index.try_emplace(key, result.series.size());
      if (inserted) {
        if (result.series.size() >= options_.max_series) return MaxSeriesError(options_.max_series);
        result.series.push_back({std::move(s.labels), {}});
      }
      result.series[it->second].points.emplace_back(t, s.value);
    }
    if (params.instant) break;
  }
  if (params.instant && scalar) {
    result.type = QueryResult::Type::kScalar;
    result.series.clear();
    return result;
  }
  result.type = params.instant ? QueryResult::Type::kVector : QueryResult::Type::kMatrix;
  // Loki orders series by labels.Compare (name by name, then value, a prefix first), except an
  // instant query with sort / sort_desc anywhere in it.
  if (!params.instant || !ContainsSort(expr))
    std::sort(result.series.begin(), result.series.end(),
              [](const ResultSeries& a, const ResultSeries& b) { return a.labels < b.labels; });
  return result;
}

}  // namespace otter::query::logql
