// QueuedRetrySender<Batch>: the Consumer an exporter puts in front of its send function to get
// otelcol's exporterhelper behaviour (bounded queue, sender threads, retry with backoff, timeout,
// self-metrics, health reports, drain at shutdown; see sending_queue.h). SignalSenders bundles
// one per signal for exporters that handle traces, metrics and logs.
//
//   QueuedRetrySender<TraceBatch> traces(ctx, settings,
//       [](const TraceBatch& b, const Attempt& a) { return SendOverTheWire(b, a); });
//
// Thread-safety: Consume from any thread; the send function runs on the sender threads,
// concurrently (up to num_consumers at once), so it must be thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "component/component.h"
#include "exporters/exporterhelper/batch_codec.h"
#include "exporters/exporterhelper/sending_queue.h"

namespace otter::exporterhelper {

template <class B>
class QueuedRetrySender final : public Consumer<B> {
 public:
  // One attempt: return OK, a retryable error (retried with backoff; retry_after() honoured) or
  // a permanent one (dropped at once).
  using SendFn = std::function<Status(const B& batch, const Attempt& attempt)>;

  QueuedRetrySender(const ComponentContext& ctx, const SenderSettings& settings, SendFn send,
                    SenderOptions options = {})
      : send_(std::move(send)), queue_(ctx, SignalOf<B>(), settings, std::move(options)) {
    queue_.SetDecoder(
        [this](std::string bytes) -> StatusOr<std::unique_ptr<SendingQueue::Request>> {
          B batch;
          RETURN_IF_ERROR(DecodeBatch(std::move(bytes), &batch));
          return std::unique_ptr<SendingQueue::Request>(
              std::make_unique<BatchRequest>(std::move(batch), &send_));
        });
  }

  // Whether the send function (and so this consumer) takes undecoded batches: it must read them
  // only through wire() (otlp::AppendRequest), ItemCount() and metadata(). Set before Start.
  void set_takes_undecoded(bool take) { takes_undecoded_ = take; }
  bool TakesUndecoded() const override { return takes_undecoded_; }

  void Consume(B&& batch, Completion done) override {
    const size_t items = batch.ItemCount();
    queue_.Submit(std::make_unique<BatchRequest>(std::move(batch), &send_), items, std::move(done));
  }

  // Opens the persistent queue when sending_queue.storage is set (from the exporter's Start()).
  Status Start() { return queue_.Start(); }
  void BeginShutdown() { queue_.BeginShutdown(); }
  void Shutdown() { queue_.Shutdown(); }
  size_t queued_requests() const { return queue_.queued_requests(); }

 private:
  class BatchRequest final : public SendingQueue::Request {
   public:
    BatchRequest(B&& batch, const SendFn* send) : batch_(std::move(batch)), send_(send) {}
    Status Send(const Attempt& attempt) override { return (*send_)(batch_, attempt); }
    bool Encode(std::string* out) const override {
      EncodeBatch(batch_, out);
      return true;
    }

   private:
    B batch_;
    const SendFn* send_;
  };

  const SendFn send_;
  bool takes_undecoded_ = false;
  SendingQueue queue_;  // after send_: its threads call send_ until it is destroyed
};

// One QueuedRetrySender per signal; the sender threads of a signal start on its first batch.
class SignalSenders {
 public:
  struct SendFns {
    QueuedRetrySender<pdata::TraceBatch>::SendFn traces;
    QueuedRetrySender<pdata::MetricBatch>::SendFn metrics;
    QueuedRetrySender<pdata::LogBatch>::SendFn logs;
  };

  SignalSenders(const ComponentContext& ctx, const SenderSettings& settings, SendFns fns,
                const SenderOptions& options = {})
      : traces_(ctx, settings, std::move(fns.traces), options),
        metrics_(ctx, settings, std::move(fns.metrics), options),
        logs_(ctx, settings, std::move(fns.logs), options) {}

  Consumers consumers() { return {&traces_, &metrics_, &logs_}; }
  // The send functions read traces and logs only as protobuf (otlp::AppendRequest): receivers
  // and the batch processor may then hand over undecoded requests.
  void TakeUndecoded() {
    traces_.set_takes_undecoded(true);
    logs_.set_takes_undecoded(true);
  }

  // Opens the persistent queues (sending_queue.storage); call from the exporter's Start().
  Status Start() {
    RETURN_IF_ERROR(traces_.Start());
    RETURN_IF_ERROR(metrics_.Start());
    return logs_.Start();
  }

  // Drains the three queues in parallel (one drain_timeout in all, not one each).
  void Shutdown() {
    traces_.BeginShutdown();
    metrics_.BeginShutdown();
    logs_.BeginShutdown();
    traces_.Shutdown();
    metrics_.Shutdown();
    logs_.Shutdown();
  }

 private:
  QueuedRetrySender<pdata::TraceBatch> traces_;
  QueuedRetrySender<pdata::MetricBatch> metrics_;
  QueuedRetrySender<pdata::LogBatch> logs_;
};

}  // namespace otter::exporterhelper
