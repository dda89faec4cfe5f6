#include "net/endpoint.h"

#include <charconv>

namespace otter::net {

std::string HostPort::BindHost() const {
  if (host.empty()) return "0.0.0.0";
  if (host == "localhost") return "127.0.0.1";
  return host;
}

std::string HostPort::ToString() const {
  std::string h = BindHost();
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  return h + ":" + std::to_string(port);
}

StatusOr<HostPort> ParseEndpoint(std::string_view endpoint) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument("endpoint \"" + std::string(endpoint) + "\": " + std::string(why) +
                           " (expected host:port, e.g. localhost:4318)");
  };
  HostPort hp;
  std::string_view port_text;
  if (!endpoint.empty() && endpoint.front() == '[') {
    size_t close = endpoint.find(']');
    if (close == std::string_view::npos) return bad("missing ']' after IPv6 address");
    hp.host = std::string(endpoint.substr(1, close - 1));
    if (close + 1 >= endpoint.size() || endpoint[close + 1] != ':') return bad("missing port");
    port_text = endpoint.substr(close + 2);
  } else {
    size_t colon = endpoint.rfind(':');
    if (colon == std::string_view::npos) return bad("missing port");
    hp.host = std::string(endpoint.substr(0, colon));
    if (hp.host.find(':') != std::string::npos) return bad("IPv6 addresses must be in brackets");
    port_text = endpoint.substr(colon + 1);
  }
  if (port_text.empty()) return bad("missing port");
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535)
    return bad("port \"" + std::string(port_text) + "\" is not a number from 0 to 65535");
  hp.port = static_cast<uint16_t>(port);
  return hp;
}

}  // namespace otter::net
