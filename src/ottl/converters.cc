// OTTL converters (functions that return a value, Uppercase names): Concat, Split, IsMatch,
// SHA256, SHA1, Int, Double, String, Bool, ParseJSON, TraceID, SpanID, Len, Substring,
// ToLowerCase, ToUpperCase, IsString, IsInt, IsDouble, IsBool, IsMap, IsList. Regex patterns are
// compiled once with RE2.
#include <openssl/sha.h>
#include <re2/re2.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>

#include "config/node.h"
#include "ottl/internal.h"
#include "query/go_regex.h"

namespace otter::ottl::internal {
namespace {

using Args = const Value* const*;
using ConvFn = Status (*)(Context&, Args args, Value& out);

// A converter whose arguments are all values: evaluates them (at most 3) and calls fn.
class SimpleConverter final : public Expr {
 public:
  SimpleConverter(ConvFn fn, std::vector<ExprPtr> args) : fn_(fn), args_(std::move(args)) {}
  Status Eval(Context& ctx, Value& out) const override {
    static const Value kNil;
    Value scratch[3];
    const Value* vals[3] = {&kNil, &kNil, &kNil};
    for (size_t i = 0; i < args_.size(); ++i)
      if (args_[i]) RETURN_IF_ERROR(args_[i]->Peek(ctx, scratch[i], &vals[i]));
    return fn_(ctx, vals, out);
  }

