// Typed config of the `loki` exporter (otelcol-contrib's keys): the push URL with HTTP client,
// queue and retry settings, and which default labels are added. Parsed once at start-up.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "component/auth.h"
#include "component/registry.h"
#include "config/table.h"
#include "exporters/exporterhelper/settings.h"
#include "net/tls_config.h"

namespace otter {

struct LokiExporterConfig : ComponentConfig {
  std::string endpoint;  // required: http(s)://loki:3100/loki/api/v1/push
  std::map<std::string, std::string> headers;
  std::optional<auth::AuthSettings> auth;  // client authenticator adding credentials
  config::Duration timeout = std::chrono::seconds(30);
  net::TlsClientSettings tls;
  struct DefaultLabels {
    bool exporter = true;  // exporter="OTLP"
    bool job = true;       // service.namespace/service.name
    bool instance = true;  // service.instance.id
    bool level = true;     // the record's severity text
  } default_labels_enabled;
  exporterhelper::QueueSettings sending_queue;
  exporterhelper::RetrySettings retry_on_failure;

  exporterhelper::SenderSettings Sender() const {
    return {sending_queue, retry_on_failure, timeout};
  }
  Status Validate() const override;
};

const config::Table<LokiExporterConfig>& LokiExporterConfigTable();

}  // namespace otter
