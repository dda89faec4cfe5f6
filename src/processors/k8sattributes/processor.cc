#include "processors/k8sattributes/processor.h"

#include <cstdlib>

namespace otter::k8sattributes {
namespace {

std::string LabelSelector(const std::vector<K8sFieldFilterConfig>& filters) {
  std::string s;
  for (const auto& f : filters) {
    if (!s.empty()) s += ',';
    if (f.op == "exists") {
      s += f.key;
    } else if (f.op == "does-not-exist") {
      s += "!" + f.key;
    } else {
      s += f.key + (f.op == "not-equals" ? "!=" : "=") + f.value;
    }
  }
  return s;
}

std::string FieldSelector(const std::vector<K8sFieldFilterConfig>& filters,
                          const std::string& node) {
  std::string s;
  for (const auto& f : filters)
    s += (s.empty() ? "" : ",") + f.key + (f.op == "not-equals" ? "!=" : "=") + f.value;
  if (!node.empty()) s += (s.empty() ? "" : ",") + std::string("spec.nodeName=") + node;
  return s;
}

std::vector<Association> Associations(const K8sAttributesConfig& cfg) {
  std::vector<Association> out;
  for (const auto& rule : cfg.pod_association) {
    Association a;
    for (const auto& s : rule)
      a.push_back(s.from == "connection" ? Source{true, ""} : Source{false, s.name});
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

K8sMetadata::K8sMetadata(const ComponentContext& ctx, const K8sAttributesConfig& cfg)
    : ctx_(ctx), cfg_(cfg), rules_(Rules::From(cfg)) {
  PodTable::Limits limits;
  limits.delete_grace = cfg.pod_delete_grace_period;
  if (!cfg.passthrough)
    table_ =
        std::make_unique<PodTable>(Rules::From(cfg), Associations(cfg), cfg.exclude_pods, limits);
  enricher_ = std::make_unique<Enricher>(table_.get(), &rules_, Associations(cfg), cfg.passthrough);
  if (ctx.metrics) {
    telemetry::Labels labels{{"processor", ctx.id.ToString()}};
    lookup_miss_ = &ctx.metrics->GetCounter("otelcol_otelsvc_k8s_ip_lookup_miss",
                                            "Number of times pod by IP lookup failed.", labels);
    pods_refused_ = &ctx.metrics->GetCounter(
        "otter_k8sattributes_pods_refused",
        "Pods not cached because the pod table was full (their data is not enriched).", labels);
    table_size_ = &ctx.metrics->GetGauge("otelcol_otelsvc_k8s_pod_table_size",
                                         "Size of table containing pod info", labels);
  }
}

K8sMetadata::~K8sMetadata() { Shutdown(); }

Status K8sMetadata::Start() {
  if (cfg_.passthrough) return Status::Ok();
  StatusOr<k8s::ApiEndpoint> ep = k8s::ResolveApiEndpoint(cfg_.Api());
  if (!ep.ok()) return ep.status();
  std::string node = cfg_.filter_node;
  if (!cfg_.filter_node_from_env_var.empty()) {
    const char* v = std::getenv(cfg_.filter_node_from_env_var.c_str());
    node = v ? v : "";
  }
  auto path = [&](const std::string& group, const std::string& resource, bool namespaced) {
    std::string p = group;
    if (namespaced && !cfg_.filter_namespace.empty()) p += "/namespaces/" + cfg_.filter_namespace;
    return p + "/" + resource;
  };
  if (rules_.NeedsReplicaSets()) {
    k8s::WatchOptions o;
    o.path = path("/apis/apps/v1", "replicasets", true);
    replica_sets_ =
        std::make_unique<k8s::ResourceWatcher>(*ep, o, table_->replica_sets(), ctx_.logger);
  }
  if (rules_.Needs(FieldRule::From::kNamespace)) {
    k8s::WatchOptions o;
    o.path = "/api/v1/namespaces";
    namespaces_ = std::make_unique<k8s::ResourceWatcher>(*ep, o, table_->namespaces(), ctx_.logger);
  }
  if (rules_.Needs(FieldRule::From::kNode)) {
    k8s::WatchOptions o;
    o.path = "/api/v1/nodes";
    if (!node.empty()) o.field_selector = "metadata.name=" + node;
    nodes_ = std::make_unique<k8s::ResourceWatcher>(*ep, o, table_->nodes(), ctx_.logger);
  }
  k8s::WatchOptions o;
  o.path = path("/api/v1", "pods", true);
  o.label_selector = LabelSelector(cfg_.filter_labels);
  o.field_selector = FieldSelector(cfg_.filter_fields, node);
  o.after = replica_sets_.get();
  pods_ = std::make_unique<k8s::ResourceWatcher>(*ep, o, table_->pods(), ctx_.logger);
  if (ctx_.logger)
    ctx_.logger->info("k8sattributes: watching {}{} (labelSelector \"{}\", fieldSelector \"{}\")",
                      ep->Describe(), o.path, o.label_selector, o.field_selector);

  for (auto* w : {replica_sets_.get(), namespaces_.get(), nodes_.get(), pods_.get()})
    if (w) RETURN_IF_ERROR(w->Start());
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  maintainer_ = std::thread([this] { Maintain(); });
  if (cfg_.wait_for_metadata &&
      !pods_->WaitForSync(
          std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.wait_for_metadata_timeout))) {
    Shutdown();
    return Unavailable("k8sattributes: failed to wait for caches to sync (no pod list from " +
                       ep->Describe() + " within wait_for_metadata_timeout)");
  }
  return Status::Ok();
}

void K8sMetadata::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (maintainer_.joinable()) maintainer_.join();
  for (auto* w : {pods_.get(), replica_sets_.get(), namespaces_.get(), nodes_.get()})
    if (w) w->Stop();
}

void K8sMetadata::Maintain() {
  auto interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::min<std::chrono::nanoseconds>(
          std::chrono::seconds(30),
          std::max<std::chrono::nanoseconds>(cfg_.pod_delete_grace_period / 4,
                                             std::chrono::seconds(1))));
  uint64_t refused_seen = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    table_->ExpireDeleted(std::chrono::steady_clock::now());
    if (table_size_) table_size_->Set(static_cast<int64_t>(table_->size()));
    uint64_t refused = table_->refused();
    if (refused > refused_seen) {
      if (pods_refused_) pods_refused_->Add(refused - refused_seen);
      if (ctx_.logger)
        ctx_.logger->warn("k8sattributes: pod table full ({} pods); {} pods not cached",
                          table_->size(), refused - refused_seen);
      refused_seen = refused;
    }
    lock.lock();
  }
}

template <class B>
void K8sMetadata::Process(B& batch) {
  EnrichStats stats;
  const std::string& ip = batch.client_ip();
  for (auto& r : batch.resources()) enricher_->Enrich(r.resource, batch.arenas(), ip, &stats);
  if (lookup_miss_ && stats.missed) lookup_miss_->Add(stats.missed);
}

template void K8sMetadata::Process(pdata::TraceBatch&);
template void K8sMetadata::Process(pdata::MetricBatch&);
template void K8sMetadata::Process(pdata::LogBatch&);

}  // namespace otter::k8sattributes
