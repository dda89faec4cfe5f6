#include "receivers/prometheus/target_converter.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "store/hash.h"
#include "store/prom_naming.h"

namespace otter::promscrape {
namespace {

constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ull;
const double kStaleNaN = std::bit_cast<double>(kStaleNaNBits);
bool IsStale(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

constexpr uint64_t kSeed = 0x5ca1ab1e0ddba11ull;

uint64_t LabelHash(std::string_view name, std::string_view value) {
  return store::HashBytes(value, store::HashBytes(name, kSeed));
}

struct InternalMeta {
  std::string_view name, help, unit;
};
// Prometheus's synthetic per-target metrics, with the metadata otelcol gives them.
constexpr InternalMeta kInternal[] = {
    {"up", "The scraping was successful", ""},
    {"scrape_duration_seconds", "Duration of the scrape", "seconds"},
    {"scrape_samples_scraped", "The number of samples the target exposed", ""},
    {"scrape_samples_post_metric_relabeling",
     "The number of samples remaining after metric relabeling was applied", ""},
    {"scrape_series_added", "The approximate number of new series in this scrape", ""},
};
const InternalMeta* FindInternal(std::string_view name) {
  for (const auto& m : kInternal)
    if (m.name == name) return &m;
  return nullptr;
}

// otelcol's normalizeMetricName: the first of these suffixes that ends the name is trimmed.
std::string_view Normalize(std::string_view name) {
  for (std::string_view s : {"_bucket", "_count", "_sum", "_total", "_info", "_created"})
    if (name.size() > s.size() && name.ends_with(s)) return name.substr(0, name.size() - s.size());
  return name;
}

bool IsDiscernibleHost(std::string_view host) {
  if (host == "localhost" || host.empty()) return false;
  if (host.starts_with("127.") || host == "0.0.0.0" || host == "::" || host == "::1") {
    // Loopback or unspecified IPs (127.0.0.0/8 only when the rest is an IPv4 address).
    if (host.starts_with("127.")) {
      for (char c : host)
        if (!((c >= '0' && c <= '9') || c == '.')) return true;
    }
    return false;
  }
  return true;
}

// Go's net.SplitHostPort for "host:port" and "[v6]:port"; false when there is no port.
bool SplitHostPort(std::string_view hp, std::string_view* host, std::string_view* port) {
  if (!hp.empty() && hp[0] == '[') {
    size_t close = hp.find(']');
    if (close == std::string_view::npos || close + 1 >= hp.size() || hp[close + 1] != ':')
      return false;
    *host = hp.substr(1, close - 1);
    *port = hp.substr(close + 2);
    return true;
  }
  size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos || hp.find(':') != colon) return false;
  *host = hp.substr(0, colon);
  *port = hp.substr(colon + 1);
  return true;
}

uint64_t NanosFromSeconds(double s) {
  if (!(s > 0)) return 0;
  auto secs = static_cast<int64_t>(s);
  auto nanos = static_cast<int64_t>((s - static_cast<double>(secs)) * 1e9);
  return static_cast<uint64_t>(secs * 1'000'000'000 + nanos);
}
uint64_t NanosFromMs(int64_t ms) { return ms > 0 ? static_cast<uint64_t>(ms) * 1'000'000 : 0; }

bool ParseBoundary(std::string_view s, double* out) { return !s.empty() && ParsePromFloat(s, out); }

}  // namespace

// ---- Assembler: one scrape's samples → families → pdata ---------------------------------------

class TargetConverter::Assembler {
 public:
  Assembler(TargetConverter* conv, pdata::MetricBatch* batch, ScrapeStats* stats)
      : conv_(conv), batch_(batch), stats_(stats) {
    groups_.Reserve(conv->series_gen_.size());  // about as many groups as the last scrape
  }

  // One sample with its final labels (no __name__). `copy` when the strings do not live in the
  // batch's arenas.
  void Add(std::string_view name, const std::vector<Label>& labels, int64_t ts_ms, double v,
           const pdata::Exemplar* exemplar, bool copy);
  void Finish();
  // The value of process_start_time_seconds in this scrape (0 = none).
  double process_start = 0;

