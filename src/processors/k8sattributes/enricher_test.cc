#include "processors/k8sattributes/enricher.h"

#include <gtest/gtest.h>

#include <map>

#include "component/registry.h"
#include "config/loader.h"
#include "k8s/objects.h"
#include "util/fake_kube_api.h"

namespace otter::k8sattributes {
namespace {

using otter::testing::FakePod;
using Type = k8s::WatchEvent::Type;

std::unique_ptr<K8sAttributesConfig> Parse(const std::string& yaml, std::string* error = nullptr) {
  auto node = config::ParseYaml(yaml, "test.yaml");
  EXPECT_TRUE(node.ok());
  Registry r;
  RegisterBuiltins(r);
  const Factory* f = r.Find(ComponentKind::kProcessor, "k8sattributes");
  EXPECT_NE(f, nullptr);
  config::Diagnostics d;
  auto cfg = f->parse_config(*node, d);
  if (error)
    *error = d.errors().empty() ? "" : d.errors()[0];
  else
    EXPECT_TRUE(d.ok()) << d.ErrorsText();
  return std::unique_ptr<K8sAttributesConfig>(static_cast<K8sAttributesConfig*>(cfg.release()));
}

k8s::KubeObject Obj(const std::string& json) {
  auto o = k8s::ParseObject(json);
  EXPECT_TRUE(o.ok()) << o.status().message();
  return *o;
}

FakePod WebPod() {
  FakePod p;
  p.name = "web-5d8f7c9b6-x7k2p";
  p.ns = "shop";
  p.uid = "pod-uid-1";
  p.ip = "10.1.0.7";
  p.node = "node-a";
  p.labels = {
      {"app.kubernetes.io/name", "web"}, {"app.kubernetes.io/version", "1.4"}, {"team", "red"}};
  p.annotations = {{"git_sha", "abc123"}, {"resource.opentelemetry.io/service.name", "web-svc"}};
  p.owners = {{"ReplicaSet", {"web-5d8f7c9b6", "rs-uid-1"}}};
  p.containers = {{"app", "ghcr.io/acme/web:1.4.2", "containerd://c0ffee", 0}};
  return p;
}

// A table and enricher built from a YAML config, fed with objects as the watchers would.
struct Fixture {
  explicit Fixture(const std::string& yaml, size_t max_pods = 100000)
      : cfg(Parse(yaml)), rules(Rules::From(*cfg)) {
    std::vector<Association> assoc;
    for (const auto& rule : cfg->pod_association) {
      Association a;
      for (const auto& s : rule)
        a.push_back(s.from == "connection" ? Source{true, ""} : Source{false, s.name});
      assoc.push_back(a);
    }
    PodTable::Limits limits;
    limits.max_pods = max_pods;
    limits.delete_grace = cfg->pod_delete_grace_period;
    table = std::make_unique<PodTable>(Rules::From(*cfg), assoc, cfg->exclude_pods, limits);
    enricher = std::make_unique<Enricher>(cfg->passthrough ? nullptr : table.get(), &rules, assoc,
                                          cfg->passthrough);
  }
  // Enriches a resource with `attrs` from `client_ip`; returns its attributes as a map.
  std::map<std::string, std::string> Run(std::map<std::string, std::string> attrs,
                                         const std::string& client_ip = "") {
    pdata::ArenaSet arenas;
    pdata::Resource r;
    for (const auto& [k, v] : attrs)
      r.attributes.push_back({arenas.Copy(k), pdata::AnyValue::String(arenas.Copy(v))});
    EnrichStats stats;
    enricher->Enrich(r, arenas, client_ip, &stats);
    last_stats = stats;
    std::map<std::string, std::string> out;
    for (const auto& kv : r.attributes) {
      EXPECT_FALSE(out.count(std::string(kv.key))) << "duplicate " << kv.key;
      out[std::string(kv.key)] = kv.value.ToString();
    }
    return out;
  }
  std::unique_ptr<K8sAttributesConfig> cfg;
  Rules rules;
  std::unique_ptr<PodTable> table;
  std::unique_ptr<Enricher> enricher;
  EnrichStats last_stats;
};

using Attrs = std::map<std::string, std::string>;

TEST(K8sAttributes, DefaultsEnrichByConnectionIp) {
  Fixture f("{}");
  f.table->replica_sets()->Replace(
      {Obj(testing::ReplicaSetJson("web-5d8f7c9b6", "shop", "rs-uid-1", "web", "dep-uid"))});
  f.table->pods()->Replace({Obj(testing::PodJson(WebPod()))});
  EXPECT_EQ(f.Run({{"service.name", "web"}}, "10.1.0.7"),
            (Attrs{{"service.name", "web"},
                   {"k8s.pod.name", "web-5d8f7c9b6-x7k2p"},
                   {"k8s.pod.uid", "pod-uid-1"},
                   {"k8s.pod.start_time", "2024-05-06T07:08:09Z"},
                   {"k8s.namespace.name", "shop"},
                   {"k8s.node.name", "node-a"},
                   {"k8s.deployment.name", "web"},
                   {"k8s.container.name", "app"},
                   {"container.image.name", "ghcr.io/acme/web"},
                   {"container.image.tag", "1.4.2"}}));
  EXPECT_EQ(f.last_stats.found, 1u);
  // Unknown client: nothing added, counted as a miss.
  EXPECT_EQ(f.Run({}, "10.9.9.9"), Attrs{});
  EXPECT_EQ(f.last_stats.missed, 1u);
  // No identifier at all.
  EXPECT_EQ(f.Run({{"host.name", "not-an-ip"}}), (Attrs{{"host.name", "not-an-ip"}}));
  EXPECT_EQ(f.last_stats.no_id, 1u);
}

TEST(K8sAttributes, WithoutRulesPodIpAttributeThenIpThenConnectionThenHostName) {
  Fixture f("extract: {metadata: [k8s.pod.name]}");
  f.table->pods()->Replace({Obj(testing::PodJson(WebPod()))});
  const Attrs named{{"k8s.pod.name", "web-5d8f7c9b6-x7k2p"}};
  auto with = [&](Attrs a) {
    a.insert(named.begin(), named.end());
    return a;
  };
  EXPECT_EQ(f.Run({{"k8s.pod.ip", "10.1.0.7"}}, "10.9.9.9"), with({{"k8s.pod.ip", "10.1.0.7"}}));
  EXPECT_EQ(f.Run({{"ip", "10.1.0.7"}}, "10.9.9.9"), with({{"ip", "10.1.0.7"}}));
  EXPECT_EQ(f.Run({{"host.name", "10.1.0.7"}}), with({{"host.name", "10.1.0.7"}}));
  // The connection wins over host.name.
  EXPECT_EQ(f.Run({{"host.name", "10.1.0.7"}}, "10.9.9.9"), (Attrs{{"host.name", "10.1.0.7"}}));
}

TEST(K8sAttributes, NeverOverwritesAValueButFillsAnEmptyOne) {
  Fixture f("extract: {metadata: [k8s.pod.name, k8s.namespace.name]}");
  f.table->pods()->Replace({Obj(testing::PodJson(WebPod()))});
  EXPECT_EQ(f.Run({{"k8s.pod.name", "mine"}, {"k8s.namespace.name", ""}}, "10.1.0.7"),
            (Attrs{{"k8s.pod.name", "mine"}, {"k8s.namespace.name", "shop"}}));
}

TEST(K8sAttributes, AssociationRulesInOrderWithCompositeSources) {
  Fixture f(R"(
extract: {metadata: [k8s.node.name]}
pod_association:
  - sources: [{from: resource_attribute, name: k8s.pod.uid}]
  - sources:
      - {from: resource_attribute, name: k8s.pod.name}
      - {from: resource_attribute, name: k8s.namespace.name}
  - sources: [{from: connection}]
)");
  FakePod other = WebPod();
  other.name = "other";
  other.uid = "pod-uid-2";
  other.ip = "10.1.0.8";
  other.node = "node-b";
  f.table->pods()->Replace({Obj(testing::PodJson(WebPod())), Obj(testing::PodJson(other))});
  // By uid, although the connection names another pod.
  EXPECT_EQ(f.Run({{"k8s.pod.uid", "pod-uid-2"}}, "10.1.0.7"),
            (Attrs{{"k8s.pod.uid", "pod-uid-2"}, {"k8s.node.name", "node-b"}}));
  // By name + namespace (both needed).
  EXPECT_EQ(
      f.Run({{"k8s.pod.name", "other"}, {"k8s.namespace.name", "shop"}}, "10.1.0.7"),
      (Attrs{
          {"k8s.pod.name", "other"}, {"k8s.namespace.name", "shop"}, {"k8s.node.name", "node-b"}}));
  // Namespace without name: that rule is skipped, the connection rule finds the web pod.
  EXPECT_EQ(f.Run({{"k8s.namespace.name", "shop"}}, "10.1.0.7"),
            (Attrs{{"k8s.namespace.name", "shop"}, {"k8s.node.name", "node-a"}}));
  // The first rule with all its values decides, even when it finds nothing.
  EXPECT_EQ(f.Run({{"k8s.pod.name", "other"}, {"k8s.namespace.name", "elsewhere"}}, "10.1.0.7"),
            (Attrs{{"k8s.pod.name", "other"}, {"k8s.namespace.name", "elsewhere"}}));
  EXPECT_EQ(f.last_stats.missed, 1u);
}

TEST(K8sAttributes, PassthroughAddsOnlyThePodIp) {
  Fixture f("passthrough: true");
  EXPECT_EQ(f.Run({{"service.name", "a"}}, "10.1.0.7"),
            (Attrs{{"service.name", "a"}, {"k8s.pod.ip", "10.1.0.7"}}));
  EXPECT_EQ(f.Run({{"k8s.pod.ip", "10.2.2.2"}}, "10.1.0.7"), (Attrs{{"k8s.pod.ip", "10.2.2.2"}}));
  // Without passthrough, k8s.pod.ip comes only when extracted.
  Fixture g("extract: {metadata: [k8s.pod.ip]}");
  EXPECT_EQ(g.Run({}, "10.1.0.7"), (Attrs{{"k8s.pod.ip", "10.1.0.7"}}));
  Fixture h("{}");
  EXPECT_EQ(h.Run({}, "10.1.0.7"), Attrs{});
}

TEST(K8sAttributes, LabelsAndAnnotations) {
  Fixture f(R"yaml(
extract:
  metadata: [k8s.pod.name]
  otel_annotations: true
  labels:
    - {tag_name: app.team, key: team}
    - {key: app.kubernetes.io/name}
    - {tag_name: "k.$1", key_regex: "app\\.kubernetes\\.io/(.*)"}
    - {tag_name: ns.env, key: env, from: namespace}
  annotations:
    - {key: git_sha}
)yaml");
  f.table->namespaces()->Replace(
      {Obj(R"({"metadata":{"name":"shop","uid":"ns1","labels":{"env":"prod"}}})")});
  f.table->pods()->Replace({Obj(testing::PodJson(WebPod()))});
  EXPECT_EQ(f.Run({}, "10.1.0.7"), (Attrs{{"k8s.pod.name", "web-5d8f7c9b6-x7k2p"},
                                          {"app.team", "red"},
                                          {"k8s.pod.labels.app.kubernetes.io/name", "web"},
                                          {"k.name", "web"},
                                          {"k.version", "1.4"},
                                          {"k8s.pod.annotations.git_sha", "abc123"},
                                          {"service.name", "web-svc"},
                                          {"ns.env", "prod"}}));
  // Namespace labels also apply to data that only names its namespace.
  EXPECT_EQ(f.Run({{"k8s.namespace.name", "shop"}}),
            (Attrs{{"k8s.namespace.name", "shop"}, {"ns.env", "prod"}}));
}

TEST(K8sAttributes, WorkloadOwners) {
  Fixture f(R"(
extract:
  metadata: [k8s.replicaset.name, k8s.replicaset.uid, k8s.deployment.name, k8s.statefulset.name,
             k8s.daemonset.name, k8s.daemonset.uid, k8s.job.name, k8s.cronjob.name]
)");
  FakePod job = WebPod();
  job.name = "report-28930-abcde";
  job.uid = "u-job";
  job.ip = "10.1.0.20";
  job.owners = {{"Job", {"report-28930", "job-uid"}}};
  FakePod ds = WebPod();
  ds.name = "agent-x1";
  ds.uid = "u-ds";
  ds.ip = "10.1.0.21";
  ds.owners = {{"DaemonSet", {"agent", "ds-uid"}}, {"StatefulSet", {"db", "ss-uid"}}};
  // The replica set arrives after the pod: no deployment name (as in otelcol, which lists
  // replica sets before pods for this reason).
  f.table->pods()->Replace(
      {Obj(testing::PodJson(WebPod())), Obj(testing::PodJson(job)), Obj(testing::PodJson(ds))});
  EXPECT_EQ(f.Run({}, "10.1.0.7"),
            (Attrs{{"k8s.replicaset.name", "web-5d8f7c9b6"}, {"k8s.replicaset.uid", "rs-uid-1"}}));
  EXPECT_EQ(f.Run({}, "10.1.0.20"),
            (Attrs{{"k8s.job.name", "report-28930"}, {"k8s.cronjob.name", "report"}}));
  EXPECT_EQ(f.Run({}, "10.1.0.21"), (Attrs{{"k8s.daemonset.name", "agent"},
                                           {"k8s.daemonset.uid", "ds-uid"},
                                           {"k8s.statefulset.name", "db"}}));
  f.table->replica_sets()->Apply(
      Type::kAdded, Obj(testing::ReplicaSetJson("web-5d8f7c9b6", "shop", "rs-uid-1", "web", "d")));
  f.table->pods()->Apply(Type::kModified, Obj(testing::PodJson(WebPod())));
  EXPECT_EQ(f.Run({}, "10.1.0.7")["k8s.deployment.name"], "web");
}

TEST(K8sAttributes, ContainerByNameOrIdAndRestartCount) {
  Fixture f(R"(
extract:
  metadata: [k8s.container.name, container.id, container.image.name, container.image.tag]
)");
  FakePod p = WebPod();
  p.containers = {{"app", "nginx", "containerd://id-app-1", 1},
                  {"sidecar", "acme/proxy@sha256:0123", "docker://id-side", 0}};
  f.table->pods()->Replace({Obj(testing::PodJson(p))});
  // Two containers and nothing to tell them apart: no container attributes.
  EXPECT_EQ(f.Run({}, "10.1.0.7"), Attrs{});
  EXPECT_EQ(f.Run({{"k8s.container.name", "app"}}, "10.1.0.7"),
            (Attrs{{"k8s.container.name", "app"},
                   {"container.id", "id-app-1"},
                   {"container.image.name", "docker.io/library/nginx"},
                   {"container.image.tag", "latest"}}));
  EXPECT_EQ(f.Run({{"container.id", "id-side"}}, "10.1.0.7"),
            (Attrs{{"container.id", "id-side"},
                   {"k8s.container.name", "sidecar"},
                   {"container.image.name", "docker.io/acme/proxy"}}));
  // A restart count naming a run the pod does not report: no container.id.
  EXPECT_EQ(f.Run({{"k8s.container.name", "app"}, {"k8s.container.restart_count", "0"}}, "10.1.0.7")
                .count("container.id"),
            0u);
}

TEST(K8sAttributes, ExcludedAndIgnoredPodsAreNotEnriched) {
  Fixture f("extract: {metadata: [k8s.pod.name]}");
  FakePod jaeger = WebPod();
  jaeger.name = "jaeger-agent-abc";
  jaeger.uid = "j";
  jaeger.ip = "10.1.0.30";
  FakePod ignored = WebPod();
  ignored.name = "quiet";
  ignored.uid = "q";
  ignored.ip = "10.1.0.31";
  ignored.annotations = {{"opentelemetry.io/k8s-processor-ignore", " True "}};
  f.table->pods()->Replace({Obj(testing::PodJson(jaeger)), Obj(testing::PodJson(ignored))});
  EXPECT_EQ(f.Run({}, "10.1.0.30"), Attrs{});
  EXPECT_EQ(f.Run({}, "10.1.0.31"), Attrs{});
  Fixture g("extract: {metadata: [k8s.pod.name]}\nexclude: {pods: [{name: '^web-'}]}");
  g.table->pods()->Replace({Obj(testing::PodJson(WebPod())), Obj(testing::PodJson(jaeger))});
  EXPECT_EQ(g.Run({}, "10.1.0.7"), Attrs{});
  EXPECT_EQ(g.Run({}, "10.1.0.30")["k8s.pod.name"], "jaeger-agent-abc");
}

TEST(K8sAttributes, DeletedPodStaysForTheGracePeriod) {
  Fixture f("extract: {metadata: [k8s.pod.name]}\npod_delete_grace_period: 60s");
  f.table->pods()->Replace({Obj(testing::PodJson(WebPod()))});
  auto before = std::chrono::steady_clock::now();
  f.table->pods()->Apply(Type::kDeleted, Obj(testing::PodJson(WebPod())));
  f.table->ExpireDeleted(before + std::chrono::seconds(59));
  EXPECT_EQ(f.Run({}, "10.1.0.7")["k8s.pod.name"], "web-5d8f7c9b6-x7k2p");
  EXPECT_EQ(f.table->size(), 1u);
  f.table->ExpireDeleted(std::chrono::steady_clock::now() + std::chrono::seconds(61));
  EXPECT_EQ(f.Run({}, "10.1.0.7"), Attrs{});
  EXPECT_EQ(f.table->size(), 0u);
}

TEST(K8sAttributes, IpReusedByANewerPodIsNotTakenBackByTheOldOne) {
  Fixture f("extract: {metadata: [k8s.pod.name]}");
  FakePod old_pod = WebPod();
  std::string old_json = testing::PodJson(old_pod);
  FakePod newer = WebPod();
  newer.name = "newer";
  newer.uid = "pod-uid-9";
  std::string newer_json = testing::PodJson(newer);
  // Same IP, later start time.
  size_t at = newer_json.find("2024-05-06T07:08:10Z");
  newer_json.replace(at, 20, "2024-06-01T00:00:00Z");
  f.table->pods()->Apply(Type::kAdded, Obj(old_json));
  f.table->pods()->Apply(Type::kAdded, Obj(newer_json));
  f.table->pods()->Apply(Type::kModified, Obj(old_json));
  EXPECT_EQ(f.Run({}, "10.1.0.7")["k8s.pod.name"], "newer");
}

TEST(K8sAttributes, PodTableIsBounded) {
  Fixture f("extract: {metadata: [k8s.pod.name]}", /*max_pods=*/1);
  FakePod other = WebPod();
  other.uid = "pod-uid-2";
  other.ip = "10.1.0.8";
  f.table->pods()->Replace({Obj(testing::PodJson(WebPod())), Obj(testing::PodJson(other))});
  EXPECT_EQ(f.table->size(), 1u);
  EXPECT_EQ(f.table->refused(), 1u);
  EXPECT_EQ(f.Run({}, "10.1.0.8"), Attrs{});
}

TEST(K8sAttributes, ImageReferences) {
  ImageRef r;
  ASSERT_TRUE(ParseImage("registry.local:5000/team/app:v2", &r));
  EXPECT_EQ(r.repository, "registry.local:5000/team/app");
  EXPECT_EQ(r.tag, "v2");
  ASSERT_TRUE(ParseImage("busybox", &r));
  EXPECT_EQ(r.repository, "docker.io/library/busybox");
  EXPECT_EQ(r.tag, "latest");
  ASSERT_TRUE(ParseImage("localhost/x:1", &r));
  EXPECT_EQ(r.repository, "localhost/x");
  EXPECT_FALSE(ParseImage("", &r));
  EXPECT_FALSE(ParseImage("Upper/Case", &r));
}

TEST(K8sAttributesConfig, ValidationMessages) {
  auto error = [](const std::string& yaml) {
    std::string e;
    Parse(yaml, &e);
    return e;
  };
  EXPECT_EQ(error("{}"), "");
  auto has = [&](const std::string& yaml, const std::string& text) {
    std::string e = error(yaml);
    EXPECT_NE(e.find(text), std::string::npos) << yaml << " → " << e;
  };
  has("auth_type: token", "auth_type: invalid authType for kubernetes: token");
  has("extract: {metadata: [k8s.pod.nam]}", "\"k8s.pod.nam\" is not a supported metadata field");
  has("extract: {metadata: [k8s.cluster.uid]}", "not supported by otter yet");
  has("extract: {labels: [{key: a, key_regex: b}]}",
      "Out of Key or KeyRegex only one option is expected");
  has("extract: {labels: [{key: a, from: service}]}", "service is not a valid choice for From");
  has("extract: {annotations: [{key_regex: '('}]}", "key_regex \"(\"");
  has("filter: {labels: [{key: a, op: in}]}", "'in' is not a valid label filter operation");
  has("filter: {fields: [{key: a, op: exists}]}", "'exists' is not a valid field filter");
  has("filter: {node_from_env_var: OTTER_TEST_SURELY_UNSET}",
      "`node_from_env_var` is configured but envvar \"OTTER_TEST_SURELY_UNSET\" is not set");
  has("pod_association: [{sources: [{from: a}, {from: connection}]}]",
      "from \"a\" must be connection or resource_attribute");
  has("pod_association: [{sources: [{from: connection}, {from: connection}, {from: connection}, "
      "{from: connection}, {from: connection}]}]",
      "too many association sources. limit is 4");
  has("extrct: {}", "did you mean \"extract\"");
  has("kube_api_qps: 5", "not supported yet");
  // Defaults.
  auto cfg = Parse("{}");
  EXPECT_EQ(cfg->auth_type, "serviceAccount");
  EXPECT_EQ(cfg->exclude_pods, (std::vector<std::string>{"jaeger-agent", "jaeger-collector"}));
  EXPECT_EQ(cfg->wait_for_metadata_timeout, std::chrono::seconds(10));
  EXPECT_EQ(cfg->pod_delete_grace_period, std::chrono::seconds(120));
}

}  // namespace
}  // namespace otter::k8sattributes
