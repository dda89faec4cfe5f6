// TailSampler: otelcol-contrib's `tail_sampling` processor. Holds each trace's spans from its
// first span for decision_wait, then runs the policies (drop policies first; any drop wins, then
// an inverted "not sampled", then any "sampled", then an inverted "sampled" when nothing said
// "not sampled") and sends sampled traces downstream in one batch per decision round. Spans that
// arrive after the decision follow it: from the decision caches when configured, else from the
// decided trace kept (without spans) until num_traces evicts it.
//
// Completion: an incoming batch is answered OK as soon as its spans are taken (the processor
// acknowledges early, like otelcol). What it does not send is counted in
// otter_processor_tail_sampling_spans_dropped{reason}: not_sampled, late_not_sampled, evicted
// (an undecided trace pushed out by num_traces or max_memory_mib), shutdown, export_failed
// (the downstream refused a sampled trace).
// Memory: bounded by num_traces traces and max_memory_mib of estimated span bytes; the oldest
// traces are evicted first; an undecided trace evicted loses its spans and is counted in
// otter_processor_tail_sampling_traces_evicted{reason} (decided traces are forgotten freely).
//
// Thread-safety: Consume runs on receiver threads, Tick on the decision thread (every second,
// on the injected clock); all state is guarded by mu_. The downstream is called without mu_.
#pragma once

#include <condition_variable>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "component/component.h"
#include "exporters/exporterhelper/clock.h"
#include "processors/tail_sampling/config.h"
#include "processors/tail_sampling/held_trace.h"
#include "processors/tail_sampling/policy.h"

namespace otter {

class TailSampler final : public Processor, public TraceConsumer {
 public:
  // `clock` null = the steady clock. Policies must have validated (TailSamplingConfig parsing).
  TailSampler(const ComponentContext& ctx, const TailSamplingConfig& cfg, TraceConsumer* next,
              exporterhelper::Clock* clock = nullptr);
  ~TailSampler() override;

  Status Start() override;  // starts the decision thread
  void Shutdown() override;
  Consumers consumers() override;
  void Consume(pdata::TraceBatch&& batch, Completion done) override;

  // Decides every trace whose decision_wait has passed at the clock's now (all pending traces
  // when `all`). The decision thread calls it each second; tests call it directly.
  void Tick(bool all = false);

  struct Stats {
    size_t traces = 0;  // in the table, pending or decided
    size_t pending = 0;
    uint64_t bytes = 0;  // estimated bytes of held spans
    uint64_t spans = 0;  // spans held for pending decisions
  };
  Stats stats() const;

 private:
  struct IdHash {
    size_t operator()(const pdata::TraceId& id) const;
  };
  // A bounded least-recently-used set of trace ids (a decision cache).
  class IdCache {
   public:
    explicit IdCache(size_t capacity) : capacity_(capacity) {}
    bool enabled() const { return capacity_ > 0; }
    bool Contains(const pdata::TraceId& id);  // refreshes the entry
    void Put(const pdata::TraceId& id);

   private:
    size_t capacity_;
    std::list<pdata::TraceId> order_;  // most recent first
    std::unordered_map<pdata::TraceId, std::list<pdata::TraceId>::iterator, IdHash> index_;
  };
  struct Policy;
  struct Counters;
  using TimePoint = exporterhelper::Clock::TimePoint;

  tailsampling::Decision Decide(const pdata::TraceId& id, tailsampling::HeldTrace& trace,
                                TimePoint now);
  void EnforceLimits();  // mu_ held
  void Evict(std::unordered_map<pdata::TraceId, tailsampling::HeldTrace, IdHash>::iterator it,
             const char* reason);  // mu_ held
  void Send(pdata::TraceBatch&& batch);
  void Loop();

  TailSamplingConfig cfg_;
  TraceConsumer* next_;
  std::unique_ptr<exporterhelper::Clock> own_clock_;
  exporterhelper::Clock* clock_;
  std::shared_ptr<telemetry::SelfMetrics> own_metrics_;
  std::unique_ptr<Counters> counters_;
  std::vector<std::unique_ptr<Policy>> policies_;  // drop policies first; decision thread only
  std::shared_ptr<spdlog::logger> logger_;

  mutable std::mutex mu_;
  std::unordered_map<pdata::TraceId, tailsampling::HeldTrace, IdHash> traces_;  // GUARDED_BY(mu_)
  struct QueueEntry {
    TimePoint arrival;
    pdata::TraceId id;
    uint64_t seq;
  };
  std::deque<QueueEntry> pending_;  // undecided, by arrival; GUARDED_BY(mu_)
  std::deque<QueueEntry> order_;    // every trace in the table, by arrival; GUARDED_BY(mu_)
  uint64_t next_seq_ = 0;           // GUARDED_BY(mu_)
  uint64_t bytes_ = 0;              // GUARDED_BY(mu_)
  uint64_t spans_ = 0;              // GUARDED_BY(mu_)
  IdCache sampled_cache_;           // GUARDED_BY(mu_)
  IdCache not_sampled_cache_;       // GUARDED_BY(mu_)
  std::mutex tick_mu_;              // one Tick at a time (policies keep state)

  std::mutex thread_mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // GUARDED_BY(thread_mu_)
  std::thread thread_;
  bool shut_down_ = false;  // service thread only
};

}  // namespace otter
