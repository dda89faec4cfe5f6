// AdminServer: the loopback-only admin listener (service.admin.endpoint, off by default). It
// serves the pipeline tap (pipeline/tap.h) that `otter tap` reads:
//   GET /debug/tap                              → {"pipelines":[{"pipeline":..,"stages":[..]}]}
//   GET /debug/tap?pipeline=traces&after=N&max=M → {"pipeline":..,"next":N,"events":[..]}
// Each event: {"seq","time_unix_nano","stage","after","items","bytes","data"} where data is the
// batch as an OTLP/JSON request (null when larger than the tap's limit).
// Start/Stop/port from the owner's thread; requests on the server's thread.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "common/status.h"
#include "pipeline/tap.h"

namespace otter::net {
class HttpServer;
}

namespace otter::pipeline {

// The endpoint must name a loopback host (localhost, 127.x.x.x, ::1): the tap shows the data
// itself. Errors say so.
Status ValidateAdminEndpoint(const std::string& endpoint);

class AdminServer {
 public:
  AdminServer(TapHub& tap, std::string endpoint, std::shared_ptr<spdlog::logger> logger);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  Status Start();
  void Stop();  // idempotent
  int port() const;

 private:
  TapHub& tap_;
  std::string endpoint_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace otter::pipeline