 private:
  ConvFn fn_;
  std::vector<ExprPtr> args_;
};

std::string Hex(const unsigned char* d, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += kHex[d[i] >> 4];
    s += kHex[d[i] & 15];
  }
  return s;
}

Status NeedString(const char* fn, const Value& v) {
  return InvalidArgument(std::string(fn) + ": expected a string but got " +
                         std::string(TypeName(v)));
}

Value FromJson(Context& ctx, simdjson::dom::element e) {
  using T = simdjson::dom::element_type;
  switch (e.type()) {
    case T::OBJECT: {
      Value v;
      v.type = Type::kKvList;
      simdjson::dom::object obj;
      if (e.get(obj)) return v;
      for (auto field : obj)
        v.kvlist_value.push_back({ctx.arenas->Copy(field.key), FromJson(ctx, field.value)});
      return v;
    }
    case T::ARRAY: {
      Value v;
      v.type = Type::kArray;
      simdjson::dom::array arr;
      if (e.get(arr)) return v;
      for (auto item : arr) v.array_value.push_back(FromJson(ctx, item));
      return v;
    }
    case T::STRING:
      return StringValue(ctx, e.get_string().value_unsafe());
    case T::INT64:  // JSON numbers are doubles in the Go collector's ParseJSON
      return Value::Double(static_cast<double>(e.get_int64().value_unsafe()));
    case T::UINT64:
      return Value::Double(static_cast<double>(e.get_uint64().value_unsafe()));
    case T::DOUBLE:
      return Value::Double(e.get_double().value_unsafe());
    case T::BOOL:
      return Value::Bool(e.get_bool().value_unsafe());
    case T::NULL_VALUE:
      return Value();
  }
  return Value();
}

template <size_t N>
Status IdFrom(const char* fn, Context& ctx, Args a, Value& out) {
  if ((*a[0]).type != Type::kBytes || (*a[0]).string_value.size() != N)
    return InvalidArgument(std::string(fn) + ": expected " + std::to_string(N) + " bytes");
  out = BytesValue(ctx, (*a[0]).string_value);
  return Status::Ok();
}

template <Type T>
Status IsType(Context&, Args a, Value& out) {
  out = Value::Bool((*a[0]).type == T);
  return Status::Ok();
}

template <int (*F)(int)>
Status MapChars(const char* fn, Context& ctx, Args a, Value& out) {
  if ((*a[0]).type == Type::kEmpty) {
    out = Value();
    return Status::Ok();
  }
  if ((*a[0]).type != Type::kString) return NeedString(fn, (*a[0]));
  std::string s((*a[0]).string_value);
  for (char& c : s) c = static_cast<char>(F(static_cast<unsigned char>(c)));
  out = StringValue(ctx, s);
  return Status::Ok();
}

int Lower(int c) { return std::tolower(c); }
int Upper(int c) { return std::toupper(c); }

struct Simple {
  std::vector<Param> params;
  ConvFn fn;
};

const std::map<std::string, Simple, std::less<>>& SimpleConverters() {
  static const auto* kTable = new std::map<std::string, Simple, std::less<>>{
      {"Concat",
       {{{"vals"}, {"delimiter"}},
        [](Context& ctx, Args a, Value& out) {
          if ((*a[0]).type != Type::kArray) return InvalidArgument("Concat: vals must be a list");
          if ((*a[1]).type != Type::kString) return NeedString("Concat", (*a[1]));
          std::string s;
          for (size_t i = 0; i < (*a[0]).array_value.size(); ++i) {
            if (i) s += (*a[1]).string_value;
            const Value& v = (*a[0]).array_value[i];
            s += v.type == Type::kEmpty ? "<nil>" : AsString(v);
          }
          out = StringValue(ctx, s);
          return Status::Ok();
        }}},
      {"Split",
       {{{"target"}, {"delimiter"}},
        [](Context& ctx, Args a, Value& out) {
          if ((*a[0]).type == Type::kEmpty) {
            out = Value();
            return Status::Ok();
          }
          if ((*a[0]).type != Type::kString) return NeedString("Split", (*a[0]));
          if ((*a[1]).type != Type::kString) return NeedString("Split", (*a[1]));
          std::string_view s = (*a[0]).string_value, d = (*a[1]).string_value;
          std::vector<Value> parts;
          if (d.empty()) {
            for (size_t i = 0; i < s.size(); ++i) parts.push_back(Value::String(s.substr(i, 1)));
          } else {
            size_t start = 0;
            for (size_t p; (p = s.find(d, start)) != std::string_view::npos; start = p + d.size())
              parts.push_back(Value::String(s.substr(start, p - start)));
            parts.push_back(Value::String(s.substr(start)));
          }
          (void)ctx;  // parts view the target, which lives in the batch or the program
          out = ListValue(std::move(parts));
          return Status::Ok();
        }}},
      {"SHA256",
       {{{"value"}},
        [](Context& ctx, Args a, Value& out) {
          if ((*a[0]).type != Type::kString) return NeedString("SHA256", (*a[0]));
          unsigned char md[SHA256_DIGEST_LENGTH];
          SHA256(reinterpret_cast<const unsigned char*>((*a[0]).string_value.data()),
                 (*a[0]).string_value.size(), md);
          out = StringValue(ctx, Hex(md, sizeof md));
          return Status::Ok();
        }}},
      {"SHA1",
       {{{"value"}},
        [](Context& ctx, Args a, Value& out) {
          if ((*a[0]).type != Type::kString) return NeedString("SHA1", (*a[0]));
          unsigned char md[SHA_DIGEST_LENGTH];
          SHA1(reinterpret_cast<const unsigned char*>((*a[0]).string_value.data()),
               (*a[0]).string_value.size(), md);
          out = StringValue(ctx, Hex(md, sizeof md));
          return Status::Ok();
        }}},
      {"Int",
       {{{"value"}},
        [](Context&, Args a, Value& out) {
          out = Value();
          const Value& v = (*a[0]);
          if (v.type == Type::kInt) out = v;
          if (v.type == Type::kDouble && std::isfinite(v.double_value))
            out = Value::Int(static_cast<int64_t>(v.double_value));
          if (v.type == Type::kBool) out = Value::Int(v.bool_value ? 1 : 0);
          if (v.type == Type::kString) {
            int64_t i = 0;
            auto s = v.string_value;
            auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
            if (ec == std::errc() && p == s.data() + s.size()) out = Value::Int(i);
          }
          return Status::Ok();
        }}},
      {"Double",
       {{{"value"}},
        [](Context&, Args a, Value& out) {
          out = Value();
          const Value& v = (*a[0]);
          if (v.type == Type::kDouble) out = v;
          if (v.type == Type::kInt) out = Value::Double(static_cast<double>(v.int_value));
          if (v.type == Type::kBool) out = Value::Double(v.bool_value ? 1 : 0);
          if (v.type == Type::kString) {
            std::string s(v.string_value);
            char* end = nullptr;
            double d = std::strtod(s.c_str(), &end);
            if (!s.empty() && end == s.c_str() + s.size()) out = Value::Double(d);
          }
          return Status::Ok();
        }}},
      {"String",
       {{{"value"}},
        [](Context& ctx, Args a, Value& out) {
          out = (*a[0]).type == Type::kString ? (*a[0]) : StringValue(ctx, AsString((*a[0])));
          return Status::Ok();
        }}},
      {"Bool",
       {{{"value"}},
        [](Context&, Args a, Value& out) {
          out = Value();
          const Value& v = (*a[0]);
          if (v.type == Type::kBool) out = v;
          if (v.type == Type::kInt) out = Value::Bool(v.int_value != 0);
          if (v.type == Type::kDouble) out = Value::Bool(v.double_value != 0);
          if (v.type == Type::kString) {  // Go's strconv.ParseBool
            static const char* kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
            static const char* kFalse[] = {"0", "f", "F", "FALSE", "false", "False"};
            for (const char* t : kTrue)
              if (v.string_value == t) out = Value::Bool(true);
            for (const char* f : kFalse)
              if (v.string_value == f) out = Value::Bool(false);
          }
          return Status::Ok();
        }}},
      {"ParseJSON",
       {{{"target"}},
        [](Context& ctx, Args a, Value& out) {
          if ((*a[0]).type != Type::kString) return NeedString("ParseJSON", (*a[0]));
          thread_local simdjson::dom::parser parser;
          simdjson::dom::element doc;
          auto err =
              parser.parse((*a[0]).string_value.data(), (*a[0]).string_value.size()).get(doc);
          if (err) {
            return InvalidArgument(std::string("ParseJSON: ") + simdjson::error_message(err));
          }
          if (doc.type() != simdjson::dom::element_type::OBJECT &&
              doc.type() != simdjson::dom::element_type::ARRAY)
            return InvalidArgument("ParseJSON: the JSON must be an object or an array");
          out = FromJson(ctx, doc);
          return Status::Ok();
        }}},
      {"TraceID",
       {{{"bytes"}},
        [](Context& ctx, Args a, Value& out) { return IdFrom<16>("TraceID", ctx, a, out); }}},
      {"SpanID",
       {{{"bytes"}},
        [](Context& ctx, Args a, Value& out) { return IdFrom<8>("SpanID", ctx, a, out); }}},
      {"Len",
       {{{"target"}},
        [](Context&, Args a, Value& out) {
          const Value& v = (*a[0]);
          if (v.type == Type::kString || v.type == Type::kBytes)
            out = Value::Int(int64_t(v.string_value.size()));
          else if (v.type == Type::kArray)
            out = Value::Int(int64_t(v.array_value.size()));
          else if (v.type == Type::kKvList)
            out = Value::Int(int64_t(v.kvlist_value.size()));
          else
            return InvalidArgument("Len: cannot take the length of a " + std::string(TypeName(v)));
          return Status::Ok();
        }}},
      {"Substring",
       {{{"target"}, {"start"}, {"length"}},
        [](Context&, Args a, Value& out) {
          if ((*a[0]).type != Type::kString) return NeedString("Substring", (*a[0]));
          if ((*a[1]).type != Type::kInt || (*a[2]).type != Type::kInt)
            return InvalidArgument("Substring: start and length must be ints");
          int64_t start = (*a[1]).int_value, len = (*a[2]).int_value;
          int64_t size = static_cast<int64_t>((*a[0]).string_value.size());
          if (start < 0 || start >= size)
            return InvalidArgument("Substring: invalid start " + std::to_string(start));
          if (len <= 0 || start + len > size)
            return InvalidArgument("Substring: invalid length " + std::to_string(len));
          out = Value::String((*a[0]).string_value.substr(start, len));
          return Status::Ok();
        }}},
      {"ToLowerCase",
       {{{"target"}},
        [](Context& ctx, Args a, Value& out) {
          return MapChars<Lower>("ToLowerCase", ctx, a, out);
        }}},
      {"ToUpperCase",
       {{{"target"}},
        [](Context& ctx, Args a, Value& out) {
          return MapChars<Upper>("ToUpperCase", ctx, a, out);
        }}},
      {"IsString", {{{"target"}}, IsType<Type::kString>}},
      {"IsInt", {{{"target"}}, IsType<Type::kInt>}},
      {"IsDouble", {{{"target"}}, IsType<Type::kDouble>}},
      {"IsBool", {{{"target"}}, IsType<Type::kBool>}},
      {"IsMap", {{{"target"}}, IsType<Type::kKvList>}},
      {"IsList", {{{"target"}}, IsType<Type::kArray>}},
  };
  return *kTable;
}

class IsMatchExpr final : public Expr {
 public:
  IsMatchExpr(ExprPtr target, std::unique_ptr<RE2> re)
      : target_(std::move(target)), re_(std::move(re)) {}
  Status Eval(Context& ctx, Value& out) const override {
    Value scratch;
    const Value* vp = nullptr;
    RETURN_IF_ERROR(target_->Peek(ctx, scratch, &vp));
    const Value& v = *vp;
    if (v.type == Type::kEmpty) {
      out = Value::Bool(false);
      return Status::Ok();
    }
    if (v.type == Type::kString) {
      out = Value::Bool(RE2::PartialMatch(v.string_value, *re_));
      return Status::Ok();
    }
    if (v.type == Type::kArray || v.type == Type::kKvList)
      return InvalidArgument("IsMatch: cannot match a " + std::string(TypeName(v)));
    out = Value::Bool(RE2::PartialMatch(AsString(v), *re_));
    return Status::Ok();
  }

