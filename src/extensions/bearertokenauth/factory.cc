// Registration of the `bearertokenauth` extension.
#include "component/registry.h"
#include "extensions/bearertokenauth/config.h"
#include "extensions/bearertokenauth/extension.h"

namespace otter {

void RegisterBearerTokenAuthExtension(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExtension;
  f.type = "bearertokenauth";
  f.description = "static bearer token(s): checks them on servers, sends one from exporters";
  SetConfigTable(f, bearertokenauth::BearerTokenAuthTable());
  f.create_extension = [](const ComponentContext& ctx,
                          const ComponentConfig& cfg) -> StatusOr<std::unique_ptr<Extension>> {
    const auto& c = static_cast<const bearertokenauth::BearerTokenAuthConfig&>(cfg);
    return std::unique_ptr<Extension>(std::make_unique<bearertokenauth::BearerTokenAuth>(ctx, c));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
