#include "exporters/exporterhelper/sending_queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <system_error>
#include <utility>

#include "component/status_hub.h"
#include "exporters/exporterhelper/backoff.h"
#include "exporters/exporterhelper/persistent_queue.h"

namespace otter::exporterhelper {
namespace {

std::string Seconds(Duration d) {
  return fmt::format("{:g}s", std::chrono::duration<double>(d).count());
}

}  // namespace

SendingQueue::SendingQueue(const ComponentContext& ctx, Signal signal,
                           const SenderSettings& settings, SenderOptions options)
    : ctx_(ctx),
      signal_(signal),
      settings_(settings),
      drain_timeout_(options.drain_timeout),
      clock_(options.clock ? std::move(options.clock) : std::make_shared<SteadyClock>()),
      jitter_(std::move(options.jitter)),
      log_(ctx.logger ? ctx.logger : std::make_shared<spdlog::logger>("exporterhelper")),
      health_key_(ctx.id.ToString() + ":" + std::string(SignalName(signal))),
      instance_("exporter:" + ctx.id.ToString()),
      storage_env_(options.storage_env),
      storage_segment_bytes_(options.storage_segment_bytes),
      rng_(std::random_device{}()) {
  telemetry::SelfMetrics* m = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  const std::string items(SignalItemName(signal));
  const telemetry::Labels labels = {{"exporter", ctx.id.ToString()}};
  counters_ = ExporterCounters(*m, ctx.id, signal);
  enqueue_failed_ =
      &m->GetCounter("otelcol_exporter_enqueue_failed_" + items,
                     "Number of " + items + " failed to be added to the sending queue.", labels);
  if (settings_.queue.enabled) {
    telemetry::Labels ql = labels;
    ql.emplace_back("data_type", std::string(SignalName(signal)));
    queue_size_ = &m->GetGauge("otelcol_exporter_queue_size",
                               "Current size of the retry queue (in sizer units).", ql);
    m->GetGauge("otelcol_exporter_queue_capacity",
                "Fixed capacity of the retry queue (in sizer units).", ql)
        .Set(settings_.queue.queue_size);
    if (ctx.status && settings_.queue.queue_size > 0) {
      const double capacity = static_cast<double>(settings_.queue.queue_size);
      hub_queue_ = ctx.status->AddQueue(instance_, [g = queue_size_, capacity] {
        return static_cast<double>(g->value()) / capacity;
      });
    }
  }
}

SendingQueue::~SendingQueue() {
  if (hub_queue_ >= 0) ctx_.status->RemoveQueue(hub_queue_);
  Shutdown();
}

size_t SendingQueue::queued_requests() const {
  std::lock_guard l(mu_);
  return queue_.size();
}

std::string SendingQueue::ItemWords(size_t n) const {
  std::string w(SignalItemName(signal_));  // spans, metric_points, log_records
  std::replace(w.begin(), w.end(), '_', ' ');
  if (n == 1) w.pop_back();
  return std::to_string(n) + " " + w;
}

double SendingQueue::Jitter() {
  if (jitter_) return jitter_();
  std::lock_guard l(jitter_mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

bool SendingQueue::HasRoomLocked(size_t units) const {
  if (settings_.queue.enabled)
    return queued_units_ + storing_units_ + units <=
           static_cast<size_t>(settings_.queue.queue_size);
  // No queue: hand over only to an idle sender.
  return queue_.size() + busy_ < static_cast<size_t>(settings_.queue.num_consumers);
}

void SendingQueue::Refuse(size_t items, Status why, Completion done) {
  enqueue_failed_->Add(items);
  uint64_t suppressed = 0;
  if (refuse_log_.Allow(*clock_, &suppressed)) {
    log_->warn("refused {}: {}{}", ItemWords(items), why.message(),
               LogThrottle::Suffix(suppressed));
  }
  done(std::move(why));
}

void SendingQueue::StartWorkersLocked() {
  if (!workers_.empty()) return;
  const auto n = static_cast<size_t>(settings_.queue.num_consumers);
  workers_.reserve(n);
  for (size_t i = 0; i < n; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

void SendingQueue::Submit(std::unique_ptr<Request> request, size_t items, Completion done) {
  if (items == 0) {  // nothing to deliver; the OTLP spec answers empty requests with success
    done(Status::Ok());
    return;
  }
  const QueueSettings& q = settings_.queue;
  const size_t units = q.enabled && q.items_sizer() ? items : 1;
  if (q.enabled && q.items_sizer() && units > static_cast<size_t>(q.queue_size)) {
    // Can never fit; retrying the same batch would not help, so this is permanent.
    Refuse(items,
           ResourceExhausted(
               fmt::format("a batch of {} is larger than sending_queue.queue_size ({} items)",
                           ItemWords(items), q.queue_size)),
           std::move(done));
    return;
  }
  std::unique_lock lock(mu_);
  for (;;) {
    if (!accepting_) {
      lock.unlock();
      Refuse(items, Unavailable("exporter " + ctx_.id.ToString() + " is shutting down"),
             std::move(done));
      return;
    }
    if (HasRoomLocked(units)) break;
    if (!q.block_on_overflow) {
      lock.unlock();
      Refuse(items,
             Unavailable(q.enabled ? "sending queue is full"
                                   : "sending queue is disabled and all " +
                                         std::to_string(q.num_consumers) + " senders are busy"),
             std::move(done));
      return;
    }
    space_cv_.wait(lock);
  }
  const bool persistent = q.enabled && !q.storage.empty();
  if (persistent) {
    if (!store_) {
      lock.unlock();
      Refuse(items, Unavailable("the persistent queue of " + ctx_.id.ToString() + " is not open"),
             std::move(done));
      return;
    }
    storing_units_ += units;
    lock.unlock();
    SubmitStored(Entry{std::move(request), items, units, std::move(done)});
    return;
  }
  try {
    StartWorkersLocked();
  } catch (const std::system_error& e) {
    lock.unlock();
    Refuse(items, Unavailable(std::string("cannot start sender threads: ") + e.what()),
           std::move(done));
    return;
  }
  const bool answer_now = q.enabled && !q.wait_for_result;
  Entry e{std::move(request), items, units, {}};
  if (!answer_now) e.done = std::move(done);
  queue_.push_back(std::move(e));
  queued_units_ += units;
  if (queue_size_) queue_size_->Set(static_cast<int64_t>(queued_units_));
  work_cv_.notify_one();
  lock.unlock();
  if (answer_now) done(Status::Ok());
}

void SendingQueue::WorkerLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return cancelled_ || draining_ || !queue_.empty(); });
    if (cancelled_ || queue_.empty()) return;  // shutting down with nothing (more) to send
    Entry e = std::move(queue_.front());
    queue_.pop_front();
    queued_units_ -= e.units;
    if (queue_size_) queue_size_->Set(static_cast<int64_t>(queued_units_));
    ++busy_;
    space_cv_.notify_one();
    lock.unlock();

    Outcome out = SendWithRetry(*e.request, e.items);
    // Finished for good (sent or given up on): no resend after a restart. Aborted by shutdown:
    // it stays on disk.
    if (e.record && !out.at_shutdown) store_->Commit(e.record);
    Finish(e, std::move(out));
    e.request.reset();  // free the batch before taking the lock

    lock.lock();
    --busy_;
    space_cv_.notify_one();  // a disabled queue has room again
    if (draining_) idle_cv_.notify_all();
  }
}

SendingQueue::Outcome SendingQueue::SendWithRetry(Request& request, size_t items) {
  const RetrySettings& r = settings_.retry;
  ExponentialBackoff backoff(r, [this] { return Jitter(); });
  const Clock::TimePoint start = clock_->Now();
  std::string scratch;
  for (int n = 1;; ++n) {
    Attempt attempt{n, settings_.timeout, &cancel_, &scratch};
    Status s = request.Send(attempt);
    ReportHealth(s);
    if (s.ok()) return {s, false};
    {
      std::lock_guard l(mu_);
      last_error_ = s;
    }
    if (cancel_.cancelled()) return {s, true};  // aborted (or failed) as shutdown gave up
    if (!s.retryable() || !r.enabled) return {s, false};
    {
      // Draining: no more retries; this was the request's last chance.
      std::lock_guard l(mu_);
      if (draining_) return {s, true};
    }

    const Duration elapsed = clock_->Now() - start;
    std::optional<Duration> delay = backoff.Next(elapsed);
    if (delay && s.retry_after()) delay = std::max<Duration>(*delay, *s.retry_after());
    if (!delay || (r.max_elapsed_time > Duration::zero() && elapsed + *delay > r.max_elapsed_time))
      return {s.Annotate(fmt::format("no more retries left after {} attempts", n)), false};

    uint64_t suppressed = 0;
    if (retry_log_.Allow(*clock_, &suppressed)) {
      log_->info("exporting {} failed, will retry after {}: {}{}", ItemWords(items),
                 Seconds(*delay), s.ToString(), LogThrottle::Suffix(suppressed));
    }
    const Clock::TimePoint retry_at = clock_->Now() + *delay;
    std::unique_lock lock(mu_);
    for (;;) {
      if (cancelled_) return {s, true};
      // Shutdown began during the wait: make the final attempt now instead of waiting.
      if (draining_ || clock_->Now() >= retry_at) break;
      clock_->WaitUntil(lock, retry_cv_, retry_at);
    }
  }
}

void SendingQueue::Finish(Entry& e, Outcome out) {
  const bool kept = e.record && out.at_shutdown && !out.status.ok();
  if (!kept) counters_.Count(out.status, e.items);
  if (!out.status.ok()) {
    if (out.at_shutdown) {
      std::lock_guard l(mu_);
      // Reported in Shutdown()'s single line.
      (kept ? kept_at_shutdown_ : dropped_at_shutdown_) += e.items;
    } else {
      uint64_t suppressed = 0;
      if (failure_log_.Allow(*clock_, &suppressed)) {
        log_->error("exporting failed, {} {}: {}{}", e.done ? "rejecting" : "dropping",
                    ItemWords(e.items), out.status.ToString(), LogThrottle::Suffix(suppressed));
      }
    }
  }
  if (out.at_shutdown) {
    out.status = Unavailable(
        "exporter " + ctx_.id.ToString() +
        " shut down before the data could be sent: " + std::string(out.status.message()));
  }
  e.done(std::move(out.status));
}

void SendingQueue::ReportHealth(const Status& s) {
  if (!ctx_.status) return;
  ctx_.status->Report(health_key_, s);
  ctx_.status->SetStatus(instance_, s, std::string(SignalName(signal_)));
}

void SendingQueue::BeginShutdown() {
  std::lock_guard lock(mu_);
  if (!accepting_) return;
  accepting_ = false;
  draining_ = true;
  drain_deadline_ = clock_->Now() + drain_timeout_;
  work_cv_.notify_all();
  space_cv_.notify_all();
  retry_cv_.notify_all();
}

void SendingQueue::Shutdown() {
  BeginShutdown();
  std::unique_lock lock(mu_);
  if (shutdown_running_) {
    shut_cv_.wait(lock, [&] { return shut_down_; });
    return;
  }
  shutdown_running_ = true;
  while (!(queue_.empty() && busy_ == 0 && storing_units_ == 0) && clock_->Now() < drain_deadline_)
    clock_->WaitUntil(lock, idle_cv_, drain_deadline_);
  cancelled_ = true;
  work_cv_.notify_all();
  retry_cv_.notify_all();
  std::vector<std::thread> workers = std::move(workers_);
  lock.unlock();

  cancel_.Cancel();  // aborts in-flight sends
  for (auto& t : workers) t.join();
  // Writes still on their way land in queue_ (no worker takes them now); commits of the last
  // sends are written.
  if (store_) store_->Close();

  lock.lock();
  std::deque<Entry> left = std::move(queue_);
  queue_.clear();
  queued_units_ = 0;
  if (queue_size_) queue_size_->Set(0);
  uint64_t dropped = dropped_at_shutdown_;
  uint64_t kept = kept_at_shutdown_;
  for (const Entry& e : left) (e.record ? kept : dropped) += e.items;
  Status last = last_error_;
  lock.unlock();

  std::string reason = last.ok() ? "the drain deadline (" + Seconds(drain_timeout_) +
                                       ") passed before it could be sent"
                                 : last.ToString();
  for (Entry& e : left) {
    if (!e.record) counters_.Failed(e.items);
    e.done(Unavailable("exporter " + ctx_.id.ToString() +
                       " shut down before the data could be sent: " + reason));
  }
  if (dropped > 0) log_->error("dropped {} at shutdown: {}", ItemWords(dropped), reason);
  if (kept > 0)
    log_->info("kept {} in the persistent queue for the next start: {}", ItemWords(kept), reason);

  lock.lock();
  shut_down_ = true;
  shut_cv_.notify_all();
}

}  // namespace otter::exporterhelper
