#include "extensions/oidc/extension.h"

#include <simdjson.h>

#include <algorithm>

#include "exporters/otlp_http/http_client.h"

namespace otter::oidc {
namespace {

using otlp_http_exporter::HttpClient;
using otlp_http_exporter::ParseUrl;

constexpr auto kFetchTimeout = std::chrono::seconds(5);  // as the Go extension's client
constexpr auto kMinRefreshInterval = std::chrono::seconds(10);
constexpr int64_t kNbfLeewaySeconds = 5 * 60;

auth::AuthError Invalid(std::string message) { return {"invalid", std::move(message)}; }

std::string TrimSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// A claim that must be a string or a list of strings.
std::vector<std::string> Strings(simdjson::dom::element e) {
  std::vector<std::string> out;
  std::string_view s;
  if (e.get(s) == simdjson::SUCCESS) {
    out.emplace_back(s);
    return out;
  }
  simdjson::dom::array arr;
  if (e.get(arr) == simdjson::SUCCESS)
    for (simdjson::dom::element v : arr) {
      if (v.get(s) == simdjson::SUCCESS)
        out.emplace_back(s);
      else
        out.push_back(simdjson::to_string(v));
    }
  return out;
}

}  // namespace

OidcAuth::OidcAuth(const ComponentContext& ctx, const OidcConfig& config)
    : config_(config), logger_(ctx.logger) {}

OidcAuth::~OidcAuth() = default;

StatusOr<std::string> OidcAuth::Fetch(const std::string& url) const {
  auto u = ParseUrl(url);
  if (!u.ok()) return u.status();
  auto r = client_->Get(*u, {{"Accept", "application/json"}}, kFetchTimeout, nullptr);
  if (!r.ok()) return r.status();
  if (r->status != 200)
    return Unavailable(url + ": " + std::to_string(r->status) + " " + r->reason);
  return std::move(r->body);
}

Status OidcAuth::Start() {
  auto where = [&](const Status& s) {
    return s.Annotate("failed to get configuration from the auth server " + config_.issuer_url);
  };
  net::TlsClientSettings tls;
  tls.ca_file = config_.issuer_ca_path;
  auto client = otlp_http_exporter::ClientFor(config_.issuer_url, tls);
  if (!client.ok()) return where(client.status());
  client_ = std::move(client->client);
  auto doc = Fetch(TrimSlash(config_.issuer_url) + "/.well-known/openid-configuration");
  if (!doc.ok()) return where(doc.status());
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  std::string_view issuer, jwks;
  if (parser.parse(*doc).get(e) != simdjson::SUCCESS || e["issuer"].get(issuer) ||
      e["jwks_uri"].get(jwks))
    return where(InvalidArgument("the discovery document has no issuer or jwks_uri"));
  if (issuer != config_.issuer_url)
    return where(
        InvalidArgument("oidc: issuer did not match the issuer returned by provider, "
                        "expected \"" +
                        config_.issuer_url + "\" got \"" + std::string(issuer) + "\""));
  jwks_uri_ = std::string(jwks);
  return where(RefreshKeys());
}

Status OidcAuth::RefreshKeys() const {
  auto body = Fetch(jwks_uri_);
  if (!body.ok()) return body.status();
  auto set = KeySet::Parse(*body);
  if (!set.ok()) return set.status().Annotate(jwks_uri_);
  std::lock_guard l(mu_);
  keys_ = std::make_shared<const KeySet>(std::move(*set));
  return Status::Ok();
}

std::shared_ptr<const KeySet> OidcAuth::keys() const {
  std::lock_guard l(mu_);
  return keys_;
}

std::variant<auth::AuthData, auth::AuthError> OidcAuth::Authenticate(
    const auth::HeaderLookup& header) const {
  std::optional<std::string_view> got = header(config_.attribute);
  if (!got || got->empty()) return auth::AuthError{"missing", "authentication didn't succeed"};
  size_t space = got->find(' ');
  if (space == std::string_view::npos || got->find(' ', space + 1) != std::string_view::npos)
    return Invalid("invalid authorization header format");
  return Verify(got->substr(space + 1), std::chrono::system_clock::now());
}

std::variant<auth::AuthData, auth::AuthError> OidcAuth::Verify(
    std::string_view token, std::chrono::system_clock::time_point now) const {
  auto jwt = DecodeJwt(token);
  if (!jwt.ok())
    return Invalid("failed to parse the token: " + std::string(jwt.status().message()));
  if (!IsSupportedAlg(jwt->alg))
    return Invalid("failed to verify token: unsupported signing algorithm \"" + jwt->alg + "\"");

  // The key by id (or, without one, any key that verifies); an unknown id re-reads the JWKS.
  auto verified = [&](const KeySet& set, bool* known) {
    for (const Jwk& k : set.keys) {
      if (!jwt->kid.empty() && k.kid != jwt->kid) continue;
      *known = true;
      if (VerifyJwtSignature(*jwt, k)) return true;
    }
    return false;
  };
  bool known = false;
  auto set = keys();
  bool ok = set && verified(*set, &known);
  if (!ok && !known) {
    std::unique_lock l(refresh_mu_);
    auto since = std::chrono::steady_clock::now() - last_refresh_;
    if (since >= kMinRefreshInterval) {
      last_refresh_ = std::chrono::steady_clock::now();
      if (Status s = RefreshKeys(); !s.ok() && logger_)
        logger_->warn("cannot refresh the JWKS: {}", s.message());
    }
    l.unlock();
    set = keys();
    ok = set && verified(*set, &known);
  }
  if (!ok) return Invalid("failed to verify token: oidc: failed to verify signature");

  thread_local simdjson::dom::parser parser;  // keeps its buffers: no allocation per token
  simdjson::dom::element claims;
  if (parser.parse(jwt->payload).get(claims) != simdjson::SUCCESS || !claims.is_object())
    return Invalid("failed to verify token: oidc: failed to unmarshal claims");
  std::string_view iss;
  if (claims["iss"].get(iss) != simdjson::SUCCESS || iss != config_.issuer_url)
    return Invalid(
        "failed to verify token: oidc: id token issued by a different provider, "
        "expected \"" +
        config_.issuer_url + "\" got \"" + std::string(iss) + "\"");
  if (!config_.ignore_audience) {
    simdjson::dom::element aud;
    std::vector<std::string> auds;
    if (claims["aud"].get(aud) == simdjson::SUCCESS) auds = Strings(aud);
    if (std::find(auds.begin(), auds.end(), config_.audience) == auds.end())
      return Invalid("failed to verify token: oidc: expected audience \"" + config_.audience +
                     "\" got [" + (auds.empty() ? "" : "\"" + auds.front() + "\"") + "]");
  }
  int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  double exp = 0, nbf = 0;
  if (claims["exp"].get(exp) != simdjson::SUCCESS)
    return Invalid("failed to verify token: oidc: token has no expiry");
  if (double(now_s) > exp)
    return auth::AuthError{"expired", "failed to verify token: oidc: token is expired"};
  if (claims["nbf"].get(nbf) == simdjson::SUCCESS && nbf > double(now_s + kNbfLeewaySeconds))
    return Invalid("failed to verify token: oidc: current time before the nbf (not before) time");

  auth::AuthData data;
  std::string_view sv;
  if (!config_.username_claim.empty()) {
    simdjson::dom::element u;
    if (claims[config_.username_claim].get(u) != simdjson::SUCCESS)
      return Invalid(
          "failed to get subject from claims in the token: username claim from the "
          "OIDC configuration not found on the token returned by the OIDC provider");
    if (u.get(sv) != simdjson::SUCCESS)
      return Invalid(
          "failed to get subject from claims in the token: the username returned by "
          "the OIDC provider isn't a regular string");
    data.subject = std::string(sv);
  } else if (claims["sub"].get(sv) == simdjson::SUCCESS) {
    data.subject = std::string(sv);
  }
  if (!config_.groups_claim.empty()) {
    simdjson::dom::element g;
    if (claims[config_.groups_claim].get(g) != simdjson::SUCCESS)
      return Invalid(
          "failed to get groups from claims in the token: groups claim from the OIDC "
          "configuration not found on the token returned by the OIDC provider");
    data.groups = Strings(g);
  }
  return data;
}

}  // namespace otter::oidc
