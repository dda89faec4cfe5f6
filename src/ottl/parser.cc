// OTTL lexer and recursive-descent parser. Precedence, loosest first: or, and, not, comparison
// (one per operand pair, as in OTTL), + -, * /, unary minus, primary.
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "ottl/ast.h"

namespace otter::ottl::internal {

Status ErrorAt(int column, std::string message) {
  return InvalidArgument("column " + std::to_string(column) + ": " + std::move(message));
}

namespace {

struct Token {
  enum class Kind { kEnd, kIdent, kString, kInt, kFloat, kBytes, kPunct };
  Kind kind = Kind::kEnd;
  std::string text;  // identifier, punctuation, unescaped string, number or hex digits
  int column = 0;
};

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

StatusOr<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    int col = static_cast<int>(i) + 1;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    Token t;
    t.column = col;
    if (c == '"') {
      t.kind = Token::Kind::kString;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        char d = s[i++];
        if (d == '"') {
          closed = true;
          break;
        }
        if (d == '\\' && i < s.size()) {
          char e = s[i++];
          switch (e) {
            case '"':
            case '\\':
              t.text += e;
              break;
            case 'n':
              t.text += '\n';
              break;
            case 't':
              t.text += '\t';
              break;
            case 'r':
              t.text += '\r';
              break;
            default:  // kept as written: regexes say "\d" and mean it
              t.text += '\\';
              t.text += e;
          }
          continue;
        }
        t.text += d;
      }
      if (!closed) return ErrorAt(col, "unterminated string");
    } else if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
      t.kind = Token::Kind::kBytes;
      i += 2;
      while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i]))) t.text += s[i++];
      if (t.text.empty() || t.text.size() % 2 != 0)
        return ErrorAt(col, "bytes literal needs an even number of hex digits after 0x");
    } else if (IsDigit(c) || (c == '.' && i + 1 < s.size() && IsDigit(s[i + 1]))) {
      size_t start = i;
      bool is_float = false;
      while (i < s.size() && IsDigit(s[i])) ++i;
      if (i < s.size() && s[i] == '.') {
        is_float = true;
        ++i;
        while (i < s.size() && IsDigit(s[i])) ++i;
      }
      if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        if (j < s.size() && IsDigit(s[j])) {
          is_float = true;
          i = j;
          while (i < s.size() && IsDigit(s[i])) ++i;
        }
      }
      if (i < s.size() && IsIdentStart(s[i]))
        return ErrorAt(col,
                       "invalid number \"" + std::string(s.substr(start, i - start + 1)) + "\"");
      t.kind = is_float ? Token::Kind::kFloat : Token::Kind::kInt;
      t.text = std::string(s.substr(start, i - start));
    } else if (IsIdentStart(c)) {
      t.kind = Token::Kind::kIdent;
      size_t start = i;
      while (i < s.size() && IsIdentChar(s[i])) ++i;
      t.text = std::string(s.substr(start, i - start));
    } else {
      t.kind = Token::Kind::kPunct;
      std::string_view two = s.substr(i, 2);
      if (two == "==" || two == "!=" || two == "<=" || two == ">=") {
        t.text = std::string(two);
        i += 2;
      } else if (std::string_view("()[]{},:.=<>+-*/").find(c) != std::string_view::npos) {
        t.text = std::string(1, c);
        ++i;
      } else {
        return ErrorAt(col, "unexpected character '" + std::string(1, c) + "'");
      }
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.column = static_cast<int>(s.size()) + 1;
  out.push_back(end);
  return out;
}

bool IsKeyword(std::string_view w) {
  return w == "where" || w == "and" || w == "or" || w == "not" || w == "true" || w == "false" ||
         w == "nil";
}

