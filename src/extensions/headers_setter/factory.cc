// Registration of the `headers_setter` extension.
#include "component/registry.h"
#include "extensions/headers_setter/extension.h"

namespace otter {

void RegisterHeadersSetterExtension(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExtension;
  f.type = "headers_setter";
  f.description = "sets headers (fixed values) on every request an exporter sends";
  SetConfigTable(f, headers_setter::HeadersSetterTable());
  f.create_extension = [](const ComponentContext& ctx,
                          const ComponentConfig& cfg) -> StatusOr<std::unique_ptr<Extension>> {
    const auto& c = static_cast<const headers_setter::HeadersSetterConfig&>(cfg);
    return std::unique_ptr<Extension>(std::make_unique<headers_setter::HeadersSetter>(ctx, c));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
