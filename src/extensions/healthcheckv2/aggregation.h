// Component status aggregation as otelcol's healthcheckv2 does it: a pipeline's status is the
// most relevant of its components' (lifecycle states first, then permanent vs recoverable
// errors by the configured priority; an error keeps the time of its earliest occurrence, other
// states the latest), the collector's the most relevant of its pipelines' and extensions'. Then
// healthy / HTTP code from the state, its age and component_health. Pure functions.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "component/status_hub.h"
#include "extensions/healthcheckv2/config.h"

namespace otter::healthcheckv2 {

using TimePoint = std::chrono::system_clock::time_point;

struct Aggregate {
  ComponentState state = ComponentState::kStarting;
  std::string error;
  TimePoint time;
  bool over_threshold = false;                  // an exporter queue above queue_fill_threshold
  std::map<std::string, Aggregate> components;  // empty for a single component
};

// The collector: components "extensions" and "pipeline:<name>", each with its instances.
Aggregate AggregateCollector(const StatusHub::Snapshot& s, const ComponentHealth& opts);
// One pipeline by name, or nullopt when there is none.
std::optional<Aggregate> AggregatePipeline(const StatusHub::Snapshot& s, const std::string& name,
                                           const ComponentHealth& opts);

// 200 (healthy), 500 or 503, by otelcol's mapping.
int HttpCode(const Aggregate& a, const ComponentHealth& opts, TimePoint now);
// The /status body. `start_time` is the extension's; `verbose` adds the components.
std::string ToJson(const Aggregate& a, const ComponentHealth& opts, TimePoint now,
                   TimePoint start_time, bool verbose);

}  // namespace otter::healthcheckv2