 private:
  ExprPtr target_;
  std::unique_ptr<RE2> re_;
};

std::vector<std::string> ConverterNames() {
  std::vector<std::string> names;
  for (const auto& [n, _] : SimpleConverters()) names.push_back(n);
  names.push_back("IsMatch");
  for (const auto& n : MoreConverterNames()) names.push_back(n);
  return names;
}

}  // namespace

StatusOr<std::unique_ptr<RE2>> CompileRegex(const Node& call, const Node* arg) {
  ASSIGN_OR_RETURN(std::string pattern, LiteralString(call, arg, "pattern"));
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, opts);
  if (!re->ok())
    return ErrorAt(arg->column, RegexError(call.text, pattern, query::GoRegexError(*re)));
  return re;
}

StatusOr<ExprPtr> CompileConverter(const Node& call, Compiler& c) {
  if (call.text == "IsMatch") {
    ASSIGN_OR_RETURN(auto args, BindArgs(call, {{"target"}, {"pattern"}}));
    ASSIGN_OR_RETURN(ExprPtr target, c.Value(*args[0]));
    ASSIGN_OR_RETURN(std::unique_ptr<RE2> re, CompileRegex(call, args[1]));
    return ExprPtr(std::make_unique<IsMatchExpr>(std::move(target), std::move(re)));
  }
  bool found = false;
  ASSIGN_OR_RETURN(ExprPtr extra, CompileMoreConverters(call, c, &found));
  if (found) return extra;
  auto it = SimpleConverters().find(call.text);
  if (it == SimpleConverters().end()) {
    std::string near = config::NearestName(call.text, ConverterNames());
    return ErrorAt(call.column, "unknown function \"" + call.text + "\"" +
                                    (near.empty() ? "" : "; did you mean \"" + near + "\"?"));
  }
  const Simple& s = it->second;
  ASSIGN_OR_RETURN(std::vector<const Node*> args, BindArgs(call, s.params));
  std::vector<ExprPtr> exprs;
  for (const Node* a : args) {
    if (!a) {
      exprs.push_back(nullptr);
      continue;
    }
    ASSIGN_OR_RETURN(ExprPtr e, c.Value(*a));
    exprs.push_back(std::move(e));
  }
  return ExprPtr(std::make_unique<SimpleConverter>(s.fn, std::move(exprs)));
}

}  // namespace otter::ottl::internal
