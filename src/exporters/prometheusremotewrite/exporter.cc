#include "exporters/prometheusremotewrite/exporter.h"

#include <spdlog/spdlog.h>

#include <cstring>

#include "exporters/otlp_http/response.h"
#include "exporters/prometheusremotewrite/write_request.h"
#include "net/compression.h"
#include "store/prom_convert.h"

namespace otter::prometheusremotewrite {
namespace {

using exporterhelper::Attempt;
using otlp_http_exporter::HttpClient;
using otlp_http_exporter::Url;

// The requests of one batch, kept in the attempt's scratch between retries: each as a 4-byte
// length and its snappy body; a sent request is cut off the front.
void AppendFramed(std::string& scratch, const std::string& body) {
  uint32_t n = static_cast<uint32_t>(body.size());
  char len[4];
  std::memcpy(len, &n, 4);
  scratch.append(len, 4);
  scratch += body;
}

std::string_view FirstFramed(const std::string& scratch) {
  uint32_t n;
  std::memcpy(&n, scratch.data(), 4);
  return std::string_view(scratch).substr(4, n);
}

// A copy of `b` whose data points also carry their resource's attributes (theirs win).
pdata::MetricBatch WithResourceLabels(const pdata::MetricBatch& b) {
  pdata::MetricBatch copy = b.Clone();
  for (auto& rm : copy.resources()) {
    auto add = [&](pdata::Attributes& attrs) {
      for (const auto& kv : rm.resource.attributes)
        if (!pdata::FindAttribute(attrs, kv.key)) attrs.push_back(kv);
    };
    for (auto& sm : rm.scope_metrics) {
      for (auto& m : sm.metrics) {
        for (auto& p : m.number_points) add(p.attributes);
        for (auto& p : m.histogram_points) add(p.attributes);
        for (auto& p : m.exp_histogram_points) add(p.attributes);
        for (auto& p : m.summary_points) add(p.attributes);
      }
    }
  }
  return copy;
}

class RemoteWriteExporter final : public Exporter {
 public:
  RemoteWriteExporter(const ComponentContext& ctx, const PrometheusRemoteWriteConfig& cfg,
                      std::unique_ptr<HttpClient> client, Url url,
                      exporterhelper::SenderOptions options, const auth::ClientAuthenticator* auth)
      : cfg_(cfg),
        auth_(auth),
        log_(ctx.logger ? ctx.logger : std::make_shared<spdlog::logger>("prometheusremotewrite")),
        client_(std::move(client)),
        url_(std::move(url)),
        sender_(
            ctx, cfg.Sender(),
            [this](const pdata::MetricBatch& b, const Attempt& a) { return Send(b, a); },
            std::move(options)) {
    telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
    untranslatable_ = &metrics->GetCounter(
        "otter_exporter_untranslatable_metric_points_total",
        "Metric points an exporter could not express in its format (e.g. delta sums for "
        "Prometheus Remote Write), not sent.",
        {{"exporter", ctx.id.ToString()}});
    options_.target_info = cfg.target_info.enabled;
    options_.add_metric_suffixes = cfg.add_metric_suffixes;
    if (!cfg.name_space.empty()) options_.name_prefix = cfg.name_space + "_";
    headers_ = {{"Content-Encoding", "snappy"},
                {"Content-Type", "application/x-protobuf"},
                {"X-Prometheus-Remote-Write-Version", "0.1.0"},
                {"User-Agent", "otter"}};
    for (const auto& [k, v] : cfg.headers) headers_.emplace_back(k, v);
  }
  ~RemoteWriteExporter() override { Shutdown(); }

  Status Start() override { return Status::Ok(); }
  void Shutdown() override {
    sender_.BeginShutdown();
    sender_.Shutdown();
  }
  Consumers consumers() override {
    Consumers c;
    c.metrics = &sender_;
    return c;
  }

 private:
  Status Encode(const pdata::MetricBatch& batch, std::string& scratch);
  Status Send(const pdata::MetricBatch& batch, const Attempt& a);

