// SendingQueue: otelcol exporterhelper semantics for one signal of one exporter — a bounded
// in-memory queue (`sending_queue`) drained by num_consumers sender threads, each retrying a
// request with exponential backoff (`retry_on_failure`) and a per-attempt `timeout`. Untyped:
// QueuedRetrySender<Batch> (queued_retry_sender.h) is the face exporters use.
//
// Counting: every item offered is either refused (otelcol_exporter_enqueue_failed_<items>) or
// accepted; every accepted item ends in exactly one of otelcol_exporter_sent_<items>,
// otelcol_exporter_send_failed_<items>, or is still queued / in flight.
//
// Shutdown: stop accepting, keep sending what is queued for at most `drain_timeout`, then abort
// in-flight sends, fail what is left, and log ONE line with the exact number of items lost at
// shutdown. While draining there are no more retries: a request waiting out a backoff is sent
// once more at once, and a retryable failure during the drain drops the request. So a healthy
// backend still gets the whole queue, and a dead one costs about one attempt per request
// instead of backoff waits (the service shuts exporters down one after another).
//
// Persistent queue (`sending_queue.storage`, docs/persistent-queue.md): Start() opens the
// storage extension's directory and resumes the requests a previous run left; Submit encodes a
// request and answers only once it is stored (durable with fsync); a request is committed when
// its export finished, and what shutdown could not send stays on disk for the next start
// instead of being dropped.
//
// Thread-safety: Submit may be called concurrently from any thread; Shutdown from one thread
// (later calls wait for the first). State is guarded by mu_; counters are atomics.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "component/completion.h"
#include "component/component.h"
#include "exporters/exporterhelper/cancellation.h"
#include "exporters/exporterhelper/clock.h"
#include "exporters/exporterhelper/exporter_counters.h"
#include "exporters/exporterhelper/log_throttle.h"
#include "exporters/exporterhelper/settings.h"
#include "store/env.h"

namespace otter::exporterhelper {

// One try at sending a request, as handed to the exporter's send function.
struct Attempt {
  int number = 1;                  // 1 for the first try
  Duration timeout{};              // real-time budget of this attempt; 0 = none
  Cancellation* cancel = nullptr;  // fires when shutdown gives up: abort the network call
  std::string* scratch = nullptr;  // kept across the attempts of one request (empty on the
                                   // first): exporters cache the encoded body here
};

struct SenderOptions {
  std::shared_ptr<Clock> clock;    // null = SteadyClock
  std::function<double()> jitter;  // uniform [0, 1) for backoff; null = seeded PRNG
  // Longest Shutdown() keeps sending what is queued or being retried. 10s: long enough to
  // flush a full default queue to a healthy backend, short enough to finish inside the usual
  // 30s termination grace period of process supervisors even with several exporters.
  Duration drain_timeout = std::chrono::seconds(10);
  // Persistent queue: the file-system seam (null = the real one) and the segment size (0 = the
  // default), for tests.
  store::Env* storage_env = nullptr;
  uint64_t storage_segment_bytes = 0;
};

class PersistentQueue;

class SendingQueue {
 public:
  class Request {
   public:
    virtual ~Request() = default;
    virtual Status Send(const Attempt& attempt) = 0;
    // Appends the bytes that recreate the request after a restart (the persistent queue's
    // payload; OTLP protobuf for batches). False: this request cannot be stored.
    virtual bool Encode(std::string* out) const {
      (void)out;
      return false;
    }
  };
  // Recreates a stored request from what Encode wrote.
  using RequestDecoder = std::function<StatusOr<std::unique_ptr<Request>>(std::string bytes)>;

  SendingQueue(const ComponentContext& ctx, Signal signal, const SenderSettings& settings,
               SenderOptions options);
  ~SendingQueue();  // Shutdown()
  // Lets the queue be kept on disk (sending_queue.storage); call before Start().
  void SetDecoder(RequestDecoder decoder) { decoder_ = std::move(decoder); }
  // With sending_queue.storage: opens the persistent queue and resumes what it holds. Errors
  // name the key. Call once, from the exporter's Start() (the extension host is valid then).
  Status Start();
  SendingQueue(const SendingQueue&) = delete;
  SendingQueue& operator=(const SendingQueue&) = delete;

