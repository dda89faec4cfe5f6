// OTTL syntax tree and parser (internal to src/ottl). The parser is recursive descent over the
// grammar of the Go collector's pkg/ottl: a statement is `editor(args) [where <bool expr>]`,
// a condition is a bool expression; values are literals, paths, converter calls, lists, maps and
// math. Every node keeps the 1-based column of its first token for error messages.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otter::ottl::internal {

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Arg {
  std::string name;  // "" for a positional argument
  NodePtr value;
  int column = 0;
};

struct Node {
  enum class Kind {
    kNil,
    kBool,
    kInt,
    kFloat,
    kString,
    kBytes,
    kEnum,
    kPath,
    kCall,  // editor (lowercase) or converter (Uppercase), with optional keys for converters
    kList,
    kMap,
    kMath,     // op: + - * /
    kNeg,      // unary minus
    kCompare,  // op: == != < <= > >=
    kAnd,
    kOr,
    kNot,
  };
  Kind kind = Kind::kNil;
  int column = 0;
  bool bool_value = false;
  int64_t int_value = 0;
  double float_value = 0;
  std::string text;                   // string/bytes content, enum/function name, operator
  std::vector<std::string> fields;    // path: "resource", "attributes" / "trace_id", "string"
  std::vector<NodePtr> keys;          // path/call: ["a"][0] (each a value expression)
  std::vector<Arg> args;              // call
  std::vector<NodePtr> children;      // list items, operands
  std::vector<std::string> map_keys;  // map literal keys, parallel to children
};

struct StatementAst {
  NodePtr editor;  // kCall
  NodePtr where;   // null when there is no where clause
};

// Errors read "column N: <what>".
StatusOr<StatementAst> ParseStatementText(std::string_view text);
StatusOr<NodePtr> ParseConditionText(std::string_view text);

// "column N: message".
Status ErrorAt(int column, std::string message);

}  // namespace otter::ottl::internal
