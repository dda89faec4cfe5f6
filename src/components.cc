// Every built-in component, in one readable list (like the Go collector's generated
// components.go). A new component adds one folder and one line here.
#include "component/registry.h"

namespace otter {

// Receivers
// Processors
// Exporters
// Extensions

void RegisterBuiltins(Registry& r) {
  // Receivers
  // Processors
  // Exporters
  // Extensions
  (void)r;
}

}  // namespace otter
