#include "component/storage.h"

namespace otter {

StatusOr<StorageExtension*> FindStorageExtension(const ComponentContext& ctx,
                                                 const std::string& storage_id,
                                                 const std::string& key) {
  auto id = ComponentId::Parse(storage_id);
  if (!id.ok()) return InvalidArgument(key + ": " + std::string(id.status().message()));
  Extension* ext = ctx.host ? ctx.host->FindExtension(*id) : nullptr;
  if (!ext)
    return FailedPrecondition(key + ": extension \"" + storage_id +
                              "\" not found (configure it under extensions and list it in "
                              "service.extensions)");
  auto* storage = dynamic_cast<StorageExtension*>(ext);
  if (!storage)
    return FailedPrecondition(key + ": extension \"" + storage_id +
                              "\" is not a storage extension");
  return storage;
}

StatusOr<std::unique_ptr<StorageClient>> GetStorageClient(const ComponentContext& ctx,
                                                          const std::string& storage_id,
                                                          std::string_view name) {
  ASSIGN_OR_RETURN(StorageExtension * storage, FindStorageExtension(ctx, storage_id));
  auto client = storage->GetClient(ctx.kind, ctx.id, name);
  if (!client.ok()) return client.status().Annotate("storage " + storage_id);
  return client;
}

}  // namespace otter
