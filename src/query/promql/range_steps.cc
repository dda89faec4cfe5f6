// Range functions over a matrix selector (rate(x[5m]), sum_over_time(x[1h]), ...) of the
// evaluator, the shape most range queries have. In a range query such a call is computed series
// by series for all steps at its first step (each series' samples read once, in order, as
// Prometheus evaluates them) and kept step-major; later steps read their column. Other
// evaluations (instant queries, subquery steps between the query's steps) step per-series
// cursors forward instead of searching every series at every step. Either way the result is
// exactly that of evaluating the selector's matrix and the function over each of its series.
#include <algorithm>

#include "query/promql/evaluator.h"
#include "query/promql/functions.h"
#include "query/promql/histograms.h"

namespace otter::query::promql {
namespace {

void CollectPoints(const std::vector<store::Sample>& samples, size_t lo, size_t hi,
                   std::vector<Point>* pts) {
  pts->clear();
  for (size_t k = lo; k < hi; ++k)
    if (!IsStaleMarker(samples[k].v)) pts->emplace_back(samples[k].t_ms, samples[k].v);
}

bool IsNumber(const Node& n) { return StripParens(n).kind == NodeKind::kNumber; }

}  // namespace

size_t SeekAfter(const std::vector<store::Sample>& v, int64_t x, size_t* hint) {
  auto before = [x](const store::Sample& s) { return s.t_ms <= x; };
  size_t i = std::min(*hint, v.size());
  if (i > 0 && !before(v[i - 1])) {
    i = static_cast<size_t>(std::partition_point(v.begin(), v.begin() + i, before) - v.begin());
  } else {
    for (int k = 0; k < 8 && i < v.size() && before(v[i]); ++k) ++i;
    if (i < v.size() && before(v[i]))
      i = static_cast<size_t>(std::partition_point(v.begin() + i, v.end(), before) - v.begin());
  }
  *hint = i;
  return i;
}

std::vector<size_t>& Evaluator::Cursors(const Node& n, size_t per_series) {
  auto& cursors = cursors_[&n];
  cursors.resize(per_series * data_[&n].size());
  return cursors;
}

const Evaluator::SelectorCall& Evaluator::SelectorCallOf(const Node& call, const Node& arg) {
  auto [it, inserted] = selector_calls_.try_emplace(&call);
  SelectorCall& c = it->second;
  if (!inserted) return c;
  const auto& series = data_[arg.children[0].get()];
  bool keeps_name = KeepsMetricName(call.text);
  bool counter_fn = call.text == "rate" || call.text == "increase";
  c.labels.reserve(series.size());
  c.warn.reserve(series.size());
  Vector probe;
  for (const auto& s : series) {
    c.labels.push_back(keeps_name ? s.labels : DropMetricName(s.labels));
    probe.push_back(Element{c.labels.back(), 0, 0});
    std::string_view name = store::GetLabel(s.labels, "__name__");
    auto ends_with = [&](std::string_view suffix) {
      return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
    };
    // As WarnIfNotCounter decides.
    c.warn.push_back(counter_fn && !name.empty() && !ends_with("_total") && !ends_with("_sum") &&
                     !ends_with("_count") && !ends_with("_bucket"));
    if (!s.histograms.empty()) c.all_floats = false;
  }
  c.distinct = CheckNoDuplicateLabelSets(probe).ok();
  return c;
}

StatusOr<const Evaluator::SelectorCall*> Evaluator::PrecomputedCall(const Node& call, int64_t t,
                                                                    size_t* step) {
  if (step_ms_ <= 0 || t < start_ms_ || t > end_ms_ || (t - start_ms_) % step_ms_ != 0)
    return nullptr;
  size_t steps = static_cast<size_t>((end_ms_ - start_ms_) / step_ms_) + 1;
  if (steps < 2) return nullptr;
  // Exactly one matrix-selector argument; the others literal numbers (constant over the steps).
  const Node* arg = nullptr;
  for (const auto& c : call.children) {
    if (c->type == ValueType::kMatrix) {
      arg = &StripParens(*c);
    } else if (!IsNumber(*c)) {
      return nullptr;
    }
  }
  if (arg == nullptr || arg->kind != NodeKind::kMatrixSelector || call.text == "absent_over_time")
    return nullptr;
  const Node& sel = *arg->children[0];
  if (sel.anchored || sel.smoothed) return nullptr;
  const auto& series = data_[&sel];
  if (steps * series.size() > kMaxPrecomputed) return nullptr;
  *step = static_cast<size_t>((t - start_ms_) / step_ms_);
  const SelectorCall& known = SelectorCallOf(call, *arg);
  if (!known.values.empty() || series.empty()) return &known;
  SelectorCall& c = selector_calls_[&call];
  // The scalar arguments as EvalCall passes them.
  double a1 = 0, a2 = 0;
  const std::string& f = call.text;
  if (f == "quantile_over_time") a1 = StripParens(*call.children[0]).number;
  if (f == "predict_linear") a1 = StripParens(*call.children[1]).number;
  if (f == "double_exponential_smoothing") {
    a1 = StripParens(*call.children[1]).number;
    a2 = StripParens(*call.children[2]).number;
  }
  if (f == "forecast" || f == "time_to_threshold") {  // otter's forecast extensions
    a1 = StripParens(*call.children[1]).number;
    a2 = call.children.size() > 2 ? StripParens(*call.children[2]).number : 0.5;
  }
  int64_t range = RangeMs(*arg);
  size_t n = series.size();
  c.values.assign(steps * n, 0);
  c.has.assign(steps * n, 0);
  std::vector<Point> points;
  for (size_t i = 0; i < n; ++i) {
    RETURN_IF_ERROR(CheckDeadline());
    if (!series[i].histograms.empty()) continue;  // evaluated per step
    // The series' points once (stale markers out); each window is a slice of them.
    const auto& samples = series[i].samples;
    CollectPoints(samples, 0, samples.size(), &points);
    size_t lo = 0, hi = 0;
    for (size_t k = 0; k < steps; ++k) {
      int64_t at = start_ms_ + static_cast<int64_t>(k) * step_ms_;
      int64_t end = EffectiveTime(sel, at);
      // Evaluation times only grow, so do window ends (an @ modifier pins them).
      while (lo < points.size() && points[lo].t_ms <= end - range) ++lo;
      hi = std::max(hi, lo);
      while (hi < points.size() && points[hi].t_ms <= end) ++hi;
      if (lo == hi) continue;
      size_t pos = k * n + i;
      c.has[pos] = RangeFunction(f, std::span<const Point>(points).subspan(lo, hi - lo),
                                 end - range, end, at, a1, a2, &c.values[pos]);
    }
  }
  return &c;
}

StatusOr<Value> Evaluator::EvalRangeFunctionOfSelector(const Node& call, const Node& arg, int64_t t,
                                                       double a1, double a2) {
  const Node& sel = *arg.children[0];
  const auto& series = data_[&sel];
  size_t step = 0;
  ASSIGN_OR_RETURN(const SelectorCall* pre, PrecomputedCall(call, t, &step));
  const SelectorCall& c = pre != nullptr ? *pre : SelectorCallOf(call, arg);
  int64_t range_end = EffectiveTime(sel, t);
  int64_t range_start = range_end - RangeMs(arg);
  Value out;
  out.type = ValueType::kVector;
  std::vector<Point> points;
  size_t n = series.size();
  std::vector<size_t>* cursors = pre != nullptr ? nullptr : &Cursors(sel, 2);
  for (size_t i = 0; i < n; ++i) {
    if (!series[i].histograms.empty()) {
      Series s = RangeSamples(series[i], range_start + 1, range_end);
      if (s.points.empty()) continue;
      if (auto e = RangeElement(call, arg, std::move(s), range_start, range_end, t, a1, a2))
        out.vector.push_back(std::move(*e));
      continue;
    }
    double v;
    if (pre != nullptr) {
      if (!c.has[step * n + i]) continue;
      v = c.values[step * n + i];
    } else {
      const auto& samples = series[i].samples;
      size_t* cursor = &(*cursors)[2 * i];
      size_t lo = SeekAfter(samples, range_start, cursor);
      cursor[1] = std::max(cursor[1], lo);
      CollectPoints(samples, lo, SeekAfter(samples, range_end, cursor + 1), &points);
      if (points.empty() ||
          !RangeFunction(call.text, points, range_start, range_end, t, a1, a2, &v))
        continue;
    }
    if (c.warn[i]) WarnIfNotCounter(store::GetLabel(series[i].labels, "__name__"), arg.pos);
    out.vector.push_back(Element{c.labels[i], v, t});
  }
  if (!c.distinct || !c.all_floats) RETURN_IF_ERROR(CheckNoDuplicateLabelSets(out.vector));
  return out;
}

StatusOr<bool> Evaluator::RangeOfPrecomputed(const Node& expr, Matrix* out) {
  const Node& call = StripParens(expr);
  // Calls with scalar arguments are checked (and annotated) by EvalCall at every step.
  if (call.kind != NodeKind::kCall || call.children.size() != 1) return false;
  size_t step = 0;
  ASSIGN_OR_RETURN(const SelectorCall* c, PrecomputedCall(call, start_ms_, &step));
  // No series (n = 0): the step-by-step evaluation answers that.
  if (c == nullptr || !c->all_floats || !c->distinct || c->labels.empty()) return false;
  size_t n = c->labels.size();
  size_t steps = c->has.size() / n;
  // Held samples and annotations as the step-by-step evaluation has them: the warnings in the
  // order of each series' first value (step, then series).
  size_t total = 0;
  std::vector<std::pair<size_t, size_t>> warn;  // (first step with a value, series)
  for (size_t i = 0; i < n; ++i) {
    size_t first = SIZE_MAX;
    for (size_t k = 0; k < steps; ++k) {
      if (!c->has[k * n + i]) continue;
      ++total;
      first = std::min(first, k);
    }
    if (c->warn[i] && first != SIZE_MAX) warn.emplace_back(first, i);
  }
  std::sort(warn.begin(), warn.end());
  const Node& arg = StripParens(*call.children[0]);
  const auto& data = data_[arg.children[0].get()];
  for (const auto& [k, i] : warn)
    WarnIfNotCounter(store::GetLabel(data[i].labels, "__name__"), arg.pos);
  RETURN_IF_ERROR(AddSamples(total));
  for (size_t i = 0; i < n; ++i) {
    Series s;
    for (size_t k = 0; k < steps; ++k)
      if (c->has[k * n + i])
        s.points.emplace_back(start_ms_ + static_cast<int64_t>(k) * step_ms_, c->values[k * n + i]);
    if (s.points.empty()) continue;
    s.metric = c->labels[i];
    out->push_back(std::move(s));
  }
  return true;
}

}  // namespace otter::query::promql
