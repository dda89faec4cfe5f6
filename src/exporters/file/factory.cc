// Registers the file exporter.
#include "component/registry.h"
#include "exporters/file/config.h"
#include "exporters/file/file_exporter.h"

namespace otter {

void RegisterFileExporter(Registry& registry) {
  Factory f;
  f.kind = ComponentKind::kExporter;
  f.type = "file";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.description =
      "Writes telemetry to a file as OTLP/JSON lines or length-prefixed OTLP protobuf, with "
      "optional zstd compression and size-based rotation.";
  SetConfigTable(f, FileExporterConfigTable());
  f.create_exporter = [](const ComponentContext& ctx,
                         const ComponentConfig& base) -> StatusOr<std::unique_ptr<Exporter>> {
    return std::unique_ptr<Exporter>(
        std::make_unique<FileExporter>(ctx, static_cast<const FileExporterConfig&>(base)));
  };
  registry.Add(std::move(f));
}

}  // namespace otter
