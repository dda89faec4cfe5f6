// The Loki API's index endpoints (query/loki_api.h): index/stats, index/volume and
// index/volume_range, answered from the store's index statistics (store::LogQuerier::IndexStats)
// without reading entries.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "query/http_params.h"
#include "query/json_writer.h"
#include "query/logql/engine.h"
#include "query/logql/parser.h"
#include "query/loki_api.h"
#include "query/loki_params.h"

namespace otter::query {

namespace {

constexpr uint64_t kDefaultVolumeLimit = 100;
// Loki's volume_max_series: distinct volumes one request may aggregate.
constexpr size_t kVolumeMaxSeries = 1000;

struct VolumeRequest {
  store::Matchers matchers;
  bool include_all = false;          // the selector was {}
  std::set<std::string> by;          // the labels volumes aggregate into
  std::vector<std::string> targets;  // targetLabels
  bool by_series = true;             // aggregateBy=series (else labels)
  uint64_t limit = kDefaultVolumeLimit;
};

StatusOr<VolumeRequest> ParseVolume(const HttpParams& p) {
  VolumeRequest v;
  ASSIGN_OR_RETURN(v.limit, loki::ParseCount(p, "limit", kDefaultVolumeLimit));
  std::string aggregate = p.GetOr("aggregateBy", "series");
  if (aggregate != "series" && aggregate != "labels")
    return InvalidArgument("invalid aggregation option");
  v.by_series = aggregate == "series";
  std::string query = p.GetOr("query", "");
  std::string_view trimmed = query;
  while (!trimmed.empty() && trimmed.front() == ' ') trimmed.remove_prefix(1);
  while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
  if (trimmed == "{}") {
    v.include_all = true;
  } else {
    ASSIGN_OR_RETURN(v.matchers, logql::ParseStreamSelector(query));
  }
  std::string targets = p.GetOr("targetLabels", "");
  for (size_t pos = 0; !targets.empty() && pos <= targets.size();) {
    size_t comma = std::min(targets.find(',', pos), targets.size());
    v.targets.push_back(targets.substr(pos, comma - pos));
    pos = comma + 1;
  }
  if (!v.targets.empty()) {
    // Streams must carry every target label.
    v.include_all = false;
    for (const auto& t : v.targets) {
      v.by.insert(t);
      bool named = std::any_of(v.matchers.begin(), v.matchers.end(),
                               [&](const store::LabelMatcher& m) { return m.name() == t; });
      if (!named) {
        ASSIGN_OR_RETURN(auto m, store::LabelMatcher::Make(store::LabelMatcher::Op::kRe, t, ".+"));
        v.matchers.push_back(std::move(m));
      }
    }
  } else {
    for (const auto& m : v.matchers) v.by.insert(m.name());
  }
  return v;
}

// Prometheus's Labels.String(): {a="1", b="2"}.
std::string LabelsString(const store::Labels& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ", ";
    JsonWriter w;
    w.String(labels[i].value);
    out += labels[i].name + "=" + w.Take();
  }
  return out + "}";
}

struct Volume {
  std::string name;  // Loki's key: the series' label string, or the label name
  store::Labels labels;
  uint64_t bytes = 0;
};

// One bucket's volumes as Loki's volume accumulator keeps them, the largest `v.limit` of them
// (ties by name).
StatusOr<std::vector<Volume>> Volumes(const VolumeRequest& v,
                                      const std::vector<store::StreamStats>& stats) {
  std::map<std::string, Volume> volumes;
  auto add = [&](std::string name, store::Labels labels, uint64_t bytes) {
    Volume& vol = volumes[name];
    if (vol.name.empty()) {
      vol.name = std::move(name);
      vol.labels = std::move(labels);
    }
    vol.bytes += bytes;
  };
  for (const auto& s : stats) {
    if (v.by_series) {
      store::Labels kept;
      for (const auto& l : s.labels)
        if (v.include_all || v.by.count(l.name)) kept.push_back(l);
      std::string name = LabelsString(kept);
      add(std::move(name), std::move(kept), s.bytes);
    } else {
      for (const auto& l : s.labels)
        if (v.targets.empty() || v.by.count(l.name)) add(l.name, {{l.name, ""}}, s.bytes);
    }
    if (volumes.size() > kVolumeMaxSeries)
      return InvalidArgument(fmt::format(
          "the query hit the max number of series limit (limit: {} series)", kVolumeMaxSeries));
  }
  std::vector<Volume> ranked;
  for (auto& [name, vol] : volumes) ranked.push_back(std::move(vol));
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const Volume& a, const Volume& b) { return a.bytes > b.bytes; });
  if (ranked.size() > v.limit) ranked.resize(v.limit);
  return ranked;
}

// The index window Loki asks for a bucket [from, to]: whole seconds, both ends included (ms).
std::pair<int64_t, int64_t> IndexWindow(int64_t from_ns, int64_t to_ns) {
  auto floor_s = [](int64_t ns) { return ns / loki::kSecondNs * loki::kSecondNs; };
  return {floor_s(from_ns), floor_s(to_ns) + 1000000};
}

