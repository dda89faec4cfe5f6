#include "connectors/spanmetrics/spanmetrics_connector.h"

#include <algorithm>
#include <chrono>

#include "connectors/aggregation.h"
#include "pdata/span_names.h"

namespace otter {
namespace {

constexpr std::string_view kServiceName = "service.name";
constexpr std::string_view kDefaultDims[] = {"service.name", "span.name", "span.kind",
                                             "status.code"};

std::string_view StatusName(pdata::StatusCode c) {
  return c == pdata::StatusCode::kOk      ? "STATUS_CODE_OK"
         : c == pdata::StatusCode::kError ? "STATUS_CODE_ERROR"
                                          : "STATUS_CODE_UNSET";
}

std::string MetricName(const std::string& ns, const char* name) {
  return ns.empty() ? name : ns + "." + name;
}

using Dims = std::vector<std::pair<std::string_view, const pdata::AnyValue*>>;

// The configured extra dimensions of `span`: span attributes, then `other`, then the default.
void AddDimensions(Dims& dims, const std::vector<pdata::AnyValue>& defaults,
                   const std::vector<MetricDimension>& cfg, const pdata::Attributes& first,
                   const pdata::Attributes& other) {
  for (size_t i = 0; i < cfg.size(); ++i) {
    if (const auto* v = FindIn(cfg[i].name, first, other))
      dims.emplace_back(cfg[i].name, v);
    else if (cfg[i].default_value)
      dims.emplace_back(cfg[i].name, &defaults[i]);
  }
}

}  // namespace

SpanMetricsConnector::SpanMetricsConnector(const ComponentContext& ctx,
                                           const SpanMetricsConfig& cfg, MetricConsumer* next,
                                           NowFn now)
    : cfg_(cfg),
      bounds_(cfg.Bounds()),
      series_limit_(static_cast<size_t>(cfg.aggregation_cardinality_limit > 0
                                            ? cfg.aggregation_cardinality_limit
                                            : cfg.dimensions_cache_size)),
      next_(next),
      now_(now ? std::move(now) : NowFn(SystemNowNs)),
      logger_(LoggerOf(ctx)),
      calls_name_(MetricName(cfg.namespace_, "calls")),
      duration_name_(MetricName(cfg.namespace_, "duration")),
      events_name_(MetricName(cfg.namespace_, "events")) {
  for (size_t i = 0; i < 4; ++i)
    default_dims_[i] = std::find(cfg.exclude_dimensions.begin(), cfg.exclude_dimensions.end(),
                                 kDefaultDims[i]) == cfg.exclude_dimensions.end();
  // Views into cfg_, which lives as long as this connector.
  for (const auto& d : cfg_.dimensions)
    defaults_.push_back(
        pdata::AnyValue::String(d.default_value ? std::string_view(*d.default_value) : ""));
  for (const auto& d : cfg_.events.dimensions)
    event_defaults_.push_back(
        pdata::AnyValue::String(d.default_value ? std::string_view(*d.default_value) : ""));
  start_ns_ = now_();
  telemetry::SelfMetrics* m = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  telemetry::Labels labels = {{"connector", ctx.id.ToString()}};
  skipped_ =
      &m->GetCounter("otter_connector_spanmetrics_spans_without_service_total",
                     "Spans not counted because their resource has no service.name.", labels);
  evicted_ = &m->GetCounter(
      "otter_connector_spanmetrics_resources_evicted_total",
      "Resources whose series were forgotten because resource_metrics_cache_size was reached.",
      labels);
  flush_failures_ = &m->GetCounter("otter_connector_spanmetrics_flush_failures_total",
                                   "Flushes the downstream metrics pipelines refused.", labels);
  dropped_points_ = &m->GetCounter(
      "otter_connector_spanmetrics_dropped_data_points_total",
      "Delta data points lost because the downstream refused them (cumulative points are "
      "re-sent at the next flush).",
      labels);
}

SpanMetricsConnector::~SpanMetricsConnector() { flusher_.Stop(); }

Status SpanMetricsConnector::Start() {
  flusher_.Start(cfg_.metrics_flush_interval, [this] { Flush(); });
  return Status::Ok();
}

void SpanMetricsConnector::Shutdown() {
  flusher_.Stop();
  Flush();
}

SpanMetricsConnector::ResourceGroup& SpanMetricsConnector::GroupFor(const pdata::Resource& resource,
                                                                    uint64_t now) {
  // The resource's identity: all attributes, or the key attributes, in name order.
  std::vector<const pdata::KeyValue*> attrs;
  for (const auto& kv : resource.attributes)
    if (cfg_.resource_metrics_key_attributes.empty() ||
        std::find(cfg_.resource_metrics_key_attributes.begin(),
                  cfg_.resource_metrics_key_attributes.end(),
                  kv.key) != cfg_.resource_metrics_key_attributes.end())
      attrs.push_back(&kv);
  std::sort(attrs.begin(), attrs.end(), [](auto* a, auto* b) { return a->key < b->key; });
  key_.clear();
  for (const auto* kv : attrs) {
    key_ += kv->key;
    key_ += '\0';
    AppendKey(key_, kv->value);
  }
  auto it = groups_.find(key_);
  if (it == groups_.end()) {
    if (groups_.size() >= static_cast<size_t>(cfg_.resource_metrics_cache_size)) {
      auto oldest = std::min_element(groups_.begin(), groups_.end(), [](auto& a, auto& b) {
        return a.second->last_seen_ns < b.second->last_seen_ns;
      });
      groups_.erase(oldest);
      evicted_->Add(1);
    }
    auto g = std::make_unique<ResourceGroup>();
    for (const auto& kv : resource.attributes)
      g->attributes.push_back({g->arena.Copy(kv.key), CopyValue(kv.value, g->arena)});
    it = groups_.emplace(key_, std::move(g)).first;
  }
  it->second->last_seen_ns = now;
  return *it->second;
}

SpanMetricsConnector::Series& SpanMetricsConnector::SeriesFor(ResourceGroup& g, SeriesMap& map,
                                                              uint64_t now, const Dims& dims) {
  key_.clear();
  for (const auto& [name, v] : dims) {
    key_ += name;
    key_ += '\0';
    AppendKey(key_, *v);
  }
  auto it = map.find(key_);
  if (it != map.end()) return it->second;
  if (series_limit_ > 0 && map.size() >= series_limit_) {
    // Over the limit: counted in one series that says so (the OpenTelemetry SDKs' convention).
    key_.assign("\x01overflow");
    it = map.find(key_);
    if (it != map.end()) return it->second;
    Series s;
    s.start_ns = now;
    s.attributes.push_back({g.arena.Copy("otel.metric.overflow"), pdata::AnyValue::Bool(true)});
    return map.emplace(key_, std::move(s)).first->second;
  }
  Series s;
  s.start_ns = now;
  for (const auto& [name, v] : dims)
    s.attributes.push_back({g.arena.Copy(name), CopyValue(*v, g.arena)});
  if (cfg_.histogram.exponential)
    s.exponential = std::make_unique<ExponentialHistogram>(cfg_.histogram.exponential_max_size);
  return map.emplace(key_, std::move(s)).first->second;
}

void SpanMetricsConnector::Record(Series& s, const pdata::Span& span, double duration,
                                  bool histogram) {
  ++s.calls;
  if (histogram && !cfg_.histogram.disable) {
    if (s.exponential)
      s.exponential->Observe(duration);
    else
      s.histogram.Observe(bounds_, duration);
  }
  if (cfg_.exemplars.enabled && !span.trace_id.empty() &&
      s.exemplars.size() < static_cast<size_t>(cfg_.exemplars.max_per_data_point)) {
    pdata::Exemplar e;
    e.trace_id = span.trace_id;
    e.span_id = span.span_id;
    e.as_double = duration;
    e.time_unix_nano = span.end_time_unix_nano;
    s.exemplars.push_back(e);
  }
}

void SpanMetricsConnector::Consume(pdata::TraceBatch&& batch, Completion done) {
  const pdata::TraceBatch& b = batch;  // read-only: keeps the wire
  const double ns_per_unit = cfg_.histogram.unit == "s" ? 1e9 : 1e6;
  uint64_t now = now_();
  Dims dims;
  uint64_t skipped = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& rs : b.resources()) {
      const pdata::AnyValue* service = pdata::FindAttribute(rs.resource.attributes, kServiceName);
      if (!service) {
        for (const auto& ss : rs.scope_spans) skipped += ss.spans.size();
        continue;
      }
      ResourceGroup& g = GroupFor(rs.resource, now);
      for (const auto& ss : rs.scope_spans) {
        for (const auto& span : ss.spans) {
          pdata::AnyValue name = pdata::AnyValue::String(span.name);
          pdata::AnyValue kind = pdata::AnyValue::String(pdata::SpanKindEnumName(span.kind));
          pdata::AnyValue status = pdata::AnyValue::String(StatusName(span.status.code));
          const pdata::AnyValue* values[4] = {service, &name, &kind, &status};
          dims.clear();
          for (size_t i = 0; i < 4; ++i)
            if (default_dims_[i]) dims.emplace_back(kDefaultDims[i], values[i]);
          AddDimensions(dims, defaults_, cfg_.dimensions, span.attributes, rs.resource.attributes);
          double duration =
              span.end_time_unix_nano > span.start_time_unix_nano
                  ? (span.end_time_unix_nano - span.start_time_unix_nano) / ns_per_unit
                  : 0.0;
          Record(SeriesFor(g, g.spans, now, dims), span, duration, true);
          if (!cfg_.events.enabled) continue;
          size_t base = dims.size();
          for (const auto& ev : span.events) {
            dims.resize(base);
            AddDimensions(dims, event_defaults_, cfg_.events.dimensions, ev.attributes,
                          rs.resource.attributes);
            Record(SeriesFor(g, g.events, now, dims), span, duration, false);
          }
        }
      }
    }
  }
  if (skipped) skipped_->Add(skipped);
  done(Status::Ok());
}

