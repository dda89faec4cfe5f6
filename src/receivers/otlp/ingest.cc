#include "receivers/otlp/ingest.h"

#include <spdlog/logger.h>

#include "otlp/json_codec.h"
#include "otlp/proto_codec.h"

namespace otter::otlp_receiver {
namespace {

StatusOr<pdata::TraceBatch> Decode(std::string body, WireFormat f, pdata::TraceBatch*) {
  return f == WireFormat::kJson ? otlp::DecodeTracesJson(std::move(body))
                                : otlp::DecodeTraces(std::move(body));
}
StatusOr<pdata::MetricBatch> Decode(std::string body, WireFormat f, pdata::MetricBatch*) {
  return f == WireFormat::kJson ? otlp::DecodeMetricsJson(std::move(body))
                                : otlp::DecodeMetrics(std::move(body));
}
StatusOr<pdata::LogBatch> Decode(std::string body, WireFormat f, pdata::LogBatch*) {
  return f == WireFormat::kJson ? otlp::DecodeLogsJson(std::move(body))
                                : otlp::DecodeLogs(std::move(body));
}

StatusOr<pdata::TraceBatch> DecodeWithinLimits(std::string body, const otlp::ItemLimits& l,
                                               otlp::LimitCounts* c, pdata::TraceBatch*) {
  return otlp::DecodeTracesWithinLimits(std::move(body), l, c);
}
StatusOr<pdata::MetricBatch> DecodeWithinLimits(std::string body, const otlp::ItemLimits& l,
                                                otlp::LimitCounts* c, pdata::MetricBatch*) {
  return otlp::DecodeMetricsWithinLimits(std::move(body), l, c);
}
StatusOr<pdata::LogBatch> DecodeWithinLimits(std::string body, const otlp::ItemLimits& l,
                                             otlp::LimitCounts* c, pdata::LogBatch*) {
  return otlp::DecodeLogsWithinLimits(std::move(body), l, c);
}

// A traces or logs request for a consumer that reads the protobuf itself is only validated and
// counted here (otlp::CountTraces / CountLogs read it as the decoder would); anything else is
// decoded. With limits, a request that any limit would change is decoded (and then changed).
template <class B>
StatusOr<B> Prepare(Consumer<B>& consumer, std::string body, WireFormat format,
                    const IngestLimits* limits) {
  if constexpr (!std::is_same_v<B, pdata::MetricBatch>) {
    if (format == WireFormat::kProtobuf && consumer.TakesUndecoded()) {
      std::optional<size_t> items;
      if constexpr (std::is_same_v<B, pdata::TraceBatch>) {
        items =
            limits ? otlp::CountTracesWithinLimits(body, limits->items) : otlp::CountTraces(body);
      } else {
        items = otlp::CountLogs(body, limits ? &limits->items : nullptr);
      }
      if (items) return B::Undecoded(std::move(body), *items);
      // Malformed (the decoder reports where), or over a limit.
    }
  }
  if (limits && format == WireFormat::kProtobuf) {  // limits checked while decoding
    otlp::LimitCounts c;
    StatusOr<B> batch =
        DecodeWithinLimits(std::move(body), limits->items, &c, static_cast<B*>(nullptr));
    if (c.any()) limits->Record(c);
    return batch;
  }
  StatusOr<B> batch = Decode(std::move(body), format, static_cast<B*>(nullptr));
  if (batch.ok() && limits) {
    // The JSON decoder has validated the UTF-8 of every string (ItemLimits.JsonDecoderLets...).
    otlp::ItemLimits items = limits->items;
    items.repair_utf8 = false;
    otlp::LimitCounts c = otlp::ApplyItemLimits(*batch, items);
    if (c.any()) limits->Record(c);
  }
  return batch;
}

}  // namespace

ItemCounters MakeItemCounters(telemetry::SelfMetrics* metrics, const std::string& receiver_id,
                              Signal signal, std::string_view transport) {
  if (!metrics) return {};
  std::string items(SignalItemName(signal));
  telemetry::Labels labels{{"receiver", receiver_id}, {"transport", std::string(transport)}};
  ItemCounters c;
  c.accepted = &metrics->GetCounter(
      "otelcol_receiver_accepted_" + items,
      "Number of " + items + " successfully pushed into the pipeline.", labels);
  c.refused = &metrics->GetCounter(
      "otelcol_receiver_refused_" + items,
      "Number of " + items + " that could not be pushed into the pipeline.", labels);
  if (metrics->level() >= telemetry::MetricsLevel::kDetailed) {
    labels.emplace_back("signal", std::string(SignalName(signal)));
    c.duration = &metrics->GetHistogram(
        "otter_receiver_request_duration_seconds",
        "Time from decoding an export request to the pipeline's answer (the acknowledgement "
        "latency clients see).",
        labels, {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  }
  return c;
}

void IngestLimits::Record(const otlp::LimitCounts& c) const {
  auto add = [](telemetry::Counter* counter, uint64_t n) {
    if (counter && n) counter->Add(n);
  };
  add(dropped_attributes, c.dropped_attributes);
  add(truncated_arrays, c.truncated_arrays);
  add(truncated_strings, c.truncated_strings);
  add(repaired_utf8, c.repaired_utf8);
  if (!logger) return;
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  int64_t last = last_log.load(std::memory_order_relaxed);
  if (now - last < 10 || !last_log.compare_exchange_strong(last, now)) return;
  logger->warn(
      "{}: a request exceeded the per-item limits: dropped {} attributes, truncated {} arrays "
      "and {} strings, repaired {} invalid UTF-8 strings (counted in "
      "otter_receiver_*_total; logged at most every 10s)",
      receiver_id, c.dropped_attributes, c.truncated_arrays, c.truncated_strings, c.repaired_utf8);
}

std::unique_ptr<IngestLimits> MakeIngestLimits(telemetry::SelfMetrics* metrics,
                                               const std::string& receiver_id,
                                               const otlp::ItemLimits& items,
                                               std::shared_ptr<spdlog::logger> logger) {
  auto l = std::make_unique<IngestLimits>();
  l->items = items;
  l->logger = std::move(logger);
  l->receiver_id = receiver_id;
  if (metrics) {
    telemetry::Labels labels{{"receiver", receiver_id}};
    auto counter = [&](const char* name, const char* help) {
      return &metrics->GetCounter(name, help, labels);
    };
    l->dropped_attributes =
        counter("otter_receiver_dropped_attributes_total",
                "Attributes dropped because an item had more than max_attributes_per_item.");
    l->truncated_arrays = counter("otter_receiver_truncated_arrays_total",
                                  "Array or kvlist values cut to max_array_length.");
    l->truncated_strings = counter("otter_receiver_truncated_strings_total",
                                   "Strings cut to max_string_length bytes.");
    l->repaired_utf8 = counter("otter_receiver_repaired_utf8_strings_total",
                               "Strings that were not valid UTF-8 (bad bytes became U+FFFD).");
  }
  return l;
}

template <class B>
void Ingest(Consumer<B>& consumer, std::string body, WireFormat format,
            const ItemCounters& counters, Completion done, RequestClient client) {
  const auto start = counters.duration ? std::chrono::steady_clock::now()
                                       : std::chrono::steady_clock::time_point{};
  StatusOr<B> batch = Prepare(consumer, std::move(body), format, counters.limits);
  if (!batch.ok()) {
    done(batch.status());
    return;
  }
  batch->set_client_ip(std::move(client.ip));
  for (const auto& [key, value] : client.metadata) batch->AddMetadata(key, value);
  size_t items = batch->ItemCount();
  if (items == 0) {  // nothing to deliver: success without bothering the pipeline
    done(Status::Ok());
    return;
  }
  consumer.Consume(
      std::move(*batch),
      Completion([counters, items, start, done = std::move(done)](Status s) mutable {
        telemetry::Counter* c = s.ok() ? counters.accepted : counters.refused;
        if (c) c->Add(items);
        // A fan-out sums its branches' rejections: never claim more than was sent.
        if (s.rejected_items() > items) s = Status::PartialSuccess(items, std::string(s.message()));
        if (counters.duration)
          counters.duration->Observe(
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        done(std::move(s));
      }));
}

template void Ingest(Consumer<pdata::TraceBatch>&, std::string, WireFormat, const ItemCounters&,
                     Completion, RequestClient);
template void Ingest(Consumer<pdata::MetricBatch>&, std::string, WireFormat, const ItemCounters&,
                     Completion, RequestClient);
template void Ingest(Consumer<pdata::LogBatch>&, std::string, WireFormat, const ItemCounters&,
                     Completion, RequestClient);

std::string ClientIpFromPeer(std::string_view peer) {
  std::string_view p = peer;
  bool grpc_ipv6 = false;
  if (p.starts_with("ipv4:")) {
    p.remove_prefix(5);
  } else if (p.starts_with("ipv6:")) {
    p.remove_prefix(5);
    grpc_ipv6 = true;
  } else if (p.find(':') == std::string_view::npos || p.starts_with("unix:")) {
    return {};
  }
  std::string s(p);
  // gRPC may percent-encode the brackets of an IPv6 address.
  for (auto [enc, dec] : {std::pair{"%5B", "["}, std::pair{"%5D", "]"}}) {
    for (size_t at; (at = s.find(enc)) != std::string::npos;) s.replace(at, 3, dec);
  }
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    return close == std::string::npos ? std::string() : s.substr(1, close - 1);
  }
  if (grpc_ipv6 && s.find(':') == s.rfind(':')) return s;  // no port
  size_t colon = s.rfind(':');
  return colon == std::string::npos ? s : s.substr(0, colon);
}

WireError ToWire(const Status& status) {
  WireError w;
  w.message = std::string(status.message());
  if (status.retryable()) {
    w.grpc_code = static_cast<int>(StatusCode::kUnavailable);
    w.http_status = status.code() == StatusCode::kResourceExhausted ? 429 : 503;
    w.retry_info = status.retry_after();
    int64_t seconds = 1;
    if (auto d = status.retry_after()) seconds = std::max<int64_t>(1, (d->count() + 999) / 1000);
    w.retry_after_seconds = seconds;
    return w;
  }
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      w.grpc_code = static_cast<int>(StatusCode::kInvalidArgument);
      w.http_status = 400;
      break;
    case StatusCode::kUnauthenticated:
      w.grpc_code = static_cast<int>(StatusCode::kUnauthenticated);
      w.http_status = 401;
      break;
    case StatusCode::kPermissionDenied:
      w.grpc_code = static_cast<int>(StatusCode::kPermissionDenied);
      w.http_status = 403;
      break;
    case StatusCode::kResourceExhausted:  // without a retry delay: permanent (OTLP spec)
      w.grpc_code = static_cast<int>(StatusCode::kResourceExhausted);
      w.http_status = 500;
      break;
    default:
      w.grpc_code = static_cast<int>(StatusCode::kInternal);
      w.http_status = 500;
      break;
  }
  return w;
}

int GrpcCodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400:
      return static_cast<int>(StatusCode::kInvalidArgument);
    case 401:
      return static_cast<int>(StatusCode::kUnauthenticated);
    case 403:
      return static_cast<int>(StatusCode::kPermissionDenied);
    case 404:
      return static_cast<int>(StatusCode::kUnimplemented);
    case 429:
      return static_cast<int>(StatusCode::kResourceExhausted);
    case 502:
    case 503:
    case 504:
      return static_cast<int>(StatusCode::kUnavailable);
    default:
      return static_cast<int>(StatusCode::kUnknown);
  }
}

}  // namespace otter::otlp_receiver
