// ExponentialBackoff: the retry schedule of `retry_on_failure`, computed exactly as the Go
// collector's (cenkalti/backoff ExponentialBackOff): wait i is drawn uniformly from
// interval_i * [1 - randomization_factor, 1 + randomization_factor], interval_0 =
// initial_interval, interval_{i+1} = min(interval_i * multiplier, max_interval); no wait is
// handed out once elapsed + wait would pass max_elapsed_time (0 = never). One per request; not
// thread-safe.
#pragma once

#include <functional>
#include <optional>

#include "exporters/exporterhelper/settings.h"

namespace otter::exporterhelper {

class ExponentialBackoff {
 public:
  // `uniform01` returns numbers in [0, 1); it is the jitter source.
  ExponentialBackoff(const RetrySettings& settings, std::function<double()> uniform01);
  // The wait before the next attempt, given the time since the first attempt started; nullopt
  // when max_elapsed_time would be exceeded.
  std::optional<Duration> Next(Duration elapsed);

 private:
  RetrySettings s_;
  std::function<double()> uniform01_;
  Duration current_;
};

}  // namespace otter::exporterhelper
