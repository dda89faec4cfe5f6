// Condition: the `if` expressions of stanza operators (expr-lang), the subset logs pipelines
// use: field paths (body, body.x, attributes.x, attributes["x.y"], resource.x), string, number,
// true/false/nil literals, == != < <= > >=, matches (RE2), contains, startsWith, endsWith,
// and/&&, or/||, not/!, parentheses. Parsed once from config; Eval is const.
// Thread-safety: immutable after Parse.
#pragma once

#include <memory>
#include <string_view>

#include "common/status.h"
#include "receivers/filelog/entry.h"

namespace otter::filelog {

class Condition {
 public:
  struct Node;
  static StatusOr<std::unique_ptr<Condition>> Parse(std::string_view text);
  ~Condition();
  bool Eval(const Entry& e) const;

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace otter::filelog