  // Takes a request of `items` items. `done` is answered OK on enqueue (queue enabled and not
  // wait_for_result), or with the final send outcome, or at once with the refusal: retryable
  // UNAVAILABLE when full or shutting down.
  void Submit(std::unique_ptr<Request> request, size_t items, Completion done);

  // Stops accepting and fixes the drain deadline; returns at once. Lets several queues drain
  // in parallel before each one's Shutdown() waits.
  void BeginShutdown();
  // BeginShutdown(), drain, abort, join the sender threads, answer every pending completion.
  void Shutdown();

  size_t queued_requests() const;

 private:
  struct Entry {
    std::unique_ptr<Request> request;
    size_t items = 0;
    size_t units = 0;
    Completion done;      // empty once answered at enqueue
    uint64_t record = 0;  // its id in the persistent queue; 0 = in memory only
  };
  class StoreWrite;
  struct Outcome {
    Status status;
    bool at_shutdown = false;  // given up because of shutdown
  };

  bool HasRoomLocked(size_t units) const;
  void Refuse(size_t items, Status why, Completion done);
  void StartWorkersLocked();
  void SubmitStored(Entry e);
  void Stored(Entry e, Status s, uint64_t id);  // the persistent queue's answer
  void WorkerLoop();
  Outcome SendWithRetry(Request& request, size_t items);
  void Finish(Entry& e, Outcome out);
  void ReportHealth(const Status& s);
  double Jitter();
  std::string ItemWords(size_t n) const;  // "3 spans", "1 metric point", ...

  const ComponentContext ctx_;
  const Signal signal_;
  const SenderSettings settings_;
  const Duration drain_timeout_;
  std::shared_ptr<Clock> clock_;
  std::function<double()> jitter_;
  std::shared_ptr<spdlog::logger> log_;
  std::string health_key_;  // "<exporter id>:<signal>" in the StatusHub
  std::string instance_;    // "exporter:<id>", its component-status name
  int hub_queue_ = -1;      // its fill as registered with the StatusHub

  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;  // when ctx has none (tests)
  ExporterCounters counters_;                            // sent / send_failed
  telemetry::Counter* enqueue_failed_ = nullptr;
  telemetry::Gauge* queue_size_ = nullptr;  // null when the queue is disabled

  RequestDecoder decoder_;
  store::Env* storage_env_ = nullptr;
  uint64_t storage_segment_bytes_ = 0;
  std::unique_ptr<PersistentQueue> store_;  // set once by Start()

  Cancellation cancel_;  // fired by Shutdown() at the drain deadline
  LogThrottle failure_log_, retry_log_, refuse_log_;
  std::mutex jitter_mu_;
  std::mt19937_64 rng_;  // GUARDED_BY(jitter_mu_)

  mutable std::mutex mu_;
  std::condition_variable work_cv_;    // an entry was queued, or shutdown
  std::condition_variable space_cv_;   // room freed (block_on_overflow), or shutdown
  std::condition_variable idle_cv_;    // a send finished while draining
  std::condition_variable retry_cv_;   // shutdown began: backoff waits re-check
  std::condition_variable shut_cv_;    // Shutdown() finished
  std::deque<Entry> queue_;            // GUARDED_BY(mu_)
  size_t queued_units_ = 0;            // GUARDED_BY(mu_)
  size_t storing_units_ = 0;           // GUARDED_BY(mu_) on their way to disk
  size_t busy_ = 0;                    // GUARDED_BY(mu_) senders inside SendWithRetry
  bool accepting_ = true;              // GUARDED_BY(mu_)
  bool draining_ = false;              // GUARDED_BY(mu_)
  bool cancelled_ = false;             // GUARDED_BY(mu_) the drain deadline passed
  bool shut_down_ = false;             // GUARDED_BY(mu_) Shutdown() completed
  bool shutdown_running_ = false;      // GUARDED_BY(mu_)
  Clock::TimePoint drain_deadline_{};  // GUARDED_BY(mu_)
  uint64_t dropped_at_shutdown_ = 0;   // GUARDED_BY(mu_)
  uint64_t kept_at_shutdown_ = 0;      // GUARDED_BY(mu_) left on disk for the next start
  Status last_error_;                  // GUARDED_BY(mu_)
  std::vector<std::thread> workers_;   // GUARDED_BY(mu_) started on first Submit
};

}  // namespace otter::exporterhelper
