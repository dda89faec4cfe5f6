// Storage extensions (otelcol's storage.Extension): a small durable key-value store a component
// asks for by the id of an extension in its config (`storage: file_storage/x`), to keep state
// across restarts — the filelog receiver's file offsets. Each component gets its own client
// (its own namespace); a client's Batch is applied atomically and survives a crash (kill -9) of
// the process once it returned OK.
// Thread-safety: a client's methods may be called from any thread; GetClient too.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "component/component.h"

namespace otter {

class StorageClient {
 public:
  struct Op {
    enum class Kind { kSet, kDelete } kind = Kind::kSet;
    std::string key;
    std::string value;  // kSet
  };

  virtual ~StorageClient() = default;
  // The value of `key`, or nullopt when absent.
  virtual StatusOr<std::optional<std::string>> Get(std::string_view key) = 0;
  // Applies every op or none, in order.
  virtual Status Batch(const std::vector<Op>& ops) = 0;

  Status Set(std::string_view key, std::string_view value) {
    return Batch({Op{Op::Kind::kSet, std::string(key), std::string(value)}});
  }
  Status Delete(std::string_view key) {
    return Batch({Op{Op::Kind::kDelete, std::string(key), {}}});
  }
};

// Where a persistent sending queue keeps its segment log, as its storage extension says.
struct QueueDirectory {
  std::string path;
  bool fsync = false;                            // durable against power loss, not only kill -9
  std::chrono::milliseconds lock_timeout{1000};  // waiting for another process's lock
};

class StorageExtension {
 public:
  virtual ~StorageExtension() = default;
  // A directory of its own for the persistent sending queue of component `id` (signal `name`);
  // FailedPrecondition when the extension cannot hold queues.
  virtual StatusOr<QueueDirectory> GetQueueDirectory(ComponentKind kind, const ComponentId& id,
                                                     std::string_view name) {
    (void)kind, (void)id, (void)name;
    return FailedPrecondition("this storage extension cannot hold a persistent sending queue");
  }
  // The client of component `id` of `kind`; `name` separates several clients of one component
  // ("" for the usual one). The client stays usable after the extension shut down (a component
  // kept across a reload keeps writing where it wrote).
  virtual StatusOr<std::unique_ptr<StorageClient>> GetClient(ComponentKind kind,
                                                             const ComponentId& id,
                                                             std::string_view name) = 0;
};

// The storage extension `storage_id` as found through ctx.host (during creation or Start()).
// Errors name `key` and say that the extension is not enabled or not a storage extension.
StatusOr<StorageExtension*> FindStorageExtension(const ComponentContext& ctx,
                                                 const std::string& storage_id,
                                                 const std::string& key = "storage");

// The storage client the component of `ctx` gets from the extension `storage_id` (call it from
// Start()). Errors say that the extension is not enabled or not a storage extension.
StatusOr<std::unique_ptr<StorageClient>> GetStorageClient(const ComponentContext& ctx,
                                                          const std::string& storage_id,
                                                          std::string_view name = "");

}  // namespace otter
