#include "processors/attraction/value.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace otter::attraction {
namespace {

using Type = pdata::AnyValue::Type;

bool ParseYamlInt(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  int base = 10;
  if (s.size() > i + 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o')) {
    base = s[i + 1] == 'x' ? 16 : 8;
    i += 2;
  }
  if (i >= s.size()) return false;
  uint64_t mag = 0;
  auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), mag, base);
  if (ec != std::errc() || p != s.data() + s.size()) return false;
  if (neg) {
    if (mag > uint64_t{1} << 63) return false;
    out = static_cast<int64_t>(0 - mag);
  } else {
    if (mag > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    out = static_cast<int64_t>(mag);
  }
  return true;
}

bool ParseYamlFloat(const std::string& s, double& out) {
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf") {
    out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") {
    out = -std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  // YAML 1.2 core float: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
  size_t i = 0, n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp = 0;
    while (i < n && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp;
    if (exp == 0) return false;
  }
  if (i != n) return false;
  out = std::strtod(s.c_str(), nullptr);
  return true;
}

void AppendShortestDouble(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
    return;
  }
  if (std::isinf(d)) {
    out += d > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[400];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  if (ec == std::errc()) out.append(buf, p);
}

void AppendBase64(std::string& out, std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v =
        uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    if (i + 1 < in.size()) v |= uint32_t(uint8_t(in[i + 1])) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 15];
          out += kHex[c & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void AppendJson(std::string& out, const pdata::AnyValue& v) {
  switch (v.type) {
    case Type::kEmpty:
      out += "null";
      break;
    case Type::kString:
      AppendJsonString(out, v.string_value);
      break;
    case Type::kBytes:
      out += '"';
      AppendBase64(out, v.string_value);
      out += '"';
      break;
    case Type::kBool:
      out += v.bool_value ? "true" : "false";
      break;
    case Type::kInt:
      out += std::to_string(v.int_value);
      break;
    case Type::kDouble:
      AppendShortestDouble(out, v.double_value);
      break;
    case Type::kArray:
      out += '[';
      for (size_t i = 0; i < v.array_value.size(); ++i) {
        if (i) out += ',';
        AppendJson(out, v.array_value[i]);
      }
      out += ']';
      break;
    case Type::kKvList: {
      std::vector<const pdata::KeyValue*> sorted;
      for (const auto& kv : v.kvlist_value) sorted.push_back(&kv);
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const auto* a, const auto* b) { return a->key < b->key; });
      out += '{';
      for (size_t i = 0; i < sorted.size(); ++i) {
        if (i) out += ',';
        AppendJsonString(out, sorted[i]->key);
        out += ':';
        AppendJson(out, sorted[i]->value);
      }
      out += '}';
      break;
    }
  }
}

// Go's strconv.ParseInt(s, 10, 64).
bool GoParseInt(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;
  uint64_t mag = 0;
  auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), mag, 10);
  if (ec != std::errc() || p != s.data() + s.size()) return false;
  const uint64_t limit = neg ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (mag > limit) return false;
  out = neg ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
  return true;
}

// Go's strconv.ParseFloat(s, 64) for decimal, exponent, inf and nan forms.
bool GoParseFloat(std::string_view s, double& out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  std::string copy(s);
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return false;
  if (errno == ERANGE && std::isinf(d)) return false;
  out = d;
  return true;
}

// Go's int64(float64) on amd64: out-of-range and NaN give the minimum int64.
int64_t TruncateToInt(double d) {
  if (std::isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0)
    return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

}  // namespace

