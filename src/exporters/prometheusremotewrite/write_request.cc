#include "exporters/prometheusremotewrite/write_request.h"

#include <bit>
#include <cstring>

namespace otter::prometheusremotewrite {
namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2 };

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(v | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
void PutTag(std::string& out, uint32_t field, WireType type) { PutVarint(out, field << 3 | type); }
void PutDouble(std::string& out, uint32_t field, double v) {
  PutTag(out, field, kFixed64);
  uint64_t bits = std::bit_cast<uint64_t>(v);
  char b[8];
  std::memcpy(b, &bits, 8);  // little-endian hosts only (x86-64, arm64)
  out.append(b, 8);
}
void PutInt(std::string& out, uint32_t field, int64_t v) {
  if (v == 0) return;
  PutTag(out, field, kVarint);
  PutVarint(out, static_cast<uint64_t>(v));
}
void PutSint(std::string& out, uint32_t field, int64_t v) {
  if (v == 0) return;
  PutTag(out, field, kVarint);
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
void PutBytes(std::string& out, uint32_t field, std::string_view s) {
  PutTag(out, field, kLen);
  PutVarint(out, s.size());
  out.append(s);
}

std::string LabelMessage(const store::Label& l) {
  std::string m;
  PutBytes(m, 1, l.name);
  PutBytes(m, 2, l.value);
  return m;
}

// prometheus.BucketSpan: offset sint32 = 1, length uint32 = 2.
std::string SpanMessage(const store::HistogramSpan& s) {
  std::string m;
  PutSint(m, 1, s.offset);
  PutInt(m, 2, s.length);
  return m;
}

// prometheus.Histogram with float counts (count_float = 2, zero_count_float = 7,
// negative_counts = 10, positive_counts = 13: absolute counts, packed doubles).
std::string HistogramMessage(const store::HistogramSample& hs) {
  const store::NativeHistogram& h = hs.h;
  std::string m;
  PutDouble(m, 2, h.count);
  PutDouble(m, 3, h.sum);
  PutSint(m, 4, h.schema);
  PutDouble(m, 5, h.zero_threshold);
  PutDouble(m, 7, h.zero_count);
  auto counts = [&](uint32_t field, const std::vector<double>& v) {
    if (v.empty()) return;
    std::string packed;
    for (double d : v) {
      uint64_t bits = std::bit_cast<uint64_t>(d);
      char b[8];
      std::memcpy(b, &bits, 8);
      packed.append(b, 8);
    }
    PutBytes(m, field, packed);
  };
  for (const auto& s : h.negative_spans) PutBytes(m, 8, SpanMessage(s));
  counts(10, h.negative_buckets);
  for (const auto& s : h.positive_spans) PutBytes(m, 11, SpanMessage(s));
  counts(13, h.positive_buckets);
  PutInt(m, 14, static_cast<int64_t>(h.hint));
  PutInt(m, 15, hs.t_ms);
  return m;
}

std::string MetadataMessage(const store::MetricFamilyMetadata& md) {
  static const std::pair<std::string_view, int> kTypes[] = {
      {"counter", 1}, {"gauge", 2}, {"histogram", 3}, {"gaugehistogram", 4},
      {"summary", 5}, {"info", 6},  {"stateset", 7}};
  int type = 0;
  for (const auto& [name, v] : kTypes)
    if (md.metadata.type == name) type = v;
  std::string m;
  PutInt(m, 1, type);
  PutBytes(m, 2, md.name);
  if (!md.metadata.help.empty()) PutBytes(m, 4, md.metadata.help);
  if (!md.metadata.unit.empty()) PutBytes(m, 5, md.metadata.unit);
  return m;
}

}  // namespace

std::string EncodeTimeSeries(const store::ConvertedSeries& s) {
  std::string m;
  for (const auto& l : s.labels) PutBytes(m, 1, LabelMessage(l));
  for (const auto& smp : s.samples) {
    std::string sm;
    PutDouble(sm, 1, smp.v);
    PutInt(sm, 2, smp.t_ms);
    PutBytes(m, 2, sm);
  }
  for (const auto& e : s.exemplars) {
    std::string em;
    for (const auto& l : e.labels) PutBytes(em, 1, LabelMessage(l));
    PutDouble(em, 2, e.value);
    PutInt(em, 3, e.t_ms);
    PutBytes(m, 3, em);
  }
  for (const auto& h : s.histograms) PutBytes(m, 4, HistogramMessage(h));
  return m;
}

std::vector<std::string> EncodeWriteRequests(
    const std::vector<store::ConvertedSeries>& series,
    const std::vector<store::MetricFamilyMetadata>& metadata, size_t max_bytes) {
  std::vector<std::string> out;
  std::string cur;
  for (const auto& md : metadata) PutBytes(cur, 3, MetadataMessage(md));
  for (const auto& s : series) {
    if (s.samples.empty() && s.histograms.empty() && s.exemplars.empty()) continue;
    std::string ts;
    PutBytes(ts, 1, EncodeTimeSeries(s));
    if (!cur.empty() && cur.size() + ts.size() > max_bytes) out.push_back(std::exchange(cur, {}));
    cur += ts;
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

}  // namespace otter::prometheusremotewrite
