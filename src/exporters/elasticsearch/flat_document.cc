#include "exporters/elasticsearch/flat_document.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "exporters/elasticsearch/document.h"
#include "otlp/json_codec.h"

namespace otter::elasticsearch_exporter {
namespace {

// Key order with '.' below every other byte, so that an object's fields stay adjacent
// ("a.b", "a.b.c", "a.b-x") and dedotting never opens the same object twice.
bool KeyLess(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = a[i] == '.' ? 0 : static_cast<unsigned char>(a[i]);
    unsigned char y = b[i] == '.' ? 0 : static_cast<unsigned char>(b[i]);
    if (x != y) return x < y;
  }
  return a.size() < b.size();
}

void AppendHex(std::string_view bytes, std::string& out) {
  static const char* kHex = "0123456789abcdef";
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
}

}  // namespace

void AppendJsonDouble(double v, std::string& out) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[64];
  char* end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  std::string_view s(buf, end - buf);
  out += s;
  if (s.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void AppendAnyValueJson(const pdata::AnyValue& v, bool bytes_as_hex, std::string& out) {
  using T = pdata::AnyValue::Type;
  switch (v.type) {
    case T::kEmpty:
      out += "null";
      return;
    case T::kString:
      otlp::AppendJsonString(out, v.string_value);
      return;
    case T::kBool:
      out += v.bool_value ? "true" : "false";
      return;
    case T::kInt: {
      char buf[24];
      out.append(buf, std::to_chars(buf, buf + sizeof buf, v.int_value).ptr);
      return;
    }
    case T::kDouble:
      AppendJsonDouble(v.double_value, out);
      return;
    case T::kBytes:
      if (!bytes_as_hex) {
        out += "null";
        return;
      }
      out += '"';
      AppendHex(v.string_value, out);
      out += '"';
      return;
    case T::kArray:
      out += '[';
      for (size_t i = 0; i < v.array_value.size(); ++i) {
        if (i) out += ',';
        AppendAnyValueJson(v.array_value[i], bytes_as_hex, out);
      }
      out += ']';
      return;
    case T::kKvList:
      out += '{';
      for (size_t i = 0; i < v.kvlist_value.size(); ++i) {
        if (i) out += ',';
        otlp::AppendJsonString(out, v.kvlist_value[i].key);
        out += ':';
        AppendAnyValueJson(v.kvlist_value[i].value, bytes_as_hex, out);
      }
      out += '}';
      return;
  }
}

void FlatDocument::Clear() {
  keys_.clear();
  vals_.clear();
  fields_.clear();
}

uint32_t FlatDocument::PushKey(std::string_view prefix, std::string_view key) {
  uint32_t off = static_cast<uint32_t>(keys_.size());
  if (!prefix.empty()) {
    keys_ += prefix;
    if (!key.empty()) keys_ += '.';
  }
  keys_ += key;
  return off;
}

void FlatDocument::Push(uint32_t key_off, size_t val_off) {
  fields_.push_back({key_off, static_cast<uint32_t>(keys_.size() - key_off),
                     static_cast<uint32_t>(val_off),
                     static_cast<uint32_t>(vals_.size() - val_off)});
}

void FlatDocument::AddString(std::string_view prefix, std::string_view key, std::string_view v) {
  if (v.empty()) return;
  uint32_t k = PushKey(prefix, key);
  size_t at = vals_.size();
  otlp::AppendJsonString(vals_, v);
  Push(k, at);
}

void FlatDocument::AddInt(std::string_view key, int64_t v) {
  uint32_t k = PushKey({}, key);
  size_t at = vals_.size();
  char buf[24];
  vals_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  Push(k, at);
}

void FlatDocument::AddUint(std::string_view key, uint64_t v) {
  uint32_t k = PushKey({}, key);
  size_t at = vals_.size();
  char buf[24];
  vals_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  Push(k, at);
}

void FlatDocument::AddTimestamp(std::string_view key, uint64_t unix_nano) {
  uint32_t k = PushKey({}, key);
  size_t at = vals_.size();
  vals_ += '"';
  AppendIsoTimestamp(unix_nano, vals_);
  vals_ += '"';
  Push(k, at);
}

void FlatDocument::AddRaw(std::string_view key, std::string_view json) {
  uint32_t k = PushKey({}, key);
  size_t at = vals_.size();
  vals_ += json;
  Push(k, at);
}

void FlatDocument::AddValue(std::string_view prefix, std::string_view key,
                            const pdata::AnyValue& v) {
  using T = pdata::AnyValue::Type;
  if (v.type == T::kEmpty || v.type == T::kBytes) return;
  if (v.type == T::kKvList) {
    // Nested keys: build "prefix.key" once, then recurse with it as the prefix.
    std::string nested(prefix);
    if (!nested.empty() && !key.empty()) nested += '.';
    nested += key;
    for (const auto& kv : v.kvlist_value) AddValue(nested, kv.key, kv.value);
    return;
  }
  uint32_t k = PushKey(prefix, key);
  size_t at = vals_.size();
  AppendAnyValueJson(v, false, vals_);
  Push(k, at);
}

void FlatDocument::AddAttributes(std::string_view prefix, const pdata::Attributes& attrs) {
  for (const auto& kv : attrs) AddValue(prefix, kv.key, kv.value);
}

void FlatDocument::Dedup() {
  auto less = [this](const Field& a, const Field& b) { return KeyLess(Key(a), Key(b)); };
  std::stable_sort(fields_.begin(), fields_.end(), less);
  // A scalar that an object shares its name with keeps its value under "<key>.value".
  bool renamed = false;
  for (size_t i = 0; i + 1 < fields_.size(); ++i) {
    std::string_view key = Key(fields_[i]), next = Key(fields_[i + 1]);
    if (next.size() > key.size() && next.substr(0, key.size()) == key && next[key.size()] == '.') {
      std::string value_key = std::string(key) + ".value";  // rare: a name clash
      uint32_t off = static_cast<uint32_t>(keys_.size());
      keys_ += value_key;
      fields_[i].key_off = off;
      fields_[i].key_len = static_cast<uint32_t>(keys_.size() - off);
      renamed = true;
    }
  }
  if (renamed) std::stable_sort(fields_.begin(), fields_.end(), less);
  // Duplicates: the last one wins.
  size_t w = 0;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i + 1 < fields_.size() && Key(fields_[i]) == Key(fields_[i + 1])) continue;
    fields_[w++] = fields_[i];
  }
  fields_.resize(w);
}