pdata::MetricBatch SpanMetricsConnector::Build(uint64_t now) {
  pdata::MetricBatch out;
  auto temporality = cfg_.delta() ? pdata::AggregationTemporality::kDelta
                                  : pdata::AggregationTemporality::kCumulative;
  auto start = [&](const Series& s) { return cfg_.delta() ? start_ns_ : s.start_ns; };
  auto sum_metric = [&](const std::string& name, const SeriesMap& map) {
    pdata::Metric m;
    m.name = out.arenas().Copy(name);
    m.type = pdata::MetricType::kSum;
    m.temporality = temporality;
    m.is_monotonic = true;
    for (const auto& [key, s] : map) {
      pdata::NumberDataPoint p;
      p.attributes = s.attributes;
      p.start_time_unix_nano = start(s);
      p.time_unix_nano = now;
      p.value_type = pdata::NumberDataPoint::ValueType::kInt;
      p.as_int = static_cast<int64_t>(s.calls);
      p.exemplars = s.exemplars;
      m.number_points.push_back(std::move(p));
    }
    return m;
  };
  for (const auto& [key, g] : groups_) {
    if (g->spans.empty() && g->events.empty()) continue;
    out.arenas().Absorb(g->arena.ShareForRead());
    auto& rm = out.resources().emplace_back();
    rm.resource.attributes = g->attributes;
    auto& sm = rm.scope_metrics.emplace_back();
    sm.scope.name = "spanmetricsconnector";
    sm.metrics.push_back(sum_metric(calls_name_, g->spans));
    if (!cfg_.histogram.disable) {
      pdata::Metric m;
      m.name = out.arenas().Copy(duration_name_);
      m.unit = cfg_.histogram.unit == "s" ? "s" : "ms";
      m.type = cfg_.histogram.exponential ? pdata::MetricType::kExponentialHistogram
                                          : pdata::MetricType::kHistogram;
      m.temporality = temporality;
      for (const auto& [k, s] : g->spans) {
        if (s.exponential) {
          pdata::ExponentialHistogramDataPoint p;
          s.exponential->ToPoint(p);
          p.attributes = s.attributes;
          p.start_time_unix_nano = start(s);
          p.time_unix_nano = now;
          p.exemplars = s.exemplars;
          m.exp_histogram_points.push_back(std::move(p));
        } else {
          pdata::HistogramDataPoint p;
          s.histogram.ToPoint(bounds_, p);
          p.attributes = s.attributes;
          p.start_time_unix_nano = start(s);
          p.time_unix_nano = now;
          p.exemplars = s.exemplars;
          m.histogram_points.push_back(std::move(p));
        }
      }
      sm.metrics.push_back(std::move(m));
    }
    if (cfg_.events.enabled) sm.metrics.push_back(sum_metric(events_name_, g->events));
  }
  return out;
}

