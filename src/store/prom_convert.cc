#include "store/prom_convert.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace otter::store {
namespace {

using promconv::MetricKind;

// Prometheus's stale marker (model/value.StaleNaN): a signalling NaN with this exact pattern.
constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ull;
// OpenMetrics 1.0 limit on an exemplar's label set; filtered attributes are left out beyond it.
constexpr size_t kMaxExemplarRunes = 128;

constexpr std::string_view kServiceName = "service.name";
constexpr std::string_view kServiceNamespace = "service.namespace";
constexpr std::string_view kServiceInstanceId = "service.instance.id";

int64_t NanosToMillis(uint64_t ns) { return static_cast<int64_t>(ns / 1000000); }

bool IsIdentifying(std::string_view key) {
  return key == kServiceName || key == kServiceNamespace || key == kServiceInstanceId;
}

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

uint64_t HashRange(const Label* labels, size_t n) {
  std::hash<std::string_view> hs;
  uint64_t h = 0x9E3779B97F4A7C15ull;
  for (size_t i = 0; i < n; ++i) {
    h = Mix(h ^ hs(labels[i].name));
    h = Mix(h ^ hs(labels[i].value) ^ 0xff);
  }
  return h;
}

bool EqualRange(const Labels& a, const Label* b, size_t n) {
  if (a.size() != n) return false;
  for (size_t i = 0; i < n; ++i)
    if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
  return true;
}

// A reusable label buffer: slots keep their string capacity between uses, so building the label
// set of each sample does not allocate once the buffers have warmed up.
struct LabelScratch {
  Labels slots;
  size_t n = 0;

  void Clear() { n = 0; }
  Label& Next() {
    if (n == slots.size()) slots.emplace_back();
    return slots[n++];
  }
  void Add(std::string_view name, std::string_view value) {
    Label& l = Next();
    l.name.assign(name);
    l.value.assign(value);
  }
  const Label* data() const { return slots.data(); }
};

struct ViewLabel {
  std::string_view name;
  std::string_view value;
};

// Merges two name-sorted label ranges into *out; on equal names `b` wins. With skip_empty,
// labels with empty values are left out (Prometheus treats them as absent).
template <class A, class B>
void MergeSorted(const A* a, size_t na, const B* b, size_t nb, bool skip_empty, LabelScratch* out) {
  out->Clear();
  size_t i = 0, j = 0;
  auto add = [&](std::string_view name, std::string_view value) {
    if (skip_empty && value.empty()) return;
    out->Add(name, value);
  };
  while (i < na || j < nb) {
    if (j == nb || (i < na && std::string_view(a[i].name) < std::string_view(b[j].name))) {
      add(a[i].name, a[i].value);
      ++i;
    } else {
      if (i < na && std::string_view(a[i].name) == std::string_view(b[j].name)) ++i;
      add(b[j].name, b[j].value);
      ++j;
    }
  }
}

// Label hash → the first series with that hash (series sharing a hash chain through next_):
// open addressing with linear probing, so a lookup is one or two cache lines and the table is
// freed in one piece.
class HashHeads {
 public:
  void Reserve(size_t n) {
    if (2 * n > slots_.size()) Rehash(std::bit_ceil(std::max<size_t>(16, 2 * n)));
  }
  // The head for `h`, or nullptr.
  uint32_t* Find(uint64_t h) {
    if (slots_.empty()) return nullptr;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].idx == kEmpty) return nullptr;
      if (slots_[i].hash == h) return &slots_[i].idx;
    }
  }
  // The head slot for `h`, created (set to `idx`) if absent; *inserted says which.
  uint32_t& Insert(uint64_t h, uint32_t idx, bool* inserted) {
    if (2 * (used_ + 1) > slots_.size()) Rehash(std::max<size_t>(16, 2 * slots_.size()));
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].idx == kEmpty) {
        slots_[i] = {h, idx};
        ++used_;
        *inserted = true;
        return slots_[i].idx;
      }
      if (slots_[i].hash == h) {
        *inserted = false;
        return slots_[i].idx;
      }
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint64_t hash = 0;
    uint32_t idx = kEmpty;
  };
  void Rehash(size_t capacity) {
    std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(capacity));
    mask_ = capacity - 1;
    for (const Slot& s : old) {
      if (s.idx == kEmpty) continue;
      size_t i = s.hash & mask_;
      while (slots_[i].idx != kEmpty) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0, used_ = 0;
};

