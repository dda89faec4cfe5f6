#include "component/completion.h"

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>

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
    Status result;          // GUARDED_BY(mu): the worst error so far
    uint64_t rejected = 0;  // GUARDED_BY(mu): partial rejections of the branches that succeeded
    std::string messages;   // GUARDED_BY(mu): their distinct messages, joined
    std::vector<std::string> distinct;  // GUARDED_BY(mu): bounded by kMaxPartialMessageBytes
    bool truncated = false;             // GUARDED_BY(mu)
    Completion done;

    void AddMessage(std::string_view m) {
      if (m.empty() || truncated) return;
      // Fan-out branches often reject the same items for the same reason: say it once.
      for (const auto& seen : distinct)
        if (seen == m) return;
      if (messages.size() + m.size() + 2 > kMaxPartialMessageBytes) {
        messages += messages.empty() ? "..." : "; ...";
        truncated = true;
        return;
      }
      if (!messages.empty()) messages += "; ";
      messages += m;
      distinct.emplace_back(m);
    }
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
        } else if (s.partial()) {
          join->rejected += s.rejected_items();
          join->AddMessage(s.message());
        }
        if (--join->remaining == 0) {
          finish = std::move(join->done);
          result = join->result.ok() ? Status::PartialSuccess(join->rejected, join->messages)
                                     : join->result;
        }
      }
      if (finish) finish(std::move(result));
    });
  }
  return out;
}

}  // namespace otter
