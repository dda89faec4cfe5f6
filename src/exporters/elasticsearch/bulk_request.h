// BulkRequest: one bulk body on its way to Elasticsearch, as a SendingQueue request. Each attempt
// sends the documents still pending (all of them first), reads the per-document answers, and
// keeps only those to retry. BulkTarget holds what all requests of an exporter share: the
// endpoints (round-robin), headers, the retry rules and the document counters.
// Thread-safety: BulkTarget is shared by the sender threads (atomics, a throttled logger); a
// BulkRequest is sent by one sender thread at a time.
#pragma once

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "component/component.h"
#include "exporters/elasticsearch/document.h"
#include "exporters/exporterhelper/clock.h"
#include "exporters/exporterhelper/log_throttle.h"
#include "exporters/exporterhelper/sending_queue.h"
#include "exporters/otlp_http/http_client.h"

namespace otter::elasticsearch_exporter {

struct BulkTarget {
  std::vector<otlp_http_exporter::EndpointClient> endpoints;  // .../_bulk[?pipeline=...]
  std::atomic<size_t> next{0};
  otlp_http_exporter::Headers headers;
  std::set<int> retry_on_status;
  int64_t max_retries = 2;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<exporterhelper::Clock> clock;
  exporterhelper::LogThrottle reject_log{std::chrono::seconds(5)};
  telemetry::Counter* indexed = nullptr;  // otter_exporter_elasticsearch_documents_*_total
  telemetry::Counter* rejected = nullptr;
  telemetry::Counter* retried = nullptr;

  otlp_http_exporter::EndpointClient& Next() {
    return endpoints[next.fetch_add(1, std::memory_order_relaxed) % endpoints.size()];
  }
};

class BulkRequest final : public exporterhelper::SendingQueue::Request {
 public:
  BulkRequest(std::shared_ptr<BulkTarget> target, BulkBody body);
  Status Send(const exporterhelper::Attempt& attempt) override;

 private:
  // After a retryable failure: retry, or give up on the pending documents at the last attempt.
  Status RetryOrGiveUp(const exporterhelper::Attempt& a, Status why);
  void Reject(uint32_t doc, int status, std::string_view why);
  Status Finish(Status last);

  std::shared_ptr<BulkTarget> target_;
  BulkBody body_;
  std::vector<uint32_t> pending_;  // documents not yet answered for good
  uint64_t indexed_docs_ = 0;
  uint64_t rejected_items_ = 0;  // spans / log records among the rejected documents
  uint64_t rejected_docs_ = 0;
  std::string first_error_;
};

}  // namespace otter::elasticsearch_exporter