class Converter {
 public:
  // `expected_series`: a size hint, so the index and the series list grow once.
  Converter(const ConvertOptions& options, ConvertedMetrics* out, size_t expected_series)
      : options_(options), out_(out) {
    head_.Reserve(out_->series.size() + expected_series);
    out_->series.reserve(out_->series.size() + expected_series);
    next_.reserve(out_->series.size() + expected_series);
    for (size_t i = 0; i < out_->series.size(); ++i) {
      const Labels& l = out_->series[i].labels;
      Index(static_cast<uint32_t>(i), HashRange(l.data(), l.size()));
    }
    for (const auto& m : out_->metadata) seen_metadata_.insert(MetadataKey(m));
    for (const auto& r : out_->drop_reasons) seen_reasons_.insert(r);
  }

  void ConvertResource(const pdata::ResourceMetrics& rm);
  void SortTouched();

 private:
  struct AttrEntry {
    const std::string* name;
    std::string_view key;
    const pdata::AnyValue* value;
  };

  const std::string& LabelNameFor(std::string_view key) {
    auto it = label_names_.find(key);
    if (it == label_names_.end()) it = label_names_.emplace(key, PrometheusLabelName(key)).first;
    return it->second;
  }

  void AttributesToLabels(const pdata::Attributes& attrs, bool skip_identifying, LabelScratch* out);
  void BuildScopeOverlay(const pdata::ScopeMetrics& sm);
  void ConvertMetric(const pdata::Metric& metric);
  void ConvertNumberPoints(const pdata::Metric& metric, const std::string& family, bool is_sum);
  void ConvertHistogramPoints(const pdata::Metric& metric, const std::string& family);
  void ConvertSummaryPoints(const pdata::Metric& metric, const std::string& family);
  void ConvertExponentialPoints(const pdata::Metric& metric, const std::string& family);
  void AddTargetInfo(const pdata::Resource& resource, uint64_t earliest_ns, uint64_t latest_ns);

  // base_ = point attributes overlaid with the scope/job/instance labels.
  void BuildBase(const pdata::Attributes& attrs) {
    AttributesToLabels(attrs, false, &attrs_);
    MergeSorted(attrs_.data(), attrs_.n, overlay_.data(), overlay_.size(), false, &base_);
  }
  // Adds a sample to the series base_ + {__name__=name, extra_name=extra_value}; returns the
  // series index.
  uint32_t AddSample(std::string_view name, std::string_view extra_name,
                     std::string_view extra_value, int64_t t_ms, double v);
  uint32_t FindOrAddSeries();
  void Index(uint32_t idx, uint64_t hash);
  void Touch(uint32_t idx) {
    if (idx >= touched_flag_.size()) touched_flag_.resize(idx + 1, false);
    if (!touched_flag_[idx]) {
      touched_flag_[idx] = true;
      touched_.push_back(idx);
    }
  }

  ExemplarData ConvertExemplar(const pdata::Exemplar& e);
  void AddMetadata(const std::string& family, std::string_view type, std::string_view help,
                   std::string unit);
  void Drop(const pdata::Metric& metric, size_t points, std::string_view reason);

  static std::string MetadataKey(const MetricFamilyMetadata& m) {
    std::string k = m.name;
    for (const std::string* s : {&m.metadata.type, &m.metadata.help, &m.metadata.unit}) {
      k += '\0';
      k += *s;
    }
    return k;
  }

  const ConvertOptions& options_;
  ConvertedMetrics* out_;

  std::unordered_map<std::string_view, std::string> label_names_;  // keys live in the batch
  HashHeads head_;
  std::vector<uint32_t> next_;  // chain of series sharing a hash
  std::vector<uint32_t> touched_;
  std::vector<bool> touched_flag_;
  std::unordered_set<std::string> seen_metadata_;
  std::unordered_set<std::string> seen_reasons_;

  Labels overlay_;  // scope labels, job, instance: win over point attributes
  std::vector<AttrEntry> entries_;
  LabelScratch attrs_, base_, final_;
  std::string value_buf_;
  std::vector<double> bounds_;
  std::vector<uint32_t> bucket_series_;

