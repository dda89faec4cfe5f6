// Registration of the `healthcheckv2` extension.
#include "component/registry.h"
#include "extensions/healthcheckv2/config.h"
#include "extensions/healthcheckv2/extension.h"

namespace otter {

void RegisterHealthCheckV2Extension(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExtension;
  f.type = "healthcheckv2";
  f.description =
      "component status over HTTP (/status, per pipeline, verbose) and the gRPC health protocol; "
      "without use_v2, the v1 health check";
  SetConfigTable(f, healthcheckv2::HealthCheckV2Table());
  f.create_extension = [](const ComponentContext& ctx, const ComponentConfig& cfg) {
    return healthcheckv2::CreateExtension(
        ctx, static_cast<const healthcheckv2::HealthCheckV2Config&>(cfg));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
