#include "query/promql/parser.h"

#include <cmath>
#include <string>

#include "query/promql/lexer.h"

namespace otter::query::promql {

std::string_view DocumentedTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
  }
  return "";
}

std::string_view ResultTypeName(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
    case ValueType::kString:
      return "string";
  }
  return "";
}

bool IsComparison(BinOp op) { return op >= BinOp::kEq && op <= BinOp::kLe; }
bool IsSetOp(BinOp op) { return op >= BinOp::kAnd; }

std::string_view BinOpName(BinOp op) {
  static constexpr std::string_view kNames[] = {"+",     "-",   "*",  "/",     "%", "^",
                                                "atan2", "==",  "!=", ">",     "<", ">=",
                                                "<=",    "and", "or", "unless"};
  return kNames[static_cast<int>(op)];
}

const Node& StripParens(const Node& n) {
  const Node* p = &n;
  while (p->kind == NodeKind::kParen) p = p->children[0].get();
  return *p;
}

const FunctionInfo* LookupFunction(std::string_view name) {
  using VT = ValueType;
  constexpr VT S = VT::kScalar, V = VT::kVector, M = VT::kMatrix, Str = VT::kString;
  static const std::vector<FunctionInfo> kFunctions = {
      {"abs", {V}, 0, V},
      {"acosh", {V}, 0, V},
      {"asinh", {V}, 0, V},
      {"atanh", {V}, 0, V},
      {"cosh", {V}, 0, V},
      {"double_exponential_smoothing", {M, S, S}, 0, V},
      {"first_over_time", {M}, 0, V},
      {"mad_over_time", {M}, 0, V},
      {"sinh", {V}, 0, V},
      {"sort_by_label", {V, Str}, -1, V},
      {"sort_by_label_desc", {V, Str}, -1, V},
      {"tanh", {V}, 0, V},
      {"ts_of_first_over_time", {M}, 0, V},
      {"ts_of_last_over_time", {M}, 0, V},
      {"ts_of_max_over_time", {M}, 0, V},
      {"ts_of_min_over_time", {M}, 0, V},
      // otter extensions (src/analytics/forecast, docs/promql.md).
      {"forecast", {M, S, S}, 1, V},
      {"time_to_threshold", {M, S, S}, 1, V},
      {"absent", {V}, 0, V},
      {"absent_over_time", {M}, 0, V},
      {"acos", {V}, 0, V},
      {"asin", {V}, 0, V},
      {"atan", {V}, 0, V},
      {"avg_over_time", {M}, 0, V},
      {"ceil", {V}, 0, V},
      {"changes", {M}, 0, V},
      {"clamp", {V, S, S}, 0, V},
      {"clamp_max", {V, S}, 0, V},
      {"clamp_min", {V, S}, 0, V},
      {"cos", {V}, 0, V},
      {"count_over_time", {M}, 0, V},
      {"day_of_month", {V}, 1, V},
      {"day_of_week", {V}, 1, V},
      {"day_of_year", {V}, 1, V},
      {"days_in_month", {V}, 1, V},
      {"deg", {V}, 0, V},
      {"delta", {M}, 0, V},
      {"deriv", {M}, 0, V},
      {"exp", {V}, 0, V},
      {"floor", {V}, 0, V},
      {"histogram_avg", {V}, 0, V},
      {"histogram_count", {V}, 0, V},
      {"histogram_fraction", {S, S, V}, 0, V},
      {"histogram_quantile", {S, V}, 0, V},
      {"histogram_stddev", {V}, 0, V},
      {"histogram_stdvar", {V}, 0, V},
      {"histogram_sum", {V}, 0, V},
      {"hour", {V}, 1, V},
      {"info", {V, V}, 1, V},
      {"idelta", {M}, 0, V},
      {"increase", {M}, 0, V},
      {"irate", {M}, 0, V},
      {"label_join", {V, Str, Str, Str}, -1, V},
      {"label_replace", {V, Str, Str, Str, Str}, 0, V},
      {"last_over_time", {M}, 0, V},
      {"ln", {V}, 0, V},
      {"log10", {V}, 0, V},
      {"log2", {V}, 0, V},
      {"max_over_time", {M}, 0, V},
      {"min_over_time", {M}, 0, V},
      {"minute", {V}, 1, V},
      {"month", {V}, 1, V},
      {"pi", {}, 0, S},
      {"predict_linear", {M, S}, 0, V},
      {"present_over_time", {M}, 0, V},
      {"quantile_over_time", {S, M}, 0, V},
      {"rad", {V}, 0, V},
      {"rate", {M}, 0, V},
      {"resets", {M}, 0, V},
      {"round", {V, S}, 1, V},
      {"scalar", {V}, 0, S},
      {"sgn", {V}, 0, V},
      {"sin", {V}, 0, V},
      {"sort", {V}, 0, V},
      {"sort_desc", {V}, 0, V},
      {"sqrt", {V}, 0, V},
      {"stddev_over_time", {M}, 0, V},
      {"stdvar_over_time", {M}, 0, V},
      {"sum_over_time", {M}, 0, V},
      {"tan", {V}, 0, V},
      {"time", {}, 0, S},
      {"timestamp", {V}, 0, V},
      {"vector", {S}, 0, V},
      {"year", {V}, 1, V},
  };
  for (const auto& f : kFunctions)
    if (f.name == name) return &f;
  return nullptr;
}

