// Authenticators (otelcol's extensionauth): an extension may implement ServerAuthenticator
// (receivers and the query API call it once per request with the request's headers or gRPC
// metadata) and/or ClientAuthenticator (exporters call it for the headers each outgoing request
// carries). Components find them by extension id through the service's ExtensionHost
// (status_hub.h), as configured with `auth: { authenticator: <extension id> }` (AuthSettings).
// Thread-safety: Authenticate and AddHeaders may be called concurrently from any thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"
#include "component/component.h"
#include "config/table.h"
#include "pdata/metadata.h"

namespace otter::auth {

// The first value of a request header / gRPC metadata entry by name (case-insensitive), or
// nullopt when absent. Valid for the duration of the Authenticate call.
using HeaderLookup = std::function<std::optional<std::string_view>(std::string_view name)>;

// What a successful authentication learned about the client (otelcol's client.Info.Auth).
struct AuthData {
  std::string subject;              // user name / token subject; "" when the scheme has none
  std::vector<std::string> groups;  // oidc groups_claim
};

// Why a request was refused: `reason` is a short fixed word for self-metrics ("missing",
// "invalid", "expired", ...); `message` is for logs and the client and never holds a credential.
struct AuthError {
  std::string reason;
  std::string message;
};

class ServerAuthenticator {
 public:
  virtual ~ServerAuthenticator() = default;
  // OK with what is known of the client, or why not. Never blocks on the network for long
  // (oidc may fetch keys for an unknown key id, bounded by its timeout).
  virtual std::variant<AuthData, AuthError> Authenticate(const HeaderLookup& header) const = 0;
  // The WWW-Authenticate value an HTTP 401 carries ("Bearer", "Basic realm=\"otter\"").
  virtual std::string Challenge() const = 0;
  // The header (name, value) that carries a raw token a user pasted into a form — how the query
  // UI's login turns its cookie into a credential — or nullopt when the scheme has no such token
  // (basicauth: the browser's own prompt does the job).
  virtual std::optional<std::pair<std::string, std::string>> TokenHeader(
      std::string_view token) const {
    return std::nullopt;
  }
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class ClientAuthenticator {
 public:
  virtual ~ClientAuthenticator() = default;
  // Adds (or replaces) the headers one outgoing request carries. For gRPC the names are used as
  // metadata keys (lower-cased by the caller).
  virtual void AddHeaders(HeaderList& headers) const = 0;
  // AddHeaders for a request that carries a batch with request `metadata` (Batch::metadata()):
  // headers_setter's `from_context` reads it. An error (a from_context key with several values)
  // fails that request permanently. By default the metadata is not used.
  virtual Status AddRequestHeaders(HeaderList& headers, const pdata::Metadata& metadata) const {
    (void)metadata;
    AddHeaders(headers);
    return Status::Ok();
  }
};

// `auth:` of a server or client setting.
struct AuthSettings {
  std::string authenticator;  // extension id, e.g. "bearertokenauth/in"
};
const config::Table<AuthSettings>& AuthSettingsTable();

// Resolves `settings` through ctx.host (the service, while components are created and started).
// `key` names the setting in errors
// ("protocols.grpc.auth"): "<key>.authenticator: extension \"x\" is not ...".
StatusOr<const ServerAuthenticator*> FindServerAuthenticator(const ComponentContext& ctx,
                                                             const AuthSettings& settings,
                                                             std::string_view key);
StatusOr<const ClientAuthenticator*> FindClientAuthenticator(const ComponentContext& ctx,
                                                             const AuthSettings& settings,
                                                             std::string_view key);

// Case-insensitive ASCII equality, for header names.
bool HeaderNameEquals(std::string_view a, std::string_view b);
// Replaces the same-named (case-insensitive) header in `headers`, or appends it.
void SetHeader(HeaderList& headers, std::string name, std::string value);

}  // namespace otter::auth