void SpanMetricsConnector::Reset(uint64_t now) {
  start_ns_ = now;
  if (cfg_.delta()) {
    groups_.clear();
    return;
  }
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (cfg_.metrics_expiration.count() > 0 &&
        now - it->second->last_seen_ns >= static_cast<uint64_t>(cfg_.metrics_expiration.count())) {
      it = groups_.erase(it);
      continue;
    }
    for (auto* map : {&it->second->spans, &it->second->events})
      for (auto& [k, s] : *map) s.exemplars.clear();
    ++it;
  }
}

pdata::MetricBatch SpanMetricsConnector::Snapshot() {
  std::lock_guard lock(mu_);
  return Build(now_());
}

void SpanMetricsConnector::Flush() {
  std::lock_guard flush_lock(flush_mu_);
  pdata::MetricBatch out;
  {
    std::lock_guard lock(mu_);
    uint64_t now = now_();
    out = Build(now);
    Reset(now);
  }
  if (out.empty()) return;
  size_t points = out.ItemCount();
  // At most one failure line per flush interval, so the log is naturally rate-limited.
  next_->Consume(std::move(out), Completion([this, points](Status s) {
                   if (s.ok()) return;
                   flush_failures_->Add(1);
                   if (cfg_.delta()) dropped_points_->Add(points);
                   logger_->error("the metrics pipelines refused {} data points: {}{}", points,
                                  s.ToString(),
                                  cfg_.delta() ? " (dropped)" : " (re-sent at the next flush)");
                 }));
}

}  // namespace otter
