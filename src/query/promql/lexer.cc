#include "query/promql/lexer.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

#include "query/json_writer.h"

namespace otter::query::promql {
namespace {

bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }

std::string GoQuoteRune(char c) {
  if (c == '\'') return "'\\''";
  if (c == '\\') return "'\\\\'";
  if (static_cast<unsigned char>(c) < 0x20) {
    static const char* kHex = "0123456789abcdef";
    std::string s = "'\\x";
    s += kHex[(c >> 4) & 0xf];
    s += kHex[c & 0xf];
    return s + "'";
  }
  return std::string("'") + c + "'";
}

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  explicit Lexer(std::string_view q) : q_(q) {}

  StatusOr<std::vector<Token>> Run() {
    std::vector<Token> out;
    while (true) {
      SkipSpaceAndComments();
      if (i_ >= q_.size()) {
        out.push_back(Token{Tok::kEof, q_.size(), "", "", 0, 0});
        return out;
      }
      Token t;
      t.pos = i_;
      RETURN_IF_ERROR(Next(t));
      out.push_back(std::move(t));
    }
  }

 private:
  Status Error(size_t pos, std::string_view msg) {
    return InvalidArgument(FormatParseError(q_, pos, msg));
  }

  void SkipSpaceAndComments() {
    while (i_ < q_.size()) {
      char c = q_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i_;
      } else if (c == '#') {
        while (i_ < q_.size() && q_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }

  Status Next(Token& t) {
    char c = q_[i_];
    auto one = [&](Tok type) {
      t.type = type;
      t.text = std::string(1, c);
      ++i_;
      return Status::Ok();
    };
    auto two = [&](Tok type) {
      t.type = type;
      t.text = std::string(q_.substr(i_, 2));
      i_ += 2;
      return Status::Ok();
    };
    char n = i_ + 1 < q_.size() ? q_[i_ + 1] : '\0';
    switch (c) {
      case '(':
        return one(Tok::kLParen);
      case ')':
        return one(Tok::kRParen);
      case '{':
        return one(Tok::kLBrace);
      case '}':
        return one(Tok::kRBrace);
      case '[':
        return one(Tok::kLBracket);
      case ']':
        return one(Tok::kRBracket);
      case ',':
        return one(Tok::kComma);
      case ':':
        // A ':' only starts an identifier outside brackets in Prometheus; subqueries use it as
        // a separator, which is where it appears alone.
        return one(Tok::kColon);
      case '@':
        return one(Tok::kAt);
      case '+':
        return one(Tok::kAdd);
      case '-':
        return one(Tok::kSub);
      case '*':
        return one(Tok::kMul);
      case '/':
        return one(Tok::kDiv);
      case '%':
        return one(Tok::kMod);
      case '^':
        return one(Tok::kPow);
      case '=':
        if (n == '=') return two(Tok::kEqlc);
        if (n == '~') return two(Tok::kEqlRegex);
        return one(Tok::kAssign);
      case '!':
        if (n == '=') return two(Tok::kNeq);
        if (n == '~') return two(Tok::kNeqRegex);
        return Error(i_, "unexpected character after '!': " + GoQuoteRune(n));
      case '<':
        if (n == '=') return two(Tok::kLte);
        return one(Tok::kLss);
      case '>':
        if (n == '=') return two(Tok::kGte);
        return one(Tok::kGtr);
      case '"':
      case '\'':
      case '`':
        return LexString(t);
      default:
        break;
    }
    if (IsDigit(c) || (c == '.' && IsDigit(n))) return LexNumberOrDuration(t);
    if (IsAlpha(c) || c == ':') {
      size_t start = i_;
      while (i_ < q_.size() && (IsAlnum(q_[i_]) || q_[i_] == ':')) ++i_;
      t.text = std::string(q_.substr(start, i_ - start));
      std::string lower;
      for (char ch : t.text)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == "inf" || lower == "nan") {
        t.type = Tok::kNumber;
        t.number = lower == "inf" ? HUGE_VAL : std::nan("");
        return Status::Ok();
      }
      t.type = Tok::kIdentifier;
      t.lower = std::move(lower);
      return Status::Ok();
    }
    return Error(i_, "unexpected character: " + GoQuoteRune(c));
  }

  Status LexNumberOrDuration(Token& t) {
    size_t start = i_;
    // Durations: digits followed by a unit letter.
    size_t j = i_;
    while (j < q_.size() && IsDigit(q_[j])) ++j;
    if (j > i_ && j < q_.size() &&
        std::string_view("smhdwy").find(q_[j]) != std::string_view::npos) {
      size_t k = j;
      while (k < q_.size() && IsAlnum(q_[k])) ++k;
      std::string_view word = q_.substr(start, k - start);
      auto d = ParseDurationMillis(word);
      if (!d.ok()) return Error(start, "bad number or duration syntax: " + GoQuote(word));
      i_ = k;
      t.type = Tok::kDuration;
      t.text = std::string(word);
      t.millis = *d;
      return Status::Ok();
    }
    // Numbers: decimal, hex, with optional fraction and exponent.
    if (q_[i_] == '0' && i_ + 1 < q_.size() && (q_[i_ + 1] == 'x' || q_[i_ + 1] == 'X')) {
      i_ += 2;
      while (i_ < q_.size() && HexValue(q_[i_]) >= 0) ++i_;
    } else {
      while (i_ < q_.size() && IsDigit(q_[i_])) ++i_;
      if (i_ < q_.size() && q_[i_] == '.') {
        ++i_;
        while (i_ < q_.size() && IsDigit(q_[i_])) ++i_;
      }
      if (i_ < q_.size() && (q_[i_] == 'e' || q_[i_] == 'E')) {
        size_t save = i_;
        ++i_;
        if (i_ < q_.size() && (q_[i_] == '+' || q_[i_] == '-')) ++i_;
        if (i_ < q_.size() && IsDigit(q_[i_])) {
          while (i_ < q_.size() && IsDigit(q_[i_])) ++i_;
        } else {
          i_ = save;
        }
      }
    }
    if (i_ < q_.size() && (IsAlnum(q_[i_]) || q_[i_] == '.')) {
      size_t k = i_;
      while (k < q_.size() && (IsAlnum(q_[k]) || q_[k] == '.')) ++k;
      return Error(start, "bad number or duration syntax: " + GoQuote(q_.substr(start, k - start)));
    }
    t.type = Tok::kNumber;
    t.text = std::string(q_.substr(start, i_ - start));
    t.number = std::strtod(t.text.c_str(), nullptr);
    return Status::Ok();
  }

  Status LexString(Token& t) {
    char quote = q_[i_];
    size_t start = i_;
    ++i_;
    std::string value;
    while (true) {
      if (i_ >= q_.size()) return Error(start, "unterminated quoted string");
      char c = q_[i_];
      if (c == quote) {
        ++i_;
        break;
      }
      if (quote != '`' && c == '\n') return Error(start, "unterminated quoted string");
      if (quote != '`' && c == '\\') {
        if (i_ + 1 >= q_.size()) return Error(start, "unterminated quoted string");
        char e = q_[i_ + 1];
        i_ += 2;
        switch (e) {
          case 'a':
            value += '\a';
            break;
          case 'b':
            value += '\b';
            break;
          case 'f':
            value += '\f';
            break;
          case 'n':
            value += '\n';
            break;
          case 'r':
            value += '\r';
            break;
          case 't':
            value += '\t';
            break;
          case 'v':
            value += '\v';
            break;
          case '\\':
            value += '\\';
            break;
          case '"':
          case '\'':
            if (e != quote) return Error(i_ - 2, "unknown escape sequence " + GoQuoteRune(e));
            value += e;
            break;
          case 'x':
          case 'u':
          case 'U': {
            int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            uint32_t cp = 0;
            for (int k = 0; k < digits; ++k) {
              int h = i_ < q_.size() ? HexValue(q_[i_]) : -1;
              if (h < 0) return Error(i_, "illegal character in escape sequence");
              cp = cp * 16 + static_cast<uint32_t>(h);
              ++i_;
            }
            if (e == 'x') {
              value += static_cast<char>(cp);
            } else {
              if (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
                return Error(i_, "escape sequence is an invalid Unicode code point");
              AppendUtf8(value, cp);
            }
            break;
          }
          default:
            if (e >= '0' && e <= '7') {
              uint32_t v = static_cast<uint32_t>(e - '0');
              for (int k = 0; k < 2; ++k) {
                if (i_ >= q_.size() || q_[i_] < '0' || q_[i_] > '7')
                  return Error(i_, "illegal character in escape sequence");
                v = v * 8 + static_cast<uint32_t>(q_[i_] - '0');
                ++i_;
              }
              if (v > 255) return Error(i_, "octal escape value > 255");
              value += static_cast<char>(v);
              break;
            }
            return Error(i_ - 2, std::string("unknown escape sequence ") + GoQuoteRune(e));
        }
        continue;
      }
      value += c;
      ++i_;
    }
    t.type = Tok::kString;
    t.text = std::move(value);
    return Status::Ok();
  }

  std::string_view q_;
  size_t i_ = 0;
};

}  // namespace

bool IsKeyword(std::string_view w) {
  return w == "and" || w == "or" || w == "unless" || w == "atan2" || w == "by" || w == "without" ||
         w == "on" || w == "ignoring" || w == "group_left" || w == "group_right" || w == "bool" ||
         w == "offset" || w == "anchored" || w == "smoothed";
}

bool IsAggregator(std::string_view w) {
  return w == "sum" || w == "avg" || w == "min" || w == "max" || w == "count" || w == "group" ||
         w == "stddev" || w == "stdvar" || w == "topk" || w == "bottomk" || w == "quantile" ||
         w == "count_values" || w == "limitk" || w == "limit_ratio";
}

std::string Token::Describe() const {
  switch (type) {
    case Tok::kEof:
      return "end of input";
    case Tok::kIdentifier:
      if (lower == "and" || lower == "or" || lower == "unless" || lower == "atan2")
        return "<op:" + text + ">";
      if (IsKeyword(lower)) return "<" + text + ">";
      if (IsAggregator(lower)) return "<aggr:" + text + ">";
      return "identifier " + GoQuote(text);
    case Tok::kNumber:
      return "number " + GoQuote(text);
    case Tok::kDuration:
      return "duration " + GoQuote(text);
    case Tok::kString:
      return "string " + GoQuote(text);
    case Tok::kLParen:
    case Tok::kRParen:
    case Tok::kLBrace:
    case Tok::kRBrace:
    case Tok::kLBracket:
    case Tok::kRBracket:
    case Tok::kComma:
    case Tok::kColon:
    case Tok::kAt:
    case Tok::kAssign:
      return GoQuote(text);
    default:
      return "<op:" + text + ">";
  }
}

std::string FormatParseError(std::string_view query, size_t pos, std::string_view msg) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos && i < query.size(); ++i) {
    if (query[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col) + ": parse error: " + std::string(msg);
}

StatusOr<std::vector<Token>> Lex(std::string_view query) { return Lexer(query).Run(); }

StatusOr<int64_t> ParseDurationMillis(std::string_view s) {
  static constexpr struct {
    std::string_view unit;
    int64_t ms;
  } kUnits[] = {{"y", 365LL * 24 * 3600 * 1000},
                {"w", 7LL * 24 * 3600 * 1000},
                {"d", 24LL * 3600 * 1000},
                {"h", 3600LL * 1000},
                {"m", 60LL * 1000},
                {"s", 1000},
                {"ms", 1}};
  auto bad = InvalidArgument("not a valid duration string: " + GoQuote(s));
  if (s.empty()) return bad;
  if (s == "0") return int64_t{0};
  int64_t total = 0;
  size_t i = 0, next_unit = 0;
  bool any = false;
  while (i < s.size()) {
    size_t j = i;
    int64_t n = 0;
    while (j < s.size() && IsDigit(s[j])) {
      n = n * 10 + (s[j] - '0');
      if (n > (int64_t{1} << 53)) return bad;
      ++j;
    }
    if (j == i) return bad;
    size_t k = j;
    while (k < s.size() && std::isalpha(static_cast<unsigned char>(s[k]))) ++k;
    std::string_view unit = s.substr(j, k - j);
    size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].unit != unit) ++u;
    if (u == std::size(kUnits)) return bad;
    if (n != 0 && kUnits[u].ms > INT64_MAX / n) return bad;
    total += n * kUnits[u].ms;
    next_unit = u + 1;
    i = k;
    any = true;
  }
  if (!any) return bad;
  return total;
}

}  // namespace otter::query::promql
