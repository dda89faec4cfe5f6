// The `loki` exporter: pushes log records to Loki's /loki/api/v1/push as snappy-compressed
// protobuf (push_request.h builds the streams), one request per tenant (X-Scope-OrgID from the
// loki.tenant hint), through the exporterhelper queue and retry: 2xx is success, 429 / 5xx /
// network errors are retried, other 4xx drop the batch (counted, logged).
// Thread-safety: Consume from pipeline threads; sends on the sender threads.
#pragma once

#include <memory>

#include "component/component.h"
#include "exporters/exporterhelper/queued_retry_sender.h"
#include "exporters/loki/config.h"

namespace otter::loki_exporter {

StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const LokiExporterConfig& cfg,
                                                   exporterhelper::SenderOptions options = {});

}  // namespace otter::loki_exporter
