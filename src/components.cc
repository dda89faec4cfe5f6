// Every built-in component, in one readable list (like the Go collector's generated
// components.go). A new component adds one folder and one line here.
#include "component/registry.h"

namespace otter {

// Receivers
void RegisterOtlpReceiver(Registry&);
// Processors
void RegisterBatchProcessor(Registry&);
void RegisterCardinalityGuardProcessor(Registry&);
void RegisterMemoryLimiterProcessor(Registry&);
void RegisterK8sAttributesProcessor(Registry&);
void RegisterTransformProcessor(Registry&);
// Exporters
void RegisterDebugExporter(Registry&);
void RegisterFileExporter(Registry&);
void RegisterNopExporter(Registry&);
void RegisterOtlpGrpcExporter(Registry&);
void RegisterOtlpHttpExporter(Registry&);
void RegisterPrometheusExporter(Registry&);
void RegisterPrometheusRemoteWriteExporter(Registry&);
void RegisterStoreExporter(Registry&);
// Extensions
void RegisterHealthCheckExtension(Registry&);

void RegisterBuiltins(Registry& r) {
  // Receivers
  RegisterOtlpReceiver(r);
  // Processors
  RegisterBatchProcessor(r);
  RegisterCardinalityGuardProcessor(r);
  RegisterMemoryLimiterProcessor(r);
  RegisterK8sAttributesProcessor(r);
  RegisterTransformProcessor(r);
  // Exporters
  RegisterDebugExporter(r);
  RegisterFileExporter(r);
  RegisterNopExporter(r);
  RegisterOtlpGrpcExporter(r);
  RegisterOtlpHttpExporter(r);
  RegisterPrometheusExporter(r);
  RegisterPrometheusRemoteWriteExporter(r);
  RegisterStoreExporter(r);
  // Extensions
  RegisterHealthCheckExtension(r);
  (void)r;
}

}  // namespace otter
