// The `prometheusremotewrite` exporter: converts metric batches to Prometheus series as the
// store does (store/prom_convert.h), encodes Remote Write 1.0 requests (write_request.h), and
// POSTs them snappy-compressed through the exporterhelper queue and retry. 2xx is success; 5xx,
// 429 and network errors are retried; other 4xx answers drop the batch (counted, logged). A batch
// split into several requests resumes after the last accepted one when retried, so a receiver
// never sees a sample twice.
// Thread-safety: Consume from pipeline threads; Send on the one sender thread.
#pragma once

#include <memory>

#include "component/component.h"
#include "exporters/exporterhelper/log_throttle.h"
#include "exporters/exporterhelper/queued_retry_sender.h"
#include "exporters/otlp_http/http_client.h"
#include "exporters/prometheusremotewrite/config.h"

namespace otter::prometheusremotewrite {

StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const PrometheusRemoteWriteConfig& cfg,
                                                   exporterhelper::SenderOptions options = {});

}  // namespace otter::prometheusremotewrite
