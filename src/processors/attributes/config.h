// Typed config of the attributes processor (otelcol's `attributes`): the list of actions and the
// include/exclude match properties. Parsed once at start-up; read-only afterwards.
#pragma once

#include <vector>

#include "component/registry.h"
#include "config/table.h"
#include "processors/attraction/actions.h"
#include "processors/attributes/match.h"

namespace otter {

struct AttributesConfig : ComponentConfig {
  std::vector<attraction::ActionConfig> actions;
  attributes::MatchConfig match;

  Status Validate() const override;
};

const config::Table<AttributesConfig>& AttributesConfigTable();

}  // namespace otter
