// ReloadAware: an optional interface of a component that loads files named in its config (the
// store exporter's rule files). When a config reload keeps the component running (its settings
// did not change), the service calls Reloaded() so it can read those files again. Kept apart
// from component.h so that only the components that use it depend on it.
// Thread-safety: called on the service thread, after the new graph took over.
#pragma once

namespace otter {

class ReloadAware {
 public:
  virtual ~ReloadAware() = default;
  virtual void Reloaded() = 0;
};

}  // namespace otter
