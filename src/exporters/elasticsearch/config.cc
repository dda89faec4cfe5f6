#include "exporters/elasticsearch/config.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>

namespace otter {
namespace {

StatusOr<std::string> DecodeBase64(std::string_view in) {
  if (in.size() % 4 != 0) return InvalidArgument("not base64");
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return InvalidArgument("not base64");
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') ++pad;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

// "name:base64(host$es-id$kibana-id)" -> https://es-id.host (go-elasticsearch's rule).
StatusOr<std::string> CloudIdUrl(const std::string& id) {
  size_t colon = id.find(':');
  if (colon == std::string::npos) return InvalidArgument("cloudid: invalid CloudID \"" + id + "\"");
  auto decoded = DecodeBase64(std::string_view(id).substr(colon + 1));
  if (!decoded.ok()) return InvalidArgument("cloudid: \"" + id + "\" is not base64 after the ':'");
  size_t dollar = decoded->find('$');
  if (dollar == std::string::npos)
    return InvalidArgument("cloudid: invalid decoded CloudID \"" + *decoded + "\"");
  std::string host = decoded->substr(0, dollar), rest = decoded->substr(dollar + 1);
  rest = rest.substr(0, rest.find('$'));
  return "https://" + rest + "." + host;
}

}  // namespace

EsMappingMode ElasticsearchExporterConfig::mode() const {
  std::string m = mapping.mode;
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
  if (m == "ecs") return EsMappingMode::kEcs;
  if (m == "raw") return EsMappingMode::kRaw;
  if (m == "none" || m == "no" || m.empty()) return EsMappingMode::kNone;
  return EsMappingMode::kOtel;
}

int64_t ElasticsearchExporterConfig::Retries() const {
  if (!retry.enabled) return 0;
  return retry.max_requests > 0 ? retry.max_requests - 1 : retry.max_retries.value_or(2);
}

exporterhelper::SenderSettings ElasticsearchExporterConfig::Sender() const {
  exporterhelper::RetrySettings r;
  r.enabled = retry.enabled && Retries() > 0;
  r.initial_interval = retry.initial_interval;
  r.max_interval = std::max(retry.max_interval, retry.initial_interval);
  r.max_elapsed_time = config::Duration::zero();  // bounded by max_retries instead
  return {sending_queue, r, timeout};
}

Status ElasticsearchExporterConfig::Validate() const {
  std::string m = mapping.mode;
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
  if (m == "bodymap")
    return InvalidArgument("mapping: mode \"bodymap\" is not supported yet by otter");
  if (m != "none" && m != "no" && m != "ecs" && m != "otel" && m != "raw")
    return InvalidArgument("mapping: invalid mapping mode \"" + mapping.mode +
                           "\" (valid: none, ecs, otel, raw)");
  if (retry.max_requests != 0 && retry.max_retries)
    return InvalidArgument("retry: must not specify both max_requests and max_retries");
  if (retry.max_requests < 0) return InvalidArgument("retry: max_requests should be non-negative");
  if (retry.max_retries.value_or(0) < 0)
    return InvalidArgument("retry: max_retries should be non-negative");
  for (int64_t s : retry.retry_on_status)
    if (s < 100 || s > 599)
      return InvalidArgument("retry: retry_on_status has " + std::to_string(s) +
                             ", not an HTTP status");
  if (retry.enabled && retry.initial_interval <= config::Duration::zero())
    return InvalidArgument("retry: initial_interval must be positive");
  if (flush.bytes < 1) return InvalidArgument("flush: bytes must be positive");
  if (flush.interval <= config::Duration::zero())
    return InvalidArgument("flush: interval must be positive");
  if (!logs_index.empty() && logs_dynamic_index.enabled)
    return InvalidArgument(
        "logs_index: must not specify both logs_index and logs_dynamic_index; logs_index should "
        "be empty unless all documents should be sent to the same index");
  if (!traces_index.empty() && traces_dynamic_index.enabled)
    return InvalidArgument(
        "traces_index: must not specify both traces_index and traces_dynamic_index; "
        "traces_index should be empty unless all documents should be sent to the same index");
  if (!metrics_index.empty() && metrics_dynamic_index.enabled)
    return InvalidArgument(
        "metrics_index: must not specify both metrics_index and "
        "metrics_dynamic_index");
  if (!api_key.empty() && (!user.empty() || !password.empty()))
    return InvalidArgument("api_key: set either api_key or user/password, not both");
  const char* env = std::getenv("ELASTICSEARCH_URL");
  RETURN_IF_ERROR(elasticsearch_exporter::Endpoints(*this, env ? env : "").status());
  RETURN_IF_ERROR(tls.Validate().Annotate("tls"));
  return Sender().Validate();
}

namespace elasticsearch_exporter {

StatusOr<std::vector<std::string>> Endpoints(const ElasticsearchExporterConfig& cfg,
                                             const std::string& env) {
  std::vector<std::string> out;
  int configured = 0;
  if (!cfg.endpoint.empty()) {
    ++configured;
    out = {cfg.endpoint};
  }
  if (!cfg.endpoints.empty()) {
    ++configured;
    out = cfg.endpoints;
  }
  if (!cfg.cloudid.empty()) {
    ++configured;
    ASSIGN_OR_RETURN(std::string url, CloudIdUrl(cfg.cloudid));
    out = {url};
  }
  if (configured == 0 && !env.empty()) {
    ++configured;
    size_t at = 0;
    while (at <= env.size()) {
      size_t comma = std::min(env.find(',', at), env.size());
      std::string e = env.substr(at, comma - at);
      e.erase(0, e.find_first_not_of(" \t"));
      e.erase(e.find_last_not_of(" \t") + 1);
      out.push_back(e);
      at = comma + 1;
    }
  }
  if (configured != 1)
    return InvalidArgument(
        "endpoint: exactly one of [endpoint, endpoints, cloudid] must be specified (or "
        "$ELASTICSEARCH_URL)");
  for (const auto& e : out) {
    if (e.empty()) return InvalidArgument("endpoints: endpoint must not be empty");
    if (e.rfind("http://", 0) != 0 && e.rfind("https://", 0) != 0)
      return InvalidArgument("endpoints: invalid endpoint \"" + e +
                             "\": invalid scheme, expected \"http\" or \"https\"");
  }
  return out;
}

}  // namespace elasticsearch_exporter

const config::Table<ElasticsearchExporterConfig>& ElasticsearchExporterConfigTable() {
  using C = ElasticsearchExporterConfig;
  using DI = C::DynamicIndex;
  static const config::Table<DI> dynamic_table =
      config::Table<DI>()
          .Field("enabled", &DI::enabled,
                 "deprecated no-op: documents are routed dynamically unless *_index is set")
          .Check([](const config::Node& n, const DI& d, config::Diagnostics& diag) {
            if (d.enabled)
              diag.Warning(n,
                           "*_dynamic_index::enabled is deprecated and a no-op: dynamic "
                           "document routing is the default when *_index is empty");
          });
  static const config::Table<C::Mapping> mapping_table =
      config::Table<C::Mapping>()
          .Field("mode", &C::Mapping::mode, "document shape: otel, ecs, none or raw")
          .NotSupportedYet("allowed_modes", "mapping modes a client may ask for")
          .NotSupportedYet("dedot", "deprecated")
          .NotSupportedYet("dedup", "deprecated");
  static const config::Table<C::Flush> flush_table =
      config::Table<C::Flush>()
          .Field("bytes", &C::Flush::bytes, "send a bulk request once its body reaches this size")
          .Field("interval", &C::Flush::interval, "send buffered documents at least this often");
  static const config::Table<C::Retry> retry_table =
      config::Table<C::Retry>()
          .Field("enabled", &C::Retry::enabled, "retry failed requests and documents")
          .Custom("max_requests", "int", "0", "deprecated: attempts in all (max_retries + 1)",
                  [](const config::Node& n, C::Retry& r, config::Diagnostics& d) {
                    if (config::ParseValue(n, r.max_requests, d))
                      d.Warning(n, "retry::max_requests is deprecated; use retry::max_retries");
                  })
          .Field("max_retries", &C::Retry::max_retries, "retries after the first attempt (2)")
          .Field("initial_interval", &C::Retry::initial_interval, "wait before the first retry")
          .Field("max_interval", &C::Retry::max_interval, "upper bound of the wait")
          .Custom("retry_on_status", "[]int", "[429]",
                  "document (and request) statuses that are retried",
                  [](const config::Node& n, C::Retry& r, config::Diagnostics& d) {
                    if (n.kind != config::Node::Kind::kSeq) {
                      d.Error(n, "retry_on_status must be a list of HTTP status codes");
                      return;
                    }
                    r.retry_on_status.clear();
                    for (const auto& item : n.seq) {
                      int64_t v = 0;
                      if (config::ParseValue(item, v, d)) r.retry_on_status.push_back(v);
                    }
                  });
  static const config::Table<C> table =
      config::Table<C>()
          .Field("endpoint", &C::endpoint, "Elasticsearch URL, e.g. https://es:9200")
          .Field("endpoints", &C::endpoints, "several URLs, used round-robin")
          .Field("cloudid", &C::cloudid, "Elastic Cloud id instead of a URL")
          .Field("logs_index", &C::logs_index,
                 "static index or data stream for logs (empty: route dynamically)")
          .Section("logs_dynamic_index", &C::logs_dynamic_index, dynamic_table, "deprecated")
          .Field("traces_index", &C::traces_index,
                 "static index or data stream for spans (empty: route dynamically)")
          .Section("traces_dynamic_index", &C::traces_dynamic_index, dynamic_table, "deprecated")
          .Field("metrics_index", &C::metrics_index, "accepted; metrics are not exported yet")
          .Section("metrics_dynamic_index", &C::metrics_dynamic_index, dynamic_table, "deprecated")
          .Field("pipeline", &C::pipeline, "ingest pipeline the documents go through")
          .Field("user", &C::user, "HTTP basic auth user")
          .Field("password", &C::password, "HTTP basic auth password")
          .Field("api_key", &C::api_key, "API key (encoded form): Authorization: ApiKey <key>")
          .Field("headers", &C::headers, "headers sent with every request")
          .Field("timeout", &C::timeout, "deadline of each bulk request")
          .Section("tls", &C::tls, net::TlsClientTable(), "TLS for https:// URLs")
          .Section("mapping", &C::mapping, mapping_table, "document mapping")
          .Section("flush", &C::flush, flush_table, "bulk buffer")
          .Section("retry", &C::retry, retry_table, "request and document retries")
          .Section("sending_queue", &C::sending_queue, exporterhelper::QueueTable(),
                   "queue of bulk requests in front of the senders")
          .NotSupportedYet("num_workers", "use sending_queue::num_consumers")
          .NotSupportedYet("auth", "authenticator extension")
          .NotSupportedYet("discover", "node discovery")
          .NotSupportedYet("logstash_format", "logstash index names")
          .NotSupportedYet("batcher", "exporterhelper batcher")
          .NotSupportedYet("compression", "request compression")
          .NotSupportedYet("logs_dynamic_id", "document ids from attributes")
          .NotSupportedYet("logs_dynamic_pipeline", "pipelines from attributes")
          .NotSupportedYet("telemetry", "request/response body logging")
          .NotSupportedYet("include_source_on_error", "source in bulk errors")
          .NotSupportedYet("index", "deprecated; use logs_index");
  return table;
}

}  // namespace otter
