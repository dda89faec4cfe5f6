// OTTL compiler: turns the syntax tree into evaluator nodes (literals, lists, maps, math,
// comparisons, and/or/not, keys), checks types that are known before running, and implements the
// public Statement / Condition API and context inference.
#include <cmath>
#include <map>

#include "ottl/internal.h"

namespace otter::ottl {

std::optional<ContextKind> ParseContextKind(std::string_view name) {
  if (name == "resource") return ContextKind::kResource;
  if (name == "scope" || name == "instrumentation_scope") return ContextKind::kScope;
  if (name == "span") return ContextKind::kSpan;
  if (name == "spanevent") return ContextKind::kSpanEvent;
  if (name == "metric") return ContextKind::kMetric;
  if (name == "datapoint") return ContextKind::kDataPoint;
  if (name == "log") return ContextKind::kLog;
  return std::nullopt;
}

std::string_view ContextKindName(ContextKind kind) {
  switch (kind) {
    case ContextKind::kResource:
      return "resource";
    case ContextKind::kScope:
      return "scope";
    case ContextKind::kSpan:
      return "span";
    case ContextKind::kSpanEvent:
      return "spanevent";
    case ContextKind::kMetric:
      return "metric";
    case ContextKind::kDataPoint:
      return "datapoint";
    case ContextKind::kLog:
      return "log";
  }
  return "";
}

std::optional<ErrorMode> ParseErrorMode(std::string_view name) {
  if (name == "ignore") return ErrorMode::kIgnore;
  if (name == "propagate") return ErrorMode::kPropagate;
  if (name == "silent") return ErrorMode::kSilent;
  return std::nullopt;
}

namespace internal {
namespace {

class Literal final : public Expr {
 public:
  explicit Literal(Value v, std::string storage = {}) : storage_(std::move(storage)), v_(v) {
    if (v_.type == Type::kString || v_.type == Type::kBytes) v_.string_value = storage_;
  }
  Status Eval(Context&, Value& out) const override {
    out = v_;
    return Status::Ok();
  }
  Status Peek(Context&, Value&, const Value** out) const override {
    *out = &v_;
    return Status::Ok();
  }

 private:
  std::string storage_;
  Value v_;
};

class ListExpr final : public Expr {
 public:
  explicit ListExpr(std::vector<ExprPtr> items) : items_(std::move(items)) {}
  Status Eval(Context& ctx, Value& out) const override {
    out = Value();
    out.type = Type::kArray;
    out.array_value.resize(items_.size());
    for (size_t i = 0; i < items_.size(); ++i)
      RETURN_IF_ERROR(items_[i]->Eval(ctx, out.array_value[i]));
    return Status::Ok();
  }

 private:
  std::vector<ExprPtr> items_;
};

class MapExpr final : public Expr {
 public:
  MapExpr(std::vector<std::string> keys, std::vector<ExprPtr> items)
      : keys_(std::move(keys)), items_(std::move(items)) {}
  Status Eval(Context& ctx, Value& out) const override {
    out = Value();
    out.type = Type::kKvList;
    out.kvlist_value.resize(items_.size());
    for (size_t i = 0; i < items_.size(); ++i) {
      out.kvlist_value[i].key = keys_[i];
      RETURN_IF_ERROR(items_[i]->Eval(ctx, out.kvlist_value[i].value));
    }
    return Status::Ok();
  }

 private:
  std::vector<std::string> keys_;
  std::vector<ExprPtr> items_;
};

class MathExpr final : public Expr {
 public:
  MathExpr(char op, ExprPtr l, ExprPtr r) : op_(op), l_(std::move(l)), r_(std::move(r)) {}
  Status Eval(Context& ctx, Value& out) const override {
    Value a, b;
    RETURN_IF_ERROR(l_->Eval(ctx, a));
    RETURN_IF_ERROR(r_->Eval(ctx, b));
    if (a.type == Type::kInt && b.type == Type::kInt) {
      int64_t x = a.int_value, y = b.int_value;
      if (op_ == '/' && y == 0) return InvalidArgument("attempted to divide by 0");
      out = Value::Int(op_ == '+' ? x + y : op_ == '-' ? x - y : op_ == '*' ? x * y : x / y);
      return Status::Ok();
    }
    auto num = [](const Value& v, double* d) {
      if (v.type == Type::kInt)
        *d = static_cast<double>(v.int_value);
      else if (v.type == Type::kDouble)
        *d = v.double_value;
      else
        return false;
      return true;
    };
    double x, y;
    if (!num(a, &x) || !num(b, &y)) {
      return InvalidArgument(std::string("unsupported math operation ") + std::string(TypeName(a)) +
                             " " + op_ + " " + std::string(TypeName(b)));
    }
    if (op_ == '/' && y == 0) return InvalidArgument("attempted to divide by 0");
    out = Value::Double(op_ == '+' ? x + y : op_ == '-' ? x - y : op_ == '*' ? x * y : x / y);
    return Status::Ok();
  }

