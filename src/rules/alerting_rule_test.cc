#include "rules/alerting_rule.h"

#include <gtest/gtest.h>

namespace otter::rules {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kMin = 60'000;

RuleSpec Spec(int64_t for_ms, int64_t keep_ms) {
  RuleSpec r;
  r.alert = "HighLatency";
  r.expr = "latency > 1";
  r.for_ms = for_ms;
  r.keep_firing_for_ms = keep_ms;
  r.labels = {{"severity", "page"}};
  r.annotations = {{"summary", "{{ $labels.job }} at {{ $value }}s"}};
  return r;
}

std::vector<RuleSample> Hit(double v = 2) {
  return {{{{"__name__", "latency"}, {"job", "api"}}, v}};
}

const Alert& Only(const AlertingRule& r) {
  EXPECT_EQ(r.active().size(), 1u);
  return r.active().begin()->second;
}

TEST(AlertingRuleTest, PendingThenFiringAfterForThenResolved) {
  AlertingRule rule(Spec(2 * kMin, 0), {}, "");
  ASSERT_TRUE(rule.Apply(Hit(), kT0, 0).ok());
  EXPECT_EQ(Only(rule).state, AlertState::kPending);
  EXPECT_EQ(Only(rule).labels,
            (store::Labels{{"alertname", "HighLatency"}, {"job", "api"}, {"severity", "page"}}));
  EXPECT_EQ(Only(rule).annotations, (store::Labels{{"summary", "api at 2s"}}));
  EXPECT_TRUE(rule.DueForSending(kT0, kMin, kMin).empty());  // pending: not sent

  ASSERT_TRUE(rule.Apply(Hit(3), kT0 + kMin, 0).ok());
  EXPECT_EQ(Only(rule).state, AlertState::kPending);
  ASSERT_TRUE(rule.Apply(Hit(4), kT0 + 2 * kMin, 0).ok());
  EXPECT_EQ(Only(rule).state, AlertState::kFiring);
  EXPECT_EQ(Only(rule).fired_at_ms, kT0 + 2 * kMin);
  EXPECT_EQ(Only(rule).active_at_ms, kT0);
  EXPECT_EQ(Only(rule).annotations, (store::Labels{{"summary", "api at 4s"}}));

  auto sent = rule.DueForSending(kT0 + 2 * kMin, kMin, kMin);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].valid_until_ms, kT0 + 6 * kMin);
  // Not again until resend_delay has passed (strictly).
  EXPECT_TRUE(rule.DueForSending(kT0 + 3 * kMin, kMin, kMin).empty());
  EXPECT_EQ(rule.DueForSending(kT0 + 3 * kMin + 1, kMin, kMin).size(), 1u);

  // The series disappears: resolved, sent once as resolved, kept 15m, then forgotten.
  ASSERT_TRUE(rule.Apply({}, kT0 + 4 * kMin, 0).ok());
  EXPECT_EQ(Only(rule).state, AlertState::kInactive);
  EXPECT_EQ(Only(rule).resolved_at_ms, kT0 + 4 * kMin);
  auto resolved = rule.DueForSending(kT0 + 4 * kMin, kMin, kMin);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].resolved_at_ms, kT0 + 4 * kMin);
  ASSERT_TRUE(rule.Apply({}, kT0 + 19 * kMin, 0).ok());
  EXPECT_EQ(rule.active().size(), 1u);
  ASSERT_TRUE(rule.Apply({}, kT0 + 19 * kMin + 1, 0).ok());
  EXPECT_TRUE(rule.active().empty());
}

TEST(AlertingRuleTest, PendingAlertThatStopsIsForgotten) {
  AlertingRule rule(Spec(5 * kMin, 0), {}, "");
  ASSERT_TRUE(rule.Apply(Hit(), kT0, 0).ok());
  ASSERT_TRUE(rule.Apply({}, kT0 + kMin, 0).ok());
  EXPECT_TRUE(rule.active().empty());
  // It starts over: `for` counts from the new activation.
  ASSERT_TRUE(rule.Apply(Hit(), kT0 + 2 * kMin, 0).ok());
  EXPECT_EQ(Only(rule).active_at_ms, kT0 + 2 * kMin);
}

TEST(AlertingRuleTest, KeepFiringForHoldsAFiringAlert) {
  AlertingRule rule(Spec(0, 3 * kMin), {}, "");
  ASSERT_TRUE(rule.Apply(Hit(), kT0, 0).ok());
  EXPECT_EQ(Only(rule).state, AlertState::kFiring);  // for: 0 fires at once
  ASSERT_TRUE(rule.Apply({}, kT0 + kMin, 0).ok());
  EXPECT_EQ(Only(rule).state, AlertState::kFiring);
  EXPECT_EQ(Only(rule).keep_firing_since_ms, kT0 + kMin);
  // Back within keep_firing_for: the clock resets.
  ASSERT_TRUE(rule.Apply(Hit(), kT0 + 2 * kMin, 0).ok());
  EXPECT_EQ(Only(rule).keep_firing_since_ms, 0);
  ASSERT_TRUE(rule.Apply({}, kT0 + 3 * kMin, 0).ok());
  ASSERT_TRUE(rule.Apply({}, kT0 + 5 * kMin, 0).ok());
  EXPECT_EQ(Only(rule).state, AlertState::kFiring);  // 2m of the 3m
  ASSERT_TRUE(rule.Apply({}, kT0 + 6 * kMin, 0).ok());
  EXPECT_EQ(Only(rule).state, AlertState::kInactive);
  EXPECT_EQ(Only(rule).resolved_at_ms, kT0 + 6 * kMin);
}

TEST(AlertingRuleTest, DuplicateLabelSetsAndLimitFail) {
  RuleSpec spec = Spec(0, 0);
  AlertingRule rule(spec, {}, "");
  // Two series that differ only by __name__ collide once it is dropped.
  std::vector<RuleSample> dup = {{{{"__name__", "a"}, {"job", "api"}}, 1},
                                 {{{"__name__", "b"}, {"job", "api"}}, 1}};
  Status s = rule.Apply(dup, kT0, 0);
  EXPECT_EQ(s.message(),
            "vector contains metrics with the same labelset after applying alert labels");
  std::vector<RuleSample> two = {{{{"job", "a"}}, 1}, {{{"job", "b"}}, 1}};
  s = rule.Apply(two, kT0, 1);
  EXPECT_EQ(s.message(), "exceeded limit of 1 with 2 alerts");
  EXPECT_TRUE(rule.active().empty());
}

TEST(AlertingRuleTest, StateCarriesOverAReload) {
  AlertingRule old(Spec(0, 0), {}, "");
  ASSERT_TRUE(old.Apply(Hit(), kT0, 0).ok());
  (void)old.DueForSending(kT0, kMin, kMin);
  AlertingRule fresh(Spec(0, 0), {}, "");
  fresh.TakeStateFrom(std::move(old));
  ASSERT_TRUE(fresh.Apply(Hit(), kT0 + kMin, 0).ok());
  EXPECT_EQ(Only(fresh).fired_at_ms, kT0);
  EXPECT_TRUE(fresh.DueForSending(kT0 + kMin, kMin, kMin).empty());  // not re-sent
}

}  // namespace
}  // namespace otter::rules