bool ParseConfigValue(const config::Node& n, ConfigValue& out, config::Diagnostics& d) {
  out = ConfigValue{};
  switch (n.kind) {
    case config::Node::Kind::kNull:
      return true;
    case config::Node::Kind::kScalar: {
      const std::string& s = n.scalar;
      if (n.quoted) {
        out.type = Type::kString;
        out.str = s;
      } else if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" ||
                 s == "FALSE") {
        out.type = Type::kBool;
        out.bool_value = s[0] == 't' || s[0] == 'T';
      } else if (ParseYamlInt(s, out.int_value)) {
        out.type = Type::kInt;
      } else if (ParseYamlFloat(s, out.double_value)) {
        out.type = Type::kDouble;
      } else {
        out.type = Type::kString;
        out.str = s;
      }
      return true;
    }
    case config::Node::Kind::kSeq:
      out.type = Type::kArray;
      for (const auto& item : n.seq) {
        ConfigValue v;
        if (!ParseConfigValue(item, v, d)) return false;
        out.items.push_back(std::move(v));
      }
      return true;
    case config::Node::Kind::kMap:
      out.type = Type::kKvList;
      for (const auto& [k, item] : n.map) {
        ConfigValue v;
        if (!ParseConfigValue(item, v, d)) return false;
        out.fields.push_back({k, std::move(v)});
      }
      return true;
  }
  return true;
}

pdata::AnyValue Materialize(const ConfigValue& v, pdata::ArenaSet& arenas) {
  pdata::AnyValue out;
  out.type = v.type;
  switch (v.type) {
    case Type::kString:
    case Type::kBytes:
      out.string_value = arenas.Copy(v.str);
      break;
    case Type::kInt:
      out.int_value = v.int_value;
      break;
    case Type::kDouble:
      out.double_value = v.double_value;
      break;
    case Type::kBool:
      out.bool_value = v.bool_value;
      break;
    case Type::kArray:
      for (const auto& item : v.items) out.array_value.push_back(Materialize(item, arenas));
      break;
    case Type::kKvList:
      for (const auto& [k, item] : v.fields)
        out.kvlist_value.push_back({arenas.Copy(k), Materialize(item, arenas)});
      break;
    case Type::kEmpty:
      break;
  }
  return out;
}

std::string AsString(const pdata::AnyValue& v) {
  std::string out;
  switch (v.type) {
    case Type::kEmpty:
      break;
    case Type::kString:
      out = v.string_value;
      break;
    case Type::kBytes:
      AppendBase64(out, v.string_value);
      break;
    case Type::kBool:
      out = v.bool_value ? "true" : "false";
      break;
    case Type::kInt:
      out = std::to_string(v.int_value);
      break;
    case Type::kDouble:
      AppendShortestDouble(out, v.double_value);
      break;
    case Type::kArray:
    case Type::kKvList:
      AppendJson(out, v);
      break;
  }
  return out;
}

bool ConvertValue(pdata::AnyValue& v, ConvertTarget to, pdata::ArenaSet& arenas) {
  switch (to) {
    case ConvertTarget::kString:
      if (v.type == Type::kString) return true;
      {
        std::string s = AsString(v);
        v = pdata::AnyValue::String(arenas.Copy(s));
      }
      return true;
    case ConvertTarget::kInt:
      switch (v.type) {
        case Type::kInt:
          return true;
        case Type::kDouble:
          v = pdata::AnyValue::Int(TruncateToInt(v.double_value));
          return true;
        case Type::kBool:
          v = pdata::AnyValue::Int(v.bool_value ? 1 : 0);
          return true;
        case Type::kString: {
          int64_t i = 0;
          if (!GoParseInt(v.string_value, i)) return false;
          v = pdata::AnyValue::Int(i);
          return true;
        }
        default:
          return false;
      }
    case ConvertTarget::kDouble:
      switch (v.type) {
        case Type::kDouble:
          return true;
        case Type::kInt:
          v = pdata::AnyValue::Double(static_cast<double>(v.int_value));
          return true;
        case Type::kBool:
          v = pdata::AnyValue::Double(v.bool_value ? 1 : 0);
          return true;
        case Type::kString: {
          double d = 0;
          if (!GoParseFloat(v.string_value, d)) return false;
          v = pdata::AnyValue::Double(d);
          return true;
        }
        default:
          return false;
      }
  }
  return false;
}

}  // namespace otter::attraction