  // Delta points (DeltaPoint): while one is converted, AddSample records its values as deltas.
  static constexpr uint32_t kNoDeltaPoint = UINT32_MAX;
  bool delta_ = false;  // the metric being converted has delta temporality
  uint32_t delta_point_ = kNoDeltaPoint;
  uint32_t delta_component_ = 0;
  // Starts a DeltaPoint for a point of `metric` with base_ labels, when the metric is delta and
  // the point has a value (a no-value point is a staleness marker, stored as it is).
  void BeginDeltaPoint(const pdata::Metric& metric, const std::string& family, uint64_t start_ns,
                       uint64_t t_ns, bool no_value, uint64_t layout);
  void EndDeltaPoint() {
    if (delta_point_ != kNoDeltaPoint)
      out_->delta_points[delta_point_].components = delta_component_;
    delta_point_ = kNoDeltaPoint;
  }

  // Per resource.
  bool have_job_ = false, have_instance_ = false;
  std::string job_, instance_;
};

void Converter::Index(uint32_t idx, uint64_t hash) {
  if (next_.size() <= idx) next_.resize(idx + 1, UINT32_MAX);
  bool inserted;
  uint32_t& head = head_.Insert(hash, idx, &inserted);
  if (!inserted) {
    next_[idx] = head;
    head = idx;
  }
}

uint32_t Converter::FindOrAddSeries() {
  uint64_t h = HashRange(final_.data(), final_.n);
  if (const uint32_t* head = head_.Find(h)) {
    for (uint32_t i = *head; i != UINT32_MAX; i = next_[i]) {
      if (EqualRange(out_->series[i].labels, final_.data(), final_.n)) return i;
    }
  }
  uint32_t idx = static_cast<uint32_t>(out_->series.size());
  ConvertedSeries& s = out_->series.emplace_back();
  s.labels.assign(final_.slots.begin(), final_.slots.begin() + final_.n);
  Index(idx, h);
  return idx;
}

uint32_t Converter::AddSample(std::string_view name, std::string_view extra_name,
                              std::string_view extra_value, int64_t t_ms, double v) {
  // "__name__" sorts before "le" and "quantile", so the extras are already in order.
  ViewLabel extras[2] = {{"__name__", name}, {extra_name, extra_value}};
  MergeSorted(base_.data(), base_.n, extras, extra_name.empty() ? 1 : 2, true, &final_);
  uint32_t idx = FindOrAddSeries();
  if (delta_point_ != kNoDeltaPoint) {
    out_->series[idx].deltas.push_back(DeltaValue{delta_point_, delta_component_++, v});
    return idx;
  }
  out_->series[idx].samples.push_back(Sample{t_ms, v});
  Touch(idx);
  return idx;
}

void Converter::BeginDeltaPoint(const pdata::Metric& metric, const std::string& family,
                                uint64_t start_ns, uint64_t t_ns, bool no_value, uint64_t layout) {
  if (!delta_ || no_value) return;
  ViewLabel name[1] = {{"__name__", family}};
  MergeSorted(base_.data(), base_.n, name, 1, true, &final_);
  delta_point_ = static_cast<uint32_t>(out_->delta_points.size());
  delta_component_ = 0;
  DeltaPoint& p = out_->delta_points.emplace_back();
  p.stream.assign(final_.slots.begin(), final_.slots.begin() + final_.n);
  p.start_ns = start_ns;
  p.t_ns = t_ns;
  p.layout = layout;
  p.metric = metric.name;
}

void Converter::AttributesToLabels(const pdata::Attributes& attrs, bool skip_identifying,
                                   LabelScratch* out) {
  entries_.clear();
  for (const auto& kv : attrs) {
    if (skip_identifying && IsIdentifying(kv.key)) continue;
    const std::string& name = LabelNameFor(kv.key);
    if (name.empty()) continue;
    entries_.push_back(AttrEntry{&name, kv.key, &kv.value});
  }
  // By label name, then by original key: keys that sanitise to one name are joined with ";"
  // in key order, as the translator does.
  std::stable_sort(entries_.begin(), entries_.end(), [](const AttrEntry& a, const AttrEntry& b) {
    if (*a.name != *b.name) return *a.name < *b.name;
    return a.key < b.key;
  });
  out->Clear();
  for (const auto& e : entries_) {
    Label* l;
    if (out->n > 0 && out->slots[out->n - 1].name == *e.name) {
      l = &out->slots[out->n - 1];
      l->value += ';';
    } else {
      l = &out->Next();
      l->name.assign(*e.name);
      l->value.clear();
    }
    if (e.value->type == pdata::AnyValue::Type::kString) {
      l->value.append(e.value->string_value);
    } else {
      promconv::AppendAttributeValueString(*e.value, &l->value);
    }
  }
}

