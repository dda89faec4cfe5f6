#include "processors/k8sattributes/enricher.h"

#include <arpa/inet.h>

#include <charconv>

namespace otter::k8sattributes {
namespace {

std::string_view StringAttr(const pdata::Attributes& attrs, std::string_view key) {
  const pdata::AnyValue* v = pdata::FindAttribute(attrs, key);
  return v && v->type == pdata::AnyValue::Type::kString ? v->string_value : std::string_view();
}

bool IsIp(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  char buf[46];
  s.copy(buf, s.size());
  buf[s.size()] = '\0';
  unsigned char addr[16];
  return inet_pton(AF_INET, buf, addr) == 1 || inet_pton(AF_INET6, buf, addr) == 1;
}

// otelcol's setResourceAttribute: set when absent or when its string form is empty.
void SetIfEmpty(pdata::Attributes& attrs, pdata::ArenaSet& arenas, std::string_view key,
                std::string_view value) {
  for (auto& kv : attrs) {
    if (kv.key != key) continue;
    const pdata::AnyValue& v = kv.value;
    bool empty =
        v.type == pdata::AnyValue::Type::kEmpty ||
        ((v.type == pdata::AnyValue::Type::kString || v.type == pdata::AnyValue::Type::kBytes) &&
         v.string_value.empty());
    if (empty) kv.value = pdata::AnyValue::String(arenas.Copy(value));
    return;
  }
  attrs.push_back({arenas.Copy(key), pdata::AnyValue::String(arenas.Copy(value))});
}

void AddAll(pdata::Attributes& attrs, pdata::ArenaSet& arenas, const std::vector<Attr>& add) {
  for (const auto& [k, v] : add) SetIfEmpty(attrs, arenas, k, v);
}

// otelcol's addContainerAttributes: the container named by k8s.container.name, else the one with
// container.id, else the pod's only container.
void AddContainer(pdata::Attributes& attrs, pdata::ArenaSet& arenas, const PodRecord& pod,
                  const Rules& rules) {
  std::string_view name = StringAttr(attrs, "k8s.container.name");
  std::string_view id = StringAttr(attrs, "container.id");
  const ContainerInfo* c = nullptr;
  if (!name.empty()) {
    c = pod.ByName(name);
  } else if (!id.empty()) {
    c = pod.ById(id);
  } else if (pod.containers.size() == 1) {
    c = &pod.containers.front();
  }
  if (!c) return;
  if (!c->name.empty()) SetIfEmpty(attrs, arenas, "k8s.container.name", c->name);
  if (!c->image_name.empty()) SetIfEmpty(attrs, arenas, "container.image.name", c->image_name);
  if (!c->image_tag.empty()) SetIfEmpty(attrs, arenas, "container.image.tag", c->image_tag);
  if (!rules.container_id || c->ids.empty()) return;
  // The run named by k8s.container.restart_count, else the latest (highest restart count).
  int64_t run = -1;
  if (const pdata::AnyValue* rc = pdata::FindAttribute(attrs, "k8s.container.restart_count")) {
    if (rc->type == pdata::AnyValue::Type::kInt) {
      run = rc->int_value;
    } else if (rc->type == pdata::AnyValue::Type::kString) {
      std::string_view s = rc->string_value;
      int64_t n = 0;
      if (std::from_chars(s.data(), s.data() + s.size(), n).ec == std::errc()) run = n;
    }
  } else {
    run = c->ids.rbegin()->first;
  }
  auto it = c->ids.find(run);
  if (it != c->ids.end() && !pdata::FindAttribute(attrs, "container.id"))
    attrs.push_back(
        {arenas.Copy("container.id"), pdata::AnyValue::String(arenas.Copy(it->second))});
}

}  // namespace

PodIdentifier ExtractPodId(const pdata::Attributes& attrs, std::string_view client_ip,
                           const std::vector<Association>& associations,
                           std::string_view* connection_value) {
  PodIdentifier id;
  *connection_value = {};
  static const Source kConnection{true, ""};
  if (associations.empty()) {
    std::string_view v = StringAttr(attrs, "k8s.pod.ip");
    if (v.empty()) v = StringAttr(attrs, "ip");
    if (v.empty()) v = client_ip;
    if (v.empty()) {
      std::string_view host = StringAttr(attrs, "host.name");
      if (IsIp(host)) v = host;
    }
    if (!v.empty()) {
      id.Add(kConnection, v);
      *connection_value = v;
    }
    return id;
  }
  for (const auto& assoc : associations) {
    id.Clear();
    std::string_view conn;
    bool skip = false;
    for (const auto& s : assoc) {
      std::string_view v;
      if (s.connection) {
        v = client_ip;
        if (!v.empty() && conn.empty()) conn = v;
      } else {
        v = StringAttr(attrs, s.name);
        if (s.name == "host.name" && !IsIp(v)) v = {};
      }
      if (v.empty()) {
        skip = true;
        break;
      }
      id.Add(s, v);
    }
    if (!skip) {
      *connection_value = conn;
      return id;
    }
  }
  id.Clear();
  return id;
}

void Enricher::Enrich(pdata::Resource& resource, pdata::ArenaSet& arenas,
                      std::string_view client_ip, EnrichStats* stats) const {
  pdata::Attributes& attrs = resource.attributes;
  std::string_view conn;
  PodIdentifier id = ExtractPodId(attrs, client_ip, associations_, &conn);
  // `conn` points into the client address or the arena, not into `attrs`: growing it is safe.
  if (!conn.empty() && (passthrough_ || rules_->pod_ip))
    SetIfEmpty(attrs, arenas, "k8s.pod.ip", conn);
  if (passthrough_ || !table_) return;

  std::shared_ptr<const PodRecord> pod;
  if (id.empty()) {
    ++stats->no_id;
  } else if ((pod = table_->Find(id))) {
    ++stats->found;
    AddAll(attrs, arenas, pod->attributes);
    AddContainer(attrs, arenas, *pod, *rules_);
  } else {
    ++stats->missed;
  }
  if (rules_->Needs(FieldRule::From::kNamespace)) {
    std::string ns = pod && !pod->namespace_name.empty()
                         ? pod->namespace_name
                         : std::string(StringAttr(attrs, "k8s.namespace.name"));
    if (!ns.empty())
      if (auto add = table_->NamespaceAttributes(ns)) AddAll(attrs, arenas, *add);
  }
  if (rules_->Needs(FieldRule::From::kNode)) {
    std::string node = pod && !pod->node_name.empty()
                           ? pod->node_name
                           : std::string(StringAttr(attrs, "k8s.node.name"));
    if (!node.empty())
      if (auto add = table_->NodeAttributes(node)) AddAll(attrs, arenas, *add);
  }
}

}  // namespace otter::k8sattributes
