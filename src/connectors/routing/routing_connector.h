// The routing connector (contrib's routingconnector): sends each part of a batch to the
// pipelines of the first route whose OTTL condition it matches — whole resources (context
// resource) or single spans, metrics or log records (with their resource and scope) — and what
// no route takes to default_pipelines (or counts it as dropped when there are none). The
// upstream answer is the worst of the answers of the pipelines it sent to.
// Thread-safety: immutable after construction; Consume is reentrant.
#pragma once

#include <memory>
#include <vector>

#include "component/component.h"
#include "connectors/routing/config.h"
#include "ottl/runner.h"

namespace otter {

template <class B>
class RoutingConnector final : public Connector, public Consumer<B> {
 public:
  struct Route {
    const RoutingRoute* spec;        // into the config, which outlives the connector
    std::vector<Consumer<B>*> next;  // its pipelines
  };
  RoutingConnector(const ComponentContext& ctx, std::shared_ptr<const RoutingConfig> cfg,
                   std::vector<Route> routes, std::vector<Consumer<B>*> defaults);

  Consumers consumers() override;
  void Consume(B&& batch, Completion done) override;

 private:
  using R = typename B::Resource;
  // Moves into `out` what matches route `spec` from `rs` (all of it for a resource route).
  Status Take(const RoutingRoute& spec, R& rs, B& source, std::vector<R>& out) const;

  std::shared_ptr<const RoutingConfig> cfg_;
  std::vector<Route> routes_;
  std::vector<Consumer<B>*> defaults_;
  ottl::ErrorHandler errors_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::Counter* unrouted_;
};

extern template class RoutingConnector<pdata::TraceBatch>;
extern template class RoutingConnector<pdata::MetricBatch>;
extern template class RoutingConnector<pdata::LogBatch>;

}  // namespace otter
