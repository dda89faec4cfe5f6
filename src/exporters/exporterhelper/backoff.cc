#include "exporters/exporterhelper/backoff.h"

#include <utility>

namespace otter::exporterhelper {

ExponentialBackoff::ExponentialBackoff(const RetrySettings& settings,
                                       std::function<double()> uniform01)
    : s_(settings), uniform01_(std::move(uniform01)), current_(settings.initial_interval) {}

std::optional<Duration> ExponentialBackoff::Next(Duration elapsed) {
  double interval = static_cast<double>(current_.count());
  double delta = s_.randomization_factor * interval;
  double lo = interval - delta;
  double hi = interval + delta;
  // +1 as in cenkalti/backoff so that hi itself can be drawn.
  auto next = Duration(static_cast<Duration::rep>(lo + uniform01_() * (hi - lo + 1)));

  if (static_cast<double>(current_.count()) >=
      static_cast<double>(s_.max_interval.count()) / s_.multiplier) {
    current_ = s_.max_interval;
  } else {
    current_ = Duration(static_cast<Duration::rep>(interval * s_.multiplier));
  }
  if (s_.max_elapsed_time > Duration::zero() && elapsed + next > s_.max_elapsed_time)
    return std::nullopt;
  return next;
}

}  // namespace otter::exporterhelper
