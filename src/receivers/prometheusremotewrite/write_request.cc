#include "receivers/prometheusremotewrite/write_request.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "otlp/proto_reader.h"

namespace otter::prometheusremotewrite {
namespace {

using otlp::wire::Reader;

bool DecodeLabel(std::string_view m, RwLabel* out) {
  Reader r(m);
  uint32_t f, t;
  while (!r.done()) {
    if (!r.Next(&f, &t)) return false;
    if (f == 1 && t == 2) {
      if (!r.Bytes(&out->name)) return false;
    } else if (f == 2 && t == 2) {
      if (!r.Bytes(&out->value)) return false;
    } else if (!r.Skip(t)) {
      return false;
    }
  }
  return true;
}

bool DecodeSample(std::string_view m, double* value, int64_t* t_ms, uint32_t value_field,
                  uint32_t ts_field, std::vector<RwLabel>* labels) {
  Reader r(m);
  uint32_t f, t;
  while (!r.done()) {
    if (!r.Next(&f, &t)) return false;
    uint64_t v;
    std::string_view s;
    if (f == value_field && t == 1) {
      if (!r.Fixed64(&v)) return false;
      *value = std::bit_cast<double>(v);
    } else if (f == ts_field && t == 0) {
      if (!r.Varint(&v)) return false;
      *t_ms = static_cast<int64_t>(v);
    } else if (labels && f == 1 && t == 2) {
      RwLabel l;
      if (!r.Bytes(&s) || !DecodeLabel(s, &l)) return false;
      labels->push_back(l);
    } else if (!r.Skip(t)) {
      return false;
    }
  }
  return true;
}

int64_t Unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

bool DecodeSpan(std::string_view m, RwHistogram::Span* out) {
  Reader r(m);
  uint32_t f, t;
  while (!r.done()) {
    uint64_t v;
    if (!r.Next(&f, &t)) return false;
    if ((f == 1 || f == 2) && t == 0) {
      if (!r.Varint(&v)) return false;
      if (f == 1)
        out->offset = static_cast<int32_t>(Unzigzag(v));
      else
        out->length = static_cast<uint32_t>(v);
    } else if (!r.Skip(t)) {
      return false;
    }
  }
  return true;
}

// Repeated sint64 deltas (packed or not) as running absolute counts. The sum wraps around as
// Go's int64 does (a wrapped count comes out negative, and the sample is skipped).
bool AppendDeltas(Reader& r, uint32_t type, std::vector<double>* out, int64_t* running) {
  uint64_t v;
  auto one = [&](uint64_t raw) {
    *running = static_cast<int64_t>(static_cast<uint64_t>(*running) +
                                    static_cast<uint64_t>(Unzigzag(raw)));
    out->push_back(static_cast<double>(*running));
  };
  if (type == 0) {
    if (!r.Varint(&v)) return false;
    one(v);
    return true;
  }
  std::string_view packed;
  if (type != 2 || !r.Bytes(&packed)) return false;
  Reader p(packed);
  while (!p.done()) {
    if (!p.Varint(&v)) return false;
    one(v);
  }
  return true;
}

// Repeated doubles (packed or not).
bool AppendDoubles(Reader& r, uint32_t type, std::vector<double>* out) {
  uint64_t v;
  if (type == 1) {
    if (!r.Fixed64(&v)) return false;
    out->push_back(std::bit_cast<double>(v));
    return true;
  }
  std::string_view packed;
  if (type != 2 || !r.Bytes(&packed)) return false;
  Reader p(packed);
  while (!p.done()) {
    if (!p.Fixed64(&v)) return false;
    out->push_back(std::bit_cast<double>(v));
  }
  return true;
}

// prometheus.Histogram: count_int 1 / count_float 2, sum 3, schema 4 (sint32), zero_threshold
// 5, zero_count_int 6 / zero_count_float 7, negative spans 8 / deltas 9 (sint64) / counts 10,
// positive spans 11 / deltas 12 / counts 13, reset_hint 14, timestamp 15.
bool DecodeHistogram(std::string_view m, RwHistogram* out) {
  Reader r(m);
  uint32_t f, t;
  int64_t neg_running = 0, pos_running = 0;
  while (!r.done()) {
    if (!r.Next(&f, &t)) return false;
    uint64_t v;
    std::string_view s;
    bool ok = true;
    switch (f) {
      case 1:
      case 6:
      case 4:
      case 14:
      case 15:
        if (t != 0 || !r.Varint(&v)) return false;
        if (f == 1) out->count = static_cast<double>(v);
        if (f == 6) out->zero_count = static_cast<double>(v);
        if (f == 4) out->schema = static_cast<int32_t>(Unzigzag(v));
        if (f == 14) out->reset_hint = static_cast<int>(v);
        if (f == 15) out->t_ms = static_cast<int64_t>(v);
        break;
      case 2:
      case 3:
      case 5:
      case 7: {
        if (t != 1 || !r.Fixed64(&v)) return false;
        double d = std::bit_cast<double>(v);
        if (f == 2) out->count = d, out->float_counts = true;
        if (f == 3) out->sum = d;
        if (f == 5) out->zero_threshold = d;
        if (f == 7) out->zero_count = d, out->float_counts = true;
        break;
      }
      case 8:
      case 11: {
        RwHistogram::Span span;
        if (t != 2 || !r.Bytes(&s) || !DecodeSpan(s, &span)) return false;
        (f == 8 ? out->negative_spans : out->positive_spans).push_back(span);
        break;
      }
      case 9:
        ok = AppendDeltas(r, t, &out->negative_counts, &neg_running);
        break;
      case 12:
        ok = AppendDeltas(r, t, &out->positive_counts, &pos_running);
        break;
      case 10:
      case 13:
        ok = AppendDoubles(r, t, f == 10 ? &out->negative_counts : &out->positive_counts);
        out->float_counts = true;
        break;
      default:
        ok = r.Skip(t);
    }
    if (!ok) return false;
  }
  return true;
}

bool DecodeSeries(std::string_view m, RwSeries* out) {
  Reader r(m);
  uint32_t f, t;
  while (!r.done()) {
    if (!r.Next(&f, &t)) return false;
    std::string_view s;
    if (t != 2) {
      if (!r.Skip(t)) return false;
      continue;
    }
    if (!r.Bytes(&s)) return false;
    if (f == 1) {
      RwLabel l;
      if (!DecodeLabel(s, &l)) return false;
      out->labels.push_back(l);
    } else if (f == 2) {
      RwSample smp;
      if (!DecodeSample(s, &smp.value, &smp.t_ms, 1, 2, nullptr)) return false;
      out->samples.push_back(smp);
    } else if (f == 3) {
      RwExemplar e;
      if (!DecodeSample(s, &e.value, &e.t_ms, 2, 3, &e.labels)) return false;
      out->exemplars.push_back(std::move(e));
    } else if (f == 4) {
      if (!DecodeHistogram(s, &out->histograms.emplace_back())) return false;
    }
  }
  return true;
}

bool DecodeMetadata(std::string_view m, RwMetadata* out) {
  Reader r(m);
  uint32_t f, t;
  while (!r.done()) {
    if (!r.Next(&f, &t)) return false;
    uint64_t v;
    if (f == 1 && t == 0) {
      if (!r.Varint(&v)) return false;
      out->type = static_cast<int>(v);
    } else if (t == 2 && (f == 2 || f == 4 || f == 5)) {
      std::string_view* dst = f == 2 ? &out->family : f == 4 ? &out->help : &out->unit;
      if (!r.Bytes(dst)) return false;
    } else if (!r.Skip(t)) {
      return false;
    }
  }
  return true;
}

// A count OTLP can carry: a whole number in [0, 2^64) (float counts past it were an undefined
// conversion).
bool IsUint64Count(double c) { return c >= 0 && c < 0x1p64 && c == std::floor(c); }

// The OTLP buckets of one side: offset = first Prometheus index - 1, gaps between spans as zeros.
// False when the spans and counts disagree, a gap between spans is negative or wider than any
// float64 range at the finest schema (8: fewer than 2^20 buckets), or a count is not a whole
// number below 2^64.
bool ToOtlpBuckets(const std::vector<RwHistogram::Span>& spans, const std::vector<double>& counts,
                   pdata::ExponentialBuckets* out) {
  constexpr int64_t kMaxBuckets = int64_t{1} << 20;
  size_t total = 0;
  for (const auto& sp : spans) total += sp.length;
  if (total != counts.size()) return false;
  int64_t index = 0;
  size_t next = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    index += spans[i].offset;
    if (i == 0) {
      out->offset = static_cast<int32_t>(index - 1);
    } else {
      if (spans[i].offset < 0 ||
          static_cast<int64_t>(out->bucket_counts.size()) + spans[i].offset > kMaxBuckets)
        return false;
      out->bucket_counts.resize(out->bucket_counts.size() + static_cast<size_t>(spans[i].offset));
    }
    for (uint32_t k = 0; k < spans[i].length; ++k, ++next) {
      double c = counts[next];
      if (!IsUint64Count(c)) return false;
      out->bucket_counts.push_back(static_cast<uint64_t>(c));
    }
    index += spans[i].length;
  }
  return true;
}

bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == 0x7ff0000000000002ull; }

