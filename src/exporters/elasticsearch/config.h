// Typed config of the `elasticsearch` exporter with otelcol-contrib's keys and defaults: where
// documents go (endpoint/endpoints/cloudid, *_index or dynamic data-stream routing), how they
// are shaped (mapping.mode), auth, the bulk buffer (flush), per-document retries (retry) and the
// sending queue. Parsed once at start-up; plain data.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "component/registry.h"
#include "config/table.h"
#include "exporters/exporterhelper/settings.h"
#include "net/tls_config.h"

namespace otter {

// The document shapes of contrib's mapping.mode (docs/exporters/elasticsearch.md).
enum class EsMappingMode { kNone, kEcs, kOtel, kRaw };

struct ElasticsearchExporterConfig : ComponentConfig {
  std::string endpoint;                // one URL, or
  std::vector<std::string> endpoints;  // several, used round-robin, or
  std::string cloudid;                 // an Elastic Cloud id; else $ELASTICSEARCH_URL
  std::string logs_index;              // static index; empty = dynamic data-stream routing
  std::string traces_index;
  std::string metrics_index;
  struct DynamicIndex {
    bool enabled = false;  // deprecated no-op in contrib: dynamic routing is the default
  } logs_dynamic_index, traces_dynamic_index, metrics_dynamic_index;
  std::string pipeline;  // ingest pipeline id, sent as ?pipeline=
  std::string user;
  std::string password;
  std::string api_key;  // Elasticsearch API key, "encoded" form: Authorization: ApiKey <key>
  std::map<std::string, std::string> headers;
  config::Duration timeout = std::chrono::seconds(90);
  net::TlsClientSettings tls;
  struct Mapping {
    std::string mode = "otel";
  } mapping;
  struct Flush {
    int64_t bytes = 5'000'000;                             // bulk body size that sends at once
    config::Duration interval = std::chrono::seconds(30);  // oldest buffered document's max age
  } flush;
  struct Retry {
    bool enabled = true;
    int64_t max_requests = 0;            // deprecated: max_retries = max_requests - 1
    std::optional<int64_t> max_retries;  // unset = 2
    config::Duration initial_interval = std::chrono::milliseconds(100);
    config::Duration max_interval = std::chrono::minutes(1);
    std::vector<int64_t> retry_on_status = {429};
  } retry;
  exporterhelper::QueueSettings sending_queue;

  Status Validate() const override;

  EsMappingMode mode() const;
  // Retries after the first attempt (max_requests - 1 when the deprecated key is used).
  int64_t Retries() const;
  // The exporterhelper settings the bulk requests are queued and retried with.
  exporterhelper::SenderSettings Sender() const;
};

const config::Table<ElasticsearchExporterConfig>& ElasticsearchExporterConfigTable();

namespace elasticsearch_exporter {
// The URLs documents are sent to: endpoint, endpoints, the cloud id's URL or $ELASTICSEARCH_URL
// (comma separated). `env` is ELASTICSEARCH_URL's value. Errors as otelcol's.
StatusOr<std::vector<std::string>> Endpoints(const ElasticsearchExporterConfig& cfg,
                                             const std::string& env);
}  // namespace elasticsearch_exporter

}  // namespace otter
