// Service: the running collector. Builds the component graph from a ServiceConfig — one
// exporter and one receiver instance per id (shared by pipelines and signals), one processor
// instance per (pipeline, id) — wires fan-outs, starts extensions → exporters → processors →
// receivers, and shuts down in reverse so every stage drains into a still-running next stage.
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

class Service {
 public:
  Service(const ServiceConfig& config, std::shared_ptr<spdlog::logger> logger,
          telemetry::SelfMetrics* metrics, StatusHub* status);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Creates every component (errors name the component). Nothing is started yet.
  Status Build();
  // Starts in dependency order; on failure shuts down what was started.
  Status Start();
  // Reverse order; drains. Idempotent.
  void Shutdown();

  // For tests: the receiver/exporter instance by id, or null.
  Receiver* FindReceiver(const std::string& id) const;
  Exporter* FindExporter(const std::string& id) const;

 private:
  struct Graph;
  ComponentContext Context(const ComponentId& id, ComponentKind kind) const;

  const ServiceConfig& config_;
  std::shared_ptr<spdlog::logger> logger_;
  telemetry::SelfMetrics* metrics_;
  StatusHub* status_;
  std::unique_ptr<Graph> graph_;
  std::vector<Component*> started_;
};

}  // namespace otter::pipeline
