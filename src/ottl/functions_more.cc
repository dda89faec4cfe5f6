// Less common OTTL functions: the converters IsRootSpan (span contexts), HasAttrKeyOnDatapoint and
// HasAttrOnDatapoint (metric context, as the filter processor offers them), ExtractPatterns,
// ConvertCase, MD5, SHA512, FNV, and the editors flatten, convert_sum_to_gauge and
// convert_gauge_to_sum.
#include <openssl/evp.h>
#include <re2/re2.h>

#include <cctype>
#include <climits>
#include <functional>

#include "ottl/internal.h"

namespace otter::ottl::internal {
namespace {

// A converter as a closure over its compiled arguments.
class FnExpr final : public Expr {
 public:
  explicit FnExpr(std::function<Status(Context&, Value&)> fn) : fn_(std::move(fn)) {}
  Status Eval(Context& ctx, Value& out) const override { return fn_(ctx, out); }

 private:
  std::function<Status(Context&, Value&)> fn_;
};

ExprPtr Fn(std::function<Status(Context&, Value&)> fn) {
  return std::make_unique<FnExpr>(std::move(fn));
}

Status OnlyIn(const Node& call, Compiler& c, std::initializer_list<ContextKind> kinds) {
  std::string names;
  for (auto k : kinds) {
    if (k == c.context()) return Status::Ok();
    names += std::string(names.empty() ? "" : " or ") + std::string(ContextKindName(k));
  }
  return ErrorAt(call.column, call.text + " is only available in the " + names + " context");
}

std::string Hex(const unsigned char* d, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += kHex[d[i] >> 4];
    s += kHex[d[i] & 15];
  }
  return s;
}

template <const EVP_MD* (*Md)()>
StatusOr<ExprPtr> Digest(const Node& call, Compiler& c) {
  ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"value"}}));
  ASSIGN_OR_RETURN(std::shared_ptr<Expr> value, c.Value(*args[0]));
  std::string name = call.text;
  return Fn([value, name](Context& ctx, Value& out) {
    Value scratch;
    const Value* v = nullptr;
    RETURN_IF_ERROR(value->Peek(ctx, scratch, &v));
    if (v->type != Type::kString)
      return InvalidArgument(name + ": expected a string but got " + std::string(TypeName(*v)));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(v->string_value.data(), v->string_value.size(), md, &len, Md(), nullptr);
    out = StringValue(ctx, Hex(md, len));
    return Status::Ok();
  });
}

// FNV-1a, 64 bit, as Go's hash/fnv New64a; the converter returns it as an int.
StatusOr<ExprPtr> Fnv(const Node& call, Compiler& c) {
  ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"value"}}));
  ASSIGN_OR_RETURN(std::shared_ptr<Expr> value, c.Value(*args[0]));
  return Fn([value](Context& ctx, Value& out) {
    Value scratch;
    const Value* v = nullptr;
    RETURN_IF_ERROR(value->Peek(ctx, scratch, &v));
    if (v->type != Type::kString)
      return InvalidArgument("FNV: expected a string but got " + std::string(TypeName(*v)));
    uint64_t h = 14695981039346656037ull;
    for (unsigned char ch : v->string_value) {
      h ^= ch;
      h *= 1099511628211ull;
    }
    out = Value::Int(static_cast<int64_t>(h));
    return Status::Ok();
  });
}

StatusOr<ExprPtr> IsRootSpan(const Node& call, Compiler& c) {
  RETURN_IF_ERROR(OnlyIn(call, c, {ContextKind::kSpan, ContextKind::kSpanEvent}));
  RETURN_IF_ERROR(BindArgs(call, {}).status());
  return Fn([](Context& ctx, Value& out) {
    out = Value::Bool(ctx.span->parent_span_id.empty());
    return Status::Ok();
  });
}

// HasAttrKeyOnDatapoint(key) / HasAttrOnDatapoint(key, value): any data point of the metric.
StatusOr<ExprPtr> HasAttr(const Node& call, Compiler& c, bool with_value) {
  RETURN_IF_ERROR(OnlyIn(call, c, {ContextKind::kMetric}));
  std::vector<Param> params = {{"key"}};
  if (with_value) params.push_back({"expectedVal"});
  ASSIGN_OR_RETURN(auto args, BindArgs(call, params));
  ASSIGN_OR_RETURN(std::string key, LiteralString(call, args[0], "key"));
  std::string want;
  if (with_value) {
    ASSIGN_OR_RETURN(want, LiteralString(call, args[1], "expectedVal"));
  }
  return Fn([key, want, with_value](Context& ctx, Value& out) {
    auto has = [&](const pdata::Attributes& attrs) {
      const pdata::AnyValue* v = pdata::FindAttribute(attrs, key);
      return v && (!with_value || (v->type == Type::kString && v->string_value == want));
    };
    bool found = false;
    const pdata::Metric& m = *ctx.metric;
    for (const auto& p : m.number_points) found = found || has(p.attributes);
    for (const auto& p : m.histogram_points) found = found || has(p.attributes);
    for (const auto& p : m.exp_histogram_points) found = found || has(p.attributes);
    for (const auto& p : m.summary_points) found = found || has(p.attributes);
    out = Value::Bool(found);
    return Status::Ok();
  });
}

