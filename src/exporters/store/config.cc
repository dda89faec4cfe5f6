#include "exporters/store/config.h"

#include <fmt/format.h>

#include "rules/ruler_config.h"
#include "store/disk_budget.h"

namespace otter {

Status StoreExporterConfig::Validate() const {
  if (directory.empty()) return InvalidArgument("directory must be non-empty");
  if (max_pending_mib <= 0) return InvalidArgument("max_pending_mib must be positive");
  if (head_max_mib <= 0) return InvalidArgument("head_max_mib must be positive");
  if (checkpoint_mib < 0) return InvalidArgument("checkpoint_mib must not be negative");
  if (block_duration.count() <= 0) return InvalidArgument("block_duration must be positive");
  if (retention.count() < 0) return InvalidArgument("retention must not be negative");
  if (max_disk_mib < 0) return InvalidArgument("max_disk_mib must not be negative");
  if (compaction_max_mib < 1) return InvalidArgument("compaction_max_mib must be at least 1");
  if (max_series < 0) return InvalidArgument("max_series must not be negative (0 = no limit)");
  if (delta_max_stale.count() < 0)
    return InvalidArgument("delta_max_stale must not be negative (0 = never forget a stream)");
  if (delta_max_streams < 0)
    return InvalidArgument("delta_max_streams must not be negative (0 = no limit)");
  if (max_disk_mib > 0) {
    auto budget = store::DiskBudgetOf(static_cast<uint64_t>(head_max_mib),
                                      static_cast<uint64_t>(max_pending_mib),
                                      static_cast<uint64_t>(compaction_max_mib));
    if (static_cast<uint64_t>(max_disk_mib) < budget.MinMaxDisk()) {
      return InvalidArgument(fmt::format(
          "max_disk_mib: {} is too small for head_max_mib {}, max_pending_mib {} and "
          "compaction_max_mib {}: it must be 0 (unlimited) or at least {} (the write-ahead log "
          "may hold 2 x head_max_mib + max_pending_mib = {}, a block being written up to "
          "max(head_max_mib, compaction_max_mib) = {}, and the blocks need room for one more "
          "such block); raise max_disk_mib or lower the others",
          max_disk_mib, head_max_mib, max_pending_mib, compaction_max_mib, budget.MinMaxDisk(),
          budget.wal, budget.writing));
    }
  }
  if (query.timeout.count() <= 0) return InvalidArgument("query::timeout must be positive");
  if (query.max_samples <= 0) return InvalidArgument("query::max_samples must be positive");
  if (query.max_log_entries <= 0) return InvalidArgument("query::max_log_entries must be positive");
  if (query.max_traces <= 0) return InvalidArgument("query::max_traces must be positive");
  if (query.threads <= 0 || query.threads > 64)
    return InvalidArgument("query::threads must be between 1 and 64");
  if (query.scan_threads <= 0 || query.scan_threads > 64)
    return InvalidArgument("query::scan_threads must be between 1 and 64");
  if (auto m = store::LokiMapping::Make(otlp_config); !m.ok())
    return InvalidArgument("otlp_config::" + std::string(m.status().message()));
  if (query.max_concurrent_tail_requests < 0)
    return InvalidArgument("query::max_concurrent_tail_requests must not be negative");
  if (query.tls) RETURN_IF_ERROR(query.tls->Validate().Annotate("query"));

  if (rules.evaluation_interval.count() <= 0)
    return InvalidArgument("rules.evaluation_interval must be positive");
  if (rules.resend_delay.count() < 0)
    return InvalidArgument("rules.resend_delay must not be negative");
  if (rules.notification_timeout.count() <= 0)
    return InvalidArgument("rules.notification_timeout must be positive");
  if (rules.notification_queue_capacity <= 0)
    return InvalidArgument("rules.notification_queue_capacity must be positive");
  return Status::Ok();
}

namespace {

// A list of Loki attributes_config entries: {action, attributes | regex}.
void ParseAttributeRules(const config::Node& n, std::vector<store::AttributeRule>& out,
                         config::Diagnostics& d) {
  using R = store::AttributeRule;
  static const config::Table<R> rule =
      config::Table<R>()
          .Custom("action", "string", "structured_metadata",
                  "index_label (resource attributes only), structured_metadata or drop",
                  [](const config::Node& v, R& r, config::Diagnostics& d) {
                    if (v.scalar == "index_label") {
                      r.action = store::AttributeAction::kIndexLabel;
                    } else if (v.scalar == "structured_metadata") {
                      r.action = store::AttributeAction::kStructuredMetadata;
                    } else if (v.scalar == "drop") {
                      r.action = store::AttributeAction::kDrop;
                    } else {
                      d.Error(v, "unsupported action \"" + v.scalar +
                                     "\", it must be one of: drop, index_label, "
                                     "structured_metadata");
                    }
                  })
          .Field("attributes", &R::attributes, "attribute names the action applies to")
          .Field("regex", &R::regex,
                 "or: a regular expression (RE2, fully anchored) the names must match");
  if (n.kind != config::Node::Kind::kSeq) {
    d.Error(n, "expected a list of {action, attributes | regex}");
    return;
  }
  for (const auto& item : n.seq) rule.Parse(item, out.emplace_back(), d);
}

}  // namespace

const config::Table<StoreExporterConfig>& StoreExporterConfigTable() {
  using C = StoreExporterConfig;
  using Q = StoreQueryConfig;
  static const config::Table<Q> query =
      config::Table<Q>()
          .Field("endpoint", &Q::endpoint,
                 "host:port serving the Jaeger (/api/...), Prometheus (/api/v1/...) and Loki "
                 "(/loki/api/v1/...) query APIs; empty disables them")
          .Field("timeout", &Q::timeout,
                 "a query running longer fails (Prometheus: 503 timeout, Loki: 504, Jaeger: "
                 "503); a client's smaller ?timeout= wins")
          .Field("max_samples", &Q::max_samples,
                 "samples a PromQL query may load before it fails (Prometheus's "
                 "--query.max-samples)")
          .Field("max_log_entries", &Q::max_log_entries,
                 "log entries (and log-metric samples) a LogQL query may hold in memory before "
                 "it fails with 400")
          .Field("max_traces", &Q::max_traces,
                 "candidate traces a Jaeger trace search may hold before it fails with 422")
          .Field("threads", &Q::threads, "queries evaluated concurrently")
          .Field("scan_threads", &Q::scan_threads,
                 "workers of their own for the queries that scan stored data (LogQL, Jaeger "
                 "trace search and dependencies), so that they cannot hold up the others")
          .Section("tls", &Q::tls, net::TlsServerTable(),
                   "serve the query API over HTTPS (mTLS with client_ca_file)")
          .Section("auth", &Q::auth, auth::AuthSettingsTable(),
                   "authenticate every query request (and live tail) with this extension; 401 "
                   "otherwise")
          .Field("max_concurrent_tail_requests", &Q::max_concurrent_tail_requests,
                 "Loki live tails (/loki/api/v1/tail WebSockets) open at once; 0 refuses "
                 "every tail");
  using O = store::LokiOtlpConfig;
  using RA = store::LokiResourceAttributes;
  static const config::Table<RA> resource =
      config::Table<RA>()
          .Field("ignore_defaults", &RA::ignore_defaults,
                 "leave out Loki's default rule (service.name, service.namespace, "
                 "service.instance.id, deployment.environment[.name], cloud.region, "
                 "cloud.availability_zone, k8s.cluster/namespace/pod/container.name, "
                 "container.name, k8s.replicaset/deployment/statefulset/daemonset/cronjob/"
                 "job.name → index_label)")
          .Custom("attributes_config", "list", "[]",
                  "rules tried in order after the default one; the first naming an attribute "
                  "decides; unnamed attributes are structured metadata",
                  [](const config::Node& n, RA& c, config::Diagnostics& d) {
                    ParseAttributeRules(n, c.attributes_config, d);
                  });
  static const config::Table<O> otlp =
      config::Table<O>()
          .Section("resource_attributes", &O::resource_attributes, resource,
                   "resource attributes: index labels, structured metadata or dropped")
          .Custom("scope_attributes", "list", "[]",
                  "scope attributes: structured_metadata or drop rules",
                  [](const config::Node& n, O& c, config::Diagnostics& d) {
                    ParseAttributeRules(n, c.scope_attributes, d);
                  })
          .Custom("log_attributes", "list", "[]",
                  "log record attributes: structured_metadata or drop rules",
                  [](const config::Node& n, O& c, config::Diagnostics& d) {
                    ParseAttributeRules(n, c.log_attributes, d);
                  });
  using RC = rules::RulerConfig;
  // Rule files are read and checked while the config loads, so `otter validate` and a reload
  // report their errors with file:line (and a bad file keeps the running rules).
  auto rule_files = [](rules::RuleLanguage lang) {
    return [lang](const config::Node& n, RC& c, config::Diagnostics& d) {
      auto& list = lang == rules::RuleLanguage::kPromQL ? c.files : c.loki_files;
      if (!config::ParseValue(n, list, d)) return;
      size_t slash = n.file.rfind('/');
      if (!n.file.empty() && n.line > 0)
        c.base_dir = slash == std::string::npos ? "." : n.file.substr(0, slash);
      (void)rules::LoadRuleGroups(c, lang, d);
    };
  };
  static const config::Table<RC> rules_table =
      config::Table<RC>()
          .Custom("files", "[]string", "[]",
                  "Prometheus rule files (globs; relative to the config file's directory): "
                  "recording and alerting rules in PromQL",
                  rule_files(rules::RuleLanguage::kPromQL))
          .Custom("loki_files", "[]string", "[]",
                  "Loki ruler rule files (same layout, LogQL metric queries)",
                  rule_files(rules::RuleLanguage::kLogQL))
          .Field("evaluation_interval", &RC::evaluation_interval,
                 "how often a group without its own `interval` is evaluated")
          .Field("resend_delay", &RC::resend_delay,
                 "a firing alert is sent again this often (Prometheus's "
                 "--rules.alert.resend-delay)")
          .Field("external_url", &RC::external_url,
                 "base of each alert's generatorURL (a link to the expression); empty: the "
                 "query endpoint")
          .Field("external_labels", &RC::external_labels,
                 "labels added to every alert sent that lacks them (and $externalLabels)")
          .Field("alertmanagers", &RC::alertmanagers,
                 "Alertmanager base URLs; alerts are POSTed to <url>/api/v2/alerts")
          .Field("webhooks", &RC::webhooks,
                 "URLs that receive Alertmanager's webhook payload (version 4) for each batch")
          .Field("notification_timeout", &RC::notification_timeout,
                 "timeout of one notification request")
          .Field("notification_queue_capacity", &RC::notification_queue_capacity,
                 "alerts waiting to be sent; beyond it the oldest are dropped and counted");
  static const config::Table<C> table =
      config::Table<C>()
          .Field("directory", &C::directory, "data directory (created if missing)")
          .Field("sync", &C::sync,
                 "fdatasync the write-ahead log before acknowledging a write; false trades "
                 "durability across power loss for speed (kill -9 still loses nothing)")
          .Field("max_pending_mib", &C::max_pending_mib,
                 "writes waiting for the next group commit, in MiB; beyond it writes are "
                 "refused retryably")
          .Field("head_max_mib", &C::head_max_mib,
                 "write-ahead-log size in MiB at which the in-memory heads are flushed to blocks")
          .Field("checkpoint_mib", &C::checkpoint_mib,
                 "the trace head is checkpointed to disk after every this many MiB of "
                 "write-ahead log, so that a restart loads it instead of replaying the log; "
                 "matters when head_max_mib is larger (0 = never)")
          .Field("block_duration", &C::block_duration,
                 "the heads are flushed to blocks at the latest this long after their first write")
          .Field("retention", &C::retention,
                 "blocks whose newest data is older than this are deleted (0 = keep forever)")
          .Field("max_disk_mib", &C::max_disk_mib,
                 "bound on the whole store (blocks and write-ahead log), in MiB: the oldest blocks "
                 "are deleted while the blocks exceed max_disk_mib minus 2 x head_max_mib + "
                 "max_pending_mib (the log's own bound) minus max(head_max_mib, "
                 "compaction_max_mib) (a block being written); at least twice that last figure "
                 "more than the log's bound (0 = unlimited)")
          .Field("compaction_max_mib", &C::compaction_max_mib,
                 "trace, log and metric blocks are merged in the background into blocks of up to "
                 "this size")
          .Field("max_series", &C::max_series,
                 "active metric series the store holds; samples of new series beyond it are "
                 "refused permanently (existing series keep being written), counted in "
                 "otter_store_refused_series_total (0 = no limit). A series whose samples "
                 "retention deleted no longer counts")
          .Field("delta_max_stale", &C::delta_max_stale,
                 "a delta sum or histogram stream (converted to a cumulative series) with no "
                 "point for this long, in data time, is forgotten: its next point starts it over "
                 "(0 = never forget), as deltatocumulative's max_stale")
          .Field("delta_max_streams", &C::delta_max_streams,
                 "delta streams accumulated at once; points of new streams beyond it are dropped "
                 "and counted (0 = no limit), as deltatocumulative's max_streams")
          .Section("query", &C::query, query, "the query API")
          .Section("rules", &C::rules, rules_table,
                   "alerting and recording rules evaluated over the store (docs/rules.md)")
          .Section("otlp_config", &C::otlp_config, otlp,
                   "how OTLP log records become Loki streams and entries, as Loki's "
                   "limits_config.otlp_config");
  return table;
}

}  // namespace otter
