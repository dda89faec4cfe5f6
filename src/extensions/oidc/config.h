// Typed configuration of the `oidc` extension (contrib oidcauthextension's single-provider keys:
// issuer_url, audience, ignore_audience, issuer_ca_path, username_claim, groups_claim, attribute).
// Plain data.
#pragma once

#include <string>

#include "component/registry.h"
#include "config/table.h"

namespace otter::oidc {

struct OidcConfig : ComponentConfig {
  std::string issuer_url;  // discovery at <issuer_url>/.well-known/openid-configuration
  std::string audience;    // required unless ignore_audience
  bool ignore_audience = false;
  std::string issuer_ca_path;               // PEM CA for an https issuer (default: system roots)
  std::string username_claim;               // the subject comes from this claim instead of "sub"
  std::string groups_claim;                 // string or list of strings
  std::string attribute = "authorization";  // header carrying "Bearer <JWT>"
  Status Validate() const override;
};

const config::Table<OidcConfig>& OidcTable();

}  // namespace otter::oidc
