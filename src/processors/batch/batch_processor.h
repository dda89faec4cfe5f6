// BatchProcessor<B>: otelcol's `batch` processor for one (pipeline, signal). Accumulates incoming
// batches and sends them downstream when send_batch_size items are pending or when the oldest
// pending data has waited `timeout`; accumulations above send_batch_max_size are split.
// metadata_keys: one accumulation per distinct combination of those request-metadata keys'
// values (Batch::metadata), each sent with exactly those keys; without it the metadata is dropped
// (otelcol). A new combination beyond metadata_cardinality_limit is refused permanently.
//
// Completion: an incoming batch is answered OK as soon as it is accepted (the processor now holds
// the data), as otelcol does. Unlike otelcol, downstream refusals are not silently lost:
//  - retryable refusal: the refused batch is kept and re-sent after a back-off (100ms doubling to
//    5s, or the downstream's retry-after if longer); nothing is sent while backing off.
//  - permanent refusal: the batch is dropped, counted in otelcol_processor_dropped_<items> and
//    logged (at most one line per second, with the number of drops folded into it).
// Bound: everything held — pending, waiting to be retried, and sent but not yet answered (a
// retained copy; the downstream may refuse it) — counts against max_held_batches ×
// HeldBatchUnit() items. While held ≥ that limit, new data is refused with a retryable
// Unavailable error, so receivers answer 503 / UNAVAILABLE and clients back off. A single
// incoming batch is accepted whenever held is below the limit, so the limit can be exceeded by
// at most one incoming batch.
// Cost of that guarantee: every sent batch is cloned (structure copied, strings shared) so that
// a refused batch can be re-sent.
// Shutdown: stops accepting, sends everything held and waits up to shutdown_timeout for the
// answers (retrying refusals); what was still not accepted is counted as dropped and logged in
// one line with the exact count.
//
// Thread-safety: Consume is called concurrently from receiver threads; a timer thread sends on
// timeout and retries. All state is in Shared, guarded by Shared::mu; the downstream is always
// called without that mutex held (its completion may run inline and re-enter).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "component/component.h"
#include "processors/batch/config.h"

namespace otter {

struct BatchOptions {
  std::chrono::milliseconds shutdown_timeout{5000};
  std::chrono::milliseconds min_retry_delay{100};
  std::chrono::milliseconds max_retry_delay{5000};
};

template <class B>
class BatchProcessor final : public Processor, public Consumer<B> {
 public:
  BatchProcessor(const ComponentContext& ctx, const BatchConfig& cfg, Consumer<B>* next,
                 BatchOptions options = {});
  ~BatchProcessor() override;

  Status Start() override;
  void Shutdown() override;
  Consumers consumers() override;
  void Consume(B&& batch, Completion done) override;
  // Traces and logs: true when the downstream takes undecoded batches; the processor then merges
  // and splits protobuf bytes and never decodes (see Shared::bytes).
  bool TakesUndecoded() const override;

  // Items held, by state (for tests and diagnostics).
  struct Held {
    size_t pending = 0;
    size_t retrying = 0;
    size_t in_flight = 0;
    size_t total() const { return pending + retrying + in_flight; }
  };
  Held held() const;

 private:
  struct Shared;
  using Clock = std::chrono::steady_clock;

  void TimerLoop();

  std::shared_ptr<Shared> shared_;
  std::thread timer_;
  bool started_ = false;    // service thread only
  bool shut_down_ = false;  // service thread only
};

extern template class BatchProcessor<pdata::TraceBatch>;
extern template class BatchProcessor<pdata::MetricBatch>;
extern template class BatchProcessor<pdata::LogBatch>;

}  // namespace otter