void Converter::BuildScopeOverlay(const pdata::ScopeMetrics& sm) {
  overlay_.clear();
  const pdata::InstrumentationScope& scope = sm.scope;
  if (options_.add_scope_labels && !scope.name.empty()) {
    for (const auto& kv : scope.attributes) {
      std::string name = PrometheusLabelName("otel_scope_" + std::string(kv.key));
      if (name.empty()) continue;
      std::string value;
      promconv::AppendAttributeValueString(kv.value, &value);
      overlay_.push_back(Label{std::move(name), std::move(value)});
    }
    overlay_.push_back(Label{"otel_scope_name", std::string(scope.name)});
    overlay_.push_back(Label{"otel_scope_version", std::string(scope.version)});
    overlay_.push_back(Label{"otel_scope_schema_url", std::string(sm.schema_url)});
  }
  if (have_job_) overlay_.push_back(Label{"job", job_});
  if (have_instance_) overlay_.push_back(Label{"instance", instance_});
  SortLabels(overlay_);  // later entries win, like the translator's map assignments
}

void Converter::ConvertResource(const pdata::ResourceMetrics& rm) {
  const pdata::Attributes& rattrs = rm.resource.attributes;
  const pdata::AnyValue* service = pdata::FindAttribute(rattrs, kServiceName);
  const pdata::AnyValue* ns = pdata::FindAttribute(rattrs, kServiceNamespace);
  const pdata::AnyValue* inst = pdata::FindAttribute(rattrs, kServiceInstanceId);
  have_job_ = service != nullptr;
  have_instance_ = inst != nullptr;
  job_.clear();
  instance_.clear();
  if (service) {
    if (ns) {
      promconv::AppendAttributeValueString(*ns, &job_);
      if (!job_.empty()) job_ += '/';
    }
    promconv::AppendAttributeValueString(*service, &job_);
  }
  if (inst) promconv::AppendAttributeValueString(*inst, &instance_);

  uint64_t earliest = std::numeric_limits<uint64_t>::max(), latest = 0;
  auto span = [&](const auto& points) {
    for (const auto& p : points) {
      earliest = std::min(earliest, p.time_unix_nano);
      latest = std::max(latest, p.time_unix_nano);
    }
  };
  for (const auto& sm : rm.scope_metrics) {
    BuildScopeOverlay(sm);
    for (const auto& metric : sm.metrics) {
      // Like the translator, target_info spans every point of the resource, stored or not.
      span(metric.number_points);
      span(metric.histogram_points);
      span(metric.exp_histogram_points);
      span(metric.summary_points);
      ConvertMetric(metric);
    }
  }
  if (options_.target_info && earliest <= latest) AddTargetInfo(rm.resource, earliest, latest);
}

