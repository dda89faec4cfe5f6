// Every built-in component, in one readable list (like the Go collector's generated
// components.go). A new component adds one folder and one line here.
#include "component/registry.h"

namespace otter {

// Receivers
void RegisterFileLogReceiver(Registry&);
void RegisterHostMetricsReceiver(Registry&);
void RegisterKafkaReceiver(Registry&);
void RegisterLokiReceiver(Registry&);
void RegisterOtlpReceiver(Registry&);
void RegisterPrometheusRemoteWriteReceiver(Registry&);
void RegisterPrometheusReceiver(Registry&);
// Processors
void RegisterAnomalyProcessor(Registry&);
void RegisterAttributesProcessor(Registry&);
void RegisterBatchProcessor(Registry&);
void RegisterCardinalityGuardProcessor(Registry&);
void RegisterFilterProcessor(Registry&);
void RegisterMemoryLimiterProcessor(Registry&);
void RegisterRedactionProcessor(Registry&);
void RegisterResourceProcessor(Registry&);
void RegisterResourceDetectionProcessor(Registry&);
void RegisterK8sAttributesProcessor(Registry&);
void RegisterProbabilisticSamplerProcessor(Registry&);
void RegisterTailSamplingProcessor(Registry&);
void RegisterTransformProcessor(Registry&);
// Exporters
void RegisterDebugExporter(Registry&);
void RegisterFileExporter(Registry&);
void RegisterJaegerExporter(Registry&);
void RegisterKafkaExporter(Registry&);
void RegisterLokiExporter(Registry&);
void RegisterElasticsearchExporter(Registry&);
void RegisterNopExporter(Registry&);
void RegisterOtlpGrpcExporter(Registry&);
void RegisterLoadBalancingExporter(Registry&);
void RegisterOtlpHttpExporter(Registry&);
void RegisterPrometheusExporter(Registry&);
void RegisterPrometheusRemoteWriteExporter(Registry&);
void RegisterStoreExporter(Registry&);
// Extensions
void RegisterFileStorageExtension(Registry&);
void RegisterHealthCheckExtension(Registry&);
void RegisterBearerTokenAuthExtension(Registry&);
void RegisterBasicAuthExtension(Registry&);
void RegisterOidcExtension(Registry&);
void RegisterHeadersSetterExtension(Registry&);
void RegisterHealthCheckV2Extension(Registry&);
// Connectors
void RegisterForwardConnector(Registry&);
void RegisterRoutingConnector(Registry&);
void RegisterServiceGraphConnector(Registry&);
void RegisterSpanMetricsConnector(Registry&);

void RegisterBuiltins(Registry& r) {
  // Receivers
  RegisterFileLogReceiver(r);
  RegisterHostMetricsReceiver(r);
  RegisterKafkaReceiver(r);
  RegisterLokiReceiver(r);
  RegisterOtlpReceiver(r);
  RegisterPrometheusRemoteWriteReceiver(r);
  RegisterPrometheusReceiver(r);
  // Processors
  RegisterAnomalyProcessor(r);
  RegisterAttributesProcessor(r);
  RegisterBatchProcessor(r);
  RegisterCardinalityGuardProcessor(r);
  RegisterFilterProcessor(r);
  RegisterMemoryLimiterProcessor(r);
  RegisterRedactionProcessor(r);
  RegisterResourceProcessor(r);
  RegisterResourceDetectionProcessor(r);
  RegisterK8sAttributesProcessor(r);
  RegisterProbabilisticSamplerProcessor(r);
  RegisterTailSamplingProcessor(r);
  RegisterTransformProcessor(r);
  // Exporters
  RegisterDebugExporter(r);
  RegisterFileExporter(r);
  RegisterJaegerExporter(r);
  RegisterKafkaExporter(r);
  RegisterLokiExporter(r);
  RegisterElasticsearchExporter(r);
  RegisterNopExporter(r);
  RegisterOtlpGrpcExporter(r);
  RegisterLoadBalancingExporter(r);
  RegisterOtlpHttpExporter(r);
  RegisterPrometheusExporter(r);
  RegisterPrometheusRemoteWriteExporter(r);
  RegisterStoreExporter(r);
  // Extensions
  RegisterFileStorageExtension(r);
  RegisterHealthCheckExtension(r);
  RegisterBearerTokenAuthExtension(r);
  RegisterBasicAuthExtension(r);
  RegisterOidcExtension(r);
  RegisterHeadersSetterExtension(r);
  RegisterHealthCheckV2Extension(r);
  // Connectors
  RegisterForwardConnector(r);
  RegisterRoutingConnector(r);
  RegisterServiceGraphConnector(r);
  RegisterSpanMetricsConnector(r);
  (void)r;
}

}  // namespace otter
