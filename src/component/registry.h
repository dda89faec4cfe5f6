// Registry: the factories of every built-in component, keyed by kind and type. Filled explicitly
// by RegisterBuiltins() (src/components.cc); no static self-registration. Read-only after start-up.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "component/component.h"
#include "config/node.h"
#include "config/table.h"

namespace otter {

// Base of every typed component config (each lives in its component's config.h).
struct ComponentConfig {
  virtual ~ComponentConfig() = default;
  // Cross-field checks after parsing; the message should name the offending key. A message that
  // starts with a key of the component's map ("max_disk_mib: ...") is reported at that key's
  // file:line, others at the component's.
  virtual Status Validate() const { return Status::Ok(); }
};

// Where a connector sends: all the pipelines that receive from it (one fan-out), and each of
// them by pipeline id (for a connector that chooses, like routing).
struct ConnectorNext {
  Consumers all;
  std::vector<std::pair<std::string, Consumers>> pipelines;
};

struct Factory {
  ComponentKind kind = ComponentKind::kReceiver;
  std::string type;
  std::vector<std::string> aliases;  // older names still accepted (with a warning)
  std::vector<Signal> signals;       // signals it can handle (empty for extensions)
  // Connectors: the (exporting pipeline's signal, receiving pipeline's signal) pairs it joins.
  std::vector<std::pair<Signal, Signal>> connects;
  std::string description;
  // A processor that answers upstream before its downstream has (e.g. batch).
  bool acknowledges_early = false;
  // An exporter whose answer means "durably stored" (store): an early-acknowledging processor
  // in front of it voids that guarantee, and `otter validate` warns.
  bool acknowledges_durably = false;

  std::function<std::unique_ptr<ComponentConfig>(const config::Node&, config::Diagnostics&)>
      parse_config;
  std::function<std::vector<config::FieldDoc>()> docs;

  std::function<StatusOr<std::unique_ptr<Receiver>>(const ComponentContext&, const ComponentConfig&,
                                                    Consumers next)>
      create_receiver;
  std::function<StatusOr<std::unique_ptr<Processor>>(
      const ComponentContext&, const ComponentConfig&, Signal, Consumers next)>
      create_processor;
  std::function<StatusOr<std::unique_ptr<Exporter>>(const ComponentContext&,
                                                    const ComponentConfig&)>
      create_exporter;
  std::function<StatusOr<std::unique_ptr<Extension>>(const ComponentContext&,
                                                     const ComponentConfig&)>
      create_extension;
  // `from`/`to` is one of `connects`; `next` has the consumers for `to` set.
  std::function<StatusOr<std::unique_ptr<Connector>>(const ComponentContext&,
                                                     const ComponentConfig&, Signal from, Signal to,
                                                     const ConnectorNext& next)>
      create_connector;

  bool Supports(Signal s) const {
    for (Signal x : signals)
      if (x == s) return true;
    return false;
  }
  bool Connects(Signal from, Signal to) const {
    for (const auto& [f, t] : connects)
      if (f == from && t == to) return true;
    return false;
  }
};

// Builds the parse_config/docs pair for a typed config and its table. `table` must outlive the
// registry (use a function-local static).
template <class Cfg>
void SetConfigTable(Factory& f, const config::Table<Cfg>& table) {
  f.parse_config = [&table](const config::Node& node, config::Diagnostics& d) {
    auto cfg = std::make_unique<Cfg>();
    size_t before = d.errors().size();
    table.Parse(node, *cfg, d);
    if (d.errors().size() == before) {
      if (Status s = cfg->Validate(); !s.ok()) {
        std::string_view msg = s.message();
        const config::Node* at = &node;
        for (const auto& [key, child] : node.map) {
          if (child.line && msg.starts_with(key) && msg.size() > key.size() &&
              (msg[key.size()] == ':' || msg[key.size()] == ' ')) {
            at = &child;
            break;
          }
        }
        d.Error(*at, std::string(msg));
      }
    }
    return std::unique_ptr<ComponentConfig>(std::move(cfg));
  };
  f.docs = [&table] { return table.Docs(); };
}

class Registry {
 public:
  void Add(Factory f);
  // Finds by type or alias; sets *via_alias when found by an old name.
  const Factory* Find(ComponentKind kind, const std::string& type, bool* via_alias = nullptr) const;
  std::vector<const Factory*> All(ComponentKind kind) const;
  std::vector<std::string> TypeNames(ComponentKind kind) const;

 private:
  std::vector<Factory> factories_;
};

// Registers every built-in component (src/components.cc).
void RegisterBuiltins(Registry& registry);

}  // namespace otter
