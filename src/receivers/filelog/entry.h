// Entry and Field: what the filelog receiver's operators work on. An Entry is one log record
// being built (body, attributes, timestamps, severity, trace context) plus its resource
// attributes; its strings live in the arena of the batch it will be sent in. A Field is stanza's
// field syntax: `body`, `body.a.b`, `attributes.x`, `attributes["x.y"]`, `resource.x`.
// Thread-safety: plain data; a Field is immutable after Parse.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pdata/arena.h"
#include "pdata/logs.h"

namespace otter::filelog {

struct Entry {
  pdata::LogRecord record;
  pdata::Attributes resource;
};

class Field {
 public:
  enum class Root { kBody, kAttributes, kResource };

  Field() = default;
  Field(Root root, std::vector<std::string> keys) : root_(root), keys_(std::move(keys)) {}
  static StatusOr<Field> Parse(std::string_view text);

  Root root() const { return root_; }
  const std::vector<std::string>& keys() const { return keys_; }
  bool IsRoot() const { return keys_.empty(); }
  std::string ToString() const;

  // The value at the field, or null.
  const pdata::AnyValue* Get(const Entry& e) const;
  // Sets the value (creating intermediate maps). A map set at attributes/resource fields is
  // merged into what is there; body is replaced. Strings of `v` must live in `arena`; keys are
  // copied there.
  Status Set(Entry& e, pdata::AnyValue v, pdata::ArenaSet& arena) const;
  // Removes the value and returns it, or nullopt if there was none.
  std::optional<pdata::AnyValue> Delete(Entry& e) const;

 private:
  Root root_ = Root::kBody;
  std::vector<std::string> keys_;
};

// A string value's text, or a rendering of a number/bool (Go's fmt "%v"); other types: nullopt.
std::optional<std::string> ValueText(const pdata::AnyValue& v);

}  // namespace otter::filelog
