// PromQL functions (rate, histogram_quantile, label_replace, ...) of the evaluator, with the
// numeric kernels of functions.h.
#include "query/promql/functions.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <unordered_map>

#include "analytics/forecast/promql_functions.h"
#include "query/go_regex.h"
#include "query/promql/evaluator.h"
#include "query/promql/go_compat.h"
#include "query/promql/histograms.h"

namespace otter::query::promql {

double Quantile(double q, std::vector<double> values) {
  if (values.empty() || std::isnan(q)) return std::nan("");
  if (q < 0) return -HUGE_VAL;
  if (q > 1) return HUGE_VAL;
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);  // NaN first, as Go's sort over float64 Less
    return a < b;
  });
  double n = static_cast<double>(values.size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) +
         values[static_cast<size_t>(upper)] * weight;
}

double BucketQuantile(double q, std::vector<Bucket> buckets) {
  if (std::isnan(q)) return std::nan("");
  if (q < 0) return -HUGE_VAL;
  if (q > 1) return HUGE_VAL;
  std::sort(buckets.begin(), buckets.end(),
            [](const Bucket& a, const Bucket& b) { return a.upper_bound < b.upper_bound; });
  if (buckets.empty() || !std::isinf(buckets.back().upper_bound) || buckets.back().upper_bound < 0)
    return std::nan("");
  // Merge buckets with the same bound (e.g. "1" and "1.0").
  std::vector<Bucket> merged;
  for (const auto& b : buckets) {
    if (!merged.empty() && merged.back().upper_bound == b.upper_bound) {
      merged.back().count += b.count;
    } else {
      merged.push_back(b);
    }
  }
  // Counts must not decrease with the bound; raise any that do (scrape races, precision).
  double max = -HUGE_VAL;
  for (auto& b : merged) {
    if (b.count > max) {
      max = b.count;
    } else if (b.count < max) {
      b.count = max;
    }
  }
  if (merged.size() < 2) return std::nan("");
  double observations = merged.back().count;
  if (observations == 0) return std::nan("");
  double rank = q * observations;
  size_t b = 0;
  while (b < merged.size() - 1 && !(merged[b].count >= rank)) ++b;
  if (b == merged.size() - 1) return merged[merged.size() - 2].upper_bound;
  if (b == 0 && merged[0].upper_bound <= 0) return merged[0].upper_bound;
  double bucket_start = 0;
  double bucket_end = merged[b].upper_bound;
  double count = merged[b].count;
  if (b > 0) {
    bucket_start = merged[b - 1].upper_bound;
    count -= merged[b - 1].count;
    rank -= merged[b - 1].count;
  }
  return bucket_start + (bucket_end - bucket_start) * (rank / count);
}

