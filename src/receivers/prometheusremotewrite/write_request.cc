#include "receivers/prometheusremotewrite/write_request.h"

#include <algorithm>

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
      ++out->histograms;
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
    stats->skipped_histograms += s.histograms;
    std::string_view name = Label(s.labels, "__name__");
    if (name.empty()) {
      ++stats->skipped_series;
      continue;
    }
    if (s.samples.empty()) continue;
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
    const bool counter = fam != families.end() && fam->second.type == 1;
    m.type = counter ? pdata::MetricType::kSum : pdata::MetricType::kGauge;
    if (counter) {
      m.temporality = pdata::AggregationTemporality::kCumulative;
      m.is_monotonic = true;
    }
    pdata::Attributes attrs;
    for (const auto& l : s.labels) {
      if (l.name == "__name__" || l.name == "job" || l.name == "instance") continue;
      attrs.push_back({arenas.Copy(l.name), pdata::AnyValue::String(arenas.Copy(l.value))});
    }
    for (const RwSample& smp : s.samples) {
      pdata::NumberDataPoint& p = m.number_points.emplace_back();
      p.attributes = attrs;
      p.time_unix_nano = static_cast<uint64_t>(std::max<int64_t>(smp.t_ms, 0)) * 1'000'000;
      p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
      p.as_double = smp.value;
      ++stats->points;
    }
    for (const RwExemplar& e : s.exemplars) {
      pdata::Exemplar ex;
      ex.as_double = e.value;
      ex.time_unix_nano = static_cast<uint64_t>(std::max<int64_t>(e.t_ms, 0)) * 1'000'000;
      for (const auto& l : e.labels) {
        if (l.name == "trace_id" && pdata::ParseHexId(l.value, &ex.trace_id)) continue;
        if (l.name == "span_id" && pdata::ParseHexId(l.value, &ex.span_id)) continue;
        ex.filtered_attributes.push_back(
            {arenas.Copy(l.name), pdata::AnyValue::String(arenas.Copy(l.value))});
      }
      m.number_points.back().exemplars.push_back(std::move(ex));
    }
  }
  return batch;
}

}  // namespace otter::prometheusremotewrite
