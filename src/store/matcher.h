// LabelMatcher: one `name op "value"` term of a PromQL or LogQL selector (= != =~ !~). Regexes
// use RE2 (the syntax Prometheus and Loki use; linear time, so a hostile pattern cannot stall
// the server) and are fully anchored, as in Prometheus. Immutable after Make(); safe to share
// between threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/labels.h"

namespace re2 {
class RE2;
}

namespace otter::store {

class LabelMatcher {
 public:
  enum class Op { kEq, kNe, kRe, kNre };

  // Compiles the regex for kRe/kNre; a bad pattern is InvalidArgument naming it, e.g.
  // `invalid regular expression "a(": missing ): a(`. Patterns are limited in program size.
  static StatusOr<LabelMatcher> Make(Op op, std::string name, std::string value);

  bool Matches(std::string_view value) const;
  // Matches against the label's value in `labels` (absent = "").
  bool Matches(const Labels& labels) const { return Matches(GetLabel(labels, name_)); }
  // True when this matcher also matches the empty string (Prometheus requires at least one
  // matcher in a selector that does not).
  bool MatchesEmpty() const { return Matches(std::string_view()); }

  Op op() const { return op_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }
  // `name="value"`, `name=~"value"` ... as written in PromQL.
  std::string ToString() const;

 private:
  Op op_ = Op::kEq;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;  // kRe / kNre only
};

using Matchers = std::vector<LabelMatcher>;

// All matchers match `labels`.
bool MatchesAll(const Matchers& matchers, const Labels& labels);

}  // namespace otter::store
