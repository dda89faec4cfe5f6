#include "processors/k8sattributes/config.h"

#include <re2/re2.h>

#include <cstdlib>

namespace otter {
namespace {

using C = K8sAttributesConfig;

const char* const kSupportedMetadata[] = {
    "k8s.namespace.name",   "k8s.pod.name",        "k8s.pod.uid",         "k8s.pod.hostname",
    "k8s.pod.start_time",   "k8s.pod.ip",          "k8s.deployment.name", "k8s.deployment.uid",
    "k8s.replicaset.name",  "k8s.replicaset.uid",  "k8s.daemonset.name",  "k8s.daemonset.uid",
    "k8s.statefulset.name", "k8s.statefulset.uid", "k8s.job.name",        "k8s.job.uid",
    "k8s.cronjob.name",     "k8s.node.name",       "k8s.container.name",  "container.id",
    "container.image.name", "container.image.tag"};
// Accepted by otelcol, not by otter yet (they need watches otter does not run).
const char* const kUnsupportedMetadata[] = {"k8s.node.uid", "k8s.cluster.uid",
                                            "container.image.repo_digests", "k8s.cronjob.uid"};

// A list of maps, each parsed by `sub` into a T.
template <class T>
void ParseList(const config::Node& n, std::vector<T>& out, const config::Table<T>& sub,
               config::Diagnostics& d) {
  if (n.kind != config::Node::Kind::kSeq) {
    d.Error(n, "expected a list");
    return;
  }
  out.clear();
  for (const auto& item : n.seq) {
    T v;
    sub.Parse(item, v, d);
    out.push_back(std::move(v));
  }
}

const config::Table<K8sFieldExtractConfig>& FieldExtractTable() {
  using F = K8sFieldExtractConfig;
  static const config::Table<F> t =
      config::Table<F>()
          .Field("tag_name", &F::tag_name,
                 "resource attribute to set; default k8s.<from>.<labels|annotations>.<key>")
          .Field("key", &F::key, "label or annotation name (exact)")
          .Field("key_regex", &F::key_regex,
                 "regex over label/annotation names (anchored); tag_name may refer to its groups "
                 "as $1 or ${name}")
          .Field("from", &F::from, "pod (default), namespace or node");
  return t;
}

const config::Table<K8sFieldFilterConfig>& FieldFilterTable() {
  using F = K8sFieldFilterConfig;
  static const config::Table<F> t =
      config::Table<F>()
          .Field("key", &F::key, "field or label name")
          .Field("value", &F::value, "value to compare with")
          .Field("op", &F::op, "equals (default), not-equals; labels also exists, does-not-exist");
  return t;
}

const config::Table<K8sAssociationSource>& SourceTable() {
  using S = K8sAssociationSource;
  static const config::Table<S> t =
      config::Table<S>()
          .Field("from", &S::from, "connection or resource_attribute")
          .Field("name", &S::name, "resource attribute holding the value (resource_attribute)");
  return t;
}

struct AssociationRule {
  std::vector<K8sAssociationSource> sources;
};
const config::Table<AssociationRule>& AssociationTable() {
  static const config::Table<AssociationRule> t = config::Table<AssociationRule>().Custom(
      "sources", "[]source", "", "values that together identify the pod",
      [](const config::Node& n, AssociationRule& r, config::Diagnostics& d) {
        ParseList(n, r.sources, SourceTable(), d);
      });
  return t;
}

struct ExcludePod {
  std::string name;
};
const config::Table<ExcludePod>& ExcludePodTable() {
  static const config::Table<ExcludePod> t = config::Table<ExcludePod>().Field(
      "name", &ExcludePod::name, "regex matched against pod names");
  return t;
}

const config::Table<C>& ExtractTable() {
  static const config::Table<C> t =
      config::Table<C>()
          .Field("metadata", &C::metadata, "resource attributes taken from the pod's metadata")
          .Custom("labels", "[]field", "", "pod/namespace/node labels to copy",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    ParseList(n, c.labels, FieldExtractTable(), d);
                  })
          .Custom("annotations", "[]field", "", "pod/namespace/node annotations to copy",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    ParseList(n, c.annotations, FieldExtractTable(), d);
                  })
          .Field("otel_annotations", &C::otel_annotations,
                 "copy pod annotations resource.opentelemetry.io/<key> to attribute <key>")
          .NotSupportedYet("service_attributes", "service.* attributes from well-known labels");
  return t;
}

