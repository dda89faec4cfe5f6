#include "exporters/prometheus/exposition.h"

#include <algorithm>
#include <cmath>

#include "query/promql/go_compat.h"
#include "store/prom_naming.h"

namespace otter::prometheus_exporter {
namespace {

using Labels = std::map<std::string, std::string>;

void AppendEscaped(std::string_view s, bool quotes, std::string& out) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quotes)
      out += "\\\"";
    else
      out += c;
  }
}

std::string RenderLabels(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (v.empty()) continue;  // an empty label is no label in Prometheus
    if (!out.empty()) out += ',';
    out += k;
    out += "=\"";
    AppendEscaped(v, true, out);
    out += '"';
  }
  return out;
}

// `*` matches any run of characters (otelcol's resource_constant_labels patterns).
bool WildcardMatch(std::string_view pattern, std::string_view s) {
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = i;
    } else if (p < pattern.size() && pattern[p] == s[i]) {
      ++p;
      ++i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool MatchesAny(const std::vector<std::string>& patterns, std::string_view key) {
  for (const auto& p : patterns)
    if (WildcardMatch(p, key)) return true;
  return false;
}

bool IsServiceKey(std::string_view k) {
  return k == "service.name" || k == "service.namespace" || k == "service.instance.id";
}

std::string ValueString(const pdata::AnyValue& v) {
  std::string s;
  store::promconv::AppendAttributeValueString(v, &s);
  return s;
}

// Attributes as labels; keys that sanitise to one label join their values with ';' in key order.
void AddAttributes(const pdata::Attributes& attrs, std::string_view prefix, Labels& out) {
  std::vector<std::pair<std::string_view, const pdata::AnyValue*>> sorted;
  for (const auto& kv : attrs) sorted.emplace_back(kv.key, &kv.value);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  Labels mine;
  for (const auto& [key, value] : sorted) {
    std::string name = store::PrometheusLabelName(std::string(prefix) + std::string(key));
    if (name.empty()) continue;
    auto [it, fresh] = mine.emplace(name, ValueString(*value));
    if (!fresh) it->second += ";" + ValueString(*value);
  }
  for (auto& [k, v] : mine) out.emplace(k, std::move(v));  // earlier groups win
}

std::string Job(const pdata::Resource& r) {
  const pdata::AnyValue* name = pdata::FindAttribute(r.attributes, "service.name");
  if (!name) return {};
  const pdata::AnyValue* ns = pdata::FindAttribute(r.attributes, "service.namespace");
  std::string job = ns ? ValueString(*ns) : "";
  return job.empty() ? ValueString(*name) : job + "/" + ValueString(*name);
}

std::string Instance(const pdata::Resource& r) {
  const pdata::AnyValue* id = pdata::FindAttribute(r.attributes, "service.instance.id");
  return id ? ValueString(*id) : "";
}

// A float as client_golang writes it: Go's %g (and "+Inf", "-Inf", "NaN"); OpenMetrics also
// wants integers to look like floats ("1.0").
std::string Float(double v, bool om) {
  std::string s = query::promql::FormatGoFloat(v);
  if (om && std::isfinite(v) && s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string Timestamp(uint64_t t_ns, bool om) {
  if (om) return Float(static_cast<double>(t_ns) / 1e9, false);
  return std::to_string(t_ns / 1'000'000);
}

std::string ExemplarLabels(const pdata::Exemplar& e) {
  std::string out;
  if (!e.trace_id.empty()) out += "trace_id=\"" + e.trace_id.Hex() + "\"";
  if (!e.span_id.empty())
    out += std::string(out.empty() ? "" : ",") + "span_id=\"" + e.span_id.Hex() + "\"";
  return out;
}

double ExemplarValue(const pdata::Exemplar& e) {
  return e.is_int ? static_cast<double>(e.as_int) : e.as_double;
}

}  // namespace

// The labels every point of one (resource, scope) shares.
struct Exposition::PointLabels {
  Labels labels;
};

Exposition::Exposition(const PrometheusExporterConfig& cfg, Clock clock)
    : cfg_(cfg), clock_(std::move(clock)) {}

Exposition::Family* Exposition::FamilyFor(const std::string& name, Type type, std::string_view help,
                                          AddResult& r, size_t points) {
  auto [it, fresh] = families_.try_emplace(name);
  if (fresh) {
    it->second.type = type;
    it->second.help = std::string(help);
  } else if (it->second.type != type) {
    r.dropped += points;
    if (r.drop_reason.empty())
      r.drop_reason = "metric \"" + name + "\" has another type than the series already served";
    return nullptr;
  }
  return &it->second;
}

Exposition::AddResult Exposition::Add(const pdata::MetricBatch& batch) {
  AddResult r;
  const TimePoint now = clock_();
  std::lock_guard lock(mu_);
  const std::string prefix =
      cfg_.name_space.empty() ? "" : store::PrometheusLabelName(cfg_.name_space) + "_";
  for (const auto& rm : batch.resources()) {
    const std::string job = Job(rm.resource), instance = Instance(rm.resource);
    PointLabels base;
    if (!job.empty()) base.labels.emplace("job", job);
    if (!instance.empty()) base.labels.emplace("instance", instance);
    for (const auto& [k, v] : cfg_.const_labels) base.labels.emplace(k, v);
    // Resource attributes as labels, chosen by resource_constant_labels (or the older switch).
    pdata::Attributes chosen;
    for (const auto& kv : rm.resource.attributes) {
      bool take = false;
      if (cfg_.resource_constant_labels) {
        const auto& rc = *cfg_.resource_constant_labels;
        take = (rc.included.empty() ? !rc.excluded.empty() : MatchesAny(rc.included, kv.key)) &&
               !MatchesAny(rc.excluded, kv.key);
      } else if (cfg_.resource_to_telemetry_conversion.enabled) {
        take = !(cfg_.resource_to_telemetry_conversion.exclude_service_attributes &&
                 IsServiceKey(kv.key));
      }
      if (take) chosen.push_back(kv);
    }
    // target_info: the resource's other attributes, once per job/instance.
    if (!job.empty() || !instance.empty()) {
      Labels info;
      if (!job.empty()) info.emplace("job", job);
      if (!instance.empty()) info.emplace("instance", instance);
      pdata::Attributes rest;
      for (const auto& kv : rm.resource.attributes)
        if (!IsServiceKey(kv.key)) rest.push_back(kv);
      AddAttributes(rest, "", info);
      if (Family* f = FamilyFor(prefix + "target_info", Type::kGauge, "Target metadata", r, 0)) {
        Series& s = f->series[RenderLabels(info)];
        s.value = 1;
        s.updated = now;
      }
    }
    for (const auto& sm : rm.scope_metrics) {
      PointLabels scoped = base;
      if (!cfg_.without_scope_info) {
        scoped.labels.emplace("otel_scope_name", std::string(sm.scope.name));
        scoped.labels.emplace("otel_scope_version", std::string(sm.scope.version));
        scoped.labels.emplace("otel_scope_schema_url", std::string(sm.schema_url));
        AddAttributes(sm.scope.attributes, "otel_scope_", scoped.labels);
      }
      AddAttributes(chosen, "", scoped.labels);
      for (const auto& m : sm.metrics) AddMetric(m, scoped, r);
    }
  }
  return r;
}

void Exposition::AddMetric(const pdata::Metric& m, const PointLabels& base, AddResult& r) {
  using pdata::AggregationTemporality;
  using pdata::MetricType;
  const size_t points = m.DataPointCount();
  auto drop_n = [&](size_t n, std::string_view reason) {
    r.dropped += n;
    if (r.drop_reason.empty())
      r.drop_reason = "metric \"" + std::string(m.name) + "\": " + std::string(reason);
  };
  auto drop = [&](std::string_view reason) { drop_n(points, reason); };
  auto drop_point = [&](std::string_view reason) { drop_n(1, reason); };
  std::string name = cfg_.WithSuffixes() ? store::PrometheusMetricName(m)
                                         : store::promconv::BuildMetricName(
                                               m.name, "", store::promconv::MetricKind::kUnknown);
  if (name.empty()) return drop("its name has no character Prometheus allows");
  if (!cfg_.name_space.empty()) name = store::PrometheusLabelName(cfg_.name_space) + "_" + name;
  const TimePoint now = clock_();
  auto labels_of = [&](const pdata::Attributes& attrs, Labels extra = {}) {
    Labels l = base.labels;
    AddAttributes(attrs, "", l);
    for (auto& [k, v] : extra) l[k] = v;
    return RenderLabels(l);
  };
  const bool delta = m.temporality == AggregationTemporality::kDelta;
  // The series a point updates, or null when the point ends it ("no recorded value").
  auto series_of = [&](Family& f, const auto& p, bool* fresh) -> Series* {
    std::string key = labels_of(p.attributes);
    if (p.flags & pdata::kNoRecordedValueFlag) {
      f.series.erase(key);
      return nullptr;
    }
    auto [it, inserted] = f.series.try_emplace(std::move(key));
    *fresh = inserted;
    return &it->second;
  };

  switch (m.type) {
    case MetricType::kGauge:
    case MetricType::kSum: {
      const bool counter = m.type == MetricType::kSum && m.is_monotonic;
      if (m.type == MetricType::kSum && m.temporality == AggregationTemporality::kUnspecified)
        return drop("sum without aggregation temporality");
      if (m.type == MetricType::kSum && delta && !m.is_monotonic)
        return drop("non-monotonic delta sum (cannot be made cumulative)");
      Family* f =
          FamilyFor(name, counter ? Type::kCounter : Type::kGauge, m.description, r, points);
      if (!f) return;
      for (const auto& p : m.number_points) {
        bool fresh = false;
        Series* sp = series_of(*f, p, &fresh);
        if (!sp) continue;
        Series& s = *sp;
        if (!fresh && p.time_unix_nano < s.t_ns) continue;  // older than what is served
        double v = p.ValueAsDouble();
        if (!fresh && delta && p.start_time_unix_nano == s.t_ns) v += s.value;  // next delta
        s.value = v;
        s.t_ns = p.time_unix_nano;
        s.updated = now;
        if (counter && !p.exemplars.empty()) {
          const pdata::Exemplar& e = p.exemplars.back();
          s.exemplars.assign(1, Exemplar{ExemplarLabels(e), ExemplarValue(e), e.time_unix_nano});
        }
        ++r.accepted;
      }
      return;
    }
    case MetricType::kHistogram: {
      if (m.temporality == AggregationTemporality::kUnspecified)
        return drop("histogram without aggregation temporality");
      Family* f = FamilyFor(name, Type::kHistogram, m.description, r, points);
      if (!f) return;
      for (const auto& p : m.histogram_points) {
        if (p.bucket_counts.size() != p.explicit_bounds.size() + 1 && !p.bucket_counts.empty()) {
          drop_point("bucket counts do not match bounds");
          continue;
        }
        bool fresh = false;
        Series* sp = series_of(*f, p, &fresh);
        if (!sp) continue;
        Series& s = *sp;
        const bool same_layout = s.bounds == p.explicit_bounds;
        if (!fresh && delta && p.start_time_unix_nano == s.t_ns && same_layout) {
          for (size_t i = 0; i < s.buckets.size() && i < p.bucket_counts.size(); ++i)
            s.buckets[i] += p.bucket_counts[i];
          s.count += p.count;
          s.sum += p.sum.value_or(0);
        } else if (!fresh &&
                   (delta ? p.start_time_unix_nano < s.t_ns : p.time_unix_nano < s.t_ns)) {
          drop_point("a point older than the one served");  // misaligned delta, stale point
          continue;
        } else {
          s.bounds = p.explicit_bounds;
          s.buckets = p.bucket_counts;
          s.buckets.resize(s.bounds.size() + 1);
          s.count = p.count;
          s.sum = p.sum.value_or(0);
          s.exemplars.assign(s.bounds.size() + 1, std::nullopt);
        }
        s.t_ns = p.time_unix_nano;
        s.updated = now;
        for (const auto& e : p.exemplars) {
          double v = ExemplarValue(e);
          size_t b = std::lower_bound(s.bounds.begin(), s.bounds.end(), v) - s.bounds.begin();
          s.exemplars[b] = Exemplar{ExemplarLabels(e), v, e.time_unix_nano};
        }
        ++r.accepted;
      }
      return;
    }
    case MetricType::kSummary: {
      Family* f = FamilyFor(name, Type::kSummary, m.description, r, points);
      if (!f) return;
      for (const auto& p : m.summary_points) {
        bool fresh = false;
        Series* sp = series_of(*f, p, &fresh);
        if (!sp) continue;
        Series& s = *sp;
        if (!fresh && p.time_unix_nano < s.t_ns) continue;
        s.quantiles.clear();
        for (const auto& q : p.quantile_values) s.quantiles.emplace_back(q.quantile, q.value);
        std::sort(s.quantiles.begin(), s.quantiles.end());
        s.count = p.count;
        s.sum = p.sum;
        s.t_ns = p.time_unix_nano;
        s.updated = now;
        ++r.accepted;
      }
      return;
    }
    case MetricType::kExponentialHistogram:
      return drop(
          "exponential histograms are native histograms, which need a protobuf scrape; otter "
          "serves text (send them to the store, or use explicit buckets)");
    case MetricType::kEmpty:
      return;
  }
}

void Exposition::RenderFamily(const std::string& name, const Family& f, bool om,
                              std::string& out) const {
  static constexpr const char* kTypeNames[] = {"counter", "gauge", "histogram", "summary"};
  std::string family = name;
  if (om && f.type == Type::kCounter && family.ends_with("_total"))
    family.resize(family.size() - 6);
  out += "# HELP " + family + " ";
  AppendEscaped(f.help, om, out);
  out += "\n# TYPE " + family + " " + kTypeNames[static_cast<int>(f.type)] + "\n";
  auto sample = [&](std::string_view suffix, const std::string& labels, std::string_view extra,
                    const std::string& value, const Series& s, const std::optional<Exemplar>* ex) {
    out += family;
    out += suffix;
    if (!labels.empty() || !extra.empty()) {
      out += '{';
      out += labels;
      if (!labels.empty() && !extra.empty()) out += ',';
      out += extra;
      out += '}';
    }
    out += ' ';
    out += value;
    if (cfg_.send_timestamps) out += " " + Timestamp(s.t_ns, om);
    if (om && ex && *ex) {
      out += " # {" + (*ex)->labels + "} " + Float((*ex)->value, true);
      if ((*ex)->t_ns) out += " " + Timestamp((*ex)->t_ns, true);
    }
    out += '\n';
  };
  for (const auto& [labels, s] : f.series) {
    switch (f.type) {
      case Type::kCounter:  // OpenMetrics names the family without _total, the sample with it
        sample(om ? "_total" : "", labels, "", Float(s.value, om), s,
               s.exemplars.empty() ? nullptr : &s.exemplars[0]);
        break;
      case Type::kGauge:
        sample("", labels, "", Float(s.value, om), s, nullptr);
        break;
      case Type::kHistogram: {
        uint64_t cumulative = 0;
        for (size_t i = 0; i <= s.bounds.size(); ++i) {
          cumulative += i < s.buckets.size() ? s.buckets[i] : 0;
          std::string le = i < s.bounds.size() ? Float(s.bounds[i], om) : "+Inf";
          sample("_bucket", labels, "le=\"" + le + "\"",
                 std::to_string(i < s.bounds.size() ? cumulative : s.count), s,
                 i < s.exemplars.size() ? &s.exemplars[i] : nullptr);
        }
        sample("_sum", labels, "", Float(s.sum, om), s, nullptr);
        sample("_count", labels, "", std::to_string(s.count), s, nullptr);
        break;
      }
      case Type::kSummary:
        for (const auto& [q, v] : s.quantiles)
          sample("", labels, "quantile=\"" + Float(q, om) + "\"", Float(v, om), s, nullptr);
        sample("_sum", labels, "", Float(s.sum, om), s, nullptr);
        sample("_count", labels, "", std::to_string(s.count), s, nullptr);
        break;
    }
  }
}

std::string Exposition::Render(bool open_metrics) {
  const TimePoint now = clock_();
  std::lock_guard lock(mu_);
  std::string out;
  for (auto fit = families_.begin(); fit != families_.end();) {
    auto& series = fit->second.series;
    std::erase_if(series,
                  [&](const auto& e) { return e.second.updated + cfg_.metric_expiration < now; });
    if (series.empty()) {
      fit = families_.erase(fit);
      continue;
    }
    RenderFamily(fit->first, fit->second, open_metrics, out);
    ++fit;
  }
  if (open_metrics) out += "# EOF\n";
  return out;
}

size_t Exposition::SeriesCount() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [name, f] : families_) n += f.series.size();
  return n;
}

}  // namespace otter::prometheus_exporter
