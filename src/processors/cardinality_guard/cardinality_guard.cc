#include "processors/cardinality_guard/cardinality_guard.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "store/attribute_hash.h"

namespace otter {
namespace {

using pdata::AnyValue;
using pdata::Attributes;
using pdata::Exemplar;
using store::HashAttributeSet;
using store::Mix;

bool SameAttributes(const Attributes& a, const Attributes& b) {
  if (a.size() != b.size()) return false;
  for (const auto& kv : a) {
    const AnyValue* v = pdata::FindAttribute(b, kv.key);
    if (!v || !(*v == kv.value)) return false;
  }
  return true;
}

bool IsTraceIdKey(std::string_view k) { return k == "trace_id" || k == "trace.id"; }
bool IsSpanIdKey(std::string_view k) { return k == "span_id" || k == "span.id"; }

// Sets an exemplar id from a hex string or raw bytes value; false if the value is neither.
template <size_t N>
bool SetId(const AnyValue& v, pdata::Id<N>* id) {
  if (v.type == AnyValue::Type::kString) return pdata::ParseHexId(v.string_value, id);
  if (v.type == AnyValue::Type::kBytes && v.string_value.size() == N) {
    std::memcpy(id->bytes.data(), v.string_value.data(), N);
    return true;
  }
  return false;
}

// Moves the configured attributes of `attrs` into a new exemplar; nullopt if none is present.
std::optional<Exemplar> TakeExemplar(Attributes& attrs, const std::vector<std::string>& keys,
                                     uint64_t time) {
  std::optional<Exemplar> ex;
  auto moved = [&](pdata::KeyValue& kv) {
    if (std::find(keys.begin(), keys.end(), kv.key) == keys.end()) return false;
    if (!ex) {
      ex.emplace();
      ex->time_unix_nano = time;
    }
    bool as_id = (IsTraceIdKey(kv.key) && SetId(kv.value, &ex->trace_id)) ||
                 (IsSpanIdKey(kv.key) && SetId(kv.value, &ex->span_id));
    if (!as_id) ex->filtered_attributes.push_back(std::move(kv));
    return true;
  };
  attrs.erase(std::remove_if(attrs.begin(), attrs.end(), moved), attrs.end());
  return ex;
}

void AppendExemplars(std::vector<Exemplar>& dst, std::vector<Exemplar>& src, size_t cap) {
  for (auto& e : src) {
    if (dst.size() >= cap) break;
    dst.push_back(std::move(e));
  }
}

template <class P>
void SetExemplarValue(Exemplar& e, const P& p) {
  if constexpr (std::is_same_v<P, pdata::NumberDataPoint>) {
    e.is_int = p.value_type == pdata::NumberDataPoint::ValueType::kInt;
    e.as_int = p.as_int;
    e.as_double = p.as_double;
  } else {
    // A histogram point holds no single measurement: its mean stands for the moved ones.
    e.as_double = p.sum && p.count ? *p.sum / static_cast<double>(p.count) : 0;
  }
}

void AddOptional(std::optional<double>& dst, const std::optional<double>& src) {
  dst = dst && src ? std::optional<double>(*dst + *src) : std::nullopt;
}
void MinOptional(std::optional<double>& dst, const std::optional<double>& src) {
  dst = dst && src ? std::optional<double>(std::min(*dst, *src)) : std::nullopt;
}
void MaxOptional(std::optional<double>& dst, const std::optional<double>& src) {
  dst = dst && src ? std::optional<double>(std::max(*dst, *src)) : std::nullopt;
}

// Adds `src`'s buckets into `dst` (same scale), widening `dst` to cover both ranges.
void AddBuckets(pdata::ExponentialBuckets& dst, const pdata::ExponentialBuckets& src) {
  if (src.bucket_counts.empty()) return;
  if (dst.bucket_counts.empty()) {
    dst = src;
    return;
  }
  int64_t lo = std::min<int64_t>(dst.offset, src.offset);
  int64_t hi = std::max<int64_t>(dst.offset + static_cast<int64_t>(dst.bucket_counts.size()),
                                 src.offset + static_cast<int64_t>(src.bucket_counts.size()));
  std::vector<uint64_t> out(static_cast<size_t>(hi - lo), 0);
  for (size_t i = 0; i < dst.bucket_counts.size(); ++i)
    out[dst.offset - lo + i] += dst.bucket_counts[i];
  for (size_t i = 0; i < src.bucket_counts.size(); ++i)
    out[src.offset - lo + i] += src.bucket_counts[i];
  dst.offset = static_cast<int32_t>(lo);
  dst.bucket_counts = std::move(out);
}

// Folds `src` into `dst` (equal attributes and time); false when the two cannot merge.
bool Combine(pdata::NumberDataPoint& dst, pdata::NumberDataPoint& src, bool is_sum, size_t cap) {
  if (dst.flags != src.flags) return false;
  using VT = pdata::NumberDataPoint::ValueType;
  if (!is_sum) {  // a gauge keeps the last value, as a last-value aggregation does
    dst.value_type = src.value_type;
    dst.as_int = src.as_int;
    dst.as_double = src.as_double;
  } else if (dst.value_type == VT::kInt && src.value_type == VT::kInt) {
    dst.as_int += src.as_int;
  } else {
    dst.as_double = dst.ValueAsDouble() + src.ValueAsDouble();
    dst.value_type = VT::kDouble;
  }
  AppendExemplars(dst.exemplars, src.exemplars, cap);
  return true;
}

bool Combine(pdata::HistogramDataPoint& dst, pdata::HistogramDataPoint& src, bool, size_t cap) {
  if (dst.flags != src.flags || dst.explicit_bounds != src.explicit_bounds ||
      dst.bucket_counts.size() != src.bucket_counts.size())
    return false;
  for (size_t i = 0; i < dst.bucket_counts.size(); ++i)
    dst.bucket_counts[i] += src.bucket_counts[i];
  dst.count += src.count;
  AddOptional(dst.sum, src.sum);
  MinOptional(dst.min, src.min);
  MaxOptional(dst.max, src.max);
  AppendExemplars(dst.exemplars, src.exemplars, cap);
  return true;
}

bool Combine(pdata::ExponentialHistogramDataPoint& dst, pdata::ExponentialHistogramDataPoint& src,
             bool, size_t cap) {
  if (dst.flags != src.flags || dst.scale != src.scale || dst.zero_threshold != src.zero_threshold)
    return false;
  AddBuckets(dst.positive, src.positive);
  AddBuckets(dst.negative, src.negative);
  dst.zero_count += src.zero_count;
  dst.count += src.count;
  AddOptional(dst.sum, src.sum);
  MinOptional(dst.min, src.min);
  MaxOptional(dst.max, src.max);
  AppendExemplars(dst.exemplars, src.exemplars, cap);
  return true;
}

// Merges the points of one metric that have equal attributes and time; returns how many
// points were folded away.
template <class P>
size_t MergeEqualPoints(std::vector<P>& points, bool is_sum, size_t cap) {
  if (points.size() < 2) return 0;
  std::unordered_map<uint64_t, std::vector<size_t>> kept;  // key hash → indices of kept points
  std::vector<bool> keep(points.size(), true);
  size_t merged = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    P& p = points[i];
    uint64_t h = Mix(HashAttributeSet(p.attributes), p.time_unix_nano | 1);
    auto& candidates = kept[h];
    for (size_t j : candidates) {
      P& q = points[j];
      if (q.time_unix_nano == p.time_unix_nano && SameAttributes(q.attributes, p.attributes) &&
          Combine(q, p, is_sum, cap)) {
        // Streams first seen at different times: the merged one starts with the earliest.
        q.start_time_unix_nano = std::min(q.start_time_unix_nano, p.start_time_unix_nano);
        keep[i] = false;
        ++merged;
        break;
      }
    }
    if (keep[i]) candidates.push_back(i);
  }
  if (merged == 0) return 0;
  size_t out = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    if (!keep[i]) continue;
    if (out != i) points[out] = std::move(points[i]);
    ++out;
  }
  points.resize(out);
  return merged;
}

