// Runs a LogQL pipeline (line filters, parsers, label filters, formatters) over one log entry.
// The label set an entry carries is its stream labels, then its structured metadata, then
// parsed labels (a parsed name that clashes with a stream label gets the "_extracted" suffix,
// as in Loki). Stage failures set __error__ / __error_details__ rather than failing the query.
// Called by the engine (engine.cc); a Pipeline is immutable and safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/logql/ast.h"
#include "store/labels.h"
#include "store/querier.h"

namespace otter::query::logql {

inline constexpr std::string_view kErrorLabel = "__error__";
inline constexpr std::string_view kErrorDetailsLabel = "__error_details__";

class Pipeline {
 public:
  explicit Pipeline(const std::vector<Stage>& stages) : stages_(&stages) {}

  // Runs the stages over one entry. Returns false when a filter drops it; otherwise `*line`
  // and `*labels` hold the (possibly rewritten) line and the entry's full label set.
  bool Process(int64_t ts_ns, std::string_view line, const store::Labels& stream,
               const store::Labels& metadata, std::string* out_line,
               store::Labels* out_labels) const;

  // True when no stage can drop an entry (the store may then apply the entry limit).
  bool NeverFilters() const;

 private:
  const std::vector<Stage>* stages_;
};

// Evaluates a label filter against `labels`; numeric filters that cannot convert a value set
// __error__="LabelFilterErr" and keep the entry, like Loki.
bool EvalLabelFilter(const LabelFilter& filter, store::Labels& labels);

// Line filter match (the whole chain of one `|=`/`!=`/`|~`/`!~` term).
bool MatchLineFilter(const LineFilter& filter, std::string_view line);

// The unwrapped sample value of `unwrap` for `labels`. False when the entry has no (or an empty)
// label of that name: Loki takes no sample from it. A value that does not convert gives 0 and
// sets __error__="SampleExtractionErr" with Go's error text as details.
bool ExtractUnwrapValue(const Unwrap& unwrap, store::Labels& labels, double* value);

// Splits an entry's final label set as Loki's categorize-labels encoding does: names the entry's
// structured metadata has go to out->metadata, the stream's own labels (unchanged) stay in
// `labels`, the rest (what parsers and formatters set) goes to out->parsed.
void CategorizeLabels(const store::Labels& stream, const store::Labels& metadata,
                      store::Labels* labels, store::LogEntry* out);

// `| trace_id="<lowercase hex>"` before any stage that can set labels: the value the store can
// use from its trace-id index, if any.
std::optional<std::string> PushdownTraceId(const std::vector<Stage>& stages);

}  // namespace otter::query::logql
