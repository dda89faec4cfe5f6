// LogQL lexer: turns a query string into tokens for the parser (parser.cc). Token names in
// errors follow Loki's yacc grammar ("IDENTIFIER", "STRING", "RANGE", literal punctuation and
// keywords), so error messages read like Loki's. Plain functions; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otter::query::logql {

enum class TokenKind {
  kEnd,
  kIdentifier,
  kString,
  kNumber,
  kDuration,
  kBytes,
  kRange,  // "[5m]" as one token, like Loki's lexer
  kLBrace,
  kRBrace,
  kLParen,
  kRParen,
  kComma,
  kEq,           // =
  kNeq,          // !=
  kRe,           // =~
  kNre,          // !~
  kPipeExact,    // |=
  kPipeMatch,    // |~
  kPipePattern,  // |>
  kNpa,          // !>
  kFlag,         // a parser flag: --strict, --keep-empty (text holds it)
  kPipe,         // |
  kCmpEq,        // ==
  kGt,
  kGte,
  kLt,
  kLte,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;      // identifier name, decoded string, or the raw number text
  double number = 0;     // kNumber
  int64_t duration = 0;  // kDuration, kRange: nanoseconds
  uint64_t bytes = 0;    // kBytes
  size_t pos = 0;        // byte offset in the query
};

// Tokenizes `query`; the last token is kEnd. Lexical errors are InvalidArgument with Loki's
// "parse error at line L, col C: ..." wording.
StatusOr<std::vector<Token>> Lex(std::string_view query);

// The name yacc would print for the token ("IDENTIFIER", "STRING", "{", "sum", "$end", ...).
std::string TokenName(const Token& token);

// Loki's "parse error at line L, col C: msg" (or "parse error : msg" when line and col are 0).
Status ParseError(std::string_view msg, int line, int col);
// The line/column (1-based) of byte offset `pos` in `query`.
void LineCol(std::string_view query, size_t pos, int* line, int* col);

// Go/Prometheus durations: "1h30m", "1.5s", "5d", "1w", "1y". Nanoseconds; false if invalid.
bool ParseDurationNs(std::string_view s, int64_t* out);
// humanize-style byte sizes: "5MB", "10KiB", "3b" (case-insensitive). False if invalid.
bool ParseBytesValue(std::string_view s, uint64_t* out);

}  // namespace otter::query::logql
