// LogQL syntax tree, produced by ParseQuery() (parser.h) and run by the engine (engine.h).
// Regexes and templates are compiled while parsing, so a tree that parsed can be evaluated
// without further errors from them. Immutable after parsing; safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "query/logql/ip_filter.h"
#include "query/logql/line_pattern.h"
#include "query/logql/template.h"
#include "store/matcher.h"

namespace re2 {
class RE2;
}

namespace otter::query::logql {

enum class LineFilterOp { kContains, kNotContains, kRegex, kNotRegex, kPattern, kNotPattern };

// `|= "a" or "b"`: matches when any value matches (for the negated ops: none matches).
struct LineFilter {
  LineFilterOp op = LineFilterOp::kContains;
  std::vector<std::string> values;
  std::vector<std::shared_ptr<const re2::RE2>> regexes;      // kRegex / kNotRegex
  std::vector<std::shared_ptr<const LinePattern>> patterns;  // kPattern / kNotPattern
  std::vector<std::shared_ptr<const IpMatcher>> ips;  // per value: ip("...") (|=, !=), or null
};

enum class CmpOp { kEq, kNe, kGt, kGe, kLt, kLe };

// A label filter: a string matcher, a numeric/duration/bytes comparison, or and/or of two.
struct LabelFilter {
  enum class Kind { kAnd, kOr, kString, kNumber, kDuration, kBytes, kIp } kind = Kind::kString;
  std::shared_ptr<const LabelFilter> left, right;  // kAnd / kOr
  store::LabelMatcher matcher;                     // kString
  std::string name;                                // comparisons
  CmpOp op = CmpOp::kEq;                           // kIp: kEq or kNe
  std::shared_ptr<const IpMatcher> ip;             // kIp
  double value = 0;                                // number; duration in nanoseconds; bytes
};

// `| json a="x.y"` / `| logfmt a="b"` parameters: label name and the path (json) / key (logfmt).
struct Extraction {
  std::string label;
  std::string path;
};

// `| label_format new=old` (rename) or `new="{{.x}}"` (template).
struct LabelFormat {
  std::string name;
  std::string rename_from;  // rename when set
  std::optional<LineTemplate> tmpl;
};

struct Stage {
  enum class Kind {
    kLineFilters,  // one or more consecutive line filters (all must pass)
    kJson,
    kLogfmt,
    kRegexp,
    kPattern,
    kUnpack,
    kLabelFilter,
    kLineFormat,
    kLabelFormat,
    kDrop,
    kKeep,
    kDecolorize,
  } kind = Kind::kLineFilters;
  std::vector<LineFilter> line_filters;
  std::vector<Extraction> extractions;              // json / logfmt parameters
  bool strict = false;                              // logfmt --strict
  bool keep_empty = false;                          // logfmt --keep-empty
  std::shared_ptr<const re2::RE2> regexp;           // kRegexp
  std::shared_ptr<const LinePattern> pattern;       // kPattern
  std::shared_ptr<const LabelFilter> label_filter;  // kLabelFilter
  std::optional<LineTemplate> line_format;
  std::vector<LabelFormat> label_formats;
  // drop / keep: plain names, or matchers (`drop level="debug"`).
  std::vector<std::string> names;
  store::Matchers name_matchers;
};

struct LogSelectorExpr {
  store::Matchers matchers;
  std::vector<Stage> stages;
};

struct Unwrap {
  enum class Conv { kNone, kBytes, kDuration, kDurationSeconds } conv = Conv::kNone;
  std::string label;
  std::vector<std::shared_ptr<const LabelFilter>> post_filters;
};

struct Grouping {
  bool present = false;
  bool without = false;
  std::vector<std::string> labels;
};

// `on (...)` / `ignoring (...)` with `group_left (...)` / `group_right (...)` of a binary
// operation between vectors (Loki's VectorMatching).
struct VectorMatching {
  enum class Card { kOneToOne, kManyToOne, kOneToMany } card = Card::kOneToOne;
  bool on = false;
  std::vector<std::string> labels;   // matching labels
  std::vector<std::string> include;  // group_x labels taken from the "one" side
};

struct Expr {
  enum class Kind {
    kLogSelector,
    kRangeAgg,
    kVectorAgg,
    kBinary,
    kLiteral,
    kVector,
    kLabelReplace
  } kind = Kind::kLiteral;

  LogSelectorExpr selector;  // kLogSelector, and the log range of kRangeAgg

  // kRangeAgg: op = "count_over_time", "rate", ...; kVectorAgg: "sum", "topk", ...;
  // kBinary: "+", "==", "and", ...
  std::string op;
  int64_t range_ns = 0;
  int64_t offset_ns = 0;
  std::optional<Unwrap> unwrap;
  std::optional<double> param;  // quantile_over_time's q, topk's k
  Grouping grouping;

  bool return_bool = false;              // comparison with `bool`
  VectorMatching matching;               // kBinary
  std::shared_ptr<const Expr> lhs, rhs;  // kBinary; kVectorAgg uses lhs as its argument

  double value = 0;  // kLiteral, kVector

  // kLabelReplace (argument in lhs): label_replace(lhs, dst, replacement, src, regex), the regex
  // anchored at both ends.
  std::string dst, replacement, src;
  std::shared_ptr<const re2::RE2> regex;

  bool IsLogQuery() const { return kind == Kind::kLogSelector; }
};

}  // namespace otter::query::logql
