#include "processors/k8sattributes/pod_table.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "query/go_regex.h"

namespace otter::k8sattributes {
namespace {

constexpr std::string_view kIgnoreAnnotation = "opentelemetry.io/k8s-processor-ignore";

void Set(std::vector<Attr>& attrs, std::string key, std::string value) {
  for (auto& a : attrs) {
    if (a.first == key) {
      a.second = std::move(value);
      return;
    }
  }
  attrs.emplace_back(std::move(key), std::move(value));
}

// Applies one label/annotation rule to an object's map ("k8s.<kind>.<labels|annotations>.%s" is
// the default name of a key_regex match without a tag_name).
void Extract(const FieldRule& r, const std::map<std::string, std::string>& meta,
             const std::string& default_prefix, std::vector<Attr>& out) {
  if (!r.key_regex) {
    auto it = meta.find(r.key);
    if (it != meta.end()) Set(out, r.name, it->second);
    return;
  }
  int groups = r.key_regex->NumberOfCapturingGroups();
  std::vector<re2::StringPiece> match(static_cast<size_t>(groups) + 1);
  for (const auto& [k, v] : meta) {
    if (v.empty()) continue;
    if (!r.key_regex->Match(k, 0, k.size(), RE2::ANCHOR_BOTH, match.data(),
                            static_cast<int>(match.size())))
      continue;
    std::string name =
        r.has_reference ? query::ExpandTemplate(r.name, *r.key_regex, match) : r.name;
    if (name.empty()) name = default_prefix + k;
    Set(out, std::move(name), v);
  }
}

std::string StripRuntime(const std::string& id) {
  size_t at = id.find("://");
  return at == std::string::npos ? id : id.substr(at + 3);
}

const std::string* FindAttr(const std::vector<Attr>& attrs, std::string_view key) {
  for (const auto& a : attrs)
    if (a.first == key) return &a.second;
  return nullptr;
}

}  // namespace

void PodIdentifier::Add(const Source& s, std::string_view value) {
  key_ += s.connection ? 'c' : 'r';
  key_ += s.name;
  key_ += '\0';
  key_ += value;
  key_ += '\1';
}

bool Rules::Needs(FieldRule::From from) const {
  for (const auto* list : {&labels, &annotations})
    for (const auto& r : *list)
      if (r.from == from) return true;
  return false;
}

Rules Rules::From(const K8sAttributesConfig& cfg) {
  Rules r;
  const std::pair<const char*, bool Rules::*> kFlags[] = {
      {"k8s.namespace.name", &Rules::namespace_name},
      {"k8s.pod.name", &Rules::pod_name},
      {"k8s.pod.uid", &Rules::pod_uid},
      {"k8s.pod.hostname", &Rules::pod_hostname},
      {"k8s.pod.start_time", &Rules::start_time},
      {"k8s.pod.ip", &Rules::pod_ip},
      {"k8s.deployment.name", &Rules::deployment_name},
      {"k8s.deployment.uid", &Rules::deployment_uid},
      {"k8s.replicaset.name", &Rules::replicaset_name},
      {"k8s.replicaset.uid", &Rules::replicaset_uid},
      {"k8s.daemonset.name", &Rules::daemonset_name},
      {"k8s.daemonset.uid", &Rules::daemonset_uid},
      {"k8s.statefulset.name", &Rules::statefulset_name},
      {"k8s.statefulset.uid", &Rules::statefulset_uid},
      {"k8s.job.name", &Rules::job_name},
      {"k8s.job.uid", &Rules::job_uid},
      {"k8s.cronjob.name", &Rules::cronjob_name},
      {"k8s.node.name", &Rules::node_name},
      {"k8s.container.name", &Rules::container_name},
      {"container.id", &Rules::container_id},
      {"container.image.name", &Rules::image_name},
      {"container.image.tag", &Rules::image_tag}};
  for (const auto& m : cfg.metadata)
    for (const auto& [name, flag] : kFlags)
      if (m == name) r.*flag = true;
  auto convert = [](const std::vector<K8sFieldExtractConfig>& in, const char* type,
                    std::vector<FieldRule>& out) {
    for (const auto& f : in) {
      FieldRule rule;
      std::string from = f.from.empty() ? "pod" : f.from;
      rule.from = from == "namespace" ? FieldRule::From::kNamespace
                  : from == "node"    ? FieldRule::From::kNode
                                      : FieldRule::From::kPod;
      rule.name = f.tag_name;
      if (rule.name.empty() && !f.key.empty()) rule.name = "k8s." + from + "." + type + "." + f.key;
      rule.key = f.key;
      if (!f.key_regex.empty()) {
        rule.key_regex = std::make_unique<RE2>("^(?:" + f.key_regex + ")$", RE2::Quiet);
        rule.has_reference = rule.key_regex->NumberOfCapturingGroups() > 0;
      }
      out.push_back(std::move(rule));
    }
  };
  convert(cfg.labels, "labels", r.labels);
  convert(cfg.annotations, "annotations", r.annotations);
  if (cfg.otel_annotations) {
    FieldRule rule;
    rule.name = "$1";
    rule.key_regex = std::make_unique<RE2>("^(?:resource\\.opentelemetry\\.io/(.+))$");
    rule.has_reference = true;
    r.annotations.push_back(std::move(rule));
  }
  return r;
}

const ContainerInfo* PodRecord::ByName(std::string_view n) const {
  for (const auto& c : containers)
    if (c.spec_name == n) return &c;
  return nullptr;
}

const ContainerInfo* PodRecord::ById(std::string_view id) const {
  for (const auto& c : containers)
    for (const auto& [restart, cid] : c.ids)
      if (cid == id) return &c;
  return nullptr;
}

bool ParseImage(std::string_view image, ImageRef* out) {
  if (image.empty()) return false;
  std::string_view rest = image;
  std::string digest;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
  }
  std::string tag;
  size_t last_slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return false;
  // The first component is a registry when it has a '.' or ':' or is "localhost".
  std::string repo;
  size_t slash = rest.find('/');
  std::string_view first = rest.substr(0, slash);
  bool registry = slash != std::string_view::npos &&
                  (first.find('.') != std::string_view::npos ||
                   first.find(':') != std::string_view::npos || first == "localhost");
  if (registry) {
    repo = std::string(rest);
  } else if (slash == std::string_view::npos) {
    repo = "docker.io/library/" + std::string(rest);
  } else {
    repo = "docker.io/" + std::string(rest);
  }
  for (char c : repo)
    if (isupper(static_cast<unsigned char>(c))) return false;  // not a valid reference
  if (tag.empty() && digest.empty()) tag = "latest";
  out->repository = std::move(repo);
  out->tag = std::move(tag);
  return true;
}

