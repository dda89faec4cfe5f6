// Running OTTL over whole batches: ForEachItem visits every item of a context level (every span,
// span event, metric, data point, log record, scope or resource) with its Context filled in, and
// ErrorHandler applies an `error_mode` to what a statement or condition returned.
// Used by the transform and filter processors. Thread-safety: ErrorHandler may be shared by
// threads (its log throttle is atomic); ForEachItem runs on the caller's thread.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "ottl/ottl.h"

namespace otter::ottl {

// propagate: the error is returned; ignore: logged (at most once a second, with a count of what
// was not logged) and OK is returned; silent: OK.
class ErrorHandler {
 public:
  ErrorHandler(ErrorMode mode, std::shared_ptr<spdlog::logger> logger)
      : mode_(mode), logger_(std::move(logger)) {}
  Status Handle(Status s) const {
    if (s.ok() || mode_ == ErrorMode::kPropagate) return s;
    if (mode_ == ErrorMode::kIgnore && logger_) {
      int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now().time_since_epoch())
                        .count();
      int64_t last = last_log_ms_.load(std::memory_order_relaxed);
      if (now - last >= 1000 && last_log_ms_.compare_exchange_strong(last, now)) {
        uint64_t skipped = suppressed_.exchange(0, std::memory_order_relaxed);
        logger_->warn("failed processing telemetry, error_mode ignore: {}{}", s.message(),
                      skipped ? " (" + std::to_string(skipped) + " similar errors not logged)"
                              : std::string());
      } else {
        suppressed_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    return Status::Ok();
  }
  ErrorMode mode() const { return mode_; }

 private:
  ErrorMode mode_;
  std::shared_ptr<spdlog::logger> logger_;
  mutable std::atomic<int64_t> last_log_ms_{-1000000};
  mutable std::atomic<uint64_t> suppressed_{0};
};

// Calls fn(ctx) for every item at `level`; stops at the first error fn returns.
template <class Fn>
Status ForEachItem(std::vector<pdata::ResourceSpans>& batch, pdata::ArenaSet& arenas,
                   ContextKind level, Fn&& fn) {
  Context ctx;
  ctx.arenas = &arenas;
  for (auto& rs : batch) {
    ctx.resource = &rs.resource;
    if (level == ContextKind::kResource) {
      RETURN_IF_ERROR(fn(ctx));
      continue;
    }
    for (auto& ss : rs.scope_spans) {
      ctx.scope = &ss.scope;
      if (level == ContextKind::kScope) {
        RETURN_IF_ERROR(fn(ctx));
        continue;
      }
      for (auto& span : ss.spans) {
        ctx.span = &span;
        if (level == ContextKind::kSpan) {
          RETURN_IF_ERROR(fn(ctx));
          continue;
        }
        for (auto& ev : span.events) {
          ctx.span_event = &ev;
          RETURN_IF_ERROR(fn(ctx));
        }
      }
    }
  }
  return Status::Ok();
}

// Calls fn(ctx) with exactly one of ctx's data point pointers set, for each point of `m`.
template <class Fn>
Status ForEachDataPoint(pdata::Metric& m, Context& ctx, Fn&& fn) {
  ctx.metric = &m;
  auto run = [&](auto& points, auto Context::*slot) -> Status {
    for (auto& p : points) {
      ctx.*slot = &p;
      Status s = fn(ctx);
      ctx.*slot = nullptr;
      RETURN_IF_ERROR(s);
    }
    return Status::Ok();
  };
  RETURN_IF_ERROR(run(m.number_points, &Context::number_point));
  RETURN_IF_ERROR(run(m.histogram_points, &Context::histogram_point));
  RETURN_IF_ERROR(run(m.exp_histogram_points, &Context::exp_histogram_point));
  return run(m.summary_points, &Context::summary_point);
}

template <class Fn>
Status ForEachItem(std::vector<pdata::ResourceMetrics>& batch, pdata::ArenaSet& arenas,
                   ContextKind level, Fn&& fn) {
  Context ctx;
  ctx.arenas = &arenas;
  for (auto& rm : batch) {
    ctx.resource = &rm.resource;
    if (level == ContextKind::kResource) {
      RETURN_IF_ERROR(fn(ctx));
      continue;
    }
    for (auto& sm : rm.scope_metrics) {
      ctx.scope = &sm.scope;
      if (level == ContextKind::kScope) {
        RETURN_IF_ERROR(fn(ctx));
        continue;
      }
      for (auto& m : sm.metrics) {
        ctx.metric = &m;
        if (level == ContextKind::kMetric) {
          RETURN_IF_ERROR(fn(ctx));
          continue;
        }
        RETURN_IF_ERROR(ForEachDataPoint(m, ctx, fn));
      }
    }
  }
  return Status::Ok();
}

template <class Fn>
Status ForEachItem(std::vector<pdata::ResourceLogs>& batch, pdata::ArenaSet& arenas,
                   ContextKind level, Fn&& fn) {
  Context ctx;
  ctx.arenas = &arenas;
  for (auto& rl : batch) {
    ctx.resource = &rl.resource;
    if (level == ContextKind::kResource) {
      RETURN_IF_ERROR(fn(ctx));
      continue;
    }
    for (auto& sl : rl.scope_logs) {
      ctx.scope = &sl.scope;
      if (level == ContextKind::kScope) {
        RETURN_IF_ERROR(fn(ctx));
        continue;
      }
      for (auto& lr : sl.log_records) {
        ctx.log = &lr;
        RETURN_IF_ERROR(fn(ctx));
      }
    }
  }
  return Status::Ok();
}

// The contexts each signal's statements may use, highest first.
inline const std::vector<ContextKind>& ContextsOf(std::string_view signal) {
  static const std::vector<ContextKind> kTraces = {ContextKind::kResource, ContextKind::kScope,
                                                   ContextKind::kSpan, ContextKind::kSpanEvent};
  static const std::vector<ContextKind> kMetrics = {ContextKind::kResource, ContextKind::kScope,
                                                    ContextKind::kMetric, ContextKind::kDataPoint};
  static const std::vector<ContextKind> kLogs = {ContextKind::kResource, ContextKind::kScope,
                                                 ContextKind::kLog};
  return signal == "traces" ? kTraces : signal == "metrics" ? kMetrics : kLogs;
}

}  // namespace otter::ottl
