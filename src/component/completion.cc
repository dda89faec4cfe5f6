#include "component/completion.h"

#include <atomic>
#include <mutex>

namespace otter {

std::vector<Completion> SplitCompletion(Completion done, size_t n) {
  std::vector<Completion> out;
  if (n == 0) {
    done(Status::Ok());
    return out;
  }
  if (n == 1) {
    out.push_back(std::move(done));
    return out;
  }
  struct Join {
    std::mutex mu;
    size_t remaining;
    Status result;  // GUARDED_BY(mu)
    Completion done;
  };
  auto join = std::make_shared<Join>();
  join->remaining = n;
  join->done = std::move(done);
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.emplace_back([join](Status s) {
      Completion finish;
      Status result;
      {
        std::lock_guard lock(join->mu);
        if (!s.ok()) {
          bool worse = join->result.ok() || (join->result.retryable() && !s.retryable());
          if (worse) join->result = std::move(s);
        }
        if (--join->remaining == 0) {
          finish = std::move(join->done);
          result = join->result;
        }
      }
      if (finish) finish(std::move(result));
    });
  }
  return out;
}

}  // namespace otter
