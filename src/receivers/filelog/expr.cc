#include "receivers/filelog/expr.h"

#include <re2/re2.h>

#include <cctype>
#include <cstdlib>
#include <vector>

namespace otter::filelog {

struct Condition::Node {
  enum class Kind { kLiteral, kField, kNot, kAnd, kOr, kCompare } kind = Kind::kLiteral;
  // kLiteral
  enum class Lit { kNil, kBool, kNum, kStr } lit = Lit::kNil;
  bool b = false;
  double num = 0;
  std::string str;
  // kField
  Field field;
  // kCompare: op is ==, !=, <, <=, >, >=, matches, contains, startsWith, endsWith
  std::string op;
  std::unique_ptr<RE2> re;  // matches with a literal pattern
  std::vector<std::unique_ptr<Node>> kids;
};

namespace {

using N = Condition::Node;

// A value during evaluation.
struct Val {
  N::Lit kind = N::Lit::kNil;
  bool b = false;
  double num = 0;
  std::string_view str;
  bool other = false;  // a map/array value: equal to nothing but itself being non-nil
};

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  StatusOr<std::unique_ptr<N>> ParseAll() {
    ASSIGN_OR_RETURN(auto n, Or());
    Skip();
    if (i_ != s_.size()) return Err("unexpected \"" + std::string(s_.substr(i_)) + "\"");
    return n;
  }

 private:
  Status Err(const std::string& m) const {
    return InvalidArgument("if: " + m +
                           " (otter supports field paths, literals, == != < <= > >= "
                           "matches contains startsWith endsWith and or not)");
  }
  void Skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool Word(std::string_view w) {
    Skip();
    if (s_.substr(i_, w.size()) != w) return false;
    size_t e = i_ + w.size();
    if (std::isalpha(static_cast<unsigned char>(w[0])) && e < s_.size() &&
        (std::isalnum(static_cast<unsigned char>(s_[e])) || s_[e] == '_'))
      return false;
    i_ = e;
    return true;
  }
  static std::unique_ptr<N> Make(N::Kind k) {
    auto n = std::make_unique<N>();
    n->kind = k;
    return n;
  }
  StatusOr<std::unique_ptr<N>> Or() {
    ASSIGN_OR_RETURN(auto l, And());
    while (Word("or") || Word("||")) {
      ASSIGN_OR_RETURN(auto r, And());
      auto n = Make(N::Kind::kOr);
      n->kids.push_back(std::move(l));
      n->kids.push_back(std::move(r));
      l = std::move(n);
    }
    return l;
  }
  StatusOr<std::unique_ptr<N>> And() {
    ASSIGN_OR_RETURN(auto l, Not());
    while (Word("and") || Word("&&")) {
      ASSIGN_OR_RETURN(auto r, Not());
      auto n = Make(N::Kind::kAnd);
      n->kids.push_back(std::move(l));
      n->kids.push_back(std::move(r));
      l = std::move(n);
    }
    return l;
  }
  StatusOr<std::unique_ptr<N>> Not() {
    Skip();
    if (Word("not") || (s_.substr(i_, 1) == "!" && s_.substr(i_, 2) != "!=" && Word("!"))) {
      ASSIGN_OR_RETURN(auto k, Not());
      auto n = Make(N::Kind::kNot);
      n->kids.push_back(std::move(k));
      return n;
    }
    return Compare();
  }
  StatusOr<std::unique_ptr<N>> Compare() {
    ASSIGN_OR_RETURN(auto l, Primary());
    for (const char* op :
         {"==", "!=", "<=", ">=", "<", ">", "matches", "contains", "startsWith", "endsWith"}) {
      if (!Word(op)) continue;
      ASSIGN_OR_RETURN(auto r, Primary());
      auto n = Make(N::Kind::kCompare);
      n->op = op;
      if (n->op == "matches") {
        if (r->kind != N::Kind::kLiteral || r->lit != N::Lit::kStr)
          return Err("matches needs a string literal pattern");
        n->re = std::make_unique<RE2>(r->str, RE2::Quiet);
        if (!n->re->ok()) return Err("bad regex: " + n->re->error());
      }
      n->kids.push_back(std::move(l));
      n->kids.push_back(std::move(r));
      return n;
    }
    return l;
  }
  StatusOr<std::unique_ptr<N>> Primary() {
    Skip();
    if (i_ >= s_.size()) return Err("unexpected end");
    char c = s_[i_];
    if (c == '(') {
      ++i_;
      ASSIGN_OR_RETURN(auto n, Or());
      Skip();
      if (i_ >= s_.size() || s_[i_] != ')') return Err("missing )");
      ++i_;
      return n;
    }
    auto lit = Make(N::Kind::kLiteral);
    if (c == '"' || c == '\'') {
      ++i_;
      std::string out;
      while (i_ < s_.size() && s_[i_] != c) {
        if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
        out.push_back(s_[i_++]);
      }
      if (i_ >= s_.size()) return Err("unterminated string");
      ++i_;
      lit->lit = N::Lit::kStr;
      lit->str = std::move(out);
      return lit;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      char* end = nullptr;
      std::string rest(s_.substr(i_));
      lit->num = std::strtod(rest.c_str(), &end);
      if (end == rest.c_str()) return Err("bad number");
      i_ += static_cast<size_t>(end - rest.c_str());
      lit->lit = N::Lit::kNum;
      return lit;
    }
    if (Word("nil")) return lit;
    if (Word("true") || Word("false")) {
      lit->lit = N::Lit::kBool;
      lit->b = s_[i_ - 1] == 'e' && s_.substr(i_ - 4, 4) == "true";
      return lit;
    }
    // A field path: identifiers, dots (?. too) and ["quoted"] keys.
    size_t start = i_;
    while (i_ < s_.size()) {
      char d = s_[i_];
      if (std::isalnum(static_cast<unsigned char>(d)) || d == '_' || d == '.' || d == '?') {
        ++i_;
      } else if (d == '[') {
        size_t close = s_.find(']', i_);
        if (close == std::string_view::npos) return Err("missing ]");
        i_ = close + 1;
      } else {
        break;
      }
    }
    std::string path;
    for (char d : s_.substr(start, i_ - start))
      if (d != '?') path.push_back(d);
    if (path.empty()) return Err("unexpected \"" + std::string(1, c) + "\"");
    auto f = Field::Parse(path);
    if (!f.ok()) return Err(std::string(f.status().message()));
    auto n = Make(N::Kind::kField);
    n->field = *f;
    return n;
  }

