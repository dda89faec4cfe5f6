// RuleManager: runs the rule groups of one language (PromQL or LogQL) — each evaluated every
// `interval` at multiples of it, newest missed slot only, as Prometheus skips missed iterations —
// hands due alerts to the Notifier, and serves the rules API (query/rule_listing.h). Update()
// swaps in the groups of reloaded rule files, carrying the alerts of unchanged rules over.
// Time comes from `now_ms` and RunDue(now) is the whole evaluation step, so tests drive it with a
// fake clock; Start() runs it on a thread against the wall clock.
// Thread-safety: all public methods may be called from any thread (one mutex guards the groups).
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "query/rule_listing.h"
#include "rules/notifier.h"
#include "rules/rule_group.h"

namespace otter::rules {

class RuleManager final : public query::RuleListing {
 public:
  // `env` and `notifier` (may be null) must outlive the manager.
  RuleManager(const RuleEnv& env, Notifier* notifier, std::function<int64_t()> now_ms = nullptr);
  ~RuleManager() override;

  void Update(std::vector<GroupSpec> groups);
  // Evaluates each group whose next slot is at or before `now_ms`, at that slot's time.
  void RunDue(int64_t now_ms);
  void Start();
  void Stop();

  std::string RulesJson(const query::RuleFilter& filter) const override;
  std::string AlertsJson() const override;
  std::string RuleGroupsYaml(std::string_view ns) const override;

  size_t group_count() const;

 private:
  struct Slot {
    std::unique_ptr<RuleGroup> group;
    int64_t next_ms = 0;  // 0 = at the first RunDue
  };
  void Loop();

  const RuleEnv& env_;
  Notifier* notifier_;
  std::function<int64_t()> now_ms_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot> slots_;  // GUARDED_BY(mu_)
  bool stopping_ = false;    // GUARDED_BY(mu_)
  std::mutex eval_mu_;       // one evaluation pass at a time
  std::thread thread_;
};

}  // namespace otter::rules
