#include "pdata/common.h"

#include <cmath>
#include <cstdio>

namespace otter::pdata {
namespace {

int HexNibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

void Render(const AnyValue& v, std::string& out, bool quote_strings) {
  switch (v.type) {
    case AnyValue::Type::kEmpty:
      break;
    case AnyValue::Type::kString:
      if (quote_strings)
        AppendJsonString(out, v.string_value);
      else
        out += v.string_value;
      break;
    case AnyValue::Type::kBool:
      out += v.bool_value ? "true" : "false";
      break;
    case AnyValue::Type::kInt:
      out += std::to_string(v.int_value);
      break;
    case AnyValue::Type::kDouble: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v.double_value);
      out += buf;
      break;
    }
    case AnyValue::Type::kBytes: {
      static const char* kHex = "0123456789abcdef";
      for (unsigned char c : v.string_value) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      break;
    }
    case AnyValue::Type::kArray:
      out += '[';
      for (size_t i = 0; i < v.array_value.size(); ++i) {
        if (i) out += ',';
        Render(v.array_value[i], out, true);
      }
      out += ']';
      break;
    case AnyValue::Type::kKvList:
      out += '{';
      for (size_t i = 0; i < v.kvlist_value.size(); ++i) {
        if (i) out += ',';
        AppendJsonString(out, v.kvlist_value[i].key);
        out += ':';
        Render(v.kvlist_value[i].value, out, true);
      }
      out += '}';
      break;
  }
}

}  // namespace

template <size_t N>
std::string Id<N>::Hex() const {
  static const char* kHex = "0123456789abcdef";
  std::string s(2 * N, '0');
  for (size_t i = 0; i < N; ++i) {
    s[2 * i] = kHex[bytes[i] >> 4];
    s[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return s;
}

template <size_t N>
bool ParseHexId(std::string_view hex, Id<N>* out) {
  if (hex.size() != 2 * N) return false;
  for (size_t i = 0; i < N; ++i) {
    int hi = HexNibble(hex[2 * i]), lo = HexNibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

template struct Id<16>;
template struct Id<8>;
template bool ParseHexId<16>(std::string_view, Id<16>*);
template bool ParseHexId<8>(std::string_view, Id<8>*);

std::string AnyValue::ToString() const {
  std::string out;
  Render(*this, out, false);
  return out;
}

bool AnyValue::operator==(const AnyValue& o) const {
  if (type != o.type) return false;
  switch (type) {
    case Type::kEmpty:
      return true;
    case Type::kString:
    case Type::kBytes:
      return string_value == o.string_value;
    case Type::kBool:
      return bool_value == o.bool_value;
    case Type::kInt:
      return int_value == o.int_value;
    case Type::kDouble:
      return double_value == o.double_value ||
             (std::isnan(double_value) && std::isnan(o.double_value));
    case Type::kArray:
      return array_value == o.array_value;
    case Type::kKvList:
      return kvlist_value == o.kvlist_value;
  }
  return false;
}

const AnyValue* FindAttribute(const Attributes& attrs, std::string_view key) {
  for (const auto& kv : attrs)
    if (kv.key == key) return &kv.value;
  return nullptr;
}

void UpsertAttribute(Attributes& attrs, std::string_view key, AnyValue value) {
  for (auto& kv : attrs) {
    if (kv.key == key) {
      kv.value = std::move(value);
      return;
    }
  }
  attrs.push_back(KeyValue{key, std::move(value)});
}

bool RemoveAttribute(Attributes& attrs, std::string_view key) {
  for (auto it = attrs.begin(); it != attrs.end(); ++it) {
    if (it->key == key) {
      attrs.erase(it);
      return true;
    }
  }
  return false;
}

}  // namespace otter::pdata
