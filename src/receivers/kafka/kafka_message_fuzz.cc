// libFuzzer target for Kafka message decoding: the first byte picks the signal and the encoding
// (otlp_proto, otlp_json, raw, text), the rest is a message value, delivered with a few headers
// to the receiver's MessageDecoder (header_extraction on) as the consumer loop does. It must be
// accepted into a batch or answered with a permanent error, never crash. A batch decoded from an
// OTLP encoding is turned into messages again as the kafka exporter does (by trace id / resource
// when the selector's high bit is set) and each message must decode, with the same item count
// in total.
//   kafka_message_fuzz -max_len=65536 corpus/
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "component/completion.h"
#include "exporters/kafka/messages.h"
#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"
#include "receivers/kafka/receiver.h"
#include "telemetry/self_metrics.h"

namespace {

using namespace otter;

template <class B>
class Capture final : public Consumer<B> {
 public:
  void Consume(B&& batch, Completion done) override {
    got = std::move(batch);
    done(Status::Ok());
  }
  std::optional<B> got;
};

struct Env {
  telemetry::SelfMetrics metrics;
  ComponentContext ctx;
  Env() {
    ctx.id = ComponentId::Parse("kafka").value();
    ctx.kind = ComponentKind::kReceiver;
    ctx.logger =
        std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
    ctx.metrics = &metrics;
  }
};

Env& Context() {
  static Env* e = new Env;
  return *e;
}

template <class B>
size_t DecodeOnce(Signal signal, const std::string& encoding, std::string_view value,
                  Capture<B>* sink, bool* permanent_error) {
  KafkaReceiverConfig cfg;
  cfg.header_extraction.extract_headers = true;
  cfg.header_extraction.headers = {"tenant", "traceparent", "missing"};
  (signal == Signal::kTraces    ? cfg.traces
   : signal == Signal::kMetrics ? cfg.metrics
                                : cfg.logs)
      .encoding = encoding;
  Consumers next;
  if constexpr (std::is_same_v<B, pdata::TraceBatch>) next.traces = sink;
  if constexpr (std::is_same_v<B, pdata::MetricBatch>) next.metrics = sink;
  if constexpr (std::is_same_v<B, pdata::LogBatch>) next.logs = sink;
  kafka_receiver::MessageDecoder decoder(Context().ctx, cfg, signal, next);
  kafka_receiver::Record record;
  record.topic = "otlp";
  record.offset = 7;
  record.timestamp_ms = 1700000000000;
  record.value = value;
  record.headers = {{"tenant", "acme"}, {"traceparent", value.substr(0, 55)}, {"tenant", ""}};
  std::optional<Status> answer;
  decoder.Deliver(record, Completion([&](Status s) { answer = std::move(s); }));
  if (!answer) std::abort();  // answered synchronously by the capture or the decoder
  if (!answer->ok()) {
    if (!sink->got.has_value() && answer->retryable()) std::abort();
    *permanent_error = true;
    return 0;
  }
  if (!sink->got) std::abort();
  return sink->got->ItemCount();
}

template <class B, class Messages>
void RoundTrip(Signal signal, const std::string& encoding, std::string_view value, bool partition,
               Messages messages) {
  Capture<B> sink;
  bool failed = false;
  size_t items = DecodeOnce(signal, encoding, value, &sink, &failed);
  if (failed || encoding == "raw" || encoding == "text") return;
  kafka_exporter::MessageOptions o;
  o.encoding = encoding == "otlp_json" ? kafka_exporter::Encoding::kOtlpJson
                                       : kafka_exporter::Encoding::kOtlpProto;
  o.partition = partition;
  auto out = messages(*sink.got, o);
  if (!out.ok()) return;  // an item too large for max_bytes alone
  size_t again = 0;
  for (const auto& m : *out) {
    Capture<B> sink2;
    bool failed2 = false;
    again += DecodeOnce(signal, encoding, m.value, &sink2, &failed2);
    if (failed2) std::abort();
  }
  if (again != items) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char* encodings[] = {"otlp_proto", "otlp_json", "raw", "text"};
  const Signal signal = kAllSignals[(data[0] & 0x0f) % 3];
  std::string encoding = encodings[((data[0] >> 4) & 0x7) % 4];
  const bool partition = data[0] & 0x80;
  std::string_view value(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (signal) {
    case Signal::kTraces:
      if (encoding == "raw" || encoding == "text") encoding = "otlp_proto";
      RoundTrip<pdata::TraceBatch>(signal, encoding, value, partition,
                                   kafka_exporter::TraceMessages);
      break;
    case Signal::kMetrics:
      if (encoding == "raw" || encoding == "text") encoding = "otlp_json";
      RoundTrip<pdata::MetricBatch>(signal, encoding, value, partition,
                                    kafka_exporter::MetricMessages);
      break;
    case Signal::kLogs:
      RoundTrip<pdata::LogBatch>(signal, encoding, value, partition, kafka_exporter::LogMessages);
      break;
  }
  return 0;
}
