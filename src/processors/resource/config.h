// Typed config of the resource processor (otelcol's `resource`): attribute actions on resource
// attributes. Parsed once at start-up; read-only afterwards.
#pragma once

#include <vector>

#include "component/registry.h"
#include "config/table.h"
#include "processors/attraction/actions.h"

namespace otter {

struct ResourceConfig : ComponentConfig {
  std::vector<attraction::ActionConfig> attributes;

  Status Validate() const override;
};

const config::Table<ResourceConfig>& ResourceConfigTable();

}  // namespace otter
