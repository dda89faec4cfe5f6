#include "extensions/oidc/config.h"

namespace otter::oidc {

Status OidcConfig::Validate() const {
  if (audience.empty() && !ignore_audience)
    return InvalidArgument("audience: no audience provided for the OIDC configuration");
  if (issuer_url.empty())
    return InvalidArgument("issuer_url: no issuer URL provided for the OIDC configuration");
  if (issuer_url.rfind("http://", 0) != 0 && issuer_url.rfind("https://", 0) != 0)
    return InvalidArgument("issuer_url: \"" + issuer_url + "\" is not an http(s) URL");
  if (attribute.empty()) return InvalidArgument("attribute: must not be empty");
  return Status::Ok();
}

const config::Table<OidcConfig>& OidcTable() {
  using C = OidcConfig;
  static const auto table =
      config::Table<C>()
          .Field("issuer_url", &C::issuer_url,
                 "the provider; its discovery document and JWKS are fetched at start-up")
          .Field("audience", &C::audience, "required \"aud\" of every token")
          .Field("ignore_audience", &C::ignore_audience, "skip the audience check")
          .Field("issuer_ca_path", &C::issuer_ca_path, "CA (PEM) of an https issuer")
          .Field("username_claim", &C::username_claim, "claim naming the user (default: sub)")
          .Field("groups_claim", &C::groups_claim, "claim with the user's groups")
          .Field("attribute", &C::attribute, "header carrying \"Bearer <token>\"")
          .NotSupportedYet("providers", "several OIDC providers")
          .NotSupportedYet("public_keys_file", "a local JWKS file");
  return table;
}

}  // namespace otter::oidc
