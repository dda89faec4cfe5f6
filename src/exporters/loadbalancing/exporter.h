// The `loadbalancing` exporter (otelcol-contrib's): routes each item by its routing key over a
// consistent-hash ring of backends (resolver.static or resolver.dns) and sends every backend its
// part through an otlp_grpc exporter of its own, built from protocol.otlp — so each backend has
// its own sending queue and retries: data bound for a failing backend waits and is retried there,
// which keeps every trace on one backend (tail sampling across gateways needs that).
// A batch's answer is the join of its parts' answers. When the backend list changes, a new ring
// takes over for new data; a removed backend's exporter is shut down (draining its queue) once no
// in-flight batch still uses it.
// Thread-safety: Consume from any thread; Start/Shutdown from the service thread; the DNS
// resolver runs on its own thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "component/component.h"
#include "exporters/loadbalancing/config.h"

namespace otter::loadbalancing {

// Creates the exporter of one backend (tests inject fakes; production makes otlp_grpc ones).
using BackendFactory = std::function<StatusOr<std::unique_ptr<Exporter>>(
    const ComponentContext& ctx, const otlp_grpc_exporter::OtlpGrpcConfig& cfg)>;
// Resolves a DNS name to addresses (IPv4 dotted, IPv6 without brackets).
using HostLookup =
    std::function<StatusOr<std::vector<std::string>>(const std::string& host, Duration timeout)>;

// getaddrinfo, run on a helper thread so that `timeout` bounds it.
StatusOr<std::vector<std::string>> SystemLookup(const std::string& host, Duration timeout);

StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const LoadBalancingConfig& cfg,
                                                   BackendFactory backends = nullptr,
                                                   HostLookup lookup = nullptr);

}  // namespace otter::loadbalancing
