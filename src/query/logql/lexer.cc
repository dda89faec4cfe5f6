#include "query/logql/lexer.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <set>

#include "query/json_writer.h"

namespace otter::query::logql {

namespace {

const std::set<std::string_view>& Keywords() {
  static const std::set<std::string_view> kKeywords = {
      "by",
      "without",
      "bool",
      "on",
      "ignoring",
      "group_left",
      "group_right",
      "offset",
      "or",
      "and",
      "unless",
      "count_over_time",
      "rate",
      "rate_counter",
      "bytes_over_time",
      "bytes_rate",
      "avg_over_time",
      "sum_over_time",
      "min_over_time",
      "max_over_time",
      "stdvar_over_time",
      "stddev_over_time",
      "quantile_over_time",
      "first_over_time",
      "last_over_time",
      "absent_over_time",
      "sum",
      "avg",
      "max",
      "min",
      "count",
      "stddev",
      "stdvar",
      "bottomk",
      "topk",
      "sort",
      "sort_desc",
      "vector",
      "label_replace",
      "json",
      "logfmt",
      "regexp",
      "pattern",
      "unpack",
      "xml",
      "line_format",
      "label_format",
      "unwrap",
      "decolorize",
      "drop",
      "keep",
      "ip",
      "bytes",
      "duration",
      "duration_seconds",
  };
  return kKeywords;
}

// Parser flags (`logfmt --strict --keep-empty`): anything else starting with "--" is two minus
// signs.
constexpr std::string_view kFlagChars = "-abcdefghijklmnopqrstuvwxyz";
bool IsParserFlag(std::string_view q, size_t i) {
  std::string_view word = q.substr(i, q.find_first_not_of(kFlagChars, i) - i);
  return word == "--strict" || word == "--keep-empty";
}

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes a Go interpreted string literal body starting after the opening quote. On success
// `*end` is the offset just past the closing quote.
bool DecodeQuoted(std::string_view q, size_t start, std::string* out, size_t* end) {
  size_t i = start;
  while (i < q.size()) {
    char c = q[i];
    if (c == '"') {
      *end = i + 1;
      return true;
    }
    if (c == '\n') return false;
    if (c != '\\') {
      *out += c;
      ++i;
      continue;
    }
    if (++i >= q.size()) return false;
    char e = q[i++];
    switch (e) {
      case 'a':
        *out += '\a';
        break;
      case 'b':
        *out += '\b';
        break;
      case 'f':
        *out += '\f';
        break;
      case 'n':
        *out += '\n';
        break;
      case 'r':
        *out += '\r';
        break;
      case 't':
        *out += '\t';
        break;
      case 'v':
        *out += '\v';
        break;
      case '\\':
        *out += '\\';
        break;
      case '"':
        *out += '"';
        break;
      case '\'':
        *out += '\'';
        break;
      case 'x':
      case 'u':
      case 'U': {
        int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (i + n > q.size()) return false;
        uint32_t v = 0;
        for (int k = 0; k < n; ++k) {
          int d = HexDigit(q[i + k]);
          if (d < 0) return false;
          v = v * 16 + d;
        }
        i += n;
        if (e == 'x') {
          *out += static_cast<char>(v);
        } else {
          if (v > 0x10FFFF) return false;
          AppendUtf8(*out, v);
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          if (i + 2 > q.size()) return false;
          int v = e - '0';
          for (int k = 0; k < 2; ++k) {
            char d = q[i + k];
            if (d < '0' || d > '7') return false;
            v = v * 8 + (d - '0');
          }
          if (v > 255) return false;
          i += 2;
          *out += static_cast<char>(v);
          break;
        }
        return false;
    }
  }
  return false;
}

bool ParseNumber(std::string_view s, double* out) {
  if (s.empty()) return false;
  std::string tmp(s);
  char* end = nullptr;
  double v = std::strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size()) return false;
  // strtod accepts "inf"/"nan"/hex; LogQL numbers are decimal only.
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
          c == '+' || c == '-'))
      return false;
  *out = v;
  return true;
}

}  // namespace

bool ParseDurationNs(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    *out = 0;
    return true;
  }
  double total = 0;
  bool any = false;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == 0) return false;
    double v = 0;
    if (!ParseNumber(s.substr(0, i), &v)) return false;
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !std::isdigit(static_cast<unsigned char>(s[j])) && s[j] != '.') ++j;
    std::string_view unit = s.substr(0, j);
    s.remove_prefix(j);
    double mult = 0;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
      mult = 1e3;
    else if (unit == "ms")
      mult = 1e6;
    else if (unit == "s")
      mult = 1e9;
    else if (unit == "m")
      mult = 60e9;
    else if (unit == "h")
      mult = 3600e9;
    else if (unit == "d")
      mult = 86400e9;
    else if (unit == "w")
      mult = 7 * 86400e9;
    else if (unit == "y")
      mult = 365 * 86400e9;
    else
      return false;
    total += v * mult;
    any = true;
  }
  if (!any || total > 9.2e18) return false;
  *out = static_cast<int64_t>(std::llround(neg ? -total : total));
  return true;
}