StatusOr<ExprPtr> ExtractPatterns(const Node& call, Compiler& c) {
  ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"target"}, {"pattern"}}));
  ASSIGN_OR_RETURN(std::shared_ptr<Expr> target, c.Value(*args[0]));
  ASSIGN_OR_RETURN(std::shared_ptr<RE2> re, CompileRegex(call, args[1]));
  if (re->NamedCapturingGroups().empty()) {
    return ErrorAt(args[1]->column,
                   "ExtractPatterns: at least 1 named capture group must be supplied in the given "
                   "regex");
  }
  return Fn([target, re](Context& ctx, Value& out) {
    Value scratch;
    const Value* v = nullptr;
    RETURN_IF_ERROR(target->Peek(ctx, scratch, &v));
    if (v->type != Type::kString) {
      return InvalidArgument("ExtractPatterns: expected a string but got " +
                             std::string(TypeName(*v)));
    }
    std::vector<re2::StringPiece> groups(re->NumberOfCapturingGroups() + 1);
    out = Value();
    out.type = Type::kKvList;
    if (!re->Match(v->string_value, 0, v->string_value.size(), RE2::UNANCHORED, groups.data(),
                   static_cast<int>(groups.size())))
      return Status::Ok();
    for (const auto& [name, index] : re->NamedCapturingGroups()) {
      out.kvlist_value.push_back(
          {ctx.arenas->Copy(name),
           StringValue(ctx, std::string_view(groups[index].data(), groups[index].size()))});
    }
    return Status::Ok();
  });
}

// Words of `s`: runs of letters and digits, also split where a lowercase letter or digit is
// followed by an uppercase one ("httpStatus" → http, Status).
std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> words;
  std::string cur;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char ch = s[i];
    if (!std::isalnum(ch)) {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    if (std::isupper(ch) && !cur.empty() &&
        (std::islower(static_cast<unsigned char>(cur.back())) ||
         std::isdigit(static_cast<unsigned char>(cur.back())))) {
      words.push_back(std::move(cur));
      cur.clear();
    }
    cur += static_cast<char>(ch);
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

StatusOr<ExprPtr> ConvertCase(const Node& call, Compiler& c) {
  ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"target"}, {"toCase"}}));
  ASSIGN_OR_RETURN(std::shared_ptr<Expr> target, c.Value(*args[0]));
  ASSIGN_OR_RETURN(std::string to, LiteralString(call, args[1], "toCase"));
  if (to != "lower" && to != "upper" && to != "snake" && to != "camel") {
    return ErrorAt(args[1]->column,
                   "invalid case: " + to + ", allowed cases are: lower, upper, snake, camel");
  }
  return Fn([target, to](Context& ctx, Value& out) {
    Value scratch;
    const Value* v = nullptr;
    RETURN_IF_ERROR(target->Peek(ctx, scratch, &v));
    if (v->type == Type::kEmpty) {
      out = Value();
      return Status::Ok();
    }
    if (v->type != Type::kString)
      return InvalidArgument("ConvertCase: expected a string but got " + std::string(TypeName(*v)));
    std::string s;
    if (to == "lower" || to == "upper") {
      s = std::string(v->string_value);
      for (char& ch : s)
        ch = static_cast<char>(to == "lower" ? std::tolower((unsigned char)ch)
                                             : std::toupper((unsigned char)ch));
    } else {
      for (std::string w : Words(v->string_value)) {
        for (char& ch : w) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (to == "snake") {
          s += (s.empty() ? "" : "_") + w;
        } else {
          w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
          s += w;
        }
      }
    }
    out = StringValue(ctx, s);
    return Status::Ok();
  });
}

// ---- flatten ------------------------------------------------------------------------------

class FlattenEditor final : public Editor {
 public:
  FlattenEditor(std::unique_ptr<PathExpr> target, std::string prefix, int64_t depth)
      : target_(std::move(target)), prefix_(std::move(prefix)), depth_(depth) {}
  Status Run(Context& ctx) const override {
    pdata::Attributes* m = nullptr;
    RETURN_IF_ERROR(target_->Map(ctx, &m));
    pdata::Attributes out;
    for (const auto& kv : *m) Add(ctx, Join(prefix_, kv.key), kv.value, depth_, out);
    *m = std::move(out);
    return Status::Ok();
  }

 private:
  static std::string Join(std::string_view prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
  }
  static void Add(Context& ctx, const std::string& key, const Value& v, int64_t depth,
                  pdata::Attributes& out) {
    if (v.type == Type::kKvList && depth > 0) {
      for (const auto& kv : v.kvlist_value) Add(ctx, Join(key, kv.key), kv.value, depth - 1, out);
      return;
    }
    if (v.type == Type::kArray && depth > 0) {
      for (size_t i = 0; i < v.array_value.size(); ++i)
        Add(ctx, key + "." + std::to_string(i), v.array_value[i], depth - 1, out);
      return;
    }
    out.push_back({ctx.arenas->Copy(key), v});
  }