// False (the sample is skipped) for what OTLP cannot carry.
bool ToOtlpPoint(const RwHistogram& h, pdata::ExponentialHistogramDataPoint* p) {
  if (h.reset_hint == RwHistogram::kGauge || h.schema < -4 || h.schema > 8) return false;
  if (!IsUint64Count(h.count) || !IsUint64Count(h.zero_count)) return false;
  if (!ToOtlpBuckets(h.positive_spans, h.positive_counts, &p->positive) ||
      !ToOtlpBuckets(h.negative_spans, h.negative_counts, &p->negative))
    return false;
  p->time_unix_nano = static_cast<uint64_t>(std::max<int64_t>(h.t_ms, 0)) * 1'000'000;
  p->count = static_cast<uint64_t>(h.count);
  p->scale = h.schema;
  p->zero_count = static_cast<uint64_t>(h.zero_count);
  p->zero_threshold = h.zero_threshold;
  if (IsStaleNaN(h.sum))
    p->flags = pdata::kNoRecordedValueFlag;
  else
    p->sum = h.sum;
  return true;
}

void AttachExemplars(const std::vector<RwExemplar>& from, pdata::ArenaSet& arenas,
                     std::vector<pdata::Exemplar>* to) {
  for (const RwExemplar& e : from) {
    pdata::Exemplar& ex = to->emplace_back();
    ex.as_double = e.value;
    ex.time_unix_nano = static_cast<uint64_t>(std::max<int64_t>(e.t_ms, 0)) * 1'000'000;
    for (const auto& l : e.labels) {
      if (l.name == "trace_id" && pdata::ParseHexId(l.value, &ex.trace_id)) continue;
      if (l.name == "span_id" && pdata::ParseHexId(l.value, &ex.span_id)) continue;
      ex.filtered_attributes.push_back(
          {arenas.Copy(l.name), pdata::AnyValue::String(arenas.Copy(l.value))});
    }
  }
}

