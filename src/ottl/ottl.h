// OTTL, the OpenTelemetry Transformation Language as the Go collector's pkg/ottl defines it:
// statements (`set(attributes["k"], "v") where name == "x"`) and conditions (`kind ==
// SPAN_KIND_SERVER and IsMatch(name, "^GET ")`) parsed once, at config time, into an evaluator
// that runs over pdata items. Used by the transform and filter processors and by anything that
// needs a condition on spans, span events, metrics, data points or log records.
// Thread-safety: a compiled Statement/Condition is immutable and may run on many threads at once;
// a Context is used by one thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pdata/arena.h"
#include "pdata/logs.h"
#include "pdata/metrics.h"
#include "pdata/trace.h"

namespace otter::ottl {

// The level a statement runs at, lowest last within a signal.
enum class ContextKind { kResource, kScope, kSpan, kSpanEvent, kMetric, kDataPoint, kLog };
// "resource", "scope" (also "instrumentation_scope"), "span", "spanevent", "metric",
// "datapoint", "log"; nullopt for anything else.
std::optional<ContextKind> ParseContextKind(std::string_view name);
std::string_view ContextKindName(ContextKind kind);

// What a failing statement or condition does: `propagate` returns the error (the batch is
// refused), `ignore` logs it and goes on with the next statement, `silent` goes on without logging.
enum class ErrorMode { kIgnore, kPropagate, kSilent };
std::optional<ErrorMode> ParseErrorMode(std::string_view name);

// The item a statement runs on, and the items above it. Pointers below the statement's context
// level are not read; those at and above it must be set (a span statement needs resource, scope
// and span). Exactly one data point pointer is set for the datapoint context. New strings are
// copied into `arenas` (the batch's), so they live as long as the batch. Conditions never change
// the items (they may add strings to the arenas, which leaves existing views and a batch's cached
// wire valid), so a caller holding const data may const_cast it for a condition.
// Example, for one span:  ottl::Context c{&batch.arenas(), &rs.resource, &ss.scope, &span};
struct Context {
  pdata::ArenaSet* arenas = nullptr;
  pdata::Resource* resource = nullptr;
  pdata::InstrumentationScope* scope = nullptr;
  pdata::Span* span = nullptr;
  pdata::SpanEvent* span_event = nullptr;
  pdata::Metric* metric = nullptr;
  pdata::NumberDataPoint* number_point = nullptr;
  pdata::HistogramDataPoint* histogram_point = nullptr;
  pdata::ExponentialHistogramDataPoint* exp_histogram_point = nullptr;
  pdata::SummaryDataPoint* summary_point = nullptr;
  pdata::LogRecord* log = nullptr;
};

namespace internal {
class Expr;
class Editor;
}  // namespace internal

// A boolean expression (a `where` clause on its own).
class Condition {
 public:
  // Parses and type-checks `text` for `context`. Errors read "column 14: unknown function
  // \"IsMatc\"" (1-based column of the offending token in `text`).
  static StatusOr<Condition> Parse(std::string_view text, ContextKind context);
  StatusOr<bool> Eval(Context& ctx) const;
  ContextKind context() const { return context_; }
  const std::string& text() const { return *text_; }

 private:
  std::shared_ptr<const internal::Expr> expr_;
  std::shared_ptr<const std::string> text_;
  ContextKind context_ = ContextKind::kResource;
};

// An editor call with an optional `where` condition.
class Statement {
 public:
  static StatusOr<Statement> Parse(std::string_view text, ContextKind context);
  // Runs the editor if the condition holds (or there is none). The error names the statement.
  Status Execute(Context& ctx) const;
  ContextKind context() const { return context_; }
  const std::string& text() const { return *text_; }

 private:
  std::shared_ptr<const internal::Editor> editor_;
  std::shared_ptr<const internal::Expr> where_;
  std::shared_ptr<const std::string> text_;
  ContextKind context_ = ContextKind::kResource;
};

// Context inference (the transform processor's flat statement lists): the lowest context named by
// a path prefix in `text` (`span.name` → span, `resource.attributes` → resource), which must be
// one of `allowed`. Errors when no path names a context, or two name unrelated ones.
StatusOr<ContextKind> InferContext(std::string_view text, bool is_statement,
                                   const std::vector<ContextKind>& allowed);

}  // namespace otter::ottl
