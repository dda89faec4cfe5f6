// The parts of Kubernetes API objects (pods, replica sets, namespaces) that otter's processors
// use, and their JSON decoding: single objects, lists and watch-stream events. Only the fields
// below are kept, so a cache of many pods stays small. Plain functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace otter::k8s {

struct OwnerReference {
  std::string kind;  // "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", ...
  std::string name;
  std::string uid;
};

struct ContainerSpec {
  std::string name;
  std::string image;  // as in the pod spec, e.g. "ghcr.io/org/app:1.2"
};

struct ContainerStatus {
  std::string name;
  std::string container_id;  // with the runtime prefix, e.g. "containerd://abc..."
  int64_t restart_count = 0;
};

struct KubeObject {
  // metadata (every kind)
  std::string name;
  std::string namespace_name;
  std::string uid;
  std::string resource_version;
  std::string creation_timestamp;  // RFC 3339, as the API sends it
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<OwnerReference> owners;

  // pods only: spec and status
  std::string node_name;
  std::string hostname;
  bool host_network = false;
  std::string pod_ip;
  std::string start_time;                           // status.startTime
  std::vector<ContainerSpec> containers;            // spec.containers, then spec.initContainers
  std::vector<ContainerStatus> container_statuses;  // status.containerStatuses, then init ones

  const OwnerReference* Owner(std::string_view kind) const {
    for (const auto& o : owners)
      if (o.kind == kind) return &o;
    return nullptr;
  }
};

struct KubeList {
  std::vector<KubeObject> items;
  std::string resource_version;  // metadata.resourceVersion: where a watch starts
  std::string continue_token;    // metadata.continue: more pages follow when set
};

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  KubeObject object;       // for kError only resource_version may be meaningful
  int32_t error_code = 0;  // kError: the Status object's code (410 = resourceVersion too old)
  std::string error_message;
};

StatusOr<KubeObject> ParseObject(std::string_view json);
StatusOr<KubeList> ParseList(std::string_view json);
// One line of a watch stream: {"type":"ADDED","object":{...}}.
StatusOr<WatchEvent> ParseWatchEvent(std::string_view json);

}  // namespace otter::k8s