PodTable::PodTable(Rules rules, std::vector<Association> associations,
                   std::vector<std::string> excludes, Limits limits)
    : rules_(std::move(rules)), associations_(std::move(associations)), limits_(limits) {
  for (const auto& e : excludes) excludes_.push_back(std::make_unique<RE2>(e, RE2::Quiet));
}

std::vector<Attr> PodTable::MetaAttributes(const k8s::KubeObject& o, FieldRule::From from) const {
  std::vector<Attr> out;
  std::string kind = from == FieldRule::From::kPod         ? "pod"
                     : from == FieldRule::From::kNamespace ? "namespace"
                                                           : "node";
  for (const auto& r : rules_.labels)
    if (r.from == from) Extract(r, o.labels, "k8s." + kind + ".labels.", out);
  for (const auto& r : rules_.annotations)
    if (r.from == from) Extract(r, o.annotations, "k8s." + kind + ".annotations.", out);
  return out;
}

std::shared_ptr<PodRecord> PodTable::MakeRecord(const k8s::KubeObject& pod) const {
  auto rec = std::make_shared<PodRecord>();
  rec->uid = pod.uid;
  rec->name = pod.name;
  rec->namespace_name = pod.namespace_name;
  rec->node_name = pod.node_name;
  rec->address = pod.pod_ip;
  rec->start_time = pod.start_time;
  rec->host_network = pod.host_network;
  if (auto it = pod.annotations.find(std::string(kIgnoreAnnotation)); it != pod.annotations.end()) {
    std::string v = it->second;
    v.erase(0, v.find_first_not_of(" \t"));
    v.erase(v.find_last_not_of(" \t") + 1);
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return tolower(c); });
    rec->ignore = v == "true";
  }
  for (const auto& re : excludes_)
    if (RE2::PartialMatch(pod.name, *re)) rec->ignore = true;
  if (rec->ignore) return rec;

  auto& a = rec->attributes;
  const Rules& r = rules_;
  if (r.pod_name) Set(a, "k8s.pod.name", pod.name);
  if (r.pod_hostname) Set(a, "k8s.pod.hostname", pod.hostname);
  if (r.pod_ip) Set(a, "k8s.pod.ip", pod.pod_ip);
  if (r.namespace_name) Set(a, "k8s.namespace.name", pod.namespace_name);
  if (r.start_time && !pod.creation_timestamp.empty())
    Set(a, "k8s.pod.start_time", pod.creation_timestamp);
  if (r.pod_uid) Set(a, "k8s.pod.uid", pod.uid);
  static const RE2 kCronJobName("^(.*)-\\d+$");
  for (const auto& o : pod.owners) {
    if (o.kind == "ReplicaSet") {
      if (r.replicaset_uid) Set(a, "k8s.replicaset.uid", o.uid);
      if (r.replicaset_name) Set(a, "k8s.replicaset.name", o.name);
      auto it = replica_sets_.find(o.uid);
      if (it != replica_sets_.end()) {
        if (r.deployment_name && !it->second.first.empty())
          Set(a, "k8s.deployment.name", it->second.first);
        if (r.deployment_uid && !it->second.second.empty())
          Set(a, "k8s.deployment.uid", it->second.second);
      }
    } else if (o.kind == "DaemonSet") {
      if (r.daemonset_uid) Set(a, "k8s.daemonset.uid", o.uid);
      if (r.daemonset_name) Set(a, "k8s.daemonset.name", o.name);
    } else if (o.kind == "StatefulSet") {
      if (r.statefulset_uid) Set(a, "k8s.statefulset.uid", o.uid);
      if (r.statefulset_name) Set(a, "k8s.statefulset.name", o.name);
    } else if (o.kind == "Job") {
      if (r.job_uid) Set(a, "k8s.job.uid", o.uid);
      if (r.job_name) Set(a, "k8s.job.name", o.name);
      std::string cronjob;
      if (r.cronjob_name && RE2::FullMatch(o.name, kCronJobName, &cronjob))
        Set(a, "k8s.cronjob.name", cronjob);
    }
  }
  if (r.node_name) Set(a, "k8s.node.name", pod.node_name);
  for (auto& kv : MetaAttributes(pod, FieldRule::From::kPod)) Set(a, kv.first, kv.second);

  if (r.NeedsContainers()) {
    if (r.image_name || r.image_tag) {
      for (const auto& spec : pod.containers) {
        ContainerInfo c;
        c.spec_name = spec.name;
        ImageRef ref;
        if (ParseImage(spec.image, &ref)) {
          if (r.image_name) c.image_name = ref.repository;
          if (r.image_tag) c.image_tag = ref.tag;
        }
        rec->containers.push_back(std::move(c));
      }
    }
    for (const auto& st : pod.container_statuses) {
      ContainerInfo* c = nullptr;
      for (auto& existing : rec->containers)
        if (existing.spec_name == st.name) c = &existing;
      if (!c) {
        rec->containers.push_back({});
        c = &rec->containers.back();
        c->spec_name = st.name;
      }
      if (r.container_name) c->name = st.name;
      std::string id = StripRuntime(st.container_id);
      if (!id.empty()) c->ids[st.restart_count] = id;
    }
  }
  return rec;
}

