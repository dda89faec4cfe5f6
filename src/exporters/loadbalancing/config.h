// Typed configuration of the `loadbalancing` exporter (otelcol-contrib's): which key routes data
// (routing_key, routing_attributes), how backends are found (resolver.static or resolver.dns),
// and the OTLP/gRPC exporter every backend gets (protocol.otlp: all otlp_grpc settings, its
// endpoint replaced by the backend's). Plain data, parsed once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "component/component.h"
#include "component/registry.h"
#include "config/table.h"
#include "exporters/otlp_grpc/config.h"

namespace otter::loadbalancing {

using config::Duration;

// What keeps data together on one backend.
enum class RoutingKey {
  kTraceId,     // spans and log records of one trace (traces, logs)
  kService,     // everything of one service.name (traces, metrics, logs)
  kResource,    // everything of one resource, by all its attributes (metrics)
  kMetric,      // all points of one metric name (metrics)
  kStreamId,    // one time series: resource, scope, metric and point attributes (metrics)
  kAttributes,  // the values of routing_attributes (traces, logs)
};

struct StaticResolver {
  std::vector<std::string> hostnames;  // host or host:port (port 4317 when absent)
};
struct DnsResolver {
  std::string hostname;
  std::string port = "4317";
  Duration interval = std::chrono::seconds(5);
  Duration timeout = std::chrono::seconds(1);
};
struct Resolver {
  std::optional<StaticResolver> static_hosts;  // key `static`
  std::optional<DnsResolver> dns;
};
struct Protocol {
  otlp_grpc_exporter::OtlpGrpcConfig otlp;
};

struct LoadBalancingConfig : ComponentConfig {
  std::string routing_key;  // "" = traceID for traces and logs, service for metrics
  std::vector<std::string> routing_attributes;
  Protocol protocol;
  Resolver resolver;

  Status Validate() const override;

  // The key `routing_key` selects for `signal`, or an error naming why it cannot route it.
  StatusOr<RoutingKey> KeyFor(Signal signal) const;
  // The exporter config of one backend: protocol.otlp with `endpoint` set.
  otlp_grpc_exporter::OtlpGrpcConfig BackendConfig(const std::string& endpoint) const;
};

// "host" → "host:4317"; "host:port" and "[v6]:port" unchanged.
std::string WithDefaultPort(const std::string& hostname, const std::string& port = "4317");

const config::Table<LoadBalancingConfig>& LoadBalancingTable();

}  // namespace otter::loadbalancing
