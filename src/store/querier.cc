#include "store/querier.h"

#include <string>

namespace otter::store {

QueryLimits QueryLimits::WithTimeout(Clock::duration timeout, size_t max_items,
                                     Clock::time_point start) {
  QueryLimits l;
  // A huge timeout means "none": saturate instead of overflowing the time point.
  l.deadline =
      timeout >= Clock::time_point::max() - start ? Clock::time_point::max() : start + timeout;
  l.max_items = max_items;
  return l;
}

Status QueryLimits::CheckDeadline() const {
  if (deadline != Clock::time_point::max() && Clock::now() >= deadline)
    return DeadlineExceeded("query timed out");
  return Status::Ok();
}

Status QueryLimits::CheckHeld(size_t held, std::string_view what) const {
  if (max_items == 0 || held <= max_items) return Status::Ok();
  return ResourceExhausted("query processing would load too many " + std::string(what) +
                           " into memory (more than " + std::to_string(max_items) + ", the " +
                           std::string(max_items_name) +
                           " limit); narrow the selector or the time range");
}

}  // namespace otter::store
