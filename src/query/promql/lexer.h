// PromQL lexer: turns a query into tokens with byte positions, as Prometheus's lexer does
// (numbers, durations, three kinds of string quotes, `#` comments). Called by the parser only.
// Plain value type; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otter::query::promql {

enum class Tok {
  kEof,
  kIdentifier,  // metric names (may contain ':'), label names, keywords, function names
  kNumber,
  kDuration,
  kString,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kComma,
  kColon,
  kAt,
  kAssign,    // =
  kEqlRegex,  // =~
  kNeqRegex,  // !~
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,  // ==
  kNeq,   // !=
  kLss,
  kLte,
  kGtr,
  kGte,
};

struct Token {
  Tok type = Tok::kEof;
  size_t pos = 0;
  std::string text;    // as written (for kString: the unquoted, unescaped value)
  std::string lower;   // kIdentifier: text in lower case (keywords are case-insensitive)
  double number = 0;   // kNumber
  int64_t millis = 0;  // kDuration
  // How Prometheus names the token in "unexpected ..." errors, e.g. `<op:+>`, `identifier "x"`.
  std::string Describe() const;
};

// Prefixes a parse error message with the position: "1:5: parse error: <msg>".
std::string FormatParseError(std::string_view query, size_t pos, std::string_view msg);

// Tokenizes the whole query; ends with a kEof token. Lexical errors are InvalidArgument in the
// "L:C: parse error: ..." form.
StatusOr<std::vector<Token>> Lex(std::string_view query);

// Prometheus duration syntax ("1h30m", "5m", "100ms"); fails on anything else.
StatusOr<int64_t> ParseDurationMillis(std::string_view s);

// Word classes, for the parser and Describe().
bool IsKeyword(std::string_view word);
bool IsAggregator(std::string_view word);

}  // namespace otter::query::promql
