// OTLP/HTTP for the otlp receiver: POST /v1/{traces,metrics,logs} (paths configurable) with
// protobuf or JSON bodies, any Content-Encoding of net/compression.h, answered in the request's
// encoding once the pipeline's Completion fires. Behaviour follows the Go collector's
// otlpreceiver + confighttp (see receiver.h for the full list and the deviations).
// Thread-safety: Start/Shutdown from the owner; requests are handled on the server's I/O threads.
#pragma once

#include <spdlog/logger.h>

#include <array>
#include <memory>
#include <optional>

#include "component/component.h"
#include "net/http_server.h"
#include "receivers/otlp/config.h"
#include "receivers/otlp/ingest.h"

namespace otter::auth {
class ServerAuthGuard;
}

namespace otter::otlp_receiver {

// Connections the HTTP server dropped on its own
// (otter_receiver_http_dropped_connections_total{receiver, reason}); null = not counted.
struct DroppedConnectionCounters {
  telemetry::Counter* max_connections = nullptr;
  telemetry::Counter* read_header_timeout = nullptr;
};
DroppedConnectionCounters MakeDroppedConnectionCounters(telemetry::SelfMetrics* metrics,
                                                        const std::string& receiver_id);

class HttpFrontend {
 public:
  // `counters` is indexed by Signal (traces, metrics, logs).
  HttpFrontend(const HttpProtocolConfig& config, Consumers next,
               std::array<ItemCounters, 3> counters, std::shared_ptr<spdlog::logger> logger,
               std::shared_ptr<const auth::ServerAuthGuard> guard = nullptr,
               DroppedConnectionCounters dropped = {});
  ~HttpFrontend();

  Status Start();
  // Stops accepting and waits for in-flight requests to be answered.
  void Shutdown();
  int port() const;

 private:
  struct Shared;  // what answers need after the frontend is gone (http_frontend.cc)

  // Everything that can be decided from the request line and headers (route, method, media
  // type, encoding, CORS preflight); runs before the body is read.
  std::optional<net::HttpResponse> CheckHead(const net::HttpRequest& head) const;
  void Handle(net::HttpRequest&& request, net::HttpResponder respond);
  std::optional<Signal> Route(std::string_view path) const;

  HttpProtocolConfig config_;
  Consumers next_;
  std::array<ItemCounters, 3> counters_;
  std::shared_ptr<const Shared> shared_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<const auth::ServerAuthGuard> guard_;  // null = no auth
  DroppedConnectionCounters dropped_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace otter::otlp_receiver