template <class P>
bool MoveToExemplars(std::vector<P>& points, const CardinalityGuardConfig& cfg,
                     CardinalityGuard::Stats& stats) {
  bool changed = false;
  for (P& p : points) {
    std::optional<Exemplar> ex =
        TakeExemplar(p.attributes, cfg.exemplar_attributes, p.time_unix_nano);
    if (!ex) continue;
    SetExemplarValue(*ex, p);
    if (p.exemplars.size() < cfg.max_exemplars_per_data_point)
      p.exemplars.push_back(std::move(*ex));
    ++stats.moved_points;
    changed = true;
  }
  return changed;
}

}  // namespace

CardinalityGuard::CardinalityGuard(const CardinalityGuardConfig& cfg, exporterhelper::Clock& clock)
    : cfg_(cfg), clock_(clock) {}

bool CardinalityGuard::Admit(std::string_view metric, uint64_t series,
                             exporterhelper::Clock::TimePoint now) {
  auto it = series_.find(metric);
  if (it == series_.end()) it = series_.emplace(std::string(metric), MetricSeries{}).first;
  auto& seen = it->second.last_seen;
  if (auto s = seen.find(series); s != seen.end()) {
    s->second = now;
    return true;
  }
  if (seen.size() >= cfg_.max_series_per_metric) return false;
  seen.emplace(series, now);
  return true;
}

void CardinalityGuard::ExpireLocked(exporterhelper::Clock::TimePoint now) {
  if (now < next_expiry_) return;
  next_expiry_ = now + std::max<config::Duration>(cfg_.series_ttl / 4, std::chrono::seconds(1));
  for (auto it = series_.begin(); it != series_.end();) {
    std::erase_if(it->second.last_seen,
                  [&](const auto& e) { return e.second + cfg_.series_ttl <= now; });
    it = it->second.last_seen.empty() ? series_.erase(it) : std::next(it);
  }
}

