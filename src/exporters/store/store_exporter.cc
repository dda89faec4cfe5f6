#include "exporters/store/store_exporter.h"

#include "auth/server_guard.h"

namespace otter {

StoreExporter::StoreExporter(const ComponentContext& ctx, const StoreExporterConfig& config)
    : ctx_(ctx), config_(config) {
  ctx_.metrics = telemetry::GivenOrOwn(ctx_.metrics, own_metrics_);
  for (Signal s : kAllSignals)
    counters_[static_cast<int>(s)] = exporterhelper::ExporterCounters(*ctx_.metrics, ctx_.id, s);
}

StoreExporter::~StoreExporter() { Shutdown(); }

Status StoreExporter::Start() {
  store::StoreOptions opts;
  opts.directory = config_.directory;
  opts.sync = config_.sync;
  opts.max_pending_bytes = static_cast<uint64_t>(config_.max_pending_mib) << 20;
  opts.head_max_bytes = static_cast<uint64_t>(config_.head_max_mib) << 20;
  opts.checkpoint_bytes = static_cast<uint64_t>(config_.checkpoint_mib) << 20;
  opts.block_duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.block_duration);
  opts.retention = std::chrono::duration_cast<std::chrono::milliseconds>(config_.retention);
  opts.max_disk_bytes = static_cast<uint64_t>(config_.max_disk_mib) << 20;
  opts.compaction_max_bytes = static_cast<uint64_t>(config_.compaction_max_mib) << 20;
  opts.status = ctx_.status;
  opts.status_component = "exporter:" + ctx_.id.ToString();  // the component-status name
  opts.max_series = static_cast<size_t>(config_.max_series);
  opts.delta_max_stale =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.delta_max_stale);
  opts.delta_max_streams = static_cast<size_t>(config_.delta_max_streams);
  ASSIGN_OR_RETURN(opts.log_mapping, store::LokiMapping::Make(config_.otlp_config));
  ASSIGN_OR_RETURN(store_, store::Store::Open(opts, ctx_.logger, ctx_.metrics));
  if (config_.rules.enabled()) {
    rules::Ruler::Options ro;
    ro.config = config_.rules;
    if (ro.config.external_url.empty() && !config_.query.endpoint.empty())
      ro.config.external_url = "http://" + config_.query.endpoint;
    ro.query_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config_.query.timeout);
    ro.max_samples = static_cast<size_t>(config_.query.max_samples);
    ro.logger = ctx_.logger;
    ro.metrics = ctx_.metrics;
    ASSIGN_OR_RETURN(ruler_, rules::Ruler::Create(std::move(ro), *store_));
  }
  if (!config_.query.endpoint.empty()) {
    query::QueryServerOptions q;
    q.endpoint = config_.query.endpoint;
    q.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config_.query.timeout);
    q.max_samples = static_cast<size_t>(config_.query.max_samples);
    q.max_log_entries = static_cast<size_t>(config_.query.max_log_entries);
    q.max_traces = static_cast<size_t>(config_.query.max_traces);
    q.threads = config_.query.threads;
    q.scan_threads = config_.query.scan_threads;
    q.max_tails = static_cast<size_t>(config_.query.max_concurrent_tail_requests);
    q.logger = ctx_.logger;
    q.metrics = ctx_.metrics;
    q.tls = config_.query.tls;
    q.status = ctx_.status;
    if (ruler_) {
      q.promql_rules = ruler_->promql();
      q.logql_rules = ruler_->logql();
    }
    ASSIGN_OR_RETURN(q.auth,
                     auth::MakeServerAuthGuard(ctx_, config_.query.auth, "query.auth", "http"));
    query_ = std::make_unique<query::QueryServer>(q, store_->traces(), store_->metrics(),
                                                  store_->logs());
    RETURN_IF_ERROR(query_->Start());
    ctx_.logger->info(
        "web UI and query API (Jaeger /api, Prometheus /api/v1, Loki /loki/api/v1) on {}://{}/",
        q.tls ? "https" : "http", query_->address());
  }
  if (ruler_) ruler_->Start();
  return Status::Ok();
}

void StoreExporter::Reloaded() {
  if (ruler_) (void)ruler_->Reload();  // errors are logged; the running rules stay
}

void StoreExporter::Shutdown() {
  if (ruler_) ruler_->Stop();
  if (query_) query_->Stop();
  if (store_) store_->Close();
}

}  // namespace otter