std::vector<std::string> PodTable::IdentifiersOf(const PodRecord& pod) const {
  std::vector<std::string> ids;
  for (const auto& assoc : associations_) {
    PodIdentifier id;
    std::vector<std::string> prefix_with_containers;
    bool skip = false;
    int container_pos = -1;
    std::vector<std::pair<Source, std::string>> parts;
    for (size_t i = 0; i < assoc.size() && !skip; ++i) {
      const Source& s = assoc[i];
      if (s.connection) {
        if (pod.address.empty() || pod.host_network) skip = true;
        parts.push_back({s, pod.address});
        continue;
      }
      std::string value;
      if (s.name == "k8s.namespace.name") {
        value = pod.namespace_name;
      } else if (s.name == "k8s.pod.name") {
        value = pod.name;
      } else if (s.name == "k8s.pod.uid") {
        value = pod.uid;
      } else if (s.name == "host.name" || s.name == "k8s.pod.ip") {
        value = pod.address;
      } else if (s.name == "container.id") {
        container_pos = static_cast<int>(i);
      } else if (const std::string* v = FindAttr(pod.attributes, s.name)) {
        value = *v;
      }
      if (value.empty() && container_pos != static_cast<int>(i)) skip = true;
      parts.push_back({s, value});
    }
    if (skip) continue;
    if (container_pos < 0) {
      for (const auto& [s, v] : parts) id.Add(s, v);
      ids.push_back(id.key());
      continue;
    }
    for (const auto& c : pod.containers) {
      for (const auto& [restart, cid] : c.ids) {
        PodIdentifier with;
        for (size_t i = 0; i < parts.size(); ++i)
          with.Add(parts[i].first, static_cast<int>(i) == container_pos ? cid : parts[i].second);
        ids.push_back(with.key());
      }
    }
  }
  // Always findable by uid and (unless on the host network) by IP, as otelcol does.
  if (!pod.uid.empty()) {
    PodIdentifier id;
    id.Add({false, "k8s.pod.uid"}, pod.uid);
    ids.push_back(id.key());
  }
  if (!pod.address.empty() && !pod.host_network) {
    PodIdentifier conn, attr;
    conn.Add({true, ""}, pod.address);
    attr.Add({false, "k8s.pod.ip"}, pod.address);
    ids.push_back(conn.key());
    ids.push_back(attr.key());
  }
  return ids;
}