bool ExtrapolatedRate(std::span<const Point> points, int64_t range_start_ms, int64_t range_end_ms,
                      bool is_counter, bool is_rate, double* out) {
  if (points.size() < 2) return false;
  const Point& first = points.front();
  const Point& last = points.back();
  double result = last.v - first.v;
  if (is_counter) {
    double prev = first.v;
    for (const auto& p : points) {
      if (p.v < prev) result += prev;  // counter reset
      prev = p.v;
    }
  }
  double to_start = static_cast<double>(first.t_ms - range_start_ms) / 1000;
  double to_end = static_cast<double>(range_end_ms - last.t_ms) / 1000;
  double sampled = static_cast<double>(last.t_ms - first.t_ms) / 1000;
  double avg_step = sampled / static_cast<double>(points.size() - 1);
  // Extrapolate to a window boundary only when the series seems to go on past it; otherwise by
  // half an average step. Then (3.x order) a counter is not extrapolated below zero.
  double threshold = avg_step * 1.1;
  if (to_start >= threshold) to_start = avg_step / 2;
  if (is_counter && result > 0 && first.v >= 0) {
    double to_zero = sampled * (first.v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  if (to_end >= threshold) to_end = avg_step / 2;
  result = result * ((sampled + to_start + to_end) / sampled);
  if (is_rate) result /= static_cast<double>(range_end_ms - range_start_ms) / 1000;
  *out = result;
  return true;
}

bool ExtendedRangeFunction(std::string_view f, const std::vector<Point>& pts, int64_t range_start,
                           int64_t range_end, bool smoothed, double* out) {
  if (pts.empty() || pts.back().t_ms <= range_start) return false;
  size_t n = pts.size();
  // The first index in [0, limit) whose sample is after / at t, or limit.
  auto search = [&](size_t limit, auto pred) {
    size_t i = 0;
    while (i < limit && !pred(pts[i])) ++i;
    return i;
  };
  size_t first = search(n - 1, [&](const Point& p) { return p.t_ms > range_start; });
  first = first > 0 ? first - 1 : 0;  // the last sample at or before the window start
  if (f == "changes" || f == "resets") {
    double count = 0;
    for (size_t i = first + 1; i < n; ++i) {
      double a = pts[i - 1].v, b = pts[i].v;
      if (f == "changes" ? (b != a && !(std::isnan(a) && std::isnan(b))) : b < a) count += 1;
    }
    *out = count;
    return true;
  }
  bool counter = f != "delta";
  size_t last = n - 1;
  if (smoothed) last = search(n - 1, [&](const Point& p) { return p.t_ms >= range_end; });
  if (pts[last].t_ms <= range_start) return false;
  auto interpolate = [counter](const Point& a, const Point& b, int64_t t, bool left_edge) {
    double y1 = a.v, y2 = b.v;
    if (counter && y2 < y1) {
      if (left_edge) {
        y1 = 0;
      } else {
        y2 += y1;
      }
    }
    return y1 + (y2 - y1) * static_cast<double>(t - a.t_ms) / static_cast<double>(b.t_ms - a.t_ms);
  };
  double left = smoothed && pts[first].t_ms < range_start
                    ? interpolate(pts[first], pts[first + 1], range_start, true)
                    : pts[first].v;
  double right = smoothed && last > 0 && pts[last].t_ms > range_end
                     ? interpolate(pts[last - 1], pts[last], range_end, false)
                     : pts[last].v;
  double result = right - left;
  if (counter) {
    // Resets between the edges: the samples strictly inside the window.
    auto a = static_cast<int64_t>(first), b = static_cast<int64_t>(last);
    if (pts[first].t_ms <= range_start) ++a;
    if (pts[last].t_ms >= range_end) --b;
    double prev = left;
    for (int64_t i = a; i <= b; ++i) {
      if (pts[static_cast<size_t>(i)].v < prev) result += prev;
      prev = pts[static_cast<size_t>(i)].v;
    }
    if (right < prev) result += prev;
  }
  if (f == "rate") result /= static_cast<double>(range_end - range_start) / 1000;
  *out = result;
  return true;
}

namespace {

store::Labels AbsentLabels(const Node& arg) {
  const Node* sel = &arg;
  if (sel->kind == NodeKind::kMatrixSelector) sel = sel->children[0].get();
  store::Labels out;
  if (sel->kind != NodeKind::kVectorSelector) return out;
  std::vector<std::string> drop;
  for (const auto& m : sel->matchers) {
    if (m.name() == "__name__") continue;
    if (m.op() == store::LabelMatcher::Op::kEq && store::GetLabel(out, m.name()).empty()) {
      store::SetLabel(out, m.name(), m.value());
    } else {
      drop.push_back(m.name());
    }
  }
  for (const auto& d : drop) store::SetLabel(out, d, "");
  return out;
}

double Kahan(std::span<const Point> pts) {
  double sum = 0, c = 0;
  for (const auto& p : pts) KahanSumInc(p.v, &sum, &c);
  return std::isinf(sum) ? sum : sum + c;
}

// The mean of `pts`: a compensated sum divided by the count, switching to a compensated
// incremental mean when the sum would overflow (as Prometheus's avg_over_time and avg).
double Mean(std::span<const Point> pts) {
  double sum = pts[0].v, c = 0, mean = 0, count = 1;
  bool incremental = false;
  for (size_t i = 1; i < pts.size(); ++i) {
    count = static_cast<double>(i + 1);
    double v = pts[i].v;
    if (!incremental) {
      double ns = sum, nc = c;
      KahanSumInc(v, &ns, &nc);
      if (!std::isinf(ns)) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    double q = (count - 1) / count;
    mean *= q;
    c *= q;
    KahanSumInc(v / count, &mean, &c);
  }
  return incremental ? mean + c : sum / count + c / count;
}

// Population variance with compensated running sums (Welford), as stdvar_over_time.
double Variance(std::span<const Point> pts) {
  double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
  for (const auto& p : pts) {
    count += 1;
    double delta = p.v - (mean + cmean);
    KahanSumInc(delta / count, &mean, &cmean);
    KahanSumInc(delta * (p.v - (mean + cmean)), &aux, &caux);
  }
  return (aux + caux) / count;
}

// Least-squares fit of value against time (seconds since `intercept_ms`).
void LinearRegression(std::span<const Point> pts, int64_t intercept_ms, double* slope,
                      double* intercept) {
  double n = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
  bool const_y = true;
  double init_y = pts[0].v;
  for (size_t i = 0; i < pts.size(); ++i) {
    if (i > 0 && pts[i].v != init_y) const_y = false;
    double x = static_cast<double>(pts[i].t_ms - intercept_ms) / 1000;
    n += 1;
    KahanSumInc(x, &sx, &cx);
    KahanSumInc(pts[i].v, &sy, &cy);
    KahanSumInc(x * pts[i].v, &sxy, &cxy);
    KahanSumInc(x * x, &sx2, &cx2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = *intercept = std::nan("");
    } else {
      *slope = 0;
      *intercept = init_y;
    }
    return;
  }
  sx += cx;
  sy += cy;
  sxy += cxy;
  sx2 += cx2;
  double cov = sxy - sx * sy / n;
  double var = sx2 - sx * sx / n;
  *slope = cov / var;
  *intercept = sy / n - *slope * sx / n;
}

}  // namespace

// Value of a range function over one series' points at evaluation time; false = no output.
bool RangeFunction(std::string_view f, std::span<const Point> pts, int64_t range_start,
                   int64_t range_end, int64_t t, double scalar_arg, double scalar_arg2,
                   double* out) {
  if (f == "rate") return ExtrapolatedRate(pts, range_start, range_end, true, true, out);
  if (f == "increase") return ExtrapolatedRate(pts, range_start, range_end, true, false, out);
  if (f == "delta") return ExtrapolatedRate(pts, range_start, range_end, false, false, out);
  if (f == "irate" || f == "idelta") {
    if (pts.size() < 2) return false;
    const Point& last = pts[pts.size() - 1];
    const Point& prev = pts[pts.size() - 2];
    double r = last.v - prev.v;
    if (f == "idelta") {
      *out = r;
      return true;
    }
    if (last.v < prev.v) r = last.v;  // counter reset
    double interval = static_cast<double>(last.t_ms - prev.t_ms) / 1000;
    if (interval == 0) return false;
    *out = r / interval;
    return true;
  }
  if (f == "deriv" || f == "predict_linear") {
    if (pts.size() < 2) return false;
    double slope, intercept;
    if (f == "deriv") {
      LinearRegression(pts, pts[0].t_ms, &slope, &intercept);
      *out = slope;
    } else {
      LinearRegression(pts, t, &slope, &intercept);
      *out = slope * scalar_arg + intercept;
    }
    return true;
  }
  if (f == "avg_over_time") {
    *out = Mean(pts);
    return true;
  }
  if (f == "sum_over_time") {
    *out = Kahan(pts);
    return true;
  }
  if (f == "count_over_time") {
    *out = static_cast<double>(pts.size());
    return true;
  }
  if (f == "min_over_time" || f == "max_over_time") {
    bool is_max = f == "max_over_time";
    double m = pts[0].v;
    for (const auto& p : pts)
      if ((is_max ? p.v > m : p.v < m) || std::isnan(m)) m = p.v;
    *out = m;
    return true;
  }
  if (f == "last_over_time") {
    *out = pts.back().v;
    return true;
  }
  if (f == "present_over_time" || f == "absent_over_time") {
    *out = 1;
    return true;
  }
  if (f == "quantile_over_time") {
    std::vector<double> vals;
    for (const auto& p : pts) vals.push_back(p.v);
    *out = Quantile(scalar_arg, std::move(vals));
    return true;
  }
  if (f == "stddev_over_time" || f == "stdvar_over_time") {
    double var = Variance(pts);
    *out = f == "stddev_over_time" ? std::sqrt(var) : var;
    return true;
  }
  if (f == "mad_over_time") {
    std::vector<double> vals;
    for (const auto& p : pts) vals.push_back(p.v);
    double median = Quantile(0.5, vals);
    for (auto& v : vals) v = std::fabs(v - median);
    *out = Quantile(0.5, std::move(vals));
    return true;
  }
  if (f == "double_exponential_smoothing") {
    if (pts.size() < 2) return false;
    // Holt's linear smoothing: level s1 and trend b, factors sf (level) and tf (trend).
    double sf = scalar_arg, tf = scalar_arg2;
    double s0 = 0, s1 = pts[0].v, b = pts[1].v - pts[0].v;
    for (size_t i = 1; i < pts.size(); ++i) {
      if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
      double next = sf * pts[i].v + (1 - sf) * (s1 + b);
      s0 = s1;
      s1 = next;
    }
    *out = s1;
    return true;
  }
  // otter's forecast extensions (src/analytics/forecast).
  if (analytics::forecast::IsForecastFunction(f))
    return analytics::forecast::ForecastFunction(f, pts, t, scalar_arg, scalar_arg2, out);
  if (f == "first_over_time") {
    *out = pts.front().v;
    return true;
  }
  if (f == "ts_of_first_over_time" || f == "ts_of_last_over_time") {
    *out = static_cast<double>(f == "ts_of_first_over_time" ? pts.front().t_ms : pts.back().t_ms) /
           1000;
    return true;
  }
  if (f == "ts_of_min_over_time" || f == "ts_of_max_over_time") {
    // The last time the extreme value occurs (ties go to the later sample).
    bool is_max = f == "ts_of_max_over_time";
    double m = pts[0].v;
    int64_t at = pts[0].t_ms;
    for (const auto& p : pts) {
      if ((is_max ? p.v >= m : p.v <= m) || std::isnan(m)) {
        m = p.v;
        at = p.t_ms;
      }
    }
    *out = static_cast<double>(at) / 1000;
    return true;
  }
  if (f == "changes" || f == "resets") {
    double n = 0;
    for (size_t i = 1; i < pts.size(); ++i) {
      double a = pts[i - 1].v, b = pts[i].v;
      if (f == "changes" ? (b != a && !(std::isnan(a) && std::isnan(b))) : b < a) n += 1;
    }
    *out = n;
    return true;
  }
  return false;
}

bool KeepsMetricName(std::string_view f) { return f == "last_over_time" || f == "first_over_time"; }

void KahanSumInc(double inc, double* sum, double* c) {
  double t = *sum + inc;
  if (std::isinf(t)) {
    *c = 0;
  } else if (std::fabs(*sum) >= std::fabs(inc)) {
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

namespace {

double MathFunction(std::string_view f, double v, double a1, double a2) {
  if (f == "abs") return std::fabs(v);
  if (f == "ceil") return std::ceil(v);
  if (f == "floor") return std::floor(v);
  if (f == "exp") return std::exp(v);
  if (f == "ln") return std::log(v);
  if (f == "log2") return std::log2(v);
  if (f == "log10") return std::log10(v);
  if (f == "sqrt") return std::sqrt(v);
  if (f == "sgn") return v < 0 ? -1 : v > 0 ? 1 : v;
  if (f == "sin") return std::sin(v);
  if (f == "cos") return std::cos(v);
  if (f == "tan") return std::tan(v);
  if (f == "asin") return std::asin(v);
  if (f == "acos") return std::acos(v);
  if (f == "atan") return std::atan(v);
  if (f == "sinh") return std::sinh(v);
  if (f == "cosh") return std::cosh(v);
  if (f == "tanh") return std::tanh(v);
  if (f == "asinh") return std::asinh(v);
  if (f == "acosh") return std::acosh(v);
  if (f == "atanh") return std::atanh(v);
  if (f == "deg") return v * 180 / M_PI;
  if (f == "rad") return v * M_PI / 180;
  if (f == "timestamp") return v;
  if (f == "round") {
    double inv = 1.0 / a1;
    return std::floor(v * inv + 0.5) / inv;
  }
  if (f == "clamp") return GoMax(a1, GoMin(a2, v));
  if (f == "clamp_min") return GoMax(a1, GoMin(HUGE_VAL, v));
  if (f == "clamp_max") return GoMax(-HUGE_VAL, GoMin(a1, v));
  // Date functions: v is Unix seconds, truncated toward zero as Go's int64() conversion does.
  if (!std::isfinite(v) || std::fabs(v) > 9.2e18) v = -9223372036854775808.0;
  auto secs = static_cast<time_t>(std::trunc(v));
  struct tm tm;
  gmtime_r(&secs, &tm);
  if (f == "minute") return tm.tm_min;
  if (f == "hour") return tm.tm_hour;
  if (f == "day_of_month") return tm.tm_mday;
  if (f == "day_of_week") return tm.tm_wday;
  if (f == "day_of_year") return tm.tm_yday + 1;
  if (f == "month") return tm.tm_mon + 1;
  if (f == "year") return tm.tm_year + 1900;
  if (f == "days_in_month") {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = tm.tm_year + 1900;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return tm.tm_mon == 1 && leap ? 29 : kDays[tm.tm_mon];
  }
  return std::nan("");
}

}  // namespace

void Evaluator::WarnIfNotCounter(std::string_view name, size_t pos) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (name.empty() || ends_with("_total") || ends_with("_sum") || ends_with("_count") ||
      ends_with("_bucket"))
    return;
  annotations_.AddInfo(
      "PromQL info: metric might not be a counter, name does not end in "
      "_total/_sum/_count/_bucket: \"" +
          std::string(name) + "\"",
      pos);
}

std::optional<Element> Evaluator::RangeElement(const Node& call, const Node& arg, Series s,
                                               int64_t range_start, int64_t range_end, int64_t t,
                                               double a1, double a2) {
  const std::string& f = call.text;
  if (std::any_of(s.points.begin(), s.points.end(), [](const Point& p) { return p.h; }))
    return HistogramOverTime(f, std::move(s), range_start, range_end, t);
  const Node* sel = arg.kind == NodeKind::kMatrixSelector ? arg.children[0].get() : nullptr;
  double v;
  bool ok = sel != nullptr && (sel->anchored || sel->smoothed)
                ? ExtendedRangeFunction(f, s.points, range_start, range_end, sel->smoothed, &v)
                : RangeFunction(f, s.points, range_start, range_end, t, a1, a2, &v);
  if (!ok) return std::nullopt;
  if ((f == "rate" || f == "increase") && sel != nullptr)
    WarnIfNotCounter(store::GetLabel(s.metric, "__name__"), arg.pos);
  bool keeps_name = KeepsMetricName(f);
  return Element{keeps_name ? std::move(s.metric) : DropMetricName(std::move(s.metric)), v, t};
}

StatusOr<Value> Evaluator::EvalCall(const Node& n, int64_t t) {
  const std::string& f = n.text;
  Value out;
  out.type = n.type;
  if (f == "info") return EvalInfo(n, t);
  if (f == "time") {
    out.scalar = static_cast<double>(t) / 1000;
    return out;
  }
  if (f == "pi") {
    out.scalar = M_PI;
    return out;
  }
  // Scalar arguments, evaluated once.
  std::vector<Value> args;
  size_t matrix_arg = SIZE_MAX;
  for (size_t i = 0; i < n.children.size(); ++i) {
    if (n.children[i]->type == ValueType::kMatrix) {
      matrix_arg = i;
      args.emplace_back();
      continue;
    }
    ASSIGN_OR_RETURN(Value v, Eval(*n.children[i], t));
    args.push_back(std::move(v));
  }

  if (matrix_arg != SIZE_MAX) {
    const Node& arg = StripParens(*n.children[matrix_arg]);
    double scalar_arg = 0, scalar_arg2 = 0;
    if (f == "quantile_over_time") {
      scalar_arg = args[0].scalar;
      if (!(scalar_arg >= 0 && scalar_arg <= 1))
        annotations_.AddWarning("PromQL warning: quantile value should be between 0 and 1, got " +
                                    FormatGoFloat(scalar_arg),
                                n.children[0]->pos);
    }
    if (f == "predict_linear") scalar_arg = args[1].scalar;
    if (f == "double_exponential_smoothing") {
      scalar_arg = args[1].scalar;
      scalar_arg2 = args[2].scalar;
      if (!(scalar_arg > 0 && scalar_arg < 1))
        return ExecError("invalid smoothing factor. Expected: 0 < sf < 1, got: " +
                         GoFloatF(scalar_arg));
      if (!(scalar_arg2 > 0 && scalar_arg2 < 1))
        return ExecError("invalid trend factor. Expected: 0 < tf < 1, got: " +
                         GoFloatF(scalar_arg2));
    }
    if (analytics::forecast::IsForecastFunction(f)) {  // otter's forecast extensions
      scalar_arg = args[1].scalar;
      scalar_arg2 = args.size() > 2 ? args[2].scalar : 0.5;
      if (!(scalar_arg2 > 0 && scalar_arg2 < 1))
        return ExecError("invalid quantile. Expected: 0 < q < 1, got: " +
                         FormatGoFloat(scalar_arg2));
    }
    out.type = ValueType::kVector;
    const Node* sel = arg.kind == NodeKind::kMatrixSelector ? arg.children[0].get() : nullptr;
    bool extended = sel != nullptr && (sel->anchored || sel->smoothed);
    if (sel != nullptr && !extended && f != "absent_over_time")
      return EvalRangeFunctionOfSelector(n, arg, t, scalar_arg, scalar_arg2);
    if (extended) {
      bool anchored = sel->anchored;
      bool allowed = f == "rate" || f == "increase" || f == "delta" ||
                     (anchored && (f == "changes" || f == "resets"));
      if (!allowed)
        return ExecError(
            std::string(anchored ? "anchored" : "smoothed") + " modifier can only be used with: " +
            (anchored ? "changes, delta, increase, rate, resets" : "delta, increase, rate") +
            " - not with " + f);
    }
    ASSIGN_OR_RETURN(Value m, Eval(arg, t));
    if (f == "absent_over_time") {
      if (m.matrix.empty()) out.vector.push_back(Element{AbsentLabels(arg), 1, t});
      return out;
    }
    const Node& timing = sel != nullptr ? *sel : arg;
    int64_t range_end = EffectiveTime(timing, t);
    int64_t range_start = range_end - RangeMs(arg);
    for (auto& s : m.matrix) {
      if (auto e = RangeElement(n, arg, std::move(s), range_start, range_end, t, scalar_arg,
                                scalar_arg2))
        out.vector.push_back(std::move(*e));
    }
    RETURN_IF_ERROR(CheckNoDuplicateLabelSets(out.vector));
    return out;
  }

  if (f == "vector") {
    out.vector.push_back(Element{{}, args[0].scalar, t});
    return out;
  }
  if (f == "scalar") {
    out.scalar = args[0].vector.size() == 1 ? args[0].vector[0].v : std::nan("");
    return out;
  }
  if (f == "absent") {
    if (args[0].vector.empty()) out.vector.push_back(Element{AbsentLabels(*n.children[0]), 1, t});
    return out;
  }
  if (f == "sort" || f == "sort_desc") {
    out.vector = std::move(args[0].vector);
    bool desc = f == "sort_desc";
    // Prometheus sorts descending-with-NaN-first (or ascending) and reverses: NaN ends last.
    GoSort(out.vector, [desc](const Element& a, const Element& b) {
      return std::isnan(b.v) || (desc ? b.v < a.v : b.v > a.v);
    });
    for (auto& e : out.vector) e.t_ms = t;
    return out;
  }
  if (f == "sort_by_label" || f == "sort_by_label_desc") {
    out.vector = std::move(args[0].vector);
    bool desc = f == "sort_by_label_desc";
    std::vector<std::string> names;
    for (size_t i = 1; i < args.size(); ++i) names.push_back(args[i].str);
    std::stable_sort(out.vector.begin(), out.vector.end(), [&](const Element& a, const Element& b) {
      for (const auto& name : names) {
        std::string_view x = store::GetLabel(a.metric, name);
        std::string_view y = store::GetLabel(b.metric, name);
        if (x == y) continue;
        return desc ? !NaturalLess(x, y) : NaturalLess(x, y);
      }
      return desc ? b.metric < a.metric : a.metric < b.metric;
    });
    for (auto& e : out.vector) e.t_ms = t;
    return out;
  }
  if (IsHistogramStatistic(f)) {
    out.vector = HistogramStatistic(f, args[0].vector, t);
    return out;
  }
  if (f == "histogram_fraction") {
    out.vector = HistogramFraction(args[0].scalar, args[1].scalar, args[2].vector, t);
    return out;
  }
  if (f == "histogram_quantile") {
    double q = args[0].scalar;
    struct Hist {
      store::Labels labels;
      std::vector<Bucket> buckets;
    };
    std::vector<Hist> hists;
    std::unordered_map<uint64_t, size_t> index;
    for (auto& e : args[1].vector) {
      if (e.h) {  // a native histogram
        out.vector.emplace_back(DropMetricName(std::move(e.metric)), e.h->Quantile(q), t);
        continue;
      }
      std::string le(store::GetLabel(e.metric, "le"));
      char* end = nullptr;
      double bound = std::strtod(le.c_str(), &end);
      if (le.empty() || end != le.c_str() + le.size()) continue;
      store::Labels l = DropMetricName(std::move(e.metric));
      store::SetLabel(l, "le", "");
      auto [it, inserted] = index.emplace(store::HashLabels(l), hists.size());
      if (inserted) hists.push_back(Hist{std::move(l), {}});
      hists[it->second].buckets.push_back(Bucket{bound, e.v});
    }
    for (auto& h : hists)
      out.vector.push_back(
          Element{std::move(h.labels), BucketQuantile(q, std::move(h.buckets)), t});
    return out;
  }
  if (f == "label_replace") {
    const std::string& dst = args[1].str;
    const std::string& repl = args[2].str;
    const std::string& src = args[3].str;
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_dot_nl(true);
    RE2 re("^(?:" + args[4].str + ")$", opts);
    if (!re.ok()) return ExecError("invalid regular expression in label_replace(): " + args[4].str);
    if (!IsValidLabelName(dst))
      return ExecError("invalid destination label name in label_replace(): " + dst);
    std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
    for (auto& e : args[0].vector) {
      std::string val(store::GetLabel(e.metric, src));
      if (re.Match(val, 0, val.size(), RE2::UNANCHORED, groups.data(),
                   static_cast<int>(groups.size()))) {
        store::SetLabel(e.metric, dst, ExpandTemplate(repl, re, groups));
      }
      e.t_ms = t;
      out.vector.push_back(std::move(e));
    }
    RETURN_IF_ERROR(CheckNoDuplicateLabelSets(out.vector));
    return out;
  }
  if (f == "label_join") {
    const std::string& dst = args[1].str;
    const std::string& sep = args[2].str;
    for (size_t i = 3; i < args.size(); ++i)
      if (!IsValidLabelName(args[i].str))
        return ExecError("invalid source label name in label_join(): " + args[i].str);
    if (!IsValidLabelName(dst))
      return ExecError("invalid destination label name in label_join(): " + dst);
    for (auto& e : args[0].vector) {
      std::string joined;
      for (size_t i = 3; i < args.size(); ++i) {
        if (i > 3) joined += sep;
        joined += store::GetLabel(e.metric, args[i].str);
      }
      store::SetLabel(e.metric, dst, joined);
      e.t_ms = t;
      out.vector.push_back(std::move(e));
    }
    RETURN_IF_ERROR(CheckNoDuplicateLabelSets(out.vector));
    return out;
  }

  // Element-wise functions of one vector (dates default to vector(time())).
  Vector in;
  if (args.empty()) {
    in.push_back(Element{{}, static_cast<double>(t) / 1000, t});
  } else {
    in = std::move(args[0].vector);
  }
  double a1 = args.size() > 1 ? args[1].scalar : 1;  // round's to_nearest defaults to 1
  double a2 = args.size() > 2 ? args[2].scalar : 0;
  if (f == "clamp" && a2 < a1) return out;
  bool from_selector =
      !n.children.empty() && StripParens(*n.children[0]).kind == NodeKind::kVectorSelector;
  for (auto& e : in) {
    if (e.h && f != "timestamp") continue;  // math on a native histogram: left out (Prometheus)
    double v = e.v;
    if (f == "timestamp") {
      v = static_cast<double>(from_selector ? e.t_ms : t) / 1000;
    }
    out.vector.push_back(
        Element{DropMetricName(std::move(e.metric)), MathFunction(f, v, a1, a2), t});
  }
  RETURN_IF_ERROR(CheckNoDuplicateLabelSets(out.vector));
  return out;
}

}  // namespace otter::query::promql
