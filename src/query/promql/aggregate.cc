// Aggregation operators (sum, avg, topk, quantile, count_values, ...) of the evaluator.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "query/json_writer.h"
#include "query/promql/evaluator.h"
#include "query/promql/functions.h"
#include "query/promql/histograms.h"

namespace otter::query::promql {
namespace {

bool Listed(const std::vector<std::string>& names, std::string_view n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

store::Labels GroupLabels(const store::Labels& l, const Node& n) {
  store::Labels out;
  for (const auto& lb : l) {
    bool listed = Listed(n.grouping, lb.name);
    if (n.without ? (!listed && lb.name != "__name__") : listed) out.push_back(lb);
  }
  return out;
}

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

struct Group {
  store::Labels labels;
  double value = 0;
  double mean = 0;
  double count = 0;
  std::vector<Element> items;  // topk/bottomk/quantile
};

}  // namespace

StatusOr<Value> Evaluator::EvalAggregate(const Node& n, int64_t t) {
  ASSIGN_OR_RETURN(Value in, Eval(*n.children[0], t));
  double param = 0;
  std::string label_param;
  if (n.param) {
    ASSIGN_OR_RETURN(Value p, Eval(*n.param, t));
    param = p.scalar;
    label_param = p.str;
  }
  Value out;
  out.type = ValueType::kVector;
  AggOp op = n.agg_op;
  // Native histogram elements: sum and avg add them up (a group that mixes them with floats is
  // left out, as Prometheus does); count and group count them; other operators ignore them.
  Vector histograms;
  if (op != AggOp::kCount && op != AggOp::kGroup) {
    auto floats_end = std::stable_partition(in.vector.begin(), in.vector.end(),
                                            [](const Element& e) { return e.h == nullptr; });
    histograms.assign(std::make_move_iterator(floats_end),
                      std::make_move_iterator(in.vector.end()));
    in.vector.erase(floats_end, in.vector.end());
  }
  if (op == AggOp::kCountValues && !IsValidLabelName(label_param))
    return ExecError("invalid label name \"" + label_param + "\"");
  int64_t k = 0;
  if (op == AggOp::kTopk || op == AggOp::kBottomk) {
    if (std::isnan(param) || param >= 9.2e18 || param <= -9.2e18)
      return ExecError("Scalar value " + FormatPromFloat(param) + " overflows int64");
    k = static_cast<int64_t>(param);
    if (k < 1) return out;
  }

  std::vector<Group> groups;
  std::unordered_map<uint64_t, size_t> index;
  for (auto& e : in.vector) {
    store::Labels gl = GroupLabels(e.metric, n);
    if (op == AggOp::kCountValues) store::SetLabel(gl, label_param, FormatPromFloat(e.v));
    auto [it, inserted] = index.emplace(store::HashLabels(gl), groups.size());
    if (inserted) {
      Group g;
      g.labels = std::move(gl);
      g.value = e.v;
      g.mean = e.v;
      g.count = 1;
      if (op == AggOp::kStddev || op == AggOp::kStdvar) g.value = 0;
      if (op == AggOp::kCount || op == AggOp::kCountValues || op == AggOp::kGroup) g.value = 1;
      if (op == AggOp::kTopk || op == AggOp::kBottomk || op == AggOp::kQuantile)
        g.items.push_back(e);
      groups.push_back(std::move(g));
      continue;
    }
    Group& g = groups[it->second];
    g.count += 1;
    switch (op) {
      case AggOp::kSum:
        g.value += e.v;
        break;
      case AggOp::kAvg:
        // Incremental mean, as Prometheus 2.x computes it (avoids overflow of a plain sum).
        if (std::isinf(g.mean)) {
          if (std::isinf(e.v) && (g.mean > 0) == (e.v > 0)) break;
          if (!std::isinf(e.v) && !std::isnan(e.v)) break;
        }
        g.mean += e.v / g.count - g.mean / g.count;
        break;
      case AggOp::kMax:
        if (g.value < e.v || std::isnan(g.value)) g.value = e.v;
        break;
      case AggOp::kMin:
        if (g.value > e.v || std::isnan(g.value)) g.value = e.v;
        break;
      case AggOp::kCount:
      case AggOp::kCountValues:
        g.value += 1;
        break;
      case AggOp::kGroup:
        break;
      case AggOp::kStddev:
      case AggOp::kStdvar: {
        double delta = e.v - g.mean;
        g.mean += delta / g.count;
        g.value += delta * (e.v - g.mean);
        break;
      }
      case AggOp::kTopk:
      case AggOp::kBottomk:
      case AggOp::kQuantile:
        g.items.push_back(e);
        break;
    }
  }

  for (auto& g : groups) {
    switch (op) {
      case AggOp::kAvg:
        g.value = g.mean;
        break;
      case AggOp::kStdvar:
        g.value = g.value / g.count;
        break;
      case AggOp::kStddev:
        g.value = std::sqrt(g.value / g.count);
        break;
      case AggOp::kQuantile: {
        std::vector<double> vals;
        for (const auto& e : g.items) vals.push_back(e.v);
        g.value = Quantile(param, std::move(vals));
        break;
      }
      case AggOp::kTopk:
      case AggOp::kBottomk: {
        bool top = op == AggOp::kTopk;
        // NaN sorts as the smallest value for both.
        auto better = [top](const Element& a, const Element& b) {
          if (std::isnan(a.v)) return false;
          if (std::isnan(b.v)) return true;
          return top ? a.v > b.v : a.v < b.v;
        };
        std::stable_sort(g.items.begin(), g.items.end(), better);
        if (g.items.size() > static_cast<size_t>(k)) g.items.resize(static_cast<size_t>(k));
        for (auto& e : g.items) {
          e.t_ms = t;
          out.vector.push_back(std::move(e));
        }
        continue;
      }
      default:
        break;
    }
    out.vector.push_back(Element{std::move(g.labels), g.value, t});
  }
  if ((op == AggOp::kSum || op == AggOp::kAvg) && !histograms.empty())
    AggregateHistograms(n, op == AggOp::kAvg, histograms, t, &out.vector);
  return out;
}

void Evaluator::AggregateHistograms(const Node& n, bool average, const Vector& in, int64_t t,
                                    Vector* out) {
  std::vector<std::pair<store::Labels, std::vector<const store::NativeHistogram*>>> groups;
  std::unordered_map<uint64_t, size_t> index;
  for (const auto& e : in) {
    store::Labels gl = GroupLabels(e.metric, n);
    auto [it, inserted] = index.emplace(store::HashLabels(gl), groups.size());
    if (inserted) groups.emplace_back(std::move(gl), std::vector<const store::NativeHistogram*>{});
    groups[it->second].second.push_back(e.h.get());
  }
  std::unordered_map<uint64_t, size_t> floats;
  for (size_t i = 0; i < out->size(); ++i) floats.emplace(store::HashLabels((*out)[i].metric), i);
  std::vector<bool> mixed(out->size(), false);
  for (auto& [labels, hs] : groups) {
    auto f = floats.find(store::HashLabels(labels));
    if (f != floats.end()) {
      mixed[f->second] = true;
      continue;
    }
    out->emplace_back(std::move(labels), 0, t,
                      std::make_shared<const store::NativeHistogram>(SumHistograms(hs, average)));
  }
  size_t i = 0;
  std::erase_if(*out, [&](const Element&) { return i < mixed.size() && mixed[i++]; });
}

}  // namespace otter::query::promql
