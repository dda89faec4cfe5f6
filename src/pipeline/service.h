// Service: the running collector. Builds the component graph from a ServiceConfig — one
// exporter and one receiver instance per id (shared by pipelines and signals), one processor
// instance per (pipeline, id), one connector instance per (id, signal pair) joining pipelines
// (docs/connectors.md) — wires fan-outs, starts extensions → exporters → processors and
// connectors (downstream first) → receivers, and shuts down in reverse so every stage drains
// into a still-running next stage.
//
// Reload (SIGHUP, docs/reload.md): a new Service is built against the running one and adopts
// every receiver, exporter and extension whose id and settings are unchanged (the running
// instance is shared, never reopened — the store keeps its directory lock, a receiver keeps its
// listening socket). The new Service starts only what it created while the old one keeps
// serving; Activate() then points the shared receivers at the new pipelines, and the old
// Service's Shutdown(&successor) stops only what the new one does not share.
// Owned and driven by one thread (main); components run their own threads.
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <vector>

#include "component/registry.h"
#include "component/status_hub.h"
#include "pipeline/service_config.h"
#include "telemetry/self_metrics.h"

namespace otter::pipeline {

class TapHub;  // pipeline/tap.h

class Service final : public ExtensionHost {
 public:
  Service(const ServiceConfig& config, std::shared_ptr<spdlog::logger> logger,
          telemetry::SelfMetrics* metrics, StatusHub* status);
  ~Service() override;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Creates every component (errors name the component). Nothing is started yet. With
  // `running`, components of `running` that still run with the same id and settings (and, for a
  // receiver, the same signals) are adopted instead of created.
  Status Build(const Service* running = nullptr);
  // Starts, in dependency order, the components this Service created (adopted ones already
  // run). On failure stops what it started and returns the error naming the component; adopted
  // components are untouched, so the running Service keeps serving.
  Status Start();
  // After Start: adopted receivers now feed this Service's pipelines; marks the service ready.
  void Activate();
  // Adopted receivers answer retryably ("reloading") until the next Activate: used while the
  // running graph has to stop before the new one can start.
  void PauseSharedReceivers();
  // Stops (receivers, processors, exporters, extensions) every running component that
  // `successor` does not share, then forgets the graph. Without a successor it stops all and
  // marks the service not ready. Idempotent.
  void Shutdown(const Service* successor = nullptr);

  // True if this Service has a component that was not adopted although `running` has one with
  // the same id (a changed component that may need what its predecessor holds: port, lock).
  bool ReplacesComponentsOf(const Service& running) const;

  // Before Build: put tap points before and after every processor (service.admin.endpoint).
  // `tap` must outlive the Service.
  void SetTap(TapHub* tap) { tap_ = tap; }

  // For tests: the receiver/exporter instance by id, or null.
  Receiver* FindReceiver(const std::string& id) const;
  Exporter* FindExporter(const std::string& id) const;
  // ExtensionHost: the extensions of this Service's graph (created or adopted).
  Extension* FindExtension(const ComponentId& id) const override;

 private:
  Status StartGraph();
  // Publishes the pipelines' component instances to the StatusHub, all in `state`.
  void PublishTopology(ComponentState state, const std::string& error = "") const;
  struct Graph;
  struct Shared;
  ComponentContext Context(const ComponentId& id, ComponentKind kind) const;

  const ServiceConfig& config_;
  std::shared_ptr<spdlog::logger> logger_;
  telemetry::SelfMetrics* metrics_;
  StatusHub* status_;
  TapHub* tap_ = nullptr;
  std::unique_ptr<Graph> graph_;
  bool started_ = false;  // Start succeeded (it then owns the readiness it reported)
};

}  // namespace otter::pipeline
