#include "receivers/filelog/entry.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace otter::filelog {
namespace {

pdata::Attributes* RootMap(Entry& e, Field::Root root) {
  return root == Field::Root::kAttributes ? &e.record.attributes : &e.resource;
}

pdata::AnyValue* FindIn(pdata::Attributes& m, std::string_view key) {
  for (auto& kv : m)
    if (kv.key == key) return &kv.value;
  return nullptr;
}

void Upsert(pdata::Attributes& m, std::string_view key, pdata::AnyValue v, pdata::ArenaSet& arena) {
  if (pdata::AnyValue* cur = FindIn(m, key)) {
    *cur = std::move(v);
    return;
  }
  m.push_back({arena.Copy(key), std::move(v)});
}

pdata::AnyValue MapValue() {
  pdata::AnyValue v;
  v.type = pdata::AnyValue::Type::kKvList;
  return v;
}

}  // namespace

StatusOr<Field> Field::Parse(std::string_view text) {
  std::string_view s = text;
  size_t n = 0;
  while (n < s.size() && s[n] != '.' && s[n] != '[') ++n;
  std::string_view root = s.substr(0, n);
  Field f;
  if (root == "body")
    f.root_ = Root::kBody;
  else if (root == "attributes")
    f.root_ = Root::kAttributes;
  else if (root == "resource")
    f.root_ = Root::kResource;
  else
    return InvalidArgument("unrecognized prefix \"" + std::string(root) + "\" in field \"" +
                           std::string(text) + "\" (use body, attributes or resource)");
  s.remove_prefix(n);
  while (!s.empty()) {
    if (s[0] == '.') {
      s.remove_prefix(1);
      size_t k = 0;
      while (k < s.size() && s[k] != '.' && s[k] != '[') ++k;
      if (k == 0) return InvalidArgument("empty key in field \"" + std::string(text) + "\"");
      f.keys_.emplace_back(s.substr(0, k));
      s.remove_prefix(k);
    } else if (s[0] == '[') {
      if (s.size() < 4 || (s[1] != '"' && s[1] != '\''))
        return InvalidArgument("bracketed key must be quoted in field \"" + std::string(text) +
                               "\"");
      char q = s[1];
      size_t end = s.find(q, 2);
      if (end == std::string_view::npos || end + 1 >= s.size() || s[end + 1] != ']')
        return InvalidArgument("unterminated bracketed key in field \"" + std::string(text) + "\"");
      f.keys_.emplace_back(s.substr(2, end - 2));
      s.remove_prefix(end + 2);
    } else {
      return InvalidArgument("unexpected \"" + std::string(1, s[0]) + "\" in field \"" +
                             std::string(text) + "\"");
    }
  }
  return f;
}

std::string Field::ToString() const {
  std::string s = root_ == Root::kBody         ? "body"
                  : root_ == Root::kAttributes ? "attributes"
                                               : "resource";
  for (const auto& k : keys_) {
    if (k.find_first_of(".[]\"") == std::string::npos)
      s += "." + k;
    else
      s += "[\"" + k + "\"]";
  }
  return s;
}

const pdata::AnyValue* Field::Get(const Entry& e) const {
  const pdata::AnyValue* cur = nullptr;
  size_t i = 0;
  if (root_ == Root::kBody) {
    cur = &e.record.body;
  } else {
    if (keys_.empty()) return nullptr;  // a root map is not a value
    const pdata::Attributes& m = root_ == Root::kAttributes ? e.record.attributes : e.resource;
    for (const auto& kv : m)
      if (kv.key == keys_[0]) cur = &kv.value;
    if (!cur) return nullptr;
    i = 1;
  }
  for (; i < keys_.size(); ++i) {
    if (cur->type != pdata::AnyValue::Type::kKvList) return nullptr;
    const pdata::AnyValue* next = nullptr;
    for (const auto& kv : cur->kvlist_value)
      if (kv.key == keys_[i]) next = &kv.value;
    if (!next) return nullptr;
    cur = next;
  }
  if (root_ == Root::kBody && keys_.empty() && cur->type == pdata::AnyValue::Type::kEmpty)
    return nullptr;
  return cur;
}