void Converter::ConvertMetric(const pdata::Metric& metric) {
  size_t points = metric.DataPointCount();
  if (points == 0) return;
  MetricKind kind = promconv::KindOf(metric);
  switch (kind) {
    case MetricKind::kUnknown:
      Drop(metric, points, "metric has no data type");
      return;
    case MetricKind::kExponentialHistogram:
    case MetricKind::kMonotonicCounter:
    case MetricKind::kNonMonotonicCounter:
    case MetricKind::kHistogram:
      if (metric.temporality != pdata::AggregationTemporality::kCumulative &&
          metric.temporality != pdata::AggregationTemporality::kDelta) {
        Drop(metric, points, "aggregation temporality is unspecified");
        return;
      }
      break;
    case MetricKind::kGauge:
    case MetricKind::kSummary:
      break;
  }
  std::string family = options_.add_metric_suffixes
                           ? promconv::BuildMetricName(metric.name, metric.unit, kind)
                           : promconv::BuildMetricName(metric.name, "", MetricKind::kUnknown);
  if (!family.empty()) family.insert(0, options_.name_prefix);
  if (family.empty()) {
    Drop(metric, points, "name does not translate to a valid Prometheus metric name");
    return;
  }
  delta_ = metric.temporality == pdata::AggregationTemporality::kDelta &&
           kind != MetricKind::kGauge && kind != MetricKind::kSummary;
  if (kind == MetricKind::kExponentialHistogram) {
    AddMetadata(family, "histogram", metric.description, promconv::PrometheusUnit(metric.unit));
    ConvertExponentialPoints(metric, family);
    return;
  }
  switch (kind) {
    case MetricKind::kGauge:
      AddMetadata(family, "gauge", metric.description, promconv::PrometheusUnit(metric.unit));
      ConvertNumberPoints(metric, family, false);
      break;
    case MetricKind::kMonotonicCounter:
    case MetricKind::kNonMonotonicCounter:
      AddMetadata(family, kind == MetricKind::kMonotonicCounter ? "counter" : "gauge",
                  metric.description, promconv::PrometheusUnit(metric.unit));
      ConvertNumberPoints(metric, family, true);
      break;
    case MetricKind::kHistogram:
      AddMetadata(family, "histogram", metric.description, promconv::PrometheusUnit(metric.unit));
      ConvertHistogramPoints(metric, family);
      break;
    case MetricKind::kSummary:
      AddMetadata(family, "summary", metric.description, promconv::PrometheusUnit(metric.unit));
      ConvertSummaryPoints(metric, family);
      break;
    default:
      break;
  }
}

void Converter::ConvertNumberPoints(const pdata::Metric& metric, const std::string& family,
                                    bool is_sum) {
  const double stale = std::bit_cast<double>(kStaleNaNBits);
  for (const auto& p : metric.number_points) {
    BuildBase(p.attributes);
    // A point without a value becomes 0, as in the translator.
    const bool no_value = p.flags & pdata::kNoRecordedValueFlag;
    double v = no_value ? stale : p.ValueAsDouble();
    BeginDeltaPoint(metric, family, p.start_time_unix_nano, p.time_unix_nano, no_value, 0);
    uint32_t idx = AddSample(family, {}, {}, NanosToMillis(p.time_unix_nano), v);
    EndDeltaPoint();
    // Exemplars go with sums (the translator keeps them for every sum); gauge exemplars are
    // dropped as in the Prometheus exporters.
    if (is_sum) {
      for (const auto& e : p.exemplars) out_->series[idx].exemplars.push_back(ConvertExemplar(e));
    }
  }
}

void Converter::ConvertHistogramPoints(const pdata::Metric& metric, const std::string& family) {
  const double stale = std::bit_cast<double>(kStaleNaNBits);
  const std::string bucket_name = family + "_bucket";
  const std::string sum_name = family + "_sum";
  const std::string count_name = family + "_count";
  for (const auto& p : metric.histogram_points) {
    BuildBase(p.attributes);
    const int64_t t = NanosToMillis(p.time_unix_nano);
    const bool no_value = p.flags & pdata::kNoRecordedValueFlag;
    size_t n = std::min(p.explicit_bounds.size(), p.bucket_counts.size());
    // A delta stream whose buckets (or whether it has a sum) change starts over.
    uint64_t layout = p.sum ? 0x5bd1e995u : 1;
    for (size_t i = 0; i < n; ++i)
      layout = Mix(layout ^ std::bit_cast<uint64_t>(p.explicit_bounds[i]));
    BeginDeltaPoint(metric, family, p.start_time_unix_nano, p.time_unix_nano, no_value, layout);
    bucket_series_.clear();
    uint64_t cumulative = 0;
    for (size_t i = 0; i < n; ++i) {
      cumulative += p.bucket_counts[i];
      value_buf_.clear();
      promconv::AppendPromFloat(p.explicit_bounds[i], &value_buf_);
      bucket_series_.push_back(AddSample(bucket_name, "le", value_buf_, t,
                                         no_value ? stale : static_cast<double>(cumulative)));
    }
    uint32_t inf_series =
        AddSample(bucket_name, "le", "+Inf", t, no_value ? stale : static_cast<double>(p.count));
    AddSample(count_name, {}, {}, t, no_value ? stale : static_cast<double>(p.count));
    if (p.sum) AddSample(sum_name, {}, {}, t, no_value ? stale : *p.sum);
    EndDeltaPoint();

    // Each exemplar goes to the bucket whose upper bound is the smallest one ≥ its value.
    for (const auto& e : p.exemplars) {
      ExemplarData ex = ConvertExemplar(e);
      if (std::isnan(ex.value)) continue;  // fits no bucket (the translator drops it too)
      uint32_t target = inf_series;
      double best = std::numeric_limits<double>::infinity();
      for (size_t i = 0; i < n; ++i) {
        double b = p.explicit_bounds[i];
        if (ex.value <= b && b < best) {
          best = b;
          target = bucket_series_[i];
        }
      }
      out_->series[target].exemplars.push_back(std::move(ex));
    }
  }
}

