// LineTemplate: the subset of Go's text/template that LogQL's line_format and label_format use:
// literal text, {{.label}} field references, {{__line__}} / {{__timestamp__}}, string literals,
// pipelines ({{.a | ToUpper}}), parenthesised arguments, {{if}} / {{else if}} / {{else}} /
// {{end}} with Go's comparison builtins (eq, ne, lt, le, gt, ge, and, or, not), and the string
// functions of Loki's function map (here and in template_funcs.h). Missing labels render as ""
// (Loki's missingkey=zero).
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

class LineTemplate {
 public:
  // Fails with InvalidArgument on unsupported or malformed actions.
  static StatusOr<LineTemplate> Parse(std::string_view text);

  // Renders with `labels` as the dot and the current line / timestamp for the builtins.
  StatusOr<std::string> Execute(const store::Labels& labels, std::string_view line,
                                int64_t ts_ns) const;

  const std::string& source() const { return source_; }

 private:
  struct Command;
  struct Arg {
    enum Kind { kField, kString, kNumber, kLine, kTimestamp, kPipeline } kind = kString;
    std::string value;                                     // field name or literal
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
  struct Value;
  StatusOr<Value> Run(const std::vector<Command>& pipeline, const store::Labels& labels,
                      std::string_view line, int64_t ts_ns) const;

  std::string source_;
  std::shared_ptr<const std::vector<Part>> parts_;
};

}  // namespace otter::query::logql
