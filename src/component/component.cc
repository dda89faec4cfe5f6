#include "component/component.h"

#include <cctype>

namespace otter {

std::string_view SignalName(Signal s) {
  switch (s) {
    case Signal::kTraces:
      return "traces";
    case Signal::kMetrics:
      return "metrics";
    case Signal::kLogs:
      return "logs";
  }
  return "?";
}

std::string_view SignalItemName(Signal s) {
  switch (s) {
    case Signal::kTraces:
      return "spans";
    case Signal::kMetrics:
      return "metric_points";
    case Signal::kLogs:
      return "log_records";
  }
  return "?";
}

std::string_view ComponentKindName(ComponentKind k) {
  switch (k) {
    case ComponentKind::kReceiver:
      return "receiver";
    case ComponentKind::kProcessor:
      return "processor";
    case ComponentKind::kExporter:
      return "exporter";
    case ComponentKind::kExtension:
      return "extension";
    case ComponentKind::kConnector:
      return "connector";
  }
  return "?";
}

StatusOr<ComponentId> ComponentId::Parse(std::string_view s) {
  auto slash = s.find('/');
  ComponentId id;
  id.type = std::string(s.substr(0, slash));
  if (slash != std::string_view::npos) {
    id.name = std::string(s.substr(slash + 1));
    if (id.name.empty())
      return InvalidArgument("id \"" + std::string(s) + "\": name after '/' is empty");
  }
  if (id.type.empty()) return InvalidArgument("id \"" + std::string(s) + "\": type is empty");
  for (char c : id.type) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
      return InvalidArgument("id \"" + std::string(s) +
                             "\": type may only contain letters, digits and '_'");
  }
  return id;
}

}  // namespace otter