std::string_view Label(const std::vector<RwLabel>& labels, std::string_view name) {
  for (const auto& l : labels)
    if (l.name == name) return l.value;
  return {};
}

}  // namespace

StatusOr<RwRequest> DecodeWriteRequest(std::string_view body) {
  RwRequest out;
  Reader r(body);
  uint32_t f, t;
  while (!r.done()) {
    if (!r.Next(&f, &t)) return InvalidArgument("malformed protobuf: bad field tag");
    std::string_view s;
    if (t != 2) {
      if (!r.Skip(t)) return InvalidArgument("malformed protobuf: truncated field");
      continue;
    }
    if (!r.Bytes(&s)) return InvalidArgument("malformed protobuf: truncated field");
    if (f == 1) {
      RwSeries series;
      if (!DecodeSeries(s, &series))
        return InvalidArgument("malformed protobuf in timeseries[" +
                               std::to_string(out.series.size()) + "]");
      out.series.push_back(std::move(series));
    } else if (f == 3) {
      RwMetadata md;
      if (!DecodeMetadata(s, &md))
        return InvalidArgument("malformed protobuf in metadata[" +
                               std::to_string(out.metadata.size()) + "]");
      out.metadata.push_back(md);
    }
  }
  return out;
}

pdata::MetricBatch TranslateWriteRequest(
    const RwRequest& request, const std::map<std::string, FamilyInfo, std::less<>>& families,
    TranslateStats* stats) {
  pdata::MetricBatch batch;
  auto& arenas = batch.arenas();
  std::map<std::pair<std::string_view, std::string_view>, size_t> resource_of;  // (job, instance)
  auto& resources = batch.resources();
  for (const RwSeries& s : request.series) {
    std::string_view name = Label(s.labels, "__name__");
    if (name.empty()) {
      ++stats->skipped_series;
      continue;
    }
    if (s.samples.empty() && s.histograms.empty()) continue;
    std::string_view job = Label(s.labels, "job"), instance = Label(s.labels, "instance");
    auto [it, fresh] = resource_of.try_emplace({job, instance}, resources.size());
    if (fresh) {
      auto& rm = resources.emplace_back();
      auto& attrs = rm.resource.attributes;
      if (!job.empty()) {
        size_t slash = job.find('/');
        if (slash != std::string_view::npos) {
          attrs.push_back(
              {"service.namespace", pdata::AnyValue::String(arenas.Copy(job.substr(0, slash)))});
          attrs.push_back(
              {"service.name", pdata::AnyValue::String(arenas.Copy(job.substr(slash + 1)))});
        } else {
          attrs.push_back({"service.name", pdata::AnyValue::String(arenas.Copy(job))});
        }
      }
      if (!instance.empty())
        attrs.push_back({"service.instance.id", pdata::AnyValue::String(arenas.Copy(instance))});
      rm.scope_metrics.emplace_back();
    }
    auto& metrics = resources[it->second].scope_metrics[0].metrics;
    pdata::Metric& m = metrics.emplace_back();
    m.name = arenas.Copy(name);
    auto fam = families.find(name);
    if (fam == families.end() && name.ends_with("_total"))
      fam = families.find(name.substr(0, name.size() - 6));
    if (fam != families.end()) m.description = arenas.Copy(fam->second.help);
    pdata::Attributes attrs;
    for (const auto& l : s.labels) {
      if (l.name == "__name__" || l.name == "job" || l.name == "instance") continue;
      attrs.push_back({arenas.Copy(l.name), pdata::AnyValue::String(arenas.Copy(l.value))});
    }
    if (!s.histograms.empty()) {
      m.type = pdata::MetricType::kExponentialHistogram;
      m.temporality = pdata::AggregationTemporality::kCumulative;
      for (const RwHistogram& h : s.histograms) {
        pdata::ExponentialHistogramDataPoint p;
        if (!ToOtlpPoint(h, &p)) {
          ++stats->skipped_histograms;
          continue;
        }
        p.attributes = attrs;
        m.exp_histogram_points.push_back(std::move(p));
        ++stats->points;
      }
      if (m.exp_histogram_points.empty())
        metrics.pop_back();
      else
        AttachExemplars(s.exemplars, arenas, &m.exp_histogram_points.back().exemplars);
      continue;
    }
    const bool counter = fam != families.end() && fam->second.type == 1;
    m.type = counter ? pdata::MetricType::kSum : pdata::MetricType::kGauge;
    if (counter) {
      m.temporality = pdata::AggregationTemporality::kCumulative;
      m.is_monotonic = true;
    }
    for (const RwSample& smp : s.samples) {
      pdata::NumberDataPoint& p = m.number_points.emplace_back();
      p.attributes = attrs;
      p.time_unix_nano = static_cast<uint64_t>(std::max<int64_t>(smp.t_ms, 0)) * 1'000'000;
      p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
      p.as_double = smp.value;
      ++stats->points;
    }
    AttachExemplars(s.exemplars, arenas, &m.number_points.back().exemplars);
  }
  return batch;
}

}  // namespace otter::prometheusremotewrite
