// The metric table's on-disk encodings (docs/storage.md, "Metrics" and "Native histograms"): a
// series' float samples and histogram samples as block records, and the metric block index.
#include <algorithm>
#include <bit>
#include <cstring>

#include "store/metric_table.h"

namespace otter::store {
// ---------------------------------------------------------------- sample encoding

void EncodeSamples(const std::vector<Sample>& samples, std::string* out) {
  PutVarint(*out, samples.size());
  int64_t prev_t = 0, prev_delta = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    int64_t t = samples[i].t_ms;
    if (i == 0) {
      PutVarint(*out, ZigZag(t));
    } else {
      int64_t delta = t - prev_t;
      PutVarint(*out, ZigZag(delta - prev_delta));
      prev_delta = delta;
    }
    prev_t = t;
  }
  uint64_t prev_bits = 0;
  for (const Sample& s : samples) {
    uint64_t bits = std::bit_cast<uint64_t>(s.v);
    // Close values share sign, exponent and high mantissa bits: the XOR's set bits sit low in
    // the high bytes, so byte-swapping makes it a short varint.
    PutVarint(*out, __builtin_bswap64(bits ^ prev_bits));
    prev_bits = bits;
  }
}

bool DecodeSamples(std::string_view data, std::vector<Sample>* out) {
  IndexReader in(data);
  uint64_t n = 0;
  if (!in.Varint(&n) || n > data.size()) return false;
  size_t base = out->size();
  out->resize(base + n);
  int64_t t = 0, delta = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t z;
    if (!in.Varint(&z)) return false;
    if (i == 0) {
      t = UnZigZag(z);
    } else {
      delta += UnZigZag(z);
      t += delta;
    }
    (*out)[base + i].t_ms = t;
  }
  uint64_t bits = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t x;
    if (!in.Varint(&x)) return false;
    bits ^= __builtin_bswap64(x);
    (*out)[base + i].v = std::bit_cast<double>(bits);
  }
  return in.done();
}

void EncodeHistogramSamples(const std::vector<HistogramSample>& samples, std::string* out) {
  PutVarint(*out, samples.size());
  int64_t prev = 0;
  for (const HistogramSample& s : samples) {
    PutVarint(*out, ZigZag(s.t_ms - prev));
    prev = s.t_ms;
    s.h.EncodeTo(out);
  }
}

bool DecodeHistogramSamples(std::string_view data, std::vector<HistogramSample>* out) {
  IndexReader in(data);
  uint64_t n = 0;
  if (!in.Varint(&n) || n > data.size()) return false;
  int64_t t = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t z;
    if (!in.Varint(&z)) return false;
    t += UnZigZag(z);
    std::string_view rest = data.substr(data.size() - in.remaining());
    HistogramSample s{t, {}};
    if (!NativeHistogram::Decode(&rest, &s.h)) return false;
    out->push_back(std::move(s));
    in = IndexReader(rest);
  }
  return in.done();
}

// ---------------------------------------------------------------- block index

namespace {

void PutLabels(std::string& out, const Labels& labels) {
  PutVarint(out, labels.size());
  for (const auto& l : labels) {
    PutString(out, l.name);
    PutString(out, l.value);
  }
}

bool ReadLabels(IndexReader& in, Labels* out) {
  uint64_t n = 0;
  if (!in.Varint(&n)) return false;
  for (uint64_t i = 0; i < n && in.ok(); ++i) {
    std::string_view k, v;
    in.String(&k);
    in.String(&v);
    out->push_back(Label{std::string(k), std::string(v)});
  }
  return in.ok();
}

}  // namespace

void MetricTable::PutIndex(const std::vector<IndexEntry>& entries,
                           const std::vector<std::pair<std::string, MetricMetadata>>& metadata,
                           std::string* out) {
  std::string& index = *out;
  // Float entries, the metadata, then (only when there are any) the histogram entries.
  auto put_entries = [&](bool histogram) {
    size_t n = 0;
    for (const IndexEntry& e : entries) n += e.histogram == histogram;
    PutVarint(index, n);
    for (const IndexEntry& e : entries) {
      if (e.histogram != histogram) continue;
      PutLabels(index, e.labels);
      PutVarint(index, e.loc.frame);
      PutVarint(index, e.loc.offset);
      PutVarint(index, e.loc.length);
      PutVarint(index, ZigZag(e.min_t));
      PutVarint(index, static_cast<uint64_t>(e.max_t - e.min_t));
      PutVarint(index, e.exemplars.size());
      for (const auto& x : e.exemplars) {
        PutVarint(index, ZigZag(x.t_ms));
        char v[8];
        std::memcpy(v, &x.value, 8);
        index.append(v, 8);
        PutLabels(index, x.labels);
      }
    }
  };
  put_entries(false);
  PutVarint(index, metadata.size());
  for (const auto& [name, md] : metadata) {
    PutString(index, name);
    PutString(index, md.type);
    PutString(index, md.help);
    PutString(index, md.unit);
  }
  if (std::any_of(entries.begin(), entries.end(), [](const IndexEntry& e) { return e.histogram; }))
    put_entries(true);
}

Status MetricTable::ParseIndex(const BlockReader& reader, std::vector<IndexEntry>* entries,
                               std::vector<std::pair<std::string, MetricMetadata>>* metadata) {
  IndexReader in(reader.signal_index());
  auto read_entries = [&](bool histogram) {
    uint64_t n = 0;
    in.Varint(&n);
    for (uint64_t i = 0; in.ok() && i < n; ++i) {
      IndexEntry e;
      e.histogram = histogram;
      uint64_t min = 0, span = 0, nex = 0;
      ReadLabels(in, &e.labels);
      in.U32(&e.loc.frame);
      in.U32(&e.loc.offset);
      in.U32(&e.loc.length);
      in.Varint(&min);
      in.Varint(&span);
      e.min_t = UnZigZag(min);
      e.max_t = e.min_t + static_cast<int64_t>(span);
      in.Varint(&nex);
      for (uint64_t j = 0; in.ok() && j < nex; ++j) {
        ExemplarData x;
        uint64_t t = 0;
        std::string_view v;
        in.Varint(&t);
        in.Bytes(8, &v);
        if (!in.ok()) break;
        x.t_ms = UnZigZag(t);
        std::memcpy(&x.value, v.data(), 8);
        ReadLabels(in, &x.labels);
        e.exemplars.push_back(std::move(x));
      }
      entries->push_back(std::move(e));
    }
  };
  read_entries(false);
  uint64_t nmeta = 0;
  in.Varint(&nmeta);
  for (uint64_t i = 0; in.ok() && i < nmeta; ++i) {
    std::string_view name, type, help, unit;
    in.String(&name);
    in.String(&type);
    in.String(&help);
    in.String(&unit);
    metadata->emplace_back(std::string(name),
                           MetricMetadata{std::string(type), std::string(help), std::string(unit)});
  }
  // Blocks written before native histograms end here.
  if (in.ok() && !in.done()) read_entries(true);
  if (!in.ok() || !in.done()) return DataLoss(reader.path() + ": malformed metric index");
  return Status::Ok();
}

}  // namespace otter::store
