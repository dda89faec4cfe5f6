// Registration of the `health_check` extension.
#include "component/registry.h"
#include "extensions/health_check/config.h"
#include "extensions/health_check/extension.h"

namespace otter {

void RegisterHealthCheckExtension(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExtension;
  f.type = "health_check";
  f.description =
      "HTTP health endpoint (default localhost:13133/): 200 when the collector is ready";
  SetConfigTable(f, health_check::HealthCheckTable());
  f.create_extension = [](const ComponentContext& ctx,
                          const ComponentConfig& cfg) -> StatusOr<std::unique_ptr<Extension>> {
    const auto& c = static_cast<const health_check::HealthCheckConfig&>(cfg);
    return std::unique_ptr<Extension>(std::make_unique<health_check::HealthCheckExtension>(ctx, c));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
