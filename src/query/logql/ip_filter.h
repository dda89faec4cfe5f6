// LogQL's ip() filters: `|= ip("10.0.0.0/8")` (a line containing a matching address) and
// `| addr = ip("192.168.0.1-192.168.0.9")` (a label holding one). Patterns are a single address,
// a CIDR prefix or a from-to range, IPv4 or IPv6, read as Go's net/netip does. Used by the
// pipeline; immutable after Parse, safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"

namespace otter::query::logql {

class IpMatcher {
 public:
  // Errors: `ip: invalid pattern: "<pattern>"`, as Loki's.
  static StatusOr<IpMatcher> Parse(std::string_view pattern);

  // Whether `text` is an address the pattern matches.
  bool MatchesAddress(std::string_view text) const;
  // Whether the line contains such an address (Loki's scan for address-like runs).
  bool MatchesLine(std::string_view line) const;

 private:
  struct Addr {
    bool v4 = false;
    std::array<uint8_t, 16> b{};
    auto operator<=>(const Addr&) const = default;
  };
  static std::optional<Addr> ParseAddr(std::string_view s);

  Addr from_, to_;  // inclusive range (a single address, a prefix and a range alike)
};

}  // namespace otter::query::logql