  std::string_view s_;
  size_t i_ = 0;
};

Val Eval(const N& n, const Entry& e);

bool Truthy(const Val& v) { return v.kind == N::Lit::kBool && v.b; }

Val Bool(bool b) {
  Val v;
  v.kind = N::Lit::kBool;
  v.b = b;
  return v;
}

Val Eval(const N& n, const Entry& e) {
  switch (n.kind) {
    case N::Kind::kLiteral: {
      Val v;
      v.kind = n.lit;
      v.b = n.b;
      v.num = n.num;
      v.str = n.str;
      return v;
    }
    case N::Kind::kField: {
      Val v;
      const pdata::AnyValue* a = n.field.Get(e);
      if (!a) return v;
      switch (a->type) {
        case pdata::AnyValue::Type::kString:
        case pdata::AnyValue::Type::kBytes:
          v.kind = N::Lit::kStr, v.str = a->string_value;
          break;
        case pdata::AnyValue::Type::kInt:
          v.kind = N::Lit::kNum, v.num = static_cast<double>(a->int_value);
          break;
        case pdata::AnyValue::Type::kDouble:
          v.kind = N::Lit::kNum, v.num = a->double_value;
          break;
        case pdata::AnyValue::Type::kBool:
          v.kind = N::Lit::kBool, v.b = a->bool_value;
          break;
        case pdata::AnyValue::Type::kEmpty:
          break;
        default:
          v.kind = N::Lit::kStr, v.other = true;
      }
      return v;
    }
    case N::Kind::kNot:
      return Bool(!Truthy(Eval(*n.kids[0], e)));
    case N::Kind::kAnd:
      return Bool(Truthy(Eval(*n.kids[0], e)) && Truthy(Eval(*n.kids[1], e)));
    case N::Kind::kOr:
      return Bool(Truthy(Eval(*n.kids[0], e)) || Truthy(Eval(*n.kids[1], e)));
    case N::Kind::kCompare: {
      Val l = Eval(*n.kids[0], e), r = Eval(*n.kids[1], e);
      const std::string& op = n.op;
      if (op == "==" || op == "!=") {
        bool eq = l.kind == r.kind && !l.other && !r.other &&
                  (l.kind == N::Lit::kNil || (l.kind == N::Lit::kBool && l.b == r.b) ||
                   (l.kind == N::Lit::kNum && l.num == r.num) ||
                   (l.kind == N::Lit::kStr && l.str == r.str));
        if (l.kind != N::Lit::kNil && r.kind == N::Lit::kNil) eq = false;
        if (l.other && r.kind == N::Lit::kNil) eq = false;
        return Bool(op == "==" ? eq : !eq);
      }
      if (op == "matches") {
        if (l.kind != N::Lit::kStr || l.other) return Bool(false);
        return Bool(RE2::PartialMatch(re2::StringPiece(l.str.data(), l.str.size()), *n.re));
      }
      if (l.kind == N::Lit::kStr && r.kind == N::Lit::kStr && !l.other && !r.other) {
        if (op == "contains") return Bool(l.str.find(r.str) != std::string_view::npos);
        if (op == "startsWith") return Bool(l.str.starts_with(r.str));
        if (op == "endsWith") return Bool(l.str.ends_with(r.str));
        if (op == "<") return Bool(l.str < r.str);
        if (op == "<=") return Bool(l.str <= r.str);
        if (op == ">") return Bool(l.str > r.str);
        if (op == ">=") return Bool(l.str >= r.str);
      }
      if (l.kind == N::Lit::kNum && r.kind == N::Lit::kNum) {
        if (op == "<") return Bool(l.num < r.num);
        if (op == "<=") return Bool(l.num <= r.num);
        if (op == ">") return Bool(l.num > r.num);
        if (op == ">=") return Bool(l.num >= r.num);
      }
      return Bool(false);
    }
  }
  return Val{};
}

}  // namespace

StatusOr<std::unique_ptr<Condition>> Condition::Parse(std::string_view text) {
  Parser p(text);
  ASSIGN_OR_RETURN(auto root, p.ParseAll());
  auto c = std::unique_ptr<Condition>(new Condition());
  c->root_ = std::move(root);
  return c;
}

Condition::~Condition() = default;

bool Condition::Eval(const Entry& e) const { return Truthy(filelog::Eval(*root_, e)); }

}  // namespace otter::filelog
