#include "exporters/debug/config.h"

#include <algorithm>
#include <cctype>

namespace otter {

Status DebugConfig::Validate() const {
  if (sampling_initial < 0) return InvalidArgument("sampling_initial must not be negative");
  if (sampling_thereafter < 0) return InvalidArgument("sampling_thereafter must not be negative");
  return Status::Ok();
}

const config::Table<DebugConfig>& DebugConfigTable() {
  using C = DebugConfig;
  static const config::Table<C> table =
      config::Table<C>()
          .Custom("verbosity", "string", "basic",
                  "basic: one line per batch; normal: about one line per item; detailed: every "
                  "field of every item",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    std::string s;
                    if (!config::ParseValue(n, s, d)) return;
                    std::transform(s.begin(), s.end(), s.begin(),
                                   [](unsigned char ch) { return std::tolower(ch); });
                    if (s == "basic")
                      c.verbosity = DebugVerbosity::kBasic;
                    else if (s == "normal")
                      c.verbosity = DebugVerbosity::kNormal;
                    else if (s == "detailed")
                      c.verbosity = DebugVerbosity::kDetailed;
                    else
                      d.Error(n, "verbosity level \"" + n.scalar +
                                     "\" is not supported (valid: basic, normal, detailed)");
                  })
          .Field("sampling_initial", &C::sampling_initial,
                 "batches logged per second (per signal) before sampling starts")
          .Field("sampling_thereafter", &C::sampling_thereafter,
                 "after the initial ones, log every Nth batch in that second (1 = no sampling)")
          .Field("use_internal_logger", &C::use_internal_logger,
                 "write through otter's logger (true) or as plain text to stdout (false)")
          .NotSupportedYet("output",
                           "per-level include/exclude of resource, scope and record output");
  return table;
}

}  // namespace otter