void Converter::ConvertExponentialPoints(const pdata::Metric& metric, const std::string& family) {
  std::string why;
  for (const auto& p : metric.exp_histogram_points) {
    NativeHistogram h;
    if (!NativeHistogram::FromOtlp(p, &h, &why)) {
      Drop(metric, 1, why);
      continue;
    }
    BuildBase(p.attributes);
    const int64_t t = NanosToMillis(p.time_unix_nano);
    const bool stale = h.IsStaleMarker();
    BeginDeltaPoint(metric, family, p.start_time_unix_nano, p.time_unix_nano, stale, 0);
    ViewLabel name[1] = {{"__name__", family}};
    MergeSorted(base_.data(), base_.n, name, 1, true, &final_);
    uint32_t idx = FindOrAddSeries();
    ConvertedSeries& s = out_->series[idx];
    if (delta_point_ != kNoDeltaPoint) {
      out_->delta_points[delta_point_].histogram = true;
      s.delta_histograms.push_back(DeltaHistogram{delta_point_, std::move(h)});
      delta_point_ = kNoDeltaPoint;
    } else {
      s.histograms.push_back(HistogramSample{t, std::move(h)});
      Touch(idx);
    }
    for (const auto& e : p.exemplars) out_->series[idx].exemplars.push_back(ConvertExemplar(e));
  }
}

void Converter::ConvertSummaryPoints(const pdata::Metric& metric, const std::string& family) {
  const double stale = std::bit_cast<double>(kStaleNaNBits);
  const std::string sum_name = family + "_sum";
  const std::string count_name = family + "_count";
  for (const auto& p : metric.summary_points) {
    BuildBase(p.attributes);
    const int64_t t = NanosToMillis(p.time_unix_nano);
    const bool no_value = p.flags & pdata::kNoRecordedValueFlag;
    for (const auto& q : p.quantile_values) {
      value_buf_.clear();
      promconv::AppendPromFloat(q.quantile, &value_buf_);
      AddSample(family, "quantile", value_buf_, t, no_value ? stale : q.value);
    }
    AddSample(count_name, {}, {}, t, no_value ? stale : static_cast<double>(p.count));
    AddSample(sum_name, {}, {}, t, no_value ? stale : p.sum);
  }
}

void Converter::AddTargetInfo(const pdata::Resource& resource, uint64_t earliest_ns,
                              uint64_t latest_ns) {
  size_t other = 0;
  for (const auto& kv : resource.attributes)
    if (!IsIdentifying(kv.key)) ++other;
  if (other == 0) return;  // job and instance alone say nothing target_info would add
  AttributesToLabels(resource.attributes, true, &attrs_);
  Labels ids;
  if (have_instance_) ids.push_back(Label{"instance", instance_});
  if (have_job_) ids.push_back(Label{"job", job_});
  MergeSorted(attrs_.data(), attrs_.n, ids.data(), ids.size(), false, &base_);
  bool identified = false;
  for (size_t i = 0; i < base_.n; ++i) {
    const Label& l = base_.slots[i];
    if ((l.name == "job" || l.name == "instance") && !l.value.empty()) identified = true;
  }
  if (!identified) return;  // a target_info nobody can join against is useless

  const std::string name = options_.name_prefix + "target_info";
  AddMetadata(name, "gauge", "Target metadata", "");
  const uint64_t step_ns =
      static_cast<uint64_t>(std::max<int64_t>(options_.lookback_delta_ms, 0)) / 2 * 1000000ull;
  int64_t last_ms = std::numeric_limits<int64_t>::min();
  if (step_ns > 0) {
    for (uint64_t t = earliest_ns; t < latest_ns;) {
      last_ms = NanosToMillis(t);
      AddSample(name, {}, {}, last_ms, 1.0);
      if (latest_ns - t <= step_ns) break;
      t += step_ns;
    }
  }
  if (last_ms < NanosToMillis(latest_ns)) {
    AddSample(name, {}, {}, NanosToMillis(latest_ns), 1.0);
  }
}

