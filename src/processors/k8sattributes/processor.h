// The k8sattributes processor (otelcol-contrib's `k8sattributes`): adds Kubernetes metadata to
// every resource of traces, metrics and logs. K8sMetadata owns the pod table and the watchers
// that fill it from the API (pods; replica sets when k8s.deployment.* is extracted; namespaces
// and nodes when their labels/annotations are); the processor enriches each batch in place
// (Enricher) and passes it on. Passthrough mode runs no watchers.
// Thread-safety: Start/Shutdown from the service thread; Consume from any receiver thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "component/component.h"
#include "k8s/watcher.h"
#include "processors/k8sattributes/config.h"
#include "processors/k8sattributes/enricher.h"
#include "processors/k8sattributes/pod_table.h"

namespace otter::k8sattributes {

class K8sMetadata {
 public:
  K8sMetadata(const ComponentContext& ctx, const K8sAttributesConfig& cfg);
  ~K8sMetadata();
  // Resolves the API endpoint (errors name the file or variable), starts the watchers, and with
  // wait_for_metadata waits for the first pod list.
  Status Start();
  void Shutdown();

  // Enriches every resource of `batch` in place.
  template <class B>
  void Process(B& batch);

  const PodTable* table() const { return table_.get(); }
  const k8s::ResourceWatcher* pod_watcher() const { return pods_.get(); }

 private:
  void Maintain();

  ComponentContext ctx_;
  K8sAttributesConfig cfg_;
  Rules rules_;
  std::unique_ptr<PodTable> table_;
  std::unique_ptr<Enricher> enricher_;
  std::unique_ptr<k8s::ResourceWatcher> pods_, replica_sets_, namespaces_, nodes_;
  telemetry::Counter* lookup_miss_ = nullptr;
  telemetry::Counter* pods_refused_ = nullptr;
  telemetry::Gauge* table_size_ = nullptr;
  std::thread maintainer_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
};

template <class B>
class K8sAttributesProcessor final : public Processor, public Consumer<B> {
 public:
  K8sAttributesProcessor(const ComponentContext& ctx, const K8sAttributesConfig& cfg,
                         Consumer<B>* next)
      : metadata_(ctx, cfg), next_(next) {}
  Status Start() override { return metadata_.Start(); }
  void Shutdown() override { metadata_.Shutdown(); }
  Consumers consumers() override { return Consumers::Of<B>(this); }
  void Consume(B&& batch, Completion done) override {
    metadata_.Process(batch);
    next_->Consume(std::move(batch), std::move(done));
  }
  bool MutatesData() const override { return true; }

  K8sMetadata& metadata() { return metadata_; }

 private:
  K8sMetadata metadata_;
  Consumer<B>* next_;
};

}  // namespace otter::k8sattributes
