// Tail-sampling policies: what a policy sees of a trace, the decisions it can return (otelcol's
// set, inverted ones included) and the table of policy types, each a config parser that builds an
// evaluator. A new type (e.g. ottl_condition) is one more entry in PolicyTypes(); the processor and
// the composite / and / drop policies need no change.
// Thread-safety: evaluators are called only from the decision thread; they may keep state
// (rate limiters) without locking.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/node.h"
#include "config/table.h"
#include "pdata/trace.h"

namespace otter::tailsampling {

enum class Decision : uint8_t {
  kUnspecified,
  kPending,
  kSampled,
  kNotSampled,
  kDropped,
  kError,
  kInvertSampled,
  kInvertNotSampled,
};
std::string_view DecisionName(Decision d);  // "sampled", "not_sampled", "dropped", ...

// A trace as policies see it: every span received for it so far.
struct TraceView {
  pdata::TraceId id;
  const std::vector<pdata::ResourceSpans>* resources = nullptr;
  int64_t span_count = 0;
  uint64_t bytes = 0;  // estimated size of its spans (bytes_limiting)
};

struct EvalContext {
  std::chrono::steady_clock::time_point now;
  int64_t Second() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  }
};

class PolicyEvaluator {
 public:
  virtual ~PolicyEvaluator() = default;
  virtual Decision Evaluate(const TraceView& trace, const EvalContext& ctx) = 0;
};

// Where a policy is used: sub-policies of `and` / `drop` may only be leaf types; `composite`
// sub-policies may also be `and`; top-level policies may be anything.
enum class PolicyLevel { kTop, kCompositeSub, kAndSub };

// Parses a policy list entry (a map with name, type and the type's own section) and builds its
// evaluator; reports errors at their file:line into `d` and returns null on error.
std::unique_ptr<PolicyEvaluator> BuildPolicy(const config::Node& entry, PolicyLevel level,
                                             config::Diagnostics& d);

// A leaf policy type: parses its section (`entry.Find(name)`, may be null) and builds.
struct PolicyType {
  std::string name;
  std::function<std::unique_ptr<PolicyEvaluator>(const config::Node* section,
                                                 const config::Node& entry, config::Diagnostics&)>
      build;
  std::vector<config::FieldDoc> docs;
};
const std::vector<PolicyType>& PolicyTypes();
// ottl_condition (policy_ottl.cc).
PolicyType OttlConditionPolicyType();

// Helpers shared by the policies (policy_*.cc).
template <class F>
bool AnySpan(const TraceView& t, F&& f) {
  for (const auto& rs : *t.resources)
    for (const auto& ss : rs.scope_spans)
      for (const auto& span : ss.spans)
        if (f(span)) return true;
  return false;
}

// FNV-1a-64 of salt then trace id compared with uint64(MaxUint64 * pct/100) rounded to 64
// significant bits (Go's big.Float), as the Go probabilistic policy computes it.
uint64_t ProbabilisticThreshold(double sampling_percentage);
uint64_t ProbabilisticHash(std::string_view salt, const pdata::TraceId& id);

}  // namespace otter::tailsampling