std::string Describe(const Token& t) {
  switch (t.kind) {
    case Token::Kind::kEnd:
      return "end of input";
    case Token::Kind::kString:
      return "string \"" + t.text + "\"";
    case Token::Kind::kBytes:
      return "\"0x" + t.text + "\"";
    default:
      return "\"" + t.text + "\"";
  }
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  StatusOr<StatementAst> Statement() {
    const Token& t = Peek();
    if (t.kind != Token::Kind::kIdent || IsKeyword(t.text) || Peek(1).text != "(" ||
        Peek(1).kind != Token::Kind::kPunct) {
      return ErrorAt(t.column, "expected an editor call such as set(...), got " + Describe(t));
    }
    if (std::isupper(static_cast<unsigned char>(t.text[0]))) {
      return ErrorAt(t.column,
                     "a statement must start with an editor (lowercase, e.g. set), "
                     "got converter \"" +
                         t.text + "\"");
    }
    StatementAst st;
    ASSIGN_OR_RETURN(st.editor, Call());
    if (IsWord("where")) {
      Next();
      ASSIGN_OR_RETURN(st.where, Or());
    }
    if (Peek().kind != Token::Kind::kEnd) {
      return ErrorAt(Peek().column,
                     "unexpected " + Describe(Peek()) + " after the editor call (expected where)");
    }
    return st;
  }

  StatusOr<NodePtr> Condition() {
    ASSIGN_OR_RETURN(NodePtr n, Or());
    if (Peek().kind != Token::Kind::kEnd)
      return ErrorAt(Peek().column, "unexpected " + Describe(Peek()));
    return n;
  }

 private:
  const Token& Peek(size_t k = 0) const { return toks_[std::min(pos_ + k, toks_.size() - 1)]; }
  const Token& Next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool IsPunct(std::string_view p, size_t k = 0) const {
    return Peek(k).kind == Token::Kind::kPunct && Peek(k).text == p;
  }
  bool IsWord(std::string_view w) const {
    return Peek().kind == Token::Kind::kIdent && Peek().text == w;
  }
  Status Expect(std::string_view p) {
    if (!IsPunct(p))
      return ErrorAt(Peek().column, "expected \"" + std::string(p) + "\", got " + Describe(Peek()));
    Next();
    return Status::Ok();
  }
  NodePtr Make(Node::Kind k, int column) {
    auto n = std::make_unique<Node>();
    n->kind = k;
    n->column = column;
    return n;
  }
  NodePtr Binary(Node::Kind k, const Token& op, NodePtr l, NodePtr r) {
    NodePtr n = Make(k, l->column);
    n->text = op.text;
    n->children.push_back(std::move(l));
    n->children.push_back(std::move(r));
    return n;
  }

  StatusOr<NodePtr> Or() {
    ASSIGN_OR_RETURN(NodePtr l, And());
    while (IsWord("or")) {
      Token op = Next();
      ASSIGN_OR_RETURN(NodePtr r, And());
      l = Binary(Node::Kind::kOr, op, std::move(l), std::move(r));
    }
    return l;
  }
  StatusOr<NodePtr> And() {
    ASSIGN_OR_RETURN(NodePtr l, Not());
    while (IsWord("and")) {
      Token op = Next();
      ASSIGN_OR_RETURN(NodePtr r, Not());
      l = Binary(Node::Kind::kAnd, op, std::move(l), std::move(r));
    }
    return l;
  }
  StatusOr<NodePtr> Not() {
    if (IsWord("not")) {
      NodePtr n = Make(Node::Kind::kNot, Next().column);
      ASSIGN_OR_RETURN(NodePtr operand, Not());
      n->children.push_back(std::move(operand));
      return n;
    }
    return Compare();
  }
  StatusOr<NodePtr> Compare() {
    ASSIGN_OR_RETURN(NodePtr l, Additive());
    const Token& t = Peek();
    if (t.kind == Token::Kind::kPunct && (t.text == "==" || t.text == "!=" || t.text == "<" ||
                                          t.text == "<=" || t.text == ">" || t.text == ">=")) {
      Token op = Next();
      ASSIGN_OR_RETURN(NodePtr r, Additive());
      return Binary(Node::Kind::kCompare, op, std::move(l), std::move(r));
    }
    return l;
  }
  StatusOr<NodePtr> Additive() {
    ASSIGN_OR_RETURN(NodePtr l, Multiplicative());
    while (IsPunct("+") || IsPunct("-")) {
      Token op = Next();
      ASSIGN_OR_RETURN(NodePtr r, Multiplicative());
      l = Binary(Node::Kind::kMath, op, std::move(l), std::move(r));
    }
    return l;
  }
  StatusOr<NodePtr> Multiplicative() {
    ASSIGN_OR_RETURN(NodePtr l, Unary());
    while (IsPunct("*") || IsPunct("/")) {
      Token op = Next();
      ASSIGN_OR_RETURN(NodePtr r, Unary());
      l = Binary(Node::Kind::kMath, op, std::move(l), std::move(r));
    }
    return l;
  }
  StatusOr<NodePtr> Unary() {
    if (IsPunct("-")) {
      int col = Next().column;
      ASSIGN_OR_RETURN(NodePtr operand, Unary());
      if (operand->kind == Node::Kind::kInt) {
        operand->int_value = -operand->int_value;
        operand->column = col;
        return operand;
      }
      if (operand->kind == Node::Kind::kFloat) {
        operand->float_value = -operand->float_value;
        operand->column = col;
        return operand;
      }
      NodePtr n = Make(Node::Kind::kNeg, col);
      n->children.push_back(std::move(operand));
      return n;
    }
    return Primary();
  }

  StatusOr<NodePtr> Primary() {
    const Token& t = Peek();
    switch (t.kind) {
      case Token::Kind::kEnd:
        return ErrorAt(t.column, "unexpected end of input; expected a value");
      case Token::Kind::kString: {
        NodePtr n = Make(Node::Kind::kString, t.column);
        n->text = Next().text;
        return n;
      }
      case Token::Kind::kBytes: {
        NodePtr n = Make(Node::Kind::kBytes, t.column);
        const std::string& hex = Next().text;
        for (size_t i = 0; i < hex.size(); i += 2)
          n->text += static_cast<char>(std::strtol(hex.substr(i, 2).c_str(), nullptr, 16));
        return n;
      }
      case Token::Kind::kInt: {
        NodePtr n = Make(Node::Kind::kInt, t.column);
        const std::string& s = t.text;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n->int_value);
        if (ec != std::errc() || p != s.data() + s.size())
          return ErrorAt(t.column, "integer " + s + " is out of range");
        Next();
        return n;
      }
      case Token::Kind::kFloat: {
        NodePtr n = Make(Node::Kind::kFloat, t.column);
        n->float_value = std::strtod(Next().text.c_str(), nullptr);
        return n;
      }
      case Token::Kind::kPunct:
        if (t.text == "(") {
          Next();
          ASSIGN_OR_RETURN(NodePtr inner, Or());
          RETURN_IF_ERROR(Expect(")"));
          return inner;
        }
        if (t.text == "[") return List();
        if (t.text == "{") return Map();
        return ErrorAt(t.column, "unexpected " + Describe(t) + "; expected a value");
      case Token::Kind::kIdent:
        break;
    }
    if (t.text == "true" || t.text == "false") {
      NodePtr n = Make(Node::Kind::kBool, t.column);
      n->bool_value = Next().text == "true";
      return n;
    }
    if (t.text == "nil") return Make(Node::Kind::kNil, Next().column);
    if (IsKeyword(t.text))
      return ErrorAt(t.column, "unexpected \"" + t.text + "\"; expected a value");
    if (IsPunct("(", 1)) {
      if (!std::isupper(static_cast<unsigned char>(t.text[0]))) {
        return ErrorAt(t.column, "editor \"" + t.text +
                                     "\" cannot be used as a value; converters (which return a "
                                     "value) start with an uppercase letter");
      }
      return Call();
    }
    if (std::isupper(static_cast<unsigned char>(t.text[0]))) {
      NodePtr n = Make(Node::Kind::kEnum, t.column);
      n->text = Next().text;
      return n;
    }
    return Path();
  }

  StatusOr<NodePtr> Path() {
    NodePtr n = Make(Node::Kind::kPath, Peek().column);
    n->fields.push_back(Next().text);
    while (IsPunct(".")) {
      Next();
      if (Peek().kind != Token::Kind::kIdent)
        return ErrorAt(Peek().column, "expected a field name after \".\", got " + Describe(Peek()));
      n->fields.push_back(Next().text);
    }
    RETURN_IF_ERROR(Keys(*n));
    return n;
  }

  Status Keys(Node& n) {
    while (IsPunct("[")) {
      Next();
      ASSIGN_OR_RETURN(NodePtr key, Additive());
      n.keys.push_back(std::move(key));
      RETURN_IF_ERROR(Expect("]"));
    }
    return Status::Ok();
  }

  StatusOr<NodePtr> Call() {
    NodePtr n = Make(Node::Kind::kCall, Peek().column);
    n->text = Next().text;
    RETURN_IF_ERROR(Expect("("));
    while (!IsPunct(")")) {
      Arg a;
      a.column = Peek().column;
      if (Peek().kind == Token::Kind::kIdent && IsPunct("=", 1)) {
        a.name = Next().text;
        Next();
      } else if (!n->args.empty() && !n->args.back().name.empty()) {
        return ErrorAt(a.column, "positional argument after a named argument");
      }
      ASSIGN_OR_RETURN(a.value, Or());
      n->args.push_back(std::move(a));
      if (IsPunct(",")) {
        Next();
        continue;
      }
      if (!IsPunct(")"))
        return ErrorAt(Peek().column, "expected \",\" or \")\", got " + Describe(Peek()));
    }
    Next();
    RETURN_IF_ERROR(Keys(*n));
    return n;
  }

  StatusOr<NodePtr> List() {
    NodePtr n = Make(Node::Kind::kList, Next().column);
    while (!IsPunct("]")) {
      ASSIGN_OR_RETURN(NodePtr item, Or());
      n->children.push_back(std::move(item));
      if (IsPunct(",")) {
        Next();
        continue;
      }
      if (!IsPunct("]"))
        return ErrorAt(Peek().column, "expected \",\" or \"]\", got " + Describe(Peek()));
    }
    Next();
    return n;
  }

  StatusOr<NodePtr> Map() {
    NodePtr n = Make(Node::Kind::kMap, Next().column);
    while (!IsPunct("}")) {
      if (Peek().kind != Token::Kind::kString)
        return ErrorAt(Peek().column, "map keys must be strings, got " + Describe(Peek()));
      n->map_keys.push_back(Next().text);
      RETURN_IF_ERROR(Expect(":"));
      ASSIGN_OR_RETURN(NodePtr item, Or());
      n->children.push_back(std::move(item));
      if (IsPunct(",")) {
        Next();
        continue;
      }
      if (!IsPunct("}"))
        return ErrorAt(Peek().column, "expected \",\" or \"}\", got " + Describe(Peek()));
    }
    Next();
    return n;
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
};

}  // namespace

StatusOr<StatementAst> ParseStatementText(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<Token> toks, Lex(text));
  return Parser(std::move(toks)).Statement();
}

StatusOr<NodePtr> ParseConditionText(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<Token> toks, Lex(text));
  return Parser(std::move(toks)).Condition();
}

}  // namespace otter::ottl::internal
