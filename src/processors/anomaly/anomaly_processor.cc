#include "processors/anomaly/anomaly_processor.h"

#include "store/attribute_hash.h"

namespace otter {
namespace {

using store::HashBytes;
using store::Mix;

pdata::NumberDataPoint GaugePoint(const pdata::NumberDataPoint& from, double v) {
  pdata::NumberDataPoint p;
  p.attributes = from.attributes;
  p.time_unix_nano = from.time_unix_nano;
  p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
  p.as_double = v;
  return p;
}

}  // namespace

AnomalyScorer::AnomalyScorer(const AnomalyConfig& cfg) : cfg_(cfg) {
  for (const std::string& m : cfg_.metrics) watched_.insert(m);
  options_.warmup = cfg_.warmup;
}

bool AnomalyScorer::Watched(std::string_view metric) const {
  return watched_.empty() || watched_.count(metric) > 0;
}

size_t AnomalyScorer::SeriesCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return series_.size();
}

AnomalyScorer::Stats AnomalyScorer::Apply(pdata::MetricBatch& batch) {
  Stats st;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& rm : batch.resources()) {
    const uint64_t rh = store::HashAttributeSet(rm.resource.attributes, 0x2545f4914f6cdd1dull);
    for (auto& sm : rm.scope_metrics) {
      std::vector<pdata::Metric> added;
      for (const pdata::Metric& m : sm.metrics) {
        if ((m.type != pdata::MetricType::kGauge && m.type != pdata::MetricType::kSum) ||
            !Watched(m.name)) {
          continue;
        }
        pdata::Metric score, lower, upper;
        const uint64_t mh = Mix(HashBytes(m.name, 0x77) | 1, rh | 1);
        for (const pdata::NumberDataPoint& p : m.number_points) {
          if (p.value_type == pdata::NumberDataPoint::ValueType::kNone) continue;
          const uint64_t key = store::HashAttributeSet(p.attributes, mh);
          auto it = series_.find(key);
          if (it == series_.end()) {
            if (series_.size() >= cfg_.max_series) {
              ++st.refused_points;
              continue;
            }
            it = series_.emplace(key, Series{analytics::SeriesDetector(options_), 0}).first;
          }
          Series& s = it->second;
          if (s.last_time != 0 && p.time_unix_nano <= s.last_time) {
            ++st.stale_points;
            continue;
          }
          s.last_time = p.time_unix_nano;
          analytics::AnomalyResult r = s.detector.Update(
              static_cast<int64_t>(p.time_unix_nano / 1000000), p.ValueAsDouble());
          ++st.scored_points;
          score.number_points.push_back(GaugePoint(p, r.score));
          if (cfg_.emit_band) {
            lower.number_points.push_back(GaugePoint(p, r.lower));
            upper.number_points.push_back(GaugePoint(p, r.upper));
          }
        }
        if (score.number_points.empty()) continue;
        auto name = [&](std::string_view suffix) {
          std::string n(m.name);
          n += suffix;
          return batch.arenas().Copy(n);
        };
        score.name = name(cfg_.score_suffix);
        score.description = "Anomaly score (0..1) of the series, from otter's anomaly processor";
        score.unit = "1";
        score.type = pdata::MetricType::kGauge;
        added.push_back(std::move(score));
        if (cfg_.emit_band) {
          lower.name = name("_anomaly_band_lower");
          upper.name = name("_anomaly_band_upper");
          lower.unit = upper.unit = m.unit;
          lower.type = upper.type = pdata::MetricType::kGauge;
          added.push_back(std::move(lower));
          added.push_back(std::move(upper));
        }
      }
      for (auto& a : added) sm.metrics.push_back(std::move(a));
    }
  }
  return st;
}

AnomalyProcessor::AnomalyProcessor(const ComponentContext& ctx, const AnomalyConfig& cfg,
                                   MetricConsumer* next)
    : scorer_(cfg), next_(next), logger_(ctx.logger) {
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  telemetry::Labels labels = {{"processor", ctx.id.ToString()}};
  scored_ = &metrics->GetCounter("otter_processor_anomaly_scored_points_total",
                                 "Data points the anomaly processor scored.", labels);
  refused_ = &metrics->GetCounter(
      "otter_processor_anomaly_unscored_points_total",
      "Data points left unscored because their series is over max_series.", labels);
  stale_ = &metrics->GetCounter(
      "otter_processor_anomaly_stale_points_total",
      "Data points left unscored because they were not newer than their series' last point.",
      labels);
}

void AnomalyProcessor::Consume(pdata::MetricBatch&& batch, Completion done) {
  AnomalyScorer::Stats s = scorer_.Apply(batch);
  scored_->Add(s.scored_points);
  refused_->Add(s.refused_points);
  stale_->Add(s.stale_points);
  if (s.refused_points && logger_) {
    uint64_t suppressed = 0;
    exporterhelper::SteadyClock clock;
    if (log_throttle_.Allow(clock, &suppressed)) {
      logger_->warn("anomaly: more than max_series series; {} points left unscored{}",
                    s.refused_points, exporterhelper::LogThrottle::Suffix(suppressed));
    }
  }
  next_->Consume(std::move(batch), std::move(done));
}

}  // namespace otter
