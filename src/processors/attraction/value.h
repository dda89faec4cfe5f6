// Attribute values as the attribute actions see them: typed values written in YAML config
// (string, int, double, bool, lists and maps, typed as otelcol types them), Go's rendering of a
// value as a string (pcommon Value.AsString) and the `convert` action's conversions.
// Plain data and functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/node.h"
#include "pdata/arena.h"
#include "pdata/common.h"

namespace otter::attraction {

struct ConfigField;

// An owned value from config; Materialize copies it into a batch's arena.
struct ConfigValue {
  pdata::AnyValue::Type type = pdata::AnyValue::Type::kEmpty;
  std::string str;
  int64_t int_value = 0;
  double double_value = 0;
  bool bool_value = false;
  std::vector<ConfigValue> items;   // kArray
  std::vector<ConfigField> fields;  // kKvList
};

struct ConfigField {
  std::string key;
  ConfigValue value;
};

// Types a YAML node as otelcol does: a plain scalar that reads as a YAML bool / int / float
// becomes one, a quoted scalar and any other scalar a string; a list an array, a map a map.
bool ParseConfigValue(const config::Node& n, ConfigValue& out, config::Diagnostics& d);

pdata::AnyValue Materialize(const ConfigValue& v, pdata::ArenaSet& arenas);

// Go's pcommon Value.AsString: strings as-is, ints decimal, doubles shortest 'f' form, bools
// "true"/"false", bytes base64, arrays and maps as JSON (map keys sorted), empty "".
std::string AsString(const pdata::AnyValue& v);

enum class ConvertTarget { kString, kInt, kDouble };
// Converts `v` in place as otelcol's `convert` action does; a value that cannot be converted is
// left as it is (returns false). New strings go to `arenas`.
bool ConvertValue(pdata::AnyValue& v, ConvertTarget to, pdata::ArenaSet& arenas);

}  // namespace otter::attraction
