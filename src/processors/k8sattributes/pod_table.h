// The k8sattributes processor's view of the cluster: pods (by the identifiers that association
// rules look them up with), replica sets (for k8s.deployment.name, as otelcol derives it from the
// pod's owning ReplicaSet's owner), and namespaces and nodes (for their labels/annotations). Fed
// by k8s::ResourceWatcher sinks; read by the processor on the data path.
//
// Extraction happens when an object arrives, as in otelcol: a pod record holds the finished
// attribute list, so enriching a resource is one hash lookup and a few copies. A deleted pod is
// kept for pod_delete_grace_period so late data from it is still enriched. The number of pod
// records is bounded; refused pods are counted.
//
// Thread-safety: sinks are called from watcher threads, Find* from any thread; a shared mutex
// guards the maps, records are immutable and shared (shared_ptr), so readers never hold the lock
// while they copy attributes.
#pragma once

#include <re2/re2.h>

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "k8s/watcher.h"
#include "processors/k8sattributes/config.h"

namespace otter::k8sattributes {

using Attr = std::pair<std::string, std::string>;

// One source of an association rule; `name` is empty for connection sources.
struct Source {
  bool connection = false;
  std::string name;
};
using Association = std::vector<Source>;  // at most 4 sources

// Up to four (source, value) pairs, encoded as one string key.
class PodIdentifier {
 public:
  void Add(const Source& s, std::string_view value);
  bool empty() const { return key_.empty(); }
  const std::string& key() const { return key_; }
  void Clear() { key_.clear(); }

 private:
  std::string key_;
};

struct FieldRule {
  std::string name;  // tag name; may hold $1 references when key_regex has groups
  std::string key;
  std::unique_ptr<RE2> key_regex;
  bool has_reference = false;
  enum class From { kPod, kNamespace, kNode } from = From::kPod;
};

struct Rules {
  bool namespace_name = false, pod_name = false, pod_uid = false, pod_hostname = false,
       start_time = false, pod_ip = false, deployment_name = false, deployment_uid = false,
       replicaset_name = false, replicaset_uid = false, daemonset_name = false,
       daemonset_uid = false, statefulset_name = false, statefulset_uid = false, job_name = false,
       job_uid = false, cronjob_name = false, node_name = false, container_name = false,
       container_id = false, image_name = false, image_tag = false;
  std::vector<FieldRule> labels, annotations;

  bool NeedsReplicaSets() const { return deployment_name || deployment_uid; }
  bool NeedsContainers() const { return container_name || container_id || image_name || image_tag; }
  bool Needs(FieldRule::From from) const;

  // From the config (validated).
  static Rules From(const K8sAttributesConfig& cfg);
};

struct ContainerInfo {
  std::string spec_name;  // the container's name in the pod (for lookups)
  std::string name;       // set only when k8s.container.name is extracted
  std::string image_name, image_tag;
  std::map<int64_t, std::string> ids;  // restart count → container id (runtime prefix removed)
};

struct PodRecord {
  std::string uid, name, namespace_name, node_name, address, start_time;
  bool host_network = false;
  bool ignore = false;  // excluded by name or the opentelemetry.io/k8s-processor-ignore annotation
  std::vector<Attr> attributes;
  std::vector<ContainerInfo> containers;
  const ContainerInfo* ByName(std::string_view name) const;
  const ContainerInfo* ById(std::string_view id) const;
};

// Parses an image reference as Kubernetes does: "nginx" → docker.io/library/nginx, tag latest.
struct ImageRef {
  std::string repository, tag;
};
bool ParseImage(std::string_view image, ImageRef* out);

class PodTable {
 public:
  struct Limits {
    size_t max_pods = 100'000;
    std::chrono::nanoseconds delete_grace = std::chrono::seconds(120);
  };
  PodTable(Rules rules, std::vector<Association> associations, std::vector<std::string> excludes,
           Limits limits);

  // Sinks for the watchers of each kind.
  k8s::WatchSink* pods() { return &pod_sink_; }
  k8s::WatchSink* replica_sets() { return &rs_sink_; }
  k8s::WatchSink* namespaces() { return &ns_sink_; }
  k8s::WatchSink* nodes() { return &node_sink_; }

  std::shared_ptr<const PodRecord> Find(const PodIdentifier& id) const;
  // Attributes of a namespace / node (labels, annotations by the rules); null when unknown.
  std::shared_ptr<const std::vector<Attr>> NamespaceAttributes(std::string_view name) const;
  std::shared_ptr<const std::vector<Attr>> NodeAttributes(std::string_view name) const;

  // Forgets deleted pods whose grace period has passed by `now` (steady clock).
  void ExpireDeleted(std::chrono::steady_clock::time_point now);

  size_t size() const;
  uint64_t refused() const { return refused_.load(); }

 private:
  struct Deleted {
    std::string key, uid;
    std::chrono::steady_clock::time_point at;
  };
  class Sink : public k8s::WatchSink {
   public:
    enum class Kind { kPods, kReplicaSets, kNamespaces, kNodes };
    Sink(PodTable* t, Kind k) : table_(t), kind_(k) {}
    void Replace(std::vector<k8s::KubeObject> objects) override;
    void Apply(k8s::WatchEvent::Type type, k8s::KubeObject object) override;

   private:
    PodTable* table_;
    Kind kind_;
  };

  std::shared_ptr<PodRecord> MakeRecord(const k8s::KubeObject& pod) const;
  std::vector<std::string> IdentifiersOf(const PodRecord& pod) const;
  std::vector<Attr> MetaAttributes(const k8s::KubeObject& o, FieldRule::From from) const;
  void AddPod(const k8s::KubeObject& pod);  // mu_ held
  void ForgetPod(const k8s::KubeObject& pod, std::chrono::steady_clock::time_point now);  // mu_

  Rules rules_;
  std::vector<Association> associations_;
  std::vector<std::unique_ptr<RE2>> excludes_;
  Limits limits_;
  Sink pod_sink_{this, Sink::Kind::kPods}, rs_sink_{this, Sink::Kind::kReplicaSets},
      ns_sink_{this, Sink::Kind::kNamespaces}, node_sink_{this, Sink::Kind::kNodes};

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const PodRecord>> pods_;    // by identifier key
  std::unordered_map<std::string, std::shared_ptr<const PodRecord>> by_uid_;  // bounded
  std::deque<Deleted> deleted_;
  // replica set uid → (deployment name, deployment uid)
  std::unordered_map<std::string, std::pair<std::string, std::string>> replica_sets_;
  std::unordered_map<std::string, std::shared_ptr<const std::vector<Attr>>> namespaces_, nodes_;
  std::atomic<uint64_t> refused_{0};
};

}  // namespace otter::k8sattributes