namespace {

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

int Precedence(BinOp op) {
  switch (op) {
    case BinOp::kOr:
      return 1;
    case BinOp::kAnd:
    case BinOp::kUnless:
      return 2;
    case BinOp::kEq:
    case BinOp::kNe:
    case BinOp::kGt:
    case BinOp::kLt:
    case BinOp::kGe:
    case BinOp::kLe:
      return 3;
    case BinOp::kAdd:
    case BinOp::kSub:
      return 4;
    case BinOp::kMul:
    case BinOp::kDiv:
    case BinOp::kMod:
    case BinOp::kAtan2:
      return 5;
    case BinOp::kPow:
      return 6;
  }
  return 0;
}

constexpr int kPowPrecedence = 6;

class Parser {
 public:
  Parser(std::string_view q, std::vector<Token> toks) : q_(q), toks_(std::move(toks)) {}

  StatusOr<std::unique_ptr<Node>> ParseAll() {
    if (Peek().type == Tok::kEof) return Error(0, "no expression found in input");
    ASSIGN_OR_RETURN(auto n, ParseBinary(0));
    if (Peek().type != Tok::kEof) return UnexpectedAtTop();
    return n;
  }

  StatusOr<store::Matchers> ParseSelectorOnly() {
    if (Peek().type == Tok::kEof) return Error(0, "no expression found in input");
    ASSIGN_OR_RETURN(auto n, ParsePrimary());
    if (n->kind != NodeKind::kVectorSelector) {
      return Error(
          n->pos, "expected type vector selector, got " + std::string(DocumentedTypeName(n->type)));
    }
    if (Peek().type != Tok::kEof) return UnexpectedAtTop();
    return n->matchers;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = std::min(i_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  const Token& Take() {
    const Token& t = toks_[i_];
    if (i_ + 1 < toks_.size()) ++i_;
    return t;
  }
  bool PeekWord(std::string_view w) const {
    return Peek().type == Tok::kIdentifier && Peek().lower == w;
  }

  Status Error(size_t pos, std::string_view msg) const {
    return InvalidArgument(FormatParseError(q_, pos, msg));
  }
  Status Unexpected(std::string_view context = "", std::string_view expected = "") const {
    const Token& t = Peek();
    std::string msg = "unexpected " + t.Describe();
    if (!context.empty()) msg += " in " + std::string(context);
    if (!expected.empty()) msg += ", expected " + std::string(expected);
    return Error(t.pos, msg);
  }
  Status EofInBraces() const { return Error(Peek().pos, "unexpected end of input inside braces"); }
  Status UnexpectedAtTop() const {
    if (Peek().type == Tok::kRParen) return Error(Peek().pos, "unexpected right parenthesis ')'");
    if (Peek().type == Tok::kRBracket) return Error(Peek().pos, "unexpected right bracket ']'");
    if (Peek().type == Tok::kRBrace) return Error(Peek().pos, "unexpected right brace '}'");
    return Unexpected();
  }
  Status Expect(Tok type, std::string_view context, std::string_view expected) {
    if (Peek().type != type) return Unexpected(context, expected);
    Take();
    return Status::Ok();
  }

  std::optional<BinOp> PeekBinOp() const {
    const Token& t = Peek();
    switch (t.type) {
      case Tok::kAdd:
        return BinOp::kAdd;
      case Tok::kSub:
        return BinOp::kSub;
      case Tok::kMul:
        return BinOp::kMul;
      case Tok::kDiv:
        return BinOp::kDiv;
      case Tok::kMod:
        return BinOp::kMod;
      case Tok::kPow:
        return BinOp::kPow;
      case Tok::kEqlc:
        return BinOp::kEq;
      case Tok::kNeq:
        return BinOp::kNe;
      case Tok::kGtr:
        return BinOp::kGt;
      case Tok::kLss:
        return BinOp::kLt;
      case Tok::kGte:
        return BinOp::kGe;
      case Tok::kLte:
        return BinOp::kLe;
      case Tok::kIdentifier:
        if (t.lower == "and") return BinOp::kAnd;
        if (t.lower == "or") return BinOp::kOr;
        if (t.lower == "unless") return BinOp::kUnless;
        if (t.lower == "atan2") return BinOp::kAtan2;
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }

  StatusOr<std::unique_ptr<Node>> ParseBinary(int min_prec) {
    ASSIGN_OR_RETURN(auto lhs, ParseUnary());
    while (true) {
      auto op = PeekBinOp();
      if (!op) break;
      int prec = Precedence(*op);
      if (prec < min_prec) break;
      const Token& op_tok = Take();
      size_t op_pos = op_tok.pos;
      auto node = std::make_unique<Node>();
      node->kind = NodeKind::kBinary;
      node->bin_op = *op;
      node->pos = lhs->pos;
      if (PeekWord("bool")) {
        if (!IsComparison(*op))
          return Error(Peek().pos, "bool modifier can only be used on comparison operators");
        Take();
        node->return_bool = true;
      }
      bool has_matching = false, has_group = false;
      if (PeekWord("on") || PeekWord("ignoring")) {
        has_matching = true;
        node->matching.on = Take().lower == "on";
        ASSIGN_OR_RETURN(node->matching.labels, ParseLabelList("grouping opts"));
        if (PeekWord("group_left") || PeekWord("group_right")) {
          has_group = true;
          node->matching.card = Take().lower == "group_left" ? VectorMatching::Card::kManyToOne
                                                             : VectorMatching::Card::kOneToMany;
          if (Peek().type == Tok::kLParen) {
            ASSIGN_OR_RETURN(node->matching.include, ParseLabelList("grouping opts"));
          }
          if (IsSetOp(*op)) {
            return Error(node->pos,
                         "no grouping allowed for " + Quote(BinOpName(*op)) + " operation");
          }
        }
      }
      // ^ is right-associative; everything else left-associative.
      int next_min = *op == BinOp::kPow ? prec : prec + 1;
      ASSIGN_OR_RETURN(auto rhs, ParseBinary(next_min));
      node->children.push_back(std::move(lhs));
      node->children.push_back(std::move(rhs));
      RETURN_IF_ERROR(CheckBinary(*node, op_pos, has_matching, has_group));
      lhs = std::move(node);
    }
    return lhs;
  }

  Status CheckBinary(Node& n, size_t op_pos, bool has_matching, bool has_group) {
    const Node& l = *n.children[0];
    const Node& r = *n.children[1];
    auto ok_type = [](ValueType t) { return t == ValueType::kScalar || t == ValueType::kVector; };
    if (!ok_type(l.type) || !ok_type(r.type))
      return Error(ok_type(l.type) ? r.pos : l.pos,
                   "binary expression must contain only scalar and instant vector types");
    bool both_vectors = l.type == ValueType::kVector && r.type == ValueType::kVector;
    if (IsSetOp(n.bin_op)) {
      if (!both_vectors) {
        return Error(n.pos, "set operator " + Quote(BinOpName(n.bin_op)) +
                                " not allowed in binary scalar expression");
      }
      n.matching.card = VectorMatching::Card::kManyToMany;
    }
    if (!both_vectors && has_matching && !n.matching.labels.empty())
      return Error(n.pos, "vector matching only allowed between instant vectors");
    if (IsComparison(n.bin_op) && !n.return_bool && l.type == ValueType::kScalar &&
        r.type == ValueType::kScalar)
      return Error(op_pos, "comparisons between scalars must use BOOL modifier");
    if (has_matching && has_group) {
      for (const auto& inc : n.matching.include)
        for (const auto& m : n.matching.labels)
          if (inc == m && n.matching.on)
            return Error(op_pos,
                         "label " + Quote(inc) + " must not occur in ON and GROUP clause at once");
    }
    n.type = both_vectors || l.type == ValueType::kVector || r.type == ValueType::kVector
                 ? ValueType::kVector
                 : ValueType::kScalar;
    return Status::Ok();
  }

  StatusOr<std::unique_ptr<Node>> ParseUnary() {
    if (Peek().type == Tok::kSub || Peek().type == Tok::kAdd) {
      const Token& t = Take();
      bool neg = t.type == Tok::kSub;
      size_t pos = t.pos;
      ASSIGN_OR_RETURN(auto operand, ParseBinary(kPowPrecedence));
      if (operand->type != ValueType::kScalar && operand->type != ValueType::kVector) {
        return Error(pos,
                     "unary expression only allowed on expressions of type scalar or instant "
                     "vector, got " +
                         Quote(DocumentedTypeName(operand->type)));
      }
      if (operand->kind == NodeKind::kNumber) {
        if (neg) operand->number = -operand->number;
        operand->pos = pos;
        return operand;
      }
      auto n = std::make_unique<Node>();
      n->kind = NodeKind::kUnary;
      n->bin_op = neg ? BinOp::kSub : BinOp::kAdd;
      n->pos = pos;
      n->type = operand->type;
      n->children.push_back(std::move(operand));
      return n;
    }
    ASSIGN_OR_RETURN(auto n, ParsePrimary());
    return ParsePostfix(std::move(n));
  }

  StatusOr<std::unique_ptr<Node>> ParsePostfix(std::unique_ptr<Node> n) {
    while (true) {
      if (Peek().type == Tok::kLBracket) {
        ASSIGN_OR_RETURN(n, ParseRangeOrSubquery(std::move(n)));
      } else if (PeekWord("offset")) {
        RETURN_IF_ERROR(ParseOffset(*n));
      } else if (PeekWord("anchored") || PeekWord("smoothed")) {
        RETURN_IF_ERROR(ParseExtendedModifier(*n));
      } else if (Peek().type == Tok::kAt) {
        RETURN_IF_ERROR(ParseAt(*n));
      } else {
        return n;
      }
    }
  }

  // The node that carries offset/@ for `n`: the selector itself, a matrix's selector, or the
  // subquery; nullptr when modifiers are not allowed.
  Node* ModifierTarget(Node& n) {
    if (n.kind == NodeKind::kVectorSelector || n.kind == NodeKind::kSubquery) return &n;
    if (n.kind == NodeKind::kMatrixSelector) return n.children[0].get();
    return nullptr;
  }

  Status ParseOffset(Node& n) {
    size_t pos = Take().pos;
    Node* target = ModifierTarget(n);
    if (!target)
      return Error(pos,
                   "offset modifier must be preceded by an instant vector selector or range "
                   "vector selector or a subquery");
    // A literal, step(), min/max(...) or a parenthesised duration expression, with an optional
    // sign; operators after it apply to the whole vector (`x offset 1m * 2`).
    ASSIGN_OR_RETURN(DurPtr d, ParseDurUnary(false, "offset", "number, duration, or step()"));
    if (target->offset_ms != 0 || target->offset_expr)
      return Error(pos, "offset may not be set multiple times");
    if (d->op == DurationExpr::Op::kNumber) {
      target->offset_ms = SecondsToMillis(d->number);
    } else {
      target->offset_expr = std::move(d);
    }
    return Status::Ok();
  }

  // ------------------------------------------------ duration expressions (Prometheus 3)
  using DurPtr = std::unique_ptr<DurationExpr>;

  static int64_t SecondsToMillis(double s) { return static_cast<int64_t>(std::llround(s * 1000)); }

  static DurPtr DurNode(DurationExpr::Op op, size_t pos, size_t end, DurPtr lhs = nullptr,
                        DurPtr rhs = nullptr) {
    auto d = std::make_unique<DurationExpr>();
    d->op = op;
    d->pos = pos;
    d->end = end;
    d->lhs = std::move(lhs);
    d->rhs = std::move(rhs);
    return d;
  }

  // [+-] operand. `full`: the operand may be any expression above ^; otherwise a primary.
  StatusOr<DurPtr> ParseDurUnary(bool full, std::string_view context, std::string_view expected) {
    if (Peek().type == Tok::kSub || Peek().type == Tok::kAdd) {
      const Token& sign = Take();
      bool neg = sign.type == Tok::kSub;
      size_t pos = sign.pos;
      DurPtr operand;
      if (full) {
        ASSIGN_OR_RETURN(operand, ParseDurExpr(3));
      } else {
        ASSIGN_OR_RETURN(operand, ParseDurPrimary(context, expected));
      }
      if (operand->op == DurationExpr::Op::kNumber) {
        if (neg) operand->number = -operand->number;
        operand->pos = pos;
        return operand;
      }
      if (!neg) return operand;
      size_t end = operand->end;
      return DurNode(DurationExpr::Op::kNeg, pos, end, std::move(operand));
    }
    return ParseDurPrimary(context, expected);
  }

  StatusOr<DurPtr> ParseDurPrimary(std::string_view context, std::string_view expected) {
    const Token& t = Peek();
    size_t pos = t.pos;
    if (t.type == Tok::kNumber || t.type == Tok::kDuration) {
      auto d = DurNode(DurationExpr::Op::kNumber, pos, pos + t.text.size());
      d->number = t.type == Tok::kNumber ? t.number : static_cast<double>(t.millis) / 1000;
      Take();
      return d;
    }
    if (t.type == Tok::kLParen) {
      Take();
      ASSIGN_OR_RETURN(DurPtr inner, ParseDurExpr(0));
      if (Peek().type != Tok::kRParen) return Unexpected("duration expression", "\")\"");
      Take();
      return inner;
    }
    if (t.type == Tok::kIdentifier && Peek(1).type == Tok::kLParen) {
      if (t.lower == "step" && Peek(2).type == Tok::kRParen) {
        Take();
        Take();
        size_t end = Take().pos + 1;
        return DurNode(DurationExpr::Op::kStep, pos, end);
      }
      if (t.lower == "min" || t.lower == "max") {
        auto op = t.lower == "min" ? DurationExpr::Op::kMin : DurationExpr::Op::kMax;
        Take();
        Take();
        ASSIGN_OR_RETURN(DurPtr a, ParseDurExpr(0));
        if (Peek().type != Tok::kComma) return Unexpected("duration expression", "\",\"");
        Take();
        ASSIGN_OR_RETURN(DurPtr b, ParseDurExpr(0));
        if (Peek().type != Tok::kRParen) return Unexpected("duration expression", "\")\"");
        size_t end = Take().pos + 1;
        return DurNode(op, pos, end, std::move(a), std::move(b));
      }
    }
    return Unexpected(context, expected);
  }

  // Precedence climbing: + - (1), * / % (2), ^ (3, right-associative); unary binds above * /.
  StatusOr<DurPtr> ParseDurExpr(int min_prec) {
    ASSIGN_OR_RETURN(DurPtr lhs,
                     ParseDurUnary(true, "duration expression", "number, duration, or step()"));
    while (true) {
      DurationExpr::Op op;
      int prec;
      switch (Peek().type) {
        case Tok::kAdd:
          op = DurationExpr::Op::kAdd, prec = 1;
          break;
        case Tok::kSub:
          op = DurationExpr::Op::kSub, prec = 1;
          break;
        case Tok::kMul:
          op = DurationExpr::Op::kMul, prec = 2;
          break;
        case Tok::kDiv:
          op = DurationExpr::Op::kDiv, prec = 2;
          break;
        case Tok::kMod:
          op = DurationExpr::Op::kMod, prec = 2;
          break;
        case Tok::kPow:
          op = DurationExpr::Op::kPow, prec = 3;
          break;
        default:
          return lhs;
      }
      if (prec < min_prec) return lhs;
      size_t op_pos = Take().pos;
      ASSIGN_OR_RETURN(DurPtr rhs, ParseDurExpr(op == DurationExpr::Op::kPow ? prec : prec + 1));
      bool zero_literal = rhs->op == DurationExpr::Op::kNumber && rhs->number == 0;
      if (op == DurationExpr::Op::kDiv && zero_literal) return Error(op_pos, "division by zero");
      if (op == DurationExpr::Op::kMod && zero_literal) return Error(op_pos, "modulo by zero");
      size_t pos = lhs->pos, end = rhs->end;
      lhs = DurNode(op, pos, end, std::move(lhs), std::move(rhs));
    }
  }

  // `anchored` / `smoothed` (Prometheus 3 experimental) after a selector.
  Status ParseExtendedModifier(Node& n) {
    std::string name = Take().lower;
    if (n.kind == NodeKind::kSubquery)
      return Error(n.pos, name + " modifier is not supported for subqueries");
    Node* sel = n.kind == NodeKind::kMatrixSelector   ? n.children[0].get()
                : n.kind == NodeKind::kVectorSelector ? &n
                                                      : nullptr;
    if (!sel) return Error(n.pos, name + " modifier not implemented");
    (name == "anchored" ? sel->anchored : sel->smoothed) = true;
    if (sel->anchored && sel->smoothed)
      return Error(n.pos, "anchored and smoothed modifiers cannot be used together");
    return Status::Ok();
  }

  Status ParseAt(Node& n) {
    size_t pos = Take().pos;
    Node* target = ModifierTarget(n);
    if (!target)
      return Error(pos,
                   "@ modifier must be preceded by an instant vector selector or range vector "
                   "selector or a subquery");
    if (target->at.kind != AtModifier::Kind::kNone)
      return Error(pos, "@ <timestamp> may not be set multiple times");
    bool neg = false;
    if (Peek().type == Tok::kSub || Peek().type == Tok::kAdd) neg = Take().type == Tok::kSub;
    if (Peek().type == Tok::kNumber || Peek().type == Tok::kDuration) {
      // Prometheus 3: a duration is a number of seconds here too.
      double v =
          Peek().type == Tok::kNumber ? Take().number : static_cast<double>(Take().millis) / 1000;
      if (neg) v = -v;
      if (!std::isfinite(v) || std::fabs(v) > 9.2e15)
        return Error(pos, "timestamp out of bounds for @ modifier: " + std::to_string(v));
      target->at.kind = AtModifier::Kind::kTimestamp;
      target->at.t_ms = static_cast<int64_t>(std::llround(v * 1000));
      return Status::Ok();
    }
    if (!neg && (PeekWord("start") || PeekWord("end")) && Peek(1).type == Tok::kLParen &&
        Peek(2).type == Tok::kRParen) {
      target->at.kind = Take().lower == "start" ? AtModifier::Kind::kStart : AtModifier::Kind::kEnd;
      Take();
      Take();
      return Status::Ok();
    }
    return Unexpected("@", "timestamp");
  }

  StatusOr<std::unique_ptr<Node>> ParseRangeOrSubquery(std::unique_ptr<Node> n) {
    size_t lpos = Take().pos;
    int64_t range = 0;
    size_t range_pos = Peek().pos;
    if (Peek().type == Tok::kEof) return Error(lpos, "unclosed left bracket");
    ASSIGN_OR_RETURN(DurPtr range_expr,
                     ParseDurExpr(0));  // a literal or (Prometheus 3) an expression
    if (range_expr->op == DurationExpr::Op::kNumber) {
      range = SecondsToMillis(range_expr->number);
      range_expr.reset();
      if (range <= 0) return Error(range_pos, "duration must be greater than 0");
    }
    if (Peek().type == Tok::kRBracket) {
      Take();
      if (n->kind != NodeKind::kVectorSelector)
        return Error(lpos, "ranges only allowed for vector selectors");
      if (n->offset_ms != 0 || n->offset_expr)
        return Error(lpos, "no offset modifiers allowed before range");
      if (n->at.kind != AtModifier::Kind::kNone)
        return Error(lpos, "no @ modifiers allowed before range");
      auto m = std::make_unique<Node>();
      m->kind = NodeKind::kMatrixSelector;
      m->type = ValueType::kMatrix;
      m->pos = n->pos;
      m->range_ms = range;
      m->range_expr = std::move(range_expr);
      m->children.push_back(std::move(n));
      return m;
    }
    if (Peek().type != Tok::kColon) {
      if (Peek().type == Tok::kEof) return Error(lpos, "unclosed left bracket");
      return Unexpected("subquery or range selector", "\":\" or \"]\"");
    }
    Take();
    int64_t step = 0;
    DurPtr step_expr;
    size_t step_pos = Peek().pos;
    if (Peek().type == Tok::kEof) return Error(lpos, "unclosed left bracket");
    if (Peek().type != Tok::kRBracket) {
      ASSIGN_OR_RETURN(step_expr, ParseDurExpr(0));
      if (step_expr->op == DurationExpr::Op::kNumber) {
        step = SecondsToMillis(step_expr->number);
        step_expr.reset();
        if (step <= 0) return Error(step_pos, "duration must be greater than 0");
      }
      if (Peek().type != Tok::kRBracket) {
        if (Peek().type == Tok::kEof) return Error(lpos, "unclosed left bracket");
        return Unexpected("subquery selector", "\"]\"");
      }
    }
    Take();
    if (n->type != ValueType::kVector) {
      return Error(n->pos, "subquery is only allowed on instant vector, got " +
                               std::string(ResultTypeName(n->type)) + " instead");
    }
    auto s = std::make_unique<Node>();
    s->kind = NodeKind::kSubquery;
    s->type = ValueType::kMatrix;
    s->pos = n->pos;
    s->range_ms = range;
    s->step_ms = step;
    s->range_expr = std::move(range_expr);
    s->step_expr = std::move(step_expr);
    s->children.push_back(std::move(n));
    return s;
  }

  StatusOr<std::vector<std::string>> ParseLabelList(std::string_view context) {
    std::vector<std::string> out;
    if (Peek().type != Tok::kLParen) return Unexpected(context, "\"(\"");
    Take();
    while (true) {
      if (Peek().type == Tok::kRParen) {
        Take();
        return out;
      }
      if (Peek().type != Tok::kIdentifier) {
        if (Peek().type == Tok::kEof) return Unexpected(context);
        return Unexpected(context, "label");
      }
      out.push_back(Take().text);
      if (Peek().type == Tok::kComma) {
        Take();
      } else if (Peek().type != Tok::kRParen) {
        return Unexpected(context, "\",\" or \")\"");
      }
    }
  }

  StatusOr<std::unique_ptr<Node>> ParsePrimary() {
    const Token& t = Peek();
    switch (t.type) {
      case Tok::kNumber: {
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::kNumber;
        n->type = ValueType::kScalar;
        n->pos = t.pos;
        n->number = Take().number;
        return n;
      }
      case Tok::kDuration: {  // Prometheus 3: a duration is a number of seconds
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::kNumber;
        n->type = ValueType::kScalar;
        n->pos = t.pos;
        n->number = static_cast<double>(Take().millis) / 1000;
        return n;
      }
      case Tok::kString: {
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::kString;
        n->type = ValueType::kString;
        n->pos = t.pos;
        n->text = Take().text;
        return n;
      }
      case Tok::kLParen: {
        size_t pos = Take().pos;
        ASSIGN_OR_RETURN(auto inner, ParseBinary(0));
        if (Peek().type != Tok::kRParen) {
          if (Peek().type == Tok::kEof) return Error(pos, "unclosed left parenthesis");
          return Unexpected("paren expression", "\")\"");
        }
        Take();
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::kParen;
        n->pos = pos;
        n->type = inner->type;
        n->children.push_back(std::move(inner));
        return n;
      }
      case Tok::kLBrace:
        return ParseSelector("", t.pos);
      case Tok::kIdentifier: {
        if (IsAggregator(t.lower)) return ParseAggregate();
        if (Peek(1).type == Tok::kLParen) return ParseCall();
        if (IsKeyword(t.lower)) return Unexpected();
        size_t pos = t.pos;
        std::string name = Take().text;
        return ParseSelector(name, pos);
      }
      case Tok::kEof:
        return Unexpected();
      case Tok::kRParen:
        return Error(t.pos, "unexpected right parenthesis ')'");
      default:
        return Unexpected();
    }
  }

  StatusOr<std::unique_ptr<Node>> ParseSelector(const std::string& name, size_t pos) {
    auto n = std::make_unique<Node>();
    n->kind = NodeKind::kVectorSelector;
    n->type = ValueType::kVector;
    n->pos = pos;
    n->text = name;
    if (Peek().type == Tok::kLBrace) {
      Take();
      while (true) {
        if (Peek().type == Tok::kRBrace) {
          Take();
          break;
        }
        if (Peek().type == Tok::kEof) return EofInBraces();
        if (Peek().type != Tok::kIdentifier)
          return Unexpected("label matching", "identifier or \"}\"");
        std::string lname = Take().text;
        store::LabelMatcher::Op op;
        if (Peek().type == Tok::kEof) return EofInBraces();
        switch (Peek().type) {
          case Tok::kAssign:
            op = store::LabelMatcher::Op::kEq;
            break;
          case Tok::kNeq:
            op = store::LabelMatcher::Op::kNe;
            break;
          case Tok::kEqlRegex:
            op = store::LabelMatcher::Op::kRe;
            break;
          case Tok::kNeqRegex:
            op = store::LabelMatcher::Op::kNre;
            break;
          default:
            return Unexpected("label matching", "label matching operator");
        }
        Take();
        if (Peek().type == Tok::kEof) return EofInBraces();
        if (Peek().type != Tok::kString) return Unexpected("label matching", "string");
        size_t vpos = Peek().pos;
        std::string value = Take().text;
        auto m = store::LabelMatcher::Make(op, lname, value);
        if (!m.ok()) return Error(vpos, m.status().message());
        if (lname == "__name__" && op == store::LabelMatcher::Op::kEq && !name.empty()) {
          return Error(pos,
                       "metric name must not be set twice: " + Quote(name) + " or " + Quote(value));
        }
        n->matchers.push_back(std::move(*m));
        if (Peek().type == Tok::kComma) {
          Take();
        } else if (Peek().type == Tok::kEof) {
          return EofInBraces();
        } else if (Peek().type != Tok::kRBrace) {
          return Unexpected("label matching", "\",\" or \"}\"");
        }
      }
    }
    if (!name.empty()) {
      auto m = store::LabelMatcher::Make(store::LabelMatcher::Op::kEq, "__name__", name);
      n->matchers.insert(n->matchers.begin(), std::move(*m));
    }
    bool non_empty = false;
    for (const auto& m : n->matchers)
      if (!m.MatchesEmpty()) non_empty = true;
    if (!non_empty && !label_selector_arg_)
      return Error(pos, "vector selector must contain at least one non-empty matcher");
    return n;
  }

  StatusOr<std::unique_ptr<Node>> ParseAggregate() {
    const Token& t = Take();
    auto n = std::make_unique<Node>();
    n->kind = NodeKind::kAggregate;
    n->type = ValueType::kVector;
    n->pos = t.pos;
    n->text = t.lower;
    static constexpr std::pair<std::string_view, AggOp> kOps[] = {
        {"sum", AggOp::kSum},           {"avg", AggOp::kAvg},
        {"min", AggOp::kMin},           {"max", AggOp::kMax},
        {"count", AggOp::kCount},       {"group", AggOp::kGroup},
        {"stddev", AggOp::kStddev},     {"stdvar", AggOp::kStdvar},
        {"topk", AggOp::kTopk},         {"bottomk", AggOp::kBottomk},
        {"quantile", AggOp::kQuantile}, {"count_values", AggOp::kCountValues},
        {"limitk", AggOp::kLimitK},     {"limit_ratio", AggOp::kLimitRatio}};
    for (const auto& [name, op] : kOps)
      if (name == n->text) n->agg_op = op;
    bool grouped = false;
    auto parse_grouping = [&]() -> Status {
      if (PeekWord("by") || PeekWord("without")) {
        if (grouped) return Unexpected("aggregation");
        n->without = Take().lower == "without";
        ASSIGN_OR_RETURN(n->grouping, ParseLabelList("grouping opts"));
        grouped = true;
      }
      return Status::Ok();
    };
    RETURN_IF_ERROR(parse_grouping());
    if (Peek().type != Tok::kLParen) return Unexpected("aggregation", "\"(\"");
    size_t lpos = Take().pos;
    std::vector<std::unique_ptr<Node>> args;
    while (Peek().type != Tok::kRParen) {
      if (Peek().type == Tok::kEof) return Error(lpos, "unclosed left parenthesis");
      ASSIGN_OR_RETURN(auto a, ParseBinary(0));
      args.push_back(std::move(a));
      if (Peek().type == Tok::kComma) {
        Take();
      } else if (Peek().type != Tok::kRParen) {
        if (Peek().type == Tok::kEof) return Error(lpos, "unclosed left parenthesis");
        return Unexpected("aggregation", "\",\" or \")\"");
      }
    }
    Take();
    RETURN_IF_ERROR(parse_grouping());
    bool has_param = n->agg_op == AggOp::kTopk || n->agg_op == AggOp::kBottomk ||
                     n->agg_op == AggOp::kQuantile || n->agg_op == AggOp::kCountValues ||
                     n->agg_op == AggOp::kLimitK || n->agg_op == AggOp::kLimitRatio;
    size_t want = has_param ? 2 : 1;
    if (args.size() != want) {
      if (args.empty()) return Error(n->pos, "no arguments for aggregate expression provided");
      return Error(n->pos,
                   "wrong number of arguments for aggregate expression provided, expected " +
                       std::to_string(want) + ", got " + std::to_string(args.size()));
    }
    if (has_param) {
      n->param = std::move(args[0]);
      ValueType want_param =
          n->agg_op == AggOp::kCountValues ? ValueType::kString : ValueType::kScalar;
      if (n->param->type != want_param) {
        return Error(n->param->pos, "expected type " + std::string(DocumentedTypeName(want_param)) +
                                        " in aggregation parameter, got " +
                                        std::string(DocumentedTypeName(n->param->type)));
      }
    }
    auto& expr = args.back();
    if (expr->type != ValueType::kVector) {
      return Error(expr->pos, "expected type instant vector in aggregation expression, got " +
                                  std::string(DocumentedTypeName(expr->type)));
    }
    n->children.push_back(std::move(expr));
    return n;
  }

  StatusOr<std::unique_ptr<Node>> ParseCall() {
    const Token& t = Take();
    const FunctionInfo* f = LookupFunction(t.text);
    if (!f) return Error(t.pos, "unknown function with name " + Quote(t.text));
    auto n = std::make_unique<Node>();
    n->kind = NodeKind::kCall;
    n->pos = t.pos;
    n->text = t.text;
    n->type = f->return_type;
    size_t lpos = Take().pos;  // (
    while (Peek().type != Tok::kRParen) {
      if (Peek().type == Tok::kEof) return Error(lpos, "unclosed left parenthesis");
      // info()'s label selector may match the empty string everywhere.
      label_selector_arg_ = n->text == "info" && n->children.size() == 1;
      auto parsed = ParseBinary(0);
      label_selector_arg_ = false;
      ASSIGN_OR_RETURN(auto a, std::move(parsed));
      if (n->text == "info" && n->children.size() == 1) {
        if (a->type != ValueType::kVector)
          return Error(n->pos, "expected type instant vector in call to function \"info\", got " +
                                   std::string(DocumentedTypeName(a->type)));
        if (a->kind != NodeKind::kVectorSelector)
          return Error(a->pos, "expected label selectors only");
        if (!a->text.empty())
          return Error(a->pos, "expected label selectors only, got vector selector instead");
      }
      n->children.push_back(std::move(a));
      if (Peek().type == Tok::kComma) {
        Take();
      } else if (Peek().type != Tok::kRParen) {
        if (Peek().type == Tok::kEof) return Error(lpos, "unclosed left parenthesis");
        return Unexpected("function call", "\",\" or \")\"");
      }
    }
    Take();
    size_t nargs = n->children.size();
    size_t ntypes = f->arg_types.size();
    std::string qname = Quote(f->name);
    if (f->variadic == 0) {
      if (nargs != ntypes)
        return Error(n->pos, "expected " + std::to_string(ntypes) + " argument(s) in call to " +
                                 qname + ", got " + std::to_string(nargs));
    } else if (f->variadic < 0) {
      if (nargs < ntypes - 1)
        return Error(n->pos, "expected at least " + std::to_string(ntypes - 1) +
                                 " argument(s) in call to " + qname + ", got " +
                                 std::to_string(nargs));
    } else {
      size_t min = ntypes - static_cast<size_t>(f->variadic);
      if (nargs < min)
        return Error(n->pos, "expected at least " + std::to_string(min) +
                                 " argument(s) in call to " + qname + ", got " +
                                 std::to_string(nargs));
      if (nargs > ntypes)
        return Error(n->pos, "expected at most " + std::to_string(ntypes) +
                                 " argument(s) in call to " + qname + ", got " +
                                 std::to_string(nargs));
    }
    for (size_t i = 0; i < nargs; ++i) {
      ValueType want = f->arg_types[std::min(i, ntypes - 1)];
      const Node& a = *n->children[i];
      if (a.type != want) {
        return Error(a.pos, "expected type " + std::string(DocumentedTypeName(want)) +
                                " in call to function " + qname + ", got " +
                                std::string(DocumentedTypeName(a.type)));
      }
    }
    return n;
  }

  std::string_view q_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  bool label_selector_arg_ = false;  // parsing info()'s second argument
};

}  // namespace

StatusOr<std::unique_ptr<Node>> ParseExpr(std::string_view query) {
  ASSIGN_OR_RETURN(auto toks, Lex(query));
  Parser p(query, std::move(toks));
  return p.ParseAll();
}

StatusOr<store::Matchers> ParseMetricSelector(std::string_view selector) {
  ASSIGN_OR_RETURN(auto toks, Lex(selector));
  Parser p(selector, std::move(toks));
  return p.ParseSelectorOnly();
}

void CollectSelectors(const Node& node, std::vector<store::Matchers>* out) {
  if (node.kind == NodeKind::kVectorSelector) out->push_back(node.matchers);
  if (node.param) CollectSelectors(*node.param, out);
  for (const auto& c : node.children) CollectSelectors(*c, out);
}

}  // namespace otter::query::promql