  std::unique_ptr<PathExpr> target_;
  std::string prefix_;
  int64_t depth_;
};

StatusOr<EditorPtr> Flatten(const Node& call, Compiler& c) {
  ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"target"}, {"prefix", true}, {"depth", true}}));
  if (args[0]->kind != Node::Kind::kPath)
    return ErrorAt(args[0]->column, "flatten: target must be a path such as attributes");
  ASSIGN_OR_RETURN(PathPtr target, c.Path(*args[0]));
  std::string prefix;
  if (args[1]) {
    ASSIGN_OR_RETURN(prefix, LiteralString(call, args[1], "prefix"));
  }
  int64_t depth = INT64_MAX;
  if (args[2]) {
    ASSIGN_OR_RETURN(depth, LiteralInt(call, args[2], "depth"));
    if (depth < 0) {
      return ErrorAt(args[2]->column, "invalid depth for flatten function, " +
                                          std::to_string(depth) + " cannot be negative");
    }
  }
  return EditorPtr(std::make_unique<FlattenEditor>(std::move(target), prefix, depth));
}

// convert_sum_to_gauge() / convert_gauge_to_sum("cumulative"|"delta", is_monotonic): both
// types keep their points in number_points, so only the metric's type fields change.
class FnEditor final : public Editor {
 public:
  explicit FnEditor(std::function<Status(Context&)> fn) : fn_(std::move(fn)) {}
  Status Run(Context& ctx) const override { return fn_(ctx); }

 private:
  std::function<Status(Context&)> fn_;
};

StatusOr<EditorPtr> SumToGauge(const Node& call, Compiler& c) {
  RETURN_IF_ERROR(OnlyIn(call, c, {ContextKind::kMetric}));
  RETURN_IF_ERROR(BindArgs(call, {}).status());
  return EditorPtr(std::make_unique<FnEditor>([](Context& ctx) {
    pdata::Metric& m = *ctx.metric;
    if (m.type != pdata::MetricType::kSum) return Status::Ok();
    m.type = pdata::MetricType::kGauge;
    m.temporality = pdata::AggregationTemporality::kUnspecified;
    m.is_monotonic = false;
    return Status::Ok();
  }));
}

StatusOr<EditorPtr> GaugeToSum(const Node& call, Compiler& c) {
  RETURN_IF_ERROR(OnlyIn(call, c, {ContextKind::kMetric}));
  ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"aggregation_temporality"}, {"is_monotonic"}}));
  ASSIGN_OR_RETURN(std::string temporality,
                   LiteralString(call, args[0], "aggregation_temporality"));
  if (temporality != "cumulative" && temporality != "delta") {
    return ErrorAt(args[0]->column, "unknown aggregation temporality: " + temporality +
                                        " (valid: cumulative, delta)");
  }
  if (args[1]->kind != Node::Kind::kBool)
    return ErrorAt(args[1]->column, call.text + ": is_monotonic must be true or false");
  const auto t = temporality == "delta" ? pdata::AggregationTemporality::kDelta
                                        : pdata::AggregationTemporality::kCumulative;
  const bool monotonic = args[1]->bool_value;
  return EditorPtr(std::make_unique<FnEditor>([t, monotonic](Context& ctx) {
    pdata::Metric& m = *ctx.metric;
    if (m.type != pdata::MetricType::kGauge) return Status::Ok();
    m.type = pdata::MetricType::kSum;
    m.temporality = t;
    m.is_monotonic = monotonic;
    return Status::Ok();
  }));
}

}  // namespace

std::vector<std::string> MoreConverterNames() {
  return {"IsRootSpan",
          "HasAttrKeyOnDatapoint",
          "HasAttrOnDatapoint",
          "ExtractPatterns",
          "ConvertCase",
          "MD5",
          "SHA512",
          "FNV"};
}

std::vector<std::string> MoreEditorNames() {
  return {"flatten", "convert_sum_to_gauge", "convert_gauge_to_sum"};
}

StatusOr<ExprPtr> CompileMoreConverters(const Node& call, Compiler& c, bool* found) {
  *found = true;
  const std::string& n = call.text;
  if (n == "IsRootSpan") return IsRootSpan(call, c);
  if (n == "HasAttrKeyOnDatapoint") return HasAttr(call, c, false);
  if (n == "HasAttrOnDatapoint") return HasAttr(call, c, true);
  if (n == "ExtractPatterns") return ExtractPatterns(call, c);
  if (n == "ConvertCase") return ConvertCase(call, c);
  if (n == "MD5") return Digest<EVP_md5>(call, c);
  if (n == "SHA512") return Digest<EVP_sha512>(call, c);
  if (n == "FNV") return Fnv(call, c);
  *found = false;
  return ExprPtr();
}

StatusOr<EditorPtr> CompileMoreEditors(const Node& call, Compiler& c, bool* found) {
  *found = true;
  if (call.text == "flatten") return Flatten(call, c);
  if (call.text == "convert_sum_to_gauge") return SumToGauge(call, c);
  if (call.text == "convert_gauge_to_sum") return GaugeToSum(call, c);
  *found = false;
  return EditorPtr();
}

}  // namespace otter::ottl::internal
