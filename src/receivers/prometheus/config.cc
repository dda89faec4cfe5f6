#include "receivers/prometheus/config.h"

#include <set>

#include "query/promql/lexer.h"

namespace otter {
namespace {

using config::Diagnostics;
using config::Node;

void PromDurationField(const Node& n, config::Duration* out, Diagnostics& d) {
  if (n.kind != Node::Kind::kScalar || !ParsePromDuration(n.scalar, out))
    d.Error(n, "not a valid duration string: \"" + n.scalar + "\" (e.g. 30s, 1m, 1h30m, 1d)");
}

template <class T>
std::vector<T> ParseList(const Node& n, Diagnostics& d, const config::Table<T>& table,
                         const char* what) {
  std::vector<T> out;
  if (n.IsNull()) return out;
  if (n.kind != Node::Kind::kSeq) {
    d.Error(n, std::string("expected a list of ") + what);
    return out;
  }
  for (const Node& item : n.seq) table.Parse(item, out.emplace_back(), d);
  return out;
}

const config::Table<PromStaticConfig>& StaticTable() {
  using C = PromStaticConfig;
  static const config::Table<C> t =
      config::Table<C>()
          .Field("targets", &C::targets, "host:port addresses to scrape")
          .Field("labels", &C::labels, "labels added to every target of the group");
  return t;
}

const config::Table<PromFileSdConfig>& FileSdTable() {
  using C = PromFileSdConfig;
  static const config::Table<C> t =
      config::Table<C>()
          .Field("files", &C::files,
                 "JSON or YAML target files (*.json, *.yml, *.yaml); the last path element may "
                 "be a glob")
          .Custom("refresh_interval", "duration", "5m",
                  "re-read interval (changes are also "
                  "picked up within a second)",
                  [](const Node& n, C& c, Diagnostics& d) {
                    PromDurationField(n, &c.refresh_interval, d);
                  });
  return t;
}

const config::Table<PromBasicAuth>& BasicAuthTable() {
  using C = PromBasicAuth;
  static const config::Table<C> t =
      config::Table<C>()
          .Field("username", &C::username, "user name")
          .Field("password", &C::password, "password")
          .Field("password_file", &C::password_file, "file holding the password");
  return t;
}

const config::Table<PromAuthorization>& AuthorizationTable() {
  using C = PromAuthorization;
  static const config::Table<C> t =
      config::Table<C>()
          .Field("type", &C::type, "the Authorization header's scheme")
          .Field("credentials", &C::credentials, "the credentials")
          .Field("credentials_file", &C::credentials_file, "file holding the credentials");
  return t;
}

const config::Table<net::TlsClientSettings>& PromTlsTable() {
  using C = net::TlsClientSettings;
  static const config::Table<C> t =
      config::Table<C>()
          .Field("ca_file", &C::ca_file, "CA bundle verifying the target's certificate")
          .Field("cert_file", &C::cert_file, "client certificate")
          .Field("key_file", &C::key_file, "client key")
          .Field("server_name", &C::server_name_override, "name expected in the certificate")
          .Field("insecure_skip_verify", &C::insecure_skip_verify, "skip certificate checks")
          .Custom("min_version", "string", "TLS12", "TLS10..TLS13 (otter accepts TLS12, TLS13)",
                  [](const Node& n, C& c, Diagnostics& d) {
                    if (n.scalar == "TLS12")
                      c.min_version = "1.2";
                    else if (n.scalar == "TLS13")
                      c.min_version = "1.3";
                    else
                      d.Error(n, "min_version: otter supports TLS12 and TLS13");
                  });
  return t;
}

const config::Table<PromScrapeConfig>& ScrapeTable() {
  using C = PromScrapeConfig;
  static const config::Table<C> t = [] {
    auto t =
        config::Table<C>()
            .Field("job_name", &C::job_name, "the job label of every target")
            .Custom("scrape_interval", "duration", "global", "how often targets are scraped",
                    [](const Node& n, C& c, Diagnostics& d) {
                      PromDurationField(n, &c.scrape_interval, d);
                    })
            .Custom("scrape_timeout", "duration", "global", "per-scrape timeout",
                    [](const Node& n, C& c, Diagnostics& d) {
                      PromDurationField(n, &c.scrape_timeout, d);
                    })
            .Field("metrics_path", &C::metrics_path, "HTTP path of the metrics")
            .Field("scheme", &C::scheme, "http or https")
            .Custom("params", "map[string][]string", "{}", "URL query parameters",
                    [](const Node& n, C& c, Diagnostics& d) {
                      if (!n.IsMap()) return d.Error(n, "params must be a map of lists");
                      for (const auto& [k, v] : n.map) config::ParseValue(v, c.params[k], d);
                    })
            .Field("honor_labels", &C::honor_labels,
                   "keep the exposed label on a clash with a "
                   "target label (else it becomes exported_<name>)")
            .Field("honor_timestamps", &C::honor_timestamps, "use timestamps the target exposes")
            .Custom("static_configs", "[]static_config", "[]", "fixed target groups",
                    [](const Node& n, C& c, Diagnostics& d) {
                      c.static_configs = ParseList(n, d, StaticTable(), "static configs");
                    })
            .Custom("file_sd_configs", "[]file_sd_config", "[]", "targets read from files",
                    [](const Node& n, C& c, Diagnostics& d) {
                      c.file_sd_configs = ParseList(n, d, FileSdTable(), "file_sd configs");
                    })
            .Custom("relabel_configs", "[]relabel_config", "[]", "target relabeling",
                    [](const Node& n, C& c, Diagnostics& d) {
                      c.relabel_configs = promscrape::ParseRelabelRules(n, d);
                    })
            .Custom("metric_relabel_configs", "[]relabel_config", "[]", "sample relabeling",
                    [](const Node& n, C& c, Diagnostics& d) {
                      c.metric_relabel_configs = promscrape::ParseRelabelRules(n, d);
                    })
            .Section<PromBasicAuth>("basic_auth", &C::basic_auth, BasicAuthTable(),
                                    "HTTP basic auth")
            .Section<PromAuthorization>("authorization", &C::authorization, AuthorizationTable(),
                                        "Authorization header")
            .Field("bearer_token", &C::bearer_token, "bearer token (deprecated Prometheus key)")
            .Field("bearer_token_file", &C::bearer_token_file, "file holding the bearer token")
            .Section<net::TlsClientSettings>("tls_config", &C::tls_config, PromTlsTable(),
                                             "TLS for https targets")
            .Field("sample_limit", &C::sample_limit, "a scrape with more samples fails (0 = none)")
            .Field("target_limit", &C::target_limit, "more targets fail the whole job (0 = none)")
            .Field("body_size_limit", &C::body_size_limit,
                   "largest response body in bytes (0 = 64 MiB)");
    for (const char* sd :
         {"kubernetes_sd_configs", "consul_sd_configs",       "dns_sd_configs",
          "ec2_sd_configs",        "azure_sd_configs",        "gce_sd_configs",
          "http_sd_configs",       "docker_sd_configs",       "dockerswarm_sd_configs",
          "openstack_sd_configs",  "marathon_sd_configs",     "nomad_sd_configs",
          "eureka_sd_configs",     "digitalocean_sd_configs", "hetzner_sd_configs",
          "linode_sd_configs",     "scaleway_sd_configs",     "triton_sd_configs",
          "uyuni_sd_configs",      "puppetdb_sd_configs",     "lightsail_sd_configs",
          "kuma_sd_configs",       "ionos_sd_configs",        "vultr_sd_configs",
          "serverset_sd_configs",  "nerve_sd_configs"})
      (void)std::move(t).NotSupportedYet(sd, "service discovery other than static and file");
    for (const char* k :
         {"oauth2", "proxy_url", "follow_redirects", "enable_http2", "label_limit",
          "label_name_length_limit", "label_value_length_limit", "scrape_classic_histograms",
          "native_histogram_bucket_limit", "keep_dropped_targets", "scrape_protocols"})
      (void)std::move(t).NotSupportedYet(k, "Prometheus scrape option");
    return t;
  }();
  return t;
}

struct GlobalSettings {
  config::Duration scrape_interval = std::chrono::minutes(1);
  config::Duration scrape_timeout = std::chrono::seconds(10);
  config::Duration evaluation_interval = std::chrono::minutes(1);
  std::map<std::string, std::string> external_labels;
};

const config::Table<GlobalSettings>& GlobalTable() {
  using C = GlobalSettings;
  static const config::Table<C> t =
      config::Table<C>()
          .Custom("scrape_interval", "duration", "1m", "default scrape interval",
                  [](const Node& n, C& c, Diagnostics& d) {
                    PromDurationField(n, &c.scrape_interval, d);
                  })
          .Custom("scrape_timeout", "duration", "10s", "default scrape timeout",
                  [](const Node& n, C& c, Diagnostics& d) {
                    PromDurationField(n, &c.scrape_timeout, d);
                  })
          .Custom("evaluation_interval", "duration", "1m", "accepted; otter evaluates no rules",
                  [](const Node& n, C& c, Diagnostics& d) {
                    PromDurationField(n, &c.evaluation_interval, d);
                  })
          .Field("external_labels", &C::external_labels, "labels added to every sample");
  return t;
}

void ParsePromConfig(const Node& n, PrometheusReceiverConfig& c, Diagnostics& d) {
  if (!n.IsMap()) return d.Error(n, "config must be a Prometheus configuration (a map)");
  GlobalSettings g;
  if (const Node* gn = n.Find("global")) GlobalTable().Parse(*gn, g, d);
  if (g.scrape_timeout > g.scrape_interval)
    d.Error(*n.Find("global"), "global scrape timeout greater than scrape interval");
  c.scrape_interval = g.scrape_interval;
  c.scrape_timeout = g.scrape_timeout;
  c.external_labels = g.external_labels;
  std::set<std::string> jobs;
  for (const auto& [key, v] : n.map) {
    if (key == "global") continue;
    if (key == "scrape_configs") {
      if (v.IsNull()) continue;
      if (v.kind != Node::Kind::kSeq) {
        d.Error(v, "scrape_configs must be a list");
        continue;
      }
      for (const Node& item : v.seq) {
        PromScrapeConfig sc;
        ScrapeTable().Parse(item, sc, d);
        if (sc.job_name.empty()) {
          d.Error(item, "job_name is empty");
          continue;
        }
        if (!jobs.insert(sc.job_name).second)
          d.Error(item, "found multiple scrape configs with job name \"" + sc.job_name + "\"");
        if (sc.scrape_interval.count() == 0) sc.scrape_interval = g.scrape_interval;
        if (sc.scrape_timeout.count() == 0)
          sc.scrape_timeout = std::min(g.scrape_timeout, sc.scrape_interval);
        if (sc.scrape_timeout > sc.scrape_interval)
          d.Error(item,
                  "scrape timeout greater than scrape interval for scrape config with job "
                  "name \"" +
                      sc.job_name + "\"");
        if (sc.scheme != "http" && sc.scheme != "https")
          d.Error(item, "scheme: must be http or https, not \"" + sc.scheme + "\"");
        const int auths = (sc.basic_auth ? 1 : 0) + (sc.authorization ? 1 : 0) +
                          (!sc.bearer_token.empty() || !sc.bearer_token_file.empty() ? 1 : 0);
        if (auths > 1)
          d.Error(item,
                  "at most one of basic_auth, authorization and bearer_token & "
                  "bearer_token_file must be configured");
        if (sc.authorization && sc.authorization->type == "Basic")
          d.Error(item,
                  "authorization type cannot be set to \"basic\", use \"basic_auth\" "
                  "instead");
        for (const auto& f : sc.file_sd_configs)
          for (const auto& p : f.files)
            if (!(p.ends_with(".json") || p.ends_with(".yml") || p.ends_with(".yaml")))
              d.Error(item, "file_sd_configs: path \"" + p +
                                "\" is not a valid file path "
                                "(*.json, *.yml or *.yaml)");
        c.scrape_configs.push_back(std::move(sc));
      }
      continue;
    }
    if (key == "rule_files" || key == "alerting" || key == "remote_write" || key == "remote_read" ||
        key == "storage" || key == "tracing" || key == "scrape_config_files") {
      d.Error(v.line ? v : n, "config." + key + " is not supported by the prometheus receiver");
      continue;
    }
    d.Error(v.line ? v : n, "unknown key \"" + key +
                                "\" in config (valid keys: global, "
                                "scrape_configs)");
  }
}

}  // namespace

bool ParsePromDuration(std::string_view s, config::Duration* out) {
  auto ms = query::promql::ParseDurationMillis(s);  // the same syntax as PromQL's durations
  if (!ms.ok()) return false;
  *out = std::chrono::milliseconds(*ms);
  return true;
}

Status PrometheusReceiverConfig::Validate() const {
  if (scrape_configs.empty()) return InvalidArgument("config: no Prometheus scrape_configs set");
  for (const auto& sc : scrape_configs)
    if (sc.scheme == "https") RETURN_IF_ERROR(sc.tls_config.Validate().Annotate("tls_config"));
  return Status::Ok();
}

const config::Table<PrometheusReceiverConfig>& PrometheusReceiverConfigTable() {
  using C = PrometheusReceiverConfig;
  static const config::Table<C> table =
      config::Table<C>()
          .Custom("config", "prometheus config", "",
                  "a Prometheus configuration: global and scrape_configs", ParsePromConfig)
          .Field("use_start_time_metric", &C::use_start_time_metric,
                 "start times of cumulative points from process_start_time_seconds")
          .NotSupportedYet("start_time_metric_regex", "start time metric name pattern")
          .NotSupportedYet("trim_metric_suffixes", "trimming type and unit suffixes")
          .NotSupportedYet("target_allocator", "OpenTelemetry Operator target allocator")
          .NotSupportedYet("api_server", "Prometheus API server")
          .NotSupportedYet("report_extra_scrape_metrics", "extra scrape metrics");
  return table;
}

}  // namespace otter
