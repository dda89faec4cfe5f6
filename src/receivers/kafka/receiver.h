// The `kafka` receiver: one consumer (ConsumerLoop) per signal wired in the pipelines, in
// consumer group `group_id`, reading that signal's topics. Each message is decoded by the
// signal's encoding (OTLP protobuf or JSON; logs also raw/text bodies), optionally gets Kafka
// headers as resource attributes (header_extraction), and goes down the pipeline; its offset is
// marked once the pipeline accepted it (message_marking.after, otter's default). A message that
// cannot be decoded is a permanent error (logged, counted, skipped unless on_permanent_error is
// false and marking is after).
// Thread-safety: Start/Shutdown from the service thread; each consumer has its own poll thread.
#pragma once

#include <memory>

#include "component/component.h"
#include "receivers/kafka/config.h"
#include "receivers/kafka/consumer_loop.h"

namespace otter::kafka_receiver {

StatusOr<std::unique_ptr<Receiver>> CreateReceiver(const ComponentContext& ctx,
                                                   const KafkaReceiverConfig& cfg, Consumers next);

// Decodes one message of `signal` in `encoding` (as the receiver does) and passes it to the
// signal's consumer in `next`; answers `done` itself when the message cannot be decoded.
// Shared with `otter kafka replay`.
class MessageDecoder {
 public:
  MessageDecoder(const ComponentContext& ctx, const KafkaReceiverConfig& cfg, Signal signal,
                 Consumers next);
  void Deliver(const Record& record, Completion done);

 private:
  template <class B>
  void Send(StatusOr<B> batch, const Record& record, Completion done);

  const Signal signal_;
  const std::string encoding_;
  const KafkaReceiverConfig::HeaderExtraction headers_;
  const Consumers next_;
  telemetry::Counter* accepted_ = nullptr;
  telemetry::Counter* refused_ = nullptr;
  telemetry::Counter* unmarshal_failed_ = nullptr;
  std::shared_ptr<telemetry::SelfMetrics> own_metrics_;  // when ctx has none; answers keep it
};

}  // namespace otter::kafka_receiver
