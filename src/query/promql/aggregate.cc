// Aggregation operators (sum, avg, topk, quantile, count_values, ...) of the evaluator.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "query/go_parse.h"
#include "query/json_writer.h"
#include "query/promql/evaluator.h"
#include "query/promql/functions.h"
#include "query/promql/go_compat.h"
#include "query/promql/histograms.h"

namespace otter::query::promql {
namespace {

bool Listed(const std::vector<std::string>& names, std::string_view n) {
  return std::find(names.begin(), names.end(), n) != names.end();
}

bool InGroup(const store::Label& lb, const Node& n) {
  bool listed = Listed(n.grouping, lb.name);
  return n.without ? (!listed && lb.name != "__name__") : listed;
}

store::Labels GroupLabels(const store::Labels& l, const Node& n) {
  store::Labels out;
  for (const auto& lb : l)
    if (InGroup(lb, n)) out.push_back(lb);
  return out;
}

struct Group {
  store::Labels labels;
  double value = 0;
  double c = 0;  // Kahan compensation of value (sum, avg) or of mean (incremental avg)
  double mean = 0;
  double count = 0;
  bool incremental_mean = false;  // avg: the plain sum overflowed
  std::vector<Element> items;     // topk/bottomk/limitk/limit_ratio/quantile
};

// XXH64 with seed 0 (the xxHash specification), as Prometheus hashes label sets.
uint64_t XxHash64(std::string_view data) {
  constexpr uint64_t kP1 = 0x9E3779B185EBCA87ull, kP2 = 0xC2B2AE3D27D4EB4Full,
                     kP3 = 0x165667B19E3779F9ull, kP4 = 0x85EBCA77C2B2AE63ull,
                     kP5 = 0x27D4EB2F165667C5ull;
  auto rotl = [](uint64_t x, int r) { return (x << r) | (x >> (64 - r)); };
  auto read64 = [&](size_t i) {
    uint64_t v;
    std::memcpy(&v, data.data() + i, 8);
    return v;
  };
  auto round = [&](uint64_t acc, uint64_t in) { return rotl(acc + in * kP2, 31) * kP1; };
  size_t i = 0, n = data.size();
  uint64_t h;
  if (n >= 32) {
    uint64_t v1 = kP1 + kP2, v2 = kP2, v3 = 0, v4 = 0 - kP1;
    for (; i + 32 <= n; i += 32) {
      v1 = round(v1, read64(i));
      v2 = round(v2, read64(i + 8));
      v3 = round(v3, read64(i + 16));
      v4 = round(v4, read64(i + 24));
    }
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    for (uint64_t v : {v1, v2, v3, v4}) h = (h ^ round(0, v)) * kP1 + kP4;
  } else {
    h = kP5;
  }
  h += n;
  for (; i + 8 <= n; i += 8) h = rotl(h ^ round(0, read64(i)), 27) * kP1 + kP4;
  if (i + 4 <= n) {
    uint32_t v;
    std::memcpy(&v, data.data() + i, 4);
    h = rotl(h ^ (uint64_t{v} * kP1), 23) * kP2 + kP3;
    i += 4;
  }
  for (; i < n; ++i) h = rotl(h ^ (uint64_t{static_cast<uint8_t>(data[i])} * kP5), 11) * kP1;
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

// limit_ratio's choice: a series' place in [0, 1) from the hash of its labels (name \xff value
// \xff ...), so the same series are chosen at every step and by every replica.
bool InRatio(const store::Labels& labels, double ratio) {
  std::string buf;
  for (const auto& l : labels) {
    buf += l.name;
    buf += '\xff';
    buf += l.value;
    buf += '\xff';
  }
  double offset = static_cast<double>(XxHash64(buf)) / 18446744073709551615.0;
  return (ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1.0 + ratio);
}

// The first value of a group.
void StartGroup(Group& g, AggOp op, double v) {
  g.value = v;
  g.mean = v;
  g.count = 1;
  if (op == AggOp::kStddev || op == AggOp::kStdvar)
    g.value = std::isnan(v) || std::isinf(v) ? std::nan("") : 0;
  if (op == AggOp::kCount || op == AggOp::kCountValues || op == AggOp::kGroup) g.value = 1;
}

// A further value of a group, for the operators that keep no elements.
void AddToGroup(Group& g, AggOp op, double v) {
  switch (op) {
    case AggOp::kSum:
      KahanSumInc(v, &g.value, &g.c);
      break;
    case AggOp::kAvg: {
      g.count += 1;
      if (!g.incremental_mean) {
        double sum = g.value, c = g.c;
        KahanSumInc(v, &sum, &c);
        if (!std::isinf(sum)) {
          g.value = sum;
          g.c = c;
          break;
        }
        // The sum overflows: continue with a compensated incremental mean.
        g.incremental_mean = true;
        g.mean = g.value / (g.count - 1);
        g.c /= g.count - 1;
      }
      double q = (g.count - 1) / g.count;
      g.mean *= q;
      g.c *= q;
      KahanSumInc(v / g.count, &g.mean, &g.c);
      break;
    }
    case AggOp::kMax:
      if (g.value < v || std::isnan(g.value)) g.value = v;
      break;
    case AggOp::kMin:
      if (g.value > v || std::isnan(g.value)) g.value = v;
      break;
    case AggOp::kCount:
    case AggOp::kCountValues:
      g.value += 1;
      break;
    case AggOp::kStddev:
    case AggOp::kStdvar: {
      g.count += 1;
      double delta = v - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (v - g.mean);
      break;
    }
    default:  // group; the others keep elements
      break;
  }
}

// A group's result, for the operators that keep no elements.
double GroupResult(const Group& g, AggOp op) {
  switch (op) {
    case AggOp::kSum:
      return std::isinf(g.value) ? g.value : g.value + g.c;
    case AggOp::kAvg:
      return g.incremental_mean ? g.mean + g.c : g.value / g.count + g.c / g.count;
    case AggOp::kStdvar:
      return g.value / g.count;
    case AggOp::kStddev:
      return std::sqrt(g.value / g.count);
    default:
      return g.value;
  }
}

// Prometheus's value orders: NaN lowest for both.
bool ByValue(const Element& a, const Element& b) { return std::isnan(a.v) || a.v < b.v; }
bool ByReverseValue(const Element& a, const Element& b) { return std::isnan(a.v) || a.v > b.v; }

}  // namespace

StatusOr<bool> Evaluator::EvalAggregateOfPrecomputed(const Node& n, int64_t t, Value* out) {
  AggOp op = n.agg_op;
  if (op != AggOp::kSum && op != AggOp::kAvg && op != AggOp::kMin && op != AggOp::kMax &&
      op != AggOp::kCount && op != AggOp::kGroup && op != AggOp::kStddev && op != AggOp::kStdvar)
    return false;
  const Node& call = StripParens(*n.children[0]);
  // Calls whose scalar arguments would be checked (and annotated) at every step are left to
  // EvalCall.
  if (call.kind != NodeKind::kCall || call.children.size() != 1) return false;
  size_t step = 0;
  ASSIGN_OR_RETURN(const SelectorCall* c, PrecomputedCall(call, t, &step));
  // Histogram series and repeated label sets (an error at a step where both have values) take
  // the general path.
  if (c == nullptr || !c->all_floats || !c->distinct) return false;
  size_t series = c->labels.size();
  auto [it, inserted] = series_groups_.try_emplace(&n);
  SeriesGroups& sg = it->second;
  if (inserted) {
    // Grouped as EvalAggregate groups the call's elements: by the hash of their group labels.
    std::unordered_map<uint64_t, uint32_t> index;
    sg.group_of.reserve(series);
    for (const auto& l : c->labels) {
      uint64_t hash =
          store::HashLabelsWhere(l, [&n](const store::Label& lb) { return InGroup(lb, n); });
      auto [g, added] = index.emplace(hash, static_cast<uint32_t>(sg.labels.size()));
      if (added) sg.labels.push_back(GroupLabels(l, n));
      sg.group_of.push_back(g->second);
    }
  }
  // The groups in the order their first element comes at this step, as EvalAggregate has them.
  std::vector<int32_t> slot(sg.labels.size(), -1);
  std::vector<Group> groups;
  std::vector<uint32_t> order;
  const Node& arg = StripParens(*call.children[0]);
  const auto& data = data_[arg.children[0].get()];
  for (size_t i = 0; i < series; ++i) {
    size_t pos = step * series + i;
    if (!c->has[pos]) continue;
    double v = c->values[pos];
    if (c->warn[i]) WarnIfNotCounter(store::GetLabel(data[i].labels, "__name__"), arg.pos);
    uint32_t g = sg.group_of[i];
    if (slot[g] < 0) {
      slot[g] = static_cast<int32_t>(groups.size());
      groups.emplace_back();
      order.push_back(g);
      StartGroup(groups.back(), op, v);
    } else {
      AddToGroup(groups[static_cast<size_t>(slot[g])], op, v);
    }
  }
  out->type = ValueType::kVector;
  for (size_t k = 0; k < groups.size(); ++k)
    out->vector.push_back(Element{sg.labels[order[k]], GroupResult(groups[k], op), t});
  return true;
}

StatusOr<Value> Evaluator::EvalAggregate(const Node& n, int64_t t) {
  if (!n.param) {
    Value out;
    ASSIGN_OR_RETURN(bool done, EvalAggregateOfPrecomputed(n, t, &out));
    if (done) return out;
  }
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
    return ExecError("invalid label name " + query::GoQuote(label_param));
  int64_t k = 0;
  double ratio = 0;
  if (op == AggOp::kTopk || op == AggOp::kBottomk || op == AggOp::kLimitK) {
    if (param < 1) return out;
    if (std::isnan(param)) return ExecError("Parameter value is NaN");
    if (param >= 9223372036854775807.0)
      return ExecError("Scalar value " + FormatGoFloat(param) + " overflows int64");
    k = static_cast<int64_t>(param);
  }
  if (op == AggOp::kLimitRatio) {
    if (param == 0) return out;
    if (std::isnan(param)) return ExecError("Ratio value is NaN");
    ratio = std::clamp(param, -1.0, 1.0);
    if (param != ratio)
      annotations_.AddWarning("PromQL warning: ratio value should be between -1 and 1, got " +
                                  FormatGoFloat(param) + ", capping to " + FormatGoFloat(ratio),
                              n.param->pos);
  }
  if (op == AggOp::kQuantile && !(param >= 0 && param <= 1))
    annotations_.AddWarning(
        "PromQL warning: quantile value should be between 0 and 1, got " + FormatGoFloat(param),
        n.param->pos);

  std::vector<Group> groups;
  std::unordered_map<uint64_t, size_t> index;
  for (auto& e : in.vector) {
    // Other than count_values, a group's labels are built only for its first element.
    store::Labels gl;
    uint64_t hash;
    if (op == AggOp::kCountValues) {
      // The value becomes a label first, so that by/without see it.
      store::Labels with_value = e.metric;
      store::SetLabel(with_value, label_param, FormatPromFloat(e.v));
      gl = GroupLabels(with_value, n);
      if (!n.without) store::SetLabel(gl, label_param, FormatPromFloat(e.v));
      hash = store::HashLabels(gl);
    } else {
      hash =
          store::HashLabelsWhere(e.metric, [&n](const store::Label& lb) { return InGroup(lb, n); });
    }
    auto [it, inserted] = index.emplace(hash, groups.size());
    if (inserted) {
      Group g;
      g.labels = op == AggOp::kCountValues ? std::move(gl) : GroupLabels(e.metric, n);
      StartGroup(g, op, e.v);
      if (op == AggOp::kTopk || op == AggOp::kBottomk || op == AggOp::kQuantile ||
          op == AggOp::kLimitK)
        g.items.push_back(e);
      if (op == AggOp::kLimitRatio && InRatio(e.metric, ratio)) g.items.push_back(e);
      groups.push_back(std::move(g));
      continue;
    }
    Group& g = groups[it->second];
    switch (op) {
      case AggOp::kTopk:
      case AggOp::kBottomk: {
        // The k best so far in a heap with the worst on top, exactly as Prometheus keeps
        // them: which of equal values survive depends on the heap's layout.
        auto& less = op == AggOp::kTopk ? ByValue : ByReverseValue;
        bool better = op == AggOp::kTopk ? g.items[0].v < e.v : g.items[0].v > e.v;
        if (g.items.size() < static_cast<size_t>(k)) {
          GoHeapPush(g.items, e, less);
        } else if (better || (std::isnan(g.items[0].v) && !std::isnan(e.v))) {
          g.items[0] = e;
          if (k > 1) GoHeapFixTop(g.items, less);
        }
        break;
      }
      case AggOp::kQuantile:
        g.items.push_back(e);
        break;
      case AggOp::kLimitK:
        if (g.items.size() < static_cast<size_t>(k)) GoHeapPush(g.items, e, ByValue);
        break;
      case AggOp::kLimitRatio:
        if (InRatio(e.metric, ratio)) GoHeapPush(g.items, e, ByValue);
        break;
      default:
        AddToGroup(g, op, e.v);
        break;
    }
  }

  for (auto& g : groups) {
    switch (op) {
      case AggOp::kQuantile: {
        std::vector<double> vals;
        for (const auto& e : g.items) vals.push_back(e.v);
        g.value = Quantile(param, std::move(vals));
        break;
      }
      case AggOp::kTopk:
      case AggOp::kBottomk:
      case AggOp::kLimitK:
      case AggOp::kLimitRatio: {
        // Best first: the heap sorted by its reversed order.
        if (op == AggOp::kTopk)
          GoSort(g.items, [](const Element& a, const Element& b) { return ByValue(b, a); });
        if (op == AggOp::kBottomk)
          GoSort(g.items, [](const Element& a, const Element& b) { return ByReverseValue(b, a); });
        for (auto& e : g.items) {
          e.t_ms = t;
          out.vector.push_back(std::move(e));
        }
        continue;
      }
      default:
        g.value = GroupResult(g, op);
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