struct VolumeSeries {
  std::string name;
  store::Labels labels;
  std::vector<std::pair<int64_t, uint64_t>> samples;  // (bucket ns, bytes), ascending
};

// Loki's answer: a vector when every series has one sample, else a matrix; series by their
// first value (descending), then name.
std::string VolumeJson(std::vector<VolumeSeries> series) {
  bool vector = std::all_of(series.begin(), series.end(),
                            [](const VolumeSeries& s) { return s.samples.size() == 1; });
  std::sort(series.begin(), series.end(), [](const VolumeSeries& a, const VolumeSeries& b) {
    uint64_t va = a.samples.front().second, vb = b.samples.front().second;
    return va != vb ? va > vb : a.name < b.name;
  });
  JsonWriter w;
  w.BeginObject().Key("status").String("success").Key("data").BeginObject();
  w.Key("resultType").String(vector ? "vector" : "matrix").Key("result").BeginArray();
  for (const auto& s : series) {
    w.BeginObject().Key("metric");
    loki::WriteLabels(w, s.labels);
    if (vector) {
      w.Key("value");
      loki::WritePoint(w, s.samples[0].first, static_cast<double>(s.samples[0].second));
    } else {
      w.Key("values").BeginArray();
      for (const auto& [t, b] : s.samples) loki::WritePoint(w, t, static_cast<double>(b));
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  loki::WriteStats(w, {}, 0);
  w.EndObject().EndObject();
  return w.Take();
}

}  // namespace

Status LokiApi::IndexStats(const Call& call, net::HttpResponse* out) const {
  ASSIGN_OR_RETURN(auto matchers, logql::ParseStreamSelector(call.params.GetOr("query", "")));
  ASSIGN_OR_RETURN(loki::TimeRange r, loki::ParseRange(call.params, call.now_ns));
  ASSIGN_OR_RETURN(auto stats, querier_.IndexStats(matchers, r.start, r.end, call.limits));
  uint64_t chunks = 0, bytes = 0, entries = 0;
  for (const auto& s : stats) {
    chunks += s.chunks;
    bytes += s.bytes;
    entries += s.entries;
  }
  JsonWriter w;
  w.BeginObject().Key("streams").Uint(stats.size()).Key("chunks").Uint(chunks);
  w.Key("bytes").Uint(bytes).Key("entries").Uint(entries).EndObject();
  loki::WriteJson(out, w.Take());
  return Status::Ok();
}

// One bucket at `end`.
Status LokiApi::IndexVolume(const Call& call, net::HttpResponse* out) const {
  ASSIGN_OR_RETURN(VolumeRequest v, ParseVolume(call.params));
  ASSIGN_OR_RETURN(loki::TimeRange r, loki::ParseRange(call.params, call.now_ns));
  auto [from, to] = IndexWindow(r.start, r.end);
  ASSIGN_OR_RETURN(auto stats, querier_.IndexStats(v.matchers, from, to, call.limits));
  ASSIGN_OR_RETURN(auto volumes, Volumes(v, stats));
  std::vector<VolumeSeries> series;
  for (auto& vol : volumes)
    series.push_back({std::move(vol.name), std::move(vol.labels), {{r.end, vol.bytes}}});
  loki::WriteJson(out, VolumeJson(std::move(series)), false);
  return Status::Ok();
}

Status LokiApi::IndexVolumeRange(const Call& call, net::HttpResponse* out) const {
  ASSIGN_OR_RETURN(VolumeRequest v, ParseVolume(call.params));
  ASSIGN_OR_RETURN(loki::TimeRange r, loki::ParseRange(call.params, call.now_ns));
  int64_t step = std::max<int64_t>((r.end - r.start) / loki::kSecondNs / 250, 1) * loki::kSecondNs;
  if (auto s = call.params.Get("step"); s && !s->empty()) {
    ASSIGN_OR_RETURN(step, loki::ParseSecondsOrDuration(*s, "step"));
  }
  if (step <= 0)
    return InvalidArgument(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  if ((r.end - r.start) / step > 11000)
    return InvalidArgument(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  std::map<std::string, VolumeSeries> by_name;
  // Buckets aligned to the step; the first starts at `start`, each ends 1 ms before the next.
  int64_t aligned = r.start - r.start % step;
  for (int64_t b = aligned; b < r.end; b += step) {
    int64_t from = b == aligned ? r.start : b;
    int64_t to = b + step >= r.end ? r.end : b + step - 1000000;
    auto [lo, hi] = IndexWindow(from, to);
    ASSIGN_OR_RETURN(auto stats, querier_.IndexStats(v.matchers, lo, hi, call.limits));
    ASSIGN_OR_RETURN(auto volumes, Volumes(v, stats));
    for (auto& vol : volumes) {
      VolumeSeries& s = by_name[vol.name];
      if (s.samples.empty()) {
        s.name = vol.name;
        s.labels = std::move(vol.labels);
      }
      s.samples.emplace_back(from, vol.bytes);
    }
  }
  std::vector<VolumeSeries> series;
  for (auto& [name, s] : by_name) series.push_back(std::move(s));
  loki::WriteJson(out, VolumeJson(std::move(series)), false);
  return Status::Ok();
}

}  // namespace otter::query
