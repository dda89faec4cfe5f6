// Typed config of the k8sattributes processor (otelcol-contrib's `k8sattributes`): API access,
// passthrough, extract (metadata, labels, annotations), filter, pod_association, exclude and
// wait_for_metadata, with otelcol's keys, defaults and validation messages. Parsed once at
// start-up; read-only afterwards.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"
#include "k8s/api_config.h"

namespace otter {

struct K8sFieldExtractConfig {
  std::string tag_name;   // default: k8s.<from>.<labels|annotations>.<key>
  std::string key;        // exact label/annotation name
  std::string key_regex;  // or a regex over names (anchored); tag_name may use $1 / ${name}
  std::string from;       // pod (default), namespace, node
};

struct K8sFieldFilterConfig {
  std::string key;
  std::string value;
  std::string op;  // equals (default), not-equals; labels also exists, does-not-exist
};

struct K8sAssociationSource {
  std::string from;  // connection, resource_attribute
  std::string name;  // the resource attribute (resource_attribute only)
};

struct K8sAttributesConfig : ComponentConfig {
  std::string auth_type = "serviceAccount";
  std::string context;  // kubeConfig: context to use instead of current-context
  bool passthrough = false;

  // extract
  std::vector<std::string> metadata = {
      "k8s.pod.name",       "k8s.pod.uid",          "k8s.pod.start_time",
      "k8s.namespace.name", "k8s.node.name",        "k8s.deployment.name",
      "k8s.container.name", "container.image.name", "container.image.tag"};
  std::vector<K8sFieldExtractConfig> labels;
  std::vector<K8sFieldExtractConfig> annotations;
  bool otel_annotations = false;

  // filter
  std::string filter_node;
  std::string filter_node_from_env_var;
  std::string filter_namespace;
  std::vector<K8sFieldFilterConfig> filter_fields;
  std::vector<K8sFieldFilterConfig> filter_labels;

  std::vector<std::vector<K8sAssociationSource>> pod_association;
  // exclude.pods[].name: regexes matched against pod names.
  std::vector<std::string> exclude_pods = {"jaeger-agent", "jaeger-collector"};

  bool wait_for_metadata = false;
  config::Duration wait_for_metadata_timeout = std::chrono::seconds(10);
  config::Duration pod_delete_grace_period = std::chrono::seconds(120);
  config::Duration watch_sync_period = std::chrono::minutes(5);

  // Not a config key: where the service-account files are (tests point it elsewhere).
  std::string service_account_dir = k8s::ApiConfig().service_account_dir;

  Status Validate() const override;
  // The api settings for k8s::ResolveApiEndpoint.
  k8s::ApiConfig Api() const;
};

const config::Table<K8sAttributesConfig>& K8sAttributesConfigTable();

}  // namespace otter