ExemplarData Converter::ConvertExemplar(const pdata::Exemplar& e) {
  ExemplarData d;
  d.value = e.is_int ? static_cast<double>(e.as_int) : e.as_double;
  d.t_ms = NanosToMillis(e.time_unix_nano);
  size_t runes = 0;
  std::string trace, span;
  if (!e.trace_id.empty()) {
    trace = e.trace_id.Hex();
    runes += 8 + trace.size();  // "trace_id"
  }
  if (!e.span_id.empty()) {
    span = e.span_id.Hex();
    runes += 7 + span.size();  // "span_id"
  }
  if (!e.filtered_attributes.empty()) {
    AttributesToLabels(e.filtered_attributes, false, &attrs_);
    for (size_t i = 0; i < attrs_.n; ++i)
      runes += RuneCount(attrs_.slots[i].name) + RuneCount(attrs_.slots[i].value);
    // Over the limit, the attributes are left out and only the ids kept (as the translator).
    if (runes <= kMaxExemplarRunes) {
      for (size_t i = 0; i < attrs_.n; ++i)
        if (!attrs_.slots[i].value.empty()) d.labels.push_back(attrs_.slots[i]);
    }
  }
  // The ids take precedence over attributes of the same name.
  if (!span.empty()) SetLabel(d.labels, "span_id", span);
  if (!trace.empty()) SetLabel(d.labels, "trace_id", trace);
  return d;
}

void Converter::AddMetadata(const std::string& family, std::string_view type, std::string_view help,
                            std::string unit) {
  MetricFamilyMetadata m{family,
                         MetricMetadata{std::string(type), std::string(help), std::move(unit)}};
  if (seen_metadata_.insert(MetadataKey(m)).second) out_->metadata.push_back(std::move(m));
}

void Converter::Drop(const pdata::Metric& metric, size_t points, std::string_view reason) {
  out_->dropped_points += points;
  if (out_->drop_reasons.size() >= kMaxDropReasons) return;
  std::string r = "metric \"";
  r += metric.name;
  r += "\": ";
  r += reason;
  if (seen_reasons_.insert(r).second) out_->drop_reasons.push_back(std::move(r));
}

void Converter::SortTouched() {
  auto by_time = [](const auto& a, const auto& b) { return a.t_ms < b.t_ms; };
  for (uint32_t idx : touched_) {
    ConvertedSeries& s = out_->series[idx];
    if (!std::is_sorted(s.samples.begin(), s.samples.end(), by_time))
      std::stable_sort(s.samples.begin(), s.samples.end(), by_time);
    if (!std::is_sorted(s.histograms.begin(), s.histograms.end(), by_time))
      std::stable_sort(s.histograms.begin(), s.histograms.end(), by_time);
    if (!std::is_sorted(s.exemplars.begin(), s.exemplars.end(), by_time))
      std::stable_sort(s.exemplars.begin(), s.exemplars.end(), by_time);
  }
}

}  // namespace

void AddDropReason(std::string reason, ConvertedMetrics* out) {
  if (out->drop_reasons.size() >= kMaxDropReasons) return;
  if (std::find(out->drop_reasons.begin(), out->drop_reasons.end(), reason) !=
      out->drop_reasons.end())
    return;
  out->drop_reasons.push_back(std::move(reason));
}

void ConvertMetrics(const pdata::MetricBatch& batch, const ConvertOptions& options,
                    ConvertedMetrics* out) {
  // Most points are a series of their own; histograms are several (buckets, sum, count).
  Converter converter(options, out, 2 * batch.ItemCount());
  for (const auto& rm : batch.resources()) converter.ConvertResource(rm);
  converter.SortTouched();
}

}  // namespace otter::store