bool ParseBytesValue(std::string_view s, uint64_t* out) {
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  double v = 0;
  if (i == 0 || !ParseNumber(s.substr(0, i), &v)) return false;
  std::string unit;
  for (char c : s.substr(i))
    if (c != ' ') unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::pair<const char*, double> kUnits[] = {{"b", 1},
                                                          {"kb", 1e3},
                                                          {"kib", 1024.0},
                                                          {"mb", 1e6},
                                                          {"mib", 1048576},
                                                          {"gb", 1e9},
                                                          {"gib", 1073741824.0},
                                                          {"tb", 1e12},
                                                          {"tib", 1099511627776.0},
                                                          {"pb", 1e15},
                                                          {"pib", 1125899906842624.0},
                                                          {"eb", 1e18},
                                                          {"eib", 1152921504606846976.0}};
  for (const auto& [name, mult] : kUnits) {
    if (unit == name) {
      // Past uint64 the literal is not a size (Loki's humanize parser: "too large").
      if (!(v * mult < 18446744073709551616.0)) return false;
      *out = static_cast<uint64_t>(v * mult);
      return true;
    }
  }
  return false;
}

void LineCol(std::string_view query, size_t pos, int* line, int* col) {
  *line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < pos && i < query.size(); ++i) {
    if (query[i] == '\n') {
      ++*line;
      line_start = i + 1;
    }
  }
  *col = static_cast<int>(pos - line_start) + 1;
}

Status ParseError(std::string_view msg, int line, int col) {
  if (line == 0 && col == 0) return InvalidArgument(fmt::format("parse error : {}", msg));
  return InvalidArgument(fmt::format("parse error at line {}, col {}: {}", line, col, msg));
}

std::string TokenName(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEnd:
      return "$end";
    case TokenKind::kIdentifier:
      return Keywords().count(t.text) ? t.text : "IDENTIFIER";
    case TokenKind::kString:
      return "STRING";
    case TokenKind::kNumber:
      return "NUMBER";
    case TokenKind::kDuration:
      return "DURATION";
    case TokenKind::kBytes:
      return "BYTES";
    case TokenKind::kRange:
      return "RANGE";
    case TokenKind::kLBrace:
      return "{";
    case TokenKind::kRBrace:
      return "}";
    case TokenKind::kLParen:
      return "(";
    case TokenKind::kRParen:
      return ")";
    case TokenKind::kComma:
      return ",";
    case TokenKind::kEq:
      return "=";
    case TokenKind::kNeq:
      return "!=";
    case TokenKind::kRe:
      return "=~";
    case TokenKind::kNre:
      return "!~";
    case TokenKind::kPipeExact:
      return "|=";
    case TokenKind::kPipeMatch:
      return "|~";
    case TokenKind::kPipePattern:
      return "|>";
    case TokenKind::kNpa:
      return "!>";
    case TokenKind::kFlag:
      return "FUNCTION_FLAG";
    case TokenKind::kPipe:
      return "|";
    case TokenKind::kCmpEq:
      return "==";
    case TokenKind::kGt:
      return ">";
    case TokenKind::kGte:
      return ">=";
    case TokenKind::kLt:
      return "<";
    case TokenKind::kLte:
      return "<=";
    case TokenKind::kAdd:
      return "+";
    case TokenKind::kSub:
      return "-";
    case TokenKind::kMul:
      return "*";
    case TokenKind::kDiv:
      return "/";
    case TokenKind::kMod:
      return "%";
    case TokenKind::kPow:
      return "^";
  }
  return "?";
}

