#include "receivers/kafka/receiver.h"

#include <chrono>

#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"

namespace otter::kafka_receiver {

MessageDecoder::MessageDecoder(const ComponentContext& ctx, const KafkaReceiverConfig& cfg,
                               Signal signal, Consumers next)
    : signal_(signal),
      encoding_(cfg.Encoding(signal)),
      headers_(cfg.header_extraction),
      next_(next) {
  telemetry::SelfMetrics* m = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  std::string items(SignalItemName(signal));
  telemetry::Labels labels = {{"receiver", ctx.id.ToString()}, {"transport", "kafka"}};
  accepted_ =
      &m->GetCounter("otelcol_receiver_accepted_" + items, "Items the pipeline accepted.", labels);
  refused_ = &m->GetCounter("otelcol_receiver_refused_" + items,
                            "Items the pipeline refused (retried from Kafka or skipped).", labels);
  unmarshal_failed_ = &m->GetCounter("otelcol_kafka_receiver_unmarshal_failed_" + items,
                                     "Kafka messages that could not be decoded.",
                                     {{"receiver", ctx.id.ToString()}});
}

template <class B>
void MessageDecoder::Send(StatusOr<B> batch, const Record& record, Completion done) {
  if (!batch.ok()) {
    unmarshal_failed_->Add(1);
    done(InvalidArgument("decoding the message at " + std::string(record.topic) + "[" +
                         std::to_string(record.partition) + "] offset " +
                         std::to_string(record.offset) + " as " + encoding_ + ": " +
                         std::string(batch.status().message())));
    return;
  }
  B& b = *batch;
  if (headers_.extract_headers) {
    for (const auto& name : headers_.headers) {
      for (const auto& [k, v] : record.headers) {
        if (k != name) continue;
        std::string_view key = b.arenas().Copy("kafka.header." + name);
        std::string_view val = b.arenas().Copy(v);
        for (auto& r : b.resources())
          pdata::UpsertAttribute(r.resource.attributes, key, pdata::AnyValue::String(val));
        break;
      }
    }
  }
  const uint64_t items = b.ItemCount();
  // The answer may come after this decoder is gone (a receiver stopped with batches in flight):
  // it touches only the counters (owned by the self-metrics) and the consumer's shared queue.
  next_.get<B>()->Consume(std::move(b), Completion([accepted = accepted_, refused = refused_, items,
                                                    d = std::move(done)](Status s) mutable {
                            (s.ok() ? accepted : refused)->Add(items);
                            d(std::move(s));
                          }));
}

void MessageDecoder::Deliver(const Record& record, Completion done) {
  const bool json = encoding_ == "otlp_json";
  std::string body(record.value);
  switch (signal_) {
    case Signal::kTraces:
      return Send(
          json ? otlp::DecodeTracesJson(std::move(body)) : otlp::DecodeTraces(std::move(body)),
          record, std::move(done));
    case Signal::kMetrics:
      return Send(
          json ? otlp::DecodeMetricsJson(std::move(body)) : otlp::DecodeMetrics(std::move(body)),
          record, std::move(done));
    case Signal::kLogs:
      break;
  }
  if (encoding_ == "raw" || encoding_ == "text") {
    // The message is the body of one log record: bytes (raw) or a string (text).
    pdata::LogBatch b;
    std::string_view v = b.arenas().Copy(record.value);
    pdata::LogRecord rec;
    rec.body.type =
        encoding_ == "raw" ? pdata::AnyValue::Type::kBytes : pdata::AnyValue::Type::kString;
    rec.body.string_value = v;
    rec.observed_time_unix_nano =
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
    if (record.timestamp_ms >= 0)
      rec.time_unix_nano = static_cast<uint64_t>(record.timestamp_ms) * 1000000;
    pdata::ResourceLogs rl;
    rl.scope_logs.emplace_back();
    rl.scope_logs.back().log_records.push_back(std::move(rec));
    b.resources().push_back(std::move(rl));
    return Send(StatusOr<pdata::LogBatch>(std::move(b)), record, std::move(done));
  }
  Send(json ? otlp::DecodeLogsJson(std::move(body)) : otlp::DecodeLogs(std::move(body)), record,
       std::move(done));
}

namespace {

class KafkaReceiver final : public Receiver {
 public:
  KafkaReceiver(const ComponentContext& ctx, const KafkaReceiverConfig& cfg, Consumers next)
      : ctx_(ctx), cfg_(cfg), next_(next) {}
  ~KafkaReceiver() override { Shutdown(); }

  Status Start() override {
    for (Signal s : kAllSignals) {
      if (!next_.Has(s)) continue;
      auto decoder = std::make_unique<MessageDecoder>(ctx_, cfg_, s, next_);
      ConsumerOptions o;
      o.properties = cfg_.ConsumerProperties();
      o.topics = cfg_.Topics(s);
      o.mark_after = cfg_.message_marking.after;
      o.skip_on_error = cfg_.message_marking.on_error;
      o.skip_on_permanent_error = cfg_.OnPermanentError();
      o.autocommit = cfg_.autocommit.enable;
      o.backoff = Backoff(cfg_.error_backoff);
      auto* d = decoder.get();
      auto loop = std::make_unique<ConsumerLoop>(
          ctx_.logger, std::move(o),
          [d](const Record& r, Completion done) { d->Deliver(r, std::move(done)); });
      RETURN_IF_ERROR(loop->Start().Annotate(std::string(SignalName(s)) + " consumer"));
      decoders_.push_back(std::move(decoder));
      loops_.push_back(std::move(loop));
    }
    return Status::Ok();
  }
  void Shutdown() override {
    for (auto& l : loops_) l->Stop();
    loops_.clear();
  }

  // error_backoff when enabled: exponential from initial_interval by multiplier up to
  // max_interval; otherwise one second.
  static std::function<std::chrono::milliseconds(int)> Backoff(
      const exporterhelper::RetrySettings& r) {
    using std::chrono::milliseconds;
    if (!r.enabled) return [](int) { return milliseconds(1000); };
    return [r](int attempt) {
      double ms = std::chrono::duration<double, std::milli>(r.initial_interval).count();
      for (int i = 1; i < attempt; ++i) ms *= r.multiplier;
      double max = std::chrono::duration<double, std::milli>(r.max_interval).count();
      return milliseconds(static_cast<int64_t>(std::min(ms, max)));
    };
  }

 private:
  const ComponentContext ctx_;
  const KafkaReceiverConfig cfg_;
  const Consumers next_;
  std::vector<std::unique_ptr<MessageDecoder>> decoders_;  // outlive the loops (declared first)
  std::vector<std::unique_ptr<ConsumerLoop>> loops_;
};

}  // namespace

StatusOr<std::unique_ptr<Receiver>> CreateReceiver(const ComponentContext& ctx,
                                                   const KafkaReceiverConfig& cfg, Consumers next) {
  RETURN_IF_ERROR(cfg.Validate());
  return std::unique_ptr<Receiver>(std::make_unique<KafkaReceiver>(ctx, cfg, next));
}

}  // namespace otter::kafka_receiver
