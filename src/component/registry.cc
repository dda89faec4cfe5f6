#include "component/registry.h"

#include <algorithm>

namespace otter {

void Registry::Add(Factory f) { factories_.push_back(std::move(f)); }

const Factory* Registry::Find(ComponentKind kind, const std::string& type, bool* via_alias) const {
  for (const auto& f : factories_) {
    if (f.kind != kind) continue;
    if (f.type == type) {
      if (via_alias) *via_alias = false;
      return &f;
    }
    if (std::find(f.aliases.begin(), f.aliases.end(), type) != f.aliases.end()) {
      if (via_alias) *via_alias = true;
      return &f;
    }
  }
  return nullptr;
}

std::vector<const Factory*> Registry::All(ComponentKind kind) const {
  std::vector<const Factory*> out;
  for (const auto& f : factories_)
    if (f.kind == kind) out.push_back(&f);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->type < b->type; });
  return out;
}

std::vector<std::string> Registry::TypeNames(ComponentKind kind) const {
  std::vector<std::string> out;
  for (const auto* f : All(kind)) out.push_back(f->type);
  return out;
}

}  // namespace otter