 private:
  char op_;
  ExprPtr l_, r_;
};

class NegExpr final : public Expr {
 public:
  explicit NegExpr(ExprPtr e) : e_(std::move(e)) {}
  Status Eval(Context& ctx, Value& out) const override {
    RETURN_IF_ERROR(e_->Eval(ctx, out));
    if (out.type == Type::kInt)
      out.int_value = -out.int_value;
    else if (out.type == Type::kDouble)
      out.double_value = -out.double_value;
    else
      return InvalidArgument("cannot negate a " + std::string(TypeName(out)));
    return Status::Ok();
  }

 private:
  ExprPtr e_;
};

enum class CmpOp { kEq, kNe, kLt, kLe, kGt, kGe };

class CompareExpr final : public Expr {
 public:
  CompareExpr(CmpOp op, ExprPtr l, ExprPtr r) : op_(op), l_(std::move(l)), r_(std::move(r)) {}
  Status Eval(Context& ctx, Value& out) const override {
    bool r = false;
    RETURN_IF_ERROR(EvalBool(ctx, &r));
    out = Value::Bool(r);
    return Status::Ok();
  }
  Status EvalBool(Context& ctx, bool* r) const override {
    Value sa, sb;
    const Value *a = nullptr, *b = nullptr;
    RETURN_IF_ERROR(l_->Peek(ctx, sa, &a));
    RETURN_IF_ERROR(r_->Peek(ctx, sb, &b));
    *r = false;
    if (op_ == CmpOp::kEq || op_ == CmpOp::kNe) {
      *r = ValuesEqual(*a, *b) == (op_ == CmpOp::kEq);
    } else if (auto c = CompareValues(*a, *b)) {
      *r = op_ == CmpOp::kLt   ? *c < 0
           : op_ == CmpOp::kLe ? *c <= 0
           : op_ == CmpOp::kGt ? *c > 0
                               : *c >= 0;
    }
    return Status::Ok();
  }

 private:
  CmpOp op_;
  ExprPtr l_, r_;
};

// and / or short-circuit; not. Operands were checked to be boolean expressions.
class LogicExpr final : public Expr {
 public:
  LogicExpr(Node::Kind kind, ExprPtr l, ExprPtr r)
      : kind_(kind), l_(std::move(l)), r_(std::move(r)) {}
  Status Eval(Context& ctx, Value& out) const override {
    bool r = false;
    RETURN_IF_ERROR(EvalBool(ctx, &r));
    out = Value::Bool(r);
    return Status::Ok();
  }
  Status EvalBool(Context& ctx, bool* out) const override {
    bool a = false;
    RETURN_IF_ERROR(l_->EvalBool(ctx, &a));
    if (kind_ == Node::Kind::kNot) {
      *out = !a;
      return Status::Ok();
    }
    if (kind_ == Node::Kind::kAnd ? !a : a) {
      *out = a;
      return Status::Ok();
    }
    return r_->EvalBool(ctx, out);
  }

