// The `basicauth` extension: HTTP Basic authentication. As a server authenticator it checks
// "Authorization: Basic base64(user:password)" against htpasswd entries; as a client
// authenticator it sends client_auth's credentials. Password hashes: bcrypt ($2a$/$2b$/$2y$),
// SHA-crypt ($5$/$6$), MD5-crypt ($1$) and yescrypt ($y$) through libcrypt, {SHA} (base64 SHA-1)
// through OpenSSL, anything else compared as plain text. Apache's $apr1$ is not supported (a
// user with such a hash never authenticates; start-up warns).
// Thread-safety: read-only after construction; Authenticate/AddHeaders from any thread.
#pragma once

#include <map>
#include <string>

#include "component/auth.h"
#include "extensions/basicauth/config.h"

namespace otter::basicauth {

// True if `password` matches the htpasswd `hash` (formats above).
bool VerifyHtpasswdHash(std::string_view hash, std::string_view password);

class BasicAuth final : public Extension,
                        public auth::ServerAuthenticator,
                        public auth::ClientAuthenticator {
 public:
  BasicAuth(const ComponentContext& ctx, const BasicAuthConfig& config);
  // Reads htpasswd.file (an unreadable file stops start-up).
  Status Start() override;

  std::variant<auth::AuthData, auth::AuthError> Authenticate(
      const auth::HeaderLookup& header) const override;
  std::string Challenge() const override { return "Basic realm=\"otter\", charset=\"UTF-8\""; }
  void AddHeaders(auth::HeaderList& headers) const override;

 private:
  void AddEntries(std::string_view content);

  BasicAuthConfig config_;
  std::shared_ptr<spdlog::logger> logger_;
  std::map<std::string, std::string, std::less<>> users_;  // user → hash; set by Start
  std::string client_header_;                              // "Basic ..." for client_auth
};

}  // namespace otter::basicauth
