#include "exporters/loadbalancing/config.h"

#include "net/endpoint.h"

namespace otter::loadbalancing {
namespace {

const config::Table<StaticResolver>& StaticTable() {
  static const auto table =
      config::Table<StaticResolver>().Field("hostnames", &StaticResolver::hostnames,
                                            "backends as host or host:port (port 4317 if absent)");
  return table;
}

const config::Table<DnsResolver>& DnsTable() {
  static const auto table =
      config::Table<DnsResolver>()
          .Field("hostname", &DnsResolver::hostname,
                 "name whose A/AAAA records are the backends (e.g. a headless service)")
          .Field("port", &DnsResolver::port, "port of every resolved backend")
          .Field("interval", &DnsResolver::interval, "how often the name is resolved again")
          .Field("timeout", &DnsResolver::timeout, "how long one resolution may take");
  return table;
}

const config::Table<Resolver>& ResolverTable() {
  static const auto table =
      config::Table<Resolver>()
          .Section("static", &Resolver::static_hosts, StaticTable(), "a fixed list of backends")
          .Section("dns", &Resolver::dns, DnsTable(), "backends from a DNS name, re-resolved")
          .NotSupportedYet("k8s", "backends from a Kubernetes service's endpoints")
          .NotSupportedYet("aws_cloud_map", "backends from AWS Cloud Map");
  return table;
}

const config::Table<Protocol>& ProtocolTable() {
  static const auto table = config::Table<Protocol>().Section(
      "otlp", &Protocol::otlp, otlp_grpc_exporter::OtlpGrpcTable(),
      "the otlp_grpc exporter settings every backend gets (its endpoint is the backend's)");
  return table;
}

struct KeyName {
  std::string_view name;
  RoutingKey key;
};
constexpr KeyName kKeys[] = {
    {"traceID", RoutingKey::kTraceId},   {"service", RoutingKey::kService},
    {"resource", RoutingKey::kResource}, {"metric", RoutingKey::kMetric},
    {"streamID", RoutingKey::kStreamId}, {"attributes", RoutingKey::kAttributes}};

}  // namespace

std::string WithDefaultPort(const std::string& hostname, const std::string& port) {
  if (hostname.starts_with('[')) {
    if (hostname.find("]:") != std::string::npos) return hostname;
    return hostname + ":" + port;
  }
  size_t colon = hostname.rfind(':');
  if (colon == std::string::npos) return hostname + ":" + port;
  if (hostname.find(':') != colon) return "[" + hostname + "]:" + port;  // bare IPv6 address
  return hostname;
}

StatusOr<RoutingKey> LoadBalancingConfig::KeyFor(Signal signal) const {
  std::string_view name = routing_key;
  if (name.empty()) name = signal == Signal::kMetrics ? "service" : "traceID";
  for (const auto& k : kKeys) {
    if (k.name != name) continue;
    bool ok = false;
    switch (k.key) {
      case RoutingKey::kTraceId:
      case RoutingKey::kAttributes:
        ok = signal != Signal::kMetrics;
        break;
      case RoutingKey::kService:
        ok = true;
        break;
      case RoutingKey::kResource:
      case RoutingKey::kMetric:
      case RoutingKey::kStreamId:
        ok = signal == Signal::kMetrics;
        break;
    }
    if (!ok)
      return InvalidArgument("routing_key \"" + std::string(name) + "\" cannot route " +
                             std::string(SignalName(signal)) +
                             " (traces and logs: traceID, service, attributes; metrics: service, "
                             "resource, metric, streamID)");
    return k.key;
  }
  return InvalidArgument("routing_key \"" + std::string(name) +
                         "\" is not one of traceID, service, resource, metric, streamID, "
                         "attributes");
}

otlp_grpc_exporter::OtlpGrpcConfig LoadBalancingConfig::BackendConfig(
    const std::string& endpoint) const {
  otlp_grpc_exporter::OtlpGrpcConfig c = protocol.otlp;
  c.endpoint = endpoint;
  return c;
}

Status LoadBalancingConfig::Validate() const {
  // Every signal's key is checked when a pipeline uses it; here only that the name exists.
  bool known = routing_key.empty();
  for (const auto& k : kKeys) known |= k.name == routing_key;
  if (!known)
    return InvalidArgument("routing_key: \"" + routing_key +
                           "\" is not one of traceID, service, resource, metric, streamID, "
                           "attributes");
  if (routing_key == "attributes" && routing_attributes.empty())
    return InvalidArgument("routing_attributes: required with routing_key \"attributes\"");
  if (!resolver.static_hosts && !resolver.dns)
    return InvalidArgument(
        "resolver: no resolver configured; set resolver.static.hostnames or "
        "resolver.dns.hostname");
  if (resolver.static_hosts && resolver.dns)
    return InvalidArgument("resolver: set either static or dns, not both");
  if (resolver.static_hosts) {
    if (resolver.static_hosts->hostnames.empty())
      return InvalidArgument("resolver: static.hostnames is empty");
    for (const auto& h : resolver.static_hosts->hostnames) {
      auto hp = net::ParseEndpoint(WithDefaultPort(h));
      if (!hp.ok() || hp->host.empty() || hp->port == 0)
        return InvalidArgument("resolver: static.hostnames: \"" + h +
                               "\" is not host or host:port");
    }
  }
  if (resolver.dns) {
    if (resolver.dns->hostname.empty())
      return InvalidArgument("resolver: dns.hostname is required");
    auto hp = net::ParseEndpoint("x:" + resolver.dns->port);
    if (!hp.ok() || hp->port == 0)
      return InvalidArgument("resolver: dns.port \"" + resolver.dns->port + "\" is not a port");
    if (resolver.dns->interval <= Duration::zero() || resolver.dns->timeout <= Duration::zero())
      return InvalidArgument("resolver: dns.interval and dns.timeout must be positive");
  }
  if (!protocol.otlp.endpoint.empty())
    return InvalidArgument(
        "protocol: otlp.endpoint must not be set: each backend's address "
        "comes from the resolver");
  // The backend settings must be valid once an endpoint is filled in.
  if (Status s = BackendConfig("backend:4317").Validate(); !s.ok())
    return InvalidArgument("protocol: otlp: " + std::string(s.message()));
  return Status::Ok();
}

const config::Table<LoadBalancingConfig>& LoadBalancingTable() {
  static const auto table =
      config::Table<LoadBalancingConfig>()
          .Field("routing_key", &LoadBalancingConfig::routing_key,
                 "traceID (default for traces and logs), service (default for metrics), "
                 "resource, metric, streamID or attributes")
          .Field("routing_attributes", &LoadBalancingConfig::routing_attributes,
                 "attribute names whose values route data, with routing_key: attributes")
          .Section("protocol", &LoadBalancingConfig::protocol, ProtocolTable(),
                   "how data reaches each backend")
          .Section("resolver", &LoadBalancingConfig::resolver, ResolverTable(),
                   "where the list of backends comes from");
  return table;
}

}  // namespace otter::loadbalancing