size_t CardinalityGuard::SeriesCount(std::string_view metric) const {
  std::lock_guard lock(mu_);
  auto it = series_.find(metric);
  return it == series_.end() ? 0 : it->second.last_seen.size();
}

CardinalityGuard::Stats CardinalityGuard::Apply(pdata::MetricBatch& batch) {
  Stats stats;
  const size_t cap = cfg_.max_exemplars_per_data_point;
  const bool move = !cfg_.exemplar_attributes.empty();
  const bool limit = cfg_.max_series_per_metric > 0;
  std::unique_lock<std::mutex> lock(mu_, std::defer_lock);
  exporterhelper::Clock::TimePoint now{};
  if (limit) {
    now = clock_.Now();
    lock.lock();
    ExpireLocked(now);
  }
  static const Attributes kOverflow = {{kOverflowAttribute, AnyValue::Bool(true)}};
  for (auto& rm : batch.resources()) {
    const uint64_t resource_hash = limit ? HashAttributeSet(rm.resource.attributes) : 0;
    for (auto& sm : rm.scope_metrics) {
      std::vector<size_t> emptied;  // metrics whose every point was dropped here
      for (size_t mi = 0; mi < sm.metrics.size(); ++mi) {
        pdata::Metric& m = sm.metrics[mi];
        bool changed = false;
        if (move) {
          changed |= MoveToExemplars(m.number_points, cfg_, stats);
          changed |= MoveToExemplars(m.histogram_points, cfg_, stats);
          changed |= MoveToExemplars(m.exp_histogram_points, cfg_, stats);
        }
        if (limit) {
          auto overflow = [&](auto& p) {
            if (Admit(m.name, Mix(resource_hash, HashAttributeSet(p.attributes)), now))
              return false;
            if (stats.first_overflow.empty()) stats.first_overflow = m.name;
            return true;
          };
          auto limit_points = [&](auto& points) {
            for (auto& p : points) {
              if (!overflow(p)) continue;
              p.attributes = kOverflow;
              ++stats.overflow_points;
              changed = true;
            }
          };
          limit_points(m.number_points);
          limit_points(m.histogram_points);
          limit_points(m.exp_histogram_points);
          if (size_t n = std::erase_if(m.summary_points, overflow)) {
            stats.dropped_points += n;
            if (m.summary_points.empty()) emptied.push_back(mi);
          }
        }
        if (!changed) continue;
        const bool is_sum = m.type == pdata::MetricType::kSum;
        stats.merged_points += MergeEqualPoints(m.number_points, is_sum, cap);
        stats.merged_points += MergeEqualPoints(m.histogram_points, is_sum, cap);
        stats.merged_points += MergeEqualPoints(m.exp_histogram_points, is_sum, cap);
      }
      for (auto it = emptied.rbegin(); it != emptied.rend(); ++it)
        sm.metrics.erase(sm.metrics.begin() + static_cast<ptrdiff_t>(*it));
    }
  }
  return stats;
}

CardinalityGuardProcessor::CardinalityGuardProcessor(const ComponentContext& ctx,
                                                     const CardinalityGuardConfig& cfg,
                                                     MetricConsumer* next)
    : guard_(cfg, clock_), next_(next), logger_(ctx.logger) {
  telemetry::SelfMetrics* metrics = telemetry::GivenOrOwn(ctx.metrics, own_metrics_);
  telemetry::Labels labels = {{"processor", ctx.id.ToString()}};
  moved_ = &metrics->GetCounter(
      "otter_processor_cardinality_guard_moved_points_total",
      "Data points whose high-cardinality attributes moved to an exemplar.", labels);
  overflow_ = &metrics->GetCounter(
      "otter_processor_cardinality_guard_overflow_points_total",
      "Data points of series over max_series_per_metric, moved to the overflow series.", labels);
  dropped_ = &metrics->GetCounter("otelcol_processor_dropped_metric_points",
                                  "Metric points the processor dropped.", labels);
}

void CardinalityGuardProcessor::Consume(pdata::MetricBatch&& batch, Completion done) {
  CardinalityGuard::Stats s = guard_.Apply(batch);
  moved_->Add(s.moved_points);
  overflow_->Add(s.overflow_points);
  dropped_->Add(s.dropped_points);
  if (!s.first_overflow.empty() && logger_) {
    uint64_t suppressed = 0;
    exporterhelper::SteadyClock clock;
    if (log_throttle_.Allow(clock, &suppressed)) {
      logger_->warn(
          "metric \"{}\" has more than max_series_per_metric series; {} points went to the "
          "otel.metric.overflow series{}{}",
          s.first_overflow, s.overflow_points,
          s.dropped_points ? ", " + std::to_string(s.dropped_points) + " summary points dropped"
                           : "",
          exporterhelper::LogThrottle::Suffix(suppressed));
    }
  }
  next_->Consume(std::move(batch), std::move(done));
}

}  // namespace otter
