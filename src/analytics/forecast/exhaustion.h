// When a resource reaches its limit ("filesystem /var full in ~6.5 days, 80% interval 5–9
// days"): the time until one series' forecast reaches a value, from the side the series is on
// now. Built so that it does not cry wolf where predict_linear does:
//  - noise and steps: the ETS forecast (ets.h) takes level shifts out of the history and picks a
//    damped or flat trend when the trend does not persist across the range;
//  - sawtooth series (log rotation, cleanups, compactions: two or more sudden drops against the
//    direction of travel): the answer is the earlier of the current cycle reaching the limit
//    before its expected reset and the trend of the cycles' peaks reaching it.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <span>

#include "analytics/forecast/ets.h"

namespace otter::analytics::forecast {

struct Exhaustion {
  double seconds = 0;     // from `now` until the limit is reached; +Inf: not in reach
  bool sawtooth = false;  // answered from cycles (resets seen in the range)
  size_t resets = 0;      // drops against the direction of travel
};

// The q-quantile of the time from `now_s` until the series reaches `limit` (q = 0.5: the median
// estimate; 0.1 and 0.9 bound an 80% interval). 0 when the last sample is at the limit. The
// search reaches 10× the range's span ahead; beyond it the answer is +Inf, except that for
// q ≤ 0.5 an undamped trend heading for the limit gives its straight line's crossing. nullopt
// with fewer than 3 usable samples or all of them at one time.
std::optional<Exhaustion> TimeToThreshold(std::span<const Sample> samples, double limit,
                                          double now_s, double q = 0.5);

}  // namespace otter::analytics::forecast
