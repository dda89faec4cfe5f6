// Endpoint: the "host:port" strings servers listen on (otelcol `endpoint` keys), parsed once so
// every server (HTTP, gRPC) binds the same way: "localhost" means 127.0.0.1 (as the Go collector's
// defaults intend: not reachable from other hosts), "" or "0.0.0.0" means every IPv4 interface,
// "[::]" every IPv6 one, port 0 lets the OS choose. Plain functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace otter::net {

struct HostPort {
  std::string host;  // as written, without IPv6 brackets; "" = all interfaces
  uint16_t port = 0;
  // The address to bind: "127.0.0.1" for localhost, "0.0.0.0" for "", else `host`.
  std::string BindHost() const;
  // "host:port" with IPv6 hosts bracketed, e.g. "127.0.0.1:4318", "[::1]:4317".
  std::string ToString() const;
};

// Parses "host:port", ":port", "[v6]:port". Errors name the endpoint and say what is wrong.
StatusOr<HostPort> ParseEndpoint(std::string_view endpoint);

}  // namespace otter::net