void FlatDocument::Serialize(bool dedot, std::string& out) {
  Dedup();
  out += '{';
  bool first = true;
  open_.clear();
  for (const Field& f : fields_) {
    std::string_view key = Key(f);
    std::string_view val(vals_.data() + f.val_off, f.val_len);
    if (!dedot) {
      if (!first) out += ',';
      first = false;
      otlp::AppendJsonString(out, key);
      out += ':';
      out += val;
      continue;
    }
    // Split into segments; close the open objects that are not a prefix of this key.
    size_t depth = 0, at = 0;
    while (depth < open_.size()) {
      size_t dot = key.find('.', at);
      if (dot == std::string_view::npos || key.substr(at, dot - at) != open_[depth]) break;
      at = dot + 1;
      ++depth;
    }
    while (open_.size() > depth) {
      out += '}';
      open_.pop_back();
      first = false;
    }
    for (size_t dot; (dot = key.find('.', at)) != std::string_view::npos; at = dot + 1) {
      if (!first) out += ',';
      otlp::AppendJsonString(out, key.substr(at, dot - at));
      out += ":{";
      open_.push_back(key.substr(at, dot - at));
      first = true;
    }
    if (!first) out += ',';
    first = false;
    otlp::AppendJsonString(out, key.substr(at));
    out += ':';
    out += val;
  }
  for (size_t i = 0; i < open_.size(); ++i) out += '}';
  out += '}';
}

}  // namespace otter::elasticsearch_exporter
