// BuildPolicy and the policies made of policies: and, drop, composite.
#include "processors/tail_sampling/policy.h"

#include <algorithm>
#include <map>

namespace otter::tailsampling {
namespace {

// `and` (every sub-policy samples: sampled) and `drop` (every sub-policy samples: dropped); any
// "not sampled" answer, inverted or not, makes the trace not sampled.
class AllOf final : public PolicyEvaluator {
 public:
  AllOf(std::vector<std::unique_ptr<PolicyEvaluator>> subs, Decision all)
      : subs_(std::move(subs)), all_(all) {}
  Decision Evaluate(const TraceView& t, const EvalContext& ctx) override {
    for (auto& s : subs_) {
      Decision d = s->Evaluate(t, ctx);
      if (d == Decision::kError) return d;
      if (d == Decision::kNotSampled || d == Decision::kInvertNotSampled)
        return Decision::kNotSampled;
    }
    return all_;
  }

 private:
  std::vector<std::unique_ptr<PolicyEvaluator>> subs_;
  Decision all_;
};

// The first sub-policy that samples decides, within its share of spans per second and the total.
class Composite final : public PolicyEvaluator {
 public:
  struct Sub {
    std::unique_ptr<PolicyEvaluator> eval;
    int64_t allocated = 0;  // spans per second
    int64_t sampled = 0;    // in the current second
  };
  Composite(int64_t max_total, std::vector<Sub> subs)
      : max_total_(max_total), subs_(std::move(subs)) {}
  Decision Evaluate(const TraceView& t, const EvalContext& ctx) override {
    if (int64_t s = ctx.Second(); s != second_) {
      second_ = s;
      for (auto& sub : subs_) sub.sampled = 0;
    }
    for (auto& sub : subs_) {
      Decision d = sub.eval->Evaluate(t, ctx);
      if (d == Decision::kError) return d;
      if (d == Decision::kSampled || d == Decision::kInvertSampled) {
        int64_t if_sampled = sub.sampled + t.span_count;
        if (if_sampled <= sub.allocated && if_sampled <= max_total_) {
          sub.sampled = if_sampled;
          return Decision::kSampled;
        }
        return Decision::kNotSampled;
      }
    }
    return Decision::kNotSampled;
  }

