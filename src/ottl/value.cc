// OTTL value semantics: equality and ordering as the Go collector's ottl compare, AsString
// rendering, and small constructors.
#include <charconv>
#include <cmath>

#include "ottl/internal.h"

namespace otter::ottl::internal {

std::string_view TypeName(const Value& v) {
  switch (v.type) {
    case Type::kEmpty:
      return "nil";
    case Type::kString:
      return "string";
    case Type::kBool:
      return "bool";
    case Type::kInt:
      return "int";
    case Type::kDouble:
      return "double";
    case Type::kArray:
      return "list";
    case Type::kKvList:
      return "map";
    case Type::kBytes:
      return "bytes";
  }
  return "unknown";
}

bool ValuesEqual(const Value& a, const Value& b) {
  if (a.type == Type::kInt && b.type == Type::kDouble)
    return static_cast<double>(a.int_value) == b.double_value;
  if (a.type == Type::kDouble && b.type == Type::kInt)
    return a.double_value == static_cast<double>(b.int_value);
  if (a.type != b.type) return false;
  if (a.type == Type::kKvList) {  // maps compare regardless of key order
    if (a.kvlist_value.size() != b.kvlist_value.size()) return false;
    for (const auto& kv : a.kvlist_value) {
      const Value* other = pdata::FindAttribute(b.kvlist_value, kv.key);
      if (!other || !ValuesEqual(kv.value, *other)) return false;
    }
    return true;
  }
  if (a.type == Type::kArray) {
    if (a.array_value.size() != b.array_value.size()) return false;
    for (size_t i = 0; i < a.array_value.size(); ++i)
      if (!ValuesEqual(a.array_value[i], b.array_value[i])) return false;
    return true;
  }
  return a == b;
}

namespace {
template <class T>
int Cmp(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}
}  // namespace

std::optional<int> CompareValues(const Value& a, const Value& b) {
  auto num = [](const Value& v) -> std::optional<double> {
    if (v.type == Type::kInt) return static_cast<double>(v.int_value);
    if (v.type == Type::kDouble) return v.double_value;
    return std::nullopt;
  };
  if (a.type == Type::kInt && b.type == Type::kInt) return Cmp(a.int_value, b.int_value);
  if (auto x = num(a), y = num(b); x && y) {
    if (std::isnan(*x) || std::isnan(*y)) return std::nullopt;
    return Cmp(*x, *y);
  }
  if (a.type != b.type) return std::nullopt;
  switch (a.type) {
    case Type::kString:
    case Type::kBytes:
      return Cmp(a.string_value, b.string_value);
    case Type::kBool:
      return Cmp(a.bool_value, b.bool_value);
    default:
      return std::nullopt;
  }
}

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (ec != std::errc()) return std::to_string(v);
  return std::string(buf, p);
}

namespace {
std::string Base64(std::string_view s) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t n = (uint8_t(s[i]) << 16) | (uint8_t(s[i + 1]) << 8) | uint8_t(s[i + 2]);
    for (int k = 3; k >= 0; --k) out += kAlphabet[(n >> (6 * k)) & 63];
  }
  if (i < s.size()) {
    uint32_t n = uint8_t(s[i]) << 16;
    if (i + 1 < s.size()) n |= uint8_t(s[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < s.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}
}  // namespace

std::string AsString(const Value& v) {
  switch (v.type) {
    case Type::kEmpty:
      return "";
    case Type::kString:
      return std::string(v.string_value);
    case Type::kBool:
      return v.bool_value ? "true" : "false";
    case Type::kInt:
      return std::to_string(v.int_value);
    case Type::kDouble:
      return FormatDouble(v.double_value);
    case Type::kBytes:
      return Base64(v.string_value);
    case Type::kArray:
    case Type::kKvList:
      return v.ToString();
  }
  return "";
}

Value StringValue(Context& ctx, std::string_view s) { return Value::String(ctx.arenas->Copy(s)); }

Value BytesValue(Context& ctx, std::string_view s) {
  Value v;
  v.type = Type::kBytes;
  v.string_value = ctx.arenas->Copy(s);
  return v;
}

Value OwnValue(Context& ctx, const Value& v) {
  Value o = v;
  if (v.type == Type::kString || v.type == Type::kBytes)
    o.string_value = ctx.arenas->Copy(v.string_value);
  for (auto& item : o.array_value) item = OwnValue(ctx, item);
  for (auto& kv : o.kvlist_value) {
    kv.key = ctx.arenas->Copy(kv.key);
    kv.value = OwnValue(ctx, kv.value);
  }
  return o;
}

Value ListValue(std::vector<Value> items) {
  Value v;
  v.type = Type::kArray;
  v.array_value = std::move(items);
  return v;
}

Value NilValue() { return Value(); }

std::string RegexError(const std::string& function, const std::string& pattern,
                       const std::string& error) {
  return "the regex pattern supplied to " + function + " is not a valid pattern: \"" + pattern +
         "\": " + error;
}

bool GlobMatch(std::string_view p, std::string_view s) {
  // Iterative matcher with one backtrack point for the last `*`.
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
      continue;
    }
    bool one = false;
    size_t next = pi + 1;
    if (pi < p.size()) {
      if (p[pi] == '?') {
        one = true;
      } else if (p[pi] == '[') {
        size_t close = p.find(']', pi + 1);
        if (close != std::string_view::npos) {
          std::string_view set = p.substr(pi + 1, close - pi - 1);
          bool negate = !set.empty() && (set[0] == '!' || set[0] == '^');
          if (negate) set.remove_prefix(1);
          bool in = false;
          for (size_t k = 0; k < set.size(); ++k) {
            if (k + 2 < set.size() && set[k + 1] == '-') {
              in |= s[si] >= set[k] && s[si] <= set[k + 2];
              k += 2;
            } else {
              in |= s[si] == set[k];
            }
          }
          one = in != negate;
          next = close + 1;
        } else {
          one = s[si] == '[';
        }
      } else if (p[pi] == '\\' && pi + 1 < p.size()) {
        one = p[pi + 1] == s[si];
        next = pi + 2;
      } else {
        one = p[pi] == s[si];
      }
    }
    if (one) {
      pi = next;
      ++si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace otter::ottl::internal
