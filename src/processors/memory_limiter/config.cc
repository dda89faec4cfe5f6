#include "processors/memory_limiter/config.h"

namespace otter {

Status MemoryLimiterConfig::Validate() const {
  if (check_interval.count() <= 0)
    return InvalidArgument("check_interval must be greater than zero");
  if (min_gc_interval_when_soft_limited < min_gc_interval_when_hard_limited) {
    return InvalidArgument(
        "min_gc_interval_when_soft_limited must be at least min_gc_interval_when_hard_limited");
  }
  if (limit_mib == 0 && limit_percentage == 0) {
    return InvalidArgument("limit_mib or limit_percentage must be greater than zero");
  }
  if (limit_percentage > 100) {
    return InvalidArgument("limit_percentage (" + std::to_string(limit_percentage) +
                           ") must be at most 100");
  }
  if (spike_limit_percentage > 100) {
    return InvalidArgument("spike_limit_percentage (" + std::to_string(spike_limit_percentage) +
                           ") must be at most 100");
  }
  if (limit_mib > 0 && spike_limit_mib >= limit_mib) {
    return InvalidArgument("spike_limit_mib (" + std::to_string(spike_limit_mib) +
                           ") must be smaller than limit_mib (" + std::to_string(limit_mib) + ")");
  }
  if (limit_percentage > 0 && spike_limit_percentage >= limit_percentage) {
    return InvalidArgument("spike_limit_percentage (" + std::to_string(spike_limit_percentage) +
                           ") must be smaller than limit_percentage (" +
                           std::to_string(limit_percentage) + ")");
  }
  return Status::Ok();
}

const config::Table<MemoryLimiterConfig>& MemoryLimiterConfigTable() {
  using C = MemoryLimiterConfig;
  static const config::Table<C> table =
      config::Table<C>()
          .Field("check_interval", &C::check_interval,
                 "time between measurements of memory usage (required, > 0; 1s is typical)")
          .Field("limit_mib", &C::limit_mib,
                 "hard limit on process memory (RSS) in MiB; above it free heap memory is "
                 "returned to the OS. Takes precedence over limit_percentage")
          .Field("spike_limit_mib", &C::spike_limit_mib,
                 "expected growth between checks, in MiB; data is refused above limit_mib - "
                 "spike_limit_mib. Default (0): 20% of limit_mib. Must be < limit_mib")
          .Field("limit_percentage", &C::limit_percentage,
                 "hard limit as a percentage of total memory (the cgroup memory limit when set, "
                 "else MemTotal)")
          .Field("spike_limit_percentage", &C::spike_limit_percentage,
                 "spike as a percentage of total memory. Default (0): 20% of the limit. Must be < "
                 "limit_percentage")
          .Field("min_gc_interval_when_soft_limited", &C::min_gc_interval_when_soft_limited,
                 "minimum time between malloc_trim calls when usage crosses the soft limit")
          .Field("min_gc_interval_when_hard_limited", &C::min_gc_interval_when_hard_limited,
                 "minimum time between malloc_trim calls while usage is above the hard limit");
  return table;
}

}  // namespace otter
