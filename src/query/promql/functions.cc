// PromQL functions (rate, histogram_quantile, label_replace, ...) of the evaluator, with the
// numeric kernels of functions.h.
#include "query/promql/functions.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <unordered_map>

#include "query/promql/evaluator.h"
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

bool ExtrapolatedRate(const std::vector<Point>& points, int64_t range_start_ms,
                      int64_t range_end_ms, bool is_counter, bool is_rate, double* out) {
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
  if (is_counter && result > 0 && first.v >= 0) {
    // A counter can't go below zero: don't extrapolate to before it was (probably) zero.
    double to_zero = sampled * (first.v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  double threshold = avg_step * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : avg_step / 2;
  interval += to_end < threshold ? to_end : avg_step / 2;
  result = result * (interval / sampled);
  if (is_rate) result /= static_cast<double>(range_end_ms - range_start_ms) / 1000;
  *out = result;
  return true;
}

namespace {

bool IsValidLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Go's regexp.Expand: $1, ${1}, $name, ${name}, $$.
std::string ExpandTemplate(std::string_view tmpl, const RE2& re,
                           const std::vector<re2::StringPiece>& groups) {
  std::string out;
  const auto& named = re.NamedCapturingGroups();
  auto is_name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 >= tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string_view name;
    size_t next;
    if (tmpl[i + 1] == '{') {
      size_t close = tmpl.find('}', i + 2);
      if (close == std::string_view::npos) {
        out += tmpl[i];
        continue;
      }
      name = tmpl.substr(i + 2, close - i - 2);
      bool ok = !name.empty();
      for (char c : name) ok = ok && is_name_char(c);
      if (!ok) {
        out += tmpl[i];
        continue;
      }
      next = close + 1;
    } else {
      size_t j = i + 1;
      while (j < tmpl.size() && is_name_char(tmpl[j])) ++j;
      if (j == i + 1) {
        out += tmpl[i];
        continue;
      }
      name = tmpl.substr(i + 1, j - i - 1);
      next = j;
    }
    bool numeric =
        std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
    int idx = -1;
    if (numeric) {
      idx = name.size() < 6 ? std::atoi(std::string(name).c_str()) : -1;
    } else {
      auto it = named.find(std::string(name));
      if (it != named.end()) idx = it->second;
    }
    if (idx >= 0 && static_cast<size_t>(idx) < groups.size() && groups[idx].data() != nullptr)
      out.append(groups[idx].data(), groups[idx].size());
    i = next - 1;
  }
  return out;
}

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

double Kahan(const std::vector<Point>& pts) {
  double sum = 0, c = 0;
  for (const auto& p : pts) {
    double t = sum + p.v;
    if (std::fabs(sum) >= std::fabs(p.v)) {
      c += (sum - t) + p.v;
    } else {
      c += (p.v - t) + sum;
    }
    sum = t;
  }
  return sum + c;
}

// Least-squares fit of value against time (seconds since `intercept_ms`).
void LinearRegression(const std::vector<Point>& pts, int64_t intercept_ms, double* slope,
                      double* intercept) {
  double n = 0, sx = 0, sy = 0, sxy = 0, sx2 = 0;
  bool const_y = true;
  double init_y = pts[0].v;
  for (size_t i = 0; i < pts.size(); ++i) {
    if (i > 0 && pts[i].v != init_y) const_y = false;
    double x = static_cast<double>(pts[i].t_ms - intercept_ms) / 1000;
    n += 1;
    sx += x;
    sy += pts[i].v;
    sxy += x * pts[i].v;
    sx2 += x * x;
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
  double cov = sxy - sx * sy / n;
  double var = sx2 - sx * sx / n;
  *slope = cov / var;
  *intercept = sy / n - *slope * sx / n;
}

// Value of a range function over one series' points at evaluation time; false = no output.
bool RangeFunction(std::string_view f, const std::vector<Point>& pts, int64_t range_start,
                   int64_t range_end, int64_t t, double scalar_arg, double* out) {
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
    double mean = 0, count = 0;
    for (const auto& p : pts) {
      count += 1;
      if (std::isinf(mean)) {
        if (std::isinf(p.v) && (mean > 0) == (p.v > 0)) continue;
        if (!std::isinf(p.v) && !std::isnan(p.v)) continue;
      }
      mean += p.v / count - mean / count;
    }
    *out = mean;
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
    double count = 0, mean = 0, aux = 0;
    for (const auto& p : pts) {
      count += 1;
      double delta = p.v - mean;
      mean += delta / count;
      aux += delta * (p.v - mean);
    }
    *out = f == "stddev_over_time" ? std::sqrt(aux / count) : aux / count;
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
  if (f == "deg") return v * 180 / M_PI;
  if (f == "rad") return v * M_PI / 180;
  if (f == "timestamp") return v;
  if (f == "round") {
    double inv = 1.0 / a1;
    return std::floor(v * inv + 0.5) / inv;
  }
  if (f == "clamp") return std::max(a1, std::min(a2, v));
  if (f == "clamp_min") return std::max(a1, v);
  if (f == "clamp_max") return std::min(a1, v);
  // Date functions: v is Unix seconds.
  auto secs = static_cast<time_t>(std::floor(v));
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

StatusOr<Value> Evaluator::EvalCall(const Node& n, int64_t t) {
  const std::string& f = n.text;
  Value out;
  out.type = n.type;
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
    ASSIGN_OR_RETURN(Value m, Eval(arg, t));
    const Node& timing = arg.kind == NodeKind::kMatrixSelector ? *arg.children[0] : arg;
    int64_t range_end = EffectiveTime(timing, t);
    int64_t range_start = range_end - arg.range_ms;
    double scalar_arg = 0;
    if (f == "quantile_over_time") scalar_arg = args[0].scalar;
    if (f == "predict_linear") scalar_arg = args[1].scalar;
    out.type = ValueType::kVector;
    if (f == "absent_over_time") {
      if (m.matrix.empty()) out.vector.push_back(Element{AbsentLabels(arg), 1, t});
      return out;
    }
    for (auto& s : m.matrix) {
      if (std::any_of(s.points.begin(), s.points.end(), [](const Point& p) { return p.h; })) {
        if (auto e = HistogramOverTime(f, std::move(s), range_start, range_end, t))
          out.vector.push_back(std::move(*e));
        continue;
      }
      double v;
      if (!RangeFunction(f, s.points, range_start, range_end, t, scalar_arg, &v)) continue;
      store::Labels metric =
          f == "last_over_time" ? std::move(s.metric) : DropMetricName(std::move(s.metric));
      out.vector.push_back(Element{std::move(metric), v, t});
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
    std::stable_sort(out.vector.begin(), out.vector.end(),
                     [desc](const Element& a, const Element& b) {
                       if (std::isnan(a.v)) return false;
                       if (std::isnan(b.v)) return true;
                       return desc ? a.v > b.v : a.v < b.v;
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
    if (!IsValidLabelName(dst))
      return ExecError("invalid destination label name in label_join(): " + dst);
    for (size_t i = 3; i < args.size(); ++i)
      if (!IsValidLabelName(args[i].str))
        return ExecError("invalid source label name in label_join(): " + args[i].str);
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