  const PrometheusRemoteWriteConfig cfg_;
  const auth::ClientAuthenticator* const auth_;  // null = none; owned by the service
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<HttpClient> client_;
  const Url url_;
  otlp_http_exporter::Headers headers_;
  store::ConvertOptions options_;
  std::unique_ptr<telemetry::SelfMetrics> own_metrics_;
  telemetry::Counter* untranslatable_ = nullptr;
  exporterhelper::SteadyClock clock_;
  exporterhelper::LogThrottle drop_log_{std::chrono::seconds(10)};
  exporterhelper::QueuedRetrySender<pdata::MetricBatch> sender_;  // last: its thread calls Send
};

Status RemoteWriteExporter::Encode(const pdata::MetricBatch& batch, std::string& scratch) {
  store::ConvertedMetrics conv;
  if (cfg_.resource_to_telemetry_conversion.enabled) {
    const pdata::MetricBatch labelled = WithResourceLabels(batch);
    store::ConvertMetrics(labelled, options_, &conv);
  } else {
    store::ConvertMetrics(batch, options_, &conv);
  }
  // Remote Write carries cumulative series only: delta points are not sent (as otelcol does).
  size_t dropped = conv.dropped_points + conv.delta_points.size();
  if (dropped) {
    untranslatable_->Add(dropped);
    uint64_t suppressed = 0;
    if (drop_log_.Allow(clock_, &suppressed)) {
      std::string why = conv.drop_reasons.empty() ? "delta temporality (Remote Write needs "
                                                    "cumulative series)"
                                                  : conv.drop_reasons.front();
      log_->warn("prometheusremotewrite: {} points not sent: {}{}", dropped, why,
                 exporterhelper::LogThrottle::Suffix(suppressed));
    }
  }
  for (auto& s : conv.series) {
    bool added = false;
    for (const auto& [k, v] : cfg_.external_labels) {
      if (!store::GetLabel(s.labels, k).empty()) continue;  // the series' own label wins
      s.labels.push_back({k, v});
      added = true;
    }
    if (added) store::SortLabels(s.labels);
  }
  static const std::vector<store::MetricFamilyMetadata> kNone;
  for (const std::string& body :
       EncodeWriteRequests(conv.series, cfg_.send_metadata ? conv.metadata : kNone,
                           static_cast<size_t>(cfg_.max_batch_size_bytes))) {
    auto compressed = net::Compress(net::Encoding::kSnappy, body);
    if (!compressed.ok())
      return Internal("compressing the request: " + std::string(compressed.status().message()));
    AppendFramed(scratch, *compressed);
  }
  return Status::Ok();
}

Status RemoteWriteExporter::Send(const pdata::MetricBatch& batch, const Attempt& a) {
  std::string& scratch = *a.scratch;
  if (a.number == 1) RETURN_IF_ERROR(Encode(batch, scratch));
  while (!scratch.empty()) {
    std::string_view body = FirstFramed(scratch);
    otlp_http_exporter::Headers with_auth;  // credentials may rotate: asked for on every request
    const otlp_http_exporter::Headers* headers = &headers_;
    if (auth_) {
      with_auth = headers_;
      RETURN_IF_ERROR(auth_->AddRequestHeaders(with_auth, batch.metadata()));
      headers = &with_auth;
    }
    auto r = client_->Post(url_, *headers, body, a.timeout, a.cancel);
    if (!r.ok()) return r.status();
    RETURN_IF_ERROR(otlp_http_exporter::PushStatus(*r, url_.text));
    scratch.erase(0, 4 + body.size());
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<Exporter>> CreateExporter(const ComponentContext& ctx,
                                                   const PrometheusRemoteWriteConfig& cfg,
                                                   exporterhelper::SenderOptions options) {
  RETURN_IF_ERROR(cfg.Validate());
  const auth::ClientAuthenticator* authenticator = nullptr;
  if (cfg.auth) {
    ASSIGN_OR_RETURN(authenticator, auth::FindClientAuthenticator(ctx, *cfg.auth, "auth"));
  }
  ASSIGN_OR_RETURN(auto c, otlp_http_exporter::ClientFor(cfg.endpoint, cfg.tls));
  return std::unique_ptr<Exporter>(std::make_unique<RemoteWriteExporter>(
      ctx, cfg, std::move(c.client), std::move(c.url), std::move(options), authenticator));
}

}  // namespace otter::prometheusremotewrite
