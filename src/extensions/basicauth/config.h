// Typed configuration of the `basicauth` extension (contrib basicauthextension's keys): server
// side `htpasswd` (file and/or inline; inline wins for a user in both), client side
// `client_auth`. One instance is either a server or a client authenticator. Plain data.
#pragma once

#include <optional>
#include <string>

#include "component/registry.h"
#include "config/table.h"

namespace otter::basicauth {

struct HtpasswdSettings {
  std::string file;
  std::string inline_content;  // key "inline"
};

struct ClientAuthSettings {
  std::string username;
  std::string password;
};

struct BasicAuthConfig : ComponentConfig {
  std::optional<HtpasswdSettings> htpasswd;
  std::optional<ClientAuthSettings> client_auth;
  Status Validate() const override;
};

const config::Table<BasicAuthConfig>& BasicAuthTable();

}  // namespace otter::basicauth
