// Loki's pattern language, behind `| pattern "<ip> - <_> <msg>"` (named captures become labels)
// and the `|> "<_> error <_>"` / `!> ...` line filters (unnamed captures only): literal text and
// captures `<name>` (`<_>` captures nothing). Used by the pipeline (pipeline.cc); immutable after
// Parse, safe to share between threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otter::query::logql {

class LinePattern {
 public:
  // For `| pattern`: at least one named capture, no two captures in a row, names unique.
  static StatusOr<LinePattern> ParseExtractor(std::string_view text);
  // For `|>` / `!>`: unnamed captures only, no two in a row; "" matches only empty lines.
  static StatusOr<LinePattern> ParseFilter(std::string_view text);

  // The named captures' values, in order, as far as the line matched (a capture whose following
  // literal is missing takes the rest of the line; a line that does not start with the leading
  // literal gives nothing).
  std::vector<std::string_view> Extract(std::string_view line) const;
  // Whether the whole line matches, with non-empty captures (the line filter).
  bool Test(std::string_view line) const;

  const std::vector<std::string>& names() const { return names_; }

 private:
  struct Node {
    bool capture = false;
    std::string text;  // literal text, or the capture name ("_" for unnamed)
  };
  static StatusOr<std::vector<Node>> Lex(std::string_view text);

  std::vector<Node> nodes_;
  std::vector<std::string> names_;
};

}  // namespace otter::query::logql