 private:
  Node::Kind kind_;
  ExprPtr l_, r_;
};

const std::map<std::string, int64_t, std::less<>>& Enums() {
  static const auto* kEnums = [] {
    auto* m = new std::map<std::string, int64_t, std::less<>>{
        {"SPAN_KIND_UNSPECIFIED", 0},
        {"SPAN_KIND_INTERNAL", 1},
        {"SPAN_KIND_SERVER", 2},
        {"SPAN_KIND_CLIENT", 3},
        {"SPAN_KIND_PRODUCER", 4},
        {"SPAN_KIND_CONSUMER", 5},
        {"STATUS_CODE_UNSET", 0},
        {"STATUS_CODE_OK", 1},
        {"STATUS_CODE_ERROR", 2},
        {"METRIC_DATA_TYPE_NONE", 0},
        {"METRIC_DATA_TYPE_GAUGE", 1},
        {"METRIC_DATA_TYPE_SUM", 2},
        {"METRIC_DATA_TYPE_HISTOGRAM", 3},
        {"METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM", 4},
        {"METRIC_DATA_TYPE_SUMMARY", 5},
        {"AGGREGATION_TEMPORALITY_UNSPECIFIED", 0},
        {"AGGREGATION_TEMPORALITY_DELTA", 1},
        {"AGGREGATION_TEMPORALITY_CUMULATIVE", 2},
        {"FLAG_NONE", 0},
        {"FLAG_NO_RECORDED_VALUE", 1},
        {"SEVERITY_NUMBER_UNSPECIFIED", 0},
    };
    const char* levels[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
    for (int l = 0; l < 6; ++l) {
      for (int k = 0; k < 4; ++k) {
        std::string name = std::string("SEVERITY_NUMBER_") + levels[l];
        if (k > 0) name += std::to_string(k + 1);
        (*m)[name] = l * 4 + k + 1;
      }
    }
    return m;
  }();
  return *kEnums;
}

bool IsBoolean(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kCompare:
    case Node::Kind::kAnd:
    case Node::Kind::kOr:
    case Node::Kind::kNot:
    case Node::Kind::kBool:
    case Node::Kind::kCall:
      return true;
    default:
      return false;
  }
}

}  // namespace

StatusOr<PathPtr> Compiler::Path(const Node& n) { return CompilePath(n, *this); }

StatusOr<ExprPtr> Compiler::Bool(const Node& n) {
  if (!IsBoolean(n)) {
    return ErrorAt(n.column,
                   "expected a condition (a comparison, true/false, a converter or "
                   "and/or/not), got a value");
  }
  switch (n.kind) {
    case Node::Kind::kAnd:
    case Node::Kind::kOr: {
      ASSIGN_OR_RETURN(ExprPtr l, Bool(*n.children[0]));
      ASSIGN_OR_RETURN(ExprPtr r, Bool(*n.children[1]));
      return ExprPtr(std::make_unique<LogicExpr>(n.kind, std::move(l), std::move(r)));
    }
    case Node::Kind::kNot: {
      ASSIGN_OR_RETURN(ExprPtr e, Bool(*n.children[0]));
      return ExprPtr(std::make_unique<LogicExpr>(n.kind, std::move(e), nullptr));
    }
    default:
      return Value(n);
  }
}

StatusOr<ExprPtr> Compiler::Value(const Node& n) {
  switch (n.kind) {
    case Node::Kind::kNil:
      return ExprPtr(std::make_unique<Literal>(internal::Value()));
    case Node::Kind::kBool:
      return ExprPtr(std::make_unique<Literal>(internal::Value::Bool(n.bool_value)));
    case Node::Kind::kInt:
      return ExprPtr(std::make_unique<Literal>(internal::Value::Int(n.int_value)));
    case Node::Kind::kFloat:
      return ExprPtr(std::make_unique<Literal>(internal::Value::Double(n.float_value)));
    case Node::Kind::kString:
      return ExprPtr(std::make_unique<Literal>(internal::Value::String(""), n.text));
    case Node::Kind::kBytes: {
      internal::Value v;
      v.type = Type::kBytes;
      return ExprPtr(std::make_unique<Literal>(v, n.text));
    }
    case Node::Kind::kEnum: {
      auto it = Enums().find(n.text);
      if (it == Enums().end()) return ErrorAt(n.column, "unknown enum symbol \"" + n.text + "\"");
      return ExprPtr(std::make_unique<Literal>(internal::Value::Int(it->second)));
    }
    case Node::Kind::kPath: {
      ASSIGN_OR_RETURN(PathPtr p, Path(n));
      return ExprPtr(std::move(p));
    }
    case Node::Kind::kCall: {
      ASSIGN_OR_RETURN(ExprPtr call, CompileConverter(n, *this));
      if (n.keys.empty()) return call;
      std::vector<ExprPtr> keys;
      for (const auto& k : n.keys) {
        ASSIGN_OR_RETURN(ExprPtr e, Value(*k));
        keys.push_back(std::move(e));
      }
      return ExprPtr(std::make_unique<KeyedExpr>(std::move(call), std::move(keys)));
    }
    case Node::Kind::kList: {
      std::vector<ExprPtr> items;
      for (const auto& c : n.children) {
        ASSIGN_OR_RETURN(ExprPtr e, Value(*c));
        items.push_back(std::move(e));
      }
      return ExprPtr(std::make_unique<ListExpr>(std::move(items)));
    }
    case Node::Kind::kMap: {
      std::vector<ExprPtr> items;
      for (const auto& c : n.children) {
        ASSIGN_OR_RETURN(ExprPtr e, Value(*c));
        items.push_back(std::move(e));
      }
      return ExprPtr(std::make_unique<MapExpr>(n.map_keys, std::move(items)));
    }
    case Node::Kind::kMath: {
      for (const auto& c : n.children) {
        if (IsBoolean(*c) && c->kind != Node::Kind::kCall)
          return ErrorAt(c->column, "math operand must be a number, not a condition");
      }
      ASSIGN_OR_RETURN(ExprPtr l, Value(*n.children[0]));
      ASSIGN_OR_RETURN(ExprPtr r, Value(*n.children[1]));
      return ExprPtr(std::make_unique<MathExpr>(n.text[0], std::move(l), std::move(r)));
    }
    case Node::Kind::kNeg: {
      ASSIGN_OR_RETURN(ExprPtr e, Value(*n.children[0]));
      return ExprPtr(std::make_unique<NegExpr>(std::move(e)));
    }
    case Node::Kind::kCompare: {
      ASSIGN_OR_RETURN(ExprPtr l, Value(*n.children[0]));
      ASSIGN_OR_RETURN(ExprPtr r, Value(*n.children[1]));
      static const std::map<std::string, CmpOp> kOps = {{"==", CmpOp::kEq}, {"!=", CmpOp::kNe},
                                                        {"<", CmpOp::kLt},  {"<=", CmpOp::kLe},
                                                        {">", CmpOp::kGt},  {">=", CmpOp::kGe}};
      return ExprPtr(std::make_unique<CompareExpr>(kOps.at(n.text), std::move(l), std::move(r)));
    }
    case Node::Kind::kAnd:
    case Node::Kind::kOr:
    case Node::Kind::kNot:
      return Bool(n);
  }
  return ErrorAt(n.column, "unsupported expression");
}

Status Expr::EvalBool(Context& ctx, bool* out) const {
  internal::Value v;
  const internal::Value* p = nullptr;
  RETURN_IF_ERROR(Peek(ctx, v, &p));
  if (p->type != Type::kBool)
    return InvalidArgument("expected a bool, got " + std::string(TypeName(*p)));
  *out = p->bool_value;
  return Status::Ok();
}

// ---- keys ---------------------------------------------------------------------------------

Status FindKey(Context& ctx, const Expr& key, pdata::Attributes& map, bool create,
               pdata::AnyValue** out) {
  internal::Value scratch;
  const internal::Value* kp = nullptr;
  RETURN_IF_ERROR(key.Peek(ctx, scratch, &kp));
  const internal::Value& k = *kp;
  if (k.type != Type::kString)
    return InvalidArgument("map keys must be strings, got " + std::string(TypeName(k)));
  for (auto& kv : map) {
    if (kv.key == k.string_value) {
      *out = &kv.value;
      return Status::Ok();
    }
  }
  if (!create) {
    *out = nullptr;
    return Status::Ok();
  }
  map.push_back({ctx.arenas->Copy(k.string_value), {}});
  *out = &map.back().value;
  return Status::Ok();
}

Status WalkKeys(Context& ctx, const std::vector<ExprPtr>& keys, size_t from, pdata::AnyValue* v,
                bool create, pdata::AnyValue** out) {
  for (size_t i = from; i < keys.size() && v; ++i) {
    internal::Value scratch;
    const internal::Value* kp = nullptr;
    RETURN_IF_ERROR(keys[i]->Peek(ctx, scratch, &kp));
    const internal::Value& k = *kp;
    if (k.type == Type::kInt) {
      if (v->type != Type::kArray)
        return InvalidArgument("cannot index a " + std::string(TypeName(*v)) + " with an int");
      if (k.int_value < 0 || static_cast<size_t>(k.int_value) >= v->array_value.size()) {
        return InvalidArgument("index " + std::to_string(k.int_value) +
                               " out of bounds for a list of length " +
                               std::to_string(v->array_value.size()));
      }
      v = &v->array_value[k.int_value];
      continue;
    }
    if (k.type != Type::kString)
      return InvalidArgument("keys must be strings or ints, got " + std::string(TypeName(k)));
    if (create && v->type == Type::kEmpty) v->type = Type::kKvList;
    if (v->type != Type::kKvList)
      return InvalidArgument("cannot index a " + std::string(TypeName(*v)) + " with a string");
    pdata::AnyValue* next = nullptr;
    for (auto& kv : v->kvlist_value) {
      if (kv.key == k.string_value) {
        next = &kv.value;
        break;
      }
    }
    if (!next && create) {
      v->kvlist_value.push_back({ctx.arenas->Copy(k.string_value), {}});
      next = &v->kvlist_value.back().value;
    }
    v = next;
  }
  *out = v;
  return Status::Ok();
}

Status KeyedExpr::Eval(Context& ctx, Value& out) const {
  internal::Value base;
  RETURN_IF_ERROR(base_->Eval(ctx, base));
  pdata::AnyValue* slot = nullptr;
  RETURN_IF_ERROR(WalkKeys(ctx, keys_, 0, &base, false, &slot));
  out = slot ? internal::Value(*slot) : internal::Value();
  return Status::Ok();
}

// ---- argument binding ---------------------------------------------------------------------

StatusOr<std::vector<const Node*>> BindArgs(const Node& call, const std::vector<Param>& ps) {
  std::vector<const Node*> out(ps.size(), nullptr);
  std::string names;
  size_t required = 0;
  for (const auto& p : ps) {
    names += std::string(names.empty() ? "" : ", ") + p.name + (p.optional ? "?" : "");
    if (!p.optional) ++required;
  }
  for (size_t i = 0; i < call.args.size(); ++i) {
    const Arg& a = call.args[i];
    size_t slot = i;
    if (!a.name.empty()) {
      slot = ps.size();
      for (size_t j = 0; j < ps.size(); ++j)
        if (a.name == ps[j].name) slot = j;
      if (slot == ps.size())
        return ErrorAt(a.column,
                       call.text + " has no parameter \"" + a.name + "\" (" + names + ")");
    }
    if (slot >= ps.size()) {
      return ErrorAt(a.column, call.text + " takes at most " + std::to_string(ps.size()) +
                                   " arguments (" + names + "), got " +
                                   std::to_string(call.args.size()));
    }
    if (out[slot]) return ErrorAt(a.column, call.text + ": \"" + ps[slot].name + "\" given twice");
    out[slot] = a.value.get();
  }
  for (size_t j = 0; j < ps.size(); ++j) {
    if (!out[j] && !ps[j].optional) {
      return ErrorAt(call.column, call.text + " needs " + std::to_string(required) +
                                      " arguments (" + names + "), got " +
                                      std::to_string(call.args.size()));
    }
  }
  return out;
}

StatusOr<std::string> LiteralString(const Node& call, const Node* arg, const char* param) {
  if (arg->kind != Node::Kind::kString)
    return ErrorAt(arg->column, call.text + ": " + param + " must be a string literal");
  return arg->text;
}

StatusOr<int64_t> LiteralInt(const Node& call, const Node* arg, const char* param) {
  if (arg->kind != Node::Kind::kInt)
    return ErrorAt(arg->column, call.text + ": " + param + " must be an int literal");
  return arg->int_value;
}

StatusOr<std::vector<std::string>> LiteralStringList(const Node& call, const Node* arg,
                                                     const char* param) {
  if (arg->kind != Node::Kind::kList)
    return ErrorAt(arg->column, call.text + ": " + param + " must be a list of string literals");
  std::vector<std::string> out;
  for (const auto& c : arg->children) {
    ASSIGN_OR_RETURN(std::string s, LiteralString(call, c.get(), param));
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace internal

// ---- public API ---------------------------------------------------------------------------

StatusOr<Condition> Condition::Parse(std::string_view text, ContextKind context) {
  ASSIGN_OR_RETURN(internal::NodePtr ast, internal::ParseConditionText(text));
  internal::Compiler c(context);
  ASSIGN_OR_RETURN(internal::ExprPtr e, c.Bool(*ast));
  Condition out;
  out.expr_ = std::move(e);
  out.text_ = std::make_shared<const std::string>(text);
  out.context_ = context;
  return out;
}

StatusOr<bool> Condition::Eval(Context& ctx) const {
  bool r = false;
  Status s = expr_->EvalBool(ctx, &r);
  if (!s.ok()) return s.Annotate("failed to eval condition: " + *text_);
  return r;
}

StatusOr<Statement> Statement::Parse(std::string_view text, ContextKind context) {
  ASSIGN_OR_RETURN(internal::StatementAst ast, internal::ParseStatementText(text));
  internal::Compiler c(context);
  ASSIGN_OR_RETURN(internal::EditorPtr editor, internal::CompileEditor(*ast.editor, c));
  Statement out;
  out.editor_ = std::move(editor);
  if (ast.where) {
    ASSIGN_OR_RETURN(internal::ExprPtr where, c.Bool(*ast.where));
    out.where_ = std::move(where);
  }
  out.text_ = std::make_shared<const std::string>(text);
  out.context_ = context;
  return out;
}

Status Statement::Execute(Context& ctx) const {
  if (where_) {
    bool r = false;
    Status s = where_->EvalBool(ctx, &r);
    if (!s.ok()) return s.Annotate("failed to execute statement: " + *text_);
    if (!r) return Status::Ok();
  }
  Status s = editor_->Run(ctx);
  if (!s.ok()) return s.Annotate("failed to execute statement: " + *text_);
  return Status::Ok();
}

namespace {

void CollectContexts(const internal::Node& n, std::vector<ContextKind>& out) {
  if (n.kind == internal::Node::Kind::kPath) {
    if (auto k = internal::PathContext(n)) out.push_back(*k);
  }
  for (const auto& c : n.children) CollectContexts(*c, out);
  for (const auto& k : n.keys) CollectContexts(*k, out);
  for (const auto& a : n.args) CollectContexts(*a.value, out);
}

// Depth of a context in its signal's hierarchy; span and spanevent are on one branch, metric and
// datapoint on another, log on a third.
int Depth(ContextKind k) {
  switch (k) {
    case ContextKind::kResource:
      return 0;
    case ContextKind::kScope:
      return 1;
    case ContextKind::kSpan:
    case ContextKind::kMetric:
    case ContextKind::kLog:
      return 2;
    case ContextKind::kSpanEvent:
    case ContextKind::kDataPoint:
      return 3;
  }
  return 0;
}

}  // namespace

StatusOr<ContextKind> InferContext(std::string_view text, bool is_statement,
                                   const std::vector<ContextKind>& allowed) {
  std::vector<ContextKind> found;
  if (is_statement) {
    ASSIGN_OR_RETURN(internal::StatementAst ast, internal::ParseStatementText(text));
    CollectContexts(*ast.editor, found);
    if (ast.where) CollectContexts(*ast.where, found);
  } else {
    ASSIGN_OR_RETURN(internal::NodePtr ast, internal::ParseConditionText(text));
    CollectContexts(*ast, found);
  }
  auto allowed_names = [&] {
    std::string s;
    for (auto k : allowed)
      s += std::string(s.empty() ? "" : ", ") + std::string(ContextKindName(k));
    return s;
  };
  if (found.empty()) {
    return InvalidArgument("unable to infer a context: no path names one of (" + allowed_names() +
                           "); write e.g. span.name or resource.attributes[\"k\"]");
  }
  ContextKind lowest = found[0];
  for (auto k : found)
    if (Depth(k) > Depth(lowest)) lowest = k;
  for (auto k : found) {
    if (k != lowest &&
        !(Depth(k) < 2 || (k == ContextKind::kSpan && lowest == ContextKind::kSpanEvent) ||
          (k == ContextKind::kMetric && lowest == ContextKind::kDataPoint))) {
      return InvalidArgument("paths name the " + std::string(ContextKindName(k)) + " and the " +
                             std::string(ContextKindName(lowest)) +
                             " contexts, which cannot be used together");
    }
  }
  for (auto k : allowed)
    if (k == lowest) return lowest;
  return InvalidArgument("inferred context \"" + std::string(ContextKindName(lowest)) +
                         "\" is not valid here (valid: " + allowed_names() + ")");
}

}  // namespace otter::ottl