 private:
  struct Group {
    uint64_t key = 0;
    int64_t ts_ms = 0;
    pdata::Attributes attrs;
    double value = 0, count = 0, sum = 0, created = 0;
    bool has_value = false, has_count = false, has_sum = false;
    std::vector<std::pair<double, double>> bounds;  // (le or quantile, value)
    std::vector<pdata::Exemplar> exemplars;
  };
  struct Family {
    std::string_view name;         // the OTLP metric name
    std::string_view meta_family;  // the metadata's family name (for `_created`)
    FamilyType type = FamilyType::kUnknown;
    std::string_view help, unit;
    uint32_t resource = 0, scope = 0;
    std::vector<Group> groups;
  };
  struct Scope {
    std::string key;  // name \0 version \0 schema \0 attributes
    pdata::InstrumentationScope scope;
    std::string_view schema_url;
  };
  struct Resource {
    std::string_view job, instance;
    pdata::Attributes extra;  // from target_info
    uint32_t default_scope = UINT32_MAX;
    std::vector<Scope> scopes;
  };
  struct FamilyKey {
    std::string_view name;
    uint32_t resource, scope;
    bool operator==(const FamilyKey&) const = default;
  };
  struct FamilyKeyHash {
    size_t operator()(const FamilyKey& k) const {
      return store::HashBytes(k.name, kSeed) ^ (uint64_t{k.resource} << 32 | k.scope);
    }
  };

  std::string_view Str(std::string_view s, bool copy) {
    return copy ? batch_->arenas().Copy(s) : s;
  }
  uint32_t ResourceFor(const std::vector<Label>& labels);
  uint32_t ScopeFor(Resource& r, const std::vector<Label>& labels, bool info, bool copy);
  uint32_t FamilyFor(std::string_view name, uint32_t res, uint32_t scope, bool copy);
  void BuildPoints(Family& f, pdata::Metric* m);
  static void SortBounds(Group& g);
  void AdjustStart(const Family& f, const Group& g, bool stale, double value, double sum,
                   uint64_t* start);

