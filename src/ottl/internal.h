// OTTL evaluator internals shared by the compiler (compile.cc), paths (paths.cc), editors
// (editors.cc) and converters (converters.cc). Runtime values are pdata::AnyValue (kEmpty is
// OTTL's nil; kBytes also carries trace and span ids); strings made while evaluating are copied
// into the batch's arenas. Compiled nodes are immutable.
#pragma once

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ottl/ast.h"
#include "ottl/ottl.h"

namespace re2 {
class RE2;
}
using re2::RE2;

namespace otter::ottl::internal {

using Value = pdata::AnyValue;
using Type = pdata::AnyValue::Type;

class Expr {
 public:
  virtual ~Expr() = default;
  virtual Status Eval(Context& ctx, Value& out) const = 0;
  // The value without copying it where the node holds or points at one (literals, attribute
  // slots); otherwise evaluated into `scratch`. *out is valid until the item changes.
  virtual Status Peek(Context& ctx, Value& scratch, const Value** out) const {
    RETURN_IF_ERROR(Eval(ctx, scratch));
    *out = &scratch;
    return Status::Ok();
  }
  // A boolean result; an error if the value is not a bool.
  virtual Status EvalBool(Context& ctx, bool* out) const;
};
using ExprPtr = std::unique_ptr<Expr>;

// A path: read, written by set(), and edited in place when it names a map.
class PathExpr : public Expr {
 public:
  virtual Status Set(Context& ctx, Value v) const = 0;
  // The key/value list the path names (attributes, or a map-valued attribute or body).
  virtual Status Map(Context& ctx, pdata::Attributes** out) const = 0;
  std::string text;  // as written, for messages
};
using PathPtr = std::unique_ptr<PathExpr>;

class Editor {
 public:
  virtual ~Editor() = default;
  virtual Status Run(Context& ctx) const = 0;
};
using EditorPtr = std::unique_ptr<Editor>;

// Compiles nodes for one context level.
class Compiler {
 public:
  explicit Compiler(ContextKind context) : context_(context) {}
  ContextKind context() const { return context_; }
  StatusOr<ExprPtr> Value(const Node& n);
  StatusOr<PathPtr> Path(const Node& n);  // n must be a path
  // A boolean expression: comparison, and/or/not, bool literal or converter.
  StatusOr<ExprPtr> Bool(const Node& n);

 private:
  ContextKind context_;
};

StatusOr<PathPtr> CompilePath(const Node& n, Compiler& c);
StatusOr<ExprPtr> CompileConverter(const Node& call, Compiler& c);
StatusOr<EditorPtr> CompileEditor(const Node& call, Compiler& c);
// The less common functions (functions_more.cc); *found is false for other names.
StatusOr<ExprPtr> CompileMoreConverters(const Node& call, Compiler& c, bool* found);
StatusOr<EditorPtr> CompileMoreEditors(const Node& call, Compiler& c, bool* found);
std::vector<std::string> MoreConverterNames();
std::vector<std::string> MoreEditorNames();
// A context named by the path's first field (`span.name` → span), if any.
std::optional<ContextKind> PathContext(const Node& path);

// Applies index keys (["a"][0]) to a value; a missing key yields nil.
class KeyedExpr : public Expr {
 public:
  KeyedExpr(ExprPtr base, std::vector<ExprPtr> keys)
      : base_(std::move(base)), keys_(std::move(keys)) {}
  Status Eval(Context& ctx, Value& out) const override;

 private:
  ExprPtr base_;
  std::vector<ExprPtr> keys_;
};
// Walks `keys` from `v`; returns the slot (null when a key is absent). With `create`, missing map
// keys are added (as maps for intermediate keys) so that set() can write through them.
Status WalkKeys(Context& ctx, const std::vector<ExprPtr>& keys, size_t from, pdata::AnyValue* v,
                bool create, pdata::AnyValue** out);
Status FindKey(Context& ctx, const Expr& key, pdata::Attributes& map, bool create,
               pdata::AnyValue** out);

// Arguments of a call bound to parameter names: positional first, then by name.
struct Param {
  const char* name;
  bool optional = false;
};
StatusOr<std::vector<const Node*>> BindArgs(const Node& call, const std::vector<Param>& params);
inline StatusOr<std::vector<const Node*>> BindArgs(const Node& call,
                                                   std::initializer_list<Param> params) {
  return BindArgs(call, std::vector<Param>(params));
}
StatusOr<std::string> LiteralString(const Node& call, const Node* arg, const char* param);
StatusOr<int64_t> LiteralInt(const Node& call, const Node* arg, const char* param);
StatusOr<std::vector<std::string>> LiteralStringList(const Node& call, const Node* arg,
                                                     const char* param);

// Compiles the string literal `arg` as an RE2 regex; errors name the function and the column.
StatusOr<std::unique_ptr<RE2>> CompileRegex(const Node& call, const Node* arg);

// Value helpers (value.cc).
std::string_view TypeName(const Value& v);
bool ValuesEqual(const Value& a, const Value& b);
// -1, 0, 1; nullopt when the two cannot be ordered (different types, maps, nil).
std::optional<int> CompareValues(const Value& a, const Value& b);
// The Go collector's pcommon.Value.AsString: strings as is, numbers in shortest form, maps and
// lists as JSON, bytes as base64, nil as "".
std::string AsString(const Value& v);
// Go's strconv.FormatFloat(v, 'f', -1, 64).
std::string FormatDouble(double v);
Value StringValue(Context& ctx, std::string_view s);  // copies into the arenas
Value BytesValue(Context& ctx, std::string_view s);
// A deep copy whose strings (and keys) live in the batch's arenas.
Value OwnValue(Context& ctx, const Value& v);
Value ListValue(std::vector<Value> items);
Value NilValue();
// The regular expression error text, named after the function.
std::string RegexError(const std::string& function, const std::string& pattern,
                       const std::string& error);
// A simple glob (`*`, `?`, `[...]`) as the Go collector's replace_match uses it.
bool GlobMatch(std::string_view pattern, std::string_view s);

}  // namespace otter::ottl::internal
