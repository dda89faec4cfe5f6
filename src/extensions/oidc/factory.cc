// Registration of the `oidc` extension.
#include "component/registry.h"
#include "extensions/oidc/config.h"
#include "extensions/oidc/extension.h"

namespace otter {

void RegisterOidcExtension(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExtension;
  f.type = "oidc";
  f.description = "verifies OpenID Connect JWTs (RS256/ES256...) against the issuer's JWKS";
  SetConfigTable(f, oidc::OidcTable());
  f.create_extension = [](const ComponentContext& ctx,
                          const ComponentConfig& cfg) -> StatusOr<std::unique_ptr<Extension>> {
    const auto& c = static_cast<const oidc::OidcConfig&>(cfg);
    return std::unique_ptr<Extension>(std::make_unique<oidc::OidcAuth>(ctx, c));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
