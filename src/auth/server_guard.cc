#include "auth/server_guard.h"

namespace otter::auth {

ServerAuthGuard::ServerAuthGuard(const ServerAuthenticator* authenticator,
                                 telemetry::SelfMetrics* metrics, std::string component,
                                 std::string transport, std::shared_ptr<spdlog::logger> logger)
    : authenticator_(authenticator),
      metrics_(metrics),
      component_(std::move(component)),
      transport_(std::move(transport)),
      logger_(std::move(logger)),
      challenge_(authenticator ? authenticator->Challenge() : "") {}

std::optional<AuthError> ServerAuthGuard::Check(const HeaderLookup& header,
                                                std::string_view peer) const {
  if (!authenticator_) return std::nullopt;
  auto result = authenticator_->Authenticate(header);
  if (std::holds_alternative<AuthData>(result)) return std::nullopt;
  AuthError& err = std::get<AuthError>(result);
  if (metrics_)
    metrics_
        ->GetCounter("otter_receiver_auth_failures_total",
                     "Requests refused by the server's authenticator (nothing of them is kept)",
                     {{"receiver", component_}, {"transport", transport_}, {"reason", err.reason}})
        .Add(1);
  uint64_t suppressed = 0;
  if (logger_ && throttle_.Allow(clock_, &suppressed))
    logger_->warn("{} request from {} refused: {}{}", transport_, peer, err.message,
                  exporterhelper::LogThrottle::Suffix(suppressed));
  return std::move(err);
}

std::optional<net::HttpResponse> ServerAuthGuard::CheckHttp(const net::HttpRequest& head) const {
  if (!authenticator_) return std::nullopt;
  auto err = Check(
      [&head](std::string_view name) -> std::optional<std::string_view> {
        if (!head.HasHeader(name)) return std::nullopt;
        return head.Header(name);
      },
      head.remote_address);
  if (!err) return std::nullopt;
  net::HttpResponse r = net::HttpResponse::Text(401, "Unauthorized\n");
  r.SetHeader("WWW-Authenticate", challenge_);
  return r;
}

void ServerAuthGuard::Install(net::HttpServerOptions& options) const {
  if (!authenticator_) return;
  auto inner = std::move(options.on_headers);
  options.on_headers = [this, inner = std::move(inner)](
                           const net::HttpRequest& head) -> std::optional<net::HttpResponse> {
    if (auto r = CheckHttp(head)) return r;
    return inner ? inner(head) : std::nullopt;
  };
}

StatusOr<std::shared_ptr<ServerAuthGuard>> MakeServerAuthGuard(
    const ComponentContext& ctx, const std::optional<AuthSettings>& settings, std::string_view key,
    std::string transport) {
  const ServerAuthenticator* a = nullptr;
  if (settings) {
    auto found = FindServerAuthenticator(ctx, *settings, key);
    if (!found.ok()) return found.status();
    a = *found;
  }
  return std::make_shared<ServerAuthGuard>(a, ctx.metrics, ctx.id.ToString(), std::move(transport),
                                           ctx.logger);
}

}  // namespace otter::auth