 private:
  int64_t max_total_;
  std::vector<Sub> subs_;
  int64_t second_ = -1;
};

const PolicyType* FindType(std::string_view name) {
  for (const auto& t : PolicyTypes())
    if (t.name == name) return &t;
  return nullptr;
}

std::string Scalar(const config::Node& entry, std::string_view key) {
  const config::Node* n = entry.Find(key);
  return n && n->kind == config::Node::Kind::kScalar ? n->scalar : "";
}

std::vector<std::unique_ptr<PolicyEvaluator>> BuildList(const config::Node* list,
                                                        const config::Node& at,
                                                        std::string_view key, PolicyLevel level,
                                                        config::Diagnostics& d, bool* ok) {
  std::vector<std::unique_ptr<PolicyEvaluator>> out;
  if (!list || list->kind != config::Node::Kind::kSeq || list->seq.empty()) {
    d.Error(list && list->line ? *list : at, std::string(key) + " must be a non-empty list");
    *ok = false;
    return out;
  }
  for (const auto& e : list->seq) {
    auto p = BuildPolicy(e, level, d);
    if (!p) *ok = false;
    out.push_back(std::move(p));
  }
  return out;
}

std::unique_ptr<PolicyEvaluator> BuildComposite(const config::Node* section,
                                                const config::Node& entry, config::Diagnostics& d) {
  const config::Node& at = section ? *section : entry;
  if (!section || !section->IsMap()) {
    d.Error(at, "composite: the composite section is required");
    return nullptr;
  }
  int64_t max_total = 0;
  bool ok = true;
  const config::Node* subs = nullptr;
  std::map<std::string, int64_t> percent;
  for (const auto& [key, value] : section->map) {
    if (key == "max_total_spans_per_second") {
      ok = config::ParseValue(value, max_total, d) && ok;
    } else if (key == "policy_order") {
      std::vector<std::string> order;
      ok = config::ParseValue(value, order, d) && ok;
    } else if (key == "composite_sub_policy") {
      subs = &value;
    } else if (key == "rate_allocation") {
      if (value.kind != config::Node::Kind::kSeq) {
        d.Error(value, "rate_allocation must be a list of {policy, percent}");
        ok = false;
        continue;
      }
      for (const auto& a : value.seq) {
        int64_t pct = 0;
        const config::Node* p = a.Find("percent");
        if (p) ok = config::ParseValue(*p, pct, d) && ok;
        percent[Scalar(a, "policy")] = pct;
      }
    } else {
      d.Error(value, "unknown key \"" + key +
                         "\" (valid keys: max_total_spans_per_second, policy_order, "
                         "composite_sub_policy, rate_allocation)");
      ok = false;
    }
  }
  auto evals = BuildList(subs, at, "composite_sub_policy", PolicyLevel::kCompositeSub, d, &ok);
  if (!ok) return nullptr;
  std::vector<Composite::Sub> list;
  for (size_t i = 0; i < evals.size(); ++i) {
    Composite::Sub s;
    s.eval = std::move(evals[i]);
    // Sub-policies without a rate_allocation get no share; a percentage <= 0 means an equal share
    // (otelcol's rule).
    std::string name = Scalar(subs->seq[i], "name");
    if (auto it = percent.find(name); it != percent.end()) {
      double sps = it->second > 0
                       ? static_cast<double>(it->second) / 100 * static_cast<double>(max_total)
                       : static_cast<double>(max_total) / static_cast<double>(evals.size());
      s.allocated = static_cast<int64_t>(sps);
    }
    list.push_back(std::move(s));
  }
  return std::make_unique<Composite>(max_total, std::move(list));
}

}  // namespace

std::string_view DecisionName(Decision d) {
  switch (d) {
    case Decision::kUnspecified:
      return "unspecified";
    case Decision::kPending:
      return "pending";
    case Decision::kSampled:
      return "sampled";
    case Decision::kNotSampled:
      return "not_sampled";
    case Decision::kDropped:
      return "dropped";
    case Decision::kError:
      return "error";
    case Decision::kInvertSampled:
      return "invert_sampled";
    case Decision::kInvertNotSampled:
      return "invert_not_sampled";
  }
  return "";
}

std::unique_ptr<PolicyEvaluator> BuildPolicy(const config::Node& entry, PolicyLevel level,
                                             config::Diagnostics& d) {
  if (!entry.IsMap()) {
    d.Error(entry, "a policy must be a map with name, type and the type's settings");
    return nullptr;
  }
  std::vector<std::string> keys = {"name", "type"};
  for (const auto& t : PolicyTypes()) keys.push_back(t.name);
  if (level != PolicyLevel::kAndSub) keys.push_back("and");
  if (level == PolicyLevel::kTop) {
    keys.push_back("composite");
    keys.push_back("drop");
  }
  for (const auto& [key, value] : entry.map) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      std::string near = config::NearestName(key, keys);
      d.Error(value.line ? value : entry,
              "unknown key \"" + key + "\" in policy" +
                  (near.empty() ? "" : "; did you mean \"" + near + "\"?"));
      return nullptr;
    }
  }
  std::string type = Scalar(entry, "type");
  const config::Node* type_node = entry.Find("type");
  const config::Node& type_at = type_node ? *type_node : entry;
  const config::Node* section = entry.Find(type);
  bool ok = true;
  if (type == "and" && level != PolicyLevel::kAndSub) {
    const config::Node* list = section ? section->Find("and_sub_policy") : nullptr;
    auto subs = BuildList(list, section ? *section : entry, "and.and_sub_policy",
                          PolicyLevel::kAndSub, d, &ok);
    return ok ? std::make_unique<AllOf>(std::move(subs), Decision::kSampled) : nullptr;
  }
  if (type == "drop" && level == PolicyLevel::kTop) {
    const config::Node* list = section ? section->Find("drop_sub_policy") : nullptr;
    auto subs = BuildList(list, section ? *section : entry, "drop.drop_sub_policy",
                          PolicyLevel::kAndSub, d, &ok);
    return ok ? std::make_unique<AllOf>(std::move(subs), Decision::kDropped) : nullptr;
  }
  if (type == "composite" && level == PolicyLevel::kTop) return BuildComposite(section, entry, d);
  const PolicyType* t = FindType(type);
  if (!t) {
    d.Error(type_at,
            type.empty() ? "policy type must be set" : "unknown sampling policy type " + type);
    return nullptr;
  }
  return t->build(section, entry, d);
}

}  // namespace otter::tailsampling
