#include "store/matcher.h"

#include <re2/re2.h>

namespace otter::store {

StatusOr<LabelMatcher> LabelMatcher::Make(Op op, std::string name, std::string value) {
  LabelMatcher m;
  m.op_ = op;
  m.name_ = std::move(name);
  m.value_ = std::move(value);
  if (op == Op::kRe || op == Op::kNre) {
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_dot_nl(true);  // Prometheus compiles with (?s)
    opts.set_max_mem(8 << 20);
    auto re = std::make_shared<RE2>("^(?:" + m.value_ + ")$", opts);
    if (!re->ok()) {
      return InvalidArgument("invalid regular expression \"" + m.value_ + "\": " + re->error());
    }
    m.re_ = std::move(re);
  }
  return m;
}

bool LabelMatcher::Matches(std::string_view value) const {
  switch (op_) {
    case Op::kEq:
      return value == value_;
    case Op::kNe:
      return value != value_;
    case Op::kRe:
      return RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *re_);
    case Op::kNre:
      return !RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *re_);
  }
  return false;
}

std::string LabelMatcher::ToString() const {
  static constexpr const char* kOps[] = {"=", "!=", "=~", "!~"};
  std::string out = name_ + kOps[static_cast<int>(op_)] + "\"";
  for (char c : value_) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool MatchesAll(const Matchers& matchers, const Labels& labels) {
  for (const auto& m : matchers)
    if (!m.Matches(labels)) return false;
  return true;
}

}  // namespace otter::store