const config::Table<C>& FilterTable() {
  static const config::Table<C> t =
      config::Table<C>()
          .Field("node", &C::filter_node, "only pods on this node")
          .Field("node_from_env_var", &C::filter_node_from_env_var,
                 "only pods on the node named by this environment variable")
          .Field("namespace", &C::filter_namespace, "only pods in this namespace")
          .Custom("fields", "[]filter", "", "field selectors (equals, not-equals)",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    ParseList(n, c.filter_fields, FieldFilterTable(), d);
                  })
          .Custom("labels", "[]filter", "",
                  "label selectors (equals, not-equals, exists, does-not-exist)",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    ParseList(n, c.filter_labels, FieldFilterTable(), d);
                  });
  return t;
}

// Sections that fill members of the top-level struct: parse them into the same object.
template <class T>
config::Table<C>::ParseFn Into(const config::Table<T>& t) {
  return [&t](const config::Node& n, C& c, config::Diagnostics& d) { t.Parse(n, c, d); };
}

Status CheckFilterOps(const std::vector<K8sFieldFilterConfig>& filters, bool labels) {
  for (const auto& f : filters) {
    bool ok = f.op.empty() || f.op == "equals" || f.op == "not-equals" ||
              (labels && (f.op == "exists" || f.op == "does-not-exist"));
    if (!ok)
      return InvalidArgument("filter: '" + f.op + "' is not a valid " +
                             (labels ? "label" : "field") + " filter operation for key=" + f.key +
                             ", value=" + f.value);
  }
  return Status::Ok();
}

}  // namespace

k8s::ApiConfig K8sAttributesConfig::Api() const {
  k8s::ApiConfig api;
  k8s::ParseAuthType(auth_type, &api.auth_type);
  api.context = context;
  api.service_account_dir = service_account_dir;
  return api;
}

Status K8sAttributesConfig::Validate() const {
  k8s::AuthType at;
  if (!k8s::ParseAuthType(auth_type, &at))
    return InvalidArgument("auth_type: invalid authType for kubernetes: " + auth_type +
                           " (valid: none, serviceAccount, kubeConfig)");
  for (const auto& rule : pod_association) {
    if (rule.size() > 4)
      return InvalidArgument("pod_association: too many association sources. limit is 4");
    for (const auto& s : rule) {
      if (s.from != "connection" && s.from != "resource_attribute")
        return InvalidArgument("pod_association: from \"" + s.from +
                               "\" must be connection or resource_attribute");
      if (s.from == "resource_attribute" && s.name.empty())
        return InvalidArgument("pod_association: a resource_attribute source needs a name");
    }
  }
  for (const auto* list : {&labels, &annotations}) {
    for (const auto& f : *list) {
      const char* key = list == &labels ? "extract: labels" : "extract: annotations";
      if (!f.key.empty() && !f.key_regex.empty())
        return InvalidArgument(std::string(key) +
                               ": Out of Key or KeyRegex only one option is expected to be "
                               "configured at a time, currently Key:" +
                               f.key + " and KeyRegex:" + f.key_regex);
      if (!f.from.empty() && f.from != "pod" && f.from != "namespace" && f.from != "node")
        return InvalidArgument(std::string(key) + ": " + f.from +
                               " is not a valid choice for From. Must be one of: pod, "
                               "namespace, node");
      if (!f.key_regex.empty()) {
        RE2 re("^(?:" + f.key_regex + ")$", RE2::Quiet);
        if (!re.ok())
          return InvalidArgument(std::string(key) + ": key_regex \"" + f.key_regex +
                                 "\": " + re.error());
      }
      if (f.key.empty() && f.key_regex.empty())
        return InvalidArgument(std::string(key) + ": key or key_regex is required");
    }
  }
  for (const auto& m : metadata) {
    bool known = false;
    for (const char* s : kSupportedMetadata) known = known || m == s;
    if (known) continue;
    for (const char* s : kUnsupportedMetadata)
      if (m == s)
        return InvalidArgument("extract: metadata \"" + m + "\" is not supported by otter yet");
    return InvalidArgument("extract: \"" + m + "\" is not a supported metadata field");
  }
  RETURN_IF_ERROR(CheckFilterOps(filter_labels, true));
  RETURN_IF_ERROR(CheckFilterOps(filter_fields, false));
  if (!filter_node_from_env_var.empty() && !std::getenv(filter_node_from_env_var.c_str()))
    return InvalidArgument("filter: `node_from_env_var` is configured but envvar \"" +
                           filter_node_from_env_var + "\" is not set");
  for (const auto& p : exclude_pods) {
    RE2 re(p, RE2::Quiet);
    if (!re.ok()) return InvalidArgument("exclude: pod name regex \"" + p + "\": " + re.error());
  }
  if (wait_for_metadata_timeout.count() <= 0)
    return InvalidArgument("wait_for_metadata_timeout must be greater than zero");
  if (pod_delete_grace_period.count() < 0)
    return InvalidArgument("pod_delete_grace_period must not be negative");
  return Status::Ok();
}

