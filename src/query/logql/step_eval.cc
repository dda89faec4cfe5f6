#include "query/logql/step_eval.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

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
  std::sort(v.begin(), v.end());
  double rank = q * static_cast<double>(v.size() - 1);
  size_t lower = static_cast<size_t>(std::floor(rank));
  size_t upper = std::min(lower + 1, v.size() - 1);
  double w = rank - static_cast<double>(lower);
  return v[lower] * (1 - w) + v[upper] * w;
}

class RangeAggEvaluator : public StepEvaluator {
 public:
  RangeAggEvaluator(const Expr& e, std::vector<RawSeries> series, store::Labels absent)
      : e_(e), absent_(std::move(absent)) {
    for (auto& s : series) {
      State st;
      st.prefix.resize(s.values.size() + 1, 0);
      for (size_t i = 0; i < s.values.size(); ++i) st.prefix[i + 1] = st.prefix[i] + s.values[i];
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
      const auto& v = st.s.values;
      double n = static_cast<double>(hi - lo);
      double sum = st.prefix[hi] - st.prefix[lo];
      double r = 0;
      const std::string& op = e_.op;
      if (op == "absent_over_time") {
        return out;  // something present: absent is empty
      } else if (op == "count_over_time") {
        r = n;
      } else if (op == "rate") {
        r = (e_.unwrap ? sum : n) / range_s;
      } else if (op == "bytes_over_time" || op == "sum_over_time") {
        r = sum;
      } else if (op == "bytes_rate") {
        r = sum / range_s;
      } else if (op == "avg_over_time") {
        r = sum / n;
      } else if (op == "min_over_time") {
        r = *std::min_element(v.begin() + lo, v.begin() + hi);
      } else if (op == "max_over_time") {
        r = *std::max_element(v.begin() + lo, v.begin() + hi);
      } else if (op == "first_over_time") {
        r = v[lo];
      } else if (op == "last_over_time") {
        r = v[hi - 1];
      } else if (op == "stdvar_over_time" || op == "stddev_over_time") {
        double mean = sum / n, acc = 0;
        for (size_t i = lo; i < hi; ++i) acc += (v[i] - mean) * (v[i] - mean);
        r = acc / n;
        if (op == "stddev_over_time") r = std::sqrt(r);
      } else if (op == "quantile_over_time") {
        r = Quantile(e_.param.value_or(0), std::vector<double>(v.begin() + lo, v.begin() + hi));
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
    std::vector<double> prefix;
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
      double n = static_cast<double>(g.members.size());
      double sum = 0, mn = std::numeric_limits<double>::infinity(), mx = -mn;
      for (size_t i : g.members) {
        double v = in.vector[i].value;
        sum += v;
        mn = std::min(mn, v);
        mx = std::max(mx, v);
      }
      double r = 0;
      if (op == "sum")
        r = sum;
      else if (op == "avg")
        r = sum / n;
      else if (op == "min")
        r = mn;
      else if (op == "max")
        r = mx;
      else if (op == "count")
        r = n;
      else if (op == "stdvar" || op == "stddev") {
        double mean = sum / n, acc = 0;
        for (size_t i : g.members) acc += (in.vector[i].value - mean) * (in.vector[i].value - mean);
        r = acc / n;
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
  if (op == "/") return a / b;
  if (op == "%") return std::fmod(a, b);
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
      for (const auto& s : b.vector) rhs[store::LabelsToString(s.labels)] = true;
      std::unordered_map<std::string, bool> lhs;
      for (auto& s : a.vector) {
        std::string key = store::LabelsToString(s.labels);
        lhs[key] = true;
        bool in_r = rhs.count(key) > 0;
        if (op == "or" || (op == "and" && in_r) || (op == "unless" && !in_r))
          out.vector.push_back(std::move(s));
      }
      if (op == "or")
        for (auto& s : b.vector)
          if (!lhs.count(store::LabelsToString(s.labels))) out.vector.push_back(std::move(s));
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
    std::unordered_map<std::string, double> rhs;
    for (const auto& s : b.vector) {
      auto [it, inserted] = rhs.emplace(store::LabelsToString(s.labels), s.value);
      if (!inserted)
        return InvalidArgument(
            "found duplicate series for the match group on the right hand-side of the operation");
    }
    for (auto& s : a.vector) {
      auto it = rhs.find(store::LabelsToString(s.labels));
      if (it == rhs.end()) continue;
      double v = Apply(op, s.value, it->second);
      if (cmp && !e_.return_bool) {
        if (v == 0) continue;
        v = s.value;
      }
      out.vector.push_back({std::move(s.labels), v});
    }
    return out;
  }

 private:
  const Expr& e_;
  std::unique_ptr<StepEvaluator> l_, r_;
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

std::unique_ptr<StepEvaluator> MakeConstantEvaluator(double value, bool as_vector) {
  return std::make_unique<ConstantEvaluator>(value, as_vector);
}

}  // namespace otter::query::logql
