// The attribute-action engine shared by the `attributes` processor (span, log and data point
// attributes) and the `resource` processor (resource attributes): otelcol's actions insert,
// update, upsert, delete, hash, extract and convert, run in configured order on one attribute
// list. Config is checked and compiled once (regexes precompiled with RE2); applying is
// allocation-free except for the strings an action creates (copied into the batch's arena).
// `from_context` values come from the batch's request metadata (pdata/metadata.h), looked up
// once per batch in Bind.
// Thread-safety: a compiled AttrActions is immutable and may be applied from any thread; a
// Bound belongs to one batch.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/node.h"
#include "config/table.h"
#include "pdata/arena.h"
#include "pdata/common.h"
#include "pdata/metadata.h"
#include "processors/attraction/value.h"

namespace otter::attraction {

// One entry of an `actions` list, as written in config.
struct ActionConfig {
  std::string key;
  std::optional<ConfigValue> value;
  std::string pattern;
  std::string from_attribute;
  std::string from_context;
  std::string converted_type;
  std::string action;
};

const config::Table<ActionConfig>& ActionConfigTable();

// Parses a YAML list of actions into `out`; errors at the offending entry.
void ParseActionList(const config::Node& list, std::vector<ActionConfig>& out,
                     config::Diagnostics& d);

class AttrActions {
 public:
  enum class Kind { kInsert, kUpdate, kUpsert, kDelete, kHash, kExtract, kConvert };

  // Checks `actions` as otelcol does; the error names the action's index ("... at the 1-th
  // actions") and, through *bad_index, which entry it was.
  static StatusOr<std::unique_ptr<AttrActions>> Compile(const std::vector<ActionConfig>& actions,
                                                        size_t* bad_index = nullptr);

  // Keys and configured values copied into one batch's arena, so the batch never points into
  // the processor (which may be gone before the batch is exported). A `from_context` action's
  // value is the batch's `metadata` value of its key (several values joined with ";", as
  // otelcol does), or unset when the metadata has no such key: then the action does nothing.
  // `client.address` is `client_ip` (the batch's client_ip(); "" when unknown, as in otelcol).
  struct Bound {
    std::vector<std::string_view> keys;                      // per action
    std::vector<std::optional<pdata::AnyValue>> values;      // per action (insert/update/upsert)
    std::vector<std::vector<std::string_view>> group_names;  // per action (extract)
  };
  Bound Bind(pdata::ArenaSet& arenas, const pdata::Metadata& metadata = {},
             std::string_view client_ip = {}) const;

  // Runs every action, in order, on `attrs`.
  void Apply(pdata::Attributes& attrs, const Bound& bound, pdata::ArenaSet& arenas) const;

  size_t size() const { return actions_.size(); }

 private:
  struct Action {
    Kind kind = Kind::kInsert;
    std::string key;
    std::string from_attribute;
    std::string context_key;      // from_context: the metadata key (without "metadata.")
    bool client_address = false;  // from_context: client.address
    std::optional<ConfigValue> value;
    ConvertTarget converted_type = ConvertTarget::kString;
    std::unique_ptr<RE2> regex;            // delete/hash: key pattern; extract: value rule
    std::vector<std::string> group_names;  // extract: name of group i+1
  };
  std::vector<Action> actions_;
};

// Reports Compile's error at the offending entry of `list` (the YAML list `actions` came from),
// as a config::Table check does.
void CheckActionList(const config::Node& list, const std::vector<ActionConfig>& actions,
                     config::Diagnostics& d);

}  // namespace otter::attraction
