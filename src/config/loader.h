// Config loading as otelcol does it: several --config sources (a path, file:<path>, env:<VAR>,
// yaml:<key::path: value>) merged in order (maps merge, everything else is replaced), then
// --set key::path=value overrides, then ${env:VAR}, ${VAR}, ${env:VAR:-default} and $$ expansion
// in every scalar. Called once at start-up (and on SIGHUP) from the service thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/node.h"

namespace otter::config {

// Looks up an environment variable; returns false when unset. Injected for tests.
using EnvLookup = std::function<bool(const std::string& name, std::string* value)>;
EnvLookup ProcessEnv();

// Parses YAML text; `source` names it in errors.
StatusOr<Node> ParseYaml(const std::string& text, const std::string& source);

struct LoadOptions {
  std::vector<std::string> uris;  // --config values, in order
  std::vector<std::string> sets;  // --set values, in order
  EnvLookup env = ProcessEnv();
};

// Loads, merges and expands. Errors carry file:line; warnings (e.g. a reference to an unset
// environment variable, which expands to "" as in otelcol) are appended to `warnings` if given.
StatusOr<Node> Load(const LoadOptions& options, std::vector<std::string>* warnings = nullptr);

// Merges `overlay` into `base` (maps recursively; other kinds replace).
void Merge(Node& base, const Node& overlay);

// Expands ${...} references in every scalar of `node`. Unknown schemes are errors; each
// reference to an unset variable without a :-default adds a warning naming it.
Status ExpandEnv(Node& node, const EnvLookup& env, std::vector<std::string>* warnings = nullptr);

}  // namespace otter::config
