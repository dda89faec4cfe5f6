// Runner for PromQL test scripts in the format of Prometheus's promql/promqltest: `load <step>`
// blocks of series in expanding notation (`0+10x100`, `_`, `stale`, `Inf`, `NaN`), `clear`,
// `eval instant at <t> <expr>` / `eval range from <t> to <t> step <d> <expr>` (with the
// `_fail`, `_ordered`, `_warn`, `_info` suffixes and `expect ...` lines) followed by the expected
// result. Loaded samples go through the OTLP path (pdata gauges → prom_convert → MetricTable), so
// the store is exercised as in production. Used by script_test.cc; not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/labels.h"
#include "store/querier.h"

namespace otter::query::promql::script {

struct Failure {
  int line = 0;  // 1-based line of the command in the script
  std::string message;
};

// Runs every command of `text`; returns the failed ones (empty = the script passed). A script
// that does not parse yields one failure naming the bad line.
std::vector<Failure> RunScript(std::string_view text);

// One value of a series description: a number, omitted (`_`) or a stale marker.
struct SequenceValue {
  double v = 0;
  bool omitted = false;
};

// Parses `name{label="value", ...} <values>` as Prometheus's series descriptions; false with
// *error set on bad syntax. Exposed for tests.
bool ParseSeriesDesc(std::string_view line, store::Labels* labels,
                     std::vector<SequenceValue>* values, std::string* error);

// Prometheus's almost.Equal: equal, both NaN, or within a relative epsilon.
bool AlmostEqual(double a, double b, double epsilon);

}  // namespace otter::query::promql::script
