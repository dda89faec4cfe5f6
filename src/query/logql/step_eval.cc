#include "query/logql/step_eval.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "query/go_regex.h"

namespace otter::query::logql {

store::Labels GroupLabels(const store::Labels& labels, const Grouping& g) {
  store::Labels out;
  for (const auto& l : labels) {
    bool listed = std::find(g.labels.begin(), g.labels.end(), l.name) != g.labels.end();
    if (listed != g.without) out.push_back(l);
  }
  return out;
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Quantile(double q, std::vector<double> v) {
  if (v.empty()) return kNaN;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  // Loki sorts NaN first.
  std::sort(v.begin(), v.end(),
            [](double a, double b) { return (std::isnan(a) && !std::isnan(b)) || a < b; });
  double rank = q * static_cast<double>(v.size() - 1);
  size_t lower = static_cast<size_t>(std::floor(rank));
  size_t upper = std::min(lower + 1, v.size() - 1);
  double w = rank - static_cast<double>(lower);
  return v[lower] * (1 - w) + v[upper] * w;
}

// The window functions compute exactly as Loki's (pkg/logql/range_vector.go), operation order
// included, so that results agree to the last bit.
double SumOf(const double* v, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += v[i];
  return sum;
}

// Incremental mean, keeping an infinite mean once reached.
double MeanOf(const double* v, size_t n) {
  double mean = 0, count = 0;
  for (size_t i = 0; i < n; ++i) {
    count++;
    if (std::isinf(mean)) {
      if (std::isinf(v[i]) && (mean > 0) == (v[i] > 0)) continue;
      if (!std::isinf(v[i]) && !std::isnan(v[i])) continue;
    }
    mean += v[i] / count - mean / count;
  }
  return mean;
}

// Welford's online variance (population).
double VarianceOf(const double* v, size_t n) {
  double aux = 0, count = 0, mean = 0;
  for (size_t i = 0; i < n; ++i) {
    count++;
    double delta = v[i] - mean;
    mean += delta / count;
    aux += delta * (v[i] - mean);
  }
  return aux / count;
}

// rate_counter: Prometheus' extrapolated counter rate over the window (end - range, end], with
// the window's own bounds (times in ns); 0 with fewer than two samples.
double CounterRate(const double* v, const int64_t* ts, size_t n, int64_t end, int64_t range_ns) {
  if (n < 2) return 0;
  const int64_t start = end - range_ns;
  double result = v[n - 1] - v[0];
  double last = 0;
  for (size_t i = 0; i < n; ++i) {
    if (v[i] < last) result += last;
    last = v[i];
  }
  double to_start = static_cast<double>(ts[0] - start) / 1e9;
  double to_end = static_cast<double>(end - ts[n - 1]) / 1e9;
  const double sampled = static_cast<double>(ts[n - 1] - ts[0]) / 1e9;
  const double avg_step = sampled / static_cast<double>(n - 1);
  const double threshold = avg_step * 1.1;
  if (to_start >= threshold) to_start = avg_step / 2;
  double to_zero = to_start;
  if (result > 0 && v[0] >= 0) to_zero = sampled * (v[0] / result);
  if (to_zero < to_start) to_start = to_zero;
  if (to_end >= threshold) to_end = avg_step / 2;
  result = result * ((sampled + to_start + to_end) / sampled);
  return result / (static_cast<double>(range_ns) / 1e9);
}

class RangeAggEvaluator : public StepEvaluator {
 public:
  RangeAggEvaluator(const Expr& e, std::vector<RawSeries> series, store::Labels absent)
      : e_(e), absent_(std::move(absent)) {
    for (auto& s : series) {
      State st;
      st.s = std::move(s);
      states_.push_back(std::move(st));
    }
  }

  StatusOr<StepValue> Eval(int64_t t) override {
    StepValue out;
    const int64_t end = t - e_.offset_ns;
    const int64_t start = end - e_.range_ns;  // exclusive
    const double range_s = static_cast<double>(e_.range_ns) / 1e9;
    for (State& st : states_) {
      const auto& ts = st.s.ts;
      while (st.hi < ts.size() && ts[st.hi] <= end) ++st.hi;
      while (st.lo < st.hi && ts[st.lo] <= start) ++st.lo;
      size_t lo = st.lo, hi = st.hi;
      if (lo >= hi) continue;
      const double* v = st.s.values.data() + lo;
      const int64_t* ts_w = ts.data() + lo;
      const size_t n = hi - lo;
      double r = 0;
      const std::string& op = e_.op;
      if (op == "absent_over_time") {
        return out;  // something present: absent is empty
      } else if (op == "count_over_time") {
        r = static_cast<double>(n);
      } else if (op == "rate" && !e_.unwrap) {
        r = static_cast<double>(n) / range_s;
      } else if (op == "rate" || op == "bytes_rate") {
        r = SumOf(v, n) / range_s;
      } else if (op == "bytes_over_time" || op == "sum_over_time") {
        r = SumOf(v, n);
      } else if (op == "rate_counter") {
        r = CounterRate(v, ts_w, n, end, e_.range_ns);
      } else if (op == "avg_over_time") {
        r = MeanOf(v, n);
      } else if (op == "min_over_time") {
        r = v[0];
        for (size_t i = 0; i < n; ++i)
          if (v[i] < r || std::isnan(r)) r = v[i];
      } else if (op == "max_over_time") {
        r = v[0];
        for (size_t i = 0; i < n; ++i)
          if (v[i] > r || std::isnan(r)) r = v[i];
      } else if (op == "first_over_time") {
        r = v[0];
      } else if (op == "last_over_time") {
        r = v[n - 1];
      } else if (op == "stdvar_over_time" || op == "stddev_over_time") {
        r = VarianceOf(v, n);
        if (op == "stddev_over_time") r = std::sqrt(r);
      } else if (op == "quantile_over_time") {
        r = Quantile(e_.param.value_or(0), std::vector<double>(v, v + n));
      } else {
        return InvalidArgument("unsupported range aggregation " + op);
      }
      out.vector.push_back({st.s.labels, r});
    }
    if (e_.op == "absent_over_time") out.vector.push_back({absent_, 1});
    return out;
  }

 private:
  struct State {
    RawSeries s;
    size_t lo = 0, hi = 0;
  };
  const Expr& e_;
  store::Labels absent_;
  std::vector<State> states_;
};

class VectorAggEvaluator : public StepEvaluator {
 public:
  VectorAggEvaluator(const Expr& e, std::unique_ptr<StepEvaluator> child)
      : e_(e), child_(std::move(child)) {}

  StatusOr<StepValue> Eval(int64_t t) override {
    ASSIGN_OR_RETURN(StepValue in, child_->Eval(t));
    StepValue out;
    const std::string& op = e_.op;
    if (op == "sort" || op == "sort_desc") {
      out.vector = std::move(in.vector);
      std::stable_sort(out.vector.begin(), out.vector.end(), [&](const auto& a, const auto& b) {
        return op == "sort" ? a.value < b.value : a.value > b.value;
      });
      return out;
    }
    struct Group {
      store::Labels labels;
      std::vector<size_t> members;
    };
    std::map<std::string, Group> groups;
    std::vector<std::string> order;
    for (size_t i = 0; i < in.vector.size(); ++i) {
      store::Labels g = GroupLabels(in.vector[i].labels, e_.grouping);
      std::string key = store::LabelsToString(g);
      auto [it, inserted] = groups.try_emplace(key);
      if (inserted) {
        it->second.labels = std::move(g);
        order.push_back(key);
      }
      it->second.members.push_back(i);
    }
    for (const std::string& key : order) {
      Group& g = groups[key];
      if (op == "topk" || op == "bottomk") {
        size_t k = static_cast<size_t>(e_.param.value_or(1));
        std::vector<size_t> m = g.members;
        std::stable_sort(m.begin(), m.end(), [&](size_t a, size_t b) {
          double va = in.vector[a].value, vb = in.vector[b].value;
          if (std::isnan(va)) return false;
          if (std::isnan(vb)) return true;
          return op == "topk" ? va > vb : va < vb;
        });
        if (m.size() > k) m.resize(k);
        for (size_t i : m) out.vector.push_back(in.vector[i]);
        continue;
      }
      std::vector<double> v;
      v.reserve(g.members.size());
      for (size_t i : g.members) v.push_back(in.vector[i].value);
      double r = 0;
      if (op == "sum") {
        r = SumOf(v.data(), v.size());
      } else if (op == "avg") {
        r = MeanOf(v.data(), v.size());
      } else if (op == "min" || op == "max") {
        r = v[0];
        for (double x : v)
          if ((op == "min" ? x < r : x > r) || std::isnan(r)) r = x;
      } else if (op == "count") {
        r = static_cast<double>(v.size());
      } else if (op == "stdvar" || op == "stddev") {
        r = VarianceOf(v.data(), v.size());
        if (op == "stddev") r = std::sqrt(r);
      } else {
        return InvalidArgument("unsupported aggregation " + op);
      }
      out.vector.push_back({std::move(g.labels), r});
    }
    return out;
  }

 private:
  const Expr& e_;
  std::unique_ptr<StepEvaluator> child_;
};

bool IsComparisonOp(const std::string& op) {
  return op == "==" || op == "!=" || op == ">" || op == ">=" || op == "<" || op == "<=";
}

double Apply(const std::string& op, double a, double b) {
  if (op == "+") return a + b;
  if (op == "-") return a - b;
  if (op == "*") return a * b;
  if (op == "/") return b == 0 ? kNaN : a / b;  // Loki: NaN, not ±Inf
  if (op == "%") return b == 0 ? kNaN : std::fmod(a, b);
  if (op == "^") return std::pow(a, b);
  if (op == "==") return a == b;
  if (op == "!=") return a != b;
  if (op == ">") return a > b;
  if (op == ">=") return a >= b;
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  return kNaN;
}

class BinaryEvaluator : public StepEvaluator {
 public:
  BinaryEvaluator(const Expr& e, std::unique_ptr<StepEvaluator> l, std::unique_ptr<StepEvaluator> r)
      : e_(e), l_(std::move(l)), r_(std::move(r)) {}

  StatusOr<StepValue> Eval(int64_t t) override {
    ASSIGN_OR_RETURN(StepValue a, l_->Eval(t));
    ASSIGN_OR_RETURN(StepValue b, r_->Eval(t));
    const std::string& op = e_.op;
    const bool cmp = IsComparisonOp(op);
    StepValue out;
    if (a.is_scalar && b.is_scalar) {
      out.is_scalar = true;
      out.scalar = Apply(op, a.scalar, b.scalar);
      return out;
    }
    if (op == "and" || op == "or" || op == "unless") {
      if (a.is_scalar || b.is_scalar)
        return InvalidArgument("set operator \"" + op +
                               "\" not allowed in binary scalar expression");
      std::unordered_map<std::string, bool> rhs;
      for (const auto& s : b.vector) rhs[Signature(s.labels)] = true;
      std::unordered_map<std::string, bool> lhs;
      for (auto& s : a.vector) {
        std::string key = Signature(s.labels);
        lhs[key] = true;
        bool in_r = rhs.count(key) > 0;
        if (op == "or" || (op == "and" && in_r) || (op == "unless" && !in_r))
          out.vector.push_back(std::move(s));
      }
      if (op == "or")
        for (auto& s : b.vector)
          if (!lhs.count(Signature(s.labels))) out.vector.push_back(std::move(s));
      return out;
    }
    if (a.is_scalar || b.is_scalar) {
      bool scalar_left = a.is_scalar;
      StepValue& vec = scalar_left ? b : a;
      double k = scalar_left ? a.scalar : b.scalar;
      for (auto& s : vec.vector) {
        double l = scalar_left ? k : s.value, r = scalar_left ? s.value : k;
        double v = Apply(op, l, r);
        if (cmp && !e_.return_bool) {
          if (v == 0) continue;
          v = s.value;
        }
        out.vector.push_back({std::move(s.labels), v});
      }
      return out;
    }
    return VectorOp(std::move(a.vector), std::move(b.vector));
  }

 private:
  using Card = VectorMatching::Card;

  // The labels a sample is matched on.
  std::string Signature(const store::Labels& labels) const {
    const VectorMatching& m = e_.matching;
    store::Labels kept;
    for (const auto& l : labels) {
      bool listed = std::find(m.labels.begin(), m.labels.end(), l.name) != m.labels.end();
      if (listed == m.on) kept.push_back(l);
    }
    return store::LabelsToString(kept);
  }

  // The result's labels (Loki's resultMetric): one-to-one keeps the matching labels only (on) or
  // drops them (ignoring); group_x adds its labels from the "one" side.
  store::Labels ResultLabels(const store::Labels& lhs, const store::Labels& rhs) const {
    const VectorMatching& m = e_.matching;
    store::Labels out;
    if (m.card == Card::kOneToOne) {
      for (const auto& l : lhs) {
        bool listed = std::find(m.labels.begin(), m.labels.end(), l.name) != m.labels.end();
        if (listed == m.on) out.push_back(l);
      }
    } else {
      out = lhs;
    }
    for (const auto& name : m.include) store::SetLabel(out, name, store::GetLabel(rhs, name));
    return out;
  }

  // Vector-vector arithmetic and comparisons, as Loki's vectorBinop.
  StatusOr<StepValue> VectorOp(std::vector<InstantSample> lhs, std::vector<InstantSample> rhs) {
    const std::string& op = e_.op;
    const bool cmp = IsComparisonOp(op);
    const Card card = e_.matching.card;
    if (card == Card::kOneToMany) std::swap(lhs, rhs);
    std::unordered_map<std::string, const InstantSample*> right;
    for (const auto& s : rhs) {
      if (!right.emplace(Signature(s.labels), &s).second)
        return InvalidArgument(fmt::format(
            "found duplicate series on the {} hand-side;many-to-many matching not allowed: "
            "matching labels must be unique on one side",
            card == Card::kOneToMany ? "left" : "right"));
    }
    std::unordered_map<std::string, std::set<std::string>> matched;
    StepValue out;
    for (auto& s : lhs) {
      const std::string sig = Signature(s.labels);
      auto it = right.find(sig);
      if (it == right.end()) continue;
      store::Labels labels = ResultLabels(s.labels, it->second->labels);
      auto [m, first] = matched.try_emplace(sig);
      if (card == Card::kOneToOne) {
        if (!first)
          return InvalidArgument(
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)");
      } else if (!m->second.insert(store::LabelsToString(labels)).second) {
        return InvalidArgument(
            "multiple matches for labels: grouping labels must ensure unique matches");
      }
      double l = s.value, r = it->second->value;
      if (card == Card::kOneToMany) std::swap(l, r);
      double v = Apply(op, l, r);
      if (cmp && !e_.return_bool) {
        if (v == 0) continue;
        v = l;
      }
      out.vector.push_back({std::move(labels), v});
    }
    return out;
  }

  const Expr& e_;
  std::unique_ptr<StepEvaluator> l_, r_;
};

class LabelReplaceEvaluator : public StepEvaluator {
 public:
  LabelReplaceEvaluator(const Expr& e, std::unique_ptr<StepEvaluator> child)
      : e_(e), child_(std::move(child)) {}

  StatusOr<StepValue> Eval(int64_t t) override {
    ASSIGN_OR_RETURN(StepValue v, child_->Eval(t));
    const RE2& re = *e_.regex;
    std::vector<re2::StringPiece> groups(static_cast<size_t>(re.NumberOfCapturingGroups()) + 1);
    for (auto& s : v.vector) {
      std::string src(store::GetLabel(s.labels, e_.src));
      if (!re.Match(src, 0, src.size(), RE2::UNANCHORED, groups.data(),
                    static_cast<int>(groups.size())))
        continue;
      store::SetLabel(s.labels, e_.dst, ExpandTemplate(e_.replacement, re, groups));
    }
    return v;
  }

 private:
  const Expr& e_;
  std::unique_ptr<StepEvaluator> child_;
};

class ConstantEvaluator : public StepEvaluator {
 public:
  ConstantEvaluator(double v, bool as_vector) : v_(v), as_vector_(as_vector) {}
  StatusOr<StepValue> Eval(int64_t) override {
    StepValue out;
    if (as_vector_) {
      out.vector.push_back({{}, v_});
    } else {
      out.is_scalar = true;
      out.scalar = v_;
    }
    return out;
  }

 private:
  double v_;
  bool as_vector_;
};

}  // namespace

std::unique_ptr<StepEvaluator> MakeRangeAggEvaluator(const Expr& expr,
                                                     std::vector<RawSeries> series,
                                                     store::Labels absent_labels) {
  return std::make_unique<RangeAggEvaluator>(expr, std::move(series), std::move(absent_labels));
}

std::unique_ptr<StepEvaluator> MakeVectorAggEvaluator(const Expr& expr,
                                                      std::unique_ptr<StepEvaluator> child) {
  return std::make_unique<VectorAggEvaluator>(expr, std::move(child));
}

std::unique_ptr<StepEvaluator> MakeBinaryEvaluator(const Expr& expr,
                                                   std::unique_ptr<StepEvaluator> lhs,
                                                   std::unique_ptr<StepEvaluator> rhs) {
  return std::make_unique<BinaryEvaluator>(expr, std::move(lhs), std::move(rhs));
}

std::unique_ptr<StepEvaluator> MakeLabelReplaceEvaluator(const Expr& expr,
                                                         std::unique_ptr<StepEvaluator> child) {
  return std::make_unique<LabelReplaceEvaluator>(expr, std::move(child));
}

std::unique_ptr<StepEvaluator> MakeConstantEvaluator(double value, bool as_vector) {
  return std::make_unique<ConstantEvaluator>(value, as_vector);
}

}  // namespace otter::query::logql
