#include "processors/tail_sampling/config.h"

#include <set>

#include "processors/tail_sampling/policy.h"

namespace otter {
namespace {

void ParsePolicies(const config::Node& n, TailSamplingConfig& c, config::Diagnostics& d) {
  if (n.kind != config::Node::Kind::kSeq) {
    d.Error(n, "policies must be a list");
    return;
  }
  std::set<std::string> names;
  for (const auto& entry : n.seq) {
    const config::Node* name = entry.IsMap() ? entry.Find("name") : nullptr;
    if (!name || name->scalar.empty()) {
      d.Error(entry, "policy name cannot be empty");
      continue;
    }
    if (!names.insert(name->scalar).second) {
      d.Error(*name, "duplicate policy name \"" + name->scalar + "\"");
      continue;
    }
    if (tailsampling::BuildPolicy(entry, tailsampling::PolicyLevel::kTop, d))
      c.policies.push_back(entry);
  }
}

}  // namespace

Status TailSamplingConfig::Validate() const {
  if (decision_wait.count() <= 0) return InvalidArgument("decision_wait must be greater than zero");
  if (num_traces == 0) return InvalidArgument("num_traces must be greater than zero");
  if (max_memory_mib == 0) return InvalidArgument("max_memory_mib must be greater than zero");
  return Status::Ok();
}

const config::Table<TailSamplingConfig>& TailSamplingConfigTable() {
  using C = TailSamplingConfig;
  static const config::Table<DecisionCacheConfig> cache =
      config::Table<DecisionCacheConfig>()
          .Field("sampled_cache_size", &DecisionCacheConfig::sampled_cache_size,
                 "trace ids remembered as sampled after the decision, so late spans are sent "
                 "(0 = off: a decided trace is remembered until num_traces evicts it)")
          .Field("non_sampled_cache_size", &DecisionCacheConfig::non_sampled_cache_size,
                 "trace ids remembered as not sampled, so late spans are dropped");
  static const config::Table<C> table =
      config::Table<C>()
          .Field("decision_wait", &C::decision_wait,
                 "time from a trace's first span to its sampling decision")
          .Field("num_traces", &C::num_traces,
                 "traces held in memory (pending or decided); the oldest is evicted above it")
          .Field("expected_new_traces_per_sec", &C::expected_new_traces_per_sec,
                 "sizing hint for the trace table")
          .Section<DecisionCacheConfig>("decision_cache", &C::decision_cache, cache,
                                        "caches of recent decisions")
          .Field("sample_on_first_match", &C::sample_on_first_match,
                 "stop evaluating policies at the first that samples")
          .Field("drop_pending_traces_on_shutdown", &C::drop_pending_traces_on_shutdown,
                 "at shutdown drop undecided traces (counted) instead of deciding them at once")
          .Field("max_memory_mib", &C::max_memory_mib,
                 "otter: bound on the estimated size of held spans, in MiB; the oldest traces "
                 "are evicted (counted) above it")
          .Custom("policies", "[]policy", "[]",
                  "sampling policies; a trace is sampled when any samples it and none drops it",
                  ParsePolicies);
  return table;
}

}  // namespace otter
