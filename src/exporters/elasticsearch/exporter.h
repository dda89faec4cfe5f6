// The `elasticsearch` exporter: encodes logs and spans into bulk documents (document.h), buffers
// them per signal until `flush.bytes` is reached or the oldest is `flush.interval` old, and sends
// each buffer as one POST /_bulk (NDJSON) through the exporterhelper queue to the endpoints in
// turn. Each answer is read per document: indexed documents are done, documents answered with a
// `retry.retry_on_status` status are sent again (only they), others are rejected — counted and
// logged, rate-limited — while the rest of the request is delivered. A whole request failing
// with 429 / 5xx / a network error is retried; other 4xx fail it. At most `retry.max_retries`
// retries, with backoff from `retry.initial_interval` to `retry.max_interval`.
// Thread-safety: Consume from pipeline threads; sends run on the queue's sender threads; a
// flusher thread sends buffers that aged out.
#pragma once

#include <memory>

#include "component/component.h"
#include "exporters/elasticsearch/config.h"
#include "exporters/exporterhelper/sending_queue.h"

namespace otter::elasticsearch_exporter {

StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const ElasticsearchExporterConfig& cfg,
                                                   exporterhelper::SenderOptions options = {});

}  // namespace otter::elasticsearch_exporter
