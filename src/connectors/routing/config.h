// Typed config of the routing connector (contrib's routingconnector keys): a table of OTTL
// conditions, each with the pipelines its matching data goes to, `default_pipelines` for the
// rest and `error_mode`. Conditions are compiled while the config is parsed, so a bad one fails
// `otter validate` with its line and column.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"
#include "ottl/ottl.h"

namespace otter {

struct RoutingRoute {
  ottl::ContextKind context = ottl::ContextKind::kResource;
  std::string condition;  // or statement: `route() where <condition>`
  std::string statement;
  std::vector<std::string> pipelines;
  std::optional<ottl::Condition> compiled;  // unset = always (a `route()` without `where`)
};

struct RoutingConfig : ComponentConfig {
  std::vector<std::string> default_pipelines;
  ottl::ErrorMode error_mode = ottl::ErrorMode::kPropagate;
  std::vector<RoutingRoute> table;
  bool match_once = false;  // deprecated: routes always match once (the first match wins)
  Status Validate() const override;
};

const config::Table<RoutingConfig>& RoutingConfigTable();

}  // namespace otter
