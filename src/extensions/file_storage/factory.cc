// Registration of the `file_storage` extension.
#include "component/registry.h"
#include "extensions/file_storage/config.h"
#include "extensions/file_storage/extension.h"

namespace otter {

void RegisterFileStorageExtension(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExtension;
  f.type = "file_storage";
  f.description =
      "durable key-value storage in local files (filelog offsets survive restarts and kill -9)";
  SetConfigTable(f, file_storage::FileStorageConfigTable());
  f.create_extension = [](const ComponentContext& ctx,
                          const ComponentConfig& cfg) -> StatusOr<std::unique_ptr<Extension>> {
    return std::unique_ptr<Extension>(std::make_unique<file_storage::FileStorageExtension>(
        ctx, static_cast<const file_storage::FileStorageConfig&>(cfg)));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
