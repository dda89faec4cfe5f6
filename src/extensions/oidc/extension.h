// The `oidc` extension: a server authenticator for "Authorization: Bearer <JWT>" issued by one
// OpenID Connect provider. Start() reads <issuer_url>/.well-known/openid-configuration (its
// "issuer" must equal issuer_url) and the JWKS at its jwks_uri. Each request's token must be
// signed by a JWKS key (RS*, PS*, ES256/384), come from issuer_url, name `audience` in "aud",
// be unexpired ("exp") and not before its "nbf" (5 minutes' leeway, as go-oidc). A token whose
// key id is unknown makes the extension fetch the JWKS again (at most once per 10 s) before it
// is refused, so key rotation at the provider needs no restart.
// Thread-safety: Authenticate from any thread; Start/Shutdown from the service thread.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>

#include "component/auth.h"
#include "extensions/oidc/config.h"
#include "extensions/oidc/jwt.h"

namespace otter::otlp_http_exporter {
class HttpClient;
struct Url;
}  // namespace otter::otlp_http_exporter

namespace otter::oidc {

class OidcAuth final : public Extension, public auth::ServerAuthenticator {
 public:
  OidcAuth(const ComponentContext& ctx, const OidcConfig& config);
  ~OidcAuth() override;

  // Discovery and the first JWKS fetch; any failure stops start-up.
  Status Start() override;

  std::variant<auth::AuthData, auth::AuthError> Authenticate(
      const auth::HeaderLookup& header) const override;
  std::string Challenge() const override { return "Bearer"; }
  std::optional<std::pair<std::string, std::string>> TokenHeader(
      std::string_view token) const override {
    return std::make_pair(config_.attribute, "Bearer " + std::string(token));
  }

  // Checks a raw JWT (what follows "Bearer ") at `now`; for Authenticate and benchmarks.
  std::variant<auth::AuthData, auth::AuthError> Verify(
      std::string_view token, std::chrono::system_clock::time_point now) const;

 private:
  StatusOr<std::string> Fetch(const std::string& url) const;
  Status RefreshKeys() const;
  std::shared_ptr<const KeySet> keys() const;

  OidcConfig config_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<otlp_http_exporter::HttpClient> client_;
  std::string jwks_uri_;

  mutable std::mutex mu_;
  mutable std::shared_ptr<const KeySet> keys_;                    // GUARDED_BY(mu_)
  mutable std::mutex refresh_mu_;                                 // one JWKS fetch at a time
  mutable std::chrono::steady_clock::time_point last_refresh_{};  // GUARDED_BY(refresh_mu_)
};

}  // namespace otter::oidc
