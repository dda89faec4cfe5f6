#include "connectors/servicegraph/servicegraph_connector.h"

#include "connectors/aggregation.h"

namespace otter {
namespace {

constexpr uint64_t kStaleSeriesNs = 15ull * 60 * 1'000'000'000;  // otelcol's cache clean-up

double Seconds(const pdata::Span& s) {
  return s.end_time_unix_nano > s.start_time_unix_nano
             ? (s.end_time_unix_nano - s.start_time_unix_nano) / 1e9
             : 0.0;
}

// The first of `names` found in the span's, then the resource's attributes, as a string.
bool FirstValue(const std::vector<std::string>& names, const pdata::Attributes& span,
                const pdata::Attributes& resource, std::string* out) {
  for (const auto& n : names)
    if (const auto* v = FindIn(n, span, resource)) {
      *out = v->ToString();
      return true;
    }
  return false;
}

}  // namespace

ServiceGraphConnector::ServiceGraphConnector(const ComponentContext& ctx,
                                             const ServiceGraphConfig& cfg, MetricConsumer* next,
                                             NowFn now)
    : cfg_(cfg),
      bounds_(cfg.Bounds()),
      db_attributes_(cfg.DatabaseNameAttributes()),
      next_(next),
      now_(now ? std::move(now) : NowFn(SystemNowNs)),
      logger_(LoggerOf(ctx)),
      start_ns_(now_()),
      store_(static_cast<uint64_t>(cfg.store.ttl.count()),
             static_cast<size_t>(cfg.store.max_items)),
      last_cache_clean_ns_(start_ns_) {
  telemetry::SelfMetrics& m = *telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  telemetry::Labels labels = {{"connector", ctx.id.ToString()}};
  total_edges_ = &m.GetCounter("otelcol_connector_servicegraph_total_edges",
                               "Edges (client/server span pairs) started.", labels);
  expired_edges_ = &m.GetCounter("otelcol_connector_servicegraph_expired_edges",
                                 "Edges whose other span did not arrive within store.ttl.", labels);
  dropped_spans_ =
      &m.GetCounter("otelcol_connector_servicegraph_dropped_spans",
                    "Spans not paired because the store held store.max_items edges.", labels);
  flush_failures_ = &m.GetCounter("otter_connector_servicegraph_flush_failures_total",
                                  "Flushes the downstream metrics pipelines refused (the "
                                  "cumulative totals are re-sent at the next flush).",
                                  labels);
}

ServiceGraphConnector::~ServiceGraphConnector() {
  flusher_.Stop();
  expirer_.Stop();
}

Status ServiceGraphConnector::Start() {
  if (cfg_.metrics_flush_interval.count() > 0)
    flusher_.Start(cfg_.metrics_flush_interval, [this] { Flush(); });
  expirer_.Start(cfg_.store_expiration_loop, [this] { Tick(); });
  return Status::Ok();
}

void ServiceGraphConnector::Shutdown() {
  flusher_.Stop();
  expirer_.Stop();
  Flush();
}

void ServiceGraphConnector::Dimensions(const char* side, const pdata::Attributes& resource,
                                       const pdata::Attributes& span, Edge& e) const {
  for (const auto& d : cfg_.dimensions) {
    const auto* v = FindIn(d, resource, span);  // otelcol looks at the resource first
    if (!v) continue;
    std::string name = std::string(side) + "_" + d;
    std::string value = v->ToString();
    bool found = false;
    for (auto& [k, old] : e.dimensions)
      if (k == name) {
        old = value;
        found = true;
      }
    if (!found) e.dimensions.emplace_back(std::move(name), std::move(value));
  }
}

void ServiceGraphConnector::Consume(pdata::TraceBatch&& batch, Completion done) {
  const pdata::TraceBatch& b = batch;
  uint64_t now = now_();
  uint64_t started = 0, dropped = 0;
  {
    std::lock_guard lock(mu_);
    auto complete = [&](const Edge& e) { OnComplete(e, now); };
    for (const auto& rs : b.resources()) {
      const auto* service = pdata::FindAttribute(rs.resource.attributes, "service.name");
      if (!service) continue;  // as otelcol: a span without a service is no node
      std::string service_name = service->ToString();
      for (const auto& ss : rs.scope_spans)
        for (const auto& span : ss.spans) {
          EdgeStore::Upserted r;
          bool messaging =
              span.kind == pdata::SpanKind::kProducer || span.kind == pdata::SpanKind::kConsumer;
          if (span.kind == pdata::SpanKind::kClient || span.kind == pdata::SpanKind::kProducer) {
            r = store_.Upsert(
                {span.trace_id, span.span_id}, now,
                [&](Edge& e) {
                  e.trace_id = span.trace_id;
                  e.connection_type = messaging ? "messaging_system" : "";
                  e.client = service_name;
                  e.client_seconds = Seconds(span);
                  e.failed = e.failed || span.status.code == pdata::StatusCode::kError;
                  Dimensions("client", rs.resource.attributes, span.attributes, e);
                  // A database call has no server span: the client span names the server.
                  std::string db;
                  if (FirstValue(db_attributes_, span.attributes, rs.resource.attributes, &db)) {
                    e.connection_type = "database";
                    e.server = db;
                    e.server_seconds = e.client_seconds;
                  }
                },
                complete);
          } else if (span.kind == pdata::SpanKind::kServer || messaging) {
            r = store_.Upsert(
                {span.trace_id, span.parent_span_id}, now,
                [&](Edge& e) {
                  e.trace_id = span.trace_id;
                  e.connection_type = messaging ? "messaging_system" : "";
                  e.server = service_name;
                  e.server_seconds = Seconds(span);
                  e.failed = e.failed || span.status.code == pdata::StatusCode::kError;
                  Dimensions("server", rs.resource.attributes, span.attributes, e);
                },
                complete);
          } else {
            continue;  // internal spans are not part of an edge
          }
          if (r == EdgeStore::Upserted::kFull)
            ++dropped;
          else if (r == EdgeStore::Upserted::kNew)
            ++started;
        }
    }
  }
  if (started) total_edges_->Add(started);
  if (dropped) {
    dropped_spans_->Add(dropped);
    logger_->warn("{} spans were not paired: the store holds store.max_items ({}) edges", dropped,
                  cfg_.store.max_items);
  }
  done(Status::Ok());
  if (cfg_.metrics_flush_interval.count() == 0) Flush();
}

void ServiceGraphConnector::OnComplete(const Edge& e, uint64_t now) {
  key_.clear();
  for (const std::string* s : {&e.client, &e.server, &e.connection_type}) {
    key_ += *s;
    key_ += '\0';
  }
  key_ += e.failed ? 't' : 'f';
  for (const auto& [k, v] : e.dimensions) {
    key_ += '\0';
    key_ += k;
    key_ += '=';
    key_ += v;
  }
  auto [it, inserted] = series_.try_emplace(key_);
  Series& s = it->second;
  if (inserted) {
    s.client = e.client;
    s.server = e.server;
    s.connection_type = e.connection_type;
    s.failed = e.failed;
    s.dimensions = e.dimensions;
    if (bounds_.empty()) {
      s.server_exp = std::make_unique<ExponentialHistogram>(cfg_.exponential_histogram_max_size);
      s.client_exp = std::make_unique<ExponentialHistogram>(cfg_.exponential_histogram_max_size);
    }
  }
  s.last_updated_ns = now;
  ++s.total;
  if (e.failed) ++s.failed_total;
  if (s.server_exp) {
    s.server_exp->Observe(e.server_seconds);
    s.client_exp->Observe(e.client_seconds);
  } else {
    s.server_hist.Observe(bounds_, e.server_seconds);
    s.client_hist.Observe(bounds_, e.client_seconds);
  }
}

void ServiceGraphConnector::Tick() {
  uint64_t now = now_();
  size_t expired;
  {
    std::lock_guard lock(mu_);
    expired = store_.Expire(now);
    if (now - last_cache_clean_ns_ >= static_cast<uint64_t>(cfg_.cache_loop.count())) {
      last_cache_clean_ns_ = now;
      std::erase_if(series_, [&](const auto& kv) {
        return now - kv.second.last_updated_ns > kStaleSeriesNs;
      });
    }
  }
  if (expired) expired_edges_->Add(expired);
}

pdata::MetricBatch ServiceGraphConnector::Build(uint64_t now) {
  pdata::MetricBatch out;
  if (series_.empty()) return out;
  auto& a = out.arenas();
  auto& sm = out.resources().emplace_back().scope_metrics.emplace_back();
  sm.scope.name = "traces_service_graph";
  uint64_t ts = now - static_cast<uint64_t>(cfg_.metrics_timestamp_offset.count());
  auto attributes = [&](const Series& s) {
    pdata::Attributes attrs = {
        {"client", pdata::AnyValue::String(a.Copy(s.client))},
        {"server", pdata::AnyValue::String(a.Copy(s.server))},
        {"connection_type", pdata::AnyValue::String(a.Copy(s.connection_type))},
        {"failed", pdata::AnyValue::Bool(s.failed)}};
    for (const auto& [k, v] : s.dimensions)
      attrs.push_back({a.Copy(k), pdata::AnyValue::String(a.Copy(v))});
    return attrs;
  };
  auto counter = [&](const char* name, uint64_t Series::*field) {
    pdata::Metric m;
    m.name = name;
    m.type = pdata::MetricType::kSum;
    m.is_monotonic = true;
    m.temporality = pdata::AggregationTemporality::kCumulative;
    for (const auto& [key, s] : series_) {
      if (s.*field == 0) continue;
      pdata::NumberDataPoint p;
      p.attributes = attributes(s);
      p.start_time_unix_nano = start_ns_;
      p.time_unix_nano = ts;
      p.value_type = pdata::NumberDataPoint::ValueType::kInt;
      p.as_int = static_cast<int64_t>(s.*field);
      m.number_points.push_back(std::move(p));
    }
    if (!m.number_points.empty()) sm.metrics.push_back(std::move(m));
  };
  counter("traces_service_graph_request_total", &Series::total);
  counter("traces_service_graph_request_failed_total", &Series::failed_total);
  auto latency = [&](const char* name, bool server) {
    pdata::Metric m;
    m.name = name;
    m.unit = "s";
    m.temporality = pdata::AggregationTemporality::kCumulative;
    m.type =
        bounds_.empty() ? pdata::MetricType::kExponentialHistogram : pdata::MetricType::kHistogram;
    for (const auto& [key, s] : series_) {
      if (bounds_.empty()) {
        pdata::ExponentialHistogramDataPoint p;
        (server ? s.server_exp : s.client_exp)->ToPoint(p);
        p.attributes = attributes(s);
        p.start_time_unix_nano = start_ns_;
        p.time_unix_nano = ts;
        m.exp_histogram_points.push_back(std::move(p));
      } else {
        pdata::HistogramDataPoint p;
        (server ? s.server_hist : s.client_hist).ToPoint(bounds_, p);
        p.attributes = attributes(s);
        p.start_time_unix_nano = start_ns_;
        p.time_unix_nano = ts;
        m.histogram_points.push_back(std::move(p));
      }
    }
    sm.metrics.push_back(std::move(m));
  };
  latency("traces_service_graph_request_server", true);
  latency("traces_service_graph_request_client", false);
  return out;
}

void ServiceGraphConnector::Flush() {
  std::lock_guard flush_lock(flush_mu_);
  pdata::MetricBatch out;
  {
    std::lock_guard lock(mu_);
    out = Build(now_());
  }
  if (out.empty()) return;
  size_t points = out.ItemCount();
  next_->Consume(std::move(out), Completion([this, points](Status s) {
                   if (s.ok()) return;
                   flush_failures_->Add(1);
                   logger_->error(
                       "the metrics pipelines refused {} data points: {} (re-sent at "
                       "the next flush)",
                       points, s.ToString());
                 }));
}

}  // namespace otter
