// config::Table<Cfg>: one table per component config — key, type, default, description — that
// drives parsing into the typed struct, unknown-key errors (with the nearest valid key) and the
// generated reference docs, so the three cannot drift apart.
//
//   static const Table<BatchConfig> kTable = Table<BatchConfig>()
//       .Field("send_batch_size", &BatchConfig::send_batch_size, "items that trigger a send")
//       .Field("timeout", &BatchConfig::timeout, "max wait before sending a partial batch");
//
// Defaults are whatever the struct's member initializers say; the doc shows them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "config/node.h"

namespace otter::config {

using Duration = std::chrono::nanoseconds;

// Scalar parsers; each reports a precise error at `n` and returns false on bad input.
bool ParseValue(const Node& n, bool& out, Diagnostics& d);
bool ParseValue(const Node& n, int64_t& out, Diagnostics& d);
bool ParseValue(const Node& n, uint64_t& out, Diagnostics& d);
bool ParseValue(const Node& n, int32_t& out, Diagnostics& d);
bool ParseValue(const Node& n, uint32_t& out, Diagnostics& d);
bool ParseValue(const Node& n, double& out, Diagnostics& d);
bool ParseValue(const Node& n, std::string& out, Diagnostics& d);
bool ParseValue(const Node& n, Duration& out, Diagnostics& d);  // "200ms", "1m30s", "5s"
bool ParseValue(const Node& n, std::vector<std::string>& out, Diagnostics& d);
bool ParseValue(const Node& n, std::map<std::string, std::string>& out, Diagnostics& d);
template <class T>
bool ParseValue(const Node& n, std::optional<T>& out, Diagnostics& d) {
  T v{};
  if (!ParseValue(n, v, d)) return false;
  out = std::move(v);
  return true;
}

std::string FormatDuration(Duration d);
std::string DescribeDefault(bool v);
std::string DescribeDefault(int64_t v);
std::string DescribeDefault(uint64_t v);
std::string DescribeDefault(int32_t v);
std::string DescribeDefault(uint32_t v);
std::string DescribeDefault(double v);
std::string DescribeDefault(const std::string& v);
std::string DescribeDefault(Duration v);
std::string DescribeDefault(const std::vector<std::string>& v);
std::string DescribeDefault(const std::map<std::string, std::string>& v);
template <class T>
std::string DescribeDefault(const std::optional<T>& v) {
  return v ? DescribeDefault(*v) : "unset";
}

template <class T>
constexpr const char* TypeName() {
  if constexpr (std::is_same_v<T, bool>)
    return "bool";
  else if constexpr (std::is_same_v<T, std::string>)
    return "string";
  else if constexpr (std::is_same_v<T, Duration>)
    return "duration";
  else if constexpr (std::is_same_v<T, double>)
    return "float";
  else if constexpr (std::is_integral_v<T>)
    return "int";
  else if constexpr (std::is_same_v<T, std::vector<std::string>>)
    return "[]string";
  else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>)
    return "map[string]string";
  else
    return "value";
}
template <class T>
struct TypeNameOf {
  static const char* get() { return TypeName<T>(); }
};
template <class T>
struct TypeNameOf<std::optional<T>> {
  static const char* get() { return TypeName<T>(); }
};

struct FieldDoc {
  std::string key;
  std::string type;
  std::string default_value;
  std::string description;
  std::vector<FieldDoc> children;  // nested section
};

template <class Cfg>
class Table {
 public:
  using ParseFn = std::function<void(const Node&, Cfg&, Diagnostics&)>;

  // A typed key; its parser is chosen from the member's type.
  template <class T>
  Table&& Field(std::string key, T Cfg::*member, std::string description) && {
    Cfg defaults{};
    fields_.push_back(
        {std::move(key),
         TypeNameOf<T>::get(),
         DescribeDefault(defaults.*member),
         std::move(description),
         [member](const Node& n, Cfg& c, Diagnostics& d) { ParseValue(n, c.*member, d); },
         {}});
    return std::move(*this);
  }

  // A nested section parsed by its own table. For std::optional<Sub>, presence enables it.
  template <class Sub, class M>
  Table&& Section(std::string key, M Cfg::*member, const Table<Sub>& sub,
                  std::string description) && {
    const Table<Sub>* subp = &sub;
    fields_.push_back({std::move(key), "section", "", std::move(description),
                       [member, subp](const Node& n, Cfg& c, Diagnostics& d) {
                         if constexpr (std::is_same_v<M, std::optional<Sub>>) {
                           if (!(c.*member)) c.*member = Sub{};
                           subp->Parse(n, *(c.*member), d);
                         } else {
                           subp->Parse(n, c.*member, d);
                         }
                       },
                       sub.Docs()});
    return std::move(*this);
  }

  // A key with hand-written parsing (e.g. an enum or a list of structs).
  Table&& Custom(std::string key, std::string type, std::string default_value,
                 std::string description, ParseFn fn) && {
    fields_.push_back({std::move(key),
                       std::move(type),
                       std::move(default_value),
                       std::move(description),
                       std::move(fn),
                       {}});
    return std::move(*this);
  }

  // A key otelcol has that otter accepts in syntax but does not act on yet: using it is an
  // error saying so, never silently ignored.
  Table&& NotSupportedYet(std::string key, std::string description) && {
    fields_.push_back({key,
                       "unsupported",
                       "",
                       description + " (not supported yet)",
                       [key](const Node& n, Cfg&, Diagnostics& d) {
                         d.Error(n, "\"" + key + "\" is not supported yet by otter");
                       },
                       {}});
    return std::move(*this);
  }

  // A check run after every key of a section is parsed, for diagnostics that depend on several
  // keys together (e.g. a warning that one key has no effect without another).
  using CheckFn = std::function<void(const Node& section, const Cfg&, Diagnostics&)>;
  Table&& Check(CheckFn fn) && {
    checks_.push_back(std::move(fn));
    return std::move(*this);
  }

  void Parse(const Node& node, Cfg& out, Diagnostics& d) const {
    if (node.IsNull()) return;  // "grpc:" with no body = all defaults
    if (!node.IsMap()) {
      d.Error(node, "expected a map of settings, got a " +
                        std::string(node.kind == Node::Kind::kSeq ? "list" : "scalar"));
      return;
    }
    for (const auto& [key, value] : node.map) {
      const Entry* e = Lookup(key);
      if (!e) {
        std::vector<std::string> keys;
        for (const auto& f : fields_) keys.push_back(f.key);
        std::string near = NearestName(key, keys);
        d.Error(value.line ? value : node,
                "unknown key \"" + key + "\"" +
                    (near.empty() ? "" : "; did you mean \"" + near + "\"?") +
                    " (valid keys: " + Join(keys) + ")");
        continue;
      }
      if (value.IsNull() && e->type != "section") continue;  // "key:" with no value = default
      e->parse(value, out, d);
    }
    for (const auto& check : checks_) check(node, out, d);
  }

  std::vector<FieldDoc> Docs() const {
    std::vector<FieldDoc> out;
    for (const auto& f : fields_)
      out.push_back({f.key, f.type, f.default_value, f.description, f.children});
    return out;
  }

 private:
  struct Entry {
    std::string key, type, default_value, description;
    ParseFn parse;
    std::vector<FieldDoc> children;
  };
  const Entry* Lookup(const std::string& key) const {
    for (const auto& f : fields_)
      if (f.key == key) return &f;
    return nullptr;
  }
  static std::string Join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& k : v) s += (s.empty() ? "" : ", ") + k;
    return s;
  }
  std::vector<Entry> fields_;
  std::vector<CheckFn> checks_;
};

}  // namespace otter::config