Status Field::Set(Entry& e, pdata::AnyValue v, pdata::ArenaSet& arena) const {
  const bool is_map = v.type == pdata::AnyValue::Type::kKvList;
  if (root_ == Root::kBody && keys_.empty()) {
    e.record.body = std::move(v);
    return Status::Ok();
  }
  pdata::Attributes* m;
  size_t i = 0;
  if (root_ == Root::kBody) {
    if (e.record.body.type != pdata::AnyValue::Type::kKvList) e.record.body = MapValue();
    m = &e.record.body.kvlist_value;
  } else {
    m = RootMap(e, root_);
    if (keys_.empty()) {
      if (!is_map) return InvalidArgument("cannot set a non-map value at " + ToString());
      for (auto& kv : v.kvlist_value) Upsert(*m, kv.key, std::move(kv.value), arena);
      return Status::Ok();
    }
  }
  for (; i + 1 < keys_.size(); ++i) {
    pdata::AnyValue* next = FindIn(*m, keys_[i]);
    if (!next) {
      m->push_back({arena.Copy(keys_[i]), MapValue()});
      next = &m->back().value;
    } else if (next->type != pdata::AnyValue::Type::kKvList) {
      *next = MapValue();
    }
    m = &next->kvlist_value;
  }
  const std::string& last = keys_.back();
  pdata::AnyValue* cur = FindIn(*m, last);
  if (is_map && root_ != Root::kBody && cur && cur->type == pdata::AnyValue::Type::kKvList) {
    for (auto& kv : v.kvlist_value) Upsert(cur->kvlist_value, kv.key, std::move(kv.value), arena);
    return Status::Ok();
  }
  Upsert(*m, last, std::move(v), arena);
  return Status::Ok();
}

std::optional<pdata::AnyValue> Field::Delete(Entry& e) const {
  if (root_ == Root::kBody && keys_.empty()) {
    if (e.record.body.type == pdata::AnyValue::Type::kEmpty) return std::nullopt;
    return std::exchange(e.record.body, pdata::AnyValue{});
  }
  pdata::Attributes* m;
  size_t i = 0;
  if (root_ == Root::kBody) {
    if (e.record.body.type != pdata::AnyValue::Type::kKvList) return std::nullopt;
    m = &e.record.body.kvlist_value;
  } else {
    m = RootMap(e, root_);
    if (keys_.empty()) {
      pdata::AnyValue all = MapValue();
      all.kvlist_value = std::exchange(*m, {});
      return all;
    }
  }
  for (; i + 1 < keys_.size(); ++i) {
    pdata::AnyValue* next = FindIn(*m, keys_[i]);
    if (!next || next->type != pdata::AnyValue::Type::kKvList) return std::nullopt;
    m = &next->kvlist_value;
  }
  for (auto it = m->begin(); it != m->end(); ++it) {
    if (it->key == keys_.back()) {
      pdata::AnyValue v = std::move(it->value);
      m->erase(it);
      return v;
    }
  }
  return std::nullopt;
}

std::optional<std::string> ValueText(const pdata::AnyValue& v) {
  switch (v.type) {
    case pdata::AnyValue::Type::kString:
    case pdata::AnyValue::Type::kBytes:
      return std::string(v.string_value);
    case pdata::AnyValue::Type::kInt:
      return std::to_string(v.int_value);
    case pdata::AnyValue::Type::kBool:
      return v.bool_value ? "true" : "false";
    case pdata::AnyValue::Type::kDouble: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", v.double_value);
      // Shortest form that round-trips (Go's %v uses the shortest representation).
      for (int p = 1; p <= 17; ++p) {
        std::snprintf(buf, sizeof buf, "%.*g", p, v.double_value);
        if (std::strtod(buf, nullptr) == v.double_value) break;
      }
      return std::string(buf);
    }
    default:
      return std::nullopt;
  }
}

}  // namespace otter::filelog