void PodTable::AddPod(const k8s::KubeObject& pod) {
  auto rec = MakeRecord(pod);
  auto known = by_uid_.find(pod.uid);
  if (known == by_uid_.end() && by_uid_.size() >= limits_.max_pods) {
    ++refused_;
    return;
  }
  by_uid_[pod.uid] = rec;
  for (auto& key : IdentifiersOf(*rec)) {
    auto it = pods_.find(key);
    // A newer pod may already hold this IP: an update of an older pod must not take it back.
    if (it != pods_.end() && it->second->uid != rec->uid && !rec->start_time.empty() &&
        !it->second->start_time.empty() && rec->start_time < it->second->start_time)
      continue;
    pods_[std::move(key)] = rec;
  }
}

void PodTable::ForgetPod(const k8s::KubeObject& pod, std::chrono::steady_clock::time_point now) {
  auto rec = MakeRecord(pod);
  for (auto& key : IdentifiersOf(*rec)) {
    auto it = pods_.find(key);
    if (it != pods_.end() && it->second->uid == pod.uid) deleted_.push_back({key, pod.uid, now});
  }
  deleted_.push_back({std::string(), pod.uid, now});  // the uid entry itself
}

void PodTable::ExpireDeleted(std::chrono::steady_clock::time_point now) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  while (!deleted_.empty() && deleted_.front().at + limits_.delete_grace <= now) {
    Deleted& d = deleted_.front();
    if (d.key.empty()) {
      by_uid_.erase(d.uid);
    } else if (auto it = pods_.find(d.key); it != pods_.end() && it->second->uid == d.uid) {
      pods_.erase(it);
    }
    deleted_.pop_front();
  }
}

void PodTable::Sink::Replace(std::vector<k8s::KubeObject> objects) {
  PodTable& t = *table_;
  std::unique_lock<std::shared_mutex> lock(t.mu_);
  switch (kind_) {
    case Kind::kPods: {
      std::unordered_set<std::string> present;
      for (const auto& o : objects) present.insert(o.uid);
      auto now = std::chrono::steady_clock::now();
      for (auto& [key, rec] : t.pods_)
        if (!present.count(rec->uid)) t.deleted_.push_back({key, rec->uid, now});
      for (auto& [uid, rec] : t.by_uid_)
        if (!present.count(uid)) t.deleted_.push_back({std::string(), uid, now});
      for (const auto& o : objects) t.AddPod(o);
      break;
    }
    case Kind::kReplicaSets:
      t.replica_sets_.clear();
      lock.unlock();
      for (auto& o : objects) Apply(k8s::WatchEvent::Type::kAdded, std::move(o));
      break;
    case Kind::kNamespaces:
    case Kind::kNodes:
      (kind_ == Kind::kNodes ? t.nodes_ : t.namespaces_).clear();
      lock.unlock();
      for (auto& o : objects) Apply(k8s::WatchEvent::Type::kAdded, std::move(o));
      break;
  }
}

void PodTable::Sink::Apply(k8s::WatchEvent::Type type, k8s::KubeObject o) {
  PodTable& t = *table_;
  std::unique_lock<std::shared_mutex> lock(t.mu_);
  bool deleted = type == k8s::WatchEvent::Type::kDeleted;
  switch (kind_) {
    case Kind::kPods:
      if (deleted)
        t.ForgetPod(o, std::chrono::steady_clock::now());
      else
        t.AddPod(o);
      break;
    case Kind::kReplicaSets:
      if (deleted) {
        t.replica_sets_.erase(o.uid);
      } else {
        const k8s::OwnerReference* d = o.Owner("Deployment");
        t.replica_sets_[o.uid] = d ? std::make_pair(d->name, d->uid) : std::make_pair("", "");
      }
      break;
    case Kind::kNamespaces:
    case Kind::kNodes: {
      auto& map = kind_ == Kind::kNodes ? t.nodes_ : t.namespaces_;
      if (deleted) {
        map.erase(o.name);
      } else {
        auto from = kind_ == Kind::kNodes ? FieldRule::From::kNode : FieldRule::From::kNamespace;
        map[o.name] = std::make_shared<const std::vector<Attr>>(t.MetaAttributes(o, from));
      }
      break;
    }
  }
}

std::shared_ptr<const PodRecord> PodTable::Find(const PodIdentifier& id) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = pods_.find(id.key());
  if (it == pods_.end() || it->second->ignore) return nullptr;
  return it->second;
}

std::shared_ptr<const std::vector<Attr>> PodTable::NamespaceAttributes(std::string_view n) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = namespaces_.find(std::string(n));
  return it == namespaces_.end() ? nullptr : it->second;
}

std::shared_ptr<const std::vector<Attr>> PodTable::NodeAttributes(std::string_view n) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = nodes_.find(std::string(n));
  return it == nodes_.end() ? nullptr : it->second;
}

size_t PodTable::size() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return by_uid_.size();
}

}  // namespace otter::k8sattributes
