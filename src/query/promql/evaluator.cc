#include "query/promql/evaluator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "query/promql/go_compat.h"
#include "query/promql/histograms.h"
#include "query/promql/parser.h"

namespace otter::query::promql {

store::Labels DropMetricName(store::Labels labels) {
  store::SetLabel(labels, "__name__", "");
  return labels;
}

Status CheckNoDuplicateLabelSets(const Vector& v) {
  if (v.size() < 2) return Status::Ok();
  std::unordered_map<uint64_t, const store::Labels*> seen;
  for (const auto& e : v) {
    auto [it, inserted] = seen.emplace(store::HashLabels(e.metric), &e.metric);
    if (!inserted && *it->second == e.metric)
      return ExecError("vector cannot contain metrics with the same labelset");
  }
  return Status::Ok();
}

Status Evaluator::CheckDeadline() {
  if (std::chrono::steady_clock::now() >= deadline_) {
    return DeadlineExceeded(std::string(kTimedOut));
  }
  return Status::Ok();
}

Status Evaluator::AddSamples(size_t n) {
  held_ += n;
  if (held_ > options_.max_samples) return ResourceExhausted(std::string(kTooManySamples));
  return Status::Ok();
}

int64_t Evaluator::EffectiveTime(const Node& n, int64_t t) const {
  switch (n.at.kind) {
    case AtModifier::Kind::kTimestamp:
      t = n.at.t_ms;
      break;
    case AtModifier::Kind::kStart:
      t = start_ms_;
      break;
    case AtModifier::Kind::kEnd:
      t = end_ms_;
      break;
    case AtModifier::Kind::kNone:
      break;
  }
  return t - OffsetMs(n);
}

Status Evaluator::Preload(const Node& root) {
  RETURN_IF_ERROR(ResolveDurations(root));
  return PreloadNode(root, start_ms_, end_ms_);
}

namespace {

std::string DurationError(const DurationExpr& e, std::string_view what) {
  return std::to_string(e.pos) + ":" + std::to_string(e.end) + ": " + std::string(what);
}

// Seconds; Prometheus's durationVisitor.evaluateDurationExpr.
StatusOr<double> EvalDuration(const DurationExpr& e, double step_s) {
  using Op = DurationExpr::Op;
  double l = 0, r = 0;
  if (e.lhs) {
    ASSIGN_OR_RETURN(l, EvalDuration(*e.lhs, step_s));
  }
  if (e.rhs) {
    ASSIGN_OR_RETURN(r, EvalDuration(*e.rhs, step_s));
  }
  switch (e.op) {
    case Op::kNumber:
      return e.number;
    case Op::kStep:
      return step_s;
    case Op::kNeg:
      return -l;
    case Op::kAdd:
      return l + r;
    case Op::kSub:
      return l - r;
    case Op::kMul:
      return l * r;
    case Op::kDiv:
      if (r == 0) return InvalidArgument(DurationError(e, "division by zero"));
      return l / r;
    case Op::kMod:
      if (r == 0) return InvalidArgument(DurationError(e, "modulo by zero"));
      return std::fmod(l, r);
    case Op::kPow:
      return std::pow(l, r);
    case Op::kMin:
      return GoMin(l, r);
    case Op::kMax:
      return GoMax(l, r);
  }
  return 0.0;
}

StatusOr<int64_t> DurationMillis(const DurationExpr& e, double step_s, bool allow_negative) {
  ASSIGN_OR_RETURN(double s, EvalDuration(e, step_s));
  if (s <= 0 && !allow_negative)
    return InvalidArgument(DurationError(e, "duration must be greater than 0"));
  if (!(std::fabs(s) < 9.2e15))
    return InvalidArgument(DurationError(e, "duration is out of range"));
  return static_cast<int64_t>(s * 1000);  // truncated to the millisecond, as Go converts
}

}  // namespace

Status Evaluator::ResolveDurations(const Node& n) {
  if (n.offset_expr || n.range_expr || n.step_expr) {
    double step_s = static_cast<double>(step_ms_) / 1000;
    Durations d{n.offset_ms, n.range_ms, n.step_ms};
    if (n.offset_expr) {
      ASSIGN_OR_RETURN(d.offset_ms, DurationMillis(*n.offset_expr, step_s, true));
    }
    if (n.range_expr) {
      ASSIGN_OR_RETURN(d.range_ms, DurationMillis(*n.range_expr, step_s, false));
    }
    if (n.step_expr) {
      ASSIGN_OR_RETURN(d.step_ms, DurationMillis(*n.step_expr, step_s, false));
    }
    durations_[&n] = d;
  }
  if (n.param) RETURN_IF_ERROR(ResolveDurations(*n.param));
  for (const auto& c : n.children) RETURN_IF_ERROR(ResolveDurations(*c));
  return Status::Ok();
}

int64_t Evaluator::OffsetMs(const Node& n) const {
  if (!n.offset_expr) return n.offset_ms;
  return durations_.at(&n).offset_ms;
}

int64_t Evaluator::RangeMs(const Node& n) const {
  if (!n.range_expr) return n.range_ms;
  return durations_.at(&n).range_ms;
}

int64_t Evaluator::StepMs(const Node& n) const {
  if (!n.step_expr) return n.step_ms;
  return durations_.at(&n).step_ms;
}

Status Evaluator::PreloadNode(const Node& n, int64_t mint, int64_t maxt) {
  auto fetch = [&](const Node& sel, int64_t extra) -> Status {
    int64_t a = mint, b = maxt;
    if (sel.at.kind != AtModifier::Kind::kNone) a = b = EffectiveTime(sel, 0) + OffsetMs(sel);
    a -= OffsetMs(sel);
    b -= OffsetMs(sel);
    if (sel.smoothed) b += options_.lookback_delta_ms;  // interpolates towards a later sample
    size_t budget = options_.max_samples > held_ ? options_.max_samples - held_ : 0;
    auto got = querier_.Select(sel.matchers, a - extra, b, budget);
    if (!got.ok()) {
      if (got.status().code() == StatusCode::kResourceExhausted)
        return ResourceExhausted(std::string(kTooManySamples));
      return got.status();
    }
    size_t count = 0;
    for (const auto& s : *got) count += s.samples.size() + s.histograms.size();
    RETURN_IF_ERROR(AddSamples(count));
    auto& series = *got;
    std::sort(
        series.begin(), series.end(),
        [](const store::SeriesData& x, const store::SeriesData& y) { return x.labels < y.labels; });
    data_[&sel] = std::move(series);
    return CheckDeadline();
  };
  switch (n.kind) {
    case NodeKind::kVectorSelector:
      return fetch(n, options_.lookback_delta_ms);
    case NodeKind::kMatrixSelector:
      return fetch(*n.children[0], RangeMs(n) + (n.children[0]->anchored || n.children[0]->smoothed
                                                     ? options_.lookback_delta_ms
                                                     : 0));
    case NodeKind::kCall:
      if (n.text == "info") {
        // The info series, over the whole range plus a lookback; the label selector argument
        // is not a series selector of its own.
        RETURN_IF_ERROR(PreloadNode(*n.children[0], mint, maxt));
        Node probe;
        probe.matchers = InfoSelector(n);
        RETURN_IF_ERROR(fetch(probe, options_.lookback_delta_ms));
        data_[&n] = std::move(data_[&probe]);
        data_.erase(&probe);
        return Status::Ok();
      }
      for (const auto& c : n.children) RETURN_IF_ERROR(PreloadNode(*c, mint, maxt));
      return Status::Ok();
    case NodeKind::kSubquery: {
      int64_t a = mint, b = maxt;
      if (n.at.kind != AtModifier::Kind::kNone) a = b = EffectiveTime(n, 0) + OffsetMs(n);
      return PreloadNode(*n.children[0], a - OffsetMs(n) - RangeMs(n), b - OffsetMs(n));
    }
    default:
      if (n.param) RETURN_IF_ERROR(PreloadNode(*n.param, mint, maxt));
      for (const auto& c : n.children) RETURN_IF_ERROR(PreloadNode(*c, mint, maxt));
      return Status::Ok();
  }
}

StatusOr<Value> Evaluator::Eval(const Node& n, int64_t t) {
  if (++deadline_counter_ % 64 == 0) RETURN_IF_ERROR(CheckDeadline());
  switch (n.kind) {
    case NodeKind::kNumber: {
      Value v;
      v.type = ValueType::kScalar;
      v.scalar = n.number;
      return v;
    }
    case NodeKind::kString: {
      Value v;
      v.type = ValueType::kString;
      v.str = n.text;
      return v;
    }
    case NodeKind::kParen:
      return Eval(*n.children[0], t);
    case NodeKind::kVectorSelector:
      return EvalVectorSelector(n, t);
    case NodeKind::kMatrixSelector:
      return EvalMatrixSelector(n, t);
    case NodeKind::kSubquery:
      return EvalSubquery(n, t);
    case NodeKind::kUnary:
      return EvalUnary(n, t);
    case NodeKind::kBinary:
      return EvalBinary(n, t);
    case NodeKind::kAggregate:
      return EvalAggregate(n, t);
    case NodeKind::kCall:
      return EvalCall(n, t);
  }
  return Internal("unknown node kind");
}

StatusOr<Value> Evaluator::EvalVectorSelector(const Node& n, int64_t t) {
  Value out;
  out.type = ValueType::kVector;
  int64_t ref = EffectiveTime(n, t);
  if (n.smoothed) return EvalSmoothedSelector(n, ref, t);
  const auto& series = data_[&n];
  auto& cursors = Cursors(n, 1);
  for (size_t i = 0; i < series.size(); ++i) {
    const auto& s = series[i];
    if (!s.histograms.empty()) {
      if (auto e = LatestSample(s, ref, options_.lookback_delta_ms)) out.vector.push_back(*e);
      continue;
    }
    size_t end = SeekAfter(s.samples, ref, &cursors[i]);
    if (end == 0) continue;
    auto it = s.samples.begin() + static_cast<std::ptrdiff_t>(end - 1);
    // The lookback window is left-open: (ref - lookback, ref].
    if (it->t_ms <= ref - options_.lookback_delta_ms || IsStaleMarker(it->v)) continue;
    out.vector.push_back(Element{s.labels, it->v, it->t_ms});
  }
  return out;
}

Value Evaluator::EvalSmoothedSelector(const Node& n, int64_t ref, int64_t t) {
  // The value at ref interpolated between the samples around it within the lookback, or the
  // last one before it.
  Value out;
  out.type = ValueType::kVector;
  int64_t lb = options_.lookback_delta_ms;
  for (const auto& s : data_[&n]) {
    const store::Sample* prev = nullptr;
    const store::Sample* next = nullptr;
    for (const auto& x : s.samples) {
      if (x.t_ms <= ref - lb || x.t_ms > ref + lb || IsStaleMarker(x.v)) continue;
      if (x.t_ms <= ref) prev = &x;
      if (x.t_ms >= ref && next == nullptr) next = &x;
    }
    if (prev == nullptr) continue;
    double v = prev->v;
    if (next != nullptr && next != prev)
      v = prev->v + (next->v - prev->v) * static_cast<double>(ref - prev->t_ms) /
                        static_cast<double>(next->t_ms - prev->t_ms);
    out.vector.push_back(Element{s.labels, v, t});
  }
  return out;
}

StatusOr<Value> Evaluator::EvalMatrixSelector(const Node& n, int64_t t) {
  const Node& sel = *n.children[0];
  Value out;
  out.type = ValueType::kMatrix;
  int64_t ref = EffectiveTime(sel, t);
  // Range windows are left-open: (ref - range, ref]; anchored and smoothed selectors reach a
  // lookback further back (smoothed also forward) for the samples around the edges.
  bool extended = sel.anchored || sel.smoothed;
  int64_t from = ref - RangeMs(n) - (extended ? options_.lookback_delta_ms : 0);
  int64_t to = ref + (sel.smoothed ? options_.lookback_delta_ms : 0);
  for (const auto& s : data_[&sel]) {
    if (!s.histograms.empty()) {
      Series series = RangeSamples(s, from + 1, to);  // (from, to]
      if (!series.points.empty()) out.matrix.push_back(std::move(series));
      continue;
    }
    auto lo = std::upper_bound(s.samples.begin(), s.samples.end(), from,
                               [](int64_t x, const store::Sample& smp) { return x < smp.t_ms; });
    auto hi = std::upper_bound(lo, s.samples.end(), to,
                               [](int64_t x, const store::Sample& smp) { return x < smp.t_ms; });
    if (lo == hi) continue;
    Series series;
    series.metric = s.labels;
    series.points.reserve(static_cast<size_t>(hi - lo));
    for (auto it = lo; it != hi; ++it)
      if (!IsStaleMarker(it->v)) series.points.push_back(Point{it->t_ms, it->v});
    if (series.points.empty()) continue;
    out.matrix.push_back(std::move(series));
  }
  // These samples were counted when the selector was loaded.
  return out;
}

StatusOr<Value> Evaluator::EvalSubquery(const Node& n, int64_t t) {
  int64_t step = StepMs(n);
  if (step == 0) step = options_.default_subquery_step_ms;
  if (step == 0) step = step_ms_ > 0 ? step_ms_ : 60 * 1000;
  int64_t end = EffectiveTime(n, t);
  int64_t start = end - RangeMs(n);
  // Steps are aligned to multiples of the step (absolute time) and, like range windows, the
  // window is left-open: the first step is the first multiple after `start`.
  int64_t first = step * (start / step);
  if (first <= start) first += step;
  SubqueryCache& cache = subqueries_[&n];
  // Results before this window are never needed again (evaluation times only grow).
  while (!cache.steps.empty() && cache.steps.begin()->first < first) {
    size_t sz = cache.steps.begin()->second.size();
    cache.samples -= sz;
    ReleaseSamples(sz);
    cache.steps.erase(cache.steps.begin());
  }
  std::unordered_map<uint64_t, size_t> index;
  Value out;
  out.type = ValueType::kMatrix;
  for (int64_t ts = first; ts <= end; ts += step) {
    auto it = cache.steps.find(ts);
    if (it == cache.steps.end()) {
      RETURN_IF_ERROR(CheckDeadline());
      ASSIGN_OR_RETURN(Value v, Eval(*n.children[0], ts));
      RETURN_IF_ERROR(AddSamples(v.vector.size()));
      cache.samples += v.vector.size();
      it = cache.steps.emplace(ts, std::move(v.vector)).first;
    }
    for (const auto& e : it->second) {
      uint64_t h = store::HashLabels(e.metric);
      auto [pos, inserted] = index.emplace(h, out.matrix.size());
      if (inserted) out.matrix.push_back(Series{e.metric, {}});
      out.matrix[pos->second].points.push_back(Point{ts, e.v, e.h});
    }
  }
  return out;
}

StatusOr<Value> Evaluator::EvalUnary(const Node& n, int64_t t) {
  ASSIGN_OR_RETURN(Value v, Eval(*n.children[0], t));
  if (n.bin_op != BinOp::kSub) return v;
  if (v.type == ValueType::kScalar) {
    v.scalar = -v.scalar;
    return v;
  }
  for (auto& e : v.vector) {
    e.v = -e.v;
    e.metric = DropMetricName(std::move(e.metric));
    e.t_ms = t;
  }
  RETURN_IF_ERROR(CheckNoDuplicateLabelSets(v.vector));
  return v;
}

namespace {

// (value, keep) of `l op r`; comparisons keep `l` when true.
std::pair<double, bool> ApplyOp(BinOp op, double l, double r) {
  switch (op) {
    case BinOp::kAdd:
      return {l + r, true};
    case BinOp::kSub:
      return {l - r, true};
    case BinOp::kMul:
      return {l * r, true};
    case BinOp::kDiv:
      return {l / r, true};
    case BinOp::kMod:
      return {std::fmod(l, r), true};
    case BinOp::kPow:
      return {std::pow(l, r), true};
    case BinOp::kAtan2:
      return {std::atan2(l, r), true};
    case BinOp::kEq:
      return {l, l == r};
    case BinOp::kNe:
      return {l, l != r};
    case BinOp::kGt:
      return {l, l > r};
    case BinOp::kLt:
      return {l, l < r};
    case BinOp::kGe:
      return {l, l >= r};
    case BinOp::kLe:
      return {l, l <= r};
    default:
      return {0, false};
  }
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The labels two sides are matched on.
store::Labels Signature(const store::Labels& l, const VectorMatching& m) {
  store::Labels out;
  for (const auto& lb : l) {
    bool listed = Contains(m.labels, lb.name);
    if (m.on ? listed : (!listed && lb.name != "__name__")) out.push_back(lb);
  }
  return out;
}

store::Labels ResultMetric(const store::Labels& l, const store::Labels& r, BinOp op,
                           const VectorMatching& m) {
  store::Labels out = l;
  if (!IsComparison(op)) out = DropMetricName(std::move(out));
  if (m.card == VectorMatching::Card::kOneToOne) {
    if (m.on) {
      store::Labels kept;
      for (auto& lb : out)
        if (Contains(m.labels, lb.name)) kept.push_back(lb);
      out = std::move(kept);
    } else {
      for (const auto& name : m.labels) store::SetLabel(out, name, "");
    }
  }
  for (const auto& name : m.include) store::SetLabel(out, name, store::GetLabel(r, name));
  return out;
}

}  // namespace

StatusOr<Value> Evaluator::EvalBinary(const Node& n, int64_t t) {
  ASSIGN_OR_RETURN(Value lhs, Eval(*n.children[0], t));
  ASSIGN_OR_RETURN(Value rhs, Eval(*n.children[1], t));
  BinOp op = n.bin_op;
  Value out;
  if (lhs.type == ValueType::kScalar && rhs.type == ValueType::kScalar) {
    auto [v, keep] = ApplyOp(op, lhs.scalar, rhs.scalar);
    out.type = ValueType::kScalar;
    out.scalar = IsComparison(op) ? (keep ? 1 : 0) : v;
    return out;
  }
  out.type = ValueType::kVector;
  if (lhs.type == ValueType::kScalar || rhs.type == ValueType::kScalar) {
    bool swap = lhs.type == ValueType::kScalar;
    Vector& vec = swap ? rhs.vector : lhs.vector;
    double s = swap ? lhs.scalar : rhs.scalar;
    for (auto& e : vec) {
      if (e.h) {
        auto h = swap ? HistogramArithmetic(op, nullptr, s, e.h.get(), 0)
                      : HistogramArithmetic(op, e.h.get(), 0, nullptr, s);
        if (!h || n.return_bool) continue;
        out.vector.emplace_back(DropMetricName(std::move(e.metric)), 0, t, std::move(h));
        continue;
      }
      double l = swap ? s : e.v, r = swap ? e.v : s;
      auto [v, keep] = ApplyOp(op, l, r);
      if (IsComparison(op) && swap) v = e.v;  // the vector's value is kept
      if (n.return_bool) {
        v = keep ? 1 : 0;
        keep = true;
      }
      if (!keep) continue;
      e.v = v;
      e.t_ms = t;
      if (!IsComparison(op) || n.return_bool) e.metric = DropMetricName(std::move(e.metric));
      out.vector.push_back(std::move(e));
    }
    return out;
  }

  const VectorMatching& m = n.matching;
  if (IsSetOp(op)) {
    std::unordered_set<uint64_t> rsigs;
    for (const auto& e : rhs.vector) rsigs.insert(store::HashLabels(Signature(e.metric, m)));
    if (op == BinOp::kAnd || op == BinOp::kUnless) {
      bool want = op == BinOp::kAnd;
      for (auto& e : lhs.vector)
        if (rsigs.count(store::HashLabels(Signature(e.metric, m))) == (want ? 1u : 0u))
          out.vector.push_back(std::move(e));
    } else {  // or
      std::unordered_set<uint64_t> lsigs;
      for (auto& e : lhs.vector) {
        lsigs.insert(store::HashLabels(Signature(e.metric, m)));
        out.vector.push_back(std::move(e));
      }
      for (auto& e : rhs.vector)
        if (!lsigs.count(store::HashLabels(Signature(e.metric, m))))
          out.vector.push_back(std::move(e));
    }
    for (auto& e : out.vector) e.t_ms = t;
    return out;
  }

  // Arithmetic / comparison: the "one" side must be unique per signature.
  if (lhs.vector.empty() || rhs.vector.empty()) return out;  // nothing can match
  bool swapped = m.card == VectorMatching::Card::kOneToMany;
  Vector& many = swapped ? rhs.vector : lhs.vector;
  Vector& one = swapped ? lhs.vector : rhs.vector;
  std::unordered_map<uint64_t, size_t> one_by_sig;
  for (size_t i = 0; i < one.size(); ++i) {
    store::Labels sig = Signature(one[i].metric, m);
    auto [it, inserted] = one_by_sig.emplace(store::HashLabels(sig), i);
    if (!inserted) {
      return ExecError("found duplicate series for the match group " + store::LabelsToString(sig) +
                       " on the " + (swapped ? "left" : "right") +
                       " hand-side of the operation: [" + store::LabelsToString(one[i].metric) +
                       ", " + store::LabelsToString(one[it->second].metric) +
                       "];many-to-many matching not allowed: matching labels must be unique on "
                       "one side");
    }
  }
  std::unordered_map<uint64_t, bool> matched;  // one-to-one: signature already used
  std::unordered_set<uint64_t> inserted_metrics;
  for (auto& e : many) {
    uint64_t sig = store::HashLabels(Signature(e.metric, m));
    auto it = one_by_sig.find(sig);
    if (it == one_by_sig.end()) continue;
    const Element& o = one[it->second];
    std::shared_ptr<const store::NativeHistogram> hist;
    if (e.h || o.h) {
      const Element& l = swapped ? o : e;
      const Element& r = swapped ? e : o;
      hist = HistogramArithmetic(op, l.h.get(), l.v, r.h.get(), r.v);
      if (!hist || n.return_bool) continue;
    }
    double l = swapped ? o.v : e.v, r = swapped ? e.v : o.v;
    // A comparison keeps the left-hand value (also with group_right), labels of the "many" side.
    auto [v, keep] = ApplyOp(op, l, r);
    if (n.return_bool) v = keep ? 1 : 0;
    // The result takes the labels of the "many" side (lhs for one-to-one).
    store::Labels metric = ResultMetric(e.metric, o.metric, op, m);
    if (n.return_bool) metric = DropMetricName(std::move(metric));
    // Duplicate matches are errors even where a comparison then drops the element.
    if (m.card == VectorMatching::Card::kOneToOne) {
      if (matched.count(sig))
        return ExecError(
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
      matched[sig] = true;
    } else if (!inserted_metrics.insert(store::HashLabels(metric)).second) {
      return ExecError("multiple matches for labels: grouping labels must ensure unique matches");
    }
    if (!hist && !keep && !n.return_bool) continue;
    out.vector.push_back(Element{std::move(metric), v, t, std::move(hist)});
  }
  return out;
}

// ---------------------------------------------------------------- Engine

namespace {

void AddAnnotation(std::string_view query, std::string text, size_t pos,
                   std::vector<std::string>* list) {
  if (!query.empty() && pos <= query.size()) {
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < pos; ++i) {
      if (query[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    text += " (" + std::to_string(line) + ":" + std::to_string(pos - line_start + 1) + ")";
  }
  if (std::find(list->begin(), list->end(), text) == list->end()) list->push_back(std::move(text));
}

}  // namespace

void Annotations::AddWarning(std::string text, size_t pos) {
  AddAnnotation(query, std::move(text), pos, &warnings);
}

void Annotations::AddInfo(std::string text, size_t pos) {
  AddAnnotation(query, std::move(text), pos, &infos);
}

StatusOr<Value> Engine::ExecInstant(const Node& expr, int64_t t_ms, Deadline deadline,
                                    Annotations* annotations) const {
  Evaluator ev(querier_, options_, t_ms, t_ms, 0, deadline);
  if (annotations) ev.annotations().query = annotations->query;
  RETURN_IF_ERROR(ev.Preload(expr));
  ASSIGN_OR_RETURN(Value v, ev.Eval(expr, t_ms));
  if (v.type == ValueType::kVector) RETURN_IF_ERROR(CheckNoDuplicateLabelSets(v.vector));
  if (annotations) *annotations = std::move(ev.annotations());
  return v;
}

StatusOr<Matrix> Engine::ExecRange(const Node& expr, int64_t start_ms, int64_t end_ms,
                                   int64_t step_ms, Deadline deadline,
                                   Annotations* annotations) const {
  if (expr.type != ValueType::kScalar && expr.type != ValueType::kVector) {
    return InvalidArgument("invalid expression type \"" +
                           std::string(DocumentedTypeName(expr.type)) +
                           "\" for range query, must be Scalar or instant Vector");
  }
  if (step_ms <= 0)
    return InvalidArgument("zero or negative query resolution step widths are not accepted");
  Evaluator ev(querier_, options_, start_ms, end_ms, step_ms, deadline);
  if (annotations) ev.annotations().query = annotations->query;
  RETURN_IF_ERROR(ev.Preload(expr));
  Matrix out;
  std::unordered_map<uint64_t, size_t> index;
  ASSIGN_OR_RETURN(bool precomputed, ev.RangeOfPrecomputed(expr, &out));
  for (int64_t t = start_ms; !precomputed && t <= end_ms; t += step_ms) {
    RETURN_IF_ERROR(ev.CheckDeadline());
    ASSIGN_OR_RETURN(Value v, ev.Eval(expr, t));
    if (v.type == ValueType::kScalar) {
      v.vector.push_back(Element{{}, v.scalar, t});
    } else {
      RETURN_IF_ERROR(CheckNoDuplicateLabelSets(v.vector));
    }
    RETURN_IF_ERROR(ev.AddSamples(v.vector.size()));
    for (auto& e : v.vector) {
      auto [it, inserted] = index.emplace(store::HashLabels(e.metric), out.size());
      if (inserted) out.push_back(Series{std::move(e.metric), {}});
      out[it->second].points.push_back(Point{t, e.v, e.h});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Series& a, const Series& b) { return a.metric < b.metric; });
  if (annotations) *annotations = std::move(ev.annotations());
  return out;
}

StatusOr<Value> Engine::Instant(std::string_view query, int64_t t_ms, Deadline deadline,
                                Annotations* annotations) const {
  ASSIGN_OR_RETURN(auto expr, ParseExpr(query));
  if (annotations) annotations->query = query;
  return ExecInstant(*expr, t_ms, deadline, annotations);
}

StatusOr<Matrix> Engine::Range(std::string_view query, int64_t start_ms, int64_t end_ms,
                               int64_t step_ms, Deadline deadline, Annotations* annotations) const {
  ASSIGN_OR_RETURN(auto expr, ParseExpr(query));
  if (annotations) annotations->query = query;
  return ExecRange(*expr, start_ms, end_ms, step_ms, deadline, annotations);
}

}  // namespace otter::query::promql
