// The connector graph of a ServiceConfig (docs/connectors.md): which pipelines each connector
// joins, the instances the service creates (one per connector id and supported pair of
// signals in use), otelcol's validation rules (a connector is used as an exporter and as a
// receiver with a supported pair of signals; the graph has no cycle) and the downstream-first
// order in which the service starts pipelines and connectors. Pure functions of the config.
#pragma once

#include <vector>

#include "config/node.h"
#include "pipeline/service_config.h"

namespace otter::pipeline {

struct ConnectorInstance {
  ComponentId id;
  Signal from = Signal::kTraces, to = Signal::kTraces;
  std::vector<size_t> upstream;    // indexes of the pipelines exporting to it (signal `from`)
  std::vector<size_t> downstream;  // indexes of the pipelines receiving from it (signal `to`)
};
std::vector<ConnectorInstance> ConnectorInstances(const ServiceConfig& sc);

// One step of start-up: pipeline `index` (its processors) or connector instance `index`.
struct GraphStep {
  bool connector = false;
  size_t index = 0;
  bool operator==(const GraphStep&) const = default;
};
// Downstream first: a pipeline after every connector it exports to, a connector after every
// pipeline it feeds, so each stage starts after what it sends to (shutdown runs it backwards).
// Empty when the graph has a cycle (which validation reports).
std::vector<GraphStep> StartOrder(const ServiceConfig& sc,
                                  const std::vector<ConnectorInstance>& connectors);

// Reports, at the connector's config line, otelcol's connector errors.
void ValidateConnectorGraph(const ServiceConfig& sc, config::Diagnostics& d);

}  // namespace otter::pipeline
