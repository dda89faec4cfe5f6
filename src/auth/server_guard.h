// ServerAuthGuard: what every server (OTLP gRPC/HTTP, Loki push, remote write, the query API)
// runs in front of its handler when `auth.authenticator` is set: asks the authenticator, counts
// each refusal in otter_receiver_auth_failures_total{receiver,transport,reason} and logs it at most
// once a second, never with the credential. HTTP refusals are 401 with WWW-Authenticate, decided
// from the headers before the body is read, so nothing of the request reaches a pipeline.
// Thread-safety: Check may be called concurrently from any thread.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <optional>
#include <string>

#include "component/auth.h"
#include "exporters/exporterhelper/clock.h"
#include "exporters/exporterhelper/log_throttle.h"
#include "net/http_server.h"

namespace otter::auth {

class ServerAuthGuard {
 public:
  // `authenticator` null = no auth (Check always passes). `component` and `transport` label the
  // failure counter ("otlp", "grpc").
  ServerAuthGuard(const ServerAuthenticator* authenticator, telemetry::SelfMetrics* metrics,
                  std::string component, std::string transport,
                  std::shared_ptr<spdlog::logger> logger);

  bool enabled() const { return authenticator_ != nullptr; }
  // nullopt when the request may proceed.
  std::optional<AuthError> Check(const HeaderLookup& header, std::string_view peer) const;
  // For net::HttpServerOptions::on_headers: a 401 to send, or nullopt.
  std::optional<net::HttpResponse> CheckHttp(const net::HttpRequest& head) const;
  // Wraps `options.on_headers` so the check runs first (no-op when not enabled).
  void Install(net::HttpServerOptions& options) const;

  const std::string& challenge() const { return challenge_; }
  const ServerAuthenticator* authenticator() const { return authenticator_; }

 private:
  const ServerAuthenticator* authenticator_;
  telemetry::SelfMetrics* metrics_;
  std::string component_, transport_;
  std::shared_ptr<spdlog::logger> logger_;
  std::string challenge_;
  mutable exporterhelper::SteadyClock clock_;
  mutable exporterhelper::LogThrottle throttle_;
};

// Resolves `settings` (when set) and builds the guard; errors name `key`.
StatusOr<std::shared_ptr<ServerAuthGuard>> MakeServerAuthGuard(
    const ComponentContext& ctx, const std::optional<AuthSettings>& settings, std::string_view key,
    std::string transport);

}  // namespace otter::auth
