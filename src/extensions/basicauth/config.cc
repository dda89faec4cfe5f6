#include "extensions/basicauth/config.h"

namespace otter::basicauth {

Status BasicAuthConfig::Validate() const {
  bool server = htpasswd && (!htpasswd->file.empty() || !htpasswd->inline_content.empty());
  if (server && client_auth)
    return InvalidArgument("client_auth: only one of htpasswd or client_auth can be specified");
  if (!server && !client_auth)
    return InvalidArgument(
        "htpasswd: no credential source provided (set htpasswd.file, htpasswd.inline or "
        "client_auth)");
  if (client_auth && client_auth->username.find(':') != std::string::npos)
    return InvalidArgument("client_auth: username must not contain ':'");
  return Status::Ok();
}

const config::Table<BasicAuthConfig>& BasicAuthTable() {
  static const auto htpasswd =
      config::Table<HtpasswdSettings>()
          .Field("file", &HtpasswdSettings::file, "htpasswd file (user:hash per line)")
          .Field("inline", &HtpasswdSettings::inline_content,
                 "htpasswd content inline; wins over file for the same user");
  static const auto client =
      config::Table<ClientAuthSettings>()
          .Field("username", &ClientAuthSettings::username, "user name exporters send")
          .Field("password", &ClientAuthSettings::password, "password exporters send");
  static const auto table =
      config::Table<BasicAuthConfig>()
          .Section("htpasswd", &BasicAuthConfig::htpasswd, htpasswd,
                   "server side: accepted users (bcrypt, SHA-crypt, {SHA} or plain)")
          .Section("client_auth", &BasicAuthConfig::client_auth, client,
                   "client side: credentials exporters send");
  return table;
}

}  // namespace otter::basicauth
