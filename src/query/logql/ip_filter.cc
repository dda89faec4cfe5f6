#include "query/logql/ip_filter.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cctype>
#include <cstring>
#include <string>

namespace otter::query::logql {

namespace {

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// The length of the run of `charset` characters at the start of `s`.
size_t Span(std::string_view s, std::string_view charset) {
  size_t n = 0;
  while (n < s.size() && charset.find(s[n]) != std::string_view::npos) ++n;
  return n;
}

}  // namespace

std::optional<IpMatcher::Addr> IpMatcher::ParseAddr(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::string z(s);
  Addr a;
  if (z.find(':') == std::string::npos) {
    // netip: four decimal fields without leading zeros (inet_pton refuses them too).
    in_addr v4{};
    if (inet_pton(AF_INET, z.c_str(), &v4) != 1) return std::nullopt;
    a.v4 = true;
    std::memcpy(a.b.data(), &v4, 4);
    return a;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, z.c_str(), &v6) != 1) return std::nullopt;
  std::memcpy(a.b.data(), &v6, 16);
  return a;
}

StatusOr<IpMatcher> IpMatcher::Parse(std::string_view pattern) {
  IpMatcher m;
  auto invalid = [&] {
    return InvalidArgument(fmt::format("ip: invalid pattern: \"{}\"", pattern));
  };
  if (auto a = ParseAddr(pattern)) {
    m.from_ = m.to_ = *a;
    return m;
  }
  if (size_t slash = pattern.find('/'); slash != std::string_view::npos) {
    auto a = ParseAddr(pattern.substr(0, slash));
    std::string_view bits_text = pattern.substr(slash + 1);
    if (!a || bits_text.empty() || bits_text.size() > 3 ||
        Span(bits_text, "0123456789") != bits_text.size() ||
        (bits_text.size() > 1 && bits_text[0] == '0'))
      return invalid();
    const int bits = std::stoi(std::string(bits_text));
    const int total = a->v4 ? 32 : 128;
    if (bits > total) return invalid();
    m.from_ = m.to_ = *a;
    for (int i = bits; i < total; ++i) {
      const int byte = i / 8, bit = 7 - i % 8;
      m.from_.b[byte] &= static_cast<uint8_t>(~(1u << bit));
      m.to_.b[byte] |= static_cast<uint8_t>(1u << bit);
    }
    return m;
  }
  if (size_t dash = pattern.find('-'); dash != std::string_view::npos) {
    auto a = ParseAddr(pattern.substr(0, dash)), b = ParseAddr(pattern.substr(dash + 1));
    if (!a || !b || a->v4 != b->v4 || *b < *a) return invalid();
    m.from_ = *a;
    m.to_ = *b;
    return m;
  }
  return invalid();
}

bool IpMatcher::MatchesAddress(std::string_view text) const {
  auto a = ParseAddr(text);
  return a && a->v4 == from_.v4 && !(*a < from_) && !(to_ < *a);
}

bool IpMatcher::MatchesLine(std::string_view line) const {
  const size_t n = line.size();
  auto at = [&](size_t i) { return i < n ? line[i] : '\0'; };
  for (size_t i = 0; i < n; ++i) {
    const char c0 = line[i];
    const bool v4_hint = i + 3 < n && std::isdigit(static_cast<unsigned char>(c0)) &&
                         (line[i + 1] == '.' || line[i + 2] == '.' || line[i + 3] == '.');
    const bool v6_hint =
        (c0 == ':' && at(i + 1) == ':' && IsHex(at(i + 2))) || (IsHex(c0) && at(i + 1) == ':') ||
        (IsHex(c0) && IsHex(at(i + 1)) && at(i + 2) == ':') ||
        (IsHex(c0) && IsHex(at(i + 1)) && IsHex(at(i + 2)) && at(i + 3) == ':') ||
        (IsHex(c0) && IsHex(at(i + 1)) && IsHex(at(i + 2)) && IsHex(at(i + 3)) && at(i + 4) == ':');
    if (!v4_hint && !v6_hint) continue;
    const size_t len = Span(line.substr(i), v4_hint ? "0123456789." : "0123456789abcdefABCDEF:.");
    if (MatchesAddress(line.substr(i, len))) return true;
    i += len;
  }
  return false;
}

}  // namespace otter::query::logql
