#include "store/delta_accumulator.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "store/block.h"
#include "store/crc32.h"
#include "store/file_util.h"

namespace otter::store {
namespace {

constexpr std::string_view kMagic = "OTDELTA1";
constexpr uint64_t kNanosPerMilli = 1'000'000;
// Expiry sweeps run at most this often (in data time), and at least every max_stale.
constexpr uint64_t kSweepNs = 60'000 * kNanosPerMilli;

void PutFixed64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

void DeltaAccumulator::Drop(const DeltaPoint& p, std::string_view why, ConvertedMetrics* out) {
  ++out->dropped_points;
  ++dropped_;
  AddDropReason("metric \"" + p.metric + "\": " + std::string(why), out);
}

void DeltaAccumulator::Expire() {
  if (options_.max_stale_ms <= 0) return;
  const uint64_t stale_ns = static_cast<uint64_t>(options_.max_stale_ms) * kNanosPerMilli;
  if (watermark_ns_ - last_sweep_ns_ < std::min(stale_ns, kSweepNs)) return;
  last_sweep_ns_ = watermark_ns_;
  std::erase_if(streams_,
                [&](const auto& kv) { return kv.second.last_ns + stale_ns < watermark_ns_; });
}

void DeltaAccumulator::Accumulate(ConvertedMetrics* converted) {
  if (converted->delta_points.empty()) return;
  // Where each point's values are: (series, index into its deltas).
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> refs(converted->delta_points.size());
  // An exponential histogram point's one value: (series, index into its delta_histograms).
  std::vector<std::pair<uint32_t, uint32_t>> hrefs(converted->delta_points.size(), {UINT32_MAX, 0});
  for (uint32_t s = 0; s < converted->series.size(); ++s) {
    const auto& deltas = converted->series[s].deltas;
    for (uint32_t k = 0; k < deltas.size(); ++k) refs[deltas[k].point].emplace_back(s, k);
    const auto& hd = converted->series[s].delta_histograms;
    for (uint32_t k = 0; k < hd.size(); ++k) hrefs[hd[k].point] = {s, k};
  }
  std::vector<double> values;
  for (size_t i = 0; i < converted->delta_points.size(); ++i) {
    const DeltaPoint& p = converted->delta_points[i];
    watermark_ns_ = std::max(watermark_ns_, p.t_ns);
    Expire();
    if (p.histogram && hrefs[i].first == UINT32_MAX) continue;  // its series was refused
    const NativeHistogram* hist =
        p.histogram ? &converted->series[hrefs[i].first].delta_histograms[hrefs[i].second].h
                    : nullptr;
    values.assign(p.components, 0.0);
    for (auto [s, k] : refs[i]) {
      const DeltaValue& d = converted->series[s].deltas[k];
      if (d.component < values.size()) values[d.component] = d.v;
    }
    auto it = streams_.find(p.stream);
    if (it == streams_.end()) {
      if (options_.max_streams && streams_.size() >= options_.max_streams) {
        Drop(p,
             "delta stream limit reached (" + std::to_string(options_.max_streams) +
                 " streams): a new delta series is not converted to cumulative",
             converted);
        continue;
      }
      it = streams_.emplace(p.stream, Stream{}).first;
      it->second = Stream{p.start_ns, p.t_ns,      p.layout,
                          values,     p.histogram, hist ? *hist : NativeHistogram{}};
    } else {
      Stream& st = it->second;
      if (p.start_ns < st.start_ns) {
        Drop(p, "delta point starts before its series' start time (two senders of one series?)",
             converted);
        continue;
      }
      if (p.t_ns <= st.last_ns) {
        Drop(p, "delta point out of order (not newer than the series' last point)", converted);
        continue;
      }
      // A gap (start after the last point) is summed over, as the processor does: a delta SDK
      // sends nothing for an interval without measurements, so gaps are normal.
      if (p.layout != st.layout || values.size() != st.values.size() ||
          p.histogram != st.histogram) {
        // A new run of the stream.
        st = Stream{p.start_ns, p.t_ns,      p.layout,
                    values,     p.histogram, hist ? *hist : NativeHistogram{}};
      } else {
        for (size_t c = 0; c < values.size(); ++c) st.values[c] += values[c];
        if (hist) st.hist.Add(*hist);
        st.last_ns = p.t_ns;
      }
    }
    const Stream& st = it->second;
    const int64_t t_ms = static_cast<int64_t>(p.t_ns / kNanosPerMilli);
    for (auto [s, k] : refs[i]) {
      uint32_t c = converted->series[s].deltas[k].component;
      converted->series[s].samples.push_back(Sample{t_ms, st.values[c]});
    }
    if (hist) {
      NativeHistogram total = st.hist;
      total.Compact();
      converted->series[hrefs[i].first].histograms.push_back(
          HistogramSample{t_ms, std::move(total)});
    }
  }
  auto by_time = [](const Sample& a, const Sample& b) { return a.t_ms < b.t_ms; };
  auto hist_by_time = [](const HistogramSample& a, const HistogramSample& b) {
    return a.t_ms < b.t_ms;
  };
  for (auto& cs : converted->series) {
    if (cs.deltas.empty() && cs.delta_histograms.empty()) continue;
    cs.deltas.clear();
    cs.delta_histograms.clear();
    if (!std::is_sorted(cs.samples.begin(), cs.samples.end(), by_time))
      std::stable_sort(cs.samples.begin(), cs.samples.end(), by_time);
    if (!std::is_sorted(cs.histograms.begin(), cs.histograms.end(), hist_by_time))
      std::stable_sort(cs.histograms.begin(), cs.histograms.end(), hist_by_time);
  }
  std::erase_if(converted->series, [](const ConvertedSeries& cs) {
    return cs.samples.empty() && cs.histograms.empty() && cs.exemplars.empty();
  });
  converted->delta_points.clear();
}

// Image: magic "OTDELTA1", u32 crc32 of the body, body = varint watermark, varint last sweep,
// varint stream count, per stream: labels (varint count, name/value strings), varint start,
// varint last, fixed64 layout, u8 kind (0: varint value count, fixed64 IEEE-754 values; 1: a
// native histogram's encoding).
// Little-endian.
std::string DeltaAccumulator::Snapshot() const {
  std::string body;
  PutVarint(body, watermark_ns_);
  PutVarint(body, last_sweep_ns_);
  PutVarint(body, streams_.size());
  // In label order, so that equal states give equal images.
  std::vector<const std::pair<const Labels, Stream>*> sorted;
  sorted.reserve(streams_.size());
  for (const auto& kv : streams_) sorted.push_back(&kv);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (const auto* kv : sorted) {
    const Labels& labels = kv->first;
    const Stream& st = kv->second;
    PutVarint(body, labels.size());
    for (const auto& l : labels) {
      PutString(body, l.name);
      PutString(body, l.value);
    }
    PutVarint(body, st.start_ns);
    PutVarint(body, st.last_ns);
    PutFixed64(body, st.layout);
    if (st.histogram) {
      body.push_back(1);  // kind 1: a native histogram
      st.hist.EncodeTo(&body);
      continue;
    }
    body.push_back(0);  // kind 0: a vector of values
    PutVarint(body, st.values.size());
    for (double v : st.values) PutFixed64(body, std::bit_cast<uint64_t>(v));
  }
  std::string out(kMagic);
  uint32_t crc = Crc32(0, body);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  out += body;
  return out;
}

Status DeltaAccumulator::Restore(std::string_view image) {
  streams_.clear();
  watermark_ns_ = last_sweep_ns_ = 0;
  if (image.size() < kMagic.size() + 4 || image.substr(0, kMagic.size()) != kMagic)
    return DataLoss("delta state: bad magic");
  std::string_view body = image.substr(kMagic.size() + 4);
  if (LoadLE32(image.data() + kMagic.size()) != Crc32(0, body))
    return DataLoss("delta state: checksum mismatch");
  IndexReader in(body);
  uint64_t n = 0;
  in.Varint(&watermark_ns_);
  in.Varint(&last_sweep_ns_);
  in.Varint(&n);
  bool bad = false;
  for (uint64_t i = 0; in.ok() && !bad && i < n; ++i) {
    Labels labels;
    uint64_t nl = 0, nv = 0;
    in.Varint(&nl);
    for (uint64_t j = 0; in.ok() && j < nl; ++j) {
      std::string_view name, value;
      in.String(&name);
      in.String(&value);
      labels.push_back(Label{std::string(name), std::string(value)});
    }
    Stream st;
    std::string_view layout, kind;
    in.Varint(&st.start_ns);
    in.Varint(&st.last_ns);
    in.Bytes(8, &layout);
    in.Bytes(1, &kind);
    if (!in.ok() || (kind[0] != 0 && kind[0] != 1)) {
      bad = true;
      break;
    }
    st.layout = LoadLE64(layout.data());
    if (kind[0] == 1) {
      std::string_view rest = body.substr(body.size() - in.remaining());
      st.histogram = true;
      if (!NativeHistogram::Decode(&rest, &st.hist)) {
        bad = true;
        break;
      }
      in = IndexReader(rest);
      streams_.emplace(std::move(labels), std::move(st));
      continue;
    }
    in.Varint(&nv);
    if (!in.ok() || nv > in.remaining() / 8) {
      bad = true;
      break;
    }
    for (uint64_t j = 0; j < nv; ++j) {
      std::string_view v;
      in.Bytes(8, &v);
      st.values.push_back(std::bit_cast<double>(LoadLE64(v.data())));
    }
    streams_.emplace(std::move(labels), std::move(st));
  }
  if (bad || !in.ok() || !in.done()) {
    streams_.clear();
    watermark_ns_ = last_sweep_ns_ = 0;
    return DataLoss("delta state: malformed body");
  }
  return Status::Ok();
}

}  // namespace otter::store
