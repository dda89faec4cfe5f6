// LineTemplate: the subset of Go's text/template that LogQL's line_format and label_format use:
// literal text, {{.label}} field references, {{__line__}} / {{__timestamp__}}, string literals,
// pipelines ({{.a | ToUpper}}), parenthesised arguments, {{if}} / {{else if}} / {{else}} /
// {{end}} with Go's comparison builtins (eq, ne, lt, le, gt, ge, and, or, not), and the string
// functions of Loki's function map (here and in template_funcs.h). Missing labels render as ""
// (Loki's missingkey=zero). Other users (alert rule annotations, src/rules/alert_template.h)
// add `$variables`, dotted fields (`.Labels.x`) and functions of their own through a
// TemplateDialect.
// Immutable after Parse(); safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/labels.h"

namespace otter::query::logql {

// A value in a template: a string (label values, string literals), a number or a boolean (the
// builtins' results), as far as Go's types matter here. A number's text is how Go prints it.
struct TemplateValue {
  enum Kind { kString, kNumber, kBool } kind = kString;
  std::string text;
  bool b = false;

  bool Truthy() const;
  std::string Render() const { return kind == kBool ? (b ? "true" : "false") : text; }
};

// What a template may refer to beyond LogQL's: `$name.path` variables and dotted fields, both
// resolved at execution through `Lookup` with the path as written ("$labels.job", "$value",
// ".Labels.job"), and functions of its own. Must outlive the templates parsed with it.
struct TemplateDialect {
  // True for the functions `Call` implements (checked at parse time).
  bool (*is_func)(std::string_view name) = nullptr;
  StatusOr<TemplateValue> (*call)(const std::string& name,
                                  const std::vector<TemplateValue>& args) = nullptr;
  // True for the variables a template may use ("$labels"); others fail at parse time as in Go.
  bool (*is_variable)(std::string_view name) = nullptr;
};

// Resolves "$name[.field]" and ".Field[.field]" when executing with a dialect.
using TemplateLookup = StatusOr<TemplateValue> (*)(const void* data, std::string_view path);

class LineTemplate {
 public:
  // Fails with InvalidArgument on unsupported or malformed actions.
  static StatusOr<LineTemplate> Parse(std::string_view text);
  // With a dialect's variables, dotted fields and functions (which shadow LogQL's of the same
  // name). `name` goes into error texts as Go's template name ("template: <name>:1: ...").
  static StatusOr<LineTemplate> Parse(std::string_view text, const TemplateDialect* dialect,
                                      std::string_view name);

  // Renders with `labels` as the dot and the current line / timestamp for the builtins.
  StatusOr<std::string> Execute(const store::Labels& labels, std::string_view line,
                                int64_t ts_ns) const;
  // Renders a template parsed with a dialect: `lookup(data, path)` resolves its variables and
  // fields.
  StatusOr<std::string> Execute(TemplateLookup lookup, const void* data) const;

  const std::string& source() const { return source_; }

 private:
  struct Command;
  struct Arg {
    enum Kind { kField, kString, kNumber, kLine, kTimestamp, kPipeline, kVariable } kind = kString;
    std::string value;  // field name (".a.b" as "a.b"), variable ("$x.y") or literal
    std::shared_ptr<const std::vector<Command>> pipeline;  // kPipeline: a parenthesised one
  };
  struct Command {
    std::string func;  // empty: a single argument used as the value
    std::vector<Arg> args;
  };
  struct Part {
    // kIf / kElseIf hold their condition in `pipeline`.
    enum Kind { kLiteral, kAction, kIf, kElseIf, kElse, kEnd } kind = kLiteral;
    std::string text;               // kLiteral
    std::vector<Command> pipeline;  // kAction, kIf, kElseIf
  };
  using Value = TemplateValue;
  // What one execution reads: LogQL's labels, line and time, or a dialect's lookup.
  struct Env {
    const store::Labels* labels = nullptr;
    std::string_view line;
    int64_t ts_ns = 0;
    TemplateLookup lookup = nullptr;
    const void* data = nullptr;
  };
  StatusOr<Value> Run(const std::vector<Command>& pipeline, const Env& env) const;
  StatusOr<std::string> Render(const Env& env) const;

  std::string source_;
  const TemplateDialect* dialect_ = nullptr;
  std::shared_ptr<const std::vector<Part>> parts_;
};

}  // namespace otter::query::logql
