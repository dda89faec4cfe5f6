// What the OTLP receiver's two transports share: decode an Export*ServiceRequest, hand the batch
// to the signal's consumer with a Completion, count accepted / refused items, and map the
// pipeline's answer to the wire (gRPC code + HTTP status + retry hints). A protobuf traces
// request for a consumer that TakesUndecoded() is validated and counted, not decoded.
//
// Counting follows the Go collector's obsreport: items are counted once the pipeline answers —
// accepted on OK (also a partial success: the request was accepted, and the stage that did not
// keep some items counts those), refused on any error. A request that does not decode never
// reaches the pipeline and is counted in neither (its item count is unknown); an empty request is
// answered OK without calling the pipeline (as the Go receiver does).
// Thread-safety: stateless functions; ItemCounters point at thread-safe counters.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "component/component.h"
#include "otlp/item_limits.h"

namespace otter::otlp_receiver {

enum class WireFormat { kProtobuf, kJson };

// The per-item limits of one receiver (otlp/item_limits.h) and the counters of what they
// changed; what changed is also logged, at most every 10 seconds. Owned by the receiver;
// thread-safe (counters and the log clock are atomic).
struct IngestLimits {
  otlp::ItemLimits items;
  telemetry::Counter* dropped_attributes = nullptr;
  telemetry::Counter* truncated_arrays = nullptr;
  telemetry::Counter* truncated_strings = nullptr;
  telemetry::Counter* repaired_utf8 = nullptr;
  std::shared_ptr<spdlog::logger> logger;
  std::string receiver_id;
  mutable std::atomic<int64_t> last_log{INT64_MIN};  // steady-clock seconds

  // Counts (and maybe logs) what the limits changed in one request.
  void Record(const otlp::LimitCounts& c) const;
};
// Creates the counters (otter_receiver_{dropped_attributes,truncated_arrays,truncated_strings,
// repaired_utf8_strings}_total, label receiver).
std::unique_ptr<IngestLimits> MakeIngestLimits(telemetry::SelfMetrics* metrics,
                                               const std::string& receiver_id,
                                               const otlp::ItemLimits& items,
                                               std::shared_ptr<spdlog::logger> logger);

// otelcol_receiver_{accepted,refused}_<items> of one (signal, transport); null members = no-op.
// `duration` (otter_receiver_request_duration_seconds: decode start to the pipeline's answer,
// i.e. the acknowledgement latency a client sees) exists only at metrics level detailed.
struct ItemCounters {
  telemetry::Counter* accepted = nullptr;
  telemetry::Counter* refused = nullptr;
  telemetry::Histogram* duration = nullptr;
  const IngestLimits* limits = nullptr;  // null = no per-item limits; used during Ingest only
};
// Creates (or finds) the counters with labels receiver=<receiver_id>, transport=<transport>.
ItemCounters MakeItemCounters(telemetry::SelfMetrics* metrics, const std::string& receiver_id,
                              Signal signal, std::string_view transport);

// Who sent a request, as it travels with the batch: `ip` (the sender's address without port, ""
// when unknown: Batch::client_ip) and, with include_metadata, the request's headers / gRPC
// metadata (views valid during Ingest, copied into Batch::metadata with lower-cased keys).
struct RequestClient {
  std::string ip;
  std::vector<std::pair<std::string_view, std::string_view>> metadata;
};

// Decodes `body` (protobuf or OTLP/JSON) and passes the batch to `consumer`. `done` receives OK,
// the decode error (InvalidArgument naming the field), or the pipeline's answer.
template <class B>
void Ingest(Consumer<B>& consumer, std::string body, WireFormat format,
            const ItemCounters& counters, Completion done, RequestClient client = {});
extern template void Ingest(Consumer<pdata::TraceBatch>&, std::string, WireFormat,
                            const ItemCounters&, Completion, RequestClient);
extern template void Ingest(Consumer<pdata::MetricBatch>&, std::string, WireFormat,
                            const ItemCounters&, Completion, RequestClient);
extern template void Ingest(Consumer<pdata::LogBatch>&, std::string, WireFormat,
                            const ItemCounters&, Completion, RequestClient);

// The IP address in a peer description: "10.1.2.3:4317", "::1:4317" (a socket's address and
// port, as net::HttpRequest::remote_address), "ipv4:10.1.2.3:4317" or "ipv6:[::1]:4317" (gRPC's
// peer(), also with %5B/%5D). "" when there is none (e.g. "unix:/path").
std::string ClientIpFromPeer(std::string_view peer);

// An error as the client should see it.
struct WireError {
  int grpc_code = 13;
  int http_status = 500;
  std::string message;
  // google.rpc.RetryInfo for gRPC: only when the pipeline gave a delay.
  std::optional<std::chrono::milliseconds> retry_info;
  // HTTP Retry-After (whole seconds) on 429 / 503: the pipeline's delay rounded up, else 1s.
  std::optional<int64_t> retry_after_seconds;
};

// Retryable errors → gRPC UNAVAILABLE, HTTP 503 (429 for RESOURCE_EXHAUSTED with a retry delay),
// with retry hints. Permanent: INVALID_ARGUMENT → 400, UNAUTHENTICATED → 401,
// PERMISSION_DENIED → 403 (gRPC keeps these codes, and RESOURCE_EXHAUSTED without a delay);
// anything else → gRPC INTERNAL, HTTP 500.
WireError ToWire(const Status& status);

// The google.rpc.Status code the Go collector puts in an error body for an HTTP status it produced
// itself (e.g. 413 → UNKNOWN), so error bodies match.
int GrpcCodeForHttpStatus(int http_status);

}  // namespace otter::otlp_receiver
