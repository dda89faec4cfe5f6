// The `file_storage` extension: a StorageExtension (component/storage.h) keeping each client's
// keys in its own KvFile under `directory`, named as otelcol-contrib names them:
// <kind>_<type>_<name>[_<client name>], unsafe characters written as ~XXXX.
// Thread-safety: GetClient from any thread; Start/Shutdown from the service thread.
#pragma once

#include <string>

#include "component/component.h"
#include "component/storage.h"
#include "extensions/file_storage/config.h"

namespace otter::file_storage {

class FileStorageExtension final : public Extension, public StorageExtension {
 public:
  FileStorageExtension(const ComponentContext& ctx, const FileStorageConfig& config);
  Status Start() override;
  StatusOr<std::unique_ptr<StorageClient>> GetClient(ComponentKind kind, const ComponentId& id,
                                                     std::string_view name) override;
  // <directory>/<client file name>.queue, with the extension's fsync and timeout.
  StatusOr<QueueDirectory> GetQueueDirectory(ComponentKind kind, const ComponentId& id,
                                             std::string_view name) override;

  // The file name a client gets (contrib's sanitizing: [A-Za-z0-9._-] kept, others ~%04X).
  static std::string ClientFileName(ComponentKind kind, const ComponentId& id,
                                    std::string_view name);

 private:
  ComponentContext ctx_;
  FileStorageConfig config_;
};

}  // namespace otter::file_storage
