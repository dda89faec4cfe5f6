#include "config/table.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace otter::config {
namespace {

bool NeedScalar(const Node& n, Diagnostics& d, const char* what) {
  if (n.kind == Node::Kind::kScalar) return true;
  d.Error(n, std::string("expected ") + what + ", got a " +
                 (n.kind == Node::Kind::kMap   ? "map"
                  : n.kind == Node::Kind::kSeq ? "list"
                                               : "null"));
  return false;
}

template <class T>
bool ParseInt(const Node& n, T& out, Diagnostics& d) {
  if (!NeedScalar(n, d, "an integer")) return false;
  const std::string& s = n.scalar;
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) {
    d.Error(n, "integer \"" + s + "\" is out of range");
    return false;
  }
  if (ec != std::errc() || p != s.data() + s.size()) {
    d.Error(n, "expected an integer, got \"" + s + "\"");
    return false;
  }
  out = v;
  return true;
}

}  // namespace

bool ParseValue(const Node& n, bool& out, Diagnostics& d) {
  if (!NeedScalar(n, d, "true or false")) return false;
  const std::string& s = n.scalar;
  if (s == "true" || s == "True" || s == "TRUE")
    out = true;
  else if (s == "false" || s == "False" || s == "FALSE")
    out = false;
  else {
    d.Error(n, "expected true or false, got \"" + s + "\"");
    return false;
  }
  return true;
}

bool ParseValue(const Node& n, int64_t& out, Diagnostics& d) { return ParseInt(n, out, d); }
bool ParseValue(const Node& n, uint64_t& out, Diagnostics& d) { return ParseInt(n, out, d); }
bool ParseValue(const Node& n, int32_t& out, Diagnostics& d) { return ParseInt(n, out, d); }
bool ParseValue(const Node& n, uint32_t& out, Diagnostics& d) { return ParseInt(n, out, d); }

bool ParseValue(const Node& n, double& out, Diagnostics& d) {
  if (!NeedScalar(n, d, "a number")) return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(n.scalar.c_str(), &end);
  if (n.scalar.empty() || *end != '\0' || errno == ERANGE) {
    d.Error(n, "expected a number, got \"" + n.scalar + "\"");
    return false;
  }
  out = v;
  return true;
}

bool ParseValue(const Node& n, std::string& out, Diagnostics& d) {
  if (!NeedScalar(n, d, "a string")) return false;
  out = n.scalar;
  return true;
}

bool ParseValue(const Node& n, Duration& out, Diagnostics& d) {
  if (!NeedScalar(n, d, "a duration like 200ms or 5s")) return false;
  const std::string& s = n.scalar;
  // A bare integer is nanoseconds, as Go's time.Duration decodes it.
  int64_t ns = 0;
  auto [p0, ec0] = std::from_chars(s.data(), s.data() + s.size(), ns);
  if (ec0 == std::errc() && p0 == s.data() + s.size()) {
    out = Duration(ns);
    return true;
  }
  // Go duration syntax: sequence of <number><unit>, units ns us µs ms s m h.
  double total = 0;
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  if (i == s.size()) goto bad;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (start == i) goto bad;
    double num = std::strtod(s.substr(start, i - start).c_str(), nullptr);
    size_t ustart = i;
    while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') ++i;
    std::string unit = s.substr(ustart, i - ustart);
    double mult;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "\xC2\xB5s")
      mult = 1e3;
    else if (unit == "ms")
      mult = 1e6;
    else if (unit == "s")
      mult = 1e9;
    else if (unit == "m")
      mult = 60e9;
    else if (unit == "h")
      mult = 3600e9;
    else
      goto bad;
    total += num * mult;
  }
  if (total > 9.2e18) goto bad;
  out = Duration(static_cast<int64_t>(neg ? -total : total));
  return true;
bad:
  d.Error(n, "expected a duration like 200ms, 5s or 1m30s, got \"" + s + "\"");
  return false;
}

bool ParseValue(const Node& n, std::vector<std::string>& out, Diagnostics& d) {
  if (n.kind != Node::Kind::kSeq) {
    d.Error(n, "expected a list of strings");
    return false;
  }
  out.clear();
  bool ok = true;
  for (const auto& item : n.seq) {
    std::string s;
    if (ParseValue(item, s, d))
      out.push_back(std::move(s));
    else
      ok = false;
  }
  return ok;
}

bool ParseValue(const Node& n, std::map<std::string, std::string>& out, Diagnostics& d) {
  if (!n.IsMap()) {
    d.Error(n, "expected a map of strings");
    return false;
  }
  bool ok = true;
  for (const auto& [k, v] : n.map) {
    std::string s;
    if (ParseValue(v, s, d))
      out[k] = std::move(s);
    else
      ok = false;
  }
  return ok;
}

std::string FormatDuration(Duration d) {
  int64_t ns = d.count();
  if (ns == 0) return "0s";
  char buf[32];
  if (ns % 3600000000000 == 0)
    std::snprintf(buf, sizeof buf, "%lldh", (long long)(ns / 3600000000000));
  else if (ns % 60000000000 == 0)
    std::snprintf(buf, sizeof buf, "%lldm", (long long)(ns / 60000000000));
  else if (ns % 1000000000 == 0)
    std::snprintf(buf, sizeof buf, "%llds", (long long)(ns / 1000000000));
  else if (ns % 1000000 == 0)
    std::snprintf(buf, sizeof buf, "%lldms", (long long)(ns / 1000000));
  else if (ns % 1000 == 0)
    std::snprintf(buf, sizeof buf, "%lldus", (long long)(ns / 1000));
  else
    std::snprintf(buf, sizeof buf, "%lldns", (long long)ns);
  return buf;
}

std::string DescribeDefault(bool v) { return v ? "true" : "false"; }
std::string DescribeDefault(int64_t v) { return std::to_string(v); }
std::string DescribeDefault(uint64_t v) { return std::to_string(v); }
std::string DescribeDefault(int32_t v) { return std::to_string(v); }
std::string DescribeDefault(uint32_t v) { return std::to_string(v); }
std::string DescribeDefault(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
std::string DescribeDefault(const std::string& v) { return v.empty() ? "\"\"" : v; }
std::string DescribeDefault(Duration v) { return FormatDuration(v); }
std::string DescribeDefault(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s + "]";
}
std::string DescribeDefault(const std::map<std::string, std::string>& v) {
  return v.empty() ? "{}" : "{...}";
}

}  // namespace otter::config
