// Registration of the `basicauth` extension.
#include "component/registry.h"
#include "extensions/basicauth/config.h"
#include "extensions/basicauth/extension.h"

namespace otter {

void RegisterBasicAuthExtension(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExtension;
  f.type = "basicauth";
  f.description = "HTTP Basic auth: htpasswd users on servers, client_auth on exporters";
  SetConfigTable(f, basicauth::BasicAuthTable());
  f.create_extension = [](const ComponentContext& ctx,
                          const ComponentConfig& cfg) -> StatusOr<std::unique_ptr<Extension>> {
    const auto& c = static_cast<const basicauth::BasicAuthConfig&>(cfg);
    return std::unique_ptr<Extension>(std::make_unique<basicauth::BasicAuth>(ctx, c));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