StatusOr<std::vector<Token>> Lex(std::string_view q) {
  std::vector<Token> out;
  size_t i = 0;
  auto error_at = [&](size_t pos, std::string_view msg) {
    int line, col;
    LineCol(q, pos, &line, &col);
    return ParseError(msg, line, col);
  };
  while (true) {
    while (i < q.size() && std::isspace(static_cast<unsigned char>(q[i]))) ++i;
    if (i < q.size() && q[i] == '#') {  // comment to end of line
      while (i < q.size() && q[i] != '\n') ++i;
      continue;
    }
    Token t;
    t.pos = i;
    if (i >= q.size()) {
      t.kind = TokenKind::kEnd;
      out.push_back(std::move(t));
      return out;
    }
    char c = q[i];
    char n = i + 1 < q.size() ? q[i + 1] : '\0';
    auto two = [&](TokenKind k) {
      t.kind = k;
      i += 2;
    };
    auto one = [&](TokenKind k) {
      t.kind = k;
      i += 1;
    };
    if (c == '"') {
      size_t end = 0;
      if (!DecodeQuoted(q, i + 1, &t.text, &end)) return error_at(i, "invalid string literal");
      t.kind = TokenKind::kString;
      i = end;
    } else if (c == '`') {
      size_t end = q.find('`', i + 1);
      if (end == std::string_view::npos) return error_at(i, "invalid string literal");
      t.kind = TokenKind::kString;
      t.text = std::string(q.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (c == '[') {
      size_t end = q.find(']', i + 1);
      // Loki reports range errors at line 0 with the column of '['.
      if (end == std::string_view::npos)
        return ParseError("missing closing ']' in duration", 0, static_cast<int>(i) + 1);
      std::string_view body = q.substr(i + 1, end - i - 1);
      while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front())))
        body.remove_prefix(1);
      while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back())))
        body.remove_suffix(1);
      if (!ParseDurationNs(body, &t.duration)) {
        return ParseError(fmt::format("not a valid duration string: \"{}\"", body), 0,
                          static_cast<int>(i) + 1);
      }
      t.kind = TokenKind::kRange;
      t.text = std::string(body);
      i = end + 1;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && std::isdigit(static_cast<unsigned char>(n)))) {
      size_t j = i;
      while (j < q.size() &&
             (IsIdentChar(q[j]) || q[j] == '.' ||
              ((q[j] == '+' || q[j] == '-') && (q[j - 1] == 'e' || q[j - 1] == 'E') &&
               j + 1 < q.size() && std::isdigit(static_cast<unsigned char>(q[j + 1])))))
        ++j;
      std::string_view word = q.substr(i, j - i);
      if (ParseNumber(word, &t.number)) {
        t.kind = TokenKind::kNumber;
      } else if (ParseDurationNs(word, &t.duration)) {
        t.kind = TokenKind::kDuration;
      } else if (ParseBytesValue(word, &t.bytes)) {
        t.kind = TokenKind::kBytes;
      } else {
        // A number followed by something else: lex the numeric prefix only.
        size_t k = i;
        while (k < q.size() && (std::isdigit(static_cast<unsigned char>(q[k])) || q[k] == '.')) ++k;
        word = q.substr(i, k - i);
        if (!ParseNumber(word, &t.number)) return error_at(i, "syntax error: unexpected NUMBER");
        t.kind = TokenKind::kNumber;
        j = k;
      }
      t.text = std::string(word);
      i = j;
    } else if (IsIdentStart(c)) {
      size_t j = i;
      while (j < q.size() && IsIdentChar(q[j])) ++j;
      t.kind = TokenKind::kIdentifier;
      t.text = std::string(q.substr(i, j - i));
      i = j;
    } else if (c == '{') {
      one(TokenKind::kLBrace);
    } else if (c == '}') {
      one(TokenKind::kRBrace);
    } else if (c == '(') {
      one(TokenKind::kLParen);
    } else if (c == ')') {
      one(TokenKind::kRParen);
    } else if (c == ',') {
      one(TokenKind::kComma);
    } else if (c == '=') {
      if (n == '~')
        two(TokenKind::kRe);
      else if (n == '=')
        two(TokenKind::kCmpEq);
      else
        one(TokenKind::kEq);
    } else if (c == '!') {
      if (n == '=')
        two(TokenKind::kNeq);
      else if (n == '~')
        two(TokenKind::kNre);
      else if (n == '>')
        two(TokenKind::kNpa);
      else
        return error_at(i, "syntax error: unexpected !");
    } else if (c == '|') {
      if (n == '=')
        two(TokenKind::kPipeExact);
      else if (n == '~')
        two(TokenKind::kPipeMatch);
      else if (n == '>')
        two(TokenKind::kPipePattern);
      else
        one(TokenKind::kPipe);
    } else if (c == '>') {
      if (n == '=')
        two(TokenKind::kGte);
      else
        one(TokenKind::kGt);
    } else if (c == '<') {
      if (n == '=')
        two(TokenKind::kLte);
      else
        one(TokenKind::kLt);
    } else if (c == '+') {
      one(TokenKind::kAdd);
    } else if (c == '-' && IsParserFlag(q, i)) {
      t.kind = TokenKind::kFlag;
      t.text = std::string(q.substr(i, q.find_first_not_of(kFlagChars, i) - i));
      i += t.text.size();
    } else if (c == '-') {
      one(TokenKind::kSub);
    } else if (c == '*') {
      one(TokenKind::kMul);
    } else if (c == '/') {
      one(TokenKind::kDiv);
    } else if (c == '%') {
      one(TokenKind::kMod);
    } else if (c == '^') {
      one(TokenKind::kPow);
    } else {
      return error_at(i, fmt::format("syntax error: unexpected {}", c));
    }
    out.push_back(std::move(t));
  }
}

}  // namespace otter::query::logql
