// info() (Prometheus 3, experimental): adds the data labels of info series (target_info by
// default) to the series they describe, matched on the identifying labels instance and job.
#include <map>
#include <set>

#include "query/promql/evaluator.h"

namespace otter::query::promql {
namespace {

constexpr std::string_view kTargetInfo = "target_info";
constexpr std::string_view kIdentifyingLabels[] = {"instance", "job"};

// The info metric's name and the identifying labels the series has.
std::string InfoSignature(std::string_view info_name, const store::Labels& l) {
  std::string sig(info_name);
  for (auto name : kIdentifyingLabels) {
    auto v = store::GetLabel(l, name);
    if (v.empty()) continue;
    sig += '\xff';
    sig += name;
    sig += '\xff';
    sig += v;
  }
  return sig;
}

}  // namespace

store::Matchers Evaluator::InfoSelector(const Node& n) {
  store::Matchers out;
  bool has_name = false;
  if (n.children.size() > 1) {
    for (const auto& m : n.children[1]->matchers) {
      has_name = has_name || m.name() == "__name__";
      out.push_back(m);
    }
  }
  if (!has_name) {
    auto m = store::LabelMatcher::Make(store::LabelMatcher::Op::kEq, "__name__",
                                       std::string(kTargetInfo));
    out.insert(out.begin(), std::move(*m));
  }
  return out;
}

StatusOr<Value> Evaluator::EvalInfo(const Node& n, int64_t t) {
  ASSIGN_OR_RETURN(Value base, Eval(*n.children[0], t));
  store::Matchers selector = InfoSelector(n);
  std::vector<const store::LabelMatcher*> name_matchers;
  std::map<std::string, std::vector<const store::LabelMatcher*>> data_matchers;
  for (const auto& m : selector) {
    if (m.name() == "__name__") {
      name_matchers.push_back(&m);
    } else {
      data_matchers[m.name()].push_back(&m);
    }
  }

  // The info series present at t (newest sample in the lookback window), one per signature.
  struct InfoSample {
    const store::Labels* labels;
    int64_t t_ms;
  };
  std::map<std::string, InfoSample> infos;
  std::set<std::string> info_names;
  for (const auto& s : data_[&n]) {
    info_names.insert(std::string(store::GetLabel(s.labels, "__name__")));
    auto it = std::upper_bound(s.samples.begin(), s.samples.end(), t,
                               [](int64_t x, const store::Sample& smp) { return x < smp.t_ms; });
    if (it == s.samples.begin()) continue;
    --it;
    if (it->t_ms <= t - options_.lookback_delta_ms || IsStaleMarker(it->v)) continue;
    std::string sig = InfoSignature(store::GetLabel(s.labels, "__name__"), s.labels);
    auto [pos, inserted] = infos.emplace(sig, InfoSample{&s.labels, it->t_ms});
    if (inserted || pos->second.t_ms > it->t_ms) continue;
    if (pos->second.t_ms == it->t_ms) {
      return ExecError("found duplicate series for info metric: existing " +
                       store::LabelsToString(*pos->second.labels) + " @ " +
                       std::to_string(pos->second.t_ms) + ", new " +
                       store::LabelsToString(s.labels) + " @ " + std::to_string(it->t_ms));
    }
    pos->second = InfoSample{&s.labels, it->t_ms};
  }

  Value out;
  out.type = ValueType::kVector;
  for (auto& e : base.vector) {
    std::string_view name = store::GetLabel(e.metric, "__name__");
    bool is_info = false;
    for (const auto* m : name_matchers) is_info = is_info || m->Matches(name);
    if (is_info) {  // info series themselves pass through
      out.vector.push_back(std::move(e));
      continue;
    }
    std::map<std::string, std::string> added;
    for (const auto& info_name : info_names) {
      auto it = infos.find(InfoSignature(info_name, e.metric));
      if (it == infos.end()) continue;
      for (const auto& l : *it->second.labels) {
        if (l.name == "__name__") continue;
        if (!data_matchers.empty() && !data_matchers.count(l.name)) continue;
        auto prev = added.find(l.name);
        if (prev != added.end() && prev->second != l.value)
          return ExecError("conflicting label: " + l.name);
        if (!store::GetLabel(e.metric, l.name).empty()) continue;
        added[l.name] = l.value;
      }
    }
    if (added.empty()) {
      bool all_match_empty = true;
      for (const auto& [label, ms] : data_matchers)
        for (const auto* m : ms) all_match_empty = all_match_empty && m->Matches("");
      if (!all_match_empty) continue;
    }
    for (auto& [label, value] : added) store::SetLabel(e.metric, label, value);
    e.t_ms = t;
    out.vector.push_back(std::move(e));
  }
  RETURN_IF_ERROR(CheckNoDuplicateLabelSets(out.vector));
  return out;
}

}  // namespace otter::query::promql
