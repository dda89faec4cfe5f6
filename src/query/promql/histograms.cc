#include "query/promql/histograms.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "query/promql/functions.h"

namespace otter::query::promql {
namespace {

template <class S>
typename std::vector<S>::const_iterator LastAtOrBefore(const std::vector<S>& v, int64_t t) {
  auto it =
      std::upper_bound(v.begin(), v.end(), t, [](int64_t x, const S& s) { return x < s.t_ms; });
  return it == v.begin() ? v.end() : it - 1;
}

double Variance(const store::NativeHistogram& h) {
  const double mean = h.sum / h.count;
  double sum = 0, c = 0;  // Kahan
  h.ForEachBucket([&](const store::HistogramBucket& b) {
    double val = 0;
    if (!(b.lower <= 0 && 0 <= b.upper)) {
      val = std::sqrt(b.upper * b.lower);  // the bucket's geometric mean
      if (b.upper < 0) val = -val;
    }
    const double term = b.count * (val - mean) * (val - mean);
    const double y = term - c;
    const double t = sum + y;
    c = (t - sum) - y;
    sum = t;
  });
  return sum / h.count;
}

}  // namespace

std::optional<Element> LatestSample(const store::SeriesData& s, int64_t ref, int64_t lookback_ms) {
  auto f = LastAtOrBefore(s.samples, ref);
  auto h = LastAtOrBefore(s.histograms, ref);
  const bool has_f = f != s.samples.end(), has_h = h != s.histograms.end();
  if (!has_f && !has_h) return std::nullopt;
  if (has_h && (!has_f || h->t_ms >= f->t_ms)) {
    if (h->t_ms < ref - lookback_ms || h->h.IsStaleMarker()) return std::nullopt;
    return Element{s.labels, 0, h->t_ms, std::make_shared<const store::NativeHistogram>(h->h)};
  }
  if (f->t_ms < ref - lookback_ms || IsStaleMarker(f->v)) return std::nullopt;
  return Element{s.labels, f->v, f->t_ms};
}

Series RangeSamples(const store::SeriesData& s, int64_t from, int64_t to) {
  Series out;
  out.metric = s.labels;
  auto f = std::lower_bound(s.samples.begin(), s.samples.end(), from,
                            [](const store::Sample& a, int64_t t) { return a.t_ms < t; });
  auto h = std::lower_bound(s.histograms.begin(), s.histograms.end(), from,
                            [](const store::HistogramSample& a, int64_t t) { return a.t_ms < t; });
  while (true) {
    const bool more_f = f != s.samples.end() && f->t_ms <= to;
    const bool more_h = h != s.histograms.end() && h->t_ms <= to;
    if (!more_f && !more_h) break;
    if (more_h && (!more_f || h->t_ms <= f->t_ms)) {
      if (!h->h.IsStaleMarker())
        out.points.emplace_back(h->t_ms, 0, std::make_shared<const store::NativeHistogram>(h->h));
      if (more_f && f->t_ms == h->t_ms) ++f;  // one sample per time
      ++h;
    } else {
      if (!IsStaleMarker(f->v)) out.points.emplace_back(f->t_ms, f->v);
      ++f;
    }
  }
  return out;
}

bool IsHistogramStatistic(std::string_view f) {
  return f == "histogram_count" || f == "histogram_sum" || f == "histogram_avg" ||
         f == "histogram_stddev" || f == "histogram_stdvar";
}

Vector HistogramStatistic(std::string_view f, const Vector& in, int64_t t) {
  Vector out;
  for (const auto& e : in) {
    if (!e.h) continue;
    const store::NativeHistogram& h = *e.h;
    double v = 0;
    if (f == "histogram_count") v = h.count;
    if (f == "histogram_sum") v = h.sum;
    if (f == "histogram_avg") v = h.sum / h.count;
    if (f == "histogram_stdvar") v = Variance(h);
    if (f == "histogram_stddev") v = std::sqrt(Variance(h));
    out.emplace_back(DropMetricName(e.metric), v, t);
  }
  return out;
}

Vector HistogramFraction(double lower, double upper, const Vector& in, int64_t t) {
  Vector out;
  for (const auto& e : in)
    if (e.h) out.emplace_back(DropMetricName(e.metric), e.h->Fraction(lower, upper), t);
  return out;
}

bool HistogramRange(std::string_view f, const std::vector<Point>& points, int64_t range_start_ms,
                    int64_t range_end_ms, store::NativeHistogram* out) {
  if (points.size() < 2) return false;
  for (const auto& p : points)
    if (!p.h) return false;  // floats and histograms mixed
  const bool is_counter = f == "rate" || f == "increase";
  int32_t min_schema = points.front().h->schema;
  for (const auto& p : points) min_schema = std::min(min_schema, p.h->schema);
  store::NativeHistogram h = *points.back().h;
  h.ReduceResolution(min_schema);
  h.Sub(*points.front().h);
  if (is_counter) {
    const store::NativeHistogram* prev = points.front().h.get();
    for (size_t i = 1; i < points.size(); ++i) {
      if (points[i].h->DetectReset(*prev)) h.Add(*prev);
      prev = points[i].h.get();
    }
  }
  // The float rate's extrapolation applies unchanged, with the histogram's count deciding where
  // a counter would have been zero: run it over the counts to get the factor.
  const double first = points.front().h->count;
  const bool zero_point = is_counter && h.count > 0 && first >= 0;
  const double result = h.count != 0 ? h.count : 1;
  std::vector<Point> counts;
  counts.reserve(points.size());
  for (size_t i = 0; i < points.size(); ++i) {
    double v = zero_point ? first : -1;
    if (i + 1 == points.size()) v += result;
    counts.emplace_back(points[i].t_ms, v);
  }
  double scaled = 0;
  if (!ExtrapolatedRate(counts, range_start_ms, range_end_ms, zero_point, f == "rate", &scaled))
    return false;
  h.Mul(scaled / result);
  h.hint = store::NativeHistogram::ResetHint::kGauge;
  h.Compact();
  *out = std::move(h);
  return true;
}

std::shared_ptr<const store::NativeHistogram> HistogramArithmetic(BinOp op,
                                                                  const store::NativeHistogram* lh,
                                                                  double lv,
                                                                  const store::NativeHistogram* rh,
                                                                  double rv) {
  std::optional<store::NativeHistogram> h;
  if (lh && rh) {
    if (op == BinOp::kAdd) h = store::NativeHistogram(*lh).Add(*rh);
    if (op == BinOp::kSub) h = store::NativeHistogram(*lh).Sub(*rh);
  } else if (lh) {
    if (op == BinOp::kMul) h = store::NativeHistogram(*lh).Mul(rv);
    if (op == BinOp::kDiv) h = store::NativeHistogram(*lh).Mul(1 / rv);
  } else if (rh && op == BinOp::kMul) {
    h = store::NativeHistogram(*rh).Mul(lv);
  }
  if (!h) return nullptr;
  h->hint = store::NativeHistogram::ResetHint::kGauge;
  h->Compact();
  return std::make_shared<const store::NativeHistogram>(std::move(*h));
}

std::optional<Element> HistogramOverTime(std::string_view f, Series s, int64_t range_start_ms,
                                         int64_t range_end_ms, int64_t t) {
  auto histogram = [&](store::NativeHistogram h) {
    return Element{DropMetricName(std::move(s.metric)), 0, t,
                   std::make_shared<const store::NativeHistogram>(std::move(h))};
  };
  if (f == "count_over_time" || f == "present_over_time") {
    double v = f == "count_over_time" ? static_cast<double>(s.points.size()) : 1;
    return Element{DropMetricName(std::move(s.metric)), v, t};
  }
  if (f == "last_over_time") {
    const Point& last = s.points.back();
    if (!last.h) return Element{std::move(s.metric), last.v, t};
    return Element{std::move(s.metric), 0, t, last.h};
  }
  const bool all_histograms =
      std::all_of(s.points.begin(), s.points.end(), [](const Point& p) { return p.h; });
  if (!all_histograms) return std::nullopt;
  if (f == "rate" || f == "increase" || f == "delta") {
    store::NativeHistogram h;
    if (!HistogramRange(f, s.points, range_start_ms, range_end_ms, &h)) return std::nullopt;
    return histogram(std::move(h));
  }
  if (f == "sum_over_time" || f == "avg_over_time") {
    std::vector<const store::NativeHistogram*> in;
    for (const auto& p : s.points) in.push_back(p.h.get());
    return histogram(SumHistograms(in, f == "avg_over_time"));
  }
  return std::nullopt;
}

store::NativeHistogram SumHistograms(const std::vector<const store::NativeHistogram*>& in,
                                     bool average) {
  store::NativeHistogram sum = *in.front();
  for (size_t i = 1; i < in.size(); ++i) sum.Add(*in[i]);
  if (average) sum.Mul(1.0 / static_cast<double>(in.size()));
  sum.hint = store::NativeHistogram::ResetHint::kGauge;
  sum.Compact();
  return sum;
}

}  // namespace otter::query::promql
