// The nop exporter has no settings; any key is an "unknown key" error.
#pragma once

#include "component/registry.h"
#include "config/table.h"

namespace otter {

struct NopExporterConfig : ComponentConfig {};

const config::Table<NopExporterConfig>& NopExporterConfigTable();

}  // namespace otter