const config::Table<C>& K8sAttributesConfigTable() {
  static const config::Table<C> table =
      config::Table<C>()
          .Field("auth_type", &C::auth_type,
                 "how to reach the API: serviceAccount (in-cluster), kubeConfig "
                 "($KUBECONFIG or ~/.kube/config) or none")
          .Field("context", &C::context, "kubeConfig: the context to use (default: current)")
          .Field("passthrough", &C::passthrough,
                 "only add k8s.pod.ip from the client's address; no API access")
          .Custom("extract", "section", "", "what to add to resources", Into(ExtractTable()))
          .Custom("filter", "section", "", "which pods to watch", Into(FilterTable()))
          .Custom("pod_association", "[]rule", "connection IP",
                  "rules that find a resource's pod; the first whose sources all have a value "
                  "wins",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    std::vector<AssociationRule> rules;
                    ParseList(n, rules, AssociationTable(), d);
                    c.pod_association.clear();
                    for (auto& r : rules) c.pod_association.push_back(std::move(r.sources));
                  })
          .Custom("exclude", "section", "jaeger-agent, jaeger-collector",
                  "pods whose data is not enriched",
                  [](const config::Node& n, C& c, config::Diagnostics& d) {
                    if (n.IsNull()) return;
                    if (!n.IsMap()) {
                      d.Error(n, "expected a map with \"pods\"");
                      return;
                    }
                    for (const auto& [k, v] : n.map) {
                      if (k != "pods") {
                        d.Error(v.line ? v : n, "unknown key \"" + k + "\" (valid keys: pods)");
                        continue;
                      }
                      std::vector<ExcludePod> pods;
                      ParseList(v, pods, ExcludePodTable(), d);
                      c.exclude_pods.clear();
                      for (auto& p : pods) c.exclude_pods.push_back(p.name);
                      // An empty list means the default (as in otelcol).
                      if (c.exclude_pods.empty())
                        c.exclude_pods = {"jaeger-agent", "jaeger-collector"};
                    }
                  })
          .Field("wait_for_metadata", &C::wait_for_metadata,
                 "start only after the pod list has been received")
          .Field("wait_for_metadata_timeout", &C::wait_for_metadata_timeout,
                 "how long start-up waits with wait_for_metadata; then it fails")
          .Field("pod_delete_grace_period", &C::pod_delete_grace_period,
                 "how long a deleted pod's metadata stays usable for late data")
          .Field("watch_sync_period", &C::watch_sync_period,
                 "accepted for otelcol compatibility: client-go's informer resync; otter's "
                 "watch keeps its cache current without one")
          .NotSupportedYet("kube_api_qps", "client-side request rate limit")
          .NotSupportedYet("kube_api_burst", "client-side request burst");
  return table;
}

}  // namespace otter