  TargetConverter* conv_;
  pdata::MetricBatch* batch_;
  ScrapeStats* stats_;
  std::vector<Resource> resources_;
  std::vector<Family> families_;
  std::unordered_map<FamilyKey, uint32_t, FamilyKeyHash> family_of_;  // by sample name
  std::unordered_map<FamilyKey, uint32_t, FamilyKeyHash> by_family_;  // by family name
  FamilyKey last_key_{};
  uint32_t last_family_ = UINT32_MAX;
  FlatTable<uint32_t> groups_;  // (family, group key) → index in the family's groups
};

uint32_t TargetConverter::Assembler::ResourceFor(const std::vector<Label>& labels) {
  std::string_view job, instance;
  for (const Label& l : labels) {
    if (l.name == "job")
      job = l.value;
    else if (l.name == "instance")
      instance = l.value;
  }
  if (job.empty()) job = conv_->spec_.labels.Get("job");
  if (instance.empty()) instance = conv_->spec_.labels.Get("instance");
  for (uint32_t i = 0; i < resources_.size(); ++i)
    if (resources_[i].job == job && resources_[i].instance == instance) return i;
  Resource& r = resources_.emplace_back();
  r.job = batch_->arenas().Copy(job);
  r.instance = batch_->arenas().Copy(instance);
  return static_cast<uint32_t>(resources_.size() - 1);
}

uint32_t TargetConverter::Assembler::ScopeFor(Resource& r, const std::vector<Label>& labels,
                                              bool info, bool copy) {
  std::string_view name, version, schema;
  bool any = false;
  pdata::Attributes attrs;
  for (const Label& l : labels) {
    if (l.name == "otel_scope_name")
      name = l.value, any = true;
    else if (l.name == "otel_scope_version")
      version = l.value, any = true;
    else if (l.name == "otel_scope_schema_url")
      schema = l.value, any = true;
    else if (l.name.starts_with("otel_scope_")) {
      any = true;
      attrs.push_back({Str(l.name.substr(11), copy), pdata::AnyValue::String(Str(l.value, copy))});
    } else if (info && l.name != "job" && l.name != "instance") {
      attrs.push_back({Str(l.name, copy), pdata::AnyValue::String(Str(l.value, copy))});
    }
  }
  if (!any && !info) {
    if (r.default_scope == UINT32_MAX) {
      r.default_scope = static_cast<uint32_t>(r.scopes.size());
      Scope& s = r.scopes.emplace_back();
      s.key = std::string(1, '\x01');  // never equal to a key built from labels
      s.scope.name = kReceiverScopeName;
      s.scope.version = batch_->arenas().Copy(conv_->spec_.scope_version);
    }
    return r.default_scope;
  }
  std::string key;
  key.append(name).push_back('\0');
  key.append(version).push_back('\0');
  key.append(schema).push_back('\0');
  if (!info)
    for (const auto& a : attrs)
      key.append(a.key).append("=").append(a.value.string_value).push_back('\0');
  for (uint32_t i = 0; i < r.scopes.size(); ++i)
    if (r.scopes[i].key == key) {
      if (info) r.scopes[i].scope.attributes = std::move(attrs);
      return i;
    }
  Scope& s = r.scopes.emplace_back();
  s.key = std::move(key);
  s.scope.name = Str(name, copy);
  s.scope.version = Str(version, copy);
  s.scope.attributes = std::move(attrs);
  s.schema_url = Str(schema, copy);
  return static_cast<uint32_t>(r.scopes.size() - 1);
}

uint32_t TargetConverter::Assembler::FamilyFor(std::string_view name, uint32_t res, uint32_t scope,
                                               bool copy) {
  FamilyKey key{name, res, scope};
  if (last_family_ != UINT32_MAX && last_key_ == key) return last_family_;
  auto it = family_of_.find(key);
  if (it != family_of_.end()) {
    last_key_ = key;
    return last_family_ = it->second;
  }
  // otelcol's metadataForMetric: the synthetic metrics, then the name itself, then the name
  // without a type suffix (counters keep their sample name; the other types take the family's).
  name = Str(name, copy);
  key.name = name;
  FamilyType type = FamilyType::kUnknown;
  std::string_view family_name = name, meta_family = name, help, unit;
  auto& md = conv_->metadata_;
  if (const InternalMeta* im = FindInternal(name)) {
    type = FamilyType::kGauge;
    help = im->help;
    unit = im->unit;
  } else if (auto m = md.find(std::string(name)); m != md.end()) {
    type = m->second.type;
    help = batch_->arenas().Copy(m->second.help);
    unit = batch_->arenas().Copy(m->second.unit);
  } else if (auto n = md.find(std::string(Normalize(name))); n != md.end()) {
    type = n->second.type;
    help = batch_->arenas().Copy(n->second.help);
    unit = batch_->arenas().Copy(n->second.unit);
    meta_family = Normalize(name);
    if (type != FamilyType::kCounter) family_name = meta_family;
    if (type == FamilyType::kCounter && name.ends_with("_created")) {
      // A counter's `_created` line joins its "<family>_total" family (otelcol works around
      // prometheus/prometheus#14823 the same way).
      std::string total = std::string(meta_family) + "_total";
      auto f = by_family_.find(FamilyKey{total, res, scope});
      if (f != by_family_.end()) {
        family_of_.emplace(key, f->second);
        last_key_ = key;
        return last_family_ = f->second;
      }
    }
  }
  FamilyKey fkey{family_name, res, scope};
  auto f = by_family_.find(fkey);
  uint32_t idx;
  if (f != by_family_.end()) {
    idx = f->second;
  } else {
    idx = static_cast<uint32_t>(families_.size());
    Family& fam = families_.emplace_back();
    fam.name = family_name;
    fam.meta_family = meta_family;
    fam.type = type;
    fam.help = help;
    fam.unit = unit;
    fam.resource = res;
    fam.scope = scope;
    by_family_.emplace(fkey, idx);
  }
  family_of_.emplace(key, idx);
  last_key_ = key;
  return last_family_ = idx;
}

void TargetConverter::Assembler::Add(std::string_view name, const std::vector<Label>& labels,
                                     int64_t ts_ms, double v, const pdata::Exemplar* exemplar,
                                     bool copy) {
  const uint32_t res = ResourceFor(labels);
  if (name == "target_info") {
    for (const Label& l : labels)
      if (l.name != "job" && l.name != "instance")
        pdata::UpsertAttribute(resources_[res].extra, Str(l.name, copy),
                               pdata::AnyValue::String(Str(l.value, copy)));
    return;
  }
  if (name == "otel_scope_info") {
    ScopeFor(resources_[res], labels, true, copy);
    return;
  }
  if (conv_->spec_.use_start_time_metric && name == "process_start_time_seconds" && !IsStale(v))
    process_start = v;
  const uint32_t scope = ScopeFor(resources_[res], labels, false, copy);
  const uint32_t fi = FamilyFor(name, res, scope, copy);
  Family& f = families_[fi];
  const bool hist = f.type == FamilyType::kHistogram;
  const bool summary = f.type == FamilyType::kSummary;
  // The group key: the labels without the ones otelcol finds not useful for this type.
  uint64_t gkey = 0;
  std::string_view boundary;
  for (const Label& l : labels) {
    if (l.name == "job" || l.name == "instance" || l.name.starts_with("otel_scope_")) continue;
    if ((hist && l.name == "le") || (summary && l.name == "quantile")) {
      boundary = l.value;
      continue;
    }
    gkey += LabelHash(l.name, l.value);
  }
  gkey = store::Mix(gkey ^ 0x9e3779b97f4a7c15ull, fi + 1);
  gkey += gkey == 0;
  auto [slot, inserted] = groups_.FindOrInsert(gkey);
  if (inserted) *slot = static_cast<uint32_t>(f.groups.size());
  const uint32_t gi = *slot;
  if (inserted) {
    Group& g = f.groups.emplace_back();
    g.key = gkey;
    g.ts_ms = ts_ms;
    g.attrs.reserve(labels.size());
    for (const Label& l : labels) {
      if (l.name == "job" || l.name == "instance" || l.value.empty() ||
          l.name.starts_with("otel_scope_") || (hist && l.name == "le") ||
          (summary && l.name == "quantile"))
        continue;
      g.attrs.push_back({Str(l.name, copy), pdata::AnyValue::String(Str(l.value, copy))});
    }
  }
  Group& g = f.groups[gi];
  if (g.ts_ms != ts_ms) {
    ++stats_->dropped;  // inconsistent timestamps within one metric group
    return;
  }
  if (hist || summary) {
    if (name.ends_with("_sum")) {
      g.sum = v;
      g.has_sum = true;
    } else if (name.ends_with("_count")) {
      g.count = v;
      g.has_count = true;
    } else if (name.size() == f.meta_family.size() + 8 && name.starts_with(f.meta_family) &&
               name.ends_with("_created")) {
      g.created = v;
    } else {
      double b = 0;
      if (!ParseBoundary(boundary, &b)) {
        ++stats_->dropped;
        return;
      }
      g.bounds.emplace_back(b, v);
    }
  } else if (f.type == FamilyType::kCounter && name.size() == f.meta_family.size() + 8 &&
             name.starts_with(f.meta_family) && name.ends_with("_created")) {
    g.created = v;
  } else {
    g.value = v;
    g.has_value = true;
  }
  if (exemplar && !summary) g.exemplars.push_back(*exemplar);
}

void TargetConverter::Assembler::AdjustStart(const Family& f, const Group& g, bool stale,
                                             double value, double sum, uint64_t* start) {
  if (g.created != 0 && !stale) {
    *start = NanosFromSeconds(g.created);
    return;
  }
  if (conv_->spec_.use_start_time_metric && process_start > 0) {
    *start = NanosFromSeconds(process_start);
    return;
  }
  const Resource& r = resources_[f.resource];
  uint64_t key = store::Mix(store::HashBytes(f.name, kSeed) ^ g.key,
                            store::HashBytes(r.instance, store::HashBytes(r.job, kSeed)) | 1);
  key += key == 0;
  auto [state, fresh] = conv_->starts_.FindOrInsert(key);
  StartState& s = *state;
  s.last_seen = conv_->generation_;
  const uint64_t t = NanosFromMs(g.ts_ms);
  if (fresh) {
    s.start_ns = t;
  } else if (!stale && (value < s.prev_value || sum < s.prev_sum)) {
    s.start_ns = t;  // a reset: the series starts over at this point
  }
  if (!stale) {
    s.prev_value = value;
    s.prev_sum = sum;
  }
  *start = s.start_ns;
}

void TargetConverter::Assembler::SortBounds(Group& g) {
  std::sort(g.bounds.begin(), g.bounds.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

void TargetConverter::Assembler::BuildPoints(Family& f, pdata::Metric* m) {
  switch (f.type) {
    case FamilyType::kHistogram: {
      m->type = pdata::MetricType::kHistogram;
      m->temporality = pdata::AggregationTemporality::kCumulative;
      for (Group& g : f.groups) {
        if (!g.has_count) continue;
        const bool stale = IsStale(g.sum) || IsStale(g.count);
        SortBounds(g);
        size_t n = g.bounds.size();
        if (n > 0 && g.bounds[n - 1].first == std::numeric_limits<double>::infinity()) --n;
        if (!stale) {
          double prev = 0;
          bool bad = false;
          for (size_t i = 0; i < n; ++i) {
            if (std::isnan(g.bounds[i].second) || g.bounds[i].second < prev) bad = true;
            prev = g.bounds[i].second;
          }
          if (bad || std::isnan(g.count) || g.count < prev) {
            ++stats_->dropped;
            continue;
          }
        }
        pdata::HistogramDataPoint& p = m->histogram_points.emplace_back();
        p.attributes = std::move(g.attrs);
        p.time_unix_nano = NanosFromMs(g.ts_ms);
        if (stale) {
          p.flags = pdata::kNoRecordedValueFlag;
          // otelcol leaves the sum out of a stale point; otter keeps it (as the stale NaN) when
          // the series had a _sum, so that the store writes a stale marker for <name>_sum too.
          if (g.has_sum) p.sum = kStaleNaN;
        } else {
          p.count = static_cast<uint64_t>(g.count);
          if (g.has_sum) p.sum = g.sum;
        }
        p.explicit_bounds.reserve(n);
        p.bucket_counts.reserve(n + 1);
        for (size_t i = 0; i < n; ++i) {
          p.explicit_bounds.push_back(g.bounds[i].first);
          double c = stale ? 0 : g.bounds[i].second - (i ? g.bounds[i - 1].second : 0);
          p.bucket_counts.push_back(static_cast<uint64_t>(c));
        }
        p.bucket_counts.push_back(
            stale ? 0 : static_cast<uint64_t>(g.count - (n ? g.bounds[n - 1].second : 0)));
        AdjustStart(f, g, stale, g.count, g.sum, &p.start_time_unix_nano);
        p.exemplars = std::move(g.exemplars);
      }
      break;
    }
    case FamilyType::kSummary: {
      m->type = pdata::MetricType::kSummary;
      for (Group& g : f.groups) {
        if (!g.has_count) continue;
        const bool stale = IsStale(g.sum) || IsStale(g.count);
        SortBounds(g);
        pdata::SummaryDataPoint& p = m->summary_points.emplace_back();
        p.attributes = std::move(g.attrs);
        p.time_unix_nano = NanosFromMs(g.ts_ms);
        if (stale) {
          p.flags = pdata::kNoRecordedValueFlag;
        } else {
          p.count = static_cast<uint64_t>(g.count);
          if (g.has_sum) p.sum = g.sum;
        }
        for (const auto& [q, v] : g.bounds) p.quantile_values.push_back({q, stale ? 0 : v});
        AdjustStart(f, g, stale, g.count, g.sum, &p.start_time_unix_nano);
      }
      break;
    }
    default: {
      const bool sum = f.type == FamilyType::kCounter || f.type == FamilyType::kInfo ||
                       f.type == FamilyType::kStateset;
      m->type = sum ? pdata::MetricType::kSum : pdata::MetricType::kGauge;
      if (sum) {
        m->temporality = pdata::AggregationTemporality::kCumulative;
        m->is_monotonic = f.type == FamilyType::kCounter;
      }
      for (Group& g : f.groups) {
        if (!g.has_value) continue;
        pdata::NumberDataPoint& p = m->number_points.emplace_back();
        p.attributes = std::move(g.attrs);
        p.time_unix_nano = NanosFromMs(g.ts_ms);
        const bool stale = IsStale(g.value);
        if (stale) {
          p.flags = pdata::kNoRecordedValueFlag;
        } else {
          p.value_type = pdata::NumberDataPoint::ValueType::kDouble;
          p.as_double = g.value;
        }
        if (sum) AdjustStart(f, g, stale, g.value, 0, &p.start_time_unix_nano);
        p.exemplars = std::move(g.exemplars);
      }
    }
  }
}

void TargetConverter::Assembler::Finish() {
  auto& arenas = batch_->arenas();
  auto& out = batch_->resources();
  std::vector<std::vector<size_t>> scope_index(resources_.size());
  std::vector<size_t> rm_index(resources_.size(), SIZE_MAX);
  for (Family& f : families_) {
    pdata::Metric m;
    m.name = f.name;
    m.description = f.help;
    if (!f.unit.empty()) m.unit = arenas.Copy(store::promconv::UnitWordToUcum(f.unit));
    m.metadata.push_back({"prometheus.type", pdata::AnyValue::String(FamilyTypeName(f.type))});
    BuildPoints(f, &m);
    if (m.DataPointCount() == 0) continue;
    Resource& r = resources_[f.resource];
    if (rm_index[f.resource] == SIZE_MAX) {
      rm_index[f.resource] = out.size();
      pdata::ResourceMetrics& rm = out.emplace_back();
      auto& attrs = rm.resource.attributes;
      std::string_view host = r.instance, port;
      if (!SplitHostPort(r.instance, &host, &port)) host = r.instance;
      attrs.push_back({"service.name", pdata::AnyValue::String(r.job)});
      if (IsDiscernibleHost(host))
        attrs.push_back({"server.address", pdata::AnyValue::String(host)});
      attrs.push_back({"service.instance.id", pdata::AnyValue::String(r.instance)});
      attrs.push_back({"server.port", pdata::AnyValue::String(port)});
      attrs.push_back({"url.scheme", pdata::AnyValue::String(arenas.Copy(conv_->spec_.scheme))});
      for (const auto& kv : r.extra) pdata::UpsertAttribute(attrs, kv.key, kv.value);
      scope_index[f.resource].assign(r.scopes.size(), SIZE_MAX);
    }
    pdata::ResourceMetrics& rm = out[rm_index[f.resource]];
    size_t& si = scope_index[f.resource][f.scope];
    if (si == SIZE_MAX) {
      si = rm.scope_metrics.size();
      pdata::ScopeMetrics& sm = rm.scope_metrics.emplace_back();
      sm.scope = r.scopes[f.scope].scope;
      sm.schema_url = r.scopes[f.scope].schema_url;
    }
    rm.scope_metrics[si].metrics.push_back(std::move(m));
  }
}

// ---- TargetConverter --------------------------------------------------------------------------

TargetConverter::TargetConverter(TargetSpec spec) : spec_(std::move(spec)) {}

void TargetConverter::RecordSeries(uint64_t hash, std::string_view name,
                                   const std::vector<Label>& labels) {
  uint32_t off = static_cast<uint32_t>(cur_buf_.size());
  cur_buf_.append(name).push_back('\0');
  for (const Label& l : labels)
    cur_buf_.append(l.name).append(1, '\0').append(l.value).push_back('\0');
  cur_series_.push_back({hash, off, static_cast<uint32_t>(cur_buf_.size() - off)});
}

void TargetConverter::EmitStale(Assembler& a, int64_t ms, bool all, ScrapeStats* stats) {
  std::vector<Label> labels;
  for (const SeriesRecord& s : prev_series_) {
    if (!all) {
      const uint64_t* gen = series_gen_.Find(s.hash);
      if (gen && *gen == generation_) continue;
    }
    std::string_view rec(prev_buf_.data() + s.offset, s.size);
    size_t z = rec.find('\0');
    std::string_view name = rec.substr(0, z);
    labels.clear();
    size_t p = z + 1;
    while (p < rec.size()) {
      size_t e1 = rec.find('\0', p);
      size_t e2 = rec.find('\0', e1 + 1);
      labels.push_back({rec.substr(p, e1 - p), rec.substr(e1 + 1, e2 - e1 - 1)});
      p = e2 + 1;
    }
    a.Add(name, labels, ms, kStaleNaN, nullptr, true);
    if (stats) ++stats->stale_series;
  }
}

pdata::MetricBatch TargetConverter::Convert(std::string body, std::string_view content_type,
                                            int64_t scrape_ms, double duration_s,
                                            const Status& fetch_error, ScrapeStats* stats) {
  ++generation_;
  pdata::MetricBatch batch;
  auto& arenas = batch.arenas();
  // The target's labels, copied once per scrape into the batch (points refer to them).
  target_labels_.clear();
  for (const auto& l : spec_.labels.labels())
    target_labels_.push_back({arenas.Copy(l.name), arenas.Copy(l.value)});
  cur_buf_.clear();
  cur_series_.clear();

  auto assembler = std::make_unique<Assembler>(this, &batch, stats);
  Status error = fetch_error;
  if (error.ok()) {
    std::string_view text = arenas.Adopt(std::move(body));
    ExpositionParser parser(text, FormatFromContentType(content_type), &arenas);
    std::vector<Label> labels;
    LabelSet relabeled;
    pdata::Exemplar ex;
    for (;;) {
      auto entry = parser.Next();
      if (!entry.ok()) {
        error = entry.status();
        break;
      }
      if (*entry == ExpositionParser::Entry::kEof) break;
      if (*entry != ExpositionParser::Entry::kSample) {
        auto [it, fresh] = metadata_.try_emplace(std::string(parser.family()));
        FamilyMeta& m = it->second;
        if (fresh || m.last_seen != generation_) m = FamilyMeta{};
        m.last_seen = generation_;
        if (*entry == ExpositionParser::Entry::kType)
          m.type = parser.type();
        else if (*entry == ExpositionParser::Entry::kHelp)
          m.help = parser.help();
        else
          m.unit = parser.unit();
        continue;
      }
      ++stats->samples_scraped;
      // The sample's labels merged with the target's (Prometheus's mutateSampleLabels).
      std::string_view name = parser.name();
      labels.clear();
      for (const Label& l : parser.labels()) {
        if (l.value.empty()) continue;
        bool clash = false;
        for (const Label& t : target_labels_) clash = clash || t.name == l.name;
        if (!clash || spec_.honor_labels) {
          labels.push_back(l);
          continue;
        }
        std::string renamed = "exported_" + std::string(l.name);
        auto taken = [&](std::string_view n) {
          for (const Label& s : parser.labels())
            if (s.name == n) return true;
          for (const Label& t : target_labels_)
            if (t.name == n) return true;
          return false;
        };
        while (taken(renamed)) renamed = "exported_" + renamed;
        labels.push_back({arenas.Copy(renamed), l.value});
      }
      for (const Label& t : target_labels_) {
        bool present = false;
        if (spec_.honor_labels)
          for (const Label& l : parser.labels())
            present = present || (l.name == t.name && !l.value.empty());
        if (!present) labels.push_back(t);
      }
      if (!spec_.metric_relabel.empty()) {
        relabeled = LabelSet();
        relabeled.Set("__name__", name);
        for (const Label& l : labels) relabeled.Set(l.name, l.value);
        if (!Relabel(spec_.metric_relabel, &relabeled)) continue;
        name = arenas.Copy(relabeled.Get("__name__"));
        if (name.empty()) continue;
        labels.clear();
        for (const auto& l : relabeled.labels())
          if (l.name != "__name__") labels.push_back({arenas.Copy(l.name), arenas.Copy(l.value)});
      }
      ++stats->samples_post_relabel;
      if (spec_.sample_limit && stats->samples_post_relabel > spec_.sample_limit) {
        error = ResourceExhausted("sample limit exceeded (sample_limit " +
                                  std::to_string(spec_.sample_limit) + ")");
        break;
      }
      uint64_t h = store::HashBytes(name, kSeed);
      for (const Label& l : labels) h += LabelHash(l.name, l.value);
      h += h == 0;
      const bool explicit_ts = spec_.honor_timestamps && parser.has_timestamp();
      auto [gen, fresh] = series_gen_.FindOrInsert(h);
      if (!fresh && *gen == generation_) {
        ++stats->dropped;  // a duplicate series in one scrape: Prometheus drops it too
        continue;
      }
      if (fresh || *gen != last_scrape_gen_) ++stats->series_added;
      *gen = generation_;
      // Series with their own timestamps get no stale markers, as in Prometheus.
      if (!explicit_ts) RecordSeries(h, name, labels);
      const pdata::Exemplar* exp = nullptr;
      if (parser.has_exemplar()) {
        ex = pdata::Exemplar{};
        ex.as_double = parser.exemplar_value();
        ex.time_unix_nano = NanosFromMs(parser.exemplar_has_timestamp()
                                            ? parser.exemplar_timestamp_ms()
                                            : (explicit_ts ? parser.timestamp_ms() : scrape_ms));
        for (const Label& l : parser.exemplar_labels()) {
          if (l.value.empty()) continue;
          if (l.name == "trace_id" && pdata::ParseHexId(l.value, &ex.trace_id) &&
              !ex.trace_id.empty())
            continue;
          if (l.name == "span_id" && pdata::ParseHexId(l.value, &ex.span_id) && !ex.span_id.empty())
            continue;
          ex.filtered_attributes.push_back({l.name, pdata::AnyValue::String(l.value)});
        }
        exp = &ex;
      }
      assembler->Add(name, labels, explicit_ts ? parser.timestamp_ms() : scrape_ms, parser.value(),
                     exp, false);
    }
  }
  if (!error.ok()) {
    // A failed scrape keeps nothing of the exposition: every previous series goes stale.
    stats->error = error;
    assembler = std::make_unique<Assembler>(this, &batch, stats);
    cur_buf_.clear();
    cur_series_.clear();
    stats->series_added = 0;
  }
  EmitStale(*assembler, scrape_ms, !error.ok(), stats);
  // The synthetic per-target metrics, with the target's labels.
  const double values[] = {
      error.ok() ? 1.0 : 0.0, duration_s, static_cast<double>(stats->samples_scraped),
      static_cast<double>(stats->samples_post_relabel), static_cast<double>(stats->series_added)};
  for (size_t i = 0; i < std::size(kInternal); ++i)
    assembler->Add(kInternal[i].name, target_labels_, scrape_ms, values[i], nullptr, false);
  reported_ = true;
  assembler->Finish();
  prev_buf_.swap(cur_buf_);
  prev_series_.swap(cur_series_);
  last_scrape_gen_ = error.ok() ? generation_ : 0;
  // Forget what has not been seen for a while (bounded state).
  for (auto it = metadata_.begin(); it != metadata_.end();)
    it = it->second.last_seen + 2 < generation_ ? metadata_.erase(it) : std::next(it);
  starts_.RemoveIf([&](const StartState& s) { return s.last_seen + 2 < generation_; });
  series_gen_.RemoveIf([&](uint64_t gen) { return gen + 2 < generation_; });
  return batch;
}

pdata::MetricBatch TargetConverter::StaleAll(int64_t ms) {
  ++generation_;
  pdata::MetricBatch batch;
  ScrapeStats stats;
  target_labels_.clear();
  for (const auto& l : spec_.labels.labels())
    target_labels_.push_back({batch.arenas().Copy(l.name), batch.arenas().Copy(l.value)});
  Assembler a(this, &batch, &stats);
  EmitStale(a, ms, true, &stats);
  if (reported_)
    for (const auto& im : kInternal) a.Add(im.name, target_labels_, ms, kStaleNaN, nullptr, false);
  a.Finish();
  prev_buf_.clear();
  prev_series_.clear();
  series_gen_.Clear();
  last_scrape_gen_ = 0;
  reported_ = false;
  return batch;
}

}  // namespace otter::promscrape
